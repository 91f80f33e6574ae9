//! The service description and instructions (seed 003 figure 6), confirmed with «Подать
//! заявку» before the wizard opens.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, Wrap};
use rust_i18n::t;

use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::{self, Destination};
use crate::tui::widgets;
use crate::tui::widgets::buttons::{self, Button};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Apply,
    Back,
    ScrollDown,
    ScrollUp,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Apply,
        name: "apply",
        keys: &[KeyCombo::f(10), KeyCombo::key(KeyCode::Enter)],
        help: "tui.description.apply",
        hint: true,
    },
    Binding {
        command: Command::Back,
        name: "back",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "tui.keys.back",
        hint: true,
    },
    Binding {
        command: Command::ScrollDown,
        name: "scroll_down",
        keys: &[
            KeyCombo::key(KeyCode::Down),
            KeyCombo::key(KeyCode::PageDown),
        ],
        help: "tui.keys.scroll",
        hint: true,
    },
    Binding {
        command: Command::ScrollUp,
        name: "scroll_up",
        keys: &[KeyCombo::key(KeyCode::Up), KeyCombo::key(KeyCode::PageUp)],
        help: "tui.keys.scroll",
        hint: false,
    },
];

/// The paragraphs of the description, in order.
const PARAGRAPHS: [&str; 5] = [
    "tui.description.about",
    "tui.description.who",
    "tui.description.documents",
    "tui.description.steps",
    "tui.description.notice",
];

pub struct Description {
    keymap: Keymap<Command>,
    scroll: u16,
    /// How far the text scrolls at the last frame's size (the view knows the width).
    max_scroll: Cell<u16>,
}

impl Default for Description {
    fn default() -> Self {
        Description::new()
    }
}

impl Description {
    pub fn new() -> Description {
        Description {
            keymap: Keymap::new("description", KEYS),
            scroll: 0,
            max_scroll: Cell::new(u16::MAX),
        }
    }
}

impl Screen for Description {
    fn id(&self) -> &'static str {
        "description"
    }

    fn title(&self) -> String {
        t!("tui.description.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, false)? {
            Command::Apply => Some(
                screens::open(Destination::Wizard, ctx)
                    .map(Effect::Push)
                    .into_iter()
                    .collect(),
            ),
            Command::Back => Some(vec![Effect::Pop]),
            Command::ScrollDown => {
                self.scroll = (self.scroll + 1).min(self.max_scroll.get());
                Some(Vec::new())
            }
            Command::ScrollUp => {
                self.scroll = self.scroll.min(self.max_scroll.get()).saturating_sub(1);
                Some(Vec::new())
            }
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::page(frame, area, theme, &self.title());
        let [text, buttons_row] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        let mut lines = vec![
            Line::from(Span::styled(
                t!("tui.service_title").into_owned(),
                theme.title(),
            )),
            Line::raw(""),
        ];
        let mut texts = vec![t!("tui.service_title").into_owned(), String::new()];
        for key in PARAGRAPHS {
            lines.push(Line::raw(t!(key).into_owned()));
            lines.push(Line::raw(""));
            texts.push(t!(key).into_owned());
            texts.push(String::new());
        }
        // A column for the scroll bar, so that a cut last paragraph shows that it goes on.
        let [text, bar] =
            Layout::horizontal([Constraint::Min(1), Constraint::Length(1)]).areas(text);
        let total: usize = texts
            .iter()
            .map(|t| widgets::wrap(t, text.width as usize).len())
            .sum();
        let max = total.saturating_sub(text.height as usize) as u16;
        self.max_scroll.set(max);
        let scroll = self.scroll.min(max);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            text,
        );
        if max > 0 {
            let mut state = ScrollbarState::new(max as usize + 1)
                .viewport_content_length(text.height as usize)
                .position(scroll as usize);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight)
                    .begin_symbol(Some("▲"))
                    .end_symbol(Some("▼"))
                    .style(theme.focused()),
                bar,
                &mut state,
            );
        }
        buttons::render(
            frame,
            buttons_row,
            &[
                Button::new(
                    t!("tui.description.apply"),
                    self.keymap.keys_of(Command::Apply),
                ),
                Button::new(t!("tui.keys.back"), self.keymap.keys_of(Command::Back)),
            ],
            Some(0),
            theme,
        );
    }
}
