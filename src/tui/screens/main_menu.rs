//! The main page (seed 000 figure 4): the service title, the items the user's roles give
//! ([`menu_items`]), the user's name at the top right (opens the profile), the language switch
//! (F2) and «Выйти».

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;

use crate::api::auth::RoleKind;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::{self, Destination};
use crate::tui::session::Session;
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, buttons};

/// One item of the main page: where it leads and its i18n key.
pub type MenuItem = (Destination, &'static str);

/// Every user is an applicant (a parent or legal representative): the seeds' four items, then
/// «Уведомления» (issue 14; every user has an inbox).
const APPLICANT_ITEMS: &[MenuItem] = &[
    (Destination::Apply, "tui.menu.apply"),
    (Destination::Journal, "tui.menu.journal"),
    (Destination::QueueSearch, "tui.menu.search"),
    (Destination::Statistics, "tui.menu.statistics"),
    (Destination::Inbox, "tui.menu.inbox"),
];

/// A ЦОН operator serves citizens at the counter first.
const OPERATOR_ITEMS: &[MenuItem] = &[(Destination::Desk, "desk.menu_item")];

/// The education officer's workspace (issue 13).
const OFFICER_ITEMS: &[MenuItem] = &[
    (
        Destination::OfficerKindergartens,
        "officer.menu.kindergartens",
    ),
    (Destination::OfficerOffers, "officer.menu.offers"),
    (Destination::OfficerReviews, "officer.menu.reviews"),
    (Destination::RegionReport, "report.menu_item"),
    (Destination::OfficerJournal, "officer.menu.journal"),
    (Destination::RegionAudit, "audit.region.menu_item"),
];

/// The items a role adds, in the order the roles' lists come on the page.
fn role_items(role: RoleKind) -> &'static [MenuItem] {
    match role {
        RoleKind::Operator => OPERATOR_ITEMS,
        RoleKind::Officer => OFFICER_ITEMS,
        RoleKind::Admin => &[],
    }
}

/// The main page's items for `session`: each granted role's list (operator first), then the
/// applicant's, which everyone has. A new role's screens: a list here and an arm in
/// [`role_items`].
pub fn menu_items(session: Option<&Session>) -> Vec<MenuItem> {
    const ROLE_ORDER: [RoleKind; 3] = [RoleKind::Operator, RoleKind::Officer, RoleKind::Admin];
    let mut items: Vec<MenuItem> = ROLE_ORDER
        .into_iter()
        .filter(|role| session.is_some_and(|s| s.has_role(*role)))
        .flat_map(|role| role_items(role).iter().copied())
        .collect();
    items.extend_from_slice(APPLICANT_ITEMS);
    items
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Open,
    /// The item at this position (digit keys 1–9).
    Item(usize),
    Profile,
    Logout,
}

/// The digit key of the item at `$index`; its help line is the item's own label.
macro_rules! item_key {
    ($index:literal, $name:literal, $digit:literal) => {
        Binding {
            command: Command::Item($index),
            name: $name,
            keys: &[KeyCombo::char($digit)],
            help: "tui.keys.open",
            hint: false,
        }
    };
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Open,
        name: "open",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "tui.keys.open",
        hint: true,
    },
    item_key!(0, "item1", '1'),
    item_key!(1, "item2", '2'),
    item_key!(2, "item3", '3'),
    item_key!(3, "item4", '4'),
    item_key!(4, "item5", '5'),
    item_key!(5, "item6", '6'),
    item_key!(6, "item7", '7'),
    item_key!(7, "item8", '8'),
    item_key!(8, "item9", '9'),
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
    /// The session's items ([`menu_items`]), set when the page enters the stack.
    items: Vec<MenuItem>,
    list: SelectList,
}

impl Default for MainMenu {
    fn default() -> Self {
        MainMenu::new()
    }
}

impl MainMenu {
    pub fn new() -> MainMenu {
        MainMenu::with_items(menu_items(None))
    }

    fn with_items(items: Vec<MenuItem>) -> MainMenu {
        MainMenu {
            keymap: Keymap::new("main_menu", KEYS),
            list: SelectList::new(vec![String::new(); items.len()]),
            items,
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
        // A digit's line is its item's label; digits beyond the session's items are left out.
        self.keymap
            .help()
            .into_iter()
            .filter_map(|mut help| {
                let command = KEYS.iter().find(|b| b.name == help.name)?.command;
                match command {
                    Command::Item(i) => self.items.get(i).map(|(_, label)| {
                        help.text = t!(*label).into_owned();
                        help
                    }),
                    _ => Some(help),
                }
            })
            .collect()
    }

    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        *self = MainMenu::with_items(menu_items(ctx.session.as_ref()));
        Vec::new()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, false) {
            Some(Command::Open) => Some(self.open(self.items[self.selected()].0, ctx)),
            Some(Command::Item(i)) if i < self.items.len() => {
                self.list.select(i);
                Some(self.open(self.items[i].0, ctx))
            }
            Some(Command::Item(_)) => Some(Vec::new()),
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

    fn operator() -> Session {
        Session {
            full_name: "АХМЕТОВА ГҮЛНАРА".to_owned(),
            iin: "850211417430".to_owned(),
            roles: vec![crate::api::auth::RoleGrant {
                role: RoleKind::Operator,
                region: None,
            }],
            organisation: None,
        }
    }

    #[test]
    fn items_come_from_the_roles_operator_first() {
        let parent = menu_items(None);
        assert_eq!(parent.first().map(|i| i.0), Some(Destination::Apply));
        assert!(!parent.iter().any(|i| i.0 == Destination::Desk));
        let operator = menu_items(Some(&operator()));
        assert_eq!(operator[0].0, Destination::Desk);
        assert_eq!(
            &operator[1..],
            &parent[..],
            "an operator is an applicant too"
        );
    }

    #[test]
    fn digits_follow_the_sessions_items_and_their_help_names_them() {
        crate::i18n::Lang::Ru.activate();
        let mut ctx = Ctx::for_tests(Lang::Ru);
        ctx.session = Some(operator());
        let mut menu = MainMenu::new();
        menu.init(&ctx);
        let help = menu.key_help();
        let digit = |d: &str| help.iter().find(|h| h.keys == d).map(|h| h.text.clone());
        assert_eq!(digit("1").as_deref(), Some("Обслуживание гражданина"));
        assert_eq!(
            digit("2").as_deref(),
            Some("Постановка ребенка в очередь в Детские дошкольные организации")
        );
        // The desk, the seeds' four and «Уведомления»: six items, six digits.
        assert_eq!(digit("6").as_deref(), Some("Уведомления"));
        assert_eq!(digit("7"), None, "six items, six digits");
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
