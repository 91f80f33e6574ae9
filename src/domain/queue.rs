//! Cohorts, the two queue numbers and why they change (docs/domain-rules.md, «Queue order and
//! numbers»).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::benefit::BenefitClass;
use super::lifecycle::EventKind;
use super::number::ApplicationNumber;
use super::state::ApplicationState;
use super::status::Status;
use crate::i18n::Lang;

/// One queue: a region and the children born in one year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cohort {
    /// The region's code in the catalogue (`data/catalogue.toml`).
    pub region: String,
    pub birth_year: i32,
}

/// «Номер очереди» and «Номер очереди по льготной категории».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct QueuePosition {
    /// 1-based position among the cohort's applications «В очереди».
    pub general: u32,
    /// 1-based position among those with the same benefit class; 0 without a benefit.
    pub benefit: u32,
}

/// Why a child's numbers changed («why did my number change?»): the event that moved them,
/// on the child's own application or on one ahead of it in the same cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionCause {
    /// The first numbers, given at registration.
    Registered,
    /// Something happened to this child's own application (e.g. its benefit was confirmed).
    Own(EventKind),
    /// Something happened to an application ahead (e.g. that child received a direction).
    Ahead(EventKind),
}

/// One application as the queue numbers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub number: ApplicationNumber,
    pub registered_at: DateTime<Utc>,
    pub status: Status,
    /// The class that counts now ([`ApplicationState::benefit_class`]).
    pub class: BenefitClass,
}

impl QueueEntry {
    /// The queue order: registration time, then the application's number.
    pub fn order_key(&self) -> (DateTime<Utc>, ApplicationNumber) {
        (self.registered_at, self.number)
    }
}

impl From<&ApplicationState> for QueueEntry {
    fn from(state: &ApplicationState) -> QueueEntry {
        QueueEntry {
            number: state.number,
            registered_at: state.registered_at,
            status: state.status,
            class: state.benefit_class(),
        }
    }
}

/// The reference computation of both numbers for every active application of one cohort
/// (the store computes them in the database; its tests compare with this). Applications that
/// are not «В очереди» have no numbers.
pub fn positions(cohort: &[QueueEntry]) -> BTreeMap<ApplicationNumber, QueuePosition> {
    let mut active: Vec<&QueueEntry> = cohort
        .iter()
        .filter(|e| e.status == Status::InQueue)
        .collect();
    active.sort_by_key(|e| e.order_key());
    let mut per_class: BTreeMap<BenefitClass, u32> = BTreeMap::new();
    active
        .iter()
        .zip(1..)
        .map(|(entry, general)| {
            let benefit = if entry.class == BenefitClass::None {
                0
            } else {
                let seen = per_class.entry(entry.class).or_default();
                *seen += 1;
                *seen
            };
            (entry.number, QueuePosition { general, benefit })
        })
        .collect()
}

/// One recorded change of a child's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionChange {
    pub number: ApplicationNumber,
    pub before: Option<QueuePosition>,
    pub after: Option<QueuePosition>,
    pub cause: PositionCause,
}

/// The changes of numbers an event on application `subject` caused in its cohort, with their
/// causes, from the numbers before and after it.
pub fn changes(
    before: &BTreeMap<ApplicationNumber, QueuePosition>,
    after: &BTreeMap<ApplicationNumber, QueuePosition>,
    subject: ApplicationNumber,
    event: EventKind,
) -> Vec<PositionChange> {
    let numbers: BTreeSet<&ApplicationNumber> = before.keys().chain(after.keys()).collect();
    numbers
        .into_iter()
        .filter_map(|number| {
            let (b, a) = (before.get(number).copied(), after.get(number).copied());
            (b != a).then(|| PositionChange {
                number: *number,
                before: b,
                after: a,
                cause: match (*number == subject, event) {
                    (true, EventKind::Registered) => PositionCause::Registered,
                    (true, event) => PositionCause::Own(event),
                    (false, event) => PositionCause::Ahead(event),
                },
            })
        })
        .collect()
}

