-- Every collection holds the five TLP 2.0 marking definitions (SQLite).
-- Never edit once applied.
--
-- Objects reference the TLP 2.0 marking-definitions by their fixed ids
-- (FIRST's TLP 2.0 in STIX, the extension definition
-- extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d); a TAXII
-- client resolves such a reference from the collection the object came
-- from (stix2's TAXIICollectionSource), so every collection serves them.
-- All five, in every collection, from its creation: which ones a
-- collection holds then tells nothing about which levels are in use. They
-- are the specification's own objects (renkei-stix `tlp_marking_object`,
-- compared in the tests), TLP:CLEAR, and belong to no organisation:
-- owner_org 0, which no organisation has (ids start at 1), so nobody can
-- delete them (a delete hides only the deleter's organisation's versions),
-- and adds of these ids store nothing (`IntelStore::add_stix`).
-- `IntelStore::create_collection` copies them into each new collection.
CREATE TABLE stix_system_objects (
    -- Their order, and their date_added's offset in microseconds.
    ordinal     INTEGER PRIMARY KEY,
    stix_id     TEXT    NOT NULL UNIQUE,
    stix_type   TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    version_us  INTEGER NOT NULL,
    body        TEXT    NOT NULL
);
INSERT INTO stix_system_objects (ordinal, stix_id, stix_type, version, version_us, body)
VALUES
    (0, 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'marking-definition', '2022-10-01T00:00:00.000Z',
     1664582400000000,
     '{"created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}},"id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","name":"TLP:CLEAR","spec_version":"2.1","type":"marking-definition"}'),
    (1, 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'marking-definition', '2022-10-01T00:00:00.000Z',
     1664582400000000,
     '{"created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}},"id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","name":"TLP:GREEN","spec_version":"2.1","type":"marking-definition"}'),
    (2, 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'marking-definition', '2022-10-01T00:00:00.000Z',
     1664582400000000,
     '{"created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber"}},"id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","name":"TLP:AMBER","spec_version":"2.1","type":"marking-definition"}'),
    (3, 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003', 'marking-definition', '2022-10-01T00:00:00.000Z',
     1664582400000000,
     '{"created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}},"id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","name":"TLP:AMBER+STRICT","spec_version":"2.1","type":"marking-definition"}'),
    (4, 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'marking-definition', '2022-10-01T00:00:00.000Z',
     1664582400000000,
     '{"created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}},"id":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","name":"TLP:RED","spec_version":"2.1","type":"marking-definition"}');

-- The collections that exist now get them as added now, so that a client
-- polling with added_after sees them arrive.
INSERT INTO stix_objects (
    collection_id, community_id, stix_id, stix_type, spec_version, version, version_us,
    date_added, tlp, owner_org, created_by, body
)
SELECT c.id, c.community_id, s.stix_id, s.stix_type, '2.1', s.version, s.version_us,
       CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER) + s.ordinal, 'CLEAR', 0, NULL, s.body
FROM taxii_collections c CROSS JOIN stix_system_objects s
ORDER BY c.created_at, c.id, s.ordinal;
