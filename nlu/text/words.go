package text

import (
	"strings"
	"unicode"
)

// Word is one unit of a normalised message: a run of letters and digits, a
// single CJK character, or a placeholder such as __order_id__.
type Word struct {
	Text string
	CJK  bool // a single Han/kana/Hangul character
}

// Words splits normalised text into words. Punctuation and emoji separate
// words and are dropped, except that a run of '!' or '?' survives as the word
// "!" or "?" (it carries emphasis for the emotion model). CJK characters are
// one word each: Chinese has no spaces, so the tokenizer must never see a
// whole sentence as one word. Placeholders made by entity masking
// (__order_id__) stay whole.
func Words(s string) []Word {
	out := make([]Word, 0, len(s)/2)
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, Word{Text: s[start:end]})
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case IsCJK(r):
			flush(i)
			out = append(out, Word{Text: string(r), CJK: true})
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			if start < 0 {
				start = i
			}
		case r == '_' && strings.HasPrefix(s[i:], "__") && start < 0:
			// Possible placeholder: take it whole if it closes.
			if end := placeholderEnd(s, i); end > 0 {
				out = append(out, Word{Text: s[i:end]})
				// Skip the rest of the placeholder by marking it consumed.
				return append(out, Words(s[end:])...)
			}
		case r == '!' || r == '?':
			flush(i)
			if n := len(out); n == 0 || out[n-1].Text != string(r) {
				out = append(out, Word{Text: string(r)})
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
	return out
}

// placeholderEnd returns the end of a placeholder "__name__" starting at i,
// or -1.
func placeholderEnd(s string, i int) int {
	rest := s[i+2:]
	for j, r := range rest {
		if r == '_' {
			if strings.HasPrefix(rest[j:], "__") && j > 0 {
				return i + 2 + j + 2
			}
			continue
		}
		if !(r >= 'a' && r <= 'z') {
			return -1
		}
	}
	return -1
}
