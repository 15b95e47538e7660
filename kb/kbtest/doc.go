// Package kbtest holds test doubles for the knowledge base: Store, an
// in-memory, map-backed article store that honours the contract of
// kb.ArticleStore (version conflicts, atomic import, history). It is a test
// double only; store/sqlite is the real thing.
//
// It imports only the shared store types so kb's own tests can use it.
package kbtest
