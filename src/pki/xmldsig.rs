//! Enveloped XML signatures (XMLDSig) as NCALayer's `signXml` makes them, and their strict
//! verification.
//!
//! Signing writes one `ds:Signature` as the last child of the root element: C14N 1.0 for
//! SignedInfo, rsa-sha256, a single `Reference URI=""` with the enveloped-signature and
//! C14N-with-comments transforms, a sha256 digest and the signer's certificate in
//! `KeyInfo/X509Data/X509Certificate`.
//!
//! Verification accepts what NCALayer, Kalkan and xmlsec1 write for such documents and refuses
//! everything that would let a signature cover less than the whole document: there must be
//! exactly one `ds:Signature`, with exactly one Reference, whose URI is `""`, whose transforms
//! are enveloped-signature optionally followed by one canonicalization. Checking who the signer
//! is and whether to trust them is [`super::trust`]'s job.
//!
//! A [`Verifier`] carries the [`Policy`] (the document's shape limits, whether SHA-1 is still
//! accepted) and a cache of the certificates it has read, shared by every call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use roxmltree::{Document, Node};
use rust_i18n::t;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::c14n::{self, C14nError, Method, Options};
use super::certificate::Certificate;
use super::rsa::{self, PrivateKey, RsaHash};
use super::signer::{Signer, SignerError};
use super::xml_limits::{LimitExceeded, XmlLimits};

pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N_NAMESPACE: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const DIGEST_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
const DIGEST_SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
const DIGEST_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// The smallest RSA key whose signature is checked at all (NIST SP 800-131A; ring's floor too).
pub const MIN_RSA_BITS: usize = 2048;

/// Base64 line length of the values we write (as Java's and NCALayer's encoders wrap).
const BASE64_LINE: usize = 76;

/// Why a document could not be signed or its signature did not verify. [`XmlDsigError::code`]
/// is the stable code of `kezek xml verify --json` and of the API's problem documents.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlDsigError {
    #[error("malformed XML: {0}")]
    MalformedXml(String),
    #[error("the document has a DTD; DTDs and entities are refused")]
    DtdRefused,
    #[error("{0}")]
    TooComplex(LimitExceeded),
    #[error("the document has no XML signature")]
    SignatureMissing,
    #[error("the document has more than one XML signature")]
    MultipleSignatures,
    #[error("the document is already signed")]
    AlreadySigned,
    #[error("the signature does not cover the whole document: {0}")]
    ReferenceNotWholeDocument(String),
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("SHA-1 is refused in new signatures: {0}")]
    WeakAlgorithm(String),
    #[error("the signature uses {0}, legal XMLDSig that Kezek does not support")]
    UnsupportedFeature(String),
    #[error("the signature element is malformed: {0}")]
    MalformedSignature(String),
    #[error("the document was changed after signing (digest mismatch)")]
    DigestMismatch,
    #[error("the signature value does not match the signed content and certificate")]
    SignatureInvalid,
    #[error("the signer's RSA key has {bits} bits; at least {MIN_RSA_BITS} are required")]
    KeyTooSmall { bits: usize },
    #[error("the signature carries no X509 certificate")]
    CertificateMissing,
    #[error("the certificate in the signature cannot be read: {0}")]
    CertificateUnreadable(String),
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    #[error("signing failed: {0}")]
    SigningFailed(String),
    /// The key store could not sign (a token's state, a refused key).
    #[error(transparent)]
    Signer(SignerError),
}

