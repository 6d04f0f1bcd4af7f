//! A browser's part in a console test: a cookie jar, no automatic redirects, and a form
//! post that sends `Origin` as a browser does.
use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode};

pub(crate) struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Every `Set-Cookie` for `name`, as sent.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// The form token of the page's first form.
    pub fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token in:\n{}", self.body))
            + "name=\"csrf\" value=\"".len();
        let len = self.body[start..].find('"').unwrap();
        self.body[start..start + len].to_string()
    }
}

pub(crate) struct Browser {
    pub base: String,
    http: Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header(COOKIE, self.cookie_header())
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        let body = resp.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// Posts a form from this site, as a browser would.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let origin = self.base.clone();
        self.post_with(path, form, &[("origin", origin.as_str())])
            .await
    }

    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    /// Opens the sign-in page and signs in; returns the answer to the form.
    pub async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let token = form.csrf();
        self.post(
            "/console/login",
            &[("username", user), ("password", password), ("csrf", &token)],
        )
        .await
    }

    /// Signs in and checks it worked.
    pub async fn signed_in(base: &str, user: &str, password: &str) -> Browser {
        let mut b = Browser::new(base);
        let r = b.sign_in(user, password).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/console/"),
            "{user}: {}",
            r.body
        );
        b
    }

    pub fn session(&self) -> String {
        self.cookies
            .get("shuqiao_session")
            .cloned()
            .expect("signed in")
    }
}

/// One part of a multipart form: a text field, or a file with its name.
pub(crate) enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

impl Browser {
    /// Posts a `multipart/form-data` form from this site (parts in the order given), as a
    /// browser sends a form with a file input.
    pub async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Page {
        let origin = self.base.clone();
        self.post_multipart_with(path, parts, &[("origin", origin.as_str())])
            .await
    }

    pub async fn post_multipart_with(
        &mut self,
        path: &str,
        parts: &[Part<'_>],
        headers: &[(&str, &str)],
    ) -> Page {
        let boundary = "----shuqiao-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for p in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match p {
                Part::Text(name, value) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(value.as_bytes());
                }
                Part::File(name, filename, bytes) => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }
}
