//! Reconciliation of published history: for each year, the parts of a split series
//! (`victims_by_form`, `victims_by_gender`, `victims_by_nationality`) should sum to that
//! year's `victims`. A mismatch is not an error (published figures do not always add up,
//! and gender has no category for other/unknown) but every one is reported with the numbers.

use std::collections::BTreeMap;
use std::fmt;

use spor_core::{HistoryRow, Series};

use crate::format_count;

/// A year whose parts of a split series do not add up to its published total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub year: i32,
    pub series: Series,
    /// The year's `victims`.
    pub total: u64,
    /// The sum of the published parts.
    pub sum: u64,
    /// Parts of the series that year whose count is not published (empty).
    pub unpublished: usize,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "history {}: the parts of {} sum to {}, but victims is {}",
            self.year,
            self.series,
            format_count(self.sum),
            format_count(self.total)
        )?;
        let diff = self.sum as i128 - self.total as i128;
        write!(
            f,
            " (difference {}{})",
            if diff > 0 { "+" } else { "−" },
            format_count(diff.unsigned_abs() as u64)
        )?;
        if self.unpublished > 0 {
            write!(f, "; {} part(s) not published", self.unpublished)?;
        }
        Ok(())
    }
}

/// Checks every year of `rows` that has a published `victims` total against the parts of
/// each split series of that year. When some parts are unpublished, only a sum above the
/// total is a mismatch (the missing parts could make up the rest).
pub fn reconcile(rows: &[HistoryRow]) -> Vec<Mismatch> {
    let mut totals: BTreeMap<i32, u64> = BTreeMap::new();
    // (year, series) -> (sum of published parts, unpublished parts)
    let mut parts: BTreeMap<(i32, Series), (u64, usize)> = BTreeMap::new();
    for r in rows {
        match (r.series, r.count) {
            (Series::Victims, Some(n)) => {
                totals.insert(r.year, n);
            }
            (s, c) if s.is_split() => {
                let e = parts.entry((r.year, s)).or_default();
                match c {
                    Some(n) => e.0 += n,
                    None => e.1 += 1,
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for ((year, series), (sum, unpublished)) in parts {
        let Some(&total) = totals.get(&year) else {
            continue;
        };
        let bad = if unpublished == 0 {
            sum != total
        } else {
            sum > total
        };
        if bad {
            out.push(Mismatch {
                year,
                series,
                total,
                sum,
                unpublished,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(series: Series, year: i32, category: &str, count: Option<u64>) -> HistoryRow {
        HistoryRow {
            series,
            year,
            category: (!category.is_empty()).then(|| category.to_string()),
            count,
        }
    }

    #[test]
    fn parts_that_do_not_sum_to_the_total_are_reported_with_the_numbers() {
        let rows = vec![
            row(Series::Victims, 2019, "", Some(98)),
            row(Series::VictimsByGender, 2019, "female", Some(80)),
            row(Series::VictimsByGender, 2019, "male", Some(17)),
            row(Series::VictimsByForm, 2019, "sexual", Some(60)),
            row(Series::VictimsByForm, 2019, "forced_labour", Some(38)),
        ];
        let m = reconcile(&rows);
        assert_eq!(m.len(), 1, "forms add up, gender does not");
        assert_eq!(
            (m[0].series, m[0].total, m[0].sum),
            (Series::VictimsByGender, 98, 97)
        );
        assert_eq!(
            m[0].to_string(),
            "history 2019: the parts of victims_by_gender sum to 97, but victims is 98 (difference −1)"
        );
    }

    #[test]
    fn unpublished_parts_only_count_when_the_known_ones_exceed_the_total() {
        let rows = vec![
            row(Series::Victims, 2010, "", Some(1000)),
            row(Series::VictimsByNationality, 2010, "NG", Some(600)),
            row(Series::VictimsByNationality, 2010, "TH", None),
            row(Series::Victims, 2011, "", Some(10)),
            row(Series::VictimsByNationality, 2011, "NG", Some(12)),
            row(Series::VictimsByNationality, 2011, "TH", None),
        ];
        let m = reconcile(&rows);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].year, 2011);
        assert!(
            m[0].to_string()
                .contains("(difference +2); 1 part(s) not published"),
            "{}",
            m[0]
        );
    }

    #[test]
    fn years_without_a_published_total_are_not_checked() {
        let rows = vec![row(Series::VictimsByForm, 2008, "sexual", Some(5))];
        assert!(reconcile(&rows).is_empty());
    }
}
