//! «Уведомления»: the user's messages newest first, the unread ones marked (●, bold). Enter opens
//! one (the server marks it read) and shows its text; from there Enter or F4 opens the
//! application it is about on the usual application screen, and Esc goes back to the list.
//!
//! The count of unread messages on the status bar is the app's (`App` refreshes it after
//! sign-in, after every signed document and on a timer); this screen's answers update it too.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;

use crate::api::notices::{Inbox, InboxQuery, Message};
use crate::tui::format::date_time;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::widgets::{self, fit, wrap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Open,
    Application,
    Close,
    Up,
    Down,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Open,
        name: "open",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "inbox.key.open",
        hint: true,
    },
    Binding {
        command: Command::Application,
        name: "application",
        keys: &[KeyCombo::f(4), KeyCombo::char('a')],
        help: "inbox.key.application",
        hint: true,
    },
    Binding {
        command: Command::Close,
        name: "close",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "inbox.key.close",
        hint: true,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::f(5), KeyCombo::ctrl('r')],
        help: "inbox.key.reload",
        hint: true,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[KeyCombo::key(KeyCode::Up), KeyCombo::char('k')],
        help: "inbox.key.move",
        hint: false,
    },
    Binding {
        command: Command::Down,
        name: "down",
        keys: &[KeyCombo::key(KeyCode::Down), KeyCombo::char('j')],
        help: "inbox.key.move",
        hint: false,
    },
];

/// What the list holds: nothing yet, the messages, or why they are not there.
#[derive(Debug)]
enum Load {
    Loading,
    Ready(Vec<Message>),
    Failed(CallError),
}

pub struct InboxScreen {
    keymap: Keymap<Command>,
    messages: Load,
    /// The highlighted message.
    cursor: usize,
    /// Whether the highlighted message is open (its text instead of the list).
    reading: bool,
    /// The first line of the open message shown (↑/↓ scroll a long one).
    scroll: usize,
    /// Why the last «read» mark did not reach the server, shown under the text.
    mark_failed: Option<CallError>,
}

impl Default for InboxScreen {
    fn default() -> Self {
        InboxScreen::new()
    }
}

impl InboxScreen {
    pub fn new() -> InboxScreen {
        InboxScreen {
            keymap: Keymap::new("inbox", KEYS),
            messages: Load::Loading,
            cursor: 0,
            reading: false,
            scroll: 0,
            mark_failed: None,
        }
    }

    /// A screen already filled, for snapshots and screenshots that run without a server.
    pub fn with_inbox(inbox: Inbox) -> InboxScreen {
        InboxScreen {
            messages: Load::Ready(inbox.messages),
            ..InboxScreen::new()
        }
    }

    /// The messages shown, newest first (empty while loading or after a failure).
    pub fn messages(&self) -> &[Message] {
        match &self.messages {
            Load::Ready(messages) => messages,
            _ => &[],
        }
    }

    /// The open message, if one is open.
    pub fn open_message(&self) -> Option<&Message> {
        self.reading
            .then(|| self.messages().get(self.cursor))
            .flatten()
    }

    fn load() -> Vec<Effect> {
        vec![Effect::Call(Call::Inbox(InboxQuery::default()))]
    }

    /// Opens the highlighted message; an unread one is marked read here at once and on the
    /// server (the status bar's count follows the server's answer).
    fn open(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let Load::Ready(messages) = &mut self.messages else {
            return Vec::new();
        };
        let Some(message) = messages.get_mut(self.cursor) else {
            return Vec::new();
        };
        self.reading = true;
        self.scroll = 0;
        self.mark_failed = None;
        if message.read_at.is_some() {
            return Vec::new();
        }
        message.read_at = Some(ctx.now);
        vec![Effect::Call(Call::MarkRead(message.id))]
    }

    /// The application of the highlighted message, on the application screen.
    fn application(&self) -> Vec<Effect> {
        match self.messages().get(self.cursor).and_then(|m| m.number) {
            Some(number) => vec![Effect::Push(Box::new(ApplicationScreen::new(number)))],
            None => Vec::new(),
        }
    }

