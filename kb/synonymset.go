package kb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/kefu-ai/kefu/store"
)

// SynonymStore keeps the synonym list editors maintain (part of
// ArticleStore).
//
// Error codes: errs.Conflict when SaveSynonyms's version is not the
// stored one, errs.Invalid for a negative version.
type SynonymStore interface {
	// Synonyms returns the list saved last; Version 0 when none was.
	Synonyms(ctx context.Context) (store.SynonymSet, error)
	// SaveSynonyms stores groups as version+1 provided version is the
	// stored version (0 when none was saved).
	SaveSynonyms(ctx context.Context, groups [][]string, version int, by string) (store.SynonymSet, error)
}

// maxSynonymMembers bounds one group of an editor's list (the largest
// built-in group has 8).
const maxSynonymMembers = 50

// synonymSeparators may not appear inside a member: the editors' page
// writes a group as its members joined by them.
const synonymSeparators = "=,＝，"

// synonymSnapshot is one synonym list in force; never changed once made.
type synonymSnapshot struct {
	groups  [][]string // as editors wrote them (or the built-in list)
	version int        // 0: the built-in list
	m       *synonyms
	// terms are the index terms of each member (by its normalised text):
	// the answer cache works out from them which members each intent's
	// articles use, so that a question's rewrites put in only those.
	terms map[string][]string
}

// newSnapshot compiles groups into a snapshot.
func (k *KB) newSnapshot(groups [][]string, version int) (*synonymSnapshot, error) {
	m, err := newSynonyms(groups)
	if err != nil {
		return nil, err
	}
	s := &synonymSnapshot{groups: cloneGroups(groups), version: version, m: m, terms: map[string][]string{}}
	for _, g := range m.groups {
		for _, t := range g {
			if _, ok := s.terms[t.text]; !ok {
				s.terms[t.text] = k.termList(t.text)
			}
		}
	}
	return s, nil
}

// liveSynonyms is the synonym list queries expand with. Synonyms apply at
// query time only (the index holds the articles' own words), so a new
// list needs no rebuild: SetSynonyms swaps the snapshot and the next
// search uses it, while searches under way finish with the old one.
type liveSynonyms struct {
	mu  sync.Mutex // serialises saves, so snapshots are swapped in the store's order
	cur atomic.Pointer[synonymSnapshot]
}

// expand is synonyms.expand on the list in force.
func (l *liveSynonyms) expand(q string) [][]string {
	s := l.cur.Load()
	if s == nil {
		return nil
	}
	return s.m.expand(q)
}

// loadSynonyms puts a list in force at Open: the one editors saved last,
// else builtin (nil: DefaultSynonyms) as version 0.
func (k *KB) loadSynonyms(ctx context.Context, builtin [][]string) error {
	set, err := k.st.Synonyms(ctx)
	if err != nil {
		return fmt.Errorf("kb: load synonyms: %w", err)
	}
	groups, version := builtin, 0
	if groups == nil {
		groups = DefaultSynonyms
	}
	if set.Version > 0 {
		groups, version = set.Groups, set.Version
	}
	snap, err := k.newSnapshot(groups, version)
	if err != nil {
		return fmt.Errorf("kb: synonyms version %d: %w", version, err)
	}
	k.syn.cur.Store(snap)
	return nil
}

// Synonyms returns the synonym list in force and its version (0: the
// built-in list, which applies until editors save their own).
//
// Errors: errs.Unavailable when closed.
func (k *KB) Synonyms(ctx context.Context) ([][]string, int, error) {
	if err := k.alive(); err != nil {
		return nil, 0, err
	}
	s := k.syn.cur.Load()
	return cloneGroups(s.groups), s.version, nil
}

