package dialog

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Ticket statuses.
const (
	TicketOpen     = "open"
	TicketClaimed  = "claimed"
	TicketResolved = "resolved"
)

// LeaveMessage turns a customer's message into a ticket for agents to
// follow up — offered when the wait is long or nobody is online. A
// conversation waiting for an agent leaves the queue and returns to the
// bot.
//
// Errors: errs.Invalid (text, contact), errs.NotFound, errs.Conflict while
// an agent holds the conversation (the customer can simply write there).
func (e *Engine) LeaveMessage(ctx context.Context, convID, text, contact string) (store.Ticket, error) {
	if err := e.validText(text); err != nil {
		return store.Ticket{}, err
	}
	if !utf8.ValidString(contact) || utf8.RuneCountInString(contact) > maxContact {
		return store.Ticket{}, errs.E(errs.Invalid, "contact must be valid UTF-8 of at most %d characters", maxContact)
	}
	unlock := e.convLocks.lock(convID)
	defer unlock()
	c, err := e.store.Conversation(ctx, convID)
	if err != nil {
		return store.Ticket{}, err
	}
	if c.State == store.StateAgent {
		return store.Ticket{}, errs.E(errs.Conflict, "an agent is with this conversation: write to them directly")
	}
	tk, err := e.store.CreateTicket(ctx, store.Ticket{
		ConversationID: convID, Text: text, Contact: strings.TrimSpace(contact), Status: TicketOpen, CreatedAt: e.now(),
	})
	if err != nil {
		return store.Ticket{}, err
	}
	cc := decodeContext(c.Context)
	if c.State == store.StateWaitingAgent {
		if err := e.store.Dequeue(ctx, convID); err != nil && !errs.Is(err, errs.NotFound) {
			return store.Ticket{}, err
		}
		cc.Misses, cc.Moods, cc.Asked, cc.Offers = 0, nil, nil, nil
		cc.Flags[flagOffered] = false
		if err := e.transition(ctx, &c, cc, store.StateBot, "left_message", ""); err != nil {
			return store.Ticket{}, err
		}
		e.publishPositions(ctx)
	}
	e.stats.add(func(s *Stats) { s.Tickets++ })
	if err := e.say(ctx, convID, e.phrases(cc.Locale).MessageLeft, meta{Decision: "left_message"}); err != nil {
		return store.Ticket{}, err
	}
	return tk, nil
}

// Tickets lists tickets with a status ("" for all).
//
// Errors: errs.Invalid for an unknown status.
func (e *Engine) Tickets(ctx context.Context, status string) ([]store.Ticket, error) {
	switch status {
	case "", TicketOpen, TicketClaimed, TicketResolved:
	default:
		return nil, errs.E(errs.Invalid, "status must be %q, %q or %q", TicketOpen, TicketClaimed, TicketResolved)
	}
	return e.store.Tickets(ctx, status)
}

// ClaimTicket gives a ticket to an agent.
//
// Errors: errs.Invalid, errs.NotFound, errs.Conflict when another agent
// has it or it is resolved.
func (e *Engine) ClaimTicket(ctx context.Context, id, agentID string) (store.Ticket, error) {
	if err := validAgent(agentID); err != nil {
		return store.Ticket{}, err
	}
	e.AgentSeen(agentID)
	return e.store.ClaimTicket(ctx, id, agentID)
}

// ResolveTicket closes a ticket.
//
// Errors: errs.Invalid, errs.NotFound, errs.Conflict when another agent
// has it.
func (e *Engine) ResolveTicket(ctx context.Context, id, agentID string) (store.Ticket, error) {
	if err := validAgent(agentID); err != nil {
		return store.Ticket{}, err
	}
	e.AgentSeen(agentID)
	return e.store.ResolveTicket(ctx, id, agentID, e.now())
}
