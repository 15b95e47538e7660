package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb"
	"github.com/kefu-ai/kefu/store"
)

// articles is a tiny in-memory knowledge base behind the KB double, with
// optimistic versions.
func articles(e *env) map[string]store.Article {
	m := map[string]store.Article{
		"a-1": {ID: "a-1", Title: "退货政策", Questions: []string{"怎么退货"}, Answer: "7天无理由", Tags: []string{}, Locale: "zh", Status: "published", Version: 3},
	}
	f := e.f.KB
	f.GetFunc = func(_ context.Context, id string) (store.Article, error) {
		a, ok := m[id]
		if !ok {
			return store.Article{}, errs.E(errs.NotFound, "No article %s.", id)
		}
		return a, nil
	}
	f.CreateFunc = func(_ context.Context, a store.Article, by string) (store.Article, error) {
		if a.ID == "" {
			a.ID = "a-new"
		}
		if _, ok := m[a.ID]; ok {
			return store.Article{}, errs.E(errs.Conflict, "Article %s exists.", a.ID)
		}
		a.Version, a.UpdatedBy = 1, by
		m[a.ID] = a
		return a, nil
	}
	f.UpdateFunc = func(_ context.Context, a store.Article, by string) (store.Article, error) {
		cur, ok := m[a.ID]
		if !ok {
			return store.Article{}, errs.E(errs.NotFound, "No article %s.", a.ID)
		}
		if cur.Version != a.Version {
			return store.Article{}, errs.E(errs.Conflict, "Article %s is at version %d, not %d.", a.ID, cur.Version, a.Version)
		}
		a.Version, a.UpdatedBy = cur.Version+1, by
		m[a.ID] = a
		return a, nil
	}
	f.DeleteFunc = func(_ context.Context, id, by string) error {
		if _, ok := m[id]; !ok {
			return errs.E(errs.NotFound, "No article %s.", id)
		}
		delete(m, id)
		return nil
	}
	f.RestoreFunc = func(_ context.Context, id string, v int, by string) (store.Article, error) {
		cur, ok := m[id]
		switch {
		case !ok:
			return store.Article{}, errs.E(errs.NotFound, "No article %s.", id)
		case v >= cur.Version:
			return store.Article{}, errs.E(errs.Conflict, "Version %d is not an earlier version.", v)
		}
		cur.Version++
		m[id] = cur
		return cur, nil
	}
	f.HistoryFunc = func(_ context.Context, id string) ([]store.ArticleRevision, error) {
		if _, ok := m[id]; !ok {
			return nil, errs.E(errs.NotFound, "No article %s.", id)
		}
		return []store.ArticleRevision{{ArticleID: id, Version: 1, Op: "create", By: "editor", Article: m[id]}}, nil
	}
	return m
}

