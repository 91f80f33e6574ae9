//! Whether to believe a signer's certificate: a chain of issuer signatures up to a certificate
//! the caller trusts, every issuer of the chain entitled to issue (basicConstraints cA, path
//! length, keyCertSign), validity of every certificate of the chain at a given time, and
//! revocation by the CRLs the caller gives, which must not be past their nextUpdate.
//!
//! Every certificate given as trusted is an anchor: a chain may end at an intermediate as well
//! as at a self-signed root. Above the first anchor the chain goes on through the given
//! certificates as far as it can, so that an expired or revoked intermediate is noticed too.
//! Issuers are matched by the DER of their names and confirmed by their signature.
//!
//! The CRLs can be read again while the store is in use ([`TrustStore::with_reloaded_crls`]):
//! the new store shares the authorities and the chain cache with the old one, and a list that
//! fails to load keeps its predecessor.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rust_i18n::t;

use super::ber::{self, BerError, Tlv};
use super::certificate::{self, Certificate};
use super::rsa;

/// More links than any real chain has (NCA: root, intermediate, person); it also stops
/// issuer loops.
const MAX_CHAIN: usize = 8;

/// Why a certificate named as an issuer may not issue (RFC 5280 §4.2.1.9, §4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerFault {
    /// basicConstraints is absent or says cA = FALSE: a leaf acting as a CA.
    NotCa,
    /// keyUsage lacks keyCertSign.
    NoKeyCertSign,
    /// More CA certificates below it than its pathLenConstraint allows.
    PathLength,
}

impl IssuerFault {
    /// The stable machine-readable reason.
    pub fn code(self) -> &'static str {
        match self {
            IssuerFault::NotCa => "not_ca",
            IssuerFault::NoKeyCertSign => "no_key_cert_sign",
            IssuerFault::PathLength => "path_length",
        }
    }
}

