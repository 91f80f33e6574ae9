//! The officer's region report (issue 13): `GET /api/v1/officer/report?from=YYYY-MM&to=YYYY-MM`
//! as JSON, CSV (UTF-8 with a byte order mark, so that Excel reads Cyrillic right) or XLSX.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::catalogue::LocalizedName;
use crate::api::public::CohortStats;

/// The media type of the CSV form.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
/// The media type of the XLSX form.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The form of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

impl ReportFormat {
    /// The file name extension of an export.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
        }
    }
}

/// `GET /api/v1/officer/report?from=&to=&format=&region=&lang=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The first month, «YYYY-MM» (Kazakhstan's calendar).
    pub from: String,
    /// The last month, «YYYY-MM», at most 120 months after `from`.
    pub to: String,
    /// `json` (default), `csv` or `xlsx`; without it, `Accept: text/csv` or the XLSX media type
    /// chooses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ReportFormat>,
    /// Officers: their own region (the default); admins name any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The language of a CSV's or XLSX's headings (`kk`, `ru`, `en`); default `Accept-Language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The report of a region over a range of months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegionReport {
    pub region: String,
    /// «YYYY-MM».
    pub from: String,
    /// «YYYY-MM».
    pub to: String,
    /// Children «В очереди» now, by birth year and benefit class, oldest cohort first.
    pub queue: Vec<CohortStats>,
    /// Every month of the range, oldest first.
    pub months: Vec<ReportRow>,
    /// The whole range: sums, and the waits of all its directions.
    pub total: ReportRow,
}

/// The figures of a month, or of the whole range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportRow {
    /// «YYYY-MM», or «YYYY-MM..YYYY-MM» for the whole range.
    pub period: String,
    pub offers_made: u64,
    /// Offers accepted: the directions issued.
    pub offers_accepted: u64,
    pub offers_declined: u64,
    /// Not answered in time.
    pub offers_expired: u64,
    pub directions: u64,
    pub enrollments: u64,
    /// The average wait from registration to direction, in days (exact); absent without
    /// directions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_average_days: Option<f64>,
    /// The 90th percentile of that wait in whole days (nearest rank, exact to the day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_p90_days: Option<u32>,
}

/// A reason an officer may reject a benefit document with (`GET
/// /api/v1/officer/rejection-reasons`); its code goes into the review's `<reasonCode>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectionReasonInfo {
    pub code: String,
    pub name: LocalizedName,
    /// The officer must add their own words with this reason.
    pub comment: bool,
}

impl From<&crate::domain::rejection::RejectionReason> for RejectionReasonInfo {
    fn from(reason: &crate::domain::rejection::RejectionReason) -> Self {
        RejectionReasonInfo {
            code: reason.code.clone(),
            name: LocalizedName {
                kk: reason.kk.clone(),
                ru: reason.ru.clone(),
                en: reason.en.clone(),
            },
            comment: reason.comment,
        }
    }
}
