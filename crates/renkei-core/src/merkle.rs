//! The audit log as a Merkle tree in the Certificate Transparency shape
//! (RFC 9162 §2.1): leaf hash `SHA-256(0x00 ‖ leaf)`, node hash
//! `SHA-256(0x01 ‖ left ‖ right)`, a root for every tree size, inclusion
//! and consistency proofs.
//!
//! Proofs are built here as lists of leaf ranges whose hashes are needed
//! (the recursions of RFC 9162 §2.1.3.1 and §2.1.4.1 written as loops);
//! every such range splits into complete subtrees ([`Node`]), whose hashes
//! the store keeps or computes. Proofs are checked with the `ct-merkle`
//! crate, an implementation independent of the one that builds them.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// `SHA-256(0x00 ‖ leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A complete subtree: the `2^level` leaves from `index << level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    pub level: u32,
    pub index: u64,
}

impl Node {
    /// Its first leaf and one past its last.
    pub fn leaves(self) -> (u64, u64) {
        (self.index << self.level, (self.index + 1) << self.level)
    }
}

/// The right edge of a tree of `size` leaves: the roots of the complete
/// subtrees its size splits into, largest first (one per bit set in
/// `size`). Enough to append a leaf and to give the root, so an append
/// costs O(log n) hashes, whatever the size of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

/// A frontier's stored form did not fit its size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit tree's stored edge does not fit its size {size}")]
pub struct BadFrontier {
    pub size: u64,
}

impl Frontier {
    /// From its stored form: `size` and the hex of its hashes, concatenated.
    pub fn from_hex(size: u64, hex_hashes: &str) -> Result<Self, BadFrontier> {
        let bad = || BadFrontier { size };
        let bytes = hex::decode(hex_hashes).map_err(|_| bad())?;
        if bytes.len() != size.count_ones() as usize * 32 {
            return Err(bad());
        }
        let hashes = bytes
            .chunks_exact(32)
            .map(|c| c.try_into().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        Ok(Self { size, hashes })
    }

    pub fn to_hex(&self) -> String {
        self.hashes.iter().map(hex::encode).collect()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; `completed` is told of every complete subtree
    /// of two or more leaves this closes, smallest first.
    pub fn push(&mut self, leaf: Hash, mut completed: impl FnMut(Node, &Hash)) {
        let mut h = leaf;
        let mut node = Node {
            level: 0,
            index: self.size,
        };
        // Each set low bit of the size is a complete subtree of that level
        // waiting for a right sibling of the same size.
        while (self.size >> node.level) & 1 == 1 {
            let Some(left) = self.hashes.pop() else { break };
            h = node_hash(&left, &h);
            node = Node {
                level: node.level + 1,
                index: node.index >> 1,
            };
            completed(node, &h);
        }
        self.hashes.push(h);
        self.size += 1;
    }

    /// The tree's root (RFC 9162 §2.1.1's MTH).
    pub fn root(&self) -> Hash {
        fold_right(&self.hashes)
    }
}

/// MTH of leaves whose complete subtrees, left to right and shrinking, have
/// the hashes `parts` ([`range_nodes`] splits a range so).
pub fn fold_right(parts: &[Hash]) -> Hash {
    let Some((last, rest)) = parts.split_last() else {
        return EMPTY_ROOT;
    };
    rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc))
}

/// The hash of a perfect subtree from its `2^k` children at a lower level,
/// left to right.
pub fn perfect_root(children: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = children.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    level.first().copied().unwrap_or(EMPTY_ROOT)
}

/// The complete subtrees, left to right, that leaves `lo..hi` split into
/// when `lo` is a multiple of the largest power of two not above `hi - lo`
/// (true of every range a proof names).
pub fn range_nodes(lo: u64, hi: u64) -> Vec<Node> {
    let mut out = Vec::new();
    let mut at = lo;
    while at < hi {
        let level = (hi - at).ilog2();
        // `at` must sit on a boundary of that size; otherwise a smaller one.
        let level = level.min(at.trailing_zeros());
        out.push(Node {
            level,
            index: at >> level,
        });
        at += 1 << level;
    }
    out
}

/// The largest power of two below `n` (`n` ≥ 2).
fn split(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// The leaf ranges whose hashes make the inclusion proof of leaf `index`
/// in a tree of `size` leaves: RFC 9162 §2.1.3.1 `PATH(m, D[n])`, nearest
/// the leaf first.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut lo, mut hi) = (0, size);
    while hi - lo > 1 && index < hi {
        let k = split(hi - lo);
        if index < lo + k {
            out.push((lo + k, hi));
            hi = lo + k;
        } else {
            out.push((lo, lo + k));
            lo += k;
        }
    }
    out.reverse();
    out
}

/// The leaf ranges whose hashes make the consistency proof from a tree of
/// `old` leaves to one of `new`: RFC 9162 §2.1.4.1 `PROOF(m, D[n])`
/// (empty when `old` is 0 or `old == new`).
pub fn consistency_ranges(old: u64, new: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    if old == 0 || old >= new {
        return out;
    }
    let (mut lo, mut hi, mut whole) = (0, new, true);
    loop {
        if old == hi {
            if !whole {
                out.push((lo, hi));
            }
            break;
        }
        let k = split(hi - lo);
        if old - lo <= k {
            out.push((lo + k, hi));
            hi = lo + k;
        } else {
            out.push((lo, lo + k));
            lo += k;
            whole = false;
        }
    }
    out.reverse();
    out
}

/// Why a proof did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the inclusion proof does not lead to the tree's root")]
    Inclusion,
    #[error("the consistency proof does not join the older tree's root to the newer one's")]
    Consistency,
}

type CtHash = Sha256;

fn digests(hashes: &[Hash]) -> Vec<ct_merkle::digest::Output<CtHash>> {
    hashes.iter().map(|h| (*h).into()).collect()
}

fn ct_root(root: &Hash, size: u64) -> ct_merkle::RootHash<CtHash> {
    ct_merkle::RootHash::new((*root).into(), size)
}

/// Checks (with `ct-merkle`) that `leaf` is leaf `index` of the tree of
/// `size` leaves whose root is `root`.
pub fn check_inclusion(
    leaf: &[u8],
    index: u64,
    size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let proof = ct_merkle::InclusionProof::<CtHash>::from_digests(&digests(path));
    ct_root(root, size)
        .verify_inclusion(&leaf, index, &proof)
        .map_err(|_| ProofError::Inclusion)
}

/// Checks (with `ct-merkle`) that the tree of `old` leaves with root
/// `old_root` is a prefix of the tree of `new` leaves with root `new_root`.
pub fn check_consistency(
    old: u64,
    old_root: &Hash,
    new: u64,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old == new {
        return if old_root == new_root && proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Consistency)
        };
    }
    if old == 0 {
        // Every tree extends the empty one.
        return if proof.is_empty() && *old_root == EMPTY_ROOT {
            Ok(())
        } else {
            Err(ProofError::Consistency)
        };
    }
    let proof = ct_merkle::ConsistencyProof::<CtHash>::from_digests(&digests(proof));
    ct_root(new_root, new)
        .verify_consistency(&ct_root(old_root, old), &proof)
        .map_err(|_| ProofError::Consistency)
}

#[cfg(test)]
mod tests;
