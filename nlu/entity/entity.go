package entity

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entity types, also the names inside Mask's placeholders.
const (
	TypeOrderID    = "order_id"
	TypeTrackingNo = "tracking_no"
	TypePhone      = "phone"
	TypeEmail      = "email"
	TypeAmount     = "amount"
	TypeDate       = "date"
)

// Entity is one value found in a message.
//
// Value is canonical, so that callers compare values, not spellings:
//
//	order_id     "DD" + 11 digits, upper-case, half-width: "DD20241123001"
//	tracking_no  carrier prefix + digits, upper-case: "SF123456789012"; bare digits after a cue
//	phone        the 11 digits of a mainland mobile, prefix and separators dropped: "13812345678"
//	email        lower-cased, half-width: "li.lei@example.com"
//	amount       "<number> <ISO 4217 code>": "199 CNY", "25.99 USD", "0.5 CNY"
//	             (no thousands separators, no leading zeros, no trailing fractional zeros)
//	date         "YYYY-MM-DD" when the year is written, else "MM-DD";
//	             relative words give "today", "yesterday", "tomorrow",
//	             "day before yesterday" or "day after tomorrow"
//
// What is recognised, and the judgement calls:
//
//	order_id     DD + exactly 11 digits, any case or width, glued to Chinese or not,
//	             but not to other ASCII letters or digits
//	tracking_no  SF + 12–15 digits; ZT, YT, JD, JT + 10–15 digits; or a bare run of
//	             12–15 digits whose cue (运单, 快递单, 物流单, tracking …) ends at most
//	             12 runes before it
//	phone        1[3-9] + 9 digits, optionally +86 / 86 and spaces or dashes as
//	             3-4-4; never part of a longer digit or letter run
//	amount       ¥ ￥ $ US$ RMB CNY USD before, or 元 块 块钱 塊錢 人民币 美元 美金
//	             yuan rmb cny dollar(s) usd bucks after; at most 9 integer digits, so
//	             phone numbers and ids never become money. "2块" is read as money
//	             even where 块 counts pieces; "¥100-200", "$5k" and 万 are not
//	             read at all.
//	date         2024-11-23, 2024/1/5, 2024.11.23, 2024年11月23日, 11月11日/号/號,
//	             双11 双十一 双12 双十二 (and 雙), "Nov 23", "November 23rd, 2024",
//	             "23 Nov", "1st of March" ("May" only capitalised); 618 only when a
//	             sales word follows (618活动, 618大促, 618期间 …) and then the
//	             entity is just "618"; 昨天 今天 明天 前天 后天/後天 昨日 今日 明日,
//	             yesterday today tomorrow
type Entity struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	// Start and End are rune offsets into the original text, End exclusive.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Extractor finds entities. Build it with New; it is immutable afterwards
// and safe for concurrent use. (The zero value does not panic, but knows
// none of the keyword tables and so finds only the purely numeric forms.)
type Extractor struct {
	carriers     []carrier
	trackingCues [][]rune
	months       map[string]int // lower-case English month names and abbreviations
	relEn        map[string]string
	relZh        []keyword // 昨天 → "yesterday" …
	cnySuffix    [][]rune  // 元, 块钱 … (longest first)
	usdSuffix    [][]rune  // 美元, 美金
	wordSuffix   map[string]string
	wordPrefix   map[string]string
	cue618       [][]rune
}

// carrier is a courier's tracking-number prefix and its digit-count range.
type carrier struct {
	prefix   string // lower-case, as it appears after folding
	min, max int
}

type keyword struct {
	word  []rune
	value string
}

// New returns an Extractor with kefu's built-in tables.
func New() *Extractor {
	rs := func(ws ...string) [][]rune {
		out := make([][]rune, len(ws))
		for i, w := range ws {
			out[i] = []rune(w)
		}
		return out
	}
	return &Extractor{
		carriers: []carrier{
			{"sf", 12, 15}, // 顺丰
			{"zt", 10, 15}, // 中通
			{"yt", 10, 15}, // 圆通
			{"jd", 10, 15}, // 京东
			{"jt", 10, 15}, // 极兔
		},
		// A bare 12–15 digit run is too ambiguous on its own (it could be
		// a bank reference or an invoice number), so it only counts as a
		// tracking number right after one of these words.
		trackingCues: rs("运单", "運單", "快递单", "快遞單", "物流单", "物流單", "tracking"),
		months: map[string]int{
			"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
			"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
			"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
			"oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
		},
		relEn: map[string]string{
			"today": "today", "yesterday": "yesterday", "tomorrow": "tomorrow",
		},
		relZh: []keyword{
			{[]rune("昨天"), "yesterday"}, {[]rune("今天"), "today"}, {[]rune("明天"), "tomorrow"},
			{[]rune("前天"), "day before yesterday"}, {[]rune("后天"), "day after tomorrow"},
			{[]rune("後天"), "day after tomorrow"},
			{[]rune("昨日"), "yesterday"}, {[]rune("今日"), "today"}, {[]rune("明日"), "tomorrow"},
		},
		// Longest first: 块钱 must win over 块.
		cnySuffix: rs("人民币", "人民幣", "块钱", "塊錢", "元", "块", "塊"),
		usdSuffix: rs("美元", "美金"),
		wordSuffix: map[string]string{
			"yuan": "CNY", "rmb": "CNY", "cny": "CNY",
			"dollar": "USD", "dollars": "USD", "usd": "USD", "bucks": "USD",
		},
		wordPrefix: map[string]string{"rmb": "CNY", "cny": "CNY", "usd": "USD"},
		// "618" is a sales festival (June 18) but also just a number (618
		// yuan, room 618), so it is a date only when a sales word follows.
		cue618: rs("活动", "活動", "大促", "促销", "促銷", "购物节", "購物節", "期间", "期間"),
	}
}

