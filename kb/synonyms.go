package kb

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu/text"
)

// DefaultSynonyms is the built-in synonym list for an e-commerce shop:
// groups of words customers and articles use for the same thing. Editors
// replace it through Config.Synonyms. Members are matched after
// normalisation (Traditional → Simplified, full-width folded, lower case);
// English members match whole words, stemmed.
var DefaultSynonyms = [][]string{
	// Delivery and parcels.
	{"快递", "物流", "包裹", "快件", "货物"},
	{"发货", "寄出", "发出", "出库", "发走"},
	{"签收", "妥投", "送达"},
	{"催件", "催快递", "催一下"},
	{"驿站", "快递柜", "代收点"},
	{"运费", "邮费", "快递费", "邮资"},
	{"包邮", "免运费", "免邮"},
	{"parcel", "package", "shipment"},
	{"courier", "carrier", "shipping company"},
	{"track", "tracking", "trackin"},
	{"deliver", "delivery"},
	{"late", "overdue", "delayed", "delay"},
	{"chase", "hurry", "hurry up", "expedite"},
	{"postage", "shipping fee", "shipping cost"},
	// Returns, refunds, exchanges.
	{"退款", "退钱", "钱退", "返款"},
	{"退货", "退回", "寄回", "退掉"},
	{"换货", "调换", "更换"},
	{"取消", "撤销", "撤单", "撤掉", "不要了"},
	{"售后", "退换货"},
	{"refund", "money back", "reimburse"},
	{"return", "send back", "send it back"},
	{"exchange", "swap"},
	{"cancel", "cancle", "cancellation"},
	// Damage and quality.
	{"破损", "损坏", "坏了", "坏的", "破了", "碎了", "裂了", "裂开"},
	{"质量问题", "次品", "瑕疵"},
	{"少件", "漏发", "少发", "缺件"},
	{"发错", "错发", "发错货"},
	{"broken", "damaged", "defective"},
	{"charged twice", "double charge", "two payments", "paid twice"},
	{"missing", "not included"},
	// Payment and prices.
	{"付款", "支付", "付钱", "结账", "结算", "买单"},
	{"扣款", "扣钱", "扣费"},
	{"分期", "花呗分期"},
	{"价保", "保价", "价格保护", "补差价", "退差价"},
	{"降价", "便宜了", "打折"},
	{"优惠券", "券", "折扣券", "折价券", "代金券", "红包"},
	{"到账", "到帐"},
	{"pay", "payment", "checkout"},
	{"declined", "failed", "rejected"},
	{"instalment", "installment", "pay later"},
	{"coupon", "voucher", "promo code", "discount code"},
	{"price protection", "price adjustment", "price drop"},
	// Orders and products.
	{"尺码", "码数", "尺寸", "码子"},
	{"地址", "收货地址", "收件地址"},
	{"缺货", "无货", "没货", "卖完", "售罄", "卖光"},
	{"补货", "到货", "再上架", "进货"},
	{"赠品", "礼品", "小礼物"},
	{"材质", "面料", "材料"},
	{"正品", "真货", "真品"},
	{"假货", "仿冒", "高仿", "山寨", "假的"},
	{"保修", "质保", "保固"},
	{"维修", "修理", "返修", "送修"},
	{"发票", "收据", "开票"},
	{"size", "fit"},
	{"out of stock", "sold out", "unavailable"},
	{"restock", "back in stock"},
	{"fake", "knockoff", "counterfeit", "replica"},
	{"genuine", "authentic"},
	{"warranty", "guarantee"},
	{"repair", "fix"},
	{"invoice", "fapiao", "receipt"},
	{"material", "made of", "fabric"},
	{"写错", "填错"},
	{"订单", "单子"},
	{"商品", "东西", "宝贝"},
	{"多久", "几天", "多长时间"},
	{"为什么", "为啥", "怎么回事"},
	{"没收到", "未收到", "没拿到"},
	{"快递员", "配送员", "快递小哥"},
	{"照片", "图片", "拍照"},
	// Colloquial and formal ways to ask.
	{"什么时候", "啥时候", "何时", "几时"},
	{"什么", "啥"},
	{"怎么办", "咋办"},
	{"怎么", "咋", "如何"},
	{"how long", "how many days"},
	{"item", "product"},
	{"modify", "change", "edit"},
	{"colour", "color"},
	{"cancelled", "canceled"},
	{"personalised", "personalized", "engraved", "custom"},
	{"recognise", "recognize"},
	// Accounts and service.
	{"登录", "登陆", "登入"},
	{"账号", "账户", "帐号", "帐户"},
	{"手机号", "手机号码", "电话号码"},
	{"验证码", "短信码", "校验码"},
	{"注销", "删除账号", "销户"},
	{"被盗", "盗号", "盗用"},
	{"会员", "vip"},
	{"人工", "人工客服", "转人工"},
	{"投诉", "举报"},
	{"login", "log in", "sign in"},
	{"hacked", "compromised", "stolen"},
	{"phone number", "mobile number", "phone"},
	{"hi", "hello", "hey"},
	{"thanks", "thank you", "thx", "cheers"},
	{"bye", "goodbye"},
	{"bot", "robot", "machine", "ai"},
	{"human", "agent", "real person", "representative"},
	{"complaint", "complain"},
	{"points", "loyalty points"},
}

