//! Password-based protection of PKCS#12 files: the integrity MAC and the encryption of bags.
//!
//! Two families meet in practice. NCA's files (and `openssl -legacy`) use the PKCS#12 key
//! derivation of RFC 7292 appendix B over the password as a BMPString, with 3DES for the key and
//! 40-bit RC2 for the certificates; OpenSSL 3 uses PBES2 (PBKDF2 over the UTF-8 password) with
//! AES-256-CBC. Both MACs are HMACs keyed by the appendix B derivation.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipher, BlockDecryptMut, InnerIvInit, KeyInit};
use der::asn1::ObjectIdentifier as Oid;
use hmac::{Mac, SimpleHmac};
use pbkdf2::pbkdf2_hmac;
use sha1::Sha1;
use sha2::digest::Digest;
use sha2::digest::core_api::BlockSizeUser;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::pki::ber::{self, BerError, Tlv};

/// Why protected content could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PbeError {
    #[error("the MAC does not match")]
    MacMismatch,
    #[error("the decrypted data has bad padding")]
    BadPadding,
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    #[error("{0}")]
    Malformed(#[from] BerError),
    #[error("iteration count {0} is beyond any real keystore")]
    Iterations(u64),
}

/// Real files use 1 024 to 600 000 iterations; a damaged count must not hang the reader.
const MAX_ITERATIONS: u64 = 10_000_000;

/// The password in both encodings the two families need; wiped on drop.
pub struct Password {
    /// UTF-16BE with a two-byte terminator (RFC 7292 appendix B.1).
    bmp: Zeroizing<Vec<u8>>,
    /// What PBKDF2 is given by OpenSSL.
    utf8: Zeroizing<Vec<u8>>,
}

impl Password {
    pub fn new(password: &str) -> Password {
        let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
        for unit in password.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        Password {
            bmp,
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
        }
    }
}

/// The digests PKCS#12 MACs and PBKDF2 pseudo-random functions are built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// Calls a function generic over the digest with the concrete type `hash` names.
macro_rules! with_digest {
    ($hash:expr, $function:ident ( $($arg:expr),* )) => {
        match $hash {
            Hash::Sha1 => $function::<Sha1>($($arg),*),
            Hash::Sha256 => $function::<Sha256>($($arg),*),
            Hash::Sha384 => $function::<Sha384>($($arg),*),
            Hash::Sha512 => $function::<Sha512>($($arg),*),
        }
    };
}

impl Hash {
    /// A digest algorithm (MacData's DigestInfo).
    fn from_digest_oid(oid: &Oid) -> Option<Hash> {
        const OIDS: [(Oid, Hash); 4] = [
            (Oid::new_unwrap("1.3.14.3.2.26"), Hash::Sha1),
            (Oid::new_unwrap("2.16.840.1.101.3.4.2.1"), Hash::Sha256),
            (Oid::new_unwrap("2.16.840.1.101.3.4.2.2"), Hash::Sha384),
            (Oid::new_unwrap("2.16.840.1.101.3.4.2.3"), Hash::Sha512),
        ];
        OIDS.iter().find(|(known, _)| known == oid).map(|&(_, h)| h)
    }

    /// An HMAC algorithm (PBKDF2's prf).
    fn from_hmac_oid(oid: &Tlv<'_>) -> Option<Hash> {
        const OIDS: [(Oid, Hash); 4] = [
            (Oid::new_unwrap("1.2.840.113549.2.7"), Hash::Sha1),
            (Oid::new_unwrap("1.2.840.113549.2.9"), Hash::Sha256),
            (Oid::new_unwrap("1.2.840.113549.2.10"), Hash::Sha384),
            (Oid::new_unwrap("1.2.840.113549.2.11"), Hash::Sha512),
        ];
        OIDS.iter()
            .find(|(known, _)| oid.is_oid(known))
            .map(|&(_, h)| h)
    }
}

/// What the appendix B derivation is asked for (its "ID" byte).
#[derive(Clone, Copy)]
enum Purpose {
    Key,
    Iv,
    Mac,
}

