//! Offline verification: replays every entry in order, rebuilds the tree, and checks each
//! stored checkpoint's signature and root, the recorded leaf hashes, witness cosignatures
//! and receipts. Everything is streamed: memory does not grow with the log.
//!
//! The tree proves the sealed bytes only. What a database keeps beside them (query columns,
//! the subject index, the head's size) is checked by whoever reads the database and reported
//! here through [`Verifier::derived_problem`] and [`Verifier::extent_problem`]. A log cut short
//! together with its head and checkpoints, consistently, leaves nothing inside to find it:
//! only a checkpoint held elsewhere (a witness's, a receipt's, `--checkpoint`) shows it.
use std::collections::BTreeMap;

use serde::Serialize;

use super::merkle::{self, Frontier, Hash};
use super::note::{Checkpoint, NoteVerifier, SignedNote};

/// What kind of thing a problem is about, for a summary that groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An entry's sealed bytes are altered, missing, duplicated or out of order.
    Entry,
    /// A signed checkpoint does not match the replayed tree (follows from an entry problem).
    Checkpoint,
    /// A signed checkpoint covers more entries than the log holds.
    Truncated,
    /// A checkpoint is malformed or not signed by the log key.
    Forged,
    /// A receipt does not verify.
    Receipt,
    /// A value kept beside the sealed bytes (a query column, the subject index) disagrees
    /// with them.
    Derived,
    /// The log's recorded size (its head, its latest checkpoint, its journal) disagrees with
    /// the entries it holds.
    Extent,
}

impl ProblemKind {
    /// A short bilingual label for summaries.
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Entry => "条目被篡改或缺失 entries altered or missing",
            ProblemKind::Checkpoint => {
                "检查点与重算的树不一致 checkpoints not matching the replayed tree"
            }
            ProblemKind::Truncated => "日志被截断 checkpoints beyond the log's end (truncated)",
            ProblemKind::Forged => "检查点格式错误或签名无效 checkpoints malformed or forged",
            ProblemKind::Receipt => "回执验证失败 receipts that do not verify",
            ProblemKind::Derived => {
                "查询列或主体索引与封存内容不符 query columns or subject index not matching the sealed entries"
            }
            ProblemKind::Extent => {
                "日志大小记录不符 recorded log size not matching the entries"
            }
        }
    }
}

/// One thing found wrong, at the first index it affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub index: u64,
    pub kind: ProblemKind,
    pub what: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub entries: u64,
    pub root: String,
    pub checkpoints_checked: usize,
    /// Witness name → tree sizes it cosigned (with a valid signature).
    pub witnessed: BTreeMap<String, Vec<u64>>,
    pub receipts_checked: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
    /// The first index at which the log stops being trustworthy.
    pub fn first_bad_index(&self) -> Option<u64> {
        self.problems.iter().map(|p| p.index).min()
    }

    /// The problems grouped by kind: for each, how many, the first few indexes they are at,
    /// and whether they are at more (a bad entry makes every later checkpoint fail too; one
    /// line each would bury the cause).
    pub fn summary(&self, first: usize) -> Vec<KindSummary> {
        let mut by_kind: BTreeMap<ProblemKind, KindSummary> = BTreeMap::new();
        for p in &self.problems {
            let k = by_kind.entry(p.kind).or_insert_with(|| KindSummary {
                kind: p.kind,
                count: 0,
                at: Vec::new(),
                more: false,
            });
            k.count += 1;
            if !k.at.contains(&p.index) {
                if k.at.len() < first {
                    k.at.push(p.index);
                } else {
                    k.more = true;
                }
            }
        }
        by_kind.into_values().collect()
    }
}

/// The problems of one kind (see [`Report::summary`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSummary {
    pub kind: ProblemKind,
    pub count: usize,
    /// The first indexes they are at, smallest first.
    pub at: Vec<u64>,
    /// Whether they are at further indexes too.
    pub more: bool,
}

struct PendingCheckpoint {
    size: u64,
    root: Hash,
}

