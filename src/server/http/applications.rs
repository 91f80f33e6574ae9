//! Applications: upload of scans, submission, the journal, one application and its history,
//! documents and position history, and the applicant's signed actions.

use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::api::applications::{
    ApplicantInfo, ApplicationDetail, AttachmentUpload, AttachmentUploaded, ChildInfo,
    DocumentInfo, DocumentKind, HistoryEntry, JournalPage, JournalQuery, JournalRow, JournalSort,
    PositionChange, SortOrder, SubmissionResult,
};
use crate::api::auth::{RoleKind, SignedDocument};
use crate::api::desk::AuditRead;
use crate::api::documents::{ActionRequest, AttachmentRef, Document};
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::domain::limits::Text;
use crate::domain::rejection::{RejectionError, RejectionReason};
use crate::domain::scan;
use crate::domain::wizard::{self, FileKind};
use crate::domain::{
    Action, Actor, ApplicationNumber, Benefit, BenefitCategory, Cohort, Iin, Role, access,
    calendar, lifecycle, registry_match,
};
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::catalogue::Catalogue;
use crate::server::documents::{self, DocumentData, DocumentSources};
use crate::server::http::changes::{self, Acting, Checked, Fresh};
use crate::server::http::extract::{Json, Path, Query};
use crate::server::http::paging::Page;
use crate::server::kinship;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::registry::Person;
use crate::server::renderer;
use crate::server::store::{
    self, AttachmentQuota, Completion, DocumentInfo as StoredDocumentInfo, Effects, JournalColumn,
    JournalFilter, JournalScope, NewApplication, NewDocument, NewEvent, Recorded, ServiceCentre,
    StoreError, StoredApplication,
};

/// Uploads one scan (multipart part `file`): a PDF, JPEG or PNG by its structure, at most
/// 10 MiB, within the uploader's quota of scans no application references yet; kept under its
/// sanitised base name.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "applications",
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = AttachmentUploaded), (status = 400, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 401, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    session: Session,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<AttachmentUploaded>> {
    let mut multipart = multipart.map_err(|_| ProblemCode::UnsupportedMediaType)?;
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ProblemCode::PayloadTooLarge)
        } else {
            ApiError::new(ProblemCode::InvalidInput)
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        if field.name() != Some("file") {
            continue;
        }
        let sent_name = field.file_name().unwrap_or_default().to_owned();
        let bytes: Bytes = field.bytes().await.map_err(too_large)?;
        if bytes.len() as u64 > wizard::MAX_ATTACHMENT_BYTES {
            return Err(ApiError::new(ProblemCode::PayloadTooLarge));
        }
        // Up to 10 MiB walked byte by byte: off the async threads.
        let checked = bytes.clone();
        let kind = tokio::task::spawn_blocking(move || scan::recognise(&checked))
            .await
            .map_err(|_| ProblemCode::Internal)?
            .map_err(|e| {
                Problem::new(ProblemCode::AttachmentType).with_param("reason", e.to_string())
            })?;
        let file_name = scan::file_name(&sent_name, kind);
        let limits = &state.config().limits;
        let quota = AttachmentQuota {
            count: limits.pending_attachments.get(),
            bytes: limits.pending_attachment_bytes.get(),
        };
        let info = state
            .store()
            .put_attachment(
                &session.user.iin,
                &file_name,
                kind.mime(),
                bytes.to_vec(),
                state.now(),
                quota,
            )
            .await
            .map_err(|e| match e {
                StoreError::AttachmentQuota => ApiError::from(
                    Problem::new(ProblemCode::AttachmentQuota)
                        .with_param("count", quota.count.to_string())
                        .with_param("mib", (quota.bytes / (1024 * 1024)).to_string())
                        .with_param("hours", limits.unreferenced_attachment_hours.to_string()),
                ),
                other => other.into(),
            })?;
        return Ok(Json(AttachmentUploaded {
            id: info.id,
            sha256: hex::encode(info.sha256),
            content_type: kind.mime().to_owned(),
            size: info.size,
            file_name,
        }));
    }
    Err(ApiError::new(ProblemCode::InvalidInput))
}

/// Checks that every referenced scan exists, belongs to the uploader and has the signed hash.
async fn check_attachments(
    state: &AppState,
    uploader: &Iin,
    refs: &[AttachmentRef],
) -> ApiResult<Vec<store::AttachmentInfo>> {
    let mut infos = Vec::with_capacity(refs.len());
    for reference in refs {
        let (info, _) = state
            .store()
            .attachment(&reference.id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ApiError::new(ProblemCode::AttachmentUnknown),
                other => other.into(),
            })?;
        if &info.owner_iin != uploader
            || !hex::encode(info.sha256).eq_ignore_ascii_case(&reference.sha256)
        {
            return Err(ApiError::new(ProblemCode::AttachmentUnknown));
        }
        infos.push(info);
    }
    Ok(infos)
}

/// A checked scan as the wizard's rules see it.
fn wizard_attachment(info: &store::AttachmentInfo) -> wizard::AttachmentInfo {
    wizard::AttachmentInfo {
        name: info.file_name.clone(),
        size: info.size,
        kind: FileKind::of_mime(&info.content_type),
    }
}

