//! Whether to believe a signer's certificate: a chain of issuer signatures up to a certificate
//! the caller trusts, validity of every certificate of the chain at a given time, and
//! revocation by the CRLs the caller gives.
//!
//! Every certificate given as trusted is an anchor: a chain may end at an intermediate as well
//! as at a self-signed root. Above the first anchor the chain goes on through the given
//! certificates as far as it can, so that an expired or revoked intermediate is noticed too.
//! Issuers are matched by the DER of their names and confirmed by their signature.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rust_i18n::t;

use super::ber::{self, BerError, Tlv};
use super::certificate::{self, Certificate};
use super::rsa;

/// More links than any real chain has (NCA: root, intermediate, person); it also stops
/// issuer loops.
const MAX_CHAIN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path} holds no certificate (PEM or DER): {reason}")]
    NotCertificate { path: String, reason: String },
    #[error("{path} is not a certificate revocation list: {reason}")]
    NotCrl { path: String, reason: String },
    #[error("the CRL {path} is not signed by any of the given CA certificates")]
    CrlNotVerified { path: String },
    #[error("no chain leads from the certificate of {subject} to a trusted certificate")]
    Untrusted { subject: String },
    #[error("the certificate of {subject} expired on {not_after}")]
    Expired {
        subject: String,
        not_after: DateTime<Utc>,
    },
    #[error("the certificate of {subject} is valid only from {not_before}")]
    NotYetValid {
        subject: String,
        not_before: DateTime<Utc>,
    },
    #[error("the certificate of {subject} was revoked on {revoked_at}")]
    Revoked {
        subject: String,
        revoked_at: DateTime<Utc>,
    },
    #[error("the signature of {issuer} on the certificate of {subject} does not verify")]
    BadSignature { subject: String, issuer: String },
}

impl TrustError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TrustError::Unreadable { .. } => "file_unreadable",
            TrustError::NotCertificate { .. } => "ca_unreadable",
            TrustError::NotCrl { .. } => "crl_unreadable",
            TrustError::CrlNotVerified { .. } => "crl_signature_invalid",
            TrustError::Untrusted { .. } => "certificate_untrusted",
            TrustError::Expired { .. } => "certificate_expired",
            TrustError::NotYetValid { .. } => "certificate_not_yet_valid",
            TrustError::Revoked { .. } => "certificate_revoked",
            TrustError::BadSignature { .. } => "certificate_bad_signature",
        }
    }

    /// Whether the failure is about time (the chain itself is sound).
    pub fn is_time(&self) -> bool {
        matches!(
            self,
            TrustError::Expired { .. } | TrustError::NotYetValid { .. }
        )
    }

    /// The message in the current language.
    pub fn translated(&self) -> String {
        match self {
            TrustError::Unreadable { path, reason } => {
                t!("xml.trust.unreadable", path = path, reason = reason)
            }
            TrustError::NotCertificate { path, reason } => {
                t!("xml.trust.not_certificate", path = path, reason = reason)
            }
            TrustError::NotCrl { path, reason } => {
                t!("xml.trust.not_crl", path = path, reason = reason)
            }
            TrustError::CrlNotVerified { path } => t!("xml.trust.crl_not_verified", path = path),
            TrustError::Untrusted { subject } => t!("xml.trust.untrusted", subject = subject),
            TrustError::Expired { subject, not_after } => t!(
                "xml.trust.expired",
                subject = subject,
                date = not_after.to_rfc3339()
            ),
            TrustError::NotYetValid {
                subject,
                not_before,
            } => t!(
                "xml.trust.not_yet_valid",
                subject = subject,
                date = not_before.to_rfc3339()
            ),
            TrustError::Revoked {
                subject,
                revoked_at,
            } => t!(
                "xml.trust.revoked",
                subject = subject,
                date = revoked_at.to_rfc3339()
            ),
            TrustError::BadSignature { subject, issuer } => {
                t!(
                    "xml.trust.bad_signature",
                    subject = subject,
                    issuer = issuer
                )
            }
        }
        .into_owned()
    }
}

/// The certificates and revocation lists a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    authorities: Vec<Certificate>,
    revocations: Vec<RevocationList>,
    chains: Arc<ChainCache>,
}

/// The most chains [`ChainCache`] keeps before it starts afresh.
const CACHED_CHAINS: usize = 16_384;

/// Chains already built, by the leaf certificate's DER: building one checks an RSA signature
/// per link, and the same people's certificates sign request after request. Only the
/// authorities decide a chain and they never change after [`TrustStore::new`], so an entry
/// never goes stale; validity and revocation are still checked on every call.
#[derive(Debug, Default)]
struct ChainCache(Mutex<HashMap<Vec<u8>, Arc<[usize]>>>);

impl ChainCache {
    fn get(&self, leaf: &[u8]) -> Option<Arc<[usize]>> {
        self.lock().get(leaf).cloned()
    }

