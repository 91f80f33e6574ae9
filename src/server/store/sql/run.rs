//! The write runs: a batch of submissions and transitions recorded inside the writer's
//! transaction with a few statements for all of them (`writer.rs` commits the batch and retries
//! a failed run one write at a time).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Utc};
use sqlx::QueryBuilder;

use super::attachments;
use super::codec::{micros, state_json, time};
use super::history::{EventPlace, append_events};
use super::idempotency::{check_request, remember, stored_answers};
use super::numbers::{cohort_ids, cohort_of, next_sequence};
use super::offers;
use super::outbox::notify;
use super::queue::{QueueMove, move_in_queue, record_queue_changes};
use super::reads::{application_row, application_rows, decode_application};
use super::writer::Change;
use super::{Affected, Backend, Bind, Cells, Decoded, Exec, PushBind};
use super::{ROWS_PER_STATEMENT, insert_rows, only};
use crate::domain::allocation::OfferStatus;
use crate::domain::lifecycle::{EventKind, wake_at};
use crate::domain::{
    ApplicationNumber, ApplicationState, Cohort, Iin, Notice, QueuePosition, Status,
};
use crate::server::store::queue_tree::{QueueKey, QueueSlot, class_scope, order_key};
use crate::server::store::{
    Completion, DocumentInfo, NewApplication, NewEvent, Recorded, RequestKey, ServiceCentre,
    StoreError, StoreResult, StoredApplication, TransitionRecord,
};

/// The columns of a new application row.
pub(super) struct ApplicationRow<'a> {
    pub cohort_id: i64,
    pub order_key: i64,
    pub state: &'a ApplicationState,
    pub child_iin: &'a Iin,
    pub child_name: &'a str,
    pub applicant_iin: &'a Iin,
    pub applicant_name: &'a str,
    pub service_centre: Option<&'a ServiceCentre>,
    pub details: &'a serde_json::Value,
    pub wake_at: Option<DateTime<Utc>>,
}

