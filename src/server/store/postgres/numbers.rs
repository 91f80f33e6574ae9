//! Application numbers «УО.<year>.<sequence>.<version>» from the per-year sequences, and the
//! cohorts' ids, each created on first use.

use std::collections::{BTreeSet, HashMap};

use sqlx::PgConnection;
use sqlx::QueryBuilder;

use super::ROWS_PER_STATEMENT;
use crate::domain::Cohort;
use crate::server::store::{StoreError, StoreResult};

/// The ids of cohorts, each created on first use, in one statement.
pub(super) async fn cohort_ids(
    conn: &mut PgConnection,
    cohorts: &[&Cohort],
) -> StoreResult<HashMap<(String, i32), i64>> {
    let distinct: BTreeSet<(&str, i32)> = cohorts
        .iter()
        .map(|cohort| (cohort.region.as_str(), cohort.birth_year))
        .collect();
    let mut ids = HashMap::with_capacity(distinct.len());
    let distinct: Vec<_> = distinct.into_iter().collect();
    for chunk in distinct.chunks(ROWS_PER_STATEMENT) {
        let mut upsert = QueryBuilder::new("INSERT INTO cohorts (region_code, birth_year) ");
        upsert.push_values(chunk, |mut row, &(region, birth_year)| {
            row.push_bind(region).push_bind(birth_year);
        });
        upsert.push(
            " ON CONFLICT (region_code, birth_year) DO UPDATE SET birth_year = excluded.birth_year \
             RETURNING region_code, birth_year, id",
        );
        let rows: Vec<(String, i32, i64)> = upsert.build_query_as().fetch_all(&mut *conn).await?;
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
pub(super) async fn next_sequence(
    conn: &mut PgConnection,
    year: i32,
    count: i64,
) -> StoreResult<i64> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO number_sequences (year, last_seq) VALUES ($1, $2) \
         ON CONFLICT (year) DO UPDATE SET last_seq = number_sequences.last_seq + $2 RETURNING last_seq",
    )
    .bind(year)
    .bind(count)
    .fetch_one(conn)
    .await?;
    if last > i64::from(crate::domain::number::MAX_SEQUENCE) {
        return Err(StoreError::NumbersExhausted);
    }
    Ok(last - count + 1)
}
