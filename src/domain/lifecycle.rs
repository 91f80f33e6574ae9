//! The one state machine of docs/domain-rules.md. Every change of an application goes through
//! [`apply`]; the server refuses whatever it refuses. Time is passed in, so tests move it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::action::{Action, ActionKind, Actor, Role};
use super::benefit::{Benefit, BenefitCategory, BenefitClass, BenefitReview};
use super::calendar::{Calendar, end_of_local_day, kazakhstan_offset};
use super::error::RuleError;
use super::number::ApplicationNumber;
use super::settings::RegionSettings;
use super::state::{self, ApplicationState, Direction, Extension, Removal, interest_deadline};
use super::status::{RemovalReason, Status};
use crate::i18n::Lang;

/// What happened, as the history («История изменений») and the position causes record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Registered,
    InterestConfirmed,
    BenefitChanged,
    Withdrawn,
    OfferMade,
    /// The offer was accepted: the direction is issued.
    DirectionIssued,
    OfferDeclined,
    OfferExpired,
    DirectionExtended,
    DirectionRevoked,
    /// The direction was not used in time: annulled, stop-list.
    DirectionExpired,
    Enrolled,
    BenefitConfirmed,
    BenefitRejected,
    OutOfTurnConfirmed,
    /// The out-of-turn benefit was not confirmed in person: direction cancelled, benefit dropped.
    OutOfTurnUnconfirmed,
    InterestReminder,
    /// Removed: interest not confirmed in time.
    InterestLapsed,
    StopListEnded,
    /// The kindergarten or group of the offered place closed: the offer is cancelled.
    OfferCancelled,
    /// An officer annulled the direction, with a reason.
    DirectionAnnulled,
    /// The direction expires in two working days (a reminder; no status change).
    DirectionExpiring,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Registered => "registered",
            EventKind::InterestConfirmed => "interest_confirmed",
            EventKind::BenefitChanged => "benefit_changed",
            EventKind::Withdrawn => "withdrawn",
            EventKind::OfferMade => "offer_made",
            EventKind::DirectionIssued => "direction_issued",
            EventKind::OfferDeclined => "offer_declined",
            EventKind::OfferExpired => "offer_expired",
            EventKind::DirectionExtended => "direction_extended",
            EventKind::DirectionRevoked => "direction_revoked",
            EventKind::DirectionExpired => "direction_expired",
            EventKind::Enrolled => "enrolled",
            EventKind::BenefitConfirmed => "benefit_confirmed",
            EventKind::BenefitRejected => "benefit_rejected",
            EventKind::OutOfTurnConfirmed => "out_of_turn_confirmed",
            EventKind::OutOfTurnUnconfirmed => "out_of_turn_unconfirmed",
            EventKind::InterestReminder => "interest_reminder",
            EventKind::InterestLapsed => "interest_lapsed",
            EventKind::StopListEnded => "stop_list_ended",
            EventKind::OfferCancelled => "offer_cancelled",
            EventKind::DirectionAnnulled => "direction_annulled",
            EventKind::DirectionExpiring => "direction_expiring",
        }
    }

    /// The i18n key of the event's name in the history.
    pub fn message_key(self) -> String {
        format!("domain.event.{}", self.code())
    }
}

/// A message the applicant must receive about a transition (docs/domain-rules.md, «History,
/// documents, notices»). The server writes it to the outbox in the applicant's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub event: EventKind,
    pub status: Status,
    /// The deadline the message names, if any (answer an offer by, direction valid until,
    /// confirm interest by, stop-list until).
    pub deadline: Option<DateTime<Utc>>,
}

impl Notice {
    /// What a new application tells its applicant: it is in the queue, and interest must be
    /// confirmed by the date it names.
    pub fn of_registration(state: &ApplicationState) -> Notice {
        Notice {
            event: EventKind::Registered,
            status: state.status,
            deadline: Some(state.interest_due),
        }
    }

    /// The message in the applicant's language, for e-mail and SMS alike.
    pub fn text(&self, lang: Lang, number: &ApplicationNumber) -> String {
        let locale = lang.code();
        let number = number.to_string();
        let event = rust_i18n::t!(self.event.message_key(), locale = locale);
        let status = rust_i18n::t!(self.status.message_key(), locale = locale);
        match self.deadline {
            Some(deadline) => {
                // A deadline is the first instant too late; people read the last one in time:
                // «10.12.2026 23:59», not «11.12.2026 00:00».
                let deadline = (deadline - Duration::seconds(1))
                    .with_timezone(&kazakhstan_offset())
                    .format("%d.%m.%Y %H:%M")
                    .to_string();
                rust_i18n::t!(
                    "domain.notice.with_deadline",
                    locale = locale,
                    number = number,
                    event = event,
                    status = status,
                    deadline = deadline
                )
                .into_owned()
            }
            None => rust_i18n::t!(
                "domain.notice.plain",
                locale = locale,
                number = number,
                event = event,
                status = status
            )
            .into_owned(),
        }
    }
}

/// The outcome of one accepted action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub state: ApplicationState,
    pub event: EventKind,
    pub from: Status,
    pub to: Status,
    pub notices: Vec<Notice>,
}

