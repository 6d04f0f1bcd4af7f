//! `shuqiao audit …`: sealing, export and offline verification of the audit log.
use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use shuqiao_core::audit::entry::Entry;
use shuqiao_core::audit::merkle::{self, Hash};
use shuqiao_core::audit::note::{Checkpoint, NoteVerifier, SignedNote};
use shuqiao_core::audit::verify::{Report, Verifier};
use shuqiao_service::audit::{AuditExtent, AuditKeys};
use shuqiao_service::Store;

use crate::{open, AuditArgs, AuditCmd};

pub async fn run(database: &str, cmd: AuditCmd) -> Result<()> {
    match cmd {
        AuditCmd::Seal { audit } => {
            let store = open(database).await?.with_audit(audit.keys(database)?);
            let size = store.audit().seal_pending().await?;
            // Into the audit file's tables too, for whoever reads that file next.
            store.audit().spread().await?;
            println!("已封存 sealed; log size {size}");
        }
        AuditCmd::Checkpoint { audit } => {
            let store = open(database)
                .await?
                .with_audit(existing_keys(&audit, database)?);
            print!("{}", store.audit().checkpoint().await?);
        }
        AuditCmd::WitnessKey {
            witness_key_file,
            name,
        } => {
            let keys =
                AuditKeys::load_or_create(&witness_key_file, &name).map_err(anyhow::Error::msg)?;
            println!("{}", keys.signer.verifier().encode());
        }
        AuditCmd::Cosign {
            checkpoint,
            witness_key_file,
            log_key,
            proof,
            state,
        } => {
            let state = state.unwrap_or_else(|| {
                let mut p = witness_key_file.clone().into_os_string();
                p.push(".state");
                p.into()
            });
            print!(
                "{}",
                cosign(
                    &checkpoint,
                    &witness_key_file,
                    &log_key,
                    proof.as_deref(),
                    &state
                )?
            );
        }
        AuditCmd::ConsistencyProof { from, to } => {
            let proof = open(database)
                .await?
                .audit()
                .consistency_proof(from, to)
                .await?;
            println!(
                "{}",
                json!({"index": null, "from": from, "tree_size": to, "proof": proof, "leaf_hash": null})
            );
        }
        AuditCmd::AddCosignature {
            file,
            witness,
            audit,
        } => {
            let store = open(database)
                .await?
                .with_audit(existing_keys(&audit, database)?);
            for w in witnesses(&witness)? {
                store.audit().add_witness(w)?;
            }
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let names = store.audit().add_cosignature(text).await?;
            println!(
                "已保存见证签名 stored; this checkpoint is now cosigned by: {}",
                names.join(", ")
            );
        }
        AuditCmd::PublicKey { audit } => {
            println!(
                "{}",
                existing_keys(&audit, database)?.signer.verifier().encode()
            )
        }
        AuditCmd::Export { file, audit } => {
            export(
                &open_to_inspect(database).await?,
                &existing_keys(&audit, database)?,
                &file,
            )
            .await?
        }
        AuditCmd::Verify {
            export: Some(file),
            public_key,
            witness,
            receipt,
            checkpoint,
            audit: _,
        } => {
            let report = verify_export(
                &file,
                public_key.as_deref(),
                &witnesses(&witness)?,
                &receipt,
                &kept_checkpoints(&checkpoint)?,
            )?;
            print_report(&report)?;
        }
        AuditCmd::Verify {
            export: None,
            public_key,
            witness,
            receipt,
            checkpoint,
            audit,
        } => {
            let key = match public_key {
                Some(k) => NoteVerifier::parse(&k).map_err(anyhow::Error::msg)?,
                None => existing_keys(&audit, database)?.signer.verifier(),
            };
            let report = verify_database(
                &open_to_inspect(database).await?,
                key,
                witnesses(&witness)?,
                &receipt,
                &kept_checkpoints(&checkpoint)?,
            )
            .await?;
            print_report(&report)?;
        }
    }
    Ok(())
}

