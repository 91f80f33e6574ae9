//! The interface every screen implements, the read-only context it sees, and the effects it
//! returns. See the module docs of [`crate::tui`] for how to add a screen.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::api::catalogue::LocalizedName;
use crate::i18n::Lang;
use crate::tui::keymap::KeyHelp;
use crate::tui::protocol::{Call, Reply};
use crate::tui::session::{Purpose, Remembered, Serving, Session};
use crate::tui::theme::Theme;
use crate::tui::widgets::key_window::Store;

/// A full-screen page or a dialog on top of one. State → view is pure: `view` only reads;
/// `on_key` and `on_reply` change the state and return what the app should do next.
pub trait Screen: Send {
    /// Stable id: the `[keys.<id>]` table of the config and the snapshot names.
    fn id(&self) -> &'static str;

    /// The translated title shown in the frame around the screen.
    fn title(&self) -> String;

    /// The screen's keymap as the user sees it (hint line and `?` overlay).
    fn key_help(&self) -> Vec<KeyHelp>;

    /// Called once when the screen enters the stack: start loading what it shows.
    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let _ = ctx;
        Vec::new()
    }

    /// A key press. `None` means "not mine": the app then applies its global keys (Esc back,
    /// `?` help). Return `Some(vec![])` to swallow a key without effects.
    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>>;

    /// The answer to a [`Call`] this screen asked for.
    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Vec<Effect> {
        let _ = (reply, ctx);
        Vec::new()
    }

    /// Text pasted into the terminal (bracketed paste), e.g. an application number.
    fn on_paste(&mut self, text: &str, ctx: &Ctx) -> Vec<Effect> {
        let _ = (text, ctx);
        Vec::new()
    }

    /// Another screen changed data on the server (an application acted on): a screen that
    /// lists such data asks for it again, so it is fresh when the user comes back to it.
    fn on_data_changed(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let _ = ctx;
        Vec::new()
    }

    /// Whether a request is in flight: the app keeps the spinner turning while it is.
    fn busy(&self) -> bool {
        false
    }

    /// Whether the screen is a dialog: the app draws the screen below it first.
    fn is_dialog(&self) -> bool {
        false
    }

    /// Whether the screen holds input that quitting would lose: the app asks before quitting.
    fn unsaved(&self) -> bool {
        false
    }

    /// Draws the screen into `area` (the space between the status bar and the hint line).
    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx);
}

/// What a screen asks the app to do.
pub enum Effect {
    /// Open a screen on top of this one; Esc comes back.
    Push(Box<dyn Screen>),
    /// Close this screen.
    Pop,
    /// Replace this screen (a wizard step by the next one).
    Replace(Box<dyn Screen>),
    /// Drop every screen and start over from this one (after login, after logout).
    Reset(Box<dyn Screen>),
    /// Close this screen and hand `Reply` to the screen below (a dialog's result: the signing
    /// window returns the server's answer to the wizard or the application screen).
    Return(Reply),
    /// This screen changed data on the server: the other screens on the stack get
    /// [`Screen::on_data_changed`].
    DataChanged,
    /// Run a request in a background task; its [`Reply`] comes back to this screen's
    /// `on_reply` (dropped if the screen is gone by then).
    Call(Call),
    /// The user logged in: the status bar shows them from now on.
    SignedIn(Session),
    /// The user logged out or the session expired: the app ends the session ([`Call::Logout`]:
    /// on the server and in the OS keyring).
    SignedOut,
    /// The keystore just used for `purpose`: the next key window starts there.
    RememberKeystore(Purpose, PathBuf),
    /// The settlement the user chose, shown in the status bar and used for region-scoped calls.
    Region(RegionChoice),
    /// The storage type of the key just accepted: the next key windows start on it.
    KeyStoreUsed(Store),
    /// The ЦОН desk: the citizen the operator now serves, or `None` after «Завершить
    /// обслуживание» (nothing of the citizen stays in the context).
    Serve(Option<Serving>),
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Push(s) => write!(f, "Push({})", s.id()),
            Effect::Pop => f.write_str("Pop"),
            Effect::Replace(s) => write!(f, "Replace({})", s.id()),
            Effect::Reset(s) => write!(f, "Reset({})", s.id()),
            Effect::Call(call) => write!(f, "Call({call:?})"),
            Effect::DataChanged => f.write_str("DataChanged"),
            Effect::Return(reply) => write!(f, "Return({reply:?})"),
            Effect::SignedIn(s) => write!(f, "SignedIn({})", s.full_name),
            Effect::SignedOut => f.write_str("SignedOut"),
            Effect::Region(r) => write!(f, "Region({})", r.settlement_code),
            Effect::RememberKeystore(p, path) => {
                write!(f, "RememberKeystore({p:?}, {})", path.display())
            }
            Effect::KeyStoreUsed(store) => write!(f, "KeyStoreUsed({store:?})"),
            Effect::Serve(serving) => write!(f, "Serve({})", serving.is_some()),
        }
    }
}

