package dialog

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Routes of an intent (data/intents.json "route").
const (
	RouteBot     = "bot"
	RouteHandoff = "handoff"
)

// SlotOrderID is the slot an order question needs.
const SlotOrderID = "order_id"

// IntentSpec is one row of the shop's taxonomy (data/intents.json): what
// the bot must know before answering and who answers by default. The JSON
// tags match intents.json, so cmd can decode the file straight into
// []IntentSpec.
type IntentSpec struct {
	Intent      string   `json:"intent"`
	Zh          string   `json:"zh,omitempty"`          // Chinese title, the zh suggestion text
	Description string   `json:"description,omitempty"` // English description, the en suggestion text
	Slots       []string `json:"slots"`
	Route       string   `json:"route"`
	// Topic groups intents for context carry-over ("那运费谁出?" after a
	// return question stays with returns) and names the agents' skill.
	// Empty: Config.Topics, then no topic.
	Topic string `json:"topic,omitempty"`
	// Questions are suggestion texts by locale ("zh-CN", "en"), preferred
	// over Zh and Description when offering choices.
	Questions map[string]string `json:"questions,omitempty"`
}

// HandoffConfig says when a conversation goes to a person. Each trigger is
// recorded as the handoff's reason; a zero threshold or false turns the
// trigger off.
type HandoffConfig struct {
	// Explicit: intent human_agent or one of Phrases (转人工, "talk to a person").
	Explicit bool     `mapstructure:"explicit"`
	Phrases  []string `mapstructure:"phrases"`
	// AngryScore and AnxiousScore: emotion at or above the score.
	AngryScore   float64 `mapstructure:"angry_score"`
	AnxiousScore float64 `mapstructure:"anxious_score"`
	// RisingTurns customer messages whose negativity (angry or anxious
	// score) rises every turn and ends at or above NegativityMin.
	RisingTurns   int     `mapstructure:"rising_turns"`
	NegativityMin float64 `mapstructure:"negativity_min"`
	// MaxMisses consecutive fallbacks or clarifications.
	MaxMisses int `mapstructure:"max_misses"`
	// Route: intents whose route is "handoff".
	Route bool `mapstructure:"route"`
	// VIP: a verified VIP customer (once per stay with the bot).
	VIP bool `mapstructure:"vip"`
	// HighOrderValue: an order of at least this amount (once per stay).
	HighOrderValue float64 `mapstructure:"high_order_value"`
}

// QueueConfig shapes the handoff queue.
type QueueConfig struct {
	// AgentCapacity is how many conversations one agent may hold.
	AgentCapacity int `mapstructure:"agent_capacity"`
	// AgingEvery adds one priority point per interval waited, computed
	// when the queue is read, so nothing starves.
	AgingEvery time.Duration `mapstructure:"aging_every"`
	// OfferMessageAfter: past this wait (or with no agent online) the
	// customer is offered to leave a message.
	OfferMessageAfter time.Duration `mapstructure:"offer_message_after"`
	// WaitPerCustomer is the first guess of how long each customer ahead
	// takes; observed waits refine it.
	WaitPerCustomer time.Duration `mapstructure:"wait_per_customer"`
	// AgentIdle: an agent not seen for this long counts as offline.
	AgentIdle time.Duration `mapstructure:"agent_idle"`
	// TransferBoost is added to a transferred conversation's priority.
	TransferBoost int `mapstructure:"transfer_boost"`
	// Tick is how often Run republishes queue positions.
	Tick time.Duration `mapstructure:"tick"`
	// ReasonPriority is the base priority of each handoff reason; emotion,
	// VIP, order value and waiting time add to it.
	ReasonPriority map[string]int `mapstructure:"reason_priority"`
}

