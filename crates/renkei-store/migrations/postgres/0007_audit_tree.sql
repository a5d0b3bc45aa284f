-- The audit log as a Merkle tree (RFC 9162), anchored by signed checkpoints
-- outside the database; and which objects each audited read returned.
-- Never edit once applied.
--
-- Every entry is a leaf: `leaf` is the hex of SHA-256(0x00 || its canonical
-- form) (renkei-core `AuditEntry::leaf`). The head keeps the tree's right
-- edge (`frontier`: the hex of the roots of the complete subtrees its size
-- splits into, largest first), so an append costs O(log n) hashes.
-- `audit_tree` keeps the roots of complete subtrees on every fourth level
-- (16, 256, 4096… leaves), so any proof reads O(log n) short ranges; a
-- subtree in between is computed from at most 16 of the level below. The
-- store fills all of this in for entries written before this migration
-- when it opens (`audit::tree::catch_up`).
ALTER TABLE audit_log ADD COLUMN leaf TEXT;
ALTER TABLE audit_head ADD COLUMN tree_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN frontier TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_tree (
    level INTEGER NOT NULL,
    idx   BIGINT  NOT NULL,
    hash  TEXT    NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The objects an audited read returned (a TAXII page, a look-up, an
-- export), one row each, in the order they are appended: rows of one
-- entry sit together, so an append writes a page or two whatever the
-- number of objects. The entry's detail names them too, and that is what
-- the tree signs: these tables index it.
CREATE TABLE audit_objects (
    seq       BIGINT  NOT NULL,
    object_id TEXT    NOT NULL,
    PRIMARY KEY (seq, object_id)
);

-- The same rows by object, for "who read object X": filled in bulk from
-- audit_objects (and audit_reads, below) up to `audit_objects_indexed.seq`
-- when someone asks, not
-- by every read (inserting each read's objects at random places of an
-- index by object made every TAXII page write about one database page
-- per object).
CREATE TABLE audit_objects_by_id (
    object_id TEXT    NOT NULL,
    seq       BIGINT  NOT NULL,
    PRIMARY KEY (object_id, seq)
);
-- The object versions a TAXII page returned, as runs of consecutive
-- `stix_objects.pk` (`lo`..`hi`, at most 10,000 long), in append order; and
-- the same by first key, filled with the index above.
CREATE TABLE audit_reads (
    seq BIGINT  NOT NULL,
    lo  BIGINT  NOT NULL,
    hi  BIGINT  NOT NULL,
    PRIMARY KEY (seq, lo)
);
CREATE TABLE audit_reads_by_lo (
    lo  BIGINT  NOT NULL,
    seq BIGINT  NOT NULL,
    hi  BIGINT  NOT NULL,
    PRIMARY KEY (lo, seq)
);
CREATE TABLE audit_objects_indexed (
    id  BIGINT  PRIMARY KEY CHECK (id = 1),
    seq BIGINT  NOT NULL
);
INSERT INTO audit_objects_indexed (id, seq) VALUES (1, 0);
