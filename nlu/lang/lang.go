package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Language tags returned by Detect.
const (
	Chinese            = "zh"
	ChineseTraditional = "zh-Hant"
	English            = "en"
	Mixed              = "mixed"
	Undetermined       = "und"
)

// hanSet is a bitset over the CJK Unified Ideographs block, where every
// character of both tables lives; a lookup is a shift and a mask.
type hanSet [(hanLast - hanFirst + 64) / 64]uint64

const (
	hanFirst = 0x4E00
	hanLast  = 0x9FFF
)

func newHanSet(chars string) *hanSet {
	var s hanSet
	for _, r := range chars {
		if r >= hanFirst && r <= hanLast {
			s[(r-hanFirst)/64] |= 1 << ((r - hanFirst) % 64)
		}
	}
	return &s
}

func (s *hanSet) has(r rune) bool {
	return r >= hanFirst && r <= hanLast && s[(r-hanFirst)/64]&(1<<((r-hanFirst)%64)) != 0
}

// Built once from the constant tables; read-only afterwards.
var (
	simplified  = newHanSet(simplifiedOnly)
	traditional = newHanSet(traditionalOnly)
)

// fillers are Latin words Chinese speakers drop into Chinese sentences
// ("ok好的", "这个app怎么用", "hi 在吗"): they do not make a message mixed.
var fillers = map[string]bool{
	"ok": true, "okay": true, "okk": true, "hi": true, "hello": true, "hey": true,
	"bye": true, "thx": true, "pls": true, "plz": true, "emm": true, "emmm": true,
	"hmm": true, "haha": true, "hhh": true, "lol": true, "app": true, "wifi": true,
	"vip": true, "qq": true, "id": true, "pdf": true, "bug": true, "usb": true,
	"pc": true, "tv": true, "diy": true,
}

// Detect returns the language of text: "zh", "zh-Hant", "en", "mixed" or
// "und". The rules:
//
//   - Han characters count as Chinese; Latin letters of words count as
//     English, except in codes and names, which are not language:
//     words containing a digit (DD20241123001, SF123…, 5G, iPhone15),
//     placeholders (__order_id__), e-mail addresses and URLs, product names
//     (a capital after the first letter — iPhone, MacBook, USB — or a word
//     directly followed by a number — Mate 60, Pixel 8), loan fillers (ok,
//     app, hi …), and capitalised words when no lower-case word is present
//     (Nike, Apple Watch: a brand in a Chinese sentence is not English).
//   - One Han character weighs as much as two Latin letters (a Chinese word
//     is about two characters, an English one about five letters).
//   - "mixed" when both sides are meaningful: at least 3 Latin letters and 2
//     Han characters, and each side at least 20% of the weighted total —
//     so "我的order还没到" is mixed, while one English word in a long
//     Chinese sentence is still zh.
//   - Otherwise the heavier side wins. Chinese is "zh-Hant" when it has
//     more distinctly Traditional characters (們 這 說 訂 單 …) than
//     distinctly Simplified ones (们 这 说 订 单 …), else "zh".
//   - With no Chinese and no counted English: "en" if names or fillers were
//     seen ("iPhone 15", "ok"), else "und" (digits, emoji, punctuation,
//     codes alone, or only scripts kefu does not serve, such as Korean).
//
// Invalid UTF-8 is tolerated (its bytes count as nothing).
func Detect(text string) string {
	var d detector
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if isHan(r) {
			d.flush()
			d.han++
			if simplified.has(r) {
				d.simp++
			} else if traditional.has(r) {
				d.trad++
			}
			i += w
			continue
		}
		if unicode.IsSpace(r) {
			i += w
			continue
		}
		// A chunk is a run of neither space nor Han: one e-mail address,
		// URL, code or a few words with their punctuation.
		j := i + w
		for j < len(text) {
			r, w := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) || isHan(r) {
				break
			}
			j += w
		}
		d.chunk(text[i:j])
		i = j
	}
	d.flush()
	return d.result()
}

// Kinds of Latin word.
const (
	lower   = iota // "order": English
	capital        // "Where", "Nike": English only next to lower-case words
	name           // "iPhone", "Mate 60", "ok": not English
)

