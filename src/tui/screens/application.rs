//! One application, as the seeds show it after a click on a journal row: the tabs «Информация о
//! заявлении», «История изменений», «Общие документы» and the history of the queue number with
//! each change's cause, and below them the actions the server allows now, as buttons.
//!
//! ←/→ reach the buttons and Enter presses one; each action also has its own F-key and Ctrl
//! key. A button opens its dialog ([`super::actions`]), then the signing window; the server's
//! answer comes back here: on success everything is reloaded (and the journal below is told),
//! on a refusal the translated reason is shown and nothing changes.
//!
//! F5 reloads it from the server: positions are live, never last night's.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Wrap};
use rust_i18n::t;
use unicode_width::UnicodeWidthStr;

use crate::api::applications::{
    ApplicationDetail, DocumentInfo, DocumentKind, HistoryEntry, PositionChange,
};
use crate::api::catalogue::{Kindergarten, KindergartenQuery};
use crate::api::notices::{DeliveryState, Message};
use crate::domain::scan;
use crate::domain::wizard::FileKind;
use crate::domain::{ActionKind, ApplicationNumber, BenefitClass, Role};
use crate::tui::format::{
    benefit_name, date, date_time, day_of, deadline, document_file_name, no_value, queue_number,
};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply, Sent};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::actions::ActionDialog;
use crate::tui::theme::Theme;
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::file_browser::human_size;
use crate::tui::widgets::{self, fit, tabs, wrap};

/// The applicant's actions in the order of the seeds' buttons; the server decides which show.
const ACTION_ORDER: [ActionKind; 7] = [
    ActionKind::ConfirmInterest,
    ActionKind::ChangeBenefit,
    ActionKind::Withdraw,
    ActionKind::AcceptOffer,
    ActionKind::DeclineOffer,
    ActionKind::RevokeDirection,
    ActionKind::ExtendDirection,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Info,
    History,
    Documents,
    Positions,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Info, Tab::History, Tab::Documents, Tab::Positions];

    fn title(self) -> String {
        match self {
            Tab::Info => t!("application.tab.info"),
            Tab::History => t!("application.tab.history"),
            Tab::Documents => t!("application.tab.documents"),
            Tab::Positions => t!("application.tab.positions"),
        }
        .into_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    NextTab,
    PrevTab,
    NextAction,
    PrevAction,
    Act,
    Up,
    Down,
    Download,
    Reload,
    /// Open the dialog of one action directly.
    Do(ActionKind),
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::NextTab,
        name: "next_tab",
        keys: &[KeyCombo::key(KeyCode::Tab)],
        help: "application.key.tab",
        hint: true,
    },
    Binding {
        command: Command::PrevTab,
        name: "prev_tab",
        keys: &[KeyCombo::key(KeyCode::BackTab)],
        help: "application.key.tab",
        hint: false,
    },
    Binding {
        command: Command::NextAction,
        name: "next_action",
        keys: &[KeyCombo::key(KeyCode::Right)],
        help: "application.key.actions",
        hint: true,
    },
    Binding {
        command: Command::PrevAction,
        name: "prev_action",
        keys: &[KeyCombo::key(KeyCode::Left)],
        help: "application.key.actions",
        hint: false,
    },
    Binding {
        command: Command::Act,
        name: "act",
        keys: &[KeyCombo::key(KeyCode::Enter), KeyCombo::f(9)],
        help: "application.key.act",
        hint: true,
    },
    Binding {
        command: Command::Download,
        name: "download",
        keys: &[KeyCombo::char('d'), KeyCombo::f(3)],
        help: "application.key.download",
        hint: true,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::f(5), KeyCombo::ctrl('r')],
        help: "application.key.reload",
        hint: false,
    },
    Binding {
        command: Command::Do(ActionKind::ConfirmInterest),
        name: "confirm_interest",
        keys: &[KeyCombo::f(4), KeyCombo::ctrl('k')],
        help: "domain.action.confirm-interest",
        hint: true,
    },
    Binding {
        command: Command::Do(ActionKind::ChangeBenefit),
        name: "change_benefit",
        keys: &[KeyCombo::f(6), KeyCombo::ctrl('b')],
        help: "domain.action.change-benefit",
        hint: true,
    },
    Binding {
        command: Command::Do(ActionKind::Withdraw),
        name: "withdraw",
        keys: &[KeyCombo::f(7), KeyCombo::ctrl('w')],
        help: "domain.action.withdraw",
        hint: true,
    },
    Binding {
        command: Command::Do(ActionKind::AcceptOffer),
        name: "accept_offer",
        keys: &[KeyCombo::f(8), KeyCombo::ctrl('a')],
        help: "domain.action.accept-offer",
        hint: true,
    },
    // F11 and F12 are often taken by the terminal (full screen): Ctrl comes first.
    Binding {
        command: Command::Do(ActionKind::DeclineOffer),
        name: "decline_offer",
        keys: &[KeyCombo::ctrl('d'), KeyCombo::f(11)],
        help: "domain.action.decline-offer",
        hint: true,
    },
    Binding {
        command: Command::Do(ActionKind::RevokeDirection),
        name: "revoke_direction",
        keys: &[KeyCombo::ctrl('o'), KeyCombo::f(12)],
        help: "domain.action.revoke-direction",
        hint: true,
    },
    Binding {
        command: Command::Do(ActionKind::ExtendDirection),
        name: "extend_direction",
        keys: &[KeyCombo::f(10), KeyCombo::ctrl('e')],
        help: "domain.action.extend-direction",
        hint: true,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[KeyCombo::key(KeyCode::Up)],
        help: "application.key.scroll",
        hint: false,
    },
    Binding {
        command: Command::Down,
        name: "down",
        keys: &[KeyCombo::key(KeyCode::Down)],
        help: "application.key.scroll",
        hint: false,
    },
];

