package dialog

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/nlu"
)

// convContext is the engine's multi-turn memory of one conversation,
// stored as JSON in store.Conversation.Context.
type convContext struct {
	Locale string `json:"locale,omitempty"` // language of the last message that told
	Turn   int    `json:"turn"`             // customer messages the bot handled
	// Recent are the intents the bot acted on, newest last.
	Recent []recentIntent    `json:"recent,omitempty"`
	Slots  map[string]string `json:"slots,omitempty"`
	Asked  *pendingSlot      `json:"asked,omitempty"`     // slot asked for in the last turn
	Offers []string          `json:"suggested,omitempty"` // intents offered by the last clarification
	Misses int               `json:"misses,omitempty"`    // consecutive fallbacks and clarifications
	Moods  []float64         `json:"negativity,omitempty"`
	// Order and OrderAmount describe the last order looked up, for the
	// agents' summary and the queue priority.
	Order       string          `json:"order,omitempty"`
	OrderAmount float64         `json:"order_amount,omitempty"`
	Flags       map[string]bool `json:"flags,omitempty"`
}

type recentIntent struct {
	Intent     string    `json:"intent"`
	Confidence float64   `json:"confidence"`
	Turn       int       `json:"turn"`
	At         time.Time `json:"at"`
}

type pendingSlot struct {
	Intent     string  `json:"intent"`
	Slot       string  `json:"slot"`
	Confidence float64 `json:"confidence"`
	Turn       int     `json:"turn"`
}

// Flags of convContext.
const (
	flagAutoHandoff = "auto_handoff" // VIP / high-value handoff done this stay
	flagAnswered    = "answered"     // the bot answered at least once
	flagHandedOff   = "handed_off"   // went to a person at least once
	flagOffered     = "offered"      // offered to leave a message this wait
)

const maxRecent, maxMoods = 5, 6

func decodeContext(raw []byte) *convContext {
	cc := &convContext{}
	if len(raw) > 0 {
		// A context this build cannot read is forgotten, not fatal.
		_ = json.Unmarshal(raw, cc)
	}
	if cc.Slots == nil {
		cc.Slots = map[string]string{}
	}
	if cc.Flags == nil {
		cc.Flags = map[string]bool{}
	}
	return cc
}

func (cc *convContext) encode() []byte {
	raw, _ := json.Marshal(cc)
	return raw
}

func (cc *convContext) remember(intent string, conf float64, now time.Time) {
	cc.Recent = append(cc.Recent, recentIntent{Intent: intent, Confidence: conf, Turn: cc.Turn, At: now})
	if len(cc.Recent) > maxRecent {
		cc.Recent = cc.Recent[len(cc.Recent)-maxRecent:]
	}
}

func (cc *convContext) mood(neg float64) {
	cc.Moods = append(cc.Moods, neg)
	if len(cc.Moods) > maxMoods {
		cc.Moods = cc.Moods[len(cc.Moods)-maxMoods:]
	}
}

// last returns the newest intent the bot acted on if it is recent enough
// to read a follow-up against.
func (cc *convContext) last(cfg ContextConfig, now time.Time) (recentIntent, bool) {
	if len(cc.Recent) == 0 {
		return recentIntent{}, false
	}
	r := cc.Recent[len(cc.Recent)-1]
	if cc.Turn-r.Turn > cfg.Turns || cfg.Expiry > 0 && now.Sub(r.At) > cfg.Expiry {
		return recentIntent{}, false
	}
	return r, true
}

// How an intent was read, recorded in message Meta ("context").
const (
	readParse      = "parse"      // the parse as it is
	readSlotFill   = "slot_fill"  // the answer to the slot asked for: the original question
	readSlotMissed = "slot_miss"  // asked once, still no value
	readSuggestion = "suggestion" // picked one of the clarification's suggestions
	readCarry      = "carry"      // elliptical: same intent as before
	readShift      = "shift"      // elliptical: another intent of the same topic
	readOrderID    = "order_id"   // a bare order id
)

// reading is the intent the bot acts on for one message.
type reading struct {
	Intent     string
	Confidence float64
	How        string
	OrderID    string // order id in this message, if any
}

// contextual reports whether the intent came from the conversation rather
// than the parse alone; such readings are not clarified again.
func (r reading) contextual() bool { return r.How != readParse }

