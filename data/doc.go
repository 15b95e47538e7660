// Package data embeds the demo shop that `kefu serve` runs out of the box:
// intent examples (nlu/train, nlu/val, nlu/test: one JSON Lines file per
// intent), emotion examples, knowledge-base articles and the order book.
// intents.json is the taxonomy (slots, route to bot or human). The files are the source of truth; `kefu train` learns the shipped model
// in models/ from them.
package data

import "embed"

// FS holds the demo shop's files, rooted at this directory.
//
//go:embed intents.json nlu emotion kb orders
var FS embed.FS
