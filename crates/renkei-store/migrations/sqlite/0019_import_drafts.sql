-- Import drafts (SQLite). Never edit once applied: add a new migration.
-- Times are microseconds since the Unix epoch (UTC).
--
-- The portal's import form shows a preview before anything is stored; the
-- uploaded file waits here, under the form's idempotency key, until the
-- user confirms it (then it is stored once, through share_submissions,
-- and the draft deleted). Kept in the database, not in a server's memory,
-- so any server of the database can take the confirmation. The retention
-- rounds delete drafts past a day.
CREATE TABLE import_drafts (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    idem_key    TEXT   NOT NULL,
    created_at  INTEGER NOT NULL,
    -- The form's fields, urlencoded (never its CSRF token).
    fields      TEXT   NOT NULL,
    -- The uploaded file, base64.
    file        TEXT   NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX import_drafts_created ON import_drafts (created_at);
