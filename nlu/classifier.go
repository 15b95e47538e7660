package nlu

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/kefu-ai/kefu/nlu/features"
	"github.com/kefu-ai/kefu/nlu/linear"
	"github.com/kefu-ai/kefu/nlu/wordpiece"
)

// classifier is a text classifier: WordPiece vocabulary, hashed features,
// TF-IDF weights for the buckets seen in training, and a linear model. The
// intent model and the emotion model are both one.
type classifier struct {
	labels []string
	tok    *wordpiece.Tokenizer
	vocab  []string
	feat   *features.Featurizer
	rows   *rowTable // hash bucket → weight row
	idf    []float32 // per row
	lin    *linear.Model
	temp   float32 // softmax temperature from calibration
}

// classifierConfig holds the training knobs of one classifier.
type classifierConfig struct {
	Features features.Config
	Vocab    wordpiece.BuildConfig
	Linear   linear.TrainConfig
	MinDF    int // a bucket must occur in this many examples to get a row
	// SynthOOSShare tops the out-of-scope class up with pseudo examples
	// until it is this share of the training data, when the data has real
	// out-of-scope examples at all (intent models only).
	SynthOOSShare float64
}

// scratch is per-call working space of a parse, kept on the caller's stack
// so a parse allocates little (slices grow onto the heap past these sizes).
type scratch struct {
	buckets [384]uint32
	counts  [384]float32
	idx     [384]int32
	val     [384]float32
}

// vector turns normalised text into the sparse, L2-normalised TF-IDF vector
// the linear model reads, built in sc (nil allocates).
func (c *classifier) vector(sc *scratch, normalised string) linear.Vector {
	if sc == nil {
		sc = new(scratch)
	}
	buckets, counts := features.Count(c.feat.Extract(sc.buckets[:0], normalised), sc.counts[:0])
	v := linear.Vector{Idx: sc.idx[:0], Val: sc.val[:0]}
	var norm float32
	for i, b := range buckets {
		r, ok := c.rows.row(b)
		if !ok {
			continue
		}
		x := features.Sublinear(counts[i]) * c.idf[r]
		v.Idx = append(v.Idx, r)
		v.Val = append(v.Val, x)
		norm += x * x
	}
	if norm > 0 {
		inv := 1 / float32(math.Sqrt(float64(norm)))
		for i := range v.Val {
			v.Val[i] *= inv
		}
	}
	return v
}

// probs returns calibrated class probabilities of normalised text.
func (c *classifier) probs(normalised string) []float32 {
	var sc scratch
	p := make([]float32, len(c.labels))
	c.lin.Logits(p, c.vector(&sc, normalised))
	linear.Softmax(p, c.temp)
	return p
}

// trainClassifier fits a classifier on normalised texts with label indices.
func trainClassifier(ctx context.Context, texts []string, ys []int, labels []string, cfg classifierConfig) (*classifier, error) {
	vocab := wordpiece.Build(texts, cfg.Vocab)
	tok, err := wordpiece.New(vocab)
	if err != nil {
		return nil, err
	}
	c := &classifier{labels: labels, tok: tok, vocab: vocab, feat: features.New(cfg.Features, tok), temp: 1}
	perDoc := make([][]uint32, len(texts))
	df := map[uint32]int{}
	for i, t := range texts {
		b, _ := features.Count(c.feat.Extract(nil, t), nil)
		perDoc[i] = b
		for _, x := range b {
			df[x]++
		}
	}
	minDF := max(cfg.MinDF, 1)
	kept := make([]uint32, 0, len(df))
	for b, n := range df {
		if n >= minDF {
			kept = append(kept, b)
		}
	}
	slices.Sort(kept)
	c.rows = newRowTable(kept)
	c.idf = make([]float32, len(kept))
	n := float64(len(texts))
	for i, b := range kept {
		c.idf[i] = float32(math.Log((1+n)/(1+float64(df[b]))) + 1)
	}
	xs := make([]linear.Vector, len(texts))
	for i, t := range texts {
		v := c.vector(nil, t)
		// Keep only what the vector holds, not the scratch arrays.
		xs[i] = linear.Vector{Idx: slices.Clone(v.Idx), Val: slices.Clone(v.Val)}
	}
	c.lin, err = linear.Train(ctx, xs, ys, len(kept), len(labels), cfg.Linear)
	if err != nil {
		return nil, fmt.Errorf("nlu: train: %w", err)
	}
	return c, nil
}

// calibrate picks the softmax temperature that minimises the negative
// log-likelihood of the validation examples (a grid search: one parameter,
// and the curve is smooth).
func (c *classifier) calibrate(texts []string, ys []int) {
	if len(texts) == 0 {
		return
	}
	logits := make([][]float32, len(texts))
	var sc scratch
	for i, t := range texts {
		logits[i] = c.lin.Logits(make([]float32, len(c.labels)), c.vector(&sc, t))
	}
	best, bestT := math.Inf(1), float32(1)
	p := make([]float32, len(c.labels))
	for t := float32(0.25); t <= 8; t *= 1.1 {
		var nll float64
		for i, l := range logits {
			copy(p, l)
			linear.Softmax(p, t)
			nll -= math.Log(math.Max(float64(p[ys[i]]), 1e-12))
		}
		if nll < best {
			best, bestT = nll, t
		}
	}
	c.temp = bestT
}

