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
-- export), one row each, so "who read object X" is an index probe. The
-- entry's detail names them too, and that is what the tree signs: this
-- table is an index of it.
CREATE TABLE audit_objects (
    object_id TEXT    NOT NULL,
    seq       BIGINT  NOT NULL,
    PRIMARY KEY (object_id, seq)
);
