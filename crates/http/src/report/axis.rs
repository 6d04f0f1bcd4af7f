//! What the three formats share to show figures alike: numbers written the same way and
//! chart axes on the same round values.

/// A value as every format shows it: at most two decimals, no trailing zeros.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// A cell that holds a figure, which tables align on the right.
pub fn is_number(cell: &str) -> bool {
    let t = cell.trim();
    t.chars().any(|c| c.is_ascii_digit()) && t.chars().all(|c| "0123456789.,-+% ".contains(c))
}

/// Axis bounds that take in `lo..=hi`, and a round step between gridlines.
pub fn scale(lo: f64, hi: f64) -> (f64, f64, f64) {
    let (lo, hi) = if hi - lo < 1e-9 {
        (lo, lo + 1.0)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    ((lo / step).floor() * step, (hi / step).ceil() * step, step)
}

pub fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let n = ((hi - lo) / step).round() as usize;
    (0..=n).map(|i| lo + i as f64 * step).collect()
}

/// A value a chart can place: not-a-number and infinities sit at zero.
pub fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_axes_are_round() {
        assert_eq!(number(95.0), "95");
        assert_eq!(number(87.346), "87.35");
        assert_eq!(number(-0.001), "0");
        assert_eq!(scale(0.0, 97.3), (0.0, 100.0, 20.0));
        assert_eq!(ticks(0.0, 100.0, 25.0).len(), 5);
    }
}
