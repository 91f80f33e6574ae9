//! Who is using the client and with which keys: the logged-in [`Session`] (with the roles the
//! server granted), the keystores [`Remembered`] per [`Purpose`], and a password on its way to
//! a keystore ([`Secret`]). Screens, the runner, the keyring and the key window all read these
//! from here, so none of them imports another for its types.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::api::auth::{Organisation, RoleGrant, RoleKind, User};
use crate::domain::Iin;
use crate::pki::certificate::KeyUsageClass;

/// The logged-in person as the status bar, the main menu and the wizard's autofill need them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub full_name: String,
    pub iin: String,
    /// The roles beyond applicant (which every user is), as the server granted them: the main
    /// menu's items come from them ([`crate::tui::screens::main_menu::menu_items`]).
    pub roles: Vec<RoleGrant>,
    /// An employee key's organisation (an operator's ЦОН), for the status bar.
    pub organisation: Option<Organisation>,
}

impl Session {
    /// The session of the user the login reply or the profile names.
    pub fn of(user: &User) -> Session {
        Session {
            full_name: user.full_name.clone(),
            iin: user.iin.to_string(),
            roles: user.roles.clone(),
            organisation: user.organisation.clone(),
        }
    }

    /// Whether the server granted `role` (in any region).
    pub fn has_role(&self, role: RoleKind) -> bool {
        self.roles.iter().any(|grant| grant.role == role)
    }
}

/// The citizen a ЦОН operator serves at the desk, while the citizen's consent lasts (issue 12):
/// the wizard files for them, documents name them, the runner's reads carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serving {
    pub service_id: String,
    pub citizen: Iin,
    /// «Номер ЦОН»'s format as the server has it (`#` a digit, `*` a letter or digit).
    pub request_number_format: Option<String>,
}

/// What a key is for: logging in (AUTH key) or signing a document (SIGN key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Auth,
    Sign,
}

impl Purpose {
    /// The key usage a certificate must have for this purpose.
    pub fn usage(self) -> KeyUsageClass {
        match self {
            Purpose::Auth => KeyUsageClass::Auth,
            Purpose::Sign => KeyUsageClass::Sign,
        }
    }
}

/// The keystores last used, per purpose (kept in the OS keyring for the next run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remembered {
    pub auth: Option<PathBuf>,
    pub sign: Option<PathBuf>,
}

impl Remembered {
    /// Records the keystore just used for `purpose`.
    pub fn remember(&mut self, purpose: Purpose, path: PathBuf) {
        match purpose {
            Purpose::Auth => self.auth = Some(path),
            Purpose::Sign => self.sign = Some(path),
        }
    }
}

/// A password on its way to a keystore: zeroized when dropped, never printed by `Debug`.
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: &str) -> Secret {
        Secret(Zeroizing::new(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret as the PKCS#11 login takes it (a device's PIN).
    pub fn zeroizing(&self) -> &Zeroizing<String> {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}
