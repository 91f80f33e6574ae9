//! What can be done to an application, and by whom. The codes of the applicant's actions are
//! the path segments of `POST /api/v1/applications/{number}/actions/{action}`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::iin::Iin;

/// The kind of an action without its parameters: what a button or an API path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    ConfirmInterest,
    ChangeBenefit,
    Withdraw,
    AcceptOffer,
    DeclineOffer,
    ExtendDirection,
    RevokeDirection,
    Offer,
    ExpireOffer,
    ExpireDirection,
    Enroll,
    ReviewBenefit,
    ConfirmOutOfTurn,
    CancelUnconfirmedOutOfTurn,
    RemindInterest,
    RemoveUnconfirmed,
    EndStopList,
    CancelOffer,
    AnnulDirection,
    RemindDirection,
}

impl ActionKind {
    pub const ALL: [ActionKind; 20] = [
        ActionKind::ConfirmInterest,
        ActionKind::ChangeBenefit,
        ActionKind::Withdraw,
        ActionKind::AcceptOffer,
        ActionKind::DeclineOffer,
        ActionKind::ExtendDirection,
        ActionKind::RevokeDirection,
        ActionKind::Offer,
        ActionKind::ExpireOffer,
        ActionKind::ExpireDirection,
        ActionKind::Enroll,
        ActionKind::ReviewBenefit,
        ActionKind::ConfirmOutOfTurn,
        ActionKind::CancelUnconfirmedOutOfTurn,
        ActionKind::RemindInterest,
        ActionKind::RemoveUnconfirmed,
        ActionKind::EndStopList,
        ActionKind::CancelOffer,
        ActionKind::AnnulDirection,
        ActionKind::RemindDirection,
    ];

    /// The stable kebab-case code (`confirm-interest`, …), as serialised and in API paths.
    pub fn code(self) -> &'static str {
        match self {
            ActionKind::ConfirmInterest => "confirm-interest",
            ActionKind::ChangeBenefit => "change-benefit",
            ActionKind::Withdraw => "withdraw",
            ActionKind::AcceptOffer => "accept-offer",
            ActionKind::DeclineOffer => "decline-offer",
            ActionKind::ExtendDirection => "extend-direction",
            ActionKind::RevokeDirection => "revoke-direction",
            ActionKind::Offer => "offer",
            ActionKind::ExpireOffer => "expire-offer",
            ActionKind::ExpireDirection => "expire-direction",
            ActionKind::Enroll => "enroll",
            ActionKind::ReviewBenefit => "review-benefit",
            ActionKind::ConfirmOutOfTurn => "confirm-out-of-turn",
            ActionKind::CancelUnconfirmedOutOfTurn => "cancel-unconfirmed-out-of-turn",
            ActionKind::RemindInterest => "remind-interest",
            ActionKind::RemoveUnconfirmed => "remove-unconfirmed",
            ActionKind::EndStopList => "end-stop-list",
            ActionKind::CancelOffer => "cancel-offer",
            ActionKind::AnnulDirection => "annul-direction",
            ActionKind::RemindDirection => "remind-direction",
        }
    }

    pub fn from_code(code: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The i18n key of the button or event label («Подтвердить заинтересованность», …).
    pub fn message_key(self) -> String {
        format!("domain.action.{}", self.code())
    }

    /// Who may ask for this action. Operators do whatever an applicant can, for the citizen in
    /// front of them; the system runs the time-driven ones and makes offers.
    pub fn permits(self, role: Role) -> bool {
        use ActionKind::*;
        match self {
            ConfirmInterest | ChangeBenefit | Withdraw | AcceptOffer | DeclineOffer
            | ExtendDirection | RevokeDirection => {
                matches!(role, Role::Applicant | Role::Operator)
            }
            Enroll | ReviewBenefit | ConfirmOutOfTurn | CancelOffer | AnnulDirection => {
                role == Role::Officer
            }
            Offer
            | ExpireOffer
            | ExpireDirection
            | CancelUnconfirmedOutOfTurn
            | RemindInterest
            | RemoveUnconfirmed
            | EndStopList
            | RemindDirection => role == Role::System,
        }
    }
}

