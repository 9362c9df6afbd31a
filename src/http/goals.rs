//! The goals the area figures are measured against (`goals`, migrations 0007 and 0019): anyone
//! reads them; an admin changes a goal's period, target, title, source or accuracy when the
//! policy says so, with the ETag read (`If-Match`) and a reason, recorded in the history. What a
//! goal counts (its scope and metric, evaluated by `domain::goals`) is not editable.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Map, Value};
use sqlx::PgConnection;

use super::AppState;
use crate::auth::{Editor, Role};
use crate::db::history::set_change_context;
use crate::edit::etag_matches;
use crate::{Error, Result};

/// The largest target a goal may have (homes or jobs).
const TARGET_MAX: i64 = 1_000_000;
/// The longest title, source or accuracy note, in characters.
const TEXT_MAX_CHARS: usize = 1_000;
/// The years a period may start or end in.
const PERIOD_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The fields a goal is published with, as one JSON object per row.
const GOAL_JSON: &str =
    "json_build_object('id', id, 'scope', scope, 'metric', metric, 'title', title,
    'target', target, 'source', source, 'accuracy', accuracy, 'period_start', period_start,
    'period_end', period_end)::text";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/goals", get(list))
        .route("/goals/{id}", get(one).patch(change))
}

fn etag_of(goal_json: &str) -> String {
    format!(
        "\"{}\"",
        &crate::auth::sha256_hex(&format!("goal|{goal_json}"))[..32]
    )
}

fn goal_id(id: &str) -> Result<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::NotFound {
            what: "goal",
            id: id.to_owned(),
        })
}

async fn list(State(state): State<AppState>) -> Result<Response> {
    let goals: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {GOAL_JSON} FROM goals ORDER BY scope, metric, period_start NULLS FIRST, id"
    )))
    .fetch_all(&state.pool)
    .await?;
    let goals: Vec<Value> = goals
        .iter()
        .map(|g| serde_json::from_str(g).map_err(|e| Error::Internal(e.to_string())))
        .collect::<Result<_>>()?;
    Ok(Json(json!({ "goals": goals })).into_response())
}

async fn read(conn: &mut PgConnection, id: i64, lock: bool) -> Result<String> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {GOAL_JSON} FROM goals WHERE id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    found.ok_or_else(|| Error::NotFound {
        what: "goal",
        id: id.to_string(),
    })
}

fn answer(status: StatusCode, goal_json: String) -> Response {
    let tag = etag_of(&goal_json);
    (
        status,
        [
            ("content-type", "application/json".to_owned()),
            ("etag", tag),
        ],
        goal_json,
    )
        .into_response()
}

async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = goal_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    Ok(answer(StatusCode::OK, read(&mut conn, id, false).await?))
}

/// A JSON merge patch of a goal's editable fields, checked field by field.
fn changes(body: &Value) -> Result<Map<String, Value>> {
    let Some(fields) = body.as_object() else {
        return Err(Error::unprocessable(
            "body",
            "the body must be a JSON object of the fields to change",
        ));
    };
    let mut out = Map::new();
    for (name, value) in fields {
        match name.as_str() {
            "reason" => continue,
            "scope" | "metric" | "id" => {
                return Err(Error::unprocessable(
                    name,
                    format!("`{name}` says what the goal counts and cannot be changed; add a new goal instead"),
                ))
            }
            "target" => {
                let ok = value
                    .as_i64()
                    .filter(|n| (1..=TARGET_MAX).contains(n))
                    .is_some();
                if !ok {
                    return Err(Error::unprocessable(
                        name,
                        format!("`target` must be a whole number from 1 to {TARGET_MAX}"),
                    ));
                }
            }
            "title" | "source" | "accuracy" => {
                let ok = value.is_null()
                    || value
                        .as_str()
                        .is_some_and(|s| s.chars().count() <= TEXT_MAX_CHARS);
                if !ok || (name == "title" && value.as_str().is_none_or(|s| s.trim().is_empty())) {
                    return Err(Error::unprocessable(
                        name,
                        format!("`{name}` must be a text of at most {TEXT_MAX_CHARS} characters{}", if name == "title" { ", not empty" } else { " or null" }),
                    ));
                }
            }
            "period_start" | "period_end" => {
                let day = value
                    .as_str()
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
                if !(value.is_null() || day.is_some_and(|d| PERIOD_YEARS.contains(&d.year()))) {
                    return Err(Error::unprocessable(
                        name,
                        format!(
                            "`{name}` must be a date like 2025-12-31 in the years {} to {}, or null",
                            PERIOD_YEARS.start(),
                            PERIOD_YEARS.end()
                        ),
                    ));
                }
            }
            other => {
                return Err(Error::unprocessable(
                    other,
                    format!("`{other}` is not a field of a goal; editable: target, title, source, accuracy, period_start, period_end"),
                ))
            }
        }
        out.insert(name.clone(), value.clone());
    }
    Ok(out)
}

