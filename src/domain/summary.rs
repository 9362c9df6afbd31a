//! An area's figures: land-use mix, plot ratio, DGNB compliance, transit proximity and progress
//! to the goals, computed from the facts PostGIS measured (areas in m², distances in metres,
//! EPSG:25832). Pure: `db::analytics` fetches the facts, this module does the arithmetic, so
//! each rule is the same one the importer and the write path use.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::dgnb::{self, DgnbLevel, DgnbPhase, DgnbRecord};
use super::goals::{self, Development, Progress};
use super::mix::{entropy_index, share};
use super::plot_ratio;
use super::transit::{
    is_station_near, BrtStatus, CYCLE_SUPERHIGHWAY_RADIUS_M, LARGE_OFFICE_FLOOR_AREA_M2,
};
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

/// One plot as the summary needs it. The facts query sends it as an array in this field order.
#[derive(Debug, Clone, Deserialize)]
pub struct PlotFacts {
    pub reference: String,
    pub land_use: LandUse,
    pub status: PlotStatus,
    pub plot_area_m2: f64,
    pub max_plot_ratio_pct: Option<f64>,
    pub planned_homes: i64,
    pub planned_jobs: i64,
    /// Gross floor area of the plot's buildings, built and planned (m²).
    pub floor_area_m2: f64,
    pub station_distance_m: Option<f64>,
    pub cycle_superhighway_distance_m: Option<f64>,
    /// Statuses of the BRT lines with a stop within the BRT radius.
    pub brt_statuses_nearby: Vec<BrtStatus>,
}

/// One building as the summary needs it. The facts query sends it as an array in this field
/// order.
#[derive(Debug, Clone, Deserialize)]
pub struct BuildingFacts {
    pub reference: String,
    pub name: String,
    pub construction_status: String,
    pub floor_area_residential_m2: f64,
    pub floor_area_office_m2: f64,
    pub floor_area_laboratory_m2: f64,
    pub floor_area_retail_m2: f64,
    pub floor_area_other_m2: f64,
    pub station_distance_m: Option<f64>,
    pub cycle_superhighway_distance_m: Option<f64>,
    pub brt_statuses_nearby: Vec<BrtStatus>,
    pub dgnb_phase: DgnbPhase,
    pub dgnb_target_level: Option<DgnbLevel>,
    pub dgnb_achieved_level: Option<DgnbLevel>,
    pub dgnb_total_score_pct: Option<f64>,
    pub dgnb_issued_on: Option<NaiveDate>,
}

impl BuildingFacts {
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
        DgnbRecord {
            phase: self.dgnb_phase,
            target_level: self.dgnb_target_level,
            achieved_level: self.dgnb_achieved_level,
            total_score_pct: self.dgnb_total_score_pct,
        }
    }
}

/// A goal from the `goals` table.
#[derive(Debug, Clone, Deserialize)]
pub struct GoalFacts {
    pub scope: String,
    pub metric: String,
    pub target: i64,
    pub source: Option<String>,
}

/// Jobs of all areas by status, for the municipality's goal.
#[derive(Debug, Clone, Deserialize)]
pub struct MunicipalJobs {
    pub status: PlotStatus,
    pub development: String,
    pub public_institution: bool,
    pub jobs: i64,
}

