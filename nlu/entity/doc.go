// Package entity finds the structured values customers type into messages —
// order ids, courier tracking numbers, mobile numbers, e-mail addresses,
// amounts of money and dates — in Chinese (Simplified or Traditional),
// English, mixed text and full-width forms.
//
// Extract returns each value with its span and a canonical form, so that
// dialog can fill slots ("DD20241123001", "138…" → "13812345678",
// "¥199" → "199 CNY", "双十一" → "11-11"). Mask replaces the same spans with
// typed placeholders (__order_id__, __tracking_no__, __phone__, __email__,
// __amount__, __date__) so that a particular number never becomes a
// classifier feature: every order id looks the same to the model.
//
// In kefu's NLU pipeline (normalise → entities masked → tokenise → features
// → classifier) this package is a leaf: nlu calls it, it imports nothing of
// kefu and only the standard library. Matching is hand-written scanning over
// runes rather than regular expressions, which keeps a typical 30-character
// message at a few microseconds and makes the rules easy to state.
//
// Offsets are Unicode code points (runes) into the original text, End
// exclusive; invalid UTF-8 bytes count as one U+FFFD each, exactly as
// []rune(text) decodes them.
package entity
