//! The officer's region report from the aggregates of migrations 0013 and 0023: the queue now,
//! and per month the offers made, declined and expired, the directions with their waits in
//! whole days, and the enrollments. One statement (one snapshot): its rows are bounded by the
//! months asked and the distinct day counts waited, never by the applications.

use super::SqliteStore;
use super::stats::{queue_json, queue_of};
use crate::domain::report::MonthRange;
use crate::server::store::report::assemble;
use crate::server::store::{RegionReport, StoreResult};

const REGION_REPORT: &str = concat!(
    "SELECT ",
    queue_json!(),
    ", (SELECT json_group_array(json_array(month, directions, enrollments)) FROM stats_months \
        WHERE region_code = ?1 AND month BETWEEN ?2 AND ?3), \
      (SELECT json_group_array(json_array(month, made, declined, expired)) \
        FROM stats_offer_months WHERE region_code = ?1 AND month BETWEEN ?2 AND ?3), \
      (SELECT json_group_array(json_array(month, days, directions, seconds)) FROM stats_waits \
        WHERE region_code = ?1 AND month BETWEEN ?2 AND ?3 AND directions > 0)"
);

pub(super) async fn region_report(
    store: &SqliteStore,
    region: &str,
    range: MonthRange,
) -> StoreResult<RegionReport> {
    let mut conn = store.readers.acquire().await?;
    let (queue, directions, offers, waits): (String, String, String, String) =
        sqlx::query_as(REGION_REPORT)
            .bind(region)
            .bind(range.from().to_string())
            .bind(range.to().to_string())
            .fetch_one(&mut *conn)
            .await?;
    drop(conn);
    assemble(range, queue_of(&queue)?, &directions, &offers, &waits)
}
