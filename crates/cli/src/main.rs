//! `shuqiao`: the platform's one binary. Serves the API and runs admin and catalog work
//! directly on the database.
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use shuqiao_core::account::{Account, Principal, Role, RoleBinding};
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::org::{Org, OrgKind};
use shuqiao_core::DomainError;
use shuqiao_demo as demo;
use shuqiao_service::catalog::SearchQuery;
use shuqiao_service::{Store, StoreError};

/// mimalloc: 12–18% less CPU per exchange call than glibc's malloc in paired runs; its huge
/// pages are off (`no_thp` in Cargo.toml), which kept 26 MB out of the server's peak memory
/// (docs/bench-log/2026-12-03.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "shuqiao",
    version,
    about = "数桥 政务数据共享交换平台 / Shuqiao government data sharing and exchange platform"
)]
struct Cli {
    /// 数据库 Database: an SQLite file path, or postgres://user@host/db
    #[arg(
        long,
        global = true,
        env = "SHUQIAO_DATABASE",
        default_value = "data/shuqiao.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动平台 Run the platform's HTTP server
    Serve {
        /// 载入演示省份（仅当数据库为空）Load the demo province if the database is empty
        #[arg(long)]
        demo: bool,
        #[arg(long, env = "SHUQIAO_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        data: DemoDataArgs,
        /// 接受其见证签名的见证方公钥，可多次指定 A witness whose cosignatures are accepted (repeatable)
        #[arg(long)]
        witness: Vec<String>,
        /// 交换接口每个授权每秒调用上限的默认值（授权可单独设置；0 为不限）The default calls a
        /// second per grant on the exchange API (a grant may set its own; 0: none)
        #[arg(long, env = "SHUQIAO_EXCHANGE_RATE", default_value_t = 1000)]
        exchange_rate: u32,
        /// 允许回调地址使用的内网主机（HOST 或 HOST:PORT，可多次指定）A host webhooks may reach
        /// although it is loopback, private or link-local (HOST or HOST:PORT; repeatable, or
        /// comma-separated in the variable). Others on such addresses are refused
        #[arg(long, env = "SHUQIAO_WEBHOOK_ALLOW_HOSTS", value_delimiter = ',')]
        webhook_allow_host: Vec<String>,
        /// 用户访问本平台的地址，如 https://data.example.gov.cn（经 HTTPS 代理时工作台的 Cookie
        /// 带 Secure）The address people reach the platform at, e.g. https://data.example.gov.cn;
        /// over https the console's cookies are sent with `Secure`
        #[arg(long, env = "SHUQIAO_PUBLIC_URL")]
        public_url: Option<String>,
        /// 统计 SQLite 占用的内存（见 /api/v1/admin/memory；每次分配多一次全局加锁）Count SQLite's
        /// memory for GET /api/v1/admin/memory (a global lock on each of its allocations)
        #[arg(long, env = "SHUQIAO_COUNT_SQLITE_MEMORY")]
        count_sqlite_memory: bool,
    },
    /// 载入演示省份及其基础数据 Load the demo province and its base data into an empty database
    Demo {
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        data: DemoDataArgs,
    },
    /// 生成演示数据文件 Write the demo's base data as files (CSV), e.g. for benchmarks
    DemoFiles {
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// 人口条数 Persons
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// 用 GBK 编码 Write GBK instead of UTF-8
        #[arg(long)]
        gbk: bool,
        /// 输出目录 Output directory
        #[arg(long, default_value = "data/samples")]
        out: PathBuf,
    },
    /// 列出演示系统令牌 Print the demo systems' tokens
    DemoTokens {
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// 执行数据库迁移 Bring the database schema up to date
    Migrate,
    /// 在线备份（SQLite：数据库、审计库与日志文件同一时刻的副本）Back up while serving (SQLite:
    /// the database, audit file and journal as they stood at one moment; PostgreSQL:
    /// scripts/backup-postgres.sh)
    Backup {
        /// 备份目录（新建或为空）The backup folder (new or empty)
        dir: PathBuf,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 从备份恢复到 --database 指定的新位置，先验证 Restore a backup to the (new) --database
    /// location, after verifying a scratch copy of it
    Restore {
        /// 备份目录 The backup folder
        dir: PathBuf,
        /// 信任的审计公钥（默认：密钥文件或备份清单中的）The audit public key to trust (default:
        /// the key file's, else the manifest's)
        #[arg(long)]
        public_key: Option<String>,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 管理 Administration
    #[command(subcommand)]
    Admin(AdminCmd),
    /// 资源目录 The catalog
    #[command(subcommand)]
    Catalog(Catalog),
    /// 审计日志 The tamper-evident audit log
    #[command(subcommand)]
    Audit(AuditCmd),
    /// 数据共享 Sharing: deadlines, calendars, applications, grants
    #[command(subcommand)]
    Share(share::Share),
    /// 导入文件归集数据 Import a file (CSV in UTF-8 or GBK, JSON Lines, XLSX) into a resource
    Import(collect::ImportArgs),
    /// 数据归集 Collection: batches, rejected rows, records, connectors, overrides
    #[command(subcommand)]
    Collect(collect::Collect),
    /// 考核报告与督查通报 The assessment report (a quarter or year) or the monthly 督查通报 (a month)
    Report(report::ReportArgs),
    /// 信息系统清查 The information-system inventory
    #[command(subcommand)]
    Systems(SystemsCmd),
}

#[derive(Subcommand)]
enum SystemsCmd {
    /// 导入清查表 Import an inventory sheet: CSV (UTF-8 or GBK) or XLSX with the headers
    /// 系统编码, 系统名称, 所属部门, 功能, 使用范围, 使用频度, 审批部门, 审批时间, 验收时间,
    /// 投资规模, 经费来源, 网络, 状态, 涉密, 运维停止时间; every bad cell is reported and nothing
    /// is applied
    Import {
        file: PathBuf,
        /// auto, utf-8, gbk, gb18030
        #[arg(long, default_value = "auto")]
        encoding: String,
        #[command(flatten)]
        actor: Actor,
        #[command(flatten)]
        audit: AuditArgs,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// 将待封存的记录写入日志 Seal pending entries (catalog changes made from the CLI)
    Seal {
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 打印日志公钥 Print the log's public key
    PublicKey {
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 打印最新签名检查点 Print the latest signed checkpoint
    Checkpoint {
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 生成或读取见证方密钥并打印其公钥 Create (or read) a witness key file and print its public key
    WitnessKey {
        #[arg(long)]
        witness_key_file: PathBuf,
        /// 见证方名称 The witness's name, e.g. witness.haikou
        #[arg(long)]
        name: String,
    },
    /// 见证方对检查点签名 Cosign a checkpoint as a witness (prints the cosigned note). Like a
    /// C2SP tlog-witness, the witness remembers the last checkpoint it cosigned for each log
    /// and cosigns a larger one only with a consistency proof from it
    Cosign {
        /// 检查点文件 The checkpoint note (from `audit checkpoint` or GET /api/v1/audit/checkpoint)
        #[arg(long)]
        checkpoint: PathBuf,
        #[arg(long)]
        witness_key_file: PathBuf,
        /// 被见证日志的公钥 The public key of the log being witnessed
        #[arg(long)]
        log_key: String,
        /// 一致性证明（JSON）：从本见证方上次签名的大小到新大小 The consistency proof from the size
        /// this witness last cosigned to the new one: the JSON of
        /// GET /api/v1/audit/proofs/consistency?from=OLD&to=NEW (or `audit consistency-proof`)
        #[arg(long)]
        proof: Option<PathBuf>,
        /// 见证状态文件（每个日志上次签名的检查点）Witness state: the last checkpoint cosigned
        /// per log (default: the witness key file's path with `.state` appended)
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// 打印两个大小之间的一致性证明 Print the consistency proof between two tree sizes (the
    /// same JSON as GET /api/v1/audit/proofs/consistency), e.g. for a witness
    ConsistencyProof {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
    },
    /// 保存见证签名 Store a witness cosignature in this log
    AddCosignature {
        file: PathBuf,
        /// 见证方公钥 The witness's public key (repeatable)
        #[arg(long, required = true)]
        witness: Vec<String>,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 导出日志（JSON Lines）以便离线验证 Export the log for offline verification
    Export {
        file: PathBuf,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// 验证日志 Verify the log: from the database, or offline from an export
    Verify {
        /// 离线验证导出文件 Verify this export instead of the database
        #[arg(long)]
        export: Option<PathBuf>,
        /// 日志公钥（默认取自密钥文件）The log's public key (default: from the key file)
        #[arg(long)]
        public_key: Option<String>,
        /// 见证方公钥，可多次指定 A witness's public key (repeatable)
        #[arg(long)]
        witness: Vec<String>,
        /// 要核验的回执文件（JSON）A receipt file to check (repeatable)
        #[arg(long)]
        receipt: Vec<PathBuf>,
        /// 此前保存的签名检查点（可多次指定）：日志须包含并延续它 A signed checkpoint kept
        /// from before (repeatable): the log must still hold its tree. The one check a log cut
        /// short together with its head and checkpoints cannot pass
        #[arg(long)]
        checkpoint: Vec<PathBuf>,
        #[command(flatten)]
        audit: AuditArgs,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// 创建首个平台管理员（必要时创建省政府和平台运营方）Create the first platform admin
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Read from SHUQIAO_ADMIN_PASSWORD when not given
        #[arg(long, env = "SHUQIAO_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "hi-dsjj")]
        operator_code: String,
        #[arg(long, default_value = "海南省大数据管理局")]
        operator_name: String,
        #[arg(long, default_value = "hi-gov")]
        government_code: String,
        #[arg(long, default_value = "海南省人民政府")]
        government_name: String,
        #[arg(long, default_value = "460000")]
        region: String,
    },
    /// 登记应用系统 Register an information system
    RegisterSystem {
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        name_en: String,
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// 签发系统令牌（只显示一次）Issue a system token (shown once)
    IssueToken {
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        system: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value_t = 90)]
        ttl_days: u32,
    },
    /// 吊销令牌 Revoke a token
    RevokeToken {
        id: i64,
        #[command(flatten)]
        actor: Actor,
    },
    /// 列出令牌 List tokens
    Tokens {
        #[arg(long)]
        system: Option<String>,
    },
}

#[derive(Args, Clone, Copy)]
struct DemoDataArgs {
    /// 演示人口条数 Persons in the demo population (1000000 for benchmarks)
    #[arg(long, default_value_t = 100_000)]
    persons: u64,
    /// 演示企业（及营业执照）条数 Companies (and their business licences)
    #[arg(long, default_value_t = 20_000)]
    companies: u64,
}

#[derive(Args, Clone)]
struct AuditArgs {
    /// 审计日志密钥文件（签名密钥与标识哈希密钥；不存入数据库，首次启动时生成；默认与 SQLite
    /// 数据库同目录，否则 data/audit.key）Audit key file (checkpoint signing key and
    /// identifier-hash secret; kept outside the database, created on first start; default:
    /// beside the SQLite file, else data/audit.key)
    #[arg(long, env = "SHUQIAO_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
    /// 检查点的日志名 The log's origin line in checkpoints
    #[arg(
        long,
        env = "SHUQIAO_AUDIT_ORIGIN",
        default_value = "shuqiao.local/audit"
    )]
    audit_origin: String,
}

impl AuditArgs {
    fn key_file(&self, database: &str) -> PathBuf {
        if let Some(f) = &self.audit_key_file {
            return f.clone();
        }
        let sqlite = !database.starts_with("postgres://") && !database.starts_with("postgresql://");
        match std::path::Path::new(database.trim_start_matches("sqlite:")).parent() {
            Some(dir) if sqlite => dir.join("audit.key"),
            _ => PathBuf::from("data/audit.key"),
        }
    }

    fn keys(&self, database: &str) -> Result<shuqiao_service::audit::AuditKeys> {
        shuqiao_service::audit::AuditKeys::load_or_create(
            &self.key_file(database),
            &self.audit_origin,
        )
        .map_err(anyhow::Error::msg)
    }
}

#[derive(Args)]
struct Actor {
    /// 以哪个账号的身份操作 Act as this account
    #[arg(long = "as", value_name = "USERNAME")]
    user: String,
}

#[derive(Subcommand)]
enum Catalog {
    /// 检索 Search
    Search {
        query: Option<String>,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        share_type: Option<String>,
        #[arg(long)]
        open_type: Option<String>,
        #[arg(long)]
        grade: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// 查看资源 Show a resource
    Show {
        code: String,
        #[arg(long)]
        version: Option<i64>,
    },
    /// 编目（从 JSON 文件）Catalogue a resource from a JSON file
    Create {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// 修改草稿 Replace the working copy from a JSON file
    Update {
        code: String,
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// 提交审核 Submit for review
    Submit {
        code: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 审核发布 Publish
    Publish {
        code: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 退回 Send back with a reason
    Return {
        code: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 停用 Retire
    Retire {
        code: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 版本列表 Versions
    Versions { code: String },
}

/// Threads of the blocking pool (tokio's default is 512). Database work runs there; with the
/// SQLite readers and writers bounded anyway, more threads only add stacks and malloc arenas
/// (the exchange benchmark's server grew to 265 MB at 128 connections).
const BLOCKING_THREADS: usize = 32;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build();
    match runtime {
        Ok(rt) => rt.block_on(run_main()),
        Err(e) => {
            eprintln!("错误 error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    }
}

async fn run_main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHUQIAO_LOG")
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("错误 error: {}", explain(&e));
        std::process::exit(1);
    }
}

/// Puts a domain error the way a person can act on it.
fn explain(e: &anyhow::Error) -> String {
    let domain = e
        .downcast_ref::<StoreError>()
        .and_then(StoreError::domain)
        .or_else(|| e.downcast_ref::<DomainError>());
    match domain {
        Some(DomainError::Invalid(errs)) => {
            let lines: Vec<String> = errs
                .iter()
                .map(|f| format!("  - {}: {} / {}", f.field, f.zh, f.en))
                .collect();
            format!("输入有误 invalid input:\n{}", lines.join("\n"))
        }
        Some(
            DomainError::NotFound { msg, .. }
            | DomainError::Forbidden { msg, .. }
            | DomainError::Conflict { msg, .. }
            | DomainError::Unauthenticated { msg, .. },
        ) => {
            format!("{} / {}", msg.zh, msg.en)
        }
        _ => format!("{e:#}"),
    }
}

async fn open(db: &str) -> Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("cannot open database {db}"))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            demo,
            listen,
            seed,
            audit,
            data,
            witness,
            exchange_rate,
            webhook_allow_host,
            public_url,
            count_sqlite_memory,
        } => {
            if count_sqlite_memory && !shuqiao_service::db::count_sqlite_memory() {
                tracing::warn!("SQLite's memory cannot be counted: it started before the option");
            }
            let demo = demo.then_some((seed, data));
            let allowed = shuqiao_core::share::webhook::AllowedHosts::parse(&webhook_allow_host)
                .map_err(|e| anyhow::anyhow!("--webhook-allow-host {e}"))?;
            let store = open(&cli.database)
                .await?
                .with_audit(audit.keys(&cli.database)?)
                .with_exchange_rate(Some(exchange_rate));
            store.set_webhook_allowed_hosts(allowed);
            let console = shuqiao_http::console::Settings::for_public_url(public_url.as_deref());
            serve(store, &cli.database, demo, &listen, &witness, console).await
        }
        Command::Demo { seed, audit, data } => {
            // With the audit keys, so the demo identities get their subject hashes.
            let store = open(&cli.database)
                .await?
                .with_audit(audit.keys(&cli.database)?);
            load_demo(&store, seed, data).await?;
            write_sample(&cli.database)
        }
        Command::DemoFiles {
            seed,
            persons,
            gbk,
            out,
        } => collect::write_demo_files(seed, persons, gbk, &out),
        Command::DemoTokens { seed } => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for t in demo::province(seed)?.tokens {
                // A reader that stops early (`| head`) is not an error.
                if writeln!(out, "{}\t{}", t.system, t.token).is_err() {
                    break;
                }
            }
            Ok(())
        }
        Command::Migrate => {
            let store = open(&cli.database).await?;
            println!("schema version {}", store.schema_version().await?);
            Ok(())
        }
        Command::Backup { dir, audit } => backup::backup(&cli.database, &dir, &audit).await,
        Command::Restore {
            dir,
            public_key,
            audit,
        } => backup::restore(&cli.database, &dir, public_key, &audit).await,
        Command::Admin(a) => admin(open(&cli.database).await?, a).await,
        Command::Catalog(c) => catalog(open(&cli.database).await?, c).await,
        Command::Audit(a) => audit::run(&cli.database, a).await,
        Command::Share(c) => share::run(open(&cli.database).await?, c).await,
        Command::Import(a) => {
            let store = open(&cli.database)
                .await?
                .with_audit(a.audit.keys(&cli.database)?);
            collect::import(store, a).await
        }
        Command::Collect(c) => collect::run(&cli.database, open(&cli.database).await?, c).await,
        Command::Systems(SystemsCmd::Import {
            file,
            encoding,
            actor,
            audit,
        }) => {
            let store = open(&cli.database)
                .await?
                .with_audit(audit.keys(&cli.database)?);
            import_systems(&store, file, &encoding, &actor).await
        }
        Command::Report(a) => report::run(open(&cli.database).await?, a).await,
    }
}

async fn import_systems(store: &Store, file: PathBuf, encoding: &str, actor: &Actor) -> Result<()> {
    let Some(encoding) = shuqiao_ingest::file::EncodingChoice::parse(encoding) else {
        bail!("--encoding: auto, utf-8, gbk, gb18030");
    };
    let p = store.principal_for(&actor.user).await?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let done = store.import_systems_file(p, file, name, encoding).await?;
    println!(
        "已导入 imported: 新增 created {}, 更新 updated {}, 未变 unchanged {}",
        done.created, done.updated, done.unchanged
    );
    Ok(())
}

async fn load_demo(store: &Store, seed: u64, data: DemoDataArgs) -> Result<()> {
    eprintln!("正在载入演示省份 loading the demo province (seed {seed}) …");
    match store.load_demo(seed).await? {
        Some(s) => eprintln!(
            "已载入 loaded: {} 机构 orgs, {} 应用系统 systems, {} 账号 accounts, {} 资源 resources ({} 已发布 published)",
            s.orgs, s.systems, s.accounts, s.resources, s.published
        ),
        None => eprintln!("数据库已有数据，未载入演示数据 the database already has data; demo not loaded"),
    }
    collect::load_demo_data(store, seed, data.persons, data.companies).await
}

/// Writes the walk-through's GBK sample (with deliberately bad rows) beside the database.
fn write_sample(database: &str) -> Result<()> {
    let dir = match std::path::Path::new(database).parent() {
        Some(d) if !database.contains("://") => d.join("samples"),
        _ => PathBuf::from("data/samples"),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("population-sample-gbk.csv");
    std::fs::write(&path, shuqiao_demo::population::sample_bad_gbk_csv().0)
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "示例文件 sample file (GBK, 含错误行 with bad rows): {}",
        path.display()
    );
    Ok(())
}

async fn serve(
    store: Store,
    database: &str,
    demo: Option<(u64, DemoDataArgs)>,
    listen: &str,
    witnesses: &[String],
    console: shuqiao_http::console::Settings,
) -> Result<()> {
    let with_demo = demo.is_some();
    if let Some((seed, data)) = demo {
        load_demo(&store, seed, data).await?;
        write_sample(database)?;
    }
    for w in witnesses {
        store.audit().add_witness(
            shuqiao_core::audit::note::NoteVerifier::parse(w)
                .map_err(|e| anyhow::anyhow!("--witness {w}: {e}"))?,
        )?;
    }
    store.warm_search_index().await?;
    let size = store.audit().seal_pending().await?;
    eprintln!(
        "审计日志 audit log: {size} 条 entries, key {}",
        store.audit().public_key().unwrap_or_default()
    );
    tokio::spawn(
        store
            .clone()
            .run_audit_sealer(std::time::Duration::from_secs(1)),
    );
    // Deadlines and expiries are checked every minute; webhooks are sent within a second.
    tokio::spawn(
        store
            .clone()
            .run_share_sweeper(std::time::Duration::from_secs(60)),
    );
    // Imports killed mid-way left their batches running; pulls run on their schedules.
    let interrupted = store.recover_interrupted_batches().await?;
    if interrupted > 0 {
        eprintln!("已将 {interrupted} 个中断的归集批次标记为失败 marked {interrupted} interrupted batch(es) failed");
    }
    tokio::spawn(shuqiao_service::collect::runner::run_scheduler(
        store.clone(),
        std::time::Duration::from_secs(30),
    ));
    // The open-data portal's copy follows released data within a second.
    tokio::spawn(
        store
            .clone()
            .run_open_sync(std::time::Duration::from_secs(1)),
    );
    tokio::spawn(shuqiao_http::webhook::run_deliveries(
        store.clone(),
        std::time::Duration::from_secs(1),
    ));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "数桥已启动 Shuqiao is serving on http://{addr}  (database: {:?})",
        store.backend()
    );
    // Tests and scripts read this line to find a random port.
    println!("listening on http://{addr}");
    let state = shuqiao_http::AppState {
        store: std::sync::Arc::new(store),
        demo: with_demo,
        console,
    };
    shuqiao_http::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn admin(store: Store, a: AdminCmd) -> Result<()> {
    match a {
        AdminCmd::CreateAdmin {
            username,
            name,
            password,
            operator_code,
            operator_name,
            government_code,
            government_name,
            region,
        } => {
            ensure_org(
                &store,
                Org {
                    code: government_code.clone(),
                    name: government_name.clone(),
                    name_en: government_name,
                    kind: OrgKind::Government,
                    parent: None,
                    region: region.clone(),
                    credit_code: None,
                },
            )
            .await?;
            ensure_org(
                &store,
                Org {
                    code: operator_code.clone(),
                    name: operator_name.clone(),
                    name_en: operator_name,
                    kind: OrgKind::Operator,
                    parent: Some(government_code),
                    region,
                    credit_code: None,
                },
            )
            .await?;
            let account = Account {
                username,
                display_name: name,
                org: operator_code.clone(),
                roles: vec![RoleBinding {
                    role: Role::PlatformAdmin,
                    org: operator_code,
                }],
                disabled: false,
            };
            let a = store.bootstrap_admin(account, password).await?;
            println!("已创建平台管理员 created platform admin: {}", a.username);
        }
        AdminCmd::RegisterSystem {
            actor,
            code,
            name,
            name_en,
            org,
            description,
        } => {
            let by = store.principal_for(&actor.user).await?;
            let system = shuqiao_core::account::InfoSystem {
                code,
                name,
                name_en,
                org,
                description,
            };
            let s = store.create_system(&by, system).await?;
            println!("已登记 registered: {} {}", s.code, s.name);
        }
        AdminCmd::IssueToken {
            actor,
            system,
            name,
            ttl_days,
        } => {
            if !(1..=730).contains(&ttl_days) {
                bail!("--ttl-days 须为 1–730 / must be 1–730");
            }
            let by = store.principal_for(&actor.user).await?;
            let (token, info) = store.issue_token(&by, &system, &name, ttl_days).await?;
            eprintln!("令牌只显示这一次，请妥善保存 the token is shown only this once; keep it safe (id {})", info.id);
            println!("{token}");
        }
        AdminCmd::RevokeToken { id, actor } => {
            let by = store.principal_for(&actor.user).await?;
            let t = store.revoke_token(&by, id).await?;
            println!("已吊销 revoked token {} of {}", t.id, t.system);
        }
        AdminCmd::Tokens { system } => {
            for t in store.list_tokens(system).await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}…\t{}",
                    t.id, t.system, t.name, t.prefix, state
                );
            }
        }
    }
    Ok(())
}

async fn ensure_org(store: &Store, org: Org) -> Result<()> {
    match store.get_org(&org.code).await {
        Ok(_) => Ok(()),
        Err(StoreError::Domain(DomainError::NotFound { .. })) => {
            store.create_org(org, None).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads run with oversight visibility: whoever can open the database file can read it all.
fn local_reader() -> Principal {
    Principal::Person {
        username: "cli".into(),
        org: String::new(),
        roles: vec![RoleBinding {
            role: Role::Auditor,
            org: String::new(),
        }],
    }
}

fn read_meta(file: &PathBuf) -> Result<ResourceMeta> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} 不是合法的资源 JSON / is not a valid resource JSON",
            file.display()
        )
    })
}

fn parse_opt<T>(
    v: Option<String>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    allowed: String,
) -> Result<Option<T>> {
    match v {
        None => Ok(None),
        Some(s) => match parse(&s) {
            Some(x) => Ok(Some(x)),
            None => bail!("--{name} 取值应为 must be one of: {allowed}"),
        },
    }
}

async fn catalog(store: Store, c: Catalog) -> Result<()> {
    use shuqiao_core::catalog::{Category, Grade, OpenType, ShareType, Status};
    let print = |v: &dyn erased::Json| println!("{}", v.pretty());
    match c {
        Catalog::Search {
            query,
            provider,
            region,
            category,
            share_type,
            open_type,
            grade,
            status,
            limit,
            offset,
            json,
        } => {
            let q = SearchQuery {
                q: query,
                provider,
                region,
                category: parse_opt(
                    category,
                    "category",
                    Category::parse,
                    Category::wire_names(),
                )?,
                share_type: parse_opt(
                    share_type,
                    "share-type",
                    ShareType::parse,
                    ShareType::wire_names(),
                )?,
                open_type: parse_opt(
                    open_type,
                    "open-type",
                    OpenType::parse,
                    OpenType::wire_names(),
                )?,
                grade: parse_opt(grade, "grade", Grade::parse, Grade::wire_names())?,
                status: parse_opt(status, "status", Status::parse, Status::wire_names())?,
                limit,
                offset,
            };
            let page = store.search(local_reader(), q).await?;
            if json {
                print(&page);
            } else {
                println!("共 {} 条 total {}", page.total, page.total);
                for r in page.items {
                    println!(
                        "{}  {}  [{}]  {}  {}",
                        r.code, r.name, r.provider_name, r.share_type, r.status
                    );
                }
            }
        }
        Catalog::Show {
            code,
            version: Some(v),
        } => print(&store.resource_version(local_reader(), &code, v).await?),
        Catalog::Show {
            code,
            version: None,
        } => print(&store.get_resource(local_reader(), &code).await?),
        Catalog::Versions { code } => print(&store.resource_versions(local_reader(), &code).await?),
        Catalog::Create { file, actor } => {
            let meta = read_meta(&file)?;
            let d = store
                .create_resource(store.principal_for(&actor.user).await?, meta)
                .await?;
            println!("已编目 created draft {}", d.code);
        }
        Catalog::Update { code, file, actor } => {
            let meta = read_meta(&file)?;
            let d = store
                .update_resource(store.principal_for(&actor.user).await?, &code, meta)
                .await?;
            println!("已保存 saved {}", d.code);
        }
        Catalog::Submit { code, actor } => {
            store
                .submit_resource(store.principal_for(&actor.user).await?, &code)
                .await?;
            println!("已提交审核 submitted {code}");
        }
        Catalog::Publish { code, actor } => {
            let d = store
                .publish_resource(store.principal_for(&actor.user).await?, &code)
                .await?;
            println!(
                "已发布 published {} version {}",
                d.code,
                d.published_version.unwrap_or(0)
            );
        }
        Catalog::Return {
            code,
            reason,
            actor,
        } => {
            store
                .return_resource(store.principal_for(&actor.user).await?, &code, &reason)
                .await?;
            println!("已退回 returned {code}");
        }
        Catalog::Retire {
            code,
            reason,
            actor,
        } => {
            store
                .retire_resource(store.principal_for(&actor.user).await?, &code, &reason)
                .await?;
            println!("已停用 retired {code}");
        }
    }
    Ok(())
}

mod audit;
mod backup;
mod collect;
mod report;
mod share;

mod erased {
    /// Pretty JSON for any serialisable value, behind a trait object.
    pub trait Json {
        fn pretty(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
    }
}