/// What a witness remembers between cosignatures: for each log (by origin), the last
/// checkpoint it cosigned, as the log signed it.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct WitnessState {
    logs: BTreeMap<String, String>,
}

/// Cosigns `checkpoint` as a witness, refusing anything that is not an append-only extension
/// of the last checkpoint this witness cosigned for the same log (C2SP tlog-witness): a smaller
/// tree (rollback), the same size with another root (fork), or a larger tree without a valid
/// consistency proof. The new checkpoint is recorded before the cosignature is returned, so a
/// witness can never have signed something it does not remember.
fn cosign(
    checkpoint: &Path,
    witness_key_file: &Path,
    log_key: &str,
    proof: Option<&Path>,
    state_file: &Path,
) -> Result<String> {
    let witness = AuditKeys::load(witness_key_file).map_err(anyhow::Error::msg)?;
    let log_key = NoteVerifier::parse(log_key).map_err(|e| anyhow::anyhow!("--log-key: {e}"))?;
    let text = std::fs::read_to_string(checkpoint)
        .with_context(|| format!("cannot read {}", checkpoint.display()))?;
    let note = SignedNote::parse(&text).map_err(anyhow::Error::msg)?;
    if !note.signed_by(&log_key) {
        bail!("检查点不是该日志签发的 the checkpoint is not signed by that log key; refusing to cosign");
    }
    let cp = Checkpoint::parse_body(&note.body).map_err(anyhow::Error::msg)?;
    if cp.origin != log_key.name {
        bail!(
            "检查点的日志名 {} 与日志公钥的名称 {} 不符 the checkpoint's origin {} is not the log key's name {}; refusing to cosign",
            cp.origin, log_key.name, cp.origin, log_key.name
        );
    }
    let mut state = read_state(state_file)?;
    match state.logs.get(&cp.origin) {
        None => eprintln!(
            "首次见证日志 {} 大小 {} first checkpoint this witness cosigns for {} (size {}); later ones need a consistency proof from it",
            cp.origin, cp.size, cp.origin, cp.size
        ),
        Some(prev_text) => {
            let prev = SignedNote::parse(prev_text)
                .ok()
                .and_then(|n| Checkpoint::parse_body(&n.body).ok())
                .with_context(|| {
                    format!(
                        "{} 中 {} 的记录已损坏 the record for {} in {} is damaged",
                        state_file.display(),
                        cp.origin,
                        cp.origin,
                        state_file.display()
                    )
                })?;
            check_consistent(&prev, &cp, proof)?;
        }
    }
    state.logs.insert(cp.origin.clone(), note.to_text());
    write_state(state_file, &state)?;
    Ok(note.cosign(&witness.signer))
}

