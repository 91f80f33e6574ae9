//! The key window «Формирование ЭЦП» (seed 000 figure 2, seed 002 figures 8-9): storage type,
//! path to the keystore (with the file browser), password, «Обновить список ключей», the key
//! list, the chosen key's data (owner, validity, serial number, issuer, algorithm) and
//! «Подписать» / «Отмена».
//!
//! The window checks the key before anything is sent: an expired or not yet valid certificate,
//! a SIGN key offered for login or an AUTH key offered for signing is explained on the spot.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use rust_i18n::t;

use crate::pki::certificate::{CertificateInfo, KeyUsageClass};
use crate::pki::keystore::Keystore;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::CallError;
use crate::tui::session::{Purpose, Secret};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Browse,
    Refresh,
    Sign,
    Cancel,
    NextField,
    PrevField,
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
    /// Open the keystore (a [`crate::tui::protocol::Call::OpenKeystore`]).
    Open {
        path: PathBuf,
        password: Secret,
    },
    /// The user signs with this key; the checks passed.
    Sign {
        keystore: Arc<Keystore>,
        alias: String,
        path: PathBuf,
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

pub struct KeyWindow {
    purpose: Purpose,
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
        ]);
        let mut window = KeyWindow {
            purpose,
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

    fn focus_on(&mut self, focus: Focus) {
        self.focus = focus;
        match focus {
            Focus::Path => self.form.focus_on("path"),
            Focus::Password => self.form.focus_on("password"),
            Focus::Keys => {}
        }
    }

    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    pub fn busy(&self) -> bool {
        self.busy
    }

    /// Whether plain characters are text (path or password), not hotkeys.
    pub fn typing(&self) -> bool {
        self.browser.is_some() || self.focus != Focus::Keys
    }

    pub fn key_help(&self) -> Vec<KeyHelp> {
        match &self.browser {
            Some(browser) => browser.key_help(),
            None => self.keymap.help(),
        }
    }

    pub fn problem(&self) -> Option<&KeyProblem> {
        self.problem.as_ref()
    }

    /// The host reports a failure of the step after «Подписать» (shown in the window).
    pub fn fail(&mut self, error: CallError) {
        self.busy = false;
        self.problem = Some(KeyProblem::After(error));
    }

    /// The host started the step after «Подписать»; the spinner turns until it answers.
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// The entry the list highlights.
    fn chosen(&self) -> Option<(&Arc<Keystore>, usize)> {
        let keystore = self.keystore.as_ref()?;
        let index = self.keys.selected()?;
        (index < keystore.entries.len()).then_some((keystore, index))
    }

    fn chosen_info(&self) -> Option<&CertificateInfo> {
        self.chosen()
            .map(|(keystore, i)| keystore.entries[i].certificate.info())
    }

    /// The answer to [`KeyWindowEvent::Open`].
    pub fn on_opened(&mut self, result: Result<Arc<Keystore>, CallError>) {
        self.busy = false;
        match result {
            Ok(keystore) => {
                self.keys = SelectList::new(Self::key_labels(&keystore));
                // Preselect the first key fit for the purpose, as NCALayer does.
                if let Some(fit) = keystore
                    .entries
                    .iter()
                    .position(|e| e.certificate.info().key_usage == self.purpose.usage())
                {
                    self.keys.select(fit);
                }
                self.opened_path = Some(PathBuf::from(self.form.value("path").trim()));
                self.keystore = Some(keystore);
                self.problem = None;
                self.focus = Focus::Keys;
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

    /// One line per key: owner, what the key is for, alias (re-worded on F2 when drawn).
    fn key_labels(keystore: &Keystore) -> Vec<String> {
        keystore
            .entries
            .iter()
            .map(|e| {
                let info = e.certificate.info();
                let owner = info.subject.common_name.clone().unwrap_or_default();
                format!("{owner} — {} — {}", usage_label(info.key_usage), e.alias)
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
        KeyWindowEvent::Open {
            path: PathBuf::from(path),
            password: Secret::new(self.form.value("password")),
        }
    }

    fn sign(&mut self, now: DateTime<Utc>) -> KeyWindowEvent {
        if self.keystore.is_none() {
            return self.refresh();
        }
        if let Err(problem) = self.check(now) {
            self.problem = Some(problem);
            return KeyWindowEvent::Nothing;
        }
        let Some((keystore, index)) = self.chosen() else {
            return KeyWindowEvent::Nothing;
        };
        let event = KeyWindowEvent::Sign {
            keystore: Arc::clone(keystore),
            alias: keystore.entries[index].alias.clone(),
            path: self.opened_path.clone().unwrap_or_default(),
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
            Some(Command::Browse) => {
                let start = PathBuf::from(self.form.value("path").trim());
                let mut browser = FileBrowser::new(FileKind::Keystore, self.key_folders.clone());
                if let Some(dir) = start.parent().filter(|d| d.is_dir()) {
                    browser = browser.at(dir);
                }
                self.browser = Some(browser);
                KeyWindowEvent::Nothing
            }
            Some(Command::Refresh) => self.refresh(),
            Some(Command::Sign) => self.sign(now),
            Some(Command::Cancel) => KeyWindowEvent::Cancel,
            Some(Command::NextField) => {
                self.focus_on(match self.focus {
                    Focus::Path => Focus::Password,
                    Focus::Password if self.keystore.is_some() => Focus::Keys,
                    Focus::Password | Focus::Keys => Focus::Path,
                });
                KeyWindowEvent::Nothing
            }
            Some(Command::PrevField) => {
                self.focus_on(match self.focus {
                    Focus::Path if self.keystore.is_some() => Focus::Keys,
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
                        }
                    }
                }
                KeyWindowEvent::Nothing
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        if self.focus != Focus::Keys && self.browser.is_none() {
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
            Paragraph::new(format!(
                "{} {}",
                t!("tui.key.storage_type"),
                t!("tui.key.storage_computer")
            )),
            rows[1],
        );
        let label_width = Form::label_width(&self.form.fields);
        self.form.fields[0].render_showing(
            frame,
            rows[2],
            label_width,
            self.focus == Focus::Path,
            theme,
            file_name_first(self.form.value("path")),
        );
        self.form.fields[1].render(
            frame,
            rows[3],
            label_width,
            self.focus == Focus::Password,
            theme,
        );
        buttons::render(
            frame,
            rows[4],
            &[
                Button::new(t!("tui.key.refresh"), self.keymap.keys_of(Command::Refresh)),
                Button::new(
                    t!("tui.key.choose_certificate"),
                    self.keymap.keys_of(Command::Browse),
                ),
            ],
            None,
            theme,
        );
        frame.render_widget(Paragraph::new(choose.into_owned()), rows[5]);
        match &self.keystore {
            Some(keystore) => {
                let mut keys = self.keys.clone();
                keys.set_items(Self::key_labels(keystore));
                keys.render(frame, rows[6], self.focus == Focus::Keys, theme);
            }
            // Before a keystore is open there is nothing to find yet: say how to get the keys.
            None => frame.render_widget(
                Paragraph::new(
                    t!(
                        "tui.key.list_how",
                        browse = self.keymap.keys_of(Command::Browse).unwrap_or_default(),
                        refresh = self.keymap.keys_of(Command::Refresh).unwrap_or_default()
                    )
                    .into_owned(),
                )
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
