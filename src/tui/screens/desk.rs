//! «Обслуживание гражданина» (issue 12): the ЦОН operator's desk. The operator types the
//! citizen's IIN; the server sends the citizen a one-time code by SMS, and the operator types
//! the code the citizen reads out (a `--demo` server answers the code, shown marked «DEMO").
//! Then the citizen's card: name, birth date, address, children with their applications and
//! statuses. From the card: a new application for the selected child (the wizard for this
//! citizen, «Номер ЦОН» required), the citizen's journal, an application and its actions, the
//! receipt «Расписка о приеме документов» saved or printed, «Привязка» for the citizen (F8,
//! the parent's own binding screen), and «Завершить обслуживание», after which nothing of
//! the citizen is left on the screen or in memory.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;
use zeroize::Zeroize;

use crate::api::desk::{CitizenCard, Service};
use crate::api::problem::ProblemCode;
use crate::client::ClientError;
use crate::domain::{ApplicationNumber, Iin};
use crate::tui::format::{date, queue_number};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, ReceiptOutput, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::screens::journal::JournalScreen;
use crate::tui::screens::profile::ProfileScreen;
use crate::tui::screens::wizard::Wizard;
use crate::tui::session::{Secret, Serving};
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind, Form};
use crate::tui::widgets::{self, fit, spinner};

const IIN: &str = "citizen_iin";
const CODE: &str = "code";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    /// IIN: send the code; code: confirm it; card: open the selected application.
    Enter,
    Apply,
    Journal,
    SaveReceipt,
    PrintReceipt,
    /// «Привязка» for the citizen.
    Binding,
    End,
    Up,
    Down,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Enter,
        name: "enter",
        keys: &[KeyCombo::key(KeyCode::Enter), KeyCombo::f(10)],
        help: "desk.key.enter",
        hint: true,
    },
    Binding {
        command: Command::Apply,
        name: "apply",
        keys: &[KeyCombo::f(4)],
        help: "desk.key.apply",
        hint: true,
    },
    Binding {
        command: Command::Journal,
        name: "journal",
        keys: &[KeyCombo::f(7)],
        help: "desk.key.journal",
        hint: true,
    },
    Binding {
        command: Command::SaveReceipt,
        name: "save_receipt",
        keys: &[KeyCombo::f(5)],
        help: "desk.key.save_receipt",
        hint: true,
    },
    Binding {
        command: Command::PrintReceipt,
        name: "print_receipt",
        keys: &[KeyCombo::f(6)],
        help: "desk.key.print_receipt",
        hint: true,
    },
    Binding {
        command: Command::Binding,
        name: "binding",
        keys: &[KeyCombo::f(8)],
        help: "desk.key.binding",
        hint: true,
    },
    Binding {
        command: Command::End,
        name: "end",
        keys: &[KeyCombo::f(12)],
        help: "desk.key.end",
        hint: true,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[KeyCombo::key(KeyCode::Up)],
        help: "tui.keys.prev_field",
        hint: false,
    },
    Binding {
        command: Command::Down,
        name: "down",
        keys: &[KeyCombo::key(KeyCode::Down)],
        help: "tui.keys.next_field",
        hint: false,
    },
];

/// Where the service stands.
enum Stage {
    /// Typing the citizen's IIN.
    Iin,
    /// The code went to the citizen; typing what they read out.
    Code(Service),
    /// The citizen consented: their card (once loaded).
    Card {
        service: Service,
        card: Option<CitizenCard>,
    },
}

/// One line of the card's children table: a child, or one of their applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Child(usize),
    Application(usize, usize),
}

/// What a receipt request ended in, for the line under the card.
enum Outcome {
    Saved(std::path::PathBuf),
    Printed,
}

pub struct Desk {
    keymap: Keymap<Command>,
    stage: Stage,
    /// The citizen's IIN; the code (a single field each, checked as forms are).
    iin: Form,
    code: Form,
    /// The selected line of the children table.
    row: usize,
    pending: usize,
    problem: Option<CallError>,
    outcome: Option<Outcome>,
}

impl Default for Desk {
    fn default() -> Self {
        Desk::new()
    }
}

