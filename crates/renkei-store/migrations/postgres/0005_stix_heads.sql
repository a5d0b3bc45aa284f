-- One row per object in a collection (PostgreSQL). Never edit once applied.
--
-- Adding versions first inserts the objects' heads (ON CONFLICT DO NOTHING,
-- in key order): an add of a version of an object that another transaction
-- is adding waits on that head until the other commits, and then sees its
-- versions, so has_newer (migration 0004) stays exact under concurrent
-- adds. The key is the first 8 bytes of SHA-256 over the collection id, a
-- NUL and the STIX id (`intel_sql.rs`, `head_key`): an 8-byte key keeps the
-- index small. A collision only makes an add look at another object's
-- versions too (no effect); nothing is refused or hidden by a head.
CREATE TABLE stix_heads (
    object_key  BIGINT NOT NULL PRIMARY KEY
);
