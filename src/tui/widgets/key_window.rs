//! The key window «Формирование ЭЦП» (seed 000 figure 2, seed 002 figures 8-9): storage type,
//! path to the keystore (with the file browser), password, «Обновить список ключей», the key
//! list, the chosen key's data (owner, validity, serial number, issuer, algorithm) and
//! «Подписать» / «Отмена».
//!
//! The window checks the key before anything is sent: an expired or not yet valid certificate,
//! a SIGN key offered for login or an AUTH key offered for signing is explained on the spot.
//!
//! The storage type (F3) is «Персональный компьютер» (a PKCS#12 file: path and password) or a
//! device store, «Удостоверение личности» or «Казтокен» (issue 16): the slots of the store's
//! PKCS#11 module are listed (by the runner, off the UI thread), the PIN is typed masked, F5
//! logs in and lists the token's keys with the same key data as a file's. The device's states
//! (wrong PIN with the tries left, locked PIN, no token, token removed) are its messages; a
//! removed token is asked for again and the rest of the client goes on working.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use rust_i18n::t;
use unicode_width::UnicodeWidthStr;

use crate::pki::certificate::{Certificate, CertificateInfo, KeyUsageClass};
use crate::pki::keystore::Keystore;
use crate::pki::pkcs11::{DeviceStore, ModulePaths, SlotListing, TokenError};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::session::{Purpose, Secret};
use crate::tui::signing_key::{ChosenKey, OpenedToken};
use crate::tui::theme::Theme;
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::file_browser::{Browse, FileBrowser, FileKind};
use crate::tui::widgets::form::{Field, FieldKind, Form};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{centered, truncate};

/// What a certificate's key is for, in the user's language («для входа», «для подписи»).
pub fn usage_label(usage: KeyUsageClass) -> String {
    match usage {
        KeyUsageClass::Auth => t!("tui.key.usage_auth").into_owned(),
        KeyUsageClass::Sign => t!("tui.key.usage_sign").into_owned(),
        KeyUsageClass::Other => t!("tui.key.usage_other").into_owned(),
    }
}

/// Where the window looks for keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// «Персональный компьютер»: a PKCS#12 file.
    Computer,
    Device(DeviceStore),
}

impl Store {
    /// The storage types in the order F3 goes through them (the seeds' order).
    const ALL: [Store; 3] = [
        Store::Computer,
        Store::Device(DeviceStore::IdCard),
        Store::Device(DeviceStore::Kaztoken),
    ];

    fn name(self) -> String {
        match self {
            Store::Computer => t!("tui.key.storage_computer").into_owned(),
            Store::Device(device) => device.name(),
        }
    }

