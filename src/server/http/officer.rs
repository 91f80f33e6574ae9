//! Officers, their region only: `POST /api/v1/officer/applications/{number}/actions/{action}`
//! (review-benefit, confirm-out-of-turn, enroll). Publishing free places waits for the store's
//! free-place records.

use axum::extract::State;
use axum::http::HeaderMap;

use crate::api::applications::ApplicationDetail;
use crate::api::auth::SignedDocument;
use crate::api::documents::ActionRequest;
use crate::api::problem::{Problem, ProblemCode};
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::http::applications::{number_of, require_officer, signed_action};
use crate::server::http::changes::Acting;
use crate::server::http::extract::{Json, Path};
use crate::server::problem::{ApiError, ApiResult};

/// An officer's signed action: review-benefit, confirm-out-of-turn, enroll.
#[utoipa::path(post, path = "/api/v1/officer/applications/{number}/actions/{action}", tag = "officer",
    request_body = SignedDocument,
    params(("number" = String, Path,), ("action" = String, Path, description = "review-benefit, confirm-out-of-turn, enroll")),
    responses((status = 200, body = ApplicationDetail), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((number, action)): Path<(String, String)>,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<ApplicationDetail>> {
    require_officer(&session)?;
    let number = number_of(&number)?;
    if !ActionRequest::OFFICER_CODES.contains(&action.as_str()) {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    signed_action(
        &state,
        &session,
        &headers,
        number,
        &action,
        &body.signed_xml,
        Acting::Officer,
    )
    .await
}
