//! The main page (seed 000 figure 4): the service title, its four items, the user's name at the
//! top right (opens the profile), the language switch (F2) and «Выйти».

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;

use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::{self, Destination};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, buttons};

/// The four items in the seeds' order, then «Уведомления» (issue 14).
const ITEMS: [(Destination, &str); 5] = [
    (Destination::Apply, "tui.menu.apply"),
    (Destination::Journal, "tui.menu.journal"),
    (Destination::QueueSearch, "tui.menu.search"),
    (Destination::Statistics, "tui.menu.statistics"),
    (Destination::Inbox, "tui.menu.inbox"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Open,
    Item(usize),
    Profile,
    Logout,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Open,
        name: "open",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "tui.keys.open",
        hint: true,
    },
    Binding {
        command: Command::Item(0),
        name: "apply",
        keys: &[KeyCombo::char('1')],
        help: "tui.menu.apply",
        hint: false,
    },
    Binding {
        command: Command::Item(1),
        name: "journal",
        keys: &[KeyCombo::char('2')],
        help: "tui.menu.journal",
        hint: false,
    },
    Binding {
        command: Command::Item(2),
        name: "search",
        keys: &[KeyCombo::char('3')],
        help: "tui.menu.search",
        hint: false,
    },
    Binding {
        command: Command::Item(3),
        name: "statistics",
        keys: &[KeyCombo::char('4')],
        help: "tui.menu.statistics",
        hint: false,
    },
    Binding {
        command: Command::Item(4),
        name: "inbox",
        keys: &[KeyCombo::char('5')],
        help: "tui.menu.inbox",
        hint: false,
    },
    Binding {
        command: Command::Profile,
        name: "profile",
        keys: &[KeyCombo::f(3), KeyCombo::char('p')],
        help: "tui.keys.profile",
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

pub struct MainMenu {
    keymap: Keymap<Command>,
    list: SelectList,
}

impl Default for MainMenu {
    fn default() -> Self {
        MainMenu::new()
    }
}

impl MainMenu {
    pub fn new() -> MainMenu {
        MainMenu {
            keymap: Keymap::new("main_menu", KEYS),
            list: SelectList::new(vec![String::new(); ITEMS.len()]),
        }
    }

    pub fn selected(&self) -> usize {
        self.list.selected().unwrap_or(0)
    }

    fn open(&self, destination: Destination, ctx: &Ctx) -> Vec<Effect> {
        match screens::open(destination, ctx) {
            Some(screen) => vec![Effect::Push(screen)],
            None => Vec::new(),
        }
    }
}

impl Screen for MainMenu {
    fn id(&self) -> &'static str {
        "main_menu"
    }

    fn title(&self) -> String {
        t!("tui.menu.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, false) {
            Some(Command::Open) => Some(self.open(ITEMS[self.selected()].0, ctx)),
            Some(Command::Item(i)) => {
                self.list.select(i);
                Some(self.open(ITEMS[i].0, ctx))
            }
            Some(Command::Profile) => Some(self.open(Destination::Profile, ctx)),
            Some(Command::Logout) => {
                Some(vec![Effect::SignedOut, Effect::Reset(screens::start(ctx))])
            }
            None => self.list.handle_key(key).then(Vec::new),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::page(frame, area, theme, &self.title());
        let [top, title, _, items, _, actions] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(ITEMS.len() as u16),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(inner);
        // The user's name at the top right opens the profile, as on the portal.
        if let Some(session) = &ctx.session {
            let name = format!(
                "{} ({})",
                session.full_name,
                self.keymap.keys_of(Command::Profile).unwrap_or_default()
            );
            let name = widgets::truncate(&name, top.width as usize);
            frame.render_widget(
                Paragraph::new(Line::from(Span::styled(name, theme.focused())))
                    .alignment(ratatui::layout::Alignment::Right),
                top,
            );
        }
        frame.render_widget(
            Paragraph::new(Span::styled(
                t!("tui.service_title").into_owned(),
                theme.title(),
            ))
            .wrap(Wrap { trim: true }),
            title,
        );
        let labels: Vec<String> = ITEMS
            .iter()
            .enumerate()
            .map(|(i, (destination, key))| {
                let mut label = format!("{}. {}", i + 1, t!(*key));
                if *destination == Destination::Inbox
                    && let Some(unread) = ctx.unread.filter(|n| *n > 0)
                {
                    label.push_str(&format!(" ({unread})"));
                }
                if !screens::available(*destination) {
                    label.push_str(&format!(" — {}", t!("tui.menu.not_available")));
                }
                label
            })
            .collect();
        let mut list = self.list.clone();
        list.set_items(labels);
        list.render(frame, items, true, theme);
        buttons::render(
            frame,
            actions,
            &[
                buttons::Button::new(
                    t!("tui.menu.profile"),
                    self.keymap.keys_of(Command::Profile),
                ),
                buttons::Button::new(t!("tui.menu.logout"), self.keymap.keys_of(Command::Logout)),
            ],
            None,
            theme,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use ratatui::crossterm::event::KeyModifiers;

    #[test]
    fn arrows_move_and_digits_open() {
        let ctx = Ctx::for_tests(Lang::Ru);
        let mut menu = MainMenu::new();
        menu.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), &ctx);
        assert_eq!(menu.selected(), 1);
        menu.on_key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE), &ctx);
        assert_eq!(menu.selected(), 2);
    }

    #[test]
    fn logout_signs_out_and_starts_over() {
        let ctx = Ctx::for_tests(Lang::Kk);
        let mut menu = MainMenu::new();
        let effects = menu
            .on_key(KeyEvent::new(KeyCode::F(12), KeyModifiers::NONE), &ctx)
            .unwrap();
        assert!(matches!(
            effects.as_slice(),
            [Effect::SignedOut, Effect::Reset(_)]
        ));
    }
}
