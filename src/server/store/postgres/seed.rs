//! Bulk seeding of applications in SQLite (demo data, benchmarks): one transaction, multi-row
//! statements, numbers allocated per year in registration order, history chained, and the queue
//! tree built once at the end instead of per row.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Utc};
use futures::TryStreamExt;
use sqlx::Row;

use super::PostgresStore;
use super::codec::micros;
use super::history::{EventPlace, append_events};
use super::numbers::{cohort_ids, cohort_of, next_sequence};
use super::queue::{TreeDelta, tree_add};
use super::run::{ApplicationRow, insert_applications};
use crate::domain::lifecycle::{EventKind, wake_at};
use crate::domain::{Actor, ApplicationNumber, Cohort, RegionSettings};
use crate::server::store::queue_tree::{self, order_key};
use crate::server::store::{NewEvent, SeedApplication, StoreError, StoreResult};

/// [`Store::seed_applications`](crate::server::store::Store::seed_applications) in one
/// transaction.
pub(super) async fn seed_applications(
    store: &PostgresStore,
    name: &str,
    mut applications: Vec<SeedApplication>,
    settings: &(dyn for<'r> Fn(&'r str) -> RegionSettings + Sync),
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin().await?;
    let done: Option<i64> =
        sqlx::query_scalar("SELECT 1::BIGINT FROM seed_batches WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
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
        next.insert(year, next_sequence(&mut tx, year, count).await?);
    }
    let first_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM applications")
        .fetch_one(&mut *tx)
        .await?;
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
    let cohorts = cohort_ids(&mut tx, &cohorts).await?;
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
    let ids =
        insert_applications(&mut tx, &rows)
            .await
            .map_err(|e| match e.as_database_error() {
                Some(db) if db.constraint() == Some("one_open_application_per_child") => {
                    StoreError::ChildHasOpenApplication
                }
                _ => e.into(),
            })?;
    let places: Vec<_> = applications
        .iter()
        .zip(ids)
        .map(|(seed, application_id)| {
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
    append_events(&mut tx, &places).await?;
    let cohort_ids: Vec<i64> = cohorts.into_values().collect();
    rebuild_queue_tree(&mut tx, &cohort_ids).await?;
    // The registration numbers of the seeded queued applications, counted among everything
    // queued in their cohorts, by window functions in one statement.
    sqlx::query(
            "INSERT INTO queue_changes (cohort_id, at_us, application_id, registered_us, \
                 order_key, was_queued, is_queued, class_before, class_after, cause, \
                 general_after, benefit_after) \
             SELECT cohort_id, registered_us, id, registered_us, order_key, FALSE, TRUE, queue_class, \
                 queue_class, 'registered', general, CASE WHEN queue_class = 0 THEN 0 ELSE benefit END \
             FROM ( \
                 SELECT id, cohort_id, registered_us, order_key, queue_class, \
                     ROW_NUMBER() OVER (PARTITION BY cohort_id \
                         ORDER BY registered_us, order_key) AS general, \
                     ROW_NUMBER() OVER (PARTITION BY cohort_id, queue_class \
                         ORDER BY registered_us, order_key) AS benefit \
                 FROM applications WHERE queued) AS q \
             WHERE id >= $1 ORDER BY registered_us, order_key",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE id >= $1")
        .bind(first_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO seed_batches (name, applications, seeded_us) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(count)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Recomputes the queue trees of `cohorts` from the applications themselves.
async fn rebuild_queue_tree(conn: &mut sqlx::PgConnection, cohorts: &[i64]) -> StoreResult<()> {
    for &cohort in cohorts {
        sqlx::query("DELETE FROM queue_tree WHERE cohort_id = $1")
            .bind(cohort)
            .execute(&mut *conn)
            .await?;
        let mut counts: HashMap<i64, HashMap<i64, i64>> = HashMap::new();
        {
            let mut rows = sqlx::query(
                "SELECT queue_class, registered_us FROM applications \
                 WHERE cohort_id = $1 AND queued",
            )
            .bind(cohort)
            .fetch(&mut *conn);
            while let Some(row) = rows.try_next().await? {
                let (class, registered_us): (i64, i64) = (row.get(0), row.get(1));
                let bucket = queue_tree::bucket(registered_us);
                *counts
                    .entry(queue_tree::SCOPE_ALL)
                    .or_default()
                    .entry(bucket)
                    .or_default() += 1;
                if class != queue_tree::SCOPE_ALL {
                    *counts.entry(class).or_default().entry(bucket).or_default() += 1;
                }
            }
        }
        let deltas: Vec<TreeDelta> = counts
            .into_iter()
            .flat_map(|(scope, buckets)| {
                buckets.into_iter().map(move |(bucket, delta)| TreeDelta {
                    cohort_id: cohort,
                    scope,
                    bucket,
                    delta,
                })
            })
            .collect();
        tree_add(conn, &deltas).await?;
    }
    Ok(())
}
