//! Department databases: PostgreSQL and MySQL/MariaDB, a table or a query, full or incremental.
//!
//! Reading holds a bounded amount of memory whatever the table size: PostgreSQL through a
//! `NO SCROLL` cursor in a read-only transaction, fetched 2,000 rows at a time as text;
//! MySQL/MariaDB through an unbuffered prepared statement read on a dedicated thread that
//! hands rows over a bounded channel. Every value arrives as text (SQL NULL as `""`).
//!
//! An incremental pull wraps the table or query as
//! `SELECT * FROM (<query>) AS src WHERE src.<col> >= <watermark> ORDER BY src.<col>`, so
//! the last row handed out carries the new high-water mark ([`PullSource::watermark`]).
//! Passwords never appear in messages: connection URLs are shown through [`redact_url`].
use shuqiao_core::collect::source::{Next, Progress, RawRow, RowSource, SourceError};
use shuqiao_core::collect::Refusal;

mod my;
mod pg;

/// The database engines a connector can pull from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Postgres,
    Mysql,
}

impl DbKind {
    /// The engine named by the URL's scheme: `postgres://` and `postgresql://` are
    /// PostgreSQL, `mysql://` and `mariadb://` are MySQL/MariaDB (case-insensitive).
    pub fn of_url(url: &str) -> Option<DbKind> {
        let scheme = url.split_once("://")?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Some(DbKind::Postgres),
            "mysql" | "mariadb" => Some(DbKind::Mysql),
            _ => None,
        }
    }
}

/// What to pull and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullSpec {
    pub url: String,
    /// Exactly one of table / query. `table` may be schema-qualified (`ods.population`); it
    /// is validated as identifiers (`[A-Za-z_][A-Za-z0-9_]*` parts joined by '.') and quoted
    /// per engine (so it is case-sensitive on PostgreSQL).
    pub table: Option<String>,
    pub query: Option<String>,
    /// Incremental pulls: the column holding the row's last-modified time (or any increasing
    /// value). None = full snapshot.
    pub updated_column: Option<String>,
    /// The high-water mark of the previous pull (text as returned by
    /// [`PullSource::watermark`] earlier). Rows with updated_column >= watermark are read
    /// (>= not >: rows sharing the boundary value that arrived after the last pull are not
    /// missed; the store ignores unchanged rows).
    pub watermark: Option<String>,
}

/// Rows per PostgreSQL `FETCH`, and the MySQL channel's capacity in rows.
const BATCH: usize = 2000;
/// Identifiers longer than this are refused (PostgreSQL allows 63 bytes, MySQL 64).
const MAX_IDENT: usize = 64;
/// Table names may have at most this many parts (`catalog.schema.table`).
const MAX_PARTS: usize = 3;
/// Used when the URL sets no connect timeout of its own.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn invalid(zh: impl Into<String>, en: impl Into<String>) -> SourceError {
    SourceError::new("invalid_spec", zh, en)
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= MAX_IDENT
}

fn is_table_name(s: &str) -> bool {
    let parts = s.split('.').count();
    parts <= MAX_PARTS && s.split('.').all(is_ident)
}

/// The query as written, without trailing semicolons and white space.
fn trimmed_query(q: &str) -> &str {
    q.trim()
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace())
}

