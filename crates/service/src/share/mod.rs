//! Sharing in the database: the three lists, subscriptions and applications, grants,
//! conversion proposals, and the notifications every decision sends.
pub(crate) mod access;
pub mod calendar;
pub mod events;
pub(crate) mod lists;
pub mod notify;

pub use access::{
    ApplicationView, ConversionView, GrantView, ShareStats, SweepReport, APPLICATION_SORTS,
};
pub use calendar::CalendarYearInfo;
pub use events::ShareEvent;
pub use lists::{NeedView, NegativeEntry, NegativeProposalView, ResponsibilityView, ReviewView};
pub use notify::{Delivery, InboxItem, WebhookView};

use shuqiao_core::account::Principal;
use shuqiao_core::share;
use shuqiao_core::DomainError;

use crate::db::Value;

/// Filters shared by the sharing lists. Every list is also limited to what the caller may see.
#[derive(Debug, Clone, Default)]
pub struct ShareFilter {
    pub org: Option<String>,
    pub resource: Option<String>,
    pub system: Option<String>,
    pub status: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// One page of a list, and how many items match the filter in all.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
}

impl<T> Listed<T> {
    /// Converts every item, keeping the total; the first error ends it.
    pub(crate) fn try_map<U, E>(
        self,
        f: impl FnMut(&T) -> std::result::Result<U, E>,
    ) -> std::result::Result<Listed<U>, E> {
        Ok(Listed {
            items: self
                .items
                .iter()
                .map(f)
                .collect::<std::result::Result<_, E>>()?,
            total: self.total,
        })
    }
}

/// The organisations a principal acts for.
pub(crate) fn my_orgs(p: &Principal) -> Vec<String> {
    match p {
        // A person acts for the organisations they hold a role in, nothing else.
        Principal::Person { roles, .. } => {
            let mut v: Vec<String> = roles.iter().map(|b| b.org.clone()).collect();
            v.sort();
            v.dedup();
            v
        }
        Principal::System { org, .. } => vec![org.clone()],
        Principal::Anonymous => vec![],
    }
}

/// A WHERE clause built from parts, with numbered placeholders.
#[derive(Default)]
pub(crate) struct Where {
    parts: Vec<String>,
    pub values: Vec<Value>,
}

impl Where {
    fn next(&mut self, v: Value) -> String {
        self.values.push(v);
        format!("${}", self.values.len())
    }
    pub fn eq(&mut self, col: &str, v: Option<&str>) {
        if let Some(v) = v {
            let ph = self.next(v.into());
            self.parts.push(format!("{col} = {ph}"));
        }
    }
    /// `any of cols IN (values)`; an empty list matches nothing.
    pub fn any_in(&mut self, cols: &[&str], vals: &[String]) {
        if vals.is_empty() {
            self.parts.push("1 = 0".into());
            return;
        }
        let phs: Vec<String> = vals.iter().map(|v| self.next(v.as_str().into())).collect();
        let list = phs.join(", ");
        let ors: Vec<String> = cols.iter().map(|c| format!("{c} IN ({list})")).collect();
        self.parts.push(format!("({})", ors.join(" OR ")));
    }
    pub fn raw(&mut self, sql: &str) {
        self.parts.push(sql.to_string());
    }
    pub fn sql(&self) -> String {
        if self.parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.parts.join(" AND "))
        }
    }
    /// Runs `head` + this WHERE clause + ` ORDER BY order` + the filter's page, and counts
    /// every row the clause matches, so a list can say how many there are beyond the page.
    pub fn fetch(
        &mut self,
        c: &mut dyn crate::db::Conn,
        head: &str,
        order: &str,
        f: &ShareFilter,
    ) -> Result<Listed<crate::db::Row>, crate::db::DbError> {
        let matching = format!("{head}{}", self.sql());
        let total = c
            .query_one(
                &format!("SELECT COUNT(*) FROM ({matching}) AS matching"),
                &self.values,
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        let mut sql = format!("{matching} ORDER BY {order}");
        sql.push_str(&self.page(f));
        Ok(Listed {
            items: c.query(&sql, &self.values)?,
            total: total.max(0) as u64,
        })
    }
    fn page(&mut self, f: &ShareFilter) -> String {
        let limit = self.next(Value::Int(f.limit.clamp(1, 500) as i64));
        let offset = self.next(Value::Int(f.offset as i64));
        format!(" LIMIT {limit} OFFSET {offset}")
    }
}

/// Limits a list to the caller's organisations unless it sees everything.
pub(crate) fn scope(w: &mut Where, p: &Principal, cols: &[&str]) {
    if !share::sees_everything(p) {
        w.any_in(cols, &my_orgs(p));
    }
}

pub(crate) fn not_found(what: &'static str, id: i64) -> DomainError {
    let (zh, en) = match what {
        "application_not_found" => ("申请", "application"),
        "grant_not_found" => ("授权", "grant"),
        "need_not_found" => ("需求", "need"),
        "proposal_not_found" => ("负面清单提议", "negative-list proposal"),
        "conversion_not_found" => ("转换提议", "conversion proposal"),
        "webhook_not_found" => ("回调地址", "webhook"),
        _ => ("记录", "record"),
    };
    DomainError::not_found(
        what,
        format!("{zh} {id} 不存在或无权查看"),
        format!("{en} {id} does not exist or is not visible to you"),
    )
}

pub(crate) fn already_decided(zh: &str, en: &str) -> DomainError {
    DomainError::conflict(
        "already_decided",
        format!("{zh}已处理，不能重复处理"),
        format!("the {en} has already been decided"),
    )
}

/// A list filter given a value outside its set.
pub(crate) fn bad_status(field: &str, allowed: &str) -> crate::StoreError {
    DomainError::one(shuqiao_core::FieldError::new(
        field,
        "invalid_parameter",
        format!("参数 {field} 的取值不正确，可选：{allowed}"),
        format!("parameter {field} must be one of: {allowed}"),
    ))
    .into()
}
