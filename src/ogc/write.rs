//! Editing through OGC API – Features Part 4 on plots and buildings: `POST` creates, `PUT`
//! replaces, `PATCH` merges (RFC 7396), `DELETE` removes (the history keeps the feature).
//!
//! Every write needs a planner or admin of the feature's area, and every change of an existing
//! feature needs `If-Match` with its current ETag (428 without, 412 when stale), checked under
//! a row lock so that of two writers holding the same ETag exactly one wins. Each write is one
//! transaction: validation, the change, the derived values (plot area, transit distances) and
//! the history entry land together or not at all, and the answer comes after the commit.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use sqlx::{PgConnection, Postgres, Transaction};

use super::collections;
use super::crs::Crs;
use crate::auth::{Caller, Editor};
use crate::db::history::set_change_context;
use crate::domain::dgnb::{self, DgnbLevel, DgnbPhase, DgnbRecord};
use crate::domain::plausibility::{self, Implausible};
use crate::domain::{LandUse, PlotStatus};
use crate::http::AppState;
use crate::{Error, Result};

/// The kinds of value a writable property takes.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Number { min: f64, max: f64 },
    Integer { min: i64, max: i64 },
    Enum(&'static [&'static str]),
    Date,
    Uuid,
}

/// A writable property: name, kind, required.
type Field = (&'static str, Kind, bool);

const LAND_USES: &[&str] = &[
    "residential",
    "office",
    "life_science",
    "production",
    "retail_service",
    "mixed",
    "public_institution",
    "green_recreational",
    "infrastructure",
];
const STATUSES: &[&str] = &[
    "planned",
    "available",
    "reserved",
    "sold",
    "under_construction",
    "built",
    "withdrawn",
];
const LEVELS: &[&str] = &["silver", "gold", "platinum"];
const NON_NEGATIVE: Kind = Kind::Number {
    min: 0.0,
    max: f64::MAX,
};

const PLOT_FIELDS: &[Field] = &[
    ("reference", Kind::Text, true),
    ("area", Kind::Text, true),
    ("land_use", Kind::Enum(LAND_USES), true),
    ("status", Kind::Enum(STATUSES), true),
    ("max_plot_ratio_pct", NON_NEGATIVE, false),
    (
        "max_height_m",
        Kind::Number {
            min: 0.1,
            max: 1_000.0,
        },
        false,
    ),
    ("lokalplan", Kind::Text, false),
    ("matrikelnummer", Kind::Text, false),
    ("ejerlav", Kind::Text, false),
    (
        "planned_homes",
        Kind::Integer {
            min: 0,
            max: 1_000_000,
        },
        false,
    ),
    (
        "planned_jobs",
        Kind::Integer {
            min: 0,
            max: 1_000_000,
        },
        false,
    ),
    ("accuracy", Kind::Text, false),
    ("negotiation_notes", Kind::Text, false),
    ("counterparty", Kind::Text, false),
    ("asking_price_dkk", NON_NEGATIVE, false),
];

const BUILDING_FIELDS: &[Field] = &[
    ("reference", Kind::Text, true),
    ("plot", Kind::Text, true),
    ("name", Kind::Text, false),
    ("bbr_id", Kind::Uuid, false),
    ("storeys", Kind::Integer { min: 1, max: 100 }, false),
    ("floor_area_residential_m2", NON_NEGATIVE, false),
    ("floor_area_office_m2", NON_NEGATIVE, false),
    ("floor_area_laboratory_m2", NON_NEGATIVE, false),
    ("floor_area_retail_m2", NON_NEGATIVE, false),
    ("floor_area_other_m2", NON_NEGATIVE, false),
    (
        "construction_status",
        Kind::Enum(&["projected", "under_construction", "completed"]),
        false,
    ),
    ("accuracy", Kind::Text, false),
    (
        "dgnb_scheme",
        Kind::Enum(&["new_construction", "renovation", "in_use"]),
        false,
    ),
    ("dgnb_manual_version", Kind::Text, false),
    (
        "dgnb_phase",
        Kind::Enum(&["none", "pre_certificate", "certificate", "in_use"]),
        false,
    ),
    ("dgnb_target_level", Kind::Enum(LEVELS), false),
    ("dgnb_achieved_level", Kind::Enum(LEVELS), false),
    (
        "dgnb_total_score_pct",
        Kind::Number {
            min: 0.0,
            max: 100.0,
        },
        false,
    ),
    ("dgnb_certificate_id", Kind::Text, false),
    ("dgnb_issued_on", Kind::Date, false),
    ("dgnb_valid_until", Kind::Date, false),
];

/// Which collection a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Plots,
    Buildings,
}

