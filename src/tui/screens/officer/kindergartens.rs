//! «Детские сады»: the region's kindergartens with their groups, searchable. Each group shows
//! its age group (birth years for the current school year), language, capacity, enrolled,
//! offered and free places. The officer changes a capacity, publishes free places (the offers
//! made of them at once are listed below), adds a kindergarten or a group, and closes one; each
//! is signed in the signing window (docs/domain-rules.md, «Kindergartens and groups»).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;

use crate::api::officer::{KindergartenInfo, KindergartensQuery, OfferInfo};
use crate::domain::limits::Text;
use crate::tui::format::deadline;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply, Sent};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::officer::calls::{OfficerCall, OfficerReply};
use crate::tui::screens::officer::dialog::{Change, ChangeDialog, GroupKind};
use crate::tui::screens::officer::table::{self, Column, Cursor};
use crate::tui::widgets::form::{Field, FieldKind};
use crate::tui::widgets::{self, truncate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Publish,
    Capacity,
    AddGroup,
    NewKindergarten,
    Close,
    Search,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Publish,
        name: "publish",
        keys: &[KeyCombo::f(5), KeyCombo::char('p')],
        help: "officer.kindergartens.key.publish",
        hint: true,
    },
    Binding {
        command: Command::Capacity,
        name: "capacity",
        keys: &[KeyCombo::f(4), KeyCombo::char('c')],
        help: "officer.kindergartens.key.capacity",
        hint: true,
    },
    Binding {
        command: Command::AddGroup,
        name: "add_group",
        keys: &[KeyCombo::f(6), KeyCombo::char('g')],
        help: "officer.kindergartens.key.add_group",
        hint: true,
    },
    Binding {
        command: Command::NewKindergarten,
        name: "new_kindergarten",
        keys: &[KeyCombo::f(7), KeyCombo::char('n')],
        help: "officer.kindergartens.key.new_kindergarten",
        hint: true,
    },
    Binding {
        command: Command::Close,
        name: "close",
        keys: &[KeyCombo::f(8), KeyCombo::key(KeyCode::Delete)],
        help: "officer.kindergartens.key.close",
        hint: true,
    },
    Binding {
        command: Command::Search,
        name: "search",
        keys: &[KeyCombo::f(3), KeyCombo::char('/')],
        help: "officer.kindergartens.key.search",
        hint: true,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::ctrl('r')],
        help: "officer.key.reload",
        hint: false,
    },
];

/// A line of the list: a kindergarten, or one of its groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Kindergarten(usize),
    Group(usize, usize),
}

/// What the screen says after a change.
#[derive(Debug)]
enum Notice {
    Published { places: u32, offers: usize },
    Changed { cancelled: usize },
    Failed(CallError),
}

pub struct KindergartensScreen {
    keymap: Keymap<Command>,
    kindergartens: Option<Vec<KindergartenInfo>>,
    lines: Vec<Entry>,
    cursor: Cursor,
    search: Option<Field>,
    text: String,
    loading: bool,
    error: Option<CallError>,
    /// The offers the last publication made, newest first.
    offers: Vec<OfferInfo>,
    notice: Option<Notice>,
}

impl Default for KindergartensScreen {
    fn default() -> Self {
        KindergartensScreen::new()
    }
}

impl KindergartensScreen {
    pub fn new() -> KindergartensScreen {
        KindergartensScreen {
            keymap: Keymap::new("officer_kindergartens", KEYS),
            kindergartens: None,
            lines: Vec::new(),
            cursor: Cursor::default(),
            search: None,
            text: String::new(),
            loading: false,
            error: None,
            offers: Vec::new(),
            notice: None,
        }
    }

    /// A screen already holding `kindergartens` (snapshots, tests).
    pub fn with(kindergartens: Vec<KindergartenInfo>, offers: Vec<OfferInfo>) -> Self {
        let mut screen = KindergartensScreen::new();
        screen.accept(kindergartens);
        screen.offers = offers;
        screen
    }

