//! The database side of editing: locks, the feature as stored, ETags, where a feature is and
//! where it goes, PostGIS's geometry checks, and the one save per table.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use sqlx::{AssertSqlSafe, PgConnection};

use super::{fields, Outline, Target};
use crate::domain::fingerplan::Office;
use crate::schema::{self, Role};
use crate::{Error, Result};

/// What the edit path reads of a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    /// The feature as the public sees it (GeoJSON, WGS84): what its ETag is made from.
    PublicFeature,
    /// Its writable properties, planner-only ones included: what a PATCH merges into.
    WritableProperties,
}

/// Every read of a feature in the edit path goes through here: the SQL is generated from the
/// collection's description (`crate::schema::sql`). Returns JSON text.
pub(super) async fn read_feature(
    conn: &mut PgConnection,
    target: Target,
    read: Read,
    id: i64,
) -> Result<Option<String>> {
    let c = fields::collection(target);
    let sql = match read {
        Read::PublicFeature => schema::sql::feature_by_id(c, Role::Public),
        Read::WritableProperties => {
            let names: Vec<&str> = c.writable().map(|p| p.name).collect();
            format!(
                "SELECT ({})::text FROM {} AS k WHERE k.fid = $1",
                schema::sql::properties_json(c, Role::Planner, Some(&names)),
                schema::sql::source(c, Role::Planner)
            )
        }
    };
    // Names from the description; the id is bound.
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The ETag of a feature's current state: a hash of its public GeoJSON (CRS84) and, in the
/// tag planners get and `If-Match` checks (`internal`), of when its internal fields last
/// changed (not of their values). The public tag does not change with an internal edit; the
/// two are the same while a plot has no internal fields. `None` when there is no such feature.
pub async fn feature_etag(
    conn: &mut PgConnection,
    collection: &str,
    id: i64,
    internal: bool,
) -> Result<Option<String>> {
    let Some(target) = Target::parse(collection) else {
        return Ok(None);
    };
    let Some(feature) = read_feature(conn, target, Read::PublicFeature, id).await? else {
        return Ok(None);
    };
    // Only internal fields that hold something count: a feature whose internal fields are
    // empty has one tag for everyone.
    let internal_changed = match target {
        Target::Plots => Some(
            "SELECT updated_at FROM plot_internal
             WHERE plot_id = $1 AND num_nonnulls(negotiation_notes, counterparty, asking_price_dkk) > 0",
        ),
        Target::Companies => Some(
            "SELECT updated_at FROM company_internal
             WHERE company_id = $1 AND num_nonnulls(jobs, contact) > 0",
        ),
        Target::Buildings => None,
    };
    let internal: Option<chrono::DateTime<chrono::Utc>> = match internal_changed {
        Some(sql) if internal => {
            sqlx::query_scalar(sql)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        _ => None,
    };
    Ok(Some(etag_of_public(&feature, internal)))
}

/// The ETag of a feature from its public GeoJSON (CRS84, as `schema::sql::feature_json`
/// writes it) and when its internal fields last changed (`None` for the public tag).
pub fn etag_of_public(
    public_feature: &str,
    internal: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    let digest = crate::auth::sha256_hex(&format!("{public_feature}|{internal:?}"));
    format!("\"{}\"", &digest[..32])
}

/// The feature's writable properties as stored (what a PATCH merges into).
pub(super) async fn current(
    conn: &mut PgConnection,
    target: Target,
    id: i64,
) -> Result<Map<String, Value>> {
    let text = read_feature(conn, target, Read::WritableProperties, id)
        .await?
        .ok_or_else(|| not_found(target, id))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("the stored properties are not JSON: {e}")))
}

fn not_found(target: Target, id: i64) -> Error {
    Error::NotFound {
        what: "feature",
        id: format!("{}/{id}", target.collection()),
    }
}

/// The id of the feature with this reference (`KD-03`, `KD-03-A`).
pub(super) async fn id_of_reference(
    conn: &mut PgConnection,
    target: Target,
    reference: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id FROM {} WHERE reference = $1",
        target.table()
    )))
    .bind(reference)
    .fetch_optional(conn)
    .await?)
}