/// Whether `next` extends `prev` (both checkpoints of the same log), by the proof in `proof`.
fn check_consistent(prev: &Checkpoint, next: &Checkpoint, proof: Option<&Path>) -> Result<()> {
    let (m, n) = (prev.size, next.size);
    if n < m {
        bail!(
            "拒绝签名：该检查点（大小 {n}）小于本见证方上次签名的检查点（大小 {m}），日志不能回退 refusing to cosign: the checkpoint (size {n}) is smaller than the one this witness last cosigned (size {m}); a log cannot shrink"
        );
    }
    if n == m {
        if next.root != prev.root {
            bail!(
                "拒绝签名：日志分叉，大小 {n} 的根哈希与本见证方上次签名的不同 refusing to cosign: fork — the log signed a different root for size {n} than the one this witness cosigned"
            );
        }
        return Ok(());
    }
    let Some(file) = proof else {
        bail!(
            "需要从大小 {m} 到 {n} 的一致性证明（--proof；GET /api/v1/audit/proofs/consistency?from={m}&to={n}）a consistency proof from size {m} to {n} is required (--proof; GET /api/v1/audit/proofs/consistency?from={m}&to={n})"
        );
    };
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?,
    )
    .with_context(|| {
        format!(
            "{} 不是 JSON {} is not JSON",
            file.display(),
            file.display()
        )
    })?;
    let (from, to) = (
        v.get("from").and_then(Value::as_u64),
        v.get("tree_size").and_then(Value::as_u64),
    );
    if from != Some(m) || to != Some(n) {
        bail!(
            "拒绝签名：证明不是从 {m} 到 {n} 的（而是 {from:?} → {to:?}）refusing to cosign: the proof is not from size {m} to {n} (it is {from:?} → {to:?})"
        );
    }
    let hashes: Option<Vec<Hash>> = v
        .get("proof")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|h| {
                    h.as_str()
                        .and_then(|h| hex::decode(h).ok())
                        .and_then(|b| b.try_into().ok())
                })
                .collect()
        })
        .unwrap_or(None);
    let Some(hashes) = hashes else {
        bail!(
            "{} 中的证明格式错误 the proof in {} is malformed (expected hex hashes in `proof`)",
            file.display(),
            file.display()
        );
    };
    if !merkle::verify_consistency(m, n, &hashes, &prev.root, &next.root) {
        bail!(
            "拒绝签名：一致性证明不成立，大小 {n} 的检查点不是本见证方上次签名的大小 {m} 的检查点的延续 refusing to cosign: the consistency proof does not verify — the checkpoint of size {n} does not extend the checkpoint of size {m} this witness cosigned"
        );
    }
    Ok(())
}

fn read_state(file: &Path) -> Result<WitnessState> {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).with_context(|| {
            format!(
                "见证状态文件 {} 已损坏 the witness state file {} is damaged",
                file.display(),
                file.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(WitnessState::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", file.display())),
    }
}

/// Replaces the state file atomically (write a temporary file, sync it, rename it over), so a
/// crash leaves either the old state or the new one, never a torn file.
fn write_state(file: &Path, state: &WitnessState) -> Result<()> {
    let mut tmp = file.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(serde_json::to_string_pretty(state)?.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, file)?;
        // The rename itself must survive a crash too; best effort, as not every platform
        // lets a directory be opened and synced.
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    };
    write().with_context(|| {
        format!(
            "无法保存见证状态 {} cannot save the witness state {}",
            file.display(),
            file.display()
        )
    })
}

/// Verification and export open a damaged log too: reporting on it is their job.
pub(crate) async fn open_to_inspect(database: &str) -> Result<Store> {
    Store::open_to_inspect(database)
        .await
        .with_context(|| format!("cannot open database {database}"))
}

/// Checkpoints the verifier kept from earlier (`--checkpoint`), as signed notes: judged like
/// the log's own, so a log that no longer holds their tree fails.
fn kept_checkpoints(files: &[std::path::PathBuf]) -> Result<Vec<String>> {
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display())))
        .collect()
}

/// Verification and export must never create keys: they read the existing file.
pub(crate) fn existing_keys(audit: &AuditArgs, database: &str) -> Result<AuditKeys> {
    AuditKeys::load(&audit.key_file(database)).map_err(anyhow::Error::msg)
}

fn witnesses(keys: &[String]) -> Result<Vec<NoteVerifier>> {
    keys.iter()
        .map(|k| NoteVerifier::parse(k).map_err(|e| anyhow::anyhow!("--witness {k}: {e}")))
        .collect()
}

fn progress(done: u64) {
    if done > 0 && done.is_multiple_of(1_000_000) {
        eprintln!("  … {done} 条 entries");
    }
}

