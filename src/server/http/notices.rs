//! Notices (issue 14): `GET /api/v1/inbox`, `POST /api/v1/inbox/{id}/read`,
//! `GET /api/v1/applications/{number}/messages` and `GET /api/v1/officer/messages/dead`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::api::notices::{DeadQuery, Inbox, InboxQuery, MAX_MESSAGES, Message};
use crate::api::problem::{Problem, ProblemCode};
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::http::applications::{number_of, visible};
use crate::server::http::changes;
use crate::server::http::extract::{Json, Path, Query};
use crate::server::http::paging::Page;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::MessageScope;

/// What a reader who is not an officer sees of a message: not where it went (a bound parent
/// would read the other parent's contacts) nor the delivery's technical error.
fn for_reader(mut message: Message) -> Message {
    message.last_error = None;
    message.to_email = None;
    message.to_phone = None;
    message
}

/// The user's messages, newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "notices", params(InboxQuery),
    responses((status = 200, body = Inbox), (status = 400, body = Problem),
        (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn inbox(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<InboxQuery>,
) -> ApiResult<Json<Inbox>> {
    let page = Page::first(query.limit, MAX_MESSAGES)?;
    let found = state
        .store()
        .messages(&MessageScope::User(session.user.iin), page.size())
        .await?;
    Ok(Json(Inbox {
        messages: found.messages.into_iter().map(for_reader).collect(),
        unread: found.unread,
    }))
}

/// Marks one of the user's messages read (opening it does); another's is `not_found`.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "notices",
    params(("id" = i64, Path,)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn mark_read(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(ProblemCode::NotFound))?;
    if state
        .store()
        .mark_message_read(&session.user.iin, id, state.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(ProblemCode::NotFound))
    }
}

/// The messages about an application and how their delivery went, oldest first: part of its
/// history, for whoever may see the application.
#[utoipa::path(get, path = "/api/v1/applications/{number}/messages", tag = "notices",
    params(("number" = String, Path,)),
    responses((status = 200, body = Vec<Message>), (status = 401, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn of_application(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<Message>>> {
    let viewer = changes::viewer(&session, &headers)?;
    let (app, _) = visible(&state, &viewer, number_of(&number)?).await?;
    let found = state
        .store()
        .messages(&MessageScope::Application(app.id), MAX_MESSAGES)
        .await?;
    let officer = session.officer_region().is_some();
    Ok(Json(
        found
            .messages
            .into_iter()
            .map(|m| if officer { m } else { for_reader(m) })
            .collect(),
    ))
}

/// The dead messages of the officer's region, newest first, with where they were to go and
/// why they failed, so that someone can reach the family another way.
#[utoipa::path(get, path = "/api/v1/officer/messages/dead", tag = "officer", params(DeadQuery),
    responses((status = 200, body = Vec<Message>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn dead(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<DeadQuery>,
) -> ApiResult<Json<Vec<Message>>> {
    let region = session.officer_region().ok_or(ProblemCode::Forbidden)?;
    if query.region.as_deref().is_some_and(|asked| asked != region) {
        return Err(ApiError::new(ProblemCode::Forbidden));
    }
    let page = Page::first(query.limit, MAX_MESSAGES)?;
    let found = state
        .store()
        .messages(&MessageScope::DeadInRegion(region.to_owned()), page.size())
        .await?;
    Ok(Json(found.messages))
}
