//! The officer's region report from the aggregates of migrations 0013 and 0023: the queue now,
//! and per month the offers made, declined and expired, the directions with their waits in
//! whole days, and the enrollments. One statement (one snapshot): its rows are bounded by the
//! months asked and the distinct day counts waited, never by the applications.

use std::collections::BTreeMap;

use super::SqliteStore;
use super::stats::{corrupt, count, queue_json, queue_of};
use crate::domain::report::{Month, MonthRange};
use crate::server::store::{RegionReport, ReportMonth, StoreError, StoreResult};

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
    let mut months: BTreeMap<Month, ReportMonth> =
        range.months().map(|m| (m, ReportMonth::empty(m))).collect();
    let directions: Vec<(String, i64, i64)> = serde_json::from_str(&directions).map_err(corrupt)?;
    for (month, issued, enrolled) in directions {
        let row = month_row(&mut months, &month)?;
        row.directions = count(issued);
        row.enrollments = count(enrolled);
    }
    let offers: Vec<(String, i64, i64, i64)> = serde_json::from_str(&offers).map_err(corrupt)?;
    for (month, made, declined, expired) in offers {
        let row = month_row(&mut months, &month)?;
        row.offers_made = count(made);
        row.offers_declined = count(declined);
        row.offers_expired = count(expired);
    }
    let waits: Vec<(String, i64, i64, i64)> = serde_json::from_str(&waits).map_err(corrupt)?;
    for (month, days, issued, seconds) in waits {
        let days = u32::try_from(days)
            .map_err(|_| StoreError::Corrupt(format!("report wait of {days} days")))?;
        month_row(&mut months, &month)?
            .waits
            .add(days, count(issued), count(seconds));
    }
    Ok(RegionReport {
        queue: queue_of(&queue)?,
        months: months.into_values().collect(),
    })
}

/// The row of the month `text` names, which the statement only answers inside the range.
fn month_row<'a>(
    months: &'a mut BTreeMap<Month, ReportMonth>,
    text: &str,
) -> StoreResult<&'a mut ReportMonth> {
    let month: Month = text
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("report month {text:?}")))?;
    months
        .get_mut(&month)
        .ok_or_else(|| StoreError::Corrupt(format!("report month {text:?} out of range")))
}
