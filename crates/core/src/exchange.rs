//! Exchange (交换): what a consumer system may see of a resource under its grants, and
//! verification without disclosure (核验). No I/O: the store reads grants and records.
use serde::Serialize;

use crate::account::{Principal, Role};
use crate::catalog::{Grade, ResourceMeta, ShareType};
use crate::collect::check_value;
use crate::error::{DomainError, FieldError};

pub mod keys;
pub mod refusals;
pub mod usage;
pub use keys::{key_in_clear, KeyShield, Pseudonyms, QueryCursor};

/// Keys per batch lookup.
pub const MAX_KEYS: usize = 1000;

/// How a system may use each granted field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldUse {
    /// Fields whose values may be returned.
    pub clear: Vec<String>,
    /// 核心 fields: only ever verified (match / no match), never returned.
    pub verify_only: Vec<String>,
}

/// Splits granted fields into those that may leave in clear and the 核心 ones that may only
/// be verified. Fields the catalog no longer has are dropped.
pub fn field_use(meta: &ResourceMeta, granted: &[String]) -> FieldUse {
    let mut clear = Vec::new();
    let mut verify_only = Vec::new();
    for item in &meta.items {
        if !granted.contains(&item.code) {
            continue;
        }
        if item.grade == Grade::Core {
            verify_only.push(item.code.clone());
        } else {
            clear.push(item.code.clone());
        }
    }
    FieldUse { clear, verify_only }
}

/// Admission of a system's calls on a resource under its grants in force (at least one): the
/// resource must still be shared (a resource turned 不予共享 stops every grant at once), and
/// the calls may use the union of the grants' fields, split as [`field_use`] does. Reads the
/// grants' field lists in place: this runs on every exchange call.
pub fn admit<'a, G>(code: &str, meta: &ResourceMeta, grants: G) -> Result<FieldUse, DomainError>
where
    G: IntoIterator<Item = &'a [String]> + Clone,
{
    if meta.share_type == ShareType::NotShared {
        return Err(resource_not_shared(code));
    }
    let granted = |item: &str| {
        grants
            .clone()
            .into_iter()
            .any(|g| g.iter().any(|f| f == item))
    };
    let mut uses = FieldUse {
        clear: Vec::new(),
        verify_only: Vec::new(),
    };
    for item in meta.items.iter().filter(|i| granted(&i.code)) {
        match item.grade {
            Grade::Core => uses.verify_only.push(item.code.clone()),
            _ => uses.clear.push(item.code.clone()),
        }
    }
    Ok(uses)
}

fn resource_not_shared(code: &str) -> DomainError {
    DomainError::forbidden(
        "resource_not_shared",
        format!("资源 {code} 为不予共享资源，不能通过交换接口调用"),
        format!(
            "resource {code} is not shared (不予共享): it cannot be used through the exchange API"
        ),
    )
}

/// Who sees the platform-wide call figures: the operator and auditors.
pub fn require_usage_reader(p: &Principal) -> Result<(), DomainError> {
    if p.is_platform_admin() || p.has_role(Role::Auditor) {
        return Ok(());
    }
    Err(match p {
        Principal::Anonymous => {
            DomainError::unauthenticated("unauthenticated", "请先登录", "sign in first")
        }
        _ => DomainError::forbidden(
            "operator_or_auditor_only",
            "只有平台管理员和审计人员可以查看全平台的调用统计",
            "only the operator and auditors may see platform-wide usage",
        ),
    })
}

/// The calls a second a grant allows: its own rate, else the platform default; `None`: no
/// limit. A rate that does not fit is no rate of its own.
pub fn grant_rate(own: Option<i64>, default: Option<u32>) -> Option<u32> {
    own.and_then(|r| u32::try_from(r).ok()).or(default)
}

/// Whether one more call fits a grant's daily quota: `used_today` calls sealed today (China
/// time) and `in_flight` admitted but not yet sealed. No quota: always.
pub fn check_quota(
    quota: Option<i64>,
    used_today: i64,
    in_flight: i64,
    now_ms: i64,
) -> Result<(), DomainError> {
    match quota {
        Some(quota) if used_today + in_flight >= quota => {
            Err(quota_exhausted(secs_to_china_midnight(now_ms), quota))
        }
        _ => Ok(()),
    }
}

