//! «Предложения и направления»: the offers in flight (child's application, kindergarten, group,
//! answer-by time) and the directions by status (issued, extended, enrolled, expired, revoked)
//! with their dates, both filtered by kindergarten and date, directions also by status. On a
//! live direction the officer marks enrollment («Зачислен») or annuls it with a reason, and
//! on an out-of-turn child's direction confirms the benefit in person, each signed
//! (docs/domain-rules.md, «Directions by status», «Directions annulled by an officer»,
//! «Benefits»).

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;

use crate::api::officer::{
    DirectionInfo, DirectionsPage, DirectionsQuery, KindergartensQuery, OfferInfo, OffersQuery,
};
use crate::domain::allocation::OfferStatus;
use crate::domain::direction::DirectionStatus;
use crate::tui::format::{date, day_of, deadline, local, no_value};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply, Sent};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::screens::officer::calls::{OfficerCall, OfficerReply};
use crate::tui::screens::officer::dialog::{Change, ChangeDialog};
use crate::tui::screens::officer::table::{self, Column, Cursor};
use crate::tui::widgets::form::{Field, FieldKind, Form, parse_date};
use crate::tui::widgets::{self, tabs, truncate};

/// Directions asked of the server at a time; the next page comes when the selection nears the
/// end of what is here.
const PAGE: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Tab,
    Open,
    Enroll,
    Annul,
    ConfirmInPerson,
    Kindergarten,
    Status,
    Dates,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Tab,
        name: "tab",
        keys: &[KeyCombo::key(KeyCode::Tab)],
        help: "officer.offers.key.tab",
        hint: true,
    },
    Binding {
        command: Command::Open,
        name: "open",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "officer.key.open",
        hint: false,
    },
    Binding {
        command: Command::Enroll,
        name: "enroll",
        keys: &[KeyCombo::f(5), KeyCombo::char('e')],
        help: "officer.offers.key.enroll",
        hint: true,
    },
    Binding {
        command: Command::Annul,
        name: "annul",
        keys: &[KeyCombo::f(8), KeyCombo::char('a')],
        help: "officer.offers.key.annul",
        hint: true,
    },
    Binding {
        command: Command::Kindergarten,
        name: "kindergarten",
        keys: &[KeyCombo::f(3), KeyCombo::char('k')],
        help: "officer.offers.key.kindergarten",
        hint: true,
    },
    Binding {
        command: Command::Status,
        name: "status",
        keys: &[KeyCombo::f(6), KeyCombo::char('f')],
        help: "officer.offers.key.status",
        hint: true,
    },
    Binding {
        command: Command::Dates,
        name: "dates",
        keys: &[KeyCombo::f(7), KeyCombo::char('d')],
        help: "officer.offers.key.dates",
        hint: true,
    },
    Binding {
        command: Command::ConfirmInPerson,
        name: "confirm_in_person",
        keys: &[KeyCombo::f(4), KeyCombo::char('c')],
        help: "officer.offers.key.confirm_in_person",
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Offers,
    Directions,
}

/// What the lists are narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filters {
    kindergarten: Option<String>,
    status: Option<DirectionStatus>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Filters {
    fn directions(&self, cursor: Option<String>) -> DirectionsQuery {
        DirectionsQuery {
            kindergarten: self.kindergarten.clone(),
            status: self.status,
            from: self.from,
            to: self.to,
            cursor,
            per_page: Some(PAGE),
            ..DirectionsQuery::default()
        }
    }

    fn takes(&self, offer: &OfferInfo) -> bool {
        let day = local(offer.made_at).date_naive();
        offer.status == OfferStatus::Awaiting
            && self
                .kindergarten
                .as_ref()
                .is_none_or(|k| *k == offer.kindergarten)
            && self.from.is_none_or(|from| day >= from)
            && self.to.is_none_or(|to| day <= to)
    }
}

pub struct OffersScreen {
    keymap: Keymap<Command>,
    tab: Tab,
    filters: Filters,
    /// The region's kindergarten codes, for the kindergarten filter.
    kindergartens: Vec<String>,
    offers: Option<Vec<OfferInfo>>,
    directions: Option<DirectionsPage>,
    /// The page on its way: the query that asked for it.
    asked: Option<DirectionsQuery>,
    offers_cursor: Cursor,
    directions_cursor: Cursor,
    /// The date range being typed.
    dates: Option<Form>,
    error: Option<CallError>,
    notice: Option<Result<&'static str, CallError>>,
}

