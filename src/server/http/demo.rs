//! Demo servers only: `GET /api/v1/demo/unqueued-children`, the registry's synthetic parents
//! with a child nobody has queued, for a ЦОН operator to serve. A real registry lists nobody,
//! so this is not served unless the server runs with demo data (`kezek serve --demo`).

use axum::extract::State;

use crate::api::auth::RoleKind;
use crate::api::demo::{MAX_UNQUEUED_PAGE, UnqueuedChild, UnqueuedPage, UnqueuedQuery};
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::domain::calendar;
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::catalogue::Catalogue;
use crate::server::http::extract::{Json, Query};
use crate::server::problem::{ApiError, ApiResult};

const DEFAULT_PAGE: u32 = 100;
/// At most this many children are looked at for one page (each a read of the store), so a
/// page past many queued children ends early with a cursor rather than taking long.
const MAX_EXAMINED: usize = 10_000;

/// Children of the demo's synthetic families who may be queued in `region` today and have no
/// open application, each with the parent or guardian who applies for them; operators only.
/// A page may hold fewer than `limit` and still have a next one.
#[utoipa::path(get, path = "/api/v1/demo/unqueued-children", tag = "demo", params(UnqueuedQuery),
    responses((status = 200, body = UnqueuedPage), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn unqueued_children(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<UnqueuedQuery>,
) -> ApiResult<Json<UnqueuedPage>> {
    if state.config().demo.is_none() {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    session.require(RoleKind::Operator)?;
    if Catalogue::bundled().region(&query.region).is_none() {
        return Err(invalid("region"));
    }
    let all = &state.0.demo_children;
    let mut at = match &query.cursor {
        Some(cursor) => cursor
            .parse::<usize>()
            .ok()
            .filter(|at| *at <= all.len())
            .ok_or_else(|| invalid("cursor"))?,
        None => 0,
    };
    let limit = query
        .limit
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_UNQUEUED_PAGE) as usize;
    let settings = state.config().region_settings(&query.region);
    let today = calendar::local_date(state.now());
    let mut children = Vec::with_capacity(limit);
    let end = all.len().min(at + MAX_EXAMINED);
    while at < end && children.len() < limit {
        let candidate = all[at];
        at += 1;
        let born = candidate.child.birth_date();
        if query
            .birth_year
            .is_some_and(|year| chrono::Datelike::year(&born) != year)
            || born > today
            || settings.too_old(born, today)
            || state
                .store()
                .open_application_of_child(&candidate.child)
                .await?
                .is_some()
        {
            continue;
        }
        let registry = state.registry();
        if let (Some(applicant), Some(child)) = (
            registry.person(candidate.applicant).await?,
            registry.person(candidate.child).await?,
        ) {
            children.push(UnqueuedChild {
                applicant: applicant.to_wire(),
                child: child.to_wire(),
            });
        }
    }
    Ok(Json(UnqueuedPage {
        children,
        next_cursor: (at < all.len()).then(|| at.to_string()),
    }))
}

fn invalid(field: &str) -> ApiError {
    Problem::new(ProblemCode::InvalidInput)
        .with_fields(vec![FieldProblem::new(
            field,
            ProblemCode::InvalidInput.message_key(),
        )])
        .into()
}
