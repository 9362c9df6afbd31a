//! Area figures: `/areas/{slug}/summary` (JSON or CSV, optionally `as_of` a past date),
//! `/areas/{slug}/timeline`, and `/plots/{id}/proximity`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::gate::SingleFlight;
use super::{param, params, AppState};
use crate::db::analytics::{self, AreaFactsAnswer};
use crate::domain::company::{Cluster, COMPANIES_NEARBY_M};
use crate::domain::goals::Progress;
use crate::domain::summary::{summarise, Summary};
use crate::ogc::{etag, not_modified, set_cache_headers, Format};
use crate::{Error, Result};

/// The most points one timeline answers with. Each point is the area as of a past date,
/// rebuilt from the history; a point after a day without changes reuses the one before.
const MAX_TIMELINE_POINTS: usize = 60;
/// Default and largest radius of `/plots/{id}/proximity`, metres.
const PROXIMITY_RADIUS_M: (f64, f64) = (2_000.0, 10_000.0);

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/areas/{slug}/summary", get(summary))
        .route("/areas/{slug}/timeline", get(timeline))
        .route("/plots/{id}/proximity", get(proximity))
}

/// A point in time: RFC 3339, or a date meaning the end of that day (UTC).
/// A date (its end, UTC) or an RFC 3339 time, within `filter::YEARS`.
fn parse_instant(name: &str, value: &str) -> Result<DateTime<Utc>> {
    crate::filter::parse_time(value, true).map_err(|m| Error::invalid_parameter(name, m))
}

fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or_default())
        .and_utc()
}

fn not_in_future(name: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if t > Utc::now() + chrono::Duration::days(1) {
        return Err(Error::invalid_parameter(
            name,
            format!("{t} is in the future; figures exist up to now"),
        ));
    }
    Ok(t)
}

/// Entries per list of a summary: the default, and the most one may ask for.
const LIST_LIMIT: (usize, usize) = (100, 10_000);
/// Summaries kept at most; beyond this the cache starts afresh.
const CACHE_ENTRIES: usize = 256;

/// The current summary of each area and list length (up to the default length), with the
/// data version it was computed at. A request still asks the database, but while the version is unchanged the database only
/// confirms it, and the summary is not computed again. Summaries of past dates are not kept.
///
/// A changed summary is computed once however many ask for it at the same time: the others
/// wait for that computation (at most `gate::WAIT`) and then find it kept.
#[derive(Default)]
pub struct SummaryCache {
    entries: Mutex<HashMap<SummaryKey, Kept>>,
    flights: SingleFlight,
}

/// An area's slug and the list length.
type SummaryKey = (String, usize);
/// A summary and the data version it was computed at.
type Kept = (i64, Arc<Summary>);

impl SummaryCache {
    fn get(&self, slug: &str, list_limit: usize) -> Option<Kept> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&(slug.to_owned(), list_limit)).cloned()
    }

    fn put(&self, slug: &str, list_limit: usize, version: i64, summary: Arc<Summary>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert((slug.to_owned(), list_limit), (version, summary));
    }
}

/// A summary, and the data version it holds for when it is the current one.
async fn facts_summary(
    state: &AppState,
    slug: &str,
    as_of: Option<DateTime<Utc>>,
    list_limit: usize,
) -> Result<(Arc<Summary>, Option<i64>)> {
    // Only summaries with the default lists or shorter are kept: a few hundred of them are a
    // few megabytes, whatever list lengths clients ask for.
    let keep = as_of.is_none() && list_limit <= LIST_LIMIT.0;
    let _turn = match keep {
        true => Some(
            state
                .summaries
                .flights
                .turn(&format!("{slug}\n{list_limit}"))
                .await?,
        ),
        false => None,
    };
    let cached = keep
        .then(|| state.summaries.get(slug, list_limit))
        .flatten();
    let known = cached.as_ref().map(|(version, _)| *version);
    match analytics::area_facts(&state.pool, slug, as_of, list_limit, known).await? {
        AreaFactsAnswer::Unchanged => {
            let (version, summary) = cached.ok_or_else(|| {
                Error::Internal("the database confirmed a summary not kept".into())
            })?;
            let mut now = (*summary).clone();
            now.as_of = Utc::now();
            Ok((Arc::new(now), Some(version)))
        }
        AreaFactsAnswer::UnknownArea => Err(Error::NotFound {
            what: "area",
            id: slug.to_owned(),
        }),
        AreaFactsAnswer::Facts { version, facts } => {
            state.metrics.summary_computed();
            let summary = Arc::new(summarise(&facts, as_of.unwrap_or_else(Utc::now)));
            if as_of.is_some() {
                return Ok((summary, None));
            }
            if keep {
                state
                    .summaries
                    .put(slug, list_limit, version, Arc::clone(&summary));
            }
            Ok((summary, Some(version)))
        }
    }
}

