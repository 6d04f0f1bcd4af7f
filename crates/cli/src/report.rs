//! `shuqiao report`: the assessment report (quarterly or yearly, province or one department)
//! or the monthly 督查通报, written to a file as HTML, PDF or CSV.
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use shuqiao_core::account::{Principal, Role, RoleBinding};
use shuqiao_core::assess::figures::Scope;
use shuqiao_http::report::assessment::{self, Format};
use shuqiao_service::Store;

#[derive(Args)]
pub struct ReportArgs {
    /// 考核期：2026（年）、2026-Q4（季度）或 2026-11（月，即督查通报）The period: a year, a
    /// quarter, or a month (the monthly 督查通报)
    #[arg(long)]
    period: String,
    /// 部门代码（省略则为全省）One department's code (default: the province)
    #[arg(long)]
    org: Option<String>,
    /// 格式 html、pdf 或 csv The format: html, pdf or csv
    #[arg(long, default_value = "html")]
    format: String,
    /// 输出文件 The file to write
    #[arg(long)]
    out: PathBuf,
    /// 以哪个账号的身份查看（省略则以审计身份查看全部）See as this account (default: as an
    /// auditor, who sees everything; whoever runs this holds the database anyway)
    #[arg(long = "as", value_name = "USERNAME")]
    user: Option<String>,
}

/// Whoever runs the command on the database's own machine reads like an auditor: read only,
/// everything.
fn command_line_reader() -> Principal {
    Principal::Person {
        username: "command-line".into(),
        org: String::new(),
        roles: vec![RoleBinding {
            role: Role::Auditor,
            org: String::new(),
        }],
    }
}

pub async fn run(store: Store, a: ReportArgs) -> Result<()> {
    let Some(format) = Format::parse(&a.format) else {
        bail!("--format 须为 html、pdf 或 csv / --format must be html, pdf or csv");
    };
    let p = match &a.user {
        Some(u) => store.principal_for(u).await?,
        None => command_line_reader(),
    };
    let scope = match &a.org {
        Some(o) => Scope::Org(o.clone()),
        None => Scope::Province,
    };
    eprintln!("正在计算考核指标 computing the figures for {} …", a.period);
    let data = assessment::load(&store, p, &a.period, scope).await?;
    let doc = assessment::build(&data);
    let bytes = match assessment::render(&doc, format) {
        Ok(b) => b,
        Err(e) => bail!(
            "无法生成 PDF：{e}；可先用 --format html 或 csv / cannot write PDF: {e}; use --format html or csv meanwhile"
        ),
    };
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    eprintln!(
        "已写入 wrote {} ({} 字节 bytes)",
        a.out.display(),
        bytes.len()
    );
    Ok(())
}
