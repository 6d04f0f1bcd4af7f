//! The assessment reports as documents: the quarterly (or yearly) report of the province or
//! one department, and the monthly 督查通报 (a month's period). Each holds the figures with
//! their targets, the trend over the last four periods, the ranking of departments
//! (比学赶超), the gaps against targets and what is past its deadline now.
use std::collections::HashMap;

use shuqiao_core::assess::figures::{format_value, Figure, Period, Scope, Unit};
use shuqiao_service::assess::figures::{Figures, OverdueItem, Ranking};
use shuqiao_service::{Store, StoreError};

use super::{BarChart, Block, Document, LineChart, Table};
use shuqiao_core::account::Principal;

/// Everything a report is written from.
pub struct ReportData {
    pub figures: Figures,
    pub ranking: Ranking,
    pub overdue: Vec<OverdueItem>,
    pub names: HashMap<String, String>,
    pub monthly: bool,
}

/// Loads a report's data as `p` may see it: a department its own figures and the ranking.
pub async fn load(
    store: &Store,
    p: Principal,
    period: &str,
    scope: Scope,
) -> Result<ReportData, StoreError> {
    let figures = store
        .assess_figures(p.clone(), period, scope.clone())
        .await?;
    let ranking = store.assess_ranking(p.clone(), period).await?;
    let overdue = store.assess_overdue(p, scope).await?;
    let names = store.assess_org_names().await?;
    let monthly = matches!(Period::parse(period), Ok(Period::Month(..)));
    Ok(ReportData {
        figures,
        ranking,
        overdue,
        names,
        monthly,
    })
}

fn fmt_time(ms: i64) -> String {
    shuqiao_core::share::calendar::china_day(ms).to_string()
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "application" => "共享申请",
        "objection" => "数据异议",
        _ => "共享需求",
    }
}

/// The report as a document.
pub fn build(d: &ReportData) -> Document {
    let f = &d.figures;
    let kind = if d.monthly {
        "督查通报"
    } else {
        "考核报告"
    };
    let title = format!("{}政务数据共享{kind}（{}）", f.scope.name, f.period_zh);
    let subtitle = format!(
        "考核期 {} 至 {}；统计截至 {}；所有数字均由平台实际发生的记录计算",
        fmt_time(f.start),
        fmt_time(f.end - 1),
        fmt_time(f.as_of),
    );
    let mut blocks = vec![
        Block::Heading("一、考核指标".into()),
        Block::Table(figures_table(f)),
    ];
    blocks.push(Block::Heading("二、趋势".into()));
    blocks.push(Block::Lines(trend_chart(f)));
    blocks.push(Block::Heading("三、排名（比学赶超）".into()));
    blocks.push(Block::Bars(ranking_chart(&d.ranking)));
    blocks.push(Block::Table(ranking_table(&d.ranking)));
    blocks.push(Block::Heading("四、差距".into()));
    let gaps = gaps_table(f);
    if gaps.rows.is_empty() {
        blocks.push(Block::Paragraph("各项有目标值的指标均已达到目标。".into()));
    } else {
        blocks.push(Block::Table(gaps));
    }
    blocks.push(Block::Heading("五、逾期事项".into()));
    if d.overdue.is_empty() {
        blocks.push(Block::Paragraph(
            "目前没有逾期未办的申请、异议或需求。".into(),
        ));
    } else {
        blocks.push(Block::Table(overdue_table(&d.overdue, &d.names)));
    }
    Document {
        title,
        subtitle,
        blocks,
    }
}

fn figures_table(f: &Figures) -> Table {
    Table {
        caption: format!("{} {} 考核指标", f.scope.name, f.period),
        header: ["指标", "代码", "数值", "计入", "基数", "目标", "是否达标"]
            .map(String::from)
            .to_vec(),
        rows: f
            .figures
            .iter()
            .map(|v| {
                vec![
                    v.name_zh.to_string(),
                    v.code.as_str().to_string(),
                    format_value(v.code, v.value),
                    v.counted.to_string(),
                    v.base.to_string(),
                    format_value(v.code, v.target),
                    match v.meets_target {
                        Some(true) => "达标".into(),
                        Some(false) => "未达标".into(),
                        None => "—".into(),
                    },
                ]
            })
            .collect(),
    }
}

