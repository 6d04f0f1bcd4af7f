//! A benchmark reference, not part of the platform: an axum handler doing an unaudited,
//! unauthenticated SQLite primary-key lookup, row JSON by key, on the same machine and the
//! same rows as the platform's audited lookups (`scripts/bench-exchange.sh`). It shows what
//! the token check, the grant, the field filter and the audit seal cost on top of the lookup
//! itself. Reads run on the async worker, on a connection of the worker's own, as the
//! platform's lookups do.
//!
//!     cargo run --release -p shuqiao-http --example bare_lookup -- FILE TABLE KEY_COLUMN ADDR
//!     curl http://ADDR/row/{key}
use std::cell::RefCell;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value};

struct Source {
    file: String,
    sql: String,
}

thread_local! {
    static CONN: RefCell<Option<rusqlite::Connection>> = const { RefCell::new(None) };
}

fn open(file: &str) -> rusqlite::Result<rusqlite::Connection> {
    let c =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // The same page cache as the platform's own readers (16 MiB).
    c.pragma_update(None, "cache_size", -16_384)?;
    Ok(c)
}

fn lookup(src: &Source, key: &str) -> rusqlite::Result<Option<Map<String, Value>>> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(open(&src.file)?);
        }
        let Some(c) = slot.as_ref() else {
            return Ok(None);
        };
        let mut stmt = c.prepare_cached(&src.sql)?;
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = stmt.query([key])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let mut out = Map::new();
        for (i, name) in names.into_iter().enumerate() {
            let v = match row.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => n.into(),
                rusqlite::types::ValueRef::Real(f) => f.into(),
                rusqlite::types::ValueRef::Text(t) => {
                    String::from_utf8_lossy(t).into_owned().into()
                }
                rusqlite::types::ValueRef::Blob(_) => Value::Null,
            };
            out.insert(name, v);
        }
        Ok(Some(out))
    })
}

async fn row(
    State(src): State<Arc<Source>>,
    Path(key): Path<String>,
) -> Result<Json<Map<String, Value>>, StatusCode> {
    match lookup(&src, &key) {
        Ok(Some(r)) => Ok(Json(r)),
        Ok(None) => Err(StatusCode::NOT_FOUND),
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, table, key, addr] = args.as_slice() else {
        return Err("usage: bare_lookup FILE TABLE KEY_COLUMN ADDR".into());
    };
    let src = Arc::new(Source {
        file: file.clone(),
        sql: format!("SELECT * FROM {} WHERE {} = ?1", quoted(table), quoted(key)),
    });
    // Fail at start, not at the first request, if the file or table is wrong.
    open(file)?.prepare(&src.sql)?;
    let app = Router::new().route("/row/{key}", get(row)).with_state(src);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
