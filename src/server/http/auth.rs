//! `POST /api/v1/auth/challenge`, `/auth/login`, `/auth/logout`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::Duration;

use crate::api::auth::{
    Challenge, LoginResponse, Organisation, SignedDocument, TrustAnchors, User,
};
use crate::api::documents::{Document, LoginDocument};
use crate::api::problem::{Problem, ProblemCode};
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::auth::{Session, SessionPayload, random_secret, token_hash};
use crate::server::http::ClientAddress;
use crate::server::http::extract::Json;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::signed::{self, Purpose};
use crate::server::store::NonceUse;
use crate::server::store::Session as StoredSession;

/// The authorities the server trusts, for the client's check of a key before login.
#[utoipa::path(get, path = "/api/v1/auth/trust-anchors", tag = "auth",
    responses((status = 200, body = TrustAnchors)))]
pub async fn trust_anchors(State(state): State<AppState>) -> Json<TrustAnchors> {
    use base64::Engine;
    let certificates = state
        .trust()
        .authorities()
        .iter()
        .map(|c| base64::engine::general_purpose::STANDARD.encode(c.der()))
        .collect();
    Json(TrustAnchors { certificates })
}

/// A one-time nonce and the login document to sign with the AUTH key.
#[utoipa::path(post, path = "/api/v1/auth/challenge", tag = "auth",
    responses((status = 200, body = Challenge), (status = 429, body = Problem)))]
pub async fn challenge(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
) -> ApiResult<Json<Challenge>> {
    state.0.limits.login(state.store(), address).await?;
    let now = state.now();
    let nonce = random_secret(24);
    let expires_at = now + Duration::seconds(state.config().limits.nonce_seconds);
    state.store().issue_nonce(&nonce, now, expires_at).await?;
    let xml = Document::Login(LoginDocument {
        nonce: nonce.clone(),
        issued_at: now,
    })
    .to_xml();
    Ok(Json(Challenge {
        nonce,
        xml,
        expires_at,
    }))
}

/// The signed login document → a session token. The challenge's nonce is refused as
/// `nonce_unknown` (never issued, or forgotten after expiry), `nonce_expired` or `nonce_reused`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = SignedDocument,
    responses((status = 200, body = LoginResponse), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<LoginResponse>> {
    state.0.limits.login(state.store(), address).await?;
    let now = state.now();
    let verified = signed::verify_blocking(&state, body.signed_xml, Purpose::Login).await?;
    let Document::Login(login) = &verified.document else {
        return Err(ApiError::new(ProblemCode::WrongDocument));
    };
    // The challenge's time is in the signed document; past it the nonce has expired whatever
    // the store says. The nonce is spent only by a document whose signature and certificate hold.
    if login.issued_at + Duration::seconds(state.config().limits.nonce_seconds) < now {
        return Err(ProblemCode::NonceExpired.into());
    }
    match state.store().take_nonce(&login.nonce, now).await? {
        NonceUse::Taken => {}
        NonceUse::Unknown => return Err(ProblemCode::NonceUnknown.into()),
        NonceUse::Expired => return Err(ProblemCode::NonceExpired.into()),
        NonceUse::Reused => return Err(ProblemCode::NonceReused.into()),
    }
    let signer = &verified.signer;
    let user = User {
        iin: signer.iin,
        full_name: signer.full_name.clone(),
        surname: signer.surname.clone(),
        name: signer.name.clone(),
        patronymic: signer.patronymic.clone(),
        roles: state.config().roles_of(&signer.iin, signer.bin.as_deref()),
        organisation: signer.bin.clone().map(|bin| Organisation {
            bin,
            name: signer.certificate.info().subject.organization.clone(),
        }),
    };
    let token = random_secret(32);
    let expires_at = now + Duration::minutes(state.config().limits.session_minutes);
    let payload = SessionPayload {
        user: user.clone(),
        bin: signer.bin.clone(),
        certificate: Some(SessionPayload::encode_certificate(&signer.certificate)),
    };
    let known = state
        .store()
        .record_login(
            &user.iin,
            &user.full_name,
            preferred_language(&headers),
            now,
        )
        .await?;
    state
        .store()
        .create_session(&StoredSession {
            token_hash: token_hash(&token),
            user_iin: user.iin,
            payload: payload.to_json(),
            created_at: now,
            expires_at,
        })
        .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        user,
        contacts_missing: known.contacts.email.is_none(),
    }))
}

/// Ends the session; the token is useless afterwards.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, session: Session) -> ApiResult<StatusCode> {
    state.store().end_session(&session.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The first language of `Accept-Language` that Kezek speaks; Russian, as the seeds, otherwise.
/// Only a new user's notification language comes from it; the profile changes it later.
pub(crate) fn preferred_language(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|part| Lang::parse(part.split(';').next().unwrap_or("").trim()))
        })
        .unwrap_or(Lang::Ru)
}
