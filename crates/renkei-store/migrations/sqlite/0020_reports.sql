-- Incident reports and notices (SQLite). Never edit once applied: add a new
-- migration. Times are microseconds since the Unix epoch (UTC).
--
-- An incident is described once by its organisation; each regime it is
-- reported under is a report of its own, with its own versions, clock and
-- recipients. A notice (a critical computer's 届出) is a report without an
-- incident. Reports are addressed, not marked: who reads one is the
-- reporting organisation and its recipients (renkei_core::can_read_report).
CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    title       TEXT    NOT NULL,
    -- When the organisation became aware; NULL until someone says so.
    aware_at    INTEGER,
    -- JSON: {"events": {"name": "RFC 3339", …}, "conditions": ["name", …]}.
    facts       TEXT    NOT NULL,
    -- JSON: the common description (renkei_report::CommonField ids).
    common      TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX incidents_org ON incidents (org_id, id);

CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES organisations (id),
    -- NULL for notices.
    incident_id       INTEGER REFERENCES incidents (id),
    profile_id        TEXT    NOT NULL,
    -- The profile's notice id for notices, NULL for incident reports.
    notice_id         TEXT,
    title             TEXT    NOT NULL,
    -- The recipients' handling: received, analysing, waiting, closed.
    state             TEXT    NOT NULL,
    -- The reporting organisation's sector when filed (the queue's filter).
    sector            TEXT,
    -- The reporter's consent: to the national office, and to sanitised
    -- alerts for others. Changes are kept in report_consents.
    consent_national  BOOLEAN NOT NULL,
    consent_sanitised BOOLEAN NOT NULL,
    -- 0 until the first submission.
    latest_version    INTEGER NOT NULL,
    -- The reporter's autosaved draft, JSON; never shown to recipients.
    draft             TEXT,
    draft_at          INTEGER,
    -- The earliest open deadline, computed by the server at each write:
    -- orders the queue's "due" view. NULL when none is open.
    next_due_at       INTEGER,
    last_activity_at  INTEGER NOT NULL,
    created_by        INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL
);
CREATE INDEX reports_org ON reports (org_id, id);
CREATE INDEX reports_incident ON reports (incident_id, id);
CREATE INDEX reports_due ON reports (next_due_at, id);
-- The queue filtered by regime or by sector, in both orders: without the
-- due indexes the open deadlines are walked from the most overdue until
-- enough match (one regime's reports can all lie behind weeks of others'
-- overdue ones); with them alone, SQLite reads a whole regime through
-- them to sort it newest first (BENCHMARKS.md, "Coordinator queue and
-- submissions").
CREATE INDEX reports_profile ON reports (profile_id, id);
CREATE INDEX reports_profile_due ON reports (profile_id, next_due_at, id);
CREATE INDEX reports_sector ON reports (sector, id);
CREATE INDEX reports_sector_due ON reports (sector, next_due_at, id);

-- Which organisation receives, for each profile, a recipient it names
-- (competent-minister, national-office, …): set by platform admins.
CREATE TABLE report_bindings (
    profile_id    TEXT    NOT NULL,
    recipient_id  TEXT    NOT NULL,
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (profile_id, recipient_id, org_id)
);

-- Organisations a report is addressed to, and why ('recipient:<id>' from
-- a binding, 'national-office' from consent). Ended, never deleted.
CREATE TABLE report_recipients (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    org_id     INTEGER NOT NULL REFERENCES organisations (id),
    reason     TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,
    ended_at   INTEGER,
    PRIMARY KEY (report_id, org_id, reason)
);
CREATE INDEX report_recipients_org ON report_recipients (org_id, report_id);

-- Each submission, byte for byte, with the SHA-256 of its body.
CREATE TABLE report_versions (
    report_id     INTEGER NOT NULL REFERENCES reports (id),
    version       INTEGER NOT NULL,
    -- NULL for notices.
    stage_id      TEXT,
    form_id       TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    submitted_by  INTEGER REFERENCES users (id),
    submitted_at  INTEGER NOT NULL,
    PRIMARY KEY (report_id, version)
);
-- A submitted version never changes and is never deleted.
CREATE TRIGGER report_versions_no_update BEFORE UPDATE ON report_versions
BEGIN
    SELECT RAISE(ABORT, 'report versions are immutable');
END;
CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions
BEGIN
    SELECT RAISE(ABORT, 'report versions are immutable');
END;

CREATE TABLE report_consents (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    national    BOOLEAN NOT NULL,
    sanitised   BOOLEAN NOT NULL,
    by_user     INTEGER REFERENCES users (id),
    at          INTEGER NOT NULL
);
CREATE INDEX report_consents_report ON report_consents (report_id, id);

CREATE TABLE report_states (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    state       TEXT    NOT NULL,
    by_user     INTEGER REFERENCES users (id),
    by_org      INTEGER REFERENCES organisations (id),
    at          INTEGER NOT NULL
);
CREATE INDEX report_states_report ON report_states (report_id, id);

-- The thread between the reporter and the recipients.
CREATE TABLE report_messages (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    author_user  INTEGER REFERENCES users (id),
    author_org   INTEGER NOT NULL REFERENCES organisations (id),
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, id);

-- A recipient organisation's tasks on a report.
CREATE TABLE report_tasks (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    title       TEXT    NOT NULL,
    owner_user  INTEGER REFERENCES users (id),
    done_at     INTEGER,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX report_tasks_report ON report_tasks (report_id, id);

-- Files attached by the reporter; the type is what the content is, not
-- what the name says.
CREATE TABLE report_attachments (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    name        TEXT    NOT NULL,
    media_type  TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    -- base64
    content     TEXT    NOT NULL,
    added_by    INTEGER REFERENCES users (id),
    added_at    INTEGER NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id, id);

-- Reminders sent before (and at) each stage's deadline, so each is sent once.
CREATE TABLE report_reminders (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    stage_id   TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (report_id, stage_id, kind)
);

-- The indicators a version names (its indicator lists, canonical), so that
-- a reader of a report sees how many other reports it may read name them.
CREATE TABLE report_indicators (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    version    INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    PRIMARY KEY (report_id, version, kind, value)
);
CREATE INDEX report_indicators_value ON report_indicators (kind, value, report_id);
