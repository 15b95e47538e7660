package dialog

import (
	"context"
	"sync"

	"github.com/kefu-ai/kefu/errs"
)

// hub fans a conversation's events out to its subscribers. Publishing
// never blocks: a subscriber whose buffer is full loses its oldest event.
type hub struct {
	buffer, max int
	mu          sync.Mutex
	subs        map[string]map[*subscriber]struct{} // conversation → subscribers
}

type subscriber struct {
	ch     chan Event
	once   sync.Once
	conv   string
	closed bool // guarded by hub.mu
}

func newHub(buffer, max int) *hub {
	return &hub{buffer: buffer, max: max, subs: map[string]map[*subscriber]struct{}{}}
}

// subscribe registers a subscriber until unsubscribe is called or ctx ends.
func (h *hub) subscribe(ctx context.Context, conv string) (<-chan Event, func(), error) {
	s := &subscriber{ch: make(chan Event, h.buffer), conv: conv}
	h.mu.Lock()
	set := h.subs[conv]
	if len(set) >= h.max {
		h.mu.Unlock()
		return nil, nil, errs.E(errs.RateLimited, "too many open event streams for this conversation")
	}
	if set == nil {
		set = map[*subscriber]struct{}{}
		h.subs[conv] = set
	}
	set[s] = struct{}{}
	h.mu.Unlock()
	remove := func() { s.once.Do(func() { h.remove(s) }) }
	// AfterFunc starts no goroutine until ctx ends; stop releases it.
	stop := context.AfterFunc(ctx, remove)
	return s.ch, func() { stop(); remove() }, nil
}

func (h *hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.subs[s.conv]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.subs, s.conv)
		}
	}
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

// publish delivers ev to conv's subscribers without blocking.
func (h *hub) publish(conv string, ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[conv] {
		select {
		case s.ch <- ev:
			continue
		default:
		}
		// Full: drop the oldest event to make room. Only publishers
		// send, under h.mu, so after one receive the send succeeds
		// unless the reader raced us to it — then there is room anyway.
		select {
		case <-s.ch:
		default:
		}
		select {
		case s.ch <- ev:
		default:
		}
	}
}

// has reports whether conv has subscribers.
func (h *hub) has(conv string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[conv]) > 0
}
