//! The region's directions by status in SQLite (docs/domain-rules.md, «Directions by status»): an
//! offer accepted is a direction; its status follows from the offer's and from the history
//! event that ended or extended it, so nothing new is written on the write path.

use sqlx::QueryBuilder;

use super::SqlStore;
use super::codec::{decode_json, micros, optional_time, parse_number, time};
use super::offers::class_of;
use super::{Backend, Cells, Exec, PushBind};
use crate::domain::ApplicationState;
use crate::domain::direction::DirectionStatus;
use crate::server::store::{
    DirectionFilter, DirectionPage, DirectionRecord, StoreError, StoreResult,
};

/// The directions of the filter's region with their status, before the status filter.
fn directions_of<B: Backend>(query: &mut QueryBuilder<B>, filter: &DirectionFilter) {
    query.push(
        "WITH d AS (SELECT o.id, a.number, a.child_name, p.kindergarten_code, p.group_code, \
             o.class, o.accepted_us, o.decided_us, a.state, \
             CASE \
               WHEN o.status = 'enrolled' THEN 'enrolled' \
               WHEN o.status = 'accepted' THEN CASE WHEN EXISTS (SELECT 1 FROM events e \
                   WHERE e.application_id = o.application_id AND e.kind = 'direction_extended' \
                   AND e.at_us >= o.accepted_us) THEN 'extended' ELSE 'issued' END \
               WHEN EXISTS (SELECT 1 FROM events e WHERE e.application_id = o.application_id \
                   AND e.kind = 'direction_expired' AND e.at_us = o.decided_us) THEN 'expired' \
               ELSE 'revoked' \
             END AS direction_status \
         FROM offers o JOIN applications a ON a.id = o.application_id \
             JOIN free_places p ON p.id = o.place_id \
         WHERE o.accepted_us IS NOT NULL AND o.region_code = ",
    );
    query.push_arg(filter.region.clone());
    if let Some(kindergarten) = &filter.kindergarten {
        query.push(" AND p.kindergarten_code = ");
        query.push_arg(kindergarten.clone());
    }
    if let Some(from) = filter.issued_from {
        query.push(" AND o.accepted_us >= ");
        query.push_arg(micros(from));
    }
    if let Some(before) = filter.issued_before {
        query.push(" AND o.accepted_us < ");
        query.push_arg(micros(before));
    }
    query.push(") ");
}

fn status_condition<B: Backend>(query: &mut QueryBuilder<B>, filter: &DirectionFilter) {
    if let Some(status) = filter.status {
        query.push(" WHERE direction_status = ");
        query.push_arg(status.code());
    }
}

pub(super) async fn list<B: Backend>(
    store: &SqlStore<B>,
    filter: &DirectionFilter,
) -> StoreResult<DirectionPage> {
    let mut conn = store.readers.acquire().await?;
    let mut count = QueryBuilder::<B>::new("");
    directions_of(&mut count, filter);
    count.push("SELECT COUNT(*) FROM d");
    status_condition(&mut count, filter);
    let total: i64 = count.build().fetch_one(conn.ex()).await?.try_get(0)?;
    let mut page = QueryBuilder::<B>::new("");
    directions_of(&mut page, filter);
    page.push("SELECT * FROM d");
    status_condition(&mut page, filter);
    page.push(" ORDER BY accepted_us DESC, id DESC LIMIT ");
    page.push_arg(i64::from(filter.limit));
    page.push(" OFFSET ");
    page.push_arg(i64::try_from(filter.offset).unwrap_or(i64::MAX));
    let rows = page.build().fetch_all(conn.ex()).await?;
    let rows = rows
        .iter()
        .map(|row| {
            let status: &str = row.get("direction_status");
            let status = DirectionStatus::from_code(status)
                .ok_or_else(|| StoreError::Corrupt(format!("direction status {status}")))?;
            let state: ApplicationState = decode_json(row.get::<&str, _>("state"))?;
            Ok(DirectionRecord {
                number: parse_number(row.get("number"))?,
                child_name: row.get("child_name"),
                kindergarten: row.get("kindergarten_code"),
                group: row.get("group_code"),
                class: class_of(row.get("class"))?,
                issued_at: time(row.get("accepted_us"))?,
                status,
                expires_at: status
                    .is_live()
                    .then(|| state.direction.as_ref().map(|d| d.expires_at))
                    .flatten(),
                ended_at: if status.is_live() {
                    None
                } else {
                    optional_time(row.get("decided_us"))?
                },
                in_person_by: status
                    .is_live()
                    .then(|| state.direction.as_ref().and_then(|d| d.in_person_by))
                    .flatten(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(DirectionPage {
        rows,
        total: total as u64,
    })
}
