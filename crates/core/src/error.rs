//! Domain errors. Every message a person may see comes in Chinese and English and says what
//! to fix; the HTTP layer turns these into problem+json with the stable `code`.
use serde::Serialize;

/// A bilingual message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Msg {
    pub zh: String,
    pub en: String,
}

impl Msg {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Msg {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// What is wrong with one field of an input, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON-pointer-like path of the field, e.g. `items[2].code`.
    pub field: String,
    /// Stable machine-readable reason, e.g. `required`, `invalid_credit_code`.
    pub reason: &'static str,
    pub zh: String,
    pub en: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        reason: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            reason,
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn required(field: impl Into<String>, what_zh: &str) -> Self {
        let field = field.into();
        FieldError::new(
            field.clone(),
            "required",
            format!("缺少必填项「{what_zh}」，请填写"),
            format!("`{field}` is required; please fill it in"),
        )
    }

    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        let field = field.into();
        FieldError::new(
            field.clone(),
            "too_long",
            format!("「{field}」过长，最多 {max} 个字符"),
            format!("`{field}` is too long: at most {max} characters"),
        )
    }
}

/// Errors of the domain rules: what a caller did wrong, never an internal failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("validation failed: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not found: {code}")]
    NotFound { code: &'static str, msg: Msg },
    #[error("forbidden: {code}")]
    Forbidden { code: &'static str, msg: Msg },
    #[error("conflict: {code}")]
    Conflict { code: &'static str, msg: Msg },
    #[error("unauthenticated: {code}")]
    Unauthenticated { code: &'static str, msg: Msg },
    /// Too many attempts or calls: try again after `retry_after_secs`.
    #[error("throttled: {code}; retry after {retry_after_secs}s")]
    Throttled {
        code: &'static str,
        msg: Msg,
        retry_after_secs: u64,
    },
}

impl DomainError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        DomainError::Invalid(errors)
    }
    pub fn one(e: FieldError) -> Self {
        DomainError::Invalid(vec![e])
    }
    pub fn not_found(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::NotFound {
            code,
            msg: Msg::new(zh, en),
        }
    }
    pub fn forbidden(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Forbidden {
            code,
            msg: Msg::new(zh, en),
        }
    }
    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Conflict {
            code,
            msg: Msg::new(zh, en),
        }
    }
    pub fn unauthenticated(
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        DomainError::Unauthenticated {
            code,
            msg: Msg::new(zh, en),
        }
    }
}

/// Collects field errors so a write can report every problem at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
    /// Checks a required, length-bounded text; returns the trimmed value when present.
    pub fn text(&mut self, field: &str, what_zh: &str, value: &str, max: usize) {
        let v = value.trim();
        if v.is_empty() {
            self.push(FieldError::required(field, what_zh));
        } else if v.chars().count() > max {
            self.push(FieldError::too_long(field, max));
        }
    }
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            if v.chars().count() > max {
                self.push(FieldError::too_long(field, max));
            }
        }
    }
}
