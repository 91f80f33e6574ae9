//! «Журнал заявлений»: the applications the user may see, with the seeds' nine columns, sorted by
//! any column, filtered by status and benefit (the officer's also by birth year and
//! kindergarten), searched by number, name or IIN, and paged by the server. Only the pages around the selection are kept and only the visible rows are built, so
//! a journal of 100 000 applications scrolls as fast as one of ten.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use rust_i18n::t;
use unicode_width::UnicodeWidthStr;

use crate::api::applications::{JournalPage, JournalQuery, JournalRow, JournalSort, SortOrder};
use crate::api::catalogue::LocalizedName;
use crate::api::officer::{KindergartenInfo, KindergartensQuery};
use crate::domain::limits::Text;
use crate::domain::{BenefitClass, Status};
use crate::i18n::Lang;
use crate::tui::format::{benefit_name, date, day_of, queue_number};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::screens::officer::calls::{OfficerCall, OfficerReply};
use crate::tui::widgets::form::{Field, FieldKind};
use crate::tui::widgets::{self, fit, truncate};

/// Rows asked of the server at a time.
pub const PAGE_SIZE: u32 = 100;
/// Pages kept around the selection; the others are dropped so memory stays flat.
const KEPT_PAGES: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Open,
    Search,
    PrevColumn,
    NextColumn,
    Sort,
    Status,
    Benefit,
    Reload,
    BirthYear,
    Kindergarten,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Open,
        name: "open",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "journal.key.open",
        hint: true,
    },
    Binding {
        command: Command::Search,
        name: "search",
        keys: &[KeyCombo::f(3), KeyCombo::char('/')],
        help: "journal.key.search",
        hint: true,
    },
    Binding {
        command: Command::PrevColumn,
        name: "prev_column",
        keys: &[KeyCombo::key(KeyCode::Left)],
        help: "journal.key.sort_column",
        hint: false,
    },
    Binding {
        command: Command::NextColumn,
        name: "next_column",
        keys: &[KeyCombo::key(KeyCode::Right)],
        help: "journal.key.sort_column",
        hint: true,
    },
    Binding {
        command: Command::Sort,
        name: "sort",
        keys: &[KeyCombo::char('s'), KeyCombo::f(4)],
        help: "journal.key.sort_direction",
        hint: true,
    },
    Binding {
        command: Command::Status,
        name: "status",
        keys: &[KeyCombo::char('f'), KeyCombo::f(5)],
        help: "journal.key.filter_status",
        hint: true,
    },
    Binding {
        command: Command::Benefit,
        name: "benefit",
        keys: &[KeyCombo::char('b'), KeyCombo::f(6)],
        help: "journal.key.filter_benefit",
        hint: true,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::ctrl('r')],
        help: "journal.key.reload",
        hint: false,
    },
    Binding {
        command: Command::BirthYear,
        name: "birth_year",
        keys: &[KeyCombo::char('y'), KeyCombo::f(7)],
        help: "officer.journal.key.birth_year",
        hint: false,
    },
    Binding {
        command: Command::Kindergarten,
        name: "kindergarten",
        keys: &[KeyCombo::char('g'), KeyCombo::f(8)],
        help: "officer.journal.key.kindergarten",
        hint: false,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[KeyCombo::key(KeyCode::Up), KeyCombo::char('k')],
        help: "journal.key.page",
        hint: false,
    },
    Binding {
        command: Command::Down,
        name: "down",
        keys: &[KeyCombo::key(KeyCode::Down), KeyCombo::char('j')],
        help: "journal.key.page",
        hint: false,
    },
    Binding {
        command: Command::PageUp,
        name: "page_up",
        keys: &[KeyCombo::key(KeyCode::PageUp)],
        help: "journal.key.page",
        hint: false,
    },
    Binding {
        command: Command::PageDown,
        name: "page_down",
        keys: &[KeyCombo::key(KeyCode::PageDown)],
        help: "journal.key.page",
        hint: false,
    },
    Binding {
        command: Command::First,
        name: "first",
        keys: &[KeyCombo::key(KeyCode::Home)],
        help: "journal.key.page",
        hint: false,
    },
    Binding {
        command: Command::Last,
        name: "last",
        keys: &[KeyCombo::key(KeyCode::End)],
        help: "journal.key.page",
        hint: false,
    },
];

