-- First steps and notifications (SQLite). Never edit once applied: add a
-- new migration.
--
-- The text of a community's confidentiality terms, shown to the members who
-- must accept it (until now only its version label was kept).
ALTER TABLE communities ADD COLUMN terms_text TEXT NOT NULL DEFAULT '';

-- Each notification a user has marked read: a shared STIX object version
-- (`kind` 'object', `ref_id` its pk, `version` 0) or a shared item version
-- (`kind` 'item', `ref_id` the item, `version` its version). Marking
-- everything read moves `notification_marks.seen_until` instead.
CREATE TABLE notification_reads (
    user_id  INTEGER NOT NULL REFERENCES users (id),
    kind     TEXT    NOT NULL CHECK (kind IN ('object', 'item')),
    ref_id   INTEGER NOT NULL,
    version  INTEGER NOT NULL,
    read_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, ref_id, version)
);

-- Item versions newest first, for the notifications of shared reports.
CREATE INDEX item_versions_created ON item_versions (created_at);
