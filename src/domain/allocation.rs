//! The order in which free places are offered (docs/domain-rules.md): the out-of-turn class first;
//! then first-turn and general applications interleaved one to three (one first-turn child, then
//! three general); each class by registration time, then number.
//!
//! Places appear a few at a time, so the interleave cannot restart at every allocation (that
//! would give every single place to a first-turn child): the position in the one-to-three
//! pattern is an [`Interleave`] the store keeps per cohort and advances with each offer made.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::benefit::BenefitClass;
use super::lifecycle::{EventKind, Transition};
use super::number::ApplicationNumber;
use super::state::ApplicationState;
use super::status::Status;

/// General children offered a place per first-turn child.
pub const GENERAL_PER_FIRST_TURN: u32 = 3;

/// An application eligible for an offer ([`ApplicationState::eligible_for_offer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub number: ApplicationNumber,
    pub registered_at: DateTime<Utc>,
    pub class: BenefitClass,
}

impl From<&ApplicationState> for Candidate {
    fn from(state: &ApplicationState) -> Candidate {
        Candidate {
            number: state.number,
            registered_at: state.registered_at,
            class: state.benefit_class(),
        }
    }
}

/// Where a cohort stands in the one-to-three pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Interleave {
    /// General children still to be offered before the next first-turn child; 0 means a
    /// first-turn child is next (the pattern starts with one).
    pub generals_before_first_turn: u32,
}

impl Interleave {
    /// The pattern after a place was offered to a child of `class`. Out-of-turn offers stand
    /// outside the pattern.
    pub fn after(self, class: BenefitClass) -> Interleave {
        match class {
            BenefitClass::OutOfTurn => self,
            BenefitClass::FirstTurn => Interleave {
                generals_before_first_turn: GENERAL_PER_FIRST_TURN,
            },
            BenefitClass::None => Interleave {
                generals_before_first_turn: self.generals_before_first_turn.saturating_sub(1),
            },
        }
    }
}

impl Interleave {
    /// The pattern after the cohort's past offers, oldest first (out-of-turn ones may be
    /// left out). The last four interleaved offers decide it: a first-turn offer resets it.
    pub fn replay(classes: impl IntoIterator<Item = BenefitClass>) -> Interleave {
        classes
            .into_iter()
            .fold(Interleave::default(), Interleave::after)
    }
}

/// How an offer stands, as officers list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// Made, the answer is awaited.
    Awaiting,
    /// Accepted: the direction is issued, the child not yet enrolled.
    Accepted,
    Declined,
    /// Not answered in time.
    Expired,
    Enrolled,
    /// The direction was revoked, expired or cancelled, or the application was withdrawn.
    Cancelled,
}

impl OfferStatus {
    pub const ALL: [OfferStatus; 6] = [
        OfferStatus::Awaiting,
        OfferStatus::Accepted,
        OfferStatus::Declined,
        OfferStatus::Expired,
        OfferStatus::Enrolled,
        OfferStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OfferStatus::Awaiting => "awaiting",
            OfferStatus::Accepted => "accepted",
            OfferStatus::Declined => "declined",
            OfferStatus::Expired => "expired",
            OfferStatus::Enrolled => "enrolled",
            OfferStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<OfferStatus> {
        OfferStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the offer keeps its place taken (an enrollment uses the place up for good).
    pub fn holds_place(self) -> bool {
        matches!(self, OfferStatus::Awaiting | OfferStatus::Accepted)
    }

    /// Whether the place goes back to be offered on (an enrollment uses it up).
    pub fn frees_place(self) -> bool {
        !self.holds_place() && self != OfferStatus::Enrolled
    }

    /// What becomes of the offer the application held (as «Предложено место» or «Выдано
    /// направление») after `transition`; `None` when it held none or keeps it as it is.
    pub fn settled_by(transition: &Transition) -> Option<OfferStatus> {
        if matches!(transition.from, Status::Offered | Status::DirectionIssued) {
            OfferStatus::after(transition.event, transition.to)
        } else {
            None
        }
    }

    /// What becomes of the offer an application holds when `event` moves it to `status`;
    /// `None` when the event leaves the offer as it is (an extension, a benefit review).
    pub fn after(event: EventKind, status: Status) -> Option<OfferStatus> {
        match event {
            EventKind::DirectionIssued => Some(OfferStatus::Accepted),
            EventKind::OfferDeclined => Some(OfferStatus::Declined),
            EventKind::OfferExpired => Some(OfferStatus::Expired),
            EventKind::Enrolled => Some(OfferStatus::Enrolled),
            _ if matches!(status, Status::Offered | Status::DirectionIssued) => None,
            _ => Some(OfferStatus::Cancelled),
        }
    }
}

/// The candidates in the order places go to them, starting from `interleave`. When one of the
/// interleaved classes runs out, the other simply continues.
pub fn order(candidates: &[Candidate], interleave: Interleave) -> Vec<&Candidate> {
    let by_class = |class| {
        let mut list: Vec<&Candidate> = candidates.iter().filter(|c| c.class == class).collect();
        list.sort_by_key(|c| (c.registered_at, c.number));
        list
    };
    let mut result = by_class(BenefitClass::OutOfTurn);
    let mut first = by_class(BenefitClass::FirstTurn).into_iter().peekable();
    let mut general = by_class(BenefitClass::None).into_iter().peekable();
    let mut pattern = interleave;
    loop {
        let first_turn_next = pattern.generals_before_first_turn == 0 || general.peek().is_none();
        let next = if first_turn_next {
            first.next().or_else(|| general.next())
        } else {
            general.next()
        };
        let Some(next) = next else { break };
        pattern = pattern.after(next.class);
        result.push(next);
    }
    result
}

/// A cohort's allocation order taken one child at a time: each [`Picker::pick`] answers what
/// `order(left, pattern).first()` would (the children not yet picked, leaving out those the
/// place excludes, from the pattern the picks so far left), without sorting the queue again for
/// every place: a season's thousands of places go to a queue of tens of thousands.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    out_of_turn: VecDeque<Candidate>,
    first_turn: VecDeque<Candidate>,
    general: VecDeque<Candidate>,
    interleave: Interleave,
}

impl Picker {
    /// The candidates (any order) and where the cohort stands in the one-to-three pattern.
    pub fn new(candidates: Vec<Candidate>, interleave: Interleave) -> Picker {
        let mut picker = Picker {
            interleave,
            ..Picker::default()
        };
        let mut candidates = candidates;
        candidates.sort_by_key(|c| (c.registered_at, c.number));
        for candidate in candidates {
            match candidate.class {
                BenefitClass::OutOfTurn => picker.out_of_turn.push_back(candidate),
                BenefitClass::FirstTurn => picker.first_turn.push_back(candidate),
                BenefitClass::None => picker.general.push_back(candidate),
            }
        }
        picker
    }