impl Desk {
    pub fn new() -> Desk {
        Desk {
            keymap: Keymap::new("desk", KEYS),
            stage: Stage::Iin,
            iin: Form::new(vec![
                Field::new(IIN, "desk.citizen_iin", FieldKind::Iin).required(),
            ]),
            code: Form::new(vec![
                Field::new(CODE, "desk.code", FieldKind::Password).required(),
            ]),
            row: 0,
            pending: 0,
            problem: None,
            outcome: None,
        }
    }

    /// The desk at the code step, for snapshots and screenshots.
    pub fn awaiting_code(service: Service) -> Desk {
        let mut desk = Desk::new();
        desk.iin
            .field_mut(IIN)
            .set_value(&service.citizen_iin.to_string());
        desk.stage = Stage::Code(service);
        desk
    }

    /// The desk showing a citizen's card, for snapshots and screenshots.
    pub fn with_card(service: Service, card: CitizenCard) -> Desk {
        let mut desk = Desk::new();
        desk.stage = Stage::Card {
            service,
            card: Some(card),
        };
        desk
    }

    /// The stage's name, for tests: `iin`, `code` or `card`.
    pub fn stage(&self) -> &'static str {
        match self.stage {
            Stage::Iin => "iin",
            Stage::Code(_) => "code",
            Stage::Card { .. } => "card",
        }
    }

    pub fn iin_field(&mut self) -> &mut Field {
        self.iin.field_mut(IIN)
    }

    pub fn code_field(&mut self) -> &mut Field {
        self.code.field_mut(CODE)
    }

    /// The card shown, if any.
    pub fn card(&self) -> Option<&CitizenCard> {
        match &self.stage {
            Stage::Card { card, .. } => card.as_ref(),
            _ => None,
        }
    }

    fn service(&self) -> Option<&Service> {
        match &self.stage {
            Stage::Iin => None,
            Stage::Code(service) | Stage::Card { service, .. } => Some(service),
        }
    }

    fn call(&mut self, call: Call) -> Effect {
        self.pending += 1;
        Effect::Call(call)
    }

    fn rows(&self) -> Vec<Row> {
        let Some(card) = self.card() else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        for (c, child) in card.children.iter().enumerate() {
            rows.push(Row::Child(c));
            rows.extend((0..child.applications.len()).map(|a| Row::Application(c, a)));
        }
        rows
    }

    fn selected(&self) -> Option<Row> {
        self.rows().get(self.row).copied()
    }

    /// The selected child's IIN.
    fn selected_child(&self) -> Option<Iin> {
        let card = self.card()?;
        let (Row::Child(c) | Row::Application(c, _)) = self.selected()?;
        Some(card.children[c].iin)
    }

    /// The selected application, or on a child's line their latest one.
    fn selected_application(&self) -> Option<ApplicationNumber> {
        let card = self.card()?;
        match self.selected()? {
            Row::Application(c, a) => Some(card.children[c].applications[a].number),
            Row::Child(c) => card.children[c]
                .applications
                .iter()
                .max_by_key(|a| a.registered_at)
                .map(|a| a.number),
        }
    }

    fn start(&mut self) -> Vec<Effect> {
        self.problem = None;
        if !self.iin.validate() {
            return Vec::new();
        }
        match Iin::parse(self.iin.value(IIN).trim()) {
            Ok(iin) => vec![self.call(Call::StartService(iin))],
            Err(_) => Vec::new(),
        }
    }

    fn confirm(&mut self) -> Vec<Effect> {
        self.problem = None;
        let Some(id) = self.service().map(|s| s.id.clone()) else {
            return Vec::new();
        };
        if !self.code.validate() {
            return Vec::new();
        }
        let code = Secret::new(self.code.value(CODE).trim());
        self.code.field_mut(CODE).clear();
        vec![self.call(Call::ConfirmCode { id, code })]
    }

    fn receipt(&mut self, output: ReceiptOutput) -> Vec<Effect> {
        let (Some(service), Some(number)) = (self.service(), self.selected_application()) else {
            return Vec::new();
        };
        let id = service.id.clone();
        self.problem = None;
        self.outcome = None;
        vec![self.call(Call::Receipt { id, number, output })]
    }

    /// «Завершить обслуживание»: the server ends the consent; the screen forgets the citizen
    /// at once, whatever the answer.
    fn end(&mut self) -> Vec<Effect> {
        let id = self.service().map(|s| s.id.clone());
        self.forget();
        let mut effects = vec![Effect::Serve(None)];
        if let Some(id) = id {
            effects.push(self.call(Call::EndService(id)));
        }
        effects
    }

    /// Wipes what the screen held of the citizen and starts over at the IIN.
    fn forget(&mut self) {
        if let Stage::Card {
            card: Some(card), ..
        } = &mut self.stage
        {
            wipe_card(card);
        }
        self.stage = Stage::Iin;
        self.iin.field_mut(IIN).clear();
        self.code.field_mut(CODE).clear();
        self.row = 0;
        self.problem = None;
        self.outcome = None;
    }

    fn on_card_key(&mut self, command: Command, ctx: &Ctx) -> Vec<Effect> {
        match command {
            Command::Enter => match self.selected() {
                Some(Row::Application(..)) => match self.selected_application() {
                    Some(number) => vec![Effect::Push(Box::new(ApplicationScreen::new(number)))],
                    None => Vec::new(),
                },
                _ => Vec::new(),
            },
            Command::Apply => {
                let child = self.selected_child();
                // The citizen's contacts on record, so they need not be typed again.
                let card = self.card();
                let email = card.and_then(|c| c.email.as_deref());
                let phone = card.and_then(|c| c.phone.as_deref());
                let wizard = Wizard::for_child(ctx, child).with_contacts(email, phone);
                vec![Effect::Push(Box::new(wizard))]
            }
            Command::Binding => match self.service() {
                Some(service) => vec![Effect::Push(Box::new(ProfileScreen::for_citizen(
                    service.id.clone(),
                    service.citizen_iin,
                )))],
                None => Vec::new(),
            },
            Command::Journal => vec![Effect::Push(Box::new(JournalScreen::new()))],
            Command::SaveReceipt => {
                let Some(number) = self.selected_application() else {
                    return Vec::new();
                };
                let name = t!("desk.receipt_file", number = number.to_string()).into_owned();
                self.receipt(ReceiptOutput::Save(ctx.downloads.join(name)))
            }
            Command::PrintReceipt => self.receipt(ReceiptOutput::Print),
            Command::End => self.end(),
            Command::Up => {
                self.row = self.row.saturating_sub(1);
                Vec::new()
            }
            Command::Down => {
                self.row = (self.row + 1).min(self.rows().len().saturating_sub(1));
                Vec::new()
            }
        }
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        self.forget();
    }
}

