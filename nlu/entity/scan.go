package entity

// scanner holds one Extract call's state. Every matcher reads the folded
// runes (norm) so that "ＤＤ", "dd" and "DD" look the same; orig is kept for
// the few checks where case or the exact character matters.
type scanner struct {
	x     *Extractor
	orig  []rune
	norm  []rune
	cands []Entity
}

// maxAmountDigits bounds the integer part of an amount: customers do not
// pay a billion yuan, and the bound keeps an 11-digit phone number or an
// order id's digits from ever reading as money.
const maxAmountDigits = 9

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isLower(r rune) bool { return r >= 'a' && r <= 'z' }
func isAlnum(r rune) bool { return isDigit(r) || isLower(r) }

func (s *scanner) at(i int) rune {
	if i < 0 || i >= len(s.norm) {
		return 0
	}
	return s.norm[i]
}

func (s *scanner) emit(typ string, start, end int, value string) {
	s.cands = append(s.cands, Entity{Type: typ, Value: value, Start: start, End: end})
}

// run tries each matcher where its pattern can start: at the beginning of
// a digit or letter run, or at a marker rune (+, ¥, $, @, 双). Each matcher
// looks a bounded distance ahead or stops at the next marker, so the whole
// scan stays linear in the length of the text.
func (s *scanner) run() {
	for i, r := range s.norm {
		switch {
		case isDigit(r):
			if isDigit(s.at(i - 1)) {
				continue
			}
			s.digitRun(i)
		case isLower(r):
			if isAlnum(s.at(i - 1)) {
				continue
			}
			s.letterRun(i)
		case r == '+':
			s.phone(i)
		case r == '¥' || r == '$':
			s.symbolAmount(i)
		case r == '@':
			s.email(i)
		case r == '双' || r == '雙':
			s.doubleDay(i)
		default:
			for _, k := range s.x.relZh {
				if s.hasAt(i, k.word) {
					s.emit(TypeDate, i, i+len(k.word), k.value)
					break
				}
			}
		}
	}
}

// digitRun handles patterns that begin with a digit.
func (s *scanner) digitRun(i int) {
	e := s.digitsEnd(i)
	n := e - i
	s.phone(i)
	if n == 4 {
		s.yearDate(i)
	}
	if n <= 2 {
		if end, m, d, ok := s.monthDayZh(i); ok {
			s.emitDate(i, end, 0, m, d)
		}
		s.dayMonthEn(i)
	}
	if n == 3 && s.norm[i] == '6' && s.norm[i+1] == '1' && s.norm[i+2] == '8' {
		for _, cue := range s.x.cue618 {
			if s.hasAt(e, cue) {
				s.emit(TypeDate, i, e, "06-18")
				break
			}
		}
	}
	if n >= 12 && n <= 15 && !isAlnum(s.at(e)) && !isLower(s.at(i-1)) && s.afterTrackingCue(i) {
		s.emit(TypeTrackingNo, i, e, string(s.norm[i:e]))
	}
	s.suffixAmount(i)
}

// letterRun handles patterns that begin with an ASCII letter.
func (s *scanner) letterRun(i int) {
	var buf [9]byte
	wb, e := s.wordAt(i, &buf)
	if len(wb) == 0 {
		return // longer than any keyword
	}
	w := string(wb) // compared and looked up only: stays on the stack

	if w == "dd" {
		if de := s.digitsEnd(e); de-e == 11 && !isAlnum(s.at(de)) {
			s.emit(TypeOrderID, i, de, "DD"+string(s.norm[e:de]))
		}
	}
	for _, c := range s.x.carriers {
		if w != c.prefix {
			continue
		}
		if de := s.digitsEnd(e); de-e >= c.min && de-e <= c.max && !isAlnum(s.at(de)) {
			s.emit(TypeTrackingNo, i, de, upper(s.norm[i:e])+string(s.norm[e:de]))
		}
	}
	if cur, ok := s.x.wordPrefix[w]; ok {
		j := e
		if s.at(j) == ' ' {
			j++
		}
		if isDigit(s.at(j)) {
			s.amountAfter(i, j, cur)
		}
	}
	if m, ok := s.x.months[w]; ok && (w != "may" || s.orig[i] == 'M') {
		s.monthDayEn(i, e, m)
	}
	if v, ok := s.x.relEn[w]; ok {
		s.emit(TypeDate, i, e, v)
	}
}

