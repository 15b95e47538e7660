package features

import (
	"math"
	"slices"
	"unicode"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"

	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/kefu-ai/kefu/nlu/wordpiece"
)

// Config chooses the feature families. The zero value is replaced by Default.
type Config struct {
	Bits      int  `json:"bits"`       // hash space is 2^Bits buckets
	CharMin   int  `json:"char_min"`   // shortest Latin character n-gram
	CharMax   int  `json:"char_max"`   // longest Latin character n-gram
	CJKTri    bool `json:"cjk_tri"`    // CJK character trigrams
	WordBigr  bool `json:"word_bigr"`  // token bigrams
	WholeWord bool `json:"whole_word"` // the whole word beside its pieces
	Stem      bool `json:"stem"`       // English Snowball stems and stem bigrams
	Skip      bool `json:"skip"`       // skip-bigrams (w1 _ w3)
	CJKQuad   bool `json:"cjk_quad"`   // CJK character 4-grams
	CJKEdges  bool `json:"cjk_edges"`  // first and last character of a CJK run, marked
	Bounds    bool `json:"bounds"`     // the message's first and last token, marked
	Punct     bool `json:"punct"`      // punctuation marks, and the one ending the message
}

// Default is the configuration chosen by measurement on the validation
// splits (BENCHMARKS.md).
func Default() Config {
	return Config{Bits: 22, CharMin: 3, CharMax: 5, CJKTri: false, CJKEdges: true, WordBigr: true, WholeWord: true, Stem: true, Bounds: true, Punct: true}
}

// Featurizer extracts hashed features; it is immutable and safe for
// concurrent use.
type Featurizer struct {
	cfg  Config
	tok  *wordpiece.Tokenizer
	mask uint32
}

// New returns a Featurizer over a tokenizer.
func New(cfg Config, tok *wordpiece.Tokenizer) *Featurizer {
	if cfg.Bits <= 0 || cfg.Bits > 30 {
		cfg.Bits = Default().Bits
	}
	return &Featurizer{cfg: cfg, tok: tok, mask: 1<<cfg.Bits - 1}
}

// Config returns the configuration in use.
func (f *Featurizer) Config() Config { return f.cfg }