/// `PATCH /goals/{id}`: admins only, with If-Match and a reason (header or `reason`).
async fn change(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    if caller.role != Role::Admin {
        return Err(Error::forbidden("only an admin may change a goal"));
    }
    let id = goal_id(&id)?;
    let body = super::json_body(&body)?;
    let fields = changes(&body)?;
    let reason = crate::ogc::write::reason(&headers, &body)?.ok_or_else(|| {
        Error::unprocessable(
            "reason",
            "a change of a goal needs a reason: send it in the X-Change-Reason header or a top-level `reason`",
        )
    })?;
    let held = headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::client(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "send If-Match with the goal's ETag (GET it first)",
            )
        })?;
    let mut tx = crate::db::begin(&state.pool).await?;
    let current = read(&mut tx, id, true).await?;
    if !etag_matches(held, &etag_of(&current)) {
        return Err(Error::client(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "the goal has changed since you read it: reload it and apply your change again",
        ));
    }
    let before: Value =
        serde_json::from_str(&current).map_err(|e| Error::Internal(e.to_string()))?;
    let mut merged = before.clone();
    json_patch::merge(&mut merged, &Value::Object(fields));
    if merged == before {
        return Ok(answer(StatusCode::OK, current));
    }
    set_change_context(&mut tx, &caller.username, &reason).await?;
    sqlx::query(
        "UPDATE goals SET target = r.target, title = r.title, source = r.source, accuracy = r.accuracy,
                          period_start = r.period_start, period_end = r.period_end
         FROM jsonb_to_record($2) AS r (target integer, title text, source text, accuracy text,
                                        period_start date, period_end date)
         WHERE goals.id = $1",
    )
    .bind(id)
    .bind(&merged)
    .execute(&mut *tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_check_violation() || d.is_unique_violation() => {
            Error::unprocessable(
                "period_end",
                "the period must not end before it starts, and a goal of the same scope and metric may not start on the same day",
            )
        }
        other => Error::from(other),
    })?;
    let saved = read(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(answer(StatusCode::OK, saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_goals_editable_fields_are_taken() {
        assert!(changes(&json!({ "period_end": "2026-12-31", "reason": "x" })).is_ok());
        let err = |v: Value| changes(&v).unwrap_err().to_string();
        assert!(err(json!({ "metric": "homes" })).contains("cannot be changed"));
        assert!(err(json!({ "target": 0 })).contains("from 1 to"));
        assert!(err(json!({ "target": 2.5 })).contains("whole number"));
        assert!(err(json!({ "period_start": "2025-02-30" })).contains("a date like"));
        assert!(err(json!({ "period_start": "1999-12-31" })).contains("a date like"));
        assert!(err(json!({ "title": "" })).contains("not empty"));
        assert!(err(json!({ "colour": "red" })).contains("not a field of a goal"));
        assert!(err(json!([1])).contains("JSON object"));
    }
}
