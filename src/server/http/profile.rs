//! `GET/PUT /api/v1/profile`, `GET/POST /api/v1/profile/bindings`,
//! `GET /api/v1/registry/persons/{iin}`.

use axum::extract::State;
use axum::http::HeaderMap;

use crate::api::auth::RoleKind;
use crate::api::desk::AuditRead;
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::api::profile::{BindingRequest, BoundChild, Contacts, Person, Profile};
use crate::domain::limits::Text;
use crate::domain::wizard;
use crate::domain::{Actor, ContactError, ContactPreference, Email, Iin, MobilePhone};
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::http::changes;
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
        notify_by: ContactPreference::default(),
    });
    Contacts {
        email: stored.email,
        phone: stored.phone,
        extra_email: stored.extra_email,
        extra_phone: stored.extra_phone,
        language: stored.language,
        notify_by: stored.notify_by,
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

/// Checks the contacts with the wizard's rules (`domain::contact`): e-mail required, phones
/// Kazakhstan mobile numbers, none longer than its limit (a too long one is not checked
/// further).
fn check_contacts(contacts: &Contacts) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let fields = [
        ("email", &contacts.email, Text::Email),
        ("extra_email", &contacts.extra_email, Text::Email),
        ("phone", &contacts.phone, Text::Phone),
        ("extra_phone", &contacts.extra_phone, Text::Phone),
    ];
    const REQUIRED: &str = "domain.wizard.required";
    let key = ContactError::message_key;
    let mut given = Vec::with_capacity(fields.len());
    for (name, value, limit) in fields {
        let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty());
        match text {
            Some(text) if !limit.fits(text) => problems
                .push(FieldProblem::new(name, Text::MESSAGE).with_param("max", limit.max_chars())),
            _ => given.push((name, text)),
        }
    }
    for (name, text) in given {
        let problem = match (name, text) {
            ("email", None) => Some(REQUIRED),
            ("email" | "extra_email", Some(email)) => Email::parse(email).err().map(key),
            ("phone" | "extra_phone", Some(phone)) => MobilePhone::parse(phone).err().map(key),
            _ => None,
        };
        if let Some(problem) = problem {
            problems.push(FieldProblem::new(name, problem));
        }
    }
    let given = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
    if let Err(error) = contacts
        .notify_by
        .check(given(&contacts.email), given(&contacts.phone))
    {
        problems.push(FieldProblem::new("notify_by", error.message_key()));
    }
    problems
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
        let code = if problems.iter().any(|p| p.message_key == Text::MESSAGE) {
            ProblemCode::TextTooLong
        } else {
            ProblemCode::InvalidInput
        };
        return Err(Problem::new(code).with_fields(problems).into());
    }
    let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let phone = |v: Option<String>| blank(v).and_then(|p| wizard::normalize_phone(&p));
    let stored = StoredContacts {
        email: blank(contacts.email),
        phone: phone(contacts.phone),
        extra_email: blank(contacts.extra_email),
        extra_phone: phone(contacts.extra_phone),
        language: contacts.language,
        notify_by: contacts.notify_by,
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
    Ok(Json(bindings_of(&state, session.user.iin).await?))
}

/// The children bound to `person`: the user in their profile, or the citizen an operator
/// serves at the desk (`server/http/desk.rs`, under the citizen's consent).
pub async fn bindings_of(state: &AppState, person: Iin) -> ApiResult<Vec<BoundChild>> {
    let mut children = Vec::new();
    for child in state.store().bound_children(&person).await? {
        children.push(bound_child(state, &child).await?);
    }
    Ok(children)
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
    Ok(Json(
        bind_for(&state, session.user.iin, request.child_iin).await?,
    ))
}

/// Binds `child` to `person` (the user, or the citizen an operator serves at the desk) when
/// the registry names `person` the child's parent or guardian; otherwise nothing changes.
pub async fn bind_for(state: &AppState, person: Iin, child: Iin) -> ApiResult<BoundChild> {
    let related = state
        .registry()
        .is_parent_or_guardian(person, child)
        .await?;
    if !related {
        return Err(ApiError::new(ProblemCode::KinshipNotConfirmed));
    }
    let bound = bound_child(state, &child).await?;
    state
        .store()
        .bind_child(&person, &child, state.now())
        .await?;
    Ok(bound)
}

/// Wizard autofill: an applicant reads themselves and their own children, an operator the
/// citizen served (`Kezek-Citizen`, under their consent) and the citizen's children.
#[utoipa::path(get, path = "/api/v1/registry/persons/{iin}", tag = "profile",
    params(("iin" = String, Path, description = "The person's IIN")),
    responses((status = 200, body = Person), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn registry_person(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(iin): Path<Iin>,
) -> ApiResult<Json<Person>> {
    let me = session.user.iin;
    let mut allowed = iin == me || state.registry().is_parent_or_guardian(me, iin).await?;
    // An operator reads the citizen served (`Kezek-Citizen`) and their children, under the
    // citizen's consent, and the read is audited.
    if !allowed && session.is(RoleKind::Operator) {
        let reader = changes::reader(
            &state,
            &session,
            &headers,
            AuditRead::RegistryPerson,
            Some(iin.to_string()),
        )
        .await?;
        if let Actor::Operator {
            serving: Some(citizen),
            ..
        } = reader
        {
            allowed =
                citizen == iin || state.registry().is_parent_or_guardian(citizen, iin).await?;
        }
    }
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
