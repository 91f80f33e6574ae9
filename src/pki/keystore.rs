//! PKCS#12 keystores: NCA's files (BER, SHA-1 MAC, 3DES keys, RC2-40 certificates) and OpenSSL 3's
//! (PBES2, AES-256-CBC, SHA-256 MAC), opened with a password into key entries.
//!
//! The file is read as BER throughout ([`super::ber`]): NCA's AuthenticatedSafe has indefinite
//! lengths and constructed OCTET STRINGs, and the MAC must be computed over those bytes as they
//! are, not over a DER re-encoding. The MAC is checked before anything is decrypted, so a wrong
//! password is told apart from a damaged file.

mod pbe;

use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::ber::{self, BerError, Tlv};
use super::certificate::{Certificate, CertificateError, GOST_ARC};
use super::rsa::{self, PrivateKey, RsaError, RsaHash};
use super::signer::{KeyAccessError, KeyListing, KeyStore, Signer, SignerError};
use pbe::{Password, PbeError};

/// Why a keystore could not be opened. Each has its own translated message.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("wrong password: the keystore's integrity check does not match")]
    WrongPassword,
    #[error("not a PKCS#12 keystore")]
    NotPkcs12,
    #[error("the keystore holds no private key")]
    NoPrivateKey,
    #[error("no certificate in the keystore belongs to its private key")]
    NoCertificate,
    #[error("GOST keys ({0}) are not supported yet")]
    Gost(String),
    #[error("unsupported key algorithm {0}")]
    UnsupportedKey(String),
    #[error("unsupported keystore protection {0}")]
    UnsupportedProtection(String),
    #[error("the private key was refused: {0}")]
    KeyRejected(String),
    #[error("corrupt keystore: {0}")]
    Corrupt(String),
    #[error("no key with alias {0:?}")]
    NoSuchAlias(String),
    #[error("the keystore holds {0} keys: choose one by alias")]
    AmbiguousAlias(usize),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl KeystoreError {
    /// The message in the current language.
    pub fn translated(&self) -> String {
        use rust_i18n::t;
        match self {
            KeystoreError::WrongPassword => t!("pki.keystore.error.wrong_password"),
            KeystoreError::NotPkcs12 => t!("pki.keystore.error.not_pkcs12"),
            KeystoreError::NoPrivateKey => t!("pki.keystore.error.no_private_key"),
            KeystoreError::NoCertificate => t!("pki.keystore.error.no_certificate"),
            KeystoreError::Gost(_) => t!("pki.keystore.error.gost"),
            KeystoreError::UnsupportedKey(oid) => {
                t!("pki.keystore.error.unsupported_key", oid = oid)
            }
            KeystoreError::UnsupportedProtection(oid) => {
                t!("pki.keystore.error.unsupported_protection", oid = oid)
            }
            KeystoreError::KeyRejected(_) => t!("pki.keystore.error.key_rejected"),
            KeystoreError::Corrupt(_) => t!("pki.keystore.error.corrupt"),
            KeystoreError::NoSuchAlias(alias) => {
                t!("pki.keystore.error.no_such_alias", alias = alias)
            }
            KeystoreError::AmbiguousAlias(count) => {
                t!("pki.keystore.error.ambiguous_alias", count = count)
            }
            KeystoreError::Read { path, source } => t!(
                "pki.keystore.error.read",
                path = path.display(),
                reason = source
            ),
        }
        .into_owned()
    }
}

impl From<BerError> for KeystoreError {
    fn from(e: BerError) -> KeystoreError {
        KeystoreError::Corrupt(e.to_string())
    }
}

impl From<CertificateError> for KeystoreError {
    fn from(e: CertificateError) -> KeystoreError {
        KeystoreError::Corrupt(e.to_string())
    }
}

/// A private key with its certificate and the CA certificates above it.
#[derive(Debug)]
pub struct KeyEntry {
    /// The friendlyName; NCA writes the key identifier in hex there.
    pub alias: String,
    pub key: PrivateKey,
    pub certificate: Certificate,
    /// Issuer first, up to the root, as far as the file holds them.
    pub chain: Vec<Certificate>,
}

/// An opened keystore.
#[derive(Debug)]
pub struct Keystore {
    pub entries: Vec<KeyEntry>,
}

mod oids {
    use der::asn1::ObjectIdentifier as Oid;

    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    pub const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
    pub const KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.1");
    pub const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
    pub const CERT_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.3");
    pub const X509_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.22.1");
    pub const FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
    pub const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");
}