// read combines the parse with the conversation's context:
//
//  1. A reply to a clarification that names a suggestion (its number or
//     its text) picks it.
//  2. After the bot asked for an order id, a message carrying one answers
//     the original question, unless it confidently asks something else
//     ("DD… 怎么取消"). A message without one is read as a follow-up on
//     the question asked about when rule 4 says so ("那颜色呢?"), as a
//     question of its own when the parse is confident (the customer
//     switched topic, or out of scope), and otherwise as not having the
//     id: the bot does not ask twice.
//  3. A bare order id continues the previous order question, or asks
//     DefaultOrderIntent.
//  4. An elliptical message — a follow-up marker (那, 那么, 还有, …呢, and,
//     what about) or a short text — whose parse is weak (top probability
//     below Context.Confidence) is re-scored: the previous intent's
//     probability is multiplied by CarryWeight and its topic's intents'
//     by TopicWeight (only intents with at least minShift probability:
//     a sliver is noise). If an intent of the topic wins, the bot carries
//     (same intent) or shifts (same topic); if another topic still wins,
//     a marker carries the previous intent (the customer said "and …",
//     the model's weak guess elsewhere is less credible), a short text
//     without a marker keeps the parse. A marker alone ("还有呢",
//     "and?") carries.
func (e *Engine) read(text string, r nlu.Result, cc *convContext, now time.Time) reading {
	res := reading{Intent: r.Intent, Confidence: r.Confidence, How: readParse, OrderID: entityValue(r, SlotOrderID)}
	top := topProb(r)

	if i, ok := e.pickSuggestion(text, cc.Offers); ok {
		res.Intent, res.Confidence, res.How = cc.Offers[i], 1, readSuggestion
		return res
	}

	last, hasLast := cc.last(e.cfg.Context, now)
	hasLast = hasLast && e.cfg.Context.Enabled

	if p := cc.Asked; p != nil && p.Turn == cc.Turn-1 {
		// Without the id, an elliptical message may be a follow-up on
		// the question asked about ("那颜色呢?"); a confident parse is a
		// question of its own (out of scope included: the customer moved
		// on); anything else is about the slot, which stays missing.
		confident := top >= e.cfg.AnswerConfidence
		switch {
		case res.OrderID != "" && confident && r.Intent != nlu.OOS && r.Intent != p.Intent && !bareOrderID(text, r):
			return res
		case res.OrderID != "":
			res.Intent, res.Confidence, res.How = p.Intent, p.Confidence, readSlotFill
			return res
		}
		asked := recentIntent{Intent: p.Intent, Confidence: p.Confidence, Turn: p.Turn, At: now}
		if c, ok := e.carryOver(text, r, asked); ok && e.cfg.Context.Enabled {
			return c
		}
		if !confident {
			res.Intent, res.Confidence, res.How = p.Intent, p.Confidence, readSlotMissed
		}
		return res
	}

	if res.OrderID != "" && bareOrderID(text, r) && top < e.cfg.Context.Confidence {
		switch {
		case hasLast && e.needsOrder(last.Intent):
			res.Intent, res.Confidence, res.How = last.Intent, last.Confidence, readCarry
		case e.cfg.DefaultOrderIntent != "":
			res.Intent, res.Confidence, res.How = e.cfg.DefaultOrderIntent, 1, readOrderID
		}
		return res
	}

	if hasLast {
		if c, ok := e.carryOver(text, r, last); ok {
			return c
		}
	}
	return res
}

// minShift is the least probability the parse must give an intent for a
// follow-up to shift to it: a sliver times the topic weight is noise.
const minShift = 0.1

// carryOver reads an elliptical message against the previous intent (see
// read, rule 4); ok is false when the message is not elliptical, the
// parse is confident, or the context does not settle it.
func (e *Engine) carryOver(text string, r nlu.Result, last recentIntent) (reading, bool) {
	res := reading{Intent: r.Intent, Confidence: r.Confidence, OrderID: entityValue(r, SlotOrderID)}
	topic := e.topic(last.Intent)
	if topic == "" {
		return res, false
	}
	rest, marker := stripFollowUp(text)
	if marker && rest == "" {
		res.Intent, res.Confidence, res.How = last.Intent, last.Confidence, readCarry
		return res, true
	}
	if !(marker || e.short(rest)) || topProb(r) >= e.cfg.Context.Confidence {
		return res, false
	}
	var best string
	var bestScore, sum, lastScore float64
	seenLast := false
	score := func(intent string, p float64) {
		w := 1.0
		switch {
		case intent == last.Intent:
			w, seenLast = e.cfg.Context.CarryWeight, true
		case intent != nlu.OOS && p >= minShift && e.topic(intent) == topic:
			w = e.cfg.Context.TopicWeight
		}
		s := p * w
		sum += s
		if intent == last.Intent {
			lastScore = s
		}
		if s > bestScore {
			best, bestScore = intent, s
		}
	}
	for _, rk := range r.Ranking {
		score(rk.Intent, rk.Confidence)
	}
	if !seenLast {
		// Below the ranking's cut: it had at most a sliver of probability.
		score(last.Intent, 0.01)
	}
	if sum <= 0 {
		return res, false
	}
	switch {
	case best == last.Intent:
		res.Intent, res.Confidence, res.How = best, bestScore/sum, readCarry
	case best != nlu.OOS && e.topic(best) == topic && bestScore > 0:
		res.Intent, res.Confidence, res.How = best, bestScore/sum, readShift
	case marker:
		res.Intent, res.Confidence, res.How = last.Intent, lastScore/sum, readCarry
	default:
		return res, false
	}
	return res, true
}