impl PositionCause {
    /// The message the applicant reads: «why did my number change?».
    pub fn message(&self, lang: Lang) -> String {
        let locale = lang.code();
        match self {
            PositionCause::Registered => {
                rust_i18n::t!("domain.cause.registered", locale = locale).into_owned()
            }
            PositionCause::Own(event) => {
                let event = rust_i18n::t!(event.message_key(), locale = locale);
                rust_i18n::t!("domain.cause.own", locale = locale, event = event).into_owned()
            }
            PositionCause::Ahead(event) => {
                let event = rust_i18n::t!(event.message_key(), locale = locale);
                rust_i18n::t!("domain.cause.ahead", locale = locale, event = event).into_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn entry(seq: u32, minute: i64, status: Status, class: BenefitClass) -> QueueEntry {
        QueueEntry {
            number: ApplicationNumber::new(2026, seq, 1).unwrap(),
            registered_at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
                + Duration::minutes(minute),
            status,
            class,
        }
    }

    #[test]
    fn numbers_count_active_applications_ahead() {
        use BenefitClass::*;
        let cohort = vec![
            entry(4, 3, Status::InQueue, FirstTurn),
            entry(1, 0, Status::InQueue, None),
            entry(2, 1, Status::DirectionIssued, FirstTurn),
            entry(3, 1, Status::InQueue, FirstTurn),
            // Same minute as 3: the number breaks the tie.
            entry(5, 1, Status::InQueue, OutOfTurn),
        ];
        let p = positions(&cohort);
        let at = |seq| {
            p.get(&ApplicationNumber::new(2026, seq, 1).unwrap())
                .copied()
        };
        assert_eq!(
            at(1),
            Some(QueuePosition {
                general: 1,
                benefit: 0
            })
        );
        assert_eq!(at(2), Option::None);
        assert_eq!(
            at(3),
            Some(QueuePosition {
                general: 2,
                benefit: 1
            })
        );
        assert_eq!(
            at(5),
            Some(QueuePosition {
                general: 3,
                benefit: 1
            })
        );
        assert_eq!(
            at(4),
            Some(QueuePosition {
                general: 4,
                benefit: 2
            })
        );
    }

    #[test]
    fn changes_name_the_event_ahead_or_own() {
        use BenefitClass::*;
        let mut cohort = vec![
            entry(1, 0, Status::InQueue, None),
            entry(2, 1, Status::InQueue, None),
            entry(3, 2, Status::InQueue, FirstTurn),
        ];
        let before = positions(&cohort);
        cohort[0].status = Status::Offered;
        let after = positions(&cohort);
        let subject = cohort[0].number;
        let found = changes(&before, &after, subject, EventKind::OfferMade);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].cause, PositionCause::Own(EventKind::OfferMade));
        assert_eq!(found[0].after, Option::None);
        assert_eq!(found[1].cause, PositionCause::Ahead(EventKind::OfferMade));
        assert_eq!(
            found[1].after,
            Some(QueuePosition {
                general: 1,
                benefit: 0
            })
        );
        // The benefit number of child 3 did not move, its general number did.
        assert_eq!(
            found[2].after,
            Some(QueuePosition {
                general: 2,
                benefit: 1
            })
        );
        assert_eq!(
            found[1].cause.message(Lang::Ru),
            "По заявлению впереди вас: Предложено место"
        );
    }

    fn cohort_strategy() -> impl Strategy<Value = Vec<QueueEntry>> {
        let status = prop_oneof![
            Just(Status::InQueue),
            Just(Status::Offered),
            Just(Status::DirectionIssued),
            Just(Status::Enrolled),
            Just(Status::Removed),
        ];
        let class = prop_oneof![
            Just(BenefitClass::None),
            Just(BenefitClass::FirstTurn),
            Just(BenefitClass::OutOfTurn),
        ];
        proptest::collection::vec((0i64..50, status, class), 0..60).prop_map(|rows| {
            rows.into_iter()
                .zip(1..)
                .map(|((minute, status, class), seq)| entry(seq, minute, status, class))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn numbers_are_dense_and_agree_with_a_naive_count(cohort in cohort_strategy()) {
            let p = positions(&cohort);
            let active: Vec<_> = cohort.iter().filter(|e| e.status == Status::InQueue).collect();
            prop_assert_eq!(p.len(), active.len());
            let mut generals: Vec<u32> = p.values().map(|q| q.general).collect();
            generals.sort();
            prop_assert_eq!(generals, (1..=active.len() as u32).collect::<Vec<_>>());
            for e in &active {
                let ahead = active.iter().filter(|o| o.order_key() < e.order_key()).count() as u32;
                let same = active
                    .iter()
                    .filter(|o| o.class == e.class && o.order_key() < e.order_key())
                    .count() as u32;
                let q = p[&e.number];
                prop_assert_eq!(q.general, ahead + 1);
                let expected = if e.class == BenefitClass::None { 0 } else { same + 1 };
                prop_assert_eq!(q.benefit, expected);
            }
        }
    }
}