func (s *scanner) digitsEnd(i int) int {
	for isDigit(s.at(i)) {
		i++
	}
	return i
}

// hasAt reports whether norm[i:] begins with kw.
func (s *scanner) hasAt(i int, kw []rune) bool {
	if i < 0 || i+len(kw) > len(s.norm) {
		return false
	}
	for k, r := range kw {
		if s.norm[i+k] != r {
			return false
		}
	}
	return true
}

// wordAt returns the ASCII letter run starting at i, copied into buf, and
// its end; an empty word if there is none or it is longer than any keyword.
// Callers compare and look it up as string(w), which does not allocate.
func (s *scanner) wordAt(i int, buf *[9]byte) ([]byte, int) {
	e := i
	for isLower(s.at(e)) {
		if e-i == len(buf) {
			return nil, i
		}
		buf[e-i] = byte(s.norm[e])
		e++
	}
	return buf[:e-i], e
}

func upper(rs []rune) string {
	b := make([]byte, len(rs))
	for i, r := range rs {
		if isLower(r) {
			r -= 'a' - 'A'
		}
		b[i] = byte(r)
	}
	return string(b)
}

// ---- phone ----

// phone matches a mainland mobile number at i, with an optional +86 / 86
// prefix and single spaces or dashes in the usual 3-4-4 places. The number
// must not be glued to other letters or digits: a 13-digit run is not a
// phone number with two digits to spare.
func (s *scanner) phone(i int) {
	if p := s.at(i - 1); isAlnum(p) || p == '+' {
		return
	}
	j := i
	switch {
	case s.at(j) == '+':
		if s.at(j+1) != '8' || s.at(j+2) != '6' {
			return
		}
		j = s.skipSep(j + 3)
	case s.at(j) == '8' && s.at(j+1) == '6':
		j = s.skipSep(j + 2)
	}
	if end, ok := s.phoneBody(j); ok {
		s.emit(TypePhone, i, end, digitsOf(s.norm[j:end]))
	}
}

func (s *scanner) skipSep(j int) int {
	if r := s.at(j); (r == ' ' || r == '-') && isDigit(s.at(j+1)) {
		return j + 1
	}
	return j
}

func (s *scanner) phoneBody(j int) (int, bool) {
	if s.at(j) != '1' || s.at(j+1) < '3' || s.at(j+1) > '9' {
		return 0, false
	}
	digits, k := 0, j
	for digits < 11 {
		r := s.at(k)
		switch {
		case isDigit(r):
			digits++
		case (r == ' ' || r == '-') && (digits == 3 || digits == 7) && isDigit(s.at(k+1)):
		default:
			return 0, false
		}
		k++
	}
	if isAlnum(s.at(k)) || (s.at(k) == '-' && isDigit(s.at(k+1))) {
		return 0, false
	}
	return k, true
}

func digitsOf(rs []rune) string {
	b := make([]byte, 0, 11)
	for _, r := range rs {
		if isDigit(r) {
			b = append(b, byte(r))
		}
	}
	return string(b)
}

// ---- tracking ----

// afterTrackingCue reports whether a cue word ends at most 12 runes before
// i ("运单号：", "tracking number is ").
func (s *scanner) afterTrackingCue(i int) bool {
	const maxGap = 12
	for gap := 0; gap <= maxGap && gap <= i; gap++ {
		for _, cue := range s.x.trackingCues {
			if s.hasAt(i-gap-len(cue), cue) {
				return true
			}
		}
	}
	return false
}

// ---- email ----

func isLocal(r rune) bool {
	return isAlnum(r) || r == '.' || r == '_' || r == '%' || r == '+' || r == '-'
}

func isDomain(r rune) bool { return isAlnum(r) || r == '.' || r == '-' }