    fn put(&self, leaf: &[u8], issuers: Arc<[usize]>) {
        let mut chains = self.lock();
        if chains.len() >= CACHED_CHAINS {
            chains.clear();
        }
        chains.insert(leaf.to_vec(), issuers);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Arc<[usize]>>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A CRL whose signature has been checked: its issuer and the serials it revokes.
#[derive(Debug, Clone)]
struct RevocationList {
    issuer: Vec<u8>,
    revoked: Vec<RevokedSerial>,
}

#[derive(Debug, Clone)]
struct RevokedSerial {
    /// Big-endian magnitude without leading zero octets.
    serial: Vec<u8>,
    at: DateTime<Utc>,
}

impl TrustStore {
    pub fn new(authorities: Vec<Certificate>) -> TrustStore {
        TrustStore {
            authorities,
            revocations: Vec::new(),
            chains: Arc::default(),
        }
    }

    /// Reads trusted certificates (PEM, possibly several per file, or DER) and CRLs (PEM or
    /// DER), checking each CRL's signature against the certificates.
    pub fn from_files(
        cas: &[impl AsRef<Path>],
        crls: &[impl AsRef<Path>],
    ) -> Result<TrustStore, TrustError> {
        let mut authorities = Vec::new();
        for path in cas {
            let (name, bytes) = read(path.as_ref())?;
            let parsed = match pem_text(&bytes) {
                Some(text) => Certificate::all_from_pem(text),
                None => Certificate::from_der(&bytes).map(|c| vec![c]),
            };
            authorities.extend(parsed.map_err(|e| TrustError::NotCertificate {
                path: name.clone(),
                reason: e.to_string(),
            })?);
        }
        let mut store = TrustStore::new(authorities);
        for path in crls {
            let (name, bytes) = read(path.as_ref())?;
            let lists = match pem_text(&bytes) {
                Some(text) => {
                    certificate::pem_blocks(text, "X509 CRL").map_err(|e| TrustError::NotCrl {
                        path: name.clone(),
                        reason: e.to_string(),
                    })?
                }
                None => vec![bytes],
            };
            for der in lists {
                store.add_crl(&der, &name)?;
            }
        }
        Ok(store)
    }

    /// Adds a DER CRL after checking that one of the trusted certificates signed it; `source`
    /// names it in errors.
    pub fn add_crl(&mut self, der: &[u8], source: &str) -> Result<(), TrustError> {
        let not_crl = |e: BerError| TrustError::NotCrl {
            path: source.to_owned(),
            reason: e.to_string(),
        };
        let crl = parse_crl(der).map_err(not_crl)?;
        let signed = self.authorities.iter().any(|authority| {
            authority.subject_der() == crl.issuer
                && crl.hash.is_some_and(|hash| {
                    rsa::verify(
                        authority.subject_public_key_info_der(),
                        hash,
                        crl.tbs,
                        crl.signature,
                    )
                })
        });
        if !signed {
            return Err(TrustError::CrlNotVerified {
                path: source.to_owned(),
            });
        }
        self.revocations.push(RevocationList {
            issuer: crl.issuer.to_vec(),
            revoked: crl.revoked,
        });
        Ok(())
    }

    /// Checks that `certificate` chains to a trusted certificate and that no certificate of
    /// the chain is outside its validity or revoked at `at`.
    pub fn check(&self, certificate: &Certificate, at: DateTime<Utc>) -> Result<(), TrustError> {
        let chain = self.chain(certificate)?;
        for link in &chain {
            if at > link.info().not_after {
                return Err(TrustError::Expired {
                    subject: display_name(link),
                    not_after: link.info().not_after,
                });
            }
            if at < link.info().not_before {
                return Err(TrustError::NotYetValid {
                    subject: display_name(link),
                    not_before: link.info().not_before,
                });
            }
            if let Some(revoked_at) = self.revocation(link, at) {
                return Err(TrustError::Revoked {
                    subject: display_name(link),
                    revoked_at,
                });
            }
        }
        Ok(())
    }

    /// The certificate and its issuers up the given certificates, if it reaches one of them.
    fn chain<'a>(
        &'a self,
        certificate: &'a Certificate,
    ) -> Result<Vec<&'a Certificate>, TrustError> {
        let issuers = match self.chains.get(certificate.der()) {
            Some(issuers) => issuers,
            None => {
                let issuers = self.issuers_of(certificate)?;
                self.chains.put(certificate.der(), issuers.clone());
                issuers
            }
        };
        let issuers = issuers.iter().map(|&index| &self.authorities[index]);
        Ok(std::iter::once(certificate).chain(issuers).collect())
    }

    /// The positions among the authorities of `certificate`'s issuers, in order up the chain.
    fn issuers_of(&self, certificate: &Certificate) -> Result<Arc<[usize]>, TrustError> {
        let mut issuers = Vec::new();
        let mut anchored = self.is_authority(certificate);
        let mut current = certificate;
        while issuers.len() + 1 < MAX_CHAIN {
            match self.issuer_of(current)? {
                Some(index) => {
                    anchored = true;
                    issuers.push(index);
                    current = &self.authorities[index];
                }
                None => break,
            }
        }
        if anchored {
            Ok(issuers.into())
        } else {
            Err(TrustError::Untrusted {
                subject: display_name(certificate),
            })
        }
    }