/// The region and settlement chosen on the first screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    pub region_code: String,
    /// Names in the three languages: the status bar re-words them on F2.
    pub region_name: LocalizedName,
    pub district_name: LocalizedName,
    pub settlement_code: String,
    pub settlement_name: LocalizedName,
}

/// The state of the link to the backend, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Nothing asked yet.
    Unknown,
    /// The last request reached the server.
    Online,
    /// The last request could not reach the server.
    Offline,
}

/// What every screen may read: language, theme, who is logged in, where, and the folders.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub theme: Theme,
    pub session: Option<Session>,
    pub region: Option<RegionChoice>,
    pub connection: Connection,
    /// Where the backend is: "embedded" address or the remote URL, for the status bar.
    pub server: String,
    /// The time of the event being handled (the loop sets it; tests pin it): key validity and
    /// «today» for validation (a child under 7 *today*).
    pub now: DateTime<Utc>,
    /// Folders the file browser offers first (key folders of the config, the demo keystores).
    pub key_folders: Vec<PathBuf>,
    /// Where downloaded documents go unless the user says otherwise.
    pub downloads: PathBuf,
    pub remembered: Remembered,
    /// A one-time notice for the hint line (an i18n key), gone with the next key press.
    pub notice: Option<&'static str>,
    /// Frame counter for the spinner, advanced while a request is in flight.
    pub tick: u64,
    /// The PKCS#11 modules of the device stores (config `[pkcs11]`, environment overrides).
    pub pkcs11: crate::pki::pkcs11::ModulePaths,
    /// The storage type of the last key the server accepted this run.
    pub key_store: Store,
    /// The logged-in user's unread messages («Уведомления»), as last counted by the server;
    /// `None` before the first count and without a session.
    pub unread: Option<u64>,
    /// The citizen an operator serves at the ЦОН desk, if any.
    pub serving: Option<Serving>,
    /// The terminal's graphics protocol for scans, when it has one (`tui::graphics`); `None`
    /// draws them in half-block characters, as tests and snapshots always do.
    pub picker: Option<ratatui_image::picker::Picker>,
}

impl Ctx {
    /// Today in Kazakhstan (UTC+5, one zone since 2024), whatever the machine's zone.
    pub fn today(&self) -> NaiveDate {
        let almaty = FixedOffset::east_opt(5 * 3600).expect("valid offset");
        self.now.with_timezone(&almaty).date_naive()
    }

    /// A context for tests and benchmarks: no session, monochrome, a fixed date.
    pub fn for_tests(lang: Lang) -> Ctx {
        Ctx {
            lang,
            theme: Theme::MONO,
            session: None,
            region: None,
            connection: Connection::Unknown,
            server: "http://127.0.0.1:0".to_owned(),
            now: DateTime::parse_from_rfc3339("2026-11-30T09:00:00+05:00")
                .expect("valid time")
                .with_timezone(&Utc),
            key_folders: Vec::new(),
            downloads: std::env::temp_dir(),
            remembered: Remembered::default(),
            notice: None,
            tick: 0,
            pkcs11: crate::pki::pkcs11::ModulePaths::default(),
            key_store: Store::Computer,
            unread: None,
            serving: None,
            picker: None,
        }
    }

    /// A new document envelope: at the ЦОН desk it names the citizen served.
    pub fn envelope(&self) -> crate::api::documents::Envelope {
        let mut envelope = crate::api::documents::Envelope::now();
        if let Some(serving) = &self.serving {
            envelope.citizen = Some(serving.citizen);
        }
        envelope
    }
}