    /// The next child in allocation order that `excluded` does not leave out (a child who had
    /// an offer of these places before), taken out of the picker; the pattern moves on.
    pub fn pick(&mut self, excluded: impl Fn(&Candidate) -> bool) -> Option<Candidate> {
        let first = |list: &VecDeque<Candidate>| list.iter().position(|c| !excluded(c));
        let (list, at) = if let Some(at) = first(&self.out_of_turn) {
            (&mut self.out_of_turn, at)
        } else {
            let general = first(&self.general);
            let first_turn = first(&self.first_turn);
            // As `order`: a first-turn child when the pattern says so or no general one is left.
            match (first_turn, general) {
                (Some(at), None) => (&mut self.first_turn, at),
                (Some(at), Some(_)) if self.interleave.generals_before_first_turn == 0 => {
                    (&mut self.first_turn, at)
                }
                (_, Some(at)) => (&mut self.general, at),
                (None, None) => return None,
            }
        };
        let picked = list.remove(at)?;
        self.interleave = self.interleave.after(picked.class);
        Some(picked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn candidate(seq: u32, minute: i64, class: BenefitClass) -> Candidate {
        Candidate {
            number: ApplicationNumber::new(2026, seq, 1).unwrap(),
            registered_at: Utc.with_ymd_and_hms(2026, 2, 2, 9, 0, 0).unwrap()
                + Duration::minutes(minute),
            class,
        }
    }

    fn sequences(list: &[&Candidate]) -> Vec<u32> {
        list.iter().map(|c| c.number.sequence).collect()
    }

    #[test]
    fn out_of_turn_first_then_one_first_turn_per_three_general() {
        use BenefitClass::*;
        let mut all = Vec::new();
        // General 1..=8 registered earliest, first turn 11..=13, out of turn 21 latest of all.
        for seq in 1..=8 {
            all.push(candidate(seq, seq as i64, None));
        }
        for seq in 11..=13 {
            all.push(candidate(seq, seq as i64 * 10, FirstTurn));
        }
        all.push(candidate(21, 1000, OutOfTurn));
        let ordered = order(&all, Interleave::default());
        assert_eq!(
            sequences(&ordered),
            vec![21, 11, 1, 2, 3, 12, 4, 5, 6, 13, 7, 8]
        );
        // Midway in the pattern (one general already given since the last first-turn child).
        let ordered = order(
            &all,
            Interleave {
                generals_before_first_turn: 2,
            },
        );
        assert_eq!(sequences(&ordered)[..5], [21, 1, 2, 11, 3]);
    }

    #[test]
    fn the_pattern_is_replayed_from_past_offers() {
        use BenefitClass::*;
        assert_eq!(Interleave::replay([]), Interleave::default());
        assert_eq!(
            Interleave::replay([None, FirstTurn, None]).generals_before_first_turn,
            2
        );
        assert_eq!(
            Interleave::replay([FirstTurn, None, None, None]),
            Interleave::default()
        );
    }

    #[test]
    fn an_offer_holds_its_place_until_declined_expired_cancelled_or_used() {
        use OfferStatus::*;
        let after = OfferStatus::after;
        assert_eq!(
            after(EventKind::DirectionIssued, Status::DirectionIssued),
            Some(Accepted)
        );
        assert_eq!(
            after(EventKind::DirectionExtended, Status::DirectionIssued),
            Option::None
        );
        assert_eq!(
            after(EventKind::DirectionRevoked, Status::InQueue),
            Some(Cancelled)
        );
        assert_eq!(
            after(EventKind::Withdrawn, Status::Removed),
            Some(Cancelled)
        );
        assert!(Accepted.holds_place() && !Enrolled.holds_place() && !Expired.holds_place());
        assert!(Declined.frees_place() && Cancelled.frees_place() && !Enrolled.frees_place());
        for status in OfferStatus::ALL {
            assert_eq!(OfferStatus::from_code(status.code()), Some(status));
        }
    }

    fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
        let class = prop_oneof![
            3 => Just(BenefitClass::None),
            2 => Just(BenefitClass::FirstTurn),
            1 => Just(BenefitClass::OutOfTurn),
        ];
        proptest::collection::vec((0i64..30, class), 0..50).prop_map(|rows| {
            rows.into_iter()
                .zip(1..)
                .map(|((minute, class), seq)| candidate(seq, minute, class))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn order_is_a_permutation_respecting_classes_and_time(
            all in candidates(), start in 0u32..=GENERAL_PER_FIRST_TURN,
        ) {
            let ordered = order(&all, Interleave { generals_before_first_turn: start });
            let mut got = sequences(&ordered);
            got.sort();
            let mut want: Vec<u32> = all.iter().map(|c| c.number.sequence).collect();
            want.sort();
            prop_assert_eq!(got, want);
            // Out of turn first; inside each class by (time, number).
            let out = ordered.iter().take_while(|c| c.class == BenefitClass::OutOfTurn).count();
            prop_assert!(ordered[out..].iter().all(|c| c.class != BenefitClass::OutOfTurn));
            for class in BenefitClass::ALL {
                let keys: Vec<_> = ordered
                    .iter()
                    .filter(|c| c.class == class)
                    .map(|c| (c.registered_at, c.number))
                    .collect();
                prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
            }
        }

        #[test]
        fn while_both_remain_the_pattern_is_one_to_three(all in candidates()) {
            let ordered = order(&all, Interleave::default());
            let mixed: Vec<_> = ordered.iter().filter(|c| c.class != BenefitClass::OutOfTurn).collect();
            let firsts = mixed.iter().filter(|c| c.class == BenefitClass::FirstTurn).count();
            let generals = mixed.len() - firsts;
            // While neither class has run out, the first n places hold ceil(n/4) first-turn
            // children: F G G G F G G G …
            for n in 0..=mixed.len() {
                let f = mixed[..n].iter().filter(|c| c.class == BenefitClass::FirstTurn).count();
                if f < firsts && n - f < generals {
                    prop_assert_eq!(f, n.div_ceil(4), "after {} places", n);
                }
            }
        }

        #[test]
        fn the_picker_gives_what_the_order_gives_place_by_place(
            all in candidates(),
            start in 0u32..=GENERAL_PER_FIRST_TURN,
            // Per pick, which sequence numbers that place excludes (children it was offered to
            // before): every seventh, shifted by the pick.
            shifts in proptest::collection::vec(0u32..7, 0..60),
        ) {
            let start = Interleave { generals_before_first_turn: start };
            let mut picker = Picker::new(all.clone(), start);
            let mut left = all.clone();
            let mut pattern = start;
            for shift in shifts {
                let excluded = |c: &Candidate| (c.number.sequence + shift) % 7 == 0;
                let eligible: Vec<Candidate> =
                    left.iter().filter(|c| !excluded(c)).cloned().collect();
                let want = order(&eligible, pattern).first().map(|c| (*c).clone());
                let got = picker.pick(excluded);
                prop_assert_eq!(&got, &want);
                if let Some(picked) = want {
                    pattern = pattern.after(picked.class);
                    left.retain(|c| c.number != picked.number);
                }
            }
        }

        #[test]
        fn allocating_one_place_at_a_time_follows_the_same_order(
            all in candidates(), start in 0u32..=GENERAL_PER_FIRST_TURN,
        ) {
            let full = sequences(&order(&all, Interleave { generals_before_first_turn: start }));
            let mut left = all.clone();
            let mut pattern = Interleave { generals_before_first_turn: start };
            let mut one_by_one = Vec::new();
            while let Some(next) = order(&left, pattern).first().map(|c| (*c).clone()) {
                pattern = pattern.after(next.class);
                one_by_one.push(next.number.sequence);
                left.retain(|c| c.number != next.number);
            }
            prop_assert_eq!(one_by_one, full);
        }
    }
}
