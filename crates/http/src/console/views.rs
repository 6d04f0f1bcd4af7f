//! The pages' data and their templates (`templates/console/`). Everything a person or a
//! department typed reaches the HTML through askama's escaping; nothing is marked safe.
use askama::Template;
use axum::response::Html;
use shuqiao_core::share::calendar::{china_day, Deadline};
use time::Weekday;

use super::assets;
use super::i18n::{Lang, Strings};

/// What every page shares: language, words, assets, and the signed-in person's bar.
pub struct Frame {
    pub lang: Lang,
    pub t: &'static Strings,
    pub css: String,
    pub js: String,
    /// The language switch's link, back to this page.
    pub switch_href: String,
    pub person: Option<PersonBar>,
    /// Which navigation entry is the current page.
    pub current: &'static str,
}

/// The header and navigation of a signed-in person.
pub struct PersonBar {
    pub name: String,
    pub org: String,
    /// The session's form token, for the sign-out form and every other form.
    pub csrf: String,
    /// Whether the supervision list (督办) is theirs to see, as core decides.
    pub may_supervise: bool,
    /// Who is signed in, so the navigation offers what their roles open.
    pub principal: shuqiao_core::account::Principal,
}

impl PersonBar {
    /// Whether the person holds the role of this wire name (`auditor`, `platform_admin`, …).
    pub fn has_role(&self, role: &str) -> bool {
        shuqiao_core::account::Role::parse(role).is_some_and(|r| self.principal.has_role(r))
    }

    /// A steward or consumer user: someone who requests data for their department's systems
    /// (`share::require_consumer_of`), so grants and needs are theirs to see.
    pub fn may_request(&self) -> bool {
        self.has_role("data_steward") || self.has_role("consumer_user")
    }

    /// A citizen or company representative: a person who acts for no organisation.
    pub fn is_subject(&self) -> bool {
        matches!(&self.principal, shuqiao_core::account::Principal::Person { roles, .. } if roles.is_empty())
    }
}

impl Frame {
    pub fn anonymous(lang: Lang, path: &str) -> Frame {
        Frame {
            lang,
            t: lang.strings(),
            css: assets::css_href(),
            js: assets::htmx_src(),
            switch_href: switch_href(lang, path),
            person: None,
            current: "",
        }
    }

    pub fn signed_in(lang: Lang, path: &str, current: &'static str, person: PersonBar) -> Frame {
        Frame {
            person: Some(person),
            current,
            ..Frame::anonymous(lang, path)
        }
    }

    /// `aria-current` for a navigation entry.
    pub fn is_current(&self, key: &str) -> bool {
        self.current == key
    }
}

/// The link that switches to the other language and comes back to `path`.
fn switch_href(lang: Lang, path: &str) -> String {
    let back = if path.is_empty() { "/console/" } else { path };
    let query: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    format!("/console/lang/{}?next={query}", lang.other().code())
}

/// Renders a page; a template that fails to render is a bug, logged and shown as text.
pub fn html<T: Template>(page: &T) -> Html<String> {
    Html(page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "console: template failed");
        "internal error".into()
    }))
}

/// A date in China time: `2026年12月9日（周三）` in Chinese, ISO in English.
pub fn date(lang: Lang, ms: i64) -> String {
    let d = china_day(ms);
    match lang {
        Lang::En => d.to_string(),
        Lang::Zh => {
            let week = match d.weekday() {
                Weekday::Monday => "一",
                Weekday::Tuesday => "二",
                Weekday::Wednesday => "三",
                Weekday::Thursday => "四",
                Weekday::Friday => "五",
                Weekday::Saturday => "六",
                Weekday::Sunday => "日",
            };
            format!(
                "{}年{}月{}日（周{week}）",
                d.year(),
                u8::from(d.month()),
                d.day()
            )
        }
    }
}

/// A deadline as the to-do list shows it; `overdue` also turns it red.
pub struct DeadlineView {
    pub text: String,
    pub overdue: bool,
}

impl DeadlineView {
    pub fn new(t: &Strings, d: Option<Deadline>) -> DeadlineView {
        match d {
            Some(Deadline::Left(0)) => DeadlineView {
                text: t.due_today.to_string(),
                overdue: false,
            },
            Some(Deadline::Left(n)) => DeadlineView {
                text: format!("{}{n}{}", t.left_before, t.left_after),
                overdue: false,
            },
            Some(Deadline::Overdue(0)) => DeadlineView {
                text: t.overdue_plain.to_string(),
                overdue: true,
            },
            Some(Deadline::Overdue(n)) => DeadlineView {
                text: format!("{}{n}{}", t.overdue_before, t.overdue_after),
                overdue: true,
            },
            None => DeadlineView {
                text: t.deadline_unknown.to_string(),
                overdue: false,
            },
        }
    }
}

#[derive(Template)]
#[template(path = "console/login.html")]
pub struct LoginPage {
    pub f: Frame,
    pub token: String,
    pub username: String,
    /// What went wrong, shown in the error summary and at the fields.
    pub error: Option<String>,
}

/// One line of a to-do table.
pub struct TodoRow {
    pub href: String,
    pub title: String,
    pub party: String,
    pub when: String,
    pub deadline: Option<DeadlineView>,
}

#[derive(Template)]
#[template(path = "console/home.html")]
pub struct HomePage {
    pub f: Frame,
    pub answers: Vec<TodoRow>,
    pub reviews: Vec<TodoRow>,
    pub needs: Vec<TodoRow>,
    pub imports: Vec<TodoRow>,
    pub unread: u64,
    pub nothing: bool,
}

/// One message of the inbox.
pub struct MessageRow {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
pub struct InboxPage {
    pub f: Frame,
    pub messages: Vec<MessageRow>,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/supervision.html")]
pub struct SupervisionPage {
    pub f: Frame,
    pub rows: Vec<TodoRow>,
}

/// A read-only view of one item: a heading and labelled values.
#[derive(Template)]
#[template(path = "console/detail.html")]
pub struct DetailPage {
    pub f: Frame,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    pub f: Frame,
    pub title: &'static str,
    /// The rule's own reason, when a rule refused.
    pub reason: Option<String>,
    pub text: &'static str,
}

/// Problems with a form's input: each names the field's element id and says how to fix it.
#[derive(Default)]
pub struct FormErrors {
    pub items: Vec<FormError>,
}

pub struct FormError {
    /// The id of the input the summary links to (`form` for the form as a whole).
    pub id: String,
    pub text: String,
}

impl FormErrors {
    pub fn push(&mut self, id: &str, text: impl Into<String>) {
        self.items.push(FormError {
            id: id.to_string(),
            text: text.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every message for one field, joined: shown inline next to it.
    pub fn of(&self, id: &str) -> Option<String> {
        let found: Vec<&str> = self
            .items
            .iter()
            .filter(|e| e.id == id)
            .map(|e| e.text.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join(" "))
    }

    pub fn has(&self, id: &str) -> bool {
        self.items.iter().any(|e| e.id == id)
    }
}
