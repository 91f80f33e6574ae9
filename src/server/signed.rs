//! Checking a signed document before anything is done with it (SPEC §3): well-formed without
//! DTD, the one enveloped signature valid, the certificate chained to a configured root, valid
//! now and not revoked, the key usage right for the purpose (AUTH to log in, SIGN for changes),
//! the identity taken from the certificate; for changes also the time of signing and who signed.
//! Each refusal has its own problem code and nothing is stored.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::api::documents::{Document, Envelope};
use crate::api::problem::{Problem, ProblemCode};
use crate::domain::Iin;
use crate::pki::certificate::{Certificate, KeyUsageClass};
use crate::pki::trust::{TrustError, TrustStore};
use crate::pki::xmldsig;
use crate::server::problem::{ApiError, ApiResult};

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

/// Checks `xml` for `purpose` at `now`.
pub fn verify(
    xml: &str,
    purpose: Purpose,
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> ApiResult<Verified> {
    let document = Document::parse(xml)?;
    let signature = xmldsig::verify(xml).map_err(|e| signature_problem(e.code()))?;
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

fn signature_problem(code: &str) -> ApiError {
    let code = match code {
        "malformed_xml" => ProblemCode::MalformedXml,
        "dtd_refused" => ProblemCode::DtdRefused,
        "signature_missing" => ProblemCode::SignatureMissing,
        _ => ProblemCode::SignatureInvalid,
    };
    ApiError::new(code)
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
