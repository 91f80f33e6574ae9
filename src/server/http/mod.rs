//! The HTTP surface: the router, one module per group of endpoints, problem+json extractors.

pub mod applications;
pub mod auth;
pub mod catalogue;
pub mod changes;
pub mod demo;
pub mod desk;
pub mod extract;
pub mod notices;
pub mod officer;
pub mod paging;
pub mod profile;
pub mod public;
pub mod report;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::api::applications::MAX_ATTACHMENT_BYTES;
use crate::api::problem::ProblemCode;
use crate::server::AppState;
use crate::server::openapi;
use crate::server::problem::{self, ApiError};
use crate::server::proxies;

/// The client's address, for the rate limits: the TCP peer, or behind a trusted proxy the
/// address it forwards (`server::proxies`); unspecified when the server runs without
/// connection info (in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let proxies = &state.config().proxies;
        Ok(ClientAddress(proxies::client_address(
            &proxies.trusted,
            proxies.header,
            peer,
            &parts.headers,
        )))
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// A whole request, its body included, within `limits.request_timeout_seconds`: a client that
/// sends its body slowly (or a request stuck behind the database) is answered 408
/// `request_timeout` and its connection closed. A change already queued with the store still
/// commits; the client's retry with the same request id gets its answer.
async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().limits.request_timeout();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut response = ApiError::new(ProblemCode::RequestTimeout).into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.config().limits.max_body_bytes;
    // Multipart framing adds a little to the largest scan; the handler checks the scan itself.
    let upload_limit = MAX_ATTACHMENT_BYTES + 64 * 1024;
    let api = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/regions", get(catalogue::regions))
        .route("/benefits", get(catalogue::benefits))
        .route("/kindergartens", get(catalogue::kindergartens))
        .route("/auth/challenge", post(auth::challenge))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/trust-anchors", get(auth::trust_anchors))
        .route(
            "/profile",
            get(profile::get_profile).put(profile::put_contacts),
        )
        .route(
            "/profile/bindings",
            get(profile::bindings).post(profile::bind),
        )
        .route("/registry/persons/{iin}", get(profile::registry_person))
        .route("/registry/children/{iin}", get(applications::child_check))
        .route(
            "/attachments",
            post(applications::upload_attachment).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/applications",
            get(applications::journal).post(applications::submit),
        )
        .route("/applications/{number}", get(applications::detail))
        .route("/applications/{number}/history", get(applications::history))
        .route(
            "/applications/{number}/documents",
            get(applications::documents),
        )
        .route(
            "/applications/{number}/documents/{id}",
            get(applications::download),
        )
        .route(
            "/applications/{number}/position-history",
            get(applications::position_history),
        )
        .route(
            "/applications/{number}/actions/{action}",
            post(applications::act),
        )
        .route("/public/queue", get(public::queue))
        .route("/public/stats", get(public::stats))
        .route(
            "/officer/applications/{number}/actions/{action}",
            post(officer::act),
        )
        .route(
            "/officer/free-places",
            get(officer::free_places).post(officer::publish),
        )
        .route("/officer/offers", get(officer::offers))
        .route("/officer/directions", get(officer::directions))
        .route("/officer/benefit-reviews", get(officer::benefit_reviews))
        .route(
            "/officer/kindergartens",
            get(officer::kindergartens).post(officer::change_kindergarten),
        )
        .route("/demo/unqueued-children", get(demo::unqueued_children))
        // --- the ЦОН desk (issue 12) ---
        .route("/desk/services", post(desk::start))
        .route("/desk/services/{id}", get(desk::get))
        .route("/desk/services/{id}/confirm", post(desk::confirm))
        .route("/desk/services/{id}/end", post(desk::end))
        .route("/desk/services/{id}/card", get(desk::card))
        .route("/desk/services/{id}/receipts/{number}", get(desk::receipt))
        .route(
            "/desk/services/{id}/bindings",
            get(desk::citizen_bindings).post(desk::bind_citizen_child),
        )
        .route("/profile/audit", get(desk::own_audit))
        .route("/officer/audit", get(desk::region_audit))
        // issue 14 (notices)
        .route("/inbox", get(notices::inbox))
        .route("/inbox/{id}/read", post(notices::mark_read))
        .route(
            "/applications/{number}/messages",
            get(notices::of_application),
        )
        .route("/officer/messages/dead", get(notices::dead))
        // issue 13 (the region report)
        .route("/officer/report", get(report::report))
        .route("/officer/rejection-reasons", get(report::rejection_reasons))
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed);
    Router::new()
        .route("/healthz", get(healthz))
        .nest(crate::api::PREFIX, api)
        .fallback(problem::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        .with_state(state)
}