/// Checks a spec without connecting: exactly one of table/query, identifiers valid, the URL's
/// kind known and readable by its client, a watermark only with an updated column.
pub fn validate_spec(spec: &PullSpec) -> Result<(), SourceError> {
    let Some(kind) = DbKind::of_url(&spec.url) else {
        return Err(invalid(
            "无法识别数据库类型：连接地址应以 postgres://、postgresql://、mysql:// 或 mariadb:// 开头",
            "unknown database kind: the connection URL should start with postgres://, \
             postgresql://, mysql:// or mariadb://",
        ));
    };
    let url = client_url(&spec.url);
    let parsed = match kind {
        DbKind::Postgres => pg::parse_url(&url).map(drop),
        DbKind::Mysql => my::parse_url(&url).map(drop),
    };
    if let Err(detail) = parsed {
        let detail = scrub(&detail, &url_secrets(&spec.url));
        return Err(invalid(
            format!("无法解析连接地址 {}：{detail}", redact_url(&spec.url)),
            format!(
                "the connection URL {} cannot be read: {detail}",
                redact_url(&spec.url)
            ),
        ));
    }
    match (&spec.table, &spec.query) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "表名与查询语句只能填写其中一项",
                "give either a table or a query, not both",
            ))
        }
        (None, None) => return Err(invalid("请填写表名或查询语句", "give a table or a query")),
        (Some(table), None) => {
            if !is_table_name(table) {
                return Err(invalid(
                    format!(
                        "表名 “{table}” 无效：应为以点分隔的标识符（字母、数字、下划线，不以数字开头），如 ods.population"
                    ),
                    format!(
                        "the table name “{table}” is not valid: it should be identifiers \
                         (letters, digits, underscores, not starting with a digit) joined \
                         by '.', such as ods.population"
                    ),
                ));
            }
        }
        (None, Some(query)) => {
            if trimmed_query(query).is_empty() {
                return Err(invalid("查询语句为空", "the query is empty"));
            }
            if query.contains('\0') {
                return Err(invalid(
                    "查询语句中含有 NUL 字符",
                    "the query contains a NUL character",
                ));
            }
        }
    }
    if let Some(col) = &spec.updated_column {
        if !is_ident(col) {
            return Err(invalid(
                format!(
                    "更新时间列名 “{col}” 无效：应为标识符（字母、数字、下划线，不以数字开头）"
                ),
                format!(
                    "the updated column name “{col}” is not valid: it should be an \
                     identifier (letters, digits, underscores, not starting with a digit)"
                ),
            ));
        }
    }
    if let Some(watermark) = &spec.watermark {
        if spec.updated_column.is_none() {
            return Err(invalid(
                "给出了增量水位但没有指定更新时间列",
                "a watermark is given but no updated column",
            ));
        }
        if watermark.contains('\0') {
            return Err(invalid(
                "增量水位中含有 NUL 字符",
                "the watermark contains a NUL character",
            ));
        }
    }
    Ok(())
}

/// The URL as the client libraries expect it: the scheme in lower case, `mariadb://` as
/// `mysql://`.
fn client_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            let scheme = if scheme == "mariadb" {
                "mysql"
            } else {
                &scheme
            };
            format!("{scheme}://{rest}")
        }
        None => url.to_owned(),
    }
}

fn quote_ident(kind: DbKind, ident: &str) -> String {
    match kind {
        DbKind::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
        DbKind::Mysql => format!("`{}`", ident.replace('`', "``")),
    }
}

/// A PostgreSQL string literal that means the same whatever `standard_conforming_strings`
/// says: an escape string with quotes and backslashes doubled. The caller has refused NUL.
fn pg_literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// The statement to run, and for MySQL the watermark to bind to its one `?`.
#[derive(Debug, PartialEq, Eq)]
struct Statement {
    sql: String,
    param: Option<String>,
}

/// Builds the SELECT for a validated spec.
fn build_sql(spec: &PullSpec, kind: DbKind) -> Statement {
    let table = spec.table.as_deref().map(|t| {
        t.split('.')
            .map(|part| quote_ident(kind, part))
            .collect::<Vec<_>>()
            .join(".")
    });
    let query = spec.query.as_deref().map(trimmed_query).unwrap_or_default();
    let Some(col) = &spec.updated_column else {
        let sql = match table {
            Some(table) => format!("SELECT * FROM {table}"),
            None => query.to_owned(),
        };
        return Statement { sql, param: None };
    };
    let col = quote_ident(kind, col);
    let from = match table {
        Some(table) => format!("{table} AS src"),
        None => format!("({query}) AS src"),
    };
    let (filter, param) = match (&spec.watermark, kind) {
        (None, _) => (String::new(), None),
        (Some(w), DbKind::Postgres) => (format!(" WHERE src.{col} >= {}", pg_literal(w)), None),
        (Some(w), DbKind::Mysql) => (format!(" WHERE src.{col} >= ?"), Some(w.clone())),
    };
    Statement {
        sql: format!("SELECT * FROM {from}{filter} ORDER BY src.{col}"),
        param,
    }
}

/// What a reader found: a row (its cells written into the buffer), a row that cannot be read,
/// or the end.
enum Step {
    Row {
        /// Whether the updated column's cell was SQL NULL (it then sets no watermark).
        updated_null: bool,
    },
    Bad(Refusal),
    End,
}

