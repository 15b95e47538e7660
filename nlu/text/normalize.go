package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxRunes caps how much of a message is normalised: customer messages are
// short, and a cap keeps a hostile 100 KB input from costing anything.
const MaxRunes = 4096

// t2s maps a Traditional character to its Simplified form. Built once from
// the generated constant; a read-only map is safe from many goroutines.
var t2s = func() map[rune]rune {
	m := make(map[rune]rune, len(t2sPairs)/4)
	rs := []rune(t2sPairs)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = rs[i+1]
	}
	return m
}()

// ToSimplified maps one rune from Traditional to Simplified Chinese; other
// runes come back unchanged.
func ToSimplified(r rune) rune {
	if s, ok := t2s[r]; ok {
		return s
	}
	return r
}

// Normalize returns the canonical form of s used for features and matching:
// invalid UTF-8 replaced, compatibility forms folded (full-width → half-width,
// ligatures), accents dropped, lower case, Traditional → Simplified,
// zero-width, bidi and control characters removed, white space collapsed to
// single spaces, and runs of the same punctuation folded to one ("！！！" → "!").
func Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) > MaxRunes {
		s = truncateRunes(s, MaxRunes)
	}
	// NFKD then dropping nonspacing marks strips accents (café → cafe) and
	// folds width; NFC afterwards recomposes what must stay composed (Hangul).
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	var prev rune = -1
	space := false
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			// Zero-width joiners, BOM, bidi overrides, NUL: invisible, so
			// they must not split or change a word.
			continue
		}
		r = unicode.ToLower(r)
		r = ToSimplified(r)
		if r == prev && r != '_' && IsPunct(r) {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		prev = r
	}
	return norm.NFC.String(b.String())
}

// IsPunct reports whether r is punctuation or a symbol (emoji included).
func IsPunct(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// IsCJK reports whether r is a Han character (or a CJK-block character that
// reads as a word of its own).
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
