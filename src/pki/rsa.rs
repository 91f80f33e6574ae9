//! RSA keys and PKCS#1 v1.5 signatures through `ring`.
//!
//! `ring` verifies about ten times faster than the `rsa` crate and does its private-key
//! operations in constant time (the `rsa` crate carries RUSTSEC-2023-0071). `ring` refuses to
//! *make* SHA-1 signatures, so [`PrivateKey::sign`] does too; SHA-1 is accepted for verifying
//! old documents and certificates only.

use std::fmt;

use der::asn1::ObjectIdentifier;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
use zeroize::Zeroizing;

use super::ber::{self, BerError};

/// rsaEncryption (PKCS#1).
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The digest of an RSA PKCS#1 v1.5 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RsaHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RsaError {
    #[error("not a PKCS#8 private key: {0}")]
    NotPkcs8(#[from] BerError),
    #[error("the private key is not RSA but {0}")]
    NotRsa(String),
    #[error("the RSA key was refused: {0}")]
    Rejected(String),
    #[error("SHA-1 signatures are refused; sign with SHA-256")]
    Sha1Signing,
    #[error("the signing operation failed")]
    SigningFailed,
}

/// An RSA private key. The PKCS#8 DER is wiped from memory when the key is dropped and never
/// appears in `Debug` output.
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: RsaKeyPair,
}

impl PrivateKey {
    /// Reads a PKCS#8 `PrivateKeyInfo` holding an RSA key. The inner PKCS#1 key is handed to
    /// `ring` directly, so PKCS#8 attributes (which some issuers add) do not get in the way.
    pub fn from_pkcs8_der(pkcs8: Zeroizing<Vec<u8>>) -> Result<PrivateKey, RsaError> {
        let info = ber::read_all(&pkcs8)?.expect(ber::SEQUENCE)?;
        let mut fields = info.children();
        fields.required()?.small_uint()?;
        let algorithm = fields.required()?.expect(ber::SEQUENCE)?;
        let oid = algorithm.children().required()?;
        if !oid.is_oid(&RSA_ENCRYPTION) {
            return Err(RsaError::NotRsa(oid.oid_string()));
        }
        let pkcs1 = fields.required()?.expect(ber::OCTET_STRING)?;
        let pair =
            RsaKeyPair::from_der(pkcs1.content).map_err(|e| RsaError::Rejected(e.to_string()))?;
        Ok(PrivateKey { pkcs8, pair })
    }

    /// The PKCS#8 DER of the key.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The size of the modulus in bits.
    pub fn bits(&self) -> usize {
        self.pair.public().modulus_len() * 8
    }

