//! Bulk seeding of applications (demo data, benchmarks): one transaction, multi-row statements,
//! numbers allocated per year in registration order, history chained, and the batch added to
//! the queue tree and numbered once at the end instead of per row.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Utc};

use super::SqlStore;
use super::codec::micros;
use super::history::{EventPlace, append_events};
use super::numbers::{cohort_ids, cohort_of, next_sequence};
use super::queue::{QueueMove, move_in_queue, record_queue_changes};
use super::run::{ApplicationRow, insert_applications};
use super::{Backend, Bind, Cells, Exec};
use crate::domain::lifecycle::{EventKind, wake_at};
use crate::domain::{Actor, ApplicationNumber, Cohort, RegionSettings};
use crate::server::store::queue_tree::{QueueKey, QueueSlot, order_key};
use crate::server::store::{NewEvent, SeedApplication, StoreError, StoreResult};

/// [`Store::seed_applications`](crate::server::store::Store::seed_applications) in one
/// transaction.
pub(super) async fn seed_applications<B: Backend>(
    store: &SqlStore<B>,
    name: &str,
    mut applications: Vec<SeedApplication>,
    settings: &(dyn for<'r> Fn(&'r str) -> RegionSettings + Sync),
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin().await?;
    let done: Option<i64> =
        sqlx::query::<B>("SELECT CAST(1 AS BIGINT) FROM seed_batches WHERE name = $1")
            .arg(name)
            .fetch_optional(tx.ex())
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
    if done.is_some() {
        return Ok(false);
    }
    for seed in &mut applications {
        let at = seed.state.registered_at;
        seed.state.registered_at = at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at);
    }
    applications.sort_by_key(|seed| seed.state.registered_at);
    let mut per_year: HashMap<i32, i64> = HashMap::new();
    for seed in &applications {
        *per_year.entry(seed.state.registered_at.year()).or_default() += 1;
    }
    let mut next: HashMap<i32, i64> = HashMap::new();
    for (&year, &count) in &per_year {
        next.insert(year, next_sequence::<B>(&mut tx, year, count).await?);
    }
    let first_id: i64 = sqlx::query::<B>("SELECT COALESCE(MAX(id), 0) + 1 FROM applications")
        .fetch_one(tx.ex())
        .await?
        .try_get(0)?;
    let event = NewEvent {
        actor: Actor::System,
        comment: String::new(),
        signed_xml: None,
    };
    let details = serde_json::Value::Object(Default::default());
    for seed in &mut applications {
        let year = seed.state.registered_at.year();
        let sequence = next.get_mut(&year).expect("every year was counted above");
        seed.state.number = ApplicationNumber::new(year, *sequence as u32, 1)
            .ok_or(StoreError::NumbersExhausted)?;
        *sequence += 1;
    }
    let cohorts: Vec<&Cohort> = applications.iter().map(|seed| &seed.state.cohort).collect();
    let cohorts = cohort_ids::<B>(&mut tx, &cohorts).await?;
    let mut rows = Vec::with_capacity(applications.len());
    for seed in &applications {
        rows.push(ApplicationRow {
            cohort_id: cohort_of(&cohorts, &seed.state.cohort)?,
            order_key: order_key(seed.state.number),
            state: &seed.state,
            child_iin: &seed.child_iin,
            child_name: &seed.child_name,
            applicant_iin: &seed.applicant_iin,
            applicant_name: &seed.applicant_name,
            service_centre: None,
            details: &details,
            wake_at: wake_at(&seed.state, &settings(&seed.state.cohort.region)),
        });
    }
    let ids = insert_applications::<B>(&mut tx, &rows)
        .await
        .map_err(|e| {
            if B::is_unique_violation(&e, "one_open_application_per_child", "child_iin") {
                StoreError::ChildHasOpenApplication
            } else {
                e.into()
            }
        })?;
    let places: Vec<_> = applications
        .iter()
        .zip(&ids)
        .map(|(seed, &application_id)| {
            let place = EventPlace {
                region: &seed.state.cohort.region,
                application_id,
                at_us: micros(seed.state.registered_at),
                kind: EventKind::Registered,
                from: None,
                to: Some(seed.state.status),
            };
            (place, &event)
        })
        .collect();
    append_events::<B>(&mut tx, &places).await?;
    // The queued ones join their cohorts' trees (what was there is counted in them already),
    // and their registration numbers are counted among everything queued then, as a
    // registration's are: the cost follows the batch, not the table.
    let moves: Vec<QueueMove> = applications
        .iter()
        .zip(&rows)
        .zip(&ids)
        .filter_map(|((seed, row), &application_id)| {
            let slot = QueueSlot::of(&seed.state);
            let registered_us = micros(seed.state.registered_at);
            slot.queued.then_some(QueueMove {
                application_id,
                key: QueueKey {
                    cohort_id: row.cohort_id,
                    registered_us,
                    order_key: row.order_key,
                },
                before: QueueSlot {
                    queued: false,
                    scope: slot.scope,
                },
                after: slot,
                kind: EventKind::Registered,
                at_us: registered_us,
            })
        })
        .collect();
    let positions = move_in_queue::<B>(&mut tx, &moves, false).await?;
    let changes: Vec<_> = moves.into_iter().zip(positions).collect();
    record_queue_changes::<B>(&mut tx, &changes).await?;
    let count: i64 = sqlx::query::<B>("SELECT COUNT(*) FROM applications WHERE id >= $1")
        .arg(first_id)
        .fetch_one(tx.ex())
        .await?
        .try_get(0)?;
    sqlx::query::<B>(
        "INSERT INTO seed_batches (name, applications, seeded_us) VALUES ($1, $2, $3)",
    )
    .arg(name)
    .arg(count)
    .arg(micros(now))
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(true)
}
