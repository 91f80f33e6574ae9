//! «Кто просматривал мои данные» (issue 12): every read a ЦОН operator made of the user's data,
//! newest first: when, who, which ЦОН, what. Opened from the profile. An officer sees the same
//! lines for every citizen of the region, with the citizen's IIN (docs/domain-rules.md, «ЦОН»).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;
use unicode_width::UnicodeWidthStr;

use crate::api::desk::AuditEntry;
use crate::tui::format::date_time;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::widgets::{self, fit, spinner};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Reload,
    Up,
    Down,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::f(5)],
        help: "audit.key.reload",
        hint: true,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[KeyCombo::key(KeyCode::Up)],
        help: "audit.key.scroll",
        hint: false,
    },
    Binding {
        command: Command::Down,
        name: "down",
        keys: &[KeyCombo::key(KeyCode::Down)],
        help: "audit.key.scroll",
        hint: false,
    },
];

/// Whose data the listed reads were of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// The user's own («Кто просматривал мои данные»).
    Own,
    /// Every citizen of the officer's region.
    Region,
}

pub struct AuditScreen {
    scope: AuditScope,
    keymap: Keymap<Command>,
    entries: Option<Vec<AuditEntry>>,
    first: usize,
    loading: bool,
    problem: Option<CallError>,
}

impl Default for AuditScreen {
    fn default() -> Self {
        AuditScreen::new()
    }
}

impl AuditScreen {
    pub fn new() -> AuditScreen {
        AuditScreen {
            scope: AuditScope::Own,
            keymap: Keymap::new("audit", KEYS),
            entries: None,
            first: 0,
            loading: false,
            problem: None,
        }
    }

    /// The screen with these lines, for snapshots and screenshots.
    pub fn with_entries(entries: Vec<AuditEntry>) -> AuditScreen {
        AuditScreen {
            entries: Some(entries),
            ..AuditScreen::new()
        }
    }

    /// The officer's view: the reads of the region's citizens.
    pub fn of_region(self) -> AuditScreen {
        AuditScreen {
            scope: AuditScope::Region,
            ..self
        }
    }

    pub fn scope(&self) -> AuditScope {
        self.scope
    }

    pub fn entries(&self) -> Option<&[AuditEntry]> {
        self.entries.as_deref()
    }

    fn load(&mut self) -> Vec<Effect> {
        self.loading = true;
        self.problem = None;
        vec![Effect::Call(match self.scope {
            AuditScope::Own => Call::OwnAudit,
            AuditScope::Region => Call::RegionAudit,
        })]
    }
}

impl Screen for AuditScreen {
    fn id(&self) -> &'static str {
        match self.scope {
            AuditScope::Own => "audit",
            AuditScope::Region => "region_audit",
        }
    }

    fn title(&self) -> String {
        match self.scope {
            AuditScope::Own => t!("audit.title"),
            AuditScope::Region => t!("audit.region.title"),
        }
        .into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn busy(&self) -> bool {
        self.loading
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &Ctx) -> Option<Vec<Effect>> {
        let count = self.entries.as_ref().map_or(0, Vec::len);
        match self.keymap.command(&key, false)? {
            Command::Reload => Some(self.load()),
            Command::Up => {
                self.first = self.first.saturating_sub(1);
                Some(Vec::new())
            }
            Command::Down => {
                self.first = (self.first + 1).min(count.saturating_sub(1));
                Some(Vec::new())
            }
        }
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        if let Reply::Audit(result) = reply {
            self.loading = false;
            match result {
                Ok(entries) => {
                    self.entries = Some(entries);
                    self.first = 0;
                }
                Err(e) => self.problem = Some(e),
            }
        }
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::padded(widgets::page(frame, area, theme, &self.title()));
        let [intro, table, status] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(2),
            Constraint::Length(1),
        ])
        .areas(inner);
        let (intro_text, empty_text) = match self.scope {
            AuditScope::Own => (t!("audit.intro"), t!("audit.empty")),
            AuditScope::Region => (t!("audit.region.intro"), t!("audit.region.empty")),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(intro_text.into_owned(), theme.muted()))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            intro,
        );
        let width = table.width as usize;
        // When, who, which ЦОН, (whose data,) what: the date and time and the citizen's IIN
        // fixed, the rest shares what is left; a space ends every column but the last.
        let when = date_time(chrono::DateTime::UNIX_EPOCH).width() + 1;
        let citizen = match self.scope {
            AuditScope::Own => 0,
            AuditScope::Region => 13,
        };
        let cell = |text: &str, width: usize| match width {
            0 => String::new(),
            _ => format!("{} ", fit(text, width - 1)),
        };
        let rest = width.saturating_sub(when + citizen);
        let who = rest * 3 / 10;
        let centre = rest * 3 / 10;
        let what = rest.saturating_sub(who + centre);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{}{}{}{}{}",
                cell(&t!("audit.column.when"), when),
                cell(&t!("audit.column.who"), who),
                cell(&t!("audit.column.centre"), centre),
                cell(&t!("audit.column.citizen"), citizen),
                fit(&t!("audit.column.what"), what)
            ),
            theme.title(),
        ))];
        match &self.entries {
            Some(entries) if entries.is_empty() => lines.push(Line::from(Span::styled(
                empty_text.into_owned(),
                theme.muted(),
            ))),
            Some(entries) => {
                for entry in entries.iter().skip(self.first) {
                    let centre_name = match (&entry.centre_name, &entry.centre_bin) {
                        (Some(name), _) => name.clone(),
                        (None, Some(bin)) => bin.clone(),
                        (None, None) => crate::tui::format::no_value(),
                    };
                    let mut read = entry.what.translated();
                    if let Some(subject) = &entry.subject {
                        read.push_str(&format!(" {subject}"));
                    }
                    lines.push(Line::from(format!(
                        "{}{}{}{}{}",
                        cell(&date_time(entry.at), when),
                        cell(&entry.operator_name, who),
                        cell(&centre_name, centre),
                        cell(&entry.citizen_iin.to_string(), citizen),
                        fit(&read, what)
                    )));
                }
            }
            None => {}
        }
        frame.render_widget(Paragraph::new(lines), table);
        let line = if self.loading {
            Line::from(Span::styled(
                format!("{} {}", spinner::frame(ctx.tick), t!("tui.loading")),
                theme.warning(),
            ))
        } else if let Some(problem) = &self.problem {
            Line::from(Span::styled(problem.message(), theme.error()))
        } else {
            Line::raw("")
        };
        frame.render_widget(Paragraph::new(line), status);
    }
}
