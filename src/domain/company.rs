//! Companies (occupiers): the business clusters of the policy, ownership and the CVR number.

use serde::{Deserialize, Serialize};

/// How far from a plot an investor is shown the companies around it, by cluster (m, straight
/// line in EPSG:25832).
pub const COMPANIES_NEARBY_M: f64 = 1_000.0;

/// The business clusters the municipality's policy names, and everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cluster {
    ItTechnology,
    /// BioTech, MedTech, AI and data for life science: Kildedal's focus.
    LifeScience,
    FinanceFintech,
    Other,
}

impl Cluster {
    /// Every cluster, in the order the API and the map list them.
    pub const ALL: [Cluster; 4] = [
        Cluster::ItTechnology,
        Cluster::LifeScience,
        Cluster::FinanceFintech,
        Cluster::Other,
    ];

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Cluster::ItTechnology => "it_technology",
            Cluster::LifeScience => "life_science",
            Cluster::FinanceFintech => "finance_fintech",
            Cluster::Other => "other",
        }
    }

    /// Parses the stored value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether a company is private or a public institution (which no jobs goal counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    Private,
    Public,
}

impl Ownership {
    pub const ALL: [Ownership; 2] = [Ownership::Private, Ownership::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Private => "private",
            Ownership::Public => "public",
        }
    }
}

/// Whether `cvr` is a CVR number: eight digits, not starting with 0, whose weighted sum
/// (weights 2 7 6 5 4 3 2 1) is a multiple of 11 (the register's modulus-11 check; the
/// database checks the same in `cvr_is_valid`, migration 0019).
pub fn cvr_is_valid(cvr: &str) -> bool {
    const WEIGHTS: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];
    let digits: Vec<u32> = cvr.chars().filter_map(|c| c.to_digit(10)).collect();
    if cvr.len() != 8 || digits.len() != 8 || digits[0] == 0 {
        return false;
    }
    digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u32>() % 11 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvr_numbers_are_checked_by_modulus_11() {
        // Worked by hand: 1 2 3 4 5 6 7 x weighs 2 + 14 + 18 + 20 + 20 + 18 + 14 + x = 106 + x,
        // a multiple of 11 for x = 4. 10150230: 2 + 6 + 25 + 6 + 6 = 45 = 4·11 + 1.
        assert!(cvr_is_valid("12345674"));
        assert!(!cvr_is_valid("12345675"));
        assert!(!cvr_is_valid("10150230"));
        assert!(!cvr_is_valid("02345674"));
        assert!(!cvr_is_valid("1234567"));
        assert!(!cvr_is_valid("123456740"));
        assert!(!cvr_is_valid("1234567a"));
        assert!(!cvr_is_valid("１２３４５６７４"));
    }
}
