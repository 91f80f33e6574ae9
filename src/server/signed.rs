//! Checking a signed document before anything is done with it (docs/domain-rules.md, «Signatures»):
//! well-formed without DTD, the one enveloped signature valid, the certificate chained to a
//! configured root, valid now and not revoked, the key usage right for the purpose (AUTH to log in,
//! SIGN for changes), the identity taken from the certificate; for changes also the time of signing
//! and who signed. Each refusal has its own problem code and nothing is stored.
//!
//! The document is parsed once, within the configured shape limits, and the parsing, C14N,
//! digest and RSA work run on blocking threads, at most [`Checks`]' permits at once, so that
//! hostile documents never hold up the runtime's workers (docs/design-api.md, «Hostile XML»).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::api::documents::{Document, Envelope};
use crate::api::problem::{Problem, ProblemCode};
use crate::domain::Iin;
use crate::pki::c14n;
use crate::pki::certificate::{Certificate, KeyUsageClass};
use crate::pki::trust::{TrustError, TrustStore};
use crate::pki::xmldsig::{Policy, Verifier};
use crate::server::AppState;
use crate::server::config::Config;
use crate::server::problem::{ApiError, ApiResult};

/// The server's signature checks: the verifier under the configured policy, with its
/// certificate cache, and the permits that bound how many checks run at once.
#[derive(Debug)]
pub struct Checks {
    pub verifier: Verifier,
    /// One per check allowed at once; a request waits at most `wait` for one.
    pub permits: Arc<Semaphore>,
    wait: std::time::Duration,
}

impl Checks {
    pub fn new(config: &Config) -> Checks {
        let at_once = match config.signatures.checks_at_once {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        Checks {
            verifier: Verifier::new(Policy {
                limits: config.limits.xml.clone(),
                allow_sha1: config.signatures.allow_sha1_signatures,
            }),
            permits: Arc::new(Semaphore::new(at_once)),
            wait: std::time::Duration::from_millis(config.signatures.queue_wait_ms),
        }
    }

    /// Runs `work` on a blocking thread once a permit is free; `server_busy` when none frees
    /// up within the wait, rather than a queue that grows without bound.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| ApiError::new(ProblemCode::ServerBusy))?
            .map_err(|_| ApiError::new(ProblemCode::Internal))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a signature check failed");
            ApiError::new(ProblemCode::Internal)
        })
    }
}

/// [`verify`] on a blocking thread under the server's [`Checks`].
pub async fn verify_blocking(
    state: &AppState,
    xml: String,
    purpose: Purpose,
) -> ApiResult<Verified> {
    let now = state.now();
    let shared = state.clone();
    let trust = state.trust();
    state
        .0
        .signatures
        .run(move || verify(&xml, purpose, &trust, &shared.0.signatures.verifier, now))
        .await?
}

/// What a key is used for here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The login document: an AUTH key.
    Login,
    /// Any change: a SIGN key.
    Change,
}

/// The person who signed, as the certificate names them.
#[derive(Debug, Clone)]
pub struct Signer {
    pub iin: Iin,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub full_name: String,
    /// The organisation's BIN for an employee's key.
    pub bin: Option<String>,
    pub certificate: Certificate,
}

/// A document whose signature, chain and key usage hold.
#[derive(Debug, Clone)]
pub struct Verified {
    pub document: Document,
    pub signer: Signer,
    /// SHA-256 of the signed XML as received: the idempotency record compares it.
    pub sha256: [u8; 32],
}

/// Checks `xml` for `purpose` at `now`: parsed once, for its content and its signature.
pub fn verify(
    xml: &str,
    purpose: Purpose,
    trust: &TrustStore,
    verifier: &Verifier,
    now: DateTime<Utc>,
) -> ApiResult<Verified> {
    let text = c14n::normalize_line_ends(xml);
    let tree = verifier.parse(&text)?;
    let document = Document::from_tree(&tree)?;
    let signature = verifier.verify_parsed(&tree)?;
    let certificate = signature.certificate;
    trust.check(&certificate, now).map_err(trust_problem)?;
    let info = certificate.info();
    let usage_fits = match purpose {
        Purpose::Login => info.key_usage == KeyUsageClass::Auth,
        Purpose::Change => info.key_usage == KeyUsageClass::Sign,
    };
    if !usage_fits {
        return Err(ApiError::new(ProblemCode::WrongKeyUsage));
    }
    // A certificate without a readable IIN names nobody the service knows.
    let iin = info
        .subject
        .iin
        .as_deref()
        .and_then(|text| Iin::parse(text).ok())
        .ok_or(ProblemCode::SignerMismatch)?;
    let surname = info.subject.surname.clone().unwrap_or_default();
    let full_name = info.subject.common_name.clone().unwrap_or_default();
    let name = full_name
        .strip_prefix(surname.as_str())
        .map(str::trim)
        .unwrap_or(full_name.as_str())
        .to_owned();
    let signer = Signer {
        iin,
        surname,
        name,
        patronymic: info.subject.given_name.clone(),
        full_name,
        bin: info.subject.bin.clone(),
        certificate,
    };
    Ok(Verified {
        document,
        signer,
        sha256: Sha256::digest(xml.as_bytes()).into(),
    })
}

/// Refuses a change signed longer than the allowed skew before or after `now`.
pub fn check_time(envelope: &Envelope, now: DateTime<Utc>, skew_minutes: i64) -> ApiResult<()> {
    let skew = Duration::minutes(skew_minutes);
    if envelope.signed_at < now - skew || envelope.signed_at > now + skew {
        return Err(Problem::new(ProblemCode::StaleDocument)
            .with_param("minutes", skew_minutes.to_string())
            .into());
    }
    Ok(())
}

/// The refusal for a certificate the trust store does not accept.
pub fn trust_problem(error: TrustError) -> ApiError {
    let code = match error {
        TrustError::Expired { .. } | TrustError::NotYetValid { .. } => {
            ProblemCode::CertificateExpired
        }
        TrustError::Revoked { .. } => ProblemCode::CertificateRevoked,
        TrustError::NotAnIssuer { fault, .. } => {
            return Problem::new(ProblemCode::CertificatePathInvalid)
                .with_param("fault", fault.code())
                .into();
        }
        TrustError::CrlStale { .. } => ProblemCode::CrlStale,
        _ => ProblemCode::CertificateUntrusted,
    };
    ApiError::new(code)
}
