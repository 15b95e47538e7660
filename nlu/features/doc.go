// Package features turns normalised text into hashed sparse features for
// kefu's classifiers: WordPiece token unigrams and bigrams (CJK characters
// are tokens, so these are also Chinese character uni- and bigrams), CJK
// character trigrams, whole words, and character 3–5-grams of Latin words so
// that typos and inflections still share features. Hashing keeps the feature
// space fixed without storing n-gram strings; the model keeps weights only
// for buckets it saw in training.
//
// It sits between nlu/wordpiece (tokens) and nlu/linear (the classifier).
package features
