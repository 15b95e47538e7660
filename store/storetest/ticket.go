package storetest

import (
	"slices"
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

func ticketIDs(ts []store.Ticket) []string {
	ids := []string{}
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

func testTickets(t *testing.T, s Store) {
	ctx := t.Context()
	var created []store.Ticket
	for i, in := range []store.Ticket{
		{ConversationID: "c1", Text: "Please call me back", Contact: "+86 138 0000 0000", CreatedAt: at(0),
			Status: "resolved", AgentID: "ignored"},
		{ConversationID: "c2", Text: "Where is my parcel?", CreatedAt: at(1)},
		{ConversationID: "c3", Text: "Invoice please", CreatedAt: at(2)},
	} {
		got, err := s.CreateTicket(ctx, in)
		must(t, err, "create")
		if got.ID == "" || got.Status != "open" || got.AgentID != "" || got.ResolvedAt != nil ||
			!got.CreatedAt.Equal(in.CreatedAt) || got.Text != in.Text || got.Contact != in.Contact {
			t.Errorf("create %d returned %+v, want a new open ticket", i, got)
		}
		created = append(created, got)
	}
	if created[0].ID == created[1].ID {
		t.Fatalf("two tickets share id %q", created[0].ID)
	}
	a, b, c := created[0].ID, created[1].ID, created[2].ID

	claimed, err := s.ClaimTicket(ctx, a, "agent-1")
	must(t, err, "claim")
	if claimed.Status != "claimed" || claimed.AgentID != "agent-1" {
		t.Errorf("claim returned %+v", claimed)
	}
	_, err = s.ClaimTicket(ctx, a, "agent-1")
	wantCode(t, err, "", "claim again by the same agent")
	_, err = s.ClaimTicket(ctx, a, "agent-2")
	wantCode(t, err, errs.Conflict, "claim by another agent")
	_, err = s.ResolveTicket(ctx, a, "agent-2", at(5))
	wantCode(t, err, errs.Conflict, "resolve by another agent")

	resolved, err := s.ResolveTicket(ctx, a, "agent-1", at(5))
	must(t, err, "resolve")
	if resolved.Status != "resolved" || resolved.AgentID != "agent-1" || resolved.ResolvedAt == nil ||
		!resolved.ResolvedAt.Equal(at(5)) {
		t.Errorf("resolve returned %+v, want resolved by agent-1 at %v", resolved, at(5))
	}
	_, err = s.ClaimTicket(ctx, a, "agent-2")
	wantCode(t, err, errs.Conflict, "claim a resolved ticket")
	_, err = s.ClaimTicket(ctx, a, "agent-1")
	wantCode(t, err, errs.Conflict, "claim a resolved ticket by its resolver")

	// An open ticket can be resolved directly.
	_, err = s.ResolveTicket(ctx, c, "agent-3", at(6))
	must(t, err, "resolve an open ticket")

	tests := []struct {
		status string
		want   []string
	}{
		{"", []string{a, b, c}},
		{"open", []string{b}},
		{"claimed", []string{}},
		{"resolved", []string{a, c}},
	}
	for _, tt := range tests {
		ts, err := s.Tickets(ctx, tt.status)
		must(t, err, "list "+tt.status)
		if ids := ticketIDs(ts); !slices.Equal(ids, tt.want) {
			t.Errorf("Tickets(%q) = %v, want %v (oldest first)", tt.status, ids, tt.want)
		}
	}
}
