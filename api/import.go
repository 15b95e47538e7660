package api

import (
	"bytes"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

func (s *Server) importRoutes(g *gin.RouterGroup) {
	g.POST("/import", s.importArticles)
	g.GET("/export", s.exportArticles)
}

type importResponse struct {
	Imported int `json:"imported"`
}

// importArticles takes JSON Lines of articles (up to ImportLimit bytes).
// Every line is checked as POST /v1/kb/articles checks its body before
// anything is imported; the first bad line is a 400 naming its number.
func (s *Server) importArticles(c *gin.Context) {
	raw, err := readBody(c, s.ImportLimit)
	if err == nil {
		err = checkLines(raw, s.limits())
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	n, err := s.KB.Import(c.Request.Context(), bytes.NewReader(raw), actor(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, importResponse{Imported: n})
}

// checkLines validates a JSON Lines body: each non-blank line one valid
// article. Lines are numbered from 1.
func checkLines(raw []byte, l limits) error {
	n, lines := 0, 0
	for len(raw) > 0 {
		n++
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if !utf8.Valid(line) {
			return errs.E(errs.Invalid, "Line %d is not valid UTF-8.", n)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		var a articleBody
		err := decodeJSON(line, &a)
		if err == nil {
			err = a.validate(l)
		}
		if err != nil {
			return errs.E(errs.Invalid, "Line %d: %s", n, errs.Message(err))
		}
	}
	if lines == 0 {
		return errs.E(errs.Invalid, "The import holds no articles; send one JSON object per line.")
	}
	return nil
}

// exportWriter sends the headers of a successful export with its first
// byte, so a failure before any output can still be a JSON error.
type exportWriter struct {
	c       *gin.Context
	started bool
}

func (w *exportWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		w.c.Header("Content-Type", "application/x-ndjson; charset=utf-8")
		w.c.Header("Content-Disposition", `attachment; filename="kb-export.jsonl"`)
		w.c.Status(http.StatusOK)
	}
	return w.c.Writer.Write(p)
}

// exportArticles streams every article as JSON Lines.
func (s *Server) exportArticles(c *gin.Context) {
	w := &exportWriter{c: c}
	err := s.KB.Export(c.Request.Context(), w)
	switch {
	case err == nil && !w.started:
		w.Write(nil) // an empty knowledge base: an empty, successful export
	case err == nil:
	case !w.started:
		s.writeError(c, err)
	default:
		// Half an export must not look whole: log it and cut the connection.
		if !errors.Is(err, c.Request.Context().Err()) {
			s.Logger.ErrorContext(c.Request.Context(), "export failed midway",
				"request_id", requestIDOf(c), "error", Mask(err.Error()))
		}
		panic(http.ErrAbortHandler)
	}
}