/// One of the seeds' columns: what it sorts by, its title, how wide its cells are.
struct Column {
    sort: JournalSort,
    title: &'static str,
    width: u16,
}

const COLUMNS: [Column; 9] = [
    Column {
        sort: JournalSort::Number,
        title: "journal.column.number",
        width: 16,
    },
    Column {
        sort: JournalSort::ChildName,
        title: "journal.column.child_name",
        width: 24,
    },
    Column {
        sort: JournalSort::ChildIin,
        title: "journal.column.child_iin",
        width: 12,
    },
    Column {
        sort: JournalSort::QueueNumber,
        title: "journal.column.queue_number",
        width: 7,
    },
    Column {
        sort: JournalSort::ApplicantName,
        title: "journal.column.applicant_name",
        width: 24,
    },
    Column {
        sort: JournalSort::CreatedAt,
        title: "journal.column.created",
        width: 10,
    },
    Column {
        sort: JournalSort::Status,
        title: "journal.column.status",
        width: 18,
    },
    Column {
        sort: JournalSort::Benefit,
        title: "journal.column.benefit",
        width: 18,
    },
    Column {
        sort: JournalSort::BirthDate,
        title: "journal.column.birth_date",
        width: 10,
    },
];

/// The columns after the number, the child and the status, in the order they are given room
/// on a narrow terminal.
const COLUMN_PRIORITY: [JournalSort; 6] = [
    JournalSort::QueueNumber,
    JournalSort::CreatedAt,
    JournalSort::BirthDate,
    JournalSort::ChildIin,
    JournalSort::Benefit,
    JournalSort::ApplicantName,
];

/// A title on at most two lines, broken at the space that makes the wider line narrowest
/// («Номер очереди» → «Номер» / «очереди»).
fn header_lines(title: &str) -> (String, String) {
    let best = title
        .match_indices(' ')
        .map(|(at, _)| at)
        .min_by_key(|&at| title[..at].width().max(title[at + 1..].width()));
    match best {
        Some(at) => (title[..at].to_owned(), title[at + 1..].to_owned()),
        None => (title.to_owned(), String::new()),
    }
}

/// The text of one cell.
fn cell(row: &JournalRow, sort: JournalSort, lang: Lang) -> String {
    match sort {
        JournalSort::Number => row.number.to_string(),
        JournalSort::ChildName => row.child_full_name.clone(),
        JournalSort::ChildIin => row.child_iin.to_string(),
        JournalSort::QueueNumber => queue_number(row.queue_number),
        JournalSort::ApplicantName => row.applicant_full_name.clone(),
        JournalSort::CreatedAt => day_of(row.created_at),
        JournalSort::Status => t!(row.status.message_key()).into_owned(),
        JournalSort::Benefit => {
            benefit_name(row.benefit_class, row.benefit_category.as_deref(), lang)
        }
        JournalSort::BirthDate => date(row.child_birth_date),
    }
}

/// What the user narrowed the journal to; a reply for other filters is stale and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Filters {
    status: Option<Status>,
    benefit: Option<BenefitClass>,
    birth_year: Option<i32>,
    /// The officer's journal: one kindergarten's applications (its catalogue code).
    kindergarten: Option<String>,
    text: String,
    sort: JournalSort,
    order: SortOrder,
}