/// Whether `kind` may be asked of `state` at `now`, judging by the state alone (not by the
/// action's parameters nor by who asks): the one place both [`apply`] and
/// [`allowed_actions`] take their answer from.
fn precondition(
    state: &ApplicationState,
    kind: ActionKind,
    now: DateTime<Utc>,
    settings: &RegionSettings,
) -> Result<(), RuleError> {
    use ActionKind::*;
    let statuses: &[Status] = match kind {
        ConfirmInterest | ChangeBenefit | Offer | RemindInterest | RemoveUnconfirmed
        | EndStopList => &[Status::InQueue],
        Withdraw => &[Status::InQueue, Status::Offered],
        AcceptOffer | DeclineOffer | ExpireOffer | CancelOffer => &[Status::Offered],
        ExtendDirection
        | AnnulDirection
        | RevokeDirection
        | ExpireDirection
        | Enroll
        | ConfirmOutOfTurn
        | CancelUnconfirmedOutOfTurn
        | RemindDirection => &[Status::DirectionIssued],
        ReviewBenefit => &[Status::InQueue, Status::Offered, Status::DirectionIssued],
    };
    if !statuses.contains(&state.status) {
        return Err(RuleError::WrongStatus {
            action: kind,
            status: state.status,
        });
    }
    let not_due = |due: bool| {
        if due {
            Ok(())
        } else {
            Err(RuleError::NotDue(kind))
        }
    };
    let before = |deadline: DateTime<Utc>| {
        if now < deadline {
            Ok(())
        } else {
            Err(RuleError::DeadlinePassed(kind))
        }
    };
    match kind {
        Offer => match state.stop_list_until {
            Some(until) if now < until => Err(RuleError::StopListed(until)),
            _ => Ok(()),
        },
        AcceptOffer | DeclineOffer => before(offer_of(state).answer_by),
        ExpireOffer => not_due(now >= offer_of(state).answer_by),
        ExtendDirection => {
            let direction = direction_of(state);
            if direction.extension.is_some() {
                return Err(RuleError::AlreadyExtended);
            }
            before(direction.expires_at)
        }
        ExpireDirection => not_due(now >= direction_of(state).expires_at),
        RemindDirection => {
            let direction = direction_of(state);
            not_due(direction.remind_at.is_some_and(|at| now >= at) && now < direction.expires_at)
        }
        ConfirmOutOfTurn => match direction_of(state).in_person_by {
            Some(by) => before(by),
            None => Err(RuleError::NoInPersonConfirmation),
        },
        CancelUnconfirmedOutOfTurn => match direction_of(state).in_person_by {
            Some(by) => not_due(now >= by),
            None => Err(RuleError::NoInPersonConfirmation),
        },
        ReviewBenefit => match &state.benefit {
            Some(Benefit {
                review: BenefitReview::Pending,
                ..
            }) => Ok(()),
            _ => Err(RuleError::NoPendingBenefit),
        },
        RemindInterest => not_due(due_reminder(state, now, settings).is_some()),
        RemoveUnconfirmed => not_due(now >= state.interest_due),
        EndStopList => not_due(state.stop_list_until.is_some_and(|until| now >= until)),
        ConfirmInterest | ChangeBenefit | Withdraw | RevokeDirection | Enroll | CancelOffer
        | AnnulDirection => Ok(()),
    }
}

/// The offer of an application «Предложено место»; every path to that status sets one.
fn offer_of(state: &ApplicationState) -> &state::Offer {
    state
        .offer
        .as_ref()
        .expect("an application «Предложено место» has an offer")
}

/// The direction of an application «Выдано направление»; every path to that status sets one.
fn direction_of(state: &ApplicationState) -> &Direction {
    state
        .direction
        .as_ref()
        .expect("an application «Выдано направление» has a direction")
}

/// The reminder the scheduler owes now, as (its place in the order reminders fall due, days before the
/// deadline): the latest one whose day has come and that has not gone out. When the server was
/// down past several reminder days, only the latest is sent, not a burst of stale ones.
fn due_reminder(
    state: &ApplicationState,
    now: DateTime<Utc>,
    settings: &RegionSettings,
) -> Option<(usize, u32)> {
    if now >= state.interest_due {
        return None;
    }
    let mut days = settings.interest_reminder_days.clone();
    // Largest lead first, so index order is the order reminders fall due.
    days.sort_by_key(|&d| std::cmp::Reverse(d));
    days.into_iter()
        .enumerate()
        .rfind(|&(_, d)| now + Duration::days(i64::from(d)) >= state.interest_due)
        .filter(|&(order, _)| order >= state.interest_reminders_sent as usize)
}

/// What `role` may do to `state` at `now`: the TUI shows these as buttons and the server
/// refuses every other action. For the system role these are the time-driven actions due now
/// plus the offer.
pub fn allowed_actions(
    state: &ApplicationState,
    role: Role,
    now: DateTime<Utc>,
    settings: &RegionSettings,
) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|&kind| kind.permits(role) && precondition(state, kind, now, settings).is_ok())
        .collect()
}

/// The time-driven actions the scheduler must apply now, in this order (each still applies
/// after the ones before it).
pub fn due(state: &ApplicationState, now: DateTime<Utc>, settings: &RegionSettings) -> Vec<Action> {
    let ready = |kind| precondition(state, kind, now, settings).is_ok();
    let mut actions = Vec::new();
    match state.status {
        Status::Offered if ready(ActionKind::ExpireOffer) => actions.push(Action::ExpireOffer),
        // The in-person deadline falls with or before the expiry: cancelling for it is the
        // more specific outcome (the benefit is dropped too).
        Status::DirectionIssued if ready(ActionKind::CancelUnconfirmedOutOfTurn) => {
            actions.push(Action::CancelUnconfirmedOutOfTurn)
        }
        Status::DirectionIssued if ready(ActionKind::ExpireDirection) => {
            actions.push(Action::ExpireDirection)
        }
        Status::DirectionIssued if ready(ActionKind::RemindDirection) => {
            actions.push(Action::RemindDirection)
        }
        Status::InQueue => {
            if ready(ActionKind::EndStopList) {
                actions.push(Action::EndStopList);
            }
            if ready(ActionKind::RemoveUnconfirmed) {
                actions.push(Action::RemoveUnconfirmed);
            } else if let Some((_, days_before)) = due_reminder(state, now, settings) {
                actions.push(Action::RemindInterest { days_before });
            }
        }
        _ => {}
    }
    actions
}

/// The earliest instant something may fall due for this state: the scheduler looks at it then
/// and `domain::lifecycle::due` decides what (an interest reminder, a lapsed interest, an
/// expired offer or direction, a missed in-person confirmation, the end of a stop-list).
pub fn wake_at(state: &ApplicationState, settings: &RegionSettings) -> Option<DateTime<Utc>> {
    if state.status.is_final() {
        return None;
    }
    let mut reminders = settings.interest_reminder_days.clone();
    reminders.sort_unstable_by(|a, b| b.cmp(a));
    let next_reminder = reminders
        .get(state.interest_reminders_sent as usize)
        .map(|days| state.interest_due - Duration::days(i64::from(*days)));
    let interest =
        (state.status == Status::InQueue).then_some(next_reminder.unwrap_or(state.interest_due));
    let offer = state.offer.as_ref().map(|offer| offer.answer_by);
    let direction = state.direction.as_ref().map(|direction| {
        [direction.in_person_by, direction.remind_at]
            .into_iter()
            .flatten()
            .fold(direction.expires_at, DateTime::min)
    });
    let stop_list = state.stop_list_until;
    [interest, offer, direction, stop_list]
        .into_iter()
        .flatten()
        .min()
}