impl Keystore {
    /// Opens a PKCS#12 file held in memory.
    pub fn open(bytes: &[u8], password: &str) -> Result<Keystore, KeystoreError> {
        let pfx = Pfx::read(bytes)?;
        let password = Password::new(password);
        let mac_checked = match &pfx.mac_data {
            Some(mac_data) => {
                pbe::verify_mac(mac_data, &password, &pfx.auth_safe).map_err(|e| match e {
                    PbeError::MacMismatch => KeystoreError::WrongPassword,
                    other => protection_error(other, true),
                })?;
                true
            }
            None => false,
        };
        let mut contents = Contents {
            password,
            mac_checked,
            keys: Vec::new(),
            certificates: Vec::new(),
        };
        contents.read_authenticated_safe(&pfx.auth_safe)?;
        contents.into_keystore()
    }

    /// Reads and opens a PKCS#12 file.
    pub fn open_file(path: impl AsRef<Path>, password: &str) -> Result<Keystore, KeystoreError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| KeystoreError::Read {
            path: path.to_owned(),
            source,
        })?;
        Keystore::open(&bytes, password)
    }

    /// The entry called `alias`, or the only entry when no alias is given.
    pub fn entry(&self, alias: Option<&str>) -> Result<&KeyEntry, KeystoreError> {
        match alias {
            Some(alias) => self
                .entries
                .iter()
                .find(|e| e.alias.eq_ignore_ascii_case(alias))
                .ok_or_else(|| KeystoreError::NoSuchAlias(alias.to_owned())),
            None => match self.entries.as_slice() {
                [only] => Ok(only),
                [] => Err(KeystoreError::NoPrivateKey),
                many => Err(KeystoreError::AmbiguousAlias(many.len())),
            },
        }
    }
}

impl KeyEntry {
    fn listing(&self) -> KeyListing {
        KeyListing {
            name: self.alias.clone(),
            id_hex: None,
            certificate: self.certificate.clone(),
            chain: self.chain.clone(),
        }
    }
}

impl Signer for KeyEntry {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn public_key_der(&self) -> Option<&[u8]> {
        Some(self.key.public_key_der())
    }

    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.key.sign(RsaHash::Sha256, msg)?)
    }
}

impl KeyStore for Keystore {
    fn keys(&self) -> Result<Vec<KeyListing>, KeyAccessError> {
        Ok(self.entries.iter().map(KeyEntry::listing).collect())
    }

    fn signer<'s>(&'s self, key: Option<&str>) -> Result<Box<dyn Signer + 's>, KeyAccessError> {
        Ok(Box::new(self.entry(key)?))
    }
}

impl Signer for &KeyEntry {
    fn certificate(&self) -> &Certificate {
        (*self).certificate()
    }

    fn public_key_der(&self) -> Option<&[u8]> {
        (*self).public_key_der()
    }

    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, SignerError> {
        (*self).sign_sha256(msg)
    }
}

/// The error of a failed decryption or MAC set-up. Without a MAC a wrong password shows only as
/// bad padding, so then bad padding means a wrong password; after a good MAC it means damage.
fn protection_error(e: PbeError, mac_checked: bool) -> KeystoreError {
    match e {
        PbeError::MacMismatch => KeystoreError::WrongPassword,
        PbeError::BadPadding if !mac_checked => KeystoreError::WrongPassword,
        PbeError::Unsupported(oid) => KeystoreError::UnsupportedProtection(oid),
        other => KeystoreError::Corrupt(other.to_string()),
    }
}

/// The outer PFX: the AuthenticatedSafe bytes (what the MAC covers) and the MacData.
///
/// The `pkcs12` crate reads the PFX, its ContentInfo and MacData (DER and BER alike). Its
/// `Any` keeps a constructed OCTET STRING (NCA's BER files chunk the authSafe) as the chunks'
/// encodings rather than their joined value, so that one case is joined by our BER reader
/// (`docs/design-xmldsig.md`, «PKCS#12: the crate and our own code»).
struct Pfx {
    auth_safe: Vec<u8>,
    mac_data: Option<pkcs12::MacData>,
}

impl Pfx {
    fn read(bytes: &[u8]) -> Result<Pfx, KeystoreError> {
        use der::Decode;
        let pfx = match pkcs12::Pfx::from_ber(bytes) {
            Ok(pfx) => pfx,
            Err(e) if starts_like_pfx(bytes) => return Err(KeystoreError::Corrupt(e.to_string())),
            Err(_) => return Err(KeystoreError::NotPkcs12),
        };
        if pfx.auth_safe.content_type != oids::DATA {
            // signedData (public-key integrity mode) and anything else.
            return Err(KeystoreError::UnsupportedProtection(
                pfx.auth_safe.content_type.to_string(),
            ));
        }
        Ok(Pfx {
            auth_safe: auth_safe_octets(&pfx.auth_safe.content)?,
            mac_data: pfx.mac_data,
        })
    }
}

