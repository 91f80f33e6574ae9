//! Sessions and login (docs/domain-rules.md, «Signatures»): one-time nonces, opaque random session
//! tokens kept in the database as SHA-256 hashes (a stolen database does not yield live tokens),
//! expiry, logout; the session extractor handlers use, which checks the login certificate again and
//! counts the person's requests against their rate limits (`server::limits`).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::api::auth::{RoleKind, User};
use crate::api::problem::ProblemCode;
use crate::pki::certificate::Certificate;
use crate::pki::trust::TrustError;
use crate::server::AppState;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::signed;

/// A fresh random secret, URL-safe: 32 bytes for tokens, 24 for nonces.
pub fn random_secret(bytes: usize) -> String {
    let mut raw = Zeroizing::new(vec![0u8; bytes]);
    rand::rng().fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(&*raw)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// What a session row keeps: who logged in, the organisation BIN of their certificate so the
/// roles can be re-read from the configuration on every request, and the certificate itself
/// so that it can be checked again on every request.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SessionPayload {
    pub user: User,
    pub bin: Option<String>,
    /// The AUTH certificate of the login, DER in base64. Absent in sessions made before it
    /// was kept: those must log in again.
    #[serde(default)]
    pub certificate: Option<String>,
}

impl SessionPayload {
    /// The form `certificate` takes in the payload.
    pub fn encode_certificate(certificate: &Certificate) -> String {
        STANDARD.encode(certificate.der())
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The logged-in user of a request, with the hash of its token (for logout).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub token_hash: [u8; 32],
}

impl Session {
    pub fn is(&self, role: RoleKind) -> bool {
        self.user.roles.iter().any(|g| g.role == role)
    }

    /// The region an officer works for.
    pub fn officer_region(&self) -> Option<&str> {
        self.user
            .roles
            .iter()
            .find(|g| g.role == RoleKind::Officer)
            .and_then(|g| g.region.as_deref())
    }

    pub fn require(&self, role: RoleKind) -> ApiResult<()> {
        if self.is(role) {
            Ok(())
        } else {
            Err(ApiError::new(ProblemCode::Forbidden))
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Session, ApiError> {
        let token = bearer(parts).ok_or(ProblemCode::LoginRequired)?;
        let hash = token_hash(token);
        // Expired and ended sessions are gone alike: the client logs in again.
        let stored = state
            .store()
            .session(&hash, state.now())
            .await?
            .ok_or(ProblemCode::LoginRequired)?;
        let SessionPayload {
            mut user,
            bin,
            certificate,
        } = serde_json::from_value(stored.payload).map_err(|_| ProblemCode::LoginRequired)?;
        recheck(state, &hash, certificate.as_deref()).await?;
        let read = matches!(parts.method, Method::GET | Method::HEAD);
        state.0.limits.person(state.store(), user.iin, read).await?;
        // Roles are read from the configuration on every request, so a change of the
        // configuration applies to sessions already open.
        user.roles = state.config().roles_of(&user.iin, bin.as_deref());
        Ok(Session {
            user,
            token_hash: hash,
        })
    }
}

/// Checks the session's login certificate against the trust store in use now, so that no
/// session outlives its key: revoked (a reloaded CRL), expired, or no longer chained to a
/// trusted root ends the session and refuses the request with the certificate's problem. A
/// revocation list past its nextUpdate refuses the request but keeps the session: that is the
/// list's fault, not the key's.
async fn recheck(state: &AppState, hash: &[u8; 32], certificate: Option<&str>) -> ApiResult<()> {
    let certificate = certificate
        .and_then(|text| STANDARD.decode(text).ok())
        .and_then(|der| Certificate::from_der(&der).ok());
    let refusal = match certificate {
        Some(certificate) => match state.trust().check(&certificate, state.now()) {
            Ok(()) => return Ok(()),
            Err(error @ TrustError::CrlStale { .. }) => return Err(signed::trust_problem(error)),
            Err(error) => signed::trust_problem(error),
        },
        None => ApiError::new(ProblemCode::LoginRequired),
    };
    state.store().end_session(hash).await?;
    Err(refusal)
}

/// A session when the request has one; anonymous otherwise (public endpoints).
#[derive(Debug, Clone)]
pub struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if bearer(parts).is_none() {
            return Ok(MaybeSession(None));
        }
        Session::from_request_parts(parts, state)
            .await
            .map(|s| MaybeSession(Some(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_hashed() {
        let a = random_secret(32);
        let b = random_secret(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
