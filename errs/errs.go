// Package errs is kefu's one error type: a code callers can branch on and a
// message a person can read. Every layer returns *Error for expected
// failures (bad input, missing, conflict); api maps codes to HTTP statuses
// in one place. It is a leaf: it imports nothing of kefu.
package errs

import (
	"errors"
	"fmt"
)

// Codes. api.statusOf maps each to an HTTP status.
const (
	Invalid      = "invalid_input"     // 400
	Unauthorized = "unauthorized"      // 401
	Forbidden    = "forbidden"         // 403
	NotFound     = "not_found"         // 404
	Conflict     = "conflict"          // 409
	TooLarge     = "payload_too_large" // 413
	RateLimited  = "rate_limited"      // 429
	Unavailable  = "unavailable"       // 503
	Internal     = "internal"          // 500
)

// Error is an expected failure with a code and a human sentence.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// E makes an *Error with a formatted message.
func E(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns the human message of err's *Error, or a generic sentence
// for internal errors (their details are logged, never shown).
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool { return Code(err) == code }
