package dialog

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

// Field limits of Start.
const (
	maxUserID  = 128
	maxSig     = 256
	maxChannel = 64
	maxLocale  = 35
	maxTier    = 64
	maxContact = 200
	maxNote    = 500
	maxAgentID = 128
)

// Start opens a conversation owned by the bot. The user id is trusted
// (Verified) only when UserSig is its hex HMAC-SHA256 under the shop
// secret, and the profile only then; an unsigned profile is dropped.
//
// Errors: errs.Invalid for malformed fields.
func (e *Engine) Start(ctx context.Context, s Start) (store.Conversation, error) {
	for _, f := range []struct {
		name, value string
		max         int
	}{{"user_id", s.UserID, maxUserID}, {"user_sig", s.UserSig, maxSig}, {"channel", s.Channel, maxChannel}, {"locale", s.Locale, maxLocale}} {
		if !utf8.ValidString(f.value) {
			return store.Conversation{}, errs.E(errs.Invalid, "%s is not valid UTF-8", f.name)
		}
		if utf8.RuneCountInString(f.value) > f.max {
			return store.Conversation{}, errs.E(errs.Invalid, "%s is longer than %d characters", f.name, f.max)
		}
	}
	if s.Profile != nil && (!utf8.ValidString(s.Profile.Tier) || utf8.RuneCountInString(s.Profile.Tier) > maxTier) {
		return store.Conversation{}, errs.E(errs.Invalid, "profile.tier must be valid UTF-8 of at most %d characters", maxTier)
	}
	now := e.now()
	verified := VerifyUser(e.cfg.ShopSecret, s.UserID, s.UserSig)
	c := store.Conversation{
		ID:        newID("c", now),
		UserID:    strings.TrimSpace(s.UserID),
		Verified:  verified,
		Channel:   strings.TrimSpace(s.Channel),
		Locale:    strings.TrimSpace(s.Locale),
		State:     store.StateBot,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if verified && s.Profile != nil {
		c.Profile = *s.Profile
	}
	cc := decodeContext(nil)
	cc.Locale = normLocale(c.Locale)
	c.Context = cc.encode()
	if err := e.store.CreateConversation(ctx, c); err != nil {
		return store.Conversation{}, err
	}
	if err := e.store.AddTransition(ctx, store.Transition{ConversationID: c.ID, To: store.StateBot, Reason: "started", At: now}); err != nil {
		return store.Conversation{}, err
	}
	e.stats.add(func(s *Stats) { s.Conversations++ })
	return c, nil
}

// VerifyUser reports whether sig is the hex HMAC-SHA256 of userID under
// secret, comparing in constant time. An empty secret, user id or
// signature never verifies.
func VerifyUser(secret, userID, sig string) bool {
	if secret == "" || userID == "" || sig == "" {
		return false
	}
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return false
	}
	return hmac.Equal(got, userMAC(secret, userID))
}

// SignUser returns the signature a shop's backend sends as user_sig.
func SignUser(secret, userID string) string {
	return hex.EncodeToString(userMAC(secret, userID))
}

func userMAC(secret, userID string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(userID))
	return m.Sum(nil)
}

// newID makes a conversation id: prefix, "_", the creation time in
// nanoseconds as 13 base-32 digits (fixed width, so ids sort by time) and
// 16 random characters (80 bits: an id cannot be guessed). Ids that sort
// by time keep the index entries of the conversations in progress on a
// few neighbouring pages of the store, so a commit writes fewer pages
// than with ids scattered over the whole index.
func newID(prefix string, now time.Time) string {
	t := strconv.FormatUint(uint64(now.UnixNano()), 32)
	return prefix + "_" + strings.Repeat("0", max(0, 13-len(t))) + t + strings.ToLower(rand.Text()[:16])
}

// validText applies the message rules: valid UTF-8, not blank, at most
// MaxTextRunes characters.
func (e *Engine) validText(text string) error {
	switch {
	case !utf8.ValidString(text):
		return errs.E(errs.Invalid, "text is not valid UTF-8")
	case strings.TrimSpace(text) == "":
		return errs.E(errs.Invalid, "text is empty")
	case utf8.RuneCountInString(text) > e.cfg.MaxTextRunes:
		return errs.E(errs.Invalid, "text is longer than %d characters", e.cfg.MaxTextRunes)
	}
	return nil
}