// synonyms finds synonym groups in a query.
type synonyms struct {
	groups [][]synTerm
	// byRune and byStem index the groups by the first rune of their
	// Chinese members and the first stem of their English ones, so that a
	// query is checked only against the groups it may name (named).
	byRune map[rune][]int
	byStem map[string][]int
}

type synTerm struct {
	text  string   // normalised member, the text searched for
	words []string // stemmed words of an English member; nil for Chinese
}

const (
	maxSynonymGroups = 2000
	maxSynonymTerm   = 64
	maxExpansions    = 16
)

func newSynonyms(groups [][]string) (*synonyms, error) {
	if len(groups) > maxSynonymGroups {
		return nil, errs.E(errs.Invalid, "kb: at most %d synonym groups.", maxSynonymGroups)
	}
	s := &synonyms{}
	for gi, g := range groups {
		var terms []synTerm
		seen := map[string]bool{}
		for _, m := range g {
			if !utf8.ValidString(m) || utf8.RuneCountInString(m) > maxSynonymTerm {
				return nil, errs.E(errs.Invalid, "kb: synonym group %d: %q is not a short valid word.", gi+1, m)
			}
			n := strings.TrimSpace(text.Normalize(m))
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			t := synTerm{text: n}
			if !hasCJK(n) {
				t.words = stemWords(n)
				if len(t.words) == 0 {
					continue
				}
			}
			terms = append(terms, t)
		}
		if len(terms) > 1 {
			s.groups = append(s.groups, terms)
		}
	}
	s.byRune, s.byStem = map[rune][]int{}, map[string][]int{}
	add := func(l []int, gi int) []int {
		if len(l) > 0 && l[len(l)-1] == gi {
			return l // another member of the same group
		}
		return append(l, gi)
	}
	for gi, g := range s.groups {
		for _, t := range g {
			if t.words == nil {
				r, _ := utf8.DecodeRuneInString(t.text)
				s.byRune[r] = add(s.byRune[r], gi)
			} else {
				s.byStem[t.words[0]] = add(s.byStem[t.words[0]], gi)
			}
		}
	}
	return s, nil
}

// named returns, in order, the groups the normalised query q may name:
// those with a Chinese member that starts with a rune of q or an English
// member whose first word is one of stems (q's stemmed words). Every group
// q names is among them: a member found in q starts where one of q's
// runes does (UTF-8 never matches in the middle of a rune).
func (s *synonyms) named(q string, stems []string) []int {
	var out []int
	for _, r := range q {
		out = append(out, s.byRune[r]...)
	}
	for _, st := range stems {
		out = append(out, s.byStem[st]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// expand returns, for every group the normalised query q names, the
// members it does not name itself.
func (s *synonyms) expand(q string) [][]string {
	if s == nil || len(s.groups) == 0 {
		return nil
	}
	words := stemWords(q)
	var out [][]string
	seen := map[string]bool{}
	n := 0
	for _, gi := range s.named(q, words) {
		g := s.groups[gi]
		hit := false
		present := make([]bool, len(g))
		for i, t := range g {
			if t.words == nil {
				present[i] = strings.Contains(q, t.text)
			} else {
				present[i] = containsSeq(words, t.words)
			}
			hit = hit || present[i]
		}
		if !hit {
			continue
		}
		var alts []string
		for i, t := range g {
			if present[i] || seen[t.text] || overlapsPresent(g, present, t) || n == maxExpansions {
				continue
			}
			seen[t.text] = true
			alts = append(alts, t.text)
			n++
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}

// overlapsPresent reports whether alternative t contains, or is contained
// in, a member the query already names (地址 → 收货地址): the query's own
// terms already find those articles, and adding the alternative would
// only count them twice.
func overlapsPresent(g []synTerm, present []bool, t synTerm) bool {
	for i, p := range g {
		if !present[i] {
			continue
		}
		if t.words == nil && p.words == nil && (strings.Contains(t.text, p.text) || strings.Contains(p.text, t.text)) {
			return true
		}
		if t.words != nil && p.words != nil && (containsSeq(t.words, p.words) || containsSeq(p.words, t.words)) {
			return true
		}
	}
	return false
}

func hasCJK(s string) bool {
	for _, r := range s {
		if text.IsCJK(r) {
			return true
		}
	}
	return false
}

// stemWords splits s into lower-case Latin/digit words and stems them.
func stemWords(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r)) || text.IsCJK(r)
	})
	var st stemmer
	for i, w := range f {
		f[i] = st.stem(w)
	}
	return f
}

// stemmer stems English words (snowball) in one environment.
type stemmer struct{ env *snowballstem.Env }

func (s *stemmer) stem(w string) string {
	if s.env == nil {
		s.env = snowballstem.NewEnv(w)
	} else {
		s.env.SetCurrent(w)
	}
	english.Stem(s.env)
	return s.env.Current()
}

func containsSeq(words, seq []string) bool {
	if len(seq) == 0 || len(seq) > len(words) {
		return false
	}
outer:
	for i := 0; i+len(seq) <= len(words); i++ {
		for j, w := range seq {
			if words[i+j] != w {
				continue outer
			}
		}
		return true
	}
	return false
}