// Feature kinds, mixed into the hash so families never collide by design.
const (
	kindToken byte = iota + 1
	kindBigram
	kindTrigram
	kindWord
	kindChar
	kindBias
	kindStem
	kindStemBigram
	kindSkip
	kindQuad
	kindEdge
	kindBound
	kindPunct
)

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hashStr(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

func hashByte(h uint32, b byte) uint32 {
	h ^= uint32(b)
	return h * fnvPrime
}

// Extract appends the feature buckets of normalised text to dst, one entry
// per occurrence (a repeated n-gram appears repeatedly), and returns dst.
func (f *Featurizer) Extract(dst []uint32, normalised string) []uint32 {
	words := text.Words(normalised)
	// Stack space for a typical message's tokens; longer ones grow.
	var tokBuf [96]string
	var cjkBuf [96]bool
	toks, cjk := tokBuf[:0], cjkBuf[:0]
	for _, w := range words {
		n := len(toks)
		toks = f.tok.Tokens(toks, w.Text)
		for range len(toks) - n {
			cjk = append(cjk, w.CJK)
		}
		if !w.CJK {
			if f.cfg.WholeWord {
				dst = append(dst, f.mask&hashStr(hashByte(fnvOffset, kindWord), w.Text))
			}
			dst = f.charGrams(dst, w.Text)
		}
	}
	if f.cfg.Stem || f.cfg.Skip {
		dst = f.wordGrams(dst, words)
	}
	for i, t := range toks {
		h := hashStr(hashByte(fnvOffset, kindToken), t)
		dst = append(dst, f.mask&h)
		if f.cfg.WordBigr && i > 0 {
			h := hashStr(hashByte(fnvOffset, kindBigram), toks[i-1])
			h = hashStr(hashByte(h, 0), t)
			dst = append(dst, f.mask&h)
		}
		if f.cfg.CJKQuad && i > 2 && cjk[i] && cjk[i-1] && cjk[i-2] && cjk[i-3] {
			h := hashStr(hashByte(fnvOffset, kindQuad), toks[i-3])
			h = hashStr(h, toks[i-2])
			h = hashStr(h, toks[i-1])
			h = hashStr(h, t)
			dst = append(dst, f.mask&h)
		}
		if f.cfg.CJKEdges && cjk[i] && (i == 0 || !cjk[i-1]) {
			dst = append(dst, f.mask&hashStr(hashByte(hashByte(fnvOffset, kindEdge), '<'), t))
		}
		if f.cfg.CJKEdges && cjk[i] && (i == len(toks)-1 || !cjk[i+1]) {
			dst = append(dst, f.mask&hashStr(hashByte(hashByte(fnvOffset, kindEdge), '>'), t))
		}
		if f.cfg.CJKTri && i > 1 && cjk[i] && cjk[i-1] && cjk[i-2] {
			h := hashStr(hashByte(fnvOffset, kindTrigram), toks[i-2])
			h = hashStr(h, toks[i-1])
			h = hashStr(h, t)
			dst = append(dst, f.mask&h)
		}
	}
	if f.cfg.Bounds && len(toks) > 0 {
		dst = append(dst, f.mask&hashStr(hashByte(hashByte(fnvOffset, kindBound), '<'), toks[0]))
		dst = append(dst, f.mask&hashStr(hashByte(hashByte(fnvOffset, kindBound), '>'), toks[len(toks)-1]))
	}
	if f.cfg.Punct {
		dst = f.punct(dst, normalised)
	}
	// A bias feature lets every message carry one shared weight, so short
	// messages are not all-zero vectors.
	dst = append(dst, f.mask&hashByte(fnvOffset, kindBias))
	return dst
}

// charGrams appends character n-grams of "<word>" for Latin-script words.
func (f *Featurizer) charGrams(dst []uint32, w string) []uint32 {
	if f.cfg.CharMax <= 0 || len(w) > 64 {
		return dst
	}
	var buf [68]rune
	rs := buf[:0]
	rs = append(rs, '<')
	for _, r := range w {
		rs = append(rs, r)
	}
	rs = append(rs, '>')
	for n := f.cfg.CharMin; n <= f.cfg.CharMax; n++ {
		if n > len(rs) {
			break
		}
		for i := 0; i+n <= len(rs); i++ {
			h := hashByte(fnvOffset, kindChar)
			for _, r := range rs[i : i+n] {
				h = hashByte(h, byte(r))
				h = hashByte(h, byte(r>>8))
				h = hashByte(h, byte(r>>16))
			}
			dst = append(dst, f.mask&h)
		}
	}
	return dst
}

// Count sorts buckets and folds repeats into (bucket, count) pairs, in
// place; it returns the distinct buckets and their counts, appended to
// counts[:0] (scratch space the caller may reuse, or nil).
func Count(buckets []uint32, counts []float32) ([]uint32, []float32) {
	slices.Sort(buckets)
	counts = counts[:0]
	out := buckets[:0]
	for i, b := range buckets {
		if i > 0 && b == buckets[i-1] {
			counts[len(counts)-1]++
			continue
		}
		out = append(out, b)
		counts = append(counts, 1)
	}
	return out, counts
}

// Sublinear maps a raw count to 1+ln(count): the tenth "!" says less than
// the first.
func Sublinear(c float32) float32 {
	return 1 + float32(math.Log(float64(c)))
}

// wordGrams adds stem unigrams and bigrams of Latin words (so "refunds",
// "refunded" and "refunding" meet) and skip-bigrams over all words.
func (f *Featurizer) wordGrams(dst []uint32, words []text.Word) []uint32 {
	stems := make([]string, len(words))
	for i, w := range words {
		stems[i] = w.Text
		if f.cfg.Stem && !w.CJK && len(w.Text) > 3 && len(w.Text) < 40 {
			env := snowball.NewEnv(w.Text)
			english.Stem(env)
			stems[i] = env.Current()
		}
	}
	for i, s := range stems {
		if f.cfg.Stem && !words[i].CJK {
			dst = append(dst, f.mask&hashStr(hashByte(fnvOffset, kindStem), s))
			if i > 0 {
				h := hashStr(hashByte(fnvOffset, kindStemBigram), stems[i-1])
				dst = append(dst, f.mask&hashStr(hashByte(h, 0), s))
			}
		}
		if f.cfg.Skip && i > 1 {
			h := hashStr(hashByte(fnvOffset, kindSkip), stems[i-2])
			dst = append(dst, f.mask&hashStr(hashByte(h, 0), s))
		}
	}
	return dst
}

// punct appends one feature per punctuation mark of the text and one for
// the mark that ends it: "?" asks, "。" states, "!" exclaims.
func (f *Featurizer) punct(dst []uint32, normalised string) []uint32 {
	var last rune
	for _, r := range normalised {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			dst = append(dst, f.mask&hashStr(hashByte(fnvOffset, kindPunct), string(r)))
		}
		if !unicode.IsSpace(r) {
			last = r
		}
	}
	if unicode.IsPunct(last) || unicode.IsSymbol(last) {
		dst = append(dst, f.mask&hashStr(hashByte(hashByte(fnvOffset, kindPunct), '$'), string(last)))
	}
	return dst
}
