-- The indicator value index, sightings, warning-list entries, notifications
-- and webhooks (PostgreSQL). Never edit once applied.

-- One row per canonical value per object version. Correlation looks values
-- up here and joins the object rows the reader may read: no pair table.
CREATE TABLE indicator_values (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    object_pk    BIGINT NOT NULL REFERENCES stix_objects (pk),
    kind         TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    valid_from   BIGINT NOT NULL,
    valid_until  BIGINT
);
CREATE INDEX indicator_values_value ON indicator_values (value, kind);
CREATE INDEX indicator_values_object ON indicator_values (object_pk);

-- One row per `sighting` object version: what it sighted, how often, when.
CREATE TABLE sightings (
    object_pk    BIGINT NOT NULL REFERENCES stix_objects (pk),
    sighting_of  TEXT    NOT NULL,
    count        BIGINT NOT NULL,
    first_seen   BIGINT,
    last_seen    BIGINT
);
CREATE INDEX sightings_of ON sightings (sighting_of);
CREATE INDEX sightings_object ON sightings (object_pk);

-- Everything added across collections, newest first (notifications, webhooks).
CREATE INDEX stix_objects_added ON stix_objects (date_added, pk);

-- Members' own warning-list entries; removal stamps, never deletes.
CREATE TABLE warning_entries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_key    TEXT    NOT NULL,
    description TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    org_id      BIGINT NOT NULL REFERENCES organisations (id),
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    removed_at  BIGINT
);

-- How far each user has read the portal's notifications.
CREATE TABLE notification_marks (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id),
    seen_until  BIGINT NOT NULL,
    seen_pk     BIGINT NOT NULL
);

-- An organisation's webhook: new readable objects are announced to `url`,
-- signed with `secret`. The cursor is the last (date_added, pk) announced.
CREATE TABLE webhooks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organisations (id),
    url           TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    created_by    BIGINT,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT,
    cursor_added  BIGINT NOT NULL,
    cursor_pk     BIGINT NOT NULL
);

-- Each announcement and its delivery attempts.
CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id),
    created_at      BIGINT NOT NULL,
    payload         TEXT    NOT NULL,
    object_count    BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    status          TEXT    NOT NULL,
    next_attempt_at BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