/// An action with its parameters, as the rules apply it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// «Подтвердить заинтересованность»: the next deadline is a period after now.
    ConfirmInterest,
    /// «Изменить льготность»: claim a category (with `documents` attached scans) or, with
    /// `category: None`, give the benefit up. The registration time is kept either way.
    ChangeBenefit {
        category: Option<String>,
        documents: u32,
    },
    /// «Снять с очереди», with the applicant's reason.
    Withdraw { reason: String },
    /// Accept the offer, choosing one of the offered kindergartens: issues the direction.
    AcceptOffer { kindergarten: String },
    /// Decline the offer: back to the queue, registration time kept.
    DeclineOffer,
    /// «Продлить направление»: once, to `until` (at most the setting's days past the current
    /// expiry), with a reason.
    ExtendDirection { until: NaiveDate, reason: String },
    /// «Отозвать направление»: the place is freed, back to the queue with the original time.
    RevokeDirection,
    /// The system offers a free place in one of these kindergartens (catalogue codes).
    Offer { kindergartens: Vec<String> },
    /// The answer window closed in silence: back to the queue.
    ExpireOffer,
    /// The direction was not used in time: annulled, stop-list.
    ExpireDirection,
    /// «Зачислен», marked by the kindergarten or the officer.
    Enroll,
    /// The officer's decision on a pending benefit; a rejection needs a reason.
    ReviewBenefit {
        accept: bool,
        reason: Option<String>,
    },
    /// The officer saw the out-of-turn documents in person after the direction.
    ConfirmOutOfTurn,
    /// The out-of-turn benefit was not confirmed in person in time: direction cancelled,
    /// benefit dropped, back to the general queue.
    CancelUnconfirmedOutOfTurn,
    /// A reminder of the interest deadline, `days_before` it.
    RemindInterest { days_before: u32 },
    /// The interest deadline passed unconfirmed: removed from the queue.
    RemoveUnconfirmed,
    /// The stop-list after an expired direction is over: offers may come again.
    EndStopList,
    /// The officer closed the kindergarten or group of the offered place: the offer is
    /// cancelled, the child back in the queue with its registration time.
    CancelOffer,
    /// The officer annuls a direction, with a reason: the place is freed, the child back in
    /// the queue with its registration time, no stop-list.
    AnnulDirection { reason: String },
    /// The direction expires in two working days: the applicant is reminded, once.
    RemindDirection,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::ConfirmInterest => ActionKind::ConfirmInterest,
            Action::ChangeBenefit { .. } => ActionKind::ChangeBenefit,
            Action::Withdraw { .. } => ActionKind::Withdraw,
            Action::AcceptOffer { .. } => ActionKind::AcceptOffer,
            Action::DeclineOffer => ActionKind::DeclineOffer,
            Action::ExtendDirection { .. } => ActionKind::ExtendDirection,
            Action::RevokeDirection => ActionKind::RevokeDirection,
            Action::Offer { .. } => ActionKind::Offer,
            Action::ExpireOffer => ActionKind::ExpireOffer,
            Action::ExpireDirection => ActionKind::ExpireDirection,
            Action::Enroll => ActionKind::Enroll,
            Action::ReviewBenefit { .. } => ActionKind::ReviewBenefit,
            Action::ConfirmOutOfTurn => ActionKind::ConfirmOutOfTurn,
            Action::CancelUnconfirmedOutOfTurn => ActionKind::CancelUnconfirmedOutOfTurn,
            Action::RemindInterest { .. } => ActionKind::RemindInterest,
            Action::RemoveUnconfirmed => ActionKind::RemoveUnconfirmed,
            Action::EndStopList => ActionKind::EndStopList,
            Action::CancelOffer => ActionKind::CancelOffer,
            Action::AnnulDirection { .. } => ActionKind::AnnulDirection,
            Action::RemindDirection => ActionKind::RemindDirection,
        }
    }
}

/// The roles that act on applications (docs/domain-rules.md, «Who takes part»), plus the
/// server's own scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Operator,
    Officer,
    System,
}

/// Who is acting, with what the rules and the access checks need to know about them. Roles
/// come from the server's configuration, never from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Actor {
    Applicant {
        iin: Iin,
    },
    /// A ЦОН operator, serving the citizen with IIN `serving` when one is present.
    Operator {
        iin: Iin,
        serving: Option<Iin>,
    },
    /// Education department staff of one region (a catalogue region code).
    Officer {
        iin: Iin,
        region: String,
    },
    System,
}

impl Actor {
    pub fn role(&self) -> Role {
        match self {
            Actor::Applicant { .. } => Role::Applicant,
            Actor::Operator { .. } => Role::Operator,
            Actor::Officer { .. } => Role::Officer,
            Actor::System => Role::System,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_path_codes_are_stable_and_serde_agrees() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::from_code(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
        let action = Action::ExtendDirection {
            until: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            reason: "болезнь".into(),
        };
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(json["action"], "extend-direction");
        assert_eq!(json["until"], "2026-12-01");
        assert_eq!(json["action"], action.kind().code());
        let back: Action = serde_json::from_value(json).unwrap();
        assert_eq!(back, action);
    }

    #[test]
    fn each_action_has_its_roles() {
        assert!(ActionKind::ExtendDirection.permits(Role::Operator));
        assert!(!ActionKind::ExtendDirection.permits(Role::Officer));
        assert!(ActionKind::Enroll.permits(Role::Officer));
        assert!(!ActionKind::Offer.permits(Role::Officer));
        assert!(!ActionKind::Offer.permits(Role::Applicant));
        for kind in ActionKind::ALL {
            let roles = [Role::Applicant, Role::Operator, Role::Officer, Role::System];
            assert!(
                roles.iter().any(|&r| kind.permits(r)),
                "{kind:?} has no role"
            );
        }
    }
}
