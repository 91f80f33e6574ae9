//! X.509 certificates: the identity NCA writes into them (name, IIN, organisation BIN), their
//! validity and usage, and the byte-exact pieces signature checks need.
//!
//! The certificate is read with the BER reader of [`super::ber`] rather than re-encoded from a
//! typed model: `tbs_der()`, `issuer_der()` and `subject_der()` are slices of the original bytes,
//! so a signature check sees exactly what the issuer signed.

use std::ops::Range;

use chrono::{DateTime, NaiveDate, Utc};
use der::asn1::ObjectIdentifier;
use serde::Serialize;

use super::ber::{self, BerError, Tlv};
use super::rsa::{self, RsaHash};
use crate::domain::iin;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("malformed certificate: {0}")]
    Malformed(#[from] BerError),
    #[error("malformed certificate time: {0:?}")]
    Time(String),
    #[error("no PEM block labelled {0}")]
    NoPem(&'static str),
    #[error("a PEM block is not valid base64")]
    PemBase64,
}

impl CertificateError {
    /// The message in the current language.
    pub fn translated(&self) -> String {
        match self {
            CertificateError::Malformed(_) | CertificateError::Time(_) => {
                rust_i18n::t!("pki.certificate.error.malformed").into_owned()
            }
            CertificateError::NoPem(_) | CertificateError::PemBase64 => {
                rust_i18n::t!("pki.certificate.error.pem").into_owned()
            }
        }
    }
}

/// What a certificate's key may be used for, as NCA issues them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum KeyUsageClass {
    /// Login: digitalSignature + keyEncipherment, extended key usage clientAuth.
    Auth,
    /// Document signing: digitalSignature + nonRepudiation.
    Sign,
    Other,
}

/// The NCA policy role in the extended key usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NcaRole {
    /// 1.2.398.3.3.4.1.1
    Individual,
    /// 1.2.398.3.3.4.1.2: an employee of a legal entity.
    LegalEntity,
}

/// The certificate holder as NCA writes the subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// CN: «SURNAME NAME».
    pub common_name: Option<String>,
    pub surname: Option<String>,
    /// GIVENNAME: the patronymic in NCA certificates.
    pub given_name: Option<String>,
    /// The digits of serialNumber `IIN…`.
    pub iin: Option<String>,
    /// Whether the IIN's check digit holds; absent with the IIN.
    pub iin_checksum_valid: Option<bool>,
    /// The digits of OU `BIN…` (legal entities).
    pub bin: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Issuer {
    pub common_name: Option<String>,
    pub organization: Option<String>,
    pub country: Option<String>,
}

/// Everything the key window and `kezek keystore inspect --json` show about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    pub subject: Subject,
    pub issuer: Issuer,
    /// The serial number in lowercase hex, as NCA's tools print it.
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// "RSA", "GOST" or the dotted OID of another algorithm.
    #[serde(rename = "algorithm")]
    pub key_algorithm: String,
    /// The modulus size of an RSA key.
    pub key_bits: Option<usize>,
    pub key_usage: KeyUsageClass,
    pub nca_role: Option<NcaRole>,
}

/// A parsed X.509 certificate with its original DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    spki: Range<usize>,
    signature: Range<usize>,
    signature_hash: Option<RsaHash>,
    info: CertificateInfo,
    authority: Authority,
}

mod oids {
    use der::asn1::ObjectIdentifier as Oid;

    pub const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
    pub const SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
    pub const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
    pub const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
    pub const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
    pub const ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
    pub const GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
    pub const EMAIL_ADDRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");

    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const EXTENDED_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    pub const CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
    pub const NCA_INDIVIDUAL: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.1");
    pub const NCA_LEGAL_ENTITY: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2");

    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
}

/// Kazakhstan's GOST algorithms (keys, signatures) live under this arc.
pub const GOST_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.10");

/// keyUsage bits, numbered from the most significant bit of the first octet.
const DIGITAL_SIGNATURE: usize = 0;
const NON_REPUDIATION: usize = 1;
const KEY_ENCIPHERMENT: usize = 2;
const KEY_CERT_SIGN: usize = 5;

/// What a certificate says about issuing other certificates: basicConstraints and the
/// keyCertSign bit of keyUsage (RFC 5280 §4.2.1.9, §4.2.1.3). The trust store lets only a
/// certificate with both act as an issuer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Authority {
    /// basicConstraints cA; false when the extension is absent (every NCA personal key).
    pub ca: bool,
    /// pathLenConstraint: how many CA certificates may follow this one down to a leaf.
    pub path_len: Option<u64>,
    /// keyUsage has keyCertSign; false when keyUsage is absent.
    pub key_cert_sign: bool,
}

