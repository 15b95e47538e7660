package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
			// A slice of s, not string(r): no allocation per character.
			out = append(out, Word{Text: s[i : i+utf8.RuneLen(r)], CJK: true})
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
			if n := len(out); n == 0 || out[n-1].Text != s[i:i+1] {
				out = append(out, Word{Text: s[i : i+1]})
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
	return out
}

// HasWords reports whether Words(s) would find any word, without building
// them.
func HasWords(s string) bool {
	for i, r := range s {
		switch {
		case IsCJK(r), unicode.IsLetter(r), unicode.IsDigit(r), unicode.Is(unicode.Mc, r), r == '!', r == '?':
			return true
		case r == '_' && strings.HasPrefix(s[i:], "__") && placeholderEnd(s, i) > 0:
			return true
		}
	}
	return false
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
