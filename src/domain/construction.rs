//! Where a building is in its construction.

use serde::{Deserialize, Serialize};

/// A building's construction status (BBR's projected, under construction, completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstructionStatus {
    Projected,
    UnderConstruction,
    Completed,
}

impl ConstructionStatus {
    /// Every status, in order.
    pub const ALL: [ConstructionStatus; 3] = [
        ConstructionStatus::Projected,
        ConstructionStatus::UnderConstruction,
        ConstructionStatus::Completed,
    ];

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ConstructionStatus::Projected => "projected",
            ConstructionStatus::UnderConstruction => "under_construction",
            ConstructionStatus::Completed => "completed",
        }
    }
}
