-- Retention (PostgreSQL). Never edit once applied: add a new migration.
-- Times are microseconds since the Unix epoch (UTC).
--
-- The server's retention task deletes expired sessions and finished TAXII
-- statuses past their retention, and fails statuses left pending by a
-- process that stopped. These indexes let each of its statements find its
-- rows without reading the tables whole (a status's details, read to
-- reach a later column, can be megabytes).
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX taxii_status_completed ON taxii_status (completed_at) WHERE status = 'complete';
CREATE INDEX taxii_status_pending ON taxii_status (requested_at) WHERE status = 'pending';
