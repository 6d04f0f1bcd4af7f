//! Webhook delivery: sends the outbox's messages to the organisations' registered URLs, signed,
//! with retries (the outbox decides when). At-least-once: receivers deduplicate by `event_id`.
use std::time::Duration;

use shuqiao_store::share::Delivery;
use shuqiao_store::Store;

/// Messages claimed per round.
const BATCH: u32 = 32;
const TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers due messages every `every` until the process ends.
pub async fn run_deliveries(store: Store, every: Duration) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; webhooks will not be sent");
            return;
        }
    };
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = deliver_due(&store, &client).await {
            tracing::error!(error = %e, "webhook delivery round failed; will retry");
        }
    }
}

/// One round: claims due messages and sends them concurrently. Returns how many were sent.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
) -> Result<usize, shuqiao_store::StoreError> {
    let batch = store.claim_deliveries(BATCH).await?;
    let n = batch.len();
    let mut sends = tokio::task::JoinSet::new();
    for d in batch {
        let client = client.clone();
        sends.spawn(async move { (d.id, send(&client, &d).await) });
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

/// Sends one message; `None` on a 2xx answer, else what went wrong (kept for the operator).
async fn send(client: &reqwest::Client, d: &Delivery) -> Option<String> {
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
