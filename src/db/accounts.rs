//! Accounts, API tokens and sessions.

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, PgExecutor, PgPool, SqlSafeStr};

use crate::auth::Caller;
use crate::Result;

/// The columns of a [`Caller`]: `{role}` is the role in force (a token's role never exceeds its
/// user's), `{csrf}` the session's CSRF token for cookie sign-ins.
const ACCOUNT: &str = "SELECT u.id AS user_id, u.username, {role} AS role,
        coalesce((SELECT array_agg(area_id ORDER BY area_id) FROM user_areas WHERE user_id = u.id), '{}') AS area_ids,
        {csrf} AS csrf_token";

/// The account behind a valid, unrevoked, unexpired API token (by its SHA-256), noting its use.
pub async fn by_token(pool: &PgPool, token_sha256: &str) -> Result<Option<Caller>> {
    // Fixed text only; the token's hash is bound.
    let sql = AssertSqlSafe(format!(
        "WITH t AS (
             UPDATE api_tokens SET last_used_at = now()
             WHERE token_sha256 = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
             RETURNING user_id, role)
         {} FROM users u JOIN t ON t.user_id = u.id WHERE NOT u.disabled",
        ACCOUNT
            .replace("{role}", "CASE WHEN u.role = 'planner' THEN 'planner' ELSE t.role END")
            .replace("{csrf}", "NULL::text")
    ));
    caller(pool, sql, token_sha256).await
}

/// The account behind a live session (by the SHA-256 of its cookie).
pub async fn by_session(pool: &PgPool, id_sha256: &str) -> Result<Option<Caller>> {
    // Fixed text only; the session's hash is bound.
    let sql = AssertSqlSafe(format!(
        "{} FROM users u JOIN sessions s ON s.user_id = u.id
         WHERE s.id_sha256 = $1 AND s.expires_at > now() AND NOT u.disabled",
        ACCOUNT
            .replace("{role}", "u.role")
            .replace("{csrf}", "s.csrf_token")
    ));
    caller(pool, sql, id_sha256).await
}

/// The caller an [`ACCOUNT`] query finds for its one parameter, the hash of a secret.
async fn caller(
    pool: &PgPool,
    sql: impl SqlSafeStr,
    secret_sha256: &str,
) -> Result<Option<Caller>> {
    Ok(sqlx::query_as(sql)
        .bind(secret_sha256)
        .fetch_optional(pool)
        .await?)
}

/// A user's id, role and password hash, for signing in.
pub async fn credentials(pool: &PgPool, username: &str) -> Result<Option<(i64, Option<String>)>> {
    Ok(
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1 AND NOT disabled")
            .bind(username)
            .fetch_optional(pool)
            .await?,
    )
}

/// Starts a session.
pub async fn create_session(
    pool: &PgPool,
    user_id: i64,
    id_sha256: &str,
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < now()")
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (id_sha256, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id_sha256)
    .bind(user_id)
    .bind(csrf_token)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(pool: &PgPool, id_sha256: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_sha256 = $1")
        .bind(id_sha256)
        .execute(pool)
        .await?;
    Ok(())
}

/// Creates a user (with the areas they may edit); returns the id.
pub async fn create_user(
    db: impl PgExecutor<'_> + Copy,
    username: &str,
    display_name: &str,
    role: &str,
    password_hash: Option<&str>,
    area_slugs: &[String],
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(role)
    .bind(password_hash)
    .fetch_one(db)
    .await?;
    let added = sqlx::query(
        "INSERT INTO user_areas (user_id, area_id) SELECT $1, id FROM areas WHERE slug = ANY($2)",
    )
    .bind(id)
    .bind(area_slugs)
    .execute(db)
    .await?;
    if added.rows_affected() as usize != area_slugs.len() {
        return Err(crate::Error::InvalidData {
            location: "--area".into(),
            message: format!("not every area exists: {}", area_slugs.join(", ")),
        });
    }
    Ok(id)
}

/// A token as `token list` shows it (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Stores a new token's hash for a user; the role may not exceed the user's.
pub async fn create_token(
    pool: &PgPool,
    username: &str,
    name: &str,
    role: &str,
    token_sha256: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<i64> {
    let user: Option<(i64, String)> =
        sqlx::query_as("SELECT id, role FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(pool)
            .await?;
    let Some((user_id, user_role)) = user else {
        return Err(crate::Error::InvalidData {
            location: "--user".into(),
            message: format!("no user `{username}`"),
        });
    };
    if user_role == "planner" && role == "admin" {
        return Err(crate::Error::InvalidData {
            location: "--role".into(),
            message: format!(
                "`{username}` is a planner: a token cannot carry more than its user's role"
            ),
        });
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, role, token_sha256, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(role)
    .bind(token_sha256)
    .bind(expires_at)
    .fetch_one(pool)
    .await?)
}

/// Every token, newest first.
pub async fn list_tokens(pool: &PgPool) -> Result<Vec<TokenInfo>> {
    Ok(sqlx::query_as(
        "SELECT t.id, u.username, t.name, t.role, t.expires_at, t.revoked_at, t.last_used_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC",
    )
    .fetch_all(pool)
    .await?)
}

/// Revokes a token; false when there is no such live token.
pub async fn revoke_token(pool: &PgPool, id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
