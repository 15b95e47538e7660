package dialog

import "strings"

// Render fills a template's {{name}} placeholders (lower-case letters,
// digits and underscores) from values in one pass. Values are data: they
// are copied as they are and never expanded again, so a customer's text
// that lands in a value cannot act as template code. A placeholder with
// no value renders as nothing; text that is not a placeholder ("{{ x",
// "{{Name}}") is kept as written.
func Render(template string, values map[string]string) string {
	if !strings.Contains(template, "{{") {
		return template
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
		rest = rest[i:]
		j := strings.Index(rest, "}}")
		if j < 0 || !placeholderName(rest[2:j]) {
			b.WriteString("{{")
			rest = rest[2:]
			continue
		}
		b.WriteString(values[rest[2:j]])
		rest = rest[j+2:]
	}
}

func placeholderName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