    fn load(&mut self) -> Vec<Effect> {
        self.loading = true;
        let search = self.text.trim();
        vec![Effect::Call(Call::Officer(OfficerCall::Kindergartens(
            KindergartensQuery {
                search: (!search.is_empty()).then(|| search.to_owned()),
                ..KindergartensQuery::default()
            },
        )))]
    }

    fn accept(&mut self, kindergartens: Vec<KindergartenInfo>) {
        self.lines = kindergartens
            .iter()
            .enumerate()
            .flat_map(|(k, kg)| {
                std::iter::once(Entry::Kindergarten(k))
                    .chain((0..kg.groups.len()).map(move |g| Entry::Group(k, g)))
            })
            .collect();
        self.cursor.clamp(self.lines.len());
        self.kindergartens = Some(kindergartens);
    }

    fn selected(&self) -> Option<(&KindergartenInfo, Option<usize>)> {
        let kgs = self.kindergartens.as_ref()?;
        match self.lines.get(self.cursor.selected)? {
            Entry::Kindergarten(k) => Some((kgs.get(*k)?, None)),
            Entry::Group(k, g) => Some((kgs.get(*k)?, Some(*g))),
        }
    }

    /// The age groups and languages a new group may have: those the region's groups show.
    fn group_kinds(&self) -> Vec<GroupKind> {
        let mut kinds: Vec<GroupKind> = Vec::new();
        for group in self.kindergartens.iter().flatten().flat_map(|k| &k.groups) {
            for language in ["kk", "ru"] {
                if !kinds
                    .iter()
                    .any(|(age, _, l)| *age == group.age_group && *l == language)
                {
                    kinds.push((group.age_group.clone(), group.age_name.clone(), language));
                }
            }
        }
        kinds.sort_by_key(|(_, name, language)| {
            (
                self.kindergartens
                    .iter()
                    .flatten()
                    .flat_map(|k| &k.groups)
                    .find(|g| g.age_name == *name)
                    .map(|g| g.birth_years[0])
                    .map(std::cmp::Reverse),
                *language,
            )
        });
        kinds
    }

    fn open(&self, command: Command, ctx: &Ctx) -> Vec<Effect> {
        let Some((kg, group)) = self.selected() else {
            return Vec::new();
        };
        let lang = ctx.lang;
        let group = group.and_then(|g| kg.groups.get(g));
        let kg_name = kg.name.get(lang).to_owned();
        let group_subject =
            |g: &crate::api::officer::GroupInfo| format!("{kg_name} — {}", group_label(g, ctx));
        let dialog = match (command, group) {
            (Command::Publish, Some(g)) if g.closed_at.is_none() => ChangeDialog::new(
                Change::Publish {
                    kindergarten: kg.code.clone(),
                    group: g.code.clone(),
                    free: g.free.max(1),
                },
                group_subject(g),
            ),
            (Command::Capacity, Some(g)) if g.closed_at.is_none() => ChangeDialog::new(
                Change::Capacity {
                    kindergarten: kg.code.clone(),
                    group: g.code.clone(),
                    capacity: g.capacity,
                },
                group_subject(g),
            ),
            (Command::AddGroup, _) if kg.closed_at.is_none() => ChangeDialog::new(
                Change::AddGroup {
                    kindergarten: kg.code.clone(),
                    kinds: self.group_kinds(),
                },
                kg_name.clone(),
            ),
            (Command::NewKindergarten, _) => ChangeDialog::new(
                Change::NewKindergarten {
                    settlement: kg.settlement.clone(),
                },
                t!("officer.kindergartens.new_subject").into_owned(),
            ),
            (Command::Close, Some(g)) if g.closed_at.is_none() => ChangeDialog::new(
                Change::CloseGroup {
                    kindergarten: kg.code.clone(),
                    group: g.code.clone(),
                },
                group_subject(g),
            ),
            (Command::Close, None) if kg.closed_at.is_none() => ChangeDialog::new(
                Change::CloseKindergarten {
                    kindergarten: kg.code.clone(),
                },
                kg_name.clone(),
            ),
            _ => return Vec::new(),
        };
        vec![Effect::Push(Box::new(dialog))]
    }

