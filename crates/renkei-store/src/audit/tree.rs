//! The audit log's Merkle tree in the database (migration 0007): each
//! entry's leaf hash beside it, the tree's right edge in the head, and the
//! roots of complete subtrees on every [`STRATUM`]th level in `audit_tree`.
//! Appends grow it (`grow`, O(log n) per entry); proofs read O(log n) short
//! ranges of it (`hashes`).

use renkei_core::AuditEntry;
use renkei_core::merkle::Frontier;

use crate::backend::{Backend, RowExt, Sql, Tx};
use crate::{Result, StoreError};

/// What an audited read returned, besides its entry's detail (which
/// names the same): STIX ids, and runs of version keys (`stix_objects.pk`,
/// first and last).
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    pub ids: Vec<String>,
    pub versions: Vec<(i64, i64)>,
}

/// Complete subtrees are kept on levels that are multiples of this: one
/// stored row per 15 entries or so, and a subtree in between is computed
/// from at most `2^(STRATUM-1)` hashes of the level below.
pub(crate) const STRATUM: u32 = 4;

/// The chain's head and the tree's right edge, as stored in `audit_head`.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
    pub frontier: Frontier,
}

impl Head {
    /// From the head row's `seq`, `hash`, `tree_size` and `frontier`. A
    /// tree behind the chain is refused: appending would leave it wrong.
    pub fn from_row(seq: i64, hash: String, tree_size: i64, frontier: &str) -> Result<Self> {
        if tree_size != seq {
            return Err(StoreError::corrupt(
                "audit_head",
                format!("the audit tree holds {tree_size} entries but the chain {seq}"),
            ));
        }
        let frontier = Frontier::from_hex(tree_size as u64, frontier)
            .map_err(|e| StoreError::corrupt("audit_head", e))?;
        Ok(Self {
            seq,
            hash,
            frontier,
        })
    }

    pub fn read(r: &impl RowExt) -> Result<Self> {
        Self::from_row(
            r.i64("seq")?,
            r.text("hash")?,
            r.i64("tree_size")?,
            &r.text("frontier")?,
        )
    }
}

/// What an append stores besides the entries.
#[derive(Debug, Default)]
pub(crate) struct Grown {
    /// Each entry's leaf hash, hex.
    pub leaves: Vec<String>,
    /// Complete subtrees closed on a stored level: level, index, hash hex.
    pub nodes: Vec<(i64, i64, String)>,
}

/// Chains `entries` onto `head` (numbers from `head.seq + 1`, `prev_hash`,
/// `hash`), adds them to the tree, and moves `head` past them.
pub(crate) fn grow(entries: &mut [AuditEntry], head: &mut Head) -> Grown {
    let mut out = Grown {
        leaves: Vec::with_capacity(entries.len()),
        nodes: Vec::new(),
    };
    for e in entries.iter_mut() {
        head.seq += 1;
        e.seq = head.seq;
        e.prev_hash = std::mem::take(&mut head.hash);
        e.hash = e.compute_hash();
        head.hash.clone_from(&e.hash);
        let leaf = e.leaf_hash();
        out.leaves.push(hex::encode(leaf));
        head.frontier.push(leaf, |n, h| {
            if n.level.is_multiple_of(STRATUM) {
                out.nodes
                    .push((i64::from(n.level), n.index as i64, hex::encode(h)));
            }
        });
    }
    out
}

/// Rows for `audit_objects` (`(object id, seq)`) and `audit_reads`
/// (`(seq, first, last)`).
pub(crate) type ListingRows = (Vec<(String, i64)>, Vec<(i64, i64, i64)>);

/// The rows of each entry's listing (its ids once each).
pub(crate) fn object_rows(entries: &[AuditEntry], listings: &[Listing]) -> ListingRows {
    let (mut ids_out, mut runs_out) = (Vec::new(), Vec::new());
    for (e, l) in entries.iter().zip(listings) {
        let mut ids: Vec<&String> = l.ids.iter().collect();
        ids.sort_unstable();
        ids.dedup();
        ids_out.extend(ids.into_iter().map(|id| (id.clone(), e.seq)));
        runs_out.extend(l.versions.iter().map(|&(lo, hi)| (e.seq, lo, hi)));
    }
    (ids_out, runs_out)
}

const LOCK_HEAD: &str = "
    UPDATE audit_head SET seq = seq WHERE id = 1
    RETURNING seq, hash, tree_size, frontier";

const UNTREED: &str = "
    SELECT seq, at, actor_user, actor_org, actor, action, object, source, outcome, detail,
           prev_hash, hash
    FROM audit_log
    WHERE seq > $1
    ORDER BY seq
    LIMIT 2000";

const SET_LEAF: &str = "UPDATE audit_log SET leaf = $1 WHERE seq = $2";
pub(crate) const INSERT_NODE: &str =
    "INSERT INTO audit_tree (level, idx, hash) VALUES ($1, $2, $3)";
const SET_TREE: &str = "UPDATE audit_head SET tree_size = $1, frontier = $2 WHERE id = 1";

/// Builds the tree over entries written before it existed (migration
/// 0007), once, under the head's lock. Their chain hashes are kept as
/// they are: whatever they say is what the first checkpoint anchors.
pub(crate) async fn catch_up<B: Backend>(tx: &mut Tx<'_, B>) -> Result<()> {
    let head = Sql::new(LOCK_HEAD).fetch_one(&mut *tx).await?;
    let (seq, size) = (head.i64("seq")?, head.i64("tree_size")?);
    if size == seq {
        return Ok(());
    }
    let mut frontier = Frontier::from_hex(size as u64, &head.text("frontier")?)
        .map_err(|e| StoreError::corrupt("audit_head", e))?;
    tracing::info!(
        from = size,
        to = seq,
        "building the audit log's Merkle tree"
    );
    loop {
        let rows = Sql::new(UNTREED)
            .bind(frontier.size() as i64)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        let mut nodes = Vec::new();
        for r in &rows {
            let e = super::audit_entry(r)?;
            if e.seq != frontier.size() as i64 + 1 {
                return Err(StoreError::corrupt(
                    "audit_log",
                    format!("entry {} is missing", frontier.size() + 1),
                ));
            }
            let leaf = e.leaf_hash();
            Sql::new(SET_LEAF)
                .bind(hex::encode(leaf))
                .bind(e.seq)
                .execute(&mut *tx)
                .await?;
            frontier.push(leaf, |n, h| {
                if n.level.is_multiple_of(STRATUM) {
                    nodes.push((i64::from(n.level), n.index as i64, hex::encode(h)));
                }
            });
        }
        for (level, idx, h) in nodes {
            Sql::new(INSERT_NODE)
                .bind(level)
                .bind(idx)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
    }
    if frontier.size() as i64 != seq {
        return Err(StoreError::corrupt(
            "audit_log",
            format!(
                "the log holds {} entries but the head says {seq}",
                frontier.size()
            ),
        ));
    }
    Sql::new(SET_TREE)
        .bind(seq)
        .bind(frontier.to_hex())
        .execute(&mut *tx)
        .await?;
    Ok(())
}