// SetSynonyms replaces the synonym list. version is the one the editor
// read (0 for the built-in list); the list is stored as the next one and
// is in force for the very next search and answer. Blank members are
// dropped, and so are members that repeat another of their group once
// normalised (Traditional → Simplified, width and case folded). It
// returns the list as stored and its version.
//
// Errors: errs.Invalid (a group with fewer than two different members,
// too many groups or members, a member too long or holding control
// characters, '=' or ','; a negative version), errs.Conflict when someone
// saved the list since version, errs.Unavailable when closed.
func (k *KB) SetSynonyms(ctx context.Context, groups [][]string, version int, by string) ([][]string, int, error) {
	if err := k.alive(); err != nil {
		return nil, 0, err
	}
	if err := checkBy(by); err != nil {
		return nil, 0, err
	}
	if version < 0 {
		return nil, 0, errs.E(errs.Invalid, "The version the change is based on must not be negative.")
	}
	clean, err := cleanSynonymGroups(groups)
	if err != nil {
		return nil, 0, err
	}
	snap, err := k.newSnapshot(clean, 0)
	if err != nil {
		return nil, 0, err
	}
	k.syn.mu.Lock()
	defer k.syn.mu.Unlock()
	set, err := k.st.SaveSynonyms(ctx, clean, version, by)
	if err != nil {
		return nil, 0, err
	}
	snap.version = set.Version
	k.syn.cur.Store(snap)
	// The answer cache knows which members of the old list each intent's
	// articles use (answerBucket.uses): the next answer rebuilds it with
	// this one (saves are rare).
	k.invalidateAnswers()
	return cloneGroups(clean), set.Version, nil
}