impl XmlDsigError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            XmlDsigError::MalformedXml(_) => "malformed_xml",
            XmlDsigError::DtdRefused => "dtd_refused",
            XmlDsigError::TooComplex(_) => "xml_too_complex",
            XmlDsigError::SignatureMissing => "signature_missing",
            XmlDsigError::MultipleSignatures => "multiple_signatures",
            XmlDsigError::AlreadySigned => "already_signed",
            XmlDsigError::ReferenceNotWholeDocument(_) => "reference_not_whole_document",
            XmlDsigError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            XmlDsigError::WeakAlgorithm(_) => "weak_algorithm",
            XmlDsigError::UnsupportedFeature(_) => "unsupported_feature",
            XmlDsigError::MalformedSignature(_) => "malformed_signature",
            XmlDsigError::DigestMismatch => "digest_mismatch",
            XmlDsigError::SignatureInvalid => "signature_invalid",
            XmlDsigError::KeyTooSmall { .. } => "key_too_small",
            XmlDsigError::CertificateMissing => "certificate_missing",
            XmlDsigError::CertificateUnreadable(_) => "certificate_unreadable",
            XmlDsigError::KeyMismatch => "key_mismatch",
            XmlDsigError::SigningFailed(_) | XmlDsigError::Signer(_) => "signing_failed",
        }
    }

    /// The message in the current language.
    pub fn translated(&self) -> String {
        match self {
            XmlDsigError::MalformedXml(detail) => t!("xml.error.malformed_xml", detail = detail),
            XmlDsigError::DtdRefused => t!("xml.error.dtd_refused"),
            XmlDsigError::TooComplex(e) => {
                t!("xml.error.too_complex", limit = e.limit, value = e.value)
            }
            XmlDsigError::SignatureMissing => t!("xml.error.signature_missing"),
            XmlDsigError::MultipleSignatures => t!("xml.error.multiple_signatures"),
            XmlDsigError::AlreadySigned => t!("xml.error.already_signed"),
            XmlDsigError::ReferenceNotWholeDocument(detail) => {
                t!("xml.error.reference_not_whole_document", detail = detail)
            }
            XmlDsigError::UnsupportedAlgorithm(detail) => {
                t!("xml.error.unsupported_algorithm", detail = detail)
            }
            XmlDsigError::MalformedSignature(detail) => {
                t!("xml.error.malformed_signature", detail = detail)
            }
            XmlDsigError::WeakAlgorithm(detail) => {
                t!("xml.error.weak_algorithm", detail = detail)
            }
            XmlDsigError::UnsupportedFeature(detail) => {
                t!("xml.error.unsupported_feature", detail = detail)
            }
            XmlDsigError::DigestMismatch => t!("xml.error.digest_mismatch"),
            XmlDsigError::SignatureInvalid => t!("xml.error.signature_invalid"),
            XmlDsigError::KeyTooSmall { bits } => {
                t!(
                    "xml.error.key_too_small",
                    bits = bits,
                    minimum = MIN_RSA_BITS
                )
            }
            XmlDsigError::CertificateMissing => t!("xml.error.certificate_missing"),
            XmlDsigError::CertificateUnreadable(detail) => {
                t!("xml.error.certificate_unreadable", detail = detail)
            }
            XmlDsigError::KeyMismatch => t!("xml.error.key_mismatch"),
            XmlDsigError::SigningFailed(detail) => t!("xml.error.signing_failed", detail = detail),
            XmlDsigError::Signer(e) => e.translated().into(),
        }
        .into_owned()
    }
}

impl From<C14nError> for XmlDsigError {
    fn from(e: C14nError) -> Self {
        match e {
            C14nError::DtdRefused => XmlDsigError::DtdRefused,
            C14nError::Malformed(detail) => XmlDsigError::MalformedXml(detail),
            C14nError::TooComplex(limit) => XmlDsigError::TooComplex(limit),
        }
    }
}

/// A signature that verified: who signed and with what. Trust is checked separately.
#[derive(Debug)]
pub struct VerifiedSignature {
    pub certificate: Certificate,
    pub signature_hash: RsaHash,
    pub digest_algorithm: DigestAlgorithm,
    pub canonicalization: Method,
}

/// Parses a document for reading its content, refusing DTDs (so no entity expansion).
pub fn parse(xml: &str) -> Result<Document<'_>, XmlDsigError> {
    Ok(c14n::parse(xml)?)
}

