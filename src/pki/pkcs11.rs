//! Keys on ID cards and tokens (Kaztoken) through PKCS#11, with `cryptoki`.
//!
//! The private key never leaves the device: we list the token's RSA private keys beside the
//! certificates of the same CKA_ID, and ask the token to sign. The PIN lives in a zeroized buffer
//! and is handed to the module only at login; the session is logged out and closed when the
//! [`TokenSession`] is dropped; nothing read from the token is written anywhere.
//!
//! Every state a person meets (wrong PIN with the tries left, PIN locked, token removed, no token
//! in the reader, a key that may not sign) is a [`TokenError`] with its own translated message; a
//! raw CKR code never reaches the screen (docs/domain-rules.md, «Signatures»).

use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use rust_i18n::t;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::certificate::Certificate;
use super::keystore::chain_of;
use super::rsa;
use super::signer::{self, KeyAccessError, KeyListing, KeyStore, Signer, SignerError};

/// The two device stores of the seeds' key window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStore {
    /// «Удостоверение личности»: the chip of the national ID card in a card reader.
    IdCard,
    /// «Казтокен»: NCA's USB token.
    Kaztoken,
}

impl DeviceStore {
    /// The store's name as the key window shows it.
    pub fn name(self) -> String {
        match self {
            DeviceStore::IdCard => t!("pki.token.store.id_card"),
            DeviceStore::Kaztoken => t!("pki.token.store.kaztoken"),
        }
        .into_owned()
    }
}

/// The client configuration's `[pkcs11]` table: one module per device store.
///
/// ```toml
/// [pkcs11]
/// id_card = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
/// kaztoken = "/usr/lib/libkztokenp11.so"
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ModulePaths {
    pub id_card: Option<PathBuf>,
    pub kaztoken: Option<PathBuf>,
}

impl ModulePaths {
    /// The module configured for `store`.
    pub fn path(&self, store: DeviceStore) -> Result<&Path, TokenError> {
        match store {
            DeviceStore::IdCard => self.id_card.as_deref(),
            DeviceStore::Kaztoken => self.kaztoken.as_deref(),
        }
        .ok_or(TokenError::NotConfigured(store))
    }
}

/// How many PIN tries the token says are left after a wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTries {
    /// The token does not say (no flag set): some tries remain.
    Some,
    /// CKF_USER_PIN_COUNT_LOW: a wrong PIN has been entered and few tries remain.
    Few,
    /// CKF_USER_PIN_FINAL_TRY: the next wrong PIN locks the token.
    Last,
}

/// The token states a person can meet, and the few faults that are nobody's doing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no PKCS#11 module is configured for {0:?}")]
    NotConfigured(DeviceStore),
    #[error("the PKCS#11 module {path} cannot be loaded: {reason}")]
    ModuleLoad { path: String, reason: String },
    #[error("no token in the reader")]
    NoToken,
    #[error("no slot {0}")]
    NoSuchSlot(u64),
    #[error("{0} slots hold a token: choose one")]
    AmbiguousSlot(usize),
    #[error("wrong PIN ({0:?} tries left)")]
    WrongPin(PinTries),
    #[error("the PIN is locked")]
    PinLocked,
    #[error("the PIN is too short, too long or has characters the token refuses")]
    PinFormat,
    #[error("the token was removed")]
    Removed,
    #[error("the key {0} may not sign")]
    WrongUsage(String),
    #[error("the token offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS")]
    NoMechanism,
    #[error("the token holds no RSA key with a certificate")]
    NoKeys,
    #[error("the token refused {operation}: {code}")]
    Device { operation: String, code: String },
}

impl TokenError {
    /// The message in the current language; the CKR code stays in the English `Display` (logs).
    pub fn translated(&self) -> String {
        match self {
            TokenError::NotConfigured(store) => {
                t!("pki.token.error.not_configured", store = store.name())
            }
            TokenError::ModuleLoad { path, .. } => t!("pki.token.error.module_load", path = path),
            TokenError::NoToken => t!("pki.token.error.no_token"),
            TokenError::NoSuchSlot(slot) => t!("pki.token.error.no_such_slot", slot = slot),
            TokenError::AmbiguousSlot(count) => {
                t!("pki.token.error.ambiguous_slot", count = count)
            }
            TokenError::WrongPin(PinTries::Some) => t!("pki.token.error.wrong_pin"),
            TokenError::WrongPin(PinTries::Few) => t!("pki.token.error.wrong_pin_few"),
            TokenError::WrongPin(PinTries::Last) => t!("pki.token.error.wrong_pin_last"),
            TokenError::PinLocked => t!("pki.token.error.pin_locked"),
            TokenError::PinFormat => t!("pki.token.error.pin_format"),
            TokenError::Removed => t!("pki.token.error.removed"),
            TokenError::WrongUsage(key) => t!("pki.token.error.wrong_usage", key = key),
            TokenError::NoMechanism => t!("pki.token.error.no_mechanism"),
            TokenError::NoKeys => t!("pki.token.error.no_keys"),
            TokenError::Device { .. } => t!("pki.token.error.device"),
        }
        .into_owned()
    }