// Config is the dialogue engine's settings. Start from DefaultConfig.
type Config struct {
	// ShopSecret signs user ids (hex HMAC-SHA256 of user_id).
	ShopSecret string `mapstructure:"shop_secret"`
	// Intents is the shop's taxonomy (data/intents.json).
	Intents []IntentSpec `mapstructure:"-"`
	// Topics maps intent → topic where IntentSpec.Topic is empty.
	Topics map[string]string `mapstructure:"topics"`

	// LowConfidence: below it the bot does not guess (fallback, or
	// clarify when two intents share the probability).
	LowConfidence float64 `mapstructure:"low_confidence"`
	// AnswerConfidence: from LowConfidence up to it the bot clarifies.
	AnswerConfidence float64 `mapstructure:"answer_confidence"`
	// ClarifyMargin: top two intents closer than this → clarify.
	ClarifyMargin float64 `mapstructure:"clarify_margin"`
	// MaxSuggestions offered when clarifying.
	MaxSuggestions int `mapstructure:"max_suggestions"`

	// Context reads elliptical follow-ups against recent intents.
	Context ContextConfig `mapstructure:"context"`

	Handoff HandoffConfig `mapstructure:"handoff"`
	Queue   QueueConfig   `mapstructure:"queue"`
	// Webhooks receive every change of conversation owner.
	Webhooks WebhookConfig `mapstructure:"webhooks"`

	// HumanIntent is the intent of asking for a person.
	HumanIntent string `mapstructure:"human_intent"`
	// DefaultOrderIntent answers a bare order id with no context.
	DefaultOrderIntent string `mapstructure:"default_order_intent"`
	// DefaultLocale when neither the message nor the conversation tells.
	DefaultLocale string `mapstructure:"default_locale"`
	// MaxTextRunes bounds a message.
	MaxTextRunes int `mapstructure:"max_text_runes"`
	// MaxTranscript bounds how many messages Transcript returns.
	MaxTranscript int `mapstructure:"max_transcript"`
	// SubscriberBuffer is each subscriber's event buffer; a full buffer
	// drops its oldest event.
	SubscriberBuffer int `mapstructure:"subscriber_buffer"`
	// MaxSubscribers per conversation.
	MaxSubscribers int `mapstructure:"max_subscribers"`
	// LockShards splits the per-conversation lock table (a mutex for each
	// conversation in use) in this many independently locked parts.
	LockShards int `mapstructure:"lock_shards"`

	// Phrases are the bot's own sentences by locale ("zh-CN", "en").
	Phrases map[string]Phrases `mapstructure:"-"`
}

// ContextConfig tunes context carry-over (see context.go).
type ContextConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Confidence: an elliptical message whose top intent is below it is
	// re-read in the context of the previous intent.
	Confidence float64 `mapstructure:"confidence"`
	// CarryWeight and TopicWeight multiply the parse's probability of the
	// previous intent and of intents of the same topic.
	CarryWeight float64 `mapstructure:"carry_weight"`
	TopicWeight float64 `mapstructure:"topic_weight"`
	// ShortRunes (Chinese) and ShortWords (other) make a message short.
	ShortRunes int `mapstructure:"short_runes"`
	ShortWords int `mapstructure:"short_words"`
	// Turns and Expiry bound how old the previous intent may be.
	Turns  int           `mapstructure:"turns"`
	Expiry time.Duration `mapstructure:"expiry"`
}

// DefaultConfig returns the settings the demo shop runs with. Intents is
// empty: cmd passes data/intents.json.
func DefaultConfig() Config {
	return Config{
		Topics:           DefaultTopics(),
		LowConfidence:    0.4,
		AnswerConfidence: 0.6,
		ClarifyMargin:    0.15,
		MaxSuggestions:   3,
		Context: ContextConfig{
			Enabled:     true,
			Confidence:  0.75,
			CarryWeight: 12,
			TopicWeight: 4,
			ShortRunes:  6,
			ShortWords:  4,
			Turns:       3,
			Expiry:      30 * time.Minute,
		},
		Handoff: HandoffConfig{
			Explicit: true,
			Phrases: []string{
				"转人工", "人工客服", "人工服务", "找人工", "要人工", "真人客服", "接人工",
				"轉人工", "人工客服", "人工服務", "真人客服",
				"talk to a person", "talk to a human", "speak to a person", "speak to a human",
				"real person", "human agent", "live agent", "talk to someone", "speak to someone",
			},
			AngryScore:     0.85,
			AnxiousScore:   0.95,
			RisingTurns:    3,
			NegativityMin:  0.6,
			MaxMisses:      2,
			Route:          true,
			VIP:            true,
			HighOrderValue: 5000,
		},
		Queue: QueueConfig{
			AgentCapacity:     5,
			AgingEvery:        30 * time.Second,
			OfferMessageAfter: 120 * time.Second,
			WaitPerCustomer:   90 * time.Second,
			AgentIdle:         10 * time.Minute,
			TransferBoost:     10,
			Tick:              15 * time.Second,
			ReasonPriority: map[string]int{
				ReasonAngry: 40, ReasonNegativity: 35, ReasonVIP: 35, ReasonHighValue: 30, ReasonAnxious: 30,
				ReasonRoute: 25, ReasonExplicit: 20, ReasonMisses: 15, ReasonTransfer: 20,
			},
		},
		Webhooks:           WebhookConfig{Timeout: 5 * time.Second, Attempts: 4, Backoff: 500 * time.Millisecond, Queue: 1024},
		HumanIntent:        "human_agent",
		DefaultOrderIntent: "order_status",
		DefaultLocale:      LocaleZh,
		MaxTextRunes:       2000,
		MaxTranscript:      5000,
		SubscriberBuffer:   32,
		MaxSubscribers:     16,
		LockShards:         256,
		Phrases:            DefaultPhrases(),
	}
}