/// The applicant's own answer to an offer or a direction shows interest as much as the
/// «Подтвердить заинтересованность» button does.
fn confirm_interest(state: &mut ApplicationState, now: DateTime<Utc>, settings: &RegionSettings) {
    state.interest_due = interest_deadline(now, settings);
    state.interest_reminders_sent = 0;
}

/// Back in the queue without the applicant's doing (silence on an offer, an expired or
/// cancelled direction): if the interest deadline passed or is near while the child was out
/// of the queue, the applicant gets the whole reminder period again instead of a removal
/// without warning.
fn return_to_queue(state: &mut ApplicationState, now: DateTime<Utc>, settings: &RegionSettings) {
    state.status = Status::InQueue;
    state.offer = None;
    state.direction = None;
    let lead = settings
        .interest_reminder_days
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    let earliest = now + Duration::days(i64::from(lead));
    if state.interest_due < earliest {
        state.interest_due = earliest;
        state.interest_reminders_sent = 0;
    }
}

/// How many working days before a direction's last day its applicant is reminded.
pub const DIRECTION_REMINDER_WORKING_DAYS: u32 = 2;

/// When the reminder of a direction expiring at `expires_at` falls due: 9:00 in Kazakhstan on
/// the working day [`DIRECTION_REMINDER_WORKING_DAYS`] before its last day (not at midnight:
/// an SMS must not wake the family). `None` when that moment is not after `now` (issued or
/// extended too late for a reminder: the message of the issue or the extension names the
/// deadline already).
fn direction_reminder(
    calendar: &Calendar,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let last = super::calendar::last_local_day(expires_at);
    let day = calendar.sub_working_days(last, DIRECTION_REMINDER_WORKING_DAYS);
    let at = kazakhstan_offset()
        .from_local_datetime(&day.and_hms_opt(9, 0, 0)?)
        .single()?
        .with_timezone(&Utc);
    (at > now).then_some(at)
}

fn required_reason(reason: &str) -> Result<String, RuleError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(RuleError::ReasonRequired)
    } else {
        Ok(reason.to_owned())
    }
}

/// Applies `action`, asked by `actor` at `now`, to `state`: the new state, what happened and
/// the notices to send, or the rule that refuses it. Whether `actor` may touch this particular
/// application at all is [`super::access`]'s question, asked before.
pub fn apply(
    state: &ApplicationState,
    action: &Action,
    actor: &Actor,
    now: DateTime<Utc>,
    settings: &RegionSettings,
    calendar: &Calendar,
) -> Result<Transition, RuleError> {
    let kind = action.kind();
    let role = actor.role();
    if !kind.permits(role) {
        return Err(RuleError::WrongRole { action: kind, role });
    }
    precondition(state, kind, now, settings)?;
    let mut next = state.clone();
    let mut deadline = None;
    let event = match action {
        Action::ConfirmInterest => {
            confirm_interest(&mut next, now, settings);
            EventKind::InterestConfirmed
        }
        Action::ChangeBenefit {
            category,
            documents,
        } => {
            next.benefit = match category {
                Some(code) => {
                    let category = BenefitCategory::find(code)
                        .ok_or_else(|| RuleError::UnknownBenefit(code.clone()))?;
                    if *documents == 0 {
                        return Err(RuleError::BenefitNeedsDocument);
                    }
                    Some(Benefit::claimed(category))
                }
                None => None,
            };
            EventKind::BenefitChanged
        }
        Action::Withdraw { reason } => {
            next.removal = Some(Removal {
                reason: RemovalReason::Withdrawn,
                comment: Some(required_reason(reason)?),
            });
            next.status = Status::Removed;
            next.offer = None;
            EventKind::Withdrawn
        }
        Action::AcceptOffer { kindergarten } => {
            if !offer_of(state).kindergartens.contains(kindergarten) {
                return Err(RuleError::KindergartenNotOffered);
            }
            let out_of_turn = state.benefit_class() == BenefitClass::OutOfTurn;
            let expires_at = calendar.deadline(now, settings.direction_valid_working_days);
            let direction = Direction {
                kindergarten: kindergarten.clone(),
                issued_at: now,
                expires_at,
                extension: None,
                in_person_by: out_of_turn.then(|| {
                    calendar.deadline(now, settings.out_of_turn_confirmation_working_days)
                }),
                remind_at: direction_reminder(calendar, now, expires_at),
            };
            deadline = Some(direction.expires_at);
            next.direction = Some(direction);
            next.offer = None;
            next.status = Status::DirectionIssued;
            confirm_interest(&mut next, now, settings);
            EventKind::DirectionIssued
        }
        Action::DeclineOffer => {
            return_to_queue(&mut next, now, settings);
            confirm_interest(&mut next, now, settings);
            EventKind::OfferDeclined
        }
        Action::ExtendDirection { until, reason } => {
            let reason = required_reason(reason)?;
            let direction = direction_of(state);
            let (first, latest) = direction.extension_dates(settings);
            if *until < first || *until > latest {
                return Err(RuleError::ExtensionDate { latest });
            }
            let new_expiry = end_of_local_day(*until);
            let direction = next.direction.as_mut().expect("checked above");
            direction.extension = Some(Extension {
                previous_expiry: direction.expires_at,
                reason,
            });
            direction.expires_at = new_expiry;
            direction.remind_at = direction_reminder(calendar, now, new_expiry);
            deadline = Some(new_expiry);
            confirm_interest(&mut next, now, settings);
            EventKind::DirectionExtended
        }
        Action::RevokeDirection => {
            return_to_queue(&mut next, now, settings);
            confirm_interest(&mut next, now, settings);
            EventKind::DirectionRevoked
        }
        Action::Offer { kindergartens } => {
            if kindergartens.is_empty() {
                return Err(RuleError::NoKindergarten);
            }
            let answer_by = calendar.deadline(now, settings.offer_window_working_days);
            next.offer = Some(state::Offer {
                kindergartens: kindergartens.clone(),
                made_at: now,
                answer_by,
            });
            next.status = Status::Offered;
            deadline = Some(answer_by);
            EventKind::OfferMade
        }
        Action::ExpireOffer => {
            return_to_queue(&mut next, now, settings);
            EventKind::OfferExpired
        }
        Action::ExpireDirection => {
            return_to_queue(&mut next, now, settings);
            let until = now + Duration::days(i64::from(settings.stop_list_days));
            next.stop_list_until = Some(until);
            deadline = Some(until);
            EventKind::DirectionExpired
        }
        Action::Enroll => {
            next.status = Status::Enrolled;
            EventKind::Enrolled
        }
        Action::ReviewBenefit { accept, reason } => {
            let benefit = next.benefit.as_mut().expect("checked pending above");
            if *accept {
                benefit.review = BenefitReview::Confirmed;
                EventKind::BenefitConfirmed
            } else {
                let reason = required_reason(reason.as_deref().unwrap_or(""))?;
                benefit.review = BenefitReview::Rejected { reason };
                EventKind::BenefitRejected
            }
        }
        Action::ConfirmOutOfTurn => {
            next.direction.as_mut().expect("checked above").in_person_by = None;
            EventKind::OutOfTurnConfirmed
        }
        Action::CancelUnconfirmedOutOfTurn => {
            return_to_queue(&mut next, now, settings);
            next.benefit = None;
            EventKind::OutOfTurnUnconfirmed
        }
        Action::RemindInterest { days_before } => {
            let (order, days) = due_reminder(state, now, settings).expect("checked above");
            if days != *days_before {
                return Err(RuleError::NotDue(kind));
            }
            next.interest_reminders_sent = order as u32 + 1;
            deadline = Some(state.interest_due);
            EventKind::InterestReminder
        }
        Action::RemoveUnconfirmed => {
            next.status = Status::Removed;
            next.removal = Some(Removal {
                reason: RemovalReason::InterestNotConfirmed,
                comment: None,
            });
            EventKind::InterestLapsed
        }
        Action::RemindDirection => {
            let direction = next.direction.as_mut().expect("checked above");
            direction.remind_at = None;
            deadline = Some(direction.expires_at);
            EventKind::DirectionExpiring
        }
        Action::EndStopList => {
            next.stop_list_until = None;
            EventKind::StopListEnded
        }
        Action::CancelOffer => {
            return_to_queue(&mut next, now, settings);
            EventKind::OfferCancelled
        }
        Action::AnnulDirection { reason } => {
            required_reason(reason)?;
            return_to_queue(&mut next, now, settings);
            EventKind::DirectionAnnulled
        }
    };
    next.last_change_at = now;
    let notices = if state.status != next.status || event.tells_the_applicant() {
        vec![Notice {
            event,
            status: next.status,
            deadline,
        }]
    } else {
        Vec::new()
    };
    Ok(Transition {
        from: state.status,
        to: next.status,
        state: next,
        event,
        notices,
    })
}

