package dialog

import "sync"

// Decisions: what the engine did with one customer message.
const (
	DecisionAnswer   = "answer"   // answered from the knowledge base
	DecisionAsk      = "ask"      // asked for a missing slot (Reply.AsksFor)
	DecisionClarify  = "clarify"  // offered suggestions
	DecisionFallback = "fallback" // could not answer: said so, offered help or a person
	DecisionHandoff  = "handoff"  // handed the conversation to a person
	DecisionToAgent  = "to_agent" // a person holds or awaits it: the bot stayed quiet
)

// Decisions lists every decision, so metrics can create their series up
// front.
var Decisions = []string{DecisionAnswer, DecisionAsk, DecisionClarify, DecisionFallback, DecisionHandoff, DecisionToAgent}

// Handoff reasons, recorded on the queue item, the transition and the
// message Meta.
const (
	ReasonExplicit   = "explicit_request"  // asked for a person
	ReasonAngry      = "angry"             // angry emotion at or above the threshold
	ReasonAnxious    = "anxious"           // strongly anxious
	ReasonNegativity = "rising_negativity" // negativity rose turn after turn
	ReasonMisses     = "repeated_fallback" // consecutive fallbacks or clarifications
	ReasonRoute      = "intent_route"      // the intent is routed to people
	ReasonVIP        = "vip"               // verified VIP customer
	ReasonHighValue  = "high_order_value"  // order amount at or above the threshold
	ReasonTransfer   = "transfer"          // an agent handed it on
)

// HandoffReasons lists every handoff reason.
var HandoffReasons = []string{ReasonExplicit, ReasonAngry, ReasonAnxious, ReasonNegativity, ReasonMisses,
	ReasonRoute, ReasonVIP, ReasonHighValue, ReasonTransfer}

// Stats is a snapshot of the engine's counters since it started.
type Stats struct {
	Conversations int64            // started
	Turns         map[string]int64 // customer messages by decision
	Handoffs      map[string]int64 // handoffs by reason (transfers included)
	// Contained counts conversations the bot answered at least once and
	// never handed to a person.
	Contained int64
	Claims    int64
	Tickets   int64
}

type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	c := &counters{s: Stats{Turns: map[string]int64{}, Handoffs: map[string]int64{}}}
	for _, d := range Decisions {
		c.s.Turns[d] = 0
	}
	for _, r := range HandoffReasons {
		c.s.Handoffs[r] = 0
	}
	return c
}

func (c *counters) add(f func(s *Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (e *Engine) Stats() Stats {
	c := e.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.Turns = make(map[string]int64, len(c.s.Turns))
	for k, v := range c.s.Turns {
		s.Turns[k] = v
	}
	s.Handoffs = make(map[string]int64, len(c.s.Handoffs))
	for k, v := range c.s.Handoffs {
		s.Handoffs[k] = v
	}
	return s
}