enum Reader {
    Pg(Box<pg::PgReader>),
    My(my::MyReader),
}

impl Reader {
    fn next(&mut self, cells: &mut Vec<String>) -> Result<Step, SourceError> {
        match self {
            Reader::Pg(r) => r.next(cells),
            Reader::My(r) => r.next(cells),
        }
    }
}

/// Rows being read from a department database. Dropping it early stops the reading (the
/// connection is closed).
pub struct PullSource {
    columns: Vec<String>,
    reader: Reader,
    /// Index of the updated column in `columns`, for incremental pulls.
    updated: Option<usize>,
    watermark: Option<String>,
    read: u64,
    finished: bool,
    failed: Option<SourceError>,
}

impl std::fmt::Debug for PullSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullSource")
            .field("columns", &self.columns)
            .field("read", &self.read)
            .field("watermark", &self.watermark)
            .finish_non_exhaustive()
    }
}

/// Connects and starts reading. Rows come in order of updated_column ascending when
/// incremental.
pub fn open_pull(spec: &PullSpec) -> Result<PullSource, SourceError> {
    validate_spec(spec)?;
    let kind =
        DbKind::of_url(&spec.url).ok_or_else(|| invalid("未知数据库类型", "unknown kind"))?;
    let target = Target::of(spec);
    let stmt = build_sql(spec, kind);
    let updated = spec.updated_column.as_deref();
    let (columns, updated, reader) = match kind {
        DbKind::Postgres => {
            let (columns, idx, r) = pg::open(&target, &stmt.sql, updated)?;
            (columns, idx, Reader::Pg(Box::new(r)))
        }
        DbKind::Mysql => {
            let (columns, idx, r) = my::open(&target, stmt, updated)?;
            (columns, idx, Reader::My(r))
        }
    };
    Ok(PullSource {
        columns,
        reader,
        updated,
        watermark: None,
        read: 0,
        finished: false,
        failed: None,
    })
}

impl PullSource {
    /// The largest updated_column value read so far, as text (None for snapshots or no rows):
    /// the updated column of the last row handed out whose value was not NULL. The caller
    /// stores it after the batch commits and passes it back as [`PullSpec::watermark`].
    pub fn watermark(&self) -> Option<String> {
        self.watermark.clone()
    }
}

impl RowSource for PullSource {
    fn columns(&self) -> &[String] {
        &self.columns
    }

    fn watermark(&self) -> Option<String> {
        self.watermark.clone()
    }

    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.finished {
            return Ok(Next::End);
        }
        match self.reader.next(&mut row.cells) {
            Ok(Step::Row { updated_null }) => {
                self.read += 1;
                row.row_no = self.read;
                if let (Some(i), false) = (self.updated, updated_null) {
                    if let Some(value) = row.cells.get(i) {
                        self.watermark
                            .get_or_insert_with(String::new)
                            .clone_from(value);
                    }
                }
                Ok(Next::Row)
            }
            Ok(Step::Bad(refusal)) => {
                self.read += 1;
                Ok(Next::Bad {
                    row_no: self.read,
                    refusal,
                })
            }
            Ok(Step::End) => {
                self.finished = true;
                Ok(Next::End)
            }
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn progress(&self) -> Progress {
        Progress {
            done: self.read,
            total: None,
        }
    }
}

/// Connects and prepares the statement the pull would run (without running it) to return the
/// column names, for checking a connector's configuration before saving it. Unknown tables
/// and columns (the updated column included) are reported as `source_query`.
pub fn probe_columns(spec: &PullSpec) -> Result<Vec<String>, SourceError> {
    validate_spec(spec)?;
    let kind =
        DbKind::of_url(&spec.url).ok_or_else(|| invalid("未知数据库类型", "unknown kind"))?;
    let target = Target::of(spec);
    let stmt = build_sql(spec, kind);
    let updated = spec.updated_column.as_deref();
    match kind {
        DbKind::Postgres => pg::probe(&target, &stmt.sql, updated),
        DbKind::Mysql => my::probe(&target, &stmt.sql, updated),
    }
}

/// Where to connect, and what to keep out of messages.
#[derive(Clone)]
struct Target {
    /// The URL for the client library (may hold the password).
    url: String,
    /// The URL for people.
    redacted: String,
    /// Passwords as written in the URL, to scrub from any message.
    secrets: Vec<String>,
}

impl Target {
    fn of(spec: &PullSpec) -> Target {
        Target {
            url: client_url(&spec.url),
            redacted: redact_url(&spec.url),
            secrets: url_secrets(&spec.url),
        }
    }