    fn search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Enter => {
                self.text = self
                    .search
                    .take()
                    .map(|f| f.value().to_owned())
                    .unwrap_or_default();
                self.cursor.selected = 0;
                self.load()
            }
            KeyCode::Esc => {
                self.search = None;
                Vec::new()
            }
            _ => {
                if let Some(field) = &mut self.search {
                    field.handle_key(key);
                }
                Vec::new()
            }
        }
    }

    fn row_cells(&self, i: usize, ctx: &Ctx) -> Vec<String> {
        let Some(kgs) = &self.kindergartens else {
            return Vec::new();
        };
        match self.lines[i] {
            Entry::Kindergarten(k) => {
                let kg = &kgs[k];
                let mut name = kg.name.get(ctx.lang).to_owned();
                if kg.closed_at.is_some() {
                    name.push_str(&format!(" — {}", t!("officer.kindergartens.closed")));
                }
                // The kindergarten's line sums its open groups' places.
                let sum = |f: fn(&crate::api::officer::GroupInfo) -> u32| {
                    let open = kg.groups.iter().filter(|g| g.closed_at.is_none());
                    open.map(f).sum::<u32>().to_string()
                };
                vec![
                    name,
                    String::new(),
                    String::new(),
                    sum(|g| g.capacity),
                    sum(|g| g.enrolled),
                    sum(|g| g.offered),
                    sum(|g| g.free),
                ]
            }
            Entry::Group(k, g) => {
                let group = &kgs[k].groups[g];
                let mut label = format!("  {}", group_label(group, ctx));
                if group.closed_at.is_some() {
                    label.push_str(&format!(" — {}", t!("officer.kindergartens.closed")));
                }
                vec![
                    label,
                    format!("{}–{}", group.birth_years[0], group.birth_years[1]),
                    group.language.to_uppercase(),
                    group.capacity.to_string(),
                    group.enrolled.to_string(),
                    group.offered.to_string(),
                    group.free.to_string(),
                ]
            }
        }
    }
}

/// A group as the list names it: its age group's name.
fn group_label(group: &crate::api::officer::GroupInfo, ctx: &Ctx) -> String {
    format!("{} ({})", group.age_name.get(ctx.lang), group.code)
}