    fn view_list(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let messages = match &self.messages {
            Load::Ready(messages) => messages,
            Load::Loading => {
                let text = t!("tui.loading").into_owned();
                frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), area);
                return;
            }
            Load::Failed(error) => {
                let text = format!("{} {}", error.message(), t!("tui.retry_hint"));
                let lines: Vec<Line> = wrap(&text, area.width as usize)
                    .into_iter()
                    .map(|l| Line::from(Span::styled(l, theme.error())))
                    .collect();
                frame.render_widget(Paragraph::new(lines), area);
                return;
            }
        };
        if messages.is_empty() {
            let text = t!("inbox.empty").into_owned();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), area);
            return;
        }
        let when = 19;
        let state = 12;
        let subject = (area.width as usize).saturating_sub(2 + when + state + 2);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "  {} {} {}",
                fit(&t!("inbox.column.when"), when),
                fit(&t!("inbox.column.subject"), subject),
                fit(&t!("inbox.column.state"), state)
            ),
            theme.title(),
        ))];
        let rows = (area.height as usize).saturating_sub(1).max(1);
        let first = self.cursor.saturating_sub(rows - 1);
        for (index, message) in messages.iter().enumerate().skip(first).take(rows) {
            let unread = message.read_at.is_none();
            let text = format!(
                "{} {} {} {}",
                if unread { "●" } else { " " },
                fit(&date_time(message.created_at), when),
                fit(&message.subject, subject),
                fit(&t!(message.state.message_key()), state)
            );
            let mut style = if index == self.cursor {
                theme.selected()
            } else {
                theme.text()
            };
            if unread {
                style = style.add_modifier(Modifier::BOLD);
            }
            lines.push(Line::from(Span::styled(text, style)));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn view_message(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, message: &Message) {
        let theme = &ctx.theme;
        let width = area.width as usize;
        let mut lines = Vec::new();
        for part in wrap(&message.subject, width) {
            lines.push(Line::from(Span::styled(part, theme.title())));
        }
        let mut facts = vec![
            format!(
                "{}: {}",
                t!("inbox.column.when"),
                date_time(message.created_at)
            ),
            format!(
                "{}: {}",
                t!("inbox.column.state"),
                t!(message.state.message_key())
            ),
        ];
        if let Some(number) = message.number {
            facts.insert(1, format!("{}: {number}", t!("inbox.number")));
        }
        for part in wrap(&facts.join(" · "), width) {
            lines.push(Line::from(Span::styled(part, theme.muted())));
        }
        lines.push(Line::from(""));
        for paragraph in message.body.split('\n') {
            if paragraph.trim().is_empty() {
                lines.push(Line::from(""));
                continue;
            }
            for part in wrap(paragraph, width) {
                lines.push(Line::from(part));
            }
        }
        if let Some(error) = &self.mark_failed {
            lines.push(Line::from(""));
            for part in wrap(&error.message(), width) {
                lines.push(Line::from(Span::styled(part, theme.error())));
            }
        }
        let scroll = self
            .scroll
            .min(lines.len().saturating_sub(area.height as usize));
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
    }
}

impl Screen for InboxScreen {
    fn id(&self) -> &'static str {
        "inbox"
    }

    fn title(&self) -> String {
        t!("inbox.title").into_owned()
    }

    /// The keys that do something now: «close» only while a message is open, «application»
    /// only when the highlighted message is about one.
    fn key_help(&self) -> Vec<KeyHelp> {
        let about_application = self
            .messages()
            .get(self.cursor)
            .is_some_and(|m| m.number.is_some());
        self.keymap
            .help()
            .into_iter()
            .filter(|h| match h.name {
                "close" => self.reading,
                "application" => about_application,
                _ => true,
            })
            .collect()
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        if matches!(self.messages, Load::Ready(_)) {
            return Vec::new();
        }
        InboxScreen::load()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        let command = self.keymap.command(&key, false)?;
        let effects = match command {
            Command::Open if self.reading => self.application(),
            Command::Open => self.open(ctx),
            Command::Application => self.application(),
            // Esc leaves an open message for the list; on the list it is the app's «back».
            Command::Close if self.reading => {
                self.reading = false;
                Vec::new()
            }
            Command::Close => return None,
            Command::Reload => {
                self.reading = false;
                InboxScreen::load()
            }
            Command::Up if self.reading => {
                self.scroll = self.scroll.saturating_sub(1);
                Vec::new()
            }
            Command::Down if self.reading => {
                self.scroll += 1;
                Vec::new()
            }
            Command::Up => {
                self.cursor = self.cursor.saturating_sub(1);
                Vec::new()
            }
            Command::Down => {
                let last = self.messages().len().saturating_sub(1);
                self.cursor = (self.cursor + 1).min(last);
                Vec::new()
            }
        };
        Some(effects)
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Inbox(Ok(inbox)) => {
                // The same message stays highlighted when newer ones arrive above it.
                let highlighted = self.messages().get(self.cursor).map(|m| m.id);
                self.cursor = highlighted
                    .and_then(|id| inbox.messages.iter().position(|m| m.id == id))
                    .unwrap_or(0);
                self.messages = Load::Ready(inbox.messages);
            }
            Reply::Inbox(Err(error)) => self.messages = Load::Failed(error),
            Reply::MarkedRead {
                id,
                result: Err(error),
            } => {
                // Unread again, as the server still has it.
                if let Load::Ready(messages) = &mut self.messages
                    && let Some(message) = messages.iter_mut().find(|m| m.id == id)
                {
                    message.read_at = None;
                }
                self.mark_failed = Some(error);
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_data_changed(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        InboxScreen::load()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::padded(widgets::page(frame, area, theme, &self.title()));
        let [top, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let unread = self
            .messages()
            .iter()
            .filter(|m| m.read_at.is_none())
            .count();
        let summary = t!(
            "inbox.summary",
            total = self.messages().len(),
            unread = unread
        )
        .into_owned();
        frame.render_widget(
            Paragraph::new(Span::styled(
                widgets::truncate(&summary, top.width as usize),
                theme.muted(),
            )),
            top,
        );
        match self.open_message() {
            Some(message) => self.view_message(frame, body, ctx, message),
            None => self.view_list(frame, body, ctx),
        }
    }
}
