//! Applications: attachments, submission, the journal, one application's detail, history,
//! documents and position history, and the applicant's signed actions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{
    ActionKind, Actor, ApplicationNumber, ApplicationState, BenefitClass, EventKind, Iin,
    PositionCause, QueuePosition, Status,
};

/// The header that makes a submission idempotent; the signed document's request id must equal it.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The header an operator sends with reads while serving a citizen: that citizen's IIN.
pub const CITIZEN_HEADER: &str = "Kezek-Citizen";

/// Largest scan accepted by `POST /api/v1/attachments`.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// `POST /api/v1/attachments` (multipart, one part named `file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentUploaded {
    pub id: String,
    /// Lowercase hex SHA-256 of the bytes; a signed document references the attachment by both.
    pub sha256: String,
    /// As sniffed from the content: `application/pdf`, `image/jpeg` or `image/png`.
    pub content_type: String,
    pub size: u64,
    pub file_name: String,
}

/// The multipart form of an upload, for the OpenAPI document.
#[derive(Debug, ToSchema)]
pub struct AttachmentUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// What kind of document a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// «Уведомление о регистрации».
    RegistrationNotice,
    /// «Извещение о приеме документов».
    DocumentsReceipt,
    /// «Регистрация ребенка в книге учета».
    BookRegistration,
    /// «Направление».
    Direction,
    /// A scan the applicant uploaded («Приложения к заявлению»).
    Attachment,
}

/// One entry of «Общие документы»; download with
/// `GET /api/v1/applications/{number}/documents/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentInfo {
    pub id: String,
    pub kind: DocumentKind,
    pub file_name: String,
    pub content_type: String,
    /// In bytes; unknown (null) for a generated document whose PDF is not rendered yet (that
    /// happens soon after the event, or at its first download).
    pub size: Option<u64>,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/applications`'s answer: «Ваш ребенок успешно встал в очередь под номером N».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmissionResult {
    #[schema(value_type = String, example = "УО.2026.000027.1")]
    pub number: ApplicationNumber,
    /// `general` is «Номер очереди»; `benefit` «Номер очереди по льготной категории», 0 without.
    #[schema(value_type = Object)]
    pub queue: QueuePosition,
    pub documents: Vec<DocumentInfo>,
}

/// A column of the journal, to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JournalSort {
    Number,
    ChildName,
    ChildIin,
    QueueNumber,
    ApplicantName,
    #[default]
    CreatedAt,
    Status,
    Benefit,
    BirthDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// `GET /api/v1/applications`: filters, sort and paging of the journal. Page with `cursor`
/// (the previous page's `next_cursor`) or with `page`; `total` counts every match either way.
/// A paging parameter out of its bounds or not a number is `invalid_paging` (400), a `text`
/// longer than `domain::limits::Text::Search` is `text_too_long`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub benefit: Option<BenefitClass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    /// Searches numbers, IINs and names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Officers: the region (default: their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<JournalSort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// 1-based page number, when not paging by cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Rows per page, from 1 to [`MAX_PAGE_SIZE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
    /// Officers: applications that named this kindergarten (catalogue code) among their
    /// desired ones or were offered a place in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kindergarten: Option<String>,
}

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// One row of «Журнал заявлений», the seeds' columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JournalRow {
    #[schema(value_type = String)]
    pub number: ApplicationNumber,
    pub child_full_name: String,
    #[schema(value_type = String)]
    pub child_iin: Iin,
    /// 0 when the application is not in the queue.
    pub queue_number: u32,
    pub applicant_full_name: String,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub status: Status,
    #[schema(value_type = String)]
    pub benefit_class: BenefitClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit_category: Option<String>,
    pub child_birth_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JournalPage {
    pub rows: Vec<JournalRow>,
    pub total: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The applicant block of the application view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicantInfo {
    #[schema(value_type = String)]
    pub iin: Iin,
    pub full_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The child block of the application view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChildInfo {
    #[schema(value_type = String)]
    pub iin: Iin,
    pub full_name: String,
    pub birth_date: NaiveDate,
}

/// `GET /api/v1/applications/{number}`: the three blocks of «Информация о заявлении», both queue
/// numbers, «Текущее состояние», and the actions the caller may take now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDetail {
    /// The rules' view: number, cohort, status, registration time, benefit and its review,
    /// interest deadline, stop-list, offer, direction, removal.
    #[schema(value_type = Object)]
    pub state: ApplicationState,
    /// i18n key of «Текущее состояние», e.g. «Принято решение (в очереди)».
    pub state_key: String,
    pub settlement: String,
    pub applicant: ApplicantInfo,
    pub child: ChildInfo,
    /// Catalogue codes of the desired kindergartens (up to four).
    #[serde(default)]
    pub desired_kindergartens: Vec<String>,
    #[schema(value_type = Object)]
    pub queue: QueuePosition,
    /// The ЦОН request number when an operator submitted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_centre_request: Option<String>,
    /// What the caller may do now; applicant codes go to `/actions/{code}`, officer codes to
    /// `/officer/applications/{number}/actions/{code}`.
    #[schema(value_type = Vec<String>)]
    pub allowed_actions: Vec<ActionKind>,
}

/// One row of «История изменений».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub actor: Actor,
    /// The actor's full name, when a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// «Номер ЦОН»: the request an operator's signed document named (issue 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_centre_request: Option<String>,
    #[schema(value_type = String)]
    pub event: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub old_status: Option<Status>,
    #[schema(value_type = String)]
    pub new_status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// SHA-256 of the signed XML stored with the event, when a person signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_document_sha256: Option<String>,
}

/// One change of the two queue numbers and why («why did my number change?»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PositionChange {
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub position: QueuePosition,
    #[schema(value_type = Object)]
    pub cause: PositionCause,
}
