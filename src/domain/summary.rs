//! An area's figures: land-use mix, plot ratio, DGNB compliance, transit proximity and progress
//! to the goals, computed from the facts PostGIS measured (areas in m², distances in metres,
//! EPSG:25832). Pure: `db::analytics` fetches the facts, this module does the arithmetic, so
//! each rule is the same one the importer and the write path use.
//!
//! The facts come grouped: the database sums plots and buildings by everything a figure tells
//! apart (status, land use, DGNB combination, whether within each transit radius), so a summary
//! of 100,000 plots reads a few hundred groups, not 100,000 rows. The radii and the DGNB rule
//! go to the database from here as parameters ([`failing_combinations`]); lists (plots over
//! their maximum, failing buildings …) come as their first entries by reference and a count.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::company::{Cluster, Ownership};
use super::dgnb::{self, DgnbLevel, DgnbPhase, DgnbRecord};
use super::disclosure::{self, publishable, publishable_beside, Cell};
use super::fingerplan::EXTRA_MEASURES_RADIUS_M;
use super::goals::{self, Period, Premises, Progress};
use super::mix::{entropy_index, share};
use super::plot_ratio;
use super::transit::{BrtStatus, LARGE_OFFICE_FLOOR_AREA_M2, STATION_NEAR_RADIUS_M};
use super::{LandUse, PlotStatus};

/// The area itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AreaFacts {
    pub slug: String,
    pub name: String,
    pub area_m2: f64,
    pub target_dgnb_level: Option<DgnbLevel>,
    pub area_certification: String,
    pub development: String,
}

/// Plots that share everything a figure distinguishes, with their sums.
#[derive(Debug, Clone, Deserialize)]
pub struct PlotGroup {
    pub status: PlotStatus,
    pub land_use: LandUse,
    /// Within [`STATION_NEAR_RADIUS_M`](super::transit::STATION_NEAR_RADIUS_M) of a station.
    pub near_station: bool,
    /// Within [`CYCLE_SUPERHIGHWAY_RADIUS_M`](super::transit::CYCLE_SUPERHIGHWAY_RADIUS_M) of a
    /// cycle superhighway.
    pub near_cycle: bool,
    /// Statuses of the BRT lines with a stop within the BRT radius.
    pub brt_statuses_nearby: Vec<BrtStatus>,
    pub plots: usize,
    pub plot_area_m2: f64,
    pub planned_homes: i64,
    pub planned_jobs: i64,
}

/// Buildings that share everything a figure distinguishes, with their floor areas by use (m²).
#[derive(Debug, Clone, Deserialize)]
pub struct BuildingGroup {
    pub dgnb_phase: DgnbPhase,
    pub dgnb_target_level: Option<DgnbLevel>,
    pub dgnb_achieved_level: Option<DgnbLevel>,
    pub near_station: bool,
    pub near_cycle: bool,
    pub brt_statuses_nearby: Vec<BrtStatus>,
    pub buildings: usize,
    pub floor_area_residential_m2: f64,
    pub floor_area_office_m2: f64,
    pub floor_area_laboratory_m2: f64,
    pub floor_area_retail_m2: f64,
    pub floor_area_other_m2: f64,
}

impl BuildingGroup {
    /// Floor area by use, in the order of [`FLOOR_USES`].
    fn floor_by_use(&self) -> [f64; 5] {
        [
            self.floor_area_residential_m2,
            self.floor_area_office_m2,
            self.floor_area_laboratory_m2,
            self.floor_area_retail_m2,
            self.floor_area_other_m2,
        ]
    }

    fn floor_area_m2(&self) -> f64 {
        total(self.floor_by_use().into_iter())
    }

    fn dgnb(&self) -> DgnbRecord {
        dgnb_record(
            self.dgnb_phase,
            self.dgnb_target_level,
            self.dgnb_achieved_level,
        )
    }
}

/// The DGNB record the area rule looks at; the total score does not enter it.
fn dgnb_record(
    phase: DgnbPhase,
    target_level: Option<DgnbLevel>,
    achieved_level: Option<DgnbLevel>,
) -> DgnbRecord {
    DgnbRecord::of_levels(phase, target_level, achieved_level)
}

