//! RFC 9162 (Certificate Transparency v2) Merkle trees: leaf = SHA-256(0x00 ‖ entry),
//! node = SHA-256(0x01 ‖ left ‖ right); inclusion and consistency proofs.
//!
//! Proof *generation* is split in two so a store can fetch everything in one query: a plan
//! names the ranges whose subtree hashes the proof needs, each range decomposes into complete
//! aligned subtrees (stored nodes), and the proof is assembled from those hashes.
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete, aligned subtree: `level` 0 is a leaf; it covers leaves
/// `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

/// A range of leaves `[lo, hi)` whose Merkle tree hash a proof needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub lo: u64,
    pub hi: u64,
}

/// The largest power of two strictly smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

impl Range {
    /// The complete subtrees that make up this range, left to right. Ranges produced by the
    /// RFC's recursion always start on a boundary of their largest subtree, so each piece is
    /// an aligned node.
    pub fn nodes(self) -> Vec<NodeId> {
        let mut out = Vec::new();
        let (mut lo, hi) = (self.lo, self.hi);
        while lo < hi {
            let len = hi - lo;
            let piece = if len.is_power_of_two() {
                len
            } else {
                split(len)
            };
            let level = piece.trailing_zeros();
            out.push(NodeId {
                level,
                index: lo >> level,
            });
            lo += piece;
        }
        out
    }

