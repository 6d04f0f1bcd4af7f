//! `shuqiao share …`: the sharing work an operator or steward does from a terminal — the
//! deadline sweep (for cron), the working-day calendar, and deciding applications.
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use shuqiao_core::share::calendar::YearCalendar;
use shuqiao_core::share::Approval;
use shuqiao_service::share::{ApplicationView, ShareFilter};
use shuqiao_service::Store;

use crate::erased::Json;
use crate::Actor;

#[derive(Subcommand)]
pub enum Share {
    /// 督办与到期检查（可由 cron 调用）Escalate overdue applications and note expired grants
    Sweep,
    /// 工作日历 Working-day calendars
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// 共享申请列表 List applications
    Applications {
        /// pending, approved, rejected, withdrawn, overdue
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 同意申请 Approve an application (optionally fewer fields or days)
    Approve {
        id: i64,
        /// 同意的信息项（逗号分隔），默认全部申请项 Fields to grant, comma-separated
        #[arg(long, value_delimiter = ',')]
        fields: Option<Vec<String>>,
        #[arg(long)]
        days: Option<u32>,
        #[arg(long, default_value = "")]
        opinion: String,
        /// 每日调用上限 Daily call quota
        #[arg(long)]
        quota_per_day: Option<u32>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 驳回申请 Reject an application
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 授权列表 List grants
    Grants {
        /// active, expired, revoked
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        system: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 撤销授权 Revoke a grant
    Revoke {
        id: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// 督办清单 The supervision list
    Supervision {
        #[command(flatten)]
        actor: Actor,
    },
    /// 共享统计 Sharing figures
    Stats {
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// 已加载的年份 Years loaded, with their source
    List,
    /// 某年的安排 One year's arrangement (JSON)
    Show { year: i32 },
    /// 加载某年安排 Load a year from a JSON file (same shape as `show`)
    Load {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
}

fn all(status: Option<String>) -> ShareFilter {
    ShareFilter {
        status,
        limit: 500,
        ..Default::default()
    }
}

fn print_applications(apps: &[ApplicationView]) {
    println!("编号 id | 状态 status | 期限 due | 申请方 consumer | 资源 resource | 用途 purpose");
    for a in apps {
        let due = match (&a.due_date, a.due_unknown_year) {
            (Some(d), _) if a.overdue => format!("{d} 已超期 overdue"),
            (Some(d), _) => d.clone(),
            (None, Some(y)) => format!("待定（{y} 年日历未加载）"),
            _ => "-".into(),
        };
        let escalated = if a.escalated_at.is_some() {
            " 督办"
        } else {
            ""
        };
        println!(
            "{} | {}{escalated} | {due} | {} ({}) | {} | {}",
            a.id, a.status, a.consumer_org, a.system, a.resource, a.purpose
        );
    }
    println!("共 {} 条 total", apps.len());
}

pub async fn run(store: Store, cmd: Share) -> Result<()> {
    let who = |a: &Actor| a.user.clone();
    match cmd {
        Share::Sweep => {
            let r = store.share_sweep().await?;
            println!(
                "已督办 escalated {} overdue application(s); 已到期 noted {} expired grant(s)",
                r.escalated, r.expired
            );
            let q = store.quality_sweep().await?;
            println!(
                "已督办 escalated {} overdue objection(s) and {} overdue need(s)",
                q.objections, q.needs
            );
            let a = store.alert_sweep().await?;
            println!(
                "已发出 raised {} usage alert(s); 已暂停 suspended {} grant(s)",
                a.raised, a.suspended
            );
        }
        Share::Calendar(CalendarCmd::List) => {
            for y in store.calendar_years().await? {
                println!(
                    "{}  {} 个假期 holidays, {} 个调休上班日 make-up days — {} ({})",
                    y.year, y.holidays, y.workdays, y.source, y.loaded_by
                );
            }
        }
        Share::Calendar(CalendarCmd::Show { year }) => {
            println!("{}", store.calendar_year(year).await?.pretty());
        }
        Share::Calendar(CalendarCmd::Load { file, actor }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let y: YearCalendar = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} 不是工作日历 JSON is not a calendar year",
                    file.display()
                )
            })?;
            let year = y.year;
            let p = store.principal_for(&who(&actor)).await?;
            let fixed = store.load_calendar_year(p, y).await?;
            println!("已加载 loaded {year}; {fixed} 个待答复申请获得期限 pending application(s) got a deadline");
        }
        Share::Applications { status, org, actor } => {
            let p = store.principal_for(&who(&actor)).await?;
            let mut f = all(status);
            f.org = org;
            print_applications(&store.list_applications(p, f, "due").await?.items);
        }
        Share::Approve {
            id,
            fields,
            days,
            opinion,
            quota_per_day,
            actor,
        } => {
            let p = store.principal_for(&who(&actor)).await?;
            let a = store
                .approve_application(
                    p,
                    id,
                    Approval {
                        fields,
                        days,
                        opinion,
                        quota_per_day,
                    },
                )
                .await?;
            println!(
                "已同意 approved application {id}; 授权 grant {}",
                a.grant_id.unwrap_or(0)
            );
        }
        Share::Reject { id, reason, actor } => {
            let p = store.principal_for(&who(&actor)).await?;
            store.reject_application(p, id, reason).await?;
            println!("已驳回 rejected application {id}");
        }
        Share::Grants {
            status,
            system,
            actor,
        } => {
            let p = store.principal_for(&who(&actor)).await?;
            let mut f = all(status);
            f.system = system;
            println!("{}", store.list_grants(p, f).await?.items.pretty());
        }
        Share::Revoke { id, reason, actor } => {
            let p = store.principal_for(&who(&actor)).await?;
            store.revoke_grant(p, id, reason).await?;
            println!("已撤销 revoked grant {id}");
        }
        Share::Supervision { actor } => {
            let p = store.principal_for(&who(&actor)).await?;
            print_applications(&store.supervision_list(p).await?);
        }
        Share::Stats { org, actor } => {
            let p = store.principal_for(&who(&actor)).await?;
            println!("{}", store.share_stats(p, org).await?.pretty());
        }
    }
    Ok(())
}