impl Certificate {
    /// Reads a DER certificate (BER is tolerated; the bytes are kept as given).
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertificateError> {
        let der = der.to_vec();
        let parts = Parts::read(&der)?;
        let offset = |inner: &[u8]| {
            let start = inner.as_ptr() as usize - der.as_ptr() as usize;
            start..start + inner.len()
        };
        Ok(Certificate {
            tbs: offset(parts.tbs),
            issuer: offset(parts.issuer),
            subject: offset(parts.subject),
            spki: offset(parts.spki),
            signature: offset(parts.signature),
            signature_hash: parts.signature_hash,
            info: parts.info,
            authority: parts.authority,
            der,
        })
    }

    /// The first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(text: &str) -> Result<Certificate, CertificateError> {
        let blocks = pem_blocks(text, "CERTIFICATE")?;
        Certificate::from_der(&blocks[0])
    }

    /// Every `CERTIFICATE` block of a PEM text (a chain file), in order.
    pub fn all_from_pem(text: &str) -> Result<Vec<Certificate>, CertificateError> {
        pem_blocks(text, "CERTIFICATE")?
            .iter()
            .map(|der| Certificate::from_der(der))
            .collect()
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn info(&self) -> &CertificateInfo {
        &self.info
    }

    /// Whether and how far the certificate may issue others.
    pub fn authority(&self) -> Authority {
        self.authority
    }

    pub fn subject_public_key_info_der(&self) -> &[u8] {
        &self.der[self.spki.clone()]
    }

    /// The signed part, byte for byte.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The issuer's signature over [`Certificate::tbs_der`].
    pub fn signature(&self) -> &[u8] {
        &self.der[self.signature.clone()]
    }

    /// The digest of an RSA signature; `None` for other algorithms (GOST), which we cannot check.
    pub fn signature_hash(&self) -> Option<RsaHash> {
        self.signature_hash
    }

    pub fn issuer_der(&self) -> &[u8] {
        &self.der[self.issuer.clone()]
    }

    pub fn subject_der(&self) -> &[u8] {
        &self.der[self.subject.clone()]
    }

    /// Whether `at` lies within notBefore … notAfter (both inclusive, as RFC 5280 says).
    pub fn is_valid_at(&self, at: DateTime<Utc>) -> bool {
        self.info.not_before <= at && at <= self.info.not_after
    }
}

/// The pieces of a certificate found in one pass.
struct Parts<'a> {
    tbs: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
    spki: &'a [u8],
    signature: &'a [u8],
    signature_hash: Option<RsaHash>,
    info: CertificateInfo,
    authority: Authority,
}