/// A part of the application that arrives by its own request.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    fn from_result(result: Result<T, CallError>) -> Load<T> {
        match result {
            Ok(value) => Load::Ready(value),
            Err(error) => Load::Failed(error.message()),
        }
    }

    fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(value) => Some(value),
            _ => None,
        }
    }
}

/// The line under the buttons: the outcome of the last download or action.
#[derive(Debug)]
enum Notice {
    Saved(PathBuf),
    Acted(ActionKind),
    Failed(CallError),
}

pub struct ApplicationScreen {
    number: ApplicationNumber,
    keymap: Keymap<Command>,
    tab: Tab,
    detail: Load<Box<ApplicationDetail>>,
    history: Load<Vec<HistoryEntry>>,
    documents: Load<Vec<DocumentInfo>>,
    positions: Load<Vec<PositionChange>>,
    /// The messages sent about it and how their delivery went (issue 14), under its history.
    messages: Load<Vec<Message>>,
    /// The focused action button, an index into [`Self::actions`].
    action: usize,
    /// Whether ←/→ put the keyboard on the buttons (Enter presses one there, not «Скачать»).
    on_buttons: bool,
    /// The action whose dialog is open, until the server answers.
    pending: Option<ActionKind>,
    /// The region's kindergartens, to name the codes of an offer or a direction.
    kindergartens: Vec<Kindergarten>,
    /// The highlighted document, or the first line shown on the scrolling tabs.
    cursor: usize,
    notice: Option<Notice>,
}

impl ApplicationScreen {
    pub fn new(number: ApplicationNumber) -> ApplicationScreen {
        ApplicationScreen {
            number,
            keymap: Keymap::new("application", KEYS),
            tab: Tab::Info,
            detail: Load::Loading,
            history: Load::Loading,
            documents: Load::Loading,
            positions: Load::Loading,
            messages: Load::Loading,
            action: 0,
            on_buttons: false,
            pending: None,
            kindergartens: Vec::new(),
            cursor: 0,
            notice: None,
        }
    }

    /// A screen already filled, for snapshots and screenshots that run without a server.
    pub fn with_data(
        detail: ApplicationDetail,
        history: Vec<HistoryEntry>,
        documents: Vec<DocumentInfo>,
        positions: Vec<PositionChange>,
    ) -> ApplicationScreen {
        let mut screen = ApplicationScreen::new(detail.state.number);
        screen.detail = Load::Ready(Box::new(detail));
        screen.history = Load::Ready(history);
        screen.documents = Load::Ready(documents);
        screen.positions = Load::Ready(positions);
        screen.messages = Load::Ready(Vec::new());
        screen
    }

    /// The messages about the application, for screens filled without a server.
    pub fn with_messages(mut self, messages: Vec<Message>) -> ApplicationScreen {
        self.messages = Load::Ready(messages);
        self
    }

