//! Webhook delivery: sends the outbox's messages to the organisations' registered URLs, signed,
//! with retries (the outbox decides when). At-least-once: receivers deduplicate by `event_id`.
use std::net::SocketAddr;
use std::time::Duration;

use shuqiao_core::share::webhook::{self, AllowedHosts};

use shuqiao_service::share::Delivery;
use shuqiao_service::Store;

/// Messages claimed per round.
const BATCH: u32 = 32;
const TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers due messages every `every` until the process ends.
pub async fn run_deliveries(store: Store, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = deliver_due(&store).await {
            tracing::error!(error = %e, "webhook delivery round failed; will retry");
        }
    }
}

/// One round: claims due messages and sends them concurrently. Returns how many were sent.
pub async fn deliver_due(store: &Store) -> Result<usize, shuqiao_service::StoreError> {
    let batch = store.claim_deliveries(BATCH).await?;
    let n = batch.len();
    let allowed = store.webhook_allowed_hosts();
    let mut sends = tokio::task::JoinSet::new();
    for d in batch {
        let allowed = allowed.clone();
        sends.spawn(async move { (d.id, send(&d, &allowed).await) });
    }
    while let Some(done) = sends.join_next().await {
        let Ok((id, outcome)) = done else { continue };
        if let Some(e) = &outcome {
            tracing::warn!(delivery = id, error = %e, "webhook delivery failed");
        }
        store.delivery_result(id, outcome).await?;
    }
    Ok(n)
}

/// Where one delivery may connect: the URL's host resolved now and checked as at
/// registration (a name may have been pointed at an internal address since, or the operator
/// may have withdrawn an allowed host), and a client that connects to those checked addresses
/// only, so a second resolution cannot swap another address in.
async fn pinned_client(url: &str, allowed: &AllowedHosts) -> Result<reqwest::Client, String> {
    let refused = |e: shuqiao_core::FieldError| format!("refused: {} ({})", e.en, e.reason);
    let target = webhook::parse_target(url).map_err(refused)?;
    let ips = match target.ip {
        Some(ip) => vec![ip],
        None => shuqiao_service::share::notify::resolve_host(&target.host, target.port).await,
    };
    webhook::check_addresses(&target, &ips, allowed).map_err(refused)?;
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, past the check.
        .no_proxy();
    if target.ip.is_none() {
        let addrs: Vec<SocketAddr> = ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, target.port))
            .collect();
        builder = builder.resolve_to_addrs(&target.host, &addrs);
    }
    builder
        .build()
        .map_err(|_| "cannot build the webhook client".to_string())
}

/// Sends one message; `None` on a 2xx answer, else what went wrong (kept for the operator).
async fn send(d: &Delivery, allowed: &AllowedHosts) -> Option<String> {
    let client = match pinned_client(&d.url, allowed).await {
        Ok(c) => c,
        Err(e) => return Some(e),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.as_secs() as i64)
        .unwrap_or(0);
    let signature = shuqiao_core::share::webhook_signature(&d.secret, now, d.payload.as_bytes());
    let r = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("shuqiao-signature", signature)
        .header("shuqiao-delivery", d.id.to_string())
        .body(d.payload.clone())
        .send()
        .await;
    match r {
        Ok(resp) if resp.status().is_success() => None,
        Ok(resp) => Some(format!("HTTP {}", resp.status().as_u16())),
        Err(e) => Some(if e.is_timeout() {
            "timed out".to_string()
        } else if e.is_connect() {
            "connection failed".to_string()
        } else {
            "request failed".to_string()
        }),
    }
}
