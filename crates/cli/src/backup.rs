//! `shuqiao backup DIR` and `shuqiao restore DIR`: SQLite's three files copied at one moment
//! while the platform serves, and put back only once a scratch copy of them verifies.
use std::path::Path;

use anyhow::{bail, Context, Result};
use shuqiao_core::audit::note::NoteVerifier;
use shuqiao_service::backup::{self, Manifest};
use shuqiao_service::Store;

use crate::audit::{existing_keys, open_to_inspect, print_report, verify_database};
use crate::AuditArgs;

pub async fn backup(database: &str, dir: &Path, audit: &AuditArgs) -> Result<()> {
    let mut store = crate::open(database).await?;
    // The manifest names the log's key when the key file is there; never create one here.
    if let Ok(keys) = existing_keys(audit, database) {
        store = store.with_audit(keys);
    }
    eprintln!("正在备份 backing up {database} to {} …", dir.display());
    let m = store.backup(dir).await?;
    println!(
        "已备份 backed up: 审计日志 {} 条 entries, 记录 {} records, 资源 {} resources, schema {} → {}",
        m.tree_size,
        m.records,
        m.resources,
        m.schema_version,
        dir.display()
    );
    Ok(())
}

pub async fn restore(
    database: &str,
    dir: &Path,
    public_key: Option<String>,
    audit: &AuditArgs,
) -> Result<()> {
    backup::check_free(database)?;
    let manifest = backup::read_manifest(dir)?;
    let key = trusted_key(database, public_key, audit, &manifest)?;
    check_copy(database, dir, key, &manifest).await?;
    backup::place(dir, database)?;
    println!(
        "已恢复 restored {database}: 审计日志 {} 条 entries, 记录 {} records（备份于 taken at {} ms）",
        manifest.tree_size, manifest.records, manifest.taken_at
    );
    Ok(())
}

/// The key the copy's checkpoints must be signed with: the one given, the key file's, or —
/// with a warning — the one the manifest names.
fn trusted_key(
    database: &str,
    given: Option<String>,
    audit: &AuditArgs,
    manifest: &Manifest,
) -> Result<NoteVerifier> {
    let text = match (given, existing_keys(audit, database)) {
        (Some(k), _) => k,
        (None, Ok(keys)) => keys.signer.verifier().encode(),
        (None, Err(_)) => {
            eprintln!("注意 note: using the public key named in the backup's manifest; pass --public-key to pin the key you trust");
            manifest
                .public_key
                .clone()
                .context("the backup names no public key: pass --public-key")?
        }
    };
    NoteVerifier::parse(&text).map_err(anyhow::Error::msg)
}

/// Verifies a scratch copy of the backup beside the target: the whole log, and what the
/// manifest says it held. Nothing is put in place unless it passes.
async fn check_copy(
    database: &str,
    dir: &Path,
    key: NoteVerifier,
    manifest: &Manifest,
) -> Result<()> {
    let parent = Path::new(database)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix(".restore-check-")
        .tempdir_in(parent)
        .context("cannot make a scratch folder beside the database")?;
    let copy = scratch.path().join("check.db").display().to_string();
    backup::place(dir, &copy)?;
    eprintln!("正在验证备份 verifying the backup …");
    let store: Store = open_to_inspect(&copy).await?;
    let report = verify_database(&store, key, Vec::new(), &[], &[]).await?;
    if let Err(e) = print_report(&report) {
        bail!("备份未通过验证，未恢复 / the backup does not verify ({e:#}): nothing was restored");
    }
    let size = store.audit().extent().await?.head_size;
    let (records, resources) = store.holdings().await?;
    let held = (size, records, resources);
    let said = (manifest.tree_size, manifest.records, manifest.resources);
    if held != said {
        bail!(
            "备份内容与清单不符，未恢复 / the backup holds {held:?} (entries, records, resources) but its manifest says {said:?}: nothing was restored"
        );
    }
    Ok(())
}