impl Default for OffersScreen {
    fn default() -> Self {
        OffersScreen::new()
    }
}

impl OffersScreen {
    pub fn new() -> OffersScreen {
        OffersScreen {
            keymap: Keymap::new("officer_offers", KEYS),
            tab: Tab::Offers,
            filters: Filters::default(),
            kindergartens: Vec::new(),
            offers: None,
            directions: None,
            asked: None,
            offers_cursor: Cursor::default(),
            directions_cursor: Cursor::default(),
            dates: None,
            error: None,
            notice: None,
        }
    }

    /// A screen holding these lists (snapshots, tests); `directions` opens the second tab.
    pub fn with(offers: Vec<OfferInfo>, directions: DirectionsPage, on_directions: bool) -> Self {
        let mut screen = OffersScreen::new();
        screen.offers = Some(offers);
        screen.directions = Some(directions);
        if on_directions {
            screen.tab = Tab::Directions;
        }
        screen
    }

    fn offers_shown(&self) -> Vec<&OfferInfo> {
        self.offers
            .iter()
            .flatten()
            .filter(|o| self.filters.takes(o))
            .collect()
    }

    fn directions_shown(&self) -> &[DirectionInfo] {
        self.directions.as_ref().map_or(&[], |p| &p.rows)
    }

    fn load(&mut self) -> Vec<Effect> {
        self.error = None;
        self.directions = None;
        self.directions_cursor = Cursor::default();
        let query = self.filters.directions(None);
        self.asked = Some(query.clone());
        vec![
            Effect::Call(Call::Officer(OfficerCall::Offers(OffersQuery::default()))),
            Effect::Call(Call::Officer(OfficerCall::Directions(query))),
        ]
    }

    /// The next page of directions when the selection is near the end of those here.
    fn more(&mut self) -> Vec<Effect> {
        let Some(page) = &self.directions else {
            return Vec::new();
        };
        let near_end = self.directions_cursor.selected + 20 >= page.rows.len();
        match (&page.next_cursor, near_end, &self.asked) {
            (Some(next), true, None) => {
                let query = self.filters.directions(Some(next.clone()));
                self.asked = Some(query.clone());
                vec![Effect::Call(Call::Officer(OfficerCall::Directions(query)))]
            }
            _ => Vec::new(),
        }
    }

    fn selected_direction(&self) -> Option<&DirectionInfo> {
        (self.tab == Tab::Directions)
            .then(|| self.directions_shown().get(self.directions_cursor.selected))
            .flatten()
    }

    fn act(&self, command: Command) -> Vec<Effect> {
        let Some(direction) = self.selected_direction().filter(|d| d.status.is_live()) else {
            return Vec::new();
        };
        if command == Command::ConfirmInPerson && direction.in_person_by.is_none() {
            return Vec::new();
        }
        let subject = format!(
            "{} — {} ({}/{})",
            direction.number, direction.child_name, direction.kindergarten, direction.group
        );
        let change = match command {
            Command::Enroll => Change::Enroll {
                number: direction.number,
            },
            Command::ConfirmInPerson => Change::ConfirmOutOfTurn {
                number: direction.number,
            },
            _ => Change::Annul {
                number: direction.number,
            },
        };
        vec![Effect::Push(Box::new(ChangeDialog::new(change, subject)))]
    }

    fn date_form(&self) -> Form {
        let field = |id, label, value: Option<NaiveDate>| {
            Field::new(id, label, FieldKind::Date).with_value(&value.map(date).unwrap_or_default())
        };
        Form::new(vec![
            field("from", "officer.offers.from", self.filters.from),
            field("to", "officer.offers.to", self.filters.to),
        ])
    }

    fn dates_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(form) = &mut self.dates else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Enter => {
                self.filters.from = parse_date(form.value("from"));
                self.filters.to = parse_date(form.value("to"));
                self.dates = None;
                self.offers_cursor = Cursor::default();
                self.load()
            }
            KeyCode::Esc => {
                self.dates = None;
                Vec::new()
            }
            _ => {
                form.handle_key(key);
                Vec::new()
            }
        }
    }

    fn filter_line(&self) -> String {
        let kindergarten = self
            .filters
            .kindergarten
            .clone()
            .unwrap_or_else(|| t!("officer.offers.all").into_owned());
        let status = match self.filters.status {
            Some(status) => t!(status.message_key()).into_owned(),
            None => t!("officer.offers.all").into_owned(),
        };
        let dates = match (self.filters.from, self.filters.to) {
            (None, None) => t!("officer.offers.all").into_owned(),
            (from, to) => format!(
                "{} – {}",
                from.map(date).unwrap_or_default(),
                to.map(date).unwrap_or_default()
            ),
        };
        let mut line = format!(
            "{}: {kindergarten}   {}: {dates}",
            t!("officer.offers.kindergarten"),
            t!("officer.offers.dates"),
        );
        if self.tab == Tab::Directions {
            line.push_str(&format!("   {}: {status}", t!("officer.offers.status")));
        }
        line
    }
}

