//! The assessment figures, computed from the tables as they are.
//!
//! Each figure is one query that lists its base rows with a department, a `counted` flag and
//! a value; the figures group it by department and the drill-down pages through the same
//! query, so a figure always equals the count of the rows it links to. A period's bounds are
//! written into the SQL as numbers and `YYYY-MM-DD` days computed here, never from input.
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::assess::figures::{
    self as rules, as_of, composite, target_for, Figure, Period, Scope, Tally, Target, Unit,
};
use shuqiao_core::DomainError;

use crate::db::Conn;
use crate::share::Listed;
use crate::{params, Result, Store};

/// One figure's value for a scope and period, beside its counts and target.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FigureValue {
    pub code: Figure,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub unit: Unit,
    /// `None` when there is nothing to measure.
    pub value: Option<f64>,
    /// Rows in the base, and among them the rows that count.
    pub base: i64,
    pub counted: i64,
    /// The target for this period's year, if the province has set one.
    pub target: Option<f64>,
    pub meets_target: Option<bool>,
    pub targets: Vec<Target>,
}

/// Whose figures these are.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScopeView {
    /// `province`, `region` or `org`.
    pub kind: &'static str,
    pub code: Option<String>,
    pub name: String,
    pub name_en: String,
}

/// One period of a trend.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendPoint {
    pub period: String,
    pub values: BTreeMap<Figure, Option<f64>>,
}

/// A department's place in the ranking (比学赶超).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankRow {
    /// 1 for the best; equal composites share a rank.
    pub rank: u32,
    pub org: String,
    pub name: String,
    pub name_en: String,
    /// The mean of the department's ratio figures that have a base.
    pub score: Option<f64>,
    pub values: BTreeMap<Figure, Option<f64>>,
}

/// The figures of a scope for a period, with the trend over the periods before.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub period: String,
    pub period_zh: String,
    /// Bounds in ms: start (inclusive), end (exclusive), and the moment counted at.
    pub start: i64,
    pub end: i64,
    pub as_of: i64,
    pub scope: ScopeView,
    pub figures: Vec<FigureValue>,
    /// This period and the three before it, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// The ranking of departments for a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ranking {
    pub period: String,
    pub as_of: i64,
    pub rows: Vec<RankRow>,
}

/// One row a figure was computed from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FigureRow {
    pub org: String,
    /// The row's own id: a department, 责任清单 entry, resource, need, application, objection
    /// or system code, or a resource for the exchange volume.
    pub id: String,
    pub label: String,
    /// Whether the row counts in the figure's numerator.
    pub counted: bool,
    /// The row's value, where the figure has one: ms to close an objection, ms to answer an
    /// application, calls.
    pub value: Option<i64>,
}

/// Something past its deadline, for the reports' lists of overdue items.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OverdueItem {
    /// `application`, `objection` or `need`.
    pub kind: &'static str,
    pub id: i64,
    /// The department that owes the answer.
    pub org: String,
    pub label: String,
    pub due_at: i64,
}

#[derive(Debug, Clone)]
struct OrgInfo {
    code: String,
    name: String,
    name_en: String,
    kind: String,
    region: String,
}

/// The bounds a figure's query is written with.
struct Window {
    start: i64,
    as_of: i64,
    start_day: String,
    end_day: String,
}

impl Window {
    fn of(period: &Period, now: i64) -> Window {
        let (start, _) = period.bounds();
        let (a, b) = period.days();
        Window {
            start,
            as_of: as_of(period, now),
            start_day: a.to_string(),
            end_day: b.to_string(),
        }
    }
}

