package linear

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// toy is three classes, each told apart by its own feature row, with a
// shared noise row.
func toy() ([]Vector, []int) {
	var xs []Vector
	var ys []int
	for i := range 60 {
		c := i % 3
		xs = append(xs, Vector{Idx: []int32{int32(c), 3}, Val: []float32{0.9, 0.43}})
		ys = append(ys, c)
	}
	return xs, ys
}

func argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

func TestTrainSeparates(t *testing.T) {
	xs, ys := toy()
	for _, cfg := range []TrainConfig{
		{Seed: 1},
		{Seed: 1, Balance: true},
		{Seed: 1, Bag: 2},
		{Seed: 1, Centroid: 0.05, CentroidPower: 1.5},
	} {
		m, err := Train(context.Background(), xs, ys, 4, 3, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			p := m.Logits(make([]float32, 3), Vector{Idx: []int32{int32(c)}, Val: []float32{1}})
			if got := argmax(p); got != c {
				t.Errorf("%+v: row %d scores %v, argmax %d", cfg, c, p, got)
			}
		}
	}
}

func TestTrainErrors(t *testing.T) {
	xs, ys := toy()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		xs   []Vector
		ys   []int
		k    int
	}{
		{"no data", context.Background(), nil, nil, 3},
		{"lengths differ", context.Background(), xs, ys[:3], 3},
		{"one class", context.Background(), xs, ys, 1},
		{"label out of range", context.Background(), xs, append(ys[:len(ys)-1:len(ys)-1], 7), 3},
		{"cancelled", ctx, xs, ys, 3},
	}
	for _, tt := range tests {
		if _, err := Train(tt.ctx, tt.xs, tt.ys, 4, tt.k, TrainConfig{}); err == nil {
			t.Errorf("%s: no error", tt.name)
		} else if tt.name == "cancelled" && !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v, want context.Canceled", err)
		}
	}
}

// TestRoundTrip: what WriteTo writes, Read reads back to the same scores;
// a truncated or foreign file is an error, not a panic.
func TestRoundTrip(t *testing.T) {
	xs, ys := toy()
	m, err := Train(context.Background(), xs, ys, 4, 3, TrainConfig{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	back, err := Read(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	x := Vector{Idx: []int32{1, 3}, Val: []float32{0.8, 0.6}}
	a, b := m.Logits(make([]float32, 3), x), back.Logits(make([]float32, 3), x)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("logits %v after a round trip, %v before", b, a)
		}
	}
	for _, bad := range [][]byte{raw[:len(raw)-1], raw[:10], append([]byte("NOTKEFU!"), raw[8:]...)} {
		if _, err := Read(bytes.NewReader(bad), int64(len(bad))); err == nil {
			t.Errorf("Read of %d corrupt bytes: no error", len(bad))
		}
	}
}

func TestSoftmax(t *testing.T) {
	p := []float32{1, 2, 3}
	Softmax(p, 1)
	if s := p[0] + p[1] + p[2]; s < 0.999 || s > 1.001 || !(p[2] > p[1] && p[1] > p[0]) {
		t.Errorf("softmax = %v", p)
	}
	hot := []float32{1, 2, 3}
	Softmax(hot, 0.25) // a lower temperature sharpens
	if hot[2] <= p[2] {
		t.Errorf("temperature 0.25 gives top %v, temperature 1 %v", hot[2], p[2])
	}
}