/// Inserts applications at revision 1, their registration times the states'; returns their
/// ids in order.
pub(super) async fn insert_applications<B: Backend>(
    conn: &mut B::Connection,
    rows: &[ApplicationRow<'_>],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut states = Vec::with_capacity(chunk.len());
        for row in chunk {
            states.push(state_json(row.state).map_err(|e| sqlx::Error::Encode(e.into()))?);
        }
        let mut insert = QueryBuilder::<B>::new(
            "INSERT INTO applications (revision, number, year, year_seq, version, order_key, \
                 region_code, cohort_id, birth_year, child_iin, child_name, applicant_iin, \
                 applicant_name, benefit_code, queue_class, status, queued, open, registered_us, \
                 updated_us, stop_list_until_us, next_due_us, request_number, operator_iin, \
                 state, details) ",
        );
        insert.push_values(chunk.iter().zip(states), |mut values, (row, state_json)| {
            let state = row.state;
            let slot = QueueSlot::of(state);
            values
                .push_arg(1_i64)
                .push_arg(state.number.to_string())
                .push_arg(state.number.year)
                .push_arg(i64::from(state.number.sequence))
                .push_arg(i64::from(state.number.version))
                .push_arg(row.order_key)
                .push_arg(&state.cohort.region)
                .push_arg(row.cohort_id)
                .push_arg(state.cohort.birth_year)
                .push_arg(row.child_iin.to_string())
                .push_arg(row.child_name)
                .push_arg(row.applicant_iin.to_string())
                .push_arg(row.applicant_name)
                .push_arg(state.benefit.as_ref().map(|b| b.category.clone()))
                .push_arg(slot.scope)
                .push_arg(state.status.code())
                .push_arg(slot.queued)
                .push_arg(!state.status.is_final())
                .push_arg(micros(state.registered_at))
                .push_arg(micros(state.last_change_at))
                .push_arg(state.stop_list_until.map(micros))
                .push_arg(row.wake_at.map(micros))
                .push_arg(row.service_centre.map(|s| s.request_number.clone()))
                .push_arg(row.service_centre.map(|s| s.operator_iin.to_string()))
                .push_arg(state_json)
                .push_arg(row.details.to_string());
        });
        // RETURNING does not promise the order of the VALUES; the number says which is which.
        insert.push(" RETURNING number, id");
        let returned: HashMap<String, i64> = insert
            .build()
            .fetch_all(conn.ex())
            .await?
            .iter()
            .map(<(String, i64)>::decode)
            .collect::<Result<_, _>>()?;
        for row in chunk {
            let number = row.state.number.to_string();
            let id = returned
                .get(&number)
                .copied()
                .ok_or_else(|| sqlx::Error::Protocol(format!("no id came back for {number}")))?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A write queued with the writer: what it changes and what completes it.
pub(super) struct Queued {
    pub change: Change,
    pub completion: Completion,
}

/// What a write of a run did before the parts every write shares (history, position
/// changes, outbox, documents, answers) are stored for the whole run at its end.
struct Done<'a> {
    /// With its numbers right after its own change.
    application: StoredApplication,
    step: QueueMove,
    region: String,
    from: Option<Status>,
    to: Status,
    notices: Vec<Notice>,
    queued: &'a Queued,
}

/// Records a run of writes inside the writer's transaction (see [`Store::submit`] and
/// [`Store::record_transition`]), all of them or none, in queue order. What every write shares
/// (the idempotency lookup, cohorts and numbers, history events, position changes, outbox,
/// documents and answers) goes in one statement for the whole run, and consecutive submissions
/// are inserted and counted together, so a run takes a few statements per transition and per
/// stretch of submissions instead of a dozen per write: every statement is a round trip to the
/// connection's thread. When a run fails the writer tries its writes one by one, so each
/// refusal reaches its own caller.
pub(super) async fn write_run<B: Backend>(
    tx: &mut B::Connection,
    run: &[Queued],
) -> StoreResult<Vec<Recorded>> {
    let requests: Vec<&RequestKey> = run.iter().filter_map(|q| q.change.request()).collect();
    if !requests.is_empty() {
        let ids: Vec<&str> = requests.iter().map(|r| r.request_id.as_str()).collect();
        let answers = stored_answers::<B>(tx, &ids).await?;
        for request in &requests {
            check_request(&answers, request)?;
        }
    }
    let mut numbered = number_submissions::<B>(tx, run).await?.into_iter();
    let mut done: Vec<Done> = Vec::with_capacity(run.len());
    let mut next = 0;
    while next < run.len() {
        let stretch = run[next..]
            .iter()
            .take_while(|q| matches!(q.change, Change::Submit(_)))
            .count();
        if stretch > 0 {
            let states = numbered.by_ref().take(stretch).collect();
            done.extend(register::<B>(tx, &run[next..next + stretch], states).await?);
            next += stretch;
        } else {
            let offers = offer_stretch(&run[next..]);
            if offers > 1 {
                done.extend(offer_many::<B>(tx, &run[next..next + offers]).await?);
                next += offers;
            } else {
                done.push(transit::<B>(tx, &run[next]).await?);
                next += 1;
            }
        }
    }
    let changes: Vec<(QueueMove, QueuePosition)> = done
        .iter()
        .filter(|d| d.step.before != d.step.after || d.step.kind == EventKind::Registered)
        .map(|d| (d.step, d.application.position))
        .collect();
    record_queue_changes::<B>(tx, &changes).await?;
    let places: Vec<(EventPlace, &NewEvent)> = done
        .iter()
        .map(|d| {
            let place = EventPlace {
                region: &d.region,
                application_id: d.application.id,
                at_us: d.step.at_us,
                kind: d.step.kind,
                from: d.from,
                to: Some(d.to),
            };
            (place, d.queued.change.event())
        })
        .collect();
    let event_ids = append_events::<B>(tx, &places).await?;
    let (recorded, rest): (Vec<Recorded>, Vec<_>) = done
        .into_iter()
        .zip(event_ids)
        .map(|(d, event_id)| {
            let recorded = Recorded {
                application: d.application,
                event_id,
                documents: Vec::new(),
            };
            (recorded, (d.notices, d.queued, d.step.at_us))
        })
        .unzip();
    let told: Vec<(&StoredApplication, &[Notice], i64)> = recorded
        .iter()
        .zip(&rest)
        .map(|(r, (notices, _, at_us))| (&r.application, &notices[..], *at_us))
        .collect();
    notify::<B>(tx, &told).await?;
    let completing: Vec<Completing> = recorded
        .iter()
        .zip(&rest)
        .map(|(recorded, &(_, queued, at_us))| Completing {
            recorded,
            request: queued.change.request(),
            completion: &queued.completion,
            at_us,
        })
        .collect();
    let documents = complete::<B>(tx, &completing).await?;
    let mut recorded = recorded;
    for (recorded, documents) in recorded.iter_mut().zip(documents) {
        recorded.documents = documents;
    }
    Ok(recorded)
}

/// The registration time (to the microsecond the columns keep), number and queue key of every
/// submission of a run, in order: one statement for the cohorts, one per year for the numbers.
async fn number_submissions<B: Backend>(
    tx: &mut B::Connection,
    run: &[Queued],
) -> StoreResult<Vec<(ApplicationState, QueueKey)>> {
    let submissions: Vec<&NewApplication> =
        run.iter().filter_map(|q| q.change.submission()).collect();
    if submissions.is_empty() {
        return Ok(Vec::new());
    }
    let nows: Vec<DateTime<Utc>> = submissions
        .iter()
        .map(|new| {
            new.now
                .duration_trunc(TimeDelta::microseconds(1))
                .unwrap_or(new.now)
        })
        .collect();
    let cohorts: Vec<&Cohort> = submissions.iter().map(|new| &new.cohort).collect();
    let cohort_ids = cohort_ids::<B>(tx, &cohorts).await?;
    let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
    for now in &nows {
        *per_year.entry(now.year()).or_default() += 1;
    }
    let mut next_in_year = BTreeMap::new();
    for (year, count) in per_year {
        next_in_year.insert(year, next_sequence::<B>(tx, year, count).await?);
    }
    let mut numbered = Vec::with_capacity(submissions.len());
    for (new, &now) in submissions.iter().zip(&nows) {
        let sequence = next_in_year
            .get_mut(&now.year())
            .expect("every year was counted above");
        let number = ApplicationNumber::new(now.year(), *sequence as u32, 1)
            .ok_or(StoreError::NumbersExhausted)?;
        *sequence += 1;
        let state = ApplicationState::registered(
            number,
            new.cohort.clone(),
            new.benefit.clone(),
            now,
            &new.settings,
        );
        let key = QueueKey {
            cohort_id: cohort_of(&cohort_ids, &new.cohort)?,
            registered_us: micros(now),
            order_key: order_key(number),
        };
        numbered.push((state, key));
    }
    Ok(numbered)
}

/// Inserts a stretch of consecutive submissions with their numbered states and counts their
/// queue numbers, in a few statements for all of them.
async fn register<'a, B: Backend>(
    tx: &mut B::Connection,
    stretch: &'a [Queued],
    states: Vec<(ApplicationState, QueueKey)>,
) -> StoreResult<Vec<Done<'a>>> {
    let news: Vec<&NewApplication> = stretch
        .iter()
        .filter_map(|q| q.change.submission())
        .collect();
    let rows: Vec<ApplicationRow> = news
        .iter()
        .zip(&states)
        .map(|(new, (state, key))| ApplicationRow {
            cohort_id: key.cohort_id,
            order_key: key.order_key,
            state,
            child_iin: &new.child_iin,
            child_name: &new.child_name,
            applicant_iin: &new.applicant_iin,
            applicant_name: &new.applicant_name,
            service_centre: new.service_centre.as_ref(),
            details: &new.details,
            wake_at: wake_at(state, &new.settings),
        })
        .collect();
    let ids = match insert_applications::<B>(tx, &rows).await {
        Err(e) if B::is_unique_violation(&e, "one_open_application_per_child", "child_iin") => {
            return Err(StoreError::ChildHasOpenApplication);
        }
        other => other?,
    };
    let attached: Vec<(i64, &String)> = news
        .iter()
        .zip(&ids)
        .flat_map(|(new, &id)| new.attachments.iter().map(move |a| (id, a)))
        .collect();
    insert_rows::<B, _>(
        &mut *tx,
        "INSERT INTO application_attachments (application_id, attachment_id) ",
        &attached,
        " ON CONFLICT DO NOTHING",
        |mut row, (id, attachment)| {
            row.push_arg(*id).push_arg(*attachment);
        },
    )
    .await?;
    let steps: Vec<QueueMove> = states
        .iter()
        .zip(&ids)
        .map(|((state, key), &application_id)| {
            let slot = QueueSlot::of(state);
            QueueMove {
                application_id,
                key: *key,
                before: QueueSlot {
                    queued: false,
                    scope: slot.scope,
                },
                after: slot,
                kind: EventKind::Registered,
                at_us: key.registered_us,
            }
        })
        .collect();
    let positions = move_in_queue::<B>(tx, &steps, true).await?;
    Ok(stretch
        .iter()
        .zip(news)
        .zip(states)
        .zip(steps.into_iter().zip(positions))
        .map(|(((queued, new), (state, _)), (step, position))| Done {
            notices: vec![Notice::of_registration(&state)],
            to: state.status,
            application: StoredApplication {
                id: step.application_id,
                revision: 1,
                state,
                child_iin: new.child_iin,
                child_name: new.child_name.clone(),
                applicant_iin: new.applicant_iin,
                applicant_name: new.applicant_name.clone(),
                service_centre: new.service_centre.clone(),
                details: new.details.clone(),
                position,
            },
            step,
            region: new.cohort.region.clone(),
            from: None,
            queued,
        })
        .collect())
}