func TestArticles(t *testing.T) {
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		want   string // fragment of a 2xx body
		calls  string // a KB method that must not be called on rejection
	}{
		{name: "get", r: req{method: "GET", path: "/v1/kb/articles/a-1"}, status: 200, want: `"title":"退货政策"`},
		{name: "get missing", r: req{method: "GET", path: "/v1/kb/articles/nope"}, status: 404, code: errs.NotFound},
		{name: "create", r: req{method: "POST", path: "/v1/kb/articles",
			body: `{"title":"运费","questions":["退货运费谁出"],"answer":"质量问题商家承担","tags":["退货"],"locale":"zh","status":"draft"}`},
			status: 201, want: `"version":1,"updated_at":"0001-01-01T00:00:00Z","updated_by":"editor"`},
		{name: "create with markup", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"<b>x</b>","answer":"<script>alert(1)</script>"}`},
			status: 201, want: `"answer":"\u003cscript\u003ealert(1)\u003c/script\u003e"`},
		{name: "create existing id", r: req{method: "POST", path: "/v1/kb/articles", body: `{"id":"a-1","title":"t","answer":"a"}`}, status: 409, code: errs.Conflict},
		{name: "create without title", r: req{method: "POST", path: "/v1/kb/articles", body: `{"answer":"a"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create blank answer", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":" \n"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create bad status", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"a","status":"live"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create bad time", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"a","valid_from":"tomorrow"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create inverted validity", r: req{method: "POST", path: "/v1/kb/articles",
			body: `{"title":"t","answer":"a","valid_from":"2025-01-02T00:00:00Z","valid_until":"2025-01-01T00:00:00Z"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create bidi title", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t\u202e","answer":"a"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create answer with CRLF", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"line 1\r\nline 2"}`},
			status: 201, want: `"answer":"line 1\r\nline 2"`},
		{name: "create question with newline", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"a","questions":["a\nb"]}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create answer with NUL", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"a\u0000"}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "create question not string", r: req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"a","questions":[1]}`}, status: 400, code: errs.Invalid, calls: "Create"},
		{name: "update", r: req{method: "PUT", path: "/v1/kb/articles/a-1", body: `{"title":"退货政策","answer":"15天无理由","version":3}`},
			status: 200, want: `"version":4`},
		{name: "update stale", r: req{method: "PUT", path: "/v1/kb/articles/a-1", body: `{"title":"退货政策","answer":"15天","version":2}`}, status: 409, code: errs.Conflict},
		{name: "update without version", r: req{method: "PUT", path: "/v1/kb/articles/a-1", body: `{"title":"t","answer":"a"}`}, status: 400, code: errs.Invalid, calls: "Update"},
		{name: "update other id", r: req{method: "PUT", path: "/v1/kb/articles/a-1", body: `{"id":"a-2","title":"t","answer":"a","version":3}`}, status: 400, code: errs.Invalid, calls: "Update"},
		{name: "update missing", r: req{method: "PUT", path: "/v1/kb/articles/nope", body: `{"title":"t","answer":"a","version":1}`}, status: 404, code: errs.NotFound},
		{name: "delete", r: req{method: "DELETE", path: "/v1/kb/articles/a-1"}, status: 204},
		{name: "delete missing", r: req{method: "DELETE", path: "/v1/kb/articles/nope"}, status: 404, code: errs.NotFound},
		{name: "history", r: req{method: "GET", path: "/v1/kb/articles/a-1/history"}, status: 200, want: `{"items":[{"article_id":"a-1","version":1,"op":"create"`},
		{name: "restore", r: req{method: "POST", path: "/v1/kb/articles/a-1/restore", body: `{"version":1}`}, status: 200, want: `"version":4`},
		{name: "restore current", r: req{method: "POST", path: "/v1/kb/articles/a-1/restore", body: `{"version":3}`}, status: 409, code: errs.Conflict},
		{name: "restore without version", r: req{method: "POST", path: "/v1/kb/articles/a-1/restore", body: `{}`}, status: 400, code: errs.Invalid, calls: "Restore"},
		{name: "restore version 0", r: req{method: "POST", path: "/v1/kb/articles/a-1/restore", body: `{"version":0}`}, status: 400, code: errs.Invalid, calls: "Restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			articles(e)
			tt.r.token = editorToken
			rr := e.do(tt.r)
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if tt.calls != "" && e.f.KB.Count(tt.calls) != 0 {
					t.Errorf("%s calls: got %d, want 0 for rejected input", tt.calls, e.f.KB.Count(tt.calls))
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if !strings.Contains(rr.Body.String(), tt.want) {
				t.Errorf("body: got %s, want it to contain %s", rr.Body.String(), tt.want)
			}
		})
	}
}