    fn next(self) -> Store {
        let at = Store::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Store::ALL[(at + 1) % Store::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Browse,
    Refresh,
    Sign,
    Cancel,
    NextField,
    PrevField,
    SwitchStore,
}

const KEYS: &[Binding<Command>] = &[
    // «Подписать» first: the hint line keeps the screen's keys in this order when it is short.
    Binding {
        command: Command::Sign,
        name: "sign",
        keys: &[KeyCombo::f(10)],
        help: "tui.key.sign",
        hint: true,
    },
    Binding {
        command: Command::Browse,
        name: "browse",
        keys: &[KeyCombo::f(4)],
        help: "tui.key.choose_certificate",
        hint: true,
    },
    Binding {
        command: Command::Refresh,
        name: "refresh",
        keys: &[KeyCombo::f(5)],
        help: "tui.key.refresh",
        hint: true,
    },
    Binding {
        command: Command::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "tui.key.cancel",
        hint: true,
    },
    Binding {
        command: Command::NextField,
        name: "next_field",
        keys: &[KeyCombo::key(KeyCode::Tab)],
        help: "tui.keys.next_field",
        hint: false,
    },
    Binding {
        command: Command::PrevField,
        name: "prev_field",
        keys: &[KeyCombo::key(KeyCode::BackTab)],
        help: "tui.keys.prev_field",
        hint: false,
    },
    Binding {
        command: Command::SwitchStore,
        name: "storage_type",
        keys: &[KeyCombo::f(3)],
        help: "tui.key.switch_store",
        hint: true,
    },
];

/// Which part of the window has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Path,
    Password,
    Keys,
}

/// Why the window cannot go on; translated when drawn.
#[derive(Debug)]
pub enum KeyProblem {
    NoPath,
    NoPassword,
    NoPin,
    NoKey,
    Open(CallError),
    Expired {
        until: DateTime<Utc>,
    },
    NotYetValid {
        from: DateTime<Utc>,
    },
    SignKeyForLogin,
    AuthKeyForSigning,
    OtherUsage,
    /// The step after «Подписать» failed (the server refused the login, the document …).
    After(CallError),
}

impl KeyProblem {
    pub fn message(&self) -> String {
        match self {
            KeyProblem::NoPath => t!("tui.key.no_path").into_owned(),
            KeyProblem::NoPassword => t!("tui.key.no_password").into_owned(),
            KeyProblem::NoPin => t!("tui.key.no_pin").into_owned(),
            KeyProblem::NoKey => t!("tui.key.no_key").into_owned(),
            KeyProblem::Open(e) | KeyProblem::After(e) => e.message(),
            KeyProblem::Expired { until } => {
                t!("tui.key.expired", date = format_time(*until)).into_owned()
            }
            KeyProblem::NotYetValid { from } => {
                t!("tui.key.not_yet_valid", date = format_time(*from)).into_owned()
            }
            KeyProblem::SignKeyForLogin => t!("tui.key.sign_key_for_login").into_owned(),
            KeyProblem::AuthKeyForSigning => t!("tui.key.auth_key_for_signing").into_owned(),
            KeyProblem::OtherUsage => t!("tui.key.other_usage").into_owned(),
        }
    }
}

/// What the host screen should do after a key press in the window.
#[derive(Debug)]
pub enum KeyWindowEvent {
    Nothing,
    /// Load what the window shows: open the keystore, list a module's slots, log in to a token;
    /// the reply goes to [`KeyWindow::on_reply`].
    Load(Box<Call>),
    /// The user signs with this key; the checks passed. `path`: the keystore file it came
    /// from, to remember once the server accepted it (none for a device).
    Sign {
        key: ChosenKey,
        path: Option<PathBuf>,
    },
    Cancel,
}

/// The keystore path as the field shows it without focus: the file name first, since the
/// `AUTH_`/`RSA256_` prefix is what tells the keys apart, then its folder.
fn file_name_first(path: &str) -> Option<String> {
    let path = std::path::Path::new(path.trim());
    let name = path.file_name()?.to_string_lossy();
    Some(match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => format!("{name}  ({})", folder.display()),
        None => name.into_owned(),
    })
}

/// Kazakhstan's time (UTC+5), as the seeds show times: `30.05.2018 (13:35)`.
pub fn format_time(at: DateTime<Utc>) -> String {
    let almaty = FixedOffset::east_opt(5 * 3600).expect("valid offset");
    at.with_timezone(&almaty)
        .format("%d.%m.%Y (%H:%M)")
        .to_string()
}

/// A device store's side of the window: its module, slots, and the token logged in to.
#[derive(Debug, Default)]
struct Device {
    /// The slots holding a token, once listed (`None` while asked or after a failure).
    slots: Option<Vec<SlotListing>>,
    /// The slot chosen among `slots`.
    slot: usize,
    token: Option<Arc<OpenedToken>>,
}

/// Whether the device went away (pulled out, or never in the reader): its slots are listed
/// again before anything else.
fn token_gone(error: &TokenError) -> bool {
    matches!(error, TokenError::Removed | TokenError::NoToken)
}

pub struct KeyWindow {
    purpose: Purpose,
    store: Store,
    modules: ModulePaths,
    device: Device,
    keymap: Keymap<Command>,
    form: Form,
    focus: Focus,
    browser: Option<FileBrowser>,
    key_folders: Vec<PathBuf>,
    keystore: Option<Arc<Keystore>>,
    /// The path the open keystore came from (the field may have been edited since).
    opened_path: Option<PathBuf>,
    keys: SelectList,
    problem: Option<KeyProblem>,
    busy: bool,
}

