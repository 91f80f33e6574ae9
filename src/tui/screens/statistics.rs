//! «Просмотр статистики»: for the chosen region, the queue by birth year split by benefit class
//! (the server does not report free places or directions per month yet). Public, no login.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{BarChart, Paragraph};
use rust_i18n::t;

use crate::api::catalogue::Region;
use crate::api::public::PublicStats;
use crate::i18n::Lang;
use crate::tui::format::no_value;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::theme::Theme;
use crate::tui::widgets;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    NextRegion,
    PrevRegion,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::NextRegion,
        name: "next_region",
        keys: &[KeyCombo::key(KeyCode::Right), KeyCombo::key(KeyCode::Down)],
        help: "stats.key.region",
        hint: true,
    },
    Binding {
        command: Command::PrevRegion,
        name: "prev_region",
        keys: &[KeyCombo::key(KeyCode::Left), KeyCombo::key(KeyCode::Up)],
        help: "stats.key.region",
        hint: false,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::f(5), KeyCombo::ctrl('r')],
        help: "stats.key.reload",
        hint: true,
    },
];

pub struct Statistics {
    keymap: Keymap<Command>,
    /// The catalogue's regions, once they arrived.
    regions: Vec<Region>,
    /// The code of the region shown.
    region: Option<String>,
    stats: Option<PublicStats>,
    loading: bool,
    error: Option<String>,
}

impl Statistics {
    /// Statistics of the region the user chose at the start, if any.
    pub fn new(ctx: &Ctx) -> Statistics {
        Statistics {
            keymap: Keymap::new("statistics", KEYS),
            regions: Vec::new(),
            region: ctx.region.as_ref().map(|r| r.region_code.clone()),
            stats: None,
            loading: false,
            error: None,
        }
    }

    /// A screen already filled, for snapshots and screenshots.
    pub fn with_data(regions: Vec<Region>, stats: PublicStats) -> Statistics {
        Statistics {
            keymap: Keymap::new("statistics", KEYS),
            regions,
            region: Some(stats.region.clone()),
            stats: Some(stats),
            loading: false,
            error: None,
        }
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn fetch(&mut self) -> Vec<Effect> {
        match &self.region {
            Some(region) => {
                self.loading = true;
                vec![Effect::Call(Call::PublicStats(region.clone()))]
            }
            None => Vec::new(),
        }
    }

    /// Moves to the next (`step` 1) or previous (`step` -1) region of the catalogue.
    fn step(&mut self, step: isize) -> Vec<Effect> {
        if self.regions.is_empty() {
            return Vec::new();
        }
        let count = self.regions.len() as isize;
        let here = self
            .region
            .as_ref()
            .and_then(|code| self.regions.iter().position(|r| &r.code == code))
            .map(|i| i as isize)
            .unwrap_or(-1);
        let next = (here + step).rem_euclid(count) as usize;
        self.region = Some(self.regions[next].code.clone());
        self.stats = None;
        self.fetch()
    }

    fn region_name(&self, lang: Lang) -> String {
        let Some(code) = &self.region else {
            return no_value();
        };
        self.regions
            .iter()
            .find(|r| &r.code == code)
            .map(|r| r.name.get(lang).to_owned())
            .unwrap_or_else(|| code.clone())
    }
}

/// The three classes of a cohort, in the order they are offered places, with the label and the
/// style of their bars; the style differs by more than colour (bold, dim) for NO_COLOR.
fn classes(theme: &Theme) -> [(String, Style); 3] {
    [
        (t!("stats.benefit_out").into_owned(), theme.error()),
        (t!("stats.benefit_first").into_owned(), theme.focused()),
        (t!("stats.benefit_none").into_owned(), theme.ok()),
    ]
}

/// The queue of each birth year as a group of three bars: out of turn, first turn, general.
fn cohort_chart(stats: &PublicStats, theme: &Theme, width: u16) -> BarChart<'static> {
    let cohorts = stats.cohorts.iter().map(|cohort| {
        (
            cohort.birth_year.to_string(),
            [cohort.out_of_turn, cohort.first_turn, cohort.general]
                .map(u64::from)
                .to_vec(),
        )
    });
    widgets::chart::grouped(
        t!("stats.by_birth_year").into_owned(),
        &classes(theme),
        cohorts,
        width,
        6,
        theme,
    )
}

impl Screen for Statistics {
    fn id(&self) -> &'static str {
        "statistics"
    }

    fn title(&self) -> String {
        t!("stats.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.regions.is_empty() {
            effects.push(Effect::Call(Call::Regions));
        }
        if self.stats.is_none() {
            effects.extend(self.fetch());
        }
        effects
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &Ctx) -> Option<Vec<Effect>> {
        self.keymap
            .command(&key, false)
            .map(|command| match command {
                Command::NextRegion => self.step(1),
                Command::PrevRegion => self.step(-1),
                Command::Reload => self.fetch(),
            })
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Regions(Ok(regions)) => {
                self.regions = regions;
                if self.region.is_none() {
                    return self.step(1);
                }
            }
            Reply::Regions(Err(error)) => self.error = Some(error.message()),
            Reply::PublicStats(result) => match result {
                // A late answer for a region the user has already left is dropped; the
                // answer for the region shown is still on its way.
                Ok(stats) if Some(&stats.region) != self.region.as_ref() => {}
                Ok(stats) => {
                    self.loading = false;
                    self.error = None;
                    self.stats = Some(stats);
                }
                Err(error) => {
                    self.loading = false;
                    self.error = Some(error.message());
                }
            },
            _ => {}
        }
        Vec::new()
    }

    fn busy(&self) -> bool {
        self.loading
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [title, region, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
        ])
        .areas(area);
        widgets::heading(frame, title, theme, &self.title());
        let name = t!("stats.region", name = self.region_name(ctx.lang)).into_owned();
        frame.render_widget(Paragraph::new(name), region);
        match (&self.stats, &self.error) {
            (_, Some(error)) => frame.render_widget(
                Paragraph::new(Span::styled(error.clone(), theme.error())),
                body,
            ),
            (Some(stats), None) if stats.cohorts.is_empty() => frame.render_widget(
                Paragraph::new(Span::styled(t!("stats.empty").into_owned(), theme.muted())),
                body,
            ),
            (Some(stats), None) => {
                frame.render_widget(cohort_chart(stats, theme, body.width), body)
            }
            (None, None) => frame.render_widget(
                Paragraph::new(Span::styled(
                    t!("stats.loading").into_owned(),
                    theme.muted(),
                )),
                body,
            ),
        }
    }
}
