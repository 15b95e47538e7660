package linear

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
)

// Vector is a sparse input: feature rows and their values.
type Vector struct {
	Idx []int32
	Val []float32
}

// TrainConfig sets the optimiser. Zero fields take defaults.
type TrainConfig struct {
	Epochs int     // passes over the data (default 20)
	LR     float64 // initial learning rate, decaying linearly to 0 (default 0.5)
	L2     float64 // decay applied to touched rows (default 0)
	Seed   uint64  // shuffling seed
	// Balance weighs each example by (mean class size / its class size)^0.5
	// so intents with a handful of examples are not drowned by big ones.
	Balance bool
	// Centroid adds each class's mean training vector (unit length) to its
	// weights, scaled by Centroid·sqrt(mean class size / class size): a
	// nearest-centroid vote that matters most for classes with a handful
	// of examples, which softmax regression alone leaves to their big
	// neighbours.
	Centroid float64
	// CentroidPower is the exponent of that class-size factor (default 0.5).
	CentroidPower float64
	// BalancePower is the exponent of that weight (default 0.5).
	BalancePower float64
	// Bag trains this many models with different shuffles (in parallel)
	// and averages their weights: for a linear model that is the same as
	// averaging their scores, at no cost at prediction time.
	Bag int
}

func (c *TrainConfig) defaults() {
	if c.Epochs <= 0 {
		c.Epochs = 20
	}
	if c.LR <= 0 {
		c.LR = 0.5
	}
}

// Model scores K classes from sparse vectors over Dim feature rows. Weights
// are int8 with one scale per row once quantised.
type Model struct {
	K, Dim int
	Q      []int8    // Dim*K, row-major: what is stored
	Scale  []float32 // Dim
	Bias   []float32 // K
	// Sparse rows (when pruned): row r's weights are ent[start[r]:start[r+1]],
	// each class<<8 | uint8(quantised weight), times Scale[r]. One 4-byte
	// stream per row: the parse's cost is memory traffic, not arithmetic.
	start []int32
	ent   []uint32
}

// PruneQ is the smallest quantised weight magnitude kept at prediction time
// (of 127): smaller weights move a logit by less than 3% of the row's
// largest weight, and skipping them makes most rows a handful of classes.
const PruneQ = 4

// prune builds the sparse rows from Q and Scale.
func (m *Model) prune() {
	m.start = make([]int32, m.Dim+1)
	for r := 0; r < m.Dim; r++ {
		for c, q := range m.Q[r*m.K : r*m.K+m.K] {
			if q >= PruneQ || q <= -PruneQ {
				m.ent = append(m.ent, uint32(c)<<8|uint32(uint8(q)))
			}
		}
		m.start[r+1] = int32(len(m.ent))
	}
}

// Train fits a model. xs[i] has label ys[i] in [0,k). It stops early with
// ctx's error when ctx is cancelled.
func Train(ctx context.Context, xs []Vector, ys []int, dim, k int, cfg TrainConfig) (*Model, error) {
	cfg.defaults()
	if len(xs) != len(ys) || len(xs) == 0 {
		return nil, fmt.Errorf("linear: %d vectors and %d labels", len(xs), len(ys))
	}
	if k < 2 {
		return nil, errors.New("linear: need at least two classes")
	}
	counts := make([]float64, k)
	for _, y := range ys {
		if y < 0 || y >= k {
			return nil, fmt.Errorf("linear: label %d out of range", y)
		}
		counts[y]++
	}
	weight := make([]float32, k)
	for c := range weight {
		weight[c] = 1
		if cfg.Balance && counts[c] > 0 {
			pow := cfg.BalancePower
			if pow == 0 {
				pow = 0.5
			}
			weight[c] = float32(math.Pow(float64(len(ys))/float64(k)/counts[c], pow))
		}
	}
	bags := max(cfg.Bag, 1)
	ws := make([][]float32, bags)
	bs := make([][]float32, bags)
	errs := make([]error, bags)
	var wg sync.WaitGroup
	for i := range bags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cfg
			c.Seed = cfg.Seed + uint64(i)*0x51ed27
			ws[i], bs[i], errs[i] = sgd(ctx, xs, ys, dim, k, weight, c)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	w, b := ws[0], bs[0]
	for i := 1; i < bags; i++ {
		for j, v := range ws[i] {
			w[j] += v
		}
		for j, v := range bs[i] {
			b[j] += v
		}
	}
	if bags > 1 {
		inv := 1 / float32(bags)
		for j := range w {
			w[j] *= inv
		}
		for j := range b {
			b[j] *= inv
		}
	}
	if cfg.Centroid > 0 {
		addCentroids(w, xs, ys, dim, k, counts, cfg.Centroid, cfg.CentroidPower)
	}
	return quantise(w, b, dim, k), nil
}

