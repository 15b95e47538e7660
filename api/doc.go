// Package api is kefu's HTTP face: the gin router of the contract in
// shared/spec/api.md, served by cmd/kefu.
//
// It sits at the top of the flow: api → dialog → nlu / kb → store. It is a
// thin adapter: it declares the small interfaces it consumes
// (Conversations, Handoff, Parser, KnowledgeBase), and every handler binds
// and validates its input, makes one call down and renders the result.
// Handler returns a plain http.Handler so cmd never imports gin.
//
// Cross-cutting rules, all applied here and nowhere below:
//
//   - Every error is JSON {"error":{"code","message"}}; statusOf is the only
//     map from errs codes to HTTP statuses and writeError the only writer.
//   - Request bodies are read under a size limit (413), must be valid UTF-8,
//     a JSON object nested at most MaxJSONDepth deep (400). Unknown fields
//     are ignored. Text fields are rejected (400), never silently repaired,
//     when empty or blank, longer than Config.MaxTextRunes, or holding a
//     control character other than \n and \t (NUL, \r, DEL, C1 included) or a
//     bidirectional override (U+202A–U+202E, U+2066–U+2069); an article's
//     answer may also hold \r. Rejected input
//     never reaches the layers below, so it is never stored. Accepted text is
//     passed down verbatim.
//   - Responses are JSON with <, > and & escaped, and carry
//     X-Content-Type-Options: nosniff; customer markup is never reflected raw.
//   - Requests carry an X-Request-ID (the client's when well-formed, else a
//     fresh one), logged with route, status and latency through log/slog;
//     phone numbers, e-mail addresses and order ids are masked (Mask) in
//     everything logged.
//   - Clients are rate limited per IP (per /64 for IPv6) with 429 and
//     Retry-After; CORS answers the configured shop origins.
//   - Roles come from Authorization: Bearer tokens compared in constant
//     time: editor (NLU, knowledge base), agent (handoff, tickets), admin
//     (everything, and incidents). Customers need no token.
package api
