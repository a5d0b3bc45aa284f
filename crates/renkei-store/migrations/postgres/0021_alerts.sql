-- Alerts (注意喚起) (PostgreSQL). Never edit once applied: add a new migration.
-- Times are microseconds since the Unix epoch (UTC).
--
-- An alert is issued by an organisation under an explicit TLP and audience
-- (read through the access rule, as items are: `alert_audience`). A relay
-- (a prefecture to its municipalities) and a forward (a municipality to its
-- maintenance vendor and that vendor's subcontractor) are alerts too, with
-- `parent_id` the alert they pass on, the original's TLP, their own
-- audience (never wider than the original allows) and a local instruction.
-- Each alert's recipients are the organisations that could read it when it
-- was issued; their confirmations are kept with every change.
CREATE TABLE alerts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The issuing organisation: the owner in the access rule.
    org_id          BIGINT  NOT NULL REFERENCES organisations (id),
    -- 'alert', 'relay' or 'forward'.
    kind            TEXT    NOT NULL,
    parent_id       BIGINT  REFERENCES alerts (id),
    -- The alert a relay or forward goes back to (itself for an alert).
    root_id         BIGINT  REFERENCES alerts (id),
    title           TEXT    NOT NULL,
    summary         TEXT    NOT NULL,
    tlp             TEXT    NOT NULL,
    created_by      BIGINT  REFERENCES users (id),
    created_at      BIGINT  NOT NULL,
    -- The STIX `report` the alert was published as, and its collection.
    stix_report_id  TEXT,
    collection_id   TEXT,
    -- A relay's local instruction: whom to call, what to do, by when.
    local_vendor    TEXT,
    local_note      TEXT,
    -- The prefecture's deadline, YYYY-MM-DD.
    local_deadline  TEXT
);
CREATE INDEX alerts_parent ON alerts (parent_id);
CREATE INDEX alerts_root ON alerts (root_id);

CREATE TABLE alert_audience (
    alert_id      BIGINT  NOT NULL REFERENCES alerts (id),
    community_id  BIGINT  REFERENCES communities (id),
    sector        TEXT,
    org_id        BIGINT  REFERENCES organisations (id),
    user_id       BIGINT  REFERENCES users (id)
);
CREATE INDEX alert_audience_alert ON alert_audience (alert_id);

-- 対策の手順, in order.
CREATE TABLE alert_steps (
    alert_id  BIGINT  NOT NULL REFERENCES alerts (id),
    position  BIGINT  NOT NULL,
    text      TEXT    NOT NULL,
    PRIMARY KEY (alert_id, position)
);

CREATE TABLE alert_indicators (
    alert_id  BIGINT  NOT NULL REFERENCES alerts (id),
    position  BIGINT  NOT NULL,
    -- As the issuer wrote it: a value or a STIX pattern.
    value     TEXT    NOT NULL,
    pattern   TEXT    NOT NULL,
    PRIMARY KEY (alert_id, position)
);

-- The incident reports an alert was made from. No reference to a reports
-- table here: the reports capability adds that check.
CREATE TABLE alert_sources (
    alert_id   BIGINT  NOT NULL REFERENCES alerts (id),
    report_id  BIGINT  NOT NULL,
    PRIMARY KEY (alert_id, report_id)
);

-- Each recipient organisation's confirmation: 'unconfirmed', 'confirmed',
-- 'in_progress', 'done', 'not_applicable' (with a reason).
CREATE TABLE alert_recipients (
    alert_id    BIGINT  NOT NULL REFERENCES alerts (id),
    org_id      BIGINT  NOT NULL REFERENCES organisations (id),
    status      TEXT    NOT NULL,
    reason      TEXT,
    updated_by  BIGINT  REFERENCES users (id),
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (alert_id, org_id)
);
CREATE INDEX alert_recipients_org ON alert_recipients (org_id);

-- Append-only: every status change.
CREATE TABLE alert_status_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id    BIGINT  NOT NULL REFERENCES alerts (id),
    org_id      BIGINT  NOT NULL REFERENCES organisations (id),
    status      TEXT    NOT NULL,
    reason      TEXT,
    user_id     BIGINT  REFERENCES users (id),
    at          BIGINT  NOT NULL
);
CREATE INDEX alert_status_history_alert ON alert_status_history (alert_id, org_id);

-- Reminders sent by the issuer to recipients that had not confirmed.
CREATE TABLE alert_reminders (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id  BIGINT  NOT NULL REFERENCES alerts (id),
    org_id    BIGINT  NOT NULL REFERENCES organisations (id),
    sent_by   BIGINT  REFERENCES users (id),
    sent_at   BIGINT  NOT NULL
);
CREATE INDEX alert_reminders_alert ON alert_reminders (alert_id, org_id);

-- The prefectural government of a prefecture: a local_government
-- organisation, set by platform administrators. Its coordinators relay
-- alerts to the other local_government organisations of the prefecture.
CREATE TABLE prefectural_governments (
    org_id      BIGINT  PRIMARY KEY REFERENCES organisations (id),
    prefecture  BIGINT  NOT NULL UNIQUE,
    set_at      BIGINT  NOT NULL
);
