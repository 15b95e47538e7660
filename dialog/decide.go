package dialog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

// turn is one customer message on its way through the decision stages.
type turn struct {
	ctx    context.Context
	conv   store.Conversation
	cc     *convContext
	text   string
	parse  nlu.Result
	rd     reading
	locale string
	ph     Phrases
	now    time.Time

	// Outcome.
	decision string
	reason   string // why: fallback reason, handoff reason, clarify reason
	reply    Reply
	meta     meta
	amount   float64 // value of the order the turn looked up
	info     *HandoffInfo
	noPerson bool // the customer said they do not want a person
}

// meta is what a bot message records about its decision (Message.Meta).
type meta struct {
	Decision        string   `json:"decision"`
	Reason          string   `json:"reason,omitempty"`
	Context         string   `json:"context,omitempty"` // how the intent was read (parse, carry, shift, slot_fill …)
	ParseIntent     string   `json:"parse_intent,omitempty"`
	ParseConfidence float64  `json:"parse_confidence,omitempty"`
	Locale          string   `json:"locale,omitempty"`
	AsksFor         string   `json:"asks_for,omitempty"`
	Suggestions     []string `json:"suggestions,omitempty"`
	Incident        bool     `json:"incident,omitempty"`
	OrderID         string   `json:"order_id,omitempty"`
	OrderAccess     string   `json:"order_access,omitempty"`
	Priority        int      `json:"priority,omitempty"`
	QueuePosition   int      `json:"queue_position,omitempty"`
}

// A stage decides the turn (true) or passes it on (false). The stages run
// in order: people first (explicit request, emotion, negativity, VIP),
// then incident overrides, understanding (out of scope, clarify), routing,
// slots and finally the answer.
type stage func(e *Engine, t *turn) bool

var stages = []stage{
	(*Engine).explicitStage,
	(*Engine).emotionStage,
	(*Engine).negativityStage,
	(*Engine).vipStage,
	(*Engine).incidentStage,
	(*Engine).understandStage,
	(*Engine).routeStage,
	(*Engine).slotStage,
	(*Engine).answerStage,
}

func (e *Engine) decide(t *turn) {
	t.reply = Reply{Intent: t.rd.Intent, Confidence: t.rd.Confidence, Emotion: t.parse.Emotion}
	for _, s := range stages {
		if s(e, t) {
			break
		}
	}
	// Consecutive misses: the bot is not getting anywhere.
	switch t.decision {
	case DecisionFallback, DecisionClarify:
		t.cc.Misses++
		if max := e.cfg.Handoff.MaxMisses; max > 0 && t.cc.Misses >= max {
			t.reply.Text, t.reply.Suggestions = "", nil
			t.handoff(ReasonMisses)
		}
	default:
		t.cc.Misses = 0
	}
	t.meta.Decision, t.meta.Reason = t.decision, t.reason
	t.meta.Context, t.meta.ParseIntent, t.meta.ParseConfidence = t.rd.How, t.parse.Intent, t.parse.Confidence
	t.meta.Locale, t.meta.AsksFor, t.meta.Suggestions = t.locale, t.reply.AsksFor, t.reply.Suggestions
}

func (t *turn) set(decision, reason, text string) {
	t.decision, t.reason, t.reply.Text = decision, reason, text
}

func (t *turn) fallback(reason, text string) { t.set(DecisionFallback, reason, text) }

// handoff decides to hand over; the reply text (queue position) is made
// once the conversation is queued. Text already set (an answer) is kept
// in front of it.
func (t *turn) handoff(reason string) {
	t.decision, t.reason = DecisionHandoff, reason
	t.reply.AsksFor, t.reply.Suggestions = "", nil
}

func (e *Engine) explicitStage(t *turn) bool {
	if !e.cfg.Handoff.Explicit {
		return false
	}
	phrase, negated := e.asksForPerson(t.text)
	if negated && !phrase {
		// "不要转人工": whatever the parse says, not a request.
		t.noPerson = true
		return false
	}
	asked := t.parse.Intent == e.cfg.HumanIntent && e.cfg.HumanIntent != "" && t.parse.Confidence >= e.cfg.LowConfidence
	if !asked && !phrase {
		return false
	}
	if e.cfg.HumanIntent != "" {
		t.reply.Intent = e.cfg.HumanIntent
		if t.parse.Intent == e.cfg.HumanIntent {
			t.reply.Confidence = t.parse.Confidence
		} else {
			t.reply.Confidence = 1
		}
	}
	t.handoff(ReasonExplicit)
	return true
}

// negations before a handoff phrase ("不要转人工", "don't … talk to a person").
var negations = []string{"不要", "不用", "不需要", "别", "無需", "无需", "不想", "dont", "donot", "noneedto"}

