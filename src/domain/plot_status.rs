//! Where a plot is in its life: from planned to built.

use serde::{Deserialize, Serialize};

/// The status of a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlotStatus {
    Planned,
    /// On the market: investors can acquire it.
    Available,
    Reserved,
    Sold,
    UnderConstruction,
    Built,
    Withdrawn,
}

impl PlotStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [PlotStatus; 7] = [
        PlotStatus::Planned,
        PlotStatus::Available,
        PlotStatus::Reserved,
        PlotStatus::Sold,
        PlotStatus::UnderConstruction,
        PlotStatus::Built,
        PlotStatus::Withdrawn,
    ];

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PlotStatus::Planned => "planned",
            PlotStatus::Available => "available",
            PlotStatus::Reserved => "reserved",
            PlotStatus::Sold => "sold",
            PlotStatus::UnderConstruction => "under_construction",
            PlotStatus::Built => "built",
            PlotStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// The statuses a plot may move to from this one: forward along planned → available →
    /// reserved → sold → under construction → built; back where a deal falls through
    /// (reserved or sold → available) or a plan is taken off the market (available →
    /// planned); withdrawn from any stage before construction, and back to planned from there.
    pub fn next(self) -> &'static [PlotStatus] {
        use PlotStatus::*;
        match self {
            Planned => &[Available, Withdrawn],
            Available => &[Reserved, Planned, Withdrawn],
            Reserved => &[Sold, Available, Withdrawn],
            Sold => &[UnderConstruction, Available, Withdrawn],
            UnderConstruction => &[Built],
            Built => &[],
            Withdrawn => &[Planned],
        }
    }

    /// Whether a plot may go from this status to `to` (staying is always allowed).
    pub fn may_become(self, to: PlotStatus) -> bool {
        self == to || self.next().contains(&to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        use PlotStatus::*;
        assert!(Planned.may_become(Available));
        assert!(
            Reserved.may_become(Available),
            "a reservation can fall through"
        );
        assert!(!Planned.may_become(Sold), "no skipping the market");
        assert!(!Built.may_become(Planned));
        assert!(Built.next().is_empty());
        assert!(Withdrawn.may_become(Planned));
        // Every status is reachable from planned.
        let mut seen = vec![Planned];
        let mut i = 0;
        while i < seen.len() {
            for n in seen[i].next() {
                if !seen.contains(n) {
                    seen.push(*n);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), PlotStatus::ALL.len());
    }

    #[test]
    fn stored_values_round_trip() {
        for s in PlotStatus::ALL {
            assert_eq!(PlotStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
