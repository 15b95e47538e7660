// Package kb is kefu's knowledge base: articles editors keep current, a
// Bleve index derived from them (rebuildable at any time) that searches
// Chinese, English and mixed text, and the answer selection the dialogue
// engine asks for the best published, currently valid article.
//
// The store is the source of truth; the index follows it. It sits below
// dialog and above store: api → dialog → kb → store.
package kb