// Extract returns the entities in text, sorted by Start and
// non-overlapping. Where candidates overlap the longer one wins, and on a
// tie the more specific type (order_id, tracking_no, email, phone, date,
// amount in that order). It returns nil when there is none.
func (x *Extractor) Extract(text string) []Entity {
	if text == "" {
		return nil
	}
	orig := []rune(text)
	s := scanner{x: x, orig: orig, norm: make([]rune, len(orig))}
	for i, r := range orig {
		s.norm[i] = fold(r)
	}
	s.run()
	return s.resolve()
}

// Mask returns text with every entity replaced by its placeholder, such as
// "__order_id__". The placeholder is set off by one space on each side
// where the neighbouring text is not already whitespace (and not at the
// ends), so "单号DD20241123001哦" becomes "单号 __order_id__ 哦" and a
// tokenizer always sees the placeholder as a word of its own. Text between
// entities is copied byte for byte; text without entities comes back as is.
func (x *Extractor) Mask(text string) string {
	return MaskWith(text, x.Extract(text))
}

// MaskWith is Mask for entities already extracted from text (Extract's
// output), so a caller that needs both does the scan once.
func MaskWith(text string, ents []Entity) string {
	if len(ents) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16*len(ents))
	rune0, byte0 := 0, 0 // a rune index and its byte offset, walked forward
	advance := func(to int) int {
		for rune0 < to {
			_, w := utf8.DecodeRuneInString(text[byte0:])
			byte0 += w
			rune0++
		}
		return byte0
	}
	copied := 0
	for _, e := range ents {
		start := advance(e.Start)
		b.WriteString(text[copied:start])
		if b.Len() > 0 && !endsInSpace(b.String()) {
			b.WriteByte(' ')
		}
		b.WriteString("__")
		b.WriteString(e.Type)
		b.WriteString("__")
		end := advance(e.End)
		copied = end
		if end < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[end:]); !unicode.IsSpace(r) {
				b.WriteByte(' ')
			}
		}
	}
	b.WriteString(text[copied:])
	return b.String()
}

func endsInSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(r)
}

// fold maps the spellings customers use for the same character onto one:
// full-width ASCII (ＤＤ２０２４) to ASCII, the ideographic space to a
// space, ￥ to ¥, Unicode hyphens to '-', and ASCII letters to lower case.
// It maps one rune to one rune so offsets in the folded text are offsets in
// the original.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	case r == 0xFFE5:
		return '¥'
	case r >= 0x2010 && r <= 0x2013, r == 0x2212:
		return '-'
	}
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

// priority breaks ties between overlapping candidates of equal length:
// the more specific pattern wins.
func priority(typ string) int {
	switch typ {
	case TypeOrderID:
		return 6
	case TypeTrackingNo:
		return 5
	case TypeEmail:
		return 4
	case TypePhone:
		return 3
	case TypeDate:
		return 2
	}
	return 1
}

// resolve picks non-overlapping candidates, longest (then most specific,
// then leftmost) first, and returns them in text order.
func (s *scanner) resolve() []Entity {
	c := s.cands
	if len(c) == 0 {
		return nil
	}
	slices.SortFunc(c, func(a, b Entity) int {
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return lb - la
		}
		if pa, pb := priority(a.Type), priority(b.Type); pa != pb {
			return pb - pa
		}
		return a.Start - b.Start
	})
	taken := make([]bool, len(s.norm))
	out := c[:0]
next:
	for _, e := range c {
		for i := e.Start; i < e.End; i++ {
			if taken[i] {
				continue next
			}
		}
		for i := e.Start; i < e.End; i++ {
			taken[i] = true
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entity) int { return a.Start - b.Start })
	return out
}