impl KeyWindow {
    /// A window for `purpose`, with the last keystore used for it already in the path field.
    pub fn new(
        purpose: Purpose,
        remembered: Option<PathBuf>,
        key_folders: Vec<PathBuf>,
    ) -> KeyWindow {
        let path = remembered
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let form = Form::new(vec![
            Field::new("path", "tui.key.path", FieldKind::Text).with_value(&path),
            Field::new("password", "tui.key.password", FieldKind::Password),
            Field::new("pin", "tui.key.pin", FieldKind::Password),
        ]);
        let mut window = KeyWindow {
            purpose,
            store: Store::Computer,
            modules: ModulePaths::default(),
            device: Device::default(),
            keymap: Keymap::new("key_window", KEYS),
            form,
            focus: Focus::Path,
            browser: None,
            key_folders,
            keystore: None,
            opened_path: None,
            keys: SelectList::new(Vec::new()),
            problem: None,
            busy: false,
        };
        if remembered.is_some() {
            window.focus_on(Focus::Password);
        }
        window
    }

    /// The first signing window of a session: no SIGN keystore used yet, so the file browser
    /// opens in the folder of the AUTH keystore the user logged in with, on the keystore beside
    /// it that is not an `AUTH_` one (NCA issues the pair into one folder).
    pub fn beside_login_key(mut self, auth: &std::path::Path) -> KeyWindow {
        let Some(dir) = auth.parent().filter(|d| d.is_dir()) else {
            return self;
        };
        let browser = FileBrowser::new(FileKind::Keystore, self.key_folders.clone())
            .at(dir)
            .highlight(|path| {
                path.file_name().is_some_and(|n| {
                    !n.to_string_lossy()
                        .to_ascii_uppercase()
                        .starts_with("AUTH_")
                })
            });
        self.browser = Some(browser);
        self
    }

    /// The PKCS#11 modules of the device stores (the config's `[pkcs11]`).
    pub fn with_modules(mut self, modules: ModulePaths) -> KeyWindow {
        self.modules = modules;
        self
    }

    /// Goes to `store`: a device store lists its slots at once (hand the event to the host as
    /// for a key press); what was open is dropped (a token's session closes).
    pub fn use_store(&mut self, store: Store) -> KeyWindowEvent {
        self.store = store;
        self.keystore = None;
        self.device = Device::default();
        self.keys = SelectList::new(Vec::new());
        self.problem = None;
        self.form.field_mut("pin").clear();
        match store {
            Store::Computer => {
                self.focus_on(Focus::Path);
                KeyWindowEvent::Nothing
            }
            Store::Device(_) => {
                self.focus_on(Focus::Password);
                self.list_slots()
            }
        }
    }

    /// Asks for the slots of the device store's module, or says it has none configured.
    fn list_slots(&mut self) -> KeyWindowEvent {
        let Store::Device(device) = self.store else {
            return KeyWindowEvent::Nothing;
        };
        self.device = Device::default();
        self.keys = SelectList::new(Vec::new());
        match self.modules.path(device) {
            Ok(module) => {
                self.busy = true;
                self.problem = None;
                KeyWindowEvent::Load(Box::new(Call::TokenSlots {
                    module: module.to_path_buf(),
                }))
            }
            Err(e) => {
                self.problem = Some(KeyProblem::Open(CallError::Token(e)));
                KeyWindowEvent::Nothing
            }
        }
    }

    fn focus_on(&mut self, focus: Focus) {
        self.focus = focus;
        match (focus, self.store) {
            (Focus::Path, Store::Computer) => self.form.focus_on("path"),
            (Focus::Password, Store::Computer) => self.form.focus_on("password"),
            (Focus::Password, Store::Device(_)) => self.form.focus_on("pin"),
            (Focus::Path, Store::Device(_)) | (Focus::Keys, _) => {}
        }
    }

    /// The store the window is on.
    pub fn store(&self) -> Store {
        self.store
    }

    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    pub fn busy(&self) -> bool {
        self.busy
    }

    /// Whether plain characters are text (path, password or PIN), not hotkeys.
    pub fn typing(&self) -> bool {
        self.browser.is_some()
            || self.focus == Focus::Password
            || (self.focus == Focus::Path && self.store == Store::Computer)
    }

    pub fn key_help(&self) -> Vec<KeyHelp> {
        match &self.browser {
            Some(browser) => browser.key_help(),
            // A device has no file to choose.
            None => self
                .keymap
                .help()
                .into_iter()
                .filter(|h| h.name != "browse" || self.store == Store::Computer)
                .collect(),
        }
    }

    pub fn problem(&self) -> Option<&KeyProblem> {
        self.problem.as_ref()
    }

    /// The host reports a failure of the step after «Подписать» (shown in the window). A
    /// device that went away is asked for again: its slots are listed anew on F5.
    pub fn fail(&mut self, error: CallError) {
        self.busy = false;
        if error.token_error().is_some_and(token_gone) {
            self.forget_token();
        }
        self.problem = Some(KeyProblem::After(error));
    }