    pub fn number(&self) -> ApplicationNumber {
        self.number
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// The region's kindergartens, for screens filled without a server.
    pub fn with_kindergartens(mut self, kindergartens: Vec<Kindergarten>) -> ApplicationScreen {
        self.kindergartens = kindergartens;
        self
    }

    /// The translated line under the buttons, if any.
    pub fn notice(&self) -> Option<String> {
        self.notice.as_ref().map(|notice| match notice {
            Notice::Saved(path) => {
                t!("application.documents.saved", path = path.display()).into_owned()
            }
            Notice::Acted(kind) => {
                t!("application.dialog.done", action = t!(kind.message_key())).into_owned()
            }
            Notice::Failed(error) => error.message(),
        })
    }

    pub fn show_tab(&mut self, tab: Tab) {
        self.tab = tab;
        self.cursor = 0;
    }

    /// The requests that fill the screen.
    fn load(&self) -> Vec<Effect> {
        [
            Call::Application(self.number),
            Call::History(self.number),
            Call::Documents(self.number),
            Call::Positions(self.number),
            Call::Messages(self.number),
        ]
        .into_iter()
        .map(Effect::Call)
        .collect()
    }

    /// The actions the server allows now, in the seeds' order; unknown codes are ignored.
    pub fn actions(&self) -> Vec<ActionKind> {
        let Some(detail) = self.detail.ready() else {
            return Vec::new();
        };
        ACTION_ORDER
            .into_iter()
            .filter(|kind| detail.allowed_actions.contains(kind))
            .collect()
    }

    fn documents_in_order(&self) -> Vec<&DocumentInfo> {
        let Some(documents) = self.documents.ready() else {
            return Vec::new();
        };
        let (attachments, generated): (Vec<_>, Vec<_>) = documents
            .iter()
            .partition(|d| d.kind == DocumentKind::Attachment);
        attachments.into_iter().chain(generated).collect()
    }

    fn command(&mut self, command: Command, ctx: &Ctx) -> Vec<Effect> {
        let actions = self.actions();
        match command {
            Command::NextTab => {
                let index = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                self.show_tab(Tab::ALL[tabs::next(index, Tab::ALL.len())]);
            }
            Command::PrevTab => {
                let index = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                self.show_tab(Tab::ALL[tabs::prev(index, Tab::ALL.len())]);
            }
            // The first arrow only puts the keyboard on the highlighted button.
            Command::NextAction if !actions.is_empty() => {
                if self.on_buttons {
                    self.action = (self.action + 1) % actions.len();
                }
                self.on_buttons = true;
            }
            Command::PrevAction if !actions.is_empty() => {
                if self.on_buttons {
                    self.action = (self.action + actions.len() - 1) % actions.len();
                }
                self.on_buttons = true;
            }
            Command::Act if self.tab == Tab::Documents && !self.on_buttons => {
                return self.download(ctx);
            }
            Command::Act if self.on_buttons => {
                if let Some(kind) = actions.get(self.action).copied() {
                    return self.open_dialog(kind);
                }
            }
            Command::Act => {}
            Command::Do(kind) => return self.open_dialog(kind),
            Command::Download => return self.download(ctx),
            Command::Reload => {
                // A fresh look at the application: the last action's message is history now.
                self.notice = None;
                return self.load();
            }
            Command::Up => {
                self.on_buttons = false;
                self.cursor = self.cursor.saturating_sub(1);
            }
            Command::Down => {
                self.on_buttons = false;
                let last = match self.tab {
                    Tab::Documents => self.documents_in_order().len().saturating_sub(1),
                    _ => usize::MAX,
                };
                self.cursor = (self.cursor + 1).min(last);
            }
            Command::NextAction | Command::PrevAction => {}
        }
        Vec::new()
    }

    /// The dialog of `kind`, when the server allows it now.
    fn open_dialog(&mut self, kind: ActionKind) -> Vec<Effect> {
        let Some(i) = self.actions().iter().position(|k| *k == kind) else {
            return Vec::new();
        };
        self.action = i;
        self.pending = Some(kind);
        self.notice = None;
        let Some(detail) = self.detail.ready() else {
            return Vec::new();
        };
        let dialog = ActionDialog::new(kind, detail, &self.kindergartens);
        vec![Effect::Push(Box::new(dialog))]
    }

    /// The server's answer to a signed action.
    fn on_sent(&mut self, result: Result<Sent, CallError>) -> Vec<Effect> {
        let kind = self.pending.take();
        match result {
            Ok(Sent::Acted(detail)) => {
                self.detail = Load::Ready(detail);
                self.action = self.action.min(self.actions().len().saturating_sub(1));
                self.on_buttons = false;
                if let Some(kind) = kind {
                    self.notice = Some(Notice::Acted(kind));
                }
                let mut effects = self.load();
                effects.push(Effect::DataChanged);
                effects
            }
            Ok(_) => Vec::new(),
            Err(error) => {
                self.notice = Some(Notice::Failed(error));
                Vec::new()
            }
        }
    }

    /// «Скачать»: the highlighted document into the downloads folder, under its own name.
    fn download(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if self.tab != Tab::Documents {
            return Vec::new();
        }
        let Some(document) = self.documents_in_order().get(self.cursor).copied() else {
            return Vec::new();
        };
        let name = document_file_name(document.kind, &self.number)
            .unwrap_or_else(|| safe_file_name(document));
        let path: PathBuf = ctx.downloads.join(name);
        vec![Effect::Call(Call::Download {
            number: self.number,
            document_id: document.id.clone(),
            path,
        })]
    }

    /// Number · child · status · benefit · birth date, going on to a second line (between
    /// parts, never inside one) when `width` is too narrow for one.
    fn summary(&self, ctx: &Ctx, width: u16) -> Vec<Line<'static>> {
        let theme = &ctx.theme;
        let mut lines = vec![vec![Span::styled(self.number.to_string(), theme.title())]];
        let mut used = self.number.to_string().width();
        if let Some(detail) = self.detail.ready() {
            let benefit = benefit_of(detail, ctx);
            for part in [
                detail.child.full_name.clone(),
                t!(detail.state.status.message_key()).into_owned(),
                benefit,
                date(detail.child.birth_date),
            ] {
                let line = lines.last_mut().expect("one line at least");
                if used + 3 + part.width() > width as usize {
                    lines.push(vec![Span::raw(part.clone())]);
                    used = part.width();
                } else {
                    line.push(Span::styled(" · ", theme.muted()));
                    used += 3 + part.width();
                    line.push(Span::raw(part));
                }
            }
        }
        lines.into_iter().map(Line::from).collect()
    }