/// Locks a feature's row for the rest of the transaction; 404 when it does not exist.
pub(super) async fn lock(conn: &mut PgConnection, target: Target, id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id FROM {} WHERE id = $1 FOR UPDATE",
        target.table()
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    found.map(|_| ()).ok_or_else(|| not_found(target, id))
}

/// The area a stored feature lies in now (a building: its plot's area).
pub(super) async fn area_now(conn: &mut PgConnection, target: Target, id: i64) -> Result<i64> {
    let sql = match target {
        Target::Plots => "SELECT area_id FROM plots WHERE id = $1",
        Target::Buildings => {
            "SELECT p.area_id FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE b.id = $1"
        }
        Target::Companies => {
            "SELECT p.area_id FROM companies c JOIN buildings b ON b.id = c.building_id \
             JOIN plots p ON p.id = b.plot_id WHERE c.id = $1"
        }
    };
    let area: Option<i64> = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    area.ok_or_else(|| not_found(target, id))
}

/// Where a feature's properties put it: its area, that area's least DGNB level, and for a
/// building its plot.
pub(super) struct Destination {
    pub area_id: i64,
    pub area_target: Option<String>,
    pub plot_id: Option<i64>,
}

/// Looks up the area (plots) or plot (buildings) the properties name; 422 when there is none.
pub(super) async fn destination(
    conn: &mut PgConnection,
    target: Target,
    props: &Map<String, Value>,
) -> Result<Destination> {
    let text = |n: &str| props.get(n).and_then(Value::as_str).unwrap_or_default();
    match target {
        Target::Plots => {
            let area: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT id, target_dgnb_level FROM areas WHERE slug = $1")
                    .bind(text("area"))
                    .fetch_optional(conn)
                    .await?;
            let (area_id, area_target) = area.ok_or_else(|| {
                Error::unprocessable("area", format!("there is no area `{}`", text("area")))
            })?;
            Ok(Destination {
                area_id,
                area_target,
                plot_id: None,
            })
        }
        Target::Buildings => {
            let plot: Option<(i64, i64, Option<String>)> = sqlx::query_as(
                "SELECT p.id, p.area_id, a.target_dgnb_level FROM plots p JOIN areas a ON a.id = p.area_id WHERE p.reference = $1",
            )
            .bind(text("plot"))
            .fetch_optional(conn)
            .await?;
            let (plot_id, area_id, area_target) = plot.ok_or_else(|| {
                Error::unprocessable("plot", format!("there is no plot `{}`", text("plot")))
            })?;
            Ok(Destination {
                area_id,
                area_target,
                plot_id: Some(plot_id),
            })
        }
        Target::Companies => {
            let building: Option<(i64, i64)> = sqlx::query_as(
                "SELECT b.plot_id, p.area_id FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE b.reference = $1",
            )
            .bind(text("building"))
            .fetch_optional(conn)
            .await?;
            let (plot_id, area_id) = building.ok_or_else(|| {
                Error::unprocessable(
                    "building",
                    format!("there is no building `{}`", text("building")),
                )
            })?;
            Ok(Destination {
                area_id,
                area_target: None,
                plot_id: Some(plot_id),
            })
        }
    }
}

/// PostGIS's reading of a client geometry: EWKB (EPSG:25832), valid, reason, lon, lat.
type GeometryCheck = (Vec<u8>, bool, Option<String>, Option<f64>, Option<f64>);

/// The outline in EPSG:25832 as EWKB, or 422 with PostGIS's reason and the place (CRS84).
pub(super) async fn read_outline(conn: &mut PgConnection, outline: &Outline) -> Result<Vec<u8>> {
    let row: Option<GeometryCheck> =
        sqlx::query_as(include_str!("../db/sql/edit_input_geometry.sql"))
            .bind(outline.geojson_text())
            .bind(outline.srid())
            .fetch_optional(conn)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) => Error::unprocessable(
                    "geometry",
                    format!("PostGIS cannot read the geometry: {}", d.message()),
                ),
                other => Error::from(other),
            })?;
    let (ewkb, valid, reason, lon, lat) =
        row.ok_or_else(|| Error::unprocessable("geometry", "empty geometry"))?;
    if !valid {
        return Err(Error::unprocessable(
            "geometry",
            format!("the geometry is not valid: {}", reason.unwrap_or_default()),
        )
        .with_details(json!({ "location": lon.zip(lat).map(|(x, y)| [x, y]) })));
    }
    Ok(ewkb)
}

