package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

// SynonymList is the knowledge base's synonym list as editors keep it
// (part of KnowledgeBase). SetSynonyms returns the list as stored and its
// version; a new list applies to the very next search and answer.
// Errors: invalid_input (a group of fewer than two different members, a
// member too long or holding '=' or ','; too many groups or members),
// conflict (version is not the stored one), unavailable.
type SynonymList interface {
	// Synonyms returns the list in force and its version (0: built in).
	Synonyms(ctx context.Context) (groups [][]string, version int, err error)
	SetSynonyms(ctx context.Context, groups [][]string, version int, by string) ([][]string, int, error)
}

// maxSynonymRunes bounds one member (as the knowledge base does).
const maxSynonymRunes = 64

func (s *Server) synonymRoutes(g *gin.RouterGroup) {
	g.GET("/synonyms", s.getSynonyms)
	g.PUT("/synonyms", s.putSynonyms)
}

// synonymsBody is GET's answer and PUT's body. Version is a pointer so
// that a missing version is told apart from 0 (the built-in list).
type synonymsBody struct {
	Groups  [][]string `json:"groups"`
	Version *int       `json:"version"`
}

func (b *synonymsBody) validate(limits) error {
	switch {
	case b.Groups == nil:
		return errs.E(errs.Invalid, "The groups are missing; send [] to turn synonyms off.")
	case b.Version == nil:
		return errs.E(errs.Invalid, "The version the change is based on is missing (0 for the built-in list).")
	case *b.Version < 0:
		return errs.E(errs.Invalid, "The version must not be negative.")
	}
	// Counts and duplicates are the knowledge base's to judge; the
	// characters are checked as every other text field's.
	for _, g := range b.Groups {
		for _, m := range g {
			if err := checkOptional("synonym", m, maxSynonymRunes, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func synonymsAnswer(groups [][]string, version int) synonymsBody {
	if groups == nil {
		groups = [][]string{}
	}
	return synonymsBody{Groups: groups, Version: &version}
}

func (s *Server) getSynonyms(c *gin.Context) {
	groups, version, err := s.KB.Synonyms(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, synonymsAnswer(groups, version))
}

// putSynonyms replaces the list; the body's version is the one the editor
// read, and a stale one is 409. A shop's list can outgrow BodyLimit, so
// the body may be as large as an import.
func (s *Server) putSynonyms(c *gin.Context) {
	var req synonymsBody
	raw, err := readBody(c, s.ImportLimit)
	if err == nil {
		err = decodeJSON(raw, &req)
	}
	if err == nil {
		err = req.validate(s.limits())
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	groups, version, err := s.KB.SetSynonyms(c.Request.Context(), req.Groups, *req.Version, actor(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, synonymsAnswer(groups, version))
}
