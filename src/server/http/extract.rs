//! Request extractors whose refusals are problem+json: JSON bodies, query strings, paths.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::api::problem::{Problem, ProblemCode};
use crate::server::http::paging;
use crate::server::problem::ApiError;

/// A JSON body; malformed JSON, a wrong content type, an oversize body or an invalid IIN become
/// their own problem codes.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// The longest query string taken: filters and searches need far less, and a longer one only
/// makes the database work.
pub const MAX_QUERY_BYTES: usize = 2048;

/// A query string.
#[derive(Debug)]
pub struct Query<T>(pub T);

/// Path parameters.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Json(value))
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    axum::extract::Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if parts.uri.query().map_or(0, str::len) > MAX_QUERY_BYTES {
            return Err(ApiError::new(ProblemCode::InvalidInput));
        }
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    axum::extract::Path<T>: FromRequestParts<S, Rejection = PathRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

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
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ProblemCode::PayloadTooLarge
            }
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
        let text = rejection.body_text();
        // The message names the parameter that failed: `…query string: per_page: invalid digit`.
        let paging = paging::PARAMETERS
            .into_iter()
            .find(|parameter| text.contains(&format!("query string: {parameter}:")));
        match paging {
            _ if mentions_iin(&text) => ApiError::new(ProblemCode::InvalidIin),
            Some(parameter) => paging::invalid(parameter),
            None => ApiError::new(ProblemCode::InvalidInput),
        }
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
