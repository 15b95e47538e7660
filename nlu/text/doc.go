// Package text provides the first stage of kefu's NLU pipeline: it folds a
// customer message into one canonical form (Normalize) and splits it into
// words (Words) so that variants of the same question (full-width letters,
// Traditional characters, zero-width junk, "!!!!") give the same features.
//
// It is a leaf: nlu's tokenizer, featurizer, emotion model and the
// knowledge base's analyzer build on it; it imports nothing of kefu.
package text
