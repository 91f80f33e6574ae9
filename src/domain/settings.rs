//! Per-region settings of the rules. The defaults are docs/domain-rules.md's; a region's education
//! department may change them in the server's configuration (the current rules say the age
//! limit is 6, the seeds' service says 7).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegionSettings {
    /// The child must be younger than this on the day of application.
    pub age_limit_years: u32,
    /// A direction is valid this many working days after it is issued.
    pub direction_valid_working_days: u32,
    /// The applicant answers an offer within this many working days.
    pub offer_window_working_days: u32,
    /// One extension of a direction, to at most this many calendar days past its current expiry.
    pub extension_max_days: u32,
    /// After an unused direction expires, no offers for this many calendar days.
    pub stop_list_days: u32,
    /// Interest in a place is confirmed this often.
    pub interest_period_months: u32,
    /// Reminders of the confirmation go out this many days before its deadline.
    pub interest_reminder_days: Vec<u32>,
    /// An out-of-turn benefit is confirmed in person within this many working days after the
    /// direction is issued.
    pub out_of_turn_confirmation_working_days: u32,
}

impl Default for RegionSettings {
    fn default() -> Self {
        RegionSettings {
            age_limit_years: 7,
            direction_valid_working_days: 5,
            offer_window_working_days: 3,
            extension_max_days: 30,
            stop_list_days: 10,
            interest_period_months: 12,
            interest_reminder_days: vec![30, 7],
            out_of_turn_confirmation_working_days: 5,
        }
    }
}

impl RegionSettings {
    /// Whether a child born on `born` has reached the age limit on `today`, and so may no
    /// longer be queued.
    pub fn too_old(&self, born: NaiveDate, today: NaiveDate) -> bool {
        born.checked_add_months(Months::new(12 * self.age_limit_years))
            .is_none_or(|limit| today >= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_the_spec_defaults() {
        let settings: RegionSettings = toml::from_str("age_limit_years = 6").unwrap();
        assert_eq!(settings.age_limit_years, 6);
        assert_eq!(settings.direction_valid_working_days, 5);
        assert_eq!(settings.interest_reminder_days, vec![30, 7]);
    }
}
