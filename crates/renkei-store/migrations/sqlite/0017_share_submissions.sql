-- Share form submissions (SQLite). Never edit once applied: add a new migration.
-- Times are microseconds since the Unix epoch (UTC).
--
-- Each rendering of the portal's share form carries a fresh key; the first
-- request with a key claims it (result NULL while storing) and records the
-- result, so a double click or a re-sent form stores once and shows the
-- first result. The retention rounds delete rows past a day.
CREATE TABLE share_submissions (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    idem_key    TEXT   NOT NULL,
    created_at  INTEGER NOT NULL,
    result      TEXT,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX share_submissions_created ON share_submissions (created_at);
