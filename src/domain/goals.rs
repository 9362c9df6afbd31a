//! Progress towards the policy goals: which homes and jobs count, and at which stage.

use chrono::NaiveDate;
use serde::Serialize;

use super::company::Ownership;
use super::PlotStatus;

/// How far the homes or jobs of a plot have come, from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Planned, available, reserved or sold: not yet started.
    Planned,
    UnderConstruction,
    Built,
}

impl Stage {
    /// The stage of a plot's homes and jobs; `None` for a withdrawn plot, which counts nowhere.
    pub fn of(status: PlotStatus) -> Option<Stage> {
        match status {
            PlotStatus::Planned
            | PlotStatus::Available
            | PlotStatus::Reserved
            | PlotStatus::Sold => Some(Stage::Planned),
            PlotStatus::UnderConstruction => Some(Stage::UnderConstruction),
            PlotStatus::Built => Some(Stage::Built),
            PlotStatus::Withdrawn => None,
        }
    }
}

/// Homes or jobs by stage, against a target.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    pub planned: i64,
    pub under_construction: i64,
    pub built: i64,
}

impl Progress {
    /// Adds `amount` at the stage of `status` (nothing for a withdrawn plot).
    pub fn add(&mut self, status: PlotStatus, amount: i64) {
        match Stage::of(status) {
            Some(Stage::Planned) => self.planned += amount,
            Some(Stage::UnderConstruction) => self.under_construction += amount,
            Some(Stage::Built) => self.built += amount,
            None => {}
        }
    }
}

/// A goal's period: both ends are included; an open end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

impl Period {
    /// The day a goal is measured on: `today` (or the `as_of` day), but no later than the
    /// period's end, since what happens after a period does not count towards it.
    pub fn evaluated_on(self, today: NaiveDate) -> NaiveDate {
        self.end.map_or(today, |end| end.min(today))
    }

    /// Whether the period ended before `today`.
    pub fn ended(self, today: NaiveDate) -> bool {
        self.end.is_some_and(|end| end < today)
    }

    /// Whether `day` lies within the period, up to `on`.
    fn holds(self, day: NaiveDate, on: NaiveDate) -> bool {
        self.start.is_none_or(|start| day >= start) && day <= on
    }
}

/// The facts about one company's premises that the new-private-jobs rule reads.
#[derive(Debug, Clone, Copy)]
pub struct Premises {
    pub ownership: Ownership,
    pub jobs: i64,
    pub moved_in: Option<NaiveDate>,
    pub moved_out: Option<NaiveDate>,
    /// When its building was completed, if it has been.
    pub building_completed_on: Option<NaiveDate>,
}

/// The definition [`new_private_jobs`] evaluates, as the API states it.
pub const NEW_PRIVATE_JOBS_DEFINITION: &str = "new private jobs: the jobs of private companies \
present on the day measured that moved in, or whose building was completed, within the \
period; public institutions are not counted; measured on the period's last day once it has \
ended";

/// The jobs of `p` that count as new private jobs in `period`, measured on `on` (see
/// [`Period::evaluated_on`]): a private company present on that day (moved in by then and not
/// moved out) that moved in within the period, or whose building was completed within it (a
/// revitalised plot's new building brings its jobs anew). Public institutions count nothing.
pub fn new_private_jobs(p: &Premises, period: Period, on: NaiveDate) -> i64 {
    let present = p.moved_in.is_none_or(|d| d <= on) && p.moved_out.is_none_or(|d| d > on);
    let new = p.moved_in.is_some_and(|d| period.holds(d, on))
        || p.building_completed_on.is_some_and(|d| period.holds(d, on));
    if p.ownership == Ownership::Private && present && new {
        p.jobs
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_new_jobs() {
        let mut p = Progress::default();
        p.add(PlotStatus::Sold, 10);
        p.add(PlotStatus::UnderConstruction, 5);
        p.add(PlotStatus::Built, 2);
        p.add(PlotStatus::Withdrawn, 100);
        assert_eq!((p.planned, p.under_construction, p.built), (10, 5, 2));
    }

    #[test]
    fn new_private_jobs_count_within_the_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let period = Period {
            start: Some(d("2022-01-01")),
            end: Some(d("2025-12-31")),
        };
        let on = period.evaluated_on(d("2026-11-01"));
        assert_eq!(on, d("2025-12-31"));
        assert!(period.ended(d("2026-11-01")));
        let firm = |moved_in: &str, moved_out: Option<&str>, completed: Option<&str>| Premises {
            ownership: Ownership::Private,
            jobs: 10,
            moved_in: Some(d(moved_in)),
            moved_out: moved_out.map(d),
            building_completed_on: completed.map(d),
        };
        // (premises, jobs counted)
        let cases = [
            (firm("2021-06-01", None, None), 0),                // before
            (firm("2022-01-01", None, None), 10),               // first day
            (firm("2025-12-31", None, None), 10),               // last day
            (firm("2026-01-01", None, None), 0),                // after
            (firm("2023-03-01", Some("2024-05-01"), None), 0),  // left again
            (firm("2023-03-01", Some("2026-02-01"), None), 10), // left after the period
            (firm("2015-01-01", None, Some("2024-09-30")), 10), // revitalised
            (firm("2015-01-01", None, Some("2021-09-30")), 0),  // rebuilt before
        ];
        for (i, (p, jobs)) in cases.iter().enumerate() {
            assert_eq!(new_private_jobs(p, period, on), *jobs, "case {i}");
        }
        let public = Premises {
            ownership: Ownership::Public,
            ..firm("2023-01-01", None, None)
        };
        assert_eq!(new_private_jobs(&public, period, on), 0);
    }
}