fn trend_chart(f: &Figures) -> LineChart {
    let ratios = Figure::ALL.into_iter().filter(|x| x.unit() == Unit::Ratio);
    LineChart {
        caption: format!("近{}期趋势（%）", f.trend.len()),
        unit: "%".into(),
        x: f.trend.iter().map(|t| t.period.clone()).collect(),
        series: ratios
            .map(|fig| {
                let name = fig.definition().name_zh.to_string();
                let ys = f
                    .trend
                    .iter()
                    .map(|t| t.values.get(&fig).copied().flatten().map(|v| v * 100.0))
                    .collect();
                (name, ys)
            })
            .collect(),
    }
}

fn ranking_chart(r: &Ranking) -> BarChart {
    BarChart {
        caption: format!("{} 部门综合得分（各比率指标平均，%）", r.period),
        unit: "%".into(),
        bars: r
            .rows
            .iter()
            .filter_map(|x| x.score.map(|s| (x.name.clone(), s * 100.0)))
            .collect(),
        target: None,
    }
}

fn ranking_table(r: &Ranking) -> Table {
    let shown = [
        Figure::OnTimeRate,
        Figure::NeedSatisfactionRate,
        Figure::SystemConnectRate,
        Figure::ProvisionRate,
    ];
    let mut header = vec![
        "名次".to_string(),
        "部门".into(),
        "代码".into(),
        "综合得分".into(),
    ];
    header.extend(shown.iter().map(|f| f.definition().name_zh.to_string()));
    Table {
        caption: format!("{} 部门排名", r.period),
        header,
        rows: r
            .rows
            .iter()
            .map(|x| {
                let mut row = vec![
                    x.rank.to_string(),
                    x.name.clone(),
                    x.org.clone(),
                    format_value(Figure::OnTimeRate, x.score),
                ];
                row.extend(
                    shown
                        .iter()
                        .map(|f| format_value(*f, x.values.get(f).copied().flatten())),
                );
                row
            })
            .collect(),
    }
}

fn gaps_table(f: &Figures) -> Table {
    Table {
        caption: "未达目标的指标".into(),
        header: ["指标", "数值", "目标", "差距"].map(String::from).to_vec(),
        rows: f
            .figures
            .iter()
            .filter(|v| v.meets_target == Some(false))
            .map(|v| {
                let gap = v.value.zip(v.target).map(|(a, b)| b - a);
                vec![
                    v.name_zh.to_string(),
                    format_value(v.code, v.value),
                    format_value(v.code, v.target),
                    format_value(v.code, gap),
                ]
            })
            .collect(),
    }
}

fn overdue_table(items: &[OverdueItem], names: &HashMap<String, String>) -> Table {
    Table {
        caption: "逾期未办事项".into(),
        header: ["类别", "编号", "责任部门", "事项", "期限"]
            .map(String::from)
            .to_vec(),
        rows: items
            .iter()
            .map(|i| {
                vec![
                    kind_zh(i.kind).to_string(),
                    i.id.to_string(),
                    names.get(&i.org).cloned().unwrap_or_else(|| i.org.clone()),
                    i.label.clone(),
                    fmt_time(i.due_at),
                ]
            })
            .collect(),
    }
}

/// The three formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Csv => "csv",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The document written out; PDF fails when no CJK font can be embedded.
pub fn render(doc: &Document, format: Format) -> Result<Vec<u8>, super::pdf::PdfError> {
    Ok(match format {
        Format::Html => super::html::render(doc).into_bytes(),
        Format::Csv => super::table_csv::render(doc).into_bytes(),
        Format::Pdf => super::pdf::render(doc)?,
    })
}

/// The file name a report is downloaded as, e.g. `assessment-2026-Q4-d-a.html`.
pub fn file_name(period: &str, org: Option<&str>, format: Format) -> String {
    let safe = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    match org {
        Some(o) => format!(
            "assessment-{}-{}.{}",
            safe(period),
            safe(o),
            format.extension()
        ),
        None => format!("assessment-{}.{}", safe(period), format.extension()),
    }
}
