// Package sqlite is kefu's embedded durable store: conversations and their
// transcripts, the handoff queue, tickets, knowledge-base articles with
// their history and unanswered questions, kept in one SQLite file through
// the pure-Go driver modernc.org/sqlite.
//
// It sits at the bottom of the flow (api → dialog → nlu / kb → store) and
// imports only the shared record types (store), the error codes (errs),
// the standard library and its driver. cmd/kefu opens it and hands it to
// the packages that consume it through their own small interfaces; the
// contract it keeps is checked by store/storetest, which a PostgreSQL
// store will run too.
//
// The database runs in WAL mode with synchronous=NORMAL: a commit is
// written to the log but not fsynced, so a committed call survives the
// process being killed (the kernel has the data), while a power cut or a
// kernel crash may lose the last commits (never corrupting the file).
// Writes go through a single connection owned by one goroutine, which runs
// the write calls that queued meanwhile in one transaction, each in its
// own savepoint, and commits them together (group commit: one write of the
// log for many calls); every call returns only after its transaction
// committed. A second goroutine checkpoints the log into the database file
// on its own connection, so commits never wait for that. Reads use a
// separate read-only pool and never wait for writers; conversations are
// also kept in memory as their last write committed them (see convCache),
// which assumes this Store is the file's only writer.
//
// Migrations are the numbered files in migration/, embedded in the binary
// and applied at Open, each in its own transaction, with the applied
// versions kept in schema_migrations.
//
// Expected failures carry an errs code: errs.Invalid for bad input,
// errs.NotFound for a missing record, errs.Conflict for a duplicate or a
// lost compare-and-set. Anything else is an internal error.
package sqlite