/// Applies one transition of a run: the revision check, the offer and place it settles or
/// takes, the application row and the queue tree, and its numbers afterwards.
async fn transit<'a, B: Backend>(
    tx: &mut B::Connection,
    queued: &'a Queued,
) -> StoreResult<Done<'a>> {
    let Change::Transition(record) = &queued.change else {
        return Err(StoreError::Corrupt(
            "a submission taken for a transition".into(),
        ));
    };
    let row = application_row::<B>(tx, record.number).await?;
    let (stored, key, before) = decode_application::<B>(&row)?;
    if stored.revision != record.revision || record.transition.state.number != record.number {
        return Err(StoreError::Conflict);
    }
    let region: String = row.get("region_code");
    let transition = &record.transition;
    let state = transition.state.clone();
    let at_us = micros(record.now);
    let after = QueueSlot::of(&state);
    if let Some(status) = OfferStatus::settled_by(transition) {
        offers::settle::<B>(tx, stored.id, status, at_us).await?;
    }
    if let Some(place) = record.place {
        offers::take_place::<B>(tx, stored.id, place, &state, at_us).await?;
    }
    let revision = stored.revision + 1;
    sqlx::query::<B>(
        "UPDATE applications SET revision = $1, status = $2, queued = $3, open = $4, \
             queue_class = $5, benefit_code = $6, updated_us = $7, stop_list_until_us = $8, \
             next_due_us = $9, state = $10 \
         WHERE id = $11",
    )
    .arg(revision)
    .arg(state.status.code())
    .arg(after.queued)
    .arg(!state.status.is_final())
    .arg(after.scope)
    .arg(state.benefit.as_ref().map(|b| b.category.clone()))
    .arg(at_us)
    .arg(state.stop_list_until.map(micros))
    .arg(wake_at(&state, &record.settings).map(micros))
    .arg(state_json(&state)?)
    .arg(stored.id)
    .execute(tx.ex())
    .await?;
    let step = QueueMove {
        application_id: stored.id,
        key,
        before,
        after,
        kind: transition.event,
        at_us,
    };
    let position = only(move_in_queue::<B>(tx, &[step], false).await?)?;
    attachments::link::<B>(tx, stored.id, &record.attachments).await?;
    Ok(Done {
        application: StoredApplication {
            revision,
            state,
            position,
            ..stored
        },
        step,
        region,
        from: Some(transition.from),
        to: transition.to,
        notices: transition.notices.clone(),
        queued,
    })
}

