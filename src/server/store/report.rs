//! The region report's rows as every store reads them: JSON arrays of the months of a range
//! (`[month, directions, enrollments]`, `[month, made, declined, expired]` and
//! `[month, days, directions, seconds]`) made into a [`RegionReport`] with every month of the
//! range, oldest first (docs/design-store.md, «The region report»).

use std::collections::BTreeMap;

use crate::domain::report::{Month, MonthRange};
use crate::server::store::{QueueSize, RegionReport, ReportMonth, StoreError, StoreResult};

/// The report of `range` from the queue and the three arrays of its months.
pub(super) fn assemble(
    range: MonthRange,
    queue: Vec<QueueSize>,
    directions: &str,
    offers: &str,
    waits: &str,
) -> StoreResult<RegionReport> {
    let mut months: BTreeMap<Month, ReportMonth> =
        range.months().map(|m| (m, ReportMonth::empty(m))).collect();
    let directions: Vec<(String, i64, i64)> = serde_json::from_str(directions).map_err(corrupt)?;
    for (month, issued, enrolled) in directions {
        let row = month_row(&mut months, &month)?;
        row.directions = count(issued);
        row.enrollments = count(enrolled);
    }
    let offers: Vec<(String, i64, i64, i64)> = serde_json::from_str(offers).map_err(corrupt)?;
    for (month, made, declined, expired) in offers {
        let row = month_row(&mut months, &month)?;
        row.offers_made = count(made);
        row.offers_declined = count(declined);
        row.offers_expired = count(expired);
    }
    let waits: Vec<(String, i64, i64, i64)> = serde_json::from_str(waits).map_err(corrupt)?;
    for (month, days, issued, seconds) in waits {
        let days = u32::try_from(days)
            .map_err(|_| StoreError::Corrupt(format!("report wait of {days} days")))?;
        month_row(&mut months, &month)?
            .waits
            .add(days, count(issued), count(seconds));
    }
    Ok(RegionReport {
        queue,
        months: months.into_values().collect(),
    })
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("region report: {e}"))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
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