/// Signs `xml` with an enveloped signature appended as the last child of its root element.
///
/// Line ends of the result are normalised to `\n` (as any XML parser reads them anyway).
pub fn sign(
    xml: &str,
    key: &PrivateKey,
    certificate: &Certificate,
) -> Result<String, XmlDsigError> {
    sign_with(xml, &InMemory { key, certificate })
}

/// A key in memory and the certificate it is to sign under (which [`sign_with`] checks belong
/// together).
struct InMemory<'a> {
    key: &'a PrivateKey,
    certificate: &'a Certificate,
}

impl Signer for InMemory<'_> {
    fn certificate(&self) -> &Certificate {
        self.certificate
    }

    fn public_key_der(&self) -> Option<&[u8]> {
        Some(self.key.public_key_der())
    }

    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.key.sign(RsaHash::Sha256, msg)?)
    }
}

/// [`sign`] with any key store's signer: a file's key or a token's.
///
/// A key known in advance is compared with the certificate before anything is signed; a token's
/// signature is verified with the certificate afterwards, so a certificate stored beside the
/// wrong key on a token is refused as `key_mismatch` as well.
pub fn sign_with(xml: &str, signer: &dyn Signer) -> Result<String, XmlDsigError> {
    let certificate = signer.certificate();
    let spki = certificate.subject_public_key_info_der();
    let known_key = signer.public_key_der();
    if known_key.is_some_and(|public| rsa::rsa_public_key(spki).ok() != Some(public)) {
        return Err(XmlDsigError::KeyMismatch);
    }
    let text = c14n::normalize_line_ends(xml);
    let doc = c14n::parse(&text)?;
    if signatures(&doc).next().is_some() {
        return Err(XmlDsigError::AlreadySigned);
    }

    // A same-document reference drops comments before its transforms (XMLDSig §4.3.3.3), so
    // the digest is over C14N without comments even though the transform says WithComments.
    let mut canonical = String::with_capacity(text.len());
    c14n::canonicalize(doc.root(), &Options::new(Method::Inclusive), &mut canonical);
    let digest = BASE64.encode(DigestAlgorithm::Sha256.digest(canonical.as_bytes()));
    let signed_info = signed_info(&digest);

    let (before, after) = split_at_root_end(&text, doc.root_element());
    let open = format!("<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\">\n");
    let close = "</ds:Signature>";

    // SignedInfo is canonicalized where it will stand, so that namespaces it inherits from
    // the root are rendered exactly as a verifier will render them.
    let draft = [before.as_str(), &open, &signed_info, close, &after].concat();
    let draft_doc = c14n::parse(&draft)?;
    let draft_signed_info = draft_doc
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NAMESPACE, "SignedInfo")))
        .ok_or_else(|| XmlDsigError::SigningFailed("SignedInfo not found".to_owned()))?;
    canonical.clear();
    c14n::canonicalize(
        draft_signed_info,
        &Options::new(Method::Inclusive),
        &mut canonical,
    );
    let value = signer
        .sign_sha256(canonical.as_bytes())
        .map_err(XmlDsigError::Signer)?;
    if known_key.is_none() && !rsa::verify(spki, RsaHash::Sha256, canonical.as_bytes(), &value) {
        return Err(XmlDsigError::KeyMismatch);
    }

    let signature_value = wrap_base64(&value);
    let certificate_value = wrap_base64(certificate.der());
    Ok([
        before.as_str(),
        &open,
        &signed_info,
        "<ds:SignatureValue>\n",
        &signature_value,
        "\n</ds:SignatureValue>\n<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>\n",
        &certificate_value,
        "\n</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n",
        close,
        &after,
    ]
    .concat())
}