/// How many writes at the head of `run` are offers that can be written together: transitions
/// taking a place, out of the queue afterwards, settling no earlier offer, linking no scans, each
/// of another application (the allocation queues thousands of them at once).
fn offer_stretch(run: &[Queued]) -> usize {
    let mut numbers = HashSet::new();
    run.iter()
        .take_while(|queued| match &queued.change {
            Change::Transition(record) => {
                record.place.is_some()
                    && record.attachments.is_empty()
                    && OfferStatus::settled_by(&record.transition).is_none()
                    && !QueueSlot::of(&record.transition.state).queued
                    && numbers.insert(record.number)
            }
            Change::Submit(_) => false,
        })
        .count()
}

/// Records a stretch of offers ([`offer_stretch`]) as [`transit`] records each, in a few
/// statements for all of them: one read of their rows, one update per place taken from, one
/// insert of the offer rows, one update of the application rows, one of the queue tree. Any
/// refusal (a stale revision, no place left) fails the run, which the writer then retries one
/// write at a time, so each refusal reaches its own caller.
async fn offer_many<'a, B: Backend>(
    tx: &mut B::Connection,
    stretch: &'a [Queued],
) -> StoreResult<Vec<Done<'a>>> {
    let records: Vec<&TransitionRecord> = stretch
        .iter()
        .filter_map(|queued| match &queued.change {
            Change::Transition(record) => Some(record),
            Change::Submit(_) => None,
        })
        .collect();
    let numbers: Vec<ApplicationNumber> = records.iter().map(|r| r.number).collect();
    let mut rows: HashMap<String, B::Row> = application_rows::<B>(tx, &numbers)
        .await?
        .into_iter()
        .map(|row| (row.get::<String, _>("number"), row))
        .collect();
    let mut read = Vec::with_capacity(records.len());
    let mut taken: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    for record in &records {
        let row = rows
            .remove(&record.number.to_string())
            .ok_or(StoreError::NotFound)?;
        let (stored, key, before) = decode_application::<B>(&row)?;
        if stored.revision != record.revision || record.transition.state.number != record.number {
            return Err(StoreError::Conflict);
        }
        let place = record.place.expect("an offer stretch takes places");
        *taken
            .entry((place, record.transition.state.cohort.region.as_str()))
            .or_default() += 1;
        read.push((stored, key, before, row.get::<String, _>("region_code")));
    }
    for ((place, region), count) in taken {
        let updated = sqlx::query::<B>(
            "UPDATE free_places SET remaining = remaining - $1 \
             WHERE id = $2 AND region_code = $3 AND remaining >= $1",
        )
        .arg(count)
        .arg(place)
        .arg(region)
        .execute(tx.ex())
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NoFreePlace);
        }
    }
    let mut offers = Vec::with_capacity(records.len());
    for (record, (stored, _, _, _)) in records.iter().zip(&read) {
        let state = &record.transition.state;
        let offer = state
            .offer
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("a place taken without an offer".to_owned()))?;
        offers.push((stored.id, *record, micros(offer.answer_by)));
    }
    insert_rows::<B, _>(
        &mut *tx,
        "INSERT INTO offers (application_id, place_id, region_code, birth_year, class, made_us, \
             answer_by_us, status) ",
        &offers,
        "",
        |mut row, (application_id, record, answer_by_us)| {
            let state = &record.transition.state;
            row.push_arg(*application_id)
                .push_arg(record.place)
                .push_arg(state.cohort.region.clone())
                .push_arg(state.cohort.birth_year)
                .push_arg(class_scope(state.benefit_class()))
                .push_arg(micros(record.now))
                .push_arg(*answer_by_us)
                .push_arg(OfferStatus::Awaiting.code());
        },
    )
    .await?;
    let mut updates = Vec::with_capacity(records.len());
    for (record, (stored, _, _, _)) in records.iter().zip(&read) {
        let state = &record.transition.state;
        updates.push((stored.id, stored.revision + 1, *record, state_json(state)?));
    }
    for chunk in updates.chunks(ROWS_PER_STATEMENT) {
        let mut update = QueryBuilder::<B>::new(
            "UPDATE applications SET revision = v.column2, status = v.column3, \
                 queued = v.column4, open = v.column5, queue_class = v.column6, \
                 benefit_code = v.column7, updated_us = v.column8, \
                 stop_list_until_us = v.column9, next_due_us = v.column10, state = v.column11 \
             FROM (",
        );
        update.push_values(chunk, |mut row, (id, revision, record, state_json)| {
            let state = &record.transition.state;
            let after = QueueSlot::of(state);
            row.push_arg(*id)
                .push_arg(*revision)
                .push_arg(state.status.code())
                .push_arg(after.queued)
                .push_arg(!state.status.is_final())
                .push_arg(after.scope)
                .push_arg(state.benefit.as_ref().map(|b| b.category.clone()))
                .push_arg(micros(record.now))
                .push_arg(state.stop_list_until.map(micros))
                .push_arg(wake_at(state, &record.settings).map(micros))
                .push_arg(state_json.clone());
        });
        update.push(") AS v WHERE applications.id = v.column1");
        update.build().execute(tx.ex()).await?;
    }
    let steps: Vec<QueueMove> = records
        .iter()
        .zip(&read)
        .map(|(record, (stored, key, before, _))| QueueMove {
            application_id: stored.id,
            key: *key,
            before: *before,
            after: QueueSlot::of(&record.transition.state),
            kind: record.transition.event,
            at_us: micros(record.now),
        })
        .collect();
    // Out of the queue afterwards: their numbers are zeros, nothing is counted.
    let positions = move_in_queue::<B>(tx, &steps, false).await?;
    Ok(stretch
        .iter()
        .zip(records)
        .zip(read.into_iter().zip(steps.into_iter().zip(positions)))
        .map(
            |((queued, record), ((stored, _, _, region), (step, position)))| Done {
                application: StoredApplication {
                    revision: stored.revision + 1,
                    state: record.transition.state.clone(),
                    position,
                    ..stored
                },
                step,
                region,
                from: Some(record.transition.from),
                to: record.transition.to,
                notices: record.transition.notices.clone(),
                queued,
            },
        )
        .collect())
}