// asksForPerson looks for the configured handoff phrases: found reports
// one asked for, negated one refused ("不要转人工").
func (e *Engine) asksForPerson(text string) (found, negated bool) {
	t := normPhrase(text)
	for _, p := range e.explicit {
		for from := 0; ; {
			i := strings.Index(t[from:], p)
			if i < 0 {
				break
			}
			i += from
			neg := false
			for _, n := range negations {
				if strings.HasSuffix(t[:i], n) {
					neg = true
				}
			}
			if neg {
				negated = true
			} else {
				found = true
			}
			from = i + len(p)
		}
	}
	return found, negated
}

func (e *Engine) emotionStage(t *turn) bool {
	em := t.parse.Emotion
	switch {
	case em.Label == nlu.EmotionAngry && e.cfg.Handoff.AngryScore > 0 && em.Score >= e.cfg.Handoff.AngryScore:
		t.handoff(ReasonAngry)
	case em.Label == nlu.EmotionAnxious && e.cfg.Handoff.AnxiousScore > 0 && em.Score >= e.cfg.Handoff.AnxiousScore:
		t.handoff(ReasonAnxious)
	default:
		return false
	}
	return true
}

// negativity of one message: the emotion's score when it is angry (fully)
// or anxious (mostly), none otherwise.
func negativity(em nlu.Emotion) float64 {
	switch em.Label {
	case nlu.EmotionAngry:
		return em.Score
	case nlu.EmotionAnxious:
		return 0.8 * em.Score
	}
	return 0
}

// negativityStage: negativity rose in each of the last RisingTurns
// messages and ended high.
func (e *Engine) negativityStage(t *turn) bool {
	n := e.cfg.Handoff.RisingTurns
	m := t.cc.Moods
	if n < 2 || len(m) < n {
		return false
	}
	m = m[len(m)-n:]
	for i := 1; i < n; i++ {
		if m[i] <= m[i-1] {
			return false
		}
	}
	if m[n-1] < e.cfg.Handoff.NegativityMin {
		return false
	}
	t.handoff(ReasonNegativity)
	return true
}

// vipStage: a verified VIP goes to a person, once per stay with the bot.
func (e *Engine) vipStage(t *turn) bool {
	if !e.cfg.Handoff.VIP || !t.conv.Verified || !t.conv.Profile.VIP || t.cc.Flags[flagAutoHandoff] {
		return false
	}
	t.cc.Flags[flagAutoHandoff] = true
	t.handoff(ReasonVIP)
	return true
}

// incidentStage answers the intents under an incident with the incident
// article, whatever else the intent would need.
func (e *Engine) incidentStage(t *turn) bool {
	id, ok := e.incident(t.rd.Intent)
	if !ok || t.rd.Intent == nlu.OOS {
		return false
	}
	a, found, err := e.articles.Article(t.ctx, id)
	if err != nil || !found {
		e.log.Warn("incident article unavailable; answering normally", "intent", t.rd.Intent, "article", id, "err", err)
		return false
	}
	t.set(DecisionAnswer, "incident", Render(a.Text, nil))
	t.reply.ArticleID = a.ArticleID
	if t.reply.ArticleID == "" {
		t.reply.ArticleID = id
	}
	t.meta.Incident = true
	return true
}

// minSuggestion is the least probability an intent needs to be offered.
const minSuggestion = 0.1

// understandStage: out of scope → fallback; weak or split parse →
// clarify. Readings from context were already weighed and pass.
func (e *Engine) understandStage(t *turn) bool {
	if t.rd.How == readSlotMissed {
		t.fallback("slot_missing", t.ph.NoOrderID)
		return true
	}
	if t.rd.contextual() {
		return false
	}
	r := t.parse
	if r.Intent == nlu.OOS || r.Intent == "" {
		t.fallback("out_of_scope", t.ph.Fallback)
		return true
	}
	var cands []nlu.Ranked
	for _, rk := range r.Ranking {
		if rk.Intent != nlu.OOS && rk.Confidence >= minSuggestion && len(cands) < e.cfg.MaxSuggestions {
			cands = append(cands, rk)
		}
	}
	top := topProb(r)
	switch {
	case top < e.cfg.LowConfidence:
		if len(cands) >= 2 && cands[0].Confidence+cands[1].Confidence >= e.cfg.LowConfidence {
			e.clarify(t, "low_confidence", cands)
		} else {
			t.fallback("low_confidence", t.ph.Fallback)
		}
	case top < e.cfg.AnswerConfidence && len(cands) > 0:
		e.clarify(t, "middling_confidence", cands)
	case len(r.Ranking) > 1 && r.Ranking[1].Intent != nlu.OOS && top-r.Ranking[1].Confidence < e.cfg.ClarifyMargin && len(cands) > 1:
		e.clarify(t, "close_intents", cands)
	default:
		return false
	}
	return true
}

