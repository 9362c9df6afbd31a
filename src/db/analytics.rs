//! Fetching the facts for the area figures, in one round trip each.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::PgPool;

use crate::domain::summary::{
    failing_combinations, uncertified_combinations, AreaFacts, BuildingGroup, ClusterFacts,
    CompanyFacts, Facts, GoalFacts, LargeOffice, ListedBuilding, PlotGroup, PlotRatioFacts,
    StageRow, TargetYearRow, YearRow,
};
use crate::domain::transit::{
    BRT_STOP_RADIUS_M, CYCLE_SUPERHIGHWAY_RADIUS_M, LARGE_OFFICE_FLOOR_AREA_M2,
    STATION_NEAR_RADIUS_M,
};
use crate::{Error, Result};

/// `sql/area_summary_facts.sql` over the live tables, and over the rows as they stood at `$2`.
static FACTS_NOW: LazyLock<String> = LazyLock::new(|| facts_query(false));
static FACTS_AS_OF: LazyLock<String> = LazyLock::new(|| facts_query(true));
/// The DGNB combinations the query looks buildings up by (`$8`, `$9`): the same every time.
static FAILING: LazyLock<Vec<String>> = LazyLock::new(failing_combinations);
static UNCERTIFIED: LazyLock<Vec<String>> = LazyLock::new(uncertified_combinations);

/// The facts query over the live tables, or (`as_of`) over the history; its parameters are
/// those [`area_facts`] binds.
pub fn facts_query(as_of: bool) -> String {
    let words: [(&str, &str); 7] = if as_of {
        [
            ("{plots}", "plots_as_of($2)"),
            ("{buildings}", "buildings_as_of($2)"),
            ("{dgnb_records}", "dgnb_records_as_of($2)"),
            ("{companies}", "companies_as_of($2)"),
            ("{company_internal}", "company_internal_as_of($2)"),
            ("{materialized}", "MATERIALIZED"),
            ("{buildings_near_stops}", "b"),
        ]
    } else {
        [
            ("{plots}", "plots"),
            ("{buildings}", "buildings"),
            ("{dgnb_records}", "dgnb_records"),
            ("{companies}", "companies"),
            ("{company_internal}", "company_internal"),
            ("{materialized}", "NOT MATERIALIZED"),
            ("{buildings_near_stops}", "buildings"),
        ]
    };
    words.into_iter().fold(
        include_str!("sql/area_summary_facts.sql").to_owned(),
        |sql, (word, by)| sql.replace(word, by),
    )
}

/// One row of `sql/area_summary_facts.sql`: every column but `version` is NULL when the caller
/// already had the summary of this data version.
#[derive(sqlx::FromRow)]
struct FactsRow {
    version: i64,
    area: Option<Json<AreaFacts>>,
    plot_groups: Option<Json<Vec<PlotGroup>>>,
    building_groups: Option<Json<Vec<BuildingGroup>>>,
    certificates_by_year: Option<Json<Vec<YearRow>>>,
    plot_ratios: Option<Json<Vec<PlotRatioFacts>>>,
    over_max: Option<Json<Vec<PlotRatioFacts>>>,
    over_max_count: Option<i64>,
    failing: Option<Json<Vec<ListedBuilding>>>,
    uncertified: Option<Json<Vec<ListedBuilding>>>,
    large_offices: Option<Json<Vec<LargeOffice>>>,
    large_offices_count: Option<i64>,
    offices_outside_rule: Option<Json<Vec<LargeOffice>>>,
    offices_outside_rule_count: Option<i64>,
    goals: Option<Json<Vec<GoalFacts>>>,
    companies: Option<Json<Vec<CompanyFacts>>>,
    clusters: Option<Json<Vec<ClusterFacts>>>,
    targets_by_year: Option<Json<Vec<TargetYearRow>>>,
    stages: Option<Json<Vec<StageRow>>>,
}

/// What [`area_facts`] found.
#[derive(Debug)]
pub enum AreaFactsAnswer {
    /// No area has this slug.
    UnknownArea,
    /// The data is still at the version the caller named.
    Unchanged,
    /// The facts, read at data version `version`.
    Facts { version: i64, facts: Box<Facts> },
}

fn list<T>(l: Option<Json<Vec<T>>>) -> Vec<T> {
    l.map(|Json(l)| l).unwrap_or_default()
}

