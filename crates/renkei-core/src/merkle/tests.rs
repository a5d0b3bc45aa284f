//! Known answers from RFC 6962's reference data (as kept by
//! transparency-dev/merkle `testonly/reference_test.go`), and every proof
//! compared with `ct-merkle`'s in-memory tree for many sizes.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;

use super::*;

const LEAVES: &[&str] = &[
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// MTH of the first 1..=8 leaves.
const ROOTS: &[&str] = &[
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (tree size, leaf index, audit path).
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (1, 0, &[]),
    (
        2,
        0,
        &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    ),
    (
        2,
        1,
        &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    ),
    (
        3,
        2,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        5,
        1,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        8,
        0,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        8,
        5,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// (older size, newer size, consistency proof).
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(s: &str) -> Hash {
    hex::decode(s).expect("hex").try_into().expect("32 bytes")
}

fn leaves() -> Vec<Vec<u8>> {
    LEAVES
        .iter()
        .map(|l| hex::decode(l).expect("hex"))
        .collect()
}

/// A tree held whole, as the store holds it: leaf hashes, and the hash of
/// any complete subtree computed from them.
struct Held {
    leaves: Vec<Hash>,
}

impl Held {
    fn new(n: u64) -> Self {
        Self {
            leaves: (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect(),
        }
    }

    fn node(&self, n: Node) -> Hash {
        let (lo, hi) = n.leaves();
        perfect_root(&self.leaves[lo as usize..hi as usize])
    }

    fn range(&self, (lo, hi): (u64, u64)) -> Hash {
        let parts: Vec<Hash> = range_nodes(lo, hi)
            .into_iter()
            .map(|n| self.node(n))
            .collect();
        fold_right(&parts)
    }

    fn frontier(&self, size: u64) -> Frontier {
        let mut f = Frontier::default();
        for l in &self.leaves[..size as usize] {
            f.push(*l, |_, _| {});
        }
        f
    }
}

#[test]
fn rfc_6962_reference_roots_and_proofs() {
    let data = leaves();
    let hashes: Vec<Hash> = data.iter().map(|l| leaf_hash(l)).collect();
    let held = Held {
        leaves: hashes.clone(),
    };
    assert_eq!(Frontier::default().root(), EMPTY_ROOT);
    for (i, want) in ROOTS.iter().enumerate() {
        let size = i as u64 + 1;
        assert_eq!(held.frontier(size).root(), h(want), "root of {size}");
        assert_eq!(held.range((0, size)), h(want), "range root of {size}");
    }
    for (size, index, path) in INCLUSION {
        let got: Vec<Hash> = inclusion_ranges(*index, *size)
            .into_iter()
            .map(|r| held.range(r))
            .collect();
        let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
        assert_eq!(got, want, "inclusion of {index} in {size}");
        let root = h(ROOTS[*size as usize - 1]);
        check_inclusion(&data[*index as usize], *index, *size, &got, &root).expect("checks");
        let wrong = leaf_hash(b"x");
        assert!(check_inclusion(&wrong, *index, *size, &got, &root).is_err());
    }
    for (old, new, proof) in CONSISTENCY {
        let got: Vec<Hash> = consistency_ranges(*old, *new)
            .into_iter()
            .map(|r| held.range(r))
            .collect();
        let want: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
        assert_eq!(got, want, "consistency {old} → {new}");
        let (ro, rn) = (h(ROOTS[*old as usize - 1]), h(ROOTS[*new as usize - 1]));
        check_consistency(*old, &ro, *new, &rn, &got).expect("checks");
        if old != new {
            assert!(check_consistency(*old, &rn, *new, &rn, &got).is_err());
        }
    }
}

#[test]
fn frontier_reports_every_complete_subtree_and_round_trips() {
    let mut f = Frontier::default();
    let mut closed = Vec::new();
    for i in 0..16u64 {
        f.push(leaf_hash(&i.to_le_bytes()), |n, _| closed.push(n));
    }
    // 8 pairs, 4 of four, 2 of eight, 1 of sixteen.
    assert_eq!(closed.len(), 15);
    assert!(closed.contains(&Node { level: 4, index: 0 }));
    let back = Frontier::from_hex(f.size(), &f.to_hex()).expect("round trip");
    assert_eq!(back, f);
    assert!(Frontier::from_hex(17, &f.to_hex()).is_err());
    assert!(Frontier::from_hex(16, "zz").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Proofs built from ranges equal those of `ct-merkle`'s in-memory
    /// tree, and check out; the frontier's root is the tree's root.
    #[test]
    fn proofs_match_an_independent_tree(size in 1u64..300, a in 0u64..300, b in 0u64..300) {
        let held = Held::new(size);
        let mut t = MemoryBackedTree::<sha2::Sha256, Vec<u8>>::new();
        for i in 0..size {
            t.push(i.to_le_bytes().to_vec());
        }
        let root = held.frontier(size).root();
        let ct_root = t.root();
        prop_assert_eq!(&root[..], &ct_root.as_bytes()[..]);
        let index = a % size;
        let path: Vec<Hash> = inclusion_ranges(index, size).into_iter().map(|r| held.range(r)).collect();
        let flat: Vec<u8> = path.concat();
        let ct_path = t.prove_inclusion(index as usize);
        prop_assert_eq!(&flat[..], ct_path.as_bytes());
        prop_assert!(check_inclusion(&index.to_le_bytes(), index, size, &path, &root).is_ok());
        let old = 1 + b % size;
        let proof: Vec<Hash> = consistency_ranges(old, size).into_iter().map(|r| held.range(r)).collect();
        let old_root = held.frontier(old).root();
        prop_assert!(check_consistency(old, &old_root, size, &root, &proof).is_ok());
        if old < size {
            let flat: Vec<u8> = proof.concat();
            let ct_proof = t.prove_consistency((size - old) as usize);
            prop_assert_eq!(&flat[..], ct_proof.as_bytes());
            prop_assert!(check_consistency(old, &root, size, &root, &proof).is_err());
        }
    }
}