/// Overwrites the card's personal data before it is dropped.
fn wipe_card(card: &mut CitizenCard) {
    card.surname.zeroize();
    card.name.zeroize();
    if let Some(patronymic) = &mut card.patronymic {
        patronymic.zeroize();
    }
    for text in [&mut card.address, &mut card.email, &mut card.phone]
        .into_iter()
        .flatten()
    {
        text.zeroize();
    }
    for child in &mut card.children {
        child.full_name.zeroize();
    }
    card.children.clear();
}

/// Whether a refused code ends the attempt (expired, too many wrong, or the service gone): the
/// desk then starts over at the IIN.
fn ends_the_service(error: &CallError) -> bool {
    matches!(
        error,
        CallError::Client(ClientError::Problem(problem)) if matches!(
            problem.code,
            ProblemCode::CodeExpired
                | ProblemCode::CodeAttemptsExhausted
                | ProblemCode::ServiceEnded
                | ProblemCode::ServiceNotFound
        )
    )
}

impl Screen for Desk {
    fn id(&self) -> &'static str {
        "desk"
    }

    fn title(&self) -> String {
        t!("desk.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        let shown: &[&str] = match self.stage {
            Stage::Iin => &["enter"],
            Stage::Code(_) => &["enter", "end"],
            Stage::Card { .. } => &[
                "enter",
                "apply",
                "journal",
                "save_receipt",
                "print_receipt",
                "binding",
                "end",
                "up",
                "down",
            ],
        };
        self.keymap
            .help()
            .into_iter()
            .filter(|h| shown.contains(&h.name))
            .map(|mut h| {
                if h.name == "enter" {
                    h.text = t!(match self.stage {
                        Stage::Iin => "desk.key.send_code",
                        Stage::Code(_) => "desk.key.confirm",
                        Stage::Card { .. } => "desk.key.enter",
                    })
                    .into_owned();
                }
                h
            })
            .collect()
    }

    fn busy(&self) -> bool {
        self.pending > 0
    }

    fn unsaved(&self) -> bool {
        // Quitting in the middle of a service leaves the consent running until it lapses.
        !matches!(self.stage, Stage::Iin)
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        let typing = matches!(self.stage, Stage::Iin | Stage::Code(_));
        let command = self.keymap.command(&key, typing);
        match (&self.stage, command) {
            (Stage::Iin, Some(Command::Enter)) => Some(self.start()),
            (Stage::Iin, _) => self.iin.handle_key(key).then(Vec::new),
            (Stage::Code(_), Some(Command::Enter)) => Some(self.confirm()),
            (Stage::Code(_), Some(Command::End)) => Some(self.end()),
            (Stage::Code(_), _) => self.code.handle_key(key).then(Vec::new),
            (Stage::Card { .. }, Some(command)) => Some(self.on_card_key(command, ctx)),
            (Stage::Card { .. }, None) => None,
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        match self.stage {
            Stage::Iin => self.iin.paste(text),
            Stage::Code(_) => self.code.paste(text),
            Stage::Card { .. } => {}
        }
        Vec::new()
    }

    fn on_data_changed(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        match self.service() {
            Some(service) if matches!(self.stage, Stage::Card { .. }) => {
                let id = service.id.clone();
                vec![self.call(Call::CitizenCard(id))]
            }
            _ => Vec::new(),
        }
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        self.pending = self.pending.saturating_sub(1);
        match reply {
            Reply::ServiceStarted(Ok(service)) if matches!(self.stage, Stage::Iin) => {
                self.code.field_mut(CODE).clear();
                self.stage = Stage::Code(service);
            }
            Reply::ServiceStarted(Err(e)) => self.problem = Some(e),
            Reply::CodeConfirmed(Ok(service)) => {
                let serving = Serving {
                    service_id: service.id.clone(),
                    citizen: service.citizen_iin,
                    request_number_format: service.request_number_format.clone(),
                };
                let id = service.id.clone();
                self.stage = Stage::Card {
                    service,
                    card: None,
                };
                self.row = 0;
                return vec![
                    Effect::Serve(Some(serving)),
                    self.call(Call::CitizenCard(id)),
                ];
            }
            Reply::CodeConfirmed(Err(e)) => {
                if ends_the_service(&e) {
                    self.forget();
                }
                self.problem = Some(e);
            }
            Reply::CitizenCard(Ok(card)) => {
                if let Stage::Card { card: shown, .. } = &mut self.stage {
                    if let Some(old) = shown {
                        wipe_card(old);
                    }
                    *shown = Some(*card);
                    self.row = self.row.min(self.rows().len().saturating_sub(1));
                }
            }
            Reply::CitizenCard(Err(e)) => self.problem = Some(e),
            Reply::ReceiptDone(result) => match result {
                Ok(Some(path)) => self.outcome = Some(Outcome::Saved(path)),
                Ok(None) => self.outcome = Some(Outcome::Printed),
                Err(e) => self.problem = Some(e),
            },
            Reply::ServiceEnded(Err(e)) => {
                tracing::info!(error = %e, "ending the service failed; its consent lapses");
            }
            _ => {}
        }
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::padded(widgets::page(frame, area, theme, &self.title()));
        let [body, status, actions] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(2),
            Constraint::Length(1),
        ])
        .areas(inner);
        match &self.stage {
            Stage::Iin => self.view_iin(frame, body, ctx),
            Stage::Code(service) => self.view_code(frame, body, service, ctx),
            Stage::Card { card, .. } => self.view_card(frame, body, card.as_ref(), ctx),
        }
        let line = if self.pending > 0 {
            Line::from(Span::styled(
                format!("{} {}", spinner::frame(ctx.tick), t!("tui.loading")),
                theme.warning(),
            ))
        } else if let Some(problem) = &self.problem {
            Line::from(Span::styled(problem.message(), theme.error()))
        } else {
            match &self.outcome {
                Some(Outcome::Saved(path)) => Line::from(Span::styled(
                    t!("desk.receipt_saved", path = path.display()).into_owned(),
                    theme.ok(),
                )),
                Some(Outcome::Printed) => Line::from(Span::styled(
                    t!("desk.receipt_printed").into_owned(),
                    theme.ok(),
                )),
                None => Line::raw(""),
            }
        };
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), status);
        let button = |command, key: &str| Button::new(t!(key), self.keymap.keys_of(command));
        let shown = match self.stage {
            Stage::Iin => vec![button(Command::Enter, "desk.key.send_code")],
            Stage::Code(_) => vec![
                button(Command::Enter, "desk.key.confirm"),
                button(Command::End, "desk.key.end"),
            ],
            Stage::Card { .. } => vec![
                button(Command::Apply, "desk.key.apply"),
                button(Command::PrintReceipt, "desk.key.print_receipt"),
                button(Command::End, "desk.key.end"),
            ],
        };
        buttons::render(frame, actions, &shown, Some(0), theme);
    }
}

