package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func serve(t *testing.T, s *Site, method, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	rr := httptest.NewRecorder()
	s.ServeHTTP(rr, r)
	return rr
}

// TestEmbeddedRoutes serves the shipped files: the right type, a strict
// CSP on pages, an ETag everywhere.
func TestEmbeddedRoutes(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  string
		ctype string
		html  bool
		body  string // a piece of the body
	}{
		{path: "/", ctype: "text/html; charset=utf-8", html: true, body: `<script src="/widget.js"`},
		{path: "/demo/demo.css", ctype: "text/css; charset=utf-8", body: "body"},
		{path: "/demo/coat.svg", ctype: "image/svg+xml", body: "<svg"},
		{path: "/widget.js", ctype: "text/javascript; charset=utf-8", body: "attachShadow"},
		{path: "/widget/widget.js", ctype: "text/javascript; charset=utf-8", body: "attachShadow"},
		{path: "/widget/widget.css", ctype: "text/css; charset=utf-8", body: ":host"},
		{path: "/console", ctype: "text/html; charset=utf-8", html: true},
		{path: "/console/kb", ctype: "text/html; charset=utf-8", html: true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rr := serve(t, s, http.MethodGet, tt.path, nil)
			if rr.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200; body: %.200s", rr.Code, rr.Body)
			}
			h := rr.Header()
			if got := h.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type: got %q, want %q", got, tt.ctype)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			if h.Get("ETag") == "" || h.Get("Cache-Control") != "no-cache" {
				t.Errorf("caching: ETag %q, Cache-Control %q; want an ETag and no-cache", h.Get("ETag"), h.Get("Cache-Control"))
			}
			csp := h.Get("Content-Security-Policy")
			switch {
			case tt.html && csp != PageCSP:
				t.Errorf("CSP: got %q, want %q", csp, PageCSP)
			case !tt.html && csp != "":
				t.Errorf("CSP on a non-page: got %q, want none (the API's default applies)", csp)
			case !tt.html && h.Get("Cross-Origin-Resource-Policy") != "cross-origin":
				t.Errorf("Cross-Origin-Resource-Policy: got %q, want cross-origin", h.Get("Cross-Origin-Resource-Policy"))
			}
			if !strings.Contains(rr.Body.String(), tt.body) {
				t.Errorf("body: want it to hold %q, got %.300s", tt.body, rr.Body)
			}
			// Revalidation with the ETag is a 304 without a body.
			again := serve(t, s, http.MethodGet, tt.path, map[string]string{"If-None-Match": h.Get("ETag")})
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("If-None-Match: got %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
			}
		})
	}
}

func TestPageCSPIsStrict(t *testing.T) {
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
		"img-src 'self' data:", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(PageCSP, want) {
			t.Errorf("PageCSP %q lacks %q", PageCSP, want)
		}
	}
	if strings.Contains(PageCSP, "unsafe") {
		t.Errorf("PageCSP %q allows something unsafe", PageCSP)
	}
}

