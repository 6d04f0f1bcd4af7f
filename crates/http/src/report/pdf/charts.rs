//! Rankings and trends drawn as vector graphics, each value also written out as a figure so
//! that the chart reads in black and white and survives a photocopier.
use super::layout::{caption, Pager, Rgb, INK, LEFT, MUTED, RULE, WIDTH};
use crate::report::axis::{finite, number, scale, ticks};
use crate::report::{BarChart, LineChart};

const GRID: Rgb = (0.85, 0.85, 0.85);
const BAR: Rgb = (0.0, 0.447, 0.698);
const BELOW: Rgb = (0.902, 0.624, 0.0);
const TARGET: Rgb = (0.835, 0.369, 0.0);
/// Okabe–Ito colours, told apart by people with colour-blindness; each series also has its
/// own dash pattern.
const SERIES: [(Rgb, &[f32]); 6] = [
    ((0.0, 0.447, 0.698), &[]),
    ((0.835, 0.369, 0.0), &[6.0, 3.0]),
    ((0.0, 0.620, 0.451), &[2.0, 2.0]),
    ((0.800, 0.475, 0.655), &[8.0, 3.0, 2.0, 3.0]),
    ((0.337, 0.706, 0.914), &[4.0, 4.0]),
    ((0.35, 0.35, 0.35), &[1.0, 3.0]),
];

const ROW: f32 = 16.0;
const AXIS: f32 = 16.0;
const LABEL_SIZE: f32 = 8.5;

/// Horizontal bars, one row each; a ranking longer than the page goes on under the same
/// axis on the next.
pub fn bars(p: &mut Pager, chart: &BarChart) {
    let target = chart.target.filter(|t| t.is_finite());
    let unit = chart.unit.as_str();
    let top = chart
        .bars
        .iter()
        .map(|(_, v)| finite(*v))
        .chain(target)
        .fold(0.0, f64::max);
    let (_, hi, step) = scale(0.0, top);
    let widest = chart
        .bars
        .iter()
        .map(|(l, _)| p.font.width(l, LABEL_SIZE))
        .fold(0.0, f32::max);
    let label_w = widest.min(WIDTH * 0.32) + 6.0;
    let value_w = p.font.width(&format!("{}{unit}", number(hi)), LABEL_SIZE) + 8.0;
    let x0 = LEFT + label_w;
    let plot_w = WIDTH - label_w - value_w;
    let x_of = |v: f64| x0 + (finite(v).clamp(0.0, hi) / hi) as f32 * plot_w;

    p.ensure(40.0 + 3.0 * ROW + AXIS);
    caption(p, &chart.caption);
    if let Some(t) = target {
        legend_for_target(p, t, unit);
    }
    let mut rest = chart.bars.as_slice();
    let mut first = true;
    while first || !rest.is_empty() {
        if !first {
            p.new_page();
            caption(p, &format!("{}（续）", chart.caption));
        }
        first = false;
        let fit = (((p.room() - AXIS) / ROW).floor().max(1.0) as usize).min(rest.len());
        let (now, later) = rest.split_at(fit);
        rest = later;
        let seg_top = p.y;
        let seg_bottom = seg_top - fit as f32 * ROW;
        for t in ticks(0.0, hi, step) {
            let x = x_of(t);
            p.line((x, seg_top), (x, seg_bottom), 0.4, GRID);
            p.text_center(x, seg_bottom - 10.0, 7.5, MUTED, &number(t));
        }
        for (i, (_, value)) in now.iter().enumerate() {
            let below = target.is_some_and(|t| *value < t);
            let y = seg_top - (i + 1) as f32 * ROW;
            let end = x_of(*value);
            p.fill_rect(
                x0,
                y + 3.0,
                end - x0,
                ROW - 6.0,
                if below { BELOW } else { BAR },
            );
        }
        p.line((x0, seg_top), (x0, seg_bottom), 0.8, RULE);
        if let Some(t) = target {
            dashed(
                p,
                (x_of(t), seg_top + 2.0),
                (x_of(t), seg_bottom),
                1.2,
                TARGET,
                &[4.0, 2.0],
            );
        }
        // The figures go over the target line, so that it never hides one.
        for (label, value) in now {
            let label = p.fit(label, LABEL_SIZE, label_w - 6.0);
            p.y -= ROW;
            p.text_right(x0 - 6.0, p.y + 4.5, LABEL_SIZE, INK, &label);
            let text = format!("{}{unit}", number(*value));
            let (x, w) = (x_of(*value) + 3.0, p.font.width(&text, LABEL_SIZE));
            p.fill_rect(x - 1.0, p.y + 3.0, w + 2.0, ROW - 6.0, (1.0, 1.0, 1.0));
            p.text(x, p.y + 4.5, LABEL_SIZE, INK, &text);
        }
        p.y = seg_bottom - AXIS;
    }
    p.y -= 8.0;
}

fn legend_for_target(p: &mut Pager, target: f64, unit: &str) {
    let y = p.y - 10.0;
    let mut x = LEFT;
    for (color, text) in [(BAR, "达到目标"), (BELOW, "未达目标")] {
        p.fill_rect(x, y, 9.0, 7.0, color);
        p.text(x + 12.0, y, 8.0, INK, text);
        x += 16.0 + p.font.width(text, 8.0) + 10.0;
    }
    dashed(
        p,
        (x + 4.0, y - 1.0),
        (x + 4.0, y + 8.0),
        1.2,
        TARGET,
        &[4.0, 2.0],
    );
    p.text(
        x + 10.0,
        y,
        8.0,
        INK,
        &format!("目标 {}{unit}", number(target)),
    );
    p.y -= 16.0;
}

