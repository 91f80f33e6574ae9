//! The ЦОН desk (docs/design-api.md, «The ЦОН desk»): `POST /desk/services` (the code goes to
//! the citizen's mobile through the outbox), `GET /desk/services/{id}`, `POST …/confirm`,
//! `POST …/end`, the citizen's card, the receipt, «Привязка» for the citizen; «Кто
//! просматривал мои данные» for the citizen (`GET /profile/audit`) and for officers
//! (`GET /officer/audit`).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use rust_i18n::t;
use zeroize::Zeroize;

use crate::api::auth::RoleKind;
use crate::api::desk::{
    AuditEntry, AuditRead, CardApplication, CardChild, CitizenCard, ConfirmCode, Service,
    ServiceState, StartService,
};
use crate::api::problem::{Problem, ProblemCode};
use crate::api::profile::{BindingRequest, BoundChild};
use crate::domain::desk::{OneTimeCode, ServiceStatus, ServiceTimes, masked_phone};
use crate::domain::{Actor, access};
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::auth::{Session, random_secret};
use crate::server::desk::{
    self, audited_read, code_hash, contacts_on_record, employee, mobile_on_record,
};
use crate::server::http::applications::{address_of, number_of, receipt_pdf, visible};
use crate::server::http::extract::{Json, Path};
use crate::server::http::profile::{bind_for, bindings_of};
use crate::server::notify::OutboxMessage;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::{AuditLine, AuditScope, CodeAttempt, ServiceSession};

/// Audit lines answered at most, newest first.
pub const MAX_AUDIT_LINES: u32 = 500;

fn view(
    state: &AppState,
    service: &ServiceSession,
    demo_code: Option<String>,
) -> ApiResult<Service> {
    let rules = state.config().desk.rules();
    let (state_now, consent_until) = match service.times.status(state.now(), &rules) {
        ServiceStatus::AwaitingCode => (ServiceState::AwaitingCode, None),
        ServiceStatus::Consented { until } => (ServiceState::Consented, Some(until)),
        ServiceStatus::CodeExpired => return Err(ApiError::new(ProblemCode::CodeExpired)),
        ServiceStatus::Ended => return Err(ApiError::new(ProblemCode::ServiceEnded)),
    };
    Ok(Service {
        id: service.id.clone(),
        citizen_iin: service.citizen,
        state: state_now,
        phone: None,
        code_expires_at: service.times.code_sent_at + Duration::minutes(rules.code_minutes),
        consent_until,
        demo_code,
        request_number_format: Some(state.config().desk.request_number_format.clone()),
    })
}

/// The operator's own session of this id (another operator's is not found, as unknown ones).
async fn own_session(state: &AppState, session: &Session, id: &str) -> ApiResult<ServiceSession> {
    session.require(RoleKind::Operator)?;
    match state.store().service_session(id).await? {
        Some(service) if service.operator.iin == session.user.iin => Ok(service),
        _ => Err(ApiError::new(ProblemCode::ServiceNotFound)),
    }
}

/// The session with a live consent, or why not.
async fn consented(state: &AppState, session: &Session, id: &str) -> ApiResult<ServiceSession> {
    let service = own_session(state, session, id).await?;
    match service
        .times
        .status(state.now(), &state.config().desk.rules())
    {
        ServiceStatus::Consented { .. } => Ok(service),
        ServiceStatus::Ended => Err(ApiError::new(ProblemCode::ServiceEnded)),
        ServiceStatus::AwaitingCode | ServiceStatus::CodeExpired => {
            Err(ApiError::new(ProblemCode::ConsentRequired))
        }
    }
}

/// Starts serving a citizen: a one-time code goes to their mobile on record as an SMS through
/// the outbox. A demo server answers the code too.
#[utoipa::path(post, path = "/api/v1/desk/services", tag = "desk", request_body = StartService,
    responses((status = 200, body = Service), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    Json(body): Json<StartService>,
) -> ApiResult<Json<Service>> {
    session.require(RoleKind::Operator)?;
    let citizen = body.citizen_iin;
    state
        .registry()
        .person(citizen)
        .await?
        .ok_or(ProblemCode::PersonNotFound)?;
    let phone = mobile_on_record(&state, citizen)
        .await?
        .ok_or(ProblemCode::NoMobileOnRecord)?;
    let lang = state
        .store()
        .user(&citizen)
        .await?
        .map_or(Lang::Ru, |user| user.contacts.language);
    let now = state.now();
    let rules = state.config().desk.rules();
    let code = desk::new_code();
    let id = random_secret(16);
    let service = ServiceSession {
        id: id.clone(),
        operator: employee(&session),
        citizen,
        code_hash: code_hash(&id, &code),
        times: ServiceTimes {
            code_sent_at: now,
            confirmed_at: None,
            ended_at: None,
            wrong_codes: 0,
        },
        consent_until: None,
    };
    let locale = lang.code();
    // The code goes by SMS only, and its text is the whole message.
    let text = t!(
        "api.desk.sms",
        locale = locale,
        code = code.expose(),
        minutes = rules.code_minutes
    )
    .into_owned();
    let sms = OutboxMessage {
        to_email: None,
        to_phone: Some(phone.clone()),
        lang,
        subject: t!("api.desk.sms_subject", locale = locale).into_owned(),
        body: text.clone(),
        sms: text,
    };
    state.store().start_service(&service, &sms, now).await?;
    // The delivery worker sends the SMS (a demo server's log-only provider writes it to the log).
    let demo = state.config().demo.is_some();
    let mut answer = view(&state, &service, demo.then(|| code.expose().to_owned()))?;
    answer.phone = Some(masked_phone(&phone));
    Ok(Json(answer))
}