/// Everything a summary is computed from.
#[derive(Debug, Clone)]
pub struct Facts {
    pub area: AreaFacts,
    pub plots: Vec<PlotFacts>,
    pub buildings: Vec<BuildingFacts>,
    pub goals: Vec<GoalFacts>,
    pub municipal_jobs: Vec<MunicipalJobs>,
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
    pub plots: PlotsOut,
    pub land_use_mix: MixOut,
    pub plot_ratio: PlotRatioOut,
    pub dgnb: DgnbOut,
    pub transit: TransitOut,
    pub goals: Vec<GoalOut>,
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
    pub plots: Vec<PlotRatioRow>,
    pub over_max: Vec<String>,
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
    pub failing: Vec<Failing>,
    pub not_yet_certified: Vec<NotCertified>,
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

#[derive(Debug, Clone, Serialize)]
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
    pub large_offices_outside_station_zone: Vec<LargeOffice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LargeOffice {
    pub reference: String,
    pub name: String,
    pub office_floor_area_m2: f64,
    pub nearest_station_distance_m: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalOut {
    pub metric: String,
    pub scope: String,
    pub target: i64,
    pub source: Option<String>,
    #[serde(flatten)]
    pub progress: Progress,
}

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
    building: impl Fn(&BuildingFacts) -> bool,
    plot: impl Fn(&PlotFacts) -> bool,
) -> Served {
    let floor_total = total(facts.buildings.iter().map(BuildingFacts::floor_area_m2));
    let floor_in = total(
        facts
            .buildings
            .iter()
            .filter(|b| building(b))
            .map(BuildingFacts::floor_area_m2),
    );
    let sum = |f: &dyn Fn(&PlotFacts) -> i64, only: bool| -> f64 {
        total(
            facts
                .plots
                .iter()
                .filter(|p| !only || plot(p))
                .map(|p| f(p) as f64),
        )
    };
    let homes = |p: &PlotFacts| p.planned_homes;
    let jobs = |p: &PlotFacts| p.planned_jobs;
    Served {
        floor_area_share: share(floor_in, floor_total),
        homes_share: share(sum(&homes, true), sum(&homes, false)),
        jobs_share: share(sum(&jobs, true), sum(&jobs, false)),
    }
}

/// Computes the summary of an area from its facts, as of `as_of`.
pub fn summarise(facts: &Facts, as_of: DateTime<Utc>) -> Summary {
    let plots_area_m2 = total(facts.plots.iter().map(|p| p.plot_area_m2));

    let by_status = PlotStatus::ALL
        .into_iter()
        .map(|status| {
            let (count, area_m2) = facts
                .plots
                .iter()
                .filter(|p| p.status == status)
                .fold((0, 0.0), |(n, a), p| (n + 1, a + p.plot_area_m2));
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
                    .plots
                    .iter()
                    .filter(|p| p.land_use == *u)
                    .map(|p| p.plot_area_m2),
            )
        })
        .collect();
    let mut floor_m2 = [0.0; 5];
    for b in &facts.buildings {
        for (total, part) in floor_m2.iter_mut().zip(b.floor_by_use()) {
            *total += part;
        }
    }
    let floor_total = total(floor_m2.into_iter());
    let housing = share(floor_m2[0], floor_total);

    let ratio_rows: Vec<PlotRatioRow> = facts
        .plots
        .iter()
        .map(|p| {
            let ratio = plot_ratio::plot_ratio_pct(p.floor_area_m2, p.plot_area_m2);
            PlotRatioRow {
                reference: p.reference.clone(),
                plot_area_m2: p.plot_area_m2,
                floor_area_m2: p.floor_area_m2,
                plot_ratio_pct: ratio,
                max_plot_ratio_pct: p.max_plot_ratio_pct,
                over_max: plot_ratio::exceeds(ratio, p.max_plot_ratio_pct),
            }
        })
        .collect();
    let plots_floor_m2 = total(facts.plots.iter().map(|p| p.floor_area_m2));

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
    let near_cycle = |d: Option<f64>| d.is_some_and(|d| d <= CYCLE_SUPERHIGHWAY_RADIUS_M);
    let near_station = |d: Option<f64>| d.is_some_and(is_station_near);

    Summary {
        area: AreaOut {
            slug: facts.area.slug.clone(),
            name: facts.area.name.clone(),
            area_ha: ha(facts.area.area_m2),
            target_dgnb_level: facts.area.target_dgnb_level,
            area_certification: facts.area.area_certification.clone(),
        },
        as_of,
        plots: PlotsOut {
            count: facts.plots.len(),
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
            area_pct: plot_ratio::plot_ratio_pct(plots_floor_m2, plots_area_m2),
            over_max: ratio_rows
                .iter()
                .filter(|r| r.over_max)
                .map(|r| r.reference.clone())
                .collect(),
            plots: ratio_rows,
        },
        dgnb: dgnb_section(facts),
        transit: TransitOut {
            distance_method: DISTANCE_METHOD,
            station_600m: served(
                facts,
                |b| near_station(b.station_distance_m),
                |p| near_station(p.station_distance_m),
            ),
            brt_400m,
            cycle_superhighway_250m: served(
                facts,
                |b| near_cycle(b.cycle_superhighway_distance_m),
                |p| near_cycle(p.cycle_superhighway_distance_m),
            ),
            large_offices_outside_station_zone: facts
                .buildings
                .iter()
                .filter(|b| {
                    b.floor_area_office_m2 > LARGE_OFFICE_FLOOR_AREA_M2
                        && !near_station(b.station_distance_m)
                })
                .map(|b| LargeOffice {
                    reference: b.reference.clone(),
                    name: b.name.clone(),
                    office_floor_area_m2: b.floor_area_office_m2,
                    nearest_station_distance_m: b.station_distance_m,
                })
                .collect(),
        },
        goals: goals_section(facts),
    }
}

