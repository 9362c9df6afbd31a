//! Fetching the facts for the area figures, in one round trip each.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::PgPool;

use crate::domain::summary::{
    AreaFacts, BuildingFacts, Facts, GoalFacts, MunicipalJobs, PlotFacts,
};
use crate::domain::transit::BRT_STOP_RADIUS_M;
use crate::{Error, Result};

#[allow(clippy::type_complexity)]
type FactsRow = (
    Option<Json<AreaFacts>>,
    Json<Vec<PlotFacts>>,
    Json<Vec<BuildingFacts>>,
    Json<Vec<GoalFacts>>,
    Json<Vec<MunicipalJobs>>,
);

/// The facts of an area as they stood at `as_of` (now when `None`); `None` for an unknown slug.
#[tracing::instrument(skip(pool))]
pub async fn area_facts(
    pool: &PgPool,
    slug: &str,
    as_of: Option<DateTime<Utc>>,
) -> Result<Option<Facts>> {
    let row: FactsRow = sqlx::query_as(include_str!("sql/area_summary_facts.sql"))
        .bind(slug)
        .bind(as_of)
        .bind(BRT_STOP_RADIUS_M)
        .fetch_one(pool)
        .await?;
    let (area, plots, buildings, goals, municipal_jobs) = row;
    Ok(area.map(|Json(area)| Facts {
        area,
        plots: plots.0,
        buildings: buildings.0,
        goals: goals.0,
        municipal_jobs: municipal_jobs.0,
    }))
}

/// When the area's history begins: its earliest recorded change of a plot or building.
pub async fn history_start(pool: &PgPool, slug: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT min(h.changed_at) FROM history h
         JOIN areas a ON a.slug = $1
         WHERE h.entity = 'plot' AND (h.new_row ->> 'area_id')::bigint = a.id",
    )
    .bind(slug)
    .fetch_one(pool)
    .await?)
}

/// One piece of transit near a plot.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NearbyTransit {
    /// `station`, `brt_stop` or `cycle_superhighway`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    /// The BRT line's code, or the cycle superhighway's route.
    pub line: Option<String>,
    /// The BRT line's status.
    pub status: Option<String>,
    /// Straight-line distance from the nearest point of the plot, metres (EPSG:25832).
    pub distance_m: f64,
}

/// The plot's reference and every station, BRT stop and cycle superhighway within
/// `radius_m` metres of it, nearest first; `None` for an unknown plot.
pub async fn plot_proximity(
    pool: &PgPool,
    plot: &str,
    radius_m: f64,
) -> Result<Option<(i64, String, Vec<NearbyTransit>)>> {
    let by_id = plot.parse::<i64>().ok();
    let found: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, reference FROM plots WHERE id = $1 OR ($1 IS NULL AND reference = $2)",
    )
    .bind(by_id)
    .bind(plot)
    .fetch_optional(pool)
    .await?;
    let Some((id, reference)) = found else {
        return Ok(None);
    };
    let nearby = sqlx::query_as(include_str!("sql/plot_proximity.sql"))
        .bind(id)
        .bind(radius_m)
        .fetch_all(pool)
        .await
        .map_err(Error::from)?;
    Ok(Some((id, reference, nearby)))
}