fn signed_info(digest: &str) -> String {
    format!(
        "<ds:SignedInfo>\n\
         <ds:CanonicalizationMethod Algorithm=\"{c14n}\"/>\n\
         <ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>\n\
         <ds:Reference URI=\"\">\n\
         <ds:Transforms>\n\
         <ds:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"/>\n\
         <ds:Transform Algorithm=\"{c14n_comments}\"/>\n\
         </ds:Transforms>\n\
         <ds:DigestMethod Algorithm=\"{DIGEST_SHA256}\"/>\n\
         <ds:DigestValue>{digest}</ds:DigestValue>\n\
         </ds:Reference>\n\
         </ds:SignedInfo>\n",
        c14n = Method::Inclusive.uri(),
        c14n_comments = Method::InclusiveWithComments.uri(),
    )
}

/// The document text before and after the place where the signature goes: just before the
/// root's end tag. A self-closing root (`<r/>`) is opened up into `<r>` … `</r>`.
fn split_at_root_end(text: &str, root: Node) -> (String, String) {
    let range = root.range();
    let element = &text[range.clone()];
    if root.has_children() || !element.ends_with("/>") {
        let end_tag = range.start + element.rfind("</").unwrap_or(element.len());
        (text[..end_tag].to_owned(), text[end_tag..].to_owned())
    } else {
        let name_end = element[1..]
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .map_or(element.len(), |i| i + 1);
        let before = format!("{}>", &text[..range.end - 2]);
        let after = format!("</{}>{}", &element[1..name_end], &text[range.end..]);
        (before, after)
    }
}

fn wrap_base64(bytes: &[u8]) -> String {
    let encoded = BASE64.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / BASE64_LINE + 1);
    for (i, chunk) in encoded.as_bytes().chunks(BASE64_LINE).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // Base64 output is ASCII, so every chunk boundary is a char boundary.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

fn signatures<'a, 'input>(doc: &'a Document<'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    doc.descendants()
        .filter(|n| n.has_tag_name((DSIG_NAMESPACE, "Signature")))
}

/// What a verifier accepts beyond the fixed XMLDSig profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The shape limits a document must keep before it is parsed.
    pub limits: XmlLimits,
    /// Accept `rsa-sha1` signatures and `sha1` digests (old evidence); refused by default.
    pub allow_sha1: bool,
}

/// Verifies enveloped signatures under a [`Policy`]; cheap to share between threads.
#[derive(Debug, Default)]
pub struct Verifier {
    pub policy: Policy,
    certificates: CertificateCache,
}

/// Verifies the one enveloped signature of `xml` under the default [`Policy`].
pub fn verify(xml: &str) -> Result<VerifiedSignature, XmlDsigError> {
    Verifier::new(Policy::default()).verify(xml)
}

impl Verifier {
    pub fn new(policy: Policy) -> Verifier {
        Verifier {
            policy,
            certificates: CertificateCache::default(),
        }
    }

    /// Verifies the one enveloped signature of `xml`: the digest of the whole document without
    /// the signature, and the RSA signature of SignedInfo by the key of the enclosed
    /// certificate.
    pub fn verify(&self, xml: &str) -> Result<VerifiedSignature, XmlDsigError> {
        let text = c14n::normalize_line_ends(xml);
        let doc = self.parse(&text)?;
        self.verify_parsed(&doc)
    }

