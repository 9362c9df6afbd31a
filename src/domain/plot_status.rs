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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_round_trip() {
        for s in PlotStatus::ALL {
            assert_eq!(PlotStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