async fn export(store: &Store, keys: &AuditKeys, file: &Path) -> Result<()> {
    let mut out = BufWriter::new(
        std::fs::File::create(file).with_context(|| format!("cannot create {}", file.display()))?,
    );
    writeln!(
        out,
        "{}",
        json!({"shuqiao_audit_export": 1, "public_key": keys.signer.verifier().encode()})
    )?;
    let mut count = 0u64;
    let mut failed: Option<std::io::Error> = None;
    store
        .audit()
        .for_each(|e| {
            let leaf = e.recorded_leaf.map(hex::encode);
            // A stored entry that no longer decodes is exported as null; verification flags it.
            let entry = Entry::decode(&e.canonical).ok();
            if let Err(err) = writeln!(
                out,
                "{}",
                json!({"index": e.index, "leaf_hash": leaf, "entry": entry})
            ) {
                failed.get_or_insert(err);
            }
            count += 1;
            progress(count);
        })
        .await?;
    if let Some(err) = failed {
        return Err(err.into());
    }
    for note in store.audit().all_checkpoints().await? {
        writeln!(out, "{}", json!({"checkpoint": note}))?;
    }
    out.flush()?;
    eprintln!("已导出 exported {count} 条 entries to {}", file.display());
    Ok(())
}

pub(crate) async fn verify_database(
    store: &Store,
    key: NoteVerifier,
    witnesses: Vec<NoteVerifier>,
    receipts: &[std::path::PathBuf],
    kept: &[String],
) -> Result<Report> {
    // The recorded size before the replay: the entries must reach at least that far.
    let before = store.audit().extent().await?;
    let mut checkpoints = store.audit().all_checkpoints().await?;
    checkpoints.extend_from_slice(kept);
    let v = std::cell::RefCell::new(Verifier::new(key, witnesses, &checkpoints));
    store
        .audit()
        .check_stream(
            |e| {
                v.borrow_mut().feed(e.index, &e.canonical, e.recorded_leaf);
                progress(e.index + 1);
            },
            |index, what| v.borrow_mut().derived_problem(index, what),
        )
        .await?;
    let mut v = v.into_inner();
    let after = store.audit().extent().await?;
    check_extent(&mut v, &before, &after);
    check_receipts(&mut v, receipts)?;
    Ok(v.finish())
}

/// Whether the entries replayed agree with the log's recorded size: its head and journal as
/// read before the replay (entries may only be added meanwhile, by a running server), the
/// latest checkpoint beside that head, and the head read after it (no entry beyond it).
fn check_extent(v: &mut Verifier, before: &AuditExtent, after: &AuditExtent) {
    let n = v.size();
    let head = before.head_size;
    if n < head {
        v.extent_problem(n, format!("the log's head records {head} entries but only {n} remain (the last were deleted) / 头部记录 {head} 条，实存 {n} 条"));
    }
    if let Some((size, _)) = before.journal {
        if n < size {
            v.extent_problem(n, format!("the audit journal records {size} entries but only {n} remain (the last were deleted) / 日志文件记录 {size} 条，实存 {n} 条"));
        }
    }
    let latest = before.latest_checkpoint.unwrap_or(0);
    if latest < head {
        v.extent_problem(latest, format!("the head records {head} entries but the latest checkpoint is of size {latest} (checkpoints deleted) / 最新检查点 {latest} 小于头部 {head}"));
    }
    if n > after.head_size {
        v.extent_problem(after.head_size, format!("{} entries stand beyond the head's {} (added outside the sequencer) / 头部之后另有条目", n - after.head_size, after.head_size));
    }
    // A root that differs because an entry did is reported at that entry already.
    if n == head && v.clean() && before.head_root.is_some_and(|r| r != v.root()) {
        v.extent_problem(n.saturating_sub(1), format!("the head's root for size {head} differs from the replayed tree's / 头部根哈希与重算不符"));
    }
}