impl Target {
    fn of(collection: &str) -> Result<Target> {
        match collection {
            "plots" => Ok(Target::Plots),
            "buildings" => Ok(Target::Buildings),
            other if collections::find(other).is_some() => Err(Error::client(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{other} are read-only here: plots and buildings can be edited"),
            )),
            other => Err(Error::NotFound {
                what: "collection",
                id: other.to_owned(),
            }),
        }
    }

    fn fields(self) -> &'static [Field] {
        match self {
            Target::Plots => PLOT_FIELDS,
            Target::Buildings => BUILDING_FIELDS,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Target::Plots => "plots",
            Target::Buildings => "buildings",
        }
    }

    fn geometry_column(self) -> &'static str {
        match self {
            Target::Plots => "boundary",
            Target::Buildings => "footprint",
        }
    }

    fn collection(self) -> &'static str {
        self.table()
    }
}

/// Properties the server derives: accepted in a body (tools send back what they read) and
/// ignored.
fn read_only(name: &str) -> bool {
    let derived = [
        "plot_area_m2",
        "plot_area_ha",
        "building_ids",
        "building_count",
        "floor_area_m2",
        "plot_ratio_pct",
        "best_dgnb_level",
        "silver_buildings",
        "gold_buildings",
        "platinum_buildings",
        "updated_at",
        "distance_method",
        "within_600m_of_station",
        "plot_id",
        "area",
        "footprint_area_m2",
    ];
    derived.contains(&name) || name.starts_with("nearest_")
}

