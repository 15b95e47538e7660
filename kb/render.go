package kb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slot names answers may use as {{name}} placeholders. Render fills any
// name; these are the ones the dialogue engine provides.
var SlotNames = []string{"order_id", "order_status", "carrier", "tracking_no", "last_event", "eta"}

// Render limits.
const (
	// maxSlotValue caps one substituted value (runes); longer values are
	// cut and end in "…".
	maxSlotValue = 200
	// missingSlot replaces a placeholder with no value.
	missingSlot = "-"
)

// Render fills an answer template: each {{name}} (name of letters, digits
// and '_', spaces around it allowed) becomes values[name], or "-" when
// there is none or it is blank. It is a single pass over the template:
// values are plain data and never scanned again, so a value holding
// "{{order_id}}" stays literal text. Nothing is executed. Anything that
// is not a well-formed placeholder ("{{", "{{ .X }}") is kept as written.
// Values are cleaned (invalid UTF-8 replaced, control characters other
// than newline removed, white space collapsed) and capped. The output is
// plain text, not HTML: whoever shows it as HTML must escape it.
func Render(template string, values map[string]string) string {
	if !utf8.ValidString(template) {
		template = strings.ToValidUTF8(template, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(template))
	rest := template
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		name, n, ok := placeholderAt(rest[i:])
		if !ok {
			// Not a placeholder: keep one '{' and look again from the next
			// byte, so "{{{x}}" still fills {{x}}.
			b.WriteByte('{')
			rest = rest[i+1:]
			continue
		}
		b.WriteString(slotValue(values, name))
		rest = rest[i+n:]
	}
}

// placeholderAt parses "{{ name }}" at the start of s and returns the name
// and the length consumed.
func placeholderAt(s string) (string, int, bool) {
	const maxName = 64
	j := 2
	for j < len(s) && s[j] == ' ' {
		j++
	}
	start := j
	for j < len(s) && j-start <= maxName {
		c := s[j]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			j++
			continue
		}
		break
	}
	name := s[start:j]
	if name == "" || len(name) > maxName {
		return "", 0, false
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if !strings.HasPrefix(s[j:], "}}") {
		return "", 0, false
	}
	return name, j + 2, true
}

func slotValue(values map[string]string, name string) string {
	v, ok := values[name]
	if !ok {
		return missingSlot
	}
	v = cleanValue(v)
	if v == "" {
		return missingSlot
	}
	return v
}

// cleanValue makes a slot value safe plain text of bounded length.
func cleanValue(v string) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	var b strings.Builder
	n := 0
	space := false
	for _, r := range v {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if n == maxSlotValue {
			b.WriteString("…")
			return b.String()
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
			if n == maxSlotValue {
				b.WriteString("…")
				return b.String()
			}
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// Render fills an answer template with slot values; see the function
// Render.
func (k *KB) Render(template string, values map[string]string) string {
	return Render(template, values)
}
