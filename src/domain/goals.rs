//! Progress towards the policy goals: which homes and jobs count, and at which stage.

use serde::Serialize;

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

/// The kind of development an area is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Development {
    /// A new town (Kildedal): all its jobs are new.
    NewTown,
    /// A business area being revitalised (Lautrup): its built plots hold the jobs it had.
    Revitalisation,
}

impl Development {
    /// Parses the stored value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new_town" => Some(Development::NewTown),
            "revitalisation" => Some(Development::Revitalisation),
            _ => None,
        }
    }
}

/// Whether a plot's jobs count as *new private* jobs (the municipality's goal of 3,000): not on
/// a public institution, not withdrawn, and in a new town or not yet built.
pub fn counts_as_new_private_jobs(
    status: PlotStatus,
    development: Development,
    public_institution: bool,
) -> bool {
    !public_institution
        && status != PlotStatus::Withdrawn
        && (development == Development::NewTown || status != PlotStatus::Built)
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

        use Development::*;
        // (status, development, public institution) and whether its jobs count as new.
        let cases = [
            (PlotStatus::Built, NewTown, false, true),
            (PlotStatus::Built, Revitalisation, false, false),
            (PlotStatus::Reserved, Revitalisation, false, true),
            (PlotStatus::Reserved, NewTown, true, false),
            (PlotStatus::Withdrawn, NewTown, false, false),
        ];
        for (status, development, public, new) in cases {
            assert_eq!(
                counts_as_new_private_jobs(status, development, public),
                new,
                "{status:?} {development:?} public={public}"
            );
        }
    }
}