/// The base rows of a figure: columns org, id, label, counted (0/1), value.
fn base_sql(f: Figure, w: &Window) -> String {
    let (start, as_of) = (w.start, w.as_of);
    let (d0, d1) = (&w.start_day, &w.end_day);
    let published = |code: &str| {
        format!(
            "EXISTS (SELECT 1 FROM resource_versions v WHERE v.code = {code} AND v.published_at < {as_of})"
        )
    };
    let shareable = format!(
        "FROM resources r WHERE r.retired = 0 AND r.share_type IN ('unconditional', 'conditional') AND {}",
        published("r.code")
    );
    match f.rows_of() {
        Figure::ShareDeptCoverage => format!(
            "SELECT o.code AS org, o.code AS id, o.name AS label,
                CASE WHEN EXISTS (SELECT 1 FROM resources r WHERE r.provider = o.code AND r.retired = 0 AND {})
                     THEN 1 ELSE 0 END AS counted,
                CAST(NULL AS BIGINT) AS value
             FROM orgs o WHERE o.kind = 'department' AND o.created_at < {as_of}",
            published("r.code")
        ),
        Figure::ContentCoverage => format!(
            "SELECT d.org AS org, CAST(d.id AS TEXT) AS id, d.title AS label,
                CASE WHEN d.resource IS NOT NULL AND EXISTS (SELECT 1 FROM resources r WHERE r.code = d.resource AND r.retired = 0 AND {})
                     THEN 1 ELSE 0 END AS counted,
                CAST(NULL AS BIGINT) AS value
             FROM responsibilities d WHERE d.created_at < {as_of}",
            published("r.code")
        ),
        Figure::ProvisionRate => format!(
            "SELECT r.provider AS org, r.code AS id, r.name AS label,
                CASE WHEN EXISTS (SELECT 1 FROM collect_batches b WHERE b.resource = r.code AND b.status = 'applied' AND b.finished_at < {as_of})
                     THEN 1 ELSE 0 END AS counted,
                CAST(NULL AS BIGINT) AS value
             {shareable}"
        ),
        // `IN (subquery)` is evaluated once into a lookup set on both engines; a join to the
        // grouped usage was run again for every resource on SQLite.
        Figure::ApplicationSupportRate => format!(
            "SELECT r.provider AS org, r.code AS id, r.name AS label,
                CASE WHEN r.code IN (SELECT resource FROM exchange_usage
                                     WHERE day >= '{d0}' AND day < '{d1}' AND grant_id <> 0 AND calls > 0)
                     THEN 1 ELSE 0 END AS counted,
                CAST(NULL AS BIGINT) AS value
             {shareable}"
        ),
        Figure::NeedSatisfactionRate => format!(
            "SELECT n.org AS org, CAST(n.id AS TEXT) AS id, n.title AS label,
                CASE WHEN n.status = 'satisfied' AND n.satisfied_at < {as_of} THEN 1 ELSE 0 END AS counted,
                CAST(NULL AS BIGINT) AS value
             FROM needs n
             WHERE n.created_at < {as_of}
               AND NOT (n.status = 'satisfied' AND n.satisfied_at < {start})
               AND NOT (n.status = 'rejected' AND n.decided_at < {start})"
        ),
        Figure::OnTimeRate => format!(
            "SELECT a.provider AS org, CAST(a.id AS TEXT) AS id, a.resource AS label,
                CASE WHEN a.status IN ('approved', 'rejected') AND a.decided_at <= a.due_at THEN 1 ELSE 0 END AS counted,
                CASE WHEN a.status IN ('approved', 'rejected') THEN a.decided_at - a.filed_at END AS value
             FROM applications a
             WHERE a.due_at >= {start} AND a.due_at < {as_of} AND a.status <> 'withdrawn'"
        ),
        Figure::ObjectionResolutionRate | Figure::ObjectionMeanDays => format!(
            "SELECT q.provider AS org, CAST(q.id AS TEXT) AS id, q.resource AS label,
                CASE WHEN q.closed_at IS NOT NULL AND q.closed_at < {as_of} THEN 1 ELSE 0 END AS counted,
                CASE WHEN q.closed_at IS NOT NULL AND q.closed_at < {as_of} THEN q.closed_at - q.filed_at END AS value
             FROM quality_objections q
             WHERE q.filed_at >= {start} AND q.filed_at < {as_of}"
        ),
        Figure::SystemConnectRate => format!(
            "SELECT s.org AS org, s.code AS id, s.name AS label,
                CASE WHEN s.code IN (SELECT system FROM exchange_usage
                                     WHERE day >= '{d0}' AND day < '{d1}' AND calls > 0)
                       OR EXISTS (SELECT 1 FROM collect_batches b WHERE b.source_system = s.code AND b.started_at >= {start} AND b.started_at < {as_of})
                     THEN 1 ELSE 0 END AS counted,
                CAST(NULL AS BIGINT) AS value
             FROM systems s
             WHERE s.status = 'in_use' AND s.created_at < {as_of}"
        ),
        Figure::ExchangeVolume => format!(
            "SELECT r.provider AS org, u.resource AS id, r.name AS label, 1 AS counted, u.calls AS value
             FROM (SELECT resource, CAST(SUM(calls) AS BIGINT) AS calls FROM exchange_usage
                   WHERE day >= '{d0}' AND day < '{d1}' AND grant_id <> 0 GROUP BY resource) u
             JOIN resources r ON r.code = u.resource"
        ),
    }
}

