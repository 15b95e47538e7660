package wordpiece

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/sugarme/tokenizer/model"
	libwp "github.com/sugarme/tokenizer/model/wordpiece"
)

// Special tokens, always the first entries of a vocabulary.
const (
	Unk    = "[UNK]"
	prefix = "##"
)

var specials = []string{"[PAD]", Unk, "[CLS]", "[SEP]", "[MASK]"}

// maxWordRunes bounds the word the library sees; longer words are [UNK].
const maxWordRunes = 64

// BuildConfig says how big a vocabulary to build.
type BuildConfig struct {
	MinCount    int // a word seen this often becomes a whole token (default 2)
	MaxWords    int // at most this many whole words (default 30000)
	MaxSuffixes int // at most this many "##" suffix pieces (default 3000)
}

func (c *BuildConfig) defaults() {
	if c.MinCount <= 0 {
		c.MinCount = 2
	}
	if c.MaxWords <= 0 {
		c.MaxWords = 30000
	}
	if c.MaxSuffixes <= 0 {
		c.MaxSuffixes = 3000
	}
}

// Build makes a WordPiece vocabulary from normalised texts: the special
// tokens, every character seen (alone and as a "##" continuation, so any word
// of known characters splits without [UNK]), frequent whole words and frequent
// word suffixes of 2–5 characters. The order is deterministic.
func Build(texts []string, cfg BuildConfig) []string {
	cfg.defaults()
	words := map[string]int{}
	chars := map[string]bool{}
	for _, t := range texts {
		for _, w := range text.Words(t) {
			words[w.Text]++
			for _, r := range w.Text {
				chars[string(r)] = true
			}
		}
	}
	suffixes := map[string]int{}
	for w, n := range words {
		rs := []rune(w)
		if len(rs) > maxWordRunes {
			continue
		}
		for k := 2; k <= 5 && k < len(rs); k++ {
			suffixes[string(rs[len(rs)-k:])] += n
		}
	}
	vocab := append([]string(nil), specials...)
	seen := map[string]bool{}
	for _, s := range specials {
		seen[s] = true
	}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			vocab = append(vocab, s)
		}
	}
	for _, c := range sortedKeys(chars) {
		add(c)
		add(prefix + c)
	}
	for _, w := range topByCount(words, cfg.MinCount, cfg.MaxWords) {
		if utf8.RuneCountInString(w) <= maxWordRunes {
			add(w)
		}
	}
	for _, s := range topByCount(suffixes, cfg.MinCount*3, cfg.MaxSuffixes) {
		add(prefix + s)
	}
	return vocab
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// topByCount returns keys seen at least min times, most frequent first (ties
// alphabetical), at most max of them.
func topByCount(m map[string]int, min, max int) []string {
	out := make([]string, 0, len(m))
	for k, n := range m {
		if n >= min {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// WriteVocab writes one token a line, in id order (BERT's vocab.txt format).
func WriteVocab(w io.Writer, vocab []string) error {
	bw := bufio.NewWriter(w)
	for _, t := range vocab {
		if strings.ContainsAny(t, "\n\r") {
			return fmt.Errorf("wordpiece: token %q has a line break", t)
		}
		if _, err := bw.WriteString(t + "\n"); err != nil {
			return fmt.Errorf("wordpiece: write vocab: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wordpiece: write vocab: %w", err)
	}
	return nil
}

// ReadVocab reads a vocabulary written by WriteVocab and checks it.
func ReadVocab(r io.Reader) ([]string, error) {
	var vocab []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		vocab = append(vocab, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("wordpiece: read vocab: %w", err)
	}
	if len(vocab) < len(specials) {
		return nil, fmt.Errorf("wordpiece: vocab has %d tokens, want at least %d", len(vocab), len(specials))
	}
	for i, s := range specials {
		if vocab[i] != s {
			return nil, fmt.Errorf("wordpiece: vocab line %d is %q, want %q", i+1, vocab[i], s)
		}
	}
	return vocab, nil
}

// Tokenizer splits normalised text into WordPiece tokens. It is immutable
// and safe for concurrent use.
type Tokenizer struct {
	ids map[string]int
	wp  libwp.WordPiece
	// oov remembers the pieces of words outside the vocabulary (typos and
	// rare words recur); the library's greedy search is the slow path.
	oov     sync.Map // string → []string
	oovSize atomic.Int64
}

// maxOOVCache bounds the remembered out-of-vocabulary words.
const maxOOVCache = 50000

// New builds a Tokenizer over a vocabulary from Build or ReadVocab.
func New(vocab []string) (*Tokenizer, error) {
	if len(vocab) < len(specials) || vocab[1] != Unk {
		return nil, fmt.Errorf("wordpiece: vocabulary lacks the special tokens")
	}
	ids := make(map[string]int, len(vocab))
	v := make(model.Vocab, len(vocab))
	for i, t := range vocab {
		if _, dup := ids[t]; dup {
			return nil, fmt.Errorf("wordpiece: token %q appears twice", t)
		}
		ids[t] = i
		v[t] = i
	}
	wp := libwp.NewWordPieceBuilder().Vocab(&v).UnkToken(Unk).MaxInputCharsPerWord(maxWordRunes).Build()
	return &Tokenizer{ids: ids, wp: wp}, nil
}

// Size is the number of tokens in the vocabulary.
func (t *Tokenizer) Size() int { return len(t.ids) }

// Tokens appends the WordPiece tokens of one word to dst. A CJK character
// is always a token of its own.
func (t *Tokenizer) Tokens(dst []string, word string) []string {
	if _, ok := t.ids[word]; ok {
		return append(dst, word)
	}
	if utf8.RuneCountInString(word) > maxWordRunes {
		return append(dst, Unk)
	}
	if v, ok := t.oov.Load(word); ok {
		return append(dst, v.([]string)...)
	}
	toks, err := t.safeTokenize(word)
	if err != nil || len(toks) == 0 {
		toks = []string{Unk}
	}
	if t.oovSize.Load() < maxOOVCache {
		if _, loaded := t.oov.LoadOrStore(word, toks); !loaded {
			t.oovSize.Add(1)
		}
	}
	return append(dst, toks...)
}

// Tokenize normalises nothing: it splits already-normalised text into words
// and words into tokens.
func (t *Tokenizer) Tokenize(normalised string) []string {
	var out []string
	for _, w := range text.Words(normalised) {
		out = t.Tokens(out, w.Text)
	}
	return out
}

func (t *Tokenizer) safeTokenize(word string) (out []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("wordpiece: tokenizer panicked on %q: %v", word, r)
		}
	}()
	toks, err := t.wp.Tokenize(word)
	if err != nil {
		return nil, fmt.Errorf("wordpiece: %w", err)
	}
	out = make([]string, len(toks))
	for i, tk := range toks {
		out[i] = tk.Value
	}
	return out, nil
}