fn dgnb_section(facts: &Facts) -> DgnbOut {
    let target = facts.area.target_dgnb_level;
    let by_phase = DgnbPhase::ALL
        .into_iter()
        .map(|phase| {
            let of_phase = facts.buildings.iter().filter(|b| b.dgnb_phase == phase);
            PhaseRow {
                phase,
                buildings: of_phase.clone().count(),
                floor_area_m2: total(of_phase.map(BuildingFacts::floor_area_m2)),
            }
        })
        .collect();
    let levels = std::iter::once(None).chain(DgnbLevel::ALL.into_iter().map(Some));
    let by_level = levels
        .map(|level| {
            let of_level = facts
                .buildings
                .iter()
                .filter(|b| b.dgnb_achieved_level == level);
            LevelRow {
                level: level.map_or("none", DgnbLevel::as_str).to_owned(),
                buildings: of_level.clone().count(),
                floor_area_m2: total(of_level.map(BuildingFacts::floor_area_m2)),
            }
        })
        .collect();
    let failing: Vec<Failing> = facts
        .buildings
        .iter()
        .filter_map(|b| {
            let violations = dgnb::check_area_target(&b.dgnb(), target);
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
    let certified = |b: &BuildingFacts| {
        matches!(b.dgnb_phase, DgnbPhase::Certificate | DgnbPhase::InUse)
            && b.dgnb_achieved_level.is_some()
    };
    let not_yet_certified: Vec<NotCertified> = facts
        .buildings
        .iter()
        .filter(|b| !certified(b))
        .map(|b| NotCertified {
            reference: b.reference.clone(),
            name: b.name.clone(),
            phase: b.dgnb_phase,
        })
        .collect();
    let mut by_year: BTreeMap<i32, usize> = BTreeMap::new();
    for date in facts.buildings.iter().filter_map(|b| b.dgnb_issued_on) {
        *by_year.entry(date.year()).or_default() += 1;
    }
    DgnbOut {
        target_level: target,
        buildings: facts.buildings.len(),
        floor_area_m2: total(facts.buildings.iter().map(BuildingFacts::floor_area_m2)),
        by_phase,
        by_level,
        compliant: target.map(|_| failing.is_empty()),
        fully_certified: target.map(|_| failing.is_empty() && not_yet_certified.is_empty()),
        failing,
        not_yet_certified,
        certificates_by_year: by_year
            .into_iter()
            .map(|(year, count)| YearRow { year, count })
            .collect(),
    }
}

fn goals_section(facts: &Facts) -> Vec<GoalOut> {
    facts
        .goals
        .iter()
        .filter_map(|g| {
            let mut progress = Progress::default();
            match g.metric.as_str() {
                "homes" | "jobs" if g.scope == facts.area.slug => {
                    for p in &facts.plots {
                        let amount = if g.metric == "homes" {
                            p.planned_homes
                        } else {
                            p.planned_jobs
                        };
                        progress.add(p.status, amount);
                    }
                }
                "new_private_jobs" => {
                    for j in &facts.municipal_jobs {
                        let development =
                            Development::parse(&j.development).unwrap_or(Development::NewTown);
                        if goals::counts_as_new_private_jobs(
                            j.status,
                            development,
                            j.public_institution,
                        ) {
                            progress.add(j.status, j.jobs);
                        }
                    }
                }
                _ => return None,
            }
            Some(GoalOut {
                metric: g.metric.clone(),
                scope: g.scope.clone(),
                target: g.target,
                source: g.source.clone(),
                progress,
            })
        })
        .collect()
}
