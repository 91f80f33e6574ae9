//! Why the rules refused an action. Each refusal has its own translated message
//! (`domain.rule.*`) and a stable code the API sends.

use chrono::{DateTime, NaiveDate, Utc};

use super::action::{ActionKind, Role};
use super::calendar::local_date;
use super::status::Status;
use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{action:?} is not possible while the application is {status:?}")]
    WrongStatus { action: ActionKind, status: Status },
    #[error("a {role:?} may not {action:?}")]
    WrongRole { action: ActionKind, role: Role },
    #[error("{0:?} is not due yet")]
    NotDue(ActionKind),
    #[error("the deadline of {0:?} has passed")]
    DeadlinePassed(ActionKind),
    #[error("on the stop-list until {0}")]
    StopListed(DateTime<Utc>),
    #[error("an offer names at least one kindergarten")]
    NoKindergarten,
    #[error("this kindergarten was not offered")]
    KindergartenNotOffered,
    #[error("a direction is extended only once")]
    AlreadyExtended,
    #[error("the extension must end after the current expiry and by {latest}")]
    ExtensionDate { latest: NaiveDate },
    #[error("a reason is required")]
    ReasonRequired,
    #[error("unknown benefit category {0}")]
    UnknownBenefit(String),
    #[error("a benefit needs at least one document")]
    BenefitNeedsDocument,
    #[error("there is no benefit awaiting review")]
    NoPendingBenefit,
    #[error("no out-of-turn confirmation is awaited")]
    NoInPersonConfirmation,
}

impl RuleError {
    /// The stable code (snake_case), also the last part of the message key.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::WrongStatus { .. } => "wrong_status",
            RuleError::WrongRole { .. } => "wrong_role",
            RuleError::NotDue(_) => "not_due",
            RuleError::DeadlinePassed(_) => "deadline_passed",
            RuleError::StopListed(_) => "stop_listed",
            RuleError::NoKindergarten => "no_kindergarten",
            RuleError::KindergartenNotOffered => "kindergarten_not_offered",
            RuleError::AlreadyExtended => "already_extended",
            RuleError::ExtensionDate { .. } => "extension_date",
            RuleError::ReasonRequired => "reason_required",
            RuleError::UnknownBenefit(_) => "unknown_benefit",
            RuleError::BenefitNeedsDocument => "benefit_needs_document",
            RuleError::NoPendingBenefit => "no_pending_benefit",
            RuleError::NoInPersonConfirmation => "no_in_person_confirmation",
        }
    }

    pub fn message_key(&self) -> String {
        format!("domain.rule.{}", self.code())
    }

    /// The message in `lang`, with its details filled in.
    pub fn message(&self, lang: Lang) -> String {
        let (key, locale) = (self.message_key(), lang.code());
        match self {
            RuleError::WrongStatus { status, .. } => {
                let status = rust_i18n::t!(status.message_key(), locale = locale);
                rust_i18n::t!(key, locale = locale, status = status).into_owned()
            }
            RuleError::StopListed(until) => {
                let until = local_date(*until).format("%d.%m.%Y").to_string();
                rust_i18n::t!(key, locale = locale, until = until).into_owned()
            }
            RuleError::ExtensionDate { latest } => {
                let latest = latest.format("%d.%m.%Y").to_string();
                rust_i18n::t!(key, locale = locale, latest = latest).into_owned()
            }
            _ => rust_i18n::t!(key, locale = locale).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn messages_name_the_details_in_each_language() {
        let wrong = RuleError::WrongStatus {
            action: ActionKind::RevokeDirection,
            status: Status::InQueue,
        };
        assert!(wrong.message(Lang::Ru).contains("«В очереди»"));
        assert!(wrong.message(Lang::Kk).contains("«Кезекте»"));
        // 20:00 UTC is already the next day in Kazakhstan.
        let until = Utc.with_ymd_and_hms(2026, 12, 10, 20, 0, 0).unwrap();
        assert!(
            RuleError::StopListed(until)
                .message(Lang::En)
                .contains("11.12.2026")
        );
        let latest = NaiveDate::from_ymd_opt(2027, 1, 21).unwrap();
        assert!(
            RuleError::ExtensionDate { latest }
                .message(Lang::Ru)
                .contains("21.01.2027")
        );
        assert_eq!(
            RuleError::AlreadyExtended.message(Lang::Ru),
            "Возможность продления направления осуществляется 1 раз."
        );
    }
}