impl std::fmt::Display for IssuerFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

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
    #[error("the CRL {path} was issued before the one in use")]
    CrlOutdated { path: String },
    #[error("no chain leads from the certificate of {subject} to a trusted certificate")]
    Untrusted { subject: String },
    #[error(
        "{issuer} may not issue certificates ({fault}), yet it signed the certificate of {subject}"
    )]
    NotAnIssuer {
        subject: String,
        issuer: String,
        fault: IssuerFault,
    },
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
    #[error("the revocation list of {issuer} is out of date since {next_update}")]
    CrlStale {
        issuer: String,
        next_update: DateTime<Utc>,
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
            TrustError::CrlOutdated { .. } => "crl_outdated",
            TrustError::Untrusted { .. } => "certificate_untrusted",
            TrustError::NotAnIssuer { .. } => "certificate_path_invalid",
            TrustError::Expired { .. } => "certificate_expired",
            TrustError::NotYetValid { .. } => "certificate_not_yet_valid",
            TrustError::Revoked { .. } => "certificate_revoked",
            TrustError::CrlStale { .. } => "crl_stale",
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
            TrustError::CrlOutdated { path } => t!("xml.trust.crl_outdated", path = path),
            TrustError::Untrusted { subject } => t!("xml.trust.untrusted", subject = subject),
            TrustError::NotAnIssuer {
                subject,
                issuer,
                fault,
            } => t!(
                "xml.trust.not_an_issuer",
                subject = subject,
                issuer = issuer,
                fault = t!(format!("xml.trust.fault.{}", fault.code()))
            ),
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
            TrustError::CrlStale {
                issuer,
                next_update,
            } => t!(
                "xml.trust.crl_stale",
                issuer = issuer,
                date = next_update.to_rfc3339()
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
    authorities: Arc<[Certificate]>,
    revocations: Vec<RevocationList>,
    chains: Arc<ChainCache>,
    /// Accept a certificate whose issuer's CRL is past its nextUpdate (with a warning in the
    /// log) instead of refusing it.
    soft_fail_stale: bool,
    /// Whether that warning was logged for these lists: once per load, not once per request.
    stale_warned: Arc<AtomicBool>,
}

/// The most chains [`ChainCache`] keeps before it starts afresh.
const CACHED_CHAINS: usize = 16_384;

/// Chains already built, by the leaf certificate's DER: building one checks an RSA signature
/// per link, and the same people's certificates sign request after request. Only the
/// authorities decide a chain and they never change after [`TrustStore::new`] (a reload of the
/// CRLs keeps them), so an entry never goes stale; validity and revocation are still checked
/// on every call.
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

/// A CRL whose signature has been checked: where it came from, its issuer, when it was issued
/// and when the next one is due, and the serials it revokes.
#[derive(Debug, Clone)]
struct RevocationList {
    source: String,
    issuer: Vec<u8>,
    this_update: DateTime<Utc>,
    /// RFC 5280 requires it; a list without one never goes out of date.
    next_update: Option<DateTime<Utc>>,
    /// Big-endian magnitude without leading zero octets → revocation date. NCA's lists hold
    /// hundreds of thousands of serials, so a lookup must not scan them.
    revoked: HashMap<Vec<u8>, DateTime<Utc>>,
}

impl TrustStore {
    /// The certificates of the trusted authorities (roots and intermediates), as configured.
    pub fn authorities(&self) -> &[Certificate] {
        &self.authorities
    }

    pub fn new(authorities: Vec<Certificate>) -> TrustStore {
        TrustStore {
            authorities: authorities.into(),
            revocations: Vec::new(),
            chains: Arc::default(),
            soft_fail_stale: false,
            stale_warned: Arc::default(),
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
            let lists = store.read_crls(path.as_ref())?;
            store.revocations.extend(lists);
        }
        Ok(store)
    }

    /// The same store, accepting (`true`) or refusing (`false`, the default) certificates whose
    /// issuer's CRL is past its nextUpdate.
    pub fn soft_fail_stale_crls(mut self, soft: bool) -> TrustStore {
        self.soft_fail_stale = soft;
        self
    }

    /// A store with the same authorities and chain cache and the CRLs of `crls` read afresh.
    /// A file that cannot be read, is not a CRL signed by an authority, or is older than the
    /// list it would replace keeps the lists it gave before; those failures come back beside
    /// the new store, for the caller to report.
    pub fn with_reloaded_crls(&self, crls: &[impl AsRef<Path>]) -> (TrustStore, Vec<TrustError>) {
        let mut next = TrustStore {
            revocations: Vec::new(),
            stale_warned: Arc::default(),
            ..self.clone()
        };
        let mut failures = Vec::new();
        for path in crls {
            let source = path.as_ref().display().to_string();
            let previous = self.revocations.iter().filter(|list| list.source == source);
            let outcome = self.read_crls(path.as_ref()).and_then(|lists| {
                let rolls_back = lists.iter().any(|list| {
                    previous
                        .clone()
                        .any(|old| old.issuer == list.issuer && list.this_update < old.this_update)
                });
                if rolls_back {
                    Err(TrustError::CrlOutdated {
                        path: source.clone(),
                    })
                } else {
                    Ok(lists)
                }
            });
            match outcome {
                Ok(lists) => next.revocations.extend(lists),
                Err(error) => {
                    failures.push(error);
                    next.revocations.extend(previous.cloned());
                }
            }
        }
        (next, failures)
    }

    /// The CRLs of one file (PEM, possibly several, or DER), each checked against the
    /// authorities.
    fn read_crls(&self, path: &Path) -> Result<Vec<RevocationList>, TrustError> {
        let (name, bytes) = read(path)?;
        let ders = match pem_text(&bytes) {
            Some(text) => {
                certificate::pem_blocks(text, "X509 CRL").map_err(|e| TrustError::NotCrl {
                    path: name.clone(),
                    reason: e.to_string(),
                })?
            }
            None => vec![bytes],
        };
        ders.iter()
            .map(|der| self.verified_crl(der, &name))
            .collect()
    }

    /// A DER CRL, after checking that one of the trusted certificates signed it; `source`
    /// names it in errors.
    fn verified_crl(&self, der: &[u8], source: &str) -> Result<RevocationList, TrustError> {
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
        Ok(RevocationList {
            source: source.to_owned(),
            issuer: crl.issuer.to_vec(),
            this_update: crl.this_update,
            next_update: crl.next_update,
            revoked: crl.revoked,
        })
    }

    /// Checks that `certificate` chains to a trusted certificate through issuers entitled to
    /// issue, and that no certificate of the chain is outside its validity or revoked at `at`,
    /// nor vouched for by a CRL past its nextUpdate.
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
            self.check_revocation(link, at)?;
        }
        Ok(())
    }

    /// Refuses `certificate` if a CRL of its issuer revokes it by `at`, or if the freshest
    /// CRL of its issuer was due to be replaced before `at` (unless stale lists are accepted).
    /// An issuer without any CRL is not checked: the configuration decides which lists exist.
    fn check_revocation(
        &self,
        certificate: &Certificate,
        at: DateTime<Utc>,
    ) -> Result<(), TrustError> {
        let lists: Vec<&RevocationList> = self
            .revocations
            .iter()
            .filter(|list| list.issuer == certificate.issuer_der())
            .collect();
        let serial = hex::decode(&certificate.info().serial_hex).unwrap_or_default();
        let serial = without_leading_zeros(&serial);
        let revoked_at = lists
            .iter()
            .filter_map(|list| list.revoked.get(&serial))
            .find(|&&revoked_at| revoked_at <= at);
        if let Some(&revoked_at) = revoked_at {
            return Err(TrustError::Revoked {
                subject: display_name(certificate),
                revoked_at,
            });
        }
        let freshest = lists.iter().max_by_key(|list| list.this_update);
        let Some(next_update) = freshest.and_then(|list| list.next_update) else {
            return Ok(());
        };
        if next_update >= at {
            return Ok(());
        }
        let issuer = certificate
            .info()
            .issuer
            .common_name
            .clone()
            .unwrap_or_default();
        if self.soft_fail_stale {
            if !self.stale_warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(%issuer, %next_update, "accepting certificates on a stale CRL");
            }
            return Ok(());
        }
        Err(TrustError::CrlStale {
            issuer,
            next_update,
        })
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

    /// The positions among the authorities of `certificate`'s issuers, in order up the chain,
    /// each entitled to issue what is below it.
    fn issuers_of(&self, certificate: &Certificate) -> Result<Arc<[usize]>, TrustError> {
        let mut issuers: Vec<usize> = Vec::new();
        let mut anchored = self.is_authority(certificate);
        let mut current = certificate;
        while issuers.len() + 1 < MAX_CHAIN {
            match self.issuer_of(current)? {
                Some(index) => {
                    // CA certificates between this issuer and the leaf; a self-issued one (a
                    // CA's own key rollover) does not count (RFC 5280 §6.1.4 (l)).
                    let below = issuers
                        .iter()
                        .filter(|&&i| {
                            let ca = &self.authorities[i];
                            ca.subject_der() != ca.issuer_der()
                        })
                        .count();
                    entitled_to_issue(&self.authorities[index], below).map_err(|fault| {
                        TrustError::NotAnIssuer {
                            subject: display_name(current),
                            issuer: display_name(&self.authorities[index]),
                            fault,
                        }
                    })?;
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
}

/// Whether `issuer` may have signed a certificate with `below` CA certificates between it and
/// the leaf: a CA (basicConstraints cA = TRUE) with keyCertSign, its path length respected.
/// Trusting a certificate as an anchor does not make it a CA.
fn entitled_to_issue(issuer: &Certificate, below: usize) -> Result<(), IssuerFault> {
    let authority = issuer.authority();
    if !authority.ca {
        return Err(IssuerFault::NotCa);
    }
    if !authority.key_cert_sign {
        return Err(IssuerFault::NoKeyCertSign);
    }
    match authority.path_len {
        Some(limit) if below as u64 > limit => Err(IssuerFault::PathLength),
        _ => Ok(()),
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
    this_update: DateTime<Utc>,
    next_update: Option<DateTime<Utc>>,
    revoked: HashMap<Vec<u8>, DateTime<Utc>>,
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
    let this_update = time(fields.required()?)?;
    let mut next_update = None;
    let mut revoked = HashMap::new();
    for field in fields {
        let field = field?;
        match field.tag {
            ber::UTC_TIME | ber::GENERALIZED_TIME => {
                next_update = Some(time(field)?);
            }
            ber::SEQUENCE => {
                for entry in field.children() {
                    let mut entry = entry?.expect(ber::SEQUENCE)?.children();
                    let serial = entry.required()?.expect(ber::INTEGER)?.content;
                    let at = time(entry.required()?)?;
                    // A serial listed twice counts from its earliest date.
                    revoked
                        .entry(without_leading_zeros(serial))
                        .and_modify(|earliest: &mut DateTime<Utc>| *earliest = (*earliest).min(at))
                        .or_insert(at);
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
        this_update,
        next_update,
        revoked,
    })
}

fn time(field: Tlv<'_>) -> Result<DateTime<Utc>, BerError> {
    certificate::read_time(field).map_err(|_| BerError::Malformed("a CRL time is not a valid time"))
}
