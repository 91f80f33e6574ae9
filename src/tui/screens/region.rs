//! The first screen: «Выберите из списка Ваш населенный пункт». A searchable list of regions,
//! then the settlements of the chosen region (grouped by district); Enter on a settlement
//! remembers it and opens the login window.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;

use crate::api::catalogue::Region;
use crate::i18n::Lang;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::screen::{Ctx, Effect, RegionChoice, Screen};
use crate::tui::screens::login::Login;
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, spinner};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Choose,
    Back,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Choose,
        name: "choose",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "tui.region.choose",
        hint: true,
    },
    Binding {
        command: Command::Back,
        name: "back",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "tui.region.back",
        hint: true,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::f(5)],
        help: "tui.keys.reload",
        hint: true,
    },
];

/// Which list is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Regions,
    /// The settlements of `regions[i]`.
    Settlements(usize),
}

/// One settlement as listed: its codes and where it sits in the catalogue.
#[derive(Debug, Clone)]
struct Place {
    district: usize,
    settlement: usize,
}

pub struct RegionScreen {
    keymap: Keymap<Command>,
    regions: Vec<Region>,
    stage: Stage,
    places: Vec<Place>,
    list: SelectList,
    loading: bool,
    error: Option<CallError>,
}

impl Default for RegionScreen {
    fn default() -> Self {
        RegionScreen::new()
    }
}

impl RegionScreen {
    pub fn new() -> RegionScreen {
        RegionScreen {
            keymap: Keymap::new("region", KEYS),
            regions: Vec::new(),
            stage: Stage::Regions,
            places: Vec::new(),
            list: SelectList::new(Vec::new()).searchable(),
            loading: false,
            error: None,
        }
    }

    fn load(&mut self) -> Vec<Effect> {
        self.loading = true;
        self.error = None;
        vec![Effect::Call(Call::Regions)]
    }

    /// The labels of the current list in `lang` (rebuilt on F2 too).
    fn labels(&self, lang: Lang) -> Vec<String> {
        match self.stage {
            Stage::Regions => self
                .regions
                .iter()
                .map(|r| r.name.get(lang).to_owned())
                .collect(),
            Stage::Settlements(r) => {
                let region = &self.regions[r];
                self.places
                    .iter()
                    .map(|p| {
                        let district = &region.districts[p.district];
                        let settlement = &district.settlements[p.settlement];
                        format!(
                            "{} — {}",
                            settlement.name.get(lang),
                            district.name.get(lang)
                        )
                    })
                    .collect()
            }
        }
    }

    fn show(&mut self, stage: Stage, lang: Lang) {
        self.stage = stage;
        if let Stage::Settlements(r) = stage {
            self.places = self.regions[r]
                .districts
                .iter()
                .enumerate()
                .flat_map(|(d, district)| {
                    (0..district.settlements.len()).map(move |s| Place {
                        district: d,
                        settlement: s,
                    })
                })
                .collect();
        }
        self.list = SelectList::new(self.labels(lang)).searchable();
    }

    fn choose(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let Some(index) = self.list.selected() else {
            return Vec::new();
        };
        match self.stage {
            Stage::Regions => {
                self.show(Stage::Settlements(index), ctx.lang);
                Vec::new()
            }
            Stage::Settlements(r) => {
                let region = &self.regions[r];
                let place = &self.places[index];
                let district = &region.districts[place.district];
                let settlement = &district.settlements[place.settlement];
                let choice = RegionChoice {
                    region_code: region.code.clone(),
                    region_name: region.name.clone(),
                    district_name: district.name.clone(),
                    settlement_code: settlement.code.clone(),
                    settlement_name: settlement.name.clone(),
                };
                vec![
                    Effect::Region(choice),
                    Effect::Push(Box::new(Login::new(ctx))),
                ]
            }
        }
    }
}

impl Screen for RegionScreen {
    fn id(&self) -> &'static str {
        "region"
    }

    fn title(&self) -> String {
        t!("tui.region.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        let mut help = self.keymap.help();
        // Esc leads back to the regions only from a region's settlements.
        if self.stage == Stage::Regions {
            help.retain(|h| h.name != "back");
        }
        help
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn busy(&self) -> bool {
        self.loading
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        // Re-label after F2 so the filter searches the names as shown.
        let selected = self.list.selected();
        let labels = self.labels(ctx.lang);
        self.list.set_items(labels);
        if let Some(item) = selected {
            self.list.select(item);
        }
        match self.keymap.command(&key, true) {
            Some(Command::Choose) => Some(self.choose(ctx)),
            Some(Command::Back) => match self.stage {
                Stage::Settlements(r) => {
                    self.show(Stage::Regions, ctx.lang);
                    self.list.select(r);
                    Some(Vec::new())
                }
                Stage::Regions => None,
            },
            Some(Command::Reload) => Some(self.load()),
            None => self.list.handle_key(key).then(Vec::new),
        }
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Vec<Effect> {
        if let Reply::Regions(result) = reply {
            self.loading = false;
            match result {
                Ok(regions) => {
                    self.regions = regions;
                    self.show(Stage::Regions, ctx.lang);
                }
                Err(e) => self.error = Some(e),
            }
        }
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::page(frame, area, theme, &self.title());
        let [service, prompt, list] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(2),
            Constraint::Min(1),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(Span::styled(
                t!("tui.service_title").into_owned(),
                theme.title(),
            ))
            .wrap(Wrap { trim: true }),
            service,
        );
        let prompt_text = match self.stage {
            Stage::Regions => t!("tui.region.prompt_region").into_owned(),
            Stage::Settlements(r) => t!(
                "tui.region.prompt_settlement",
                region = self.regions[r].name.get(ctx.lang)
            )
            .into_owned(),
        };
        frame.render_widget(
            Paragraph::new(prompt_text).wrap(Wrap { trim: true }),
            prompt,
        );
        if self.loading {
            frame.render_widget(
                Paragraph::new(format!(
                    "{} {}",
                    spinner::frame(ctx.tick),
                    t!("tui.loading")
                )),
                list,
            );
        } else if let Some(error) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!("{} {}", error.message(), t!("tui.retry_hint")),
                    theme.error(),
                ))
                .wrap(Wrap { trim: true }),
                list,
            );
        } else {
            let mut shown = self.list.clone();
            shown.set_items(self.labels(ctx.lang));
            shown.render(frame, list, true, theme);
        }
    }
}
