//! «Отчёт по региону» (issue 13, the officer): the region's months in a table (offers made,
//! accepted, declined, expired, directions, enrollments, the average and 90th-percentile wait),
//! the range's total pinned below it, a bar chart of offers and directions per month, the
//! queue now in one line, and the export of the same report to CSV or XLSX into a file whose
//! path the user confirms or edits.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BarChart, Cell, Paragraph, Row, Table};
use rust_i18n::t;

use crate::api::report::{RegionReport, ReportFormat, ReportQuery, ReportRow};
use crate::domain::report::{MAX_MONTHS, Month, MonthRange};
use crate::tui::format::no_value;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::form::{Field, FieldKind};

/// How many months the report shows at first, ending with this month.
pub const DEFAULT_MONTHS: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Earlier,
    Later,
    Longer,
    Shorter,
    Up,
    Down,
    Csv,
    Xlsx,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Earlier,
        name: "earlier",
        keys: &[KeyCombo::key(KeyCode::Left)],
        help: "report.key.earlier",
        hint: true,
    },
    Binding {
        command: Command::Later,
        name: "later",
        keys: &[KeyCombo::key(KeyCode::Right)],
        help: "report.key.later",
        hint: true,
    },
    Binding {
        command: Command::Longer,
        name: "longer",
        keys: &[KeyCombo::char('+'), KeyCombo::char('=')],
        help: "report.key.longer",
        hint: false,
    },
    Binding {
        command: Command::Shorter,
        name: "shorter",
        keys: &[KeyCombo::char('-')],
        help: "report.key.shorter",
        hint: false,
    },
    Binding {
        command: Command::Up,
        name: "up",
        keys: &[KeyCombo::key(KeyCode::Up)],
        help: "tui.keys.scroll",
        hint: false,
    },
    Binding {
        command: Command::Down,
        name: "down",
        keys: &[KeyCombo::key(KeyCode::Down)],
        help: "tui.keys.scroll",
        hint: false,
    },
    Binding {
        command: Command::Csv,
        name: "csv",
        keys: &[KeyCombo::char('c')],
        help: "report.key.csv",
        hint: true,
    },
    Binding {
        command: Command::Xlsx,
        name: "xlsx",
        keys: &[KeyCombo::char('x')],
        help: "report.key.xlsx",
        hint: true,
    },
    Binding {
        command: Command::Reload,
        name: "reload",
        keys: &[KeyCombo::f(5), KeyCombo::ctrl('r')],
        help: "report.key.reload",
        hint: true,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PromptCommand {
    Save,
    Cancel,
}

/// The keys of the export prompt; letters go to the path.
const PROMPT_KEYS: &[Binding<PromptCommand>] = &[
    Binding {
        command: PromptCommand::Save,
        name: "save",
        keys: &[KeyCombo::key(KeyCode::Enter)],
        help: "report.key.save",
        hint: true,
    },
    Binding {
        command: PromptCommand::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "report.key.cancel",
        hint: true,
    },
];

/// The export being asked for: its form and the path typed.
struct Export {
    format: ReportFormat,
    path: Field,
}

/// What the last export did.
enum Notice {
    Saved(PathBuf),
    Failed(String),
}

pub struct ReportScreen {
    keymap: Keymap<Command>,
    prompt_keys: Keymap<PromptCommand>,
    range: MonthRange,
    report: Option<RegionReport>,
    loading: bool,
    error: Option<String>,
    /// The first month row shown.
    scroll: usize,
    export: Option<Export>,
    notice: Option<Notice>,
}

impl ReportScreen {
    /// The last [`DEFAULT_MONTHS`] months, this one included.
    pub fn new(ctx: &Ctx) -> ReportScreen {
        let today = ctx.today();
        let to = Month::new(
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
        )
        .expect("today is a month of the calendar");
        ReportScreen::over(window(to, DEFAULT_MONTHS))
    }

    fn over(range: MonthRange) -> ReportScreen {
        ReportScreen {
            keymap: Keymap::new("report", KEYS),
            prompt_keys: Keymap::new("report_export", PROMPT_KEYS),
            range,
            report: None,
            loading: false,
            error: None,
            scroll: 0,
            export: None,
            notice: None,
        }
    }

    /// A screen already filled, for snapshots and screenshots.
    pub fn with_data(report: RegionReport) -> ReportScreen {
        let month = |text: &str| text.parse::<Month>().expect("a sample's months are valid");
        let range = MonthRange::new(month(&report.from), month(&report.to))
            .expect("a sample's range is valid");
        let mut screen = ReportScreen::over(range);
        screen.report = Some(report);
        screen
    }

    fn query(&self, ctx: &Ctx) -> ReportQuery {
        ReportQuery {
            from: self.range.from().to_string(),
            to: self.range.to().to_string(),
            format: None,
            region: None,
            lang: Some(ctx.lang.code().to_owned()),
        }
    }

    fn fetch(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.loading = true;
        self.error = None;
        vec![Effect::Call(Call::RegionReport(self.query(ctx)))]
    }

    fn length(&self) -> u32 {
        self.range.months().count() as u32
    }

    /// Moves the range by `step` months, or changes its length by `grow`, and asks again.
    fn reshape(&mut self, step: i32, grow: i32, ctx: &Ctx) -> Vec<Effect> {
        let length = self.length() as i32 + grow;
        if !(1..=MAX_MONTHS as i32).contains(&length) {
            return Vec::new();
        }
        let mut to = self.range.to();
        for _ in 0..step.max(0) {
            to = to.next();
        }
        for _ in 0..(-step).max(0) {
            to = previous(to);
        }
        self.range = window(to, length as u32);
        self.scroll = 0;
        self.report = None;
        self.fetch(ctx)
    }

    fn open_export(&mut self, format: ReportFormat, ctx: &Ctx) {
        let name = format!(
            "report-{}-{}-{}.{}",
            self.report.as_ref().map_or("region", |r| r.region.as_str()),
            self.range.from(),
            self.range.to(),
            format.extension()
        );
        let path = ctx.downloads.join(name);
        self.export = Some(Export {
            format,
            path: Field::new("path", "report.export.path", FieldKind::Text)
                .with_value(&path.display().to_string()),
        });
        self.notice = None;
    }

    fn on_prompt_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Vec<Effect> {
        let Some(export) = &mut self.export else {
            return Vec::new();
        };
        match self.prompt_keys.command(&key, true) {
            Some(PromptCommand::Cancel) => {
                self.export = None;
                Vec::new()
            }
            Some(PromptCommand::Save) => {
                let path = export.path.value().trim().to_owned();
                if path.is_empty() {
                    return Vec::new();
                }
                let format = export.format;
                self.export = None;
                vec![Effect::Call(Call::ExportReport {
                    query: self.query(ctx),
                    format,
                    path: PathBuf::from(path),
                })]
            }
            None => {
                export.path.handle_key(key);
                Vec::new()
            }
        }
    }

    /// The month rows and the total that fit in `rows` lines under the heading.
    fn visible(&self, report: &RegionReport, rows: usize) -> usize {
        report
            .months
            .len()
            .saturating_sub(self.scroll)
            .min(rows.saturating_sub(2))
    }
}

/// The `length` months ending with `to`.
fn window(to: Month, length: u32) -> MonthRange {
    let mut from = to;
    for _ in 1..length {
        from = previous(from);
    }
    MonthRange::new(from, to).expect("a window of at most MAX_MONTHS")
}

fn previous(month: Month) -> Month {
    let (year, number) = match month.month() {
        1 => (month.year() - 1, 12),
        n => (month.year(), n - 1),
    };
    Month::new(year, number).unwrap_or(month)
}

/// The i18n keys of the table's short headings, in the order of [`row_cells`].
const SHORT: [&str; 9] = [
    "report.short.month",
    "report.short.offers_made",
    "report.short.offers_accepted",
    "report.short.offers_declined",
    "report.short.offers_expired",
    "report.short.directions",
    "report.short.enrollments",
    "report.short.wait_average",
    "report.short.wait_p90",
];

fn days(value: Option<f64>) -> String {
    value.map_or_else(no_value, |d| format!("{d:.1}"))
}

fn row_cells(row: &ReportRow, label: String) -> [String; 9] {
    [
        label,
        row.offers_made.to_string(),
        row.offers_accepted.to_string(),
        row.offers_declined.to_string(),
        row.offers_expired.to_string(),
        row.directions.to_string(),
        row.enrollments.to_string(),
        days(row.wait_average_days),
        row.wait_p90_days.map_or_else(no_value, |d| d.to_string()),
    ]
}

/// The offers made and the directions issued of each month as a pair of bars.
fn chart(report: &RegionReport, theme: &Theme, width: u16) -> BarChart<'static> {
    let series = [
        (
            t!("report.column.offers_made").into_owned(),
            theme.focused(),
        ),
        (t!("report.column.directions").into_owned(), theme.ok()),
    ];
    let months = report.months.iter().map(|month| {
        // «MM»: the period above says the years.
        let label = month.period.get(5..).unwrap_or(&month.period).to_owned();
        (label, vec![month.offers_made, month.directions])
    });
    widgets::chart::grouped(
        t!("report.chart").into_owned(),
        &series,
        months,
        width,
        5,
        theme,
    )
}

