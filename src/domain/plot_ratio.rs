//! Bebyggelsesprocent (plot ratio): gross floor area (etageareal) × 100 / plot area (grundareal).

/// The plot ratio in percent of `floor_area_m2` on `plot_area_m2`; `None` for an empty plot.
pub fn plot_ratio_pct(floor_area_m2: f64, plot_area_m2: f64) -> Option<f64> {
    (plot_area_m2 > 0.0).then(|| floor_area_m2 * 100.0 / plot_area_m2)
}

/// Whether a plot ratio exceeds the lokalplan's maximum (none set: never).
pub fn exceeds(plot_ratio_pct: Option<f64>, max_plot_ratio_pct: Option<f64>) -> bool {
    matches!((plot_ratio_pct, max_plot_ratio_pct), (Some(r), Some(max)) if r > max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_limit() {
        // 3,000 m² of floor on a 2,000 m² plot: 150 %.
        assert_eq!(plot_ratio_pct(3_000.0, 2_000.0), Some(150.0));
        assert_eq!(plot_ratio_pct(0.0, 2_000.0), Some(0.0));
        assert_eq!(plot_ratio_pct(10.0, 0.0), None);
        assert!(exceeds(Some(150.0), Some(110.0)));
        assert!(!exceeds(Some(110.0), Some(110.0)));
        assert!(!exceeds(Some(150.0), None));
    }
}
