package nlu

import (
	"context"
	"sync/atomic"
)

// Current is the model a server answers with: an immutable *Model behind
// an atomic pointer, so a retrained model replaces the old one without a
// restart and without any request failing. In-flight parses finish on the
// model they started with.
type Current struct {
	p atomic.Pointer[Model]
}

// NewCurrent returns a Current serving m (which may be nil until Swap).
func NewCurrent(m *Model) *Current {
	c := &Current{}
	if m != nil {
		c.p.Store(m)
	}
	return c
}

// Swap makes m the model for every parse from now on and returns the old
// one. A nil m is ignored.
func (c *Current) Swap(m *Model) *Model {
	if m == nil {
		return c.p.Load()
	}
	return c.p.Swap(m)
}

// Model returns the model in use, or nil before the first one.
func (c *Current) Model() *Model { return c.p.Load() }

// Ready reports whether a model is loaded.
func (c *Current) Ready() bool { return c.p.Load() != nil }

// Parse reads a message with the current model; before any model is
// loaded every message is out of scope.
func (c *Current) Parse(ctx context.Context, text string) Result {
	m := c.p.Load()
	if m == nil {
		return Result{Intent: OOS, Ranking: []Ranked{}, Entities: nil, Emotion: Emotion{Label: EmotionNeutral}, Lang: "und"}
	}
	return m.Parse(ctx, text)
}
