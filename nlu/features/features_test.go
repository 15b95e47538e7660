package features

import (
	"slices"
	"testing"

	"github.com/kefu-ai/kefu/nlu/wordpiece"
)

func featurizer(t *testing.T, cfg Config) *Featurizer {
	t.Helper()
	tok, err := wordpiece.New(wordpiece.Build([]string{"where is my order", "我的订单"}, wordpiece.BuildConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, tok)
}

func bucketSet(f *Featurizer, s string) map[uint32]bool {
	out := map[uint32]bool{}
	for _, b := range f.Extract(nil, s) {
		out[b] = true
	}
	return out
}

// TestFamilies: each option adds features the text has, and only then.
func TestFamilies(t *testing.T) {
	base := Default()
	base.Punct, base.Bounds = false, false
	tests := []struct {
		name   string
		on     func(*Config)
		text   string
		differ bool // the option changes this text's features
	}{
		{"punct on a question", func(c *Config) { c.Punct = true }, "where is my order?", true},
		{"punct without marks", func(c *Config) { c.Punct = true }, "where is my order", false},
		{"bounds", func(c *Config) { c.Bounds = true }, "where is my order", true},
		{"bounds on empty text", func(c *Config) { c.Bounds = true }, "", false},
		{"cjk trigrams", func(c *Config) { c.CJKTri = true }, "我的订单", true},
		{"cjk trigrams on English", func(c *Config) { c.CJKTri = true }, "where is my order", false},
	}
	for _, tt := range tests {
		cfg := base
		tt.on(&cfg)
		off, on := bucketSet(featurizer(t, base), tt.text), bucketSet(featurizer(t, cfg), tt.text)
		changed := len(off) != len(on)
		for b := range off {
			if !on[b] {
				t.Errorf("%s: a feature was lost", tt.name)
			}
		}
		if changed != tt.differ {
			t.Errorf("%s: %d features → %d, want a change %v", tt.name, len(off), len(on), tt.differ)
		}
	}
}

// TestPunctEnding: a message's marks are features, and the mark that
// ends it is one more ("好的?" asks, "?好的" does not end asking).
func TestPunctEnding(t *testing.T) {
	off := Default()
	off.Punct = false
	on := off
	on.Punct = true
	for _, tt := range []struct {
		text string
		want int // features Punct adds
	}{
		{"好的?", 2},
		{"?好的", 1},
		{"好的", 0},
		{"ok 。 ok", 1},
	} {
		n := len(featurizer(t, on).Extract(nil, tt.text)) - len(featurizer(t, off).Extract(nil, tt.text))
		if n != tt.want {
			t.Errorf("%q: punctuation adds %d features, want %d", tt.text, n, tt.want)
		}
	}
}

func TestCount(t *testing.T) {
	buckets, counts := Count([]uint32{5, 1, 5, 3, 5, 1}, nil)
	if !slices.Equal(buckets, []uint32{1, 3, 5}) || !slices.Equal(counts, []float32{2, 1, 3}) {
		t.Errorf("Count = %v %v", buckets, counts)
	}
	if b, c := Count(nil, nil); len(b) != 0 || len(c) != 0 {
		t.Errorf("Count(nil) = %v %v", b, c)
	}
}