    /// The DER `RSAPublicKey` (the same bytes a certificate carries in its key BIT STRING).
    pub fn public_key_der(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// An RSA PKCS#1 v1.5 signature of `msg` with digest `hash`.
    pub fn sign(&self, hash: RsaHash, msg: &[u8]) -> Result<Vec<u8>, RsaError> {
        let padding: &'static dyn signature::RsaEncoding = match hash {
            RsaHash::Sha1 => return Err(RsaError::Sha1Signing),
            RsaHash::Sha256 => &signature::RSA_PKCS1_SHA256,
            RsaHash::Sha384 => &signature::RSA_PKCS1_SHA384,
            RsaHash::Sha512 => &signature::RSA_PKCS1_SHA512,
        };
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(padding, &SystemRandom::new(), msg, &mut sig)
            .map_err(|_| RsaError::SigningFailed)?;
        Ok(sig)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// Checks an RSA PKCS#1 v1.5 signature with the public key of a DER `SubjectPublicKeyInfo`
/// (as certificates carry it). Keys under 2048 bits and non-RSA keys never verify.
pub fn verify(spki_der: &[u8], hash: RsaHash, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(public_key) = rsa_public_key(spki_der) else {
        return false;
    };
    let algorithm: &'static dyn signature::VerificationAlgorithm = match hash {
        RsaHash::Sha1 => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        RsaHash::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        RsaHash::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        RsaHash::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
    };
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(msg, sig)
        .is_ok()
}

/// The `RSAPublicKey` inside an RSA `SubjectPublicKeyInfo`.
pub fn rsa_public_key(spki_der: &[u8]) -> Result<&[u8], RsaError> {
    let spki = ber::read_all(spki_der)?.expect(ber::SEQUENCE)?;
    let mut fields = spki.children();
    let algorithm = fields.required()?.expect(ber::SEQUENCE)?;
    let oid = algorithm.children().required()?;
    if !oid.is_oid(&RSA_ENCRYPTION) {
        return Err(RsaError::NotRsa(oid.oid_string()));
    }
    Ok(fields.required()?.bit_string_bytes()?)
}

/// The modulus of a DER `RSAPublicKey` as its INTEGER is written (big-endian, maybe a leading
/// zero).
pub fn modulus(rsa_public_key: &[u8]) -> Result<&[u8], RsaError> {
    let key = ber::read_all(rsa_public_key)?.expect(ber::SEQUENCE)?;
    Ok(key.children().required()?.expect(ber::INTEGER)?.content)
}

/// The size in bits of the modulus of a DER `RSAPublicKey`.
pub fn modulus_bits(rsa_public_key: &[u8]) -> Result<usize, RsaError> {
    let modulus = modulus(rsa_public_key)?;
    let significant = match modulus.iter().position(|&b| b != 0) {
        Some(first) => &modulus[first..],
        None => return Err(RsaError::Rejected("zero modulus".to_owned())),
    };
    Ok(significant.len() * 8 - significant[0].leading_zeros() as usize)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The demo intermediate CA's key (RSA 2048, unencrypted PKCS#8 PEM).
    pub(crate) fn test_key() -> PrivateKey {
        use base64::Engine;
        let body: String = TEST_KEY_PEM
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        PrivateKey::from_pkcs8_der(Zeroizing::new(der)).unwrap()
    }

    /// The SubjectPublicKeyInfo of [`test_key`].
    pub(crate) fn test_spki(key: &PrivateKey) -> Vec<u8> {
        // SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING { 00, RSAPublicKey } }
        let mut bit_string = vec![0u8];
        bit_string.extend_from_slice(key.public_key_der());
        let mut algorithm = vec![0x06, RSA_ENCRYPTION.as_bytes().len() as u8];
        algorithm.extend_from_slice(RSA_ENCRYPTION.as_bytes());
        algorithm.extend_from_slice(&[0x05, 0x00]);
        let mut body = der_tlv(0x30, &algorithm);
        body.extend(der_tlv(0x03, &bit_string));
        der_tlv(0x30, &body)
    }

    fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    const TEST_KEY_PEM: &str = include_str!("../../keystores-example/ca/private/nca_rsa.key");

    #[test]
    fn signs_and_verifies_sha256() {
        let key = test_key();
        assert_eq!(key.bits(), 2048);
        let spki = test_spki(&key);
        let sig = key.sign(RsaHash::Sha256, b"hello").unwrap();
        assert_eq!(sig.len(), 256);
        assert!(verify(&spki, RsaHash::Sha256, b"hello", &sig));
        assert!(!verify(&spki, RsaHash::Sha256, b"hellO", &sig));
        assert!(!verify(&spki, RsaHash::Sha512, b"hello", &sig));
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert!(!verify(&spki, RsaHash::Sha256, b"hello", &bad));
        assert_eq!(modulus_bits(rsa_public_key(&spki).unwrap()).unwrap(), 2048);
    }

    #[test]
    fn refuses_to_make_sha1_signatures() {
        assert_eq!(
            test_key().sign(RsaHash::Sha1, b"x").unwrap_err(),
            RsaError::Sha1Signing
        );
    }

    #[test]
    fn verify_is_false_for_garbage_keys() {
        assert!(!verify(b"", RsaHash::Sha256, b"x", b"y"));
        assert!(!verify(&[0x30, 0x00], RsaHash::Sha256, b"x", b"y"));
    }

    #[test]
    fn refuses_non_rsa_and_broken_pkcs8() {
        assert!(matches!(
            PrivateKey::from_pkcs8_der(Zeroizing::new(vec![0x30, 0x01])),
            Err(RsaError::NotPkcs8(_))
        ));
        // version 0, algorithm 1.2.398.3.10.1.1.1.1 (GOST), empty key
        let gost = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.1.1");
        let mut algorithm = vec![0x06, gost.as_bytes().len() as u8];
        algorithm.extend_from_slice(gost.as_bytes());
        let mut body = vec![0x02, 0x01, 0x00];
        body.extend(der_tlv(0x30, &algorithm));
        body.extend([0x04, 0x00]);
        let err = PrivateKey::from_pkcs8_der(Zeroizing::new(der_tlv(0x30, &body))).unwrap_err();
        assert_eq!(err, RsaError::NotRsa("1.2.398.3.10.1.1.1.1".to_owned()));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let text = format!("{:?}", test_key());
        assert!(text.contains("2048") && !text.contains("pkcs8"));
    }
}