/// The value of the authSafe's OCTET STRING, joined from its segments when it is constructed.
///
/// `der`'s `Any` does not say whether it was constructed, so the value tells: the
/// AuthenticatedSafe is a SEQUENCE, while a constructed string's value is OCTET STRING segments.
fn auth_safe_octets(content: &der::Any) -> Result<Vec<u8>, KeystoreError> {
    use der::Tagged;
    if content.tag() != der::Tag::OctetString {
        return Err(BerError::Malformed("authSafe content is not an OCTET STRING").into());
    }
    let value = content.value();
    if value.first() != Some(&ber::OCTET_STRING) {
        return Ok(value.to_vec());
    }
    let mut constructed = vec![ber::OCTET_STRING | ber::CONSTRUCTED, 0x80];
    constructed.extend_from_slice(value);
    constructed.extend_from_slice(&[0, 0]);
    Ok(ber::read_all(&constructed)?.octets()?.into_owned())
}

/// Whether bytes that fail to parse begin as a PFX does (a SEQUENCE whose first element is
/// INTEGER 3): then the file is a damaged or truncated keystore rather than something else.
fn starts_like_pfx(bytes: &[u8]) -> bool {
    let Ok(header) = ber::read_header(bytes) else {
        return false;
    };
    header.tag == ber::SEQUENCE
        && ber::read(&bytes[header.size..]).is_ok_and(|(version, _)| version.small_uint() == Ok(3))
}

/// A key bag's private key, still undecoded, and the attributes that name it.
struct KeyBag {
    pkcs8: Zeroizing<Vec<u8>>,
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

/// What the bags of a keystore held.
struct Contents {
    password: Password,
    mac_checked: bool,
    keys: Vec<KeyBag>,
    certificates: Vec<Certificate>,
}

impl Contents {
    fn read_authenticated_safe(&mut self, auth_safe: &[u8]) -> Result<(), KeystoreError> {
        let sequence = ber::read_all(auth_safe)?.expect(ber::SEQUENCE)?;
        for content_info in sequence.children() {
            let mut fields = content_info?.expect(ber::SEQUENCE)?.children();
            let content_type = fields.required()?;
            let content = fields
                .required()?
                .expect(ber::context(0))?
                .children()
                .required()?;
            if content_type.is_oid(&oids::DATA) {
                self.read_safe_contents(&content.octets()?)?;
            } else if content_type.is_oid(&oids::ENCRYPTED_DATA) {
                let plain = self.decrypt_encrypted_data(content)?;
                self.read_safe_contents(&plain)?;
            } else {
                return Err(KeystoreError::UnsupportedProtection(
                    content_type.oid_string(),
                ));
            }
        }
        Ok(())
    }

    /// EncryptedData { version, EncryptedContentInfo { type, algorithm, [0] IMPLICIT octets } }
    fn decrypt_encrypted_data(
        &self,
        encrypted_data: Tlv<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
        let mut fields = encrypted_data.expect(ber::SEQUENCE)?.children();
        fields.required()?.small_uint()?;
        let mut info = fields.required()?.expect(ber::SEQUENCE)?.children();
        info.required()?;
        let algorithm = info.required()?;
        let encrypted = info.required()?;
        if encrypted.tag & !ber::CONSTRUCTED != 0x80 {
            return Err(BerError::Malformed("encryptedContent is not [0]").into());
        }
        self.decrypt(algorithm, &encrypted.octets()?)
    }

    fn decrypt(
        &self,
        algorithm: Tlv<'_>,
        data: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
        pbe::decrypt(algorithm, &self.password, data)
            .map_err(|e| protection_error(e, self.mac_checked))
    }

    /// Decrypted bytes that do not parse are damage after a good MAC, a wrong password without one.
    fn garbled(&self, e: BerError) -> KeystoreError {
        if self.mac_checked {
            e.into()
        } else {
            KeystoreError::WrongPassword
        }
    }