impl Filters {
    /// The query of page `page` (0-based here, 1-based on the wire).
    fn query(&self, page: u32) -> JournalQuery {
        JournalQuery {
            status: self.status,
            benefit: self.benefit,
            birth_year: self.birth_year,
            kindergarten: self.kindergarten.clone(),
            text: (!self.text.trim().is_empty()).then(|| self.text.trim().to_owned()),
            sort: Some(self.sort),
            order: Some(self.order),
            page: Some(page + 1),
            per_page: Some(PAGE_SIZE),
            ..JournalQuery::default()
        }
    }
}

/// `None` → each value → `None`: how F5/F6 step through a filter.
fn cycle<T: Copy + PartialEq>(current: Option<T>, all: &[T]) -> Option<T> {
    match current {
        None => all.first().copied(),
        Some(value) => all
            .iter()
            .position(|v| *v == value)
            .and_then(|i| all.get(i + 1))
            .copied(),
    }
}

/// The search line: as long as the server takes a search.
fn search_field() -> Field {
    Field::new("search", "journal.search_prompt", FieldKind::Text).limited(Text::Search)
}

pub struct JournalScreen {
    keymap: Keymap<Command>,
    filters: Filters,
    /// The search box while the user types in it.
    search: Option<Field>,
    /// Every match on the server; `None` until the first page arrives.
    total: Option<u64>,
    pages: BTreeMap<u32, Vec<JournalRow>>,
    requested: BTreeSet<u32>,
    selected: u64,
    /// The column the ←/→ cursor is on; `s` sorts by it.
    column: usize,
    error: Option<String>,
    /// First visible row and rows that fit, remembered from the last frame so paging keys move
    /// by what the user sees.
    top: Cell<u64>,
    viewport: Cell<u16>,
    /// The officer's journal: the whole region's applications (the server scopes it by role).
    officer: bool,
    /// This year in Kazakhstan, from the context when opened: the birth years the filter offers.
    this_year: i32,
    /// The officer's journal: the region's kindergartens (code, name) the filter steps through,
    /// read once when opened.
    kindergartens: Vec<(String, LocalizedName)>,
}

/// How many birth years back the filter offers: the children a queue holds.
const BIRTH_YEARS: i32 = 7;

impl Default for JournalScreen {
    fn default() -> Self {
        JournalScreen::new()
    }
}

impl JournalScreen {
    pub fn new() -> JournalScreen {
        JournalScreen {
            keymap: Keymap::new("journal", KEYS),
            filters: Filters::default(),
            search: None,
            total: None,
            pages: BTreeMap::new(),
            requested: BTreeSet::new(),
            selected: 0,
            column: COLUMNS
                .iter()
                .position(|c| c.sort == JournalSort::default())
                .unwrap_or(0),
            error: None,
            top: Cell::new(0),
            viewport: Cell::new(20),
            officer: false,
            this_year: 0,
            kindergartens: Vec::new(),
        }
    }

    /// The journal as the officer's journal of their region (the server scopes the rows by
    /// role): titled so.
    pub fn of_officer(mut self) -> JournalScreen {
        self.officer = true;
        self
    }

    /// The region's kindergartens the filter offers, as read when the officer's journal opens
    /// (snapshots, tests).
    pub fn with_kindergartens(mut self, kindergartens: Vec<KindergartenInfo>) -> JournalScreen {
        self.take_kindergartens(kindergartens);
        self
    }

    fn take_kindergartens(&mut self, kindergartens: Vec<KindergartenInfo>) {
        self.kindergartens = kindergartens
            .into_iter()
            .map(|k| (k.code, k.name))
            .collect();
    }

    /// A journal already holding `page` as its first page, for snapshots and benchmarks that
    /// need no server.
    pub fn with_page(page: JournalPage) -> JournalScreen {
        let mut screen = JournalScreen::new();
        screen.accept_page(0, page);
        screen
    }