    /// Parses line-end-normalised text ([`c14n::normalize_line_ends`]) within the policy's
    /// limits, for [`Verifier::verify_parsed`] and for reading the document's content from the
    /// same tree.
    pub fn parse<'input>(&self, text: &'input str) -> Result<Document<'input>, XmlDsigError> {
        Ok(c14n::parse_bounded(text, &self.policy.limits)?)
    }

    /// [`Verifier::verify`] of a document from [`Verifier::parse`].
    pub fn verify_parsed(&self, doc: &Document) -> Result<VerifiedSignature, XmlDsigError> {
        let mut found = signatures(doc);
        let signature = found.next().ok_or(XmlDsigError::SignatureMissing)?;
        if found.next().is_some() {
            return Err(XmlDsigError::MultipleSignatures);
        }
        if signature.parent().is_some_and(|p| p.is_root()) {
            return Err(XmlDsigError::ReferenceNotWholeDocument(
                "the signature is the whole document".to_owned(),
            ));
        }
        let parts = SignatureParts::read(signature)?;
        if !self.policy.allow_sha1 {
            if parts.signature_hash == RsaHash::Sha1 {
                return Err(XmlDsigError::WeakAlgorithm(RSA_SHA1.to_owned()));
            }
            if parts.digest_algorithm == DigestAlgorithm::Sha1 {
                return Err(XmlDsigError::WeakAlgorithm(DIGEST_SHA1.to_owned()));
            }
        }

        let mut canonical = String::with_capacity(doc.input_text().len());
        let reference_options = Options {
            method: parts.reference_c14n.method,
            inclusive_prefixes: &parts.reference_c14n.prefixes,
            excluded: Some(signature.id()),
        };
        c14n::canonicalize(doc.root(), &reference_options, &mut canonical);
        if parts.digest_algorithm.digest(canonical.as_bytes()) != parts.digest_value {
            return Err(XmlDsigError::DigestMismatch);
        }

        canonical.clear();
        let signed_info_options = Options {
            method: parts.signed_info_c14n.method,
            inclusive_prefixes: &parts.signed_info_c14n.prefixes,
            excluded: None,
        };
        c14n::canonicalize(parts.signed_info, &signed_info_options, &mut canonical);

        // KeyInfo may also carry the issuing chain; the signer is the certificate whose key
        // verifies the signature. Keys under the minimum are not tried at all.
        let mut unreadable = None;
        let mut too_small = None;
        for der in &parts.certificates {
            let certificate = match self.certificates.read(der) {
                Ok(certificate) => certificate,
                Err(e) => {
                    unreadable = Some(e.to_string());
                    continue;
                }
            };
            if let Some(bits) = certificate.info().key_bits
                && bits < MIN_RSA_BITS
            {
                too_small = Some(bits);
                continue;
            }
            if rsa::verify(
                certificate.subject_public_key_info_der(),
                parts.signature_hash,
                canonical.as_bytes(),
                &parts.signature_value,
            ) {
                return Ok(VerifiedSignature {
                    certificate: Certificate::clone(&certificate),
                    signature_hash: parts.signature_hash,
                    digest_algorithm: parts.digest_algorithm,
                    canonicalization: parts.signed_info_c14n.method,
                });
            }
        }
        match (unreadable, too_small) {
            (Some(detail), _) if parts.certificates.len() == 1 => {
                Err(XmlDsigError::CertificateUnreadable(detail))
            }
            // Only keys under the minimum were offered: say so, not that the data differs.
            (None, Some(bits)) if parts.certificates.len() == 1 => {
                Err(XmlDsigError::KeyTooSmall { bits })
            }
            _ => Err(XmlDsigError::SignatureInvalid),
        }
    }
}

/// The most certificates [`CertificateCache`] keeps in each of its two generations.
const CACHED_CERTIFICATES: usize = 4096;

/// Certificates already read from signatures, by SHA-256 of their DER: the same people sign
/// request after request, and reading a certificate costs more than hashing it. Two
/// generations bound the memory: when the current one is full it becomes the previous one
/// and the one before is dropped, so certificates in use stay while the rest age out.
#[derive(Debug)]
struct CertificateCache {
    /// The most certificates a generation holds.
    capacity: usize,
    generations: Mutex<[HashMap<[u8; 32], Arc<Certificate>>; 2]>,
}

impl Default for CertificateCache {
    fn default() -> Self {
        CertificateCache {
            capacity: CACHED_CERTIFICATES,
            generations: Mutex::default(),
        }
    }
}