/// Checks every property of a body against the writable fields: unknown names, wrong types,
/// values out of range and missing required fields are 422 naming the field.
fn validate_properties(target: Target, props: &Map<String, Value>) -> Result<Map<String, Value>> {
    let fields = target.fields();
    for name in props.keys() {
        let writable = fields.iter().any(|(n, _, _)| n == name);
        let ignored = read_only(name) && !(target == Target::Plots && name == "area");
        if !writable && !ignored {
            return Err(Error::unprocessable(
                name,
                format!(
                    "`{name}` is not a property of {}; writable: {}",
                    target.collection(),
                    fields.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    let mut out = Map::new();
    for &(name, kind, required) in fields {
        let value = props.get(name).cloned().unwrap_or(Value::Null);
        if value.is_null() {
            if required {
                return Err(Error::unprocessable(name, format!("`{name}` is required")));
            }
            out.insert(name.to_owned(), Value::Null);
            continue;
        }
        let wrong = |what: String| Error::unprocessable(name, format!("`{name}`: {what}"));
        match kind {
            Kind::Text => {
                let s = value
                    .as_str()
                    .ok_or_else(|| wrong(format!("expected text, got {value}")))?;
                if s.trim().is_empty() && required {
                    return Err(wrong("must not be empty".into()));
                }
            }
            Kind::Uuid => {
                let s = value
                    .as_str()
                    .ok_or_else(|| wrong(format!("expected a UUID, got {value}")))?;
                let hex: String = s.chars().filter(|c| *c != '-').collect();
                if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(wrong(format!("`{s}` is not a UUID")));
                }
            }
            Kind::Number { min, max } => {
                let n = value
                    .as_f64()
                    .ok_or_else(|| wrong(format!("expected a number, got {value}")))?;
                if !(min..=max).contains(&n) {
                    return Err(wrong(format!("{n} is outside {min}..{max}")));
                }
            }
            Kind::Integer { min, max } => {
                let n = value
                    .as_i64()
                    .ok_or_else(|| wrong(format!("expected a whole number, got {value}")))?;
                if !(min..=max).contains(&n) {
                    return Err(wrong(format!("{n} is outside {min}..{max}")));
                }
            }
            Kind::Enum(allowed) => {
                let s = value.as_str().unwrap_or_default();
                if !allowed.contains(&s) {
                    return Err(Error::unprocessable(
                        name,
                        format!(
                            "`{name}` must be one of {}, not {value}",
                            allowed.join(", ")
                        ),
                    )
                    .with_details(json!({ "allowed": allowed })));
                }
            }
            Kind::Date => {
                let s = value.as_str().unwrap_or_default();
                if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() {
                    return Err(wrong(format!("{value} is not a date like 2025-06-30")));
                }
            }
        }
        out.insert(name.to_owned(), value);
    }
    // Enums parse in the domain types, so the rules below can use them.
    if target == Target::Plots {
        debug_assert!(out["land_use"].as_str().and_then(LandUse::parse).is_some());
    }
    if target == Target::Buildings {
        let text = |n: &str| out.get(n).and_then(Value::as_str);
        let record = DgnbRecord::from_properties(&out);
        if let Some(v) = dgnb::check_record(&record).into_iter().next() {
            return Err(Error::unprocessable(v.field, v.message));
        }
        if let (Some(issued), Some(until)) = (text("dgnb_issued_on"), text("dgnb_valid_until")) {
            if until < issued {
                return Err(Error::unprocessable(
                    "dgnb_valid_until",
                    "the certificate ends before it was issued",
                ));
            }
        }
    }
    Ok(out)
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

/// Checks a polygon's positions for plausibility in Denmark, turns EPSG:4326 lat/lon into x/y,
/// and returns the GeoJSON text and SRID for PostGIS.
fn polygon_input(geometry: &Value, crs: Crs, field: &str) -> Result<(String, i32)> {
    if geometry["type"] != "Polygon" {
        return Err(Error::unprocessable(
            field,
            format!("the geometry must be a Polygon, not {}", geometry["type"]),
        ));
    }
    let mut geometry = geometry.clone();
    let rings = geometry["coordinates"]
        .as_array_mut()
        .ok_or_else(|| Error::unprocessable(field, "the Polygon has no coordinates array"))?;
    let mut positions = Vec::new();
    for (r, ring) in rings.iter_mut().enumerate() {
        let ring = ring
            .as_array_mut()
            .ok_or_else(|| Error::unprocessable(field, format!("ring {r} is not an array")))?;
        if ring.len() < 4 {
            return Err(Error::unprocessable(
                field,
                format!(
                    "ring {r} has {} positions; a ring needs at least 4",
                    ring.len()
                ),
            ));
        }
        for (i, p) in ring.iter_mut().enumerate() {
            let pair = p
                .as_array()
                .filter(|a| a.len() >= 2)
                .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)))
                .ok_or_else(|| {
                    Error::unprocessable(field, format!("position {i} of ring {r} is not [x, y]"))
                })?;
            let (x, y) = if crs.lat_lon() {
                (pair.1, pair.0)
            } else {
                pair
            };
            *p = json!([x, y]);
            positions.push((x, y, r, i));
        }
    }
    let xy: Vec<(f64, f64)> = positions.iter().map(|p| (p.0, p.1)).collect();
    match plausibility::check(&xy, crs.srid() == 4326) {
        Ok(()) => {}
        Err(Implausible::Swapped { index }) => {
            let (x, y, r, i) = positions[index];
            return Err(Error::unprocessable(field, format!("position {i} of ring {r} ({x}, {y}) lies outside Denmark but inside it with its numbers swapped: GeoJSON is longitude first"))
                .with_details(json!({ "location": [x, y] })));
        }
        Err(Implausible::Outside { index }) => {
            let (x, y, r, i) = positions[index];
            return Err(Error::unprocessable(
                field,
                format!(
                    "position {i} of ring {r} ({x}, {y}) lies outside Denmark ({})",
                    crs.uri()
                ),
            )
            .with_details(json!({ "location": [x, y] })));
        }
    }
    Ok((geometry.to_string(), crs.srid()))
}

/// PostGIS's reading of a client geometry: EWKB (EPSG:25832), valid, reason, lon, lat.
type GeometryCheck = (Vec<u8>, bool, Option<String>, Option<f64>, Option<f64>);

/// The outline in EPSG:25832 as EWKB, or 422 with PostGIS's reason and the place (CRS84).
async fn input_geometry(tx: &mut PgConnection, geojson: &str, srid: i32) -> Result<Vec<u8>> {
    let row: Option<GeometryCheck> =
        sqlx::query_as(include_str!("../db/sql/edit_input_geometry.sql"))
            .bind(geojson)
            .bind(srid)
            .fetch_optional(&mut *tx)
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

/// The ETag of a feature's current state: a hash of its public GeoJSON (CRS84) and, for
/// plots, of when its internal fields last changed (not of their values, which the public
/// must not be able to guess at through the tag).
pub async fn feature_etag(
    conn: &mut PgConnection,
    collection: &str,
    id: i64,
) -> Result<Option<String>> {
    let Some(c) = collections::find(collection) else {
        return Ok(None);
    };
    let feature: Option<String> = sqlx::query_scalar(&crate::schema::sql::feature_by_id(
        c,
        crate::schema::Role::Public,
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(feature) = feature else {
        return Ok(None);
    };
    let internal: Option<chrono::DateTime<chrono::Utc>> = if collection == "plots" {
        sqlx::query_scalar("SELECT updated_at FROM plot_internal WHERE plot_id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
    } else {
        None
    };
    let digest = crate::auth::sha256_hex(&format!("{feature}|{internal:?}"));
    Ok(Some(format!("\"{}\"", &digest[..32])))
}

/// Whether an ETag a client holds names the current state (also in another CRS or format:
/// those tags carry a suffix after the hash).
pub fn etag_matches(held: &str, current: &str) -> bool {
    let base = |t: &str| {
        t.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .split('-')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    held.split(',')
        .any(|t| t.trim() == "*" || base(t) == base(current))
}

fn reason(headers: &HeaderMap, body: &Value) -> Option<String> {
    headers
        .get("x-change-reason")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            body.get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
}

fn parse_body(body: &Bytes) -> Result<Value> {
    let value = crate::http::json_body(body)?;
    if value["type"] != "Feature" {
        return Err(Error::unprocessable(
            "type",
            "the body must be a GeoJSON Feature",
        ));
    }
    Ok(value)
}

/// Locks a feature's row for the rest of the transaction; 404 when it does not exist.
async fn lock(tx: &mut PgConnection, target: Target, id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM {} WHERE id = $1 FOR UPDATE",
        target.table()
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    found.map(|_| ()).ok_or_else(|| Error::NotFound {
        what: "feature",
        id: format!("{}/{id}", target.collection()),
    })
}

/// 428 without If-Match, 412 when it is not the current ETag.
async fn check_if_match(
    tx: &mut PgConnection,
    headers: &HeaderMap,
    target: Target,
    id: i64,
) -> Result<()> {
    let held = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::client(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "send If-Match with the feature's ETag (GET it first)",
            )
        })?;
    let current = feature_etag(tx, target.collection(), id)
        .await?
        .unwrap_or_default();
    if !etag_matches(held, &current) {
        return Err(Error::client(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "the feature has changed since you read it: reload it and apply your change again",
        )
        .with_details(json!({ "etag": current })));
    }
    Ok(())
}

/// The feature's writable properties and geometry as stored (for PATCH).
async fn current(tx: &mut PgConnection, target: Target, id: i64) -> Result<Map<String, Value>> {
    let c = crate::schema::find(target.collection()).expect("plots and buildings are described");
    let props: Value = sqlx::query_scalar(&crate::schema::sql::properties_by_id(
        c,
        crate::schema::Role::Planner,
    ))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let mut out = Map::new();
    for (name, _, _) in target.fields() {
        out.insert(
            (*name).to_owned(),
            props.get(*name).cloned().unwrap_or(Value::Null),
        );
    }
    if target == Target::Buildings {
        // `dgnb_phase` reads `none` without a record; keep it so.
        out.entry("dgnb_phase").or_insert(Value::Null);
    }
    Ok(out)
}

/// What is saved: validated properties and the outline (EWKB, EPSG:25832).
async fn save(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    target: Target,
    id: Option<i64>,
    props: &Map<String, Value>,
    ewkb: &[u8],
) -> Result<i64> {
    let text = |n: &str| {
        props
            .get(n)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match target {
        Target::Plots => {
            let area: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT id, target_dgnb_level FROM areas WHERE slug = $1")
                    .bind(text("area"))
                    .fetch_optional(&mut **tx)
                    .await?;
            let (area_id, _) = area.ok_or_else(|| {
                Error::unprocessable("area", format!("there is no area `{}`", text("area")))
            })?;
            if !caller.may_edit_area(area_id) {
                return Err(Error::client(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("{} may not edit plots in {}", caller.username, text("area")),
                ));
            }
            let problems: Vec<(String, String, Option<String>)> =
                sqlx::query_as(include_str!("../db/sql/edit_plot_problems.sql"))
                    .bind(ewkb)
                    .bind(area_id)
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
            if let Some((_, message, _)) = problems.first() {
                let others: Vec<&String> = problems.iter().filter_map(|p| p.2.as_ref()).collect();
                return Err(
                    Error::unprocessable("geometry", message.clone()).with_details(json!({
                        "problems": problems.iter().map(|p| &p.1).collect::<Vec<_>>(),
                        "overlapping": others,
                    })),
                );
            }
        }
        Target::Buildings => {
            let plot: Option<(i64, Option<String>)> = sqlx::query_as(
                "SELECT p.area_id, a.target_dgnb_level FROM plots p JOIN areas a ON a.id = p.area_id WHERE p.reference = $1",
            )
            .bind(text("plot"))
            .fetch_optional(&mut **tx)
            .await?;
            let (area_id, area_target) = plot.ok_or_else(|| {
                Error::unprocessable("plot", format!("there is no plot `{}`", text("plot")))
            })?;
            if !caller.may_edit_area(area_id) {
                return Err(Error::client(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("{} may not edit buildings in that area", caller.username),
                ));
            }
            let record = DgnbRecord {
                phase: DgnbPhase::parse(&text("dgnb_phase")).unwrap_or(DgnbPhase::None),
                target_level: DgnbLevel::parse(&text("dgnb_target_level")),
                achieved_level: DgnbLevel::parse(&text("dgnb_achieved_level")),
                total_score_pct: props.get("dgnb_total_score_pct").and_then(Value::as_f64),
            };
            if let Some(v) =
                dgnb::check_area_target(&record, area_target.as_deref().and_then(DgnbLevel::parse))
                    .into_iter()
                    .next()
            {
                return Err(Error::unprocessable(v.field, v.message));
            }
            let plot_id: i64 = sqlx::query_scalar("SELECT id FROM plots WHERE reference = $1")
                .bind(text("plot"))
                .fetch_one(&mut **tx)
                .await?;
            let problems: Vec<(String, String, Option<String>)> =
                sqlx::query_as(include_str!("../db/sql/edit_building_problems.sql"))
                    .bind(ewkb)
                    .bind(plot_id)
                    .fetch_all(&mut **tx)
                    .await?;
            if let Some((_, message, _)) = problems.first() {
                return Err(Error::unprocessable("geometry", message.clone()));
            }
        }
    }
    let sql = match target {
        Target::Plots => include_str!("../db/sql/edit_plot_save.sql"),
        Target::Buildings => include_str!("../db/sql/edit_building_save.sql"),
    };
    let saved: Option<i64> = sqlx::query_scalar(sql)
        .bind(Value::Object(props.clone()))
        .bind(ewkb)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::client(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "another {} has the reference `{}`",
                    target.collection().trim_end_matches('s'),
                    text("reference")
                ),
            )
            .with_details(json!({ "field": "reference" })),
            sqlx::Error::Database(d) if d.is_check_violation() => Error::unprocessable(
                d.constraint().unwrap_or("value"),
                format!("the database refused a value: {}", d.message()),
            ),
            other => Error::from(other),
        })?;
    saved.ok_or_else(|| Error::Internal("the save returned no row".into()))
}

/// The status rule: 409 with the allowed next statuses.
fn check_transition(from: &str, to: &str) -> Result<()> {
    let (Some(from), Some(to)) = (PlotStatus::parse(from), PlotStatus::parse(to)) else {
        return Ok(());
    };
    if from.may_become(to) {
        return Ok(());
    }
    let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
    Err(Error::client(
        StatusCode::CONFLICT,
        "illegal_transition",
        format!(
            "a plot cannot go from {} to {}; from {} it may become: {}",
            from.as_str(),
            to.as_str(),
            from.as_str(),
            if allowed.is_empty() {
                "nothing (final)".to_owned()
            } else {
                allowed.join(", ")
            }
        ),
    )
    .with_details(json!({ "field": "status", "from": from.as_str(), "allowed": allowed })))
}

/// After the commit: 201/200 with the feature, its ETag and (for a new one) its Location.
async fn saved_response(
    state: &AppState,
    headers: &HeaderMap,
    target: Target,
    id: i64,
    status: StatusCode,
    etag: String,
) -> Result<Response> {
    let feature = crate::db::features::get(
        &state.pool,
        crate::schema::find(target.collection()).expect("plots and buildings are described"),
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

async fn begin<'a>(
    state: &'a AppState,
    caller: &Caller,
    reason: &str,
) -> Result<Transaction<'a, Postgres>> {
    let mut tx = state.pool.begin().await?;
    set_change_context(&mut tx, &caller.username, reason).await?;
    Ok(tx)
}

/// `POST /collections/{id}/items`.
pub(super) async fn create(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    Editor(caller): Editor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let target = Target::of(&collection)?;
    let body = parse_body(&body)?;
    let crs = content_crs(&headers)?;
    let props = validate_properties(
        target,
        body["properties"].as_object().unwrap_or(&Map::new()),
    )?;
    let (geojson, srid) = polygon_input(&body["geometry"], crs, "geometry")?;
    let why = reason(&headers, &body).unwrap_or_else(|| format!("created by {}", caller.username));
    let mut tx = begin(&state, &caller, &why).await?;
    let ewkb = input_geometry(&mut tx, &geojson, srid).await?;
    let id = save(&mut tx, &caller, target, None, &props, &ewkb).await?;
    let etag = feature_etag(&mut tx, target.collection(), id)
        .await?
        .unwrap_or_default();
    tx.commit().await?;
    saved_response(&state, &headers, target, id, StatusCode::CREATED, etag).await
}

/// A feature's id from the path: the number, or the reference (`KD-03`).
async fn feature_id(state: &AppState, target: Target, fid: &str) -> Result<i64> {
    if let Ok(n) = fid.parse() {
        return Ok(n);
    }
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM {} WHERE reference = $1",
        target.table()
    ))
    .bind(fid)
    .fetch_optional(&state.pool)
    .await?;
    found.ok_or_else(|| Error::NotFound {
        what: "feature",
        id: fid.to_owned(),
    })
}

/// PUT and PATCH: the new properties and geometry (or the stored geometry when a patch has
/// none), validated and saved under the row lock after the If-Match check.
async fn replace(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    target: Target,
    id: i64,
    body: Value,
    patch: bool,
) -> Result<Response> {
    let mut tx = state.pool.begin().await?;
    lock(&mut tx, target, id).await?;
    check_if_match(&mut tx, headers, target, id).await?;
    let before = current(&mut tx, target, id).await?;
    let mut merged_props = before.clone();
    let new_props = body.get("properties").cloned().unwrap_or(Value::Null);
    if patch {
        // A patch without properties leaves them as they are (a null patch would erase them).
        if new_props.is_object() {
            let mut doc = Value::Object(merged_props);
            json_patch::merge(&mut doc, &new_props);
            merged_props = doc.as_object().cloned().unwrap_or_default();
        } else if !new_props.is_null() {
            return Err(Error::unprocessable(
                "properties",
                "`properties` must be an object",
            ));
        }
    } else {
        merged_props = new_props.as_object().cloned().unwrap_or_default();
    }
    let props = validate_properties(target, &merged_props)?;
    if target == Target::Plots {
        let from = before["status"].as_str().unwrap_or_default();
        let to = props["status"].as_str().unwrap_or_default();
        check_transition(from, to)?;
        if from != to && reason(headers, &body).is_none() {
            return Err(Error::unprocessable("reason", "a status change needs a reason: send it in the X-Change-Reason header or a top-level `reason`"));
        }
        // A planner must be allowed in the area the plot leaves, too.
        let old_area: i64 = sqlx::query_scalar("SELECT area_id FROM plots WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if !caller.may_edit_area(old_area) {
            return Err(Error::client(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("{} may not edit this plot's area", caller.username),
            ));
        }
    }
    let why = reason(headers, &body).unwrap_or_else(|| format!("edited by {}", caller.username));
    set_change_context(&mut tx, &caller.username, &why).await?;
    let geometry = body.get("geometry").filter(|g| !g.is_null());
    let ewkb = match geometry {
        Some(g) => {
            let (geojson, srid) = polygon_input(g, content_crs(headers)?, "geometry")?;
            input_geometry(&mut tx, &geojson, srid).await?
        }
        None if patch => {
            sqlx::query_scalar(&format!(
                "SELECT ST_AsEWKB({}) FROM {} WHERE id = $1",
                target.geometry_column(),
                target.table()
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
        }
        None => {
            return Err(Error::unprocessable(
                "geometry",
                "PUT replaces the whole feature: send its geometry",
            ))
        }
    };
    save(&mut tx, caller, target, Some(id), &props, &ewkb).await?;
    let etag = feature_etag(&mut tx, target.collection(), id)
        .await?
        .unwrap_or_default();
    tx.commit().await?;
    saved_response(state, headers, target, id, StatusCode::OK, etag).await
}

/// `PUT /collections/{id}/items/{featureId}`.
pub(super) async fn put(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    Editor(caller): Editor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let target = Target::of(&collection)?;
    let body = parse_body(&body)?;
    replace(
        &state,
        &caller,
        &headers,
        target,
        feature_id(&state, target, &fid).await?,
        body,
        false,
    )
    .await
}

/// `PATCH /collections/{id}/items/{featureId}` with a JSON merge patch of the Feature.
pub(super) async fn patch(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    Editor(caller): Editor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let target = Target::of(&collection)?;
    let body = crate::http::json_body(&body)?;
    if !body.is_object() {
        return Err(Error::unprocessable(
            "body",
            "a merge patch is a JSON object such as {\"properties\": {\"status\": \"reserved\"}}",
        ));
    }
    replace(
        &state,
        &caller,
        &headers,
        target,
        feature_id(&state, target, &fid).await?,
        body,
        true,
    )
    .await
}

/// `DELETE /collections/{id}/items/{featureId}`: gone from the collection, kept in the history.
pub(super) async fn delete(
    State(state): State<AppState>,
    Path((collection, fid)): Path<(String, String)>,
    Editor(caller): Editor,
    headers: HeaderMap,
) -> Result<Response> {
    let target = Target::of(&collection)?;
    let id = feature_id(&state, target, &fid).await?;
    let why = reason(&headers, &Value::Null).ok_or_else(|| {
        Error::unprocessable(
            "reason",
            "a deletion needs a reason in the X-Change-Reason header",
        )
    })?;
    let mut tx = begin(&state, &caller, &why).await?;
    lock(&mut tx, target, id).await?;
    check_if_match(&mut tx, &headers, target, id).await?;
    let area_id: i64 = match target {
        Target::Plots => sqlx::query_scalar("SELECT area_id FROM plots WHERE id = $1"),
        Target::Buildings => sqlx::query_scalar(
            "SELECT p.area_id FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE b.id = $1",
        ),
    }
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if !caller.may_edit_area(area_id) {
        return Err(Error::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("{} may not edit this area", caller.username),
        ));
    }
    if target == Target::Plots {
        let buildings: i64 =
            sqlx::query_scalar("SELECT count(*) FROM buildings WHERE plot_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if buildings > 0 {
            return Err(Error::client(
                StatusCode::CONFLICT,
                "conflict",
                format!("the plot has {buildings} building(s): delete or move them first"),
            ));
        }
    }
    sqlx::query(&format!("DELETE FROM {} WHERE id = $1", target.table()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_across_representations() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"abc-25832\"", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
    }

    #[test]
    fn properties_are_checked_by_name_type_and_range() {
        let ok = json!({ "reference": "KD-99", "area": "kildedal", "land_use": "office", "status": "planned",
                          "plot_area_m2": 5.0, "nearest_station": "x" });
        let out = validate_properties(Target::Plots, ok.as_object().unwrap()).unwrap();
        assert_eq!(out["reference"], "KD-99");
        assert!(
            !out.contains_key("plot_area_m2"),
            "derived values are ignored"
        );

        let unknown = json!({ "reference": "KD-99", "area": "kildedal", "land_use": "office", "status": "planned", "colour": "red" });
        let err = validate_properties(Target::Plots, unknown.as_object().unwrap()).unwrap_err();
        assert!(err.to_string().contains("`colour`"));

        let bad_enum = json!({ "reference": "KD-99", "area": "kildedal", "land_use": "offfice", "status": "planned" });
        assert!(
            validate_properties(Target::Plots, bad_enum.as_object().unwrap())
                .unwrap_err()
                .to_string()
                .contains("one of")
        );

        let gold_too_low = json!({ "reference": "B", "plot": "KD-01", "dgnb_phase": "certificate",
                                   "dgnb_achieved_level": "gold", "dgnb_total_score_pct": 60.0 });
        let err =
            validate_properties(Target::Buildings, gold_too_low.as_object().unwrap()).unwrap_err();
        assert!(err.to_string().contains("gives silver"), "{err}");
    }

    #[test]
    fn swapped_coordinates_are_caught() {
        let swapped = json!({ "type": "Polygon", "coordinates": [[[55.75, 12.28], [55.75, 12.29], [55.76, 12.29], [55.75, 12.28]]] });
        let err = polygon_input(&swapped, Crs::Crs84, "geometry").unwrap_err();
        assert!(err.to_string().contains("swapped"), "{err}");
        // The same positions are right in EPSG:4326, which is latitude first.
        assert!(polygon_input(&swapped, Crs::Epsg4326, "geometry").is_ok());
    }
}