fn count(n: Option<i64>) -> usize {
    n.and_then(|n| usize::try_from(n).ok()).unwrap_or(0)
}

/// The facts of an area as they stood at `as_of` (now when `None`), with at most `list_limit`
/// entries per list, in one round trip. With `known_version` set, and the data unchanged
/// since, the database only answers that it is unchanged.
#[tracing::instrument(skip(pool))]
pub async fn area_facts(
    pool: &PgPool,
    slug: &str,
    as_of: Option<DateTime<Utc>>,
    list_limit: usize,
    known_version: Option<i64>,
) -> Result<AreaFactsAnswer> {
    let sql = if as_of.is_some() {
        &FACTS_AS_OF
    } else {
        &FACTS_NOW
    };
    let row: FactsRow = sqlx::query_as(sql.as_str())
        .bind(slug)
        .bind(as_of)
        .bind(BRT_STOP_RADIUS_M)
        .bind(STATION_NEAR_RADIUS_M)
        .bind(CYCLE_SUPERHIGHWAY_RADIUS_M)
        .bind(LARGE_OFFICE_FLOOR_AREA_M2)
        .bind(i64::try_from(list_limit).unwrap_or(i64::MAX))
        .bind(&*FAILING)
        .bind(&*UNCERTIFIED)
        .bind(known_version)
        .fetch_one(pool)
        .await?;
    if known_version == Some(row.version) {
        return Ok(AreaFactsAnswer::Unchanged);
    }
    let Some(Json(area)) = row.area else {
        return Ok(AreaFactsAnswer::UnknownArea);
    };
    let facts = Facts {
        area,
        plot_groups: list(row.plot_groups),
        building_groups: list(row.building_groups),
        certificates_by_year: list(row.certificates_by_year),
        plot_ratios: list(row.plot_ratios),
        over_max: list(row.over_max),
        over_max_count: count(row.over_max_count),
        failing: list(row.failing),
        uncertified: list(row.uncertified),
        large_offices: list(row.large_offices),
        large_offices_count: count(row.large_offices_count),
        offices_outside_rule: list(row.offices_outside_rule),
        offices_outside_rule_count: count(row.offices_outside_rule_count),
        goals: list(row.goals),
        companies: list(row.companies),
        clusters: list(row.clusters),
        targets_by_year: list(row.targets_by_year),
        stages: list(row.stages),
        list_limit,
    };
    Ok(AreaFactsAnswer::Facts {
        version: row.version,
        facts: Box::new(facts),
    })
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

/// The days (UTC) in `from..=to` on which an area's figures may differ from the day before:
/// anything was recorded in the history, or a date in the data comes round (a company moves
/// in or out, its building is completed, a goal's period begins or ends).
pub async fn change_days(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<NaiveDate>> {
    Ok(
        sqlx::query_scalar(include_str!("sql/timeline_change_days.sql"))
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?,
    )
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

/// The present companies of one cluster near a plot.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NearbyCluster {
    pub cluster: String,
    pub companies: i64,
    /// Only the job figures whose source is public (the others are planners' figures).
    pub jobs: i64,
}

/// The present companies within `radius_m` metres (straight line, EPSG:25832) of plot `id`,
/// by cluster: every cluster of `clusters`, in their order, with zero where there are none.
pub async fn companies_near_plot(
    pool: &PgPool,
    id: i64,
    radius_m: f64,
    clusters: &[&str],
) -> Result<Vec<NearbyCluster>> {
    Ok(sqlx::query_as(
        "WITH p AS (SELECT boundary FROM plots WHERE id = $1)
         SELECT k.cluster, count(c.id) AS companies, coalesce(sum(c.jobs_published), 0)::bigint AS jobs
         FROM unnest($3::text[]) WITH ORDINALITY AS k (cluster, n)
         LEFT JOIN (SELECT c.* FROM companies c, p
                    WHERE ST_DWithin(c.location, p.boundary, $2)
                      AND (c.moved_in IS NULL OR c.moved_in <= utc_today())
                      AND (c.moved_out IS NULL OR c.moved_out > utc_today())) AS c
             ON c.cluster = k.cluster
         GROUP BY k.cluster, k.n ORDER BY k.n",
    )
    .bind(id)
    .bind(radius_m)
    .bind(clusters)
    .fetch_all(pool)
    .await?)
}
