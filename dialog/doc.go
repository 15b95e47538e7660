// Package dialog is kefu's conversation engine: the state machine of who
// owns a conversation (bot, waiting_agent, agent, closed), multi-turn
// understanding (slot filling, elliptical follow-ups), the decision for
// every customer message (answer, clarify, fallback, handoff) and the
// handoff queue human agents work from.
//
// It sits in the middle of the flow: api → dialog → nlu / kb → store. It
// declares the small interfaces it consumes (Understander, Answerer,
// OrderConnector, the stores) and cmd/kefu wires the implementations.
package dialog
