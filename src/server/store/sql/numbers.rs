//! Application numbers «УО.<year>.<sequence>.<version>» from the per-year sequences, and the
//! cohorts' ids, each created on first use.

use std::collections::{BTreeSet, HashMap};

use sqlx::QueryBuilder;

use super::ROWS_PER_STATEMENT;
use super::{Backend, Bind, Cells, Exec, PushBind, decoded};
use crate::domain::Cohort;
use crate::server::store::{StoreError, StoreResult};

/// The ids of cohorts, each created on first use, in one statement.
pub(super) async fn cohort_ids<B: Backend>(
    conn: &mut B::Connection,
    cohorts: &[&Cohort],
) -> StoreResult<HashMap<(String, i32), i64>> {
    let distinct: BTreeSet<(&str, i32)> = cohorts
        .iter()
        .map(|cohort| (cohort.region.as_str(), cohort.birth_year))
        .collect();
    let mut ids = HashMap::with_capacity(distinct.len());
    let distinct: Vec<_> = distinct.into_iter().collect();
    for chunk in distinct.chunks(ROWS_PER_STATEMENT) {
        let mut upsert = QueryBuilder::<B>::new("INSERT INTO cohorts (region_code, birth_year) ");
        upsert.push_values(chunk, |mut row, &(region, birth_year)| {
            row.push_arg(region).push_arg(birth_year);
        });
        upsert.push(
            " ON CONFLICT (region_code, birth_year) DO UPDATE SET birth_year = excluded.birth_year \
             RETURNING region_code, birth_year, id",
        );
        let rows: Vec<(String, i32, i64)> = decoded(&upsert.build().fetch_all(conn.ex()).await?)?;
        ids.extend(
            rows.into_iter()
                .map(|(region, year, id)| ((region, year), id)),
        );
    }
    Ok(ids)
}

/// The id of `cohort` among those [`cohort_ids`] returned.
pub(super) fn cohort_of(ids: &HashMap<(String, i32), i64>, cohort: &Cohort) -> StoreResult<i64> {
    ids.get(&(cohort.region.clone(), cohort.birth_year))
        .copied()
        .ok_or_else(|| StoreError::Corrupt(format!("cohort {cohort:?} has no id")))
}

/// The next sequence of `year` for «УО.<year>.<sequence>.<version>».
pub(super) async fn next_sequence<B: Backend>(
    conn: &mut B::Connection,
    year: i32,
    count: i64,
) -> StoreResult<i64> {
    let last: i64 = sqlx::query::<B>(
        "INSERT INTO number_sequences (year, last_seq) VALUES ($1, $2) \
         ON CONFLICT (year) DO UPDATE SET last_seq = number_sequences.last_seq + $2 RETURNING last_seq",
    )
    .arg(year)
    .arg(count)
    .fetch_one(conn.ex())
    .await?.try_get(0)?;
    if last > i64::from(crate::domain::number::MAX_SEQUENCE) {
        return Err(StoreError::NumbersExhausted);
    }
    Ok(last - count + 1)
}
