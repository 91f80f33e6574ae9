//! What every signed change goes through after its signature holds: the idempotency record
//! (same request id and document → the first answer; another document → refused), the time of
//! signing, who acts (the user, an operator for a named citizen, an officer of a region; the
//! latter two with their organisation's key), and the transition recorded with the signed XML
//! as evidence, re-read and re-applied if another change got in first.

use axum::http::HeaderMap;

use crate::api::applications::{CITIZEN_HEADER, IDEMPOTENCY_HEADER};
use crate::api::auth::RoleKind;
use crate::api::desk::AuditRead;
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::domain::allocation::OfferStatus;
use crate::domain::limits::Text;
use crate::domain::{
    Action, Actor, ApplicationNumber, EventKind, Iin, access, calendar, lifecycle,
};
use crate::server::auth::Session;
use crate::server::desk;
use crate::server::documents::DocumentKind;
use crate::server::http::applications::Papers;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::signed::{self, Purpose, Signer, Verified};
use crate::server::store::{
    Completion, Effects, NewEvent, OfferScope, Recorded, RequestKey, StoreError, StoredApplication,
    TransitionRecord, no_effects,
};
use crate::server::{AppState, allocation};

/// In which capacity the signer acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting {
    /// An applicant for themself, or an operator for the citizen the document names.
    Citizen,
    /// An officer of their region.
    Officer,
}

/// A change not seen before, checked and ready to apply.
pub struct Fresh {
    pub verified: Verified,
    pub actor: Actor,
    pub request: RequestKey,
}

pub enum Checked {
    /// The same document came again: its first answer.
    Replay(serde_json::Value),
    Fresh(Box<Fresh>),
}

/// The person a change or a read is for: the applicant, or the citizen an operator serves.
pub fn principal(actor: &Actor) -> Option<Iin> {
    match actor {
        Actor::Applicant { iin } => Some(*iin),
        Actor::Operator { serving, .. } => *serving,
        Actor::Officer { .. } | Actor::System => None,
    }
}

/// Who is reading: an officer as such, an operator serving the citizen named in the
/// `Kezek-Citizen` header, anyone else as an applicant.
pub fn viewer(session: &Session, headers: &HeaderMap) -> ApiResult<Actor> {
    let iin = session.user.iin;
    if let Some(region) = session.officer_region() {
        return Ok(Actor::Officer {
            iin,
            region: region.to_owned(),
        });
    }
    let citizen = match headers.get(CITIZEN_HEADER) {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|t| Iin::parse(t).ok())
                .ok_or(ProblemCode::InvalidIin)?,
        ),
        None => None,
    };
    match citizen {
        Some(citizen) if session.is(RoleKind::Operator) => Ok(Actor::Operator {
            iin,
            serving: Some(citizen),
        }),
        Some(_) => Err(ApiError::new(ProblemCode::Forbidden)),
        None => Ok(Actor::Applicant { iin }),
    }
}

/// Who is reading, as [`viewer`] says; an operator serving a citizen needs the citizen's live
/// consent, and the read goes into the audit log (`what`, of `subject`) before it is answered.
pub async fn reader(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    what: AuditRead,
    subject: Option<String>,
) -> ApiResult<Actor> {
    let actor = viewer(session, headers)?;
    if let Actor::Operator {
        serving: Some(citizen),
        ..
    } = &actor
    {
        desk::audited_read(state, session, *citizen, what, subject).await?;
    }
    Ok(actor)
}

/// The reader of a replayed change, in the capacity the change was made.
pub fn actor_for_view(session: &Session, headers: &HeaderMap, acting: Acting) -> ApiResult<Actor> {
    match acting {
        Acting::Officer => {
            let region = session.officer_region().ok_or(ProblemCode::Forbidden)?;
            Ok(Actor::Officer {
                iin: session.user.iin,
                region: region.to_owned(),
            })
        }
        Acting::Citizen => viewer(session, headers),
    }
}

