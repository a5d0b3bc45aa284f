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
