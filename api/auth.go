package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

// Roles. Admin may do everything; the others only their own routes.
const (
	roleAdmin  = "admin"
	roleEditor = "editor"
	roleAgent  = "agent"
)

// tokenSet holds the SHA-256 of each role's token, so comparing takes the
// same time whatever the length or content of the presented token.
type tokenSet []roleToken

type roleToken struct {
	role string
	sum  [sha256.Size]byte
}

func newTokenSet(t Tokens) tokenSet {
	var set tokenSet
	for _, rt := range []struct{ role, tok string }{
		{roleAdmin, t.Admin}, {roleEditor, t.Editor}, {roleAgent, t.Agent},
	} {
		if rt.tok != "" { // an unset token grants nothing, not the empty string
			set = append(set, roleToken{role: rt.role, sum: sha256.Sum256([]byte(rt.tok))})
		}
	}
	return set
}

// roleOf returns the role tok grants, or "". It compares against every
// role's token, without stopping early.
func (ts tokenSet) roleOf(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	role := ""
	for _, rt := range ts {
		if subtle.ConstantTimeCompare(sum[:], rt.sum[:]) == 1 {
			role = rt.role
		}
	}
	return role
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// require lets through requests bearing the token of role (or admin's):
// 401 when there is no valid token, 403 when it belongs to another role.
func (s *Server) require(role string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			s.writeError(c, errs.E(errs.Unauthorized, "This resource needs an Authorization: Bearer token."))
			return
		}
		got := s.tokens.roleOf(tok)
		if got == "" {
			s.writeError(c, errs.E(errs.Unauthorized, "The bearer token is not valid."))
			return
		}
		c.Set(keyRole, got)
		if got != role && got != roleAdmin {
			s.writeError(c, errs.E(errs.Forbidden, "The %s role may not use this resource.", got))
			return
		}
		c.Next()
	}
}

// actor names who made a change, for the knowledge base's history.
func actor(c *gin.Context) string { return c.GetString(keyRole) }
