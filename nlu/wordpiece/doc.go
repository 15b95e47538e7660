// Package wordpiece provides kefu's tokenizer: a WordPiece vocabulary built
// from training data in our own code (Build) and a Tokenizer that splits
// normalised text into WordPiece tokens with github.com/sugarme/tokenizer's
// WordPiece model.
//
// The library's trainers are broken and its normalizer and pre-tokenizer
// panic on ordinary input (shared/notes/dependencies.md), so text.Normalize
// and text.Words do that work and the library sees one clean word at a time,
// behind recover(). Words in the vocabulary skip the library altogether: the
// greedy longest match would return them whole anyway.
package wordpiece
