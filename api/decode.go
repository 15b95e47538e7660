package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

// Length limits of fields other than message text (characters).
const (
	maxIDBytes     = 128
	maxNameRunes   = 64  // agent ids, channels, skills, tags, intents, tiers
	maxLocaleRunes = 16  // BCP 47 tags
	maxTitleRunes  = 200 // article titles
	maxNoteRunes   = 2000
	maxAnswerRunes = 20000
	maxListItems   = 100 // questions or tags of one article
)

// validator is a request body that checks itself once decoded.
type validator interface {
	validate(l limits) error
}

// limits are the configured bounds a validator needs.
type limits struct {
	maxText int
}

func (s *Server) limits() limits { return limits{maxText: s.MaxTextRunes} }

// bind reads the JSON object body of c into dst and validates it; on
// failure it writes the error and returns false. An empty body is an error.
func (s *Server) bind(c *gin.Context, dst validator) bool {
	return s.bindBody(c, dst, false)
}

// bindOptional is bind for bodies whose fields are all optional: an empty
// body counts as {}.
func (s *Server) bindOptional(c *gin.Context, dst validator) bool {
	return s.bindBody(c, dst, true)
}

func (s *Server) bindBody(c *gin.Context, dst validator, emptyOK bool) bool {
	raw, err := readBody(c, s.BodyLimit)
	if err == nil {
		if emptyOK && len(bytes.TrimSpace(raw)) == 0 {
			raw = []byte("{}")
		}
		err = decodeJSON(raw, dst)
	}
	if err == nil {
		err = dst.validate(s.limits())
	}
	if err != nil {
		s.writeError(c, err)
		return false
	}
	return true
}

// readBody reads the whole body, refusing more than limit bytes (413).
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	// The connection's own writer, so that net/http closes the connection
	// after a 413 instead of reading the rest.
	body := http.MaxBytesReader(connWriter(c), c.Request.Body, limit)
	raw, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limit)
		}
		return nil, errs.E(errs.Invalid, "The request body could not be read.")
	}
	return raw, nil
}

func tooLarge(limit int64) error {
	return errs.E(errs.TooLarge, "The request body is larger than %d bytes.", limit)
}

// decodeJSON is the strict decoding every JSON body goes through: valid
// UTF-8, nested at most MaxJSONDepth deep, one JSON object and nothing
// after it. Unknown fields are ignored.
func decodeJSON(raw []byte, dst any) error {
	if err := checkJSONShape(raw); err != nil {
		return err
	}
	// json.Unmarshal accepts exactly what the decoder below does (one
	// value, nothing after it) without a decoder's buffers; the decoder
	// runs only to say what is wrong with a body Unmarshal refused.
	if json.Unmarshal(raw, dst) == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.E(errs.Invalid, "The request body holds more than one JSON value.")
	}
	return nil
}

// checkJSONShape checks what encoding/json would accept or hide: bytes
// that are not UTF-8 (it would replace them), nesting deeper than
// MaxJSONDepth, and a body that is not an object.
func checkJSONShape(raw []byte) error {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return errs.E(errs.Invalid, "The request body is empty; send a JSON object.")
	case !utf8.Valid(raw):
		return errs.E(errs.Invalid, "The request body is not valid UTF-8.")
	}
	if err := checkDepth(raw, MaxJSONDepth); err != nil {
		return err
	}
	if trimmed[0] != '{' {
		return errs.E(errs.Invalid, "The request body must be a JSON object.")
	}
	return nil
}

// checkDepth rejects JSON nested deeper than max, in one pass and without
// recursion, before any decoder sees it.
func checkDepth(raw []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, b := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return errs.E(errs.Invalid, "The JSON is nested more than %d levels deep.", max)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// jsonError turns a decoding failure into a sentence naming the field.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return errs.E(errs.Invalid, "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errs.E(errs.Invalid, "The request body must be a JSON object.")
		}
		return errs.E(errs.Invalid, "Field %q must be %s.", typ.Field, jsonKind(typ.Type))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "The request body is not valid JSON (it ends early).")
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	return errs.E(errs.Invalid, "The request body is not valid JSON.")
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return "an RFC 3339 time"
		}
		return "an object"
	case reflect.Map:
		return "an object"
	}
	return "of another type"
}