/// The PKCS#12 key derivation of RFC 7292 appendix B.2, by the `pkcs12` crate (whose digests
/// are of the 0.11 generation, hence the second `sha1`/`sha2`).
fn pkcs12_kdf(
    hash: Hash,
    password_bmp: &[u8],
    salt: &[u8],
    iterations: u32,
    purpose: Purpose,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    use pkcs12::kdf::{Pkcs12KeyType, derive_key};
    let id = match purpose {
        Purpose::Key => Pkcs12KeyType::EncryptionKey,
        Purpose::Iv => Pkcs12KeyType::Iv,
        Purpose::Mac => Pkcs12KeyType::Mac,
    };
    // MAX_ITERATIONS keeps the count far below i32::MAX.
    let rounds = iterations as i32;
    Zeroizing::new(match hash {
        Hash::Sha1 => derive_key::<sha1_kdf::Sha1>(password_bmp, salt, id, rounds, len),
        Hash::Sha256 => derive_key::<sha2_kdf::Sha256>(password_bmp, salt, id, rounds, len),
        Hash::Sha384 => derive_key::<sha2_kdf::Sha384>(password_bmp, salt, id, rounds, len),
        Hash::Sha512 => derive_key::<sha2_kdf::Sha512>(password_bmp, salt, id, rounds, len),
    })
}

fn iterations(count: Option<Tlv<'_>>) -> Result<u32, PbeError> {
    // Absent means 1 (MacData's DEFAULT).
    let count = match count {
        Some(tlv) => tlv.small_uint()?,
        None => 1,
    };
    if count == 0 || count > MAX_ITERATIONS {
        return Err(PbeError::Iterations(count));
    }
    Ok(count as u32)
}

/// Checks PFX MacData over the authenticated-safe bytes exactly as they are in the file.
pub fn verify_mac(
    mac_data: &pkcs12::MacData,
    password: &Password,
    content: &[u8],
) -> Result<(), PbeError> {
    let count = mac_data.iterations;
    if count <= 0 || count as u64 > MAX_ITERATIONS {
        return Err(PbeError::Iterations(count.unsigned_abs().into()));
    }
    let oid = mac_data.mac.algorithm.oid;
    let hash = Hash::from_digest_oid(&oid).ok_or_else(|| PbeError::Unsupported(oid.to_string()))?;
    let salt = mac_data.mac_salt.as_bytes();
    let expected = mac_data.mac.digest.as_bytes();
    with_digest!(
        hash,
        check_hmac(hash, &password.bmp, salt, count as u32, content, expected)
    )
}

fn check_hmac<D: Digest + BlockSizeUser + Clone>(
    hash: Hash,
    password_bmp: &[u8],
    salt: &[u8],
    iterations: u32,
    content: &[u8],
    expected: &[u8],
) -> Result<(), PbeError> {
    let key = pkcs12_kdf(
        hash,
        password_bmp,
        salt,
        iterations,
        Purpose::Mac,
        <D as Digest>::output_size(),
    );
    let mut mac =
        <SimpleHmac<D> as Mac>::new_from_slice(&key).map_err(|_| PbeError::MacMismatch)?;
    mac.update(content);
    // verify_slice compares in constant time.
    mac.verify_slice(expected)
        .map_err(|_| PbeError::MacMismatch)
}

mod oids {
    use der::asn1::ObjectIdentifier as Oid;

    pub const PBE_SHA_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
    pub const PBE_SHA_2DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.4");
    pub const PBE_SHA_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
    pub const PBE_SHA_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");
    pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
    pub const PBKDF2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.12");
    pub const AES_128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
    pub const AES_192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
    pub const AES_256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
    pub const DES_EDE3_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.7");
}

/// A CBC block cipher a PKCS#12 file may name, with its key size.
#[derive(Debug, Clone, Copy)]
enum Cipher {
    TripleDes,
    TwoKeyTripleDes,
    /// RC2 whose effective key bits equal its key length (40 or 128), as RFC 7292 uses it.
    Rc2 {
        key_len: usize,
    },
    Aes128,
    Aes192,
    Aes256,
}

impl Cipher {
    fn key_len(self) -> usize {
        match self {
            Cipher::TripleDes | Cipher::Aes192 => 24,
            Cipher::TwoKeyTripleDes | Cipher::Aes128 => 16,
            Cipher::Rc2 { key_len } => key_len,
            Cipher::Aes256 => 32,
        }
    }