    /// A CKR that means the device went away under us, whichever call noticed it.
    fn from_ck(e: CkError, operation: &str) -> TokenError {
        match e {
            CkError::Pkcs11(rv, _) => match rv {
                RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::TokenNotRecognized
                | RvError::ObjectHandleInvalid
                | RvError::KeyHandleInvalid
                | RvError::CryptokiNotInitialized => TokenError::Removed,
                RvError::PinLocked => TokenError::PinLocked,
                RvError::PinInvalid | RvError::PinLenRange => TokenError::PinFormat,
                RvError::KeyFunctionNotPermitted | RvError::KeyTypeInconsistent => {
                    TokenError::WrongUsage(String::new())
                }
                other => TokenError::Device {
                    operation: operation.to_owned(),
                    code: format!("{other:?}"),
                },
            },
            other => TokenError::Device {
                operation: operation.to_owned(),
                code: other.to_string(),
            },
        }
    }
}

/// A slot as the key window lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotListing {
    pub id: u64,
    pub description: String,
    /// The token's label, when a token is present.
    pub token: Option<String>,
}

/// A loaded and initialised PKCS#11 module.
pub struct Module {
    context: Pkcs11,
    path: PathBuf,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("path", &self.path).finish()
    }
}

impl Module {
    /// Loads the module at `path` and initialises it (once per process: a module another
    /// [`Module`] already initialised is used as it is).
    pub fn load(path: &Path) -> Result<Module, TokenError> {
        let failed = |reason: String| TokenError::ModuleLoad {
            path: path.display().to_string(),
            reason,
        };
        // A missing file is said plainly rather than as dlopen's message.
        if !path.is_file() {
            return Err(failed("no such file".to_owned()));
        }
        let context = Pkcs11::new(path).map_err(|e| failed(e.to_string()))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(failed(e.to_string())),
        }
        Ok(Module {
            context,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every slot, with the label of the token in it.
    pub fn slots(&self) -> Result<Vec<SlotListing>, TokenError> {
        let slots = self
            .context
            .get_all_slots()
            .map_err(|e| TokenError::from_ck(e, "C_GetSlotList"))?;
        let mut listed = Vec::with_capacity(slots.len());
        for slot in slots {
            let info = self
                .context
                .get_slot_info(slot)
                .map_err(|e| TokenError::from_ck(e, "C_GetSlotInfo"))?;
            let token = if info.token_present() {
                self.context
                    .get_token_info(slot)
                    .ok()
                    .map(|t| t.label().trim_end().to_owned())
            } else {
                None
            };
            listed.push(SlotListing {
                id: slot.id(),
                description: info.slot_description().trim_end().to_owned(),
                token,
            });
        }
        Ok(listed)
    }

    /// Logs in to the token in `slot` (or the only slot holding a token) with `pin`.
    pub fn open(
        &self,
        slot: Option<u64>,
        pin: &Zeroizing<String>,
    ) -> Result<TokenSession, TokenError> {
        let slot = self.choose_slot(slot)?;
        // A locked PIN is said before the PIN is sent: it could only be refused.
        if self
            .context
            .get_token_info(slot)
            .is_ok_and(|info| info.user_pin_locked())
        {
            return Err(TokenError::PinLocked);
        }
        let session = self
            .context
            .open_ro_session(slot)
            .map_err(|e| TokenError::from_ck(e, "C_OpenSession"))?;
        let secret = AuthPin::new(pin.as_str().into());
        match session.login(UserType::User, Some(&secret)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                return Err(self.wrong_pin(slot));
            }
            Err(e) => return Err(TokenError::from_ck(e, "C_Login")),
        }
        let mechanisms = self
            .context
            .get_mechanism_list(slot)
            .map_err(|e| TokenError::from_ck(e, "C_GetMechanismList"))?;
        let mechanism = if mechanisms.contains(&MechanismType::SHA256_RSA_PKCS) {
            SignMechanism::Sha256RsaPkcs
        } else if mechanisms.contains(&MechanismType::RSA_PKCS) {
            SignMechanism::RsaPkcsOverDigestInfo
        } else {
            return Err(TokenError::NoMechanism);
        };
        let mut token = TokenSession {
            session,
            mechanism,
            keys: Vec::new(),
        };
        token.keys = token.find_keys()?;
        Ok(token)
    }

    fn choose_slot(&self, wanted: Option<u64>) -> Result<Slot, TokenError> {
        match wanted {
            Some(id) => {
                let slot = self
                    .context
                    .get_all_slots()
                    .map_err(|e| TokenError::from_ck(e, "C_GetSlotList"))?
                    .into_iter()
                    .find(|s| s.id() == id)
                    .ok_or(TokenError::NoSuchSlot(id))?;
                let present = self
                    .context
                    .get_slot_info(slot)
                    .map_err(|e| TokenError::from_ck(e, "C_GetSlotInfo"))?
                    .token_present();
                if present {
                    Ok(slot)
                } else {
                    Err(TokenError::NoToken)
                }
            }
            None => {
                let slots = self
                    .context
                    .get_slots_with_initialized_token()
                    .map_err(|e| TokenError::from_ck(e, "C_GetSlotList"))?;
                match slots.as_slice() {
                    [only] => Ok(*only),
                    [] => Err(TokenError::NoToken),
                    many => Err(TokenError::AmbiguousSlot(many.len())),
                }
            }
        }
    }

    /// After CKR_PIN_INCORRECT: the tries left as the token's flags tell them, or locked when
    /// that was the last one.
    fn wrong_pin(&self, slot: Slot) -> TokenError {
        match self.context.get_token_info(slot) {
            Ok(info) if info.user_pin_locked() => TokenError::PinLocked,
            Ok(info) if info.user_pin_final_try() => TokenError::WrongPin(PinTries::Last),
            Ok(info) if info.user_pin_count_low() => TokenError::WrongPin(PinTries::Few),
            _ => TokenError::WrongPin(PinTries::Some),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignMechanism {
    /// The token hashes and pads.
    Sha256RsaPkcs,
    /// We hash and wrap the digest in a DigestInfo; the token pads and signs.
    RsaPkcsOverDigestInfo,
}

/// The DER DigestInfo prefix of a SHA-256 digest (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// A certificate on the token with its CKA_ID, when it has one.
type IdentifiedCertificate = (Option<Vec<u8>>, Certificate);

/// A key found on the token.
struct TokenKey {
    listing: KeyListing,
    handle: ObjectHandle,
    may_sign: bool,
}

/// A logged-in session on one token. Dropping it logs out and closes the session.
pub struct TokenSession {
    session: Session,
    mechanism: SignMechanism,
    keys: Vec<TokenKey>,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("mechanism", &self.mechanism)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Drop for TokenSession {
    fn drop(&mut self) {
        // A removed token has nothing left to log out of; the session closes on its own drop.
        let _ = self.session.logout();
    }
}

impl TokenSession {
    /// RSA private keys, each with the certificate of the same CKA_ID (or, failing that, of
    /// the same modulus); the other certificates make the chains.
    fn find_keys(&self) -> Result<Vec<TokenKey>, TokenError> {
        let certificates = self.certificates()?;
        let handles = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::RSA),
            ])
            .map_err(|e| TokenError::from_ck(e, "C_FindObjects"))?;
        let all: Vec<Certificate> = certificates.iter().map(|(_, c)| c.clone()).collect();
        let mut keys = Vec::new();
        for handle in handles {
            let attributes = self
                .session
                .get_attributes(
                    handle,
                    &[
                        AttributeType::Id,
                        AttributeType::Label,
                        AttributeType::Sign,
                        AttributeType::Modulus,
                    ],
                )
                .map_err(|e| TokenError::from_ck(e, "C_GetAttributeValue"))?;
            let (mut id, mut label, mut may_sign, mut modulus) = (None, None, true, None);
            for attribute in attributes {
                match attribute {
                    Attribute::Id(value) => id = Some(value),
                    Attribute::Label(value) => {
                        label = Some(String::from_utf8_lossy(&value).into_owned())
                    }
                    Attribute::Sign(value) => may_sign = value,
                    Attribute::Modulus(value) => modulus = Some(value),
                    _ => {}
                }
            }
            let certificate = certificates
                .iter()
                .find(|(cert_id, _)| id.is_some() && cert_id.as_ref() == id.as_ref())
                .or_else(|| {
                    let modulus = modulus.as_deref()?;
                    certificates
                        .iter()
                        .find(|(_, c)| modulus_of(c).as_deref() == Some(strip_zeros(modulus)))
                })
                .map(|(_, c)| c.clone());
            // A key without its certificate cannot be shown or used to sign a document.
            let Some(certificate) = certificate else {
                continue;
            };
            let id_hex = id.as_deref().map(hex::encode);
            let name = label
                .filter(|l| !l.is_empty())
                .or_else(|| id_hex.clone())
                .unwrap_or_else(|| certificate.info().serial_hex.clone());
            let chain = chain_of(&certificate, &all);
            keys.push(TokenKey {
                listing: KeyListing {
                    name,
                    id_hex,
                    certificate,
                    chain,
                },
                handle,
                may_sign,
            });
        }
        if keys.is_empty() {
            return Err(TokenError::NoKeys);
        }
        Ok(keys)
    }

    /// Every X.509 certificate on the token with its CKA_ID; unreadable ones are passed over.
    fn certificates(&self) -> Result<Vec<IdentifiedCertificate>, TokenError> {
        let handles = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .map_err(|e| TokenError::from_ck(e, "C_FindObjects"))?;
        let mut found = Vec::new();
        for handle in handles {
            let attributes = self
                .session
                .get_attributes(handle, &[AttributeType::Id, AttributeType::Value])
                .map_err(|e| TokenError::from_ck(e, "C_GetAttributeValue"))?;
            let mut id = None;
            let mut certificate = None;
            for attribute in attributes {
                match attribute {
                    Attribute::Id(value) => id = Some(value),
                    Attribute::Value(der) => certificate = Certificate::from_der(&der).ok(),
                    _ => {}
                }
            }
            if let Some(certificate) = certificate {
                found.push((id, certificate));
            }
        }
        Ok(found)
    }

    fn sign(&self, key: &TokenKey, msg: &[u8]) -> Result<Vec<u8>, TokenError> {
        if !key.may_sign {
            return Err(TokenError::WrongUsage(key.listing.name.clone()));
        }
        let result = match self.mechanism {
            SignMechanism::Sha256RsaPkcs => {
                self.session
                    .sign(&Mechanism::Sha256RsaPkcs, key.handle, msg)
            }
            SignMechanism::RsaPkcsOverDigestInfo => {
                let mut digest_info = SHA256_DIGEST_INFO.to_vec();
                digest_info.extend_from_slice(&Sha256::digest(msg));
                self.session
                    .sign(&Mechanism::RsaPkcs, key.handle, &digest_info)
            }
        };
        result.map_err(|e| match TokenError::from_ck(e, "C_Sign") {
            TokenError::WrongUsage(_) => TokenError::WrongUsage(key.listing.name.clone()),
            other => other,
        })
    }
}

/// The modulus of a certificate's RSA key, without leading zero bytes.
fn modulus_of(certificate: &Certificate) -> Option<Vec<u8>> {
    let public = rsa::rsa_public_key(certificate.subject_public_key_info_der()).ok()?;
    rsa::modulus(public).ok().map(|m| strip_zeros(m).to_vec())
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// One key of a session, ready to sign.
struct SessionSigner<'s> {
    token: &'s TokenSession,
    key: &'s TokenKey,
}

impl Signer for SessionSigner<'_> {
    fn certificate(&self) -> &Certificate {
        &self.key.listing.certificate
    }

    fn public_key_der(&self) -> Option<&[u8]> {
        None
    }

    fn sign_sha256(&self, msg: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.token.sign(self.key, msg)?)
    }
}

impl KeyStore for TokenSession {
    fn keys(&self) -> Result<Vec<KeyListing>, KeyAccessError> {
        Ok(self.keys.iter().map(|k| k.listing.clone()).collect())
    }

    fn signer<'s>(&'s self, key: Option<&str>) -> Result<Box<dyn Signer + 's>, KeyAccessError> {
        let listings: Vec<KeyListing> = self.keys()?;
        let chosen = signer::choose(&listings, key)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.listing.name == chosen.name && k.listing.id_hex == chosen.id_hex)
            .ok_or(TokenError::NoKeys)?;
        Ok(Box::new(SessionSigner { token: self, key }))
    }
}