/// The figures whose rows are queried: every figure but the ones computed from another's.
fn queried() -> impl Iterator<Item = Figure> {
    Figure::ALL.into_iter().filter(|f| f.rows_of() == *f)
}

/// Every department's tally of every figure for one period.
fn tallies(c: &mut dyn Conn, w: &Window) -> Result<HashMap<Figure, HashMap<String, Tally>>> {
    let mut all = HashMap::new();
    for f in queried() {
        let sql = format!(
            "SELECT b.org, COUNT(*), CAST(COALESCE(SUM(b.counted), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN b.counted = 1 THEN b.value END), 0) AS BIGINT)
             FROM ({}) b GROUP BY b.org",
            base_sql(f, w)
        );
        let mut by_org = HashMap::new();
        for r in c.query(&sql, &[])? {
            let t = Tally {
                base: r.int(1)?,
                counted: r.int(2)?,
                value_sum: r.int(3)?,
            };
            by_org.insert(r.text(0)?, t);
        }
        all.insert(f, by_org);
    }
    Ok(all)
}

fn load_orgs(c: &mut dyn Conn) -> Result<Vec<OrgInfo>> {
    c.query(
        "SELECT code, name, name_en, kind, region FROM orgs ORDER BY code",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(OrgInfo {
            code: r.text(0)?,
            name: r.text(1)?,
            name_en: r.text(2)?,
            kind: r.text(3)?,
            region: r.text(4)?,
        })
    })
    .collect()
}

/// The organisations a scope covers; `None` for the whole province (every row counts, whoever
/// it belongs to).
fn scope_orgs(scope: &Scope, orgs: &[OrgInfo]) -> Option<Vec<String>> {
    match scope {
        Scope::Province => None,
        Scope::Org(o) => Some(vec![o.clone()]),
        Scope::Region(r) => Some(
            orgs.iter()
                .filter(|o| rules::region_covers(r, &o.region))
                .map(|o| o.code.clone())
                .collect(),
        ),
    }
}

fn scope_tally(by_org: &HashMap<String, Tally>, members: Option<&[String]>) -> Tally {
    let mut t = Tally::default();
    match members {
        None => by_org.values().for_each(|x| t.add(x)),
        Some(m) => m
            .iter()
            .filter_map(|o| by_org.get(o))
            .for_each(|x| t.add(x)),
    }
    t
}

fn tally_of(
    all: &HashMap<Figure, HashMap<String, Tally>>,
    f: Figure,
    members: Option<&[String]>,
) -> Tally {
    all.get(&f.rows_of())
        .map(|m| scope_tally(m, members))
        .unwrap_or_default()
}

fn figure_values(
    all: &HashMap<Figure, HashMap<String, Tally>>,
    members: Option<&[String]>,
    period: &Period,
) -> Vec<FigureValue> {
    Figure::ALL
        .into_iter()
        .map(|f| {
            let t = tally_of(all, f, members);
            let d = f.definition();
            let value = rules::value(f, &t);
            let target = target_for(&d, period);
            FigureValue {
                code: f,
                name_zh: d.name_zh,
                name_en: d.name_en,
                unit: d.unit,
                value,
                base: t.base,
                counted: t.counted,
                target,
                meets_target: value.zip(target).map(|(v, t)| rules::meets(&d, v, t)),
                targets: d.targets,
            }
        })
        .collect()
}

fn values_only(
    all: &HashMap<Figure, HashMap<String, Tally>>,
    members: Option<&[String]>,
) -> BTreeMap<Figure, Option<f64>> {
    Figure::ALL
        .into_iter()
        .map(|f| (f, rules::value(f, &tally_of(all, f, members))))
        .collect()
}

