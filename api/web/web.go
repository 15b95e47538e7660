package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// files are the pages as they ship. Patterns name directories, so the
// build fails if one goes missing, and dot files inside are left out.
//
//go:embed widget demo console
var files embed.FS

// PageCSP is the Content-Security-Policy of every HTML page: scripts,
// styles and API calls from kefu's own origin only, nothing inline, no
// framing, no plugins.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; manifest-src 'self'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// contentTypes are the file types served, by extension; other files
// (placeholders, notes) are not.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".json":  "application/json; charset=utf-8",
}

// aliases are the URL paths that name a page rather than a file.
var aliases = map[string]string{
	"/":           "demo/index.html",
	"/widget.js":  "widget/widget.js",
	"/console":    "console/index.html",
	"/console/kb": "console/kb.html",
}

// file is one embedded file, ready to serve.
type file struct {
	name  string
	body  []byte
	ctype string
	etag  string

	gzOnce sync.Once
	gz     []byte // body gzipped when that saves, else nil; made on first use
}

// gzipped is the file gzipped, or nil when that does not pay. The files
// never change, so it is made once, at the first request that can use it
// (not in New: servers built in tests would all pay for it).
func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() { f.gz = gzipBytes(f.body) })
	return f.gz
}

// Site serves the embedded pages. It is immutable after New and safe for
// concurrent use.
type Site struct {
	byPath map[string]*file // URL path → file
}

// New indexes the embedded files.
func New() (*Site, error) {
	return newSite(files)
}

func newSite(fsys fs.FS) (*Site, error) {
	s := &Site{byPath: map[string]*file{}}
	byName := map[string]*file{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		ctype, ok := contentTypes[path.Ext(name)]
		if !ok || strings.Count(name, "/") != 1 {
			return nil // not a servable type, or not directly in its directory
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("web: read %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		f := &file{name: name, body: body, ctype: ctype,
			etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		byName[name] = f
		s.byPath["/"+name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: index files: %w", err)
	}
	for p, name := range aliases {
		if f, ok := byName[name]; ok {
			s.byPath[p] = f
		}
	}
	return s, nil
}

// gzipBytes compresses body; it returns nil for small or incompressible
// files, which are served as they are.
func gzipBytes(body []byte) []byte {
	if len(body) < 1024 {
		return nil
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level never fails
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(body)
	_ = zw.Close()
	if b.Len() >= len(body)*9/10 {
		return nil
	}
	return b.Bytes()
}

// acceptsGzip reports whether the client takes gzip (q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// Has reports whether urlPath names a page or file the Site serves.
func (s *Site) Has(urlPath string) bool {
	_, ok := s.byPath[urlPath]
	return ok
}

// ServeHTTP serves the page or file at r.URL.Path (GET and HEAD; a
// conditional request on the ETag gets 304) and answers 404 for anything
// else.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := s.byPath[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(f.ctype, "text/html") {
		h.Set("Content-Security-Policy", PageCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
	} else {
		// widget.js and its stylesheet are loaded by shop pages on
		// other origins, including ones that require CORP.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	body, etag := f.body, f.etag
	if gz := f.gzipped(); gz != nil {
		h.Add("Vary", "Accept-Encoding")
		// Ranges are of the plain file; a compressed answer is whole.
		if acceptsGzip(r) && r.Header.Get("Range") == "" {
			body, etag = gz, f.etag[:len(f.etag)-1]+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}