pub struct Verifier {
    log_key: NoteVerifier,
    witnesses: Vec<NoteVerifier>,
    frontier: Frontier,
    /// Checkpoints whose size the replay has not reached yet, smallest first.
    pending: Vec<PendingCheckpoint>,
    /// The last size whose checkpoint matched (entries up to it are proven).
    last_good: u64,
    /// The first index since `last_good` whose content or position was found wrong.
    first_problem_since_good: Option<u64>,
    report: Report,
}

impl Verifier {
    /// Starts a verification against the log's key; `checkpoints` are signed notes in any order.
    pub fn new(
        log_key: NoteVerifier,
        witnesses: Vec<NoteVerifier>,
        checkpoints: &[String],
    ) -> Verifier {
        let mut v = Verifier {
            log_key,
            witnesses,
            frontier: Frontier::default(),
            pending: Vec::new(),
            last_good: 0,
            first_problem_since_good: None,
            report: Report::default(),
        };
        for text in checkpoints {
            v.add_checkpoint(text);
        }
        v.pending.sort_by_key(|c| c.size);
        v
    }

    fn problem(&mut self, index: u64, kind: ProblemKind, what: String) {
        self.report.problems.push(Problem { index, kind, what });
    }

    fn entry_problem(&mut self, index: u64, what: String) {
        self.first_problem_since_good.get_or_insert(index);
        self.problem(index, ProblemKind::Entry, what);
    }

    /// Records that something kept beside entry `index`'s sealed bytes (a query column, a
    /// subject index row) disagrees with them. The tree is not affected: checkpoints are
    /// still judged on the sealed bytes alone.
    pub fn derived_problem(&mut self, index: u64, what: String) {
        self.problem(index, ProblemKind::Derived, what);
    }

    /// Records that the log's recorded size disagrees with the entries, at `index`.
    pub fn extent_problem(&mut self, index: u64, what: String) {
        self.problem(index, ProblemKind::Extent, what);
    }

    /// Whether nothing has been found wrong so far.
    pub fn clean(&self) -> bool {
        self.report.problems.is_empty()
    }