async fn summary(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let pairs = params(query, &["as_of", "f", "list_limit"])?;
    let as_of = param(&pairs, "as_of")
        .map(|v| parse_instant("as_of", v).and_then(|t| not_in_future("as_of", t)))
        .transpose()?;
    let list_limit = match param(&pairs, "list_limit") {
        None => LIST_LIMIT.0,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= LIST_LIMIT.1)
            .ok_or_else(|| {
                Error::invalid_parameter(
                    "list_limit",
                    format!("`{v}` is not a whole number from 0 to {}", LIST_LIMIT.1),
                )
            })?,
    };
    let csv = match param(&pairs, "f").unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(Error::invalid_parameter(
                "f",
                format!("`{other}` is not a format here: use json or csv"),
            ))
        }
    };
    let _history = match as_of {
        Some(_) => Some(state.history.turn().await?),
        None => None,
    };
    let (summary, version) = facts_summary(&state, &slug, as_of, list_limit).await?;
    // The current summary changes only with the data; `as_of` in the body says when it was
    // read, so the ETag is weak.
    let etag =
        version.map(|v| format!("W/{}", etag(v, &method, &uri.to_string(), Format::Json, "")));
    if let Some(response) = etag.as_deref().and_then(|e| not_modified(&headers, e)) {
        return Ok(response);
    }
    let mut response = if csv {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}-summary.csv\""),
                ),
            ],
            to_csv(&serde_json::to_value(&*summary).map_err(|e| Error::Internal(e.to_string()))?)?,
        )
            .into_response()
    } else {
        Json(&*summary).into_response()
    };
    if let Some(etag) = etag {
        set_cache_headers(response.headers_mut(), &etag);
    }
    Ok(response)
}

/// The summary as CSV with two columns, `figure` and `value`: one row per number or text, its
/// figure a path such as `land_use_mix.by_plot_area.residential.share` (list items are named
/// by their status, use, level, reference, year or metric).
fn to_csv(summary: &Value) -> Result<String> {
    let mut rows = Vec::new();
    flatten(String::new(), summary, &mut rows);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Internal(format!("CSV: {e}"));
    writer.write_record(["figure", "value"]).map_err(io)?;
    for (figure, value) in rows {
        writer.write_record([figure, value]).map_err(io)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

const ITEM_KEYS: [&str; 9] = [
    "status",
    "land_use",
    "use",
    "phase",
    "level",
    "reference",
    "year",
    "metric",
    "scope",
];

fn flatten(prefix: String, value: &Value, rows: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(join(k), v, rows);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = ITEM_KEYS
                    .iter()
                    .filter_map(|k| item.get(k))
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>();
                let name = if name.is_empty() {
                    i.to_string()
                } else {
                    name.join(".")
                };
                flatten(join(&name), item, rows);
            }
        }
        Value::Null => rows.push((prefix, String::new())),
        Value::String(s) => rows.push((prefix, s.clone())),
        other => rows.push((prefix, other.to_string())),
    }
}

/// One point of a timeline: the key figures of the area at the end of `date`.
#[derive(Debug, Clone, Serialize)]
struct TimelinePoint {
    date: NaiveDate,
    plots: usize,
    plots_by_status: serde_json::Map<String, Value>,
    buildings: usize,
    floor_area_m2: f64,
    certified_buildings: usize,
    dgnb_compliant: Option<bool>,
    entropy_index_by_floor_area: Option<f64>,
    homes: Option<Progress>,
    jobs: Option<Progress>,
    /// The new-private-jobs goal in force on the date (the latest whose period had begun).
    new_private_jobs: Option<GoalPoint>,
}

/// A counted goal on a timeline's date.
#[derive(Debug, Clone, Serialize)]
struct GoalPoint {
    achieved: Option<i64>,
    target: i64,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    period_ended: bool,
}

impl TimelinePoint {
    fn of(date: NaiveDate, s: &Summary) -> Self {
        let goal = |metric: &str| {
            s.goals
                .iter()
                .find(|g| g.metric == metric && g.scope == s.area.slug)
                .and_then(|g| g.progress.clone())
        };
        let in_force = s
            .goals
            .iter()
            .filter(|g| g.metric == "new_private_jobs")
            .filter(|g| g.period_start.is_none_or(|start| start <= date))
            .max_by_key(|g| g.period_start)
            .map(|g| GoalPoint {
                achieved: g.achieved,
                target: g.target,
                period_start: g.period_start,
                period_end: g.period_end,
                period_ended: g.period_ended,
            });
        let certified = s
            .dgnb
            .by_level
            .iter()
            .filter(|l| l.level != "none")
            .map(|l| l.buildings)
            .sum();
        TimelinePoint {
            date,
            plots: s.plots.count,
            plots_by_status: s
                .plots
                .by_status
                .iter()
                .map(|r| (r.status.as_str().to_owned(), json!(r.count)))
                .collect(),
            buildings: s.dgnb.buildings,
            floor_area_m2: s.dgnb.floor_area_m2,
            certified_buildings: certified,
            dgnb_compliant: s.dgnb.compliant,
            entropy_index_by_floor_area: s.land_use_mix.entropy_index_by_floor_area,
            homes: goal("homes"),
            jobs: goal("jobs"),
            new_private_jobs: in_force,
        }
    }
}

