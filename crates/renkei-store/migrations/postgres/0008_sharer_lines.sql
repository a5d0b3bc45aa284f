-- Each sharer's versions of a STIX id are a line of their own; no "no
-- user" sentinel; a secret for derived ids (PostgreSQL). Never edit once
-- applied.
--
-- Two organisations may hold the same STIX id (SCO ids are uuid5 of their
-- values by the specification). Versions were unique per (collection, id,
-- version): a second sharer's version of an id was refused with an answer
-- that told whether someone, readable or not, held that id. Now a version
-- is unique per (collection, id, owner organisation, version, line key):
-- the line key keeps each person's TLP:RED versions apart from everyone
-- else's ('red:' and the person), so adding a version never collides with
-- one the adder may not read; all other versions share the key 'shared'.
-- The leading columns also serve "the newer versions of this line"
-- (`version_clause`, `LATEST_READABLE`, `MARK_OLDER`).
CREATE UNIQUE INDEX stix_objects_line ON stix_objects (
    collection_id, stix_id, owner_org, version_us,
    (CASE WHEN tlp = 'RED' THEN 'red:' || CAST(created_by AS TEXT) ELSE 'shared' END)
);
ALTER TABLE stix_objects DROP CONSTRAINT stix_objects_collection_id_stix_id_version_us_key;

-- created_by -1 was written for "no person" (token adds): NULL now.
UPDATE stix_objects SET created_by = NULL WHERE created_by = -1;

-- Audience rows naming nobody (ids were not checked before): they granted
-- nothing yet, but would have granted access to whoever later received
-- the id. The collection's community is always in an object's audience,
-- so removing them only narrows it.
DELETE FROM stix_audience
WHERE (user_id IS NOT NULL AND user_id NOT IN (SELECT id FROM users))
   OR (org_id IS NOT NULL AND org_id NOT IN (SELECT id FROM organisations))
   OR (community_id IS NOT NULL AND community_id NOT IN (SELECT id FROM communities));

-- Heads are keyed by sharer now (`head_key`); they are taken afresh.
DELETE FROM stix_heads;

-- Secrets the servers of one database share, created on first use
-- (`IntelStore::derived_id_secret`): 32 random bytes as hex.
CREATE TABLE server_secrets (
    name        TEXT   PRIMARY KEY,
    secret      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