    fn read_safe_contents(&mut self, bytes: &[u8]) -> Result<(), KeystoreError> {
        let bags = ber::read_all(bytes)
            .and_then(|t| t.expect(ber::SEQUENCE))
            .map_err(|e| self.garbled(e))?;
        for bag in bags.children() {
            let mut fields = bag?.expect(ber::SEQUENCE)?.children();
            let bag_id = fields.required()?;
            let value = fields
                .required()?
                .expect(ber::context(0))?
                .children()
                .required()?;
            let attributes = fields.optional(ber::SET)?;
            if bag_id.is_oid(&oids::KEY_BAG) {
                self.push_key(Zeroizing::new(value.raw.to_vec()), attributes)?;
            } else if bag_id.is_oid(&oids::SHROUDED_KEY_BAG) {
                let mut encrypted = value.expect(ber::SEQUENCE)?.children();
                let algorithm = encrypted.required()?;
                let data = encrypted.required()?.octets()?;
                let pkcs8 = self.decrypt(algorithm, &data)?;
                self.push_key(pkcs8, attributes)?;
            } else if bag_id.is_oid(&oids::CERT_BAG) {
                let mut cert_bag = value.expect(ber::SEQUENCE)?.children();
                // Only X.509 certificates are of use; SDSI certificates are skipped.
                if cert_bag.required()?.is_oid(&oids::X509_CERTIFICATE) {
                    let der = cert_bag
                        .required()?
                        .expect(ber::context(0))?
                        .children()
                        .required()?;
                    self.certificates
                        .push(Certificate::from_der(&der.octets()?)?);
                }
            }
            // CRL, secret and nested bags carry nothing a signer needs.
        }
        Ok(())
    }

    fn push_key(
        &mut self,
        pkcs8: Zeroizing<Vec<u8>>,
        attributes: Option<Tlv<'_>>,
    ) -> Result<(), KeystoreError> {
        let mut bag = KeyBag {
            pkcs8,
            friendly_name: None,
            local_key_id: None,
        };
        for attribute in attributes.iter().flat_map(|set| set.children()) {
            let mut fields = attribute?.expect(ber::SEQUENCE)?.children();
            let kind = fields.required()?;
            let Some(value) = fields
                .required()?
                .expect(ber::SET)?
                .children()
                .next()
                .transpose()?
            else {
                continue;
            };
            if kind.is_oid(&oids::FRIENDLY_NAME) && value.tag == ber::BMP_STRING {
                let units: Vec<u16> = value
                    .content
                    .chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect();
                bag.friendly_name = Some(String::from_utf16_lossy(&units));
            } else if kind.is_oid(&oids::LOCAL_KEY_ID) {
                bag.local_key_id = Some(value.octets()?.into_owned());
            }
        }
        self.keys.push(bag);
        Ok(())
    }