// sgd runs the optimiser once and returns float weights and biases.
func sgd(ctx context.Context, xs []Vector, ys []int, dim, k int, weight []float32, cfg TrainConfig) ([]float32, []float32, error) {
	w := make([]float32, dim*k)
	b := make([]float32, k)
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	p := make([]float32, k)
	total := float64(cfg.Epochs * len(xs))
	step := 0.0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			// Plain SGD with a linearly decaying rate: cheap per update
			// (no per-weight state) and, on L2-normalised inputs, as good as
			// Adagrad in our measurements.
			eta := float32(cfg.LR * (1 - step/total))
			step++
			x := xs[i]
			logits(p, w, b, k, x)
			softmax(p)
			y := ys[i]
			p[y]--
			sw := weight[y] * eta
			for c := range p {
				p[c] *= sw
			}
			if l2 := float32(cfg.L2) * eta; l2 > 0 {
				for _, r := range x.Idx {
					row := w[int(r)*k : int(r)*k+k]
					for c := range row {
						row[c] -= l2 * row[c]
					}
				}
			}
			for j, r := range x.Idx {
				v := x.Val[j]
				row := w[int(r)*k : int(r)*k+k]
				for c, g := range p {
					row[c] -= v * g
				}
			}
			for c, g := range p {
				b[c] -= g
			}
		}
	}
	return w, b, nil
}

func logits(dst, w, b []float32, k int, x Vector) {
	copy(dst, b)
	for j, r := range x.Idx {
		v := x.Val[j]
		row := w[int(r)*k : int(r)*k+k]
		for c := range dst[:k] {
			dst[c] += v * row[c]
		}
	}
}

func softmax(p []float32) {
	max := p[0]
	for _, v := range p {
		if v > max {
			max = v
		}
	}
	var sum float32
	for i, v := range p {
		e := float32(math.Exp(float64(v - max)))
		p[i] = e
		sum += e
	}
	for i := range p {
		p[i] /= sum
	}
}

// Softmax turns logits into probabilities in place, dividing by temperature t
// first (t ≤ 0 means 1).
func Softmax(p []float32, t float32) {
	if t > 0 && t != 1 {
		for i := range p {
			p[i] /= t
		}
	}
	softmax(p)
}

func quantise(w, b []float32, dim, k int) *Model {
	m := &Model{K: k, Dim: dim, Q: make([]int8, dim*k), Scale: make([]float32, dim), Bias: b}
	for r := 0; r < dim; r++ {
		row := w[r*k : r*k+k]
		var max float32
		for _, v := range row {
			if a := float32(math.Abs(float64(v))); a > max {
				max = a
			}
		}
		if max == 0 {
			continue
		}
		s := max / 127
		m.Scale[r] = s
		q := m.Q[r*k : r*k+k]
		for c, v := range row {
			q[c] = int8(math.Round(float64(v / s)))
		}
	}
	m.prune()
	return m
}