/// One plot of a plot-ratio list.
#[derive(Debug, Clone, Deserialize)]
pub struct PlotRatioFacts {
    pub reference: String,
    pub plot_area_m2: f64,
    /// Gross floor area of the plot's buildings, built and planned (m²).
    pub floor_area_m2: f64,
    pub max_plot_ratio_pct: Option<f64>,
}

/// One building of a DGNB list.
#[derive(Debug, Clone, Deserialize)]
pub struct ListedBuilding {
    pub reference: String,
    pub name: String,
    pub dgnb_phase: DgnbPhase,
    pub dgnb_target_level: Option<DgnbLevel>,
    pub dgnb_achieved_level: Option<DgnbLevel>,
}

/// A goal from the `goals` table.
#[derive(Debug, Clone, Deserialize)]
pub struct GoalFacts {
    pub id: i64,
    pub scope: String,
    pub metric: String,
    pub target: i64,
    pub source: Option<String>,
    pub title: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub accuracy: Option<String>,
}

/// Companies (of every area) that share what the goals' rule reads, with their jobs summed.
#[derive(Debug, Clone, Deserialize)]
pub struct CompanyFacts {
    pub cluster: Cluster,
    pub ownership: Ownership,
    pub area: String,
    pub moved_in: Option<NaiveDate>,
    pub moved_out: Option<NaiveDate>,
    pub building_completed_on: Option<NaiveDate>,
    pub jobs: i64,
    /// How many of them have jobs and no public job figure of their own.
    pub private: i64,
}

/// The present companies of the area in one cluster.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ClusterFacts {
    pub cluster: Option<Cluster>,
    pub companies: i64,
    pub jobs: i64,
    /// How many of them have jobs and no public job figure of their own.
    pub private: i64,
    pub floor_area_m2: f64,
}

/// The present companies of the area in one cluster; their jobs are withheld (`None`) where the
/// figure would tell a company's own ([`disclosure`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterRow {
    pub cluster: Cluster,
    pub companies: i64,
    pub jobs: Option<i64>,
    pub floor_area_m2: f64,
}

/// Planned homes and jobs of the plots with this target year, and those delivered (plots
/// built, by the year their last building was completed).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct TargetYearRow {
    pub year: i32,
    pub planned_homes: i64,
    pub planned_jobs: i64,
    pub delivered_homes: i64,
    pub delivered_jobs: i64,
}

/// One development stage of the area.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct StageRow {
    pub stage: String,
    pub plots: i64,
    pub planned_homes: i64,
    pub planned_jobs: i64,
    pub built_plots: i64,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
}

/// Everything a summary is computed from: the area's plots and buildings in groups, and the
/// first [`Facts::list_limit`] entries (by reference) of each list.
#[derive(Debug, Clone)]
pub struct Facts {
    pub area: AreaFacts,
    pub plot_groups: Vec<PlotGroup>,
    pub building_groups: Vec<BuildingGroup>,
    pub certificates_by_year: Vec<YearRow>,
    /// The area's plots.
    pub plot_ratios: Vec<PlotRatioFacts>,
    /// The plots built over their maximum, and how many there are in all.
    pub over_max: Vec<PlotRatioFacts>,
    pub over_max_count: usize,
    /// The buildings in the combinations of [`failing_combinations`].
    pub failing: Vec<ListedBuilding>,
    /// The buildings in the combinations of [`uncertified_combinations`].
    pub uncertified: Vec<ListedBuilding>,
    pub large_offices: Vec<LargeOffice>,
    pub large_offices_count: usize,
    /// The large offices beyond the radius without an exemption (the Fingerplan's rule).
    pub offices_outside_rule: Vec<LargeOffice>,
    pub offices_outside_rule_count: usize,
    pub goals: Vec<GoalFacts>,
    pub companies: Vec<CompanyFacts>,
    pub clusters: Vec<ClusterFacts>,
    pub targets_by_year: Vec<TargetYearRow>,
    pub stages: Vec<StageRow>,
    pub list_limit: usize,
}

fn level_key(level: Option<DgnbLevel>) -> &'static str {
    level.map_or("-", DgnbLevel::as_str)
}

