-- 0002: the knowledge base's synonym list, as editors save it.
--
-- One row per saved version: the current list is the highest version, the
-- rows below it are its history. Saving inserts version + 1, so two
-- editors saving from the same version cannot both succeed (the primary
-- key). term_groups is JSON, [["快递","物流"],["refund","money back"]].

CREATE TABLE synonym_sets (
    version     INTEGER NOT NULL PRIMARY KEY,
    term_groups TEXT    NOT NULL DEFAULT '[]',
    changed_by  TEXT    NOT NULL DEFAULT '',
    changed_at  BIGINT  NOT NULL
);
