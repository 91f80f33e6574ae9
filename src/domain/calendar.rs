//! Working days in Kazakhstan: weekends and public holidays (`data/holidays_kz.toml`) are
//! skipped when a deadline counts working days. Deadlines are instants in Kazakhstan's time,
//! UTC+5 for the whole country since 1 March 2024.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::Deserialize;

/// Kazakhstan's single time zone.
pub fn kazakhstan_offset() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600).expect("UTC+5 is a valid offset")
}

/// The calendar date in Kazakhstan at instant `at`.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&kazakhstan_offset()).date_naive()
}

/// The instant a local day ends (the next day's midnight in Kazakhstan): a deadline "on" a
/// date holds through all of that date.
pub fn end_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(NaiveDate::MAX);
    kazakhstan_offset()
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// The last local date still within a deadline (the inverse of [`end_of_local_day`]): a
/// direction that expires at the end of 22 December is valid through 22 December.
pub fn last_local_day(deadline: DateTime<Utc>) -> NaiveDate {
    local_date(deadline - chrono::Duration::nanoseconds(1))
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("the holiday table is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0} is not a date of the holiday table")]
    Date(String),
}

#[derive(Deserialize)]
struct HolidayFile {
    first_year: i32,
    last_year: i32,
    national: Vec<String>,
    religious_every_year: Vec<String>,
    kurban_ait: Vec<NaiveDate>,
    extra_days_off: Vec<NaiveDate>,
}

/// The days off besides weekends, for the years the table covers. Outside those years only
/// weekends are skipped.
#[derive(Debug, Clone)]
pub struct Calendar {
    days_off: BTreeSet<NaiveDate>,
}

