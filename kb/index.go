package kb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

type bleveIndex = bleve.Index

const (
	genPrefix          = "index-"
	internalMappingKey = "kefu:mapping_version"
	batchSize          = 1000
	// boltTimeout bounds the wait for the index's lock: a second process
	// opening the same directory fails instead of blocking forever.
	boltTimeout = "2s"
	// Open-ended validity windows are indexed as these instants (seconds).
	farPast   = -1e12
	farFuture = 1e12
)

// storeAll lists every article (a zero filter matches everything).
var storeAll = store.ArticleFilter{}

func openBleve(dir string) (bleve.Index, error) {
	return bleve.OpenUsing(dir, map[string]any{"bolt_timeout": boltTimeout})
}

// isLocked reports whether opening failed because another process holds
// the index.
func isLocked(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "timeout")
}

// newGenDir returns a fresh, not yet existing generation directory.
func (k *KB) newGenDir() string {
	base := genPrefix + strconv.FormatInt(time.Now().UnixNano(), 10)
	dir := filepath.Join(k.dir, base)
	for i := 1; ; i++ {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return dir
		}
		dir = filepath.Join(k.dir, fmt.Sprintf("%s-%d", base, i))
	}
}

// build makes a new generation holding arts.
func (k *KB) build(ctx context.Context, arts []store.Article) (*handle, error) {
	dir := k.newGenDir()
	idx, err := bleve.NewUsing(dir, k.mapping, scorch.Name, bleve.Config.DefaultKVStore,
		map[string]any{"bolt_timeout": boltTimeout})
	if err != nil {
		return nil, fmt.Errorf("kb: create index: %w", err)
	}
	h := &handle{idx: idx, dir: dir, postings: newPostingsCache()}
	fail := func(err error) (*handle, error) {
		h.close()
		os.RemoveAll(dir)
		return nil, err
	}
	if err := idx.SetInternal([]byte(internalMappingKey), []byte(k.tune.mappingVersion())); err != nil {
		return fail(fmt.Errorf("kb: %w", err))
	}
	for i := 0; i < len(arts); i += batchSize {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if err := k.apply(h, arts[i:min(i+batchSize, len(arts))], nil); err != nil {
			return fail(err)
		}
	}
	return h, nil
}

// apply indexes upserts and removes deletes in one batch: visible to
// searches when it returns.
func (k *KB) apply(h *handle, upserts []store.Article, deletes []string) error {
	if len(upserts) == 0 && len(deletes) == 0 {
		return nil
	}
	b := h.idx.NewBatch()
	for _, a := range upserts {
		if err := b.Index(a.ID, k.toDoc(a)); err != nil {
			return fmt.Errorf("kb: index %s: %w", a.ID, err)
		}
	}
	for _, id := range deletes {
		b.Delete(id)
	}
	if err := h.idx.Batch(b); err != nil {
		return fmt.Errorf("kb: index batch: %w", err)
	}
	k.invalidateAnswers()
	return nil
}

// placeholderRE matches template placeholders, which are not words of the
// answer.
var placeholderRE = regexp.MustCompile(`\{\{[^{}]*\}\}`)

func (k *KB) toDoc(a store.Article) map[string]any {
	from, until := farPast, farFuture
	if a.ValidFrom != nil {
		from = float64(a.ValidFrom.Unix())
	}
	if a.ValidUntil != nil {
		until = float64(a.ValidUntil.Unix())
	}
	d := map[string]any{
		fAnswer:   placeholderRE.ReplaceAllString(a.Answer, " "),
		fTags:     a.Tags,
		fIntent:   a.Intent,
		fLocale:   a.Locale,
		fStatus:   a.Status,
		fFrom:     from,
		fUntil:    until,
		fStamp:    stamp(a),
		fTitleRaw: a.Title,
	}
	if a.ValidFrom != nil || a.ValidUntil != nil {
		d[fWindowed] = windowedTerm
	}
	if k.tune.Separate {
		d[fTitle] = a.Title
		d[fQuestions] = a.Questions
	} else {
		d[fText] = append([]string{a.Title}, a.Questions...)
	}
	return d
}

// stamp identifies an article's state: a changed article has a new one.
func stamp(a store.Article) string {
	return strconv.Itoa(a.Version) + "|" + a.UpdatedAt.UTC().Format(time.RFC3339Nano)
}