// isBlank reports runes that show nothing: white space and the zero-width
// ones.
func isBlank(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}

// isBidiOverride reports the embedding, override and isolate controls
// that can make text display differently from what it says (Trojan Source).
func isBidiOverride(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// checkChars rejects invalid UTF-8, control characters (all of C0, DEL
// and C1; \n and \t too unless multiline) and bidi overrides.
func checkChars(field, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return errs.E(errs.Invalid, "The %s is not valid UTF-8.", field)
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !multiline {
				return errs.E(errs.Invalid, "The %s must be a single line.", field)
			}
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return errs.E(errs.Invalid, "The %s contains a control character (%U).", field, r)
		case isBidiOverride(r):
			return errs.E(errs.Invalid, "The %s contains a bidirectional override character (%U).", field, r)
		}
	}
	return nil
}

// checkText checks a required free text: not blank, at most max
// characters, clean characters, several lines allowed.
func checkText(field, s string, max int) error {
	if strings.TrimFunc(s, isBlank) == "" {
		return errs.E(errs.Invalid, "The %s is empty.", field)
	}
	return checkOptional(field, s, max, true)
}

// checkOptional checks a text that may be empty.
func checkOptional(field, s string, max int, multiline bool) error {
	if n := utf8.RuneCountInString(s); n > max {
		return errs.E(errs.Invalid, "The %s is %d characters long; at most %d are allowed.", field, n, max)
	}
	return checkChars(field, s, multiline)
}

// checkName checks a required one-line name (agent id, skill, tag).
func checkName(field, s string, max int) error {
	if strings.TrimFunc(s, isBlank) == "" {
		return errs.E(errs.Invalid, "The %s is missing.", field)
	}
	return checkOptional(field, s, max, false)
}

// checkID checks an identifier: 1 to maxIDBytes bytes, no spaces,
// controls or bidi overrides.
func checkID(field, s string) error {
	switch {
	case s == "":
		return errs.E(errs.Invalid, "The %s is missing.", field)
	case len(s) > maxIDBytes:
		return errs.E(errs.Invalid, "The %s is longer than %d bytes.", field, maxIDBytes)
	case strings.IndexFunc(s, isBlank) >= 0:
		return errs.E(errs.Invalid, "The %s must not contain spaces.", field)
	}
	return checkChars(field, s, false)
}

// param returns the path parameter name after checkID; on failure it
// writes the error and returns false.
func (s *Server) param(c *gin.Context, name string) (string, bool) {
	v := c.Param(name)
	if err := checkID(strings.ReplaceAll(name, "_", " "), v); err != nil {
		s.writeError(c, err)
		return "", false
	}
	return v, true
}

// queryInt parses an optional non-negative integer query parameter,
// bounded by max.
func queryInt(c *gin.Context, name string, def, max int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errs.E(errs.Invalid, "The %s parameter must be a non-negative integer.", name)
	}
	if n > max {
		return 0, errs.E(errs.Invalid, "The %s parameter must be at most %d.", name, max)
	}
	return n, nil
}

// queryText returns an optional one-line query parameter, checked.
func queryText(c *gin.Context, name string, max int) (string, error) {
	v := c.Query(name)
	if err := checkOptional(fmt.Sprintf("%s parameter", name), v, max, false); err != nil {
		return "", err
	}
	return v, nil
}

// connWriter is the connection's ResponseWriter under gin's.
func connWriter(c *gin.Context) http.ResponseWriter {
	var w http.ResponseWriter = c.Writer
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		w = u.Unwrap()
	}
	return w
}
