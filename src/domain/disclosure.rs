//! Job figures of companies are public in aggregate only (domain.md): a sum over one or two
//! companies whose own figures are not public would publish them. Statistics offices withhold
//! such cells (Danmarks Statistik's discretion rule: fewer than three units), and withhold a
//! second cell where the first could be worked out from a published total and the cells
//! published beside it. This module decides which cells of a table may be published.
//!
//! The rule is applied within each table (a goal's figures by cluster, by area; the companies
//! by cluster). It does not stop differencing over time: a goal's figure on the day before and
//! the day after one company moves in differ by that company's jobs, as any published series
//! would.

/// The fewest companies with figures of their own not public that a published job figure may
/// rest on.
pub const MIN_COMPANIES: i64 = 3;

/// The rule in words, for answers that withhold a figure.
pub const RULE: &str = "a job figure resting on one or two companies whose own figures are not \
public is withheld (null), and so is a second figure where the first could be worked out from \
the total";

/// A job figure and how many companies behind it have figures of their own that are not public
/// (those with jobs only: a company without jobs adds nothing to learn).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub jobs: i64,
    pub private: i64,
}

impl Cell {
    /// A company's figure: `public` when its own figure is published.
    pub fn company(jobs: i64, public: bool) -> Self {
        Cell {
            jobs,
            private: i64::from(!public && jobs > 0),
        }
    }

    pub fn add(&mut self, other: Cell) {
        self.jobs += other.jobs;
        self.private += other.private;
    }

    /// Whether this figure alone would tell a company's own.
    pub fn discloses(self) -> bool {
        self.private > 0 && self.private < MIN_COMPANIES
    }

    /// The figure, or `None` when it must be withheld.
    pub fn published(self) -> Option<i64> {
        (!self.discloses()).then_some(self.jobs)
    }
}

/// Which of `cells`, the parts of a total that is published beside them, may be published
/// (`true`), and whether the total may. A cell that discloses is withheld; then, while the
/// withheld cells together still disclose (the total less the published cells tells their sum),
/// the published cell with the most jobs is withheld too (beside a small one, a small second
/// cell would leave the first nearly known); the total is withheld when it discloses itself or
/// nothing is left to withhold.
pub fn publishable(cells: &[Cell]) -> (bool, Vec<bool>) {
    let mut shown: Vec<bool> = cells.iter().map(|c| !c.discloses()).collect();
    let total = cells.iter().fold(Cell::default(), |mut t, c| {
        t.add(*c);
        t
    });
    if total.discloses() {
        return (false, shown);
    }
    loop {
        let mut hidden = Cell::default();
        for (c, _) in cells.iter().zip(&shown).filter(|(_, s)| !**s) {
            hidden.add(*c);
        }
        if !hidden.discloses() {
            return (true, shown);
        }
        let next = (0..cells.len())
            .filter(|&i| shown[i] && cells[i].private > 0)
            .max_by_key(|&i| (cells[i].jobs, cells[i].private));
        match next {
            Some(i) => shown[i] = false,
            None => return (false, shown),
        }
    }
}

/// Which cells of a second breakdown of the same total (a goal by area beside by cluster) may
/// be published. Two breakdowns are the margins of a cross table (cluster × area), and with the
/// companies collection telling who sits where, margins can give away a cross cell. So when any
/// cross cell discloses (`cross_discloses`), every cell of the second breakdown that rests on
/// such companies is withheld, except a lone one whose figure the total (when `total_shown`) and
/// the public figures tell anyway. Otherwise the cells are checked as [`publishable`] checks
/// them.
pub fn publishable_beside(cells: &[Cell], total_shown: bool, cross_discloses: bool) -> Vec<bool> {
    if !cross_discloses {
        return publishable(cells).1;
    }
    let resting = cells.iter().filter(|c| c.private > 0).count();
    cells
        .iter()
        .map(|c| c.private == 0 || (resting == 1 && total_shown))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(jobs: i64, private: i64) -> Cell {
        Cell { jobs, private }
    }

    #[test]
    fn a_company_with_a_public_figure_or_no_jobs_tells_nothing() {
        assert_eq!(Cell::company(210, true), cell(210, 0));
        assert_eq!(Cell::company(0, false), cell(0, 0));
        assert_eq!(Cell::company(95, false), cell(95, 1));
        assert_eq!(cell(305, 1).published(), None);
        assert_eq!(cell(305, 0).published(), Some(305));
        assert_eq!(cell(500, 3).published(), Some(500));
        assert_eq!(cell(0, 0).published(), Some(0));
    }

    #[test]
    fn a_withheld_cell_is_not_left_to_subtraction() {
        // Two clusters of three companies and one of one: the one is withheld, and the largest
        // other with it, so that the total tells only their sum, and that loosely.
        let cells = [cell(300, 3), cell(90, 3), cell(40, 1), cell(0, 0)];
        assert_eq!(publishable(&cells), (true, vec![false, true, false, true]));
        // Two withheld cells of three companies together: nothing more is needed.
        let cells = [cell(300, 3), cell(90, 2), cell(40, 1)];
        assert_eq!(publishable(&cells), (true, vec![true, false, false]));
        // Nothing to withhold.
        let cells = [cell(300, 3), cell(90, 4), cell(0, 0)];
        assert_eq!(publishable(&cells), (true, vec![true, true, true]));
    }

    #[test]
    fn a_second_breakdown_is_withheld_where_a_cross_cell_discloses() {
        // By area beside by cluster: a cross cell of one company withholds both areas that rest
        // on such companies, not the area without any.
        let areas = [cell(8, 1), cell(710, 5), cell(0, 0)];
        assert_eq!(
            publishable_beside(&areas, true, true),
            vec![false, false, true]
        );
        // A lone area is what the total says: published with it, withheld without it.
        let areas = [cell(0, 0), cell(640, 4)];
        assert_eq!(publishable_beside(&areas, true, true), vec![true, true]);
        assert_eq!(publishable_beside(&areas, false, true), vec![true, false]);
        // No cross cell discloses: the usual check.
        let areas = [cell(300, 3), cell(400, 5)];
        assert_eq!(publishable_beside(&areas, true, false), vec![true, true]);
    }

    #[test]
    fn a_total_of_two_companies_is_withheld_with_its_parts() {
        let cells = [cell(210, 0), cell(95, 1), cell(0, 0)];
        assert_eq!(publishable(&cells), (false, vec![true, false, true]));
        let cells = [cell(45, 1), cell(140, 1)];
        assert_eq!(publishable(&cells), (false, vec![false, false]));
        // One cell of two and one of four: the total (six) may be published only if the two
        // are hidden together with the four.
        let cells = [cell(100, 2), cell(400, 4)];
        assert_eq!(publishable(&cells), (true, vec![false, false]));
    }
}
