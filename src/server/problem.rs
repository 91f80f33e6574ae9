//! Refusals as HTTP answers: every handler returns [`ApiError`], which renders problem+json with
//! the stable code and the i18n message key. Errors of other modules map here, once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::documents::DocumentError;
use crate::api::problem::{PROBLEM_CONTENT_TYPE, Problem, ProblemCode};
use crate::domain::RuleError;
use crate::server::kinship::KinshipError;
use crate::server::registry::RegistryError;
use crate::server::store::StoreError;

/// A refused request.
#[derive(Debug)]
pub struct ApiError(pub Box<Problem>);

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ProblemCode) -> ApiError {
        ApiError(Box::new(Problem::new(code)))
    }

    pub fn code(&self) -> ProblemCode {
        self.0.code
    }
}

impl From<ProblemCode> for ApiError {
    fn from(code: ProblemCode) -> ApiError {
        ApiError::new(code)
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> ApiError {
        ApiError(Box::new(problem))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&*self.0).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        response
    }
}

impl From<DocumentError> for ApiError {
    fn from(error: DocumentError) -> ApiError {
        let code = match &error {
            DocumentError::Malformed(_) => ProblemCode::MalformedXml,
            DocumentError::Dtd => ProblemCode::DtdRefused,
            DocumentError::WrongKind { .. } => ProblemCode::WrongDocument,
            DocumentError::Invalid { field, .. }
                if field.ends_with("iin") || *field == "citizen" =>
            {
                ProblemCode::InvalidIin
            }
            DocumentError::Missing(_) | DocumentError::Invalid { .. } => ProblemCode::InvalidInput,
        };
        let field = match &error {
            DocumentError::Missing(field) | DocumentError::Invalid { field, .. } => *field,
            _ => "",
        };
        Problem::new(code)
            .with_message_key(error.message_key())
            .with_param("field", field)
            .into()
    }
}

impl From<RuleError> for ApiError {
    fn from(error: RuleError) -> ApiError {
        let code = match error {
            RuleError::WrongStatus { .. } | RuleError::WrongRole { .. } | RuleError::NotDue(_) => {
                ProblemCode::ActionNotAllowed
            }
            _ => ProblemCode::RuleViolation,
        };
        // The rule's own message says precisely why; its parameters are in `translated()`,
        // which the client cannot rebuild, so the detail travels as a parameter too.
        Problem::new(code)
            .with_message_key(error.message_key())
            .with_param("rule", error.code())
            .into()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound => ApiError::new(ProblemCode::NotFound),
            StoreError::ChildHasOpenApplication => ApiError::new(ProblemCode::ChildAlreadyQueued),
            StoreError::RequestReused => ApiError::new(ProblemCode::IdempotencyConflict),
            StoreError::NoFreePlace => ApiError::new(ProblemCode::ActionNotAllowed),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(ProblemCode::Internal)
            }
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> ApiError {
        tracing::error!(error = %error, "population registry failure");
        ApiError::new(ProblemCode::RegistryUnavailable)
    }
}

impl From<KinshipError> for ApiError {
    fn from(error: KinshipError) -> ApiError {
        match error {
            KinshipError::ChildNotInRegistry => ApiError::new(ProblemCode::ChildNotInRegistry),
            KinshipError::NotAParent => ApiError::new(ProblemCode::NotAParent),
            KinshipError::Registry(e) => e.into(),
        }
    }
}

/// Fallback for paths no route matches.
pub async fn not_found() -> ApiError {
    ApiError::new(ProblemCode::NotFound)
}

/// Fallback for a known path asked with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(ProblemCode::MethodNotAllowed)
}