    fn view_info(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let detail = match &self.detail {
            Load::Ready(detail) => detail,
            other => return view_pending(frame, area, other, ctx),
        };
        let lines = info_lines(detail, &self.kindergartens, ctx, area.width);
        let scroll = self
            .cursor
            .min(lines.len().saturating_sub(area.height as usize));
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
    }

    fn view_history(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let entries = match &self.history {
            Load::Ready(entries) => entries,
            other => return view_pending(frame, area, other, ctx),
        };
        let theme = &ctx.theme;
        if entries.is_empty() {
            let text = t!("application.history.empty").into_owned();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), area);
            return;
        }
        let when = 19;
        let who = 22.min(area.width as usize / 4);
        let change = (area.width as usize).saturating_sub(when + who + 2);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{} {} {}",
                fit(&t!("application.history.when"), when),
                fit(&t!("application.history.who"), who),
                fit(&t!("application.history.change"), change)
            ),
            theme.title(),
        ))];
        for entry in entries {
            // Who and what changed wrap within their columns rather than being cut.
            let whos = wrap(&actor(entry), who);
            let changes = wrap(&change_text(entry), change);
            for row in 0..whos.len().max(changes.len()) {
                let at = if row == 0 {
                    date_time(entry.at)
                } else {
                    String::new()
                };
                lines.push(Line::from(format!(
                    "{} {} {}",
                    fit(&at, when),
                    fit(whos.get(row).map_or("", String::as_str), who),
                    fit(changes.get(row).map_or("", String::as_str), change)
                )));
            }
            // A comment, and for an operator's act at the ЦОН desk «Номер ЦОН», under it.
            let notes = [
                ("application.history.comment", entry.comment.as_deref()),
                (
                    "desk.request_number",
                    entry.service_centre_request.as_deref(),
                ),
            ];
            for (label, value) in notes {
                let Some(value) = value.filter(|v| !v.is_empty()) else {
                    continue;
                };
                let indent = when + 3;
                let text = format!("{}: {value}", t!(label));
                for part in wrap(&text, (area.width as usize).saturating_sub(indent)) {
                    lines.push(Line::from(Span::styled(
                        format!("{:indent$}{part}", ""),
                        theme.muted(),
                    )));
                }
            }
        }
        lines.extend(self.message_lines(ctx, area.width as usize));
        let scroll = self
            .cursor
            .min(lines.len().saturating_sub(area.height as usize));
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
    }

    /// Under the history: each message sent about the application, when it was written, its
    /// subject and where its delivery is (queued, sent, failed, undelivered).
    fn message_lines(&self, ctx: &Ctx, width: usize) -> Vec<Line<'static>> {
        let theme = &ctx.theme;
        let messages = match &self.messages {
            Load::Ready(messages) if messages.is_empty() => return Vec::new(),
            Load::Ready(messages) => messages,
            Load::Loading => return Vec::new(),
            Load::Failed(error) => {
                return vec![
                    Line::from(""),
                    Line::from(Span::styled(error.clone(), theme.error())),
                ];
            }
        };
        let when = 19;
        let state = 14.min(width / 4);
        let subject = width.saturating_sub(when + state + 2);
        let mut lines = vec![
            Line::from(""),
            Line::from(Span::styled(
                format!(
                    "{} {} {}",
                    fit(&t!("application.messages.when"), when),
                    fit(&t!("application.messages.subject"), subject),
                    fit(&t!("application.messages.state"), state)
                ),
                theme.title(),
            )),
        ];
        for message in messages {
            let style = match message.state {
                DeliveryState::Dead => theme.error(),
                DeliveryState::Failed => theme.warning(),
                _ => theme.text(),
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "{} {} {}",
                    fit(&date_time(message.created_at), when),
                    fit(&message.subject, subject),
                    fit(&t!(message.state.message_key()), state)
                ),
                style,
            )));
        }
        lines
    }

    fn view_documents(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        if !matches!(self.documents, Load::Ready(_)) {
            return view_pending(frame, area, &self.documents, ctx);
        }
        let theme = &ctx.theme;
        let documents = self.documents_in_order();
        if documents.is_empty() {
            let text = t!("application.documents.empty").into_owned();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), area);
            return;
        }
        let created = 13;
        let action = t!("application.documents.action")
            .width()
            .max(t!("application.documents.download").width() + 4);
        let name = (area.width as usize).saturating_sub(created + action + 2);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{} {} {}",
                fit(&t!("application.documents.name"), name),
                fit(&t!("application.documents.created"), created),
                fit(&t!("application.documents.action"), action)
            ),
            theme.title(),
        ))];
        let mut section = None;
        for (index, document) in documents.iter().enumerate() {
            let attachment = document.kind == DocumentKind::Attachment;
            if section != Some(attachment) {
                section = Some(attachment);
                let title = if attachment {
                    t!("application.documents.attachments")
                } else {
                    t!("application.documents.generated")
                };
                lines.push(Line::from(Span::styled(
                    title.into_owned(),
                    theme.focused(),
                )));
            }
            let chosen = index == self.cursor;
            let text = format!(
                "{} {} {}",
                fit(&format!("  {}", document_name(document)), name),
                fit(&day_of(document.created_at), created),
                fit(
                    &format!("[{}]", t!("application.documents.download")),
                    action
                )
            );
            lines.push(Line::from(Span::styled(
                text,
                if chosen {
                    theme.selected()
                } else {
                    theme.text()
                },
            )));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn view_positions(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let changes = match &self.positions {
            Load::Ready(changes) => changes,
            other => return view_pending(frame, area, other, ctx),
        };
        let theme = &ctx.theme;
        if changes.is_empty() {
            let text = t!("application.positions.empty").into_owned();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), area);
            return;
        }
        let chart_height = (area.height / 2).max(6).min(area.height);
        let [chart_area, list_area] =
            Layout::vertical([Constraint::Length(chart_height), Constraint::Min(0)]).areas(area);
        let (points, span, highest) = position_points(changes);
        let first = changes.first().map(|c| day_of(c.at)).unwrap_or_default();
        let last = changes.last().map(|c| day_of(c.at)).unwrap_or_default();
        let chart = Chart::new(vec![
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.focused())
                .data(&points),
        ])
        .block(
            Block::default()
                .title(t!("application.positions.chart").into_owned())
                .title_style(theme.title()),
        )
        .x_axis(
            Axis::default()
                .bounds([0.0, span])
                .labels(vec![Span::raw(first), Span::raw(last)])
                .style(theme.muted()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, f64::from(highest) * 1.1])
                .labels(vec![Span::raw("0"), Span::raw(highest.to_string())])
                .style(theme.muted()),
        );
        frame.render_widget(chart, chart_area);

        let when = 10;
        let number = 12;
        let cause = (area.width as usize).saturating_sub(when + number + 2);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{} {} {}",
                fit(&t!("application.positions.when"), when),
                fit(&t!("application.positions.number"), number),
                fit(&t!("application.positions.cause"), cause)
            ),
            theme.title(),
        ))];
        // Newest first: the question is always «why is my number what it is now?».
        for change in changes.iter().rev() {
            let numbers = if change.position.benefit > 0 {
                format!("{} ({})", change.position.general, change.position.benefit)
            } else {
                change.position.general.to_string()
            };
            // The cause wraps under its column: it is the answer the user came for.
            for (row, part) in wrap(&change.cause.message(ctx.lang), cause)
                .into_iter()
                .enumerate()
            {
                let (at, numbers) = if row == 0 {
                    (day_of(change.at), numbers.clone())
                } else {
                    (String::new(), String::new())
                };
                lines.push(Line::from(format!(
                    "{} {} {part}",
                    fit(&at, when),
                    fit(&numbers, number)
                )));
            }
        }
        let scroll = self
            .cursor
            .min(lines.len().saturating_sub(list_area.height as usize));
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), list_area);
    }
}

