-- The indicator value index, sightings, warning-list entries, notifications
-- and webhooks (SQLite). Never edit once applied.

-- One row per canonical value per object version. Correlation looks values
-- up here and joins the object rows the reader may read: no pair table.
CREATE TABLE indicator_values (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    object_pk    INTEGER NOT NULL REFERENCES stix_objects (pk),
    kind         TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    valid_from   INTEGER NOT NULL,
    valid_until  INTEGER
);
CREATE INDEX indicator_values_value ON indicator_values (value, kind);
CREATE INDEX indicator_values_object ON indicator_values (object_pk);

-- One row per `sighting` object version: what it sighted, how often, when.
CREATE TABLE sightings (
    object_pk    INTEGER NOT NULL REFERENCES stix_objects (pk),
    sighting_of  TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    first_seen   INTEGER,
    last_seen    INTEGER
);
CREATE INDEX sightings_of ON sightings (sighting_of);
CREATE INDEX sightings_object ON sightings (object_pk);

-- Everything added across collections, newest first (notifications, webhooks).
CREATE INDEX stix_objects_added ON stix_objects (date_added, pk);

-- Members' own warning-list entries; removal stamps, never deletes.
CREATE TABLE warning_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list_key    TEXT    NOT NULL,
    description TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    removed_at  INTEGER
);

-- How far each user has read the portal's notifications.
CREATE TABLE notification_marks (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id),
    seen_until  INTEGER NOT NULL,
    seen_pk     INTEGER NOT NULL
);

-- An organisation's webhook: new readable objects are announced to `url`,
-- signed with `secret`. The cursor is the last (date_added, pk) announced.
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    url           TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    created_by    INTEGER,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER,
    cursor_added  INTEGER NOT NULL,
    cursor_pk     INTEGER NOT NULL
);

-- Each announcement and its delivery attempts.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
    created_at      INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    object_count    INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    next_attempt_at INTEGER,
    last_error      TEXT,
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