// Receive handles one customer message. While the bot owns the
// conversation it decides (answer, ask, clarify, fallback or handoff) and
// replies; while a person holds or awaits it the message goes to them and
// Turn.Reply is nil; after closed the message opens a fresh stay with the
// bot. Messages of one conversation are handled one at a time.
//
// Errors: errs.Invalid for bad text (nothing is stored), errs.NotFound for
// an unknown conversation; store failures as they come. Decisions are
// outcomes, never errors: a failing order system or knowledge base gives a
// holding answer.
func (e *Engine) Receive(ctx context.Context, convID, text string) (Turn, error) {
	if err := e.validText(text); err != nil {
		return Turn{}, err
	}
	parse := e.nlu.Parse(ctx, text)
	unlock := e.convLocks.lock(convID)
	defer unlock()
	c, err := e.store.Conversation(ctx, convID)
	if err != nil {
		return Turn{}, err
	}
	cc := e.contexts.decode(convID, c.Context)
	if c.State == store.StateClosed {
		// A fresh stay with the bot, not the last agent: forget the
		// last stay's questions, keep only what stats need.
		fresh := decodeContext(nil)
		fresh.Locale = cc.Locale
		fresh.Flags[flagAnswered], fresh.Flags[flagHandedOff] = cc.Flags[flagAnswered], cc.Flags[flagHandedOff]
		cc = fresh
		if err := e.transition(ctx, &c, cc, store.StateBot, "customer_returned", ""); err != nil {
			return Turn{}, err
		}
	}
	switch c.State {
	case store.StateBot:
		return e.receiveBot(ctx, c, cc, text, parse)
	case store.StateWaitingAgent, store.StateAgent:
		return e.receiveForAgent(ctx, c, cc, text, parse)
	}
	return Turn{}, errs.E(errs.Internal, "conversation %s is in unknown state %q", c.ID, c.State)
}

func (e *Engine) receiveBot(ctx context.Context, c store.Conversation, cc *convContext, text string, parse nlu.Result) (Turn, error) {
	now := e.now()
	cc.Turn++
	locale := e.localeFor(parse.Lang, cc, c)
	cc.Locale = locale
	rd := e.read(text, parse, cc, now)
	cc.mood(negativity(parse.Emotion))
	custMsg := store.Message{
		ConversationID: c.ID, Role: store.RoleCustomer, Text: text,
		Intent: rd.Intent, Confidence: rd.Confidence, Emotion: parse.Emotion.Label, EmotionScore: parse.Emotion.Score,
		Meta:      mustJSON(meta{Context: rd.How, ParseIntent: parse.Intent, ParseConfidence: parse.Confidence, Locale: locale}),
		CreatedAt: now,
	}
	// What the last turn asked or offered is answered now or forgotten;
	// an order id the customer gives is remembered.
	cc.Offers = nil
	cc.Asked = nil
	if rd.OrderID != "" {
		cc.Slots[SlotOrderID] = rd.OrderID
	}
	t := &turn{ctx: ctx, conv: c, cc: cc, text: text, parse: parse, rd: rd, locale: locale, ph: e.phrases(locale), now: now}
	e.decide(t)

	from := c.State
	var cust store.Message
	if t.decision == DecisionHandoff {
		// The queue item's summary quotes the customer's message: it must
		// be stored first.
		var err error
		if cust, err = e.store.AppendMessage(ctx, custMsg); err != nil {
			return Turn{}, err
		}
		if err := e.enqueue(ctx, t, &c, cust); err != nil {
			return Turn{}, err
		}
	}
	switch t.decision {
	case DecisionAnswer, DecisionAsk, DecisionHandoff:
		if t.rd.Intent != "" && t.rd.Intent != nlu.OOS {
			cc.remember(t.rd.Intent, t.rd.Confidence, now)
		}
	}
	answered := t.decision == DecisionAnswer || t.decision == DecisionHandoff && t.reply.ArticleID != ""
	firstAnswer := answered && !cc.Flags[flagAnswered]
	firstHandoff := t.decision == DecisionHandoff && !cc.Flags[flagHandedOff]
	if answered {
		cc.Flags[flagAnswered] = true
	}
	if t.decision == DecisionHandoff {
		cc.Flags[flagHandedOff] = true
	}
	c.Context = cc.encode()
	c.UpdatedAt = now
	botMsg := store.Message{
		ConversationID: c.ID, Role: store.RoleBot, Text: t.reply.Text,
		Intent: t.reply.Intent, Confidence: t.reply.Confidence, ArticleID: t.reply.ArticleID,
		Meta: mustJSON(t.meta), CreatedAt: now,
	}
	var bot store.Message
	if t.decision != DecisionHandoff && c.State == from {
		// The common turn: question, context and reply in one commit.
		saved, err := e.store.SaveTurn(ctx, c, from, []store.Message{custMsg, botMsg})
		if err != nil {
			return Turn{}, err
		}
		cust, bot = saved[0], saved[1]
		e.contexts.put(c.ID, c.Context, cc.clone())
	} else {
		if cust.ID == "" {
			var err error
			if cust, err = e.store.AppendMessage(ctx, custMsg); err != nil {
				return Turn{}, err
			}
		}
		if err := e.store.UpdateConversation(ctx, c, from); err != nil {
			if t.decision == DecisionHandoff {
				_ = e.store.Dequeue(ctx, c.ID)
			}
			return Turn{}, err
		}
		if c.State != from {
			tr := store.Transition{ConversationID: c.ID, From: from, To: c.State, Reason: t.reason, At: now}
			if err := e.store.AddTransition(ctx, tr); err != nil {
				return Turn{}, err
			}
			e.publishState(c.ID, tr)
		}
		var err error
		if bot, err = e.store.AppendMessage(ctx, botMsg); err != nil {
			return Turn{}, err
		}
	}
	e.hub.publish(c.ID, Event{Type: EventMessage, Data: bot})
	if t.decision == DecisionHandoff {
		e.publishPositions(ctx)
	}
	e.stats.add(func(s *Stats) {
		s.Turns[t.decision]++
		if t.decision == DecisionHandoff {
			s.Handoffs[t.reason]++
		}
		switch {
		case firstHandoff && cc.Flags[flagAnswered] && !firstAnswer && s.Contained > 0:
			s.Contained-- // it was contained until now
		case firstAnswer && !cc.Flags[flagHandedOff]:
			s.Contained++
		}
	})
	e.recordUnanswered(ctx, t)
	reply := t.reply
	return Turn{MessageID: cust.ID, State: c.State, Reply: &reply, Handoff: t.info}, nil
}

