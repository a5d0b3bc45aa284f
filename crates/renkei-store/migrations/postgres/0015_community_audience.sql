-- Audiences as the sharer named them (PostgreSQL). Never edit once applied.
--
-- A version's audience was its collection's community plus whatever the
-- sharer named, so naming `org:7` on TLP:AMBER widened it instead of
-- narrowing it. Now the audience is what the sharer named, or, when they
-- named none, the collection's community: community_audience = 1 says the
-- collection's community is in the audience (decided when the version is
-- stored; the read rule only reads it). Versions stored before keep the
-- audience they were read with: their community stays in it.
ALTER TABLE stix_objects ADD COLUMN community_audience INTEGER NOT NULL DEFAULT 1;

-- Exports read the value index in (value, kind, id) order a page at a
-- time, resuming after the last row, and merge rows that hold one value
-- as they stream: the order must be the bytes' order, as in SQLite and in
-- Rust, whatever the database's collation (under en_US, `http://x/b` and
-- `https://x/a` would not sort as their bytes do). Values are canonical
-- text compared for equality everywhere else, which "C" leaves as it was.
-- The index ends with id so each page is a walk of it (SQLite's indexes
-- end with the rowid already); it serves look-ups by (value, kind) as the
-- index it replaces did.
DROP INDEX indicator_values_value;
ALTER TABLE indicator_values ALTER COLUMN value TYPE TEXT COLLATE "C";
CREATE INDEX indicator_values_value ON indicator_values (value, kind, id);