    /// A journal holding every row of a large result at once, for the benchmark: it shows
    /// that drawing cost depends on the visible rows only.
    pub fn with_rows(rows: Vec<JournalRow>) -> JournalScreen {
        let mut screen = JournalScreen::new();
        screen.total = Some(rows.len() as u64);
        for (page, chunk) in rows.chunks(PAGE_SIZE as usize).enumerate() {
            screen.pages.insert(page as u32, chunk.to_vec());
        }
        screen
    }

    pub fn selected(&self) -> u64 {
        self.selected
    }

    pub fn select(&mut self, index: u64) -> Vec<Effect> {
        self.move_to(index as i64)
    }

    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The row at `index` of the result, if its page is here.
    pub fn row(&self, index: u64) -> Option<&JournalRow> {
        let page = (index / u64::from(PAGE_SIZE)) as u32;
        self.pages
            .get(&page)
            .and_then(|rows| rows.get((index % u64::from(PAGE_SIZE)) as usize))
    }

    /// Pages held now, for tests of the memory bound.
    pub fn pages_held(&self) -> usize {
        self.pages.len()
    }

    fn page_of(index: u64) -> u32 {
        (index / u64::from(PAGE_SIZE)) as u32
    }

    /// Asks for the pages around the selection that are neither here nor on their way.
    fn fetch(&mut self) -> Vec<Effect> {
        let view = u64::from(self.viewport.get().max(1));
        let last = match self.total {
            Some(0) => return Vec::new(),
            Some(total) => total - 1,
            None => 0,
        };
        let from = Self::page_of(self.selected.saturating_sub(view));
        let to = Self::page_of((self.selected + view).min(last));
        let mut effects = Vec::new();
        for page in from..=to {
            if !self.pages.contains_key(&page) && self.requested.insert(page) {
                effects.push(Effect::Call(Call::Journal(self.filters.query(page))));
            }
        }
        effects
    }

    fn accept_page(&mut self, page: u32, result: JournalPage) {
        self.requested.remove(&page);
        self.total = Some(result.total);
        self.pages.insert(page, result.rows);
        let here = Self::page_of(self.selected);
        while self.pages.len() > KEPT_PAGES {
            let farthest = *self
                .pages
                .keys()
                .max_by_key(|p| p.abs_diff(here))
                .expect("more pages than kept");
            self.pages.remove(&farthest);
        }
        if let Some(total) = self.total {
            self.selected = self.selected.min(total.saturating_sub(1));
        }
    }

    /// The rows in view asked afresh (an action may have changed them); the selection stays.
    fn reload(&mut self) -> Vec<Effect> {
        self.pages.clear();
        self.requested.clear();
        self.error = None;
        self.fetch()
    }

    /// New filters or sort: start again from the top.
    fn refilter(&mut self) -> Vec<Effect> {
        self.pages.clear();
        self.requested.clear();
        self.total = None;
        self.selected = 0;
        self.top.set(0);
        self.error = None;
        self.fetch()
    }

    fn move_to(&mut self, index: i64) -> Vec<Effect> {
        let last = self.total.unwrap_or(0).saturating_sub(1) as i64;
        self.selected = index.clamp(0, last.max(0)) as u64;
        self.fetch()
    }

