-- A hint for "the latest version" reads (SQLite). Never edit once applied.
--
-- has_newer = 0 promises that no undeleted newer version of the object
-- exists in its collection, so a read for the latest readable version can
-- skip looking for one (a per-row index probe that was half of a TAXII
-- page's cost on PostgreSQL). has_newer = 1 promises nothing: the reader
-- looks. Adding a version sets it on the older ones in the same
-- transaction; hiding versions can only make a 0 truer, so deletes leave
-- it. Like deleted_at it is bookkeeping: no version's content or marking
-- ever changes.
ALTER TABLE stix_objects ADD COLUMN has_newer INTEGER NOT NULL DEFAULT 0;
UPDATE stix_objects SET has_newer = 1 WHERE EXISTS (
    SELECT 1 FROM stix_objects n WHERE n.collection_id = stix_objects.collection_id
    AND n.stix_id = stix_objects.stix_id AND n.deleted_at IS NULL
    AND n.version_us > stix_objects.version_us);
