//! Small pieces of wording every console page shares: a rule's own words, form problems at
//! their controls, organisations' names, counts with thousands separators.
use std::collections::HashMap;

use shuqiao_core::{DomainError, FieldError};

use super::i18n::Lang;
use crate::AppState;

/// A domain error's own words in the page's language.
pub fn domain_text(lang: Lang, e: &DomainError) -> String {
    match e {
        DomainError::Invalid(errs) => errs
            .iter()
            .map(|f| lang.pick(&f.zh, &f.en).to_string())
            .collect::<Vec<_>>()
            .join(" "),
        DomainError::NotFound { msg, .. }
        | DomainError::Forbidden { msg, .. }
        | DomainError::Conflict { msg, .. }
        | DomainError::Unauthenticated { msg, .. }
        | DomainError::Throttled { msg, .. } => lang.pick(&msg.zh, &msg.en).to_string(),
    }
}

/// One problem of a form: the id of the control it is about (the summary links there) and
/// what to do, in the page's language.
pub struct Problem {
    pub field: String,
    pub text: String,
}

/// Problems reported at `field`, for the inline message.
pub fn problems_at<'a>(problems: &'a [Problem], field: &str) -> Vec<&'a str> {
    problems
        .iter()
        .filter(|p| p.field == field)
        .map(|p| p.text.as_str())
        .collect()
}

/// A rule's field errors as problems. A rule names the wire field; the form's control for it
/// is given by `control` (e.g. `opinion` is the form's `reason`).
pub fn problems_of(
    lang: Lang,
    errs: &[FieldError],
    control: impl Fn(&str) -> String,
) -> Vec<Problem> {
    errs.iter()
        .map(|e| Problem {
            field: control(&e.field),
            text: lang.pick(&e.zh, &e.en).to_string(),
        })
        .collect()
}

/// Organisations' names in the page's language, by code.
pub async fn org_names(st: &AppState, lang: Lang) -> HashMap<String, String> {
    st.store
        .list_orgs()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.code.clone(), lang.pick(&o.name, &o.name_en).to_string()))
        .collect()
}

/// The name of `code`, or the code itself when it has none.
pub fn name_of(names: &HashMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// A count with thousands separators, as the console writes numbers: `12,345`.
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0i64), "0");
        assert_eq!(thousands(999u64), "999");
        assert_eq!(thousands(1000i64), "1,000");
        assert_eq!(thousands(1_234_567u64), "1,234,567");
        assert_eq!(thousands(-1234i64), "-1,234");
    }
}
