//! Refusals as HTTP answers: every handler returns [`ApiError`], which renders problem+json with
//! the stable code and the i18n message key. Errors of other modules map here, once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::documents::DocumentError;
use crate::api::problem::{FieldProblem, PROBLEM_CONTENT_TYPE, Problem, ProblemCode};
use crate::domain::RuleError;
use crate::pki::xml_limits::LimitExceeded;
use crate::pki::xmldsig::{MIN_RSA_BITS, XmlDsigError};
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
        // A rate limit says when to come back, in the header as well as in the message; busy
        // signature checks are usually free again a second later.
        let retry_after = match self.0.params.get(crate::server::limits::RETRY_AFTER) {
            Some(seconds) => Some(seconds.as_str()),
            None => (self.0.code == ProblemCode::ServerBusy).then_some("1"),
        };
        if let Some(seconds) = retry_after
            && let Ok(value) = HeaderValue::from_str(seconds)
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<DocumentError> for ApiError {
    fn from(error: DocumentError) -> ApiError {
        if let DocumentError::TooLong { field, max } = error {
            return Problem::new(ProblemCode::TextTooLong)
                .with_fields(vec![
                    FieldProblem::new(field, error.message_key()).with_param("max", max),
                ])
                .into();
        }
        let code = match &error {
            DocumentError::Malformed(_) => ProblemCode::MalformedXml,
            DocumentError::Dtd => ProblemCode::DtdRefused,
            DocumentError::TooComplex(limit) => return too_complex(limit),
            DocumentError::CommentInside(element) => {
                return Problem::new(ProblemCode::XmlCommentRefused)
                    .with_param("element", element.as_str())
                    .into();
            }
            DocumentError::WrongKind { .. } => ProblemCode::WrongDocument,
            DocumentError::Invalid { field, .. }
                if field.ends_with("iin") || *field == "citizen" =>
            {
                ProblemCode::InvalidIin
            }
            DocumentError::Missing(_)
            | DocumentError::Invalid { .. }
            | DocumentError::TooLong { .. } => ProblemCode::InvalidInput,
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

/// `xml_too_complex` naming the limit (its configuration key) and its value.
pub fn too_complex(limit: &LimitExceeded) -> ApiError {
    Problem::new(ProblemCode::XmlTooComplex)
        .with_param("limit", limit.limit)
        .with_param("value", limit.value.to_string())
        .into()
}

/// A refusal of the signature check: its own code where the signer can act on it (a key or
/// algorithm to change, a document to simplify), `signature_invalid` for the rest.
impl From<XmlDsigError> for ApiError {
    fn from(error: XmlDsigError) -> ApiError {
        let with = |code, name: &str, value: String| Problem::new(code).with_param(name, value);
        let problem = match error {
            XmlDsigError::MalformedXml(_) => Problem::new(ProblemCode::MalformedXml),
            XmlDsigError::DtdRefused => Problem::new(ProblemCode::DtdRefused),
            XmlDsigError::TooComplex(limit) => return too_complex(&limit),
            XmlDsigError::SignatureMissing => Problem::new(ProblemCode::SignatureMissing),
            XmlDsigError::UnsupportedAlgorithm(uri) => {
                with(ProblemCode::UnsupportedAlgorithm, "algorithm", uri)
            }
            XmlDsigError::WeakAlgorithm(uri) => with(ProblemCode::WeakAlgorithm, "algorithm", uri),
            XmlDsigError::UnsupportedFeature(feature) => {
                with(ProblemCode::UnsupportedFeature, "feature", feature)
            }
            XmlDsigError::KeyTooSmall { bits } => {
                with(ProblemCode::KeyTooSmall, "bits", bits.to_string())
                    .with_param("minimum", MIN_RSA_BITS.to_string())
            }
            _ => Problem::new(ProblemCode::SignatureInvalid),
        };
        problem.into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_refusals_keep_their_own_codes_and_parameters() {
        let problem = |error| *ApiError::from(error).0;
        let small = problem(XmlDsigError::KeyTooSmall { bits: 1024 });
        assert_eq!(small.code, ProblemCode::KeyTooSmall);
        assert_eq!(
            (
                small.params["bits"].as_str(),
                small.params["minimum"].as_str()
            ),
            ("1024", "2048")
        );
        let weak = problem(XmlDsigError::WeakAlgorithm("urn:sha1".to_owned()));
        assert_eq!(
            (weak.code, weak.params["algorithm"].as_str()),
            (ProblemCode::WeakAlgorithm, "urn:sha1")
        );
        let object = problem(XmlDsigError::UnsupportedFeature("ds:Object".to_owned()));
        assert_eq!(object.code, ProblemCode::UnsupportedFeature);
        let limit = LimitExceeded {
            limit: "max_depth",
            value: 32,
        };
        let deep = problem(XmlDsigError::TooComplex(limit));
        assert_eq!((deep.code, deep.status), (ProblemCode::XmlTooComplex, 400));
        assert!(deep.translated().contains("max_depth"));
        assert_eq!(
            problem(XmlDsigError::DigestMismatch).code,
            ProblemCode::SignatureInvalid
        );
    }

    #[test]
    fn server_busy_says_when_to_retry() {
        let response = ApiError::new(ProblemCode::ServerBusy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
