//! Offers and free places in SQLite: the place each offer holds, given back when the offer ends
//! without an enrollment, and the one-to-three pattern replayed from past offers (the monthly
//! figures are aggregates, `stats.rs`).

use sqlx::QueryBuilder;

use super::codec::{micros, optional_time, time};
use super::idempotency::{check_request, remember, stored_answers};
use super::{Affected, Backend, Bind, Cells, Decoded, Exec, PushBind};
use super::{ROWS_PER_STATEMENT, SqlStore};
use crate::domain::allocation::{Interleave, OfferStatus};
use crate::domain::{ApplicationState, BenefitClass, Cohort, Iin};
use crate::server::store::queue_tree::class_scope;
use crate::server::store::{
    FreePlaces, NewFreePlaces, OfferRecord, OfferScope, StoreError, StoreResult,
};

const HOLDING: &str = "status IN ('awaiting', 'accepted')";

/// Takes one of the place's free places for the offer `state` was just given.
pub(super) async fn take_place<B: Backend>(
    conn: &mut B::Connection,
    application_id: i64,
    place: i64,
    state: &ApplicationState,
    at_us: i64,
) -> StoreResult<()> {
    let offer = state
        .offer
        .as_ref()
        .ok_or_else(|| StoreError::Corrupt("a place taken without an offer".to_owned()))?;
    let taken = sqlx::query::<B>(
        "UPDATE free_places SET remaining = remaining - 1 \
         WHERE id = $1 AND region_code = $2 AND remaining > 0",
    )
    .arg(place)
    .arg(&state.cohort.region)
    .execute(conn.ex())
    .await?;
    if taken.rows_affected() == 0 {
        return Err(StoreError::NoFreePlace);
    }
    sqlx::query::<B>(
        "INSERT INTO offers (application_id, place_id, region_code, birth_year, class, made_us, \
             answer_by_us, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .arg(application_id)
    .arg(place)
    .arg(&state.cohort.region)
    .arg(state.cohort.birth_year)
    .arg(class_scope(state.benefit_class()))
    .arg(at_us)
    .arg(micros(offer.answer_by))
    .arg(OfferStatus::Awaiting.code())
    .execute(conn.ex())
    .await?;
    Ok(())
}

/// Moves the offer the application holds to `status`; a place no longer held and not used by
/// an enrollment is free again.
pub(super) async fn settle<B: Backend>(
    conn: &mut B::Connection,
    application_id: i64,
    status: OfferStatus,
    at_us: i64,
) -> StoreResult<()> {
    let held: Option<(i64, i64)> = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT id, place_id FROM offers WHERE application_id = $1 AND {HOLDING}"
    )))
    .arg(application_id)
    .fetch_optional(conn.ex())
    .await?
    .map(|row| Decoded::decode(&row))
    .transpose()?;
    let Some((offer, place)) = held else {
        return Ok(());
    };
    sqlx::query::<B>(
        "UPDATE offers SET status = $1, decided_us = $2, \
             accepted_us = CASE WHEN $1 = 'accepted' THEN $2 ELSE accepted_us END \
         WHERE id = $3",
    )
    .arg(status.code())
    .arg(at_us)
    .arg(offer)
    .execute(conn.ex())
    .await?;
    if status.frees_place() {
        sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
            "UPDATE free_places SET remaining = {}(places, remaining + 1) \
             WHERE id = $1 AND closed_us IS NULL",
            B::LEAST
        )))
        .arg(place)
        .execute(conn.ex())
        .await?;
    }
    Ok(())
}

/// Offers of a region or of one application, newest first.
pub(super) async fn list<B: Backend>(
    conn: &mut B::Connection,
    scope: &OfferScope,
    limit: u32,
) -> StoreResult<Vec<OfferRecord>> {
    let select = "SELECT o.id, a.number, o.place_id, p.kindergarten_code, p.group_code, o.class, \
             o.made_us, o.answer_by_us, o.status, o.decided_us \
         FROM offers o JOIN applications a ON a.id = o.application_id \
             JOIN free_places p ON p.id = o.place_id";
    let query = match scope {
        OfferScope::Region(region) => sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
            "{select} WHERE o.region_code = $1 ORDER BY o.id DESC LIMIT $2"
        )))
        .arg(region.clone()),
        OfferScope::Place(place) => sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
            "{select} WHERE o.place_id = $1 ORDER BY o.id DESC LIMIT $2"
        )))
        .arg(*place),
        OfferScope::Application(number) => sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
            "{select} WHERE a.number = $1 ORDER BY o.id DESC LIMIT $2"
        )))
        .arg(number.to_string()),
        OfferScope::Kindergarten { code, group } => sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
            "{select} WHERE p.kindergarten_code = $1 AND ($2 IS NULL OR p.group_code = $2) \
             ORDER BY o.id DESC LIMIT $3"
        )))
        .arg(code.clone())
        .arg(group.clone()),
    };
    let rows = query.arg(i64::from(limit)).fetch_all(conn.ex()).await?;
    rows.iter()
        .map(|row| {
            let status: &str = row.get("status");
            Ok(OfferRecord {
                id: row.get("id"),
                number: row
                    .get::<&str, _>("number")
                    .parse()
                    .map_err(|_| StoreError::Corrupt("offer's application number".to_owned()))?,
                place_id: row.get("place_id"),
                kindergarten: row.get("kindergarten_code"),
                group: row.get("group_code"),
                class: class_of(row.get("class"))?,
                made_at: time(row.get("made_us"))?,
                answer_by: time(row.get("answer_by_us"))?,
                status: OfferStatus::from_code(status)
                    .ok_or_else(|| StoreError::Corrupt(format!("offer status {status}")))?,
                decided_at: optional_time(row.get("decided_us"))?,
            })
        })
        .collect()
}

