//! Reading the stored tree for proofs: leaf hashes and the complete
//! subtrees `tree.rs` keeps, and any subtree's hash from them. Apart from
//! `tree.rs`, which appends, so the append path needs no store handle.

use std::collections::HashMap;

use renkei_core::merkle::{Hash, Node, fold_right, perfect_root, range_nodes};

use super::tree::STRATUM;
use crate::backend::{Backend, RowExt, Sql};
use crate::store::SqlStore;
use crate::{Result, StoreError};

const LEAVES: &str = "
    SELECT seq, leaf FROM audit_log
    WHERE seq > $1 AND seq <= $2
    ORDER BY seq";

const NODES: &str = "
    SELECT idx, hash FROM audit_tree
    WHERE level = $1 AND idx >= $2 AND idx < $3
    ORDER BY idx";

fn parse_hash(table: &'static str, hex_hash: &str) -> Result<Hash> {
    hex::decode(hex_hash)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| StoreError::corrupt(table, "a tree hash is not 32 bytes of hex"))
}

#[allow(private_bounds)]
impl<B: Backend> SqlStore<B> {
    /// The stored hashes on `level` (0: leaves) from index `lo` to `hi`.
    async fn stored(&self, level: u32, lo: u64, hi: u64) -> Result<Vec<Hash>> {
        let (rows, table, col) = if level == 0 {
            let q = Sql::new(LEAVES).bind(lo as i64).bind(hi as i64);
            (q.fetch_all(self).await?, "audit_log", "leaf")
        } else {
            let q = Sql::new(NODES)
                .bind(i64::from(level))
                .bind(lo as i64)
                .bind(hi as i64);
            (q.fetch_all(self).await?, "audit_tree", "hash")
        };
        if rows.len() as u64 != hi - lo {
            return Err(StoreError::corrupt(
                table,
                format!("the audit tree lacks hashes of level {level} from {lo} to {hi}"),
            ));
        }
        rows.iter()
            .map(|r| {
                let h = r.opt_text(col)?.ok_or_else(|| {
                    StoreError::corrupt(table, "an entry has no leaf hash (tree not built)")
                })?;
                parse_hash(table, &h)
            })
            .collect()
    }

    /// The hash of a complete subtree: stored, or from at most
    /// `2^(STRATUM-1)` stored hashes below it.
    async fn node(&self, n: Node) -> Result<Hash> {
        let base = n.level - n.level % STRATUM;
        let span = n.level - base;
        let lo = n.index << span;
        let children = self.stored(base, lo, lo + (1 << span)).await?;
        Ok(perfect_root(&children))
    }

    /// The hashes of leaf ranges, as proofs name them.
    pub(crate) async fn range_hashes(&self, ranges: &[(u64, u64)]) -> Result<Vec<Hash>> {
        let mut known: HashMap<Node, Hash> = HashMap::new();
        let mut out = Vec::with_capacity(ranges.len());
        for &(lo, hi) in ranges {
            let mut parts = Vec::new();
            for n in range_nodes(lo, hi) {
                let h = match known.get(&n) {
                    Some(h) => *h,
                    None => {
                        let h = self.node(n).await?;
                        known.insert(n, h);
                        h
                    }
                };
                parts.push(h);
            }
            out.push(fold_right(&parts));
        }
        Ok(out)
    }
}
