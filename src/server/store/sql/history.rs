//! The history: events appended to their region's hash chain (`store::chain` computes the
//! hashes), an application's events, and the walk that verifies every chain.

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use sqlx::QueryBuilder;

use super::codec::{actor_columns, from_code, parse_iin, time};
use super::queue::number_key;
use super::{Backend, Bind, Cells, Decoded, Exec, PushBind, decoded};
use super::{SqlStore, insert_rows};
use crate::domain::lifecycle::EventKind;
use crate::domain::{ApplicationNumber, Role, Status};
use crate::server::store::chain::{ChainVerifier, ChainedEvent, GENESIS};
use crate::server::store::{
    ChainBreak, ChainReport, HistoryEntry, NewEvent, StoreError, StoreResult,
};

/// Where an event goes in the history and what it records about the status.
pub(super) struct EventPlace<'a> {
    pub region: &'a str,
    pub application_id: i64,
    pub at_us: i64,
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

/// Appends events to their regions' chains, in order; returns their ids.
pub(super) async fn append_events<B: Backend>(
    conn: &mut B::Connection,
    events: &[(EventPlace<'_>, &NewEvent)],
) -> StoreResult<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let regions: BTreeSet<&str> = events.iter().map(|(place, _)| place.region).collect();
    let mut heads_query =
        QueryBuilder::<B>::new("SELECT region_code, hash FROM chain_heads WHERE region_code IN (");
    let mut list = heads_query.separated(", ");
    for region in &regions {
        list.push_arg(*region);
    }
    heads_query.push(")");
    let mut heads: HashMap<String, (i64, Vec<u8>)> = heads_query
        .build()
        .fetch_all(conn.ex())
        .await?
        .iter()
        .map(<(String, Vec<u8>)>::decode)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(region, hash)| (region, (0, hash)))
        .collect();
    let first_id: i64 = sqlx::query::<B>("SELECT COALESCE(MAX(id), 0) + 1 FROM events")
        .fetch_one(conn.ex())
        .await?
        .try_get(0)?;
    let mut chained = Vec::with_capacity(events.len());
    for ((place, event), id) in events.iter().zip(first_id..) {
        let (actor_iin, actor_role) = actor_columns(&event.actor);
        let prev_hash = heads
            .get(place.region)
            .map_or_else(|| GENESIS.to_vec(), |(_, hash)| hash.clone());
        let link = ChainedEvent {
            id,
            region_code: place.region.to_owned(),
            application_id: Some(place.application_id),
            at_us: place.at_us,
            actor_iin,
            actor_role,
            kind: place.kind.code().to_owned(),
            old_status: place.from.map(|s| s.code().to_owned()),
            new_status: place.to.map(|s| s.code().to_owned()),
            comment: event.comment.clone(),
            signed_xml: event.signed_xml.clone(),
            prev_hash,
        };
        let hash = link.hash();
        heads.insert(place.region.to_owned(), (id, hash.to_vec()));
        chained.push((link, hash));
    }
    insert_rows::<B, _>(
        &mut *conn,
        "INSERT INTO events (id, region_code, application_id, at_us, actor_iin, actor_role, \
                 kind, old_status, new_status, comment, signed_xml, prev_hash, hash) ",
        &chained,
        "",
        |mut row, (link, hash)| {
            row.push_arg(link.id)
                .push_arg(&link.region_code)
                .push_arg(link.application_id)
                .push_arg(link.at_us)
                .push_arg(&link.actor_iin)
                .push_arg(&link.actor_role)
                .push_arg(&link.kind)
                .push_arg(&link.old_status)
                .push_arg(&link.new_status)
                .push_arg(&link.comment)
                .push_arg(&link.signed_xml)
                .push_arg(&link.prev_hash)
                .push_arg(&hash[..]);
        },
    )
    .await?;
    // Every head read above belongs to a region that just had an event.
    let heads: Vec<_> = heads.into_iter().collect();
    insert_rows::<B, _>(
        &mut *conn,
        "INSERT INTO chain_heads (region_code, event_id, hash) ",
        &heads,
        " ON CONFLICT (region_code) DO UPDATE SET event_id = excluded.event_id, \
             hash = excluded.hash",
        |mut row, (region, (id, hash))| {
            row.push_arg(region).push_arg(id).push_arg(hash);
        },
    )
    .await?;
    Ok(chained.iter().map(|(link, _)| link.id).collect())
}

