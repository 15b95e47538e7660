// Package kb is kefu's knowledge base: articles editors keep current, a
// Bleve index derived from them (rebuildable at any time) that searches
// Chinese, English and mixed text, and the answer selection the dialogue
// engine asks for the best published, currently valid article.
//
// The store is the source of truth; the index follows it. It sits below
// dialog and above store: api → dialog → kb → store. kb declares what it
// consumes from the store (ArticleStore); kbtest holds an in-memory double.
//
// # Index
//
// One scorch index on disk per generation under Config.IndexDir, with a
// CURRENT file naming the live one. Open reuses it when its mapping
// version matches and reconciles it with the store (articles changed
// while no KB ran); otherwise it builds a new one from the store. Every
// editor operation writes the store first and then the index, in one
// batch, under a writer lock, so a change is searchable when the call
// returns. Reindex builds a fresh generation while searches go on,
// replays the changes made meanwhile from the store and swaps an atomic
// pointer; in-flight searches finish on the old generation before it is
// closed and removed.
//
// # Analysis
//
// Traditional → Simplified and full-width → half-width folding (a char
// filter over nlu/text's table), the unicode tokenizer, CJK bigrams plus
// the CJK unigrams that are not function words, English possessives, stop
// words and snowball stemming (analysis.go). Title and question variants
// share one field, the answer (placeholders removed) another at a quarter
// of the weight; BM25. Synonyms expand queries, and answer selection also
// compares the question with a synonym put in place of a word it uses
// (synonymset.go): editors change the list (SetSynonyms; until they save
// one, Config.Synonyms or DefaultSynonyms) without a rebuild, and the
// store keeps it.
//
// # Search
//
// Bleve indexes and stores; searches are ranked by kb's own ranker
// (rank.go) over the index's postings, which it reads once per immutable
// segment into arrays (postings.go). It computes Bleve's scores exactly
// (TestRankerMatchesBleve) but skips the articles that cannot make the
// top k (WAND with per-segment term bounds), checks filters only for the
// articles that would enter, and uses idle CPUs for the segments of one
// search. At most GOMAXPROCS rankings run at once; more queue.
//
// TestRetrievalQuality measures this on the demo shop's 167 articles and
// 194 held-out paraphrased questions (recall@1 0.851, MRR 0.899; 0.794 on
// the half of the questions never looked at while writing the synonym
// list); TestRetrievalAlternatives (KEFU_KB_TUNE=1) compares the
// alternatives. BenchmarkSearch100k (KEFU_KB_SCALE=1) measures 100,000
// articles.
//
// # Answers
//
// Answer prefers the recognised intent's articles (one whose question the
// text nearly repeats, else the "primary" one, else a promotion valid now,
// else the best lexical match), then a close enough lexical match over
// all articles. Render fills answer templates with slot values in one
// pass: values are data, never templates.
package kb
