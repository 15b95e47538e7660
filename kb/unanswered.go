package kb

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/kefu-ai/kefu/store"
)

// Unanswered-question limits.
const (
	MaxUnansweredKey     = 200 // runes of a group key
	MaxUnansweredExample = 500 // runes of the example kept
	DefaultUnanswered    = 50
	MaxUnanswered        = 1000
)

// UnansweredKey is the group a question falls in: its normalised text
// (Traditional → Simplified, width and case folded) without punctuation,
// so "退货地址？？" and "退貨地址" count together.
func UnansweredKey(s string) string {
	n := text.Normalize(s)
	var b strings.Builder
	space := false
	for _, r := range n {
		switch {
		case unicode.IsSpace(r) || text.IsPunct(r):
			space = b.Len() > 0
			continue
		}
		// No space between two CJK characters: "退货 地址" is "退货地址".
		if space && !(text.IsCJK(r) && endsCJK(b.String())) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	k := b.String()
	if utf8.RuneCountInString(k) > MaxUnansweredKey {
		k = string([]rune(k)[:MaxUnansweredKey])
	}
	return k
}

func endsCJK(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return text.IsCJK(r)
}

// RecordUnanswered counts a question nothing answered, grouped by
// UnansweredKey; locale is the conversation's.
//
// Errors: errs.Invalid when the text has no words or the locale is
// unknown; store errors.
func (k *KB) RecordUnanswered(ctx context.Context, txt, locale string) error {
	if err := k.alive(); err != nil {
		return err
	}
	key := UnansweredKey(txt)
	if key == "" {
		return errs.E(errs.Invalid, "The question has no words.")
	}
	loc := ""
	if locale != "" {
		var ok bool
		if loc, ok = canonicalLocale(locale); !ok {
			return errs.E(errs.Invalid, "The locale %q must be one of zh-CN, zh-TW, en.", locale)
		}
	}
	ex := strings.TrimSpace(strings.ToValidUTF8(txt, "\uFFFD"))
	if utf8.RuneCountInString(ex) > MaxUnansweredExample {
		ex = string([]rune(ex)[:MaxUnansweredExample])
	}
	return k.st.RecordUnanswered(ctx, key, ex, loc, k.now())
}

// Unanswered lists question groups, most frequent first. A zero limit
// lists DefaultUnanswered.
//
// Errors: errs.Invalid for a negative or too large limit; store errors.
func (k *KB) Unanswered(ctx context.Context, limit int) ([]store.Unanswered, error) {
	if err := k.alive(); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = DefaultUnanswered
	case limit < 0 || limit > MaxUnanswered:
		return nil, errs.E(errs.Invalid, "The limit must be between 1 and %d.", MaxUnanswered)
	}
	return k.st.UnansweredQuestions(ctx, limit)
}

// DismissUnanswered removes a group (an editor wrote an article for it or
// judged it noise). Errors: errs.Invalid, errs.NotFound.
func (k *KB) DismissUnanswered(ctx context.Context, key string) error {
	if err := k.alive(); err != nil {
		return err
	}
	if key == "" || !utf8.ValidString(key) || utf8.RuneCountInString(key) > MaxUnansweredKey {
		return errs.E(errs.Invalid, "The key is missing or malformed.")
	}
	return k.st.DeleteUnanswered(ctx, key)
}
