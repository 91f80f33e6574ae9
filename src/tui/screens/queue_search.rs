//! «Поиск номера очереди»: anyone, without logging in, finds an application's queue numbers by
//! its number or by the child's IIN. The server masks the child's name.

use std::str::FromStr;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;
use unicode_width::UnicodeWidthStr;

use crate::api::public::{PublicQueueEntry, PublicQueueQuery};
use crate::domain::{ApplicationNumber, Iin};
use crate::tui::format::{date_time, queue_number};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind};
use crate::tui::widgets::{self, fit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Find,
}

const KEYS: &[Binding<Command>] = &[Binding {
    command: Command::Find,
    name: "find",
    keys: &[KeyCombo::key(KeyCode::Enter), KeyCombo::f(10)],
    help: "search.key.find",
    hint: true,
}];

/// What was typed, understood: an application number or a child's IIN.
pub fn parse_query(text: &str) -> Option<PublicQueueQuery> {
    let text = text.trim();
    if let Ok(number) = ApplicationNumber::from_str(text) {
        return Some(PublicQueueQuery {
            number: Some(number.to_string()),
            child_iin: None,
        });
    }
    Iin::parse(text).ok().map(|iin| PublicQueueQuery {
        number: None,
        child_iin: Some(iin.to_string()),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Nothing,
    Searching,
    Found(Vec<PublicQueueEntry>),
    Failed(String),
}

pub struct QueueSearch {
    keymap: Keymap<Command>,
    query: Field,
    outcome: Outcome,
}

impl Default for QueueSearch {
    fn default() -> Self {
        QueueSearch::new()
    }
}

impl QueueSearch {
    pub fn new() -> QueueSearch {
        QueueSearch {
            keymap: Keymap::new("queue_search", KEYS),
            query: Field::new("query", "search.query", FieldKind::Text).required(),
            outcome: Outcome::Nothing,
        }
    }

    /// A search already answered, for snapshots and screenshots.
    pub fn with_result(query: &str, entries: Vec<PublicQueueEntry>) -> QueueSearch {
        let mut screen = QueueSearch::new();
        screen.query.set_value(query);
        screen.outcome = Outcome::Found(entries);
        screen
    }

    pub fn query_field(&mut self) -> &mut Field {
        &mut self.query
    }

    pub fn found(&self) -> Option<&[PublicQueueEntry]> {
        match &self.outcome {
            Outcome::Found(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Failed(error) => Some(error),
            _ => None,
        }
    }

    fn find(&mut self) -> Vec<Effect> {
        match parse_query(self.query.value()) {
            Some(query) => {
                self.outcome = Outcome::Searching;
                vec![Effect::Call(Call::PublicQueue(query))]
            }
            None => {
                self.outcome = Outcome::Failed(t!("search.invalid").into_owned());
                Vec::new()
            }
        }
    }

    fn entry_lines(entry: &PublicQueueEntry, ctx: &Ctx, width: usize) -> Vec<Line<'static>> {
        let theme = &ctx.theme;
        let pairs = [
            ("search.column.number", entry.number.to_string()),
            ("search.column.child", entry.child_name_masked.clone()),
            ("search.column.birth_year", entry.birth_year.to_string()),
            (
                "search.column.status",
                t!(entry.status.message_key()).into_owned(),
            ),
            (
                "search.column.queue_number",
                queue_number(entry.queue_number),
            ),
            (
                "search.column.benefit_queue_number",
                queue_number(entry.benefit_queue_number),
            ),
            ("search.column.registered", date_time(entry.registered_at)),
        ];
        let labels: Vec<String> = pairs.iter().map(|(k, _)| t!(*k).into_owned()).collect();
        let label_width = labels
            .iter()
            .map(|l| l.width())
            .max()
            .unwrap_or(0)
            .min(width / 2);
        pairs
            .iter()
            .zip(labels)
            .map(|((_, value), label)| {
                Line::from(vec![
                    Span::styled(format!("  {} ", fit(&label, label_width)), theme.muted()),
                    Span::styled(
                        value.clone(),
                        if value.is_empty() {
                            theme.muted()
                        } else {
                            theme.text()
                        },
                    ),
                ])
            })
            .collect()
    }
}

impl Screen for QueueSearch {
    fn id(&self) -> &'static str {
        "queue_search"
    }

    fn title(&self) -> String {
        t!("search.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, true) {
            Some(Command::Find) => Some(self.find()),
            None => self.query.handle_key(key).then(Vec::new),
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        self.query.paste(text);
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        if let Reply::PublicQueue(result) = reply {
            self.outcome = match result {
                Ok(entries) => Outcome::Found(entries),
                Err(error) => Outcome::Failed(error.message()),
            };
        }
        Vec::new()
    }

    fn busy(&self) -> bool {
        self.outcome == Outcome::Searching
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [title, field, hint, button, results] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Min(1),
        ])
        .areas(area);
        widgets::heading(frame, title, theme, &self.title());
        let label = t!("search.query").width() as u16 + 1;
        self.query.render(frame, field, label, true, theme);
        frame.render_widget(
            Paragraph::new(Span::styled(t!("search.hint").into_owned(), theme.muted())),
            hint,
        );
        let find = Button::new(t!("search.find"), self.keymap.keys_of(Command::Find));
        buttons::render(frame, button, &[find], Some(0), theme);
        let lines = match &self.outcome {
            Outcome::Nothing => Vec::new(),
            Outcome::Searching => vec![Line::from(Span::styled(
                t!("search.searching").into_owned(),
                theme.muted(),
            ))],
            Outcome::Failed(error) => vec![Line::from(Span::styled(error.clone(), theme.error()))],
            Outcome::Found(entries) if entries.is_empty() => vec![Line::from(Span::styled(
                t!("search.not_found").into_owned(),
                theme.muted(),
            ))],
            Outcome::Found(entries) => {
                let mut lines = Vec::new();
                for (index, entry) in entries.iter().enumerate() {
                    if index > 0 {
                        lines.push(Line::from(""));
                    }
                    lines.extend(Self::entry_lines(entry, ctx, results.width as usize));
                }
                lines
            }
        };
        frame.render_widget(Paragraph::new(lines), results);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_a_number_or_an_iin_and_nothing_else() {
        let by_number = parse_query(" УО.2018.000027.1 ").unwrap();
        assert_eq!(by_number.number.as_deref(), Some("УО.2018.000027.1"));
        assert_eq!(by_number.child_iin, None);
        // The Almaty system prints the prefix in Latin letters; we answer in Cyrillic.
        let latin = parse_query("UO.2018.000027.1").unwrap();
        assert_eq!(latin.number.as_deref(), Some("УО.2018.000027.1"));
        assert!(parse_query("12345").is_none());
        assert!(parse_query("").is_none());
    }
}