impl CertificateCache {
    fn read(&self, der: &[u8]) -> Result<Arc<Certificate>, super::certificate::CertificateError> {
        let key: [u8; 32] = Sha256::digest(der).into();
        {
            let mut generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(found) = generations[0].get(&key) {
                return Ok(Arc::clone(found));
            }
            if let Some(found) = generations[1].remove(&key) {
                generations[0].insert(key, Arc::clone(&found));
                return Ok(found);
            }
        }
        let certificate = Arc::new(Certificate::from_der(der)?);
        let mut generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        if generations[0].len() >= self.capacity {
            generations.swap(0, 1);
            generations[0].clear();
        }
        generations[0].insert(key, Arc::clone(&certificate));
        Ok(certificate)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        generations[0].len() + generations[1].len()
    }
}

/// The digest algorithms a Reference may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            DigestAlgorithm::Sha1 => Sha1::digest(bytes).to_vec(),
            DigestAlgorithm::Sha256 => Sha256::digest(bytes).to_vec(),
            DigestAlgorithm::Sha384 => Sha384::digest(bytes).to_vec(),
            DigestAlgorithm::Sha512 => Sha512::digest(bytes).to_vec(),
        }
    }
}

/// A canonicalization named in the signature, with its exclusive-C14N prefix list.
struct Canonicalization<'a> {
    method: Method,
    prefixes: Vec<&'a str>,
}

/// What the verifier needs from a `ds:Signature`, read strictly.
struct SignatureParts<'a, 'input> {
    signed_info: Node<'a, 'input>,
    signed_info_c14n: Canonicalization<'a>,
    signature_hash: RsaHash,
    reference_c14n: Canonicalization<'a>,
    digest_algorithm: DigestAlgorithm,
    digest_value: Vec<u8>,
    signature_value: Vec<u8>,
    certificates: Vec<Vec<u8>>,
}

impl<'a, 'input> SignatureParts<'a, 'input> {
    fn read(signature: Node<'a, 'input>) -> Result<Self, XmlDsigError> {
        let mut children = Children::of(signature)?;
        let signed_info = children.expect("SignedInfo")?;
        let signature_value = base64_content(children.expect("SignatureValue")?)?;
        let key_info = children.optional("KeyInfo");
        if children.optional("Object").is_some() {
            return Err(XmlDsigError::UnsupportedFeature("ds:Object".to_owned()));
        }
        children.finish()?;

        let mut info = Children::of(signed_info)?;
        let signed_info_c14n = canonicalization(info.expect("CanonicalizationMethod")?)?;
        let signature_method = info.expect("SignatureMethod")?;
        let signature_hash = match algorithm(signature_method)? {
            RSA_SHA256 => RsaHash::Sha256,
            RSA_SHA384 => RsaHash::Sha384,
            RSA_SHA512 => RsaHash::Sha512,
            RSA_SHA1 => RsaHash::Sha1,
            other => return Err(XmlDsigError::UnsupportedAlgorithm(other.to_owned())),
        };
        Children::of(signature_method)?.finish()?;
        let reference = info.expect("Reference")?;
        if info.optional("Reference").is_some() {
            return Err(XmlDsigError::ReferenceNotWholeDocument(
                "more than one Reference".to_owned(),
            ));
        }
        info.finish()?;

        match reference.attribute("URI") {
            Some("") => {}
            Some(uri) => {
                return Err(XmlDsigError::ReferenceNotWholeDocument(format!(
                    "Reference URI=\"{uri}\""
                )));
            }
            None => {
                return Err(XmlDsigError::ReferenceNotWholeDocument(
                    "Reference without URI".to_owned(),
                ));
            }
        }
        let mut reference_children = Children::of(reference)?;
        let transforms = reference_children.optional("Transforms");
        let digest_method = reference_children.expect("DigestMethod")?;
        let digest_algorithm = match algorithm(digest_method)? {
            DIGEST_SHA256 => DigestAlgorithm::Sha256,
            DIGEST_SHA384 => DigestAlgorithm::Sha384,
            DIGEST_SHA512 => DigestAlgorithm::Sha512,
            DIGEST_SHA1 => DigestAlgorithm::Sha1,
            other => return Err(XmlDsigError::UnsupportedAlgorithm(other.to_owned())),
        };
        let digest_value = base64_content(reference_children.expect("DigestValue")?)?;
        reference_children.finish()?;
        let reference_c14n = reference_transforms(transforms)?;

        let certificates = match key_info {
            Some(key_info) => x509_certificates(key_info)?,
            None => Vec::new(),
        };
        if certificates.is_empty() {
            return Err(XmlDsigError::CertificateMissing);
        }
        Ok(SignatureParts {
            signed_info,
            signed_info_c14n,
            signature_hash,
            reference_c14n,
            digest_algorithm,
            digest_value,
            signature_value,
            certificates,
        })
    }
}

