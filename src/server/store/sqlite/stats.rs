//! The region's figures from the aggregates the triggers of migration 0013 keep in every
//! write's own transaction: queue sizes by birth year and class, open places, and places,
//! directions and enrollments per month. A read is a few rows per region, in one statement (one
//! snapshot, one round trip to the connection's thread).

use serde::Deserialize;

use super::SqliteStore;
use super::offers::class_of;
use crate::server::store::{MonthFigures, QueueSize, RegionStats, StoreError, StoreResult};

/// The region's (`?1`) queue sizes as one JSON array, read by [`queue_of`].
macro_rules! queue_json {
    () => {
        "(SELECT json_group_array(json_array(birth_year, class, queued)) FROM \
             (SELECT birth_year, class, queued FROM stats_queue \
              WHERE region_code = ?1 AND queued > 0 ORDER BY birth_year, class))"
    };
}
pub(super) use queue_json;

/// The three aggregates of a region as JSON arrays, so that one statement reads them all.
const REGION_STATS: &str = concat!(
    "SELECT ",
    queue_json!(),
    ", (SELECT COALESCE(SUM(open_places), 0) FROM stats_places WHERE region_code = ?1), \
     (SELECT json_group_array(json_array(month, free_places, directions, enrollments)) FROM \
         (SELECT month, free_places, directions, enrollments FROM stats_months \
          WHERE region_code = ?1 \
            AND (free_places > 0 OR directions > 0 OR enrollments > 0) ORDER BY month))"
);

pub(super) async fn region_stats(store: &SqliteStore, region: &str) -> StoreResult<RegionStats> {
    let mut conn = store.readers.acquire().await?;
    let (queue, open_places, months): (String, i64, String) = sqlx::query_as(REGION_STATS)
        .bind(region)
        .fetch_one(&mut *conn)
        .await?;
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

pub(super) fn corrupt(e: serde_json::Error) -> StoreError {
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

pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use crate::domain::calendar::kazakhstan_offset;

    #[test]
    fn the_triggers_count_months_in_kazakhstans_offset() {
        // migrations/0013_stats_aggregates.sql writes the offset as 18 000 s.
        assert_eq!(kazakhstan_offset().local_minus_utc(), 18_000);
        let migration = include_str!("../../../../migrations/0013_stats_aggregates.sql");
        assert_eq!(
            migration.matches("/ 1000000 + 18000, 'unixepoch'").count(),
            migration.matches("'unixepoch'").count()
        );
    }
}
