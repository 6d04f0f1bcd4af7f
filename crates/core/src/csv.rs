//! Writing CSV for people to open in a spreadsheet: every CSV the platform hands out goes
//! through [`cell`], so that no value — a purpose, a name, a rejected cell — can become a
//! live formula (CSV injection; OWASP).

/// One CSV cell: a value starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`, so a spreadsheet shows it as text instead of running it; then it is quoted
/// as RFC 4180 asks when it holds a comma, a quote or a line break.
pub fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One line of cells, joined by commas, without its line end.
pub fn line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    cells
        .into_iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_defused() {
        for (raw, out) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\"'\r=1+1\""),
            ("社保待遇资格认证", "社保待遇资格认证"),
            ("a,b", "\"a,b\""),
            ("", ""),
        ] {
            assert_eq!(cell(raw), out, "{raw:?}");
        }
        assert_eq!(line(["1", "=x", "y"]), "1,'=x,y");
    }
}