// TestNotServed: unknown files, other types, nested paths, other methods.
func TestNotServed(t *testing.T) {
	s, err := newSite(fstest.MapFS{
		"demo/index.html":       {Data: []byte("<!doctype html>")},
		"widget/widget.js":      {Data: []byte("//")},
		"widget/notes.md":       {Data: []byte("# notes")},
		"widget/icons/a.svg":    {Data: []byte("<svg/>")},
		"console/.gitkeep":      {},
		"console/index.html":    {Data: []byte("<!doctype html>")},
		"console/script.js.map": {Data: []byte("{}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/", http.StatusOK},
		{http.MethodHead, "/widget.js", http.StatusOK},
		{http.MethodGet, "/console", http.StatusOK},
		{http.MethodGet, "/console/kb", http.StatusNotFound}, // kb.html absent
		{http.MethodGet, "/widget/nope.js", http.StatusNotFound},
		{http.MethodGet, "/widget/notes.md", http.StatusNotFound},
		{http.MethodGet, "/widget/icons/a.svg", http.StatusNotFound},
		{http.MethodGet, "/console/.gitkeep", http.StatusNotFound},
		{http.MethodGet, "/console/script.js.map", http.StatusNotFound},
		{http.MethodGet, "/demo/index.html/", http.StatusNotFound},
		{http.MethodGet, "/widget/../demo/index.html", http.StatusNotFound},
		{http.MethodPost, "/", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		rr := serve(t, s, tt.method, tt.path, nil)
		if rr.Code != tt.status {
			t.Errorf("%s %s: got %d, want %d", tt.method, tt.path, rr.Code, tt.status)
		}
		if s.Has(tt.path) != (tt.status != http.StatusNotFound) {
			t.Errorf("Has(%q) = %v, want %v", tt.path, s.Has(tt.path), tt.status != http.StatusNotFound)
		}
	}
}

// TestWidgetSafety guards the widget's rules in its source: no HTML
// parsing of data, no inline styles, no eval.
func TestWidgetSafety(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	js := serve(t, s, http.MethodGet, "/widget.js", nil).Body.String()
	for _, bad := range []string{".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('style'"} {
		if strings.Contains(js, bad) {
			t.Errorf("widget.js uses %s", bad)
		}
	}
	page := serve(t, s, http.MethodGet, "/", nil).Body.String()
	for _, bad := range []string{"<style", " style=", "<script>", " onclick="} {
		if strings.Contains(page, bad) {
			t.Errorf("the demo page has inline %q, which its CSP blocks", bad)
		}
	}
}

// TestGzip: text files go compressed to clients that take gzip, and
// decompress to the file.
func TestGzip(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plain := serve(t, s, http.MethodGet, "/widget.js", nil)
	tests := []struct {
		accept string
		gz     bool
	}{
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"gzip;q=0", false},
		{"identity", false},
		{"", false},
	}
	for _, tt := range tests {
		rr := serve(t, s, http.MethodGet, "/widget.js", map[string]string{"Accept-Encoding": tt.accept})
		if got := rr.Header().Get("Content-Encoding") == "gzip"; got != tt.gz {
			t.Errorf("Accept-Encoding %q: gzipped %v, want %v", tt.accept, got, tt.gz)
		}
		if rr.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q, want Accept-Encoding", tt.accept, rr.Header().Get("Vary"))
		}
		if !tt.gz {
			continue
		}
		if rr.Body.Len() >= plain.Body.Len()/2 {
			t.Errorf("gzipped %d bytes of %d: not worth it", rr.Body.Len(), plain.Body.Len())
		}
		zr, err := gzip.NewReader(rr.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("gunzipped body differs from the file (%v)", err)
		}
		if rr.Header().Get("ETag") == plain.Header().Get("ETag") {
			t.Error("the gzipped answer has the plain file's ETag")
		}
		again := serve(t, s, http.MethodGet, "/widget.js", map[string]string{"Accept-Encoding": tt.accept, "If-None-Match": rr.Header().Get("ETag")})
		if again.Code != http.StatusNotModified {
			t.Errorf("If-None-Match of the gzipped ETag: got %d, want 304", again.Code)
		}
	}
	// A range is of the plain file.
	rr := serve(t, s, http.MethodGet, "/widget.js", map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
	if rr.Code != http.StatusPartialContent || rr.Header().Get("Content-Encoding") != "" || rr.Body.String() != plain.Body.String()[:10] {
		t.Errorf("range: got %d %q %q", rr.Code, rr.Header().Get("Content-Encoding"), rr.Body.String())
	}
	// Small files stay plain.
	small, err := newSite(fstest.MapFS{"demo/index.html": {Data: []byte("<!doctype html>")}})
	if err != nil {
		t.Fatal(err)
	}
	if rr := serve(t, small, http.MethodGet, "/", map[string]string{"Accept-Encoding": "gzip"}); rr.Header().Get("Content-Encoding") != "" {
		t.Error("a 15-byte page went gzipped")
	}
}

// TestConcurrentFirstRequests: the lazy gzip is made once, safely.
func TestConcurrentFirstRequests(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sizes := make([]int, 8)
	for i := range sizes {
		wg.Go(func() {
			r := httptest.NewRequest(http.MethodGet, "/widget.js", nil)
			r.Header.Set("Accept-Encoding", "gzip")
			rr := httptest.NewRecorder()
			s.ServeHTTP(rr, r)
			sizes[i] = rr.Body.Len()
		})
	}
	wg.Wait()
	for _, n := range sizes[1:] {
		if n != sizes[0] || n == 0 {
			t.Fatalf("sizes %v, want all the same", sizes)
		}
	}
}