// cleanSynonymGroups checks an editor's list and returns it trimmed, with
// blank and repeated members dropped.
func cleanSynonymGroups(groups [][]string) ([][]string, error) {
	bad := func(format string, args ...any) ([][]string, error) {
		return nil, errs.E(errs.Invalid, format, args...)
	}
	if len(groups) > maxSynonymGroups {
		return bad("The synonym list has %d groups; at most %d are allowed.", len(groups), maxSynonymGroups)
	}
	out := make([][]string, 0, len(groups))
	for gi, g := range groups {
		n := gi + 1
		if len(g) > maxSynonymMembers {
			return bad("Synonym group %d has %d members; at most %d are allowed.", n, len(g), maxSynonymMembers)
		}
		var members []string
		seen := map[string]bool{}
		for _, m := range g {
			if !utf8.ValidString(m) {
				return bad("Synonym group %d: a member is not valid UTF-8.", n)
			}
			m = strings.TrimSpace(m)
			if m == "" {
				continue
			}
			switch {
			case utf8.RuneCountInString(m) > maxSynonymTerm:
				return bad("Synonym group %d: %q is longer than %d characters.", n, m, maxSynonymTerm)
			case hasControl(m, false):
				return bad("Synonym group %d: %q contains control characters.", n, m)
			case strings.ContainsAny(m, synonymSeparators):
				return bad("Synonym group %d: %q contains '=' or ',', which separate synonyms.", n, m)
			}
			key := strings.TrimSpace(text.Normalize(m))
			if key == "" || (!hasCJK(key) && len(stemWords(key)) == 0) {
				return bad("Synonym group %d: %q has no letters or digits.", n, m)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			members = append(members, m)
		}
		if len(members) < 2 {
			what := "it is empty"
			if len(members) == 1 {
				what = fmt.Sprintf("it has only %q", members[0])
			}
			return bad("Synonym group %d needs at least two different words or phrases; %s "+
				"(Traditional and Simplified, full- and half-width, upper and lower case count as the same).", n, what)
		}
		out = append(out, members)
	}
	return out, nil
}

func cloneGroups(groups [][]string) [][]string {
	out := make([][]string, len(groups))
	for i, g := range groups {
		out[i] = append([]string(nil), g...)
	}
	return out
}

// maxQueryRewrites bounds the synonym rewrites of one question that answer
// selection compares (each costs an analysis of the short text).
const maxQueryRewrites = 16

// queryTerms is a customer's question as answer selection compares it:
// its own terms, and those of each rewrite that puts a synonym in place of
// a word it uses (福豆怎么用 → 积分怎么用 when 福豆 = 积分), so that an
// article written with the other word matches as closely as if the
// customer had used that word. Search expands queries with the same list
// (textQuery).
type queryTerms struct {
	own      termSet
	rewrites []rewriteTerms
}

type rewriteTerms struct {
	terms termSet // of the rewritten question
	alt   termSet // of the synonym put in
}

// queryTerms analyses txt and its rewrites under the synonym list s (nil:
// none) into terms of d. keep says whether a candidate article uses a
// synonym (has all its terms in a title or question): a rewrite putting
// in one that no candidate uses cannot bring the question closer to any,
// and is not analysed. Most are not, which keeps an answer's cost near
// what it is without synonyms.
func (k *KB) queryTerms(d *termDict, s *synonymSnapshot, txt string, keep func(alt string) bool) queryTerms {
	qt := queryTerms{own: k.termSet(d, txt)}
	if s == nil {
		return qt
	}
	for _, r := range s.m.rewrites(text.Normalize(txt), keep, maxQueryRewrites) {
		qt.rewrites = append(qt.rewrites, rewriteTerms{terms: k.termSet(d, r.text), alt: d.setOf(s.terms[r.alt])})
	}
	return qt
}

// anySynonym keeps every rewrite (the candidates are not known when the
// question is analysed).
func anySynonym(string) bool { return true }

// bestSimilarity is the best Dice coefficient between the question's terms
// and one of sets (an article's title and questions), or between a
// rewrite's terms and a set that holds its synonym: to any other set it
// could only seem closer by being shorter.
func bestSimilarity(qt queryTerms, sets []termSet) float64 {
	best := 0.0
	for _, set := range sets {
		best = max(best, dice(qt.own, set))
	}
	for _, r := range qt.rewrites {
		for _, set := range sets {
			if holdsAll(set, r.alt) {
				best = max(best, dice(r.terms, set))
			}
		}
	}
	return best
}

// rewrites returns the normalised question nq with one member of a
// synonym group it names replaced by another member of that group, for
// each such pair whose replacement keep accepts (at most limit). Members
// the question already names, or that contain one it names (地址 /
// 收货地址), are not put in.
func (s *synonyms) rewrites(nq string, keep func(alt string) bool, limit int) []rewrite {
	if s == nil || len(s.groups) == 0 {
		return nil
	}
	words := latinWords(nq)
	stems := make([]string, len(words))
	for i, w := range words {
		stems[i] = w.stem
	}
	names := func(t synTerm) bool {
		if t.words == nil {
			return strings.Contains(nq, t.text)
		}
		return containsSeq(stems, t.words)
	}
	var out []rewrite
	var present []bool // reused: most groups are not named at all
	for _, gi := range s.named(nq, stems) {
		g := s.groups[gi]
		if !slices.ContainsFunc(g, names) {
			continue
		}
		present = present[:0]
		for _, t := range g {
			present = append(present, names(t))
		}
		for i, p := range g {
			if !present[i] {
				continue
			}
			for j, alt := range g {
				if present[j] || overlapsPresent(g, present, alt) || !keep(alt.text) {
					continue
				}
				out = append(out, rewrite{text: replaceMember(nq, words, stems, p, alt.text), alt: alt.text})
				if len(out) == limit {
					return out
				}
			}
		}
	}
	return out
}

// rewrite is a question with a synonym put in.
type rewrite struct {
	text string
	alt  string // the synonym put in (normalised)
}

// latinWord is a word of a question as stemWords splits it, with its
// place in the text.
type latinWord struct {
	start, end int // byte offsets
	stem       string
}

func latinWords(s string) []latinWord {
	var out []latinWord
	var st stemmer
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		switch {
		case isASCII(w):
			// What stemWords makes of it, without its allocations.
			out = append(out, latinWord{start, end, st.stem(strings.ToLower(w))})
		default:
			if stems := stemWords(w); len(stems) == 1 {
				out = append(out, latinWord{start, end, stems[0]})
			}
		}
		start = -1
	}
	for i, r := range s {
		if (unicode.IsLetter(r) || unicode.IsDigit(r)) && !text.IsCJK(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// replaceMember puts alt in place of member p in nq: every occurrence of
// a Chinese member, the first run of an English member's words.
func replaceMember(nq string, words []latinWord, stems []string, p synTerm, alt string) string {
	if p.words == nil {
		return strings.ReplaceAll(nq, p.text, alt)
	}
	for i := 0; i+len(p.words) <= len(stems); i++ {
		if slices.Equal(stems[i:i+len(p.words)], p.words) {
			return nq[:words[i].start] + alt + nq[words[i+len(p.words)-1].end:]
		}
	}
	return nq
}