func (e *Engine) clarify(t *turn, reason string, cands []nlu.Ranked) {
	var b strings.Builder
	b.WriteString(t.ph.Clarify)
	t.reply.Suggestions = nil
	t.cc.Offers = nil
	for i, c := range cands {
		s := e.suggestionText(c.Intent, t.locale)
		t.reply.Suggestions = append(t.reply.Suggestions, s)
		t.cc.Offers = append(t.cc.Offers, c.Intent)
		fmt.Fprintf(&b, "\n%d. %s", i+1, s)
	}
	t.set(DecisionClarify, reason, b.String())
}

// suggestionText names an intent for a customer: its question text for
// the locale, its Chinese title or English description, or its name.
func (e *Engine) suggestionText(intent, locale string) string {
	spec := e.intents[intent]
	if q := spec.Questions[locale]; q != "" {
		return q
	}
	if locale == LocaleZh && spec.Zh != "" {
		return spec.Zh
	}
	if locale != LocaleZh && spec.Description != "" {
		return spec.Description
	}
	return intent
}

// routeStage hands intents routed to people over.
func (e *Engine) routeStage(t *turn) bool {
	if !e.cfg.Handoff.Route || e.intents[t.rd.Intent].Route != RouteHandoff {
		return false
	}
	if t.noPerson && t.rd.Intent == e.cfg.HumanIntent {
		return false
	}
	t.handoff(ReasonRoute)
	return true
}

// slotStage makes sure an order question has its order id: from this
// message, or remembered from earlier in the conversation; otherwise it
// asks, once.
func (e *Engine) slotStage(t *turn) bool {
	if !e.needsOrder(t.rd.Intent) {
		return false
	}
	id := t.rd.OrderID
	if id == "" {
		id = t.cc.Slots[SlotOrderID]
	}
	if id == "" {
		e.ask(t)
		return true
	}
	t.cc.Slots[SlotOrderID] = id
	t.meta.OrderID = id
	return false
}

func (e *Engine) ask(t *turn) {
	t.set(DecisionAsk, "missing_"+SlotOrderID, t.ph.AskOrderID)
	t.reply.AsksFor = SlotOrderID
	t.cc.Asked = &pendingSlot{Intent: t.rd.Intent, Slot: SlotOrderID, Confidence: t.rd.Confidence, Turn: t.cc.Turn}
}

// answerStage looks the order up when the intent needs one, applies the
// privacy rules, and renders the knowledge base's answer.
func (e *Engine) answerStage(t *turn) bool {
	var values map[string]string
	if id := t.meta.OrderID; id != "" {
		o, err := e.orders.Order(t.ctx, id)
		vals := map[string]string{"order_id": id}
		switch {
		case errs.Is(err, errs.NotFound):
			delete(t.cc.Slots, SlotOrderID)
			t.meta.OrderAccess = accessNotFound
			if t.rd.How == readSlotFill {
				t.fallback("order_not_found", Render(t.ph.OrderNotFound, vals))
			} else {
				e.ask(t)
				t.reason = "order_not_found"
				t.reply.Text = Render(t.ph.OrderNotFound, vals)
			}
			return true
		case err != nil:
			e.log.Warn("order lookup failed", "order", id, "err", err)
			t.meta.OrderAccess = accessUnavailable
			t.fallback("orders_unavailable", Render(t.ph.OrdersUnavailable, vals))
			return true
		}
		access := orderAccess(t.conv, o)
		t.meta.OrderAccess = access
		if access == accessRefused {
			delete(t.cc.Slots, SlotOrderID)
			t.fallback("order_not_owned", Render(t.ph.OrderNotYours, vals))
			return true
		}
		if o.ID == "" {
			o.ID = id
		}
		values = orderValues(o, access, t.ph)
		t.cc.Order, t.cc.OrderAmount, t.amount = orderFacts(o, access), o.Amount, o.Amount
	}
	a, found, err := e.answers.Answer(t.ctx, AnswerRequest{Text: t.text, Intent: t.rd.Intent, Locale: t.locale, Now: t.now})
	switch {
	case err != nil:
		e.log.Warn("answer lookup failed", "intent", t.rd.Intent, "err", err)
		t.fallback("answer_error", t.ph.NoAnswer)
		return true
	case !found:
		t.fallback("no_article", t.ph.NoAnswer)
		return true
	}
	t.set(DecisionAnswer, "", Render(a.Text, values))
	t.reply.ArticleID = a.ArticleID
	if v := e.cfg.Handoff.HighOrderValue; v > 0 && t.amount >= v && !t.cc.Flags[flagAutoHandoff] {
		t.cc.Flags[flagAutoHandoff] = true
		t.handoff(ReasonHighValue)
	}
	return true
}