/// Every combination `required/target/achieved` of levels ('-' for none) that breaks the area
/// rule of [`dgnb::check_area_target`], so that the database can list the buildings in them
/// without a rule of its own.
pub fn failing_combinations() -> Vec<String> {
    let levels = || std::iter::once(None).chain(DgnbLevel::ALL.into_iter().map(Some));
    let mut out = Vec::new();
    for required in DgnbLevel::ALL {
        for target in levels() {
            for achieved in levels() {
                let record = dgnb_record(DgnbPhase::None, target, achieved);
                if !dgnb::check_area_target(&record, Some(required)).is_empty() {
                    out.push(format!(
                        "{}/{}/{}",
                        required.as_str(),
                        level_key(target),
                        level_key(achieved)
                    ));
                }
            }
        }
    }
    out
}

/// Whether a building holds a certificate: a final or in-use certificate with a level.
fn is_certified(phase: DgnbPhase, achieved: Option<DgnbLevel>) -> bool {
    matches!(phase, DgnbPhase::Certificate | DgnbPhase::InUse) && achieved.is_some()
}

/// Every combination `phase/achieved` ('-' for no level) that is not (yet) certified.
pub fn uncertified_combinations() -> Vec<String> {
    let levels = std::iter::once(None).chain(DgnbLevel::ALL.into_iter().map(Some));
    levels
        .flat_map(|achieved| {
            DgnbPhase::ALL
                .into_iter()
                .filter(move |phase| !is_certified(*phase, achieved))
                .map(move |phase| format!("{}/{}", phase.as_str(), level_key(achieved)))
        })
        .collect()
}

/// The building floor-area uses, the set of the floor-area mix.
pub const FLOOR_USES: [&str; 5] = ["residential", "office", "laboratory", "retail", "other"];

/// The DGNB urban-area scheme asks for a housing share of floor area in this range.
pub const DGNB_URBAN_HOUSING_SHARE: (f64, f64) = (0.10, 0.90);