pub(super) fn class_of(scope: i64) -> StoreResult<BenefitClass> {
    BenefitClass::ALL
        .into_iter()
        .find(|c| class_scope(*c) == scope)
        .ok_or_else(|| StoreError::Corrupt(format!("queue class {scope}")))
}

/// Where the cohort stands in the one-to-three pattern, from its last interleaved offers.
pub(super) async fn interleave<B: Backend>(
    conn: &mut B::Connection,
    cohort: &Cohort,
) -> StoreResult<Interleave> {
    let mut recent: Vec<i64> = sqlx::query::<B>(
        "SELECT class FROM offers WHERE region_code = $1 AND birth_year = $2 AND class != $3 \
         ORDER BY id DESC LIMIT 4",
    )
    .arg(&cohort.region)
    .arg(cohort.birth_year)
    .arg(class_scope(BenefitClass::OutOfTurn))
    .fetch_all(conn.ex())
    .await?
    .iter()
    .map(|row| row.try_get(0))
    .collect::<Result<_, _>>()?;
    recent.reverse();
    let classes = recent
        .into_iter()
        .map(class_of)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Interleave::replay(classes))
}

/// The region's published places, oldest first; only those not all taken when `only_open`.
pub(super) async fn free_places<B: Backend>(
    conn: &mut B::Connection,
    region: &str,
    only_open: bool,
) -> StoreResult<Vec<FreePlaces>> {
    let rows = sqlx::query::<B>(
        "SELECT id, region_code, kindergarten_code, group_code, places, remaining, \
             published_us, officer_iin FROM free_places \
         WHERE region_code = $1 AND (remaining > 0 OR NOT $2) ORDER BY published_us, id",
    )
    .arg(region)
    .arg(only_open)
    .fetch_all(conn.ex())
    .await?;
    rows.iter()
        .map(|row| {
            let officer: &str = row.get("officer_iin");
            Ok(FreePlaces {
                id: row.get("id"),
                region: row.get("region_code"),
                kindergarten: row.get("kindergarten_code"),
                group: row.get("group_code"),
                places: row.get::<i64, _>("places") as u32,
                remaining: row.get::<i64, _>("remaining") as u32,
                published_at: time(row.get("published_us"))?,
                officer_iin: Iin::parse(officer)
                    .map_err(|_| StoreError::Corrupt(format!("officer IIN {officer}")))?,
            })
        })
        .collect()
}

pub(super) async fn publish_free_places<B: Backend>(
    store: &SqlStore<B>,
    new: NewFreePlaces,
) -> StoreResult<Vec<FreePlaces>> {
    let mut tx = store.begin().await?;
    if let Some(request) = &new.request {
        let answers = stored_answers::<B>(&mut tx, &[request.request_id.as_str()]).await?;
        check_request(&answers, request)?;
    }
    let at_us = micros(new.now);
    let officer = new.officer.to_string();
    let document: i64 = sqlx::query::<B>(
        "INSERT INTO places_documents (region_code, officer_iin, published_us, signed_xml) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .arg(&new.region)
    .arg(&officer)
    .arg(at_us)
    .arg(&new.signed_xml)
    .fetch_one(tx.ex())
    .await?
    .try_get(0)?;
    let mut published = Vec::with_capacity(new.groups.len());
    for chunk in new.groups.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<B>::new(
            "INSERT INTO free_places (region_code, kindergarten_code, group_code, places, \
                 remaining, published_us, officer_iin, document_id) ",
        );
        insert.push_values(chunk, |mut row, group| {
            row.push_arg(&new.region)
                .push_arg(&group.kindergarten)
                .push_arg(&group.group)
                .push_arg(i64::from(group.places))
                .push_arg(i64::from(group.places))
                .push_arg(at_us)
                .push_arg(&officer)
                .push_arg(document);
        });
        // RETURNING does not promise the order of the VALUES: ids ascend with it.
        insert.push(" RETURNING id");
        let mut ids: Vec<i64> = (insert.build().fetch_all(tx.ex()).await?.iter())
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        ids.sort_unstable();
        for (group, id) in chunk.iter().zip(ids) {
            published.push(FreePlaces {
                id,
                region: new.region.clone(),
                kindergarten: group.kindergarten.clone(),
                group: group.group.clone(),
                places: group.places,
                remaining: group.places,
                published_at: new.now,
                officer_iin: new.officer,
            });
        }
    }
    if let Some(request) = &new.request {
        let ids: Vec<i64> = published.iter().map(|p| p.id).collect();
        let answer = serde_json::json!({ "free_places": ids }).to_string();
        remember::<B>(&mut tx, &[(request, answer, at_us)]).await?;
    }
    tx.commit().await?;
    Ok(published)
}
