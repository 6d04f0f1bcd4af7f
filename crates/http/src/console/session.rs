//! The console's cookies: the session (the same sessions as the API's bearer ones, kept in
//! the database), the sign-in form's pre-session token, and the remembered language; and the
//! checks every state-changing form passes before anything changes.
use axum::http::{header, HeaderMap, HeaderValue};
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::i18n::Lang;

pub const SESSION_COOKIE: &str = "shuqiao_session";
pub const LOGIN_COOKIE: &str = "shuqiao_login";
pub const LANG_COOKIE: &str = "shuqiao_lang";

/// The label a session's form token is computed over: a fixed purpose, so the token is good
/// for this session's forms and nothing else.
const CSRF_LABEL: &[u8] = b"shuqiao/console/csrf/v1";

/// Seconds a session cookie lives: the database session's own lifetime (8 hours) decides;
/// the cookie only goes no later.
pub const SESSION_COOKIE_SECS: u64 = 8 * 3600;

/// How the console's cookies are sent.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `Secure` on every cookie: set when the console is reached over HTTPS (through a
    /// terminating proxy), from `serve --public-url https://…`.
    pub secure_cookies: bool,
    /// The public origin (`https://host[:port]`), accepted in `Origin` besides the request's
    /// own host, for a proxy that rewrites `Host`.
    pub public_origin: Option<String>,
}

impl Settings {
    /// Settings from the public address people use, when one is configured.
    pub fn for_public_url(url: Option<&str>) -> Settings {
        let Some(url) = url.map(|u| u.trim_end_matches('/')) else {
            return Settings::default();
        };
        let origin = match url.split_once("://") {
            Some((scheme, rest)) => {
                format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest))
            }
            None => url.to_string(),
        };
        Settings {
            secure_cookies: url.starts_with("https://"),
            public_origin: Some(origin),
        }
    }
}

/// The value of one cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// The language the person chose, or Chinese.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_default()
}

/// A `Set-Cookie` value: always `HttpOnly`, `SameSite=Lax` and `Path=/`; `Secure` when so
/// configured. `max_age` 0 deletes the cookie.
pub fn set_cookie(s: &Settings, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if s.secure_cookies { "; Secure" } else { "" };
    let v = format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The token a session's forms carry: HMAC-SHA-256 keyed by the session secret, so it needs
/// no storage and an attacker who cannot read the cookie cannot make one.
pub fn csrf_token(session_secret: &str) -> String {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(session_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(CSRF_LABEL);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `sent` is the session's form token, compared in constant time.
pub fn csrf_ok(session_secret: &str, sent: &str) -> bool {
    same_secret(&csrf_token(session_secret), sent)
}

/// Constant-time equality of two non-empty secrets.
pub fn same_secret(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// Whether a request says it came from another site: a `Sec-Fetch-Site` other than
/// same-origin (or none, a typed address), or an `Origin` that is neither this host nor the
/// configured public origin. A browser sends at least one of them with every form post.
pub fn cross_site(headers: &HeaderMap, s: &Settings) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    let Some(origin) = text("origin") else {
        return false;
    };
    if s.public_origin.as_deref() == Some(origin) {
        return false;
    }
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    authority.is_none() || authority != text("host")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn csrf_token_is_tied_to_the_session() {
        let t = csrf_token("sqs_one");
        assert!(csrf_ok("sqs_one", &t));
        assert!(!csrf_ok("sqs_two", &t));
        assert!(!csrf_ok("sqs_one", ""));
    }

    #[test]
    fn origins_of_other_sites_are_cross_site() {
        let s = Settings::for_public_url(Some("https://data.example.gov.cn/"));
        let host = ("host", "127.0.0.1:8080");
        assert!(!cross_site(&headers(&[host]), &s));
        assert!(!cross_site(
            &headers(&[host, ("origin", "http://127.0.0.1:8080")]),
            &s
        ));
        assert!(!cross_site(
            &headers(&[host, ("origin", "https://data.example.gov.cn")]),
            &s
        ));
        assert!(cross_site(
            &headers(&[host, ("origin", "https://evil.example")]),
            &s
        ));
        assert!(cross_site(&headers(&[host, ("origin", "null")]), &s));
        assert!(cross_site(
            &headers(&[host, ("sec-fetch-site", "cross-site")]),
            &s
        ));
        assert!(s.secure_cookies);
    }

    #[test]
    fn cookies_are_read_by_name() {
        let h = headers(&[("cookie", "a=1; shuqiao_lang=en; b=2")]);
        assert_eq!(lang_of(&h), Lang::En);
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Zh);
    }
}
