package dialogtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Store is an in-memory dialog.Store. Fail, when set, is asked before
// every call and its error returned instead (to test failures).
type Store struct {
	Fail func(method string) error

	mu          sync.Mutex
	convs       map[string]store.Conversation
	msgs        map[string][]store.Message
	transitions map[string][]store.Transition
	feedback    []store.Feedback
	queue       map[string]store.QueueItem
	tickets     map[string]store.Ticket
	nextID      int
}

var _ dialog.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		convs: map[string]store.Conversation{}, msgs: map[string][]store.Message{},
		transitions: map[string][]store.Transition{}, queue: map[string]store.QueueItem{},
		tickets: map[string]store.Ticket{},
	}
}

func (s *Store) fail(method string) error {
	if s.Fail != nil {
		return s.Fail(method)
	}
	return nil
}

func (s *Store) id(prefix string) string {
	s.nextID++
	return fmt.Sprintf("%s%d", prefix, s.nextID)
}

func notFound(what, id string) error { return errs.E(errs.NotFound, "%s %s not found", what, id) }

func copyConv(c store.Conversation) store.Conversation {
	c.Context = slices.Clone(c.Context)
	return c
}

// CreateConversation implements dialog.Store.
func (s *Store) CreateConversation(_ context.Context, c store.Conversation) error {
	if err := s.fail("CreateConversation"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.convs[c.ID]; ok || c.ID == "" {
		return errs.E(errs.Conflict, "conversation %q exists", c.ID)
	}
	s.convs[c.ID] = copyConv(c)
	return nil
}

// Conversation implements dialog.Store.
func (s *Store) Conversation(_ context.Context, id string) (store.Conversation, error) {
	if err := s.fail("Conversation"); err != nil {
		return store.Conversation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return store.Conversation{}, notFound("conversation", id)
	}
	return copyConv(c), nil
}

// UpdateConversation implements dialog.Store: errs.Conflict unless the
// stored state is fromState.
func (s *Store) UpdateConversation(_ context.Context, c store.Conversation, fromState string) error {
	if err := s.fail("UpdateConversation"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(c, fromState)
}

// updateLocked is UpdateConversation with s.mu held.
func (s *Store) updateLocked(c store.Conversation, fromState string) error {
	cur, ok := s.convs[c.ID]
	if !ok {
		return notFound("conversation", c.ID)
	}
	if cur.State != fromState {
		return errs.E(errs.Conflict, "conversation %s is %s, not %s", c.ID, cur.State, fromState)
	}
	s.convs[c.ID] = copyConv(c)
	return nil
}

// AppendMessage implements dialog.Store.
func (s *Store) AppendMessage(_ context.Context, m store.Message) (store.Message, error) {
	if err := s.fail("AppendMessage"); err != nil {
		return store.Message{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.convs[m.ConversationID]; !ok {
		return store.Message{}, notFound("conversation", m.ConversationID)
	}
	return s.appendLocked(m), nil
}

// appendLocked numbers and stores m with s.mu held.
func (s *Store) appendLocked(m store.Message) store.Message {
	m.ID = s.id("m")
	m.Seq = int64(len(s.msgs[m.ConversationID]) + 1)
	m.Meta = slices.Clone(m.Meta)
	s.msgs[m.ConversationID] = append(s.msgs[m.ConversationID], m)
	return m
}

// SaveTurn implements dialog.Store: all or nothing under one lock.
func (s *Store) SaveTurn(_ context.Context, c store.Conversation, fromState string, msgs []store.Message) ([]store.Message, error) {
	if err := s.fail("SaveTurn"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.updateLocked(c, fromState); err != nil {
		return nil, err
	}
	out := make([]store.Message, len(msgs))
	for i, m := range msgs {
		out[i] = s.appendLocked(m)
	}
	return out, nil
}

// Messages implements dialog.Store; limit <= 0 means all.
func (s *Store) Messages(_ context.Context, convID string, afterSeq int64, limit int) ([]store.Message, error) {
	if err := s.fail("Messages"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Message
	for _, m := range s.msgs[convID] {
		if m.Seq > afterSeq && (limit <= 0 || len(out) < limit) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Message implements dialog.Store.
func (s *Store) Message(_ context.Context, convID, msgID string) (store.Message, error) {
	if err := s.fail("Message"); err != nil {
		return store.Message{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs[convID] {
		if m.ID == msgID {
			return m, nil
		}
	}
	return store.Message{}, notFound("message", msgID)
}

// AddTransition implements dialog.Store.
func (s *Store) AddTransition(_ context.Context, t store.Transition) error {
	if err := s.fail("AddTransition"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transitions[t.ConversationID] = append(s.transitions[t.ConversationID], t)
	return nil
}

// Transitions implements dialog.Store.
func (s *Store) Transitions(_ context.Context, convID string) ([]store.Transition, error) {
	if err := s.fail("Transitions"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.transitions[convID]), nil
}

// AddFeedback implements dialog.Store.
func (s *Store) AddFeedback(_ context.Context, f store.Feedback) error {
	if err := s.fail("AddFeedback"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feedback = append(s.feedback, f)
	return nil
}

// Feedbacks returns the feedback recorded so far.
func (s *Store) Feedbacks() []store.Feedback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.feedback)
}

// Enqueue implements dialog.Store: errs.Conflict when already queued.
func (s *Store) Enqueue(_ context.Context, q store.QueueItem) error {
	if err := s.fail("Enqueue"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queue[q.ConversationID]; ok {
		return errs.E(errs.Conflict, "conversation %s is already queued", q.ConversationID)
	}
	s.queue[q.ConversationID] = q
	return nil
}

// QueueItems implements dialog.Store.
func (s *Store) QueueItems(context.Context) ([]store.QueueItem, error) {
	if err := s.fail("QueueItems"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.QueueItem, 0, len(s.queue))
	for _, q := range s.queue {
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b store.QueueItem) int { return a.EnqueuedAt.Compare(b.EnqueuedAt) })
	return out, nil
}

// QueueItem implements dialog.Store.
func (s *Store) QueueItem(_ context.Context, convID string) (store.QueueItem, error) {
	if err := s.fail("QueueItem"); err != nil {
		return store.QueueItem{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queue[convID]
	if !ok {
		return store.QueueItem{}, notFound("queue item", convID)
	}
	return q, nil
}

// Claim implements dialog.Store: errs.Conflict when another agent holds
// the item; the same agent claiming again gets it back.
func (s *Store) Claim(_ context.Context, convID, agentID string, now time.Time) (store.QueueItem, error) {
	if err := s.fail("Claim"); err != nil {
		return store.QueueItem{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queue[convID]
	if !ok {
		return store.QueueItem{}, notFound("queue item", convID)
	}
	if q.ClaimedBy != "" && q.ClaimedBy != agentID {
		return store.QueueItem{}, errs.E(errs.Conflict, "conversation %s is claimed by another agent", convID)
	}
	if q.ClaimedBy == "" {
		q.ClaimedBy, q.ClaimedAt = agentID, &now
		s.queue[convID] = q
	}
	return q, nil
}

// Unclaim implements dialog.Store.
func (s *Store) Unclaim(_ context.Context, convID string, priority int, reason, skill string) error {
	if err := s.fail("Unclaim"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queue[convID]
	if !ok {
		return notFound("queue item", convID)
	}
	q.ClaimedBy, q.ClaimedAt = "", nil
	q.Priority, q.Reason, q.Skill = priority, reason, skill
	s.queue[convID] = q
	return nil
}

// Dequeue implements dialog.Store.
func (s *Store) Dequeue(_ context.Context, convID string) error {
	if err := s.fail("Dequeue"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queue[convID]; !ok {
		return notFound("queue item", convID)
	}
	delete(s.queue, convID)
	return nil
}

// ClaimedCount implements dialog.Store.
func (s *Store) ClaimedCount(_ context.Context, agentID string) (int, error) {
	if err := s.fail("ClaimedCount"); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queue {
		if q.ClaimedBy == agentID {
			n++
		}
	}
	return n, nil
}

// CreateTicket implements dialog.Store.
func (s *Store) CreateTicket(_ context.Context, t store.Ticket) (store.Ticket, error) {
	if err := s.fail("CreateTicket"); err != nil {
		return store.Ticket{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.ID = s.id("t")
	if t.Status == "" {
		t.Status = dialog.TicketOpen
	}
	s.tickets[t.ID] = t
	return t, nil
}

// Tickets implements dialog.Store; status "" lists all.
func (s *Store) Tickets(_ context.Context, status string) ([]store.Ticket, error) {
	if err := s.fail("Tickets"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.Ticket{}
	for _, t := range s.tickets {
		if status == "" || t.Status == status {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b store.Ticket) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// ClaimTicket implements dialog.Store.
func (s *Store) ClaimTicket(_ context.Context, id, agentID string) (store.Ticket, error) {
	if err := s.fail("ClaimTicket"); err != nil {
		return store.Ticket{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	switch {
	case !ok:
		return store.Ticket{}, notFound("ticket", id)
	case t.Status == dialog.TicketResolved:
		return store.Ticket{}, errs.E(errs.Conflict, "ticket %s is resolved", id)
	case t.AgentID != "" && t.AgentID != agentID:
		return store.Ticket{}, errs.E(errs.Conflict, "ticket %s is claimed by another agent", id)
	}
	t.Status, t.AgentID = dialog.TicketClaimed, agentID
	s.tickets[id] = t
	return t, nil
}

// ResolveTicket implements dialog.Store.
func (s *Store) ResolveTicket(_ context.Context, id, agentID string, now time.Time) (store.Ticket, error) {
	if err := s.fail("ResolveTicket"); err != nil {
		return store.Ticket{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	switch {
	case !ok:
		return store.Ticket{}, notFound("ticket", id)
	case t.Status == dialog.TicketResolved:
		return store.Ticket{}, errs.E(errs.Conflict, "ticket %s is already resolved", id)
	case t.AgentID != "" && t.AgentID != agentID:
		return store.Ticket{}, errs.E(errs.Conflict, "ticket %s is claimed by another agent", id)
	}
	t.Status, t.AgentID, t.ResolvedAt = dialog.TicketResolved, agentID, &now
	s.tickets[id] = t
	return t, nil
}
