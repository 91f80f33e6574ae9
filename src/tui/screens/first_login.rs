//! First login: «При первом входе в систему, необходимо указать электронную почту». The e-mail
//! and the phone are required before anything else; saved through the profile endpoint.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;

use crate::api::profile::Contacts;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::main_menu::MainMenu;
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind, Form};
use crate::tui::widgets::{self, spinner};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Save,
    Logout,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Save,
        name: "save",
        keys: &[KeyCombo::f(10), KeyCombo::key(KeyCode::Enter)],
        help: "tui.first_login.save",
        hint: true,
    },
    Binding {
        command: Command::Logout,
        name: "logout",
        keys: &[KeyCombo::f(12)],
        help: "tui.keys.logout",
        hint: true,
    },
];

pub struct FirstLogin {
    keymap: Keymap<Command>,
    full_name: String,
    form: Form,
    saving: bool,
    error: Option<CallError>,
}

impl FirstLogin {
    pub fn new(full_name: String) -> FirstLogin {
        FirstLogin {
            keymap: Keymap::new("first_login", KEYS),
            full_name,
            form: Form::new(vec![
                Field::new("email", "tui.form.email", FieldKind::Email).required(),
                Field::new("phone", "tui.form.phone", FieldKind::Phone).required(),
            ]),
            saving: false,
            error: None,
        }
    }

    pub fn form_mut(&mut self) -> &mut Form {
        &mut self.form
    }

    fn save(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if !self.form.validate() {
            return Vec::new();
        }
        self.saving = true;
        self.error = None;
        let contacts = Contacts {
            email: Some(self.form.value("email").trim().to_owned()),
            phone: Some(self.form.value("phone").trim().to_owned()),
            extra_email: None,
            extra_phone: None,
            language: ctx.lang,
        };
        vec![Effect::Call(Call::SaveContacts(contacts))]
    }
}

impl Screen for FirstLogin {
    fn id(&self) -> &'static str {
        "first_login"
    }

    fn title(&self) -> String {
        t!("tui.first_login.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn busy(&self) -> bool {
        self.saving
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.saving {
            return Some(Vec::new());
        }
        match self.keymap.command(&key, self.form.typing()) {
            Some(Command::Save) => Some(self.save(ctx)),
            Some(Command::Logout) => Some(vec![
                Effect::SignedOut,
                Effect::Reset(crate::tui::screens::start(ctx)),
            ]),
            None => {
                // Esc must not skip this step: the seeds require the e-mail first.
                if key.code == KeyCode::Esc {
                    return Some(Vec::new());
                }
                self.form.handle_key(key).then(Vec::new)
            }
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        self.form.paste(text);
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::ContactsSaved(Ok(())) => {
                self.saving = false;
                vec![Effect::Reset(Box::new(MainMenu::new()))]
            }
            Reply::ContactsSaved(Err(e)) => {
                self.saving = false;
                self.error = Some(e);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::card(frame, area, theme, &self.title());
        let [greeting, notice, _, fields, status, _, actions] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(4),
            Constraint::Length(1),
            Constraint::Length(4),
            Constraint::Length(2),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(t!("tui.first_login.greeting", name = self.full_name).into_owned())
                .wrap(Wrap { trim: true }),
            greeting,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(
                t!("tui.first_login.notice").into_owned(),
                theme.warning(),
            ))
            .wrap(Wrap { trim: true }),
            notice,
        );
        self.form.render(frame, fields, 1, theme);
        let status_text = if self.saving {
            Span::styled(
                format!(
                    "{} {}",
                    spinner::frame(ctx.tick),
                    t!("tui.first_login.saving")
                ),
                theme.warning(),
            )
        } else if let Some(e) = &self.error {
            Span::styled(e.message(), theme.error())
        } else {
            Span::raw("")
        };
        frame.render_widget(
            Paragraph::new(status_text).wrap(Wrap { trim: true }),
            status,
        );
        buttons::render(
            frame,
            actions,
            &[
                Button::new(
                    t!("tui.first_login.save"),
                    self.keymap.keys_of(Command::Save),
                ),
                Button::new(t!("tui.menu.logout"), self.keymap.keys_of(Command::Logout)),
            ],
            Some(0),
            theme,
        );
    }
}