// DefaultTopics groups the demo shop's intents. Intents without a topic
// (greeting, human_agent …) never carry context.
func DefaultTopics() map[string]string {
	groups := map[string][]string{
		"orders": {"order_status", "shipping_time", "delivery_delay", "delivery_not_received",
			"change_address", "cancel_order", "modify_order"},
		"after_sales": {"missing_item", "wrong_item", "damaged_item", "return_policy", "return_request",
			"exchange_request", "refund_status", "return_shipping_fee", "price_protection"},
		"payment":    {"payment_failed", "payment_methods", "double_charge", "invoice"},
		"promotions": {"coupon_usage", "promotion_rules", "membership_points"},
		"product":    {"product_availability", "product_info", "size_guide", "authenticity", "warranty_repair"},
		"account":    {"account_login", "account_security", "change_phone", "privacy_data"},
	}
	m := map[string]string{}
	for topic, intents := range groups {
		for _, it := range intents {
			m[it] = topic
		}
	}
	return m
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	in01 := func(name string, v float64) {
		if v < 0 || v > 1 {
			bad("%s must be within [0, 1], got %v", name, v)
		}
	}
	in01("low_confidence", c.LowConfidence)
	in01("answer_confidence", c.AnswerConfidence)
	in01("clarify_margin", c.ClarifyMargin)
	in01("context.confidence", c.Context.Confidence)
	in01("handoff.angry_score", c.Handoff.AngryScore)
	in01("handoff.anxious_score", c.Handoff.AnxiousScore)
	in01("handoff.negativity_min", c.Handoff.NegativityMin)
	if c.AnswerConfidence < c.LowConfidence {
		bad("answer_confidence (%v) must not be below low_confidence (%v)", c.AnswerConfidence, c.LowConfidence)
	}
	if c.Handoff.MaxMisses < 0 || c.Handoff.RisingTurns < 0 || c.Handoff.HighOrderValue < 0 {
		bad("handoff thresholds must not be negative")
	}
	if c.Handoff.RisingTurns == 1 {
		bad("handoff.rising_turns must be 0 (off) or at least 2")
	}
	if c.Queue.AgentCapacity < 1 {
		bad("queue.agent_capacity must be at least 1")
	}
	if c.Queue.AgingEvery <= 0 || c.Queue.WaitPerCustomer <= 0 || c.Queue.Tick <= 0 {
		bad("queue.aging_every, queue.wait_per_customer and queue.tick must be positive")
	}
	if c.MaxTextRunes < 1 || c.MaxTranscript < 1 || c.SubscriberBuffer < 1 || c.MaxSubscribers < 1 || c.LockShards < 1 {
		bad("max_text_runes, max_transcript, subscriber_buffer, max_subscribers and lock_shards must be positive")
	}
	if c.Context.CarryWeight < 1 || c.Context.TopicWeight < 1 {
		bad("context weights must be at least 1")
	}
	seen := map[string]bool{}
	for i, it := range c.Intents {
		switch {
		case it.Intent == "":
			bad("intents[%d]: empty intent", i)
		case seen[it.Intent]:
			bad("intents[%d]: %q listed twice", i, it.Intent)
		}
		seen[it.Intent] = true
		if it.Route != "" && it.Route != RouteBot && it.Route != RouteHandoff {
			bad("intents[%d] %s: route %q is neither %q nor %q", i, it.Intent, it.Route, RouteBot, RouteHandoff)
		}
	}
	if c.DefaultOrderIntent != "" && len(c.Intents) > 0 && !seen[c.DefaultOrderIntent] {
		bad("default_order_intent %q is not an intent", c.DefaultOrderIntent)
	}
	if _, ok := c.Phrases[normLocale(c.DefaultLocale)]; !ok {
		bad("no phrases for default_locale %q", c.DefaultLocale)
	}
	for loc, p := range c.Phrases {
		if err := p.validate(); err != nil {
			bad("phrases %s: %v", loc, err)
		}
	}
	if len(problems) > 0 {
		return errors.New("dialog config: " + strings.Join(problems, "; "))
	}
	return nil
}
