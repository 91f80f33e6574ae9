//! «Редактирование контактных данных», opened from the user's name at the top right: the tab
//! «Контакты» (e-mail and phones the notifications go to) and the tab «Привязка», where a parent
//! binds a child's application to their own IIN after the registry confirms the kinship
//! (seeds 000 and 001). At the ЦОН desk the same «Привязка» serves the citizen (issue 12):
//! [`ProfileScreen::for_citizen`] shows that tab alone and binds to the citizen's IIN.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;

use crate::api::profile::{BoundChild, Contacts, Profile};
use crate::domain::{ContactPreference, Iin};
use crate::tui::format::date;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::dialog::Dialog;
use crate::tui::widgets::form::{Field, FieldKind, Form, Message};
use crate::tui::widgets::{self, fit, tabs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Contacts,
    Binding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    SwitchTab,
    Submit,
    /// «Кто просматривал мои данные» (issue 12).
    Audit,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Submit,
        name: "submit",
        keys: &[KeyCombo::key(KeyCode::Enter), KeyCombo::f(10)],
        help: "profile.key.submit",
        hint: true,
    },
    Binding {
        command: Command::SwitchTab,
        name: "tab",
        keys: &[KeyCombo::f(6), KeyCombo::ctrl('t')],
        help: "profile.key.tab",
        hint: true,
    },
    Binding {
        command: Command::Audit,
        name: "audit",
        keys: &[KeyCombo::f(7)],
        help: "audit.title",
        hint: true,
    },
];

pub struct ProfileScreen {
    keymap: Keymap<Command>,
    tab: Tab,
    contacts: Form,
    /// The language notifications go out in, kept as the server has it.
    language: Option<crate::i18n::Lang>,
    child: Form,
    children: Vec<BoundChild>,
    /// Requests in flight.
    pending: usize,
    /// «Родство подтвердилось, данные успешно обновлены» until the user presses OK.
    notice: Option<String>,
    error: Option<String>,
    /// At the ЦОН desk: the service session of the citizen whose «Привязка» this is.
    citizen: Option<ServedCitizen>,
}

/// The citizen an operator binds children for, and the service session that allows it.
struct ServedCitizen {
    service_id: String,
    iin: Iin,
}

impl Default for ProfileScreen {
    fn default() -> Self {
        ProfileScreen::new()
    }
}

impl ProfileScreen {
    pub fn new() -> ProfileScreen {
        ProfileScreen {
            keymap: Keymap::new("profile", KEYS),
            tab: Tab::Contacts,
            contacts: Form::new(vec![
                Field::new("email", "profile.email", FieldKind::Email).required(),
                Field::new("phone", "profile.phone", FieldKind::Phone).required(),
                Field::new("extra_email", "profile.extra_email", FieldKind::Email),
                Field::new("extra_phone", "profile.extra_phone", FieldKind::Phone),
                // Issue 14: the channels notices go by (both unless the server says otherwise).
                Field::new("notify_email", "profile.notify_email", FieldKind::Flag).with_value("1"),
                Field::new("notify_sms", "profile.notify_sms", FieldKind::Flag).with_value("1"),
            ]),
            language: None,
            child: Form::new(vec![
                Field::new("child_iin", "profile.child_iin", FieldKind::Iin).required(),
            ]),
            children: Vec::new(),
            pending: 0,
            notice: None,
            error: None,
            citizen: None,
        }
    }