    /// The number of entries replayed so far.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root of the entries replayed so far.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    fn add_checkpoint(&mut self, text: &str) {
        let parsed = SignedNote::parse(text)
            .ok()
            .and_then(|n| Checkpoint::parse_body(&n.body).ok().map(|c| (n, c)));
        let Some((note, cp)) = parsed else {
            self.problem(
                0,
                ProblemKind::Forged,
                "a stored checkpoint is malformed / 检查点格式错误".into(),
            );
            return;
        };
        if !note.signed_by(&self.log_key) || cp.origin != self.log_key.name {
            let at = cp.size.saturating_sub(1);
            self.problem(at, ProblemKind::Forged, format!("checkpoint for size {} is not signed by the log key (forged) / 检查点签名无效（伪造）", cp.size));
            return;
        }
        for w in &self.witnesses {
            if note.signed_by(w) {
                self.report
                    .witnessed
                    .entry(w.name.clone())
                    .or_default()
                    .push(cp.size);
            }
        }
        self.report.checkpoints_checked += 1;
        self.pending.push(PendingCheckpoint {
            size: cp.size,
            root: cp.root,
        });
    }

    /// Feeds the next entry. `recorded_leaf` is the leaf hash the log stored when sequencing.
    pub fn feed(&mut self, index: u64, canonical: &[u8], recorded_leaf: Option<Hash>) {
        let expected = self.frontier.size();
        if index != expected {
            let what = if index > expected {
                format!(
                    "entries {expected}..{index} are missing (deleted) / 第 {expected} 条起缺失"
                )
            } else {
                format!("entry {index} appears out of order or twice / 第 {index} 条重复或乱序")
            };
            self.entry_problem(expected.min(index), what);
            // Keep replaying positionally so later checkpoints are still judged.
        }
        let leaf = merkle::leaf_hash(canonical);
        if let Some(r) = recorded_leaf {
            if r != leaf {
                self.entry_problem(expected, format!("entry {expected} does not match its recorded leaf hash (altered) / 第 {expected} 条内容被篡改"));
            }
        }
        self.frontier.push(leaf);
        self.check_reached_checkpoints();
    }

    fn check_reached_checkpoints(&mut self) {
        let size = self.frontier.size();
        while self.pending.first().is_some_and(|c| c.size == size) {
            let cp = self.pending.remove(0);
            if cp.root == self.frontier.root() {
                self.last_good = size;
                self.first_problem_since_good = None;
            } else {
                let at = self.first_problem_since_good.unwrap_or(self.last_good);
                self.problem(at, ProblemKind::Checkpoint, format!("the tree of size {size} does not match its signed checkpoint; the change is at or after entry {at} / 与签名检查点不一致"));
            }
        }
    }

    /// Checks a receipt against the log: its checkpoint is signed and its proof leads from
    /// the entry's leaf to that checkpoint's root.
    pub fn check_receipt(
        &mut self,
        index: u64,
        leaf_hex: &str,
        proof_hex: &[String],
        checkpoint: &str,
    ) {
        let decode = |s: &str| -> Option<Hash> { hex::decode(s).ok()?.try_into().ok() };
        let ok = (|| {
            let note = SignedNote::parse(checkpoint).ok()?;
            if !note.signed_by(&self.log_key) {
                return None;
            }
            let cp = Checkpoint::parse_body(&note.body).ok()?;
            let proof: Vec<Hash> = proof_hex.iter().map(|p| decode(p)).collect::<Option<_>>()?;
            merkle::verify_inclusion(&decode(leaf_hex)?, index, cp.size, &proof, &cp.root)
                .then_some(())
        })()
        .is_some();
        self.report.receipts_checked += 1;
        if !ok {
            self.problem(
                index,
                ProblemKind::Receipt,
                format!("receipt for entry {index} does not verify / 第 {index} 条的回执验证失败"),
            );
        }
    }

    pub fn finish(mut self) -> Report {
        let size = self.frontier.size();
        for cp in std::mem::take(&mut self.pending) {
            self.problem(size, ProblemKind::Truncated, format!("a signed checkpoint covers {} entries but only {size} remain (truncated) / 日志被截断", cp.size));
        }
        self.report.entries = size;
        self.report.root = hex::encode(self.frontier.root());
        self.report.problems.sort_by_key(|p| p.index);
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::note::NoteSigner;

    fn log(n: u64, every: u64) -> (Vec<Vec<u8>>, Vec<String>, NoteSigner) {
        let signer = NoteSigner::new("test/audit", [4u8; 32]).unwrap();
        let entries: Vec<Vec<u8>> = (0..n).map(|i| format!("entry {i}").into_bytes()).collect();
        let mut f = Frontier::default();
        let mut cps = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            f.push(merkle::leaf_hash(e));
            if (i as u64 + 1).is_multiple_of(every) {
                cps.push(
                    signer.sign(
                        &Checkpoint {
                            origin: "test/audit".into(),
                            size: f.size(),
                            root: f.root(),
                        }
                        .body(),
                    ),
                );
            }
        }
        (entries, cps, signer)
    }

    fn run(
        entries: &[(u64, Vec<u8>)],
        cps: &[String],
        signer: &NoteSigner,
        leaves: Option<&[Vec<u8>]>,
    ) -> Report {
        let mut v = Verifier::new(signer.verifier(), vec![], cps);
        for (pos, (i, e)) in entries.iter().enumerate() {
            let recorded = leaves.map(|l| merkle::leaf_hash(&l[pos.min(l.len() - 1)]));
            v.feed(*i, e, recorded);
        }
        v.finish()
    }

    fn indexed(entries: &[Vec<u8>]) -> Vec<(u64, Vec<u8>)> {
        entries
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, e)| (i as u64, e))
            .collect()
    }

    #[test]
    fn an_intact_log_verifies() {
        let (entries, cps, signer) = log(100, 10);
        let r = run(&indexed(&entries), &cps, &signer, Some(&entries));
        assert!(r.ok(), "{:?}", r.problems);
        assert_eq!((r.entries, r.checkpoints_checked), (100, 10));
    }

    #[test]
    fn a_changed_entry_is_found_at_its_index() {
        let (entries, cps, signer) = log(100, 10);
        let mut e = indexed(&entries);
        e[37].1 = b"entry 37 (edited)".to_vec();
        assert_eq!(
            run(&e, &cps, &signer, Some(&entries)).first_bad_index(),
            Some(37)
        );
        // Without recorded leaves the checkpoints still catch it, from the last good one.
        assert_eq!(run(&e, &cps, &signer, None).first_bad_index(), Some(30));
    }

    #[test]
    fn deletion_swap_truncation_and_forgery_are_found() {
        let (entries, cps, signer) = log(100, 10);
        let mut deleted = indexed(&entries);
        deleted.remove(50);
        assert_eq!(
            run(&deleted, &cps, &signer, None).first_bad_index(),
            Some(50)
        );

        let mut swapped = indexed(&entries);
        let (a, b) = (swapped[61].1.clone(), swapped[64].1.clone());
        swapped[61].1 = b;
        swapped[64].1 = a;
        assert_eq!(
            run(&swapped, &cps, &signer, Some(&entries)).first_bad_index(),
            Some(61)
        );

        let truncated = indexed(&entries[..95]);
        assert_eq!(
            run(&truncated, &cps, &signer, None).first_bad_index(),
            Some(95)
        );

        let mut forged = cps.clone();
        let other = NoteSigner::new("test/audit", [8u8; 32]).unwrap();
        forged.push(
            other.sign(
                &Checkpoint {
                    origin: "test/audit".into(),
                    size: 100,
                    root: [0u8; 32],
                }
                .body(),
            ),
        );
        let r = run(&indexed(&entries), &forged, &signer, None);
        assert_eq!(r.first_bad_index(), Some(99));
        assert!(r.problems[0].what.contains("forged"));
    }

    #[test]
    fn a_bad_entry_is_summarised_with_the_checkpoints_it_breaks() {
        let (entries, cps, signer) = log(100, 10);
        let mut e = indexed(&entries);
        e[12].1 = b"entry 12 (edited)".to_vec();
        let mut v = Verifier::new(signer.verifier(), vec![], &cps);
        for (i, bytes) in &e {
            v.feed(*i, bytes, None);
        }
        v.derived_problem(40, "column".into());
        let r = v.finish();
        let s = r.summary(3);
        let brief: Vec<(ProblemKind, usize, Vec<u64>, bool)> = s
            .into_iter()
            .map(|k| (k.kind, k.count, k.at, k.more))
            .collect();
        assert_eq!(
            brief,
            vec![
                (ProblemKind::Checkpoint, 9, vec![10], false),
                (ProblemKind::Derived, 1, vec![40], false),
            ]
        );
        assert_eq!(r.first_bad_index(), Some(10));
    }

    #[test]
    fn witnesses_and_receipts_are_reported() {
        let (entries, cps, signer) = log(8, 4);
        let witness = NoteSigner::new("witness.sanya", [11u8; 32]).unwrap();
        let cosigned: Vec<String> = cps
            .iter()
            .map(|c| SignedNote::parse(c).unwrap().cosign(&witness))
            .collect();
        let mut v = Verifier::new(
            signer.verifier(),
            vec![witness.verifier()],
            &[cosigned[1].clone(), cps[0].clone()],
        );
        let mut f = Frontier::default();
        let mut nodes = std::collections::HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            v.feed(i as u64, e, None);
            nodes.extend(f.push(merkle::leaf_hash(e)));
        }
        let proof = merkle::assemble(&merkle::inclusion_plan(3, 8), |id| {
            nodes.get(&id).copied().ok_or(())
        })
        .unwrap();
        let hexes: Vec<String> = proof.iter().map(hex::encode).collect();
        v.check_receipt(
            3,
            &hex::encode(merkle::leaf_hash(&entries[3])),
            &hexes,
            &cps[1],
        );
        v.check_receipt(
            3,
            &hex::encode(merkle::leaf_hash(b"other")),
            &hexes,
            &cps[1],
        );
        let r = v.finish();
        assert_eq!(r.witnessed.get("witness.sanya"), Some(&vec![8]));
        assert_eq!(r.receipts_checked, 2);
        assert_eq!(r.first_bad_index(), Some(3));
        assert_eq!(r.problems.len(), 1);
    }
}