impl EventKind {
    /// Events that change no status but that the applicant must still hear about.
    fn tells_the_applicant(self) -> bool {
        matches!(
            self,
            EventKind::InterestReminder
                | EventKind::DirectionExpiring
                | EventKind::DirectionExtended
                | EventKind::BenefitConfirmed
                | EventKind::BenefitRejected
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::queue::Cohort;
    use crate::domain::test_support::iin;
    use chrono::{Days, NaiveDate, TimeZone};
    use proptest::prelude::*;

    /// Monday 7 December 2026, 10:00 in Astana.
    fn monday() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 5, 0, 0).unwrap()
    }

    fn end_of(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        end_of_local_day(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn fresh(benefit: Option<Benefit>) -> ApplicationState {
        ApplicationState::registered(
            ApplicationNumber::new(2026, 27, 1).unwrap(),
            Cohort {
                region: "astana".into(),
                birth_year: 2023,
            },
            benefit,
            monday(),
            &RegionSettings::default(),
        )
    }

    fn applicant() -> Actor {
        Actor::Applicant {
            iin: iin(1990, 1, 1),
        }
    }

    fn officer() -> Actor {
        Actor::Officer {
            iin: iin(1980, 1, 2),
            region: "astana".into(),
        }
    }

    fn run(
        state: &ApplicationState,
        action: Action,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Transition, RuleError> {
        apply(
            state,
            &action,
            actor,
            now,
            &RegionSettings::default(),
            Calendar::kazakhstan(),
        )
    }

    fn ok(
        state: &ApplicationState,
        action: Action,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ApplicationState {
        run(state, action, actor, now).unwrap().state
    }

    fn offered(state: &ApplicationState, now: DateTime<Utc>) -> ApplicationState {
        let offer = Action::Offer {
            kindergartens: vec!["ds-1".into(), "ds-2".into()],
        };
        ok(state, offer, &Actor::System, now)
    }

    fn directed(state: &ApplicationState, now: DateTime<Utc>) -> ApplicationState {
        let accept = Action::AcceptOffer {
            kindergarten: "ds-2".into(),
        };
        ok(&offered(state, now), accept, &applicant(), now)
    }

    /// The scheduler looks at a state at its wake time: nothing is due a second before, and
    /// something is due then.
    #[test]
    fn something_falls_due_exactly_at_the_wake_time() {
        let settings = RegionSettings::default();
        let queued = fresh(None);
        let mut stop_listed = fresh(None);
        stop_listed.stop_list_until = Some(monday() + Duration::days(3));
        for state in [
            queued.clone(),
            offered(&queued, monday()),
            directed(&queued, monday()),
            stop_listed,
        ] {
            let wake = wake_at(&state, &settings).expect("an open application wakes");
            assert!(
                due(&state, wake - Duration::seconds(1), &settings).is_empty(),
                "{state:?}"
            );
            assert!(!due(&state, wake, &settings).is_empty(), "{state:?}");
        }
        let mut enrolled = queued;
        enrolled.status = Status::Enrolled;
        assert_eq!(wake_at(&enrolled, &settings), None);
    }

    #[test]
    fn an_offer_is_answered_within_three_working_days() {
        let state = fresh(None);
        let t = run(
            &state,
            Action::Offer {
                kindergartens: vec!["ds-1".into()],
            },
            &Actor::System,
            monday(),
        )
        .unwrap();
        assert_eq!(
            (t.from, t.to, t.event),
            (Status::InQueue, Status::Offered, EventKind::OfferMade)
        );
        // Monday + 3 working days: the end of Thursday.
        let answer_by = end_of(2026, 12, 10);
        assert_eq!(t.state.offer.as_ref().unwrap().answer_by, answer_by);
        assert_eq!(
            t.notices,
            vec![Notice {
                event: EventKind::OfferMade,
                status: Status::Offered,
                deadline: Some(answer_by)
            }]
        );
        let settings = RegionSettings::default();
        assert!(due(&t.state, answer_by - Duration::seconds(1), &settings).is_empty());
        assert_eq!(
            due(&t.state, answer_by, &settings),
            vec![Action::ExpireOffer]
        );
        let late = run(
            &t.state,
            Action::AcceptOffer {
                kindergarten: "ds-1".into(),
            },
            &applicant(),
            answer_by,
        );
        assert_eq!(
            late.unwrap_err(),
            RuleError::DeadlinePassed(ActionKind::AcceptOffer)
        );
        let wrong = run(
            &t.state,
            Action::AcceptOffer {
                kindergarten: "ds-9".into(),
            },
            &applicant(),
            monday(),
        );
        assert_eq!(wrong.unwrap_err(), RuleError::KindergartenNotOffered);
        let back = ok(&t.state, Action::ExpireOffer, &Actor::System, answer_by);
        assert_eq!(back.status, Status::InQueue);
        assert_eq!(back.registered_at, state.registered_at);
        assert!(back.offer.is_none());
        assert_eq!(
            t.notices[0].text(Lang::Ru, &state.number),
            "Заявление УО.2026.000027.1: Предложено место. Статус: «Предложено место». Срок: 10.12.2026 23:59."
        );
        let empty = run(
            &state,
            Action::Offer {
                kindergartens: vec![],
            },
            &Actor::System,
            monday(),
        );
        assert_eq!(empty.unwrap_err(), RuleError::NoKindergarten);
    }

    #[test]
    fn a_direction_is_valid_five_working_days_and_extended_once() {
        // Issued Monday 14 December 2026: 16 December is a holiday, so five working days end on
        // Tuesday 22 December.
        let issued_at = monday() + Duration::days(7);
        let state = directed(&fresh(None), issued_at);
        let direction = state.direction.clone().unwrap();
        assert_eq!(state.status, Status::DirectionIssued);
        assert_eq!(direction.kindergarten, "ds-2");
        assert_eq!(direction.expires_at, end_of(2026, 12, 22));
        assert_eq!(direction.in_person_by, None);
        assert_eq!(
            allowed_actions(
                &state,
                Role::Applicant,
                issued_at,
                &RegionSettings::default()
            ),
            vec![ActionKind::ExtendDirection, ActionKind::RevokeDirection]
        );
        let extend = |until: NaiveDate, reason: &str| Action::ExtendDirection {
            until,
            reason: reason.into(),
        };
        let latest = NaiveDate::from_ymd_opt(2027, 1, 21).unwrap();
        let too_far = run(
            &state,
            extend(latest.succ_opt().unwrap(), "болезнь"),
            &applicant(),
            issued_at,
        );
        assert_eq!(too_far.unwrap_err(), RuleError::ExtensionDate { latest });
        let earlier = run(
            &state,
            extend(NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(), "болезнь"),
            &applicant(),
            issued_at,
        );
        assert_eq!(earlier.unwrap_err(), RuleError::ExtensionDate { latest });
        let no_reason = run(&state, extend(latest, "  "), &applicant(), issued_at);
        assert_eq!(no_reason.unwrap_err(), RuleError::ReasonRequired);
        let t = run(&state, extend(latest, "болезнь"), &applicant(), issued_at).unwrap();
        let extended = t.state.direction.clone().unwrap();
        assert_eq!(extended.expires_at, end_of(2027, 1, 21));
        assert_eq!(
            extended.extension.unwrap().previous_expiry,
            direction.expires_at
        );
        assert_eq!(t.notices[0].deadline, Some(end_of(2027, 1, 21)));
        let again = run(&t.state, extend(latest, "ещё"), &applicant(), issued_at);
        assert_eq!(again.unwrap_err(), RuleError::AlreadyExtended);
    }

    #[test]
    fn an_officer_cancels_an_offer_and_annuls_a_direction_without_a_stop_list() {
        let state = fresh(None);
        let later = monday() + Duration::days(100);
        let offered = offered(&state, later);
        let refused = run(&offered, Action::CancelOffer, &applicant(), later).unwrap_err();
        assert!(
            matches!(refused, RuleError::WrongRole { .. }),
            "{refused:?}"
        );
        let t = run(&offered, Action::CancelOffer, &officer(), later).unwrap();
        assert_eq!(
            (t.from, t.to, t.event),
            (Status::Offered, Status::InQueue, EventKind::OfferCancelled)
        );
        assert_eq!(t.state.registered_at, state.registered_at);
        assert_eq!(t.notices.len(), 1);

        let directed = directed(&state, later);
        let annul = |reason: &str| Action::AnnulDirection {
            reason: reason.into(),
        };
        let no_reason = run(&directed, annul("  "), &officer(), later).unwrap_err();
        assert_eq!(no_reason, RuleError::ReasonRequired);
        let t = run(
            &directed,
            annul("документы не подтвердились"),
            &officer(),
            later,
        )
        .unwrap();
        assert_eq!(
            (t.from, t.to, t.event),
            (
                Status::DirectionIssued,
                Status::InQueue,
                EventKind::DirectionAnnulled
            )
        );
        assert_eq!(t.state.stop_list_until, None);
        assert_eq!(t.state.direction, None);
        let again = run(&t.state, annul("ещё"), &officer(), later).unwrap_err();
        assert!(matches!(again, RuleError::WrongStatus { .. }), "{again:?}");
    }

    #[test]
    fn revoking_returns_to_the_queue_with_the_original_time() {
        let state = fresh(None);
        let later = monday() + Duration::days(100);
        let directed = directed(&state, later);
        let t = run(&directed, Action::RevokeDirection, &applicant(), later).unwrap();
        assert_eq!(
            (t.from, t.to, t.event),
            (
                Status::DirectionIssued,
                Status::InQueue,
                EventKind::DirectionRevoked
            )
        );
        assert_eq!(t.state.registered_at, state.registered_at);
        assert!(t.state.direction.is_none());
        assert!(t.state.eligible_for_offer(later));
    }

    #[test]
    fn a_direction_about_to_expire_is_reminded_once_two_working_days_before() {
        let settings = RegionSettings::default();
        // Issued on Monday 7 December: valid to the end of Monday 14 December.
        let state = directed(&fresh(None), monday());
        let direction = state.direction.clone().unwrap();
        assert_eq!(direction.expires_at, end_of(2026, 12, 14));
        // Two working days before its last day, at 9:00 in Astana: Thursday 10 December.
        let remind_at = Utc.with_ymd_and_hms(2026, 12, 10, 4, 0, 0).unwrap();
        assert_eq!(direction.remind_at, Some(remind_at));
        assert_eq!(wake_at(&state, &settings), Some(remind_at));
        assert!(due(&state, remind_at - Duration::seconds(1), &settings).is_empty());
        assert_eq!(
            due(&state, remind_at, &settings),
            vec![Action::RemindDirection]
        );
        let t = run(&state, Action::RemindDirection, &Actor::System, remind_at).unwrap();
        assert_eq!(
            (t.from, t.to),
            (Status::DirectionIssued, Status::DirectionIssued)
        );
        assert_eq!(t.event, EventKind::DirectionExpiring);
        assert_eq!(t.notices.len(), 1);
        assert_eq!(t.notices[0].event, EventKind::DirectionExpiring);
        assert_eq!(t.notices[0].deadline, Some(direction.expires_at));
        // Once only: nothing more until the expiry itself.
        let later = remind_at + Duration::hours(30);
        assert!(due(&t.state, later, &settings).is_empty());
        assert_eq!(
            run(&t.state, Action::RemindDirection, &Actor::System, later).unwrap_err(),
            RuleError::NotDue(ActionKind::RemindDirection)
        );
        assert_eq!(wake_at(&t.state, &settings), Some(direction.expires_at));
        // Nobody else may send it.
        assert!(run(&state, Action::RemindDirection, &applicant(), remind_at).is_err());
    }

    #[test]
    fn an_extension_sets_a_new_reminder_unless_it_is_too_late_for_one() {
        let state = directed(&fresh(None), monday());
        let extend = |until: NaiveDate, now| {
            let action = Action::ExtendDirection {
                until,
                reason: "Болезнь ребенка".into(),
            };
            ok(&state, action, &applicant(), now)
        };
        // To Monday 28 December: reminded Thursday 24 December at 9:00.
        let extended = extend(NaiveDate::from_ymd_opt(2026, 12, 28).unwrap(), monday());
        assert_eq!(
            extended.direction.unwrap().remind_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 24, 4, 0, 0).unwrap())
        );
        // Extended on its last day to the next one: the extension's own message says it all.
        let late = end_of(2026, 12, 14) - Duration::hours(2);
        let extended = extend(NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(), late);
        assert_eq!(extended.direction.unwrap().remind_at, None);
    }

    #[test]
    fn an_unused_direction_is_annulled_with_a_ten_day_stop_list() {
        let settings = RegionSettings::default();
        let state = directed(&fresh(None), monday());
        // Reminded two working days before, as the scheduler does.
        let remind_at = state.direction.as_ref().unwrap().remind_at.unwrap();
        let state = ok(&state, Action::RemindDirection, &Actor::System, remind_at);
        let expiry = state.direction.as_ref().unwrap().expires_at;
        assert!(due(&state, expiry - Duration::seconds(1), &settings).is_empty());
        assert_eq!(
            due(&state, expiry, &settings),
            vec![Action::ExpireDirection]
        );
        let t = run(&state, Action::ExpireDirection, &Actor::System, expiry).unwrap();
        let until = expiry + Duration::days(10);
        assert_eq!(t.state.stop_list_until, Some(until));
        assert_eq!(t.state.status, Status::InQueue);
        assert_eq!(t.notices[0].deadline, Some(until));
        let offer = Action::Offer {
            kindergartens: vec!["ds-1".into()],
        };
        let refused = run(
            &t.state,
            offer.clone(),
            &Actor::System,
            until - Duration::seconds(1),
        );
        assert_eq!(refused.unwrap_err(), RuleError::StopListed(until));
        assert_eq!(due(&t.state, until, &settings), vec![Action::EndStopList]);
        let back = ok(&t.state, Action::EndStopList, &Actor::System, until);
        assert!(run(&back, offer, &Actor::System, until).is_ok());
        assert_eq!(back.registered_at, state.registered_at);
    }

    #[test]
    fn enrollment_closes_the_application() {
        let state = directed(&fresh(None), monday());
        let refused = run(&state, Action::Enroll, &applicant(), monday());
        assert_eq!(
            refused.unwrap_err(),
            RuleError::WrongRole {
                action: ActionKind::Enroll,
                role: Role::Applicant
            }
        );
        let enrolled = ok(&state, Action::Enroll, &officer(), monday());
        assert_eq!(enrolled.status, Status::Enrolled);
        let settings = RegionSettings::default();
        for role in [Role::Applicant, Role::Operator, Role::Officer, Role::System] {
            assert!(allowed_actions(&enrolled, role, monday(), &settings).is_empty());
        }
        assert!(due(&enrolled, monday() + Duration::days(1000), &settings).is_empty());
    }

    #[test]
    fn interest_is_confirmed_yearly_with_reminders_then_removal() {
        let settings = RegionSettings::default();
        let state = fresh(None);
        let deadline = Utc.with_ymd_and_hms(2027, 12, 7, 5, 0, 0).unwrap();
        assert_eq!(state.interest_due, deadline);
        assert!(due(&state, deadline - Duration::days(31), &settings).is_empty());
        let first = deadline - Duration::days(30);
        assert_eq!(
            due(&state, first, &settings),
            vec![Action::RemindInterest { days_before: 30 }]
        );
        let t = run(
            &state,
            Action::RemindInterest { days_before: 30 },
            &Actor::System,
            first,
        )
        .unwrap();
        assert_eq!(t.notices[0].event, EventKind::InterestReminder);
        assert_eq!(t.notices[0].deadline, Some(deadline));
        let reminded = t.state;
        assert!(due(&reminded, first + Duration::days(1), &settings).is_empty());
        let second = deadline - Duration::days(7);
        assert_eq!(
            due(&reminded, second, &settings),
            vec![Action::RemindInterest { days_before: 7 }]
        );
        let stale = run(
            &reminded,
            Action::RemindInterest { days_before: 30 },
            &Actor::System,
            second,
        );
        assert_eq!(
            stale.unwrap_err(),
            RuleError::NotDue(ActionKind::RemindInterest)
        );
        let reminded = ok(
            &reminded,
            Action::RemindInterest { days_before: 7 },
            &Actor::System,
            second,
        );
        assert!(due(&reminded, deadline - Duration::seconds(1), &settings).is_empty());
        assert_eq!(
            due(&reminded, deadline, &settings),
            vec![Action::RemoveUnconfirmed]
        );
        let t = run(
            &reminded,
            Action::RemoveUnconfirmed,
            &Actor::System,
            deadline,
        )
        .unwrap();
        assert_eq!(t.to, Status::Removed);
        assert_eq!(
            t.state.removal.unwrap().reason,
            RemovalReason::InterestNotConfirmed
        );
        // Confirming instead moves the deadline a year on from the confirmation.
        let confirmed = ok(&reminded, Action::ConfirmInterest, &applicant(), second);
        assert_eq!(
            confirmed.interest_due,
            Utc.with_ymd_and_hms(2028, 11, 30, 5, 0, 0).unwrap()
        );
        assert_eq!(confirmed.interest_reminders_sent, 0);
        assert!(due(&confirmed, deadline, &settings).is_empty());
        // A server down through both reminder days sends one reminder, the latest.
        assert_eq!(
            due(&state, second, &settings),
            vec![Action::RemindInterest { days_before: 7 }]
        );
    }

    #[test]
    fn benefit_review_and_change_keep_the_registration_time() {
        let pending = fresh(Some(Benefit::claimed(
            BenefitCategory::find("teachers").unwrap(),
        )));
        assert_eq!(pending.benefit_class(), BenefitClass::None);
        let no_reason = run(
            &pending,
            Action::ReviewBenefit {
                accept: false,
                reason: None,
            },
            &officer(),
            monday(),
        );
        assert_eq!(no_reason.unwrap_err(), RuleError::ReasonRequired);
        let t = run(
            &pending,
            Action::ReviewBenefit {
                accept: true,
                reason: None,
            },
            &officer(),
            monday(),
        )
        .unwrap();
        assert_eq!(t.event, EventKind::BenefitConfirmed);
        assert_eq!(t.notices.len(), 1, "the applicant hears about the decision");
        assert_eq!(t.state.benefit_class(), BenefitClass::FirstTurn);
        let again = run(
            &t.state,
            Action::ReviewBenefit {
                accept: true,
                reason: None,
            },
            &officer(),
            monday(),
        );
        assert_eq!(again.unwrap_err(), RuleError::NoPendingBenefit);
        let rejected = ok(
            &pending,
            Action::ReviewBenefit {
                accept: false,
                reason: Some("копия нечитаема".into()),
            },
            &officer(),
            monday(),
        );
        assert_eq!(rejected.benefit_class(), BenefitClass::None);
        assert_eq!(rejected.registered_at, pending.registered_at);
        let change = |category: Option<&str>, documents| Action::ChangeBenefit {
            category: category.map(Into::into),
            documents,
        };
        assert_eq!(
            run(
                &rejected,
                change(Some("teachers"), 0),
                &applicant(),
                monday()
            )
            .unwrap_err(),
            RuleError::BenefitNeedsDocument
        );
        assert_eq!(
            run(&rejected, change(Some("nope"), 1), &applicant(), monday()).unwrap_err(),
            RuleError::UnknownBenefit("nope".into())
        );
        let claimed = ok(
            &rejected,
            change(Some("military"), 2),
            &applicant(),
            monday(),
        );
        assert_eq!(
            claimed.benefit.as_ref().unwrap().review,
            BenefitReview::Pending
        );
        let dropped = ok(&claimed, change(None, 0), &applicant(), monday());
        assert_eq!(dropped.benefit, None);
        assert_eq!(dropped.registered_at, pending.registered_at);
    }

    #[test]
    fn out_of_turn_is_confirmed_in_person_or_the_direction_is_cancelled() {
        let settings = RegionSettings::default();
        let mut state = fresh(Some(Benefit::claimed(
            BenefitCategory::find("military").unwrap(),
        )));
        state = ok(
            &state,
            Action::ReviewBenefit {
                accept: true,
                reason: None,
            },
            &officer(),
            monday(),
        );
        assert_eq!(state.benefit_class(), BenefitClass::OutOfTurn);
        let directed = directed(&state, monday());
        let by = directed.direction.as_ref().unwrap().in_person_by.unwrap();
        assert_eq!(by, end_of(2026, 12, 14));
        assert_eq!(
            due(&directed, by, &settings),
            vec![Action::CancelUnconfirmedOutOfTurn]
        );
        let t = run(
            &directed,
            Action::CancelUnconfirmedOutOfTurn,
            &Actor::System,
            by,
        )
        .unwrap();
        assert_eq!(t.to, Status::InQueue);
        assert_eq!(t.state.benefit, None);
        assert_eq!(t.state.benefit_class(), BenefitClass::None);
        assert_eq!(t.state.registered_at, state.registered_at);
        assert!(!t.state.is_stop_listed(by));
        // Confirmed in time: the direction runs to its own expiry.
        let confirmed = ok(&directed, Action::ConfirmOutOfTurn, &officer(), monday());
        assert_eq!(confirmed.direction.as_ref().unwrap().in_person_by, None);
        assert_eq!(
            due(&confirmed, by, &settings),
            vec![Action::ExpireDirection]
        );
        let twice = run(&confirmed, Action::ConfirmOutOfTurn, &officer(), monday());
        assert_eq!(twice.unwrap_err(), RuleError::NoInPersonConfirmation);
    }

    #[test]
    fn buttons_follow_the_seeds_and_roles() {
        let settings = RegionSettings::default();
        let state = fresh(None);
        assert_eq!(
            allowed_actions(&state, Role::Applicant, monday(), &settings),
            vec![
                ActionKind::ConfirmInterest,
                ActionKind::ChangeBenefit,
                ActionKind::Withdraw
            ]
        );
        assert_eq!(
            allowed_actions(&state, Role::Operator, monday(), &settings),
            allowed_actions(&state, Role::Applicant, monday(), &settings)
        );
        assert!(allowed_actions(&state, Role::Officer, monday(), &settings).is_empty());
        assert_eq!(
            allowed_actions(&state, Role::System, monday(), &settings),
            vec![ActionKind::Offer]
        );
        let refused = run(
            &state,
            Action::Withdraw {
                reason: "переезд".into(),
            },
            &officer(),
            monday(),
        );
        assert_eq!(
            refused.unwrap_err(),
            RuleError::WrongRole {
                action: ActionKind::Withdraw,
                role: Role::Officer
            }
        );
        let wrong = run(&state, Action::RevokeDirection, &applicant(), monday()).unwrap_err();
        assert_eq!(
            wrong,
            RuleError::WrongStatus {
                action: ActionKind::RevokeDirection,
                status: Status::InQueue
            }
        );
        let t = run(
            &state,
            Action::Withdraw {
                reason: " переезд ".into(),
            },
            &applicant(),
            monday(),
        )
        .unwrap();
        assert_eq!(t.to, Status::Removed);
        assert_eq!(
            t.state.removal,
            Some(Removal {
                reason: RemovalReason::Withdrawn,
                comment: Some("переезд".into())
            })
        );
    }

    fn any_action() -> impl Strategy<Value = (Action, u8)> {
        let date =
            (0u64..60).prop_map(|d| NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + Days::new(d));
        let action = prop_oneof![
            Just(Action::ConfirmInterest),
            prop_oneof![
                Just(None),
                Just(Some("teachers".to_owned())),
                Just(Some("military".to_owned()))
            ]
            .prop_map(|category| Action::ChangeBenefit {
                category,
                documents: 1
            }),
            Just(Action::Withdraw { reason: "r".into() }),
            prop_oneof![Just("ds-1"), Just("ds-2")].prop_map(|k| Action::AcceptOffer {
                kindergarten: k.into()
            }),
            Just(Action::DeclineOffer),
            date.prop_map(|until| Action::ExtendDirection {
                until,
                reason: "r".into()
            }),
            Just(Action::RevokeDirection),
            Just(Action::Offer {
                kindergartens: vec!["ds-1".into()]
            }),
            Just(Action::Enroll),
            any::<bool>().prop_map(|accept| Action::ReviewBenefit {
                accept,
                reason: Some("r".into())
            }),
            Just(Action::ConfirmOutOfTurn),
            Just(Action::CancelOffer),
            Just(Action::AnnulDirection { reason: "r".into() }),
        ];
        (action, 0u8..4)
    }

    proptest! {
        /// Any sequence of actions, with the scheduler running what is due in between, keeps
        /// the state consistent: the registration time never moves, each status has its data,
        /// what `due` asks for always applies and closed applications allow nothing.
        #[test]
        fn random_histories_keep_the_invariants(
            benefit in any::<bool>(),
            steps in proptest::collection::vec((any_action(), 0i64..(24 * 20)), 1..40),
        ) {
            let settings = RegionSettings::default();
            let calendar = Calendar::kazakhstan();
            let claimed = benefit.then(|| Benefit::claimed(BenefitCategory::find("military").unwrap()));
            let mut state = fresh(claimed);
            let registered_at = state.registered_at;
            let mut now = monday();
            for ((action, who), hours) in steps {
                now += Duration::hours(hours);
                for scheduled in due(&state, now, &settings) {
                    state = apply(&state, &scheduled, &Actor::System, now, &settings, calendar)
                        .map_err(|e| TestCaseError::fail(format!("{scheduled:?}: {e:?}")))?
                        .state;
                }
                let actor = [applicant(), officer(), Actor::System, Actor::Operator { iin: iin(1970, 1, 3), serving: None }][who as usize].clone();
                let allowed = allowed_actions(&state, actor.role(), now, &settings).contains(&action.kind());
                match apply(&state, &action, &actor, now, &settings, calendar) {
                    Ok(t) => {
                        prop_assert!(allowed, "{:?} applied but not allowed", action);
                        prop_assert_eq!(t.from, state.status);
                        prop_assert_eq!(t.to, t.state.status);
                        state = t.state;
                    }
                    Err(RuleError::WrongStatus { .. } | RuleError::WrongRole { .. } | RuleError::NotDue(_)
                        | RuleError::DeadlinePassed(_) | RuleError::StopListed(_) | RuleError::AlreadyExtended
                        | RuleError::NoPendingBenefit | RuleError::NoInPersonConfirmation) => {
                        prop_assert!(!allowed, "{:?} allowed but refused", action);
                    }
                    Err(_) => {} // a parameter was wrong: allowed says nothing about parameters
                }
                prop_assert_eq!(state.registered_at, registered_at);
                prop_assert_eq!(state.status == Status::Offered, state.offer.is_some());
                prop_assert!(state.status != Status::DirectionIssued || state.direction.is_some());
                prop_assert_eq!(state.status == Status::Removed, state.removal.is_some());
                if state.status.is_final() {
                    for role in [Role::Applicant, Role::Operator, Role::Officer, Role::System] {
                        prop_assert!(allowed_actions(&state, role, now, &settings).is_empty());
                    }
                }
            }
        }
    }
}