/// The stored outline of a feature as EWKB (EPSG:25832), for a PATCH without geometry.
pub(super) async fn stored_outline(
    conn: &mut PgConnection,
    target: Target,
    id: i64,
) -> Result<Vec<u8>> {
    Ok(sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT ST_AsEWKB({}) FROM {} WHERE id = $1",
        target.geometry_column(),
        target.table()
    )))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Why an outline may not be stored where it goes: outside its area, over another plot,
/// leaving its buildings outside (plots); outside its plot (buildings). 422 naming them.
pub(super) async fn check_placement(
    conn: &mut PgConnection,
    target: Target,
    id: Option<i64>,
    ewkb: &[u8],
    to: &Destination,
) -> Result<()> {
    let problems: Vec<(String, String, Option<String>)> = match target {
        Target::Plots => sqlx::query_as(include_str!("../db/sql/edit_plot_problems.sql"))
            .bind(ewkb)
            .bind(to.area_id)
            .bind(id),
        Target::Buildings => sqlx::query_as(include_str!("../db/sql/edit_building_problems.sql"))
            .bind(ewkb)
            .bind(to.plot_id),
        // A company's point is its building's.
        Target::Companies => return Ok(()),
    }
    .fetch_all(conn)
    .await?;
    let named = |kind: &str| -> Vec<&String> {
        problems
            .iter()
            .filter(|p| p.0 == kind)
            .filter_map(|p| p.2.as_ref())
            .collect()
    };
    let messages: Vec<&String> = problems.iter().map(|p| &p.1).collect();
    let left_outside = named("building_outside");
    if !left_outside.is_empty() {
        let list: Vec<&str> = left_outside.iter().map(|s| s.as_str()).collect();
        return Err(Error::unprocessable(
            "geometry",
            format!(
                "the new outline leaves {} of the plot's buildings outside: {} (move them or change the outline)",
                list.len(),
                list.join(", ")
            ),
        )
        .with_details(json!({ "problems": messages, "buildings": list })));
    }
    if let Some((_, message, _)) = problems.first() {
        return Err(
            Error::unprocessable("geometry", message.clone()).with_details(json!({
                "problems": messages,
                "overlapping": named("overlap"),
            })),
        );
    }
    Ok(())
}

/// The one save per table: inserts (`id` None) or updates a feature from its validated
/// properties and its outline (EWKB, EPSG:25832); returns its id.
pub(super) async fn save(
    conn: &mut PgConnection,
    target: Target,
    id: Option<i64>,
    props: &Map<String, Value>,
    ewkb: &[u8],
) -> Result<i64> {
    let saved = save_many(conn, target, &[(id, props.clone(), ewkb.to_vec())]).await?;
    saved
        .first()
        .map(|(_, id)| *id)
        .ok_or_else(|| Error::Internal("the save returned no row".into()))
}

/// One feature to save: its id (None: new), validated properties, and outline as EWKB or WKB
/// in EPSG:25832.
pub(super) type SaveRow = (Option<i64>, Map<String, Value>, Vec<u8>);

/// The same save for many features in one statement: (id or None, validated properties,
/// outline as EWKB or WKB in EPSG:25832). Returns (index into `rows`, id) for each one saved;
/// a feature whose area or plot does not exist is not saved (the callers check that first).
pub(super) async fn save_many(
    conn: &mut PgConnection,
    target: Target,
    rows: &[SaveRow],
) -> Result<Vec<(usize, i64)>> {
    let sql = match target {
        Target::Plots => include_str!("../db/sql/edit_plot_save.sql"),
        Target::Buildings => include_str!("../db/sql/edit_building_save.sql"),
        Target::Companies => include_str!("../db/sql/edit_company_save.sql"),
    };
    let props: Vec<Value> = rows.iter().map(|r| Value::Object(r.1.clone())).collect();
    let outlines: Vec<&[u8]> = rows.iter().map(|r| r.2.as_slice()).collect();
    let ids: Vec<Option<i64>> = rows.iter().map(|r| r.0).collect();
    let saved: Vec<(i64, i64)> = sqlx::query_as(sql)
        .bind(props)
        .bind(outlines)
        .bind(ids)
        .fetch_all(conn)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::client(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "another {} has the reference `{}`",
                    target.singular(),
                    match rows {
                        [one] => one
                            .1
                            .get("reference")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                        _ => "(one of the batch)",
                    }
                ),
            )
            .with_details(json!({ "field": "reference" })),
            sqlx::Error::Database(d) if d.is_check_violation() => Error::unprocessable(
                d.constraint().unwrap_or("value"),
                format!("the database refused a value: {}", d.message()),
            ),
            other => Error::from(other),
        })?;
    Ok(saved
        .into_iter()
        .map(|(n, id)| (usize::try_from(n - 1).unwrap_or_default(), id))
        .collect())
}