func TestListArticles(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		status int
		want   store.ArticleFilter
	}{
		{name: "defaults", query: "", status: 200, want: store.ArticleFilter{Limit: 50}},
		{name: "filters", query: "?locale=zh&status=published&intent=return_policy&tag=%E9%80%80%E8%B4%A7&limit=5&offset=10", status: 200,
			want: store.ArticleFilter{Locale: "zh", Status: "published", Intent: "return_policy", Tag: "退货", Limit: 5, Offset: 10}},
		{name: "bad limit", query: "?limit=ten", status: 400},
		{name: "negative offset", query: "?offset=-1", status: 400},
		{name: "limit too big", query: "?limit=100000", status: 400},
		{name: "bad status", query: "?status=archived", status: 400},
		{name: "control in tag", query: "?tag=a%00", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got store.ArticleFilter
			e.f.KB.ListFunc = func(_ context.Context, f store.ArticleFilter) ([]store.Article, error) {
				got = f
				return nil, nil
			}
			rr := e.do(req{method: "GET", path: "/v1/kb/articles" + tt.query, token: editorToken})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, errs.Invalid)
				if e.f.KB.Count("List") != 0 {
					t.Errorf("List was called for rejected input")
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if rr.Body.String() != `{"items":[]}` {
				t.Errorf("body: got %s, want {\"items\":[]}", rr.Body.String())
			}
			if got != tt.want {
				t.Errorf("filter: got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		status int
		want   kb.SearchRequest
	}{
		{name: "query", query: "?q=%E9%80%80%E8%B4%A7&locale=zh", status: 200, want: kb.SearchRequest{Query: "退货", Locale: "zh", Limit: 10}},
		{name: "live with limit", query: "?q=refund&limit=3&live=true", status: 200, want: kb.SearchRequest{Query: "refund", Limit: 3, Live: true}},
		{name: "sql in query is data", query: "?q=%27+OR+1%3D1+--", status: 200, want: kb.SearchRequest{Query: "' OR 1=1 --", Limit: 10}},
		{name: "no query", query: "", status: 400},
		{name: "blank query", query: "?q=+++", status: 400},
		{name: "invalid UTF-8", query: "?q=%FF", status: 400},
		{name: "bidi", query: "?q=a%E2%80%AE", status: 400},
		{name: "bad live", query: "?q=a&live=maybe", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got kb.SearchRequest
			e.f.KB.SearchFunc = func(_ context.Context, r kb.SearchRequest) ([]kb.Hit, error) {
				got = r
				return []kb.Hit{{ID: "a-1", Score: 1.5, Title: "退货政策"}}, nil
			}
			rr := e.do(req{method: "GET", path: "/v1/kb/search" + tt.query, token: editorToken})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, errs.Invalid)
				if e.f.KB.Count("Search") != 0 {
					t.Errorf("Search was called for rejected input")
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if want := `{"hits":[{"id":"a-1","score":1.5,"title":"退货政策"}]}`; rr.Body.String() != want {
				t.Errorf("body: got %s, want %s", rr.Body.String(), want)
			}
			if got.Now.IsZero() {
				t.Errorf("search request has no Now")
			}
			got.Now = tt.want.Now
			if got != tt.want {
				t.Errorf("search: got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestImport(t *testing.T) {
	good := `{"id":"a-1","title":"退货","answer":"7天","questions":["怎么退"],"tags":[],"locale":"zh","status":"published"}` + "\n\n" +
		`{"title":"Refunds","answer":"Within 7 days.","locale":"en"}` + "\n"
	tests := []struct {
		name    string
		body    string
		limit   int64
		status  int
		code    string
		message string
	}{
		{name: "two articles", body: good, status: 200},
		{name: "bad JSON on line 3", body: `{"title":"a","answer":"b"}` + "\n\n" + `{"title":` + "\n", status: 400, code: errs.Invalid, message: "Line 3"},
		{name: "invalid UTF-8 on line 2", body: `{"title":"a","answer":"b"}` + "\n" + "{\"title\":\"\xff\",\"answer\":\"b\"}", status: 400, code: errs.Invalid, message: "Line 2"},
		{name: "missing title on line 1", body: `{"answer":"b"}`, status: 400, code: errs.Invalid, message: "Line 1"},
		{name: "array line", body: `[1,2]`, status: 400, code: errs.Invalid, message: "Line 1"},
		{name: "deep line", body: `{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, status: 400, code: errs.Invalid, message: "Line 1"},
		{name: "empty", body: "\n\n", status: 400, code: errs.Invalid},
		{name: "too large", body: good, limit: 64, status: 413, code: errs.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *apiConfig, _ *apiDeps) {
				if tt.limit != 0 {
					c.ImportLimit = tt.limit
				}
			})
			var got []byte
			e.f.KB.ImportFunc = func(_ context.Context, r io.Reader, by string) (int, error) {
				got, _ = io.ReadAll(r)
				return 2, nil
			}
			rr := e.do(req{method: "POST", path: "/v1/kb/import", body: tt.body, token: editorToken,
				header: map[string]string{"Content-Type": "application/x-ndjson"}})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if !strings.Contains(rr.Body.String(), tt.message) {
					t.Errorf("message: got %s, want it to name %q", rr.Body.String(), tt.message)
				}
				if e.f.KB.Count("Import") != 0 {
					t.Errorf("Import was called for rejected input")
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if rr.Body.String() != `{"imported":2}` {
				t.Errorf("body: got %s, want {\"imported\":2}", rr.Body.String())
			}
			if string(got) != tt.body {
				t.Errorf("import got %q, want the body verbatim %q", got, tt.body)
			}
		})
	}
}

func TestImportLargerThanBodyLimit(t *testing.T) {
	e := newEnv(t)
	e.f.KB.ImportFunc = func(_ context.Context, r io.Reader, by string) (int, error) { return 1, nil }
	var b bytes.Buffer
	for b.Len() < 200<<10 { // 200 KiB: over the JSON body limit, under the import limit
		b.WriteString(`{"title":"t","answer":"` + strings.Repeat("答", 1000) + `"}` + "\n")
	}
	rr := e.do(req{method: "POST", path: "/v1/kb/import", body: b.String(), token: editorToken})
	wantStatus(t, rr, http.StatusOK)
}

func TestExport(t *testing.T) {
	t.Run("lines", func(t *testing.T) {
		e := newEnv(t)
		e.f.KB.ExportFunc = func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, `{"id":"a-1"}`+"\n"+`{"id":"a-2"}`+"\n")
			return err
		}
		rr := e.do(req{method: "GET", path: "/v1/kb/export", token: editorToken})
		wantStatus(t, rr, http.StatusOK)
		if ct := rr.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/x-ndjson") {
			t.Errorf("Content-Type: got %q, want application/x-ndjson", ct)
		}
		if want := `{"id":"a-1"}` + "\n" + `{"id":"a-2"}` + "\n"; rr.Body.String() != want {
			t.Errorf("body: got %q, want %q", rr.Body.String(), want)
		}
	})
	t.Run("empty", func(t *testing.T) {
		e := newEnv(t)
		e.f.KB.ExportFunc = func(context.Context, io.Writer) error { return nil }
		rr := e.do(req{method: "GET", path: "/v1/kb/export", token: editorToken})
		wantStatus(t, rr, http.StatusOK)
		if ct := rr.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/x-ndjson") {
			t.Errorf("Content-Type: got %q, want application/x-ndjson", ct)
		}
	})
	t.Run("fails before writing", func(t *testing.T) {
		e := newEnv(t)
		e.f.KB.ExportFunc = func(context.Context, io.Writer) error { return errs.E(errs.Unavailable, "The store is unavailable.") }
		wantError(t, e.do(req{method: "GET", path: "/v1/kb/export", token: editorToken}), http.StatusServiceUnavailable, errs.Unavailable)
	})
	t.Run("fails midway: connection cut", func(t *testing.T) {
		e := newEnv(t)
		e.f.KB.ExportFunc = func(_ context.Context, w io.Writer) error {
			io.WriteString(w, `{"id":"a-1"}`+"\n")
			return errors.New("disk gone")
		}
		ts := newHTTPServer(t, e)
		r, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/kb/export", nil)
		r.Header.Set("Authorization", "Bearer "+editorToken)
		resp, err := ts.Client().Do(r)
		if err != nil {
			return // cut before the headers: also fine
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Errorf("reading a failed export: got no error, want the stream cut so it cannot pass for whole")
		}
	})
}

func TestUnanswered(t *testing.T) {
	e := newEnv(t)
	var limit int
	e.f.KB.UnansweredFunc = func(_ context.Context, n int) ([]store.Unanswered, error) {
		limit = n
		return []store.Unanswered{{Key: "能开发票吗", Example: "能开发票吗？", Locale: "zh", Count: 3}}, nil
	}
	rr := e.do(req{method: "GET", path: "/v1/kb/unanswered?limit=7", token: editorToken})
	wantStatus(t, rr, http.StatusOK)
	if limit != 7 || !strings.Contains(rr.Body.String(), `{"items":[{"key":"能开发票吗"`) {
		t.Errorf("unanswered: got limit %d and body %s, want limit 7 and the item", limit, rr.Body.String())
	}
	wantError(t, e.do(req{method: "GET", path: "/v1/kb/unanswered?limit=x", token: editorToken}), 400, errs.Invalid)

	var keys []string
	e.f.KB.DismissUnansweredFunc = func(_ context.Context, key string) error {
		keys = append(keys, key)
		if key == "nope" {
			return errs.E(errs.NotFound, "No such question.")
		}
		return nil
	}
	wantStatus(t, e.do(req{method: "DELETE", path: "/v1/kb/unanswered/%E9%80%80%E8%B4%A7%2F%E6%8D%A2%E8%B4%A7", token: editorToken}), http.StatusNoContent)
	wantStatus(t, e.do(req{method: "DELETE", path: "/v1/kb/unanswered/can%20I%20pay", token: editorToken}), http.StatusNoContent)
	wantError(t, e.do(req{method: "DELETE", path: "/v1/kb/unanswered/nope", token: editorToken}), 404, errs.NotFound)
	wantError(t, e.do(req{method: "DELETE", path: "/v1/kb/unanswered/", token: editorToken}), 400, errs.Invalid)
	wantError(t, e.do(req{method: "DELETE", path: "/v1/kb/unanswered/a%00b", token: editorToken}), 400, errs.Invalid)
	if want := []string{"退货/换货", "can I pay", "nope"}; strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("dismissed: got %q, want %q", keys, want)
	}
}