fn ranking_of(all: &HashMap<Figure, HashMap<String, Tally>>, orgs: &[OrgInfo]) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = orgs
        .iter()
        .filter(|o| o.kind == "department")
        .map(|o| {
            let members = [o.code.clone()];
            let values = values_only(all, Some(&members));
            let pairs: Vec<_> = values.iter().map(|(f, v)| (*f, *v)).collect();
            RankRow {
                rank: 0,
                org: o.code.clone(),
                name: o.name.clone(),
                name_en: o.name_en.clone(),
                score: composite(&pairs),
                values,
            }
        })
        .collect();
    // Best first; a department with nothing measured last; ties by code.
    rows.sort_by(|a, b| {
        let key = |r: &RankRow| r.score.unwrap_or(-1.0);
        key(b).total_cmp(&key(a)).then_with(|| a.org.cmp(&b.org))
    });
    let mut last: Option<(Option<f64>, u32)> = None;
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = match last {
            Some((s, rank)) if s == r.score => rank,
            _ => i as u32 + 1,
        };
        last = Some((r.score, r.rank));
    }
    rows
}

fn parse_period(s: &str) -> Result<Period> {
    Ok(Period::parse(s)?)
}

fn unknown_org(code: &str) -> DomainError {
    DomainError::not_found(
        "unknown_org",
        format!("没有机构「{code}」"),
        format!("there is no organisation `{code}`"),
    )
}

fn unknown_region(code: &str) -> DomainError {
    DomainError::not_found(
        "unknown_region",
        format!("没有行政区划「{code}」（GB/T 2260）"),
        format!("there is no region `{code}` (GB/T 2260)"),
    )
}

fn scope_view(scope: &Scope, orgs: &[OrgInfo]) -> Result<ScopeView> {
    Ok(match scope {
        Scope::Province => ScopeView {
            kind: "province",
            code: None,
            name: "全省".into(),
            name_en: "Province".into(),
        },
        Scope::Org(o) => {
            let info = orgs
                .iter()
                .find(|x| &x.code == o)
                .ok_or_else(|| unknown_org(o))?;
            ScopeView {
                kind: "org",
                code: Some(o.clone()),
                name: info.name.clone(),
                name_en: info.name_en.clone(),
            }
        }
        Scope::Region(r) => {
            let region = shuqiao_core::region::REGIONS
                .iter()
                .find(|x| x.code == r)
                .ok_or_else(|| unknown_region(r))?;
            ScopeView {
                kind: "region",
                code: Some(r.clone()),
                name: region.name.to_string(),
                name_en: region.name_en.to_string(),
            }
        }
    })
}

/// Checks a request in the order a caller can act on: signed in, a period, allowed.
fn admit(p: &Principal, period: &str, scope: &Scope) -> Result<Period> {
    p.require_authenticated()?;
    let period = parse_period(period)?;
    rules::require_scope_reader(p, scope)?;
    Ok(period)
}

impl Store {
    /// The figures of a scope for a period, with the trend over the three periods before.
    pub async fn assess_figures(
        &self,
        p: Principal,
        period: &str,
        scope: Scope,
    ) -> Result<Figures> {
        let period = admit(&p, period, &scope)?;
        let now = self.now();
        self.audit.spread().await?;
        self.read(move |c| {
            let orgs = load_orgs(c)?;
            let view = scope_view(&scope, &orgs)?;
            let members = scope_orgs(&scope, &orgs);
            let mut trend = Vec::new();
            let mut current = None;
            for q in period.trailing(4) {
                let w = Window::of(&q, now);
                // A period that has not begun has nothing to count.
                let all = match w.start < now || q == period {
                    true => tallies(c, &w)?,
                    false => HashMap::new(),
                };
                trend.push(TrendPoint {
                    period: q.code(),
                    values: values_only(&all, members.as_deref()),
                });
                if q == period {
                    current = Some(all);
                }
            }
            let all = current.unwrap_or_default();
            let (start, end) = period.bounds();
            Ok(Figures {
                period: period.code(),
                period_zh: period.label_zh(),
                start,
                end,
                as_of: as_of(&period, now),
                scope: view,
                figures: figure_values(&all, members.as_deref(), &period),
                trend,
            })
        })
        .await
    }