/// The fields a lookup returns: the ones asked for (all clear ones by default), each of which
/// must be granted and not 核心.
pub fn fields_for_lookup(
    meta: &ResourceMeta,
    uses: &FieldUse,
    asked: Option<&[String]>,
) -> Result<Vec<String>, DomainError> {
    let Some(asked) = asked else {
        return Ok(uses.clear.clone());
    };
    let mut out = Vec::new();
    for f in asked {
        let f = f.trim();
        if uses.clear.iter().any(|c| c == f) {
            out.push(f.to_string());
        } else if uses.verify_only.iter().any(|c| c == f) {
            return Err(core_field(f));
        } else {
            return Err(not_granted(meta, f));
        }
    }
    Ok(out)
}

fn core_field(f: &str) -> DomainError {
    DomainError::forbidden(
        "core_field_verify_only",
        format!("「{f}」为核心数据，只能通过核验接口比对，不能获取原值"),
        format!("`{f}` is graded 核心 (core): it can only be verified, never returned"),
    )
}

fn not_granted(meta: &ResourceMeta, f: &str) -> DomainError {
    let known = meta.items.iter().any(|i| i.code == f);
    DomainError::forbidden(
        "field_not_granted",
        if known {
            format!("授权中不含信息项「{f}」：请在共享申请中申请该项")
        } else {
            format!("资源中没有信息项「{f}」")
        },
        if known {
            format!("your grant does not include `{f}`: apply for it")
        } else {
            format!("the resource has no item `{f}`")
        },
    )
}

/// The answer for one claimed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    NoMatch,
    /// No record with that key (or it was deleted).
    NoRecord,
}

/// Compares claimed values with the stored ones, field by field, after normalising each
/// claim the way collection normalises stored values (so 1990/01/01 and 1990-01-01 agree).
/// Claims on fields outside the grant are refused; nothing stored is ever returned.
pub fn verify(
    meta: &ResourceMeta,
    uses: &FieldUse,
    claims: &[(String, String)],
    stored: Option<&serde_json::Map<String, serde_json::Value>>,
    today: time::Date,
) -> Result<Vec<(String, Verdict)>, DomainError> {
    if claims.is_empty() {
        return Err(DomainError::one(FieldError::new(
            "claims",
            "required",
            "请给出要核验的信息项及其值",
            "give the items and values to verify",
        )));
    }
    let mut out = Vec::with_capacity(claims.len());
    let mut bad = Vec::new();
    for (field, claimed) in claims {
        let granted = uses
            .clear
            .iter()
            .chain(&uses.verify_only)
            .any(|c| c == field);
        if !granted {
            return Err(not_granted(meta, field));
        }
        let Some(item) = meta.items.iter().find(|i| &i.code == field) else {
            return Err(not_granted(meta, field));
        };
        let normal = match check_value(item, false, claimed, today) {
            Ok(v) => v.unwrap_or_default(),
            Err(r) => {
                bad.push(FieldError::new(
                    format!("claims.{field}"),
                    r.reason,
                    r.zh,
                    r.en,
                ));
                continue;
            }
        };
        let verdict = match stored {
            None => Verdict::NoRecord,
            Some(data) => match data.get(field).and_then(|v| v.as_str()) {
                Some(v) if v == normal => Verdict::Match,
                _ => Verdict::NoMatch,
            },
        };
        out.push((field.clone(), verdict));
    }
    if !bad.is_empty() {
        return Err(DomainError::invalid(bad));
    }
    Ok(out)
}

/// Rows per page of a filtered query, by default and at most.
pub const QUERY_DEFAULT_LIMIT: usize = 100;
pub const QUERY_MAX_LIMIT: usize = 1000;
/// Changes per page of the sync feed, at most.
pub const CHANGES_MAX_LIMIT: usize = 5000;
/// Longest a change-feed request may wait for a change (long poll), in seconds.
pub const MAX_WAIT_SECS: u64 = 60;

