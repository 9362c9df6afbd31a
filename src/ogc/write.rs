//! Editing through OGC API – Features Part 4 on plots and buildings: `POST` creates, `PUT`
//! replaces, `PATCH` merges (RFC 7396), `DELETE` removes (the history keeps the feature).
//!
//! The handlers only translate HTTP: they read the collection, the body, `Content-Crs`,
//! `If-Match` and the reason, hand the write to the editing use case ([`crate::edit`]), and
//! answer with the saved feature, its ETag and (for a new one) its Location, after the commit.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::collections;
use crate::auth::Editor;
use crate::edit::{self, Change, Edit, Outcome, Target};
use crate::geo::Crs;
use crate::http::AppState;
use crate::{Error, Result};

pub use crate::edit::{etag_matches, feature_etag};

/// The public ETag of a feature from its canonical public GeoJSON (what `feature_etag` hashes).
pub fn public_etag(public_feature: &str) -> String {
    crate::edit::etag_of_public(public_feature, None)
}

/// The editable collection named in the path: 405 for a read-only one, 404 for none.
fn target(collection: &str) -> Result<Target> {
    Target::parse(collection).ok_or_else(|| match collections::find(collection) {
        Some(_) => Error::client(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{collection} are read-only here: plots and buildings can be edited"),
        ),
        None => Error::NotFound {
            what: "collection",
            id: collection.to_owned(),
        },
    })
}

/// The CRS of a body: `Content-Crs: <uri>`, CRS84 without it.
fn content_crs(headers: &HeaderMap) -> Result<Crs> {
    match headers.get("content-crs").and_then(|v| v.to_str().ok()) {
        None => Ok(Crs::Crs84),
        Some(v) => {
            Crs::parse(v.trim().trim_start_matches('<').trim_end_matches('>')).ok_or_else(|| {
                Error::client(
                    StatusCode::BAD_REQUEST,
                    "invalid_header",
                    format!(
                        "Content-Crs `{v}` is not offered; use one of {}",
                        Crs::ALL.map(Crs::uri).join(", ")
                    ),
                )
            })
        }
    }
}

/// The longest reason a change may give, in characters.
pub const REASON_MAX_CHARS: usize = 1_000;

/// Why: the `X-Change-Reason` header, or the body's top-level `reason`; 422 past
/// [`REASON_MAX_CHARS`].
pub(crate) fn reason(headers: &HeaderMap, body: &Value) -> Result<Option<String>> {
    let reason = headers
        .get("x-change-reason")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            body.get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX_CHARS)
    {
        return Err(crate::Error::unprocessable(
            "reason",
            format!("a reason may be at most {REASON_MAX_CHARS} characters"),
        ));
    }
    Ok(reason)
}

fn feature_body(body: &Bytes) -> Result<Value> {
    let value = crate::http::json_body(body)?;
    if value["type"] != "Feature" {
        return Err(Error::unprocessable(
            "type",
            "the body must be a GeoJSON Feature",
        ));
    }
    Ok(value)
}

fn patch_body(body: &Bytes) -> Result<Value> {
    let value = crate::http::json_body(body)?;
    if !value.is_object() {
        return Err(Error::unprocessable(
            "body",
            "a merge patch is a JSON object such as {\"properties\": {\"status\": \"reserved\"}}",
        ));
    }
    Ok(value)
}

/// Runs the write and builds the answer.
async fn run(state: &AppState, headers: &HeaderMap, edit: Edit<'_>) -> Result<Response> {
    let target = edit.target;
    let (id, etag, status) = match edit::apply(&state.pool, edit).await? {
        Outcome::Created { id, etag } => (id, etag, StatusCode::CREATED),
        Outcome::Updated { id, etag } | Outcome::Unchanged { id, etag } => {
            (id, etag, StatusCode::OK)
        }
        Outcome::Deleted => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    let feature = crate::db::features::get(
        &state.pool,
        edit::fields::collection(target),
        &id.to_string(),
    )
    .await?;
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/geo+json")],
        feature.unwrap_or_default(),
    )
        .into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        let location = format!(
            "{}/collections/{}/items/{id}",
            super::base_url(headers),
            target.collection()
        );
        if let Ok(v) = HeaderValue::from_str(&location) {
            h.insert(header::LOCATION, v);
        }
    }
    Ok(response)
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST /collections/{id}/items`.
pub(super) async fn create(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    Editor(caller): Editor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let target = target(&collection)?;
    let feature = feature_body(&body)?;
    let edit = Edit {
        caller: &caller,
        target,
        crs: content_crs(&headers)?,
        if_match: None,
        reason: reason(&headers, &feature)?,
        change: Change::Create { feature },
    };
    run(&state, &headers, edit).await
}

/// `PUT /collections/{id}/items/{featureId}` (the whole feature, `merge` false) or `PATCH`
/// (a JSON merge patch of it).
pub(super) async fn update(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    Editor(caller): Editor,
    headers: HeaderMap,
    body: Bytes,
    merge: bool,
) -> Result<Response> {
    let target = target(&collection)?;
    let sent = if merge {
        patch_body(&body)?
    } else {
        feature_body(&body)?
    };
    let id = edit::feature_id(&state.pool, target, &fid).await?;
    let edit = Edit {
        caller: &caller,
        target,
        crs: content_crs(&headers)?,
        if_match: if_match(&headers),
        reason: reason(&headers, &sent)?,
        change: if merge {
            Change::Patch { id, patch: sent }
        } else {
            Change::Replace { id, feature: sent }
        },
    };
    run(&state, &headers, edit).await
}

/// `DELETE /collections/{id}/items/{featureId}`: gone from the collection, kept in the history.
pub(super) async fn delete(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    Editor(caller): Editor,
    headers: HeaderMap,
) -> Result<Response> {
    let target = target(&collection)?;
    let edit = Edit {
        caller: &caller,
        target,
        crs: Crs::Crs84,
        if_match: if_match(&headers),
        reason: reason(&headers, &Value::Null)?,
        change: Change::Delete {
            id: edit::feature_id(&state.pool, target, &fid).await?,
        },
    };
    run(&state, &headers, edit).await
}