/// Verifies `xml` as a change by the session's user. `header_required`: the request must carry
/// `Idempotency-Key` (submissions); when present it must equal the document's request id.
pub async fn check(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    xml: &str,
    acting: Acting,
    header_required: bool,
) -> ApiResult<Checked> {
    let now = state.now();
    let verified = match signed::verify_blocking(state, xml.to_owned(), Purpose::Change).await {
        // Whoever holds a revoked key may be someone else: the session ends with it.
        Err(refusal) if refusal.code() == ProblemCode::CertificateRevoked => {
            state.store().end_session(&session.token_hash).await?;
            return Err(refusal);
        }
        verified => verified?,
    };
    let envelope = verified
        .document
        .envelope()
        .ok_or(ProblemCode::WrongDocument)?
        .clone();
    let header = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok());
    match header {
        Some(key) if key != envelope.request_id => {
            return Err(ProblemCode::MissingIdempotencyKey.into());
        }
        None if header_required => return Err(ProblemCode::MissingIdempotencyKey.into()),
        _ => {}
    }
    if verified.signer.iin != session.user.iin {
        return Err(ApiError::new(ProblemCode::SignerMismatch));
    }
    // An operator acts for a citizen only under their live consent (a retry included), and
    // names the ЦОН request in the configured format when naming one.
    if let Some(citizen) = envelope.citizen
        && acting == Acting::Citizen
        && session.is(RoleKind::Operator)
    {
        desk::require_consent(state, session, citizen).await?;
        if let Some(number) = &envelope.service_centre_request {
            check_request_number(state, number)?;
        }
    }
    let request = RequestKey {
        request_id: envelope.request_id.clone(),
        document_hash: verified.sha256,
    };
    // A retry of a change already made gets its first answer, whenever it comes back.
    if let Some(stored) = state.store().stored_answer(&request.request_id).await? {
        return if stored.document_hash == request.document_hash {
            Ok(Checked::Replay(stored.answer))
        } else {
            Err(ApiError::new(ProblemCode::IdempotencyConflict))
        };
    }
    signed::check_time(&envelope, now, state.config().limits.signing_skew_minutes)?;
    let iin = session.user.iin;
    let actor = match (acting, envelope.citizen) {
        (Acting::Officer, None) => Actor::Officer {
            iin,
            region: session
                .officer_region()
                .ok_or(ProblemCode::Forbidden)?
                .to_owned(),
        },
        (Acting::Officer, Some(_)) => return Err(ApiError::new(ProblemCode::WrongDocument)),
        (Acting::Citizen, None) => Actor::Applicant { iin },
        (Acting::Citizen, Some(citizen)) if session.is(RoleKind::Operator) => Actor::Operator {
            iin,
            serving: Some(citizen),
        },
        (Acting::Citizen, Some(_)) => return Err(ApiError::new(ProblemCode::Forbidden)),
    };
    require_employee_key(state, &actor, &verified.signer)?;
    Ok(Checked::Fresh(Box::new(Fresh {
        verified,
        actor,
        request,
    })))
}

/// A «Номер ЦОН» of the configured format, else `request_number_invalid` naming the format.
pub fn check_request_number(state: &AppState, number: &str) -> ApiResult<()> {
    let format = state.config().desk.request_number_format();
    if Text::RequestNumber.fits(number) && format.accepts(number) {
        Ok(())
    } else {
        Err(Problem::new(ProblemCode::RequestNumberInvalid)
            .with_param("format", format.template())
            .with_fields(vec![
                FieldProblem::new("serviceCentreRequest", "api.problem.request_number_invalid")
                    .with_param("format", format.template()),
            ])
            .into())
    }
}

/// An officer's or operator's act is their organisation's: it must be signed with a key of that
/// organisation (the certificate carries its BIN), which by itself grants the role the act is
/// made in. The person's own key, or another organisation's, is refused even when the session
/// was opened with an employee key.
fn require_employee_key(state: &AppState, actor: &Actor, signer: &Signer) -> ApiResult<()> {
    let (role, region) = match actor {
        Actor::Officer { region, .. } => (RoleKind::Officer, Some(region.as_str())),
        Actor::Operator { .. } => (RoleKind::Operator, None),
        Actor::Applicant { .. } | Actor::System => return Ok(()),
    };
    let granted = state
        .config()
        .roles_of(&signer.iin, signer.bin.as_deref())
        .iter()
        .any(|grant| grant.role == role && (region.is_none() || grant.region.as_deref() == region));
    if granted {
        Ok(())
    } else {
        Err(ApiError::new(ProblemCode::EmployeeKeyRequired))
    }
}

