use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use shuqiao_core::account::{token_kind, Account, Principal, TokenKind};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <session>`; valid for 8 hours.
    pub session: String,
    pub account: Account,
}

/// Failed sign-ins are throttled per account and client address: the address is the peer of
/// the connection (a forwarding header is not trusted, since any client can send one).
pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let client = shuqiao_core::account::client_address_key(peer.ip());
    let (session, account) = st
        .store
        .login(req.username.trim(), &req.password, &client)
        .await?;
    tracing::info!(username = %account.username, "signed in");
    Ok(Json(LoginResponse { session, account }))
}

pub async fn logout(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    Caller(p): Caller,
) -> ApiResult<StatusCode> {
    p.require_authenticated()?;
    if let Some(secret) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let secret = secret.trim();
        if token_kind(secret) == Some(TokenKind::Session) {
            st.store.logout(secret).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    Person {
        account: Account,
    },
    System {
        system: String,
        org: String,
        token_id: i64,
    },
}

pub async fn me(State(st): State<AppState>, Caller(p): Caller) -> ApiResult<Json<Me>> {
    match p {
        Principal::Anonymous => Err(ApiError::from(
            Principal::Anonymous.require_authenticated().unwrap_err(),
        )),
        Principal::Person { username, .. } => Ok(Json(Me::Person {
            account: st.store.get_account(&username).await?,
        })),
        Principal::System {
            system,
            org,
            token_id,
        } => Ok(Json(Me::System {
            system,
            org,
            token_id,
        })),
    }
}
