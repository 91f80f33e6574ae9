//! The dialogs behind the application's buttons: each asks what its action needs (a reason, a
//! date, a kindergarten, a benefit category and its documents), checks it as the rules will,
//! and opens the signing window on the signed-action document. The server's answer (success or
//! refusal) passes through to the application screen below; Esc in the signing window comes
//! back here with everything typed still in place.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use rust_i18n::t;

use crate::api::applications::ApplicationDetail;
use crate::api::catalogue::Kindergarten;
use crate::api::documents::{ActionDocument, ActionRequest, BenefitClaim};
use crate::domain::limits::Text;
use crate::domain::{ActionKind, ApplicationNumber, BenefitCategory, Direction, RegionSettings};
use crate::tui::format::{date, date_time, deadline, no_value};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Reply, SignTask};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::application::kindergarten_name;
use crate::tui::screens::signing::Signing;
use crate::tui::widgets::attachments::Attachments;
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind, Form, Message, parse_date};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, centered};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Submit,
    Cancel,
    Attach,
    Remove,
    NextZone,
    PrevZone,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Submit,
        name: "submit",
        keys: &[KeyCombo::f(10), KeyCombo::key(KeyCode::Enter)],
        help: "application.dialog.key.submit",
        hint: true,
    },
    Binding {
        command: Command::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "application.dialog.cancel",
        hint: true,
    },
    Binding {
        command: Command::Attach,
        name: "attach",
        keys: &[KeyCombo::f(4), KeyCombo::char('+')],
        help: "tui.wizard.attach",
        hint: true,
    },
    Binding {
        command: Command::Remove,
        name: "remove",
        keys: &[KeyCombo::f(8), KeyCombo::key(KeyCode::Delete)],
        help: "tui.wizard.remove",
        hint: true,
    },
    Binding {
        command: Command::NextZone,
        name: "next_field",
        keys: &[KeyCombo::key(KeyCode::Tab)],
        help: "tui.keys.next_field",
        hint: false,
    },
    Binding {
        command: Command::PrevZone,
        name: "prev_field",
        keys: &[KeyCombo::key(KeyCode::BackTab)],
        help: "tui.keys.prev_field",
        hint: false,
    },
];

/// The part of the dialog with the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Fields,
    /// The list: offered kindergartens or benefit categories.
    Choice,
    Documents,
}

pub struct ActionDialog {
    kind: ActionKind,
    number: ApplicationNumber,
    keymap: Keymap<Command>,
    zone: Zone,
    form: Form,
    /// Offered kindergartens (codes) or benefit categories («Без льготы» first, then codes).
    codes: Vec<Option<String>>,
    choice: SelectList,
    /// The names the list shows, per code, in every language (picked at draw time).
    kindergartens: Vec<Kindergarten>,
    scans: Attachments,
    direction: Option<Direction>,
    /// The end of the offer's answer window.
    answer_by: Option<DateTime<Utc>>,
    /// The child's full name, for «Информация о направлении».
    child: String,
    /// A problem outside the fields: a category without documents, uploads still running.
    problem: Option<Message>,
}

