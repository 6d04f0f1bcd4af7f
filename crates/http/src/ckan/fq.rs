//! The part of Solr's query syntax CKAN clients send in `fq`: `field:value` terms, `-` (or
//! `NOT`) to exclude, `OR` between terms, `AND` or a space between clauses, parentheses,
//! quoted values and ranges `[from TO to]` (`{…}` exclusive, `*` open). Each field maps to
//! a property of a released dataset; any other field is refused, as Solr refuses it.
use shuqiao_core::open;
use shuqiao_service::open::OpenDataset;

use super::dicts;

/// One term: a field and what it accepts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Term {
    Org(String),
    Group(String),
    Tag(String),
    Format(String),
    License(String),
    Name(String),
    Id(String),
    Modified(Option<i64>, Option<i64>),
    Created(Option<i64>, Option<i64>),
    /// `dataset_type:dataset`, `state:active`, `capacity:public`, `*:*`: true or false
    /// for every dataset alike.
    All(bool),
}

/// Terms joined by OR, possibly negated; clauses are ANDed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    pub negated: bool,
    pub any_of: Vec<Term>,
}

impl Clause {
    pub fn matches(&self, d: &OpenDataset) -> bool {
        self.any_of.iter().any(|t| t.matches(d)) != self.negated
    }
}

impl Term {
    fn matches(&self, d: &OpenDataset) -> bool {
        let within = |t: i64, from: &Option<i64>, to: &Option<i64>| {
            from.is_none_or(|f| t >= f) && to.is_none_or(|x| t <= x)
        };
        match self {
            Term::Org(v) => d.provider == *v || dicts::org_id(&d.provider) == *v,
            Term::Group(v) => d.category.as_str() == v || dicts::group_id(d.category) == *v,
            Term::Tag(v) => d.keywords.iter().any(|k| k == v),
            Term::Format(v) => dicts::FORMATS
                .iter()
                .any(|f| f.label.eq_ignore_ascii_case(v)),
            Term::License(v) => v == dicts::LICENSE_ID,
            Term::Name(v) => d.slug == *v,
            Term::Id(v) => d.id == *v,
            Term::Modified(from, to) => within(d.modified_at, from, to),
            Term::Created(from, to) => within(d.issued_at, from, to),
            Term::All(b) => *b,
        }
    }
}

/// Splits `fq` into tokens: whitespace separates, except inside quotes and ranges;
/// parentheses stand alone.
fn tokens(fq: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    for c in fq.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '[' | '{' if !quoted => {
                depth += 1;
                cur.push(c);
            }
            ']' | '}' if !quoted => {
                depth -= 1;
                cur.push(c);
            }
            '(' | ')' if !quoted && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() && !quoted && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted || depth != 0 {
        return Err(format!(
            "Cannot parse '{fq}': unbalanced quotes or brackets"
        ));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::new();
    let mut esc = false;
    for c in inner.chars() {
        if esc {
            out.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// A range `[a TO b]`: the bounds in milliseconds, inclusive.
fn range(field: &str, v: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let bad = || {
        format!("Cannot parse '{field}:{v}': expected a range such as [2026-01-01T00:00:00Z TO *]")
    };
    let open_incl = match v.chars().next() {
        Some('[') => true,
        Some('{') => false,
        _ => return Err(bad()),
    };
    let close_incl = match v.chars().last() {
        Some(']') => true,
        Some('}') => false,
        _ => return Err(bad()),
    };
    let inner = &v[1..v.len() - 1];
    let (a, b) = inner.split_once(" TO ").ok_or_else(bad)?;
    let bound = |s: &str| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s == "*" {
            return Ok(None);
        }
        open::parse_time(s).map(Some).ok_or_else(|| {
            format!("Invalid Date String:'{s}' in '{field}:{v}': use a time such as 2026-01-01T00:00:00Z")
        })
    };
    let from = bound(a)?.map(|t| if open_incl { t } else { t + 1 });
    let to = bound(b)?.map(|t| if close_incl { t } else { t - 1 });
    Ok((from, to))
}

fn term(tok: &str) -> Result<Term, String> {
    if tok == "*:*" {
        return Ok(Term::All(true));
    }
    let Some((field, value)) = tok.split_once(':') else {
        return Err(format!("Cannot parse '{tok}': expected field:value"));
    };
    if value.is_empty() {
        return Err(format!("Cannot parse '{tok}': no value"));
    }
    let v = unquote(value);
    Ok(match field {
        "organization" | "owner_org" => Term::Org(v),
        "groups" => Term::Group(v),
        "tags" => Term::Tag(v),
        "res_format" => Term::Format(v),
        "license_id" => Term::License(v),
        "name" => Term::Name(v),
        "id" => Term::Id(v),
        "metadata_modified" => {
            let (a, b) = range(field, value)?;
            Term::Modified(a, b)
        }
        "metadata_created" => {
            let (a, b) = range(field, value)?;
            Term::Created(a, b)
        }
        "dataset_type" | "type" => Term::All(v == "dataset" || v == "*"),
        "state" => Term::All(v == "active" || v == "*"),
        "capacity" => Term::All(v == "public" || v == "*"),
        "private" => Term::All(v == "false" || v == "*"),
        other => return Err(format!("undefined field {other}")),
    })
}

/// Parses one `fq` string into ANDed clauses.
pub(crate) fn parse(fq: &str) -> Result<Vec<Clause>, String> {
    let mut clauses: Vec<Clause> = Vec::new();
    let (mut join_next, mut negate_next) = (false, false);
    for tok in tokens(fq)? {
        match tok.as_str() {
            "(" | ")" | "AND" | "&&" => continue,
            "OR" | "||" => {
                if clauses.is_empty() {
                    return Err(format!("Cannot parse '{fq}': OR without a term before it"));
                }
                join_next = true;
                continue;
            }
            "NOT" | "!" => {
                negate_next = true;
                continue;
            }
            _ => {}
        }
        let (neg, body) = match tok.strip_prefix('-').or_else(|| tok.strip_prefix('!')) {
            Some(rest) => (true, rest),
            None => (false, tok.strip_prefix('+').unwrap_or(&tok)),
        };
        let negated = neg != negate_next;
        negate_next = false;
        let t = term(body)?;
        match clauses.last_mut() {
            Some(last) if join_next && last.negated == negated => last.any_of.push(t),
            Some(_) if join_next => {
                return Err(format!(
                    "Cannot parse '{fq}': OR between an excluded and an included term"
                ))
            }
            _ => clauses.push(Clause {
                negated,
                any_of: vec![t],
            }),
        }
        join_next = false;
    }
    if join_next || negate_next {
        return Err(format!("Cannot parse '{fq}': a term is missing at the end"));
    }
    Ok(clauses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harvester_filters_parse() {
        let c = parse("metadata_modified:[2026-01-01T00:00:00Z TO *] -organization:a").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].any_of,
            vec![Term::Modified(Some(1_767_225_600_000), None)]
        );
        assert!(c[1].negated);
        let c = parse("organization:a OR organization:b tags:\"x y\"").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].any_of.len(), 2);
        assert_eq!(c[1].any_of, vec![Term::Tag("x y".into())]);
        let c = parse("(groups:base OR groups:theme) AND res_format:CSV").unwrap();
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "metadata_modified:[2026-01-01 TO",
            "metadata_modified:[yesterday TO *]",
            "metadata_modified:2026",
            "colour:red",
            "organization:",
            "OR tags:x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
