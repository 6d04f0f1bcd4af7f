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
    /// Checks a required, length-bounded text (line breaks and tabs allowed).
    pub fn text(&mut self, field: &str, what_zh: &str, value: &str, max: usize) {
        self.checked_text(field, what_zh, value, max, Lines::Many);
    }

    /// Checks a required, length-bounded name or title: one line, no tabs.
    pub fn name(&mut self, field: &str, what_zh: &str, value: &str, max: usize) {
        self.checked_text(field, what_zh, value, max, Lines::One);
    }

    fn checked_text(&mut self, field: &str, what_zh: &str, value: &str, max: usize, lines: Lines) {
        if value.trim().is_empty() {
            self.push(FieldError::required(field, what_zh));
        } else if let Some(e) = unsafe_text(field, value, lines) {
            self.push(e);
        } else if is_blank(value) {
            self.push(invisible_only(field));
        } else if value.trim().chars().count() > max {
            self.push(FieldError::too_long(field, max));
        }
    }

    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        self.opt_checked(field, value, max, Lines::Many);
    }

    /// An optional name or title: when given, one line with something visible in it.
    pub fn opt_name(&mut self, field: &str, value: Option<&str>, max: usize) {
        self.opt_checked(field, value, max, Lines::One);
    }

    fn opt_checked(&mut self, field: &str, value: Option<&str>, max: usize, lines: Lines) {
        let Some(v) = value else {
            return;
        };
        if let Some(e) = unsafe_text(field, v, lines) {
            self.push(e);
        } else if !v.is_empty() && is_blank(v) && lines == Lines::One {
            self.push(invisible_only(field));
        } else if v.chars().count() > max {
            self.push(FieldError::too_long(field, max));
        }
    }
}

/// Whether a text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

/// Characters that show nothing: whitespace, and format characters such as the zero-width
/// space (U+200B), the byte-order mark (U+FEFF), the word joiner (U+2060) and the soft
/// hyphen (U+00AD). A text made only of them looks empty however long it is.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
            | '\u{E0000}'..='\u{E0FFF}')
}

/// Empty once whitespace and invisible characters are taken away.
pub fn is_blank(value: &str) -> bool {
    value.chars().all(is_invisible)
}

/// Bidirectional controls (embeddings, overrides, isolates and marks) make a text display
/// in another order than it is stored: `abc\u{202E}fdp.exe` shows as `abcexe.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first reason a text is unsafe to show: a control character (NUL and the like; line
/// breaks and tabs only where lines are allowed) or a bidirectional control.
fn unsafe_text(field: &str, value: &str, lines: Lines) -> Option<FieldError> {
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
    if let Some(c) = value.chars().find(|c| c.is_control() && !allowed(*c)) {
        return Some(FieldError::new(
            field,
            "control_character",
            format!(
                "「{field}」含有不可见的控制字符 U+{:04X}{}：请删除后重新提交",
                c as u32,
                if lines == Lines::One {
                    "（名称须为一行）"
                } else {
                    ""
                }
            ),
            format!(
                "`{field}` contains the control character U+{:04X}{}: remove it and send again",
                c as u32,
                if lines == Lines::One {
                    " (a name is one line)"
                } else {
                    ""
                }
            ),
        ));
    }
    if let Some(c) = value.chars().find(|c| is_bidi_control(*c)) {
        return Some(FieldError::new(
            field,
            "bidi_control",
            format!(
                "「{field}」含有改变文字显示方向的控制字符 U+{:04X}，显示内容会与实际内容不符：请删除后重新提交",
                c as u32
            ),
            format!(
                "`{field}` contains the bidirectional control U+{:04X}, which makes the text display differently from what it is: remove it and send again",
                c as u32
            ),
        ));
    }
    None
}

fn invisible_only(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invisible_only",
        format!("「{field}」只含空白或不可见字符：请填写可见的文字"),
        format!("`{field}` holds only blank or invisible characters: write visible text"),
    )
}
