//! Offers of published free places (docs/domain-rules.md, «Offers and directions»): the system
//! offers each place to the next eligible child in allocation order, at once, with nobody choosing.
//!
//! A group takes the birth years of its age group in the current school year
//! ([`AgeGroup::birth_years`]); each place goes to the oldest of those cohorts that has an
//! eligible child (older children leave the group's ages first), and inside the cohort to the
//! next child of `domain::allocation::order` (out of turn, then first turn and general one to
//! three, the pattern kept per cohort). A child is never offered the same published places
//! twice: a declined or expired offer returns the child to the queue with its registration time,
//! so the place would otherwise come straight back. Desired kindergartens do not restrict
//! offers: the applicant may decline. Allocation runs when places are published, when an offer or a
//! direction gives its place back, and on every scheduler tick.
//!
//! At scale (a season's ten thousand places over a queue of fifty thousand) the offers are
//! planned first: each cohort's candidates are read once, as many as the open places could take,
//! and the places are given out in memory by [`Picker`], which answers what `order` would for
//! every single place. Then every planned offer is queued with the store at once, and its
//! writer commits them in batches, each batch one transaction in which every offer is whole (the
//! application's state, the place taken, the offer row, the history event, the queue numbers,
//! the parent's notice), so a crash leaves none half-made. Two servers doing it at once are
//! safe: an offer takes a place only while one is left and is recorded on the revision the plan
//! read; an offer refused for either reason leaves its place open, and the places still open are
//! planned again from what the store holds then.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use futures::future::join_all;

use crate::domain::allocation::Picker;
use crate::domain::{Action, ApplicationNumber, Cohort, calendar};
use crate::server::catalogue::{AgeGroup, Catalogue, school_year};
use crate::server::problem::ApiResult;
use crate::server::store::{FreePlaces, OfferScope, StoreError, no_effects};
use crate::server::{AppState, kindergartens, scheduler};

/// Plans made one after another while offers keep being refused (other changes got in first).
const ATTEMPTS: usize = 5;

/// Offers every open place of the region; answers the applications offered a place.
pub async fn allocate(state: &AppState, region: &str) -> ApiResult<Vec<ApplicationNumber>> {
    let mut offered = Vec::new();
    for _ in 0..ATTEMPTS {
        let places = state.store().free_places(region, true).await?;
        if places.is_empty() {
            break;
        }
        let now = state.now();
        let planned = plan(state, region, &places, now).await?;
        if planned.is_empty() {
            break;
        }
        let (made, refused) = offer_all(state, planned, now).await?;
        offered.extend(made);
        if refused == 0 {
            break;
        }
    }
    Ok(offered)
}

/// [`allocate`] in every region of the catalogue (the scheduler's tick).
pub async fn allocate_everywhere(state: &AppState) -> ApiResult<usize> {
    let mut offered = 0;
    for region in &Catalogue::bundled().regions {
        offered += allocate(state, &region.code).await?.len();
    }
    Ok(offered)
}

/// The age group a published place is for, by its group's code (kindergartens officers added
/// are not in the bundled catalogue).
fn age_group_of(place: &FreePlaces) -> Option<&'static AgeGroup> {
    kindergartens::age_of_group(&place.group)
}

/// One offer to make: a place of `place` to the application `number`.
struct Planned<'a> {
    place: &'a FreePlaces,
    number: ApplicationNumber,
}

/// An open published set of places with what allocation needs to know about it.
struct Open<'a> {
    place: &'a FreePlaces,
    /// Its birth years, oldest first.
    years: Vec<i32>,
    /// The applications offered these places before.
    had: HashSet<ApplicationNumber>,
}

/// Gives out the open places, oldest published first, as offering them one by one would.
async fn plan<'a>(
    state: &AppState,
    region: &str,
    places: &'a [FreePlaces],
    now: DateTime<Utc>,
) -> ApiResult<Vec<Planned<'a>>> {
    let year = school_year(calendar::local_date(now));
    let mut open = Vec::with_capacity(places.len());
    // The most children a cohort can be asked for: every place that takes it, plus those its
    // places leave out (they would not hide the next eligible child).
    let mut demand: BTreeMap<i32, u32> = BTreeMap::new();
    for place in places {
        let Some(age) = age_group_of(place) else {
            continue;
        };
        let had: HashSet<ApplicationNumber> = state
            .store()
            .offers(&OfferScope::Place(place.id), u32::MAX)
            .await?
            .into_iter()
            .map(|offer| offer.number)
            .collect();
        let years: Vec<i32> = age.birth_years(year).collect();
        let wanted = place
            .remaining
            .saturating_add(u32::try_from(had.len()).unwrap_or(u32::MAX));
        for &birth_year in &years {
            let total = demand.entry(birth_year).or_default();
            *total = total.saturating_add(wanted);
        }
        open.push(Open { place, years, had });
    }
    let mut pickers: BTreeMap<i32, Picker> = BTreeMap::new();
    for (&birth_year, &limit) in &demand {
        let cohort = Cohort {
            region: region.to_owned(),
            birth_year,
        };
        let candidates = state.store().candidates(&cohort, now, limit).await?;
        if candidates.is_empty() {
            continue;
        }
        let interleave = state.store().interleave(&cohort).await?;
        pickers.insert(birth_year, Picker::new(candidates, interleave));
    }
    let mut planned = Vec::new();
    for Open { place, years, had } in &open {
        for _ in 0..place.remaining {
            let next = years.iter().find_map(|birth_year| {
                pickers
                    .get_mut(birth_year)?
                    .pick(|candidate| had.contains(&candidate.number))
            });
            let Some(child) = next else { break };
            planned.push(Planned {
                place,
                number: child.number,
            });
        }
    }
    Ok(planned)
}

/// Queues every planned offer with the store at once and waits for their commits; answers the
/// applications offered and how many offers were refused (the application changed since it
/// was read, or the place was taken meanwhile).
async fn offer_all(
    state: &AppState,
    planned: Vec<Planned<'_>>,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<ApplicationNumber>, usize)> {
    let numbers: Vec<ApplicationNumber> = planned.iter().map(|p| p.number).collect();
    let mut read: BTreeMap<ApplicationNumber, _> = state
        .store()
        .states(&numbers)
        .await?
        .into_iter()
        .map(|at| (at.state.number, at))
        .collect();
    let mut refused = 0;
    let mut pending = Vec::with_capacity(planned.len());
    for Planned { place, number } in planned {
        let Some(app) = read.remove(&number) else {
            refused += 1;
            continue;
        };
        let action = Action::Offer {
            kindergartens: vec![place.kindergarten.clone()],
        };
        // The candidate was read as eligible; a refusal means its state moved meanwhile.
        let Ok(mut record) = scheduler::system_record(state, &app, &action, now) else {
            refused += 1;
            continue;
        };
        record.place = Some(place.id);
        pending.push((
            number,
            state.store().record_transition(record, no_effects()),
        ));
    }
    let (numbers, answers): (Vec<_>, Vec<_>) = pending.into_iter().unzip();
    let mut offered = Vec::with_capacity(numbers.len());
    let mut failure = None;
    for (number, answer) in numbers.into_iter().zip(join_all(answers).await) {
        match answer {
            Ok(_) => offered.push(number),
            Err(StoreError::Conflict | StoreError::NoFreePlace) => refused += 1,
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok((offered, refused)),
    }
}