/// The features among `keys` (areas' slugs for plots, plots' references for buildings) that
/// a feature may go to: where a batch of imported features goes, in one query.
pub(super) async fn existing_destinations(
    conn: &mut PgConnection,
    target: Target,
    keys: &[String],
) -> Result<Vec<String>> {
    let sql = match target {
        Target::Plots => "SELECT slug FROM areas WHERE slug = ANY($1)",
        Target::Buildings => "SELECT reference FROM plots WHERE reference = ANY($1)",
        Target::Companies => "SELECT reference FROM buildings WHERE reference = ANY($1)",
    };
    Ok(sqlx::query_scalar(sql).bind(keys).fetch_all(conn).await?)
}

/// The ids of the features with these references.
pub(super) async fn ids_of_references(
    conn: &mut PgConnection,
    target: Target,
    references: &[String],
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT reference, id FROM {} WHERE reference = ANY($1)",
        target.table()
    )))
    .bind(references)
    .fetch_all(conn)
    .await?)
}

/// PostGIS's verdict on outlines given as WKB (EPSG:25832): (index, reason) of each invalid one.
pub(super) async fn invalid_outlines(
    conn: &mut PgConnection,
    outlines: &[&[u8]],
) -> Result<Vec<(usize, String)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT n, ST_IsValidReason(g) FROM (
             SELECT n, ST_GeomFromWKB(w) AS g FROM unnest($1::bytea[]) WITH ORDINALITY AS u (w, n)
         ) v WHERE NOT ST_IsValid(g)",
    )
    .bind(outlines)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(n, reason)| (usize::try_from(n - 1).unwrap_or_default(), reason))
        .collect())
}

/// What stands on a feature and keeps it from being deleted: a plot's buildings, a building's
/// occupants (companies, past ones included: their history names the building).
pub(super) async fn dependants(conn: &mut PgConnection, target: Target, id: i64) -> Result<i64> {
    let sql = match target {
        Target::Plots => "SELECT count(*) FROM buildings WHERE plot_id = $1",
        Target::Buildings => "SELECT count(*) FROM companies WHERE building_id = $1",
        Target::Companies => return Ok(0),
    };
    Ok(sqlx::query_scalar(sql).bind(id).fetch_one(conn).await?)
}

/// Deletes a feature (its history stays).
pub(super) async fn delete(conn: &mut PgConnection, target: Target, id: i64) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM {} WHERE id = $1",
        target.table()
    )))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A building's office floor area (m²), distance to and name of its nearest station, whether
/// it has an exemption, and whether it is completed.
type OfficeRow = (f64, Option<f64>, Option<String>, bool, bool);

/// What the Fingerplan's office rule looks at in a stored building, and whether it is
/// completed: read before a save (the building as it was) and after it (as the proximity
/// trigger placed it), in the save's transaction.
pub(super) async fn office_facts(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Option<(Office, bool)>> {
    let row: Option<OfficeRow> = sqlx::query_as(
        "SELECT b.floor_area_office_m2, b.nearest_station_distance_m, s.name,
                b.fingerplan_exemption_lokalplan IS NOT NULL, b.construction_status = 'completed'
         FROM buildings b LEFT JOIN stations s ON s.id = b.nearest_station_id WHERE b.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(m2, distance, station, exempt, completed)| {
        (
            Office {
                office_floor_area_m2: m2,
                station_distance_m: distance,
                station,
                exempt,
            },
            completed,
        )
    }))
}