// Logits writes the K class logits of x into dst (len ≥ K) and returns it.
func (m *Model) Logits(dst []float32, x Vector) []float32 {
	dst = dst[:m.K]
	copy(dst, m.Bias)
	for j, r := range x.Idx {
		if r < 0 || int(r) >= m.Dim {
			continue
		}
		v := x.Val[j] * m.Scale[r]
		for _, e := range m.ent[m.start[r]:m.start[r+1]] {
			dst[e>>8] += v * float32(int8(e))
		}
	}
	return dst
}

const magic = "KEFULIN1"

// WriteTo writes the model in a little-endian binary form.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	hdr := make([]byte, 0, 24)
	hdr = append(hdr, magic...)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(m.K))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(m.Dim))
	if _, err := cw.Write(hdr); err != nil {
		return cw.n, fmt.Errorf("linear: write: %w", err)
	}
	for _, part := range []any{m.Bias, m.Scale, m.Q} {
		if err := binary.Write(cw, binary.LittleEndian, part); err != nil {
			return cw.n, fmt.Errorf("linear: write: %w", err)
		}
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// maxCells bounds K*Dim on read so a corrupt header cannot ask for
// terabytes.
const maxCells = 1 << 31

// Read reads a model written by WriteTo, with size checks against the
// number of bytes available.
func Read(r io.Reader, size int64) (*Model, error) {
	hdr := make([]byte, 24)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("linear: read header: %w", err)
	}
	if string(hdr[:8]) != magic {
		return nil, fmt.Errorf("linear: not a kefu linear model (magic %q)", hdr[:8])
	}
	k := binary.LittleEndian.Uint64(hdr[8:])
	dim := binary.LittleEndian.Uint64(hdr[16:])
	if k < 2 || k > 1<<16 || dim > maxCells || k*dim > maxCells {
		return nil, fmt.Errorf("linear: implausible shape %d classes × %d rows", k, dim)
	}
	want := int64(24 + 4*k + 4*dim + k*dim)
	if size >= 0 && size != want {
		return nil, fmt.Errorf("linear: file is %d bytes, shape %d×%d needs %d (truncated or corrupt)", size, k, dim, want)
	}
	m := &Model{K: int(k), Dim: int(dim), Bias: make([]float32, k), Scale: make([]float32, dim), Q: make([]int8, k*dim)}
	for _, part := range []any{m.Bias, m.Scale, m.Q} {
		if err := binary.Read(r, binary.LittleEndian, part); err != nil {
			return nil, fmt.Errorf("linear: read weights: %w", err)
		}
	}
	for _, v := range m.Bias {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errors.New("linear: corrupt weights (NaN or Inf bias)")
		}
	}
	for _, v := range m.Scale {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v < 0 {
			return nil, errors.New("linear: corrupt weights (bad row scale)")
		}
	}
	m.prune()
	return m, nil
}

// addCentroids adds the scaled unit centroid of every class to its weights.
func addCentroids(w []float32, xs []Vector, ys []int, dim, k int, counts []float64, scale, pow float64) {
	if pow == 0 {
		pow = 0.5
	}
	cent := make([]float32, dim*k)
	for i, x := range xs {
		c := ys[i]
		for j, r := range x.Idx {
			cent[int(r)*k+c] += x.Val[j]
		}
	}
	norm := make([]float64, k)
	for r := 0; r < dim; r++ {
		for c, v := range cent[r*k : r*k+k] {
			norm[c] += float64(v) * float64(v)
		}
	}
	mean := float64(len(xs)) / float64(k)
	alpha := make([]float32, k)
	for c := range alpha {
		if norm[c] > 0 && counts[c] > 0 {
			alpha[c] = float32(scale * math.Pow(mean/counts[c], pow) / math.Sqrt(norm[c]))
		}
	}
	for r := 0; r < dim; r++ {
		row, crow := w[r*k:r*k+k], cent[r*k:r*k+k]
		for c, v := range crow {
			row[c] += alpha[c] * v
		}
	}
}
