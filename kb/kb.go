package kb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/kefu-ai/kefu/errs"
)

// Config is the knowledge base's part of kefu's configuration.
type Config struct {
	// IndexDir holds the Bleve index (one sub-directory per generation and
	// a CURRENT file naming the live one). Required.
	IndexDir string
	// Synonyms are groups of interchangeable words or phrases ("快递",
	// "物流", "包裹"; "refund", "money back"). A query naming one member
	// also searches the others. nil means DefaultSynonyms; an empty,
	// non-nil slice turns expansion off. They apply until editors save
	// their own list (SetSynonyms), which the store keeps.
	Synonyms [][]string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// KB is the knowledge base. It is safe for concurrent use: searches and
// answers run against an immutable index snapshot while editors write.
type KB struct {
	st      ArticleStore
	now     func() time.Time
	syn     liveSynonyms // see synonymset.go
	tune    tuning
	mapping *mapping.IndexMappingImpl
	main    analysis.Analyzer
	answer  analysis.Analyzer // main for answer selection (see answerAnalyzer)
	dir     string

	// wmu serialises writers (editor operations, the replay and swap at
	// the end of Reindex), so the index sees changes in the store's order.
	wmu        sync.Mutex
	rebuilding bool                // guarded by wmu
	dirty      map[string]struct{} // guarded by wmu; IDs changed during a rebuild

	reindexMu sync.Mutex // one Reindex at a time
	cur       atomic.Pointer[handle]
	closed    atomic.Bool

	acache atomic.Pointer[answerCache] // see answercache.go
	agen   atomic.Uint64
	abuild sync.Mutex // one answer cache build at a time

	// rankSlots bounds the rankings running at once to the CPUs: a
	// ranking is pure CPU work, so more at once only preempt each other
	// (twenty searchers on two cores then took 265 ms at p99 instead of
	// queueing in order) and starve editors' writes.
	rankSlots chan struct{}
}

// handle is one generation of the index. Readers hold mu.RLock while they
// use idx; closing takes the write lock, so it waits for in-flight searches.
type handle struct {
	idx      bleveIndex
	dir      string
	postings *postingsCache // the ranker's postings (postings.go)
	mu       sync.RWMutex
	closed   bool
}

func (h *handle) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	return h.idx.Close()
}

const currentFile = "CURRENT"

// Open opens the knowledge base over st. It opens the index in
// cfg.IndexDir, brings it up to date with the store, or builds it from the
// store when it is missing, unreadable or of an older mapping version.
//
// Errors: errs.Invalid for a bad Config, errs.Unavailable when another
// process holds the index, store errors as they come.
func Open(ctx context.Context, cfg Config, st ArticleStore) (*KB, error) {
	return open(ctx, cfg, st, defaultTuning)
}

func open(ctx context.Context, cfg Config, st ArticleStore, t tuning) (*KB, error) {
	if strings.TrimSpace(cfg.IndexDir) == "" {
		return nil, errs.E(errs.Invalid, "kb: IndexDir is required.")
	}
	if st == nil {
		return nil, errs.E(errs.Invalid, "kb: an article store is required.")
	}
	m, err := buildMapping(t)
	if err != nil {
		return nil, fmt.Errorf("kb: mapping: %w", err)
	}
	main := m.AnalyzerNamed(analyzerMain)
	if main == nil {
		return nil, fmt.Errorf("kb: analyzer %s missing", analyzerMain)
	}
	k := &KB{st: st, now: cfg.Now, tune: t, mapping: m, main: main, answer: answerAnalyzer(main), dir: cfg.IndexDir,
		rankSlots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if k.now == nil {
		k.now = time.Now
	}
	if err := k.loadSynonyms(ctx, cfg.Synonyms); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.IndexDir, 0o755); err != nil {
		return nil, fmt.Errorf("kb: index dir: %w", err)
	}
	h, err := k.openCurrent()
	if err != nil {
		return nil, err
	}
	if h != nil {
		if err := k.reconcile(ctx, h); err != nil {
			h.close()
			return nil, err
		}
	} else {
		arts, err := st.Articles(ctx, storeAll)
		if err != nil {
			return nil, err
		}
		if h, err = k.build(ctx, arts); err != nil {
			return nil, err
		}
		if err := k.writeCurrent(h.dir); err != nil {
			h.close()
			return nil, err
		}
	}
	k.cur.Store(h)
	k.removeStale(h.dir)
	// Build the answer cache now rather than in the first customers'
	// requests.
	if _, err := k.answers(ctx); err != nil {
		h.close()
		return nil, err
	}
	return k, nil
}

// openCurrent opens the generation CURRENT names; nil (without error) when
// there is none or it must be rebuilt.
func (k *KB) openCurrent() (*handle, error) {
	b, err := os.ReadFile(filepath.Join(k.dir, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kb: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if name == "" || strings.ContainsAny(name, `/\`) || !strings.HasPrefix(name, genPrefix) {
		return nil, nil
	}
	dir := filepath.Join(k.dir, name)
	if _, err := os.Stat(dir); err != nil {
		return nil, nil
	}
	idx, err := openBleve(dir)
	if err != nil {
		if isLocked(err) {
			return nil, errs.E(errs.Unavailable, "The knowledge-base index %s is in use by another process.", dir)
		}
		return nil, nil // unreadable or of an unknown mapping: rebuild
	}
	v, err := idx.GetInternal([]byte(internalMappingKey))
	if err != nil || string(v) != k.tune.mappingVersion() {
		idx.Close()
		return nil, nil
	}
	return &handle{idx: idx, dir: dir, postings: newPostingsCache()}, nil
}

// writeCurrent points CURRENT at dir atomically (write, sync, rename).
func (k *KB) writeCurrent(dir string) error {
	tmp := filepath.Join(k.dir, currentFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("kb: %w", err)
	}
	_, werr := f.WriteString(filepath.Base(dir) + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("kb: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(k.dir, currentFile)); err != nil {
		return fmt.Errorf("kb: %w", err)
	}
	return nil
}

// removeStale deletes generations other than keep (left by a crash during
// a rebuild, or replaced ones).
func (k *KB) removeStale(keep string) {
	ents, err := os.ReadDir(k.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		p := filepath.Join(k.dir, e.Name())
		if e.IsDir() && strings.HasPrefix(e.Name(), genPrefix) && p != keep {
			os.RemoveAll(p)
		}
	}
}

// acquire returns the live generation read-locked; call release when done.
func (k *KB) acquire() (*handle, error) {
	for {
		h := k.cur.Load()
		if h == nil || k.closed.Load() {
			return nil, errs.E(errs.Unavailable, "The knowledge base is closed.")
		}
		h.mu.RLock()
		if !h.closed {
			return h, nil
		}
		h.mu.RUnlock() // swapped out meanwhile: take the new one
	}
}

func (h *handle) release() { h.mu.RUnlock() }

// Close closes the index. In-flight searches finish first.
func (k *KB) Close() error {
	if k.closed.Swap(true) {
		return nil
	}
	k.reindexMu.Lock()
	defer k.reindexMu.Unlock()
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if h := k.cur.Swap(nil); h != nil {
		return h.close()
	}
	return nil
}

func (k *KB) alive() error {
	if k.closed.Load() {
		return errs.E(errs.Unavailable, "The knowledge base is closed.")
	}
	return nil
}