/// A write's completion with what it completes.
struct Completing<'a> {
    recorded: &'a Recorded,
    request: Option<&'a RequestKey>,
    completion: &'a Completion,
    at_us: i64,
}

/// Runs the writes' completions and stores what they made: documents and the answers to
/// their request ids. Returns each write's documents as listed.
async fn complete<B: Backend>(
    conn: &mut B::Connection,
    writes: &[Completing<'_>],
) -> StoreResult<Vec<Vec<DocumentInfo>>> {
    let mut documents = Vec::new();
    let mut answers = Vec::new();
    let mut listed = Vec::with_capacity(writes.len());
    for write in writes {
        // A panicking completion must not take the store's writer task down with it.
        let effects = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (write.completion)(write.recorded)
        }))
        .unwrap_or_else(|_| Err("the completion panicked".into()))
        .map_err(StoreError::Completion)?;
        if let Some(request) = write.request {
            answers.push((request, effects.answer.to_string(), write.at_us));
        }
        let mut made: Vec<DocumentInfo> = Vec::with_capacity(effects.documents.len());
        for document in effects.documents {
            let info = DocumentInfo {
                id: uuid::Uuid::new_v4().to_string(),
                kind: document.kind.clone(),
                language: document.language,
                size: None,
                created_at: time(write.at_us)?,
            };
            made.push(info.clone());
            documents.push((write.recorded, info, document.content, write.at_us));
        }
        // As `documents_of` lists them.
        made.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        listed.push(made);
    }
    insert_rows::<B, _>(
        &mut *conn,
        "INSERT INTO documents (id, application_id, event_id, kind, language, content, \
                 created_us) ",
        &documents,
        "",
        |mut row, (recorded, info, content, at_us)| {
            row.push_arg(&info.id)
                .push_arg(recorded.application.id)
                .push_arg(recorded.event_id)
                .push_arg(&info.kind)
                .push_arg(info.language.code())
                .push_arg(content)
                .push_arg(*at_us);
        },
    )
    .await?;
    remember::<B>(conn, &answers).await?;
    Ok(listed)
}