impl ActionDialog {
    /// The dialog of `kind` for the application `detail`; `kindergartens` names the codes of an
    /// offer or a direction (empty while the catalogue has not come: the codes are shown).
    pub fn new(
        kind: ActionKind,
        detail: &ApplicationDetail,
        kindergartens: &[Kindergarten],
    ) -> ActionDialog {
        let reason = |label| {
            Field::new("reason", label, FieldKind::Text)
                .required()
                .limited(Text::Reason)
        };
        let (fields, codes): (Vec<Field>, Vec<Option<String>>) = match kind {
            ActionKind::Withdraw | ActionKind::RevokeDirection => {
                (vec![reason("application.dialog.reason")], Vec::new())
            }
            ActionKind::ExtendDirection => (
                vec![
                    Field::new("until", "application.dialog.extend_date", FieldKind::Date)
                        .required(),
                    reason("application.dialog.extend_reason"),
                ],
                Vec::new(),
            ),
            ActionKind::AcceptOffer => (
                Vec::new(),
                detail
                    .state
                    .offer
                    .iter()
                    .flat_map(|o| o.kindergartens.iter().cloned().map(Some))
                    .collect(),
            ),
            ActionKind::ChangeBenefit => (
                Vec::new(),
                std::iter::once(None)
                    .chain(
                        BenefitCategory::catalogue()
                            .iter()
                            .map(|c| Some(c.code.clone())),
                    )
                    .collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let mut choice = SelectList::new(vec![String::new(); codes.len()]);
        // The current category is where the list starts: a change is usually a small one.
        if kind == ActionKind::ChangeBenefit {
            let current = detail.state.benefit.as_ref().map(|b| b.category.as_str());
            if let Some(i) = codes.iter().position(|c| c.as_deref() == current) {
                choice.select(i);
            }
        }
        let zone = if fields.is_empty() && !codes.is_empty() {
            Zone::Choice
        } else {
            Zone::Fields
        };
        ActionDialog {
            kind,
            number: detail.state.number,
            keymap: Keymap::new("action_dialog", KEYS),
            zone,
            form: Form::new(fields),
            codes,
            choice,
            kindergartens: kindergartens.to_vec(),
            scans: Attachments::new(),
            direction: detail.state.direction.clone(),
            answer_by: detail.state.offer.as_ref().map(|o| o.answer_by),
            child: detail.child.full_name.clone(),
            problem: None,
        }
    }

    /// The problem shown above the buttons (a field's or the dialog's), translated.
    pub fn problem(&self) -> Option<String> {
        self.form
            .message()
            .or_else(|| self.problem.clone())
            .map(|m| m.text())
    }

    fn benefit_dialog(&self) -> bool {
        self.kind == ActionKind::ChangeBenefit
    }

    /// The chosen category's code; `None` for «Без льготы».
    fn chosen_code(&self) -> Option<&str> {
        self.choice
            .selected()
            .and_then(|i| self.codes.get(i))
            .and_then(|c| c.as_deref())
    }

    /// The action the filled dialog asks for, or what is missing (marked on its field).
    pub fn request(&mut self) -> Result<ActionRequest, Message> {
        self.problem = None;
        if !self.form.validate() {
            self.zone = Zone::Fields;
            return Err(self
                .form
                .message()
                .unwrap_or_else(|| Message::new("tui.form.required")));
        }
        let reason = self.form.fields.iter().find(|f| f.id == "reason");
        let reason = reason
            .map(|f| f.value().trim().to_owned())
            .unwrap_or_default();
        let request = match self.kind {
            ActionKind::ConfirmInterest => ActionRequest::ConfirmInterest,
            ActionKind::Withdraw => ActionRequest::Withdraw { reason },
            ActionKind::RevokeDirection => ActionRequest::RevokeDirection { reason },
            ActionKind::DeclineOffer => ActionRequest::DeclineOffer,
            ActionKind::AcceptOffer => {
                let code = self.chosen_code().map(str::to_owned);
                let code =
                    code.ok_or_else(|| self.refuse("application.dialog.choose_kindergarten"))?;
                ActionRequest::AcceptOffer { kindergarten: code }
            }
            ActionKind::ChangeBenefit => match self.chosen_code().map(str::to_owned) {
                None => ActionRequest::ChangeBenefit(None),
                Some(_) if self.scans.uploading() => {
                    return Err(self.refuse("tui.wizard.uploading"));
                }
                Some(_) if self.scans.refs().is_empty() => {
                    return Err(self.refuse("application.dialog.benefit_needs_document"));
                }
                Some(category) => ActionRequest::ChangeBenefit(Some(BenefitClaim {
                    category,
                    attachments: self.scans.refs(),
                })),
            },
            ActionKind::ExtendDirection => {
                let until = parse_date(self.form.value("until"))
                    .ok_or_else(|| Message::new("tui.form.bad_date"))?;
                if let Some(direction) = &self.direction {
                    if direction.extension.is_some() {
                        return Err(self.refuse("domain.rule.already_extended"));
                    }
                    // The seeds' 30 days; a region with its own limit is the server's to enforce.
                    let (first, latest) = direction.extension_dates(&RegionSettings::default());
                    if until < first || until > latest {
                        let message = Message::new("application.dialog.extend_date_range")
                            .with("from", date(first))
                            .with("to", date(latest));
                        self.zone = Zone::Fields;
                        self.form.focus_on("until");
                        self.form.field_mut("until").set_error(message.clone());
                        return Err(message);
                    }
                }
                ActionRequest::ExtendDirection { until, reason }
            }
            other => {
                tracing::warn!(action = other.code(), "no applicant dialog for this action");
                return Err(self.refuse("application.dialog.unavailable"));
            }
        };
        Ok(request)
    }

    /// Sets the dialog's problem and returns it.
    fn refuse(&mut self, key: &str) -> Message {
        let message = Message::new(key);
        self.problem = Some(message.clone());
        message
    }

    fn zones(&self) -> Vec<Zone> {
        let mut zones = Vec::new();
        if !self.form.fields.is_empty() {
            zones.push(Zone::Fields);
        }
        if !self.codes.is_empty() {
            zones.push(Zone::Choice);
        }
        if self.benefit_dialog() {
            zones.push(Zone::Documents);
        }
        zones
    }

    /// Tab: through the fields, then the list, then the documents, and round again.
    fn move_zone(&mut self, forward: bool) {
        let zones = self.zones();
        if self.zone == Zone::Fields {
            let focus = self.form.focus();
            let edge = if forward {
                focus + 1 == self.form.fields.len()
            } else {
                focus == 0
            };
            if !edge || zones.len() == 1 {
                if forward {
                    self.form.next()
                } else {
                    self.form.prev()
                }
                return;
            }
        }
        let Some(at) = zones.iter().position(|z| *z == self.zone) else {
            return;
        };
        let n = zones.len();
        self.zone = zones[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    fn submit(&mut self, ctx: &Ctx) -> Vec<Effect> {
        match self.request() {
            Ok(action) => {
                let document = ActionDocument {
                    // At the ЦОН desk the document names the citizen served.
                    envelope: ctx.envelope(),
                    number: self.number,
                    action,
                };
                vec![Effect::Push(Box::new(Signing::new(
                    SignTask::Act(document),
                    ctx,
                )))]
            }
            Err(_) => Vec::new(),
        }
    }

    fn title_text(&self) -> String {
        match self.kind {
            ActionKind::ExtendDirection => t!("application.dialog.extend_title").into_owned(),
            kind => t!(kind.message_key()).into_owned(),
        }
    }

    fn submit_label(&self) -> String {
        match self.kind {
            ActionKind::ExtendDirection => t!("application.dialog.extend_button"),
            ActionKind::ConfirmInterest => t!("application.dialog.confirm_interest_button"),
            _ => t!("application.dialog.sign"),
        }
        .into_owned()
    }

    /// The message above the fields, translated now.
    fn text_lines(&self, ctx: &Ctx) -> Vec<Line<'static>> {
        let theme = &ctx.theme;
        let plain = |key: &str| vec![Line::from(t!(key).into_owned())];
        match self.kind {
            ActionKind::ConfirmInterest => plain("application.dialog.confirm_interest_text"),
            ActionKind::Withdraw => plain("application.dialog.withdraw_text"),
            ActionKind::RevokeDirection => plain("application.dialog.revoke_text"),
            ActionKind::DeclineOffer => plain("application.dialog.decline_text"),
            ActionKind::AcceptOffer => {
                let mut lines = Vec::new();
                if let Some(answer_by) = self.answer_by {
                    lines.push(Line::from(Span::styled(
                        t!("application.dialog.offer_until", date = deadline(answer_by))
                            .into_owned(),
                        theme.warning(),
                    )));
                }
                lines.push(Line::from(t!("application.dialog.offer_text").into_owned()));
                lines
            }
            ActionKind::ChangeBenefit => vec![Line::from(Span::styled(
                t!("application.dialog.benefit_category").into_owned(),
                if self.zone == Zone::Choice {
                    theme.focused()
                } else {
                    theme.text()
                },
            ))],
            ActionKind::ExtendDirection => {
                let mut lines = vec![Line::from(Span::styled(
                    t!("application.dialog.extend_info").into_owned(),
                    theme.title(),
                ))];
                if let Some(direction) = &self.direction {
                    let address = self
                        .kindergartens
                        .iter()
                        .find(|k| k.code == direction.kindergarten)
                        .map(|k| k.address.get(ctx.lang).to_owned())
                        .unwrap_or_else(no_value);
                    for (label, value) in [
                        ("application.dialog.extend_child", self.child.clone()),
                        (
                            "application.dialog.extend_status",
                            t!("application.dialog.not_enrolled").into_owned(),
                        ),
                        (
                            "application.dialog.extend_kindergarten",
                            kindergarten_name(&direction.kindergarten, &self.kindergartens, ctx),
                        ),
                        ("application.dialog.extend_address", address),
                        (
                            "application.dialog.extend_issued",
                            date_time(direction.issued_at),
                        ),
                        (
                            "application.dialog.extend_expires",
                            deadline(direction.expires_at),
                        ),
                    ] {
                        lines.push(Line::from(vec![
                            Span::styled(format!("{} ", t!(label)), theme.muted()),
                            Span::raw(value),
                        ]));
                    }
                }
                lines
            }
            _ => Vec::new(),
        }
    }

    /// The list's labels in the current language.
    fn choice_labels(&self, ctx: &Ctx) -> Vec<String> {
        self.codes
            .iter()
            .map(|code| match (self.kind, code) {
                (ActionKind::ChangeBenefit, None) => {
                    t!("application.dialog.benefit_none").into_owned()
                }
                (ActionKind::ChangeBenefit, Some(code)) => BenefitCategory::find(code)
                    .map(|c| c.name(ctx.lang).to_owned())
                    .unwrap_or_else(|| code.clone()),
                (_, Some(code)) => self
                    .kindergartens
                    .iter()
                    .find(|k| &k.code == code)
                    .map(|k| format!("{} — {}", k.name.get(ctx.lang), k.address.get(ctx.lang)))
                    .unwrap_or_else(|| code.clone()),
                (_, None) => String::new(),
            })
            .collect()
    }
}

/// Rows a text takes when wrapped into `width` columns.
fn rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(width) as u16)
        .sum()
}

impl Screen for ActionDialog {
    fn id(&self) -> &'static str {
        "action_dialog"
    }