    fn is_authority(&self, certificate: &Certificate) -> bool {
        self.authorities
            .iter()
            .any(|a| a.der() == certificate.der())
    }

    /// The position of the trusted certificate that signed `certificate` (never itself: a
    /// self-signed root ends the chain). A certificate named as issuer whose signature does
    /// not verify is an error, not a dead end, so forged chains are reported as such.
    fn issuer_of(&self, certificate: &Certificate) -> Result<Option<usize>, TrustError> {
        let mut named = self.authorities.iter().enumerate().filter(|(_, a)| {
            a.subject_der() == certificate.issuer_der() && a.der() != certificate.der()
        });
        let Some((first_index, first)) = named.next() else {
            return Ok(None);
        };
        let signed_by = |issuer: &Certificate| {
            certificate.signature_hash().is_some_and(|hash| {
                rsa::verify(
                    issuer.subject_public_key_info_der(),
                    hash,
                    certificate.tbs_der(),
                    certificate.signature(),
                )
            })
        };
        if signed_by(first) {
            return Ok(Some(first_index));
        }
        match named.find(|(_, issuer)| signed_by(issuer)) {
            Some((index, _)) => Ok(Some(index)),
            None => Err(TrustError::BadSignature {
                subject: display_name(certificate),
                issuer: display_name(first),
            }),
        }
    }

    /// When `certificate` was revoked, if a CRL of its issuer says so by `at`.
    fn revocation(&self, certificate: &Certificate, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let serial = hex::decode(&certificate.info().serial_hex).ok()?;
        let serial = without_leading_zeros(&serial);
        self.revocations
            .iter()
            .filter(|list| list.issuer == certificate.issuer_der())
            .flat_map(|list| &list.revoked)
            .find(|entry| entry.serial == serial && entry.at <= at)
            .map(|entry| entry.at)
    }
}

/// The common name of a certificate's subject for messages, or its serial number.
fn display_name(certificate: &Certificate) -> String {
    let info = certificate.info();
    info.subject
        .common_name
        .clone()
        .unwrap_or_else(|| info.serial_hex.clone())
}

fn read(path: &Path) -> Result<(String, Vec<u8>), TrustError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((name, bytes)),
        Err(e) => Err(TrustError::Unreadable {
            path: name,
            reason: e.to_string(),
        }),
    }
}

/// The file as text when it is PEM.
fn pem_text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|text| text.contains("-----BEGIN "))
}

fn without_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

/// The parts of a CRL (RFC 5280 §5.1) the check needs.
struct ParsedCrl<'a> {
    tbs: &'a [u8],
    issuer: &'a [u8],
    hash: Option<rsa::RsaHash>,
    signature: &'a [u8],
    revoked: Vec<RevokedSerial>,
}

fn parse_crl(der: &[u8]) -> Result<ParsedCrl<'_>, BerError> {
    let list = ber::read_all(der)?.expect(ber::SEQUENCE)?;
    let mut parts = list.children();
    let tbs = parts.required()?.expect(ber::SEQUENCE)?;
    let algorithm = parts.required()?.expect(ber::SEQUENCE)?;
    let signature = parts.required()?.bit_string_bytes()?;

    let mut fields = tbs.children();
    fields.optional(ber::INTEGER)?;
    fields.required()?.expect(ber::SEQUENCE)?;
    let issuer = fields.required()?.expect(ber::SEQUENCE)?;
    time(fields.required()?)?;
    let mut revoked = Vec::new();
    for field in fields {
        let field = field?;
        match field.tag {
            ber::UTC_TIME | ber::GENERALIZED_TIME => {
                time(field)?;
            }
            ber::SEQUENCE => {
                for entry in field.children() {
                    let mut entry = entry?.expect(ber::SEQUENCE)?.children();
                    let serial = entry.required()?.expect(ber::INTEGER)?.content;
                    revoked.push(RevokedSerial {
                        serial: without_leading_zeros(serial),
                        at: time(entry.required()?)?,
                    });
                }
            }
            // crlExtensions [0]; nothing in them changes which serials are revoked.
            tag if tag == ber::context(0) => {}
            _ => return Err(BerError::Malformed("unexpected field in a CRL")),
        }
    }
    Ok(ParsedCrl {
        tbs: tbs.raw,
        issuer: issuer.raw,
        hash: certificate::signature_hash(algorithm)?,
        signature,
        revoked,
    })
}

fn time(field: Tlv<'_>) -> Result<DateTime<Utc>, BerError> {
    certificate::read_time(field).map_err(|_| BerError::Malformed("a CRL time is not a valid time"))
}