/// The Reference's transforms: enveloped-signature, then at most one canonicalization. A
/// same-document reference has its comments removed first (XMLDSig §4.3.3.3), so a
/// WithComments algorithm here keeps none; with no canonicalization named, the node-set
/// becomes octets through C14N 1.0.
fn reference_transforms<'a>(
    transforms: Option<Node<'a, '_>>,
) -> Result<Canonicalization<'a>, XmlDsigError> {
    let not_enveloped = || {
        XmlDsigError::ReferenceNotWholeDocument(
            "the transforms must be enveloped-signature, then at most one canonicalization"
                .to_owned(),
        )
    };
    let mut list = Children::of(transforms.ok_or_else(not_enveloped)?)?;
    let first = list.expect("Transform")?;
    if algorithm(first)? != ENVELOPED_SIGNATURE {
        return Err(match Method::from_uri(algorithm(first)?) {
            Some(_) => not_enveloped(),
            None => XmlDsigError::UnsupportedAlgorithm(algorithm(first)?.to_owned()),
        });
    }
    Children::of(first)?.finish()?;
    let c14n = match list.optional("Transform") {
        Some(transform) => canonicalization(transform)?,
        None => Canonicalization {
            method: Method::Inclusive,
            prefixes: Vec::new(),
        },
    };
    if let Some(extra) = list.optional("Transform") {
        return Err(XmlDsigError::UnsupportedAlgorithm(format!(
            "transform {} after a canonicalization",
            algorithm(extra)?
        )));
    }
    list.finish()?;
    Ok(Canonicalization {
        method: c14n.method.without_comments(),
        prefixes: c14n.prefixes,
    })
}

/// A CanonicalizationMethod or canonicalization Transform, with its InclusiveNamespaces.
fn canonicalization<'a>(element: Node<'a, '_>) -> Result<Canonicalization<'a>, XmlDsigError> {
    let uri = algorithm(element)?;
    let method =
        Method::from_uri(uri).ok_or_else(|| XmlDsigError::UnsupportedAlgorithm(uri.to_owned()))?;
    let mut prefixes = Vec::new();
    for child in element.children().filter(|n| n.is_element()) {
        if method.is_exclusive() && child.has_tag_name((EXC_C14N_NAMESPACE, "InclusiveNamespaces"))
        {
            let list = child.attribute("PrefixList").unwrap_or("");
            prefixes.extend(list.split_ascii_whitespace());
        } else {
            return Err(XmlDsigError::MalformedSignature(format!(
                "unexpected {} in {}",
                child.tag_name().name(),
                element.tag_name().name()
            )));
        }
    }
    Ok(Canonicalization { method, prefixes })
}

fn algorithm<'a>(element: Node<'a, '_>) -> Result<&'a str, XmlDsigError> {
    element.attribute("Algorithm").ok_or_else(|| {
        XmlDsigError::MalformedSignature(format!("{} without Algorithm", element.tag_name().name()))
    })
}

