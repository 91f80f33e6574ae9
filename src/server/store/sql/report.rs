//! The officer's region report from the aggregates of migrations 0013 and 0023 (PostgreSQL: 0001
//! and 0002): the queue now,
//! and per month the offers made, declined and expired, the directions with their waits in
//! whole days, and the enrollments. One statement (one snapshot): its rows are bounded by the
//! months asked and the distinct day counts waited, never by the applications.

use super::SqlStore;
use super::stats::{queue_json, queue_of};
use super::{Backend, Bind, Decoded, Exec};
use crate::domain::report::MonthRange;
use crate::server::store::report::assemble;
use crate::server::store::{RegionReport, StoreResult};

/// The report's statement: the queue, then per month the directions and enrollments, the
/// offers, and the waits, each as one JSON array.
fn region_report_sql<B: Backend>() -> String {
    format!(
        "SELECT {}, {}, {}, {}",
        queue_json::<B>(),
        B::json_rows(
            "month, directions, enrollments",
            "stats_months WHERE region_code = $1 AND month BETWEEN $2 AND $3",
            "month",
        ),
        B::json_rows(
            "month, made, declined, expired",
            "stats_offer_months WHERE region_code = $1 AND month BETWEEN $2 AND $3",
            "month",
        ),
        B::json_rows(
            "month, days, directions, seconds",
            "stats_waits WHERE region_code = $1 AND month BETWEEN $2 AND $3 AND directions > 0",
            "month, days",
        )
    )
}

pub(super) async fn region_report<B: Backend>(
    store: &SqlStore<B>,
    region: &str,
    range: MonthRange,
) -> StoreResult<RegionReport> {
    let mut conn = store.readers.acquire().await?;
    let (queue, directions, offers, waits): (String, String, String, String) = Decoded::decode(
        &sqlx::query::<B>(sqlx::AssertSqlSafe(region_report_sql::<B>()))
            .arg(region)
            .arg(range.from().to_string())
            .arg(range.to().to_string())
            .fetch_one(conn.ex())
            .await?,
    )?;
    drop(conn);
    assemble(range, queue_of(&queue)?, &directions, &offers, &waits)
}