    /// Drops the token's session and keys (it closes), and the slots, which are listed again.
    fn forget_token(&mut self) {
        self.device = Device::default();
        self.keys = SelectList::new(Vec::new());
        self.form.field_mut("pin").clear();
        self.focus_on(Focus::Password);
    }

    /// The host started the step after «Подписать»; the spinner turns until it answers.
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// The keys the window lists, each with its certificate and name, from the open keystore
    /// or the token logged in to.
    fn listed(&self) -> Option<Vec<(&Certificate, &str)>> {
        match self.store {
            Store::Computer => self.keystore.as_ref().map(|keystore| {
                keystore
                    .entries
                    .iter()
                    .map(|e| (&e.certificate, e.alias.as_str()))
                    .collect()
            }),
            Store::Device(_) => self.device.token.as_ref().map(|token| {
                token
                    .keys
                    .iter()
                    .map(|k| (&k.certificate, k.name.as_str()))
                    .collect()
            }),
        }
    }

    /// The key the list highlights: its index and certificate.
    fn chosen(&self) -> Option<(usize, &Certificate)> {
        let index = self.keys.selected()?;
        let listed = self.listed()?;
        listed
            .get(index)
            .map(|(certificate, _)| (index, *certificate))
    }

    fn chosen_info(&self) -> Option<&CertificateInfo> {
        self.chosen().map(|(_, certificate)| certificate.info())
    }

    /// The answer to a [`KeyWindowEvent::Load`] call; any other reply is handed back.
    pub fn on_reply(&mut self, reply: Reply) -> Option<Reply> {
        match reply {
            Reply::Keystore(result) => self.on_opened(result),
            Reply::TokenSlots(result) => self.on_slots(result),
            Reply::Token(result) => self.on_token(result),
            other => return Some(other),
        }
        None
    }

    fn on_opened(&mut self, result: Result<Arc<Keystore>, CallError>) {
        self.busy = false;
        if self.store != Store::Computer {
            return;
        }
        match result {
            Ok(keystore) => {
                self.opened_path = Some(PathBuf::from(self.form.value("path").trim()));
                self.keystore = Some(keystore);
                self.keys_listed();
            }
            Err(e) => {
                self.keystore = None;
                self.keys = SelectList::new(Vec::new());
                self.problem = Some(KeyProblem::Open(e));
                // A refused password is typed again, not edited.
                self.form.field_mut("password").clear();
                self.focus_on(Focus::Password);
            }
        }
    }

    fn on_slots(&mut self, result: Result<Vec<SlotListing>, CallError>) {
        self.busy = false;
        if self.store == Store::Computer {
            return;
        }
        match result {
            Ok(slots) => {
                // A token without a label is not set up (SoftHSM2's free slot shows one): there
                // is nothing on it to log in to.
                let present: Vec<SlotListing> = slots
                    .into_iter()
                    .filter(|s| s.token.as_deref().is_some_and(|label| !label.is_empty()))
                    .collect();
                self.problem = present
                    .is_empty()
                    .then_some(KeyProblem::Open(CallError::Token(TokenError::NoToken)));
                self.device.slots = Some(present);
                self.device.slot = 0;
            }
            Err(e) => self.problem = Some(KeyProblem::Open(e)),
        }
    }

    fn on_token(&mut self, result: Result<Arc<OpenedToken>, CallError>) {
        self.busy = false;
        if self.store == Store::Computer {
            return;
        }
        // The PIN has done its work either way: typed again if asked again.
        self.form.field_mut("pin").clear();
        match result {
            Ok(token) => {
                self.device.token = Some(token);
                self.keys_listed();
            }
            Err(e) => {
                if e.token_error().is_some_and(token_gone) {
                    self.device.slots = None;
                }
                self.device.token = None;
                self.keys = SelectList::new(Vec::new());
                self.problem = Some(KeyProblem::Open(e));
                self.focus_on(Focus::Password);
            }
        }
    }

    /// The keys just listed: the first one fit for the purpose is preselected, as NCALayer does.
    fn keys_listed(&mut self) {
        self.keys = SelectList::new(self.key_labels());
        let purpose = self.purpose.usage();
        if let Some(fit) = self.listed().and_then(|listed| {
            listed
                .iter()
                .position(|(certificate, _)| certificate.info().key_usage == purpose)
        }) {
            self.keys.select(fit);
        }
        self.problem = None;
        self.focus = Focus::Keys;
    }