    fn block_len(self) -> usize {
        match self {
            Cipher::TripleDes | Cipher::TwoKeyTripleDes | Cipher::Rc2 { .. } => 8,
            Cipher::Aes128 | Cipher::Aes192 | Cipher::Aes256 => 16,
        }
    }

    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, PbeError> {
        if iv.len() != self.block_len() || data.len() % self.block_len() != 0 {
            return Err(BerError::Malformed("ciphertext or IV of the wrong length").into());
        }
        match self {
            Cipher::TripleDes => cbc_decrypt::<des::TdesEde3>(key, iv, data),
            Cipher::TwoKeyTripleDes => cbc_decrypt::<des::TdesEde2>(key, iv, data),
            Cipher::Rc2 { .. } => cbc_decrypt::<rc2::Rc2>(key, iv, data),
            Cipher::Aes128 => cbc_decrypt::<aes::Aes128>(key, iv, data),
            Cipher::Aes192 => cbc_decrypt::<aes::Aes192>(key, iv, data),
            Cipher::Aes256 => cbc_decrypt::<aes::Aes256>(key, iv, data),
        }
    }
}

fn cbc_decrypt<C: BlockCipher + BlockDecryptMut + KeyInit>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let wrong_length = || PbeError::from(BerError::Malformed("key or IV of the wrong length"));
    let cipher = C::new_from_slice(key).map_err(|_| wrong_length())?;
    let decryptor =
        cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(|_| wrong_length())?;
    let mut buffer = Zeroizing::new(data.to_vec());
    let plain_len = decryptor
        .decrypt_padded_mut::<Pkcs7>(&mut buffer)
        .map_err(|_| PbeError::BadPadding)?
        .len();
    buffer.truncate(plain_len);
    Ok(buffer)
}

/// Decrypts `data` with the password-based scheme `algorithm` (an AlgorithmIdentifier).
pub fn decrypt(
    algorithm: Tlv<'_>,
    password: &Password,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let mut fields = algorithm.expect(ber::SEQUENCE)?.children();
    let oid = fields.required()?;
    let params = fields.required()?;
    let pkcs12_cipher = [
        (oids::PBE_SHA_3DES, Cipher::TripleDes),
        (oids::PBE_SHA_2DES, Cipher::TwoKeyTripleDes),
        (oids::PBE_SHA_RC2_128, Cipher::Rc2 { key_len: 16 }),
        (oids::PBE_SHA_RC2_40, Cipher::Rc2 { key_len: 5 }),
    ]
    .into_iter()
    .find(|(known, _)| oid.is_oid(known));
    if let Some((_, cipher)) = pkcs12_cipher {
        let mut params = params.expect(ber::SEQUENCE)?.children();
        let salt = params.required()?.expect(ber::OCTET_STRING)?.content;
        let count = iterations(Some(params.required()?))?;
        let key = pkcs12_kdf(
            Hash::Sha1,
            &password.bmp,
            salt,
            count,
            Purpose::Key,
            cipher.key_len(),
        );
        let iv = pkcs12_kdf(
            Hash::Sha1,
            &password.bmp,
            salt,
            count,
            Purpose::Iv,
            cipher.block_len(),
        );
        return cipher.decrypt(&key, &iv, data);
    }
    if oid.is_oid(&oids::PBES2) {
        return decrypt_pbes2(params, password, data);
    }
    Err(PbeError::Unsupported(oid.oid_string()))
}