/// A service session of the operator's, while it is open.
#[utoipa::path(get, path = "/api/v1/desk/services/{id}", tag = "desk",
    params(("id" = String, Path,)),
    responses((status = 200, body = Service), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> ApiResult<Json<Service>> {
    let service = own_session(&state, &session, &id).await?;
    Ok(Json(view(&state, &service, None)?))
}

/// The code the citizen reads out: right, the consent starts; wrong, `code_wrong` with the
/// attempts left, and the last allowed ends the session (`code_attempts_exhausted`).
#[utoipa::path(post, path = "/api/v1/desk/services/{id}/confirm", tag = "desk",
    params(("id" = String, Path,)), request_body = ConfirmCode,
    responses((status = 200, body = Service), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Json(mut body): Json<ConfirmCode>,
) -> ApiResult<Json<Service>> {
    let typed = OneTimeCode::parse(&body.code);
    body.code.zeroize();
    let service = own_session(&state, &session, &id).await?;
    let now = state.now();
    let rules = state.config().desk.rules();
    match service.times.status(now, &rules) {
        ServiceStatus::AwaitingCode => {}
        // Confirmed already (a retry): the same answer.
        ServiceStatus::Consented { .. } => return Ok(Json(view(&state, &service, None)?)),
        ServiceStatus::CodeExpired => return Err(ApiError::new(ProblemCode::CodeExpired)),
        ServiceStatus::Ended => return Err(ApiError::new(ProblemCode::ServiceEnded)),
    }
    let right = typed.is_some_and(|code| code_hash(&id, &code) == service.code_hash);
    let attempt = if right {
        CodeAttempt::Right {
            consent_until: now + Duration::minutes(rules.consent_minutes),
        }
    } else {
        CodeAttempt::Wrong {
            limit: rules.wrong_codes,
        }
    };
    let after = state
        .store()
        .code_attempt(&id, attempt, now)
        .await?
        .ok_or(ProblemCode::ServiceNotFound)?;
    match after.times.status(now, &rules) {
        ServiceStatus::Consented { .. } => Ok(Json(view(&state, &after, None)?)),
        ServiceStatus::AwaitingCode => {
            let left = rules.wrong_codes.saturating_sub(after.times.wrong_codes);
            Err(Problem::new(ProblemCode::CodeWrong)
                .with_param("attempts_left", left.to_string())
                .into())
        }
        ServiceStatus::Ended if !right => Err(ApiError::new(ProblemCode::CodeAttemptsExhausted)),
        ServiceStatus::Ended => Err(ApiError::new(ProblemCode::ServiceEnded)),
        ServiceStatus::CodeExpired => Err(ApiError::new(ProblemCode::CodeExpired)),
    }
}

/// «Завершить обслуживание»: the consent ends now.
#[utoipa::path(post, path = "/api/v1/desk/services/{id}/end", tag = "desk",
    params(("id" = String, Path,)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn end(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    own_session(&state, &session, &id).await?;
    state.store().end_service(&id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The citizen's card: the registry's name and birth date, the address of their latest
/// application, their children with the applications the citizen may see.
#[utoipa::path(get, path = "/api/v1/desk/services/{id}/card", tag = "desk",
    params(("id" = String, Path,)),
    responses((status = 200, body = CitizenCard), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn card(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> ApiResult<Json<CitizenCard>> {
    let service = consented(&state, &session, &id).await?;
    let citizen = service.citizen;
    audited_read(&state, &session, citizen, AuditRead::Card, None).await?;
    let person = state
        .registry()
        .person(citizen)
        .await?
        .ok_or(ProblemCode::PersonNotFound)?;
    let viewer = Actor::Operator {
        iin: session.user.iin,
        serving: Some(citizen),
    };
    let bound = state.store().bound_children(&citizen).await?;
    let mut children = Vec::new();
    let mut address = None;
    for child in state.registry().children_of(citizen).await? {
        let mut applications = Vec::new();
        for app in state.store().applications_of_child(&child.iin).await? {
            let parents = if bound.contains(&child.iin) {
                vec![citizen]
            } else {
                Vec::new()
            };
            let parties = access::Parties {
                applicant: app.applicant_iin,
                bound_parents: &parents,
                region: &app.state.cohort.region,
            };
            if !access::can_view(&viewer, &parties) {
                continue;
            }
            if address.is_none() && app.applicant_iin == citizen {
                address = address_of(&app);
            }
            applications.push(CardApplication {
                number: app.state.number,
                status: app.state.status,
                queue_number: app.position.general,
                registered_at: app.state.registered_at,
            });
        }
        children.push(CardChild {
            iin: child.iin,
            full_name: child.full_name(),
            birth_date: child.birth_date(),
            applications,
        });
    }
    let contacts = contacts_on_record(&state, citizen).await?;
    Ok(Json(CitizenCard {
        iin: citizen,
        surname: person.surname,
        name: person.name,
        patronymic: person.patronymic,
        birth_date: citizen.birth_date(),
        address,
        email: contacts.email,
        phone: contacts.phone,
        children,
    }))
}

/// «Привязка» for the citizen served: the children bound to them (audited).
#[utoipa::path(get, path = "/api/v1/desk/services/{id}/bindings", tag = "desk",
    params(("id" = String, Path,)),
    responses((status = 200, body = Vec<BoundChild>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn citizen_bindings(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<BoundChild>>> {
    let service = consented(&state, &session, &id).await?;
    audited_read(&state, &session, service.citizen, AuditRead::Bindings, None).await?;
    Ok(Json(bindings_of(&state, service.citizen).await?))
}

/// «Привязка» for the citizen served: binds a child to the citizen's IIN by the parent's own
/// rule (the registry must name the citizen the child's parent or guardian); the registry
/// read and the binding are audited, refused or not.
#[utoipa::path(post, path = "/api/v1/desk/services/{id}/bindings", tag = "desk",
    params(("id" = String, Path,)), request_body = BindingRequest,
    responses((status = 200, body = BoundChild), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn bind_citizen_child(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Json(request): Json<BindingRequest>,
) -> ApiResult<Json<BoundChild>> {
    let service = consented(&state, &session, &id).await?;
    let child = request.child_iin;
    audited_read(
        &state,
        &session,
        service.citizen,
        AuditRead::Binding,
        Some(child.to_string()),
    )
    .await?;
    Ok(Json(bind_for(&state, service.citizen, child).await?))
}

/// «Расписка о приеме документов» of an application of the citizen served, as a PDF.
#[utoipa::path(get, path = "/api/v1/desk/services/{id}/receipts/{number}", tag = "desk",
    params(("id" = String, Path,), ("number" = String, Path,)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn receipt(
    State(state): State<AppState>,
    session: Session,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Response> {
    let service = consented(&state, &session, &id).await?;
    let number = number_of(&number)?;
    audited_read(
        &state,
        &session,
        service.citizen,
        AuditRead::Receipt,
        Some(number.to_string()),
    )
    .await?;
    let viewer = Actor::Operator {
        iin: session.user.iin,
        serving: Some(service.citizen),
    };
    let (app, _) = visible(&state, &viewer, number).await?;
    let bytes = receipt_pdf(&state, &app, &employee(&session)).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

fn entry_of(line: AuditLine) -> Option<AuditEntry> {
    Some(AuditEntry {
        at: line.at,
        operator_iin: line.operator.iin,
        operator_name: line.operator.name,
        centre_name: line.operator.centre_name,
        centre_bin: line.operator.centre_bin,
        citizen_iin: line.citizen,
        what: AuditRead::from_code(&line.what)?,
        subject: line.subject,
    })
}

async fn audit_of(state: &AppState, scope: AuditScope) -> ApiResult<Json<Vec<AuditEntry>>> {
    let lines = state.store().audit(&scope, MAX_AUDIT_LINES).await?;
    Ok(Json(lines.into_iter().filter_map(entry_of).collect()))
}

/// «Кто просматривал мои данные»: operators' reads of the user's data, newest first.
#[utoipa::path(get, path = "/api/v1/profile/audit", tag = "profile",
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn own_audit(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    audit_of(&state, AuditScope::Citizen(session.user.iin)).await
}

/// Operators' reads of the data of citizens with an application in the officer's region.
#[utoipa::path(get, path = "/api/v1/officer/audit", tag = "officer",
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn region_audit(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let region = session
        .officer_region()
        .ok_or(ProblemCode::Forbidden)?
        .to_owned();
    audit_of(&state, AuditScope::Region(region)).await
}