    /// MTH of the range from the hashes of its nodes (in the order of [`Range::nodes`]).
    pub fn root(nodes: &[Hash]) -> Hash {
        let mut iter = nodes.iter().rev();
        let Some(last) = iter.next() else {
            return empty_root();
        };
        iter.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// The ranges whose hashes form the inclusion proof of leaf `m` in a tree of `n` leaves, from
/// the leaf upwards (RFC 9162 §2.1.3.1).
pub fn inclusion_plan(m: u64, n: u64) -> Vec<Range> {
    fn path(m: u64, lo: u64, hi: u64, out: &mut Vec<Range>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            path(m, lo, lo + k, out);
            out.push(Range { lo: lo + k, hi });
        } else {
            path(m - k, lo + k, hi, out);
            out.push(Range { lo, hi: lo + k });
        }
    }
    let mut out = Vec::new();
    if m < n {
        path(m, 0, n, &mut out);
    }
    out
}

/// The ranges whose hashes form the consistency proof from size `m` to size `n`
/// (RFC 9162 §2.1.4.1). Empty when `m == 0` or `m == n`.
pub fn consistency_plan(m: u64, n: u64) -> Vec<Range> {
    fn sub(m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<Range>) {
        let n = hi - lo;
        if m == n {
            if !complete {
                out.push(Range { lo, hi });
            }
            return;
        }
        let k = split(n);
        if m <= k {
            sub(m, lo, lo + k, complete, out);
            out.push(Range { lo: lo + k, hi });
        } else {
            sub(m - k, lo + k, hi, false, out);
            out.push(Range { lo, hi: lo + k });
        }
    }
    let mut out = Vec::new();
    if m > 0 && m < n {
        sub(m, 0, n, true, &mut out);
    }
    out
}

/// Every node a list of ranges needs, deduplicated and sorted (for one batched lookup).
pub fn needed_nodes(ranges: &[Range]) -> Vec<NodeId> {
    let mut all: Vec<NodeId> = ranges.iter().flat_map(|r| r.nodes()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Assembles a proof from a plan and a node lookup.
pub fn assemble<E>(
    plan: &[Range],
    mut node: impl FnMut(NodeId) -> Result<Hash, E>,
) -> Result<Vec<Hash>, E> {
    plan.iter()
        .map(|r| {
            let hashes = r
                .nodes()
                .into_iter()
                .map(&mut node)
                .collect::<Result<Vec<_>, E>>()?;
            Ok(Range::root(&hashes))
        })
        .collect()
}

/// RFC 9162 §2.1.3.2.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && &r == root
}

/// RFC 9162 §2.1.4.2. A tree is consistent with itself (empty proof) and with the empty tree.
pub fn verify_consistency(m: u64, n: u64, proof: &[Hash], root_m: &Hash, root_n: &Hash) -> bool {
    if m > n {
        return false;
    }
    if m == n {
        return proof.is_empty() && root_m == root_n;
    }
    if m == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if m.is_power_of_two() {
        path.push(*root_m);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (m - 1, n - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && &fr == root_m && &sr == root_n
}

/// The right edge of a growing tree: the complete subtrees covering all leaves so far.
/// Appending reports every node it completes, so a store can persist exactly those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (level, hash), largest (leftmost) first.
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Rebuilds the frontier of a tree of `size` leaves from its stored nodes.
    pub fn from_nodes<E>(
        size: u64,
        mut node: impl FnMut(NodeId) -> Result<Hash, E>,
    ) -> Result<Self, E> {
        let stack = Range { lo: 0, hi: size }
            .nodes()
            .into_iter()
            .map(|id| Ok((id.level, node(id)?)))
            .collect::<Result<Vec<_>, E>>()?;
        Ok(Frontier { size, stack })
    }

    /// The complete subtrees covering every leaf so far, with their ids, largest first.
    /// Every inclusion proof for a leaf appended later needs, to the left of this size, only
    /// these nodes, so a sequencer can build its receipts without reading stored nodes.
    pub fn nodes(&self) -> Vec<(NodeId, Hash)> {
        Range {
            lo: 0,
            hi: self.size,
        }
        .nodes()
        .into_iter()
        .zip(self.stack.iter().map(|(_, h)| *h))
        .collect()
    }

    /// Appends a leaf hash; returns the nodes completed (the leaf itself first).
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let index = self.size;
        let mut done = vec![(NodeId { level: 0, index }, leaf)];
        let mut cur = (0u32, leaf);
        while let Some(&(level, left)) = self.stack.last() {
            if level != cur.0 {
                break;
            }
            self.stack.pop();
            let h = node_hash(&left, &cur.1);
            cur = (level + 1, h);
            done.push((
                NodeId {
                    level: level + 1,
                    index: index >> (level + 1),
                },
                h,
            ));
        }
        self.stack.push(cur);
        self.size += 1;
        done
    }

    pub fn root(&self) -> Hash {
        let hashes: Vec<Hash> = self.stack.iter().map(|(_, h)| *h).collect();
        Range::root(&hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The RFC's definition, straight from the text, as the oracle.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn tree(n: u64) -> (Vec<Hash>, HashMap<NodeId, Hash>, Frontier) {
        let leaves: Vec<Hash> = (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect();
        let mut f = Frontier::default();
        let mut nodes = HashMap::new();
        for l in &leaves {
            nodes.extend(f.push(*l));
        }
        (leaves, nodes, f)
    }

    #[test]
    fn frontier_root_matches_the_rfc_definition() {
        for n in 0..70u64 {
            let (leaves, nodes, f) = tree(n);
            assert_eq!(f.root(), mth(&leaves), "size {n}");
            let again = Frontier::from_nodes(n, |id| nodes.get(&id).copied().ok_or(())).unwrap();
            assert_eq!(again, f);
        }
    }

    #[test]
    fn known_answer_for_the_empty_tree() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn every_inclusion_proof_verifies_and_a_wrong_one_does_not() {
        for n in 1..40u64 {
            let (leaves, nodes, f) = tree(n);
            let root = f.root();
            for m in 0..n {
                let proof = assemble(&inclusion_plan(m, n), |id| {
                    nodes.get(&id).copied().ok_or(())
                })
                .unwrap();
                assert!(
                    verify_inclusion(&leaves[m as usize], m, n, &proof, &root),
                    "m={m} n={n}"
                );
                let other = leaves[((m + 1) % n) as usize];
                assert!(n == 1 || !verify_inclusion(&other, m, n, &proof, &root));
                assert!(
                    n == 1 || !verify_inclusion(&leaves[m as usize], (m + 1) % n, n, &proof, &root),
                    "wrong index m={m} n={n}"
                );
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_a_forged_root_does_not() {
        let (_, nodes, _) = tree(40);
        let roots: Vec<Hash> = (0..=40u64).map(|n| tree(n).2.root()).collect();
        for n in 1..=40u64 {
            for m in 1..=n {
                let proof = assemble(&consistency_plan(m, n), |id| {
                    nodes.get(&id).copied().ok_or(())
                })
                .unwrap();
                assert!(
                    verify_consistency(m, n, &proof, &roots[m as usize], &roots[n as usize]),
                    "m={m} n={n}"
                );
                if m < n {
                    let forged = leaf_hash(b"forged");
                    assert!(!verify_consistency(
                        m,
                        n,
                        &proof,
                        &forged,
                        &roots[n as usize]
                    ));
                    assert!(!verify_consistency(
                        m,
                        n,
                        &proof,
                        &roots[m as usize],
                        &forged
                    ));
                }
            }
        }
    }

    #[test]
    fn proofs_for_new_leaves_need_only_the_old_edge_and_new_nodes() {
        for old in 0..40u64 {
            for new in old + 1..old + 20 {
                let (_, _, before) = tree(old);
                let (_, all, _) = tree(new);
                let mut f = before.clone();
                let mut known: HashMap<NodeId, Hash> = before.nodes().into_iter().collect();
                for i in old..new {
                    known.extend(f.push(all[&NodeId { level: 0, index: i }]));
                }
                for m in old..new {
                    let plan = inclusion_plan(m, new);
                    let proof = assemble(&plan, |id| known.get(&id).copied().ok_or(id));
                    let expected = assemble(&plan, |id| all.get(&id).copied().ok_or(id));
                    assert_eq!(proof, expected, "m={m} old={old} new={new}");
                }
            }
        }
    }

    #[test]
    fn plans_need_few_nodes() {
        let plan = inclusion_plan(1234567, 10_000_000);
        assert!(plan.len() <= 24);
        assert!(needed_nodes(&plan).len() <= 48);
    }
}
