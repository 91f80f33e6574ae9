//! Request extractors whose refusals are problem+json: JSON bodies, query strings, paths.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

use crate::api::problem::{Problem, ProblemCode};
use crate::server::problem::ApiError;

/// A JSON body; malformed JSON, a wrong content type, an oversize body or an invalid IIN become
/// their own problem codes.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// A query string.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// Serde's message names the IIN when an IIN field failed to parse (see `Iin`'s Deserialize).
fn mentions_iin(text: &str) -> bool {
    text.contains("IIN")
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let text = rejection.body_text();
        let code = match &rejection {
            JsonRejection::MissingJsonContentType(_) => ProblemCode::UnsupportedMediaType,
            JsonRejection::JsonDataError(_) if mentions_iin(&text) => ProblemCode::InvalidIin,
            JsonRejection::JsonDataError(_) => ProblemCode::InvalidInput,
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => ProblemCode::PayloadTooLarge,
            _ => ProblemCode::MalformedJson,
        };
        let problem = Problem::new(code);
        let problem = if code == ProblemCode::MalformedJson {
            problem.with_param("reason", text)
        } else {
            problem
        };
        problem.into()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        let code = if mentions_iin(&rejection.body_text()) {
            ProblemCode::InvalidIin
        } else {
            ProblemCode::InvalidInput
        };
        ApiError::new(code)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        let code = if mentions_iin(&rejection.body_text()) {
            ProblemCode::InvalidIin
        } else {
            ProblemCode::NotFound
        };
        ApiError::new(code)
    }
}