/// A comparison in a filtered query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
        }
    }
}

/// One condition on a field: `XB=1`, `CSRQ.gte=1990-01-01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub field: String,
    pub op: Op,
    /// The value normalised like collected values, so it compares with what is stored.
    pub value: String,
    /// Compare as numbers (数值型/货币型) rather than as text.
    pub numeric: bool,
}

/// Parses query parameters of the form `FIELD=v` or `FIELD.op=v` (op: eq, gt, gte, lt, lte)
/// into filters. Only fields the caller may read in clear can be filtered on: a range over a
/// 核心 field would disclose it one comparison at a time.
pub fn parse_filters(
    meta: &ResourceMeta,
    uses: &FieldUse,
    params: &[(String, String)],
    today: time::Date,
) -> Result<Vec<Filter>, DomainError> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (name, raw) in params {
        let (field, op) = match name.rsplit_once('.') {
            Some((f, "eq")) => (f, Op::Eq),
            Some((f, "gt")) => (f, Op::Gt),
            Some((f, "gte")) => (f, Op::Gte),
            Some((f, "lt")) => (f, Op::Lt),
            Some((f, "lte")) => (f, Op::Lte),
            Some((_, other)) => {
                bad.push(FieldError::new(
                    name.clone(),
                    "unknown_operator",
                    format!("未知的比较方式「{other}」：可用 eq、gt、gte、lt、lte"),
                    format!("unknown operator `{other}`: use eq, gt, gte, lt or lte"),
                ));
                continue;
            }
            None => (name.as_str(), Op::Eq),
        };
        if uses.verify_only.iter().any(|c| c == field) {
            return Err(core_field(field));
        }
        if !uses.clear.iter().any(|c| c == field) {
            return Err(not_granted(meta, field));
        }
        let Some(item) = meta.items.iter().find(|i| i.code == field) else {
            return Err(not_granted(meta, field));
        };
        match check_value(item, false, raw, today) {
            Ok(v) => out.push(Filter {
                field: field.to_string(),
                op,
                value: v.unwrap_or_default(),
                numeric: matches!(
                    item.item_type,
                    crate::catalog::ItemType::Number | crate::catalog::ItemType::Money
                ),
            }),
            Err(r) => bad.push(FieldError::new(name.clone(), r.reason, r.zh, r.en)),
        }
    }
    if !bad.is_empty() {
        return Err(DomainError::invalid(bad));
    }
    Ok(out)
}

/// A page size asked for, checked against its bounds.
pub fn page_limit(asked: Option<&str>, default: usize, max: usize) -> Result<usize, DomainError> {
    let Some(raw) = asked else {
        return Ok(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(DomainError::one(FieldError::new(
            "limit",
            "invalid_limit",
            format!("limit 应为 1 至 {max} 的整数"),
            format!("limit must be a whole number from 1 to {max}"),
        ))),
    }
}

/// The change feed's cursor: the last version id the consumer has applied ("0" from the
/// beginning). Version ids grow in commit order within a resource. It is a position in the
/// feed, not data: it may stay a plain number (the filtered query's cursor, which holds a
/// key, is sealed: [`KeyShield::seal_cursor`]).
pub fn parse_change_cursor(raw: Option<&str>) -> Result<i64, DomainError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(0),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| keys::invalid_cursor("since")),
    }
}

/// What one exchange call came to, as sealed in its audit entry's `result`. The text
/// (`Display`) is hashed into the log, so it never changes: `FromStr` reads every form ever
/// sealed, and the two round-trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallResult {
    /// Records served: `ok:3/5` (3 of the 5 keys asked for, or 3 of 5 claims matching) or
    /// `ok:12` (a page of a query or a change feed).
    Served { served: u64, asked: Option<u64> },
    /// A whole-resource download of `total` live records, `ok:N/download@V`: the snapshot
    /// `as_of` (the resource's last version id when it was sealed) names its data subjects —
    /// every key live at `as_of` — rather than one by one, so sealing a download of a million
    /// rows costs what one lookup does. `None` for downloads sealed before entries named their
    /// snapshot (`ok:N/download`).
    Download { total: u64, as_of: Option<u64> },
    /// Refused with this error code: `denied:<code>`.
    Denied(String),
    /// Refusals of unidentified callers answered 429 without an entry each: `dropped:N`.
    Dropped(u64),
}

