//! Time-driven transitions inside the server: every tick, the applications with something due
//! (`domain::lifecycle::due` decides what: offer windows closing, directions expiring,
//! interest reminders and removals, stop-lists ending) get those actions applied by the system.
//! Every server of a
//! deployment runs the loop, but only the holder of the store's `scheduler` lease works in a
//! tick (renewed every tick; another server takes over once a dead holder's lease runs out).
//! Even so each transition is recorded on the revision it read, so two schedulers could never
//! apply the same change twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::domain::{Action, Actor, RuleError, calendar, lifecycle};
use crate::server::problem::ApiResult;
use crate::server::store::{
    NewEvent, StateAt, StoreError, StoredApplication, TransitionRecord, no_effects,
};
use crate::server::{AppState, allocation};

/// How often the scheduler looks for due work.
const TICK: Duration = Duration::from_secs(5);
/// Applications handled per tick, so one tick never holds the writer for long.
const BATCH: u32 = 256;
/// The scheduler's lease in the store: one server at a time runs the due transitions and the
/// allocation.
pub const LEASE: &str = "scheduler";
/// How long a tick's lease lasts: three ticks, so a live holder keeps it and a dead one's is
/// taken over within this time.
pub const LEASE_TIME: Duration = Duration::from_secs(15);

/// Runs until `stop` turns true.
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    // The process id says which server holds the lease (`SELECT holder FROM leases`).
    let holder = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
    every(TICK, stop, || tick(&state, &holder)).await;
}

async fn tick(state: &AppState, holder: &str) {
    let now = state.now();
    let until = now + chrono::Duration::from_std(LEASE_TIME).expect("a short lease");
    match state.store().take_lease(LEASE, holder, now, until).await {
        Ok(true) => tracing::debug!(holder, "scheduler: this server holds the lease"),
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "scheduler: the lease could not be taken");
            return;
        }
    }
    if let Err(e) = run_due(state, now).await {
        tracing::warn!(error = %e.0, "scheduler: due transitions failed");
    }
    // Places given back by expired offers and directions, and places no child could take
    // before (new registrations, stop-lists ended), go to the next children.
    if let Err(e) = allocation::allocate_everywhere(state).await {
        tracing::warn!(error = %e.0, "scheduler: allocation failed");
    }
}

/// Runs `work` at once and then every `period` (a late round delays the next one rather than
/// bunching them) until `stop` turns true.
pub(crate) async fn every<F: Future<Output = ()>>(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    mut work: impl FnMut() -> F,
) {
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The watch guard is dropped inside the branch (it is not `Send`), so the work runs
        // after the select.
        let stopped = tokio::select! {
            _ = interval.tick() => false,
            _ = stop.wait_for(|stop| *stop) => true,
        };
        if stopped {
            break;
        }
        work().await;
    }
}

/// Applies one system action to an application read at its revision; `false` when another
/// change got in first (the next tick sees the new state).
/// The system's `action` on `app` at `now` under its region's rules, as the record to store.
pub(crate) fn system_record(
    state: &AppState,
    app: &StateAt,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<TransitionRecord, RuleError> {
    let settings = state.config().region_settings(&app.state.cohort.region);
    let transition = lifecycle::apply(
        &app.state,
        action,
        &Actor::System,
        now,
        &settings,
        calendar::Calendar::kazakhstan(),
    )?;
    Ok(TransitionRecord {
        number: app.state.number,
        revision: app.revision,
        transition,
        event: NewEvent {
            actor: Actor::System,
            comment: String::new(),
            signed_xml: None,
        },
        now,
        settings,
        place: None,
        request: None,
        attachments: Vec::new(),
    })
}

async fn apply_system(
    state: &AppState,
    app: &StoredApplication,
    action: &Action,
    now: DateTime<Utc>,
) -> ApiResult<Option<StoredApplication>> {
    let at = StateAt {
        revision: app.revision,
        state: app.state.clone(),
    };
    let record = system_record(state, &at, action, now)?;
    match state.store().record_transition(record, no_effects()).await {
        Ok(recorded) => Ok(Some(recorded.application)),
        Err(StoreError::Conflict) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Applies every due time-driven action; answers how many were applied.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut applied = 0;
    for app in state.store().due(now, BATCH).await? {
        let settings = state.config().region_settings(&app.state.cohort.region);
        let mut current = app;
        for action in lifecycle::due(&current.state, now, &settings) {
            match apply_system(state, &current, &action, now).await? {
                Some(next) => {
                    current = next;
                    applied += 1;
                }
                None => break,
            }
        }
    }
    Ok(applied)
}