impl<'a> Parts<'a> {
    fn read(der: &'a [u8]) -> Result<Parts<'a>, CertificateError> {
        let certificate = ber::read_all(der)?.expect(ber::SEQUENCE)?;
        let mut outer = certificate.children();
        let tbs = outer.required()?.expect(ber::SEQUENCE)?;
        let signature_algorithm = outer.required()?.expect(ber::SEQUENCE)?;
        let signature = outer.required()?.bit_string_bytes()?;

        let mut fields = tbs.children();
        fields.optional(ber::context(0))?;
        let serial = fields.required()?.expect(ber::INTEGER)?;
        fields.required()?.expect(ber::SEQUENCE)?;
        let issuer = fields.required()?.expect(ber::SEQUENCE)?;
        let validity = fields.required()?.expect(ber::SEQUENCE)?;
        let subject = fields.required()?.expect(ber::SEQUENCE)?;
        let spki = fields.required()?.expect(ber::SEQUENCE)?;
        fields.optional(0x81)?;
        fields.optional(0x82)?;
        let extensions = Extensions::read(fields.optional(ber::context(3))?)?;

        let mut times = validity.children();
        let not_before = read_time(times.required()?)?;
        let not_after = read_time(times.required()?)?;

        let (key_algorithm, key_bits) = key_algorithm(spki)?;
        let info = CertificateInfo {
            subject: read_subject(issuer_or_subject_attributes(subject)?),
            issuer: read_issuer(issuer_or_subject_attributes(issuer)?),
            serial_hex: hex::encode(match serial.content {
                [0, rest @ ..] if !rest.is_empty() => rest,
                all => all,
            }),
            not_before,
            not_after,
            key_algorithm,
            key_bits,
            key_usage: extensions.usage_class(),
            nca_role: extensions.nca_role,
        };
        Ok(Parts {
            tbs: tbs.raw,
            issuer: issuer.raw,
            subject: subject.raw,
            spki: spki.raw,
            signature,
            signature_hash: signature_hash(signature_algorithm)?,
            authority: extensions.authority(),
            info,
        })
    }
}

pub(crate) fn signature_hash(algorithm: Tlv<'_>) -> Result<Option<RsaHash>, BerError> {
    let oid = algorithm.children().required()?;
    Ok([
        (oids::SHA1_WITH_RSA, RsaHash::Sha1),
        (oids::SHA256_WITH_RSA, RsaHash::Sha256),
        (oids::SHA384_WITH_RSA, RsaHash::Sha384),
        (oids::SHA512_WITH_RSA, RsaHash::Sha512),
    ]
    .into_iter()
    .find(|(known, _)| oid.is_oid(known))
    .map(|(_, hash)| hash))
}

fn key_algorithm(spki: Tlv<'_>) -> Result<(String, Option<usize>), BerError> {
    let algorithm = spki.children().required()?.expect(ber::SEQUENCE)?;
    let oid = algorithm.children().required()?;
    if oid.is_oid(&rsa::RSA_ENCRYPTION) {
        let bits = rsa::rsa_public_key(spki.raw)
            .and_then(rsa::modulus_bits)
            .ok();
        Ok(("RSA".to_owned(), bits))
    } else if oid.is_oid_under(&GOST_ARC) {
        Ok(("GOST".to_owned(), None))
    } else {
        Ok((oid.oid_string(), None))
    }
}

/// The (type, value) pairs of a Name, in order.
fn issuer_or_subject_attributes(name: Tlv<'_>) -> Result<Vec<(Tlv<'_>, String)>, BerError> {
    let mut attributes = Vec::new();
    for rdn in name.children() {
        for pair in rdn?.expect(ber::SET)?.children() {
            let pair = pair?.expect(ber::SEQUENCE)?;
            let mut fields = pair.children();
            let kind = fields.required()?;
            let value = fields.required()?;
            attributes.push((kind, directory_string(value)));
        }
    }
    Ok(attributes)
}

fn first(attributes: &[(Tlv<'_>, String)], oid: &ObjectIdentifier) -> Option<String> {
    attributes
        .iter()
        .find(|(kind, _)| kind.is_oid(oid))
        .map(|(_, value)| value.clone())
}

/// The digits after a prefix such as `IIN` or `BIN`, as NCA writes serialNumber and OU.
fn prefixed(
    attributes: &[(Tlv<'_>, String)],
    oid: &ObjectIdentifier,
    prefix: &str,
) -> Option<String> {
    attributes
        .iter()
        .filter(|(kind, _)| kind.is_oid(oid))
        .find_map(|(_, value)| value.strip_prefix(prefix).map(str::to_owned))
}

fn read_subject(attributes: Vec<(Tlv<'_>, String)>) -> Subject {
    let iin = prefixed(&attributes, &oids::SERIAL_NUMBER, "IIN");
    Subject {
        common_name: first(&attributes, &oids::COMMON_NAME),
        surname: first(&attributes, &oids::SURNAME),
        given_name: first(&attributes, &oids::GIVEN_NAME),
        iin_checksum_valid: iin.as_deref().map(iin::checksum_holds),
        iin,
        bin: prefixed(&attributes, &oids::ORGANIZATIONAL_UNIT, "BIN"),
        organization: first(&attributes, &oids::ORGANIZATION),
        email: first(&attributes, &oids::EMAIL_ADDRESS),
        country: first(&attributes, &oids::COUNTRY),
    }
}

fn read_issuer(attributes: Vec<(Tlv<'_>, String)>) -> Issuer {
    Issuer {
        common_name: first(&attributes, &oids::COMMON_NAME),
        organization: first(&attributes, &oids::ORGANIZATION),
        country: first(&attributes, &oids::COUNTRY),
    }
}

/// The text of a DirectoryString or similar. NCA writes Kazakh and Russian names as UTF8String
/// and older certificates as BMPString (UTF-16BE); both must come out letter for letter.
fn directory_string(value: Tlv<'_>) -> String {
    let bytes = value.content;
    match value.tag {
        ber::BMP_STRING => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        ber::UNIVERSAL_STRING => bytes
            .chunks(4)
            .map(|quad| {
                let mut word = [0u8; 4];
                word[..quad.len()].copy_from_slice(quad);
                char::from_u32(u32::from_be_bytes(word)).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        // T.61 in practice carries Latin-1.
        ber::TELETEX_STRING => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// UTCTime (years 1950–2049, RFC 5280) or GeneralizedTime, in UTC.
pub(crate) fn read_time(time: Tlv<'_>) -> Result<DateTime<Utc>, CertificateError> {
    let text = std::str::from_utf8(time.content)
        .map_err(|_| CertificateError::Time(hex::encode(time.content)))?;
    let bad = || CertificateError::Time(text.to_owned());
    let (year, rest) = match time.tag {
        ber::UTC_TIME => {
            let yy: i32 = digits(text.get(..2).ok_or_else(bad)?).ok_or_else(bad)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        ber::GENERALIZED_TIME => (
            digits(text.get(..4).ok_or_else(bad)?).ok_or_else(bad)?,
            &text[4..],
        ),
        _ => return Err(bad()),
    };
    // MMDDHHMMSS then Z; GeneralizedTime may add a fraction of a second, which we drop.
    let rest = rest.strip_suffix('Z').ok_or_else(bad)?;
    let rest = rest.split('.').next().unwrap_or(rest);
    if rest.len() != 10 || !rest.is_ascii() {
        return Err(bad());
    }
    let field = |at: usize| digits::<u32>(&rest[at..at + 2]).ok_or_else(bad);
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(hour, minute, second))
        .map(|naive| naive.and_utc())
        .ok_or_else(bad)
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

/// The extensions that decide the usage class and the NCA role.
#[derive(Default)]
struct Extensions {
    /// keyUsage bits; `None` when the extension is absent.
    key_usage: Option<Vec<bool>>,
    /// Whether extendedKeyUsage is present and lists clientAuth.
    client_auth: bool,
    nca_role: Option<NcaRole>,
    /// basicConstraints: cA and pathLenConstraint; `None` when the extension is absent.
    basic_constraints: Option<(bool, Option<u64>)>,
}

impl Extensions {
    fn read(wrapper: Option<Tlv<'_>>) -> Result<Extensions, BerError> {
        let mut found = Extensions::default();
        let Some(wrapper) = wrapper else {
            return Ok(found);
        };
        let list = wrapper.children().required()?.expect(ber::SEQUENCE)?;
        for extension in list.children() {
            let extension = extension?.expect(ber::SEQUENCE)?;
            let mut fields = extension.children();
            let id = fields.required()?;
            fields.optional(BOOLEAN)?; // critical
            let value = fields.required()?.expect(ber::OCTET_STRING)?;
            let value = ber::read_all(value.content)?;
            if id.is_oid(&oids::KEY_USAGE) {
                found.key_usage = Some(key_usage_bits(value)?);
            } else if id.is_oid(&oids::BASIC_CONSTRAINTS) {
                found.basic_constraints = Some(basic_constraints(value)?);
            } else if id.is_oid(&oids::EXTENDED_KEY_USAGE) {
                for purpose in value.expect(ber::SEQUENCE)?.children() {
                    let purpose = purpose?;
                    if purpose.is_oid(&oids::CLIENT_AUTH) {
                        found.client_auth = true;
                    } else if purpose.is_oid(&oids::NCA_INDIVIDUAL) {
                        found.nca_role = Some(NcaRole::Individual);
                    } else if purpose.is_oid(&oids::NCA_LEGAL_ENTITY) {
                        found.nca_role = Some(NcaRole::LegalEntity);
                    }
                }
            }
        }
        Ok(found)
    }

    fn authority(&self) -> Authority {
        let (ca, path_len) = self.basic_constraints.unwrap_or_default();
        Authority {
            ca,
            path_len,
            key_cert_sign: self.has_usage(KEY_CERT_SIGN),
        }
    }

    fn has_usage(&self, bit: usize) -> bool {
        self.key_usage
            .as_ref()
            .is_some_and(|bits| bits.get(bit).copied().unwrap_or(false))
    }

    fn usage_class(&self) -> KeyUsageClass {
        let has = |bit: usize| self.has_usage(bit);
        if has(DIGITAL_SIGNATURE) && has(KEY_ENCIPHERMENT) && self.client_auth {
            KeyUsageClass::Auth
        } else if has(DIGITAL_SIGNATURE) && has(NON_REPUDIATION) {
            KeyUsageClass::Sign
        } else {
            KeyUsageClass::Other
        }
    }
}

/// `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }`.
fn basic_constraints(value: Tlv<'_>) -> Result<(bool, Option<u64>), BerError> {
    let mut fields = value.expect(ber::SEQUENCE)?.children();
    let ca = match fields.optional(BOOLEAN)? {
        Some(flag) => flag.content.iter().any(|&b| b != 0),
        None => false,
    };
    let path_len = match fields.optional(ber::INTEGER)? {
        Some(number) => Some(number.small_uint()?),
        None => None,
    };
    Ok((ca, path_len))
}

/// The universal tag of BOOLEAN.
const BOOLEAN: u8 = 0x01;

fn key_usage_bits(value: Tlv<'_>) -> Result<Vec<bool>, BerError> {
    let content = value.expect(ber::BIT_STRING)?.content;
    let (&unused, bytes) = content
        .split_first()
        .ok_or(BerError::Malformed("empty BIT STRING"))?;
    if unused > 7 {
        return Err(BerError::Malformed("BIT STRING with over 7 unused bits"));
    }
    let total = (bytes.len() * 8).saturating_sub(usize::from(unused));
    Ok((0..total)
        .map(|bit| bytes[bit / 8] & (0x80 >> (bit % 8)) != 0)
        .collect())
}

/// The decoded bodies of every PEM block labelled `label` (`CERTIFICATE`, `X509 CRL`, …).
pub fn pem_blocks(text: &str, label: &'static str) -> Result<Vec<Vec<u8>>, CertificateError> {
    use base64::Engine;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line == begin {
            body = Some(String::new());
        } else if line == end {
            if let Some(b64) = body.take() {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|_| CertificateError::PemBase64)?;
                blocks.push(der);
            }
        } else if let Some(b64) = body.as_mut() {
            b64.push_str(line);
        }
    }
    if blocks.is_empty() {
        return Err(CertificateError::NoPem(label));
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_PEM: &str = include_str!("../../keystores-example/ca/root.pem");
    const INTERMEDIATE_DER: &[u8] = include_bytes!("../../keystores-example/ca/nca_rsa.crt");
    const CHAIN_PEM: &str = include_str!("../../keystores-example/ca/chain.pem");

    /// The certificate of parent A's first valid keystore of `usage`, found through index.json.
    fn demo_certificate(usage: &str) -> Certificate {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/keystores-example");
        let index: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{root}/index.json")).unwrap())
                .unwrap();
        let entry = index
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["usage"] == usage && e["status"] == "valid" && e["iin"] == "900514440216")
            .unwrap();
        let stem = std::path::Path::new(entry["file"].as_str().unwrap())
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        Certificate::from_pem(&std::fs::read_to_string(format!("{root}/certs/{stem}.pem")).unwrap())
            .unwrap()
    }

    #[test]
    fn reads_the_demo_intermediate_and_checks_its_signature_with_the_root() {
        let root = Certificate::from_pem(ROOT_PEM).unwrap();
        let intermediate = Certificate::from_der(INTERMEDIATE_DER).unwrap();
        assert_eq!(intermediate.der(), INTERMEDIATE_DER);
        assert_eq!(intermediate.issuer_der(), root.subject_der());
        assert_eq!(intermediate.signature_hash(), Some(RsaHash::Sha256));
        assert!(rsa::verify(
            root.subject_public_key_info_der(),
            RsaHash::Sha256,
            intermediate.tbs_der(),
            intermediate.signature()
        ));
        assert!(!rsa::verify(
            intermediate.subject_public_key_info_der(),
            RsaHash::Sha256,
            intermediate.tbs_der(),
            intermediate.signature()
        ));
        let info = intermediate.info();
        assert_eq!(
            info.subject.common_name.as_deref(),
            Some("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO")
        );
        assert_eq!(info.key_algorithm, "RSA");
        assert_eq!(info.key_bits, Some(2048));
        assert_eq!(root.info().key_bits, Some(4096));
        assert_eq!(info.not_before.to_rfc3339(), "2024-01-01T00:00:00+00:00");
    }

    #[test]
    fn reads_who_may_issue_certificates() {
        let root = Certificate::from_pem(ROOT_PEM).unwrap().authority();
        assert_eq!(
            root,
            Authority {
                ca: true,
                path_len: None,
                key_cert_sign: true
            }
        );
        let intermediate = Certificate::from_der(INTERMEDIATE_DER).unwrap().authority();
        assert_eq!(intermediate.path_len, Some(0));
        assert!(intermediate.ca && intermediate.key_cert_sign);
        // NCA's personal keys carry no basicConstraints: not a CA.
        assert_eq!(demo_certificate("SIGN").authority(), Authority::default());
    }

    #[test]
    fn reads_every_block_of_a_chain() {
        let chain = Certificate::all_from_pem(CHAIN_PEM).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0].issuer_der(), chain[1].subject_der());
    }

    #[test]
    fn reads_an_nca_auth_certificate() {
        let cert = demo_certificate("AUTH");
        let info = cert.info();
        assert_eq!(info.key_usage, KeyUsageClass::Auth);
        assert_eq!(info.nca_role, Some(NcaRole::Individual));
        assert_eq!(
            info.subject.common_name.as_deref(),
            Some("СЕРИКОВА АЙГЕРИМ")
        );
        assert_eq!(info.subject.surname.as_deref(), Some("СЕРИКОВА"));
        assert_eq!(info.subject.given_name.as_deref(), Some("НУРЛАНОВНА"));
        assert_eq!(info.subject.iin_checksum_valid, Some(true));
        assert_eq!(info.subject.country.as_deref(), Some("KZ"));
        assert_eq!(info.subject.bin, None);
        assert_eq!(info.issuer.country.as_deref(), Some("KZ"));
        assert_eq!(info.serial_hex.len() % 2, 0);
        assert!(cert.is_valid_at("2030-06-01T00:00:00Z".parse().unwrap()));
        assert!(!cert.is_valid_at("2036-01-01T00:00:00Z".parse().unwrap()));
    }

    #[test]
    fn reads_an_nca_sign_certificate() {
        assert_eq!(
            demo_certificate("SIGN").info().key_usage,
            KeyUsageClass::Sign
        );
    }

    #[test]
    fn serializes_as_inspect_json_names_it() {
        let json = serde_json::to_value(demo_certificate("AUTH").info()).unwrap();
        assert_eq!(json["key_usage"], "AUTH");
        assert_eq!(json["algorithm"], "RSA");
        assert_eq!(json["nca_role"], "individual");
        assert_eq!(json["not_before"], "2025-01-01T00:00:00Z");
        assert_eq!(json["subject"]["iin"], "900514440216");
        assert_eq!(json["subject"]["organization"], serde_json::Value::Null);
    }

    #[test]
    fn decodes_bmp_and_utf8_strings_exactly() {
        let text = "Қасымов Ержан Ә";
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut bmp = vec![ber::BMP_STRING, utf16.len() as u8];
        bmp.extend(&utf16);
        assert_eq!(directory_string(ber::read_all(&bmp).unwrap()), text);
        let mut utf8 = vec![ber::UTF8_STRING, text.len() as u8];
        utf8.extend(text.as_bytes());
        assert_eq!(directory_string(ber::read_all(&utf8).unwrap()), text);
    }

    #[test]
    fn reads_both_time_forms() {
        let utc = ber::read_all(b"\x17\x0d491231235959Z").unwrap();
        assert_eq!(
            read_time(utc).unwrap().to_rfc3339(),
            "2049-12-31T23:59:59+00:00"
        );
        let old = ber::read_all(b"\x17\x0d500101000000Z").unwrap();
        assert_eq!(
            read_time(old).unwrap().to_rfc3339(),
            "1950-01-01T00:00:00+00:00"
        );
        let general = ber::read_all(b"\x18\x1320500101000000.123Z").unwrap();
        assert_eq!(
            read_time(general).unwrap().to_rfc3339(),
            "2050-01-01T00:00:00+00:00"
        );
        for bad in [
            &b"\x17\x0d491331235959Z"[..],
            b"\x17\x0b4912312359Z",
            b"\x17\x0d49123123595+Z",
        ] {
            assert!(read_time(ber::read_all(bad).unwrap()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_garbage_and_missing_pem() {
        assert!(Certificate::from_der(b"").is_err());
        assert!(Certificate::from_der(&INTERMEDIATE_DER[..INTERMEDIATE_DER.len() - 1]).is_err());
        assert!(matches!(
            Certificate::from_pem("nothing here"),
            Err(CertificateError::NoPem("CERTIFICATE"))
        ));
        assert!(matches!(
            Certificate::from_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----"),
            Err(CertificateError::PemBase64)
        ));
    }

    #[test]
    fn every_truncation_of_a_certificate_is_an_error() {
        for len in 0..INTERMEDIATE_DER.len() {
            assert!(Certificate::from_der(&INTERMEDIATE_DER[..len]).is_err());
        }
    }
}