    /// Pairs every key with the certificate of its public key and that certificate's chain.
    /// Keys we cannot use (GOST, other algorithms) are passed over while any usable one remains.
    fn into_keystore(self) -> Result<Keystore, KeystoreError> {
        let mut entries = Vec::new();
        let mut refusal = None;
        for bag in self.keys {
            let key = match private_key(bag.pkcs8, self.mac_checked) {
                Ok(key) => key,
                Err(e @ (KeystoreError::Gost(_) | KeystoreError::UnsupportedKey(_))) => {
                    refusal.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let certificate = self
                .certificates
                .iter()
                .find(|c| {
                    rsa::rsa_public_key(c.subject_public_key_info_der()).ok()
                        == Some(key.public_key_der())
                })
                .ok_or(KeystoreError::NoCertificate)?
                .clone();
            let chain = chain_of(&certificate, &self.certificates);
            let alias = bag
                .friendly_name
                .or_else(|| bag.local_key_id.map(hex::encode))
                .unwrap_or_else(|| hex::encode(Sha1::digest(certificate.der())));
            entries.push(KeyEntry {
                alias,
                key,
                certificate,
                chain,
            });
        }
        if entries.is_empty() {
            return Err(refusal.unwrap_or(KeystoreError::NoPrivateKey));
        }
        Ok(Keystore { entries })
    }
}

/// An RSA key from PKCS#8, or the reason it is not one we can use.
fn private_key(pkcs8: Zeroizing<Vec<u8>>, mac_checked: bool) -> Result<PrivateKey, KeystoreError> {
    let algorithm = pkcs8_algorithm(&pkcs8).map_err(|e| {
        if mac_checked {
            KeystoreError::from(e)
        } else {
            KeystoreError::WrongPassword
        }
    })?;
    if algorithm.is_oid_under(&GOST_ARC) {
        return Err(KeystoreError::Gost(algorithm.oid_string()));
    }
    let algorithm = algorithm.oid_string();
    PrivateKey::from_pkcs8_der(pkcs8).map_err(|e| match e {
        RsaError::NotRsa(_) => KeystoreError::UnsupportedKey(algorithm),
        RsaError::NotPkcs8(e) => e.into(),
        other => KeystoreError::KeyRejected(other.to_string()),
    })
}

/// The algorithm OID of a PKCS#8 PrivateKeyInfo.
fn pkcs8_algorithm(pkcs8: &[u8]) -> Result<Tlv<'_>, BerError> {
    let mut fields = ber::read_all(pkcs8)?.expect(ber::SEQUENCE)?.children();
    fields.required()?.small_uint()?;
    let algorithm = fields.required()?.expect(ber::SEQUENCE)?;
    algorithm.children().required()?.expect(ber::OID)
}

/// The issuers of `leaf` among `certificates`, nearest first, stopping at a self-signed root or
/// where the file has no issuer.
pub(crate) fn chain_of(leaf: &Certificate, certificates: &[Certificate]) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = leaf;
    while let Some(issuer) = certificates
        .iter()
        .find(|c| c.subject_der() == current.issuer_der() && *c != leaf && !chain.contains(c))
    {
        chain.push(issuer.clone());
        current = issuer;
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// The SafeContents of an NCA-legacy and an OpenSSL 3 demo keystore after decryption: what
    /// the bag reader sees once the MAC has held.
    fn plain_safe_contents() -> &'static Vec<Vec<u8>> {
        static PLAIN: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        PLAIN.get_or_init(|| {
            let root = concat!(env!("CARGO_MANIFEST_DIR"), "/keystores-example");
            let index: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(format!("{root}/index.json")).unwrap(),
            )
            .unwrap();
            let mut plain = Vec::new();
            for format in ["nca-legacy", "openssl3"] {
                let entry = index
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["format"] == format && e["status"] == "valid")
                    .unwrap();
                let bytes =
                    std::fs::read(format!("{root}/{}", entry["file"].as_str().unwrap())).unwrap();
                let pfx = Pfx::read(&bytes).unwrap();
                let contents = Contents {
                    password: Password::new(entry["password"].as_str().unwrap()),
                    mac_checked: true,
                    keys: Vec::new(),
                    certificates: Vec::new(),
                };
                for content_info in ber::read_all(&pfx.auth_safe).unwrap().children() {
                    let mut fields = content_info.unwrap().children();
                    let kind = fields.required().unwrap();
                    let content = fields.required().unwrap().children().required().unwrap();
                    plain.push(if kind.is_oid(&oids::DATA) {
                        content.octets().unwrap().into_owned()
                    } else {
                        contents.decrypt_encrypted_data(content).unwrap().to_vec()
                    });
                }
            }
            plain
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Damage behind a good MAC (bags, attributes, certificates, keys) is an error, never a
        /// panic.
        #[test]
        fn damaged_bags_never_panic(
            which in any::<prop::sample::Index>(),
            changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let all = plain_safe_contents();
            let mut plain = all[which.index(all.len())].clone();
            for (at, value) in changes {
                let at = at.index(plain.len());
                plain[at] = value;
            }
            plain.truncate(plain.len() - cut.index(plain.len() / 8 + 1));
            let mut contents = Contents {
                password: Password::new("123456"),
                mac_checked: true,
                keys: Vec::new(),
                certificates: Vec::new(),
            };
            let _ = contents.read_safe_contents(&plain).and_then(|()| contents.into_keystore());
        }
    }

    #[test]
    fn undamaged_bags_make_a_keystore_only_with_both_halves() {
        let all = plain_safe_contents();
        let mut contents = Contents {
            password: Password::new("123456"),
            mac_checked: true,
            keys: Vec::new(),
            certificates: Vec::new(),
        };
        // nca-legacy: [0] the certificates (RC2), [1] the shrouded key (data).
        contents.read_safe_contents(&all[0]).unwrap();
        assert!(contents.keys.is_empty() && contents.certificates.len() == 3);
        assert!(matches!(
            contents.into_keystore(),
            Err(KeystoreError::NoPrivateKey)
        ));

        let mut contents = Contents {
            password: Password::new("123456"),
            mac_checked: true,
            keys: Vec::new(),
            certificates: Vec::new(),
        };
        contents.read_safe_contents(&all[1]).unwrap();
        assert_eq!(contents.keys.len(), 1);
        assert!(matches!(
            contents.into_keystore(),
            Err(KeystoreError::NoCertificate)
        ));
    }
}