// Files of a classifier directory.
const (
	fileVocab   = "vocab.txt"
	fileRows    = "rows.bin"
	fileWeights = "weights.bin"
	fileMeta    = "classifier.json"
)

type classifierMeta struct {
	Labels      []string        `json:"labels"`
	Features    features.Config `json:"features"`
	Temperature float32         `json:"temperature"`
	Rows        int             `json:"rows"`
}

func (c *classifier) save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("nlu: save: %w", err)
	}
	meta := classifierMeta{Labels: c.labels, Features: c.feat.Config(), Temperature: c.temp, Rows: len(c.idf)}
	if err := writeJSON(filepath.Join(dir, fileMeta), meta); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, fileVocab), func(w io.Writer) error { return wordpiece.WriteVocab(w, c.vocab) }); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, fileRows), func(w io.Writer) error {
		if err := binary.Write(w, binary.LittleEndian, c.rows.rows); err != nil {
			return err
		}
		return binary.Write(w, binary.LittleEndian, c.idf)
	}); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, fileWeights), func(w io.Writer) error {
		_, err := c.lin.WriteTo(w)
		return err
	})
}

func loadClassifier(fsys fs.FS, dir string) (*classifier, error) {
	var meta classifierMeta
	if err := readJSON(fsys, path.Join(dir, fileMeta), &meta); err != nil {
		return nil, err
	}
	if len(meta.Labels) < 2 || meta.Rows < 0 || meta.Rows > 1<<28 {
		return nil, fmt.Errorf("nlu: %s: implausible classifier metadata", dir)
	}
	if math.IsNaN(float64(meta.Temperature)) || meta.Temperature <= 0 {
		return nil, fmt.Errorf("nlu: %s: bad temperature %v", dir, meta.Temperature)
	}
	f, err := fsys.Open(path.Join(dir, fileVocab))
	if err != nil {
		return nil, fmt.Errorf("nlu: %w", err)
	}
	vocab, err := wordpiece.ReadVocab(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("nlu: %s: %w", dir, err)
	}
	tok, err := wordpiece.New(vocab)
	if err != nil {
		return nil, fmt.Errorf("nlu: %s: %w", dir, err)
	}
	c := &classifier{labels: meta.Labels, tok: tok, vocab: vocab, feat: features.New(meta.Features, tok), temp: meta.Temperature}
	raw, err := fs.ReadFile(fsys, path.Join(dir, fileRows))
	if err != nil {
		return nil, fmt.Errorf("nlu: %w", err)
	}
	if len(raw) != 8*meta.Rows {
		return nil, fmt.Errorf("nlu: %s: %s is %d bytes, want %d (truncated or corrupt)", dir, fileRows, len(raw), 8*meta.Rows)
	}
	buckets := make([]uint32, meta.Rows)
	c.idf = make([]float32, meta.Rows)
	for i := 0; i < meta.Rows; i++ {
		b := binary.LittleEndian.Uint32(raw[4*i:])
		if i > 0 && b <= binary.LittleEndian.Uint32(raw[4*(i-1):]) {
			return nil, fmt.Errorf("nlu: %s: %s is corrupt (buckets out of order)", dir, fileRows)
		}
		buckets[i] = b
		c.idf[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*meta.Rows+4*i:]))
	}
	c.rows = newRowTable(buckets)
	wf, err := fsys.Open(path.Join(dir, fileWeights))
	if err != nil {
		return nil, fmt.Errorf("nlu: %w", err)
	}
	defer wf.Close()
	st, err := wf.Stat()
	if err != nil {
		return nil, fmt.Errorf("nlu: %w", err)
	}
	c.lin, err = linear.Read(wf, st.Size())
	if err != nil {
		return nil, fmt.Errorf("nlu: %s: %w", dir, err)
	}
	if c.lin.K != len(c.labels) || c.lin.Dim != meta.Rows {
		return nil, fmt.Errorf("nlu: %s: weights are %d×%d, metadata says %d×%d", dir, c.lin.Dim, c.lin.K, meta.Rows, len(c.labels))
	}
	return c, nil
}

func writeJSON(path string, v any) error {
	return writeFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

func readJSON(fsys fs.FS, name string, v any) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("nlu: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("nlu: %s is corrupt: %w", name, err)
	}
	return nil
}

// writeFile writes through a temporary file and renames it into place, so
// a crash never leaves half a model file.
func writeFile(path string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("nlu: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("nlu: write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("nlu: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("nlu: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("nlu: %w", err)
	}
	return nil
}

// ranked returns the indices of the n highest probabilities, highest
// first (ties by index). A partial selection: the model may have hundreds
// of labels and a parse ranks five.
func ranked(p []float32, n int) []int {
	n = min(n, len(p))
	top := make([]int, 0, n+1)
	for i, v := range p {
		if len(top) == n && v <= p[top[n-1]] {
			continue
		}
		j := len(top)
		if j == n {
			j--
		} else {
			top = append(top, 0)
		}
		for j > 0 && v > p[top[j-1]] {
			top[j] = top[j-1]
			j--
		}
		top[j] = i
	}
	return top
}
