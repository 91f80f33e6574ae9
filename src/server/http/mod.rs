//! The HTTP surface: the router, one module per group of endpoints, problem+json extractors.

pub mod applications;
pub mod auth;
pub mod catalogue;
pub mod changes;
pub mod demo;
pub mod extract;
pub mod officer;
pub mod profile;
pub mod public;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::api::applications::MAX_ATTACHMENT_BYTES;
use crate::server::AppState;
use crate::server::openapi;
use crate::server::problem;

/// The client's address, for the login rate limit; unspecified when the server runs without
/// connection info (in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientAddress(ip))
    }
}

async fn healthz() -> &'static str {
    "ok"
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
        .route("/demo/unqueued-children", get(demo::unqueued_children))
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed);
    Router::new()
        .route("/healthz", get(healthz))
        .nest(crate::api::PREFIX, api)
        .fallback(problem::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