    /// «Привязка» for the citizen served at the ЦОН desk: the tab alone, the children bound
    /// to the citizen, a new one bound to the citizen's IIN by the registry's kinship.
    pub fn for_citizen(service_id: String, iin: Iin) -> ProfileScreen {
        let mut screen = ProfileScreen::new();
        screen.tab = Tab::Binding;
        screen.citizen = Some(ServedCitizen { service_id, iin });
        screen
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn show_tab(&mut self, tab: Tab) {
        self.tab = tab;
        self.error = None;
    }

    pub fn children(&self) -> &[BoundChild] {
        &self.children
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn contacts_form(&mut self) -> &mut Form {
        &mut self.contacts
    }

    pub fn child_form(&mut self) -> &mut Form {
        &mut self.child
    }

    fn fill(&mut self, profile: &Profile) {
        let contacts = &profile.contacts;
        for (id, value) in [
            ("email", &contacts.email),
            ("phone", &contacts.phone),
            ("extra_email", &contacts.extra_email),
            ("extra_phone", &contacts.extra_phone),
        ] {
            self.contacts
                .field_mut(id)
                .set_value(value.as_deref().unwrap_or(""));
        }
        self.language = Some(contacts.language);
        let flag = |on: bool| if on { "1" } else { "" };
        self.contacts
            .field_mut("notify_email")
            .set_value(flag(contacts.notify_by.by_email()));
        self.contacts
            .field_mut("notify_sms")
            .set_value(flag(contacts.notify_by.by_sms()));
    }

    /// The channels ticked, checked against the contacts typed: at least one, and SMS alone
    /// only with a phone. A refusal marks its box.
    fn preference(&mut self) -> Option<ContactPreference> {
        let ticked = |id| self.contacts.field(id).is_checked();
        let Some(preference) = ContactPreference::of(ticked("notify_email"), ticked("notify_sms"))
        else {
            self.contacts
                .field_mut("notify_email")
                .set_error(Message::new("profile.notify_none"));
            self.contacts.focus_on("notify_email");
            return None;
        };
        let given = |id| !self.contacts.value(id).trim().is_empty();
        if let Err(error) = preference.check(given("email"), given("phone")) {
            let field = if preference.by_sms() {
                "notify_sms"
            } else {
                "notify_email"
            };
            self.contacts
                .field_mut(field)
                .set_error(Message::new(error.message_key()));
            self.contacts.focus_on(field);
            return None;
        }
        Some(preference)
    }

    fn call(&mut self, call: Call) -> Effect {
        self.pending += 1;
        Effect::Call(call)
    }

    fn submit(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.error = None;
        match self.tab {
            Tab::Contacts => {
                for id in ["notify_email", "notify_sms"] {
                    // A box's refusal is about the boxes as they were; they are checked anew.
                    let checked = self.contacts.field(id).is_checked();
                    self.contacts
                        .field_mut(id)
                        .set_value(if checked { "1" } else { "" });
                }
                if !self.contacts.validate() {
                    return Vec::new();
                }
                let Some(notify_by) = self.preference() else {
                    return Vec::new();
                };
                let value = |id| {
                    let text = self.contacts.value(id).trim();
                    (!text.is_empty()).then(|| text.to_owned())
                };
                let contacts = Contacts {
                    email: value("email"),
                    phone: value("phone"),
                    extra_email: value("extra_email"),
                    extra_phone: value("extra_phone"),
                    language: self.language.unwrap_or(ctx.lang),
                    notify_by,
                };
                vec![self.call(Call::SaveContacts(contacts))]
            }
            Tab::Binding => {
                if !self.child.validate() {
                    return Vec::new();
                }
                match Iin::parse(self.child.value("child_iin").trim()) {
                    Ok(child) => {
                        let call = match &self.citizen {
                            Some(citizen) => Call::BindForCitizen {
                                id: citizen.service_id.clone(),
                                child,
                            },
                            None => Call::BindChild(child),
                        };
                        vec![self.call(call)]
                    }
                    Err(error) => {
                        self.error = Some(error.translated());
                        Vec::new()
                    }
                }
            }
        }
    }

    fn form(&self) -> &Form {
        match self.tab {
            Tab::Contacts => &self.contacts,
            Tab::Binding => &self.child,
        }
    }

    fn form_mut(&mut self) -> &mut Form {
        match self.tab {
            Tab::Contacts => &mut self.contacts,
            Tab::Binding => &mut self.child,
        }
    }

    fn view_children(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let iin = 14;
        let born = 14;
        let name = (area.width as usize).saturating_sub(iin + born);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{}{}{}",
                fit(&t!("profile.column.iin"), iin),
                fit(&t!("profile.column.birth_date"), born),
                fit(&t!("profile.column.full_name"), name)
            ),
            theme.title(),
        ))];
        if self.children.is_empty() {
            lines.push(Line::from(Span::styled(
                t!("profile.no_children").into_owned(),
                theme.muted(),
            )));
        }
        for child in &self.children {
            lines.push(Line::from(format!(
                "{}{}{}",
                fit(&child.iin.to_string(), iin),
                fit(&date(child.birth_date), born),
                fit(&child.full_name, name)
            )));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }
}

