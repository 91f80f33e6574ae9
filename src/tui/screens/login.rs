//! The login window «Вход в личный кабинет» (seed 000 figures 1-3): tabs «По ИИН» / «По ЭЦП»,
//! the key storage «Ваш Компьютер» / «Удостоверение личности» / «Казтокен», «Выбрать
//! сертификат» → the key window; after «Подписать» the owner's ИИН and ФИО are filled in and
//! «Войти» sends the signed login document.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;

use crate::api::auth::User;
use crate::pki::pkcs11::DeviceStore;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply, SignedLogin};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::{first_login::FirstLogin, main_menu::MainMenu};
use crate::tui::session::{Purpose, Session};
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind, Form};
use crate::tui::widgets::key_window::{KeyWindow, KeyWindowEvent, Store};
use crate::tui::widgets::{self, spinner, tabs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    ChooseCertificate,
    Enter,
    Cancel,
    NextTab,
    PrevTab,
    NextStorage,
    PrevStorage,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::ChooseCertificate,
        name: "choose_certificate",
        keys: &[KeyCombo::f(4)],
        help: "tui.login.choose_certificate",
        hint: true,
    },
    Binding {
        command: Command::Enter,
        name: "login",
        keys: &[KeyCombo::f(10), KeyCombo::key(KeyCode::Enter)],
        help: "tui.login.enter",
        hint: true,
    },
    Binding {
        command: Command::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "tui.login.cancel",
        hint: true,
    },
    Binding {
        command: Command::NextTab,
        name: "next_tab",
        keys: &[KeyCombo::key(KeyCode::Right), KeyCombo::key(KeyCode::Tab)],
        help: "tui.login.switch_tab",
        hint: false,
    },
    Binding {
        command: Command::PrevTab,
        name: "prev_tab",
        keys: &[
            KeyCombo::key(KeyCode::Left),
            KeyCombo::key(KeyCode::BackTab),
        ],
        help: "tui.login.switch_tab",
        hint: false,
    },
    Binding {
        command: Command::NextStorage,
        name: "next_storage",
        keys: &[KeyCombo::key(KeyCode::Down)],
        help: "tui.login.switch_storage",
        hint: false,
    },
    Binding {
        command: Command::PrevStorage,
        name: "prev_storage",
        keys: &[KeyCombo::key(KeyCode::Up)],
        help: "tui.login.switch_storage",
        hint: false,
    },
];

const TABS: [&str; 2] = ["tui.login.tab_iin", "tui.login.tab_key"];

/// The seeds' three storage types: a PKCS#12 file, the ID card's chip, a Kaztoken.
const STORAGES: [(&str, Store); 3] = [
    ("tui.login.storage_computer", Store::Computer),
    (
        "tui.login.storage_id_card",
        Store::Device(DeviceStore::IdCard),
    ),
    (
        "tui.login.storage_kaztoken",
        Store::Device(DeviceStore::Kaztoken),
    ),
];

/// What went wrong, shown under the form; translated when drawn.
#[derive(Debug)]
enum Problem {
    NotSigned,
    Refused(CallError),
}

pub struct Login {
    keymap: Keymap<Command>,
    tab: usize,
    storage: usize,
    form: Form,
    key_window: Option<KeyWindow>,
    signed: Option<SignedLogin>,
    sending: bool,
    problem: Option<Problem>,
    /// The keystore of the signed login: remembered for the next login only once the server
    /// has accepted it, so a refused (forged) key is never offered again.
    signed_path: Option<PathBuf>,
    /// The storage type of the signed login, for the signing windows after it.
    signed_store: Option<Store>,
}

impl Login {
    pub fn new(ctx: &Ctx) -> Login {
        Login {
            keymap: Keymap::new("login", KEYS),
            tab: 1,
            // The storage type the last key came from this session (after a logout).
            storage: STORAGES
                .iter()
                .position(|(_, store)| *store == ctx.key_store)
                .unwrap_or(0),
            form: Form::new(vec![
                Field::new("iin", "tui.form.iin", FieldKind::Text).read_only(),
                Field::new("full_name", "tui.login.full_name", FieldKind::Text).read_only(),
            ]),
            key_window: None,
            signed: None,
            sending: false,
            problem: None,
            signed_path: None,
            signed_store: None,
        }
    }

    /// Whether the key window is open (for tests).
    pub fn key_window_open(&self) -> bool {
        self.key_window.is_some()
    }

    /// The identity the signed login carries, once signed.
    pub fn signed_identity(&self) -> Option<(&str, &str)> {
        self.signed
            .as_ref()
            .map(|s| (s.iin.as_str(), s.full_name.as_str()))
    }