impl Desk {
    fn view_iin(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [intro, _, field] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(3),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(t!("desk.iin_intro").into_owned())
                .style(theme.text())
                .wrap(Wrap { trim: true }),
            intro,
        );
        self.iin.render(frame, field, 1, theme);
    }

    fn view_code(&self, frame: &mut Frame, area: Rect, service: &Service, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [intro, demo, field] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(2),
            Constraint::Length(3),
        ])
        .areas(area);
        let phone = service
            .phone
            .clone()
            .unwrap_or_else(crate::tui::format::no_value);
        frame.render_widget(
            Paragraph::new(
                t!(
                    "desk.code_intro",
                    iin = service.citizen_iin.to_string(),
                    phone = phone
                )
                .into_owned(),
            )
            .style(theme.text())
            .wrap(Wrap { trim: true }),
            intro,
        );
        // Only a demo server answers the code: shown so a new user can try the desk.
        if let Some(code) = &service.demo_code {
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(
                        " DEMO ",
                        theme
                            .warning()
                            .add_modifier(ratatui::style::Modifier::REVERSED),
                    ),
                    Span::styled(
                        format!(" {}", t!("desk.demo_code", code = code)),
                        theme.warning(),
                    ),
                ])),
                demo,
            );
        }
        self.code.render(frame, field, 1, theme);
    }

    fn view_card(&self, frame: &mut Frame, area: Rect, card: Option<&CitizenCard>, ctx: &Ctx) {
        let theme = &ctx.theme;
        let Some(card) = card else {
            return;
        };
        let [person, table] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(2)]).areas(area);
        let full_name = [
            Some(&card.surname),
            Some(&card.name),
            card.patronymic.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
        let label = |key: &str| Span::styled(format!("{}: ", t!(key)), theme.muted());
        let lines = vec![
            Line::from(vec![
                label("desk.card.name"),
                Span::styled(full_name, theme.title()),
            ]),
            Line::from(vec![
                label("desk.card.iin"),
                Span::raw(card.iin.to_string()),
                Span::raw("   "),
                label("desk.card.birth_date"),
                Span::raw(date(card.birth_date)),
            ]),
            Line::from(vec![
                label("desk.card.address"),
                Span::raw(
                    card.address
                        .clone()
                        .unwrap_or_else(crate::tui::format::no_value),
                ),
            ]),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), person);
        self.view_children(frame, table, card, ctx);
    }

    fn view_children(&self, frame: &mut Frame, area: Rect, card: &CitizenCard, ctx: &Ctx) {
        let theme = &ctx.theme;
        let width = area.width as usize;
        let mut lines = vec![Line::from(Span::styled(
            t!("desk.card.children").into_owned(),
            theme.title(),
        ))];
        if card.children.is_empty() {
            lines.push(Line::from(Span::styled(
                t!("desk.card.no_children").into_owned(),
                theme.muted(),
            )));
        }
        let rows = self.rows();
        // Keep the selected line in view.
        let room = (area.height as usize).saturating_sub(1).max(1);
        let first = self.row.saturating_sub(room - 1);
        for (index, row) in rows.iter().enumerate().skip(first).take(room) {
            let text = match *row {
                Row::Child(c) => {
                    let child = &card.children[c];
                    format!(
                        "{}  {}  {}",
                        child.full_name,
                        date(child.birth_date),
                        child.iin
                    )
                }
                Row::Application(c, a) => {
                    let app = &card.children[c].applications[a];
                    format!(
                        "   {}  {}  {} {}",
                        app.number,
                        t!(app.status.message_key()),
                        t!("desk.card.queue_number"),
                        queue_number(app.queue_number)
                    )
                }
            };
            let style = if index == self.row {
                theme.selected()
            } else if matches!(row, Row::Child(_)) {
                theme.text()
            } else {
                theme.muted()
            };
            lines.push(Line::from(Span::styled(fit(&text, width), style)));
        }
        if !card.children.is_empty() && rows.is_empty() {
            lines.push(Line::raw(""));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }
}
