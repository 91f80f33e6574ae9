//! Errors on the wire: RFC 9457 problem+json with a stable `code` the client branches on and an
//! i18n `message_key` (with its parameters) the client translates, so the server never has to
//! guess the reader's language.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of every error answer.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Every refusal the API can answer, one stable snake_case code each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    // --- request shape ---
    NotFound,
    MethodNotAllowed,
    MalformedJson,
    MalformedXml,
    DtdRefused,
    UnsupportedMediaType,
    PayloadTooLarge,
    InvalidInput,
    InvalidIin,
    MissingIdempotencyKey,
    RateLimited,
    Internal,
    // --- sessions and roles ---
    LoginRequired,
    SessionExpired,
    Forbidden,
    ContactsRequired,
    // --- login nonce ---
    NonceUnknown,
    NonceExpired,
    NonceReused,
    // --- signatures and certificates ---
    SignatureMissing,
    SignatureInvalid,
    CertificateUntrusted,
    CertificateExpired,
    CertificateRevoked,
    WrongKeyUsage,
    SignerMismatch,
    StaleDocument,
    WrongDocument,
    IdempotencyConflict,
    // --- rules ---
    ActionNotAllowed,
    RuleViolation,
    ChildAlreadyQueued,
    KinshipNotConfirmed,
    AttachmentType,
    AttachmentUnknown,
    ApplicationNotFound,
    PersonNotFound,
    // --- hostile XML and the verifier (docs/design-api.md «Hostile XML») ---
    XmlTooComplex,
    XmlCommentRefused,
    UnsupportedAlgorithm,
    UnsupportedFeature,
    WeakAlgorithm,
    KeyTooSmall,
    ServerBusy,
    // --- certificate paths, revocation lists, employee keys (issue 11) ---
    /// A certificate of the chain was signed by one that may not issue (not a CA, no
    /// keyCertSign, path length exceeded); `params.fault` says which.
    CertificatePathInvalid,
    /// The revocation list of an issuer in the chain is past its nextUpdate.
    CrlStale,
    /// An officer's or operator's act signed with a key that is not their organisation's.
    EmployeeKeyRequired,
    // --- slow clients, paging, sizes, storage (issue 11) ---
    RequestTimeout,
    InvalidPaging,
    TextTooLong,
    AttachmentQuota,
    // --- who may queue a child (docs/design-api.md, «Who may queue a child») ---
    NotAParent,
    ChildNotInRegistry,
    RegistryMismatch,
    UnknownKindergarten,
    RegistryUnavailable,
    // --- the officer's kindergartens and groups (issue 13) ---
    /// A new kindergarten or group under a code already taken.
    KindergartenExists,
    /// The kindergarten or group is closed: nothing more is published or changed in it.
    KindergartenClosed,
    /// A group's capacity below the places its enrolled children and offers hold.
    CapacityBelowUse,
    // --- allocation at scale (issue 13) ---
    /// A `<places>` document names more groups than `limits.places_groups_per_document`.
    TooManyGroups,
    // --- the ЦОН desk (issue 12; docs/design-api.md «The ЦОН desk») ---
    /// An operator read or acted for a citizen without a live consent (no confirmed code, the
    /// service ended or its 30 minutes ran out).
    ConsentRequired,
    /// No service session of this operator has this id.
    ServiceNotFound,
    /// The service session ended (by the operator, by too many wrong codes, by a newer one).
    ServiceEnded,
    /// The code typed is not the one sent; `params.attempts_left`.
    CodeWrong,
    /// The code was not typed in time; the operator starts the service again.
    CodeExpired,
    /// The last wrong code allowed: the service session ended.
    CodeAttemptsExhausted,
    /// The citizen has no mobile number on record to send the code to.
    NoMobileOnRecord,
    /// An operator's document has no «Номер ЦОН», or one not of the configured format
    /// (`params.format`).
    RequestNumberInvalid,
    // --- documents rendered on demand (issue 15; docs/design-docs.md) ---
    /// A generated document's rendering is not the one first issued (its content, template or
    /// font changed): it is not given out, never silently different.
    DocumentChanged,
}

