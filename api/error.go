package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

// codeMethodNotAllowed is the one code the api adds to errs: a route
// exists, but not for the request's method.
const codeMethodNotAllowed = "method_not_allowed"

// statusOf is the only map from error codes to HTTP statuses. A code it
// does not know is a 500.
var statusOf = map[string]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.Unauthorized:    http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	errs.Conflict:        http.StatusConflict,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Internal:        http.StatusInternalServerError,
}

// msgInternal is all a client learns of an internal error.
const msgInternal = "An internal error occurred."

var (
	// errPanic answers a recovered panic (logged where it is recovered).
	errPanic    = errs.E(errs.Internal, msgInternal)
	errNoRoute  = errs.E(errs.NotFound, "There is no such resource.")
	errNoMethod = errs.E(codeMethodNotAllowed, "This resource does not support the request's method.")
)

// errorBody is the shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError renders err as {"error":{"code","message"}} with its status
// and ends the request. Internal errors are logged with the request ID and
// shown only as a generic sentence.
func (s *Server) writeError(c *gin.Context, err error) {
	code, msg := errs.Code(err), errs.Message(err)
	if code == errs.Internal {
		msg = msgInternal // even an *errs.Error's internal message stays in the log
		if err != errPanic && !errors.Is(err, context.Canceled) {
			s.Logger.ErrorContext(c.Request.Context(), "request failed",
				"request_id", requestIDOf(c), "route", routeOf(c), "error", Mask(err.Error()))
		}
		switch {
		case errors.Is(err, context.Canceled):
			// The client went away; nobody reads this answer.
			code, msg = errs.Unavailable, "The request was cancelled."
		case errors.Is(err, context.DeadlineExceeded):
			code, msg = errs.Unavailable, "The request timed out; please try again."
		}
	}
	status, ok := statusOf[code]
	if !ok {
		s.Logger.ErrorContext(c.Request.Context(), "error with an unknown code",
			"request_id", requestIDOf(c), "route", routeOf(c), "code", code, "error", Mask(err.Error()))
		status, code, msg = http.StatusInternalServerError, errs.Internal, msgInternal
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="kefu"`)
	}
	c.Abort()
	if c.Writer.Written() {
		return // a stream already under way cannot change its status
	}
	s.writeJSON(c, status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// writeJSON renders v with encoding/json, which escapes <, > and & so
// customer markup is never reflected raw.
func (s *Server) writeJSON(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.Logger.ErrorContext(c.Request.Context(), "cannot encode response",
			"request_id", requestIDOf(c), "route", routeOf(c), "error", err.Error())
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"` + msgInternal + `"}}`)
	}
	c.Data(status, "application/json; charset=utf-8", body)
}