// recordUnanswered keeps a question the bot fell back on for the editors.
// It is bookkeeping: a failure is logged, and the customer's turn stands.
func (e *Engine) recordUnanswered(ctx context.Context, t *turn) {
	if e.unans == nil || t.decision != DecisionFallback {
		return
	}
	switch t.reason {
	case "out_of_scope", "low_confidence", "no_article":
		// The knowledge base or the model lacked something an editor can
		// add (unlike a missing order number or an order system down).
	default:
		return
	}
	if err := e.unans.RecordUnanswered(ctx, t.text, t.locale); err != nil && !errs.Is(err, errs.Invalid) {
		e.log.Warn("record unanswered question", "err", err)
	}
}

// receiveForAgent stores a message for the person who holds or will hold
// the conversation; the bot stays quiet.
func (e *Engine) receiveForAgent(ctx context.Context, c store.Conversation, cc *convContext, text string, parse nlu.Result) (Turn, error) {
	now := e.now()
	cust, err := e.store.AppendMessage(ctx, store.Message{
		ConversationID: c.ID, Role: store.RoleCustomer, Text: text,
		Intent: parse.Intent, Confidence: parse.Confidence, Emotion: parse.Emotion.Label, EmotionScore: parse.Emotion.Score,
		Meta:      mustJSON(meta{Decision: DecisionToAgent, ParseIntent: parse.Intent, ParseConfidence: parse.Confidence}),
		CreatedAt: now,
	})
	if err != nil {
		return Turn{}, err
	}
	e.hub.publish(c.ID, Event{Type: EventMessage, Data: cust})
	e.stats.add(func(s *Stats) { s.Turns[DecisionToAgent]++ })
	out := Turn{MessageID: cust.ID, State: c.State}
	if c.State != store.StateWaitingAgent {
		return out, nil
	}
	pos, item, qp, err := e.position(ctx, c.ID, now)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return out, nil
		}
		return Turn{}, err
	}
	out.Handoff = &HandoffInfo{Reason: item.Reason, Priority: e.effective(item, now), QueuePosition: pos}
	if qp.OfferMessage && !cc.Flags[flagOffered] {
		cc.Flags[flagOffered] = true
		c.Context, c.UpdatedAt = cc.encode(), now
		if err := e.store.UpdateConversation(ctx, c, c.State); err != nil {
			return Turn{}, err
		}
		if err := e.say(ctx, c.ID, e.phrases(cc.Locale).OfferMessage, meta{Decision: "offer_message"}); err != nil {
			return Turn{}, err
		}
	}
	e.hub.publish(c.ID, Event{Type: EventQueuePosition, Data: qp})
	return out, nil
}