impl ProblemCode {
    /// The snake_case code as it travels, e.g. `nonce_reused`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::NotFound => "not_found",
            ProblemCode::MethodNotAllowed => "method_not_allowed",
            ProblemCode::MalformedJson => "malformed_json",
            ProblemCode::MalformedXml => "malformed_xml",
            ProblemCode::DtdRefused => "dtd_refused",
            ProblemCode::UnsupportedMediaType => "unsupported_media_type",
            ProblemCode::PayloadTooLarge => "payload_too_large",
            ProblemCode::InvalidInput => "invalid_input",
            ProblemCode::InvalidIin => "invalid_iin",
            ProblemCode::MissingIdempotencyKey => "missing_idempotency_key",
            ProblemCode::RateLimited => "rate_limited",
            ProblemCode::Internal => "internal",
            ProblemCode::LoginRequired => "login_required",
            ProblemCode::SessionExpired => "session_expired",
            ProblemCode::Forbidden => "forbidden",
            ProblemCode::ContactsRequired => "contacts_required",
            ProblemCode::NonceUnknown => "nonce_unknown",
            ProblemCode::NonceExpired => "nonce_expired",
            ProblemCode::NonceReused => "nonce_reused",
            ProblemCode::SignatureMissing => "signature_missing",
            ProblemCode::SignatureInvalid => "signature_invalid",
            ProblemCode::CertificateUntrusted => "certificate_untrusted",
            ProblemCode::CertificateExpired => "certificate_expired",
            ProblemCode::CertificateRevoked => "certificate_revoked",
            ProblemCode::WrongKeyUsage => "wrong_key_usage",
            ProblemCode::SignerMismatch => "signer_mismatch",
            ProblemCode::StaleDocument => "stale_document",
            ProblemCode::WrongDocument => "wrong_document",
            ProblemCode::IdempotencyConflict => "idempotency_conflict",
            ProblemCode::ActionNotAllowed => "action_not_allowed",
            ProblemCode::RuleViolation => "rule_violation",
            ProblemCode::ChildAlreadyQueued => "child_already_queued",
            ProblemCode::KinshipNotConfirmed => "kinship_not_confirmed",
            ProblemCode::AttachmentType => "attachment_type",
            ProblemCode::AttachmentUnknown => "attachment_unknown",
            ProblemCode::ApplicationNotFound => "application_not_found",
            ProblemCode::PersonNotFound => "person_not_found",
            ProblemCode::XmlTooComplex => "xml_too_complex",
            ProblemCode::XmlCommentRefused => "xml_comment_refused",
            ProblemCode::UnsupportedAlgorithm => "unsupported_algorithm",
            ProblemCode::UnsupportedFeature => "unsupported_feature",
            ProblemCode::WeakAlgorithm => "weak_algorithm",
            ProblemCode::KeyTooSmall => "key_too_small",
            ProblemCode::ServerBusy => "server_busy",
            ProblemCode::CertificatePathInvalid => "certificate_path_invalid",
            ProblemCode::CrlStale => "crl_stale",
            ProblemCode::EmployeeKeyRequired => "employee_key_required",
            ProblemCode::RequestTimeout => "request_timeout",
            ProblemCode::InvalidPaging => "invalid_paging",
            ProblemCode::TextTooLong => "text_too_long",
            ProblemCode::AttachmentQuota => "attachment_quota",
            ProblemCode::NotAParent => "not_a_parent",
            ProblemCode::ChildNotInRegistry => "child_not_in_registry",
            ProblemCode::RegistryMismatch => "registry_mismatch",
            ProblemCode::UnknownKindergarten => "unknown_kindergarten",
            ProblemCode::RegistryUnavailable => "registry_unavailable",
            ProblemCode::KindergartenExists => "kindergarten_exists",
            ProblemCode::KindergartenClosed => "kindergarten_closed",
            ProblemCode::CapacityBelowUse => "capacity_below_use",
            ProblemCode::TooManyGroups => "too_many_groups",
            ProblemCode::ConsentRequired => "consent_required",
            ProblemCode::ServiceNotFound => "service_not_found",
            ProblemCode::ServiceEnded => "service_ended",
            ProblemCode::CodeWrong => "code_wrong",
            ProblemCode::CodeExpired => "code_expired",
            ProblemCode::CodeAttemptsExhausted => "code_attempts_exhausted",
            ProblemCode::NoMobileOnRecord => "no_mobile_on_record",
            ProblemCode::RequestNumberInvalid => "request_number_invalid",
            ProblemCode::DocumentChanged => "document_changed",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        use ProblemCode::*;
        match self {
            NotFound | ApplicationNotFound | PersonNotFound => 404,
            MethodNotAllowed => 405,
            MalformedJson
            | MalformedXml
            | DtdRefused
            | InvalidInput
            | InvalidIin
            | MissingIdempotencyKey
            | WrongDocument
            | AttachmentType
            | AttachmentUnknown => 400,
            UnsupportedMediaType => 415,
            PayloadTooLarge => 413,
            RateLimited => 429,
            Internal => 500,
            LoginRequired | SessionExpired | NonceUnknown | NonceExpired | NonceReused
            | SignatureMissing | SignatureInvalid | CertificateUntrusted | CertificateExpired
            | CertificateRevoked | WrongKeyUsage => 401,
            Forbidden | SignerMismatch | ContactsRequired | NotAParent => 403,
            StaleDocument | ActionNotAllowed | RuleViolation | ChildAlreadyQueued
            | KinshipNotConfirmed | ChildNotInRegistry | RegistryMismatch | UnknownKindergarten => {
                422
            }
            IdempotencyConflict => 409,
            XmlTooComplex | XmlCommentRefused => 400,
            UnsupportedAlgorithm | UnsupportedFeature | WeakAlgorithm | KeyTooSmall => 401,
            ServerBusy => 503,
            CertificatePathInvalid => 401,
            EmployeeKeyRequired => 403,
            // Our list is out of date, not the caller's key: try again once it is replaced.
            CrlStale => 503,
            RequestTimeout => 408,
            InvalidPaging | TextTooLong => 400,
            AttachmentQuota => 422,
            RegistryUnavailable => 503,
            KindergartenExists | KindergartenClosed => 409,
            CapacityBelowUse => 422,
            TooManyGroups => 400,
            ConsentRequired => 403,
            ServiceNotFound => 404,
            ServiceEnded => 409,
            CodeWrong | CodeExpired | CodeAttemptsExhausted | NoMobileOnRecord => 422,
            RequestNumberInvalid => 400,
            DocumentChanged => 500,
        }
    }

    /// The i18n key of the generic message for the code: `api.problem.<code>`.
    pub fn message_key(self) -> String {
        format!("api.problem.{}", self.as_str())
    }
}

