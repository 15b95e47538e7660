package dialog

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

// enqueue puts a turn's conversation in the handoff queue and words the
// reply: the queue position and expected wait, or, with no agent online,
// the offer to leave a message. c.State becomes waiting_agent; the caller
// stores it.
func (e *Engine) enqueue(ctx context.Context, t *turn, c *store.Conversation, cust store.Message) error {
	now := t.now
	amount := t.amount
	if amount == 0 {
		amount = t.cc.OrderAmount
	}
	prio := e.priority(t.reason, t.parse.Emotion, c.Verified && c.Profile.VIP, amount)
	skill := e.topic(t.reply.Intent)
	if skill == "" {
		skill = "general"
	}
	item := store.QueueItem{
		ConversationID: c.ID, Priority: prio, Reason: t.reason, Intent: t.reply.Intent,
		Emotion: t.parse.Emotion.Label, Summary: e.summary(ctx, t, *c, cust), Skill: skill, EnqueuedAt: now,
	}
	if err := e.store.Enqueue(ctx, item); err != nil {
		if !errs.Is(err, errs.Conflict) {
			return err
		}
		// A stale item left from an earlier stay: replace it.
		if err := e.store.Dequeue(ctx, c.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := e.store.Enqueue(ctx, item); err != nil {
			return err
		}
	}
	pos, _, qp, err := e.position(ctx, c.ID, now)
	if err != nil {
		_ = e.store.Dequeue(ctx, c.ID)
		return err
	}
	c.State, c.AgentID = store.StateWaitingAgent, ""
	t.info = &HandoffInfo{Reason: t.reason, Priority: prio, QueuePosition: pos}
	t.meta.Priority, t.meta.QueuePosition = prio, pos
	text := Render(t.ph.Handoff, map[string]string{
		"position": strconv.Itoa(pos),
		"ahead":    strconv.Itoa(pos - 1),
		"minutes":  strconv.Itoa(max(1, int(math.Ceil(qp.ExpectedWaitSec/60)))),
	})
	t.cc.Flags[flagOffered] = false
	if e.onlineAgents(now) == 0 {
		text = t.ph.HandoffOffline
		t.cc.Flags[flagOffered] = true
	}
	if t.reply.Text != "" {
		text = t.reply.Text + "\n\n" + text
	}
	t.reply.Text = text
	return nil
}

// priority of a handoff: the reason's base, plus emotion, a verified VIP
// and the order's value. Waiting time is added when the queue is read.
func (e *Engine) priority(reason string, em nlu.Emotion, vip bool, amount float64) int {
	p, ok := e.cfg.Queue.ReasonPriority[reason]
	if !ok {
		p = 10
	}
	switch em.Label {
	case nlu.EmotionAngry:
		p += int(math.Round(20 * em.Score))
	case nlu.EmotionAnxious:
		p += int(math.Round(10 * em.Score))
	}
	if vip {
		p += 20
	}
	if hv := e.cfg.Handoff.HighOrderValue; hv > 0 && amount > 0 {
		p += int(math.Min(15, math.Round(15*amount/hv)))
	}
	return p
}

// effective is an item's priority with aging: one point per AgingEvery
// waited, so a long wait eventually beats any base priority.
func (e *Engine) effective(q store.QueueItem, now time.Time) int {
	if q.ClaimedBy != "" {
		return q.Priority
	}
	w := now.Sub(q.EnqueuedAt)
	if w < 0 {
		w = 0
	}
	return q.Priority + int(w/e.cfg.Queue.AgingEvery)
}

// sortQueue orders items as agents see them: waiting before claimed,
// then effective priority (highest first), then longest waiting.
func (e *Engine) sortQueue(items []store.QueueItem, now time.Time) {
	slices.SortStableFunc(items, func(a, b store.QueueItem) int {
		if wa, wb := a.ClaimedBy == "", b.ClaimedBy == ""; wa != wb {
			if wa {
				return -1
			}
			return 1
		}
		if pa, pb := e.effective(a, now), e.effective(b, now); pa != pb {
			return pb - pa
		}
		if c := a.EnqueuedAt.Compare(b.EnqueuedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ConversationID, b.ConversationID)
	})
}

// position is a waiting conversation's place in the queue (1 = next).
//
// Errors: errs.NotFound when it is not waiting.
func (e *Engine) position(ctx context.Context, convID string, now time.Time) (int, store.QueueItem, QueuePosition, error) {
	items, err := e.store.QueueItems(ctx)
	if err != nil {
		return 0, store.QueueItem{}, QueuePosition{}, err
	}
	e.sortQueue(items, now)
	online := e.onlineAgents(now)
	for i, q := range items {
		if q.ClaimedBy != "" {
			break
		}
		if q.ConversationID == convID {
			return i + 1, q, e.queuePosition(i+1, q, online, now), nil
		}
	}
	return 0, store.QueueItem{}, QueuePosition{}, errs.E(errs.NotFound, "conversation %s is not waiting for an agent", convID)
}

func (e *Engine) queuePosition(pos int, q store.QueueItem, online int, now time.Time) QueuePosition {
	e.mu.Lock()
	per := e.waitEWMA
	e.mu.Unlock()
	waited := now.Sub(q.EnqueuedAt)
	return QueuePosition{
		Position:        pos,
		ExpectedWaitSec: math.Round(float64(pos) * per / float64(max(1, online))),
		OfferMessage:    online == 0 || e.cfg.Queue.OfferMessageAfter > 0 && waited >= e.cfg.Queue.OfferMessageAfter,
	}
}

// publishPositions tells every waiting customer who listens where they
// stand now.
func (e *Engine) publishPositions(ctx context.Context) {
	items, err := e.store.QueueItems(ctx)
	if err != nil {
		e.log.Warn("queue positions not published", "err", err)
		return
	}
	now := e.now()
	e.sortQueue(items, now)
	online := e.onlineAgents(now)
	for i, q := range items {
		if q.ClaimedBy != "" {
			break
		}
		if e.hub.has(q.ConversationID) {
			e.hub.publish(q.ConversationID, Event{Type: EventQueuePosition, Data: e.queuePosition(i+1, q, online, now)})
		}
	}
}

// summary is what an agent reads before taking the conversation: reason,
// intent, emotion, customer, slots, order facts and the last messages.
// It never holds names, phones or addresses.
func (e *Engine) summary(ctx context.Context, t *turn, c store.Conversation, cust store.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "reason: %s\n", t.reason)
	fmt.Fprintf(&b, "intent: %s (%.2f, read: %s)\n", t.reply.Intent, t.reply.Confidence, t.rd.How)
	fmt.Fprintf(&b, "emotion: %s (%.2f)\n", t.parse.Emotion.Label, t.parse.Emotion.Score)
	switch {
	case c.Verified:
		fmt.Fprintf(&b, "customer: %s (verified", c.UserID)
		if c.Profile.VIP {
			b.WriteString(", VIP")
		}
		if c.Profile.Tier != "" {
			fmt.Fprintf(&b, ", tier %s", c.Profile.Tier)
		}
		b.WriteString(")\n")
	case c.UserID != "":
		fmt.Fprintf(&b, "customer: claims to be %s (not verified)\n", c.UserID)
	default:
		b.WriteString("customer: anonymous\n")
	}
	if id := t.cc.Slots[SlotOrderID]; id != "" {
		fmt.Fprintf(&b, "slots: order_id=%s\n", id)
	}
	if t.cc.Order != "" {
		fmt.Fprintf(&b, "order: %s\n", t.cc.Order)
	}
	msgs, err := e.store.Messages(ctx, c.ID, max(0, cust.Seq-6), 6)
	if err != nil {
		e.log.Warn("summary without messages", "conversation", c.ID, "err", err)
	}
	if len(msgs) > 0 {
		b.WriteString("last messages:")
		for _, m := range msgs {
			fmt.Fprintf(&b, "\n- %s: %s", m.Role, clip(m.Text, 120))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Queue lists the handoff queue as agents see it: waiting conversations
// first, by priority with aging (highest first), then longest waiting;
// then the claimed ones.
func (e *Engine) Queue(ctx context.Context) ([]QueueEntry, error) {
	items, err := e.store.QueueItems(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	e.sortQueue(items, now)
	out := make([]QueueEntry, 0, len(items))
	for _, q := range items {
		waited := now.Sub(q.EnqueuedAt)
		if q.ClaimedAt != nil {
			waited = q.ClaimedAt.Sub(q.EnqueuedAt)
		}
		out = append(out, QueueEntry{
			ConversationID: q.ConversationID, Priority: e.effective(q, now), Reason: q.Reason,
			WaitingSeconds: math.Max(0, waited.Seconds()), Intent: q.Intent, Emotion: q.Emotion,
			Summary: q.Summary, ClaimedBy: q.ClaimedBy,
		})
	}
	return out, nil
}

func validAgent(agentID string) error {
	if strings.TrimSpace(agentID) == "" || !utf8.ValidString(agentID) || utf8.RuneCountInString(agentID) > maxAgentID {
		return errs.E(errs.Invalid, "agent_id must be 1 to %d characters of valid UTF-8", maxAgentID)
	}
	return nil
}

// Claim gives a waiting conversation to an agent (waiting_agent → agent).
// Of agents claiming at once exactly one wins. Claiming a conversation
// one already holds succeeds again.
//
// Errors: errs.Invalid (agent id), errs.NotFound, errs.Conflict when
// another agent holds it, when it is not waiting for an agent, or when
// the agent already holds Queue.AgentCapacity conversations.
func (e *Engine) Claim(ctx context.Context, convID, agentID string) error {
	if err := validAgent(agentID); err != nil {
		return err
	}
	unlock := e.convLocks.lock(convID)
	defer unlock()
	c, err := e.store.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	switch {
	case c.State == store.StateAgent && c.AgentID == agentID:
		return nil
	case c.State == store.StateAgent:
		return errs.E(errs.Conflict, "conversation %s is held by another agent", convID)
	case c.State != store.StateWaitingAgent:
		return errs.E(errs.Conflict, "conversation %s is not waiting for an agent (state %s)", convID, c.State)
	}
	// Conversation lock, then agent lock: capacity holds across
	// conversations claimed at once.
	unlockAgent := e.agentLocks.lock(agentID)
	defer unlockAgent()
	n, err := e.store.ClaimedCount(ctx, agentID)
	if err != nil {
		return err
	}
	if n >= e.cfg.Queue.AgentCapacity {
		return errs.E(errs.Conflict, "agent %s already holds %d conversations (capacity %d)", agentID, n, e.cfg.Queue.AgentCapacity)
	}
	now := e.now()
	item, err := e.store.Claim(ctx, convID, agentID, now)
	if err != nil {
		return err
	}
	cc := decodeContext(c.Context)
	cc.Flags[flagOffered] = false
	c.AgentID = agentID
	if err := e.transition(ctx, &c, cc, store.StateAgent, "claimed", agentID); err != nil {
		_ = e.store.Unclaim(ctx, convID, item.Priority, item.Reason, item.Skill)
		return err
	}
	e.observeWait(now.Sub(item.EnqueuedAt))
	e.AgentSeen(agentID)
	e.stats.add(func(s *Stats) { s.Claims++ })
	if err := e.say(ctx, convID, e.phrases(cc.Locale).AgentJoined, meta{Decision: "agent_joined"}); err != nil {
		return err
	}
	e.publishPositions(ctx)
	return nil
}

// holder loads a conversation the agent must hold; an empty agentID
// stands for whoever holds it. It returns the holding agent.
func (e *Engine) holder(ctx context.Context, convID, agentID string) (store.Conversation, string, error) {
	if agentID != "" {
		if err := validAgent(agentID); err != nil {
			return store.Conversation{}, "", err
		}
	}
	c, err := e.store.Conversation(ctx, convID)
	if err != nil {
		return store.Conversation{}, "", err
	}
	if c.State != store.StateAgent {
		return store.Conversation{}, "", errs.E(errs.Conflict, "no agent holds conversation %s (state %s)", convID, c.State)
	}
	if agentID != "" && c.AgentID != agentID {
		return store.Conversation{}, "", errs.E(errs.Conflict, "conversation %s is held by another agent", convID)
	}
	return c, c.AgentID, nil
}

// AgentSend sends an agent's message to the customer; only the agent
// holding the conversation may (an empty agentID: whoever holds it).
//
// Errors: errs.Invalid (text, agent id), errs.NotFound, errs.Conflict when
// the agent does not hold it.
func (e *Engine) AgentSend(ctx context.Context, convID, agentID, text string) (store.Message, error) {
	if err := e.validText(text); err != nil {
		return store.Message{}, err
	}
	unlock := e.convLocks.lock(convID)
	defer unlock()
	_, agentID, err := e.holder(ctx, convID, agentID)
	if err != nil {
		return store.Message{}, err
	}
	m, err := e.store.AppendMessage(ctx, store.Message{
		ConversationID: convID, Role: store.RoleAgent, AgentID: agentID, Text: text, CreatedAt: e.now(),
	})
	if err != nil {
		return store.Message{}, err
	}
	e.AgentSeen(agentID)
	e.observeFirstReply(ctx, convID, m.CreatedAt)
	e.hub.publish(convID, Event{Type: EventMessage, Data: m})
	return m, nil
}

// observeFirstReply reports the wait from handoff to the first agent
// message, once per handoff.
func (e *Engine) observeFirstReply(ctx context.Context, convID string, at time.Time) {
	if e.firstReply == nil {
		return
	}
	it, err := e.store.QueueItem(ctx, convID)
	if err != nil {
		return // not queued (a metric is never worth failing a message for)
	}
	e.repliedMu.Lock()
	first := !e.replied[convID].Equal(it.EnqueuedAt)
	if first {
		e.replied[convID] = it.EnqueuedAt
	}
	e.repliedMu.Unlock()
	if first {
		e.firstReply(at.Sub(it.EnqueuedAt))
	}
}

// forgetReply drops a conversation's first-reply mark when its stay with
// the agents ends.
func (e *Engine) forgetReply(convID string) {
	e.repliedMu.Lock()
	delete(e.replied, convID)
	e.repliedMu.Unlock()
}

// Release ends an agent's hold (an empty agentID: whoever holds it): back
// to the bot ("bot") or closed ("closed"). A message after closed opens a
// fresh stay with the bot.
//
// Errors: errs.Invalid (to, note, agent id), errs.NotFound, errs.Conflict
// when the agent does not hold it.
func (e *Engine) Release(ctx context.Context, convID, agentID, to, note string) error {
	if to != store.StateBot && to != store.StateClosed {
		return errs.E(errs.Invalid, "to must be %q or %q", store.StateBot, store.StateClosed)
	}
	if err := validNote(note); err != nil {
		return err
	}
	unlock := e.convLocks.lock(convID)
	defer unlock()
	c, agentID, err := e.holder(ctx, convID, agentID)
	if err != nil {
		return err
	}
	if err := e.store.Dequeue(ctx, convID); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	e.forgetReply(convID)
	cc := decodeContext(c.Context)
	// A fresh start with the bot: nothing the person handled counts
	// against it, and it does not hand straight back.
	cc.Misses, cc.Moods, cc.Asked, cc.Offers = 0, nil, nil, nil
	cc.Flags[flagOffered] = false
	reason := "released_to_bot"
	text := e.phrases(cc.Locale).ReleasedToBot
	if to == store.StateClosed {
		reason, text = "closed_by_agent", e.phrases(cc.Locale).Closed
	}
	if note = strings.TrimSpace(note); note != "" {
		reason += ": " + note
	}
	if err := e.transition(ctx, &c, cc, to, reason, agentID); err != nil {
		return err
	}
	e.AgentSeen(agentID)
	return e.say(ctx, convID, text, meta{Decision: reason})
}

// Transfer hands a held conversation back to the queue for another agent
// (agent → waiting_agent), with a skill and a priority boost so the
// customer does not start waiting from the back. An empty agentID stands
// for whoever holds it.
//
// Errors: errs.Invalid, errs.NotFound, errs.Conflict when the agent does
// not hold it.
func (e *Engine) Transfer(ctx context.Context, convID, agentID, skill, note string) error {
	if err := validNote(note); err != nil {
		return err
	}
	if !utf8.ValidString(skill) || utf8.RuneCountInString(skill) > maxChannel {
		return errs.E(errs.Invalid, "skill must be valid UTF-8 of at most %d characters", maxChannel)
	}
	unlock := e.convLocks.lock(convID)
	defer unlock()
	c, agentID, err := e.holder(ctx, convID, agentID)
	if err != nil {
		return err
	}
	item, err := e.store.QueueItem(ctx, convID)
	if err != nil {
		return err
	}
	if skill = strings.TrimSpace(skill); skill == "" {
		skill = item.Skill
	}
	prio := item.Priority + e.cfg.Queue.TransferBoost
	if err := e.store.Unclaim(ctx, convID, prio, ReasonTransfer, skill); err != nil {
		return err
	}
	cc := decodeContext(c.Context)
	cc.Flags[flagOffered] = false
	reason := ReasonTransfer + ": skill " + skill
	if note = strings.TrimSpace(note); note != "" {
		reason += "; " + note
	}
	if err := e.transition(ctx, &c, cc, store.StateWaitingAgent, reason, agentID); err != nil {
		_, _ = e.store.Claim(ctx, convID, agentID, e.now())
		return err
	}
	e.AgentSeen(agentID)
	e.stats.add(func(s *Stats) { s.Handoffs[ReasonTransfer]++ })
	now := e.now()
	pos, _, qp, err := e.position(ctx, convID, now)
	if err == nil {
		ph := e.phrases(cc.Locale)
		text := Render(ph.Handoff, map[string]string{
			"position": strconv.Itoa(pos), "ahead": strconv.Itoa(pos - 1),
			"minutes": strconv.Itoa(max(1, int(math.Ceil(qp.ExpectedWaitSec/60)))),
		})
		if err := e.say(ctx, convID, text, meta{Decision: ReasonTransfer, Priority: prio, QueuePosition: pos}); err != nil {
			return err
		}
	}
	e.publishPositions(ctx)
	return nil
}

func validNote(note string) error {
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > maxNote {
		return errs.E(errs.Invalid, "note must be valid UTF-8 of at most %d characters", maxNote)
	}
	return nil
}

// AgentSeen marks an agent online (the api calls it when an agent polls
// the queue; claiming, sending and releasing do it too). An agent not seen
// for Queue.AgentIdle counts as offline; with nobody online, waiting
// customers are offered to leave a message.
func (e *Engine) AgentSeen(agentID string) {
	if agentID == "" {
		return
	}
	e.mu.Lock()
	e.agents[agentID] = e.now()
	e.mu.Unlock()
}

// AgentGone marks an agent offline at once.
func (e *Engine) AgentGone(agentID string) {
	e.mu.Lock()
	delete(e.agents, agentID)
	e.mu.Unlock()
}

func (e *Engine) onlineAgents(now time.Time) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, seen := range e.agents {
		if now.Sub(seen) < e.cfg.Queue.AgentIdle {
			n++
		}
	}
	return n
}

func (e *Engine) pruneAgents() {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, seen := range e.agents {
		if now.Sub(seen) >= e.cfg.Queue.AgentIdle {
			delete(e.agents, id)
		}
	}
}

// observeWait refines the expected wait per customer from a real wait.
func (e *Engine) observeWait(d time.Duration) {
	s := math.Min(math.Max(d.Seconds(), 10), 1800)
	e.mu.Lock()
	e.waitEWMA = 0.8*e.waitEWMA + 0.2*s
	e.mu.Unlock()
}