// say appends a bot message outside a turn (agent joined, released …)
// and publishes it.
func (e *Engine) say(ctx context.Context, convID, text string, m meta) error {
	msg, err := e.store.AppendMessage(ctx, store.Message{
		ConversationID: convID, Role: store.RoleBot, Text: text, Meta: mustJSON(m), CreatedAt: e.now(),
	})
	if err != nil {
		return err
	}
	e.hub.publish(convID, Event{Type: EventMessage, Data: msg})
	return nil
}

// transition moves a conversation to another owner: stores it (compare-
// and-swap on the state), records and publishes the transition.
func (e *Engine) transition(ctx context.Context, c *store.Conversation, cc *convContext, to, reason, actor string) error {
	from := c.State
	now := e.now()
	c.State = to
	if to != store.StateAgent {
		c.AgentID = ""
	}
	c.Context, c.UpdatedAt = cc.encode(), now
	if err := e.store.UpdateConversation(ctx, *c, from); err != nil {
		c.State = from
		return err
	}
	tr := store.Transition{ConversationID: c.ID, From: from, To: to, Reason: reason, Actor: actor, At: now}
	if err := e.store.AddTransition(ctx, tr); err != nil {
		return err
	}
	e.publishState(c.ID, tr)
	return nil
}

// publishState tells subscribers (SSE) and webhooks of a change of owner.
func (e *Engine) publishState(convID string, tr store.Transition) {
	ev := Event{Type: EventState, Data: tr}
	e.hub.publish(convID, ev)
	if e.hooks != nil {
		e.hooks.send(convID, ev, e.now())
	}
}

// localeFor picks the language to answer in: the message's own when it
// tells, else the conversation's last, else the one it started with, else
// the default.
func (e *Engine) localeFor(lang string, cc *convContext, c store.Conversation) string {
	switch lang {
	case "en":
		return LocaleEn
	case "zh", "zh-Hant":
		return LocaleZh
	}
	for _, l := range []string{cc.Locale, normLocale(c.Locale)} {
		if _, ok := e.cfg.Phrases[l]; ok && l != "" {
			return l
		}
	}
	return normLocale(e.cfg.DefaultLocale)
}

// Transcript returns the conversation with its messages (at most
// MaxTranscript) and transitions.
//
// Errors: errs.NotFound.
func (e *Engine) Transcript(ctx context.Context, convID string) (Transcript, error) {
	c, err := e.store.Conversation(ctx, convID)
	if err != nil {
		return Transcript{}, err
	}
	msgs, err := e.store.Messages(ctx, convID, 0, e.cfg.MaxTranscript)
	if err != nil {
		return Transcript{}, err
	}
	trs, err := e.store.Transitions(ctx, convID)
	if err != nil {
		return Transcript{}, err
	}
	if msgs == nil {
		msgs = []store.Message{}
	}
	if trs == nil {
		trs = []store.Transition{}
	}
	return Transcript{Conversation: c, Messages: msgs, Transitions: trs}, nil
}

// Feedback records a customer's verdict on a bot or agent message.
//
// Errors: errs.NotFound for an unknown conversation or message,
// errs.Invalid for a message that is not an answer.
func (e *Engine) Feedback(ctx context.Context, convID, msgID string, helpful bool) error {
	if _, err := e.store.Conversation(ctx, convID); err != nil {
		return err
	}
	m, err := e.store.Message(ctx, convID, msgID)
	if err != nil {
		return err
	}
	if m.Role != store.RoleBot && m.Role != store.RoleAgent {
		return errs.E(errs.Invalid, "feedback is for answers, not for the customer's own messages")
	}
	return e.store.AddFeedback(ctx, store.Feedback{ConversationID: convID, MessageID: msgID, Helpful: helpful, At: e.now()})
}

// Subscribe streams a conversation's events (bot and agent messages,
// customer messages while a person holds or awaits it, state changes,
// queue positions) until the returned func is called or ctx ends; then
// the channel closes. The channel is buffered; a subscriber that falls
// behind loses its oldest events, never blocking the engine.
//
// Errors: errs.NotFound; errs.RateLimited when the conversation has too
// many subscribers.
func (e *Engine) Subscribe(ctx context.Context, convID string) (<-chan Event, func(), error) {
	if _, err := e.store.Conversation(ctx, convID); err != nil {
		return nil, nil, err
	}
	return e.hub.subscribe(ctx, convID)
}

func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		// Only plain structs are marshalled here.
		panic(err)
	}
	return raw
}
