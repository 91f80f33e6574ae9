//! What XML signing and login need from a key, wherever it lives: a PKCS#12 file opened into
//! memory ([`super::keystore`]) or a token that never lets the key out ([`super::pkcs11`]).
//!
//! A [`KeyStore`] lists its keys with their certificates; a [`Signer`] is one of those keys,
//! ready to sign. `xmldsig::sign_with` takes any signer, so the same document comes out of
//! either store.

use super::certificate::Certificate;
use super::keystore::KeystoreError;
use super::pkcs11::TokenError;
use super::rsa::RsaError;

/// One key of a store as a list shows it: the name to choose it by and its certificates.
#[derive(Debug, Clone)]
pub struct KeyListing {
    /// What `--alias` / `--key` matches: a file's friendlyName, a token object's label.
    pub name: String,
    /// The token object's CKA_ID in hex (files have none of their own).
    pub id_hex: Option<String>,
    pub certificate: Certificate,
    /// Issuer first, as far as the store holds them.
    pub chain: Vec<Certificate>,
}

/// Why a store could not list or give a key. Each side keeps its own translated messages.
#[derive(Debug, thiserror::Error)]
pub enum KeyAccessError {
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl KeyAccessError {
    pub fn translated(&self) -> String {
        match self {
            KeyAccessError::Keystore(e) => e.translated(),
            KeyAccessError::Token(e) => e.translated(),
        }
    }
}

/// Why a signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    #[error(transparent)]
    Key(#[from] RsaError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl SignerError {
    pub fn translated(&self) -> String {
        match self {
            SignerError::Key(e) => {
                rust_i18n::t!("xml.error.signing_failed", detail = e.to_string()).into_owned()
            }
            SignerError::Token(e) => e.translated(),
        }
    }
}

/// A key ready to sign, with the certificate that names it.
pub trait Signer {
    fn certificate(&self) -> &Certificate;

    /// The DER `RSAPublicKey` the key is known to hold, when the store can tell without
    /// signing (a file can; a token is checked by verifying what it signed).
    fn public_key_der(&self) -> Option<&[u8]>;

    /// An RSA PKCS#1 v1.5 signature of `msg` with SHA-256.
    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// Where keys live: a keystore file or a token.
pub trait KeyStore {
    /// Every usable key with its certificate.
    fn keys(&self) -> Result<Vec<KeyListing>, KeyAccessError>;

    /// The key whose name (or, on a token, hex CKA_ID) is `key`, or the only key when none is
    /// named.
    fn signer<'s>(&'s self, key: Option<&str>) -> Result<Box<dyn Signer + 's>, KeyAccessError>;
}

/// The one listing `key` names among `keys` (by name, case-insensitively, or by hex id), or the
/// only one. Both stores choose by the same rule.
pub fn choose<'k>(
    keys: &'k [KeyListing],
    key: Option<&str>,
) -> Result<&'k KeyListing, KeystoreError> {
    match key {
        Some(wanted) => keys
            .iter()
            .find(|k| {
                k.name.eq_ignore_ascii_case(wanted)
                    || k.id_hex
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| KeystoreError::NoSuchAlias(wanted.to_owned())),
        None => match keys {
            [only] => Ok(only),
            [] => Err(KeystoreError::NoPrivateKey),
            many => Err(KeystoreError::AmbiguousAlias(many.len())),
        },
    }
}
