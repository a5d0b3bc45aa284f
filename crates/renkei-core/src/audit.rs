//! The audit chain: each entry carries the hash of the one before it, so an
//! edit, a deletion or a reordering anywhere breaks every later link. Each
//! entry is also a leaf of the log's Merkle tree (`merkle`), whose signed
//! roots (`checkpoint`) anchor the log outside the database: the chain
//! alone can be recomputed by whoever can write the database.

use sha2::{Digest, Sha256};

use crate::{OrgId, Timestamp, UserId};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How the audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    Ok,
    Denied,
    Failed,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(AuditOutcome::Ok),
            "denied" => Some(AuditOutcome::Denied),
            "failed" => Some(AuditOutcome::Failed),
            _ => None,
        }
    }
}

/// One link of the chain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor_user: Option<UserId>,
    pub actor_org: Option<OrgId>,
    /// Human label of the actor (e-mail, token name, `system`).
    pub actor: String,
    /// What was done, e.g. `user.create`, `item.read`, `login`.
    pub action: String,
    /// What it was done to, e.g. `user:12`.
    pub object: String,
    /// Where from (client address, or `cli`).
    pub source: String,
    pub outcome: AuditOutcome,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry given its content and `prev_hash`.
    /// Fields are length-prefixed so no two different entries hash alike.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        };
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_le_bytes());
        field(&self.at.0.to_le_bytes());
        field(&self.actor_user.map_or(-1, |u| u.0).to_le_bytes());
        field(&self.actor_org.map_or(-1, |o| o.0).to_le_bytes());
        field(self.actor.as_bytes());
        field(self.action.as_bytes());
        field(self.object.as_bytes());
        field(self.source.as_bytes());
        field(self.outcome.as_str().as_bytes());
        field(self.detail.as_bytes());
        hex::encode(h.finalize())
    }
}

/// First field of every leaf: the leaf format's version.
pub const LEAF_VERSION: &str = "renkei-audit-leaf-v1";

impl AuditEntry {
    /// The entry's canonical form, its leaf in the Merkle tree: each field
    /// as its length (u64, little-endian) and its bytes: [`LEAF_VERSION`],
    /// `seq`, `at` (i64 little-endian), `actor_user` and `actor_org` (i64
    /// little-endian, or no bytes when none), `actor`, `action`, `object`,
    /// `source`, `outcome`, `detail`. The chain's links are not part of it.
    pub fn leaf(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(160 + self.detail.len());
        let mut field = |b: &[u8]| {
            out.extend_from_slice(&(b.len() as u64).to_le_bytes());
            out.extend_from_slice(b);
        };
        let opt = |v: Option<i64>| v.map(i64::to_le_bytes);
        field(LEAF_VERSION.as_bytes());
        field(&self.seq.to_le_bytes());
        field(&self.at.0.to_le_bytes());
        field(
            opt(self.actor_user.map(|u| u.0))
                .as_ref()
                .map_or(&[], |b| b),
        );
        field(opt(self.actor_org.map(|o| o.0)).as_ref().map_or(&[], |b| b));
        field(self.actor.as_bytes());
        field(self.action.as_bytes());
        field(self.object.as_bytes());
        field(self.source.as_bytes());
        field(self.outcome.as_str().as_bytes());
        field(self.detail.as_bytes());
        out
    }

    /// The hash of [`AuditEntry::leaf`] as a Merkle leaf.
    pub fn leaf_hash(&self) -> crate::merkle::Hash {
        crate::merkle::leaf_hash(&self.leaf())
    }
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks entries one by one in `seq` order, so a log of any length can be
/// verified page by page in constant memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let brk = |reason: String| Err(ChainBreak { seq: e.seq, reason });
        if e.seq != self.next_seq {
            return Err(ChainBreak {
                seq: self.next_seq,
                reason: format!(
                    "expected entry {} but found {} (missing or reordered entries)",
                    self.next_seq, e.seq
                ),
            });
        }
        if e.prev_hash != self.prev_hash {
            return brk("its previous-hash does not match the entry before it".into());
        }
        if e.compute_hash() != e.hash {
            return brk("its content does not match its hash (edited)".into());
        }
        self.next_seq += 1;
        self.prev_hash.clone_from(&e.hash);
        Ok(())
    }

    /// Compares the end of the chain with the store's recorded head, which
    /// catches entries cut off the end.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.next_seq - 1;
        if last != head_seq {
            return Err(ChainBreak {
                seq: last + 1,
                reason: format!(
                    "the log ends at entry {last} but the head records {head_seq} (entries removed from the end)"
                ),
            });
        }
        if last > 0 && self.prev_hash != head_hash {
            return Err(ChainBreak {
                seq: last,
                reason: "the last entry's hash does not match the recorded head".into(),
            });
        }
        Ok(last)
    }
}

/// Verifies a whole chain held in memory; returns the number of entries.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    head_seq: i64,
    head_hash: &str,
) -> Result<i64, ChainBreak> {
    let mut v = ChainVerifier::default();
    for e in entries {
        v.push(e)?;
    }
    v.finish(head_seq, head_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: Timestamp(seq * 1000),
                    actor_user: Some(UserId(1)),
                    actor_org: None,
                    actor: "a@example.jp".into(),
                    action: "item.read".into(),
                    object: format!("item:{seq}"),
                    source: "127.0.0.1".into(),
                    outcome: AuditOutcome::Ok,
                    detail: String::new(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    fn head(c: &[AuditEntry]) -> (i64, String) {
        c.last()
            .map_or((0, GENESIS_HASH.into()), |e| (e.seq, e.hash.clone()))
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let (s, h) = head(&c);
        assert_eq!(verify_chain(&c, s, &h), Ok(5));
        assert_eq!(verify_chain(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn edit_delete_reorder_truncate_are_caught() {
        let c = chain(5);
        let (s, h) = head(&c);

        let mut edited = c.clone();
        edited[2].object = "item:999".into();
        assert_eq!(verify_chain(&edited, s, &h).map_err(|b| b.seq), Err(3));

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(verify_chain(&deleted, s, &h).map_err(|b| b.seq), Err(2));

        let mut swapped = c.clone();
        swapped.swap(1, 2);
        assert_eq!(verify_chain(&swapped, s, &h).map_err(|b| b.seq), Err(2));

        // Renumbering after a swap still breaks the prev-hash link.
        let mut renumbered = swapped.clone();
        renumbered[1].seq = 2;
        renumbered[2].seq = 3;
        assert_eq!(verify_chain(&renumbered, s, &h).map_err(|b| b.seq), Err(2));

        let truncated = &c[..4];
        assert_eq!(verify_chain(truncated, s, &h).map_err(|b| b.seq), Err(5));
    }
}