// pickSuggestion matches a reply to a clarification: "2", "第二个", or the
// text of a suggestion or its intent name.
func (e *Engine) pickSuggestion(text string, offers []string) (int, bool) {
	if len(offers) == 0 {
		return 0, false
	}
	t := normPhrase(text)
	ordinals := []string{"第一个", "第二个", "第三个", "第四个", "第五个"}
	for i, it := range offers {
		if t == strconv.Itoa(i+1) || i < len(ordinals) && t == ordinals[i] || t == normPhrase(it) {
			return i, true
		}
		for _, loc := range []string{LocaleZh, LocaleEn} {
			if t == normPhrase(e.suggestionText(it, loc)) {
				return i, true
			}
		}
	}
	return 0, false
}

func topProb(r nlu.Result) float64 {
	if len(r.Ranking) > 0 {
		return r.Ranking[0].Confidence
	}
	return r.Confidence
}

func entityValue(r nlu.Result, typ string) string {
	for _, en := range r.Entities {
		if en.Type == typ {
			return en.Value
		}
	}
	return ""
}

// Follow-up markers. Leading ones open a message, trailing ones end it.
var (
	leadMarkers = []string{
		"那如果", "那要是", "那么", "那个", "那", "还有", "還有", "另外", "顺便问一下", "順便問一下",
		"再问一下", "再問一下", "如果是", "要是",
		"what about", "how about", "what if", "and if", "and", "also", "then", "so",
	}
	trailMarkers = []string{"呢"}
	// fillers carry no content of their own.
	fillers = []string{"吗", "嗎", "啊", "呀", "吧", "哦", "嘛", "呐", "else", "other", "别的", "其他", "其它"}
	// orderWords surround an order id without asking anything.
	orderWords   = []string{"订单号", "訂單號", "单号", "單號", "订单", "訂單", "是", "我的", "这个", "這個"}
	orderWordsEn = map[string]bool{"it": true, "s": true, "is": true, "its": true, "my": true, "order": true,
		"number": true, "no": true, "here": true, "the": true, "this": true, "one": true}
)

// stripFollowUp removes punctuation, follow-up markers and fillers;
// marker reports whether there was a marker.
func stripFollowUp(text string) (rest string, marker bool) {
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	for _, m := range leadMarkers {
		if hasWordPrefix(s, m) {
			s, marker = strings.TrimSpace(s[len(m):]), true
			break
		}
	}
	for changed := true; changed; {
		changed = false
		for _, m := range trailMarkers {
			if strings.HasSuffix(s, m) {
				s, marker, changed = strings.TrimSpace(strings.TrimSuffix(s, m)), true, true
			}
		}
		for _, f := range fillers {
			if hasWordSuffix(s, f) {
				s, changed = strings.TrimSpace(strings.TrimSuffix(s, f)), true
			}
		}
	}
	return s, marker
}

// bareOrderID reports whether a message is little more than an order id.
func bareOrderID(text string, r nlu.Result) bool {
	runes := []rune(text)
	var b strings.Builder
	pos := 0
	for _, en := range r.Entities {
		if en.Type != SlotOrderID || en.Start < pos || en.End > len(runes) {
			continue
		}
		b.WriteString(string(runes[pos:en.Start]))
		b.WriteString(" ")
		pos = en.End
	}
	if pos < len(runes) {
		b.WriteString(string(runes[pos:]))
	}
	rest, _ := stripFollowUp(b.String())
	for _, w := range orderWords {
		rest = strings.ReplaceAll(rest, w, " ")
	}
	for _, w := range strings.Fields(rest) {
		if !orderWordsEn[w] {
			return false
		}
	}
	return true
}

// short reports whether stripped text is short: few Chinese characters,
// or few words.
func (e *Engine) short(rest string) bool {
	han := 0
	for _, r := range rest {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	if han > 0 {
		return utf8.RuneCountInString(strings.ReplaceAll(rest, " ", "")) <= e.cfg.Context.ShortRunes
	}
	return len(strings.Fields(rest)) <= e.cfg.Context.ShortWords
}

// hasWordPrefix: s starts with m, and for a Latin-letter m not inside a
// longer word ("and" but not "android").
func hasWordPrefix(s, m string) bool {
	if !strings.HasPrefix(s, m) {
		return false
	}
	if !isLatin(m) || len(s) == len(m) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[len(m):])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func hasWordSuffix(s, m string) bool {
	if !strings.HasSuffix(s, m) {
		return false
	}
	if !isLatin(m) || len(s) == len(m) {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:len(s)-len(m)])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// normPhrase folds text for phrase matching: lower case, no punctuation
// or spaces.
func normPhrase(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}