fn verify_export(
    file: &Path,
    public_key: Option<&str>,
    witnesses: &[NoteVerifier],
    receipts: &[std::path::PathBuf],
    kept: &[String],
) -> Result<Report> {
    let open = || -> Result<std::io::BufReader<std::fs::File>> {
        Ok(std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
        ))
    };
    // First pass: the header and the checkpoints (they are needed before the replay).
    let mut key = public_key.map(str::to_string);
    let mut checkpoints = Vec::new();
    for line in open()?.lines() {
        let v: Value = serde_json::from_str(&line?).context("the export is not JSON Lines")?;
        if let Some(k) = v.get("public_key").and_then(Value::as_str) {
            if key.is_none() {
                eprintln!("注意 note: using the public key inside the export; pass --public-key to pin the key you trust");
                key = Some(k.to_string());
            }
        }
        if let Some(c) = v.get("checkpoint").and_then(Value::as_str) {
            checkpoints.push(c.to_string());
        }
    }
    let Some(key) = key else {
        bail!("no public key: pass --public-key")
    };
    checkpoints.extend_from_slice(kept);
    let mut verifier = Verifier::new(
        NoteVerifier::parse(&key).map_err(anyhow::Error::msg)?,
        witnesses.to_vec(),
        &checkpoints,
    );
    for (n, line) in open()?.lines().enumerate() {
        let v: Value = serde_json::from_str(&line?)?;
        let Some(index) = v.get("index").and_then(Value::as_u64) else {
            continue;
        };
        // An entry that is missing or unreadable still takes its place, so it is reported at
        // its index instead of shifting everything after it.
        let canonical = match &v["entry"] {
            Value::Null => Vec::new(),
            e => serde_json::from_value::<Entry>(e.clone())
                .with_context(|| format!("line {}: not an audit entry", n + 1))?
                .encode(),
        };
        let leaf: Option<Hash> = v
            .get("leaf_hash")
            .and_then(Value::as_str)
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| b.try_into().ok());
        verifier.feed(index, &canonical, leaf);
        progress(index + 1);
    }
    check_receipts(&mut verifier, receipts)?;
    Ok(verifier.finish())
}

fn check_receipts(v: &mut Verifier, files: &[std::path::PathBuf]) -> Result<()> {
    for f in files {
        let r: shuqiao_service::audit::Receipt = serde_json::from_str(&std::fs::read_to_string(f)?)
            .with_context(|| format!("{} is not a receipt", f.display()))?;
        v.check_receipt(r.index, &r.leaf_hash, &r.inclusion_proof, &r.checkpoint);
    }
    Ok(())
}

/// Detailed problem lines printed at most; the rest are counted in the summary.
const DETAILED: usize = 10;

pub(crate) fn print_report(r: &Report) -> Result<()> {
    println!("条目 entries: {}\n根哈希 root: {}\n检查点 checkpoints checked: {}\n回执 receipts checked: {}", r.entries, r.root, r.checkpoints_checked, r.receipts_checked);
    for (w, sizes) in &r.witnessed {
        println!("见证 witness {w} cosigned sizes: {sizes:?}");
    }
    if r.ok() {
        println!("验证通过 verified: the log is intact");
        return Ok(());
    }
    // One bad entry fails every checkpoint after it: a line each would bury the cause.
    println!("问题汇总 problems found: {}", r.problems.len());
    for k in r.summary(5) {
        let at: Vec<String> = k.at.iter().map(u64::to_string).collect();
        let more = if k.more { ", …" } else { "" };
        println!(
            "  {}: {} (at index {}{more})",
            k.kind.label(),
            k.count,
            at.join(", ")
        );
    }
    for p in r.problems.iter().take(DETAILED) {
        println!("问题 problem at index {}: {}", p.index, p.what);
    }
    if r.problems.len() > DETAILED {
        println!(
            "… 另有 {} 个问题 and {} more",
            r.problems.len() - DETAILED,
            r.problems.len() - DETAILED
        );
    }
    bail!(
        "验证失败 verification failed; first bad index {}",
        r.first_bad_index().unwrap_or(0)
    )
}