    /// The ranking of departments for a period: any signed-in person sees it.
    pub async fn assess_ranking(&self, p: Principal, period: &str) -> Result<Ranking> {
        p.require_authenticated()?;
        let period = parse_period(period)?;
        rules::require_ranking_reader(&p)?;
        let now = self.now();
        self.audit.spread().await?;
        self.read(move |c| {
            let orgs = load_orgs(c)?;
            let all = tallies(c, &Window::of(&period, now))?;
            Ok(Ranking {
                period: period.code(),
                as_of: as_of(&period, now),
                rows: ranking_of(&all, &orgs),
            })
        })
        .await
    }

    /// The rows a figure was computed from, for a scope, a page at a time: counted rows first,
    /// then by department and id.
    pub async fn assess_rows(
        &self,
        p: Principal,
        figure: &str,
        period: &str,
        scope: Scope,
        offset: u64,
        limit: u32,
    ) -> Result<Listed<FigureRow>> {
        let period = admit(&p, period, &scope)?;
        let f = Figure::parse_or_not_found(figure)?;
        let now = self.now();
        self.audit.spread().await?;
        self.read(move |c| {
            let orgs = load_orgs(c)?;
            scope_view(&scope, &orgs)?;
            let w = Window::of(&period, now);
            let base = base_sql(f, &w);
            let filter = match scope_orgs(&scope, &orgs) {
                None => String::new(),
                Some(m) => {
                    let quoted: Vec<String> = m
                        .iter()
                        .map(|o| format!("'{}'", o.replace('\'', "''")))
                        .collect();
                    match quoted.is_empty() {
                        true => " WHERE 1 = 0".into(),
                        false => format!(" WHERE b.org IN ({})", quoted.join(", ")),
                    }
                }
            };
            let total = c
                .query_one(&format!("SELECT COUNT(*) FROM ({base}) b{filter}"), &[])?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            let rows = c.query(
                &format!(
                    "SELECT b.org, b.id, b.label, b.counted, b.value FROM ({base}) b{filter}
                     ORDER BY b.counted DESC, b.org, b.id LIMIT $1 OFFSET $2"
                ),
                params![limit as i64, offset as i64],
            )?;
            let items = rows
                .iter()
                .map(|r| {
                    Ok(FigureRow {
                        org: r.text(0)?,
                        id: r.text(1)?,
                        label: r.text(2)?,
                        counted: r.int(3)? != 0,
                        value: r.opt_int(4)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Listed {
                items,
                total: total as u64,
            })
        })
        .await
    }

    /// What is past its deadline now in a scope: pending applications, open objections and
    /// open needs whose due time has passed, oldest due first.
    pub async fn assess_overdue(&self, p: Principal, scope: Scope) -> Result<Vec<OverdueItem>> {
        p.require_authenticated()?;
        rules::require_scope_reader(&p, &scope)?;
        let now = self.now();
        self.read(move |c| {
            let orgs = load_orgs(c)?;
            scope_view(&scope, &orgs)?;
            let members = scope_orgs(&scope, &orgs);
            let sql = format!(
                "SELECT CAST('application' AS TEXT), id, provider, resource, due_at FROM applications WHERE status = 'pending' AND due_at < {now}
                 UNION ALL
                 SELECT CAST('objection' AS TEXT), id, provider, resource, due_at FROM quality_objections WHERE status = 'open' AND due_at < {now}
                 UNION ALL
                 SELECT CAST('need' AS TEXT), id, COALESCE(responsible_org, org), title, due_at FROM needs WHERE status = 'open' AND due_at < {now}
                 ORDER BY 5, 1, 2"
            );
            let mut out = Vec::new();
            for r in c.query(&sql, &[])? {
                let org = r.text(2)?;
                if members.as_ref().is_some_and(|m| !m.contains(&org)) {
                    continue;
                }
                let kind = match r.text(0)?.as_str() {
                    "application" => "application",
                    "objection" => "objection",
                    _ => "need",
                };
                out.push(OverdueItem {
                    kind,
                    id: r.int(1)?,
                    org,
                    label: r.text(3)?,
                    due_at: r.int(4)?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// The names of organisations, for reports that print a department's name beside its code.
    pub async fn assess_org_names(&self) -> Result<HashMap<String, String>> {
        self.read(|c| {
            Ok(load_orgs(c)?
                .into_iter()
                .map(|o| (o.code, o.name))
                .collect())
        })
        .await
    }
}
