package nlu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Example is one labelled training or test message. Label is the intent
// (OOS marks out-of-scope) or, for emotion data, the emotion.
type Example struct {
	Text  string
	Label string
}

// OOS is the label of out-of-scope examples and predictions.
const OOS = "oos"

// MaxLineBytes bounds one JSON Lines record.
const MaxLineBytes = 1 << 20

// LineError says which line of a JSON Lines file is bad.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ReadExamples reads JSON Lines {"text": str, <labelKey>: str} (labelKey is
// "intent" or "emotion"). Blank lines are skipped; any bad line fails the
// whole read with its line number, so a training set is never half-read.
func ReadExamples(r io.Reader, labelKey string) ([]Example, error) {
	var out []Example
	err := ScanLines(r, func(line int, raw []byte) error {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("invalid JSON: %w", err)
		}
		var ex Example
		if err := decodeString(rec, "text", &ex.Text); err != nil {
			return err
		}
		if err := decodeString(rec, labelKey, &ex.Label); err != nil {
			return err
		}
		if strings.TrimSpace(ex.Text) == "" {
			return errors.New(`"text" is empty`)
		}
		if strings.TrimSpace(ex.Label) == "" {
			return fmt.Errorf("%q is empty", labelKey)
		}
		out = append(out, ex)
		return nil
	})
	return out, err
}

func decodeString(rec map[string]json.RawMessage, key string, dst *string) error {
	raw, ok := rec[key]
	if !ok {
		return fmt.Errorf("missing %q", key)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%q must be a string", key)
	}
	if !utf8.ValidString(*dst) {
		return fmt.Errorf("%q is not valid UTF-8", key)
	}
	return nil
}

// ScanLines calls fn for every non-blank line of r with its 1-based number,
// stopping at the first error, which it returns as a *LineError.
func ScanLines(r io.Reader, fn func(line int, raw []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if err := fn(n, raw); err != nil {
			return &LineError{Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return &LineError{Line: n + 1, Err: err}
	}
	return nil
}