/// The first answer to the change's request id, when another request committed it meanwhile.
pub async fn replay(state: &AppState, fresh: &Fresh) -> ApiResult<Option<serde_json::Value>> {
    match state
        .store()
        .stored_answer(&fresh.request.request_id)
        .await?
    {
        Some(stored) if stored.document_hash == fresh.request.document_hash => {
            Ok(Some(stored.answer))
        }
        Some(_) => Err(ApiError::new(ProblemCode::IdempotencyConflict)),
        None => Ok(None),
    }
}

/// What a transition commits besides itself: the «Направление» PDF when a direction is issued
/// or extended (in the applicant's language, naming the group of the offered place).
async fn completion_for(
    state: &AppState,
    app: &StoredApplication,
    event: EventKind,
) -> ApiResult<Completion> {
    if !matches!(
        event,
        EventKind::DirectionIssued | EventKind::DirectionExtended
    ) {
        return Ok(no_effects());
    }
    let papers = Papers::of_application(state, app).await?;
    let group = state
        .store()
        .offers(&OfferScope::Application(app.state.number), 1)
        .await?
        .into_iter()
        .find(|offer| offer.status.holds_place())
        .map(|offer| offer.group);
    Ok(Box::new(move |recorded| {
        Ok(Effects {
            documents: papers.documents(&[DocumentKind::Direction], recorded, group.as_deref())?,
            ..Effects::default()
        })
    }))
}

/// How often a transition is re-read and re-applied when other changes keep getting in first.
const ATTEMPTS: usize = 5;

/// Applies `action` to the application under the rules and records it with its evidence: the
/// signed XML, and the uploaded scans it references (`attachments`, linked to the application).
pub async fn apply_action(
    state: &AppState,
    fresh: &Fresh,
    number: ApplicationNumber,
    action: Action,
    attachments: Vec<String>,
    comment: String,
    xml: &str,
) -> ApiResult<Recorded> {
    let kind = action.kind();
    for _ in 0..ATTEMPTS {
        let (app, bound) = super::applications::visible(state, &fresh.actor, number).await?;
        let parties = access::Parties {
            applicant: app.applicant_iin,
            bound_parents: &bound,
            region: &app.state.cohort.region,
        };
        if !access::can_act(&fresh.actor, &parties, kind) {
            return Err(ApiError::new(ProblemCode::Forbidden));
        }
        let settings = state.config().region_settings(&app.state.cohort.region);
        let transition = lifecycle::apply(
            &app.state,
            &action,
            &fresh.actor,
            state.now(),
            &settings,
            calendar::Calendar::kazakhstan(),
        )?;
        let frees_place =
            OfferStatus::settled_by(&transition).is_some_and(OfferStatus::frees_place);
        let completion = completion_for(state, &app, transition.event).await?;
        let record = TransitionRecord {
            number,
            revision: app.revision,
            transition,
            event: NewEvent {
                actor: fresh.actor.clone(),
                comment: comment.clone(),
                signed_xml: Some(xml.to_owned()),
            },
            now: state.now(),
            settings: settings.clone(),
            place: None,
            request: Some(fresh.request.clone()),
            attachments: attachments.clone(),
        };
        match state.store().record_transition(record, completion).await {
            Ok(recorded) => {
                // The place goes to the next child now; the change itself is committed
                // whatever happens here, and the scheduler retries what fails.
                if frees_place
                    && let Err(e) = allocation::allocate(state, &app.state.cohort.region).await
                {
                    tracing::warn!(error = %e.0, "allocation after a freed place failed");
                }
                return Ok(recorded);
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(ProblemCode::Internal))
}