/// The name a document is saved under in the downloads folder: the server's own sanitising
/// of scan names (`domain::scan::file_name`) again, since the name comes from the server: the
/// base name only, no control or bidirectional characters, no leading dot, never empty.
fn safe_file_name(document: &DocumentInfo) -> String {
    let kind = FileKind::of_mime(&document.content_type).unwrap_or(FileKind::Pdf);
    scan::file_name(&document.file_name, kind)
}

/// The translated title of a generated document, or the file name and size of an uploaded scan.
fn document_name(document: &DocumentInfo) -> String {
    match document.kind {
        DocumentKind::RegistrationNotice => t!("application.documents.kind.registration_notice"),
        DocumentKind::DocumentsReceipt => t!("application.documents.kind.documents_receipt"),
        DocumentKind::BookRegistration => t!("application.documents.kind.book_registration"),
        DocumentKind::Direction => t!("application.documents.kind.direction"),
        DocumentKind::Attachment => {
            return match document.size {
                Some(size) => format!("{} ({})", document.file_name, human_size(size)),
                None => document.file_name.clone(),
            };
        }
    }
    .into_owned()
}

/// A kindergarten's name in the current language, or its code while the catalogue is missing.
pub fn kindergarten_name(code: &str, kindergartens: &[Kindergarten], ctx: &Ctx) -> String {
    kindergartens
        .iter()
        .find(|k| k.code == code)
        .map(|k| k.name.get(ctx.lang).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// Who made a change: their name, else their role.
fn actor(entry: &HistoryEntry) -> String {
    match &entry.actor_name {
        Some(name) => name.clone(),
        None => match entry.actor.role() {
            Role::Applicant => t!("application.history.role.applicant"),
            Role::Operator => t!("application.history.role.operator"),
            Role::Officer => t!("application.history.role.officer"),
            Role::System => t!("application.history.role.system"),
        }
        .into_owned(),
    }
}

/// The benefit's category name, or «Без льготы».
fn benefit_of(detail: &ApplicationDetail, ctx: &Ctx) -> String {
    match &detail.state.benefit {
        Some(benefit) => benefit_name(BenefitClass::None, Some(&benefit.category), ctx.lang),
        None => t!(BenefitClass::None.message_key()).into_owned(),
    }
}

/// «Поставлен в очередь: В очереди», «Продлить направление: Выдано направление → …».
fn change_text(entry: &HistoryEntry) -> String {
    let event = t!(entry.event.message_key());
    let new = t!(entry.new_status.message_key());
    match entry.old_status {
        Some(old) if old != entry.new_status => {
            format!("{event}: {} → {new}", t!(old.message_key()))
        }
        _ => format!("{event}: {new}"),
    }
}

/// The three blocks of «Информация о заявлении» as label/value lines, two pairs a line when
/// the screen is wide enough, one otherwise.
fn info_lines(
    detail: &ApplicationDetail,
    kindergartens: &[Kindergarten],
    ctx: &Ctx,
    width: u16,
) -> Vec<Line<'static>> {
    let named = |code: &str| kindergarten_name(code, kindergartens, ctx);
    let theme = &ctx.theme;
    let benefit = benefit_of(detail, ctx);
    let state = &detail.state;
    let applicant = [
        (
            "application.applicant.full_name",
            detail.applicant.full_name.clone(),
        ),
        (
            "application.applicant.iin",
            detail.applicant.iin.to_string(),
        ),
        (
            "application.applicant.birth_date",
            date(detail.applicant.iin.birth_date()),
        ),
        (
            "application.applicant.phone",
            detail.applicant.phone.clone().unwrap_or_else(no_value),
        ),
        (
            "application.applicant.email",
            detail.applicant.email.clone().unwrap_or_else(no_value),
        ),
        (
            "application.applicant.address",
            detail.applicant.address.clone().unwrap_or_else(no_value),
        ),
    ];
    let child = [
        (
            "application.applicant.full_name",
            detail.child.full_name.clone(),
        ),
        ("application.applicant.iin", detail.child.iin.to_string()),
        (
            "application.applicant.birth_date",
            date(detail.child.birth_date),
        ),
        ("application.child.benefit", benefit),
        (
            "application.child.queue_number",
            queue_number(detail.queue.general),
        ),
        (
            "application.child.benefit_queue_number",
            queue_number(detail.queue.benefit),
        ),
    ];
    let mut application = vec![
        ("application.details.number", state.number.to_string()),
        (
            "application.details.registered",
            date_time(state.registered_at),
        ),
        (
            "application.details.con_number",
            detail
                .service_centre_request
                .clone()
                .unwrap_or_else(no_value),
        ),
        (
            "application.details.state",
            t!(&detail.state_key).into_owned(),
        ),
        (
            "application.details.last_change",
            format!(
                "{} {}",
                date_time(state.last_change_at),
                // One unbreakable piece: a wrap between the date and the time misreads.
                t!(
                    "application.details.in_queue_since",
                    date = date_time(state.registered_at)
                )
                .replace(' ', "\u{a0}")
            ),
        ),
    ];
    if !state.status.is_final() {
        application.push((
            "application.details.interest_deadline",
            deadline(state.interest_due),
        ));
    }
    if let Some(until) = state.stop_list_until {
        application.push(("application.details.stop_list_until", deadline(until)));
    }
    if let Some(offer) = &state.offer {
        application.push((
            "application.details.offer",
            t!(
                "application.details.offer_text",
                kindergarten = offer
                    .kindergartens
                    .iter()
                    .map(|code| named(code))
                    .collect::<Vec<_>>()
                    .join(", "),
                date = deadline(offer.answer_by)
            )
            .into_owned(),
        ));
    }
    if let Some(direction) = &state.direction {
        application.push((
            "application.details.direction",
            t!(
                "application.details.direction_text",
                kindergarten = named(&direction.kindergarten),
                date = deadline(direction.expires_at)
            )
            .into_owned(),
        ));
    }
    let mut lines = Vec::new();
    for (title, pairs) in [
        ("application.applicant.title", &applicant[..]),
        ("application.child.title", &child[..]),
        ("application.details.title", &application[..]),
    ] {
        lines.push(Line::from(Span::styled(
            t!(title).into_owned(),
            theme.title(),
        )));
        lines.extend(pair_lines(pairs, width, theme));
    }
    lines
}

/// Label/value pairs laid out in one or two columns with aligned labels. A long value (a
/// direction's kindergarten and its date) wraps under itself rather than losing its end.
fn pair_lines(pairs: &[(&str, String)], width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let columns = if width >= 110 { 2 } else { 1 };
    let column_width = width as usize / columns;
    let labels: Vec<String> = pairs.iter().map(|(key, _)| t!(*key).into_owned()).collect();
    let label_width = |column: usize| {
        labels
            .iter()
            .skip(column)
            .step_by(columns)
            .map(|l| l.width())
            .max()
            .unwrap_or(0)
            .min(column_width / 2)
    };
    let widths: Vec<usize> = (0..columns).map(label_width).collect();
    let value_width = |column: usize| column_width.saturating_sub(widths[column] + 3);
    let mut lines = Vec::new();
    for (row, row_labels) in pairs.chunks(columns).zip(labels.chunks(columns)) {
        let values: Vec<Vec<String>> = row
            .iter()
            .enumerate()
            .map(|(column, (_, value))| wrap(value, value_width(column)))
            .collect();
        let height = values.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..height {
            let mut spans = Vec::new();
            for (column, (label, value)) in row_labels.iter().zip(&values).enumerate() {
                let label = if i == 0 { label.as_str() } else { "" };
                spans.push(Span::styled(
                    format!("  {} ", fit(label, widths[column])),
                    theme.muted(),
                ));
                let part = value.get(i).map_or("", String::as_str);
                spans.push(Span::raw(fit(part, value_width(column))));
            }
            lines.push(Line::from(spans));
        }
    }
    lines
}

/// «Загрузка…» or the error of a part that did not come.
fn view_pending<T>(frame: &mut Frame, area: Rect, load: &Load<T>, ctx: &Ctx) {
    let (text, style) = match load {
        Load::Failed(error) => (error.clone(), ctx.theme.error()),
        _ => (t!("application.loading").into_owned(), ctx.theme.muted()),
    };
    frame.render_widget(
        Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }),
        area,
    );
}