// email matches an address around the '@' at k. Scanning stops at any
// other '@', so every rune is looked at a bounded number of times.
func (s *scanner) email(k int) {
	a := k
	for isLocal(s.at(a - 1)) {
		a--
	}
	for a < k && (s.norm[a] == '.' || s.norm[a] == '-') {
		a++
	}
	if a == k || s.norm[k-1] == '.' {
		return
	}
	b := k + 1
	for isDomain(s.at(b)) {
		b++
	}
	for b > k+1 && (s.norm[b-1] == '.' || s.norm[b-1] == '-') {
		b--
	}
	if !validDomain(s.norm[k+1 : b]) {
		return
	}
	s.emit(TypeEmail, a, b, string(s.norm[a:b]))
}

// validDomain wants at least two non-empty labels that neither start nor
// end with '-', and an alphabetic top-level label of two or more letters.
func validDomain(d []rune) bool {
	labels, start := 0, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		l := d[start:i]
		if len(l) == 0 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		if i == len(d) {
			if len(l) < 2 {
				return false
			}
			for _, r := range l {
				if !isLower(r) {
					return false
				}
			}
		}
		start = i + 1
	}
	return labels >= 2
}

// ---- amount ----

// number finds the number (digits, optional ASCII thousands commas,
// optional decimal part) at i and returns where its integer part and the
// whole number end. It allocates nothing: most digit runs are not amounts.
func (s *scanner) number(i int) (intEnd, end int, ok bool) {
	j := s.digitsEnd(i)
	intDigits := j - i
	if intDigits <= 3 {
		// Only an ASCII comma groups thousands: the full-width ， is
		// Chinese list punctuation ("1，2号都行").
		for j < len(s.orig) && s.orig[j] == ',' && s.digitsEnd(j+1)-(j+1) == 3 {
			j += 4
			intDigits += 3
		}
	}
	if intDigits > maxAmountDigits {
		return 0, 0, false
	}
	intEnd, end = j, j
	if s.at(j) == '.' && isDigit(s.at(j+1)) {
		end = s.digitsEnd(j + 1)
		if end-(j+1) > 4 {
			return 0, 0, false
		}
	}
	// "2024.11.23", "1.2.3", "11-23", "3/4" are not amounts.
	if r := s.at(end); (r == '.' || r == '-' || r == '/' || r == ',') && isDigit(s.at(end+1)) {
		return 0, 0, false
	}
	return intEnd, end, true
}

// amountValue renders the number [i, end) with integer part ending at
// intEnd canonically: no commas, no leading zeros, no trailing fractional
// zeros, then the currency code.
func (s *scanner) amountValue(i, intEnd, end int, cur string) string {
	b := make([]byte, 0, end-i+5)
	for k := i; k < intEnd; k++ {
		if r := s.norm[k]; isDigit(r) && !(len(b) == 0 && r == '0') {
			b = append(b, byte(r))
		}
	}
	if len(b) == 0 {
		b = append(b, '0')
	}
	if end > intEnd {
		frac := s.norm[intEnd+1 : end]
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		if len(frac) > 0 {
			b = append(b, '.')
			for _, r := range frac {
				b = append(b, byte(r))
			}
		}
	}
	b = append(b, ' ')
	b = append(b, cur...)
	return string(b)
}

// currencySuffix matches a currency word at j (after an optional space)
// and returns its end and ISO code.
func (s *scanner) currencySuffix(j int) (int, string, bool) {
	k := j
	if s.at(k) == ' ' {
		k++
	}
	for _, w := range s.x.usdSuffix {
		if s.hasAt(k, w) {
			return k + len(w), "USD", true
		}
	}
	for _, w := range s.x.cnySuffix {
		if s.hasAt(k, w) {
			return k + len(w), "CNY", true
		}
	}
	var buf [9]byte
	if w, e := s.wordAt(k, &buf); len(w) > 0 {
		if cur, ok := s.x.wordSuffix[string(w)]; ok {
			return e, cur, true
		}
	}
	return 0, "", false
}