fn dashed(p: &mut Pager, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb, dash: &[f32]) {
    let c = p.content();
    c.save_state();
    c.set_dash_pattern(dash.iter().copied(), 0.0);
    p.line(from, to, width, color);
    p.content().restore_state();
}

const PLOT_H: f32 = 150.0;

/// The height of a trend chart, which is never split across pages.
pub fn lines_height(chart: &LineChart) -> f32 {
    let legend_rows = (chart.series.len() as f32 / 3.0).ceil();
    40.0 + PLOT_H + 24.0 + legend_rows * 14.0
}

/// Lines over periods on a grid of round values; a missing value leaves a gap.
pub fn lines(p: &mut Pager, chart: &LineChart) {
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied().filter(|v| v.is_finite()))
        .collect();
    let lo = values.iter().copied().fold(0.0, f64::min);
    let hi = values.iter().copied().fold(lo, f64::max);
    let (lo, hi, step) = scale(lo, hi);
    let unit = chart.unit.as_str();
    let axis_w = ticks(lo, hi, step)
        .iter()
        .map(|t| p.font.width(&number(*t), 7.5))
        .fold(0.0, f32::max)
        + 6.0;
    let x0 = LEFT + axis_w;
    let plot_w = WIDTH - axis_w - 12.0;
    let n = chart.x.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            x0 + plot_w / 2.0
        } else {
            x0 + 12.0 + i as f32 * (plot_w - 24.0) / (n - 1) as f32
        }
    };

    p.ensure(lines_height(chart));
    caption(p, &chart.caption);
    if !unit.is_empty() {
        p.text(LEFT, p.y - 8.0, 7.5, MUTED, &format!("单位：{unit}"));
    }
    let plot_top = p.y - 16.0;
    let plot_bottom = plot_top - PLOT_H;
    let y_of = |v: f64| plot_bottom + ((v - lo) / (hi - lo)) as f32 * PLOT_H;

    for t in ticks(lo, hi, step) {
        let y = y_of(t);
        p.line((x0, y), (x0 + plot_w, y), 0.4, GRID);
        p.text_right(x0 - 4.0, y - 2.5, 7.5, MUTED, &number(t));
    }
    p.line((x0, plot_bottom), (x0 + plot_w, plot_bottom), 0.8, RULE);
    x_labels(p, &chart.x, &x_of, plot_w, plot_bottom);

    let label_points = chart.series.len() <= 2 && n <= 12;
    for (k, (_, vals)) in chart.series.iter().enumerate() {
        let (color, dash) = SERIES[k % SERIES.len()];
        series_path(p, vals, &x_of, &y_of, color, dash);
        for (i, v) in vals.iter().enumerate() {
            let Some(v) = v.filter(|v| v.is_finite()) else {
                continue;
            };
            let (x, y) = (x_of(i), y_of(v));
            p.fill_rect(x - 2.0, y - 2.0, 4.0, 4.0, color);
            // With two series, the first is labelled above its points, the second below.
            if label_points {
                let dy = if k == 0 { 5.0 } else { -10.0 };
                p.text_center(x, y + dy, 7.0, INK, &number(v));
            }
        }
    }
    p.y = plot_bottom - 24.0;
    legend(p, chart);
    p.y -= 10.0;
}

fn x_labels(p: &mut Pager, xs: &[String], x_of: &dyn Fn(usize) -> f32, plot_w: f32, y: f32) {
    let widest = xs.iter().map(|x| p.font.width(x, 7.5)).fold(0.0, f32::max);
    let every = ((widest + 6.0) * xs.len() as f32 / plot_w).ceil().max(1.0) as usize;
    for (i, label) in xs.iter().enumerate().step_by(every) {
        p.text_center(x_of(i), y - 11.0, 7.5, MUTED, label);
    }
}

fn series_path(
    p: &mut Pager,
    vals: &[Option<f64>],
    x_of: &dyn Fn(usize) -> f32,
    y_of: &dyn Fn(f64) -> f32,
    color: Rgb,
    dash: &[f32],
) {
    let c = p.content();
    c.save_state();
    c.set_stroke_rgb(color.0, color.1, color.2);
    c.set_line_width(1.5);
    c.set_dash_pattern(dash.iter().copied(), 0.0);
    let mut open = false;
    for (i, v) in vals.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) if open => {
                c.line_to(x_of(i), y_of(v));
            }
            Some(v) => {
                c.move_to(x_of(i), y_of(v));
                open = true;
            }
            None => open = false,
        }
    }
    c.stroke();
    c.restore_state();
}

fn legend(p: &mut Pager, chart: &LineChart) {
    let column = WIDTH / 3.0;
    for (k, (name, _)) in chart.series.iter().enumerate() {
        let (color, dash) = SERIES[k % SERIES.len()];
        let x = LEFT + (k % 3) as f32 * column;
        let y = p.y - (k / 3) as f32 * 14.0;
        let c = p.content();
        c.save_state();
        c.set_dash_pattern(dash.iter().copied(), 0.0);
        p.line((x, y + 3.0), (x + 22.0, y + 3.0), 1.5, color);
        p.content().restore_state();
        let name = p.fit(name, 8.0, column - 30.0);
        p.text(x + 26.0, y, 8.0, INK, &name);
    }
    p.y -= (chart.series.len() as f32 / 3.0).ceil() * 14.0;
}