    /// One line per key: owner, what the key is for, name (re-worded on F2 when drawn).
    fn key_labels(&self) -> Vec<String> {
        self.listed()
            .unwrap_or_default()
            .into_iter()
            .map(|(certificate, name)| {
                let info = certificate.info();
                let owner = info.subject.common_name.clone().unwrap_or_default();
                format!("{owner} — {} — {name}", usage_label(info.key_usage))
            })
            .collect()
    }

    /// The checks before signing: a key is chosen, valid now, and of the right usage.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), KeyProblem> {
        let info = self.chosen_info().ok_or(KeyProblem::NoKey)?;
        if now > info.not_after {
            return Err(KeyProblem::Expired {
                until: info.not_after,
            });
        }
        if now < info.not_before {
            return Err(KeyProblem::NotYetValid {
                from: info.not_before,
            });
        }
        match (self.purpose, info.key_usage) {
            (Purpose::Auth, KeyUsageClass::Auth) | (Purpose::Sign, KeyUsageClass::Sign) => Ok(()),
            (Purpose::Auth, KeyUsageClass::Sign) => Err(KeyProblem::SignKeyForLogin),
            (Purpose::Sign, KeyUsageClass::Auth) => Err(KeyProblem::AuthKeyForSigning),
            (_, KeyUsageClass::Other) => Err(KeyProblem::OtherUsage),
        }
    }

    fn refresh(&mut self) -> KeyWindowEvent {
        if let Store::Device(device) = self.store {
            return self.open_token(device);
        }
        let path = self.form.value("path").trim().to_owned();
        if path.is_empty() {
            self.problem = Some(KeyProblem::NoPath);
            self.focus_on(Focus::Path);
            return KeyWindowEvent::Nothing;
        }
        if self.form.value("password").is_empty() {
            self.problem = Some(KeyProblem::NoPassword);
            self.focus_on(Focus::Password);
            return KeyWindowEvent::Nothing;
        }
        self.busy = true;
        self.problem = None;
        KeyWindowEvent::Load(Box::new(Call::OpenKeystore {
            path: PathBuf::from(path),
            password: Secret::new(self.form.value("password")),
        }))
    }

    /// F5 on a device: lists the slots when none are (a token inserted since), else logs in to
    /// the chosen slot's token with the PIN.
    fn open_token(&mut self, device: DeviceStore) -> KeyWindowEvent {
        let slot = match &self.device.slots {
            Some(slots) if !slots.is_empty() => slots[self.device.slot.min(slots.len() - 1)].id,
            _ => return self.list_slots(),
        };
        if self.form.value("pin").is_empty() {
            self.problem = Some(KeyProblem::NoPin);
            self.focus_on(Focus::Password);
            return KeyWindowEvent::Nothing;
        }
        let module = match self.modules.path(device) {
            Ok(module) => module.to_path_buf(),
            Err(e) => {
                self.problem = Some(KeyProblem::Open(CallError::Token(e)));
                return KeyWindowEvent::Nothing;
            }
        };
        self.busy = true;
        self.problem = None;
        // The typed PIN leaves the field for the call: the field no longer holds it.
        let pin = Secret::new(self.form.value("pin"));
        self.form.field_mut("pin").clear();
        KeyWindowEvent::Load(Box::new(Call::OpenToken { module, slot, pin }))
    }

    fn sign(&mut self, now: DateTime<Utc>) -> KeyWindowEvent {
        if self.listed().is_none() {
            return self.refresh();
        }
        if let Err(problem) = self.check(now) {
            self.problem = Some(problem);
            return KeyWindowEvent::Nothing;
        }
        let Some((index, _)) = self.chosen() else {
            return KeyWindowEvent::Nothing;
        };
        let key = match (&self.keystore, &self.device.token) {
            (Some(keystore), _) if self.store == Store::Computer => ChosenKey::File {
                keystore: Arc::clone(keystore),
                alias: keystore.entries[index].alias.clone(),
            },
            (_, Some(token)) => {
                let listing = &token.keys[index];
                ChosenKey::Token {
                    token: Arc::clone(token),
                    // CKA_ID tells keys apart where labels repeat.
                    name: listing.id_hex.clone().unwrap_or(listing.name.clone()),
                }
            }
            _ => return KeyWindowEvent::Nothing,
        };
        let event = KeyWindowEvent::Sign {
            key,
            path: match self.store {
                Store::Computer => self.opened_path.clone(),
                Store::Device(_) => None,
            },
        };
        self.busy = true;
        self.problem = None;
        event
    }

    pub fn handle_key(&mut self, key: KeyEvent, now: DateTime<Utc>) -> KeyWindowEvent {
        if let Some(browser) = &mut self.browser {
            match browser.handle_key(key) {
                Browse::Continue => {}
                Browse::Cancelled => self.browser = None,
                Browse::Chosen(path) => {
                    self.browser = None;
                    self.form
                        .field_mut("path")
                        .set_value(&path.display().to_string());
                    self.keystore = None;
                    self.keys = SelectList::new(Vec::new());
                    self.focus_on(Focus::Password);
                }
            }
            return KeyWindowEvent::Nothing;
        }
        if self.busy {
            // Only Esc leaves while the keystore opens or the document travels.
            if key.code == KeyCode::Esc {
                self.busy = false;
                return KeyWindowEvent::Cancel;
            }
            return KeyWindowEvent::Nothing;
        }
        match self.keymap.command(&key, self.typing()) {
            Some(Command::Browse) if self.store == Store::Computer => {
                let start = PathBuf::from(self.form.value("path").trim());
                let mut browser = FileBrowser::new(FileKind::Keystore, self.key_folders.clone());
                if let Some(dir) = start.parent().filter(|d| d.is_dir()) {
                    browser = browser.at(dir);
                }
                self.browser = Some(browser);
                KeyWindowEvent::Nothing
            }
            Some(Command::Browse) => KeyWindowEvent::Nothing,
            Some(Command::Refresh) => self.refresh(),
            Some(Command::Sign) => self.sign(now),
            Some(Command::Cancel) => KeyWindowEvent::Cancel,
            Some(Command::SwitchStore) => self.use_store(self.store.next()),
            Some(Command::NextField) => {
                self.focus_on(match self.focus {
                    Focus::Path => Focus::Password,
                    Focus::Password if self.listed().is_some() => Focus::Keys,
                    Focus::Password | Focus::Keys => Focus::Path,
                });
                KeyWindowEvent::Nothing
            }
            Some(Command::PrevField) => {
                self.focus_on(match self.focus {
                    Focus::Path if self.listed().is_some() => Focus::Keys,
                    Focus::Path | Focus::Keys => Focus::Password,
                    Focus::Password => Focus::Path,
                });
                KeyWindowEvent::Nothing
            }
            None => {
                match self.focus {
                    Focus::Keys => {
                        if key.code == KeyCode::Enter {
                            return self.sign(now);
                        }
                        self.keys.handle_key(key);
                        self.problem = None;
                    }
                    // A device's slot row: the arrows choose among the slots holding a token.
                    Focus::Path if self.store != Store::Computer => {
                        let count = self.device.slots.as_ref().map_or(0, Vec::len);
                        match key.code {
                            KeyCode::Enter => return self.refresh(),
                            KeyCode::Up | KeyCode::Left if count > 0 => {
                                self.device.slot = self.device.slot.saturating_sub(1);
                            }
                            KeyCode::Down | KeyCode::Right if count > 0 => {
                                self.device.slot = (self.device.slot + 1).min(count - 1);
                            }
                            _ => return KeyWindowEvent::Nothing,
                        }
                        // Another token: its keys are listed after its own PIN.
                        self.device.token = None;
                        self.keys = SelectList::new(Vec::new());
                        self.problem = None;
                    }
                    Focus::Path | Focus::Password => {
                        if key.code == KeyCode::Enter {
                            return self.refresh();
                        }
                        let focus = self.form.focus();
                        if self.form.fields[focus].handle_key(key) {
                            self.problem = None;
                            if self.focus == Focus::Path {
                                self.keystore = None;
                            }
                            if self.focus == Focus::Password && self.store != Store::Computer {
                                // A new PIN is for logging in again.
                                self.device.token = None;
                                self.keys = SelectList::new(Vec::new());
                            }
                        }
                    }
                }
                KeyWindowEvent::Nothing
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        if self.typing() && self.browser.is_none() {
            self.form.paste(text);
        }
    }

    /// Draws the window as a dialog over `area`.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, tick: u64) {
        // Full width up to 96 columns: a narrower window would draw its corners beside the
        // border of the screen below («┌┌»).
        let popup = centered(area, area.width.min(96), area.height);
        frame.render_widget(Clear, popup);
        let (title, section, choose) = match self.purpose {
            Purpose::Auth => (
                t!("tui.key.title_auth"),
                t!("tui.key.section_auth"),
                t!("tui.key.choose_auth"),
            ),
            Purpose::Sign => (
                t!("tui.key.title_sign"),
                t!("tui.key.section_sign"),
                t!("tui.key.choose_sign"),
            ),
        };
        let inner = super::popup(frame, popup, theme, &title);
        // The problem line wraps (up to three rows, taken from the key list) so that advice such
        // as «Получите новый ключ в НУЦ РК» is never cut.
        let problem = match (&self.problem, self.busy) {
            (Some(problem), false) => super::wrap(&problem.message(), inner.width as usize),
            _ => Vec::new(),
        };
        let problem_rows = problem.len().clamp(1, 3) as u16;
        let rows = Layout::vertical([
            Constraint::Length(1),            // section
            Constraint::Length(1),            // storage type
            Constraint::Length(1),            // path
            Constraint::Length(1),            // password
            Constraint::Length(1),            // refresh / browse
            Constraint::Length(1),            // choose a key
            Constraint::Min(1),               // key list
            Constraint::Length(1),            // key data title
            Constraint::Length(5),            // key data
            Constraint::Length(problem_rows), // problem
            Constraint::Length(1),            // buttons
        ])
        .split(inner);
        frame.render_widget(
            Paragraph::new(Span::styled(section.into_owned(), theme.title())),
            rows[0],
        );
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(format!(
                    "{} {}  ",
                    t!("tui.key.storage_type"),
                    self.store.name()
                )),
                Span::styled(
                    self.keymap
                        .keys_of(Command::SwitchStore)
                        .unwrap_or_default(),
                    theme.key(),
                ),
                Span::styled(format!(" {}", t!("tui.key.switch_store")), theme.muted()),
            ])),
            rows[1],
        );
        // The labels are as wide as the longest of the rows shown.
        let labels: [&str; 2] = match self.store {
            Store::Computer => ["tui.key.path", "tui.key.password"],
            Store::Device(_) => ["tui.key.device", "tui.key.pin"],
        };
        let label_width = labels.iter().map(|k| t!(*k).width()).max().unwrap_or(0) as u16;
        match self.store {
            Store::Computer => {
                self.form.field("path").render_showing(
                    frame,
                    rows[2],
                    label_width,
                    self.focus == Focus::Path,
                    theme,
                    file_name_first(self.form.value("path")),
                );
                self.form.field("password").render(
                    frame,
                    rows[3],
                    label_width,
                    self.focus == Focus::Password,
                    theme,
                );
            }
            Store::Device(_) => {
                self.render_slot(frame, rows[2], label_width, theme);
                self.form.field("pin").render(
                    frame,
                    rows[3],
                    label_width,
                    self.focus == Focus::Password,
                    theme,
                );
            }
        }
        let mut actions = vec![Button::new(
            t!("tui.key.refresh"),
            self.keymap.keys_of(Command::Refresh),
        )];
        if self.store == Store::Computer {
            actions.push(Button::new(
                t!("tui.key.choose_certificate"),
                self.keymap.keys_of(Command::Browse),
            ));
        }
        buttons::render(frame, rows[4], &actions, None, theme);
        frame.render_widget(Paragraph::new(choose.into_owned()), rows[5]);
        let how = match self.store {
            Store::Computer => t!(
                "tui.key.list_how",
                browse = self.keymap.keys_of(Command::Browse).unwrap_or_default(),
                refresh = self.keymap.keys_of(Command::Refresh).unwrap_or_default()
            ),
            Store::Device(_) => t!(
                "tui.key.list_how_device",
                refresh = self.keymap.keys_of(Command::Refresh).unwrap_or_default()
            ),
        };
        match self.listed() {
            Some(_) => {
                let mut keys = self.keys.clone();
                keys.set_items(self.key_labels());
                keys.render(frame, rows[6], self.focus == Focus::Keys, theme);
            }
            // Before a keystore or token is open there is nothing to find yet: say how.
            None => frame.render_widget(
                Paragraph::new(how.into_owned())
                    .style(theme.muted())
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                rows[6],
            ),
        }
        frame.render_widget(
            Paragraph::new(Span::styled(t!("tui.key.data").into_owned(), theme.title())),
            rows[7],
        );
        frame.render_widget(
            Paragraph::new(self.key_data(rows[8].width as usize)),
            rows[8],
        );
        let status = if self.busy {
            Line::from(Span::styled(
                format!("{} {}", super::spinner::frame(tick), t!("tui.key.working")),
                theme.warning(),
            ))
        } else {
            Line::raw("")
        };
        let mut status = vec![status];
        if !self.busy {
            status = problem
                .into_iter()
                .map(|line| Line::from(Span::styled(line, theme.error())))
                .collect();
        }
        frame.render_widget(Paragraph::new(status), rows[9]);
        buttons::render(
            frame,
            rows[10],
            &[
                Button::new(t!("tui.key.sign"), self.keymap.keys_of(Command::Sign)),
                Button::new(t!("tui.key.cancel"), self.keymap.keys_of(Command::Cancel)),
            ],
            (self.focus == Focus::Keys).then_some(0),
            theme,
        );
        if let Some(browser) = &self.browser {
            browser.render(frame, area, theme);
        }
    }

    /// A device's slot row: «Устройство: ‹ Слот 0: …, токен «…» ›», or that they are being
    /// looked for, or that none holds a token.
    fn render_slot(&self, frame: &mut Frame, area: Rect, label_width: u16, theme: &Theme) {
        let focused = self.focus == Focus::Path;
        let label = format!(
            "{:width$} ",
            t!("tui.key.device"),
            width = label_width as usize
        );
        let value = match &self.device.slots {
            None if self.busy => t!("tui.key.device_searching").into_owned(),
            None => t!(
                "tui.key.device_insert",
                refresh = self.keymap.keys_of(Command::Refresh).unwrap_or_default()
            )
            .into_owned(),
            Some(slots) if slots.is_empty() => t!("tui.key.device_none").into_owned(),
            Some(slots) => {
                let slot = &slots[self.device.slot.min(slots.len() - 1)];
                // The token's label first: it is what the person recognises, and the
                // reader's description may be long.
                let text = t!(
                    "tui.key.token_in_slot",
                    id = slot.id,
                    description = slot.description,
                    label = slot.token.as_deref().unwrap_or_default()
                );
                if slots.len() > 1 {
                    format!("‹ {text} › ({}/{})", self.device.slot + 1, slots.len())
                } else {
                    text.into_owned()
                }
            }
        };
        let room = (area.width as usize).saturating_sub(label.width());
        let style = if focused {
            theme.selected()
        } else {
            theme.text()
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(label),
                Span::styled(truncate(&value, room), style),
            ])),
            area,
        );
    }

    /// «Данные выбранного ключа» as the seeds list them.
    fn key_data(&self, width: usize) -> Vec<Line<'static>> {
        let info = self.chosen_info();
        let row =
            |label: &str, value: String| Line::raw(truncate(&format!("{label} {value}"), width));
        let owner = info
            .map(|i| {
                let mut owner = i.subject.common_name.clone().unwrap_or_default();
                if let Some(iin) = &i.subject.iin {
                    owner.push_str(&format!(", {} {iin}", t!("tui.form.iin")));
                    if i.subject.iin_checksum_valid == Some(false) {
                        owner.push_str(&format!(" ({})", t!("tui.key.iin_checksum")));
                    }
                }
                owner
            })
            .unwrap_or_default();
        let validity = info
            .map(|i| {
                format!(
                    "{} - {}",
                    format_time(i.not_before),
                    format_time(i.not_after)
                )
            })
            .unwrap_or_default();
        let algorithm = info
            .map(|i| match i.key_bits {
                Some(bits) => format!("{} {bits}, {}", i.key_algorithm, usage_label(i.key_usage)),
                None => format!("{}, {}", i.key_algorithm, usage_label(i.key_usage)),
            })
            .unwrap_or_default();
        vec![
            row(&t!("tui.key.owner"), owner),
            row(&t!("tui.key.validity"), validity),
            row(
                &t!("tui.key.serial"),
                info.map(|i| i.serial_hex.clone()).unwrap_or_default(),
            ),
            row(
                &t!("tui.key.issuer"),
                info.and_then(|i| i.issuer.common_name.clone())
                    .unwrap_or_default(),
            ),
            row(&t!("tui.key.algorithm"), algorithm),
        ]
    }
}