// suffixAmount matches "199元", "25.99 dollars".
func (s *scanner) suffixAmount(i int) {
	// Not the tail of a word, a decimal or an ASCII-grouped number.
	if p := s.at(i - 1); isLower(p) || p == '.' || (i > 0 && s.orig[i-1] == ',') {
		return
	}
	intEnd, j, ok := s.number(i)
	if !ok {
		return
	}
	if end, cur, ok := s.currencySuffix(j); ok {
		s.emit(TypeAmount, i, end, s.amountValue(i, intEnd, j, cur))
	}
}

// symbolAmount matches "¥199", "￥ 199.5", "$25.99", "US$25".
func (s *scanner) symbolAmount(i int) {
	cur := "CNY"
	if s.norm[i] == '$' {
		cur = "USD"
	}
	start := i
	if p := s.at(i - 1); isLower(p) {
		// US$ is dollars; HK$, NT$, A$ … are other currencies.
		if cur == "USD" && p == 's' && s.at(i-2) == 'u' && !isAlnum(s.at(i-3)) {
			start = i - 2
		} else {
			return
		}
	} else if isDigit(p) {
		return
	}
	j := i + 1
	if s.at(j) == ' ' {
		j++
	}
	if !isDigit(s.at(j)) {
		return
	}
	s.amountAfter(start, j, cur)
}

// amountAfter parses the number at j that follows a currency marker
// starting at start, taking in a repeated marker of the same currency
// ("¥199元").
func (s *scanner) amountAfter(start, j int, cur string) {
	intEnd, numEnd, ok := s.number(j)
	if !ok {
		return
	}
	end := numEnd
	if e, c, ok := s.currencySuffix(numEnd); ok && c == cur {
		end = e
	} else if isLower(s.at(numEnd)) {
		return // "$5k", "¥3w": a unit we do not understand
	}
	s.emit(TypeAmount, start, end, s.amountValue(j, intEnd, numEnd, cur))
}

// ---- date ----

var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > daysIn[m] {
		return false
	}
	if y != 0 && m == 2 && d == 29 {
		return y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	return true
}

// atoi reads the digit run [i, e) known to be at most 4 digits.
func (s *scanner) atoi(i, e int) int {
	n := 0
	for k := i; k < e; k++ {
		n = n*10 + int(s.norm[k]-'0')
	}
	return n
}