impl CallResult {
    /// Whether the call was answered (and counts against the daily quota).
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            CallResult::Served { .. } | CallResult::Download { .. }
        )
    }

    /// How many records the call served (0 for a refusal).
    pub fn served(&self) -> u64 {
        match self {
            CallResult::Served { served, .. } => *served,
            CallResult::Download { total, .. } => *total,
            CallResult::Denied(_) | CallResult::Dropped(_) => 0,
        }
    }

    /// The snapshot a download serves, if it names one.
    pub fn download_as_of(&self) -> Option<u64> {
        match self {
            CallResult::Download { as_of, .. } => *as_of,
            _ => None,
        }
    }
}

impl std::fmt::Display for CallResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallResult::Served {
                served,
                asked: Some(asked),
            } => write!(f, "ok:{served}/{asked}"),
            CallResult::Served {
                served,
                asked: None,
            } => write!(f, "ok:{served}"),
            CallResult::Download {
                total,
                as_of: Some(v),
            } => write!(f, "ok:{total}/download@{v}"),
            CallResult::Download { total, as_of: None } => write!(f, "ok:{total}/download"),
            CallResult::Denied(code) => write!(f, "denied:{code}"),
            CallResult::Dropped(n) => write!(f, "dropped:{n}"),
        }
    }
}

/// An audit result that is not the result of an exchange call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an exchange call result")]
pub struct NotACallResult;

impl std::str::FromStr for CallResult {
    type Err = NotACallResult;

    fn from_str(s: &str) -> Result<Self, NotACallResult> {
        // Only plain decimal digits: the text must be exactly what `Display` writes back.
        fn number(s: &str) -> Result<u64, NotACallResult> {
            let canonical = !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'));
            match canonical {
                true => s.parse().map_err(|_| NotACallResult),
                false => Err(NotACallResult),
            }
        }
        if let Some(code) = s.strip_prefix("denied:") {
            return Ok(CallResult::Denied(code.to_string()));
        }
        if let Some(n) = s.strip_prefix("dropped:") {
            return Ok(CallResult::Dropped(number(n)?));
        }
        let ok = s.strip_prefix("ok:").ok_or(NotACallResult)?;
        let Some((count, rest)) = ok.split_once('/') else {
            return Ok(CallResult::Served {
                served: number(ok)?,
                asked: None,
            });
        };
        let count = number(count)?;
        Ok(match rest.strip_prefix("download") {
            Some("") => CallResult::Download {
                total: count,
                as_of: None,
            },
            Some(at) => CallResult::Download {
                total: count,
                as_of: Some(number(at.strip_prefix('@').ok_or(NotACallResult)?)?),
            },
            None => CallResult::Served {
                served: count,
                asked: Some(number(rest)?),
            },
        })
    }
}

/// A token bucket for one grant's rate limit: `rate` calls a second with bursts of up to one
/// second's worth. Time is passed in, so the rule is testable without a clock.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    at_ms: i64,
}

impl Bucket {
    pub fn full(rate: u32, now_ms: i64) -> Bucket {
        Bucket {
            tokens: f64::from(rate),
            at_ms: now_ms,
        }
    }

