//! `shuqiao import` and `shuqiao collect …`: bringing department data onto the platform from a
//! terminal, with a progress bar, and looking at batches, rejected rows and records.
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use shuqiao_core::collect::{BatchMode, BatchPolicy};
use shuqiao_ingest::file::{EncodingChoice, FileFormat, FileOptions};
use shuqiao_service::collect::connectors::ConnectorConfig;
use shuqiao_service::collect::{BatchReport, BatchRequest, Channel, ImportProgress};
use shuqiao_service::Store;

use crate::erased::Json;
use crate::{Actor, AuditArgs};

#[derive(Args)]
pub struct ImportArgs {
    /// 资源代码 Resource code, e.g. 101001-000001
    pub resource: String,
    /// 文件 The file: .csv (UTF-8 or GBK/GB18030), .jsonl, .xlsx
    pub file: PathBuf,
    /// csv, jsonl, xlsx (默认按扩展名 by extension)
    #[arg(long)]
    pub format: Option<String>,
    /// auto, utf-8, gbk, gb18030
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// all_or_nothing（有错则整批不应用）or accept_valid（只接收有效行）
    #[arg(long, default_value = "all_or_nothing")]
    pub policy: String,
    /// 全量快照：整条替换记录，文件中没有的主键将被删除 The file is the full extract: records are
    /// replaced whole and keys it lacks are deleted
    #[arg(long)]
    pub snapshot: bool,
    /// 整条替换：文件中没有的列将被清空（默认合并：没有的列保留原值） Replace whole records:
    /// items the file has no column for are cleared (by default they keep their stored value)
    #[arg(long)]
    pub replace: bool,
    /// 列映射 Column mapping `列名=信息项代码` (repeatable)
    #[arg(long = "map", value_name = "COLUMN=ITEM")]
    pub map: Vec<String>,
    /// XLSX 工作表 The XLSX sheet (default: the first)
    #[arg(long)]
    pub sheet: Option<String>,
    /// 表头所在行（从 1 开始；默认自动跳过表头上方的标题行） The header's row, 1-based
    /// (default: found under any title rows)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// 把未通过的行写入 CSV 文件 Write the rejected rows to this CSV file
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// 输出 JSON 报告 Print the report as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub actor: Actor,
    /// The key file's subject secret names each new record's data subject as it is written.
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Subcommand)]
pub enum Collect {
    /// 批次列表 A resource's batches, newest first
    Batches {
        resource: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        actor: Actor,
    },
    /// 批次报告 One batch's report
    Batch {
        id: i64,
        #[command(flatten)]
        actor: Actor,
    },
    /// 未通过的行 A batch's rejected rows (CSV with --csv)
    Rejects {
        id: i64,
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// 查询记录 What the platform holds (or held at --at) for a key, and which batch put it there
    Record {
        resource: String,
        key: String,
        /// 时间点 A time: RFC 3339 (2026-12-01T09:00:00+08:00) or milliseconds
        #[arg(long)]
        at: Option<String>,
        /// 全部历史版本 Every version
        #[arg(long)]
        history: bool,
        #[command(flatten)]
        actor: Actor,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 归集状态与时效 Records held and timeliness per resource
    Status {
        #[arg(long)]
        provider: Option<String>,
        /// 只列出过期的 Only stale ones
        #[arg(long)]
        stale: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// 立即从部门数据库拉取 Pull from the department database now
    Pull {
        resource: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 配置数据库连接 Configure the resource's database connector
    Connect {
        resource: String,
        /// postgres://… or mysql://…
        #[arg(long)]
        url: String,
        #[arg(long)]
        table: Option<String>,
        #[arg(long)]
        query: Option<String>,
        /// 增量拉取的更新时间列 Last-modified column for incremental pulls
        #[arg(long)]
        updated_column: Option<String>,
        #[arg(long)]
        source_system: Option<String>,
        /// 拉取间隔（分钟），默认按更新周期 Minutes between pulls (default: from the 更新周期)
        #[arg(long)]
        interval_minutes: Option<i64>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 校验例外清单 The override list of real codes that fail their check character
    #[command(subcommand)]
    Override(OverrideCmd),
}

#[derive(Subcommand)]
pub enum OverrideCmd {
    List {
        #[command(flatten)]
        actor: Actor,
    },
    /// id_number or credit_code
    Add {
        kind: String,
        value: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    Remove {
        id: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
}

fn parse_map(pairs: &[String]) -> Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((c, i)) if !c.trim().is_empty() && !i.trim().is_empty() => {
                Ok((c.trim().to_string(), i.trim().to_string()))
            }
            _ => bail!("--map 应为 列名=信息项代码 / --map is COLUMN=ITEM, got `{p}`"),
        })
        .collect()
}

fn api_error(e: shuqiao_http::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{} / {} ({})", e.msg.zh, e.msg.en, e.code)
}

fn source_error(e: shuqiao_core::collect::source::SourceError) -> anyhow::Error {
    anyhow::anyhow!("{} / {} ({})", e.zh, e.en, e.reason)
}

/// `shuqiao import`: reads the file in a stream, shows progress, prints the report.
pub async fn import(store: Store, a: ImportArgs) -> Result<()> {
    let p = store.principal_for(&a.actor.user).await?;
    // A process killed mid-import left its batch `running`: say so before starting another.
    if let Ok(n) = store.recover_interrupted_batches().await {
        if n > 0 {
            eprintln!("已将 {n} 个中断的批次标记为失败 marked {n} interrupted batch(es) failed");
        }
    }
    let opts = FileOptions {
        format: match &a.format {
            None => None,
            Some(f) => Some(
                FileFormat::parse(f)
                    .with_context(|| format!("--format 取值应为 csv, jsonl, xlsx (got {f})"))?,
            ),
        },
        encoding: EncodingChoice::parse(&a.encoding).with_context(|| {
            format!(
                "--encoding 取值应为 auto, utf-8, gbk, gb18030 (got {})",
                a.encoding
            )
        })?,
        sheet: a.sheet.clone(),
        delimiter: None,
        header_row: a.header_row,
        expected_columns: store.import_columns(p.clone(), &a.resource).await?,
    };
    let mut req = BatchRequest::new(
        &a.resource,
        Channel::Import,
        &a.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    req.policy = BatchPolicy::parse(&a.policy)
        .with_context(|| "--policy 取值应为 all_or_nothing 或 accept_valid")?;
    req.mode = match (a.snapshot, a.replace) {
        (true, _) => BatchMode::Snapshot,
        (false, true) => BatchMode::Replace,
        (false, false) => BatchMode::Upsert,
    };
    req.mapping = parse_map(&a.map)?;
    let (format, encoding) = shuqiao_ingest::describe_file(&a.file, None, &opts);
    req.format = format;
    req.encoding = encoding;
    let file = a.file.clone();
    let source =
        tokio::task::spawn_blocking(move || shuqiao_ingest::file::open_file(&file, None, &opts))
            .await?
            .map_err(source_error)?;
    let progress = Arc::new(ImportProgress::default());
    let shown = tokio::spawn(show_progress(progress.clone()));
    let outcome = store
        .collect_batch(p.clone(), req, source, Some(progress))
        .await;
    shown.abort();
    let _ = shown.await;
    let report = outcome?;
    if let Some(path) = &a.rejects {
        let rows = store.batch_rejects(p, report.id).await?;
        let out = shuqiao_http::downloads::rejects_csv(rows);
        std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if a.json {
        println!("{}", report.pretty());
    } else {
        print_report(&report, a.rejects.as_ref());
    }
    if report.status != "applied" {
        std::process::exit(2);
    }
    Ok(())
}

/// Redraws one progress line on a terminal; elsewhere prints a line every ten seconds.
async fn show_progress(p: Arc<ImportProgress>) {
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let every = if tty {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(10)
    };
    loop {
        tokio::time::sleep(every).await;
        let (done, total, rows) = (
            p.done.load(Ordering::Relaxed),
            p.total.load(Ordering::Relaxed),
            p.rows.load(Ordering::Relaxed),
        );
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let bar = if total > 0 {
            let frac = (done as f64 / total as f64).min(1.0);
            let filled = (frac * 30.0) as usize;
            format!(
                "▕{}{}▏ {:>5.1}%",
                "█".repeat(filled),
                "░".repeat(30 - filled),
                frac * 100.0
            )
        } else {
            String::new()
        };
        let line = format!(
            "导入中 importing {bar} {rows} 行 rows  {:.0} 行/秒 rows/s",
            rows as f64 / secs
        );
        if tty {
            eprint!("\r{line}\x1b[K");
        } else {
            eprintln!("{line}");
        }
    }
}

fn print_report(r: &BatchReport, rejects_file: Option<&PathBuf>) {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
    let status = match r.status.as_str() {
        "applied" => "已应用 applied",
        "rejected" => "未应用（有未通过校验的行）rejected",
        "failed" => "失败 failed",
        other => other,
    };
    println!(
        "批次 batch {} {status}  ({} · {} · {})",
        r.id,
        r.policy,
        r.mode,
        r.encoding.as_deref().unwrap_or("-")
    );
    println!(
        "读取 read {} 行 rows · 新增 inserted {} · 更新 updated {} · 未变 unchanged {} · 删除 deleted {} · 拒绝 rejected {}",
        r.rows_read, r.inserted, r.updated, r.unchanged, r.deleted, r.rejected
    );
    if r.merged > 0 {
        println!(
            "合并 merged {}：这些记录中文件未提供的信息项保留了原值 records kept the stored value of items the file did not carry",
            r.merged
        );
    }
    if r.replaced > 0 {
        println!(
            "整条替换 replaced {}：这些记录中文件未提供的信息项已被清空 records lost the stored value of items the file did not carry",
            r.replaced
        );
    }
    if let Some(ms) = r.duration_ms {
        println!("用时 duration {:.2} s", ms as f64 / 1000.0);
    }
    let t = &r.timeliness;
    println!(
        "时效 timeliness: {} ({})",
        if t.stale {
            "已过期 stale"
        } else {
            "正常 fresh"
        },
        t.update_cycle.label_zh()
    );
    if !r.ignored_columns.is_empty() {
        println!(
            "未对应信息项而忽略的列 ignored columns: {}",
            r.ignored_columns.join(", ")
        );
    }
    if let Some(e) = &r.error {
        println!("{} / {}", e.zh, e.en);
    }
    if r.rejected > 0 {
        match rejects_file {
            Some(f) => println!("未通过的行已写入 rejected rows written to {}", f.display()),
            None => println!(
                "查看未通过的行 see the rejected rows: shuqiao collect rejects {} --csv --as <user>",
                r.id
            ),
        }
    }
}

fn parse_at(at: &str) -> Result<i64> {
    if let Ok(ms) = at.parse::<i64>() {
        return Ok(ms);
    }
    let t = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .with_context(|| format!("--at 应为 RFC 3339 时间或毫秒 (got {at})"))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub async fn run(database: &str, store: Store, c: Collect) -> Result<()> {
    let print = |v: &dyn Json| println!("{}", v.pretty());
    match c {
        Collect::Batches {
            resource,
            limit,
            actor,
        } => {
            let p = store.principal_for(&actor.user).await?;
            print(&store.list_batches(p, &resource, limit, 0).await?);
        }
        Collect::Batch { id, actor } => {
            let p = store.principal_for(&actor.user).await?;
            print(&store.get_batch(p, id).await?);
        }
        Collect::Rejects { id, csv, actor } => {
            let p = store.principal_for(&actor.user).await?;
            let rows = store.batch_rejects(p, id).await?;
            if csv {
                print!("{}", shuqiao_http::downloads::rejects_csv(rows));
            } else {
                print(&rows);
            }
        }
        Collect::Record {
            resource,
            key,
            at,
            history,
            actor,
            audit,
        } => {
            let store = store.with_audit(audit.keys(database)?);
            let p = store.principal_for(&actor.user).await?;
            if history {
                print(&store.record_history(p, &resource, &key).await?);
            } else {
                let at = at.as_deref().map(parse_at).transpose()?;
                print(&store.record_at(p, &resource, &key, at).await?);
            }
            // The read was sealed through the sequencer; nothing is pending.
        }
        Collect::Status {
            provider,
            stale,
            actor,
        } => {
            let p = store.principal_for(&actor.user).await?;
            print(&store.data_status(p, provider, stale).await?);
        }
        Collect::Pull { resource, actor } => {
            let p = store.principal_for(&actor.user).await?;
            let due = store.connector_for_run(p, &resource).await?;
            let report = shuqiao_service::collect::runner::run(&store, due)
                .await
                .map_err(|e| api_error(e.into()))?;
            print_report(&report, None);
        }
        Collect::Connect {
            resource,
            url,
            table,
            query,
            updated_column,
            source_system,
            interval_minutes,
            actor,
        } => {
            let p = store.principal_for(&actor.user).await?;
            let cfg = ConnectorConfig {
                url,
                table,
                query,
                updated_column,
                source_system,
                interval_minutes,
                enabled: true,
            };
            let columns = shuqiao_service::collect::runner::check_connector(&cfg)
                .await
                .map_err(|e| api_error(e.into()))?;
            eprintln!("数据库可读，列 columns: {}", columns.join(", "));
            print(&store.set_connector(p, &resource, cfg).await?);
        }
        Collect::Override(o) => match o {
            OverrideCmd::List { actor } => {
                let p = store.principal_for(&actor.user).await?;
                print(&store.list_overrides(p).await?);
            }
            OverrideCmd::Add {
                kind,
                value,
                reason,
                actor,
            } => {
                let p = store.principal_for(&actor.user).await?;
                print(&store.add_override(p, &kind, &value, &reason).await?);
            }
            OverrideCmd::Remove { id, reason, actor } => {
                let p = store.principal_for(&actor.user).await?;
                store.remove_override(p, id, &reason).await?;
                eprintln!("已撤销 removed");
            }
        },
    }
    Ok(())
}

/// Collects the demo base data with a progress line.
pub async fn load_demo_data(store: &Store, seed: u64, persons: u64, companies: u64) -> Result<()> {
    let progress = Arc::new(ImportProgress::default());
    let shown = tokio::spawn(show_progress(progress.clone()));
    let size = shuqiao_service::demo::DemoData { persons, companies };
    let outcome = store.load_demo_data(seed, size, Some(progress)).await;
    shown.abort();
    let _ = shown.await;
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
    for r in outcome? {
        eprintln!(
            "已归集 collected {} 条 records into {} (batch {}, {:.1} s)",
            r.inserted,
            r.resource,
            r.id,
            r.duration_ms.unwrap_or(0) as f64 / 1000.0
        );
    }
    Ok(())
}

/// `shuqiao demo-files`: the demo's base data as CSV files with Chinese headers, plus the GBK
/// sample with deliberately bad rows.
pub fn write_demo_files(seed: u64, persons: u64, gbk: bool, out: &std::path::Path) -> Result<()> {
    use shuqiao_demo::population as pop;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = out.join(if gbk {
        "population-gbk.csv"
    } else {
        "population.csv"
    });
    let file =
        std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let rows = pop::write_csv(
        &mut w,
        &pop::population_table(),
        pop::persons(seed).take(persons as usize),
        gbk,
    )?;
    std::io::Write::flush(&mut w)?;
    eprintln!("{}: {rows} 行 rows", path.display());
    let sample = out.join("population-sample-gbk.csv");
    std::fs::write(&sample, pop::sample_bad_gbk_csv().0)?;
    eprintln!("{}", sample.display());
    Ok(())
}
