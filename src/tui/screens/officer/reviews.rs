//! «Проверка льгот»: the region's applications whose benefit documents await review, oldest
//! registration first: the application, the category and the attached scans. A scan is drawn
//! with the terminal's graphics protocol where it has one (kitty, iTerm2, sixel:
//! `tui::graphics`), else as half-block characters (every true-colour terminal), and can be
//! saved to the downloads folder or opened with the desktop's viewer. The officer accepts the
//! benefit, or rejects it with a reason from the server's list (`/officer/rejection-reasons`,
//! read once when the screen opens) plus free text; each decision is signed and reaches the
//! parent as a notice and a history entry (docs/domain-rules.md, «Benefit review»).

use std::cell::RefCell;
use std::collections::HashMap;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_image::StatefulImage;
use ratatui_image::protocol::StatefulProtocol;
use rust_i18n::t;

use crate::api::officer::{BenefitReviewInfo, BenefitReviewsPage, BenefitReviewsQuery};
use crate::api::report::RejectionReasonInfo;
use crate::tui::format::{benefit_name, day_of};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply, Sent};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::officer::calls::{OfficerCall, OfficerReply, ScanView};
use crate::tui::screens::officer::dialog::{Change, ChangeDialog};
use crate::tui::screens::officer::table::{self, Column, Cursor};
use crate::tui::widgets::{self, truncate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Accept,
    Reject,
    NextScan,
    PrevScan,
    Save,
    View,
    Reload,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Accept,
        name: "accept",
        keys: &[KeyCombo::f(5), KeyCombo::char('y')],
        help: "officer.reviews.key.accept",
        hint: true,
    },
    Binding {
        command: Command::Reject,
        name: "reject",
        keys: &[KeyCombo::f(8), KeyCombo::char('r')],
        help: "officer.reviews.key.reject",
        hint: true,
    },
    Binding {
        command: Command::NextScan,
        name: "next_scan",
        keys: &[KeyCombo::key(KeyCode::Right), KeyCombo::char(']')],
        help: "officer.reviews.key.scan",
        hint: true,
    },
    Binding {
        command: Command::PrevScan,
        name: "prev_scan",
        keys: &[KeyCombo::key(KeyCode::Left), KeyCombo::char('[')],
        help: "officer.reviews.key.scan",
        hint: false,
    },
    Binding {
        command: Command::Save,
        name: "save",
        keys: &[KeyCombo::f(6), KeyCombo::char('s')],
        help: "officer.reviews.key.save",
        hint: true,
    },
    Binding {
        command: Command::View,
        name: "view",
        keys: &[KeyCombo::f(7), KeyCombo::char('o')],
        help: "officer.reviews.key.view",
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

/// What the status line says.
#[derive(Debug)]
enum Notice {
    Decided,
    Saved(std::path::PathBuf),
    Opened(std::path::PathBuf),
    Failed(CallError),
}

pub struct ReviewsScreen {
    keymap: Keymap<Command>,
    page: Option<BenefitReviewsPage>,
    loading: bool,
    error: Option<CallError>,
    cursor: Cursor,
    /// The scan shown, among the selected application's.
    scan: usize,
    /// Scans fetched, by document id; a failed one keeps its error.
    scans: HashMap<String, Result<ScanView, String>>,
    /// The scan on its way.
    fetching: Option<String>,
    /// Open the file once saved.
    open_when_saved: bool,
    notice: Option<Notice>,
    /// The server's rejection reasons, read once when the screen opens; `None` until they
    /// come (a rejection then asks for the officer's words alone).
    reasons: Option<Vec<RejectionReasonInfo>>,
    /// The pictures fetched, ready for the terminal's graphics protocol when it has one
    /// (`ctx.picker`); resized and encoded when first drawn and again only when the area
    /// changes. A cell because drawing takes the screen by reference.
    inline: RefCell<HashMap<String, StatefulProtocol>>,
}

impl Default for ReviewsScreen {
    fn default() -> Self {
        ReviewsScreen::new()
    }
}

impl ReviewsScreen {
    pub fn new() -> ReviewsScreen {
        ReviewsScreen {
            keymap: Keymap::new("officer_reviews", KEYS),
            page: None,
            loading: false,
            error: None,
            cursor: Cursor::default(),
            scan: 0,
            scans: HashMap::new(),
            fetching: None,
            open_when_saved: false,
            notice: None,
            reasons: None,
            inline: RefCell::new(HashMap::new()),
        }
    }

    /// A screen holding `page` and the scans already fetched (snapshots, tests).
    pub fn with(page: BenefitReviewsPage, scans: Vec<(String, ScanView)>) -> ReviewsScreen {
        let mut screen = ReviewsScreen::new();
        screen.page = Some(page);
        screen.scans = scans.into_iter().map(|(id, s)| (id, Ok(s))).collect();
        screen
    }

    /// The screen with the rejection reasons already read (snapshots, tests).
    pub fn with_reasons(mut self, reasons: Vec<RejectionReasonInfo>) -> ReviewsScreen {
        self.reasons = Some(reasons);
        self
    }

    fn rows(&self) -> &[BenefitReviewInfo] {
        self.page.as_ref().map_or(&[], |p| &p.rows)
    }

    fn selected(&self) -> Option<&BenefitReviewInfo> {
        self.rows().get(self.cursor.selected)
    }

    fn load(&mut self) -> Vec<Effect> {
        self.loading = true;
        vec![Effect::Call(Call::Officer(OfficerCall::Reviews(
            BenefitReviewsQuery {
                per_page: Some(200),
                ..BenefitReviewsQuery::default()
            },
        )))]
    }

    /// Fetches the scan shown if it is neither here nor on its way.
    fn fetch_scan(&mut self) -> Vec<Effect> {
        let Some((number, id)) = self
            .selected()
            .and_then(|row| Some((row.number, row.scans.get(self.scan)?.id.clone())))
        else {
            return Vec::new();
        };
        if self.scans.contains_key(&id) || self.fetching.is_some() {
            return Vec::new();
        }
        self.fetching = Some(id.clone());
        vec![Effect::Call(Call::Officer(OfficerCall::Scan {
            number,
            document_id: id,
        }))]
    }

    fn save(&mut self, ctx: &Ctx, open: bool) -> Vec<Effect> {
        let Some(row) = self.selected() else {
            return Vec::new();
        };
        let Some(scan) = row.scans.get(self.scan) else {
            return Vec::new();
        };
        let name = std::path::Path::new(&scan.file_name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| scan.id.clone());
        let call = Call::Download {
            number: row.number,
            document_id: scan.id.clone(),
            path: ctx.downloads.join(format!("{}-{name}", row.number)),
        };
        self.open_when_saved = open;
        vec![Effect::Call(call)]
    }

    fn decide(&self, accept: bool) -> Vec<Effect> {
        let Some(row) = self.selected() else {
            return Vec::new();
        };
        let subject = format!("{} — {}", row.number, row.child_name);
        let reasons = if accept {
            Vec::new()
        } else {
            self.reasons.clone().unwrap_or_default()
        };
        vec![Effect::Push(Box::new(ChangeDialog::new(
            Change::Review {
                number: row.number,
                accept,
                reasons,
            },
            subject,
        )))]
    }

    fn view_detail(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let Some(row) = self.selected() else {
            return;
        };
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border());
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let scans: Vec<Span> = row
            .scans
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                let style = if i == self.scan {
                    theme.selected()
                } else {
                    theme.muted()
                };
                [
                    Span::styled(format!("[{}]", s.file_name), style),
                    Span::raw(" "),
                ]
            })
            .collect();
        let width = inner.width as usize;
        let line = |text: String| Line::from(truncate(&text, width));
        let info = vec![
            Line::from(vec![
                Span::styled(format!("{}  ", row.number), theme.title()),
                Span::raw(truncate(
                    &format!("{} ({})", row.child_name, row.birth_year),
                    width.saturating_sub(20),
                )),
            ]),
            line(format!(
                "{}: {}",
                t!("officer.reviews.applicant"),
                row.applicant_name
            )),
            line(format!(
                "{}: {}",
                t!("officer.reviews.category"),
                benefit_name(row.benefit_class, Some(&row.category), ctx.lang),
            )),
            line(format!(
                "{}: {}",
                t!("officer.reviews.registered"),
                day_of(row.registered_at)
            )),
            if scans.is_empty() {
                Line::from(Span::styled(
                    t!("officer.reviews.no_scans").into_owned(),
                    theme.warning(),
                ))
            } else {
                Line::from(scans)
            },
        ];
        let [info_area, picture] =
            Layout::vertical([Constraint::Length(5), Constraint::Min(0)]).areas(inner);
        frame.render_widget(Paragraph::new(info), info_area);
        let Some(scan) = row.scans.get(self.scan) else {
            return;
        };
        let message = match self.scans.get(&scan.id) {
            Some(Ok(ScanView::Picture(p))) => {
                match self.inline.borrow_mut().get_mut(&scan.id) {
                    Some(protocol) => {
                        frame.render_stateful_widget(StatefulImage::default(), picture, protocol)
                    }
                    None => p.render(frame, picture),
                }
                return;
            }
            Some(Ok(ScanView::Other { content_type })) => {
                t!("officer.reviews.not_a_picture", kind = content_type).into_owned()
            }
            Some(Err(e)) => e.clone(),
            None => t!("officer.loading").into_owned(),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(message, theme.muted())).wrap(Wrap { trim: true }),
            picture,
        );
    }
}