// indexStamps returns the stamp of every document in h.
func indexStamps(ctx context.Context, h *handle) (map[string]string, error) {
	n, err := h.idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("kb: %w", err)
	}
	out := make(map[string]string, n)
	const page = 10000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), page, 0, false)
		req.Fields = []string{fStamp}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SearchAfter = after
		}
		res, err := h.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("kb: %w", err)
		}
		for _, hit := range res.Hits {
			s, _ := hit.Fields[fStamp].(string)
			out[hit.ID] = s
		}
		if len(res.Hits) < page {
			return out, nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// reconcile brings h up to date with the store: the store may have
// changed while the index was closed (another process, a crash between a
// store write and the index write).
func (k *KB) reconcile(ctx context.Context, h *handle) error {
	arts, err := k.st.Articles(ctx, storeAll)
	if err != nil {
		return err
	}
	have, err := indexStamps(ctx, h)
	if err != nil {
		return err
	}
	var up []store.Article
	for _, a := range arts {
		if s, ok := have[a.ID]; !ok || s != stamp(a) {
			up = append(up, a)
		}
		delete(have, a.ID)
	}
	var del []string
	for id := range have {
		del = append(del, id)
	}
	for len(up) > 0 || len(del) > 0 {
		nu, nd := min(len(up), batchSize), min(len(del), batchSize)
		if err := k.apply(h, up[:nu], del[:nd]); err != nil {
			return err
		}
		up, del = up[nu:], del[nd:]
	}
	return nil
}

// Reindex rebuilds the index from the store in a fresh directory and swaps
// it in atomically; searches keep running on the old index meanwhile.
// Changes editors make during the rebuild are replayed from the store into
// the new index before the swap, so nothing is lost.
//
// Errors: errs.Unavailable when closed; store errors; internal ones.
func (k *KB) Reindex(ctx context.Context) error {
	if err := k.alive(); err != nil {
		return err
	}
	k.reindexMu.Lock()
	defer k.reindexMu.Unlock()
	if err := k.alive(); err != nil {
		return err
	}

	k.wmu.Lock()
	k.rebuilding, k.dirty = true, make(map[string]struct{})
	k.wmu.Unlock()
	swapped := false
	defer func() {
		if !swapped {
			k.wmu.Lock()
			k.rebuilding, k.dirty = false, nil
			k.wmu.Unlock()
		}
	}()

	arts, err := k.st.Articles(ctx, storeAll)
	if err != nil {
		return err
	}
	nh, err := k.build(ctx, arts)
	if err != nil {
		return err
	}

	k.wmu.Lock()
	var up []store.Article
	var del []string
	var rerr error
	for id := range k.dirty {
		a, err := k.st.Article(ctx, id)
		switch {
		case err == nil:
			up = append(up, a)
		case errs.Is(err, errs.NotFound):
			del = append(del, id)
		default:
			rerr = err
		}
		if rerr != nil {
			break
		}
	}
	if rerr == nil {
		rerr = k.apply(nh, up, del)
	}
	if rerr == nil {
		rerr = k.writeCurrent(nh.dir)
	}
	if rerr != nil {
		k.wmu.Unlock()
		nh.close()
		os.RemoveAll(nh.dir)
		return rerr
	}
	old := k.cur.Swap(nh)
	k.invalidateAnswers()
	k.rebuilding, k.dirty = false, nil
	swapped = true
	k.wmu.Unlock()

	if old != nil {
		old.close() // waits for in-flight searches on it
		os.RemoveAll(old.dir)
	}
	return nil
}

// indexChanged makes store changes visible in the index; the caller holds
// wmu. During a rebuild the IDs are remembered for the replay.
func (k *KB) indexChanged(upserts []store.Article, deletes []string) error {
	if k.rebuilding {
		for _, a := range upserts {
			k.dirty[a.ID] = struct{}{}
		}
		for _, id := range deletes {
			k.dirty[id] = struct{}{}
		}
	}
	h, err := k.acquire()
	if err != nil {
		return err
	}
	defer h.release()
	for len(upserts) > 0 || len(deletes) > 0 {
		nu, nd := min(len(upserts), batchSize), min(len(deletes), batchSize)
		if err := k.apply(h, upserts[:nu], deletes[:nd]); err != nil {
			return fmt.Errorf("kb: the change was saved but could not be indexed (run a reindex): %w", err)
		}
		upserts, deletes = upserts[nu:], deletes[nd:]
	}
	return nil
}
