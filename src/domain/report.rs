//! The officer's region report (docs/domain-rules.md, «The region report»): months of
//! Kazakhstan's calendar, the range a report covers, and the wait from registration to
//! direction as a histogram in whole days, from which the average and the 90th percentile are
//! read.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The most months one report covers (ten years); a longer range is refused.
pub const MAX_MONTHS: u32 = 120;

/// A month of the calendar, «YYYY-MM».
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    /// 1 to 12.
    month: u32,
}

/// Why a month or a range of months is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MonthError {
    #[error("not a month of the form YYYY-MM")]
    Malformed,
    #[error("the first month is after the last")]
    Reversed,
    #[error("more than {MAX_MONTHS} months")]
    TooLong,
}

impl Month {
    /// `None` unless `month` is 1 to 12 and the year has four digits.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Months from the start of year 0: consecutive months differ by one.
    fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }
}

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(text: &str) -> Result<Month, MonthError> {
        let (year, month) = text.split_once('-').ok_or(MonthError::Malformed)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(MonthError::Malformed);
        }
        let year = year.parse().map_err(|_| MonthError::Malformed)?;
        let month = month.parse().map_err(|_| MonthError::Malformed)?;
        Month::new(year, month).ok_or(MonthError::Malformed)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The months `from..=to` of a report, at most [`MAX_MONTHS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRange {
    from: Month,
    to: Month,
}

impl MonthRange {
    pub fn new(from: Month, to: Month) -> Result<MonthRange, MonthError> {
        let span = to.ordinal() - from.ordinal() + 1;
        if span < 1 {
            return Err(MonthError::Reversed);
        }
        if span > i64::from(MAX_MONTHS) {
            return Err(MonthError::TooLong);
        }
        Ok(MonthRange { from, to })
    }

    pub fn from(self) -> Month {
        self.from
    }

    pub fn to(self) -> Month {
        self.to
    }

    /// Every month of the range, oldest first.
    pub fn months(self) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self.from), move |m| (*m < self.to).then(|| m.next()))
    }
}

/// Directions by the whole days their children waited from registration, and the seconds
/// waited in all (for an exact average).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitHistogram {
    days: BTreeMap<u32, u64>,
    seconds: u64,
}

impl WaitHistogram {
    /// Adds `directions` that waited `days` whole days, `seconds` in all.
    pub fn add(&mut self, days: u32, directions: u64, seconds: u64) {
        if directions > 0 {
            *self.days.entry(days).or_default() += directions;
        }
        self.seconds += seconds;
    }

    /// Adds another histogram (months of a range into its total).
    pub fn merge(&mut self, other: &WaitHistogram) {
        for (&days, &n) in &other.days {
            *self.days.entry(days).or_default() += n;
        }
        self.seconds += other.seconds;
    }

    /// How many directions it counts.
    pub fn count(&self) -> u64 {
        self.days.values().sum()
    }

    /// The average wait in days (exact: from the seconds), `None` without directions.
    pub fn average_days(&self) -> Option<f64> {
        let count = self.count();
        (count > 0).then(|| self.seconds as f64 / count as f64 / 86_400.0)
    }

    /// The `percent`-th percentile of the wait in whole days by the nearest rank: the fewest
    /// days `d` such that at least `percent`% of the directions waited `d` days or less.
    /// Exact to the day; `None` without directions.
    pub fn percentile_days(&self, percent: u32) -> Option<u32> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        // ceil(count × percent / 100), at least the first direction.
        let rank = (count * u64::from(percent.min(100))).div_ceil(100).max(1);
        let mut seen = 0;
        self.days.iter().find_map(|(&days, &n)| {
            seen += n;
            (seen >= rank).then_some(days)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn months_parse_print_and_follow_each_other() {
        assert_eq!(month("2026-09").to_string(), "2026-09");
        assert_eq!(month("2026-12").next(), month("2027-01"));
        for bad in [
            "",
            "2026",
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026-01-01",
            "２０２６-01",
            "-202-01",
            "2026-+1",
        ] {
            assert_eq!(bad.parse::<Month>(), Err(MonthError::Malformed), "{bad}");
        }
    }

    #[test]
    fn a_range_lists_its_months_and_refuses_reversed_or_huge_ones() {
        let range = MonthRange::new(month("2025-11"), month("2026-02")).unwrap();
        let months: Vec<String> = range.months().map(|m| m.to_string()).collect();
        assert_eq!(months, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(
            MonthRange::new(month("2026-02"), month("2026-02"))
                .unwrap()
                .months()
                .count(),
            1
        );
        assert_eq!(
            MonthRange::new(month("2026-03"), month("2026-02")),
            Err(MonthError::Reversed)
        );
        assert!(MonthRange::new(month("2016-03"), month("2026-02")).is_ok());
        assert_eq!(
            MonthRange::new(month("2016-02"), month("2026-02")),
            Err(MonthError::TooLong)
        );
        assert_eq!(
            MonthRange::new(month("1000-01"), month("9999-12")),
            Err(MonthError::TooLong)
        );
    }

    #[test]
    fn the_percentile_is_the_nearest_rank_in_whole_days() {
        let mut waits = WaitHistogram::default();
        assert_eq!(waits.percentile_days(90), None);
        assert_eq!(waits.average_days(), None);
        // Ten directions: 1..=10 days, one each.
        for d in 1..=10 {
            waits.add(d, 1, u64::from(d) * 86_400);
        }
        assert_eq!(waits.percentile_days(90), Some(9));
        assert_eq!(waits.percentile_days(100), Some(10));
        assert_eq!(waits.percentile_days(0), Some(1));
        assert_eq!(waits.average_days(), Some(5.5));
        // An eleventh: rank ceil(9.9) = 10.
        waits.add(400, 1, 400 * 86_400);
        assert_eq!(waits.percentile_days(90), Some(10));
        assert_eq!(waits.count(), 11);
    }

    #[test]
    fn merged_months_give_the_percentile_of_the_whole() {
        let mut a = WaitHistogram::default();
        a.add(30, 9, 9 * 30 * 86_400);
        let mut b = WaitHistogram::default();
        b.add(700, 1, 700 * 86_400 + 43_200);
        let mut total = WaitHistogram::default();
        total.merge(&a);
        total.merge(&b);
        assert_eq!(total.count(), 10);
        assert_eq!(total.percentile_days(90), Some(30));
        assert_eq!(total.percentile_days(91), Some(700));
        assert_eq!(total.average_days(), Some(97.05));
    }
}
