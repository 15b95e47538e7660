// Package linear provides kefu's intent and emotion classifier: multinomial
// logistic regression over sparse feature vectors, trained in Go with
// Adagrad SGD (deterministic for a seed), then quantised to int8 per feature
// row so that a CLINC150-sized model fits in tens of megabytes.
//
// It knows nothing of text: nlu turns text into sparse vectors and asks
// this package for class scores.
package linear
