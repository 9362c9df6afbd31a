//! Signing in and out of the map page: `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::AppState;
use crate::auth::{self, MaybeCaller, SESSION_COOKIE, SESSION_LIFETIME};
use crate::db::accounts;
use crate::{Error, Result};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
}

fn session_cookie(value: &str, max_age_s: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Result<Response> {
    let body: Value = super::json_body(&body)?;
    let username = body["username"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let password = body["password"].as_str().unwrap_or_default();
    if username.is_empty() || password.is_empty() {
        return Err(Error::unprocessable(
            "username",
            "send {\"username\": …, \"password\": …}",
        ));
    }
    // User names are at most 64 characters (migration 0010); anything longer is no account.
    if username.chars().count() > 64 || password.len() > 1024 {
        return Err(Error::unprocessable(
            "username",
            "a user name has at most 64 characters and a password at most 1024 bytes",
        ));
    }
    // The peer's address; `X-Forwarded-For` only from a configured proxy.
    let client = auth::client_key(super::server::client_address(
        &parts,
        &state.trusted_proxies,
    ));
    let delay_if_wrong = match state.login_limiter.attempt(&username, &client) {
        Ok(delay) => delay,
        Err(wait) => {
            return Err(Error::client(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed sign-ins from here: try again in {wait} s"),
            )
            .with_details(json!({ "retry_after_s": wait })))
        }
    };
    let found = accounts::credentials(&state.pool, &username).await?;
    // Verify against a hash even for unknown users, so that timing does not tell them apart.
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let ok = auth::verify_password(password, hash.as_deref().unwrap_or(&auth::DUMMY_HASH))
        && hash.is_some();
    let Some((user_id, _)) = found.filter(|_| ok) else {
        tokio::time::sleep(delay_if_wrong).await;
        return Err(Error::client(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong user name or password",
        ));
    };
    state.login_limiter.succeed(&username, &client);
    let session = auth::new_secret("");
    let csrf = auth::new_secret("");
    let expires =
        chrono::Utc::now() + chrono::Duration::from_std(SESSION_LIFETIME).unwrap_or_default();
    accounts::create_session(
        &state.pool,
        user_id,
        &auth::sha256_hex(&session),
        &csrf,
        expires,
    )
    .await?;
    let mut response =
        Json(json!({ "username": username, "csrf_token": csrf, "expires_at": expires }))
            .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&session, SESSION_LIFETIME.as_secs(), state.secure_cookies),
    );
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    if let Some(session) = auth::cookie(&headers, SESSION_COOKIE) {
        accounts::delete_session(&state.pool, &auth::sha256_hex(session)).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, state.secure_cookies),
    );
    Ok(response)
}

async fn me(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller) -> Result<Response> {
    let Some(c) = caller else {
        return Ok(Json(json!({ "role": "viewer" })).into_response());
    };
    let areas: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM areas WHERE id = ANY($1) ORDER BY slug")
            .bind(&c.area_ids)
            .fetch_all(&state.pool)
            .await?;
    let role = match c.role {
        auth::Role::Planner => "planner",
        auth::Role::Admin => "admin",
    };
    Ok(Json(
        json!({ "username": c.username, "role": role, "areas": areas, "csrf_token": c.csrf_token }),
    )
    .into_response())
}