    fn unreachable(&self, detail: &str) -> SourceError {
        let detail = scrub(detail, &self.secrets);
        SourceError::new(
            "source_unreachable",
            format!("无法连接数据库 {}：{detail}", self.redacted),
            format!(
                "cannot connect to the database at {}: {detail}",
                self.redacted
            ),
        )
    }

    fn lost(&self, detail: &str) -> SourceError {
        let detail = scrub(detail, &self.secrets);
        SourceError::new(
            "source_unreachable",
            format!("与数据库 {} 的连接中断：{detail}", self.redacted),
            format!(
                "lost the connection to the database at {}: {detail}",
                self.redacted
            ),
        )
    }

    fn query_failed(&self, detail: &str) -> SourceError {
        let detail = scrub(detail, &self.secrets);
        SourceError::new(
            "source_query",
            format!("数据库拒绝了查询：{detail}"),
            format!("the database refused the query: {detail}"),
        )
    }
}

fn no_columns() -> SourceError {
    SourceError::new(
        "source_query",
        "查询没有返回任何列",
        "the query returns no columns",
    )
}

fn updated_missing(col: &str) -> SourceError {
    SourceError::new(
        "source_query",
        format!("查询结果中没有更新时间列 {col}"),
        format!("the updated column {col} is not among the query's columns"),
    )
}

fn invalid_encoding(column: Option<&String>) -> Refusal {
    let column = column.map(String::as_str).unwrap_or("?");
    Refusal {
        reason: "invalid_encoding",
        zh: format!("列 {column} 的值不是有效的 UTF-8 文本"),
        en: format!("the value in column {column} is not valid UTF-8 text"),
    }
}

/// Replaces every secret in `text` by `***`.
fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// Names of URL query parameters that carry a password.
fn is_password_param(key: &str) -> bool {
    ["password", "pass", "pwd", "passwd"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
}

/// Splits `scheme://userinfo@rest` at the '@' that ends the user information: the last one
/// before the query string, or failing that (a '?' inside the password) the last one at all.
fn split_userinfo(url: &str) -> Option<(&str, &str, &str)> {
    let start = url.find("://")? + 3;
    let (head, rest) = url.split_at(start);
    let query = rest.find(['?', '#']).unwrap_or(rest.len());
    let at = rest[..query].rfind('@').or_else(|| rest.rfind('@'))?;
    Some((head, &rest[..at], &rest[at..]))
}

/// The passwords written in a URL (user information and query parameters), as written and
/// percent-decoded.
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((_, userinfo, _)) = split_userinfo(url) {
        if let Some((_, password)) = userinfo.split_once(':') {
            out.push(password.to_owned());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split(['&', '#']) {
            if let Some((key, value)) = pair.split_once('=') {
                if is_password_param(key) {
                    out.push(value.to_owned());
                }
            }
        }
    }
    let decoded: Vec<String> = out.iter().map(|s| percent_decode(s)).collect();
    out.extend(decoded);
    out.retain(|s| !s.is_empty());
    out.sort();
    out.dedup();
    // Longest first, so a password containing another is scrubbed whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn redact_params(s: &str) -> String {
    let Some((before, query)) = s.split_once('?') else {
        return s.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_password_param(key) => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{before}?{}", pairs.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The URL with any password replaced by `***`, for logs and API responses.
pub fn redact_url(url: &str) -> String {
    match split_userinfo(url) {
        Some((head, userinfo, rest)) => {
            let user = match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => userinfo.to_owned(),
            };
            format!("{head}{user}{}", redact_params(rest))
        }
        None => redact_params(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str) -> PullSpec {
        PullSpec {
            url: url.to_owned(),
            table: Some("t".to_owned()),
            query: None,
            updated_column: None,
            watermark: None,
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(DbKind::of_url("postgres://h/db"), Some(DbKind::Postgres));
        assert_eq!(DbKind::of_url("PostgreSQL://h/db"), Some(DbKind::Postgres));
        assert_eq!(DbKind::of_url("mysql://h/db"), Some(DbKind::Mysql));
        assert_eq!(DbKind::of_url("mariadb://h/db"), Some(DbKind::Mysql));
        assert_eq!(DbKind::of_url("sqlite://x"), None);
        assert_eq!(DbKind::of_url("postgres"), None);
        assert_eq!(client_url("MariaDB://u@h/db"), "mysql://u@h/db");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://u:secret@127.0.0.1:1/x"),
            "postgres://u:***@127.0.0.1:1/x"
        );
        assert_eq!(redact_url("mysql://root@h/test"), "mysql://root@h/test");
        assert_eq!(redact_url("mysql://h/test"), "mysql://h/test");
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db?sslmode=disable"),
            "postgres://u:***@h/db?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://u:pa?ss@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=s3&x=1"),
            "postgres://h/db?user=u&password=***&x=1"
        );
        let secrets = url_secrets("postgres://u:p%40ss@h/db?password=other");
        assert!(secrets.contains(&"p%40ss".to_owned()));
        assert!(secrets.contains(&"p@ss".to_owned()));
        assert!(secrets.contains(&"other".to_owned()));
        assert_eq!(scrub("bad p@ss here", &secrets), "bad *** here");
    }

    #[test]
    fn validation() {
        assert!(validate_spec(&spec("postgres://u@h/db")).is_ok());
        let mut s = spec("postgres://u@h/db");
        s.table = Some("ods.population".into());
        assert!(validate_spec(&s).is_ok());
        for bad in [
            "t; DROP TABLE x",
            "1t",
            "a..b",
            "",
            "a.b.c.d",
            "t\"",
            "人口",
        ] {
            s.table = Some(bad.into());
            assert_eq!(
                validate_spec(&s).map_err(|e| e.reason),
                Err("invalid_spec"),
                "{bad}"
            );
        }
        s.table = None;
        assert!(validate_spec(&s).is_err());
        s.query = Some(" ; ".into());
        assert!(validate_spec(&s).is_err());
        s.query = Some("select 1;".into());
        assert!(validate_spec(&s).is_ok());
        s.table = Some("t".into());
        assert!(validate_spec(&s).is_err());
        s.table = None;
        s.watermark = Some("2024".into());
        assert!(validate_spec(&s).is_err());
        s.updated_column = Some("updated_at".into());
        assert!(validate_spec(&s).is_ok());
        s.watermark = Some("a\0".into());
        assert!(validate_spec(&s).is_err());
        s.watermark = None;
        s.updated_column = Some("x y".into());
        assert!(validate_spec(&s).is_err());
        assert!(validate_spec(&spec("oracle://h/db")).is_err());
    }

    #[test]
    fn sql() {
        let mut s = spec("postgres://h/db");
        s.table = Some("ods.population".into());
        assert_eq!(
            build_sql(&s, DbKind::Postgres).sql,
            "SELECT * FROM \"ods\".\"population\""
        );
        s.updated_column = Some("updated_at".into());
        s.watermark = Some("it's \\ 2024".into());
        assert_eq!(
            build_sql(&s, DbKind::Postgres).sql,
            "SELECT * FROM \"ods\".\"population\" AS src WHERE src.\"updated_at\" >= \
             E'it''s \\\\ 2024' ORDER BY src.\"updated_at\""
        );
        let my = build_sql(&s, DbKind::Mysql);
        assert_eq!(
            my.sql,
            "SELECT * FROM `ods`.`population` AS src WHERE src.`updated_at` >= ? \
             ORDER BY src.`updated_at`"
        );
        assert_eq!(my.param.as_deref(), Some("it's \\ 2024"));
        s.table = None;
        s.query = Some("select * from t where a > 1;\n".into());
        s.watermark = None;
        assert_eq!(
            build_sql(&s, DbKind::Mysql).sql,
            "SELECT * FROM (select * from t where a > 1) AS src ORDER BY src.`updated_at`"
        );
        s.updated_column = None;
        assert_eq!(
            build_sql(&s, DbKind::Postgres).sql,
            "select * from t where a > 1"
        );
    }
}
