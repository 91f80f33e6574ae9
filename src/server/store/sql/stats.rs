//! The region's figures from the aggregates the triggers of the schema keep in every
//! write's own transaction: queue sizes by birth year and class, open places, and places,
//! directions and enrollments per month. A read is a few rows per region, in one statement (one
//! snapshot, one round trip).

use serde::Deserialize;

use super::SqlStore;
use super::offers::class_of;
use super::{Backend, Bind, Decoded, Exec};
use crate::server::store::{MonthFigures, QueueSize, RegionStats, StoreError, StoreResult};

/// The region's (`$1`) queue sizes as one JSON array, read by [`queue_of`].
pub(super) fn queue_json<B: Backend>() -> String {
    B::json_rows(
        "birth_year, class, queued",
        "stats_queue WHERE region_code = $1 AND queued > 0",
        "birth_year, class",
    )
}

/// The three aggregates of a region as JSON arrays, so that one statement reads them all.
fn region_stats_sql<B: Backend>() -> String {
    format!(
        "SELECT {}, \
             (SELECT CAST(COALESCE(SUM(open_places), 0) AS BIGINT) FROM stats_places \
              WHERE region_code = $1), {}",
        queue_json::<B>(),
        B::json_rows(
            "month, free_places, directions, enrollments",
            "stats_months WHERE region_code = $1 \
                 AND (free_places > 0 OR directions > 0 OR enrollments > 0)",
            "month",
        )
    )
}

pub(super) async fn region_stats<B: Backend>(
    store: &SqlStore<B>,
    region: &str,
) -> StoreResult<RegionStats> {
    let mut conn = store.readers.acquire().await?;
    let (queue, open_places, months): (String, i64, String) = Decoded::decode(
        &sqlx::query::<B>(sqlx::AssertSqlSafe(region_stats_sql::<B>()))
            .arg(region)
            .fetch_one(conn.ex())
            .await?,
    )?;
    let months: Vec<Month> = serde_json::from_str(&months).map_err(corrupt)?;
    Ok(RegionStats {
        queue: queue_of(&queue)?,
        open_places: count(open_places),
        months: months
            .into_iter()
            .map(
                |Month(month, free_places, directions, enrollments)| MonthFigures {
                    month,
                    free_places: count(free_places),
                    directions: count(directions),
                    enrollments: count(enrollments),
                },
            )
            .collect(),
    })
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("region statistics: {e}"))
}

/// The queue sizes of [`queue_json`]'s array.
pub(super) fn queue_of(json: &str) -> StoreResult<Vec<QueueSize>> {
    let queue: Vec<(i32, i64, i64)> = serde_json::from_str(json).map_err(corrupt)?;
    queue
        .into_iter()
        .map(|(birth_year, scope, queued)| {
            Ok(QueueSize {
                birth_year,
                class: class_of(scope)?,
                queued: count(queued),
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct Month(String, i64, i64, i64);

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use crate::domain::calendar::kazakhstan_offset;

    #[test]
    fn the_triggers_count_months_in_kazakhstans_offset() {
        // migrations/0013_stats_aggregates.sql and migrations/postgres/0001_schema.sql write
        // the offset as 18 000 s.
        assert_eq!(kazakhstan_offset().local_minus_utc(), 18_000);
        let sqlite = include_str!("../../../../migrations/0013_stats_aggregates.sql");
        assert_eq!(
            sqlite.matches("/ 1000000 + 18000, 'unixepoch'").count(),
            sqlite.matches("'unixepoch'").count()
        );
        let postgres = include_str!("../../../../migrations/postgres/0001_schema.sql");
        assert_eq!(postgres.matches("to_timestamp(").count(), 1);
        assert_eq!(
            postgres
                .matches("to_timestamp(us / 1000000 + 18000)")
                .count(),
            1
        );
    }
}