/// One field of a form that the server refused, with the message key saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field's path in the document, e.g. `child.iin`.
    pub field: String,
    pub message_key: String,
    /// Values for the `%{name}` placeholders of the message, e.g. `max` of a length limit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message_key: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            message_key: message_key.into(),
            params: BTreeMap::new(),
        }
    }

    pub fn with_param(mut self, name: &str, value: impl ToString) -> FieldProblem {
        self.params.insert(name.to_owned(), value.to_string());
        self
    }

    /// The field's message in the current language, placeholders filled.
    pub fn translated(&self) -> String {
        translate(&self.message_key, &self.params)
    }
}

/// A problem+json body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `urn:kezek:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short English title, for people reading logs; clients show `message_key` instead.
    pub title: String,
    pub status: u16,
    pub code: ProblemCode,
    /// The i18n key of the message to show, e.g. `api.problem.nonce_reused` or a domain rule key.
    pub message_key: String,
    /// Values for the `%{name}` placeholders of the message.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Field-level refusals of a form (wizard validation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

impl Problem {
    pub fn new(code: ProblemCode) -> Problem {
        Problem {
            kind: format!("urn:kezek:problem:{}", code.as_str()),
            title: code.as_str().replace('_', " "),
            status: code.http_status(),
            code,
            message_key: code.message_key(),
            params: BTreeMap::new(),
            fields: Vec::new(),
        }
    }

    /// The same problem with a more precise message (e.g. the domain rule that refused).
    pub fn with_message_key(mut self, key: impl Into<String>) -> Problem {
        self.message_key = key.into();
        self
    }

    pub fn with_param(mut self, name: &str, value: impl Into<String>) -> Problem {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    pub fn with_fields(mut self, fields: Vec<FieldProblem>) -> Problem {
        self.fields = fields;
        self
    }

    /// The message in the current language, placeholders filled.
    pub fn translated(&self) -> String {
        translate(&self.message_key, &self.params)
    }
}

/// Translates a key known only at run time and fills its `%{name}` placeholders.
pub fn translate(key: &str, params: &BTreeMap<String, String>) -> String {
    let mut text = rust_i18n::t!(key).into_owned();
    for (name, value) in params {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.translated(), self.code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_travel_as_their_snake_case_names() {
        for code in [
            ProblemCode::NonceReused,
            ProblemCode::CertificateRevoked,
            ProblemCode::DtdRefused,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
        }
    }

    #[test]
    fn problem_body_has_type_code_and_key() {
        let problem = Problem::new(ProblemCode::StaleDocument).with_param("minutes", "10");
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "urn:kezek:problem:stale_document");
        assert_eq!(json["code"], "stale_document");
        assert_eq!(json["status"], 422);
        assert_eq!(json["message_key"], "api.problem.stale_document");
        assert_eq!(json["params"]["minutes"], "10");
    }
}
