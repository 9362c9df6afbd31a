//! Documents attached to plots and buildings (DGNB certificate PDFs, site plans, photos):
//! stored in PostgreSQL beside the history, size-limited, their type read from the bytes.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{param, params, AppState};
use crate::auth::Editor;
use crate::db::history::set_change_context;
use crate::{Error, Result};

/// The largest document accepted, in bytes (10 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Types accepted, as detected from the bytes.
const ACCEPTED: [&str; 5] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/tiff",
];

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/collections/{id}/items/{fid}/documents",
            get(list)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_DOCUMENT_BYTES)),
        )
        .route("/documents/{id}", get(download))
}

/// The feature a document belongs to, by collection and id: (entity, id, area id).
async fn owner(state: &AppState, collection: &str, fid: &str) -> Result<(&'static str, i64, i64)> {
    let (entity, sql) = match collection {
        "plots" => ("plot", "SELECT id, area_id FROM plots WHERE id::text = $1 OR reference = $1"),
        "buildings" => (
            "building",
            "SELECT b.id, p.area_id FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE b.id::text = $1 OR b.reference = $1",
        ),
        _ => return Err(Error::NotFound { what: "collection with documents", id: collection.to_owned() }),
    };
    let found: Option<(i64, i64)> = sqlx::query_as(sql)
        .bind(fid)
        .fetch_optional(&state.pool)
        .await?;
    let (id, area) = found.ok_or_else(|| Error::NotFound {
        what: "feature",
        id: format!("{collection}/{fid}"),
    })?;
    Ok((entity, id, area))
}

async fn list(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
) -> Result<Response> {
    let (entity, id, _) = owner(&state, &collection, &fid).await?;
    let docs: Vec<Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('id', id, 'filename', filename, 'content_type', content_type,
                'size_bytes', size_bytes, 'sha256', sha256, 'uploaded_by', uploaded_by,
                'uploaded_at', uploaded_at, 'href', '/documents/' || id)
         FROM documents WHERE entity = $1 AND entity_id = $2 ORDER BY id",
    )
    .bind(entity)
    .bind(id)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "documents": docs })).into_response())
}

async fn upload(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    Editor(caller): Editor,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    // Who may attach to this feature comes first: a caller without the right learns nothing
    // about what the upload would have been refused for.
    let (entity, id, area) = owner(&state, &collection, &fid).await?;
    if !caller.may_edit_area(area) {
        return Err(Error::forbidden(format!(
            "{} may not edit this area",
            caller.username
        )));
    }
    let body = super::upload_body(
        body,
        &format!(
            "documents may be at most {} MiB",
            MAX_DOCUMENT_BYTES / 1024 / 1024
        ),
    )?;
    let pairs = params(query, &["filename"])?;
    let filename = param(&pairs, "filename")
        .map(str::trim)
        .filter(|f| !f.is_empty() && !f.contains(['/', '\\']))
        .ok_or_else(|| {
            Error::invalid_parameter(
                "filename",
                "give the file's name, without folders: ?filename=certificate.pdf",
            )
        })?
        .to_owned();
    if body.is_empty() {
        return Err(Error::unprocessable("body", "the document is empty"));
    }
    let detected = infer::get(&body)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream");
    if !ACCEPTED.contains(&detected) {
        return Err(Error::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_type",
            format!(
                "the bytes are {detected}; accepted are {}",
                ACCEPTED.join(", ")
            ),
        ));
    }
    let reason = headers
        .get("x-change-reason")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{filename} attached"));
    let mut tx = crate::db::begin(&state.pool).await?;
    set_change_context(&mut tx, &caller.username, &reason).await?;
    let doc_id: i64 = sqlx::query_scalar(
        "INSERT INTO documents (entity, entity_id, filename, content_type, size_bytes, sha256, content, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(entity)
    .bind(id)
    .bind(&filename)
    .bind(detected)
    .bind(body.len() as i32)
    .bind(crate::auth::sha256_hex_bytes(&body))
    .bind(body.as_ref())
    .bind(&caller.username)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut response = (
        StatusCode::CREATED,
        Json(json!({ "id": doc_id, "filename": filename, "content_type": detected, "size_bytes": body.len(), "href": format!("/documents/{doc_id}") })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/documents/{doc_id}")) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Anyone who may see the feature may download its documents; features are public.
async fn download(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound {
        what: "document",
        id: id.clone(),
    })?;
    let doc: Option<(String, String, Vec<u8>)> =
        sqlx::query_as("SELECT filename, content_type, content FROM documents WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    let (filename, content_type, content) = doc.ok_or_else(|| Error::NotFound {
        what: "document",
        id: id.to_string(),
    })?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        filename.replace(['"', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        content,
    )
        .into_response())
}
