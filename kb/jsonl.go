package kb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Import limits.
const (
	MaxImportLine     = 1 << 20 // bytes per line
	MaxImportArticles = 200_000
)

// Import reads JSON Lines of articles (the shape of the HTTP contract; a
// blank line is skipped) and creates or replaces all of them in one store
// transaction, then indexes them. It is atomic: a bad line rejects the
// whole file with an error naming the line, and nothing is imported. IDs
// are kept (a missing one is assigned); versions in the file are ignored.
// It returns how many articles were imported.
//
// Errors: errs.Invalid ("line N: ..."); store errors.
func (k *KB) Import(ctx context.Context, r io.Reader, by string) (int, error) {
	if err := k.alive(); err != nil {
		return 0, err
	}
	if err := checkBy(by); err != nil {
		return 0, err
	}
	as, err := parseJSONL(r)
	if err != nil {
		return 0, err
	}
	if len(as) == 0 {
		return 0, nil
	}
	for i := range as {
		if as[i].ID == "" {
			as[i].ID = newID()
		}
	}
	k.wmu.Lock()
	defer k.wmu.Unlock()
	out, err := k.st.ImportArticles(ctx, as, by)
	if err != nil {
		return 0, err
	}
	return len(out), k.indexChanged(out, nil)
}

// parseJSONL decodes and validates every line of r. Unknown fields are an
// error (a misspelt "anwser" must not import an article without answer).
func parseJSONL(r io.Reader) ([]store.Article, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []store.Article
	lineOf := map[string]int{}
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, errLineTooLong) {
			return nil, errs.E(errs.Invalid, "Line %d is longer than %d bytes.", n, MaxImportLine)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("kb: read import: %w", err)
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			a, perr := parseLine(t)
			if perr != nil {
				return nil, errs.E(errs.Invalid, "Line %d: %s", n, errs.Message(perr))
			}
			if a.ID != "" {
				if prev, dup := lineOf[a.ID]; dup {
					return nil, errs.E(errs.Invalid, "Line %d: the ID %q is already on line %d.", n, a.ID, prev)
				}
				lineOf[a.ID] = n
			}
			if len(out) == MaxImportArticles {
				return nil, errs.E(errs.Invalid, "Line %d: a file holds at most %d articles.", n, MaxImportArticles)
			}
			out = append(out, a)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline; io.EOF with the
// last (possibly empty) line.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxImportLine+1 {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return bytes.TrimSuffix(line, []byte("\n")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, err
		}
	}
}

func parseLine(b []byte) (store.Article, error) {
	if !utf8.Valid(b) {
		return store.Article{}, errs.E(errs.Invalid, "not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var a store.Article
	if err := dec.Decode(&a); err != nil {
		return store.Article{}, errs.E(errs.Invalid, "not a JSON article: %v.", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return store.Article{}, errs.E(errs.Invalid, "more than one JSON value.")
	}
	a.Version, a.UpdatedBy, a.UpdatedAt = 0, "", time.Time{}
	a, err := normalizeArticle(a)
	if err != nil {
		return store.Article{}, err
	}
	return a, nil
}

// Export writes every article, drafts included, as JSON Lines that Import
// reads back.
//
// Errors: store errors; the writer's error.
func (k *KB) Export(ctx context.Context, w io.Writer) error {
	if err := k.alive(); err != nil {
		return err
	}
	arts, err := k.st.Articles(ctx, storeAll)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, a := range arts {
		if a.Questions == nil {
			a.Questions = []string{}
		}
		if a.Tags == nil {
			a.Tags = []string{}
		}
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return bw.Flush()
}
