//! Public, no login: `GET /api/v1/public/queue`, `GET /api/v1/public/stats`.

use std::collections::BTreeMap;

use axum::extract::State;

use crate::api::problem::{Problem, ProblemCode};
use crate::api::public::{
    CohortStats, MonthStats, PublicQueueEntry, PublicQueueQuery, PublicStats, PublicStatsQuery,
};
use crate::domain::{ApplicationNumber, BenefitClass, Iin};
use crate::server::AppState;
use crate::server::catalogue::Catalogue;
use crate::server::http::ClientAddress;
use crate::server::http::extract::{Json, Query};
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::{QueueSize, StoreError, StoredApplication};

/// «Серикова Аружан Нурлановна» → «С. А*** Н.»: enough for a parent to recognise, too little
/// to identify a stranger's child.
pub fn mask_name(full_name: &str) -> String {
    let mut parts = full_name.split_whitespace();
    let initial = |p: &str| {
        p.chars()
            .next()
            .map(|c| format!("{c}."))
            .unwrap_or_default()
    };
    let surname = parts.next().map(initial).unwrap_or_default();
    let name = parts
        .next()
        .and_then(|p| p.chars().next())
        .map(|c| format!("{c}***"))
        .unwrap_or_default();
    let rest: Vec<String> = parts.map(initial).collect();
    [surname, name]
        .into_iter()
        .chain(rest)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn entry(app: &StoredApplication) -> PublicQueueEntry {
    PublicQueueEntry {
        number: app.state.number,
        child_name_masked: mask_name(&app.child_name),
        birth_year: app.state.cohort.birth_year,
        region: app.state.cohort.region.clone(),
        status: app.state.status,
        queue_number: app.position.general,
        benefit_queue_number: app.position.benefit,
        registered_at: app.state.registered_at,
    }
}

/// Queue numbers and status by application number or child IIN, names masked.
#[utoipa::path(get, path = "/api/v1/public/queue", tag = "public", params(PublicQueueQuery),
    responses((status = 200, body = Vec<PublicQueueEntry>), (status = 400, body = Problem),
        (status = 429, body = Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Query(query): Query<PublicQueueQuery>,
) -> ApiResult<Json<Vec<PublicQueueEntry>>> {
    // Numbers are sequential and IINs structured: without a limit, anyone could walk the queue.
    state.0.limits.public(state.store(), client).await?;
    let applications = match (query.number.as_deref(), query.child_iin.as_deref()) {
        (Some(number), None) => {
            let number: ApplicationNumber = number
                .trim()
                .parse()
                .map_err(|_| ProblemCode::InvalidInput)?;
            match state.store().application(number).await {
                Ok(app) => vec![app],
                Err(StoreError::NotFound) => Vec::new(),
                Err(e) => return Err(e.into()),
            }
        }
        (None, Some(iin)) => {
            let iin = Iin::parse(iin.trim()).map_err(|_| ProblemCode::InvalidIin)?;
            state.store().applications_of_child(&iin).await?
        }
        _ => return Err(ApiError::new(ProblemCode::InvalidInput)),
    };
    Ok(Json(applications.iter().map(entry).collect()))
}

/// A region's figures: queue sizes by birth year and benefit class, open free places, and
/// places published, directions and enrollments per month.
#[utoipa::path(get, path = "/api/v1/public/stats", tag = "public", params(PublicStatsQuery),
    responses((status = 200, body = PublicStats), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 429, body = Problem)))]
pub async fn stats(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Query(query): Query<PublicStatsQuery>,
) -> ApiResult<Json<PublicStats>> {
    state.0.limits.public(state.store(), client).await?;
    if Catalogue::bundled().region(&query.region).is_none() {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    // One read of the aggregates the writes keep (docs/design-store.md, «Statistics from
    // aggregates»): a few rows per region, exact once a write commits.
    let figures = state.store().region_stats(&query.region).await?;
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let cohorts = cohorts(figures.queue);
    let open_free_places = count(figures.open_places);
    let months = figures
        .months
        .into_iter()
        .map(|m| MonthStats {
            month: m.month,
            free_places: count(m.free_places),
            directions: count(m.directions),
            enrollments: count(m.enrollments),
        })
        .collect();
    Ok(Json(PublicStats {
        region: query.region,
        cohorts,
        open_free_places,
        months,
    }))
}

/// Queue sizes by birth year with the three classes side by side, oldest cohort first (the
/// public statistics and the officer's report).
pub(crate) fn cohorts(queue: Vec<QueueSize>) -> Vec<CohortStats> {
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let mut cohorts: BTreeMap<i32, CohortStats> = BTreeMap::new();
    for size in queue {
        let cohort = cohorts.entry(size.birth_year).or_insert(CohortStats {
            birth_year: size.birth_year,
            general: 0,
            first_turn: 0,
            out_of_turn: 0,
        });
        let queued = count(size.queued);
        match size.class {
            BenefitClass::None => cohort.general += queued,
            BenefitClass::FirstTurn => cohort.first_turn += queued,
            BenefitClass::OutOfTurn => cohort.out_of_turn += queued,
        }
    }
    cohorts.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_are_masked_to_initials() {
        assert_eq!(mask_name("Серикова Аружан Нурлановна"), "С. А*** Н.");
        assert_eq!(mask_name("Әлихан"), "Ә.");
        assert_eq!(mask_name(""), "");
    }
}