/// PBES2 (RFC 8018): PBKDF2 then a CBC cipher.
fn decrypt_pbes2(
    params: Tlv<'_>,
    password: &Password,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let mut params = params.expect(ber::SEQUENCE)?.children();
    let kdf = params.required()?.expect(ber::SEQUENCE)?;
    let scheme = params.required()?.expect(ber::SEQUENCE)?;

    let mut scheme_fields = scheme.children();
    let scheme_oid = scheme_fields.required()?;
    let cipher = [
        (oids::AES_128_CBC, Cipher::Aes128),
        (oids::AES_192_CBC, Cipher::Aes192),
        (oids::AES_256_CBC, Cipher::Aes256),
        (oids::DES_EDE3_CBC, Cipher::TripleDes),
    ]
    .into_iter()
    .find(|(known, _)| scheme_oid.is_oid(known))
    .map(|(_, cipher)| cipher)
    .ok_or_else(|| PbeError::Unsupported(scheme_oid.oid_string()))?;
    let iv = scheme_fields.required()?.expect(ber::OCTET_STRING)?.content;

    let mut kdf_fields = kdf.children();
    let kdf_oid = kdf_fields.required()?;
    if !kdf_oid.is_oid(&oids::PBKDF2) {
        return Err(PbeError::Unsupported(kdf_oid.oid_string()));
    }
    let mut pbkdf2_params = kdf_fields.required()?.expect(ber::SEQUENCE)?.children();
    let salt = pbkdf2_params.required()?.expect(ber::OCTET_STRING)?.content;
    let count = iterations(Some(pbkdf2_params.required()?))?;
    if let Some(key_length) = pbkdf2_params.optional(ber::INTEGER)? {
        if key_length.small_uint()? != cipher.key_len() as u64 {
            return Err(BerError::Malformed("PBKDF2 key length does not fit the cipher").into());
        }
    }
    let prf = match pbkdf2_params.optional(ber::SEQUENCE)? {
        Some(prf) => {
            let prf_oid = prf.children().required()?;
            Hash::from_hmac_oid(&prf_oid)
                .ok_or_else(|| PbeError::Unsupported(prf_oid.oid_string()))?
        }
        None => Hash::Sha1,
    };
    let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
    // pbkdf2_hmac keeps the keyed inner and outer states, a third faster than SimpleHmac here.
    with_digest!(prf, pbkdf2_hmac(&password.utf8, salt, count, &mut key));
    cipher.decrypt(&key, iv, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_a_terminated_bmp_string() {
        let password = Password::new("Aә");
        assert_eq!(&*password.bmp, &[0x00, 0x41, 0x04, 0xd9, 0x00, 0x00]);
        assert_eq!(&*password.utf8, "Aә".as_bytes());
        assert_eq!(&*Password::new("").bmp, &[0, 0]);
    }

    /// Known answers computed with Python's reference implementation of RFC 7292 B.2 (the one
    /// keystores-example/pki.py uses) for password "123456", salt 01..08, 1024 iterations.
    #[test]
    fn pkcs12_kdf_matches_known_answers() {
        let password = Password::new("123456");
        let salt = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let key = pkcs12_kdf(Hash::Sha1, &password.bmp, &salt, 1024, Purpose::Key, 24);
        let iv = pkcs12_kdf(Hash::Sha1, &password.bmp, &salt, 1024, Purpose::Iv, 8);
        let mac = pkcs12_kdf(Hash::Sha256, &password.bmp, &salt, 1024, Purpose::Mac, 32);
        assert_eq!(hex::encode(&*key), KDF_KEY);
        assert_eq!(hex::encode(&*iv), KDF_IV);
        assert_eq!(hex::encode(&*mac), KDF_MAC_SHA256);
    }

    const KDF_KEY: &str = "f87989ee91c48073e991b1c750268e27c0987b7ee738a1c1";
    const KDF_IV: &str = "23f5be369b28624d";
    const KDF_MAC_SHA256: &str = "0a601014417e1e0b8fca9640f6e9512ebd39906f81fa7026d505eabbbde87da9";

    #[test]
    fn refuses_absurd_iteration_counts() {
        let zero = ber::read_all(&[0x02, 0x01, 0x00]).unwrap();
        assert_eq!(iterations(Some(zero)), Err(PbeError::Iterations(0)));
        let huge = ber::read_all(&[0x02, 0x04, 0x7f, 0xff, 0xff, 0xff]).unwrap();
        assert!(matches!(
            iterations(Some(huge)),
            Err(PbeError::Iterations(_))
        ));
        assert_eq!(iterations(None), Ok(1));
    }

    #[test]
    fn refuses_unknown_algorithms_and_bad_lengths() {
        // AlgorithmIdentifier { 1.2.3, NULL }
        let unknown = ber::read_all(&[0x30, 0x06, 0x06, 0x02, 0x2a, 0x03, 0x05, 0x00]).unwrap();
        assert_eq!(
            decrypt(unknown, &Password::new("x"), &[0; 8]),
            Err(PbeError::Unsupported("1.2.3".to_owned()))
        );
        assert!(matches!(
            Cipher::Aes256.decrypt(&[0; 32], &[0; 16], &[0; 15]),
            Err(PbeError::Malformed(_))
        ));
        assert_eq!(
            Cipher::Aes256.decrypt(&[0; 32], &[0; 16], &[0; 16]),
            Err(PbeError::BadPadding)
        );
    }
}
