// Package dialogtest holds test doubles for the dialogue engine's
// dependencies: Store, an in-memory store honouring the conflict
// semantics of the real ones; NLU, an Understander driven by keyword
// tables; Answers, a knowledge base of fixed answers (or the demo shop's
// articles); Orders, a function-field order connector. They are for tests
// only: nothing here is durable or fast.
package dialogtest