impl Screen for ProfileScreen {
    fn id(&self) -> &'static str {
        "profile"
    }

    fn title(&self) -> String {
        match &self.citizen {
            Some(citizen) => t!("desk.binding_title", iin = citizen.iin.to_string()).into_owned(),
            None => t!("profile.title").into_owned(),
        }
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        let mut help = self.keymap.help();
        if self.citizen.is_some() {
            // The citizen's «Привязка» alone: no contacts tab, no audit of the operator's own.
            help.retain(|h| h.name == "submit");
        }
        help
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        match &self.citizen {
            Some(citizen) => {
                let id = citizen.service_id.clone();
                vec![self.call(Call::CitizenBindings(id))]
            }
            None => vec![self.call(Call::Profile), self.call(Call::Bindings)],
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.notice.is_some() {
            // The information box takes Enter or Esc, as its «OK».
            if matches!(key.code, KeyCode::Enter | KeyCode::Esc) {
                self.notice = None;
            }
            return Some(Vec::new());
        }
        match self.keymap.command(&key, self.form().typing()) {
            Some(Command::Submit) => Some(self.submit(ctx)),
            Some(Command::SwitchTab | Command::Audit) if self.citizen.is_some() => None,
            Some(Command::SwitchTab) => {
                let next = match self.tab {
                    Tab::Contacts => Tab::Binding,
                    Tab::Binding => Tab::Contacts,
                };
                self.show_tab(next);
                Some(Vec::new())
            }
            Some(Command::Audit) => Some(vec![Effect::Push(Box::new(
                crate::tui::screens::audit::AuditScreen::new(),
            ))]),
            None => self.form_mut().handle_key(key).then(Vec::new),
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        self.form_mut().paste(text);
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        self.pending = self.pending.saturating_sub(1);
        match reply {
            Reply::Profile(result) => match result {
                Ok(profile) => self.fill(&profile),
                Err(error) => self.error = Some(error.message()),
            },
            Reply::ContactsSaved(result) => match result {
                Ok(()) => self.notice = Some(t!("profile.saved").into_owned()),
                Err(error) => self.error = Some(error.message()),
            },
            Reply::Bindings(result) => match result {
                Ok(children) => self.children = children,
                Err(error) => self.error = Some(error.message()),
            },
            Reply::Bound(result) => match result {
                Ok(child) => {
                    self.children.retain(|c| c.iin != child.iin);
                    self.children.push(child);
                    self.child.field_mut("child_iin").clear();
                    self.notice = Some(t!("profile.bound").into_owned());
                }
                Err(error) => self.error = Some(error.message()),
            },
            _ => {}
        }
        Vec::new()
    }

    fn busy(&self) -> bool {
        self.pending > 0
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::page(frame, area, theme, &self.title());
        let [tab_row, body, error_row] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(inner);
        let binding = t!("profile.tab.binding").into_owned();
        if self.citizen.is_some() {
            tabs::render(frame, tab_row, &[binding], 0, theme);
        } else {
            let titles = [t!("profile.tab.contacts").into_owned(), binding];
            let active = usize::from(self.tab == Tab::Binding);
            tabs::render(frame, tab_row, &titles, active, theme);
        }
        match self.tab {
            Tab::Contacts => {
                let rows = self.contacts.fields.len() as u16;
                let [form, button] =
                    Layout::vertical([Constraint::Length(rows + 2), Constraint::Length(1)])
                        .areas(body);
                let columns = if body.width >= 110 { 2 } else { 1 };
                self.contacts.render(frame, form, columns, theme);
                let save = Button::new(t!("profile.save"), self.keymap.keys_of(Command::Submit));
                buttons::render(frame, button, &[save], Some(0), theme);
            }
            Tab::Binding => {
                let [form, button, table] = Layout::vertical([
                    Constraint::Length(3),
                    Constraint::Length(2),
                    Constraint::Min(2),
                ])
                .areas(body);
                self.child.render(frame, form, 1, theme);
                let add = Button::new(t!("profile.add"), self.keymap.keys_of(Command::Submit));
                buttons::render(frame, button, &[add], Some(0), theme);
                self.view_children(frame, table, ctx);
            }
        }
        if let Some(error) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(error.clone(), theme.error())),
                error_row,
            );
        }
        if let Some(notice) = &self.notice {
            Dialog {
                title: t!("profile.information").into_owned(),
                lines: vec![Line::from(notice.clone())],
                buttons: vec![Button::new(t!("profile.ok"), Some("Enter".to_owned()))],
                focused: Some(0),
                border: theme.ok(),
            }
            .render(frame, area, theme);
        }
    }
}

/// What the screen held of the children (a citizen's, at the desk) is overwritten when it goes.
impl Drop for ProfileScreen {
    fn drop(&mut self) {
        for child in &mut self.children {
            zeroize::Zeroize::zeroize(&mut child.full_name);
        }
        self.children.clear();
    }
}