/// What the transit section says about its distances.
pub const DISTANCE_METHOD: &str =
    "straight-line distance in metres (EPSG:25832) from the nearest point of the plot or building; the station-proximity principle speaks of walking distance, which this approximates";

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub area: AreaOut,
    pub as_of: DateTime<Utc>,
    /// Each list holds at most this many entries, the first by reference; its `_count` says how
    /// many there are in all.
    pub list_limit: usize,
    pub plots: PlotsOut,
    pub land_use_mix: MixOut,
    pub plot_ratio: PlotRatioOut,
    pub dgnb: DgnbOut,
    pub transit: TransitOut,
    pub fingerplan: FingerplanOut,
    pub goals: Vec<GoalOut>,
    /// The area's present companies by cluster, every cluster listed.
    pub clusters: Vec<ClusterRow>,
    /// When a job figure of the clusters or the goals is withheld (null).
    pub job_figures_withheld: &'static str,
    pub targets_by_year: Vec<TargetYearRow>,
    pub stages: Vec<StageRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaOut {
    pub slug: String,
    pub name: String,
    pub area_ha: f64,
    pub target_dgnb_level: Option<DgnbLevel>,
    pub area_certification: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlotsOut {
    pub count: usize,
    pub area_ha: f64,
    pub by_status: Vec<StatusRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub status: PlotStatus,
    pub count: usize,
    pub area_ha: f64,
    /// Share of the plots' area (0..1).
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MixOut {
    pub by_plot_area: Vec<LandUseRow>,
    pub by_floor_area: Vec<FloorUseRow>,
    pub entropy_index_by_plot_area: Option<f64>,
    pub entropy_index_by_floor_area: Option<f64>,
    pub housing_share_of_floor_area: Option<f64>,
    pub housing_share_in_dgnb_urban_range: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LandUseRow {
    pub land_use: LandUse,
    pub area_ha: f64,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FloorUseRow {
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub floor_area_m2: f64,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlotRatioOut {
    /// Floor area of all buildings × 100 / area of all plots.
    pub area_pct: Option<f64>,
    /// The plots, the first `list_limit` by reference (all of them: `plots.count`).
    pub plots: Vec<PlotRatioRow>,
    /// The plots built over their lokalplan maximum, the first `list_limit` by reference.
    pub over_max: Vec<PlotRatioRow>,
    pub over_max_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlotRatioRow {
    pub reference: String,
    pub plot_area_m2: f64,
    pub floor_area_m2: f64,
    pub plot_ratio_pct: Option<f64>,
    pub max_plot_ratio_pct: Option<f64>,
    pub over_max: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DgnbOut {
    pub target_level: Option<DgnbLevel>,
    pub buildings: usize,
    pub floor_area_m2: f64,
    pub by_phase: Vec<PhaseRow>,
    pub by_level: Vec<LevelRow>,
    /// No building breaks the area's least level (`None` where the area sets none).
    pub compliant: Option<bool>,
    /// Every building holds a certificate at or above the area's level.
    pub fully_certified: Option<bool>,
    /// Buildings that break the area's rule, the first `list_limit` by reference.
    pub failing: Vec<Failing>,
    pub failing_count: usize,
    /// Buildings without a certificate yet, the first `list_limit` by reference.
    pub not_yet_certified: Vec<NotCertified>,
    pub not_yet_certified_count: usize,
    pub certificates_by_year: Vec<YearRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseRow {
    pub phase: DgnbPhase,
    pub buildings: usize,
    pub floor_area_m2: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelRow {
    /// An achieved level, or "none".
    pub level: String,
    pub buildings: usize,
    pub floor_area_m2: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    pub reference: String,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotCertified {
    pub reference: String,
    pub name: String,
    pub phase: DgnbPhase,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct YearRow {
    pub year: i32,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Served {
    pub floor_area_share: Option<f64>,
    pub homes_share: Option<f64>,
    pub jobs_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrtServed {
    pub status: BrtStatus,
    #[serde(flatten)]
    pub served: Served,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransitOut {
    pub distance_method: &'static str,
    pub station_600m: Served,
    pub brt_400m: Vec<BrtServed>,
    pub cycle_superhighway_250m: Served,
    /// The first `list_limit` by reference.
    pub large_offices_outside_station_zone: Vec<LargeOffice>,
    pub large_offices_outside_station_zone_count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LargeOffice {
    pub reference: String,
    pub name: String,
    pub office_floor_area_m2: f64,
    pub nearest_station_distance_m: Option<f64>,
    /// The lokalplan of a recorded Fingerplan exemption.
    #[serde(default)]
    pub fingerplan_exemption_lokalplan: Option<String>,
}

/// The Fingerplan's office rule in an area (src/domain/fingerplan.rs): the existing offices
/// over the floor-area limit beyond the station radius with no exemption, which the rule would
/// refuse today, and how many are exempt.
#[derive(Debug, Clone, Serialize)]
pub struct FingerplanOut {
    pub rule: String,
    pub distance_method: &'static str,
    pub office_floor_area_limit_m2: f64,
    pub station_near_radius_m: f64,
    pub extra_measures_radius_m: f64,
    /// The first `list_limit` by reference.
    pub offices_outside_rule: Vec<LargeOffice>,
    pub offices_outside_rule_count: usize,
    pub offices_exempt_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalOut {
    pub id: i64,
    pub metric: String,
    pub scope: String,
    pub title: Option<String>,
    pub target: i64,
    pub source: Option<String>,
    pub accuracy: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// The period ended before the day of the summary: its figure is final.
    pub period_ended: bool,
    /// The day the goal is measured on: the summary's, or the period's end once it has passed.
    pub evaluated_on: NaiveDate,
    pub definition: &'static str,
    /// What the definition counts (new private jobs); `None` for goals measured by stage, and
    /// where the figure is withheld (`achieved_withheld`).
    pub achieved: Option<i64>,
    /// The counted figure is withheld: it would tell a company's own ([`disclosure::RULE`]).
    pub achieved_withheld: bool,
    pub share_pct: Option<f64>,
    /// `None` where withheld ([`disclosure::RULE`]).
    pub by_cluster: BTreeMap<&'static str, Option<i64>>,
    pub by_area: BTreeMap<String, Option<i64>>,
    /// Homes or jobs of the area's plots by stage (the homes and jobs goals).
    #[serde(flatten)]
    pub progress: Option<Progress>,
}

/// What the homes and jobs goals count.
pub const PLANNED_BY_STAGE_DEFINITION: &str = "the planned homes or jobs of the area's plots, by \
how far their plot has come (planned, under construction, built); withdrawn plots count nowhere";

/// The sum of `values`, 0.0 when there are none (`Iterator::sum` of no floats gives -0.0).
fn total(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

fn ha(m2: f64) -> f64 {
    m2 / 10_000.0
}

/// Shares of floor area (buildings) and of homes and jobs (plots) that satisfy a condition.
fn served(
    facts: &Facts,
    building: impl Fn(&BuildingGroup) -> bool,
    plot: impl Fn(&PlotGroup) -> bool,
) -> Served {
    let floor = |only: bool| {
        total(
            facts
                .building_groups
                .iter()
                .filter(|b| !only || building(b))
                .map(BuildingGroup::floor_area_m2),
        )
    };
    let sum = |f: fn(&PlotGroup) -> i64, only: bool| -> f64 {
        total(
            facts
                .plot_groups
                .iter()
                .filter(|p| !only || plot(p))
                .map(|p| f(p) as f64),
        )
    };
    let homes = |p: &PlotGroup| p.planned_homes;
    let jobs = |p: &PlotGroup| p.planned_jobs;
    Served {
        floor_area_share: share(floor(true), floor(false)),
        homes_share: share(sum(homes, true), sum(homes, false)),
        jobs_share: share(sum(jobs, true), sum(jobs, false)),
    }
}

fn ratio_row(p: &PlotRatioFacts) -> PlotRatioRow {
    let ratio = plot_ratio::plot_ratio_pct(p.floor_area_m2, p.plot_area_m2);
    PlotRatioRow {
        reference: p.reference.clone(),
        plot_area_m2: p.plot_area_m2,
        floor_area_m2: p.floor_area_m2,
        plot_ratio_pct: ratio,
        max_plot_ratio_pct: p.max_plot_ratio_pct,
        over_max: plot_ratio::exceeds(ratio, p.max_plot_ratio_pct),
    }
}

/// Computes the summary of an area from its facts, as of `as_of`.
pub fn summarise(facts: &Facts, as_of: DateTime<Utc>) -> Summary {
    let plots_area_m2 = total(facts.plot_groups.iter().map(|p| p.plot_area_m2));
    let plot_count = facts.plot_groups.iter().map(|p| p.plots).sum();

    let by_status = PlotStatus::ALL
        .into_iter()
        .map(|status| {
            let (count, area_m2) = facts
                .plot_groups
                .iter()
                .filter(|p| p.status == status)
                .fold((0, 0.0), |(n, a), p| (n + p.plots, a + p.plot_area_m2));
            StatusRow {
                status,
                count,
                area_ha: ha(area_m2),
                share: share(area_m2, plots_area_m2),
            }
        })
        .collect();

    let land_use_m2: Vec<f64> = LandUse::ALL
        .iter()
        .map(|u| {
            total(
                facts
                    .plot_groups
                    .iter()
                    .filter(|p| p.land_use == *u)
                    .map(|p| p.plot_area_m2),
            )
        })
        .collect();
    let mut floor_m2 = [0.0; 5];
    for b in &facts.building_groups {
        for (total, part) in floor_m2.iter_mut().zip(b.floor_by_use()) {
            *total += part;
        }
    }
    let floor_total = total(floor_m2.into_iter());
    let housing = share(floor_m2[0], floor_total);

    let brt_400m = BrtStatus::ALL
        .into_iter()
        .map(|status| BrtServed {
            status,
            served: served(
                facts,
                |b| b.brt_statuses_nearby.contains(&status),
                |p| p.brt_statuses_nearby.contains(&status),
            ),
        })
        .collect();

    Summary {
        area: AreaOut {
            slug: facts.area.slug.clone(),
            name: facts.area.name.clone(),
            area_ha: ha(facts.area.area_m2),
            target_dgnb_level: facts.area.target_dgnb_level,
            area_certification: facts.area.area_certification.clone(),
        },
        as_of,
        list_limit: facts.list_limit,
        plots: PlotsOut {
            count: plot_count,
            area_ha: ha(plots_area_m2),
            by_status,
        },
        land_use_mix: MixOut {
            by_plot_area: LandUse::ALL
                .iter()
                .zip(&land_use_m2)
                .map(|(u, m2)| LandUseRow {
                    land_use: *u,
                    area_ha: ha(*m2),
                    share: share(*m2, plots_area_m2),
                })
                .collect(),
            by_floor_area: FLOOR_USES
                .iter()
                .zip(floor_m2)
                .map(|(u, m2)| FloorUseRow {
                    use_: u,
                    floor_area_m2: m2,
                    share: share(m2, floor_total),
                })
                .collect(),
            entropy_index_by_plot_area: entropy_index(&land_use_m2),
            entropy_index_by_floor_area: entropy_index(&floor_m2),
            housing_share_of_floor_area: housing,
            housing_share_in_dgnb_urban_range: housing
                .map(|h| (DGNB_URBAN_HOUSING_SHARE.0..=DGNB_URBAN_HOUSING_SHARE.1).contains(&h)),
        },
        plot_ratio: PlotRatioOut {
            area_pct: plot_ratio::plot_ratio_pct(floor_total, plots_area_m2),
            plots: facts.plot_ratios.iter().map(ratio_row).collect(),
            over_max: facts.over_max.iter().map(ratio_row).collect(),
            over_max_count: facts.over_max_count,
        },
        dgnb: dgnb_section(facts),
        transit: TransitOut {
            distance_method: DISTANCE_METHOD,
            station_600m: served(facts, |b| b.near_station, |p| p.near_station),
            brt_400m,
            cycle_superhighway_250m: served(facts, |b| b.near_cycle, |p| p.near_cycle),
            large_offices_outside_station_zone: facts.large_offices.clone(),
            large_offices_outside_station_zone_count: facts.large_offices_count,
        },
        fingerplan: fingerplan_section(facts),
        goals: goals_section(facts, as_of.date_naive()),
        clusters: cluster_rows(facts),
        job_figures_withheld: disclosure::RULE,
        targets_by_year: facts.targets_by_year.clone(),
        stages: facts.stages.clone(),
    }
}

/// The area's present companies by cluster, every cluster listed, their jobs withheld as a
/// table whose total may be known (a new area's companies are all new jobs of a goal, whose
/// figure by area is that total).
fn cluster_rows(facts: &Facts) -> Vec<ClusterRow> {
    let rows: Vec<(Cluster, ClusterFacts)> = Cluster::ALL
        .into_iter()
        .map(|cluster| {
            let found = facts.clusters.iter().find(|c| c.cluster == Some(cluster));
            (cluster, found.cloned().unwrap_or_default())
        })
        .collect();
    let cells: Vec<Cell> = rows
        .iter()
        .map(|(_, r)| Cell {
            jobs: r.jobs,
            private: r.private,
        })
        .collect();
    let (_, shown) = publishable(&cells);
    rows.into_iter()
        .zip(shown)
        .map(|((cluster, row), ok)| ClusterRow {
            cluster,
            companies: row.companies,
            jobs: ok.then_some(row.jobs),
            floor_area_m2: row.floor_area_m2,
        })
        .collect()
}

fn fingerplan_section(facts: &Facts) -> FingerplanOut {
    FingerplanOut {
        rule: format!(
            "Fingerplan 2019: offices over {LARGE_OFFICE_FLOOR_AREA_M2} m² within {STATION_NEAR_RADIUS_M} m of a station, within {EXTRA_MEASURES_RADIUS_M} m with extra measures; otherwise only with an exemption (a lokalplan that allows it)"
        ),
        distance_method: DISTANCE_METHOD,
        office_floor_area_limit_m2: LARGE_OFFICE_FLOOR_AREA_M2,
        station_near_radius_m: STATION_NEAR_RADIUS_M,
        extra_measures_radius_m: EXTRA_MEASURES_RADIUS_M,
        offices_outside_rule: facts.offices_outside_rule.clone(),
        offices_outside_rule_count: facts.offices_outside_rule_count,
        offices_exempt_count: facts
            .large_offices_count
            .saturating_sub(facts.offices_outside_rule_count),
    }
}

fn dgnb_section(facts: &Facts) -> DgnbOut {
    let target = facts.area.target_dgnb_level;
    let groups = &facts.building_groups;
    let sum_of = |of: &mut dyn Iterator<Item = &BuildingGroup>| {
        of.fold((0, 0.0), |(n, a), b| {
            (n + b.buildings, a + b.floor_area_m2())
        })
    };
    let by_phase = DgnbPhase::ALL
        .into_iter()
        .map(|phase| {
            let (buildings, floor_area_m2) =
                sum_of(&mut groups.iter().filter(|b| b.dgnb_phase == phase));
            PhaseRow {
                phase,
                buildings,
                floor_area_m2,
            }
        })
        .collect();
    let levels = std::iter::once(None).chain(DgnbLevel::ALL.into_iter().map(Some));
    let by_level = levels
        .map(|level| {
            let (buildings, floor_area_m2) =
                sum_of(&mut groups.iter().filter(|b| b.dgnb_achieved_level == level));
            LevelRow {
                level: level.map_or("none", DgnbLevel::as_str).to_owned(),
                buildings,
                floor_area_m2,
            }
        })
        .collect();
    let failing_count = groups
        .iter()
        .filter(|b| !dgnb::check_area_target(&b.dgnb(), target).is_empty())
        .map(|b| b.buildings)
        .sum();
    let not_yet_certified_count = groups
        .iter()
        .filter(|b| !is_certified(b.dgnb_phase, b.dgnb_achieved_level))
        .map(|b| b.buildings)
        .sum();
    let failing: Vec<Failing> = facts
        .failing
        .iter()
        .filter_map(|b| {
            let record = dgnb_record(b.dgnb_phase, b.dgnb_target_level, b.dgnb_achieved_level);
            let violations = dgnb::check_area_target(&record, target);
            (!violations.is_empty()).then(|| Failing {
                reference: b.reference.clone(),
                name: b.name.clone(),
                reason: violations
                    .iter()
                    .map(|v| v.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            })
        })
        .collect();
    let not_yet_certified: Vec<NotCertified> = facts
        .uncertified
        .iter()
        .map(|b| NotCertified {
            reference: b.reference.clone(),
            name: b.name.clone(),
            phase: b.dgnb_phase,
        })
        .collect();
    let (buildings, floor_area_m2) = sum_of(&mut groups.iter());
    DgnbOut {
        target_level: target,
        buildings,
        floor_area_m2,
        by_phase,
        by_level,
        compliant: target.map(|_| failing_count == 0),
        fully_certified: target.map(|_| failing_count == 0 && not_yet_certified_count == 0),
        failing,
        failing_count,
        not_yet_certified,
        not_yet_certified_count,
        certificates_by_year: facts.certificates_by_year.clone(),
    }
}

fn goals_section(facts: &Facts, today: NaiveDate) -> Vec<GoalOut> {
    facts
        .goals
        .iter()
        .filter_map(|g| {
            let period = Period {
                start: g.period_start,
                end: g.period_end,
            };
            let on = period.evaluated_on(today);
            let mut out = GoalOut {
                id: g.id,
                metric: g.metric.clone(),
                scope: g.scope.clone(),
                title: g.title.clone(),
                target: g.target,
                source: g.source.clone(),
                accuracy: g.accuracy.clone(),
                period_start: g.period_start,
                period_end: g.period_end,
                period_ended: period.ended(today),
                evaluated_on: on,
                definition: PLANNED_BY_STAGE_DEFINITION,
                achieved: None,
                achieved_withheld: false,
                share_pct: None,
                by_cluster: BTreeMap::new(),
                by_area: BTreeMap::new(),
                progress: None,
            };
            match g.metric.as_str() {
                "homes" | "jobs" if g.scope == facts.area.slug => {
                    let mut progress = Progress::default();
                    for p in &facts.plot_groups {
                        let amount = if g.metric == "homes" {
                            p.planned_homes
                        } else {
                            p.planned_jobs
                        };
                        progress.add(p.status, amount);
                    }
                    out.progress = Some(progress);
                }
                "new_private_jobs" => {
                    out.definition = goals::NEW_PRIVATE_JOBS_DEFINITION;
                    let mut by_cluster: BTreeMap<&'static str, Cell> = Cluster::ALL
                        .iter()
                        .map(|c| (c.as_str(), Cell::default()))
                        .collect();
                    let mut by_area: BTreeMap<String, Cell> = BTreeMap::new();
                    let mut cross: BTreeMap<(&'static str, &str), Cell> = BTreeMap::new();
                    let in_scope = |area: &str| g.scope == "municipality" || g.scope == area;
                    for c in facts.companies.iter().filter(|c| in_scope(&c.area)) {
                        let premises = Premises {
                            ownership: c.ownership,
                            jobs: c.jobs,
                            moved_in: c.moved_in,
                            moved_out: c.moved_out,
                            building_completed_on: c.building_completed_on,
                        };
                        let jobs = goals::new_private_jobs(&premises, period, on);
                        let counted = Cell {
                            jobs,
                            private: if jobs > 0 { c.private } else { 0 },
                        };
                        by_cluster
                            .entry(c.cluster.as_str())
                            .or_default()
                            .add(counted);
                        by_area.entry(c.area.clone()).or_default().add(counted);
                        cross
                            .entry((c.cluster.as_str(), c.area.as_str()))
                            .or_default()
                            .add(counted);
                    }
                    // By cluster as a table of its own; by area beside it (two margins of the
                    // cluster × area table, see `publishable_beside`).
                    let (total_shown, clusters_shown) =
                        publishable(&by_cluster.values().copied().collect::<Vec<_>>());
                    let areas_shown = publishable_beside(
                        &by_area.values().copied().collect::<Vec<_>>(),
                        total_shown,
                        cross.values().any(|c| c.discloses()),
                    );
                    let shown = |cell: &Cell, ok: bool| ok.then_some(cell.jobs);
                    out.by_cluster = by_cluster
                        .iter()
                        .zip(clusters_shown)
                        .map(|((k, cell), ok)| (*k, shown(cell, ok)))
                        .collect();
                    out.by_area = by_area
                        .iter()
                        .zip(areas_shown)
                        .map(|((k, cell), ok)| (k.clone(), shown(cell, ok)))
                        .collect();
                    let achieved: i64 = by_cluster.values().map(|c| c.jobs).sum();
                    out.achieved_withheld = !total_shown;
                    out.achieved = (!out.achieved_withheld).then_some(achieved);
                    out.share_pct = out.achieved.filter(|_| g.target > 0).map(|achieved| {
                        (achieved as f64 * 1000.0 / g.target as f64).round() / 10.0
                    });
                }
                _ => return None,
            }
            Some(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_combinations_follow_the_area_rule() {
        let failing = failing_combinations();
        let fails = |c: &str| failing.iter().any(|f| f == c);
        // Gold required: no target, a lower target, or a lower achieved level fails.
        assert!(fails("gold/-/-"));
        assert!(fails("gold/silver/-"));
        assert!(fails("gold/gold/silver"));
        assert!(fails("gold/platinum/silver"));
        assert!(!fails("gold/gold/-"));
        assert!(!fails("gold/gold/gold"));
        assert!(!fails("gold/platinum/platinum"));
        // Silver required: a gold target achieving silver is fine.
        assert!(!fails("silver/gold/silver"));
        // No combination without a required level: an area without a target has no rule.
        assert!(failing.iter().all(|f| !f.starts_with("-/")));
    }

    #[test]
    fn uncertified_combinations_are_those_without_a_final_level() {
        let open = uncertified_combinations();
        let is_open = |c: &str| open.iter().any(|f| f == c);
        assert!(is_open("none/-"));
        assert!(is_open("pre_certificate/gold"));
        assert!(is_open("certificate/-"));
        assert!(!is_open("certificate/gold"));
        assert!(!is_open("in_use/silver"));
    }
}