/// Every `X509Data/X509Certificate` of KeyInfo, decoded.
fn x509_certificates(key_info: Node) -> Result<Vec<Vec<u8>>, XmlDsigError> {
    key_info
        .children()
        .filter(|n| n.has_tag_name((DSIG_NAMESPACE, "X509Data")))
        .flat_map(|data| data.children())
        .filter(|n| n.has_tag_name((DSIG_NAMESPACE, "X509Certificate")))
        .map(base64_content)
        .collect()
}

/// The base64 text of an element; line breaks and other whitespace are ignored.
fn base64_content(element: Node) -> Result<Vec<u8>, XmlDsigError> {
    let mut compact = Vec::new();
    for child in element.children() {
        match child.text() {
            Some(text) if child.is_text() => {
                compact.extend(text.bytes().filter(|b| !b.is_ascii_whitespace()))
            }
            _ => {
                return Err(XmlDsigError::MalformedSignature(format!(
                    "{} holds more than base64 text",
                    element.tag_name().name()
                )));
            }
        }
    }
    BASE64.decode(&compact).map_err(|e| {
        XmlDsigError::MalformedSignature(format!("{}: {e}", element.tag_name().name()))
    })
}

/// The element children of a signature element in order, in the XMLDSig namespace; text
/// between them may only be whitespace.
struct Children<'a, 'input> {
    parent: Node<'a, 'input>,
    elements: std::iter::Peekable<std::vec::IntoIter<Node<'a, 'input>>>,
}

impl<'a, 'input> Children<'a, 'input> {
    fn of(parent: Node<'a, 'input>) -> Result<Self, XmlDsigError> {
        let mut elements = Vec::new();
        for child in parent.children() {
            if child.is_element() {
                elements.push(child);
            } else if child.is_text() && !child.text().unwrap_or("").trim().is_empty() {
                return Err(XmlDsigError::MalformedSignature(format!(
                    "text inside {}",
                    parent.tag_name().name()
                )));
            }
        }
        Ok(Children {
            parent,
            elements: elements.into_iter().peekable(),
        })
    }

    fn optional(&mut self, name: &str) -> Option<Node<'a, 'input>> {
        self.elements
            .next_if(|n| n.has_tag_name((DSIG_NAMESPACE, name)))
    }

    fn expect(&mut self, name: &str) -> Result<Node<'a, 'input>, XmlDsigError> {
        self.optional(name).ok_or_else(|| {
            XmlDsigError::MalformedSignature(format!(
                "{} must contain {name}",
                self.parent.tag_name().name()
            ))
        })
    }

    fn finish(mut self) -> Result<(), XmlDsigError> {
        match self.elements.next() {
            None => Ok(()),
            Some(extra) => Err(XmlDsigError::MalformedSignature(format!(
                "unexpected {} in {}",
                extra.tag_name().name(),
                self.parent.tag_name().name()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(pem: &str) -> Vec<u8> {
        Certificate::from_pem(pem).unwrap().der().to_vec()
    }

    #[test]
    fn the_certificate_cache_reads_each_certificate_once_and_stays_bounded() {
        let root = der(include_str!("../../keystores-example/ca/root.pem"));
        let intermediate = der(include_str!("../../keystores-example/ca/nca_rsa.pem"));
        let cache = CertificateCache {
            capacity: 1,
            generations: Mutex::default(),
        };
        let first = cache.read(&root).unwrap();
        assert!(Arc::ptr_eq(&first, &cache.read(&root).unwrap()));
        assert_eq!(first.der(), root.as_slice());
        // A second certificate fills the generation: the first moves to the previous one…
        cache.read(&intermediate).unwrap();
        assert_eq!(cache.len(), 2);
        assert!(Arc::ptr_eq(&first, &cache.read(&root).unwrap()));
        // …and what is not used again ages out; never more than two generations are kept.
        cache.read(&intermediate).unwrap();
        assert!(cache.len() <= 2);
        assert!(cache.read(b"not a certificate").is_err());
        assert!(cache.len() <= 2);
    }
}