static KAZAKHSTAN: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::from_toml(include_str!("../../data/holidays_kz.toml"))
        .expect("data/holidays_kz.toml is part of the build and checked by tests")
});

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Kazakhstan's calendar from the bundled table.
    pub fn kazakhstan() -> &'static Calendar {
        &KAZAKHSTAN
    }

    /// Builds a calendar from a table in the format of `data/holidays_kz.toml`.
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let file: HolidayFile = toml::from_str(text)?;
        let month_day = |year: i32, text: &String| -> Result<NaiveDate, CalendarError> {
            let (m, d) = text
                .split_once('-')
                .ok_or_else(|| CalendarError::Date(text.clone()))?;
            let (m, d) = (m.parse().ok(), d.parse().ok());
            m.zip(d)
                .and_then(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
                .ok_or_else(|| CalendarError::Date(text.clone()))
        };
        let mut days_off = BTreeSet::new();
        let mut carried = Vec::new();
        for year in file.first_year..=file.last_year {
            for text in &file.religious_every_year {
                days_off.insert(month_day(year, text)?);
            }
            for text in &file.national {
                let date = month_day(year, text)?;
                days_off.insert(date);
                if is_weekend(date) {
                    carried.push(date);
                }
            }
        }
        days_off.extend(file.kurban_ait.iter().copied());
        days_off.extend(file.extra_days_off.iter().copied());
        // Carry each weekend holiday, in date order, to the next day that is still working, so
        // that Nauryz on a weekend moves onto Monday and Tuesday, not twice onto Monday.
        carried.sort();
        for holiday in carried {
            let mut day = holiday;
            while is_weekend(day) || days_off.contains(&day) {
                day = day
                    .succ_opt()
                    .expect("the table's years are far from the end of time");
            }
            days_off.insert(day);
        }
        Ok(Calendar { days_off })
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.days_off.contains(&date)
    }

    /// The `n`-th working day after `date` (`date` itself does not count); `date` when `n` is 0.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
            if day == NaiveDate::MAX {
                return day;
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The `n`-th working day before `date` (`date` itself does not count); `date` when `n` is
    /// 0.
    pub fn sub_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.checked_sub_days(Days::new(1)).unwrap_or(NaiveDate::MIN);
            if day == NaiveDate::MIN {
                return day;
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The deadline `n` working days after `now`: the end of the `n`-th working day after
    /// today in Kazakhstan. An offer made on Friday evening with 3 days is answered by the end
    /// of Wednesday, so the weekend never eats the applicant's time.
    pub fn deadline(&self, now: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        end_of_local_day(self.add_working_days(local_date(now), n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_bundled_table_has_every_holiday_each_year() {
        let kz = Calendar::kazakhstan();
        for year in 2024..=2030 {
            for (m, d) in [
                (1, 1),
                (1, 2),
                (1, 7),
                (3, 8),
                (3, 21),
                (3, 22),
                (3, 23),
                (5, 1),
                (5, 7),
                (5, 9),
                (7, 6),
                (8, 30),
                (10, 25),
                (12, 16),
            ] {
                assert!(!kz.is_working_day(date(year, m, d)), "{year}-{m}-{d}");
            }
        }
        assert!(!kz.is_working_day(date(2026, 5, 27)), "Kurban ait 2026");
        assert!(kz.is_working_day(date(2026, 5, 28)));
        // Dates outside the table: only weekends.
        assert!(kz.is_working_day(date(2031, 1, 1)));
    }

    #[test]
    fn weekend_national_holidays_carry_over_and_religious_do_not() {
        let kz = Calendar::kazakhstan();
        // 2026: Nauryz 21-23 March is Sat, Sun, Mon: Tue 24 and Wed 25 are off instead.
        assert!(!kz.is_working_day(date(2026, 3, 24)));
        assert!(!kz.is_working_day(date(2026, 3, 25)));
        assert!(kz.is_working_day(date(2026, 3, 26)));
        // 2028: 1 January is a Saturday, 2 January a Sunday: Monday 3 and Tuesday 4 are off.
        assert!(!kz.is_working_day(date(2028, 1, 3)));
        assert!(!kz.is_working_day(date(2028, 1, 4)));
        assert!(kz.is_working_day(date(2028, 1, 5)));
        // 2024: Kurban ait fell on Sunday 16 June; Monday 17 June was a working day.
        assert!(kz.is_working_day(date(2024, 6, 17)));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let kz = Calendar::kazakhstan();
        // Friday 4 December 2026 + 3: Mon 7, Tue 8, Wed 9.
        assert_eq!(kz.add_working_days(date(2026, 12, 4), 3), date(2026, 12, 9));
        // Tuesday 15 December 2026 + 1: 16 December is Independence Day.
        assert_eq!(
            kz.add_working_days(date(2026, 12, 15), 1),
            date(2026, 12, 17)
        );
        // Friday 20 March 2026 + 1: weekend, Nauryz and its carried days: Thursday 26 March.
        assert_eq!(kz.add_working_days(date(2026, 3, 20), 1), date(2026, 3, 26));
        assert_eq!(kz.add_working_days(date(2026, 3, 20), 0), date(2026, 3, 20));
    }

    #[test]
    fn deadline_is_the_end_of_the_day_in_kazakhstan() {
        let kz = Calendar::kazakhstan();
        // 23:30 UTC on Thursday 3 December is already Friday 4 December in Astana.
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 23, 30, 0).unwrap();
        assert_eq!(local_date(now), date(2026, 12, 4));
        let deadline = kz.deadline(now, 3);
        // The end of Wednesday 9 December in Astana is 19:00 UTC that day.
        assert_eq!(
            deadline,
            Utc.with_ymd_and_hms(2026, 12, 9, 19, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_bad_table_is_refused() {
        let text = "first_year = 2024\nlast_year = 2024\nnational = [\"02-30\"]\n\
                    religious_every_year = []\nkurban_ait = []\nextra_days_off = []";
        assert!(matches!(
            Calendar::from_toml(text),
            Err(CalendarError::Date(_))
        ));
    }

    proptest! {
        #[test]
        fn adding_working_days_lands_on_a_working_day_and_adds_up(
            start in 0u32..(365 * 7), a in 1u32..40, b in 1u32..40,
        ) {
            let kz = Calendar::kazakhstan();
            let start = date(2024, 1, 1) + Days::new(u64::from(start));
            let end = kz.add_working_days(start, a);
            prop_assert!(kz.is_working_day(end));
            prop_assert!(end > start);
            prop_assert_eq!(kz.add_working_days(end, b), kz.add_working_days(start, a + b));
            // Exactly `a` working days lie in (start, end].
            let mut count = 0;
            let mut day = start;
            while day < end {
                day = day.succ_opt().unwrap();
                if kz.is_working_day(day) { count += 1; }
            }
            prop_assert_eq!(count, a);
        }
    }
}
