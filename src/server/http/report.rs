//! `GET /api/v1/officer/report`: the region report as JSON, CSV or XLSX (officers their own
//! region, admins any), from the aggregates the writes keep (`Store::region_report`); `GET
//! /api/v1/officer/rejection-reasons`: the reasons a benefit document is rejected with.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::api::auth::RoleKind;
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::api::report::{
    CSV_CONTENT_TYPE, RegionReport, RejectionReasonInfo, ReportFormat, ReportQuery,
    XLSX_CONTENT_TYPE,
};
use crate::domain::rejection::RejectionReason;
use crate::domain::report::{MAX_MONTHS, Month, MonthError, MonthRange};
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::catalogue::Catalogue;
use crate::server::http::auth::preferred_language;
use crate::server::http::extract::{Json, Query};
use crate::server::problem::{ApiError, ApiResult};
use crate::server::report;

/// The region report: the queue by birth year and benefit class now; per month the offers
/// made, accepted, declined and expired, the directions issued, the enrollments, and the
/// average and 90th-percentile wait from registration to direction.
#[utoipa::path(get, path = "/api/v1/officer/report", tag = "officer", params(ReportQuery),
    responses(
        (status = 200, body = RegionReport, content_type = "application/json"),
        (status = 200, description = "`format=csv` or `Accept: text/csv`: UTF-8 with a byte order mark", content_type = "text/csv"),
        (status = 200, description = "`format=xlsx`", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> ApiResult<Response> {
    let region = region_of(&session, query.region.as_deref())?;
    let range = range_of(&query)?;
    let lang = match query.lang.as_deref() {
        Some(code) => {
            Lang::parse(code).ok_or_else(|| invalid("lang", "api.problem.invalid_input"))?
        }
        None => preferred_language(&headers),
    };
    let format = query.format.unwrap_or_else(|| format_of(&headers));
    let stored = state.store().region_report(&region, range).await?;
    let wire = report::wire(&region, range, stored);
    let file = |extension: &str| {
        HeaderValue::from_str(&format!(
            "attachment; filename=\"report-{region}-{}-{}.{extension}\"",
            range.from(),
            range.to()
        ))
        .map_err(|_| ApiError::new(ProblemCode::Internal))
    };
    Ok(match format {
        ReportFormat::Json => Json(wire).into_response(),
        ReportFormat::Csv => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(CSV_CONTENT_TYPE),
                ),
                (header::CONTENT_DISPOSITION, file("csv")?),
            ],
            report::csv(&wire, lang),
        )
            .into_response(),
        ReportFormat::Xlsx => {
            let bytes = report::xlsx(&wire, lang).map_err(|e| {
                tracing::error!("region report: {e}");
                ApiError::new(ProblemCode::Internal)
            })?;
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(XLSX_CONTENT_TYPE),
                    ),
                    (header::CONTENT_DISPOSITION, file("xlsx")?),
                ],
                bytes,
            )
                .into_response()
        }
    })
}

/// Officers: their own region (another one asked for is refused); admins: the region they
/// name, which must be the catalogue's; anyone else is refused.
fn region_of(session: &Session, asked: Option<&str>) -> ApiResult<String> {
    if let Some(own) = session.officer_region() {
        if asked.is_some_and(|asked| asked != own) {
            return Err(ApiError::new(ProblemCode::Forbidden));
        }
        return Ok(own.to_owned());
    }
    session.require(RoleKind::Admin)?;
    let asked = asked.ok_or_else(|| invalid("region", "api.problem.invalid_input"))?;
    if Catalogue::bundled().region(asked).is_none() {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    Ok(asked.to_owned())
}

fn range_of(query: &ReportQuery) -> ApiResult<MonthRange> {
    let month = |field: &str, text: &str| {
        text.parse::<Month>()
            .map_err(|_| invalid(field, "report.problem.month"))
    };
    let from = month("from", &query.from)?;
    let to = month("to", &query.to)?;
    MonthRange::new(from, to).map_err(|e| match e {
        MonthError::Reversed => invalid("to", "report.problem.reversed"),
        MonthError::TooLong => Problem::new(ProblemCode::InvalidInput)
            .with_fields(vec![
                FieldProblem::new("to", "report.problem.too_long").with_param("max", MAX_MONTHS),
            ])
            .into(),
        MonthError::Malformed => invalid("from", "report.problem.month"),
    })
}

/// The form `Accept` asks for: CSV or XLSX by their media types, JSON otherwise.
fn format_of(headers: &HeaderMap) -> ReportFormat {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let asks = |media: &str| {
        accept.split(',').any(|part| {
            part.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(media)
        })
    };
    if asks("text/csv") {
        ReportFormat::Csv
    } else if asks(XLSX_CONTENT_TYPE) {
        ReportFormat::Xlsx
    } else {
        ReportFormat::Json
    }
}

fn invalid(field: &str, key: &str) -> ApiError {
    Problem::new(ProblemCode::InvalidInput)
        .with_fields(vec![FieldProblem::new(field, key)])
        .into()
}

/// The reasons an officer may reject a benefit document with, in the list's order, named in
/// the three languages (`data/rejection_reasons.toml`).
#[utoipa::path(get, path = "/api/v1/officer/rejection-reasons", tag = "officer",
    responses((status = 200, body = Vec<RejectionReasonInfo>), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn rejection_reasons(session: Session) -> ApiResult<Json<Vec<RejectionReasonInfo>>> {
    session.require(RoleKind::Officer)?;
    Ok(Json(
        RejectionReason::catalogue()
            .iter()
            .map(RejectionReasonInfo::from)
            .collect(),
    ))
}
