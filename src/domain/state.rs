//! What the rules know about one application: the state the lifecycle moves.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::benefit::{Benefit, BenefitClass};
use super::calendar::{last_local_day, local_date};
use super::number::ApplicationNumber;
use super::queue::Cohort;
use super::settings::RegionSettings;
use super::status::{RemovalReason, Status};

/// A place offered to the child, awaiting the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The offered kindergartens (catalogue codes); the applicant accepts one of them.
    pub kindergartens: Vec<String>,
    pub made_at: DateTime<Utc>,
    /// The end of the answer window; silence after it passes the place on.
    pub answer_by: DateTime<Utc>,
}

/// The one extension a direction may have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The expiry before the extension.
    pub previous_expiry: DateTime<Utc>,
    pub reason: String,
}

/// An issued direction («Не зачислен» until enrollment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Direction {
    pub kindergarten: String,
    pub issued_at: DateTime<Utc>,
    /// «Дата истечения срока направления»; moved once by an extension.
    pub expires_at: DateTime<Utc>,
    pub extension: Option<Extension>,
    /// For an out-of-turn benefit, the deadline of its confirmation in person; `None` when no
    /// such confirmation is needed or it has been given.
    pub in_person_by: Option<DateTime<Utc>>,
    /// When the applicant is told the direction is about to expire (issue 14: 9:00 in
    /// Kazakhstan, two working days before its last day); `None` once told, or when the
    /// direction was issued or extended too late for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_at: Option<DateTime<Utc>>,
}

impl Direction {
    /// The dates «Дата продления» may take (the new expiry is the end of the chosen day): from
    /// the day it now expires to `extension_max_days` calendar days past its last valid day.
    pub fn extension_dates(&self, settings: &RegionSettings) -> (NaiveDate, NaiveDate) {
        let latest = last_local_day(self.expires_at)
            .checked_add_days(Days::new(u64::from(settings.extension_max_days)))
            .unwrap_or(NaiveDate::MAX);
        (local_date(self.expires_at), latest)
    }
}

/// Why and how the application left the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub reason: RemovalReason,
    /// The applicant's own words when they withdrew.
    pub comment: Option<String>,
}

/// One application as the rules see it. The store keeps it; only `lifecycle::apply` changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationState {
    pub number: ApplicationNumber,
    pub cohort: Cohort,
    pub status: Status,
    /// The queue order: set once at registration and kept through every return to the queue
    /// («в очереди с …»).
    pub registered_at: DateTime<Utc>,
    /// «Дата и время последнего изменения»: the instant of the last event.
    pub last_change_at: DateTime<Utc>,
    pub benefit: Option<Benefit>,
    /// Interest must be confirmed by this instant or the application is removed.
    pub interest_due: DateTime<Utc>,
    /// How many of `RegionSettings::interest_reminder_days` went out for `interest_due`.
    pub interest_reminders_sent: u32,
    /// While set and in the future, no offers (after an unused direction expired).
    pub stop_list_until: Option<DateTime<Utc>>,
    pub offer: Option<Offer>,
    pub direction: Option<Direction>,
    pub removal: Option<Removal>,
}

/// `at` plus the interest period; the end of time for absurd periods rather than a panic.
pub fn interest_deadline(at: DateTime<Utc>, settings: &RegionSettings) -> DateTime<Utc> {
    at.checked_add_months(Months::new(settings.interest_period_months))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl ApplicationState {
    /// A newly registered application «В очереди»; a claimed benefit starts pending review.
    pub fn registered(
        number: ApplicationNumber,
        cohort: Cohort,
        benefit: Option<Benefit>,
        now: DateTime<Utc>,
        settings: &RegionSettings,
    ) -> ApplicationState {
        ApplicationState {
            number,
            cohort,
            status: Status::InQueue,
            registered_at: now,
            last_change_at: now,
            benefit,
            interest_due: interest_deadline(now, settings),
            interest_reminders_sent: 0,
            stop_list_until: None,
            offer: None,
            direction: None,
            removal: None,
        }
    }

    /// The class that orders this child now (only a confirmed benefit counts).
    pub fn benefit_class(&self) -> BenefitClass {
        self.benefit
            .as_ref()
            .map_or(BenefitClass::None, Benefit::effective_class)
    }

    /// On a stop-list at `now`: in the queue, keeping its number, but offered nothing.
    pub fn is_stop_listed(&self, now: DateTime<Utc>) -> bool {
        self.stop_list_until.is_some_and(|until| now < until)
    }

    /// Whether a free place may be offered to this child at `now`.
    pub fn eligible_for_offer(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::InQueue && !self.is_stop_listed(now)
    }
}
