// Package lang tells which language a customer message is written in:
// Simplified Chinese ("zh"), Traditional Chinese ("zh-Hant"), English
// ("en"), a real mix of Chinese and English ("mixed"), or undetermined
// ("und") when there is nothing to go on.
//
// In kefu's NLU pipeline (normalise → entities masked → tokenise → features
// → classifier) it is a leaf beside nlu/entity: nlu and dialog call Detect
// to pick reply templates and to record the language of a conversation. It
// imports nothing of kefu and only the standard library, and answers in
// well under a microsecond for a typical message, so callers need not cache
// it.
//
// See Detect for the rules, which are deliberately simple counts that a
// support engineer can predict, not a statistical model.
package lang
