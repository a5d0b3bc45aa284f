//! Reading the audit tree: its head, inclusion and consistency proofs, and
//! the walk that checks every entry against its chain link, its leaf hash
//! and the stored tree, and gives the root at any size on the way (what a
//! checkpoint is checked against).

use renkei_core::merkle::{EMPTY_ROOT, Frontier, Hash, Node, consistency_ranges, inclusion_ranges};
use renkei_core::{AuditEntry, ChainBreak, ChainVerifier};

use super::tree::{Head, STRATUM};
use super::{TreeHead, TreeWalk, audit_entry};
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;
use crate::{Result, StoreError};

const HEAD: &str = "SELECT seq, hash, tree_size, frontier FROM audit_head WHERE id = 1";

const ENTRY: &str = "
    SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash
    FROM audit_log
    WHERE seq = $1";

const WALK_PAGE: &str = "
    SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash, leaf
    FROM audit_log
    WHERE seq > $1 AND seq <= $2
    ORDER BY seq
    LIMIT 2000";

const STORED_NODES: &str = "
    SELECT idx, hash FROM audit_tree
    WHERE level = $1 AND idx >= $2 AND idx <= $3
    ORDER BY idx";

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    pub(crate) async fn tree_head(&self) -> Result<TreeHead> {
        let head = Head::read(&Sql::new(HEAD).fetch_one(self).await?)?;
        Ok(TreeHead {
            size: head.frontier.size(),
            root: head.frontier.root(),
        })
    }

    /// Refuses sizes the tree has not reached.
    async fn within(&self, size: u64) -> Result<()> {
        let now = self.tree_head().await?.size;
        if size > now {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "size",
                format!("the audit log holds {now} entries, not {size}"),
            )));
        }
        Ok(())
    }

    pub(crate) async fn inclusion(&self, seq: i64, size: u64) -> Result<(AuditEntry, Vec<Hash>)> {
        if seq < 1 || seq as u64 > size {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "entry",
                format!("entry {seq} is not in a tree of {size} entries"),
            )));
        }
        self.within(size).await?;
        let row = Sql::new(ENTRY)
            .bind(seq)
            .fetch_optional(self)
            .await?
            .ok_or(StoreError::NotFound("audit entry"))?;
        let entry = audit_entry(&row)?;
        let path = self
            .range_hashes(&inclusion_ranges(seq as u64 - 1, size))
            .await?;
        Ok((entry, path))
    }

    pub(crate) async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        if old > new {
            return Err(StoreError::Invalid(renkei_core::ParseError::new(
                "size",
                format!("{old} entries cannot be a prefix of {new}"),
            )));
        }
        self.within(new).await?;
        self.range_hashes(&consistency_ranges(old, new)).await
    }

    /// Walks the whole log in `seq` order; see [`super::AuditStore::walk_audit`].
    pub(crate) async fn walk(
        &self,
        at: Option<u64>,
    ) -> Result<std::result::Result<TreeWalk, ChainBreak>> {
        // The head first: entries up to it are there (they commit
        // together), and later appends do not disturb the walk.
        let stored = Sql::new(HEAD).fetch_one(self).await?;
        let head_seq = stored.i64("seq")?;
        let mut chain = ChainVerifier::default();
        let mut tree = Frontier::default();
        let mut root_at = (at == Some(0)).then_some(EMPTY_ROOT);
        let mut after = i64::MIN;
        loop {
            let rows = Sql::new(WALK_PAGE)
                .bind(after)
                .bind(head_seq)
                .fetch_all(self)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.i64("seq")?;
            // Stored-level subtrees this page closes, with the entry that
            // closed each (to name it if the stored one differs).
            let mut closed: Vec<(Node, Hash, i64)> = Vec::new();
            for r in &rows {
                let e = audit_entry(r)?;
                if let Err(b) = chain.push(&e) {
                    return Ok(Err(b));
                }
                let leaf = e.leaf_hash();
                if r.opt_text("leaf")?.as_deref() != Some(hex::encode(leaf).as_str()) {
                    return Ok(Err(ChainBreak {
                        seq: e.seq,
                        reason: "its content does not match its leaf in the Merkle tree (edited)"
                            .into(),
                    }));
                }
                tree.push(leaf, |n, h| {
                    if n.level.is_multiple_of(STRATUM) {
                        closed.push((n, *h, e.seq));
                    }
                });
                if Some(tree.size()) == at {
                    root_at = Some(tree.root());
                }
            }
            if let Some(b) = self.compare_stored(&closed).await? {
                return Ok(Err(b));
            }
        }
        let entries = match chain.finish(head_seq, &stored.text("hash")?) {
            Ok(n) => n,
            Err(b) => return Ok(Err(b)),
        };
        let edge = stored.text("frontier")?;
        if stored.i64("tree_size")? != entries || edge != tree.to_hex() {
            return Ok(Err(ChainBreak {
                seq: entries,
                reason: "the head's record of the Merkle tree does not match the entries".into(),
            }));
        }
        Ok(Ok(TreeWalk {
            head: TreeHead {
                size: tree.size(),
                root: tree.root(),
            },
            root_at,
        }))
    }

    /// Compares subtrees computed from the entries with the stored ones.
    async fn compare_stored(&self, closed: &[(Node, Hash, i64)]) -> Result<Option<ChainBreak>> {
        let mut levels: Vec<u32> = closed.iter().map(|(n, ..)| n.level).collect();
        levels.sort_unstable();
        levels.dedup();
        for level in levels {
            let mine: Vec<&(Node, Hash, i64)> =
                closed.iter().filter(|(n, ..)| n.level == level).collect();
            let (Some(first), Some(last)) = (mine.first(), mine.last()) else {
                continue;
            };
            let rows = Sql::new(STORED_NODES)
                .bind(i64::from(level))
                .bind(first.0.index as i64)
                .bind(last.0.index as i64)
                .fetch_all(self)
                .await?;
            let stored: Vec<(i64, String)> = rows
                .iter()
                .map(|r| Ok((r.i64("idx")?, r.text("hash")?)))
                .collect::<Result<_>>()?;
            for (n, h, seq) in mine {
                let found = stored.iter().find(|(i, _)| *i == n.index as i64);
                if found.map(|(_, s)| s.as_str()) != Some(hex::encode(h).as_str()) {
                    let (lo, hi) = n.leaves();
                    return Ok(Some(ChainBreak {
                        seq: *seq,
                        reason: format!(
                            "the stored Merkle subtree over entries {}..{} does not match them",
                            lo + 1,
                            hi
                        ),
                    }));
                }
            }
        }
        Ok(None)
    }
}