    /// Takes one call's token, or says in how many seconds one will be there (at least 1,
    /// as Retry-After counts whole seconds).
    pub fn take(&mut self, rate: u32, now_ms: i64) -> Result<(), u64> {
        let rate = f64::from(rate.max(1));
        let elapsed = (now_ms - self.at_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * rate).min(rate);
        self.at_ms = now_ms.max(self.at_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// Seconds from `now_ms` to the next midnight in China Standard Time, when daily quotas reset.
pub fn secs_to_china_midnight(now_ms: i64) -> u64 {
    const DAY: i64 = 86_400;
    let local = now_ms.div_euclid(1000) + 8 * 3600;
    (DAY - local.rem_euclid(DAY)) as u64
}

pub fn rate_limited(retry_after_secs: u64, rate: u32) -> DomainError {
    DomainError::Throttled {
        code: "rate_limited",
        msg: crate::error::Msg::new(
            format!("调用过于频繁：本授权每秒最多 {rate} 次，请 {retry_after_secs} 秒后重试"),
            format!(
                "too many calls: this grant allows {rate} a second; retry in {retry_after_secs} s"
            ),
        ),
        retry_after_secs,
    }
}

pub fn quota_exhausted(retry_after_secs: u64, quota: i64) -> DomainError {
    DomainError::Throttled {
        code: "quota_exceeded",
        msg: crate::error::Msg::new(
            format!("本授权今日 {quota} 次调用额度已用完，北京时间零点重置"),
            format!("this grant's daily quota of {quota} calls is used up; it resets at midnight China time"),
        ),
        retry_after_secs,
    }
}

#[cfg(test)]
mod admission_tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_not_shared_resource_admits_no_grant() {
        let mut meta = crate::catalog::tests::sample();
        meta.share_type = ShareType::NotShared;
        let all: Vec<String> = meta.items.iter().map(|i| i.code.clone()).collect();
        let e = admit("R1", &meta, [all.as_slice()]).unwrap_err();
        assert!(matches!(
            e,
            DomainError::Forbidden {
                code: "resource_not_shared",
                ..
            }
        ));
    }

    #[test]
    fn grants_admit_the_union_of_their_fields_in_catalog_order() {
        let mut meta = crate::catalog::tests::sample();
        let mut birth = meta.items[1].clone();
        birth.code = "CSRQ".into();
        meta.items.push(birth);
        let a = strings(&["CSRQ", "GMSFHM"]);
        let b = strings(&["XM", "gone"]);
        let uses = admit("R1", &meta, [a.as_slice(), b.as_slice()]).unwrap();
        assert_eq!(
            uses.clear,
            strings(&["XM", "CSRQ"]),
            "catalog order, unknown dropped"
        );
        assert_eq!(uses.verify_only, strings(&["GMSFHM"]));
        let union = strings(&["CSRQ", "GMSFHM", "XM", "gone"]);
        assert_eq!(uses, field_use(&meta, &union));
        let only_b = admit("R1", &meta, [b.as_slice()]).unwrap();
        assert_eq!(
            (only_b.clear, only_b.verify_only),
            (strings(&["XM"]), vec![])
        );
    }

    #[test]
    fn core_fields_are_admitted_for_verification_only() {
        let meta = crate::catalog::tests::sample();
        let all: Vec<String> = meta.items.iter().map(|i| i.code.clone()).collect();
        let uses = admit("R1", &meta, [all.as_slice()]).unwrap();
        for item in &meta.items {
            let core = item.grade == Grade::Core;
            assert_eq!(uses.verify_only.contains(&item.code), core, "{}", item.code);
            assert_eq!(uses.clear.contains(&item.code), !core, "{}", item.code);
        }
    }

    #[test]
    fn usage_figures_are_for_the_operator_and_auditors() {
        let person = |role| Principal::Person {
            username: "u".into(),
            org: "x".into(),
            roles: vec![crate::account::RoleBinding {
                role,
                org: "x".into(),
            }],
        };
        assert!(require_usage_reader(&person(Role::PlatformAdmin)).is_ok());
        assert!(require_usage_reader(&person(Role::Auditor)).is_ok());
        assert!(matches!(
            require_usage_reader(&person(Role::DataSteward)),
            Err(DomainError::Forbidden {
                code: "operator_or_auditor_only",
                ..
            })
        ));
        let system = Principal::System {
            system: "s".into(),
            org: "x".into(),
            token_id: 1,
        };
        assert!(require_usage_reader(&system).is_err());
        assert!(matches!(
            require_usage_reader(&Principal::Anonymous),
            Err(DomainError::Unauthenticated { .. })
        ));
    }

    #[test]
    fn a_quota_counts_sealed_and_in_flight_calls() {
        assert!(check_quota(None, i64::MAX / 2, 1000, 0).is_ok());
        assert!(check_quota(Some(10), 8, 1, 0).is_ok());
        let e = check_quota(Some(10), 9, 1, 0).unwrap_err();
        assert!(matches!(
            e,
            DomainError::Throttled { code: "quota_exceeded", retry_after_secs, .. }
                if retry_after_secs == secs_to_china_midnight(0)
        ));
        assert!(check_quota(Some(10), 10, 0, 0).is_err());
    }

    #[test]
    fn a_grants_own_rate_wins_over_the_default() {
        assert_eq!(grant_rate(Some(5), Some(100)), Some(5));
        assert_eq!(grant_rate(None, Some(100)), Some(100));
        assert_eq!(grant_rate(None, None), None);
        assert_eq!(grant_rate(Some(-1), Some(100)), Some(100));
        assert_eq!(grant_rate(Some(i64::MAX), None), None);
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_of_one_second_then_refills() {
        let mut b = Bucket::full(5, 0);
        for _ in 0..5 {
            assert!(b.take(5, 0).is_ok());
        }
        assert_eq!(b.take(5, 0), Err(1));
        assert!(b.take(5, 200).is_ok(), "0.2 s at 5/s refills one token");
        assert!(b.take(5, 200).is_err());
    }

    #[test]
    fn midnight_in_china_is_16_utc() {
        // 2026-12-01T15:00:00Z is 23:00 in Beijing: one hour to go.
        let ms = 1_796_137_200_000;
        assert_eq!(secs_to_china_midnight(ms), 3600);
    }

    #[test]
    fn call_results_are_read_back_from_their_sealed_text() {
        let served = |s: &str| s.parse::<CallResult>().map(|r| r.served()).unwrap_or(0);
        assert_eq!(served("ok:3/5"), 3);
        assert_eq!(served("ok:12"), 12);
        assert_eq!(served("denied:no_grant"), 0);
        assert_eq!(
            "ok:3/5".parse(),
            Ok(CallResult::Served {
                served: 3,
                asked: Some(5)
            })
        );
        assert_eq!("dropped:7".parse(), Ok(CallResult::Dropped(7)));
        assert_eq!(
            "denied:quota_exhausted".parse(),
            Ok(CallResult::Denied("quota_exhausted".into()))
        );
        for other in [
            "ok",
            "ok:",
            "ok:x",
            "ok:1/",
            "ok:01",
            "ok:+1",
            "ok:1/download#2",
            "",
        ] {
            assert_eq!(other.parse::<CallResult>(), Err(NotACallResult), "{other}");
        }
    }

    #[test]
    fn a_download_result_names_its_snapshot() {
        let r = CallResult::Download {
            total: 1_000_000,
            as_of: Some(42),
        };
        assert_eq!(r.to_string(), "ok:1000000/download@42");
        let back: CallResult = r.to_string().parse().unwrap();
        assert_eq!(
            (back.served(), back.download_as_of()),
            (1_000_000, Some(42))
        );
        let legacy: CallResult = "ok:3/download".parse().unwrap();
        assert_eq!(legacy.download_as_of(), None, "sealed before snapshots");
        assert!(legacy.is_ok());
        let denied: CallResult = "denied:no_grant".parse().unwrap();
        assert_eq!((denied.download_as_of(), denied.is_ok()), (None, false));
        let lookup: CallResult = "ok:3/5".parse().unwrap();
        assert_eq!(lookup.download_as_of(), None);
    }

    #[test]
    fn every_call_result_round_trips_byte_for_byte() {
        for text in [
            "ok:0",
            "ok:12",
            "ok:3/5",
            "ok:0/0",
            "ok:7/download",
            "ok:7/download@0",
            "ok:1000000/download@42",
            "denied:no_grant",
            "denied:",
            "dropped:1",
        ] {
            let r: CallResult = text.parse().unwrap();
            assert_eq!(r.to_string(), text);
        }
    }

    #[test]
    fn change_cursors_are_version_numbers() {
        assert_eq!(parse_change_cursor(None).unwrap(), 0);
        assert!(parse_change_cursor(Some("-1")).is_err());
    }
}