    /// Drops the signed login and the identity it showed.
    fn forget_signed(&mut self) {
        self.signed = None;
        self.signed_path = None;
        self.form.field_mut("iin").set_value("");
        self.form.field_mut("full_name").set_value("");
    }

    /// Opens the key window on the storage type chosen below the identity.
    fn choose_certificate(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.problem = None;
        let mut window = KeyWindow::new(
            Purpose::Auth,
            ctx.remembered.auth.clone(),
            ctx.key_folders.clone(),
        )
        .with_modules(ctx.pkcs11.clone());
        let store = STORAGES[self.storage].1;
        let event = match store {
            Store::Computer => KeyWindowEvent::Nothing,
            Store::Device(_) => window.use_store(store),
        };
        self.key_window = Some(window);
        self.window_effects(event)
    }

    /// What the key window's event asks of the app.
    fn window_effects(&mut self, event: KeyWindowEvent) -> Vec<Effect> {
        match event {
            KeyWindowEvent::Nothing => Vec::new(),
            KeyWindowEvent::Cancel => {
                self.key_window = None;
                Vec::new()
            }
            KeyWindowEvent::Load(call) => vec![Effect::Call(*call)],
            KeyWindowEvent::Sign { key, path } => {
                self.signed_path = path;
                self.signed_store = self.key_window.as_ref().map(KeyWindow::store);
                vec![Effect::Call(Call::SignLogin { key })]
            }
        }
    }

    fn on_key_window(&mut self, key: KeyEvent, ctx: &Ctx) -> Vec<Effect> {
        let Some(window) = &mut self.key_window else {
            return Vec::new();
        };
        let event = window.handle_key(key, ctx.now);
        self.window_effects(event)
    }
}

