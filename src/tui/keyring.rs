//! The OS keyring: keeps the session token (so a restart does not ask for the key again until
//! the session expires or the user logs out) and the last keystore paths.
//!
//! keyring 4 is a thin layer over `keyring-core`; we link keyring-core and two explicit stores,
//! tried in order: the Secret Service (a desktop session's D-Bus), then the Linux kernel's
//! keyutils (works in an SSH login's session keyring, no daemon needed). With neither the client
//! works without one and says so once. Every call blocks (D-Bus, syscalls): the runner makes
//! them on a blocking thread, never on the UI thread.
//!
//! Entries are scoped by the backend they belong to (the embedded database's folder or the
//! remote URL), so two backends, or two test runs, never see each other's token.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::tui::session::Remembered;

/// The service name every entry is filed under.
const SERVICE: &str = "kezek";

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[cfg(target_os = "linux")]
    #[error("keyring: {0}")]
    Store(#[from] keyring_core::Error),
    #[error("keyring: the stored keystore paths are not readable: {0}")]
    Paths(#[from] serde_json::Error),
}

/// Which secret store answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    SecretService,
    Keyutils,
}

/// An open secret store and the backend the entries belong to.
pub struct OsKeyring {
    #[cfg(target_os = "linux")]
    store: std::sync::Arc<keyring_core::CredentialStore>,
    kind: StoreKind,
    scope: String,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct StoredPaths {
    auth: Option<PathBuf>,
    sign: Option<PathBuf>,
}

impl OsKeyring {
    /// The first store that answers, or `None` (logged once with the reasons). `KEZEK_NO_KEYRING`
    /// set to anything turns the keyring off (shared terminals, tests).
    pub fn open(scope: &str) -> Option<OsKeyring> {
        if std::env::var_os("KEZEK_NO_KEYRING").is_some() {
            tracing::info!("OS keyring switched off by KEZEK_NO_KEYRING");
            return None;
        }
        Self::open_store(scope)
    }

    #[cfg(target_os = "linux")]
    fn open_store(scope: &str) -> Option<OsKeyring> {
        use keyring_core::CredentialStore;
        use std::sync::Arc;

        type Opener = fn() -> keyring_core::Result<Arc<CredentialStore>>;
        let candidates: [(StoreKind, Opener); 2] = [
            (StoreKind::SecretService, || {
                Ok(zbus_secret_service_keyring_store::Store::new()? as Arc<CredentialStore>)
            }),
            (StoreKind::Keyutils, || {
                Ok(linux_keyutils_keyring_store::Store::new()? as Arc<CredentialStore>)
            }),
        ];
        for (kind, make) in candidates {
            let keyring = match make() {
                Ok(store) => OsKeyring {
                    store,
                    kind,
                    scope: scope.to_owned(),
                },
                Err(e) => {
                    tracing::info!(?kind, error = %e, "secret store not available");
                    continue;
                }
            };
            // A store that opens may still refuse every call (no collection unlocked, keyutils
            // blocked by a container's seccomp): a read of our own entry tells.
            match keyring.read("probe") {
                Ok(_) => {
                    tracing::info!(?kind, "OS keyring in use");
                    return Some(keyring);
                }
                Err(e) => tracing::info!(?kind, error = %e, "secret store refuses access"),
            }
        }
        None
    }

    #[cfg(not(target_os = "linux"))]
    fn open_store(_scope: &str) -> Option<OsKeyring> {
        tracing::info!("no OS keyring store is built for this platform");
        None
    }

    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// The session token kept by the last login against this backend.
    pub fn session_token(&self) -> Result<Option<Zeroizing<String>>, KeyringError> {
        Ok(self.read("session")?.map(Zeroizing::new))
    }

    pub fn keep_session_token(&self, token: &str) -> Result<(), KeyringError> {
        self.write("session", token)
    }

    pub fn forget_session_token(&self) -> Result<(), KeyringError> {
        self.delete("session")
    }

    /// The keystores used last time, per purpose.
    pub fn remembered(&self) -> Result<Remembered, KeyringError> {
        let Some(text) = self.read("keystores")? else {
            return Ok(Remembered::default());
        };
        let paths: StoredPaths = serde_json::from_str(&text)?;
        Ok(Remembered {
            auth: paths.auth,
            sign: paths.sign,
        })
    }

    pub fn keep_remembered(&self, remembered: &Remembered) -> Result<(), KeyringError> {
        let paths = StoredPaths {
            auth: remembered.auth.clone(),
            sign: remembered.sign.clone(),
        };
        self.write("keystores", &serde_json::to_string(&paths)?)
    }

    fn user(&self, what: &str) -> String {
        format!("{what}@{}", self.scope)
    }

    #[cfg(target_os = "linux")]
    fn entry(&self, what: &str) -> Result<keyring_core::Entry, KeyringError> {
        Ok(keyring_core::Entry::new_in_store(
            &self.store,
            SERVICE,
            &self.user(what),
        )?)
    }

    #[cfg(target_os = "linux")]
    fn read(&self, what: &str) -> Result<Option<String>, KeyringError> {
        match self.entry(what)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    #[cfg(target_os = "linux")]
    fn write(&self, what: &str, text: &str) -> Result<(), KeyringError> {
        Ok(self.entry(what)?.set_password(text)?)
    }

    #[cfg(target_os = "linux")]
    fn delete(&self, what: &str) -> Result<(), KeyringError> {
        match self.entry(what)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn read(&self, _what: &str) -> Result<Option<String>, KeyringError> {
        Ok(None)
    }

    #[cfg(not(target_os = "linux"))]
    fn write(&self, _what: &str, _text: &str) -> Result<(), KeyringError> {
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn delete(&self, _what: &str) -> Result<(), KeyringError> {
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Round trip through whichever store this machine has; says so loudly when it has none.
    #[test]
    fn the_token_and_paths_survive_a_round_trip_and_logout_forgets_the_token() {
        let scope = format!("test-{}", uuid::Uuid::new_v4());
        let Some(keyring) = OsKeyring::open_store(&scope) else {
            eprintln!("SKIPPED: no OS keyring store answers on this machine");
            return;
        };
        assert!(keyring.session_token().unwrap().is_none());
        keyring.keep_session_token("token-1").unwrap();
        assert_eq!(
            keyring
                .session_token()
                .unwrap()
                .as_deref()
                .map(String::as_str),
            Some("token-1")
        );
        let remembered = Remembered {
            auth: Some(PathBuf::from("/keys/Айгерим/AUTH.p12")),
            sign: None,
        };
        keyring.keep_remembered(&remembered).unwrap();
        assert_eq!(keyring.remembered().unwrap(), remembered);
        // Another backend sees nothing of this one.
        let other = OsKeyring::open_store(&format!("{scope}-other")).unwrap();
        assert!(other.session_token().unwrap().is_none());
        keyring.forget_session_token().unwrap();
        assert!(keyring.session_token().unwrap().is_none());
        keyring.delete("keystores").unwrap();
    }
}
