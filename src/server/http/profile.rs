//! `GET/PUT /api/v1/profile`, `GET/POST /api/v1/profile/bindings`,
//! `GET /api/v1/registry/persons/{iin}`.

use axum::extract::State;

use crate::api::auth::RoleKind;
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::api::profile::{BindingRequest, BoundChild, Contacts, Person, Profile};
use crate::domain::Iin;
use crate::domain::wizard;
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::http::extract::{Json, Path};
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::Contacts as StoredContacts;

fn contacts_of(stored: Option<StoredContacts>) -> Contacts {
    let stored = stored.unwrap_or(StoredContacts {
        email: None,
        phone: None,
        extra_email: None,
        extra_phone: None,
        language: Lang::Ru,
    });
    Contacts {
        email: stored.email,
        phone: stored.phone,
        extra_email: stored.extra_email,
        extra_phone: stored.extra_phone,
        language: stored.language,
    }
}

/// The user and their contacts.
#[utoipa::path(get, path = "/api/v1/profile", tag = "profile",
    responses((status = 200, body = Profile), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_profile(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<Profile>> {
    let stored = state.store().user(&session.user.iin).await?;
    Ok(Json(Profile {
        user: session.user,
        contacts: contacts_of(stored.map(|u| u.contacts)),
    }))
}

/// Checks the contacts with the wizard's rules: e-mail required, phones Kazakh mobile numbers.
fn check_contacts(contacts: &Contacts) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    match given(&contacts.email) {
        None => problems.push(field("email", "domain.wizard.required")),
        Some(email) if !wizard::is_email(&email) => {
            problems.push(field("email", "domain.wizard.email"))
        }
        Some(_) => {}
    }
    if given(&contacts.extra_email).is_some_and(|e| !wizard::is_email(&e)) {
        problems.push(field("extra_email", "domain.wizard.email"));
    }
    for (name, value) in [
        ("phone", &contacts.phone),
        ("extra_phone", &contacts.extra_phone),
    ] {
        if given(value).is_some_and(|p| wizard::normalize_phone(&p).is_none()) {
            problems.push(field(name, "domain.wizard.phone"));
        }
    }
    problems
}

fn field(name: &str, key: &str) -> FieldProblem {
    FieldProblem {
        field: name.to_owned(),
        message_key: key.to_owned(),
    }
}

/// Saves the contacts (first login: the e-mail is required before anything else).
#[utoipa::path(put, path = "/api/v1/profile", tag = "profile", request_body = Contacts,
    responses((status = 200, body = Profile), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn put_contacts(
    State(state): State<AppState>,
    session: Session,
    Json(contacts): Json<Contacts>,
) -> ApiResult<Json<Profile>> {
    let problems = check_contacts(&contacts);
    if !problems.is_empty() {
        return Err(Problem::new(ProblemCode::InvalidInput)
            .with_fields(problems)
            .into());
    }
    let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let phone = |v: Option<String>| blank(v).and_then(|p| wizard::normalize_phone(&p));
    let stored = StoredContacts {
        email: blank(contacts.email),
        phone: phone(contacts.phone),
        extra_email: blank(contacts.extra_email),
        extra_phone: phone(contacts.extra_phone),
        language: contacts.language,
    };
    let user = state
        .store()
        .update_contacts(&session.user.iin, &stored, state.now())
        .await?;
    Ok(Json(Profile {
        user: session.user,
        contacts: contacts_of(Some(user.contacts)),
    }))
}

async fn bound_child(state: &AppState, child: &Iin) -> ApiResult<BoundChild> {
    let person = state
        .registry()
        .person(*child)
        .await?
        .ok_or(ProblemCode::PersonNotFound)?;
    Ok(BoundChild {
        iin: *child,
        birth_date: person.birth_date(),
        full_name: person.full_name(),
    })
}

/// The children bound to the user («Привязка»).
#[utoipa::path(get, path = "/api/v1/profile/bindings", tag = "profile",
    responses((status = 200, body = Vec<BoundChild>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn bindings(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<Vec<BoundChild>>> {
    let mut children = Vec::new();
    for child in state.store().bound_children(&session.user.iin).await? {
        children.push(bound_child(&state, &child).await?);
    }
    Ok(Json(children))
}

/// Binds a child's applications to the user when the registry confirms kinship.
#[utoipa::path(post, path = "/api/v1/profile/bindings", tag = "profile", request_body = BindingRequest,
    responses((status = 200, body = BoundChild), (status = 400, body = Problem),
        (status = 422, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn bind(
    State(state): State<AppState>,
    session: Session,
    Json(request): Json<BindingRequest>,
) -> ApiResult<Json<BoundChild>> {
    let related = state
        .registry()
        .is_parent_or_guardian(session.user.iin, request.child_iin)
        .await?;
    if !related {
        return Err(ApiError::new(ProblemCode::KinshipNotConfirmed));
    }
    let child = bound_child(&state, &request.child_iin).await?;
    state
        .store()
        .bind_child(&session.user.iin, &request.child_iin, state.now())
        .await?;
    Ok(Json(child))
}

/// Wizard autofill: an applicant reads themselves and their own children, an operator anyone.
#[utoipa::path(get, path = "/api/v1/registry/persons/{iin}", tag = "profile",
    params(("iin" = String, Path, description = "The person's IIN")),
    responses((status = 200, body = Person), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn registry_person(
    State(state): State<AppState>,
    session: Session,
    Path(iin): Path<Iin>,
) -> ApiResult<Json<Person>> {
    let me = session.user.iin;
    let allowed = iin == me
        || session.is(RoleKind::Operator)
        || state.registry().is_parent_or_guardian(me, iin).await?;
    if !allowed {
        return Err(ApiError::new(ProblemCode::Forbidden));
    }
    let person = state
        .registry()
        .person(iin)
        .await?
        .ok_or(ProblemCode::PersonNotFound)?;
    Ok(Json(person.to_wire()))
}