impl Screen for Login {
    fn id(&self) -> &'static str {
        "login"
    }

    fn title(&self) -> String {
        t!("tui.login.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        match &self.key_window {
            Some(window) => window.key_help(),
            None => self.keymap.help(),
        }
    }

    fn busy(&self) -> bool {
        self.sending || self.key_window.as_ref().is_some_and(KeyWindow::busy)
    }

    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        // The OS keyring may hold the session of the last run: no key needed if it still holds.
        if ctx.session.is_none() {
            vec![Effect::Call(Call::ResumeSession)]
        } else {
            Vec::new()
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.key_window.is_some() {
            return Some(self.on_key_window(key, ctx));
        }
        if self.sending {
            if key.code == KeyCode::Esc {
                self.sending = false;
            }
            return Some(Vec::new());
        }
        match self.keymap.command(&key, false)? {
            Command::ChooseCertificate => return Some(self.choose_certificate(ctx)),
            Command::Enter => match &self.signed {
                Some(signed) => {
                    self.sending = true;
                    self.problem = None;
                    return Some(vec![Effect::Call(Call::Login {
                        signed_xml: signed.signed_xml.clone(),
                    })]);
                }
                // Enter before signing opens the key window: the one way forward.
                None if key.code == KeyCode::Enter => return Some(self.choose_certificate(ctx)),
                None => self.problem = Some(Problem::NotSigned),
            },
            Command::Cancel => {
                if self.signed.is_some() {
                    self.forget_signed();
                } else {
                    return Some(vec![Effect::Pop]);
                }
            }
            Command::NextTab => self.tab = tabs::next(self.tab, TABS.len()),
            Command::PrevTab => self.tab = tabs::prev(self.tab, TABS.len()),
            Command::NextStorage => self.storage = (self.storage + 1).min(STORAGES.len() - 1),
            Command::PrevStorage => self.storage = self.storage.saturating_sub(1),
        }
        Some(Vec::new())
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        if let Some(window) = &mut self.key_window {
            window.paste(text);
        }
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Vec<Effect> {
        // The key window's own loads (keystore, slots, token) stay in it.
        let reply = match &mut self.key_window {
            Some(window) => match window.on_reply(reply) {
                Some(reply) => reply,
                None => return Vec::new(),
            },
            None => reply,
        };
        match reply {
            Reply::LoginSigned(result) => {
                match result {
                    Ok(signed) => {
                        self.key_window = None;
                        self.form.field_mut("iin").set_value(&signed.iin);
                        self.form
                            .field_mut("full_name")
                            .set_value(&signed.full_name);
                        self.signed = Some(signed);
                        self.problem = None;
                    }
                    Err(e) => {
                        if let Some(window) = &mut self.key_window {
                            window.fail(e);
                        }
                    }
                }
                Vec::new()
            }
            Reply::Resumed(Some(profile)) if self.signed.is_none() && !self.sending => {
                let contacts_missing = profile.contacts.email.is_none();
                signed_in(profile.user, contacts_missing)
            }
            Reply::LoggedIn(result) => {
                self.sending = false;
                match result {
                    Ok(login) => {
                        let mut effects: Vec<Effect> = self
                            .signed_path
                            .take()
                            .map(|path| Effect::RememberKeystore(Purpose::Auth, path))
                            .into_iter()
                            .collect();
                        effects.extend(
                            self.signed_store
                                .take()
                                .filter(|store| *store != ctx.key_store)
                                .map(Effect::KeyStoreUsed),
                        );
                        effects.extend(signed_in(login.user, login.contacts_missing));
                        effects
                    }
                    Err(e) => {
                        // A nonce is single use: a refused login needs a fresh signature, and
                        // the refused certificate's identity leaves the form.
                        self.forget_signed();
                        self.problem = Some(Problem::Refused(e));
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::card(frame, area, theme, &self.title());
        let [tab_row, _, fields, _, storage, _, note, problem, _, actions] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(3),
            Constraint::Length(2),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(inner);
        let titles: Vec<String> = TABS.iter().map(|k| t!(*k).into_owned()).collect();
        tabs::render(frame, tab_row, &titles, self.tab, theme);
        // «По ИИН» shows the identity fields first, «По ЭЦП» the key; both sign with the key.
        let label_width = Form::label_width(&self.form.fields);
        for (i, field) in self.form.fields.iter().enumerate() {
            let row = Rect {
                y: fields.y + i as u16,
                height: 1,
                ..fields
            };
            field.render(frame, row, label_width, false, theme);
        }
        let radios: Vec<Line> = STORAGES
            .iter()
            .enumerate()
            .map(|(i, (key, _))| {
                let mark = if i == self.storage { "(•)" } else { "( )" };
                let text = format!("{mark} {}", t!(*key));
                if i == self.storage {
                    Line::from(Span::styled(text, theme.selected()))
                } else {
                    Line::raw(text)
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(radios), storage);
        let untrusted = self.signed.as_ref().and_then(|s| s.untrusted.as_ref());
        let (note_text, note_style) = match (&self.signed, untrusted) {
            // Checked against the server's trust anchors: say so before anything is sent.
            (_, Some(reason)) => (
                t!(
                    "tui.login.untrusted_note",
                    reason = reason.translated(),
                    key = self
                        .keymap
                        .keys_of(Command::ChooseCertificate)
                        .unwrap_or_default()
                ),
                theme.error(),
            ),
            (Some(_), None) => (t!("tui.login.signed_note"), theme.text()),
            (None, None) if self.tab == 0 => (t!("tui.login.iin_note"), theme.text()),
            (None, None) => (t!("tui.login.key_note"), theme.text()),
        };
        frame.render_widget(
            Paragraph::new(note_text.into_owned())
                .style(note_style)
                .wrap(Wrap { trim: true }),
            note,
        );
        let problem_line = if self.sending {
            Line::from(Span::styled(
                format!("{} {}", spinner::frame(ctx.tick), t!("tui.login.sending")),
                theme.warning(),
            ))
        } else {
            match &self.problem {
                Some(Problem::NotSigned) => Line::from(Span::styled(
                    t!("tui.login.not_signed").into_owned(),
                    theme.error(),
                )),
                Some(Problem::Refused(e)) => Line::from(Span::styled(e.message(), theme.error())),
                None => Line::raw(""),
            }
        };
        frame.render_widget(
            Paragraph::new(problem_line).wrap(Wrap { trim: true }),
            problem,
        );
        let main_button = if self.signed.is_some() {
            Button::new(t!("tui.login.enter"), self.keymap.keys_of(Command::Enter))
        } else {
            Button::new(
                t!("tui.login.choose_certificate"),
                self.keymap.keys_of(Command::ChooseCertificate),
            )
        };
        buttons::render(
            frame,
            actions,
            &[
                main_button,
                Button::new(t!("tui.login.cancel"), self.keymap.keys_of(Command::Cancel)),
            ],
            Some(0),
            theme,
        );
        if let Some(window) = &self.key_window {
            window.render(frame, area, theme, ctx.tick);
        }
    }
}

/// Into the service: the first login asks for the contacts first, as the seeds say.
fn signed_in(user: User, contacts_missing: bool) -> Vec<Effect> {
    let session = Session::of(&user);
    let next: Box<dyn Screen> = if contacts_missing {
        Box::new(FirstLogin::new(user.full_name))
    } else {
        Box::new(MainMenu::new())
    };
    vec![Effect::SignedIn(session), Effect::Reset(next)]
}