    fn command(&mut self, command: Command) -> Vec<Effect> {
        let here = self.selected as i64;
        let page = i64::from(self.viewport.get().max(1));
        match command {
            Command::Up => self.move_to(here - 1),
            Command::Down => self.move_to(here + 1),
            Command::PageUp => self.move_to(here - page),
            Command::PageDown => self.move_to(here + page),
            Command::First => self.move_to(0),
            Command::Last => self.move_to(i64::MAX),
            Command::Open => match self.row(self.selected) {
                Some(row) => vec![Effect::Push(Box::new(ApplicationScreen::new(row.number)))],
                None => Vec::new(),
            },
            Command::Search => {
                self.search = Some(search_field().with_value(&self.filters.text));
                Vec::new()
            }
            Command::PrevColumn => {
                self.column = self.column.checked_sub(1).unwrap_or(COLUMNS.len() - 1);
                Vec::new()
            }
            Command::NextColumn => {
                self.column = (self.column + 1) % COLUMNS.len();
                Vec::new()
            }
            Command::Sort => {
                let sort = COLUMNS[self.column].sort;
                if self.filters.sort == sort {
                    self.filters.order = match self.filters.order {
                        SortOrder::Asc => SortOrder::Desc,
                        SortOrder::Desc => SortOrder::Asc,
                    };
                } else {
                    self.filters.sort = sort;
                    self.filters.order = SortOrder::Asc;
                }
                self.refilter()
            }
            Command::Status => {
                self.filters.status = cycle(self.filters.status, &Status::ALL);
                self.refilter()
            }
            Command::Benefit => {
                self.filters.benefit = cycle(self.filters.benefit, &BenefitClass::ALL);
                self.refilter()
            }
            Command::Reload => self.reload(),
            Command::BirthYear => {
                let years: Vec<i32> = (self.this_year - BIRTH_YEARS..self.this_year)
                    .rev()
                    .collect();
                self.filters.birth_year = cycle(self.filters.birth_year, &years);
                self.refilter()
            }
            Command::Kindergarten if self.kindergartens.is_empty() => Vec::new(),
            Command::Kindergarten => {
                let at = self
                    .filters
                    .kindergarten
                    .as_ref()
                    .and_then(|code| self.kindergartens.iter().position(|(c, _)| c == code));
                let all: Vec<usize> = (0..self.kindergartens.len()).collect();
                self.filters.kindergarten =
                    cycle(at, &all).map(|i| self.kindergartens[i].0.clone());
                self.refilter()
            }
        }
    }

    /// Keys while the search box is open: Enter searches, Esc closes it unchanged.
    fn search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Enter => {
                let text = self
                    .search
                    .take()
                    .map(|f| f.value().to_owned())
                    .unwrap_or_default();
                self.filters.text = text;
                self.refilter()
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

    /// Which columns fit in `width`, in the seeds' order: the number, the child and the status
    /// first (what a parent scans for), then the column the sort cursor is on, then the others
    /// by how much they tell, as long as they fit.
    fn visible_columns(&self, width: u16) -> Vec<usize> {
        let mut wanted: Vec<usize> = Vec::new();
        let by_sort = |sort: JournalSort| COLUMNS.iter().position(|c| c.sort == sort);
        let first = [
            JournalSort::Number,
            JournalSort::ChildName,
            JournalSort::Status,
        ];
        wanted.extend(first.into_iter().filter_map(by_sort));
        wanted.push(self.column);
        wanted.extend(COLUMN_PRIORITY.into_iter().filter_map(by_sort));
        let mut shown: Vec<usize> = Vec::new();
        let mut used = 0u16;
        for c in wanted {
            let cost = COLUMNS[c].width + 1;
            if !shown.contains(&c) && used + cost <= width + 1 {
                shown.push(c);
                used += cost;
            }
        }
        shown.sort_unstable();
        shown
    }

    fn status_line(&self, ctx: &Ctx) -> Line<'static> {
        let theme = &ctx.theme;
        let any = t!("journal.any").into_owned();
        let status = self
            .filters
            .status
            .map(|s| t!(s.message_key()).into_owned())
            .unwrap_or_else(|| any.clone());
        let benefit = self
            .filters
            .benefit
            .map(|b| t!(b.message_key()).into_owned())
            .unwrap_or(any);
        let direction = match self.filters.order {
            SortOrder::Asc => t!("journal.ascending"),
            SortOrder::Desc => t!("journal.descending"),
        };
        let sort_title = COLUMNS
            .iter()
            .find(|c| c.sort == self.filters.sort)
            .map(|c| t!(c.title).into_owned())
            .unwrap_or_default();
        let mut spans = vec![
            Span::styled(
                t!("journal.filter_status", value = status).into_owned(),
                theme.text(),
            ),
            Span::raw("  "),
            Span::styled(
                t!("journal.filter_benefit", value = benefit).into_owned(),
                theme.text(),
            ),
            Span::raw("  "),
            Span::styled(
                t!("journal.sort", column = sort_title, direction = direction).into_owned(),
                theme.muted(),
            ),
        ];
        if let Some(year) = self.filters.birth_year {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                t!("officer.journal.birth_year", year = year).into_owned(),
                theme.focused(),
            ));
        }
        if let Some(code) = &self.filters.kindergarten {
            let name = self
                .kindergartens
                .iter()
                .find(|(c, _)| c == code)
                .map_or(code.as_str(), |(_, name)| name.get(ctx.lang));
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                t!("officer.journal.kindergarten", name = name).into_owned(),
                theme.focused(),
            ));
        }
        if !self.filters.text.is_empty() {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                t!("journal.search", value = self.filters.text).into_owned(),
                theme.focused(),
            ));
        }
        Line::from(spans)
    }

    fn counter(&self) -> String {
        match self.total {
            None => t!("journal.loading").into_owned(),
            Some(0) => t!("journal.empty").into_owned(),
            Some(total) => {
                let from = self.top.get() + 1;
                let to = (self.top.get() + u64::from(self.viewport.get())).min(total);
                t!("journal.counter", from = from, to = to, total = total).into_owned()
            }
        }
    }
}

