//! The main page (seed 000 figure 4): the service title, its four items, the user's name at the
//! top right (opens the profile), the language switch (F2) and «Выйти».

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;

use crate::api::auth::RoleKind;
use crate::tui::effects::{Call, Reply};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::{self, Destination};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, buttons};

/// The four items in the seeds' order.
const ITEMS: [(Destination, &str); 4] = [
    (Destination::Apply, "tui.menu.apply"),
    (Destination::Journal, "tui.menu.journal"),
    (Destination::QueueSearch, "tui.menu.search"),
    (Destination::Statistics, "tui.menu.statistics"),
];

/// The officer's workspace (issue 13), after the four items for an officer of a region.
const OFFICER_ITEMS: [(Destination, &str); 4] = [
    (
        Destination::OfficerKindergartens,
        "officer.menu.kindergartens",
    ),
    (Destination::OfficerOffers, "officer.menu.offers"),
    (Destination::OfficerReviews, "officer.menu.reviews"),
    (Destination::OfficerJournal, "officer.menu.journal"),
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
        name: "officer_kindergartens",
        keys: &[KeyCombo::char('5')],
        help: "officer.menu.kindergartens",
        hint: false,
    },
    Binding {
        command: Command::Item(5),
        name: "officer_offers",
        keys: &[KeyCombo::char('6')],
        help: "officer.menu.offers",
        hint: false,
    },
    Binding {
        command: Command::Item(6),
        name: "officer_reviews",
        keys: &[KeyCombo::char('7')],
        help: "officer.menu.reviews",
        hint: false,
    },
    Binding {
        command: Command::Item(7),
        name: "officer_journal",
        keys: &[KeyCombo::char('8')],
        help: "officer.menu.journal",
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
    items: Vec<(Destination, &'static str)>,
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
            items: ITEMS.to_vec(),
        }
    }

    /// The menu of an officer: the officer's workspace after the four items.
    pub fn for_officer() -> MainMenu {
        let mut menu = MainMenu::new();
        menu.items.extend(OFFICER_ITEMS);
        menu.list = SelectList::new(vec![String::new(); menu.items.len()]);
        menu
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

    /// The officer's items' keys only in an officer's menu.
    fn key_help(&self) -> Vec<KeyHelp> {
        let officer = self.items.len() > ITEMS.len();
        self.keymap
            .help()
            .into_iter()
            .filter(|h| officer || !h.name.starts_with("officer_"))
            .collect()
    }

    /// Who is logged in decides the items: the profile says whether they are an officer.
    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        match ctx.session {
            Some(_) if self.items.len() == ITEMS.len() => vec![Effect::Call(Call::Profile)],
            _ => Vec::new(),
        }
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        if let Reply::Profile(Ok(profile)) = reply
            && profile.user.has_role(RoleKind::Officer, None)
            && self.items.len() == ITEMS.len()
        {
            let selected = self.selected();
            *self = MainMenu::for_officer();
            self.list.select(selected);
        }
        Vec::new()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, false) {
            Some(Command::Open) => Some(self.open(self.items[self.selected()].0, ctx)),
            Some(Command::Item(i)) => match self.items.get(i) {
                Some(&(destination, _)) => {
                    self.list.select(i);
                    Some(self.open(destination, ctx))
                }
                None => Some(Vec::new()),
            },
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
            Constraint::Length(self.items.len() as u16),
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
        let labels: Vec<String> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, (destination, key))| {
                let mut label = format!("{}. {}", i + 1, t!(*key));
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