type detector struct {
	han, simp, trad int
	lower, capital  int // Latin letters in words of that kind
	names           int
	pending         bool // a Latin word waits to see whether a number follows
	pendKind        int
	pendLetters     int
}

func (d *detector) flush() {
	if !d.pending {
		return
	}
	d.pending = false
	switch d.pendKind {
	case lower:
		d.lower += d.pendLetters
	case capital:
		d.capital += d.pendLetters
	default:
		d.names += d.pendLetters
	}
}

func (d *detector) chunk(c string) {
	if strings.Contains(c, "@") || strings.Contains(c, "://") ||
		(len(c) >= 4 && strings.EqualFold(c[:4], "www.")) {
		d.flush()
		return
	}
	for i := 0; i < len(c); {
		r, w := utf8.DecodeRuneInString(c[i:])
		if !isWordRune(r) {
			i += w
			continue
		}
		j := i + w
		for j < len(c) {
			r, w := utf8.DecodeRuneInString(c[j:])
			if !isWordRune(r) {
				break
			}
			j += w
		}
		d.word(c[i:j])
		i = j
	}
}

// isHan is unicode.Is(unicode.Han, r) with the common cases answered
// without a table search.
func isHan(r rune) bool {
	switch {
	case r >= hanFirst && r <= hanLast:
		return true
	case r < 0x2E80:
		return false
	}
	return unicode.Is(unicode.Han, r)
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (d *detector) word(w string) {
	if len(w) >= 5 && strings.HasPrefix(w, "__") && strings.HasSuffix(w, "__") {
		d.flush() // a placeholder left by entity masking
		return
	}
	var latin, upperAfterFirst, n int
	firstUpper, digit := false, false
	var buf [8]byte // the word folded to lower-case ASCII, for fillers
	ascii := true
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.Is(unicode.Latin, r):
			latin++
			if unicode.IsUpper(r) {
				if n == 0 {
					firstUpper = true
				} else {
					upperAfterFirst++
				}
			}
		}
		if f := foldASCII(r); f != 0 && n < len(buf) {
			buf[n] = f
		} else {
			ascii = false
		}
		n++
	}
	if digit {
		// A code, and the word before it a model name ("Pixel 8").
		if d.pending {
			d.pendKind = name
		}
		d.flush()
		return
	}
	d.flush()
	if latin == 0 {
		return // kana, hangul, Cyrillic …: not a language kefu serves
	}
	kind := lower
	switch {
	case ascii && fillers[string(buf[:n])]:
		kind = name
	case upperAfterFirst > 0 && (upperAfterFirst < n-1 || n <= 4):
		kind = name // iPhone, MacBook, USB; but a shouted WHERE is a word
	case firstUpper || upperAfterFirst > 0:
		kind = capital
	}
	d.pending, d.pendKind, d.pendLetters = true, kind, latin
}

// foldASCII maps ASCII and full-width Latin letters to lower-case ASCII
// and everything else to 0.
func foldASCII(r rune) byte {
	if r >= 0xFF21 && r <= 0xFF5A {
		r -= 0xFEE0
	}
	switch {
	case r >= 'a' && r <= 'z':
		return byte(r)
	case r >= 'A' && r <= 'Z':
		return byte(r + 'a' - 'A')
	}
	return 0
}

func (d *detector) result() string {
	latin := d.lower
	if d.lower > 0 {
		latin += d.capital
	} else {
		d.names += d.capital
	}
	han := d.han
	switch {
	case latin == 0 && han == 0:
		if d.names > 0 {
			return English
		}
		return Undetermined
	case han == 0:
		return English
	}
	// Weighted Latin share ≥ 20%: latin ≥ (latin+2·han)/5, i.e. han ≤ 2·latin.
	// Weighted Han share ≥ 20%: 2·han ≥ (latin+2·han)/5, i.e. latin ≤ 8·han.
	if latin >= 3 && han >= 2 && han <= 2*latin && latin <= 8*han {
		return Mixed
	}
	if latin > 2*han {
		return English
	}
	if d.trad > d.simp {
		return ChineseTraditional
	}
	return Chinese
}