    fn title(&self) -> String {
        self.title_text()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        if let Some(keys) = self.scans.browser_keys() {
            return keys;
        }
        let mut help = self.keymap.help();
        if !self.benefit_dialog() {
            let hidden = [t!("tui.wizard.attach"), t!("tui.wizard.remove")];
            help.retain(|h| !hidden.iter().any(|x| *x == h.text));
        }
        help
    }

    fn is_dialog(&self) -> bool {
        true
    }

    fn busy(&self) -> bool {
        self.scans.uploading()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.scans.browsing() {
            let (chosen, effects) = self.scans.on_browser_key(key);
            if chosen {
                self.problem = None;
                self.zone = Zone::Documents;
            }
            return Some(effects);
        }
        let typing = self.zone == Zone::Fields && self.form.typing();
        let effects = match self.keymap.command(&key, typing) {
            Some(Command::Submit) => self.submit(ctx),
            Some(Command::Cancel) => vec![Effect::Pop],
            Some(Command::Attach) if self.benefit_dialog() => {
                self.scans.browse(ctx);
                Vec::new()
            }
            Some(Command::Remove) if self.zone == Zone::Documents => {
                self.scans.remove_selected();
                Vec::new()
            }
            Some(Command::NextZone) => {
                self.move_zone(true);
                Vec::new()
            }
            Some(Command::PrevZone) => {
                self.move_zone(false);
                Vec::new()
            }
            Some(Command::Attach) | Some(Command::Remove) => Vec::new(),
            None => {
                let used = match self.zone {
                    Zone::Fields => self.form.handle_key(key),
                    Zone::Choice => {
                        self.problem = None;
                        self.choice.handle_key(key)
                    }
                    Zone::Documents => self.scans.handle_key(key),
                };
                // Not the dialog's: `?` opens the help.
                if !used {
                    return None;
                }
                Vec::new()
            }
        };
        Some(effects)
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        if self.zone == Zone::Fields && !self.scans.browsing() {
            self.form.paste(text);
        }
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Uploaded { path, result } => {
                self.scans.on_uploaded(&path, result);
                Vec::new()
            }
            // The signing window's answer, good or a refusal, is the application screen's.
            sent @ Reply::Sent(_) => vec![Effect::Return(sent)],
            _ => Vec::new(),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let width = area.width.saturating_sub(4).min(76);
        let inner_width = width.saturating_sub(4);
        let text = self.text_lines(ctx);
        let text_rows = rows(&text, inner_width);
        let note: Vec<Line> = match self.kind {
            ActionKind::ExtendDirection => vec![Line::from(Span::styled(
                format!("! {}", t!("application.dialog.extend_note")),
                theme.warning(),
            ))],
            ActionKind::ChangeBenefit => vec![Line::from(Span::styled(
                format!("! {}", t!("application.dialog.warning_readable")),
                theme.warning(),
            ))],
            _ => Vec::new(),
        };
        let note_rows = rows(&note, inner_width);
        let fields = self.form.fields.len() as u16;
        let list_rows = self.codes.len() as u16;
        let documents_rows = if self.benefit_dialog() {
            1 + (self.scans.items().len() as u16).clamp(1, 3)
        } else {
            0
        };
        // Blank rows part the message, the fields and the buttons.
        let gap = |n: u16| u16::from(n > 0);
        let wanted = text_rows
            + gap(fields) + fields
            + list_rows
            + documents_rows
            + note_rows
            + 1 // the problem line
            + 1 // the buttons
            + 2; // the frame
        let popup = centered(area, width, wanted.min(area.height));
        // The list gives up rows first when the screen is short.
        let spare = wanted.saturating_sub(popup.height);
        let list_rows = list_rows.saturating_sub(spare).max(list_rows.min(3));
        frame.render_widget(Clear, popup);
        let inner = widgets::popup(frame, popup, theme, &self.title_text());
        let [
            text_area,
            _,
            fields_area,
            list_area,
            documents_area,
            note_area,
            problem_area,
            buttons_area,
        ] = Layout::vertical([
            Constraint::Length(text_rows),
            Constraint::Length(gap(fields)),
            Constraint::Length(fields),
            Constraint::Length(list_rows),
            Constraint::Length(documents_rows),
            Constraint::Length(note_rows),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
        if fields > 0 {
            if self.zone == Zone::Fields {
                self.form.render(frame, fields_area, 1, theme);
            } else {
                // No field has the focus: draw each without the cursor.
                let label_width = Form::label_width(&self.form.fields);
                for (i, field) in self.form.fields.iter().enumerate() {
                    let rect = Rect {
                        y: fields_area.y + i as u16,
                        height: 1,
                        ..fields_area
                    };
                    field.render(frame, rect, label_width, false, theme);
                }
            }
        }
        if list_rows > 0 {
            let mut choice = self.choice.clone();
            choice.set_items(self.choice_labels(ctx));
            choice.render(frame, list_area, self.zone == Zone::Choice, theme);
        }
        if documents_rows > 0 {
            let [label, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(documents_area);
            let style = if self.zone == Zone::Documents {
                theme.focused()
            } else {
                theme.text()
            };
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(t!("tui.wizard.documents").into_owned(), style),
                    Span::styled(
                        format!(
                            "  [+] {}",
                            self.keymap.keys_of(Command::Attach).unwrap_or_default()
                        ),
                        theme.key(),
                    ),
                ])),
                label,
            );
            self.scans
                .render(frame, list, self.zone == Zone::Documents, ctx);
        }
        frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: true }), note_area);
        if let Some(problem) = self.problem() {
            frame.render_widget(
                Paragraph::new(Span::styled(problem, theme.error())),
                problem_area,
            );
        }
        let row = [
            Button::new(self.submit_label(), self.keymap.keys_of(Command::Submit)),
            Button::new(
                t!("application.dialog.cancel"),
                self.keymap.keys_of(Command::Cancel),
            ),
        ];
        buttons::render(frame, buttons_area, &row, Some(0), theme);
        self.scans.render_browser(frame, area, theme);
    }
}
