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
//! direction gives its place back, and on every scheduler tick; two servers doing it at once
//! are safe, because an offer takes a place only while one is left and is recorded on the
//! revision it read.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::domain::allocation::{Interleave, order};
use crate::domain::{Action, ApplicationNumber, Cohort, calendar};
use crate::server::catalogue::{AgeGroup, Catalogue, school_year};
use crate::server::problem::ApiResult;
use crate::server::store::{FreePlaces, OfferScope, StoreError, no_effects};
use crate::server::{AppState, kindergartens, scheduler};

/// Candidates read per class and cohort for one choice; the first in order is taken.
const CANDIDATES: u32 = 8;
/// Re-reads of one place's next child when other changes keep getting in first.
const ATTEMPTS: usize = 5;

/// Offers every open place of the region; answers the applications offered a place.
pub async fn allocate(state: &AppState, region: &str) -> ApiResult<Vec<ApplicationNumber>> {
    let mut offered = Vec::new();
    for place in state.store().free_places(region, true).await? {
        offered.extend(offer_place(state, &place).await?);
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

/// Offers the place's remaining places one by one while eligible children are left.
async fn offer_place(state: &AppState, place: &FreePlaces) -> ApiResult<Vec<ApplicationNumber>> {
    let Some(age) = age_group_of(place) else {
        return Ok(Vec::new());
    };
    let mut had: HashSet<ApplicationNumber> = state
        .store()
        .offers(&OfferScope::Place(place.id), u32::MAX)
        .await?
        .into_iter()
        .map(|offer| offer.number)
        .collect();
    let mut offered = Vec::new();
    let mut remaining = place.remaining;
    let mut conflicts = 0;
    while remaining > 0 && conflicts < ATTEMPTS {
        let now = state.now();
        let Some(number) = next_child(state, &place.region, age, &had, now).await? else {
            break;
        };
        match offer(state, place, number, now).await {
            Ok(()) => {
                had.insert(number);
                offered.push(number);
                remaining -= 1;
            }
            Err(StoreError::Conflict) => conflicts += 1,
            Err(StoreError::NoFreePlace) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(offered)
}

/// The next child a place of `age` goes to, leaving out those who `had` an offer of it: the
/// oldest cohort with an eligible child first.
async fn next_child(
    state: &AppState,
    region: &str,
    age: &AgeGroup,
    had: &HashSet<ApplicationNumber>,
    now: DateTime<Utc>,
) -> ApiResult<Option<ApplicationNumber>> {
    for birth_year in age.birth_years(school_year(calendar::local_date(now))) {
        let cohort = Cohort {
            region: region.to_owned(),
            birth_year,
        };
        // Enough per class that those left out cannot hide the next one.
        let limit = CANDIDATES.saturating_add(u32::try_from(had.len()).unwrap_or(u32::MAX));
        let mut candidates = state.store().candidates(&cohort, now, limit).await?;
        candidates.retain(|c| !had.contains(&c.number));
        if candidates.is_empty() {
            continue;
        }
        let interleave: Interleave = state.store().interleave(&cohort).await?;
        if let Some(first) = order(&candidates, interleave).first() {
            return Ok(Some(first.number));
        }
    }
    Ok(None)
}

/// Offers one of the place's places to the application, as the system.
async fn offer(
    state: &AppState,
    place: &FreePlaces,
    number: ApplicationNumber,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let app = state.store().application(number).await?;
    let action = Action::Offer {
        kindergartens: vec![place.kindergarten.clone()],
    };
    // The candidate was read as eligible; a refusal means its state moved meanwhile.
    let mut record =
        scheduler::system_record(state, &app, &action, now).map_err(|_| StoreError::Conflict)?;
    record.place = Some(place.id);
    state
        .store()
        .record_transition(record, no_effects())
        .await
        .map(|_| ())
}
