//! `/collections/{id}/items?f=gpkg|fgb|shp|csv|kml` and `plotline export`: every feature an
//! items request matches (its filters, `bbox`, `datetime`, `properties`, `crs`, `sortby` and the
//! caller's role; not paged), read from PostGIS in one snapshot and written by GDAL on a
//! blocking thread into a temporary file, which is then streamed and removed.

use std::path::Path;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::json;
use sqlx::{PgPool, QueryBuilder};
use tokio::io::AsyncReadExt;

use super::collections::OgcCollection;
use super::items::{self, ItemsQuery};
use crate::export::{self, FileFormat, Plan, Row, Spooled, MAX_FEATURES};
use crate::geo::Crs;
use crate::http::gate::Turns;
use crate::schema::{sql, Role};
use crate::{Error, Result};

/// Rows read ahead of the writer.
const ROWS_AHEAD: usize = 256;

/// The next batch of the export's cursor (about 1 MB of plots).
const FETCH: &str = "FETCH 1000 FROM plotline_export";

/// Bytes read from the spooled file per chunk of the answer.
const CHUNK: usize = 64 * 1024;

fn too_many(matched: i64, max: i64) -> Error {
    Error::Client {
        status: StatusCode::BAD_REQUEST,
        code: "export_too_large",
        message: format!(
            "{matched} features match; an export holds at most {max}: narrow it with bbox, datetime or filter, or page through the GeoJSON"
        ),
        details: json!({ "number_matched": matched, "max_features": max }),
    }
}

/// The CRS the file is written in: the request's, except for KML, which is WGS84 only.
fn file_crs(format: FileFormat, crs: Crs) -> Result<Crs> {
    match (format, crs.geographic()) {
        (FileFormat::Kml, false) => Err(Error::invalid_parameter(
            "crs",
            "KML is always WGS84 longitude/latitude; leave out crs or use CRS84",
        )),
        _ => Ok(crs),
    }
}

/// Reads every matching feature in one snapshot and writes the file; 400 before anything is
/// written when more than `max` match.
pub(super) async fn spool(
    db: &PgPool,
    c: &'static OgcCollection,
    q: &ItemsQuery,
    role: Role,
    format: FileFormat,
    max: i64,
    gate: Option<&Turns>,
) -> Result<Spooled> {
    let crs = file_crs(format, q.crs)?;
    let permit = match gate {
        Some(g) => Some(g.turn().await?),
        None => None,
    };
    let mut tx = crate::db::begin(db).await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let source = sql::source(c, role);
    let matched = if q.filter.is_empty() && q.as_of.is_none() {
        super::landing::feature_count(&mut tx, c).await?
    } else {
        items::count_matches(&mut tx, source, q).await?
    };
    if matched > max {
        return Err(too_many(matched, max));
    }

    let selected: Option<Vec<&str>> = q
        .properties
        .as_ref()
        .map(|p| p.iter().map(String::as_str).collect());
    // A cursor, fetched a batch at a time: each FETCH is a statement of its own, so the
    // statement timeout bounds each batch, not the whole export, while GDAL writes (the
    // request's own time limit bounds the whole).
    let mut data: QueryBuilder<sqlx::Postgres> =
        QueryBuilder::new("DECLARE plotline_export NO SCROLL CURSOR FOR ");
    if let Some(t) = q.as_of {
        sql::push_as_of(&mut data, t);
    }
    // The geometry as the items page writes it, to 0.1 mm (a file is read back and stored),
    // easting or longitude first as the files store it.
    data.push("SELECT k.fid::text, ")
        .push(sql::geometry_text(crs.srid(), false, crs.file_decimals()))
        .push(", (")
        .push(sql::properties_json(c, role, selected.as_deref()))
        .push(")::text FROM ")
        .push(source)
        .push(" AS k");
    items::push_where(&mut data, q);
    items::push_order(&mut data, q);
    data.push(" LIMIT ").push_bind(max);
    data.build().execute(&mut *tx).await?;

    let mut plan = Plan::new(c.schema, format, role, crs, q.properties.as_deref());
    plan.keep_order = q.sorted();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Row>>(ROWS_AHEAD);
    // The writer holds the turn: it counts until GDAL is done, even if the client leaves.
    let writer = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        export::write(&plan, std::iter::from_fn(|| receiver.blocking_recv()))
    });
    'batches: loop {
        let batch: std::result::Result<Vec<(String, Option<String>, String)>, _> =
            sqlx::query_as(FETCH).fetch_all(&mut *tx).await;
        let batch = match batch {
            Ok(rows) if rows.is_empty() => break,
            Ok(rows) => rows,
            Err(e) => {
                let _ = sender.send(Err(e.into())).await;
                break;
            }
        };
        for (id, geometry, properties) in batch {
            let row = Row {
                id,
                geometry,
                properties,
            };
            // A writer that stopped has its own error to tell.
            if sender.send(Ok(row)).await.is_err() {
                break 'batches;
            }
        }
    }
    drop(sender);
    tx.commit().await?;
    writer
        .await
        .map_err(|e| Error::Internal(format!("export writer: {e}")))?
}

/// The file as an answer: opened, then its folder removed (the open file is read to the end
/// and vanishes with the last handle), streamed with its media type and file name.
pub(super) async fn answer(
    spooled: Spooled,
    c: &OgcCollection,
    format: FileFormat,
    crs: Crs,
) -> Result<Response> {
    let io = |e: std::io::Error| Error::Internal(format!("export file: {e}"));
    let file = std::fs::File::open(&spooled.path).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    drop(spooled);
    let body = Body::from_stream(
        futures_util::stream::unfold(Some(tokio::fs::File::from_std(file)), |file| async move {
            let mut file = file?;
            let mut buffer = vec![0u8; CHUNK];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    Some((Ok(Bytes::from(buffer)), Some(file)))
                }
                Err(e) => Some((Err(e), None)),
            }
        })
        // Fused: the compression layer polls once more after the end, which panics an unfused
        // `unfold` (the connection then closed with no answer for any client that accepts gzip).
        .fuse(),
    );
    let mut response = ([(header::CONTENT_TYPE, format.media_type())], body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, length.into());
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        format.file_name(c.id)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        headers.insert("content-crs", v);
    }
    Ok(response)
}

/// `plotline export`: the items request `pairs` (`filter`, `bbox`, `crs`, `properties`…) of
/// collection `id` written as `format` to `out`, as `role` would read it; returns how many
/// features were written.
pub async fn export_to_file(
    pool: &PgPool,
    id: &str,
    mut pairs: Vec<(String, String)>,
    format: FileFormat,
    role: Role,
    out: &Path,
) -> Result<u64> {
    let c = super::find(id)?;
    pairs.retain(|(n, _)| n != "f");
    pairs.push(("f".into(), format.param().into()));
    let q = items::parse_query(c, &pairs, &Default::default())?;
    let role = if q.as_of.is_some() {
        Role::Public
    } else {
        role
    };
    let spooled = spool(pool, c, &q, role, format, MAX_FEATURES, None).await?;
    std::fs::copy(&spooled.path, out).map_err(|e| Error::InvalidData {
        location: out.display().to_string(),
        message: format!("cannot write the file: {e}"),
    })?;
    Ok(spooled.features)
}