impl Screen for KindergartensScreen {
    fn id(&self) -> &'static str {
        "officer_kindergartens"
    }

    fn title(&self) -> String {
        t!("officer.menu.kindergartens").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn on_data_changed(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn busy(&self) -> bool {
        self.loading
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.search.is_some() {
            return Some(self.search_key(key));
        }
        self.notice = None;
        match self.keymap.command(&key, false) {
            Some(Command::Search) => {
                self.search = Some(
                    Field::new("search", "officer.kindergartens.search", FieldKind::Text)
                        .limited(Text::Search)
                        .with_value(&self.text),
                );
                Some(Vec::new())
            }
            Some(Command::Reload) => Some(self.load()),
            Some(command) => Some(self.open(command, ctx)),
            None => self.cursor.handle_key(key, self.lines.len()).then(Vec::new),
        }
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Officer(OfficerReply::Kindergartens(result)) => {
                self.loading = false;
                match result {
                    Ok(kgs) => {
                        self.error = None;
                        self.accept(kgs);
                    }
                    Err(e) => self.error = Some(e),
                }
                Vec::new()
            }
            Reply::Sent(Ok(Sent::Published(published))) => {
                self.notice = Some(Notice::Published {
                    places: published.free_places.iter().map(|p| p.places).sum(),
                    offers: published.offers.len(),
                });
                self.offers = published.offers;
                let mut effects = self.load();
                effects.push(Effect::DataChanged);
                effects
            }
            Reply::Sent(Ok(Sent::KindergartenChanged(changed))) => {
                self.notice = Some(Notice::Changed {
                    cancelled: changed.cancelled_offers.len(),
                });
                let mut effects = self.load();
                effects.push(Effect::DataChanged);
                effects
            }
            Reply::Sent(Err(e)) => {
                self.notice = Some(Notice::Failed(e));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        if let Some(field) = &mut self.search {
            field.paste(text);
        }
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let offers_rows = if self.offers.is_empty() {
            0
        } else {
            (self.offers.len() as u16 + 1).min(area.height / 3)
        };
        let [title, search, list, offers, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(offers_rows),
            Constraint::Length(1),
        ])
        .areas(area);
        widgets::heading(frame, title, theme, &self.title());
        match &self.search {
            Some(field) => field.render(
                frame,
                search,
                t!("officer.kindergartens.search").chars().count() as u16,
                true,
                theme,
            ),
            None => {
                let text = if self.text.is_empty() {
                    t!(
                        "officer.kindergartens.search_hint",
                        key = self.keymap.keys_of(Command::Search).unwrap_or_default()
                    )
                    .into_owned()
                } else {
                    format!("{}: {}", t!("officer.kindergartens.search"), self.text)
                };
                frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), search);
            }
        }
        let columns = [
            Column {
                title: t!("officer.kindergartens.column.group").into_owned(),
                width: list.width.saturating_sub(46).max(16),
            },
            Column {
                title: t!("officer.kindergartens.column.years").into_owned(),
                width: 10,
            },
            Column {
                title: t!("officer.kindergartens.column.language").into_owned(),
                width: 4,
            },
            Column {
                title: t!("officer.kindergartens.column.capacity").into_owned(),
                width: 6,
            },
            Column {
                title: t!("officer.kindergartens.column.enrolled").into_owned(),
                width: 7,
            },
            Column {
                title: t!("officer.kindergartens.column.offered").into_owned(),
                width: 6,
            },
            Column {
                title: t!("officer.kindergartens.column.free").into_owned(),
                width: 5,
            },
        ];
        match (&self.kindergartens, &self.error) {
            (_, Some(error)) => frame.render_widget(
                Paragraph::new(Span::styled(error.message(), theme.error())),
                list,
            ),
            (None, None) => frame.render_widget(
                Paragraph::new(t!("officer.loading").into_owned()).style(theme.muted()),
                list,
            ),
            (Some(kgs), None) if kgs.is_empty() => frame.render_widget(
                Paragraph::new(t!("officer.kindergartens.none").into_owned()),
                list,
            ),
            (Some(_), None) => table::render(
                frame,
                list,
                &columns,
                self.lines.len(),
                &self.cursor,
                theme,
                |i| self.row_cells(i, ctx),
            ),
        }
        if offers_rows > 0 {
            let mut lines = vec![Line::from(Span::styled(
                t!(
                    "officer.kindergartens.offers_made",
                    count = self.offers.len()
                )
                .into_owned(),
                theme.title(),
            ))];
            lines.extend(self.offers.iter().map(|offer| {
                Line::from(truncate(
                    &t!(
                        "officer.kindergartens.offer_line",
                        number = offer.number,
                        group = offer.group,
                        class = t!(offer.benefit_class.message_key()),
                        until = deadline(offer.answer_by)
                    ),
                    offers.width as usize,
                ))
            }));
            frame.render_widget(Paragraph::new(lines), offers);
        }
        let (text, style) = match &self.notice {
            Some(Notice::Published { places, offers }) => (
                t!(
                    "officer.kindergartens.published",
                    places = places,
                    offers = offers
                )
                .into_owned(),
                theme.ok(),
            ),
            Some(Notice::Changed { cancelled }) => (
                t!("officer.kindergartens.changed", cancelled = cancelled).into_owned(),
                theme.ok(),
            ),
            Some(Notice::Failed(e)) => (e.message(), theme.error()),
            None => (String::new(), theme.text()),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(truncate(&text, status.width as usize), style)),
            status,
        );
    }
}