/// The queue number over time as a step line (the number holds until the next change): x is
/// days since the first change, y the number. Returns the points, the last x and the highest y.
fn position_points(changes: &[PositionChange]) -> (Vec<(f64, f64)>, f64, u32) {
    let first = changes.first().map(|c| c.at).unwrap_or_default();
    let days = |at: chrono::DateTime<chrono::Utc>| (at - first).num_minutes() as f64 / 1440.0;
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(changes.len() * 2 + 1);
    for change in changes {
        if let Some(&(_, previous)) = points.last() {
            points.push((days(change.at), previous));
        }
        points.push((days(change.at), f64::from(change.position.general)));
    }
    let span = changes.last().map(|c| days(c.at)).unwrap_or(0.0).max(1.0);
    let held = points.last().map(|p| p.1).unwrap_or(0.0);
    points.push((span, held));
    let highest = changes
        .iter()
        .map(|c| c.position.general)
        .max()
        .unwrap_or(1)
        .max(1);
    (points, span, highest)
}

impl Screen for ApplicationScreen {
    fn id(&self) -> &'static str {
        "application"
    }

    fn title(&self) -> String {
        self.number.to_string()
    }

    /// The keys of the actions the server allows now, and the rest of the table.
    fn key_help(&self) -> Vec<KeyHelp> {
        let allowed = self.actions();
        let hidden: Vec<String> = ACTION_ORDER
            .iter()
            .filter(|kind| !allowed.contains(kind))
            .map(|kind| t!(kind.message_key()).into_owned())
            .collect();
        let mut help = self.keymap.help();
        help.retain(|h| !hidden.contains(&h.text));
        help
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        self.keymap
            .command(&key, false)
            .map(|c| self.command(c, ctx))
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Application(result) => {
                let before = self.detail.ready().map(|d| d.state.status);
                self.detail = Load::from_result(result);
                let after = self.detail.ready().map(|d| d.state.status);
                // A message about an earlier status (e.g. «Подтверждено» under a new
                // «Предложено место») would mislead.
                if before.is_some() && before != after {
                    self.notice = None;
                }
                self.action = self.action.min(self.actions().len().saturating_sub(1));
                // Names for the codes of an offer or a direction, asked once.
                if let Some(detail) = self.detail.ready()
                    && self.kindergartens.is_empty()
                    && (detail.state.offer.is_some() || detail.state.direction.is_some())
                {
                    return vec![Effect::Call(Call::Kindergartens(KindergartenQuery {
                        region: detail.state.cohort.region.clone(),
                        settlement: None,
                    }))];
                }
            }
            Reply::Kindergartens(Ok(kindergartens)) => self.kindergartens = kindergartens,
            Reply::Kindergartens(Err(error)) => {
                tracing::info!(error = %error, "kindergartens not loaded; codes shown instead");
            }
            Reply::Sent(result) => return self.on_sent(result),
            Reply::History(result) => self.history = Load::from_result(result),
            Reply::Documents(result) => self.documents = Load::from_result(result),
            Reply::Positions(result) => self.positions = Load::from_result(result),
            Reply::Messages(result) => self.messages = Load::from_result(result),
            Reply::Saved(result) => {
                self.notice = Some(match result {
                    Ok(path) => Notice::Saved(path),
                    Err(error) => Notice::Failed(error),
                });
            }
            _ => {}
        }
        Vec::new()
    }

    fn busy(&self) -> bool {
        matches!(self.detail, Load::Loading)
            || matches!(self.history, Load::Loading)
            || matches!(self.documents, Load::Loading)
            || matches!(self.positions, Load::Loading)
            || matches!(self.messages, Load::Loading)
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let actions = self.actions();
        let row: Vec<Button> = actions
            .iter()
            .map(|kind| {
                Button::new(
                    t!(kind.message_key()),
                    self.keymap.keys_of(Command::Do(*kind)),
                )
            })
            .collect();
        let summary_lines = self.summary(ctx, area.width);
        // The message wraps (a saved document's path breaks after a slash), up to three rows.
        let message_lines: Vec<String> = match (&self.notice, self.notice()) {
            (Some(Notice::Saved(path)), Some(text)) => {
                let path = path.display().to_string();
                let label = text.strip_suffix(path.as_str()).unwrap_or(&text).trim_end();
                let mut lines = vec![label.to_owned()];
                lines.extend(widgets::wrap_path(&path, area.width as usize));
                lines
            }
            (_, Some(text)) => wrap(&text, area.width as usize),
            (_, None) => Vec::new(),
        };
        let message_lines: Vec<String> = message_lines.into_iter().take(3).collect();
        let [summary, tab_row, body, buttons_row, message] = Layout::vertical([
            Constraint::Length(summary_lines.len().min(2) as u16),
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(buttons::height(&row, area.width)),
            Constraint::Length(message_lines.len().max(1) as u16),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(summary_lines), summary);
        let titles: Vec<String> = Tab::ALL.iter().map(|t| t.title()).collect();
        let active = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
        tabs::render(frame, tab_row, &titles, active, theme);
        match self.tab {
            Tab::Info => self.view_info(frame, body, ctx),
            Tab::History => self.view_history(frame, body, ctx),
            Tab::Documents => self.view_documents(frame, body, ctx),
            Tab::Positions => self.view_positions(frame, body, ctx),
        }
        if !row.is_empty() {
            // No button has focus until an arrow moves onto the buttons, so Enter on arrival
            // never opens an action (on «Общие документы» it downloads).
            let focused = self.on_buttons.then_some(self.action);
            buttons::render(frame, buttons_row, &row, focused, theme);
        }
        if let Some(notice) = &self.notice {
            let style: Style = match notice {
                Notice::Failed(_) => theme.error(),
                Notice::Saved(_) | Notice::Acted(_) => theme.ok(),
            };
            let lines: Vec<Line> = message_lines
                .into_iter()
                .map(|l| Line::from(Span::styled(l, style)))
                .collect();
            frame.render_widget(Paragraph::new(lines), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_cannot_write_outside_the_downloads_folder() {
        let saved = |name: &str, content_type: &str| {
            safe_file_name(&DocumentInfo {
                id: "d".to_owned(),
                kind: DocumentKind::Attachment,
                file_name: name.to_owned(),
                content_type: content_type.to_owned(),
                size: None,
                created_at: chrono::Utc::now(),
            })
        };
        let pdf = "application/pdf";
        assert_eq!(saved("../../.bashrc", pdf), "bashrc");
        assert_eq!(saved("..\\x\\notice.pdf", pdf), "notice.pdf");
        assert_eq!(saved("..", pdf), "scan.pdf");
        assert_eq!(saved("", "image/png"), "scan.png");
        assert_eq!(saved("scan\u{202E}gpj.exe", pdf), "scangpj.exe");
        assert_eq!(saved("Уведомление.pdf", pdf), "Уведомление.pdf");
    }

    #[test]
    fn the_chart_holds_each_number_until_the_next_change() {
        use crate::domain::PositionCause;
        let at = |day: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 1, day)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc()
        };
        let change = |day, number| PositionChange {
            at: at(day),
            position: crate::domain::QueuePosition {
                general: number,
                benefit: 0,
            },
            cause: PositionCause::Registered,
        };
        let (points, span, highest) = position_points(&[change(1, 40), change(11, 31)]);
        assert_eq!(
            points,
            vec![(0.0, 40.0), (10.0, 40.0), (10.0, 31.0), (10.0, 31.0)]
        );
        assert_eq!(span, 10.0);
        assert_eq!(highest, 40);
    }
}