impl Screen for ReportScreen {
    fn id(&self) -> &'static str {
        "report"
    }

    fn title(&self) -> String {
        t!("report.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        match &self.export {
            Some(_) => self.prompt_keys.help(),
            None => self.keymap.help(),
        }
    }

    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if self.report.is_none() {
            return self.fetch(ctx);
        }
        Vec::new()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.export.is_some() {
            return Some(self.on_prompt_key(key, ctx));
        }
        let command = self.keymap.command(&key, false)?;
        Some(match command {
            Command::Earlier => self.reshape(-1, 0, ctx),
            Command::Later => self.reshape(1, 0, ctx),
            Command::Longer => self.reshape(0, 1, ctx),
            Command::Shorter => self.reshape(0, -1, ctx),
            Command::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                Vec::new()
            }
            Command::Down => {
                let last = self.report.as_ref().map_or(0, |r| r.months.len());
                self.scroll = (self.scroll + 1).min(last.saturating_sub(1));
                Vec::new()
            }
            Command::Csv => {
                self.open_export(ReportFormat::Csv, ctx);
                Vec::new()
            }
            Command::Xlsx => {
                self.open_export(ReportFormat::Xlsx, ctx);
                Vec::new()
            }
            Command::Reload => self.fetch(ctx),
        })
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        if let Some(export) = &mut self.export {
            export.path.paste(text);
        }
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::RegionReport(result) => match result {
                // A late answer for a range the user has already left is dropped.
                Ok(report)
                    if report.from != self.range.from().to_string()
                        || report.to != self.range.to().to_string() => {}
                Ok(report) => {
                    self.loading = false;
                    self.error = None;
                    self.report = Some(report);
                }
                Err(error) => {
                    self.loading = false;
                    self.error = Some(error.message());
                }
            },
            Reply::Saved(result) => {
                self.notice = Some(match result {
                    Ok(path) => Notice::Saved(path),
                    Err(error) => Notice::Failed(CallError::message(&error)),
                });
            }
            _ => {}
        }
        Vec::new()
    }

    fn busy(&self) -> bool {
        self.loading
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let [title, period, queue, body, notice] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(area);
        widgets::heading(frame, title, theme, &self.title());
        let mut line = t!(
            "report.period",
            from = self.range.from().to_string(),
            to = self.range.to().to_string()
        )
        .into_owned();
        if let Some(report) = &self.report {
            line.push_str("   ");
            line.push_str(&t!("report.region", name = report.region.clone()));
        }
        frame.render_widget(Paragraph::new(line), period);
        let Some(report) = &self.report else {
            let (text, style) = match &self.error {
                Some(error) => (error.clone(), theme.error()),
                None => (t!("report.loading").into_owned(), theme.muted()),
            };
            frame.render_widget(Paragraph::new(Span::styled(text, style)), body);
            return;
        };
        let sum = |f: fn(&crate::api::public::CohortStats) -> u32| {
            report.queue.iter().map(f).sum::<u32>().to_string()
        };
        let queued = t!(
            "report.queue",
            general = sum(|c| c.general),
            first = sum(|c| c.first_turn),
            out = sum(|c| c.out_of_turn)
        );
        frame.render_widget(
            Paragraph::new(widgets::truncate(&queued, queue.width as usize)),
            queue,
        );

        // The table takes what the chart leaves: at least the heading, a month and the total.
        let chart_height = (body.height / 2)
            .clamp(5, 14)
            .min(body.height.saturating_sub(3));
        let table_height =
            (report.months.len() as u16 + 2).min(body.height.saturating_sub(chart_height));
        let [table_area, chart_area] =
            Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(body);
        let shown = self.visible(report, table_area.height as usize);
        let headings: Vec<String> = SHORT.iter().map(|k| t!(*k).into_owned()).collect();
        let mut widths = vec![Constraint::Length(8)];
        widths.extend(headings[1..].iter().map(|h| {
            Constraint::Length(unicode_width::UnicodeWidthStr::width(h.as_str()).max(5) as u16)
        }));
        let number = |cells: [String; 9], style: Style| {
            Row::new(cells.into_iter().enumerate().map(|(i, text)| {
                if i == 0 {
                    Cell::from(text)
                } else {
                    Cell::from(Line::from(text).right_aligned())
                }
            }))
            .style(style)
        };
        let mut rows: Vec<Row> = report
            .months
            .iter()
            .skip(self.scroll)
            .take(shown)
            .map(|m| number(row_cells(m, m.period.clone()), theme.text()))
            .collect();
        rows.push(number(
            row_cells(&report.total, t!("report.total").into_owned()),
            theme.title(),
        ));
        let table = Table::new(rows, widths)
            .header(
                Row::new(
                    headings
                        .into_iter()
                        .map(|h| Cell::from(Line::from(h).right_aligned())),
                )
                .style(theme.muted()),
            )
            .column_spacing(1);
        frame.render_widget(table, table_area);
        if chart_area.height >= 4 {
            frame.render_widget(chart(report, theme, chart_area.width), chart_area);
        }

        let (text, style) = match (&self.export, &self.notice) {
            (Some(export), _) => {
                let label = t!(
                    "report.export.prompt",
                    format = export.format.extension().to_uppercase()
                );
                let width = unicode_width::UnicodeWidthStr::width(label.as_ref()) as u16;
                let [label_area, field] =
                    Layout::horizontal([Constraint::Length(width + 1), Constraint::Min(10)])
                        .areas(notice);
                frame.render_widget(
                    Paragraph::new(Span::styled(label.into_owned(), theme.focused())),
                    label_area,
                );
                export.path.render(frame, field, 0, true, theme);
                return;
            }
            (None, Some(Notice::Saved(path))) => (
                t!("report.export.saved", path = path.display().to_string()).into_owned(),
                theme.ok(),
            ),
            (None, Some(Notice::Failed(error))) => (error.clone(), theme.error()),
            (None, None) => return,
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                widgets::truncate(&text, notice.width as usize),
                style,
            )),
            notice,
        );
    }
}
