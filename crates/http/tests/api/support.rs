//! What every HTTP test shares: a fixture-loaded server on a random port and a client for it.
pub(crate) use reqwest::{Client, Method, StatusCode};
pub(crate) use serde_json::{json, Value};
pub(crate) use shuqiao_service::testkit::{self, fixture, sample_meta, TestDb};

pub(crate) struct App {
    pub(crate) base: String,
    pub(crate) http: Client,
    pub(crate) _db: TestDb,
}

pub(crate) async fn app() -> App {
    app_with_clock(shuqiao_service::system_clock()).await
}

pub(crate) async fn app_with_clock(clock: shuqiao_service::Clock) -> App {
    let db = signing_db(clock).await;
    fixture(&db.store).await;
    serving(db).await
}

impl App {
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }
    pub(crate) async fn get(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::GET, path, auth, None).await;
        (s, v)
    }
    pub(crate) async fn post(
        &self,
        path: &str,
        auth: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::POST, path, auth, Some(body)).await;
        (s, v)
    }
    pub(crate) async fn login(&self, user: &str) -> String {
        let (s, v) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": user, "password": testkit::PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["session"].as_str().unwrap().to_string()
    }
}

pub(crate) fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

impl App {
    pub(crate) async fn put(
        &self,
        path: &str,
        auth: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::PUT, path, auth, Some(body)).await;
        (s, v)
    }
    pub(crate) async fn store(&self) -> shuqiao_service::Store {
        self._db.store.clone()
    }
}

/// A sharing request for the system of `org` to read two fields of `resource`.
pub(crate) fn access(org: &str, resource: &str) -> Value {
    json!({
        "system": format!("{org}-sys"), "resource": resource, "fields": ["GMSFHM", "XM"],
        "purpose": "政务服务身份核验", "scene": "办理社保卡", "legal_basis": "《社会保险法》", "days": 365
    })
}

/// A server loaded with the demo province (its public demo accounts and passwords), signing
/// its audit log so identities and receipts work as in a real deployment.
pub(crate) async fn demo_app() -> App {
    let db = signing_db(shuqiao_service::system_clock()).await;
    db.store
        .load_demo(shuqiao_demo::DEFAULT_SEED)
        .await
        .unwrap()
        .expect("an empty database loads the demo");
    serving(db).await
}

impl App {
    /// Signs in with a password other than the test fixture's.
    pub(crate) async fn login_with(&self, user: &str, password: &str) -> String {
        let (s, v) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
        v["session"].as_str().unwrap().to_string()
    }
}

/// A fresh SQLite store that signs its audit log.
pub(crate) async fn signing_db(clock: shuqiao_service::Clock) -> TestDb {
    let mut db = testkit::sqlite(clock).await;
    db.store = db
        .store
        .clone()
        .with_audit(shuqiao_service::audit::AuditKeys::generate("test.shuqiao/audit").unwrap());
    db
}

/// Serves `db` on a random port of 127.0.0.1.
async fn serving(db: TestDb) -> App {
    serving_with(db, shuqiao_http::console::Settings::default()).await
}

/// Serves `db` with the console's cookies sent as `console` says.
pub(crate) async fn serving_with(db: TestDb, console: shuqiao_http::console::Settings) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = shuqiao_http::AppState {
        store: std::sync::Arc::new(db.store.clone()),
        demo: true,
        console,
    };
    tokio::spawn(shuqiao_http::serve(listener, state, std::future::pending()));
    App {
        base,
        http: Client::new(),
        _db: db,
    }
}
