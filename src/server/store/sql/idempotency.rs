//! Request ids of signed actions and the first answer given to each: a retry with the same
//! document gets that answer, another document under the same id is refused.

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::codec::{decode_json, hash32};
use super::{Backend, Cells, Exec, PushBind};
use super::{ROWS_PER_STATEMENT, SqlStore, insert_rows};
use crate::server::store::{RequestKey, StoreError, StoreResult, StoredAnswer};

/// The answers already given to request ids, by id.
pub(super) async fn stored_answers<B: Backend>(
    conn: &mut B::Connection,
    request_ids: &[&str],
) -> StoreResult<HashMap<String, StoredAnswer>> {
    let mut answers = HashMap::new();
    for chunk in request_ids.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<B>::new(
            "SELECT request_id, document_hash, answer FROM idempotency WHERE request_id IN (",
        );
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_arg(*id);
        }
        query.push(")");
        for row in query.build().fetch_all(conn.ex()).await? {
            answers.insert(
                row.get::<String, _>(0),
                StoredAnswer {
                    document_hash: hash32(row.get::<&[u8], _>(1))?,
                    answer: decode_json(row.get::<&str, _>(2))?,
                },
            );
        }
    }
    Ok(answers)
}

/// Refuses a request id answered before: the same document gets that answer back
/// ([`StoreError::Replayed`]), another document is refused.
pub(super) fn check_request(
    answers: &HashMap<String, StoredAnswer>,
    request: &RequestKey,
) -> StoreResult<()> {
    match answers.get(&request.request_id) {
        None => Ok(()),
        Some(answer) if answer.document_hash == request.document_hash => {
            Err(StoreError::Replayed(answer.clone()))
        }
        Some(_) => Err(StoreError::RequestReused),
    }
}

/// Stores the first answers to request ids, with when they were given.
pub(super) async fn remember<B: Backend>(
    conn: &mut B::Connection,
    answers: &[(&RequestKey, String, i64)],
) -> StoreResult<()> {
    insert_rows::<B, _>(
        &mut *conn,
        "INSERT INTO idempotency (request_id, document_hash, answer, created_us) ",
        answers,
        "",
        |mut row, (request, answer, at_us)| {
            row.push_arg(&request.request_id)
                .push_arg(&request.document_hash[..])
                .push_arg(answer)
                .push_arg(*at_us);
        },
    )
    .await?;
    Ok(())
}

pub(super) async fn stored_answer<B: Backend>(
    store: &SqlStore<B>,
    request_id: &str,
) -> StoreResult<Option<StoredAnswer>> {
    let mut conn = store.readers.acquire().await?;
    Ok(stored_answers::<B>(&mut conn, &[request_id])
        .await?
        .remove(request_id))
}
