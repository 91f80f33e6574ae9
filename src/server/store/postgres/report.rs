//! The officer's region report from the aggregates of migrations/postgres 0001 and 0002: the queue now,
//! and per month the offers made, declined and expired, the directions with their waits in
//! whole days, and the enrollments. One statement (one snapshot): its rows are bounded by the
//! months asked and the distinct day counts waited, never by the applications.

use super::PostgresStore;
use super::stats::{queue_json, queue_of};
use crate::domain::report::MonthRange;
use crate::server::store::report::assemble;
use crate::server::store::{RegionReport, StoreResult};

const REGION_REPORT: &str = concat!(
    "SELECT ",
    queue_json!(),
    ", (SELECT COALESCE(json_agg(json_build_array(month, directions, enrollments)), '[]')::TEXT \
        FROM stats_months WHERE region_code = $1 AND month BETWEEN $2 AND $3), \
      (SELECT COALESCE(json_agg(json_build_array(month, made, declined, expired)), '[]')::TEXT \
        FROM stats_offer_months WHERE region_code = $1 AND month BETWEEN $2 AND $3), \
      (SELECT COALESCE(json_agg(json_build_array(month, days, directions, seconds)), '[]')::TEXT \
        FROM stats_waits \
        WHERE region_code = $1 AND month BETWEEN $2 AND $3 AND directions > 0)"
);

pub(super) async fn region_report(
    store: &PostgresStore,
    region: &str,
    range: MonthRange,
) -> StoreResult<RegionReport> {
    let mut conn = store.pool.acquire().await?;
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
