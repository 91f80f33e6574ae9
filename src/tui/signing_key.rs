//! The key a key window hands to the runner, wherever it lives: an entry of a PKCS#12 file
//! opened into memory, or a key on an ID card or a Kaztoken reached through PKCS#11.
//!
//! Everything here blocks (a token signs on the device, a module loads from disk): the runner
//! calls it on a blocking thread, never the UI thread. A device's PKCS#11 module stays loaded
//! for the rest of the run once used ([`Modules`]): unloading a module that runs threads of its
//! own (card readers through pcscd) is unsafe, and loading it again is slow. A logged-in session
//! ([`OpenedToken`]) lives as long as the key window that opened it: it is logged out and closed
//! when the window closes; the PIN is zeroized as soon as the token took it; nothing read from
//! the device is written anywhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use crate::pki::keystore::Keystore;
use crate::pki::pkcs11::{Module, SlotListing, TokenError, TokenSession};
use crate::pki::signer::{KeyAccessError, KeyListing, KeyStore, Signer};
use crate::tui::protocol::CallError;

/// The PKCS#11 modules loaded so far in this run, by path.
#[derive(Default)]
pub struct Modules(Mutex<HashMap<PathBuf, Arc<Module>>>);

impl Modules {
    /// The module at `path`, loaded on first use. Blocking.
    pub fn get(&self, path: &Path) -> Result<Arc<Module>, TokenError> {
        let mut loaded = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(module) = loaded.get(path) {
            return Ok(Arc::clone(module));
        }
        let module = Arc::new(Module::load(path)?);
        loaded.insert(path.to_path_buf(), Arc::clone(&module));
        Ok(module)
    }

    /// The slots of the module at `path`, each with the label of the token in it. Blocking.
    pub fn slots(&self, path: &Path) -> Result<Vec<SlotListing>, TokenError> {
        self.get(path)?.slots()
    }

    /// Logs in to the token in `slot` with `pin` and lists its keys. Blocking.
    pub fn open(
        &self,
        path: &Path,
        slot: u64,
        pin: &Zeroizing<String>,
    ) -> Result<OpenedToken, TokenError> {
        let session = self.get(path)?.open(Some(slot), pin)?;
        let keys = session.keys().map_err(|e| match e {
            KeyAccessError::Token(e) => e,
            // A token's listing has no keystore errors; should one appear, it is a fault.
            KeyAccessError::Keystore(e) => TokenError::Device {
                operation: "list keys".to_owned(),
                code: e.to_string(),
            },
        })?;
        Ok(OpenedToken {
            session: Mutex::new(Some(session)),
            keys,
        })
    }
}

/// A token logged in to, with its keys. Dropping the last reference logs out and closes the
/// session.
pub struct OpenedToken {
    /// `None` once closed: signing then asks for the device again.
    session: Mutex<Option<TokenSession>>,
    pub keys: Vec<KeyListing>,
}

impl OpenedToken {
    /// The keys a token listed, its session already closed (the showcase draws the window
    /// with them); signing with one asks for the device again, as after a removal.
    pub fn closed(keys: Vec<KeyListing>) -> OpenedToken {
        OpenedToken {
            session: Mutex::new(None),
            keys,
        }
    }
}

impl std::fmt::Debug for OpenedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedToken")
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// The key chosen in a key window.
#[derive(Debug, Clone)]
pub enum ChosenKey {
    /// An entry of a PKCS#12 file, by alias.
    File {
        keystore: Arc<Keystore>,
        alias: String,
    },
    /// A key on a device, by the name the token lists it under.
    Token {
        token: Arc<OpenedToken>,
        name: String,
    },
}

impl ChosenKey {
    /// Runs `work` with the chosen key ready to sign. Blocking: a token signs on the device.
    pub fn with_signer<T>(
        &self,
        work: impl FnOnce(&dyn Signer) -> Result<T, CallError>,
    ) -> Result<T, CallError> {
        let access = |e: KeyAccessError| match e {
            KeyAccessError::Keystore(e) => CallError::Keystore(e),
            KeyAccessError::Token(e) => CallError::Token(e),
        };
        match self {
            ChosenKey::File { keystore, alias } => {
                let signer = keystore.signer(Some(alias)).map_err(access)?;
                work(signer.as_ref())
            }
            ChosenKey::Token { token, name } => {
                let session = token.session.lock().unwrap_or_else(|e| e.into_inner());
                let session = session.as_ref().ok_or(TokenError::Removed)?;
                let signer = session.signer(Some(name)).map_err(access)?;
                work(signer.as_ref())
            }
        }
    }
}
