-- 0001: kefu's initial schema.
--
-- Times are unix nanoseconds (UTC) in BIGINT columns; 0 means "unset" and
-- NULL is used where the record type has a pointer (*time.Time). Booleans
-- are INTEGER 0/1, string lists are JSON text. Apart from BLOB (BYTEA) and
-- the INTEGER PRIMARY KEY row ids (GENERATED ALWAYS AS IDENTITY), the
-- statements are valid PostgreSQL.

CREATE TABLE conversations (
    id          TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL DEFAULT '',
    verified    INTEGER NOT NULL DEFAULT 0,
    channel     TEXT    NOT NULL DEFAULT '',
    locale      TEXT    NOT NULL DEFAULT '',
    profile     TEXT    NOT NULL DEFAULT '{}',
    state       TEXT    NOT NULL,
    agent_id    TEXT    NOT NULL DEFAULT '',
    context     BLOB,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    -- last_seq is the Seq of the newest message; AppendMessage bumps it
    -- with one UPDATE … RETURNING, which serialises appends per
    -- conversation and keeps Seq gapless.
    last_seq    BIGINT  NOT NULL DEFAULT 0
);

CREATE INDEX conversations_state ON conversations (state);

CREATE TABLE messages (
    id              TEXT    NOT NULL PRIMARY KEY,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id),
    seq             BIGINT  NOT NULL,
    role            TEXT    NOT NULL DEFAULT '',
    agent_id        TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL DEFAULT '',
    intent          TEXT    NOT NULL DEFAULT '',
    confidence      REAL    NOT NULL DEFAULT 0,
    emotion         TEXT    NOT NULL DEFAULT '',
    emotion_score   REAL    NOT NULL DEFAULT 0,
    article_id      TEXT    NOT NULL DEFAULT '',
    meta            BLOB,
    created_at      BIGINT  NOT NULL,
    UNIQUE (conversation_id, seq)
);

CREATE TABLE transitions (
    id              INTEGER NOT NULL PRIMARY KEY,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id),
    from_state      TEXT    NOT NULL DEFAULT '',
    to_state        TEXT    NOT NULL DEFAULT '',
    reason          TEXT    NOT NULL DEFAULT '',
    actor           TEXT    NOT NULL DEFAULT '',
    at              BIGINT  NOT NULL
);

CREATE INDEX transitions_conversation ON transitions (conversation_id, id);

CREATE TABLE feedback (
    message_id      TEXT    NOT NULL PRIMARY KEY REFERENCES messages (id),
    conversation_id TEXT    NOT NULL REFERENCES conversations (id),
    helpful         INTEGER NOT NULL,
    at              BIGINT  NOT NULL
);

CREATE TABLE queue_items (
    conversation_id TEXT    NOT NULL PRIMARY KEY REFERENCES conversations (id),
    priority        INTEGER NOT NULL DEFAULT 0,
    reason          TEXT    NOT NULL DEFAULT '',
    intent          TEXT    NOT NULL DEFAULT '',
    emotion         TEXT    NOT NULL DEFAULT '',
    summary         TEXT    NOT NULL DEFAULT '',
    skill           TEXT    NOT NULL DEFAULT '',
    enqueued_at     BIGINT  NOT NULL,
    claimed_by      TEXT,
    claimed_at      BIGINT
);

CREATE INDEX queue_items_claimed_by ON queue_items (claimed_by);

CREATE TABLE tickets (
    id              TEXT    NOT NULL PRIMARY KEY,
    conversation_id TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL DEFAULT '',
    contact         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    agent_id        TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    resolved_at     BIGINT
);

CREATE INDEX tickets_status ON tickets (status, created_at);

CREATE TABLE articles (
    id          TEXT    NOT NULL PRIMARY KEY,
    title       TEXT    NOT NULL DEFAULT '',
    questions   TEXT    NOT NULL DEFAULT '[]',
    answer      TEXT    NOT NULL DEFAULT '',
    intent      TEXT    NOT NULL DEFAULT '',
    tags        TEXT    NOT NULL DEFAULT '[]',
    locale      TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL,
    valid_from  BIGINT,
    valid_until BIGINT,
    version     INTEGER NOT NULL,
    updated_at  BIGINT  NOT NULL,
    updated_by  TEXT    NOT NULL DEFAULT ''
);

-- article_tags mirrors articles.tags so that a listing can filter by tag
-- with plain SQL on both engines.
CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);

CREATE INDEX article_tags_tag ON article_tags (tag);

-- article_revisions outlives its article: no foreign key.
CREATE TABLE article_revisions (
    id         INTEGER NOT NULL PRIMARY KEY,
    article_id TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    op         TEXT    NOT NULL,
    changed_by TEXT    NOT NULL DEFAULT '',
    changed_at BIGINT  NOT NULL,
    article    TEXT    NOT NULL
);

CREATE INDEX article_revisions_article ON article_revisions (article_id, id);

CREATE TABLE unanswered (
    question_key TEXT    NOT NULL PRIMARY KEY,
    example      TEXT    NOT NULL DEFAULT '',
    locale       TEXT    NOT NULL DEFAULT '',
    hits         INTEGER NOT NULL,
    first_seen   BIGINT  NOT NULL,
    last_seen    BIGINT  NOT NULL
);

CREATE INDEX unanswered_rank ON unanswered (hits, last_seen);