impl Screen for ReviewsScreen {
    fn id(&self) -> &'static str {
        "officer_reviews"
    }

    fn title(&self) -> String {
        t!("officer.menu.reviews").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn init(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        let mut effects = self.load();
        if self.reasons.is_none() {
            effects.push(Effect::Call(Call::Officer(OfficerCall::RejectionReasons)));
        }
        effects
    }

    fn on_data_changed(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn busy(&self) -> bool {
        self.loading || self.fetching.is_some()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        self.notice = None;
        let scans = self.selected().map_or(0, |r| r.scans.len());
        Some(match self.keymap.command(&key, false) {
            Some(Command::Accept) => self.decide(true),
            Some(Command::Reject) => self.decide(false),
            Some(Command::NextScan) => {
                self.scan = (self.scan + 1).min(scans.saturating_sub(1));
                self.fetch_scan()
            }
            Some(Command::PrevScan) => {
                self.scan = self.scan.saturating_sub(1);
                self.fetch_scan()
            }
            Some(Command::Save) => self.save(ctx, false),
            Some(Command::View) => self.save(ctx, true),
            Some(Command::Reload) => self.load(),
            None => {
                let before = self.cursor.selected;
                if !self.cursor.handle_key(key, self.rows().len()) {
                    return None;
                }
                if before != self.cursor.selected {
                    self.scan = 0;
                }
                self.fetch_scan()
            }
        })
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Officer(OfficerReply::Reviews(result)) => {
                self.loading = false;
                match result {
                    Ok(page) => {
                        self.error = None;
                        self.page = Some(page);
                        self.cursor.clamp(self.rows().len());
                        self.scan = 0;
                        return self.fetch_scan();
                    }
                    Err(e) => self.error = Some(e),
                }
                Vec::new()
            }
            Reply::Officer(OfficerReply::RejectionReasons(result)) => {
                // Without the list a rejection still goes out, with the officer's words.
                self.reasons = result.ok();
                Vec::new()
            }
            Reply::Officer(OfficerReply::Scan {
                document_id,
                result,
            }) => {
                self.fetching = None;
                if let (Some(picker), Ok(ScanView::Picture(picture))) = (&ctx.picker, &result) {
                    self.inline.get_mut().insert(
                        document_id.clone(),
                        picker.new_resize_protocol(picture.to_image()),
                    );
                }
                self.scans
                    .insert(document_id, result.map_err(|e| e.message()));
                // The selection may have moved on while this one came.
                self.fetch_scan()
            }
            Reply::Saved(Ok(path)) if self.open_when_saved => {
                self.open_when_saved = false;
                vec![Effect::Call(Call::Officer(OfficerCall::OpenFile(path)))]
            }
            Reply::Saved(result) => {
                self.notice = Some(match result {
                    Ok(path) => Notice::Saved(path),
                    Err(e) => Notice::Failed(e),
                });
                Vec::new()
            }
            Reply::Officer(OfficerReply::Opened(result)) => {
                self.notice = Some(match result {
                    Ok(path) => Notice::Opened(path),
                    Err(e) => Notice::Failed(e),
                });
                Vec::new()
            }
            Reply::Sent(Ok(Sent::Acted(_))) => {
                self.notice = Some(Notice::Decided);
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

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let rows = self.rows();
        let list_rows = (rows.len() as u16 + 1).clamp(2, area.height / 3);
        let [title, list, detail, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(list_rows),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(area);
        let total = self.page.as_ref().map_or(0, |p| p.total);
        widgets::heading(frame, title, theme, &format!("{} ({total})", self.title()));
        if let Some(error) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(error.message(), theme.error())),
                list,
            );
        } else if self.page.is_none() {
            frame.render_widget(
                Paragraph::new(t!("officer.loading").into_owned()).style(theme.muted()),
                list,
            );
        } else if rows.is_empty() {
            frame.render_widget(
                Paragraph::new(t!("officer.reviews.none").into_owned()),
                list,
            );
        } else {
            let columns = [
                Column {
                    title: t!("officer.offers.column.number").into_owned(),
                    width: 18,
                },
                Column {
                    title: t!("officer.offers.column.child").into_owned(),
                    width: list.width.saturating_sub(44).max(12),
                },
                Column {
                    title: t!("officer.offers.column.benefit").into_owned(),
                    width: 24,
                },
            ];
            table::render(
                frame,
                list,
                &columns,
                rows.len(),
                &self.cursor,
                theme,
                |i| {
                    let r = &rows[i];
                    vec![
                        r.number.to_string(),
                        r.child_name.clone(),
                        benefit_name(r.benefit_class, Some(&r.category), ctx.lang),
                    ]
                },
            );
            self.view_detail(frame, detail, ctx);
        }
        let (text, style) = match &self.notice {
            Some(Notice::Decided) => (t!("officer.reviews.decided").into_owned(), theme.ok()),
            Some(Notice::Saved(path)) => (
                t!("officer.reviews.saved", path = path.display()).into_owned(),
                theme.ok(),
            ),
            Some(Notice::Opened(path)) => (
                t!("officer.reviews.opened", path = path.display()).into_owned(),
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