pub(super) async fn history<B: Backend>(
    store: &SqlStore<B>,
    number: ApplicationNumber,
) -> StoreResult<Vec<HistoryEntry>> {
    let mut conn = store.readers.acquire().await?;
    let (id, _, _) = number_key::<B>(&mut conn, number).await?;
    let rows = sqlx::query::<B>(
        "SELECT id, at_us, actor_iin, actor_role, kind, old_status, new_status, comment, \
             signed_xml FROM events WHERE application_id = $1 ORDER BY id",
    )
    .arg(id)
    .fetch_all(conn.ex())
    .await?;
    rows.iter()
        .map(|row| {
            let status = |column: &str| -> StoreResult<Option<Status>> {
                row.get::<Option<&str>, _>(column)
                    .map(|code| {
                        Status::from_code(code)
                            .ok_or_else(|| StoreError::Corrupt(format!("status {code}")))
                    })
                    .transpose()
            };
            let actor: &str = row.get("actor_iin");
            Ok(HistoryEntry {
                id: row.get("id"),
                at: time(row.get("at_us"))?,
                actor_iin: (!actor.is_empty()).then(|| parse_iin(actor)).transpose()?,
                actor_role: from_code::<Role>(row.get("actor_role"))?,
                kind: from_code::<EventKind>(row.get("kind"))?,
                from: status("old_status")?,
                to: status("new_status")?,
                comment: row.get("comment"),
                signed_xml: row.get("signed_xml"),
            })
        })
        .collect()
}

pub(super) async fn verify_history<B: Backend>(
    store: &SqlStore<B>,
) -> StoreResult<Result<ChainReport, ChainBreak>> {
    // One read transaction: the events and the heads from the same snapshot, even while
    // servers keep writing.
    let mut conn = B::begin_snapshot(&store.readers).await?;
    let mut verifier = ChainVerifier::default();
    {
        let mut rows = sqlx::query::<B>(
            "SELECT id, region_code, application_id, at_us, actor_iin, actor_role, kind, \
                 old_status, new_status, comment, signed_xml, prev_hash, hash \
             FROM events ORDER BY id",
        )
        .fetch(conn.ex());
        while let Some(row) = rows.try_next().await? {
            let event = ChainedEvent {
                id: row.get("id"),
                region_code: row.get("region_code"),
                application_id: row.get("application_id"),
                at_us: row.get("at_us"),
                actor_iin: row.get("actor_iin"),
                actor_role: row.get("actor_role"),
                kind: row.get("kind"),
                old_status: row.get("old_status"),
                new_status: row.get("new_status"),
                comment: row.get("comment"),
                signed_xml: row.get("signed_xml"),
                prev_hash: row.get("prev_hash"),
            };
            if let Err(broken) = verifier.check(&event, row.get::<&[u8], _>("hash")) {
                return Ok(Err(broken));
            }
        }
    }
    let heads: Vec<(String, i64, Vec<u8>)> = decoded(
        &sqlx::query::<B>(
            "SELECT region_code, event_id, hash FROM chain_heads ORDER BY region_code",
        )
        .fetch_all(conn.ex())
        .await?,
    )?;
    let report_heads = heads
        .iter()
        .map(|(region, id, hash)| (region.clone(), *id, hex::encode(hash)))
        .collect();
    Ok(verifier.finish(heads).map(|events| ChainReport {
        events,
        heads: report_heads,
    }))
}