fn field_problems(errors: &[wizard::FieldError]) -> ApiError {
    let code = if errors.iter().any(|e| e.message.starts_with("iin.")) {
        ProblemCode::InvalidIin
    } else if errors.iter().any(|e| e.message == Text::MESSAGE) {
        ProblemCode::TextTooLong
    } else {
        ProblemCode::InvalidInput
    };
    fields_refused(code, errors)
}

/// A refusal with `code` and a field problem for each of `errors`.
fn fields_refused(code: ProblemCode, errors: &[wizard::FieldError]) -> ApiError {
    let fields: Vec<FieldProblem> = errors
        .iter()
        .map(|e| {
            let name = serde_json::to_value(e.field)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            e.args.iter().fold(
                FieldProblem::new(name, e.message.clone()),
                |problem, (param, value)| problem.with_param(param, value),
            )
        })
        .collect();
    Problem::new(code).with_fields(fields).into()
}

/// A text over its limit, refused as `text_too_long` naming the field.
pub(crate) fn too_long(field: &str, limit: Text) -> ApiError {
    Problem::new(ProblemCode::TextTooLong)
        .with_fields(vec![
            FieldProblem::new(field, Text::MESSAGE).with_param("max", limit.max_chars()),
        ])
        .into()
}

/// Every desired kindergarten is one of the catalogue's, in the application's region.
fn check_kindergartens(region: &str, codes: &[String]) -> ApiResult<()> {
    let catalogue = Catalogue::bundled();
    let unknown = codes.iter().find(|code| {
        catalogue
            .kindergarten(code)
            .and_then(|kindergarten| catalogue.region_of(kindergarten))
            .is_none_or(|of| of.code != region)
    });
    match unknown {
        None => Ok(()),
        Some(code) => Err(Problem::new(ProblemCode::UnknownKindergarten)
            .with_param("kindergarten", code.as_str())
            .with_fields(vec![FieldProblem::new(
                "kindergartens",
                ProblemCode::UnknownKindergarten.message_key(),
            )])
            .into()),
    }
}

/// Checks that `applicant` may queue the child of the draft and that the draft names both as
/// the registry does; then writes the registry's spelling into the draft, so what is kept and
/// printed is the registry's.
async fn check_guardianship(
    state: &AppState,
    applicant: Iin,
    child: Iin,
    draft: &mut wizard::Draft,
) -> ApiResult<()> {
    let family = kinship::may_queue(state.registry(), applicant, child).await?;
    let disagreements = registry_match::disagreements(
        draft,
        &kinship::entry(&family.applicant),
        &kinship::entry(&family.child),
    );
    if !disagreements.is_empty() {
        return Err(fields_refused(
            ProblemCode::RegistryMismatch,
            &disagreements,
        ));
    }
    for (person, surname, name, patronymic) in [
        (
            &family.applicant,
            &mut draft.applicant.surname,
            &mut draft.applicant.name,
            &mut draft.applicant.patronymic,
        ),
        (
            &family.child,
            &mut draft.child.surname,
            &mut draft.child.name,
            &mut draft.child.patronymic,
        ),
    ] {
        surname.clone_from(&person.surname);
        name.clone_from(&person.name);
        *patronymic = person.patronymic.clone().unwrap_or_default();
    }
    Ok(())
}

/// The refusal of a child who already has an open application: it names the application when
/// `viewer` may see it (the wizard then offers to open it); otherwise another parent or
/// guardian filed it, and the refusal says to bind the child instead, never the number.
async fn already_queued(state: &AppState, viewer: &Actor, child: &Iin) -> ApiResult<ApiError> {
    let problem = Problem::new(ProblemCode::ChildAlreadyQueued);
    let Some(open) = state.store().open_application_of_child(child).await? else {
        return Ok(problem.into());
    };
    Ok(match visible(state, viewer, open.state.number).await {
        Ok((app, _)) => problem
            .with_message_key("api.problem.child_already_queued_number")
            .with_param("number", app.state.number.to_string()),
        Err(e) if e.code() == ProblemCode::ApplicationNotFound => {
            problem.with_message_key("api.problem.child_already_queued_by_another")
        }
        Err(e) => return Err(e),
    }
    .into())
}

