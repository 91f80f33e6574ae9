//! The OpenAPI 3 document at `/api/v1/openapi.json`, generated from the handlers' annotations
//! and the wire types, so it cannot drift from the code.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::server::http;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kezek", description = "Kazakhstan's kindergarten e-queue: the backend API. Errors are application/problem+json with a stable `code` and an i18n `message_key`."),
    paths(
        http::catalogue::regions,
        http::catalogue::benefits,
        http::catalogue::kindergartens,
        http::auth::challenge,
        http::auth::login,
        http::auth::logout,
        http::auth::trust_anchors,
        http::profile::get_profile,
        http::profile::put_contacts,
        http::profile::bindings,
        http::profile::bind,
        http::profile::registry_person,
        http::applications::upload_attachment,
        http::applications::submit,
        http::applications::child_check,
        http::applications::journal,
        http::applications::detail,
        http::applications::history,
        http::applications::documents,
        http::applications::download,
        http::applications::position_history,
        http::applications::act,
        http::public::queue,
        http::public::stats,
        http::officer::act,
        http::officer::publish,
        http::officer::free_places,
        http::officer::offers,
        http::officer::kindergartens,
        http::officer::change_kindergarten,
        http::officer::directions,
        http::officer::benefit_reviews,
        http::demo::unqueued_children,
        // --- the ЦОН desk (issue 12) ---
        http::desk::start,
        http::desk::get,
        http::desk::confirm,
        http::desk::end,
        http::desk::card,
        http::desk::receipt,
        http::desk::citizen_bindings,
        http::desk::bind_citizen_child,
        http::desk::own_audit,
        http::desk::region_audit,
        // issue 14 (notices)
        http::notices::inbox,
        http::notices::mark_read,
        http::notices::of_application,
        http::notices::dead,
        // issue 13 (the region report)
        http::report::report,
        http::report::rejection_reasons,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "catalogue", description = "Regions, benefits, kindergartens"),
        (name = "auth", description = "Login with an AUTH key"),
        (name = "profile", description = "Contacts, bindings, registry autofill"),
        (name = "applications", description = "Submission, journal, actions (signed with a SIGN key)"),
        (name = "public", description = "No login: queue search and statistics"),
        (name = "officer", description = "Education department staff, their region only"),
        (name = "demo", description = "Demo servers only: registry children nobody has queued"),
        (name = "desk", description = "ЦОН operators: service sessions with the citizen's one-time code, the citizen's card, the receipt"),
        (name = "notices", description = "The messages sent by e-mail and SMS: inbox, delivery states"),
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
