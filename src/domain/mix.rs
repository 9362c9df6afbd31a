//! The land-use-mix index: normalised Shannon entropy.
//!
//! For shares p₁…pₖ of k uses (each pᵢ = the use's area / the total area):
//!
//! ```text
//! E = −Σ pᵢ · ln pᵢ / ln k        (terms with pᵢ = 0 count as 0)
//! ```
//!
//! E = 0 when one use takes everything, E = 1 when all k uses are equal. k is the size of the
//! whole set of uses considered, not the number present: an area with two of nine land uses
//! in equal parts scores ln 2 / ln 9 ≈ 0.32, not 1.

/// The entropy index of `amounts` (areas, floor areas: any non-negative measure) over a set
/// of `amounts.len()` uses; `None` when the total is zero or there are fewer than two uses.
pub fn entropy_index(amounts: &[f64]) -> Option<f64> {
    let k = amounts.len();
    let total = amounts.iter().fold(0.0, |a, b| a + b);
    if k < 2 || total <= 0.0 {
        return None;
    }
    let h = amounts
        .iter()
        .filter(|&&a| a > 0.0)
        .map(|&a| {
            let p = a / total;
            -p * p.ln()
        })
        .fold(0.0, |acc, x| acc + x);
    Some(h / (k as f64).ln())
}

/// Share of `part` in `total` (0..1); `None` when the total is zero.
pub fn share(part: f64, total: f64) -> Option<f64> {
    (total > 0.0).then(|| part / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_use_is_0_and_equal_uses_are_1() {
        assert_eq!(entropy_index(&[5.0, 0.0, 0.0]), Some(0.0));
        let e = entropy_index(&[2.0, 2.0, 2.0, 2.0]).unwrap();
        assert!((e - 1.0).abs() < 1e-12);
    }

    #[test]
    fn worked_example() {
        // Shares 0.5, 0.25, 0.25 of a set of 4 uses:
        // H = 0.5 ln 2 + 2 · 0.25 ln 4 = 1.5 ln 2; E = 1.5 ln 2 / ln 4 = 0.75.
        let e = entropy_index(&[10.0, 5.0, 5.0, 0.0]).unwrap();
        assert!((e - 0.75).abs() < 1e-12, "{e}");
    }

    #[test]
    fn nothing_to_mix() {
        assert_eq!(entropy_index(&[0.0, 0.0]), None);
        assert_eq!(entropy_index(&[3.0]), None);
        assert_eq!(share(1.0, 0.0), None);
        assert_eq!(share(1.0, 4.0), Some(0.25));
    }
}