fn full_name(surname: &str, name: &str, patronymic: &str) -> String {
    [surname, name, patronymic]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Submits a signed application (header `Idempotency-Key` = the document's request id).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = SignedDocument,
    params(("Idempotency-Key" = String, Header, description = "The signed document's request id")),
    responses((status = 200, body = SubmissionResult), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<SubmissionResult>> {
    let fresh = match changes::check(
        &state,
        &session,
        &headers,
        &body.signed_xml,
        Acting::Citizen,
        true,
    )
    .await?
    {
        Checked::Replay(answer) => return submission_answer(&state, answer).await,
        Checked::Fresh(fresh) => *fresh,
    };
    let Document::Application(submission) = &fresh.verified.document else {
        return Err(ApiError::new(ProblemCode::WrongDocument));
    };
    let principal = changes::principal(&fresh.actor).ok_or(ProblemCode::Forbidden)?;
    // The desk's submissions name the ЦОН request they were made under.
    if matches!(fresh.actor, Actor::Operator { .. }) {
        let number = submission.envelope.service_centre_request.as_deref();
        changes::check_request_number(&state, number.unwrap_or_default())?;
    }
    if Iin::parse(&submission.draft.applicant.iin).ok() != Some(principal) {
        return Err(ApiError::new(ProblemCode::SignerMismatch));
    }
    let place = Catalogue::bundled().place(&submission.settlement);
    if place.is_none_or(|p| p.region.code != submission.region) {
        return Err(Problem::new(ProblemCode::InvalidInput)
            .with_fields(vec![FieldProblem::new(
                "settlement",
                "api.problem.invalid_input",
            )])
            .into());
    }
    let mut draft = submission.draft.clone();
    let mut scans = check_attachments(&state, &session.user.iin, &submission.attachments).await?;
    draft.child.attachments = scans.iter().map(wizard_attachment).collect();
    let settings = state.config().region_settings(&submission.region);
    let now = state.now();
    let errors = wizard::validate(&draft, calendar::local_date(now), &settings);
    if !errors.is_empty() {
        return Err(field_problems(&errors));
    }
    check_kindergartens(&submission.region, &draft.kindergartens)?;
    let child_iin = Iin::parse(&draft.child.iin).map_err(|_| ProblemCode::InvalidIin)?;
    check_guardianship(&state, principal, child_iin, &mut draft).await?;
    let benefit = match draft.child.benefit_category.as_deref() {
        Some(code) if draft.child.beneficiary => Some(Benefit::claimed(
            BenefitCategory::find(code).ok_or(ProblemCode::InvalidInput)?,
        )),
        _ => None,
    };
    let service_centre = match (&fresh.actor, &submission.envelope.service_centre_request) {
        (Actor::Operator { iin, .. }, Some(request)) => Some(ServiceCentre {
            request_number: request.clone(),
            operator_iin: *iin,
        }),
        _ => None,
    };
    let details = serde_json::json!({
        "settlement": submission.settlement,
        "applicant": draft.applicant,
        "kindergartens": draft.kindergartens,
    });
    // Documents speak the applicant's language, as they chose it at login.
    let language = match state.store().user(&principal).await? {
        Some(user) => user.contacts.language,
        None => Lang::Ru,
    };
    let papers = Papers::of(&draft, child_iin, principal, language);
    let completion = submission_completion(papers);
    // The store commits in the order of the calls: reading the clock and queueing under one
    // lock keeps registration times in commit order without holding it until the commit.
    let registering = state.0.registration.lock().await;
    let new = NewApplication {
        cohort: Cohort {
            region: submission.region.clone(),
            birth_year: chrono::Datelike::year(&child_iin.birth_date()),
        },
        benefit,
        child_iin,
        child_name: full_name(
            &draft.child.surname,
            &draft.child.name,
            &draft.child.patronymic,
        ),
        applicant_iin: principal,
        applicant_name: full_name(
            &draft.applicant.surname,
            &draft.applicant.name,
            &draft.applicant.patronymic,
        ),
        service_centre,
        attachments: submission
            .attachments
            .iter()
            .map(|a| a.id.clone())
            .collect(),
        details,
        now: state.now(),
        settings,
        event: NewEvent {
            actor: fresh.actor.clone(),
            comment: String::new(),
            signed_xml: Some(body.signed_xml.clone()),
        },
        request: Some(fresh.request.clone()),
    };
    let submitted = state.store().submit(new, completion);
    drop(registering);
    match submitted.await {
        Ok(recorded) => {
            // Listed from what was just stored, as `document_list` would read it back.
            let number = recorded.application.state.number;
            scans.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            Ok(Json(SubmissionResult {
                number,
                queue: recorded.application.position,
                documents: listing(number, &recorded.documents, &scans)?,
            }))
        }
        // Two submissions of one document raced: the other committed first.
        Err(StoreError::RequestReused) => match changes::replay(&state, &fresh).await? {
            Some(answer) => submission_answer(&state, answer).await,
            None => Err(ApiError::new(ProblemCode::IdempotencyConflict)),
        },
        Err(StoreError::ChildHasOpenApplication) => {
            Err(already_queued(&state, &fresh.actor, &child_iin).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Who the generated documents name, taken from what the applicant signed, and in which
/// language they speak.
pub(crate) struct Papers {
    child: Person,
    applicant: documents::Applicant,
    attachments: Vec<String>,
    language: Lang,
}

fn person(iin: Iin, surname: &str, name: &str, patronymic: &str) -> Person {
    Person {
        iin,
        surname: surname.to_owned(),
        name: name.to_owned(),
        patronymic: (!patronymic.trim().is_empty()).then(|| patronymic.to_owned()),
    }
}

fn applicant_of(draft: &wizard::ApplicantDraft, iin: Iin) -> documents::Applicant {
    let given = |text: &str| (!text.trim().is_empty()).then(|| text.to_owned());
    documents::Applicant {
        person: person(iin, &draft.surname, &draft.name, &draft.patronymic),
        phone: given(&draft.phone),
        email: given(&draft.email),
        address: None,
    }
}

impl Papers {
    fn of(draft: &wizard::Draft, child_iin: Iin, applicant_iin: Iin, language: Lang) -> Papers {
        let c = &draft.child;
        Papers {
            child: person(child_iin, &c.surname, &c.name, &c.patronymic),
            applicant: applicant_of(&draft.applicant, applicant_iin),
            attachments: c.attachments.iter().map(|a| a.name.clone()).collect(),
            language,
        }
    }

    /// The papers of a stored application, in its applicant's language: the applicant as
    /// submitted, the child by the full name submitted («Surname Name Patronymic»).
    pub(crate) async fn of_application(
        state: &AppState,
        app: &StoredApplication,
    ) -> ApiResult<Papers> {
        let language = match state.store().user(&app.applicant_iin).await? {
            Some(user) => user.contacts.language,
            None => Lang::Ru,
        };
        let draft: wizard::ApplicantDraft = app
            .details
            .get("applicant")
            .cloned()
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default();
        let mut names = app.child_name.splitn(3, ' ');
        let mut next = || names.next().unwrap_or_default();
        let (surname, name, patronymic) = (next(), next(), next());
        Ok(Papers {
            child: person(app.child_iin, surname, name, patronymic),
            applicant: applicant_of(&draft, app.applicant_iin),
            attachments: Vec::new(),
            language,
        })
    }

    /// What a document of `application` made at `issued_at` says.
    fn data(
        &self,
        application: &StoredApplication,
        group: Option<&str>,
        issued_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<DocumentData, documents::DocumentError> {
        DocumentData::resolve(
            DocumentSources {
                state: &application.state,
                child: &self.child,
                applicant: &self.applicant,
                position: application.position,
                attachments: &self.attachments,
                group,
                issued_at,
            },
            Catalogue::bundled(),
        )
    }

    /// The documents `kinds` in the applicant's language for what was just recorded, in its
    /// transaction, so they show the committed numbers and dates: their content is fixed here
    /// and the PDF is rendered from it after the commit. `group`: the code of the
    /// kindergarten group a direction's place is in.
    pub(crate) fn documents(
        &self,
        kinds: &[documents::DocumentKind],
        recorded: &Recorded,
        group: Option<&str>,
    ) -> Result<Vec<NewDocument>, Box<dyn std::error::Error + Send + Sync>> {
        let application = &recorded.application;
        let data = self.data(application, group, application.state.last_change_at)?;
        let content = documents::stored_content(&data)?;
        Ok(kinds
            .iter()
            .map(|kind| NewDocument {
                kind: kind.code().to_owned(),
                language: self.language,
                content: content.clone(),
            })
            .collect())
    }
}

/// «Расписка о приеме документов» of `app` as the operator `counter` hands it over now, in
/// the applicant's language: the signed application and every scan linked to it.
pub(crate) async fn receipt_pdf(
    state: &AppState,
    app: &StoredApplication,
    operator: &crate::server::store::Employee,
) -> ApiResult<Vec<u8>> {
    let mut papers = Papers::of_application(state, app).await?;
    papers.attachments = state
        .store()
        .attachments_of(app.state.number)
        .await?
        .into_iter()
        .map(|a| a.file_name)
        .collect();
    let data = papers
        .data(app, None, state.now())
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let counter = documents::Counter {
        operator: operator.name.clone(),
        centre_name: operator.centre_name.clone(),
        centre_bin: operator.centre_bin.clone(),
        request_number: app
            .service_centre
            .as_ref()
            .map(|s| s.request_number.clone()),
    };
    let language = papers.language;
    tokio::task::spawn_blocking(move || documents::render_receipt(&data, &counter, language))
        .await
        .map_err(|_| ApiError::new(ProblemCode::Internal))?
        .map_err(|e| StoreError::Corrupt(e.to_string()).into())
}

/// What a submission commits besides the application: the three registration documents (seed
/// 003, figure 14) and the first answer (the documents are listed from the store when
/// answering, so their ids need not be known here).
fn submission_completion(papers: Papers) -> Completion {
    Box::new(move |recorded| {
        let answer = SubmissionResult {
            number: recorded.application.state.number,
            queue: recorded.application.position,
            documents: Vec::new(),
        };
        Ok(Effects {
            documents: papers.documents(
                &documents::DocumentKind::AT_REGISTRATION,
                recorded,
                None,
            )?,
            answer: serde_json::to_value(answer)?,
        })
    })
}

async fn submission_answer(
    state: &AppState,
    answer: serde_json::Value,
) -> ApiResult<Json<SubmissionResult>> {
    let answer: SubmissionResult =
        serde_json::from_value(answer).map_err(|_| ProblemCode::Internal)?;
    with_documents(state, answer).await.map(Json)
}

async fn with_documents(
    state: &AppState,
    mut answer: SubmissionResult,
) -> ApiResult<SubmissionResult> {
    answer.documents = document_list(state, answer.number).await?;
    Ok(answer)
}

/// The API's kind of a stored generated document, from the code `server::documents` stores.
fn wire_kind(code: &str) -> Option<DocumentKind> {
    use documents::DocumentKind as Generated;
    [
        (
            Generated::RegistrationNotice,
            DocumentKind::RegistrationNotice,
        ),
        (Generated::DocumentsReceipt, DocumentKind::DocumentsReceipt),
        (Generated::RegisterEntry, DocumentKind::BookRegistration),
        (Generated::Direction, DocumentKind::Direction),
    ]
    .into_iter()
    .find_map(|(generated, wire)| (generated.code() == code).then_some(wire))
}

async fn document_list(
    state: &AppState,
    number: ApplicationNumber,
) -> ApiResult<Vec<DocumentInfo>> {
    let documents = state.store().documents_of(number).await?;
    let attachments = state.store().attachments_of(number).await?;
    listing(number, &documents, &attachments)
}

/// «Общие документы» of `number` as the API lists them: the generated documents, then the
/// scans.
pub(crate) fn listing(
    number: ApplicationNumber,
    documents: &[StoredDocumentInfo],
    attachments: &[store::AttachmentInfo],
) -> ApiResult<Vec<DocumentInfo>> {
    let mut list = Vec::with_capacity(documents.len() + attachments.len());
    for document in documents {
        let kind = wire_kind(&document.kind).ok_or(ProblemCode::Internal)?;
        list.push(DocumentInfo {
            id: document.id.clone(),
            kind,
            file_name: format!("{}-{}.pdf", document.kind, number),
            content_type: "application/pdf".to_owned(),
            size: document.size,
            created_at: document.created_at,
        });
    }
    for attachment in attachments {
        list.push(DocumentInfo {
            id: attachment.id.clone(),
            kind: DocumentKind::Attachment,
            file_name: attachment.file_name.clone(),
            content_type: attachment.content_type.clone(),
            size: Some(attachment.size),
            created_at: attachment.created_at,
        });
    }
    Ok(list)
}

/// Wizard step 2, as soon as the child's IIN is typed: whether the caller (an operator: the
/// citizen of `Kezek-Citizen`) may queue this child. Yes: the registry's child, to fill the
/// form. No: the refusal the submission would get (`child_not_in_registry`, `not_a_parent`,
/// `child_already_queued` naming the application when the caller may see it).
#[utoipa::path(get, path = "/api/v1/registry/children/{iin}", tag = "applications",
    params(("iin" = String, Path, description = "The child's IIN")),
    responses((status = 200, body = crate::api::profile::Person), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn child_check(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(child): Path<Iin>,
) -> ApiResult<Json<crate::api::profile::Person>> {
    // Staff queue their own children as the citizens they are, as in `submit`.
    let viewer = match changes::reader(
        &state,
        &session,
        &headers,
        AuditRead::ChildCheck,
        Some(child.to_string()),
    )
    .await?
    {
        Actor::Officer { iin, .. } => Actor::Applicant { iin },
        other => other,
    };
    let applicant = changes::principal(&viewer).ok_or(ProblemCode::Forbidden)?;
    let family = kinship::may_queue(state.registry(), applicant, child).await?;
    if state
        .store()
        .open_application_of_child(&child)
        .await?
        .is_some()
    {
        return Err(already_queued(&state, &viewer, &child).await?);
    }
    Ok(Json(family.child.to_wire()))
}

/// The journal: the caller's and bound children's applications, or a region's for officers.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(JournalQuery),
    responses((status = 200, body = JournalPage), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn journal(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<JournalQuery>,
) -> ApiResult<Json<JournalPage>> {
    let viewer = changes::reader(&state, &session, &headers, AuditRead::Journal, None).await?;
    let scope = match &viewer {
        Actor::Officer { region, .. } => {
            if query.region.as_deref().is_some_and(|r| r != region) {
                return Err(ApiError::new(ProblemCode::Forbidden));
            }
            JournalScope::Region(region.clone())
        }
        Actor::Applicant { iin } => JournalScope::Person(*iin),
        Actor::Operator {
            serving: Some(citizen),
            ..
        } => JournalScope::Person(*citizen),
        Actor::Operator { serving: None, .. } | Actor::System => {
            return Err(ApiError::new(ProblemCode::Forbidden));
        }
    };
    let page = Page::of_journal(&query)?;
    if query
        .text
        .as_deref()
        .is_some_and(|text| !Text::Search.fits(text))
    {
        return Err(too_long("text", Text::Search));
    }
    if query
        .kindergarten
        .as_deref()
        .is_some_and(|code| !Text::Search.fits(code))
    {
        return Err(too_long("kindergarten", Text::Search));
    }
    let filter = JournalFilter {
        scope,
        status: query.status,
        benefit: query.benefit,
        birth_year: query.birth_year,
        text: query.text.clone().filter(|t| !t.trim().is_empty()),
        kindergarten: query.kindergarten.clone(),
        sort: match query.sort.unwrap_or_default() {
            JournalSort::Number => JournalColumn::Number,
            JournalSort::ChildName => JournalColumn::ChildName,
            JournalSort::ChildIin => JournalColumn::ChildIin,
            // Queue numbers follow registration order within a cohort.
            JournalSort::QueueNumber | JournalSort::CreatedAt => JournalColumn::RegisteredAt,
            JournalSort::ApplicantName => JournalColumn::ApplicantName,
            JournalSort::Status => JournalColumn::Status,
            JournalSort::Benefit => JournalColumn::Benefit,
            JournalSort::BirthDate => JournalColumn::BirthDate,
        },
        descending: query.order == Some(SortOrder::Desc),
        offset: page.offset(),
        limit: page.size(),
    };
    let found = state.store().journal(&filter).await?;
    let next_cursor = page.next_cursor(found.rows.len(), found.total);
    let total = found.total;
    let rows = found
        .rows
        .iter()
        .map(|app| JournalRow {
            number: app.state.number,
            child_full_name: app.child_name.clone(),
            child_iin: app.child_iin,
            queue_number: app.position.general,
            applicant_full_name: app.applicant_name.clone(),
            created_at: app.state.registered_at,
            status: app.state.status,
            benefit_class: app.state.benefit_class(),
            benefit_category: app.state.benefit.as_ref().map(|b| b.category.clone()),
            child_birth_date: app.child_birth_date(),
        })
        .collect();
    Ok(Json(JournalPage {
        rows,
        total,
        next_cursor,
    }))
}

/// Of the parents bound to `child`, the one that matters for `viewer`: the applicant or the
/// citizen an operator serves, when they bound the child.
pub(crate) async fn bound_viewers(
    state: &AppState,
    viewer: &Actor,
    child: &Iin,
) -> ApiResult<Vec<Iin>> {
    let Some(person) = changes::principal(viewer) else {
        return Ok(Vec::new());
    };
    let children = state.store().bound_children(&person).await?;
    Ok(if children.contains(child) {
        vec![person]
    } else {
        Vec::new()
    })
}

/// Loads an application the viewer may see (else 404, so numbers cannot be probed).
pub(crate) async fn visible(
    state: &AppState,
    viewer: &Actor,
    number: ApplicationNumber,
) -> ApiResult<(StoredApplication, Vec<Iin>)> {
    let app = state
        .store()
        .application(number)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::new(ProblemCode::ApplicationNotFound),
            other => other.into(),
        })?;
    let bound = bound_viewers(state, viewer, &app.child_iin).await?;
    let parties = access::Parties {
        applicant: app.applicant_iin,
        bound_parents: &bound,
        region: &app.state.cohort.region,
    };
    if !access::can_view(viewer, &parties) {
        return Err(ApiError::new(ProblemCode::ApplicationNotFound));
    }
    Ok((app, bound))
}

/// The applicant's address as they signed it in the application, its parts joined.
pub(crate) fn address_of(app: &StoredApplication) -> Option<String> {
    let applicant: wizard::ApplicantDraft = app
        .details
        .get("applicant")
        .cloned()
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default();
    let address = [
        applicant.address.city.as_str(),
        applicant.address.district.as_str(),
        applicant.address.street.as_str(),
        applicant.address.house.as_str(),
        applicant.address.flat.as_str(),
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    (!address.is_empty()).then_some(address)
}

/// The view of an application for `viewer`, with the actions they may take now.
pub(crate) fn detail_of(
    state: &AppState,
    viewer: &Actor,
    app: &StoredApplication,
    bound: &[Iin],
) -> ApplicationDetail {
    let settings = state.config().region_settings(&app.state.cohort.region);
    let parties = access::Parties {
        applicant: app.applicant_iin,
        bound_parents: bound,
        region: &app.state.cohort.region,
    };
    let allowed_actions =
        lifecycle::allowed_actions(&app.state, viewer.role(), state.now(), &settings)
            .into_iter()
            .filter(|kind| access::can_act(viewer, &parties, *kind))
            .collect();
    let detail = |key: &str| app.details.get(key).cloned().unwrap_or_default();
    let applicant: wizard::ApplicantDraft =
        serde_json::from_value(detail("applicant")).unwrap_or_default();
    let nonempty = |s: String| (!s.is_empty()).then_some(s);
    ApplicationDetail {
        state_key: app.state.status.current_state_key(),
        settlement: detail("settlement").as_str().unwrap_or_default().to_owned(),
        applicant: ApplicantInfo {
            iin: app.applicant_iin,
            full_name: app.applicant_name.clone(),
            address: address_of(app),
            email: nonempty(applicant.email),
            phone: nonempty(applicant.phone),
        },
        child: ChildInfo {
            iin: app.child_iin,
            full_name: app.child_name.clone(),
            birth_date: app.child_birth_date(),
        },
        desired_kindergartens: serde_json::from_value(detail("kindergartens")).unwrap_or_default(),
        queue: app.position,
        service_centre_request: app
            .service_centre
            .as_ref()
            .map(|s| s.request_number.clone()),
        allowed_actions,
        state: app.state.clone(),
    }
}

pub(crate) fn number_of(text: &str) -> ApiResult<ApplicationNumber> {
    text.parse()
        .map_err(|_| ApiError::new(ProblemCode::ApplicationNotFound))
}

/// One application: «Информация о заявлении».
#[utoipa::path(get, path = "/api/v1/applications/{number}", tag = "applications",
    params(("number" = String, Path, description = "e.g. УО.2026.000027.1")),
    responses((status = 200, body = ApplicationDetail), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> ApiResult<Json<ApplicationDetail>> {
    let viewer = changes::reader(
        &state,
        &session,
        &headers,
        AuditRead::Application,
        Some(number.clone()),
    )
    .await?;
    let (app, bound) = visible(&state, &viewer, number_of(&number)?).await?;
    Ok(Json(detail_of(&state, &viewer, &app, &bound)))
}

/// «История изменений».
#[utoipa::path(get, path = "/api/v1/applications/{number}/history", tag = "applications",
    params(("number" = String, Path,)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let viewer = changes::reader(
        &state,
        &session,
        &headers,
        AuditRead::History,
        Some(number.clone()),
    )
    .await?;
    let (app, _) = visible(&state, &viewer, number_of(&number)?).await?;
    let entries = state.store().history(app.state.number).await?;
    // A person's name as they logged in last; an operator's line also names the ЦОН request
    // their signed document gave.
    let mut names = std::collections::HashMap::new();
    for iin in entries.iter().filter_map(|e| e.actor_iin) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(iin) {
            slot.insert(state.store().user(&iin).await?.map(|user| user.full_name));
        }
    }
    Ok(Json(
        entries
            .into_iter()
            .map(|e| HistoryEntry {
                at: e.at,
                actor: actor_of(&e, &app.state.cohort.region),
                actor_name: e
                    .actor_iin
                    .and_then(|iin| names.get(&iin).cloned().flatten()),
                service_centre_request: (e.actor_role == Role::Operator)
                    .then(|| e.signed_xml.as_deref().and_then(service_centre_request))
                    .flatten(),
                event: e.kind,
                old_status: e.from,
                new_status: e.to.unwrap_or(app.state.status),
                comment: (!e.comment.is_empty()).then_some(e.comment),
                signed_document_sha256: e
                    .signed_xml
                    .map(|x| hex::encode(Sha256::digest(x.as_bytes()))),
            })
            .collect(),
    ))
}

/// The «Номер ЦОН» an operator's signed document names.
fn service_centre_request(xml: &str) -> Option<String> {
    Document::parse(xml)
        .ok()?
        .envelope()?
        .service_centre_request
        .clone()
}

/// The actor of a history line. The store keeps the IIN and the role; an officer acted within
/// the application's region, and whom an operator served is not part of the history.
fn actor_of(entry: &store::HistoryEntry, region: &str) -> Actor {
    match (entry.actor_role, entry.actor_iin) {
        (Role::Applicant, Some(iin)) => Actor::Applicant { iin },
        (Role::Operator, Some(iin)) => Actor::Operator { iin, serving: None },
        (Role::Officer, Some(iin)) => Actor::Officer {
            iin,
            region: region.to_owned(),
        },
        _ => Actor::System,
    }
}

/// «Общие документы»: generated PDFs and the scans attached.
#[utoipa::path(get, path = "/api/v1/applications/{number}/documents", tag = "applications",
    params(("number" = String, Path,)),
    responses((status = 200, body = Vec<DocumentInfo>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn documents(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<DocumentInfo>>> {
    let viewer = changes::reader(
        &state,
        &session,
        &headers,
        AuditRead::Documents,
        Some(number.clone()),
    )
    .await?;
    let (app, _) = visible(&state, &viewer, number_of(&number)?).await?;
    document_list(&state, app.state.number).await.map(Json)
}

/// Downloads a generated PDF or an attached scan.
#[utoipa::path(get, path = "/api/v1/applications/{number}/documents/{id}", tag = "applications",
    params(("number" = String, Path,), ("id" = String, Path,)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((number, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let viewer = changes::reader(
        &state,
        &session,
        &headers,
        AuditRead::Documents,
        Some(format!("{number}/{id}")),
    )
    .await?;
    let (app, _) = visible(&state, &viewer, number_of(&number)?).await?;
    let number = app.state.number;
    let list = document_list(&state, number).await?;
    let info = list
        .iter()
        .find(|d| d.id == id)
        .ok_or(ProblemCode::NotFound)?;
    let bytes = if info.kind == DocumentKind::Attachment {
        state.store().attachment(&id).await?.1.into()
    } else {
        renderer::document_bytes(&state, &id).await?
    };
    let content_type = HeaderValue::from_str(&info.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// Every change of the two queue numbers with its cause.
#[utoipa::path(get, path = "/api/v1/applications/{number}/position-history", tag = "applications",
    params(("number" = String, Path,)),
    responses((status = 200, body = Vec<PositionChange>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn position_history(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<PositionChange>>> {
    let viewer = changes::reader(
        &state,
        &session,
        &headers,
        AuditRead::PositionHistory,
        Some(number.clone()),
    )
    .await?;
    let (app, _) = visible(&state, &viewer, number_of(&number)?).await?;
    let changes = state.store().position_history(app.state.number).await?;
    Ok(Json(
        changes
            .into_iter()
            .map(|c| PositionChange {
                at: c.at,
                position: c.position,
                cause: c.cause,
            })
            .collect(),
    ))
}

/// An applicant's (or operator's) signed action on an application.
#[utoipa::path(post, path = "/api/v1/applications/{number}/actions/{action}", tag = "applications",
    request_body = SignedDocument,
    params(("number" = String, Path,), ("action" = String, Path, description = "confirm-interest, change-benefit, withdraw, accept-offer, decline-offer, extend-direction, revoke-direction")),
    responses((status = 200, body = ApplicationDetail), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((number, action)): Path<(String, String)>,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<ApplicationDetail>> {
    signed_action(
        &state,
        &session,
        &headers,
        &number,
        &action,
        &body.signed_xml,
        Acting::Citizen,
    )
    .await
}

/// The reason a benefit review records: a rejection with a reason of the list
/// (`domain::rejection`) records its name in the applicant's language and the officer's words;
/// otherwise the words as they were signed. Empty for other actions.
async fn review_reason(
    state: &AppState,
    number: ApplicationNumber,
    action: &ActionRequest,
) -> ApiResult<String> {
    let ActionRequest::ReviewBenefit {
        accept,
        reason,
        reason_code,
    } = action
    else {
        return Ok(String::new());
    };
    let Some(code) = reason_code.as_deref().filter(|_| !accept) else {
        return Ok(reason.clone());
    };
    let refused = |key: &str| -> ApiError {
        Problem::new(ProblemCode::InvalidInput)
            .with_fields(vec![FieldProblem::new("reasonCode", key)])
            .into()
    };
    if RejectionReason::find(code).is_none() {
        return Err(refused("report.problem.unknown_reason"));
    }
    let applicant = state.store().application(number).await?.applicant_iin;
    let language = match state.store().user(&applicant).await? {
        Some(user) => user.contacts.language,
        None => Lang::Ru,
    };
    RejectionReason::explain(code, reason, language).map_err(|e| match e {
        RejectionError::UnknownReason => refused("report.problem.unknown_reason"),
        RejectionError::CommentRequired => refused("report.problem.comment_required"),
    })
}

/// The common path of every signed action: the number and action of the path (an action of
/// the other side is not found), checks, rules, one recorded transition.
pub(crate) async fn signed_action(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    number: &str,
    code: &str,
    xml: &str,
    acting: Acting,
) -> ApiResult<Json<ApplicationDetail>> {
    let number = number_of(number)?;
    let codes: &[&str] = match acting {
        Acting::Citizen => &ActionRequest::APPLICANT_CODES,
        Acting::Officer => &ActionRequest::OFFICER_CODES,
    };
    if !codes.contains(&code) {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    let fresh: Fresh = match changes::check(state, session, headers, xml, acting, false).await? {
        Checked::Replay(_) => {
            let viewer = changes::actor_for_view(session, headers, acting)?;
            let (app, bound) = visible(state, &viewer, number).await?;
            return Ok(Json(detail_of(state, &viewer, &app, &bound)));
        }
        Checked::Fresh(fresh) => *fresh,
    };
    let Document::Action(document) = &fresh.verified.document else {
        return Err(ApiError::new(ProblemCode::WrongDocument));
    };
    if document.number != number || document.action.code() != code {
        return Err(ApiError::new(ProblemCode::WrongDocument));
    }
    let recorded_reason = review_reason(state, number, &document.action).await?;
    // A benefit change's scans are its evidence: linked to the application with the change,
    // so the officer reviewing the benefit sees them in «Общие документы».
    let mut evidence = Vec::new();
    let action = match &document.action {
        ActionRequest::ConfirmInterest => Action::ConfirmInterest,
        ActionRequest::ChangeBenefit(claim) => {
            if let Some(claim) = claim {
                check_attachments(state, &session.user.iin, &claim.attachments).await?;
                evidence = claim.attachments.iter().map(|a| a.id.clone()).collect();
            }
            Action::ChangeBenefit {
                category: claim.as_ref().map(|c| c.category.clone()),
                documents: evidence.len() as u32,
            }
        }
        ActionRequest::Withdraw { reason } => Action::Withdraw {
            reason: reason.clone(),
        },
        ActionRequest::AcceptOffer { kindergarten } => Action::AcceptOffer {
            kindergarten: kindergarten.clone(),
        },
        ActionRequest::DeclineOffer => Action::DeclineOffer,
        ActionRequest::ExtendDirection { until, reason } => Action::ExtendDirection {
            until: *until,
            reason: reason.clone(),
        },
        ActionRequest::RevokeDirection { .. } => Action::RevokeDirection,
        ActionRequest::ReviewBenefit { accept, .. } => Action::ReviewBenefit {
            accept: *accept,
            reason: (!recorded_reason.is_empty()).then(|| recorded_reason.clone()),
        },
        ActionRequest::ConfirmOutOfTurn => Action::ConfirmOutOfTurn,
        ActionRequest::Enroll => Action::Enroll,
        ActionRequest::AnnulDirection { reason } => Action::AnnulDirection {
            reason: reason.clone(),
        },
    };
    let comment = match &document.action {
        ActionRequest::Withdraw { reason }
        | ActionRequest::RevokeDirection { reason }
        | ActionRequest::ExtendDirection { reason, .. }
        | ActionRequest::AnnulDirection { reason } => reason.clone(),
        ActionRequest::ReviewBenefit { .. } => recorded_reason,
        _ => String::new(),
    };
    let recorded =
        changes::apply_action(state, &fresh, number, action, evidence, comment, xml).await?;
    let bound = bound_viewers(state, &fresh.actor, &recorded.application.child_iin).await?;
    Ok(Json(detail_of(
        state,
        &fresh.actor,
        &recorded.application,
        &bound,
    )))
}

/// Whether the session may act as an officer (for the officer endpoints).
pub(crate) fn require_officer(session: &Session) -> ApiResult<()> {
    session.require(RoleKind::Officer)
}
