//! What a plot may be used for.

use serde::{Deserialize, Serialize};

/// The land use of a plot, as the lokalplan allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandUse {
    Residential,
    Office,
    /// Life science and laboratories.
    LifeScience,
    Production,
    RetailService,
    Mixed,
    PublicInstitution,
    GreenRecreational,
    Infrastructure,
}

impl LandUse {
    /// Every land use, in the order the API and the legend list them.
    pub const ALL: [LandUse; 9] = [
        LandUse::Residential,
        LandUse::Office,
        LandUse::LifeScience,
        LandUse::Production,
        LandUse::RetailService,
        LandUse::Mixed,
        LandUse::PublicInstitution,
        LandUse::GreenRecreational,
        LandUse::Infrastructure,
    ];

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            LandUse::Residential => "residential",
            LandUse::Office => "office",
            LandUse::LifeScience => "life_science",
            LandUse::Production => "production",
            LandUse::RetailService => "retail_service",
            LandUse::Mixed => "mixed",
            LandUse::PublicInstitution => "public_institution",
            LandUse::GreenRecreational => "green_recreational",
            LandUse::Infrastructure => "infrastructure",
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
    fn stored_values_round_trip_and_match_serde() {
        for u in LandUse::ALL {
            assert_eq!(LandUse::parse(u.as_str()), Some(u));
            assert_eq!(serde_json::to_value(u).unwrap(), u.as_str());
        }
        assert_eq!(LandUse::parse("Office"), None);
    }
}