/// `None` → each value → `None`.
fn cycle<T: Clone + PartialEq>(current: Option<T>, all: &[T]) -> Option<T> {
    match current {
        None => all.first().cloned(),
        Some(value) => all
            .iter()
            .position(|v| *v == value)
            .and_then(|i| all.get(i + 1))
            .cloned(),
    }
}

impl Screen for OffersScreen {
    fn id(&self) -> &'static str {
        "officer_offers"
    }

    fn title(&self) -> String {
        t!("officer.menu.offers").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        let mut effects = vec![Effect::Call(Call::Officer(OfficerCall::Kindergartens(
            KindergartensQuery::default(),
        )))];
        effects.extend(self.load());
        effects
    }

    fn on_data_changed(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn busy(&self) -> bool {
        self.asked.is_some()
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.dates.is_some() {
            return Some(self.dates_key(key));
        }
        self.notice = None;
        Some(match self.keymap.command(&key, false) {
            Some(Command::Tab) => {
                self.tab = match self.tab {
                    Tab::Offers => Tab::Directions,
                    Tab::Directions => Tab::Offers,
                };
                Vec::new()
            }
            Some(Command::Open) => {
                let number = match self.tab {
                    Tab::Offers => self
                        .offers_shown()
                        .get(self.offers_cursor.selected)
                        .map(|o| o.number),
                    Tab::Directions => self.selected_direction().map(|d| d.number),
                };
                number
                    .map(|n| Effect::Push(Box::new(ApplicationScreen::new(n))))
                    .into_iter()
                    .collect()
            }
            Some(command @ (Command::Enroll | Command::Annul | Command::ConfirmInPerson)) => {
                self.act(command)
            }
            Some(Command::Kindergarten) => {
                self.filters.kindergarten =
                    cycle(self.filters.kindergarten.clone(), &self.kindergartens);
                self.offers_cursor = Cursor::default();
                self.load()
            }
            Some(Command::Status) => {
                self.filters.status = cycle(self.filters.status, &DirectionStatus::ALL);
                self.tab = Tab::Directions;
                self.load()
            }
            Some(Command::Dates) => {
                self.dates = Some(self.date_form());
                Vec::new()
            }
            Some(Command::Reload) => self.load(),
            None => {
                let moved = match self.tab {
                    Tab::Offers => {
                        let len = self.offers_shown().len();
                        self.offers_cursor.handle_key(key, len)
                    }
                    Tab::Directions => {
                        let len = self.directions_shown().len();
                        self.directions_cursor.handle_key(key, len)
                    }
                };
                if !moved {
                    return None;
                }
                self.more()
            }
        })
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Officer(OfficerReply::Kindergartens(Ok(kgs))) => {
                self.kindergartens = kgs.into_iter().map(|k| k.code).collect();
                Vec::new()
            }
            Reply::Officer(OfficerReply::Offers(result)) => {
                match result {
                    Ok(offers) => {
                        self.offers = Some(offers);
                        self.offers_cursor.clamp(self.offers_shown().len());
                    }
                    Err(e) => self.error = Some(e),
                }
                Vec::new()
            }
            Reply::Officer(OfficerReply::Directions { query, result }) => {
                if self.asked.as_ref() != Some(&query) {
                    return Vec::new();
                }
                self.asked = None;
                match result {
                    Ok(page) => match (&mut self.directions, query.cursor.is_some()) {
                        (Some(held), true) => {
                            held.rows.extend(page.rows);
                            held.next_cursor = page.next_cursor;
                            held.total = page.total;
                        }
                        _ => self.directions = Some(page),
                    },
                    Err(e) => self.error = Some(e),
                }
                Vec::new()
            }
            Reply::Sent(Ok(Sent::Acted(_))) => {
                self.notice = Some(Ok("officer.offers.done"));
                let mut effects = self.load();
                effects.push(Effect::DataChanged);
                effects
            }
            Reply::Sent(Err(e)) => {
                self.notice = Some(Err(e));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [title, tab_row, filters, list, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(if self.dates.is_some() { 2 } else { 1 }),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        widgets::heading(frame, title, theme, &self.title());
        let offers = self.offers_shown();
        let titles = [
            t!("officer.offers.tab_offers", count = offers.len()).into_owned(),
            t!(
                "officer.offers.tab_directions",
                count = self.directions.as_ref().map_or(0, |p| p.total)
            )
            .into_owned(),
        ];
        let active = match self.tab {
            Tab::Offers => 0,
            Tab::Directions => 1,
        };
        tabs::render(frame, tab_row, &titles, active, theme);
        match &self.dates {
            Some(form) => form.render(frame, filters, 2, theme),
            None => frame.render_widget(
                Paragraph::new(Span::styled(
                    truncate(&self.filter_line(), filters.width as usize),
                    theme.muted(),
                )),
                filters,
            ),
        }
        if let Some(error) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(error.message(), theme.error())),
                list,
            );
        } else {
            match self.tab {
                Tab::Offers => {
                    let columns = [
                        Column {
                            title: t!("officer.offers.column.number").into_owned(),
                            width: 18,
                        },
                        Column {
                            title: t!("officer.offers.column.kindergarten").into_owned(),
                            width: list.width.saturating_sub(56).max(12),
                        },
                        Column {
                            title: t!("officer.offers.column.benefit").into_owned(),
                            width: 16,
                        },
                        Column {
                            title: t!("officer.offers.column.answer_by").into_owned(),
                            width: 18,
                        },
                    ];
                    if self.offers.is_none() {
                        loading(frame, list, ctx);
                    } else {
                        table::render(
                            frame,
                            list,
                            &columns,
                            offers.len(),
                            &self.offers_cursor,
                            theme,
                            |i| {
                                let o = offers[i];
                                vec![
                                    o.number.to_string(),
                                    format!("{}/{}", o.kindergarten, o.group),
                                    t!(o.benefit_class.message_key()).into_owned(),
                                    deadline(o.answer_by),
                                ]
                            },
                        );
                    }
                }
                Tab::Directions => {
                    let columns = [
                        Column {
                            title: t!("officer.offers.column.number").into_owned(),
                            width: 18,
                        },
                        Column {
                            title: t!("officer.offers.column.child").into_owned(),
                            width: list.width.saturating_sub(62).max(12),
                        },
                        Column {
                            title: t!("officer.offers.column.kindergarten").into_owned(),
                            width: 14,
                        },
                        Column {
                            title: t!("officer.offers.column.status").into_owned(),
                            width: 10,
                        },
                        Column {
                            title: t!("officer.offers.column.issued").into_owned(),
                            width: 10,
                        },
                        Column {
                            title: t!("officer.offers.column.until").into_owned(),
                            width: 10,
                        },
                    ];
                    let rows = self.directions_shown();
                    if self.directions.is_none() {
                        loading(frame, list, ctx);
                    } else {
                        table::render(
                            frame,
                            list,
                            &columns,
                            rows.len(),
                            &self.directions_cursor,
                            theme,
                            |i| {
                                let d = &rows[i];
                                vec![
                                    d.number.to_string(),
                                    d.child_name.clone(),
                                    d.kindergarten.clone(),
                                    t!(d.status.message_key()).into_owned(),
                                    day_of(d.issued_at),
                                    d.expires_at
                                        .or(d.ended_at)
                                        .map(day_of)
                                        .unwrap_or_else(no_value),
                                ]
                            },
                        );
                    }
                }
            }
        }
        let line = match &self.notice {
            Some(Ok(key)) => Line::from(Span::styled(t!(*key).into_owned(), theme.ok())),
            Some(Err(e)) => Line::from(Span::styled(e.message(), theme.error())),
            // An out-of-turn direction waits for the benefit to be confirmed in person.
            None => match self.selected_direction().and_then(|d| d.in_person_by) {
                Some(by) => {
                    let mut text =
                        t!("officer.offers.in_person_by", date = deadline(by)).into_owned();
                    if let Some(keys) = self.keymap.keys_of(Command::ConfirmInPerson) {
                        text.push_str(&format!(" ({keys})"));
                    }
                    Line::from(Span::styled(
                        truncate(&text, status.width as usize),
                        theme.warning(),
                    ))
                }
                None => Line::from(""),
            },
        };
        frame.render_widget(Paragraph::new(line), status);
    }
}

fn loading(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    frame.render_widget(
        Paragraph::new(t!("officer.loading").into_owned()).style(ctx.theme.muted()),
        area,
    );
}