async fn timeline(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let pairs = params(query, &["from", "to", "interval"])?;
    let date = |name: &str| -> Result<Option<NaiveDate>> {
        param(&pairs, name)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    Error::invalid_parameter(name, format!("`{v}` is not a date like 2025-06-30"))
                })
            })
            .transpose()
    };
    let today = Utc::now().date_naive();
    let to = date("to")?.unwrap_or(today).min(today);
    let from = match date("from")? {
        Some(d) => d,
        None => analytics::history_start(&state.pool, &slug)
            .await?
            .map_or(to, |t| t.date_naive()),
    };
    if from > to {
        return Err(Error::invalid_parameter(
            "from",
            format!("{from} is after {to}"),
        ));
    }
    let interval = param(&pairs, "interval").unwrap_or("month");
    let step = |d: NaiveDate| -> Option<NaiveDate> {
        match interval {
            "day" => d.checked_add_days(Days::new(1)),
            "week" => d.checked_add_days(Days::new(7)),
            "month" => d.checked_add_months(Months::new(1)),
            "year" => d.checked_add_months(Months::new(12)),
            _ => None,
        }
    };
    if step(from).is_none() {
        return Err(Error::invalid_parameter(
            "interval",
            format!("`{interval}` is not one of day, week, month, year"),
        ));
    }
    let mut dates = vec![from];
    while let Some(next) = step(*dates.last().unwrap_or(&from)).filter(|d| *d <= to) {
        if dates.len() == MAX_TIMELINE_POINTS {
            return Err(Error::invalid_parameter(
                "interval",
                format!("more than {MAX_TIMELINE_POINTS} points from {from} to {to}: choose a longer interval"),
            ));
        }
        dates.push(next);
    }
    if dates.last() != Some(&to) {
        dates.push(to);
    }
    let _history = state.history.turn().await?;
    // A point is rebuilt only when something was recorded, or a date in the data came round,
    // since the one before.
    let changed = analytics::change_days(&state.pool, end_of_day(from), end_of_day(to)).await?;
    let mut points: Vec<TimelinePoint> = Vec::with_capacity(dates.len());
    let mut previous: Option<NaiveDate> = None;
    // Planned homes and jobs by target year against those delivered, as of the last date.
    let mut targets_by_year = Vec::new();
    for d in dates {
        let unchanged = previous.is_some_and(|p| !changed.iter().any(|c| *c > p && *c <= d));
        let point = match (unchanged, points.last()) {
            (true, Some(last)) => TimelinePoint {
                date: d,
                ..last.clone()
            },
            _ => {
                // Lists are not part of a timeline point.
                let (s, _) = facts_summary(&state, &slug, Some(end_of_day(d)), 0).await?;
                targets_by_year.clone_from(&s.targets_by_year);
                TimelinePoint::of(d, &s)
            }
        };
        points.push(point);
        previous = Some(d);
    }
    Ok(Json(json!({
        "area": slug,
        "interval": interval,
        "points": points,
        "targets_by_year": targets_by_year,
    }))
    .into_response())
}

async fn proximity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let pairs = params(query, &["radius_m"])?;
    let radius_m = match param(&pairs, "radius_m") {
        None => PROXIMITY_RADIUS_M.0,
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r >= 0.0 && *r <= PROXIMITY_RADIUS_M.1)
            .ok_or_else(|| {
                Error::invalid_parameter(
                    "radius_m",
                    format!(
                        "`{v}` is not a distance in metres from 0 to {}",
                        PROXIMITY_RADIUS_M.1
                    ),
                )
            })?,
    };
    let (plot_id, reference, nearby) = analytics::plot_proximity(&state.pool, &id, radius_m)
        .await?
        .ok_or(Error::NotFound { what: "plot", id })?;
    let clusters = Cluster::ALL.map(Cluster::as_str);
    let companies =
        analytics::companies_near_plot(&state.pool, plot_id, COMPANIES_NEARBY_M, &clusters).await?;
    Ok(Json(json!({
        "plot_id": plot_id,
        "reference": reference,
        "radius_m": radius_m,
        "distance_method": crate::domain::summary::DISTANCE_METHOD,
        "transit": nearby,
        "companies_radius_m": COMPANIES_NEARBY_M,
        "companies_within_1km": companies,
    }))
    .into_response())
}