impl Screen for JournalScreen {
    fn id(&self) -> &'static str {
        "journal"
    }

    fn title(&self) -> String {
        if self.officer {
            t!("officer.menu.journal").into_owned()
        } else {
            t!("journal.title").into_owned()
        }
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    /// Opened: the first rows are asked for.
    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.this_year = chrono::Datelike::year(&ctx.today());
        let mut effects = self.reload();
        if self.officer && self.kindergartens.is_empty() {
            effects.push(Effect::Call(Call::Officer(OfficerCall::Kindergartens(
                KindergartensQuery::default(),
            ))));
        }
        effects
    }

    fn on_data_changed(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.reload()
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.search.is_some() {
            return Some(self.search_key(key));
        }
        self.keymap.command(&key, false).map(|c| self.command(c))
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        if self.search.is_none() {
            self.search = Some(search_field());
        }
        if let Some(field) = &mut self.search {
            field.paste(text);
        }
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        let (query, result) = match reply {
            Reply::Journal { query, result } => (query, result),
            Reply::Officer(OfficerReply::Kindergartens(Ok(kindergartens))) => {
                self.take_kindergartens(kindergartens);
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let page = query.page.unwrap_or(1).saturating_sub(1);
        if *query != self.filters.query(page) {
            return Vec::new();
        }
        match result {
            Ok(found) => {
                self.error = None;
                self.accept_page(page, found);
                self.fetch()
            }
            Err(error) => {
                self.requested.remove(&page);
                self.error = Some(error.message());
                Vec::new()
            }
        }
    }

    fn busy(&self) -> bool {
        !self.requested.is_empty()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [title, filters, search, table, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(u16::from(self.search.is_some())),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        widgets::heading(frame, title, theme, &self.title());
        frame.render_widget(Paragraph::new(self.status_line(ctx)), filters);
        if let Some(field) = &self.search {
            let label = t!("journal.search_prompt").width() as u16;
            field.render(frame, search, label, true, theme);
        }

        let columns = self.visible_columns(table.width);
        let headers: Vec<(String, String)> = columns
            .iter()
            .map(|&c| header_lines(&t!(COLUMNS[c].title)))
            .collect();
        let header = Row::new(columns.iter().zip(&headers).map(|(&c, (first, second))| {
            let mark = if COLUMNS[c].sort == self.filters.sort {
                match self.filters.order {
                    SortOrder::Asc => " ▲",
                    SortOrder::Desc => " ▼",
                }
            } else {
                ""
            };
            let width = usize::from(COLUMNS[c].width);
            let style = if c == self.column {
                theme.focused().add_modifier(Modifier::UNDERLINED)
            } else {
                theme.title()
            };
            let lines = vec![
                Line::from(Span::styled(fit(first, width), style)),
                Line::from(Span::styled(
                    truncate(&format!("{second}{mark}"), width),
                    style,
                )),
            ];
            ratatui::widgets::Cell::from(lines)
        }))
        .height(2);

        let height = table.height.saturating_sub(2);
        self.viewport.set(height.max(1));
        let total = self.total.unwrap_or(0);
        // Keep the selection in view, moving the window as little as possible.
        let mut top = self.top.get();
        if self.selected < top {
            top = self.selected;
        } else if self.selected >= top + u64::from(height.max(1)) {
            top = self.selected + 1 - u64::from(height.max(1));
        }
        top = top.min(total.saturating_sub(u64::from(height)));
        self.top.set(top);

        let rows = (top..(top + u64::from(height)).min(total)).map(|index| {
            let cells = columns.iter().map(|&c| {
                let width = usize::from(COLUMNS[c].width);
                match self.row(index) {
                    Some(row) => fit(&cell(row, COLUMNS[c].sort, ctx.lang), width),
                    None => fit("…", width),
                }
            });
            let row = Row::new(cells.collect::<Vec<_>>());
            if index == self.selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
        let widths: Vec<Constraint> = columns
            .iter()
            .map(|&c| Constraint::Length(COLUMNS[c].width))
            .collect();
        frame.render_widget(
            Table::new(rows, widths).header(header).column_spacing(1),
            table,
        );

        let hidden = COLUMNS.len() - columns.len();
        let mut spans = vec![Span::styled(self.counter(), theme.muted())];
        if hidden > 0 {
            spans.push(Span::styled("  ◀ ▶", theme.muted()));
        }
        if let Some(error) = &self.error {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(error.clone(), theme.error()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), footer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_break_where_the_wider_line_is_narrowest() {
        assert_eq!(
            header_lines("Номер очереди"),
            ("Номер".to_owned(), "очереди".to_owned())
        );
        assert_eq!(
            header_lines("Өтініш берушінің аты-жөні"),
            ("Өтініш берушінің".to_owned(), "аты-жөні".to_owned())
        );
        assert_eq!(header_lines("Статус"), ("Статус".to_owned(), String::new()));
    }

    #[test]
    fn a_narrow_journal_keeps_the_child_and_the_status() {
        let journal = JournalScreen::new();
        let shown = |width| -> Vec<JournalSort> {
            journal
                .visible_columns(width)
                .into_iter()
                .map(|c| COLUMNS[c].sort)
                .collect()
        };
        let narrow = shown(78);
        for sort in [
            JournalSort::Number,
            JournalSort::ChildName,
            JournalSort::Status,
            JournalSort::default(),
        ] {
            assert!(narrow.contains(&sort), "{sort:?} missing in {narrow:?}");
        }
        assert_eq!(shown(400).len(), COLUMNS.len());
    }

    #[test]
    fn filters_cycle_through_every_value_and_back_to_all() {
        let mut current = None;
        let mut seen = Vec::new();
        for _ in 0..=Status::ALL.len() {
            current = cycle(current, &Status::ALL);
            seen.push(current);
        }
        assert_eq!(seen.last(), Some(&None));
        assert_eq!(seen[0], Some(Status::InQueue));
        assert_eq!(seen.len(), Status::ALL.len() + 1);
    }

    #[test]
    fn the_query_is_one_based_and_trims_the_search() {
        let filters = Filters {
            text: "  Асель ".into(),
            ..Filters::default()
        };
        let query = filters.query(0);
        assert_eq!(query.page, Some(1));
        assert_eq!(query.text.as_deref(), Some("Асель"));
        assert_eq!(Filters::default().query(4).text, None);
    }
}