func (s *scanner) emitDate(start, end, y, m, d int) {
	b := make([]byte, 0, 10)
	if y != 0 {
		b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	}
	b = append(b, byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	s.emit(TypeDate, start, end, string(b))
}

func validYear(y int) bool { return y >= 1900 && y <= 2099 }

// yearDate matches "2024-11-23", "2024/11/23", "2024.11.23" and
// "2024年11月23日" at the 4-digit run at i.
func (s *scanner) yearDate(i int) {
	if isLower(s.at(i - 1)) {
		return
	}
	y := s.atoi(i, i+4)
	if !validYear(y) {
		return
	}
	sep := s.at(i + 4)
	if sep == '年' {
		if end, m, d, ok := s.monthDayZh(i + 5); ok && validDate(y, m, d) {
			s.emitDate(i, end, y, m, d)
		}
		return
	}
	if sep != '-' && sep != '/' && sep != '.' {
		return
	}
	ms := i + 5
	me := s.digitsEnd(ms)
	if me-ms < 1 || me-ms > 2 || s.at(me) != sep {
		return
	}
	ds := me + 1
	de := s.digitsEnd(ds)
	if de-ds < 1 || de-ds > 2 {
		return
	}
	if r := s.at(de); (r == sep || r == '-' || r == '/' || r == '.') && isDigit(s.at(de+1)) {
		return // a longer code such as 2024-11-23-0001
	}
	m, d := s.atoi(ms, me), s.atoi(ds, de)
	if validDate(y, m, d) {
		s.emitDate(i, de, y, m, d)
	}
}

// monthDayZh matches "11月11日" / "11月11号" / "11月11號" at i.
func (s *scanner) monthDayZh(i int) (end, m, d int, ok bool) {
	me := s.digitsEnd(i)
	if me-i < 1 || me-i > 2 || s.at(me) != '月' {
		return
	}
	ds := me + 1
	de := s.digitsEnd(ds)
	if de-ds < 1 || de-ds > 2 {
		return
	}
	if r := s.at(de); r != '日' && r != '号' && r != '號' {
		return
	}
	m, d = s.atoi(i, me), s.atoi(ds, de)
	if !validDate(0, m, d) {
		return
	}
	return de + 1, m, d, true
}

// dayNumber reads a 1–2 digit day at i with an optional English ordinal
// suffix (23rd) and returns the day and the end.
func (s *scanner) dayNumber(i int) (int, int, bool) {
	e := s.digitsEnd(i)
	if e-i < 1 || e-i > 2 {
		return 0, 0, false
	}
	d := s.atoi(i, e)
	if isLower(s.at(e)) {
		var buf [9]byte
		w, we := s.wordAt(e, &buf)
		if sw := string(w); sw != "st" && sw != "nd" && sw != "rd" && sw != "th" {
			return 0, 0, false
		}
		e = we
	}
	return d, e, true
}

// optYear reads ", 2024" or " 2024" after a date at i.
func (s *scanner) optYear(i int) (int, int) {
	j := i
	if s.at(j) == ',' {
		j++
	}
	if s.at(j) != ' ' {
		return 0, i
	}
	for s.at(j) == ' ' {
		j++
	}
	e := s.digitsEnd(j)
	if e-j != 4 || isAlnum(s.at(e)) {
		return 0, i
	}
	if y := s.atoi(j, e); validYear(y) {
		return y, e
	}
	return 0, i
}

// monthDayEn matches "Nov 23", "Nov. 23rd", "November 23, 2024" where the
// month word is norm[i:e].
func (s *scanner) monthDayEn(i, e, m int) {
	j := e
	if s.at(j) == '.' {
		j++
	}
	if s.at(j) == ' ' {
		for s.at(j) == ' ' {
			j++
		}
	} else if j == e {
		return // "nov23" reads as a code, not a date
	}
	d, end, ok := s.dayNumber(j)
	if !ok || !validDate(0, m, d) {
		return
	}
	y, yend := s.optYear(end)
	if y != 0 && validDate(y, m, d) {
		s.emitDate(i, yend, y, m, d)
		return
	}
	s.emitDate(i, end, 0, m, d)
}

// dayMonthEn matches "23 November", "23rd of Nov", "23 Nov 2024" at the
// digit run at i.
func (s *scanner) dayMonthEn(i int) {
	if isLower(s.at(i - 1)) {
		return
	}
	d, j, ok := s.dayNumber(i)
	if !ok || s.at(j) != ' ' {
		return
	}
	for s.at(j) == ' ' {
		j++
	}
	var buf [9]byte
	if w, we := s.wordAt(j, &buf); string(w) == "of" && s.at(we) == ' ' {
		j = we + 1
	}
	w, e := s.wordAt(j, &buf)
	m, ok := s.x.months[string(w)]
	if !ok || (string(w) == "may" && s.orig[j] != 'M') || !validDate(0, m, d) {
		return
	}
	end := e
	if s.at(end) == '.' {
		end++
	}
	if y, yend := s.optYear(end); y != 0 && validDate(y, m, d) {
		s.emitDate(i, yend, y, m, d)
		return
	}
	s.emitDate(i, e, 0, m, d)
}

// doubleDay matches the shopping festivals 双11 / 双十一 / 双12 / 双十二
// (雙 too) at i.
func (s *scanner) doubleDay(i int) {
	j := i + 1
	var v string
	switch {
	case s.at(j) == '1' && s.at(j+1) == '1' && !isDigit(s.at(j+2)):
		v, j = "11-11", j+2
	case s.at(j) == '1' && s.at(j+1) == '2' && !isDigit(s.at(j+2)):
		v, j = "12-12", j+2
	case s.at(j) == '十' && s.at(j+1) == '一':
		v, j = "11-11", j+2
	case s.at(j) == '十' && s.at(j+1) == '二':
		v, j = "12-12", j+2
	default:
		return
	}
	s.emit(TypeDate, i, j, v)
}
