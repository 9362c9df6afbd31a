//! `POST /imports`: the command line's import over HTTP, for admins. The body is the file
//! itself (a GeoPackage, or a zip holding one GIS file such as a Shapefile), at most
//! [`MAX_IMPORT_BYTES`]; the query names the target and the mapping:
//!
//! `POST /imports?into=plots&area=kildedal&mapping=<TOML>&filename=matrikler.gpkg[&layer=…][&confirm=true]`
//!
//! Without `confirm=true` it is a dry run: the answer (200) is the validation report and
//! nothing is written. With `confirm=true` the import runs in one transaction: 201 with the
//! report and its change set, or 422 with the report when anything is refused (nothing
//! written). The upload is kept in a temporary folder removed when the request ends.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::{param, params, AppState};
use crate::auth::{Editor, Role};
use crate::import::{self, ImportOptions, MappingFile, Progress};
use crate::{Error, Result};

/// The largest upload accepted, in bytes (50 MiB).
pub const MAX_IMPORT_BYTES: usize = 50 * 1024 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/imports",
        post(create).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
    )
}

/// The most the files in a zip upload may hold unpacked (256 MiB): GIS data packs a few times
/// smaller, while a zip bomb of 50 MiB unpacks to some 50 GiB, which GDAL would read through
/// and the report echo. Larger imports run from the command line.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;

/// The unpacked size of a zip's files, as its central directory says (read without unpacking
/// anything; GDAL reads no entry past its stated size).
fn unzipped_bytes(body: &[u8]) -> Result<u64> {
    let unreadable = |e: zip::result::ZipError| {
        Error::unprocessable("body", format!("the zip cannot be read: {e}"))
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).map_err(unreadable)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(i).map_err(unreadable)?.size());
    }
    Ok(total)
}

/// What the bytes are, from their first bytes: a GeoPackage (SQLite) or a zip.
fn kind_of(body: &[u8]) -> Option<&'static str> {
    if body.starts_with(b"SQLite format 3\0") {
        Some("gpkg")
    } else if body.starts_with(b"PK\x03\x04") || body.starts_with(b"PK\x05\x06") {
        // A local file header, or an empty archive's end record alone (no GIS file: a 422).
        Some("zip")
    } else {
        None
    }
}

async fn create(
    State(state): State<AppState>,
    Editor(caller): Editor,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    // Who may import comes first: a planner learns nothing about the upload.
    if caller.role != Role::Admin {
        return Err(Error::forbidden(format!(
            "only admins may import; {} is a planner",
            caller.username
        )));
    }
    let body = super::upload_body(
        body,
        &format!(
            "an import may be at most {} MiB; import larger files with `plotline import`",
            MAX_IMPORT_BYTES / 1024 / 1024
        ),
    )?;
    let pairs = params(
        query,
        &["into", "layer", "area", "mapping", "filename", "confirm"],
    )?;
    let into = param(&pairs, "into").ok_or_else(|| {
        Error::invalid_parameter(
            "into",
            format!(
                "name the collection to import into: one of {}",
                import::ImportTarget::all().join(", ")
            ),
        )
    })?;
    let confirm = match param(&pairs, "confirm") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Error::invalid_parameter(
                "confirm",
                format!("`{other}`: true (import) or false (dry run, the default)"),
            ))
        }
    };
    let mapping = param(&pairs, "mapping")
        .map(MappingFile::parse)
        .transpose()
        .map_err(|e| {
            Error::client(StatusCode::UNPROCESSABLE_ENTITY, "invalid_mapping", e)
                .with_details(json!({ "field": "mapping" }))
        })?;
    if body.is_empty() {
        return Err(Error::unprocessable(
            "body",
            "the body is empty: send the GeoPackage or zip itself",
        ));
    }
    let ending = kind_of(&body).ok_or_else(|| {
        Error::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_type",
            "send a GeoPackage or a zip (of a Shapefile, FlatGeobuf, GML, KML or CSV)",
        )
    })?;
    if ending == "zip" && unzipped_bytes(&body)? > MAX_UNZIPPED_BYTES {
        return Err(Error::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the zip's files hold more than {} MiB unpacked; import them with `plotline import`",
                MAX_UNZIPPED_BYTES / 1024 / 1024
            ),
        ));
    }
    let filename = param(&pairs, "filename")
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).to_owned())
        .unwrap_or_else(|| format!("upload.{ending}"));

    // The upload lives in a folder of its own, removed when `dir` is dropped.
    let dir = tempfile::tempdir()
        .map_err(|e| Error::Internal(format!("cannot make a temporary folder: {e}")))?;
    let path = dir.path().join(format!("upload.{ending}"));
    tokio::fs::write(&path, &body)
        .await
        .map_err(|e| Error::Internal(format!("cannot keep the upload: {e}")))?;
    let opts = ImportOptions {
        source: path.to_string_lossy().into_owned(),
        source_name: Some(filename),
        into: into.to_owned(),
        layer: param(&pairs, "layer").map(str::to_owned),
        area: param(&pairs, "area").map(str::to_owned),
        mapping,
        dry_run: !confirm,
        user: caller.username.clone(),
    };
    let report = import::import_source(&state.pool, &opts, Progress::Hidden)
        .await
        .map_err(|e| match e {
            // A file GDAL cannot make sense of is the client's.
            Error::Gdal(e) => Error::unprocessable("body", format!("GDAL cannot read it: {e}")),
            // Said with the client's name for the file, not the server's temporary path.
            Error::InvalidData { location, message } => {
                let source = opts.source.as_str();
                let name = opts.source_name.as_deref().unwrap_or("the upload");
                Error::InvalidData {
                    location: location.replace(source, name),
                    message: message.replace(source, name),
                }
            }
            other => other,
        })?;
    drop(dir);
    let status = match (confirm, report.committed) {
        (false, _) => StatusCode::OK,
        (true, true) => StatusCode::CREATED,
        (true, false) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, Json(report)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_known_by_their_first_bytes() {
        assert_eq!(kind_of(b"SQLite format 3\0rest"), Some("gpkg"));
        assert_eq!(kind_of(b"PK\x03\x04rest"), Some("zip"));
        assert_eq!(kind_of(b"PK\x05\x06\0\0\0\0"), Some("zip"));
        assert_eq!(kind_of(b"{\"type\":\"Feature\"}"), None);
    }

    #[test]
    fn a_zip_is_measured_unpacked_without_unpacking_it() {
        let mut zipped = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut zipped);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in [("a.csv", 1000), ("a.txt", 234)] {
            zip.start_file(name, stored).unwrap();
            std::io::Write::write_all(&mut zip, &vec![b'x'; bytes]).unwrap();
        }
        zip.finish().unwrap();
        assert_eq!(unzipped_bytes(zipped.get_ref()).unwrap(), 1234);
        let broken = &zipped.get_ref()[..40];
        assert!(matches!(
            unzipped_bytes(broken),
            Err(Error::Client { status, .. }) if status == StatusCode::UNPROCESSABLE_ENTITY
        ));
    }
}
