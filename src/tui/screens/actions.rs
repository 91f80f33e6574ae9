//! The dialogs behind the application's buttons: each asks what its action needs (a reason, a
//! date, a kindergarten, a benefit category), checks it, and hands a signed-action document to
//! the signing window. The server has the last word; its refusal is shown by the signing window
//! and the application stays as it was.

use chrono::{Days, NaiveDate};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use rust_i18n::t;

use crate::api::applications::{ApplicationDetail, DirectionInfo, OfferInfo};
use crate::api::documents::{ActionDocument, ActionRequest, Envelope};
use crate::domain::{ActionKind, ApplicationNumber, BenefitCategory, RegionSettings};
use crate::tui::format::{date, date_time};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::signing::Signing;
use crate::tui::widgets::buttons::Button;
use crate::tui::widgets::dialog;
use crate::tui::widgets::form::{Field, FieldKind, Form, parse_date};
use crate::tui::widgets::list::SelectList;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Submit,
    Cancel,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Submit,
        name: "submit",
        keys: &[KeyCombo::key(KeyCode::Enter), KeyCombo::f(10)],
        help: "application.key.act",
        hint: true,
    },
    Binding {
        command: Command::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "application.dialog.cancel",
        hint: true,
    },
];

/// What the dialog asks beyond the form's fields.
enum Choice {
    None,
    /// The offered kindergartens: accept one of them.
    Kindergarten(Vec<OfferInfo>),
    /// «Изменить льготность»: «Без льготы» first, then the catalogue.
    Benefit(SelectList),
}

pub struct ActionDialog {
    kind: ActionKind,
    number: ApplicationNumber,
    keymap: Keymap<Command>,
    /// The message lines above the fields (the direction's data for an extension).
    text: Vec<(String, String)>,
    form: Form,
    choice: Choice,
    chosen: usize,
    /// The direction being extended, for the date check.
    direction: Option<DirectionInfo>,
    settings: RegionSettings,
    error: Option<String>,
}

impl ActionDialog {
    pub fn new(kind: ActionKind, detail: &ApplicationDetail, ctx: &Ctx) -> ActionDialog {
        let mut text = Vec::new();
        let mut fields = Vec::new();
        let mut choice = Choice::None;
        match kind {
            ActionKind::ConfirmInterest => {
                text.push((t!("application.dialog.confirm_interest_text").into_owned(), String::new()));
            }
            ActionKind::Withdraw => {
                text.push((t!("application.dialog.withdraw_text").into_owned(), String::new()));
                fields.push(reason_field("application.dialog.reason"));
            }
            ActionKind::RevokeDirection => {
                text.push((t!("application.dialog.revoke_text").into_owned(), String::new()));
                fields.push(reason_field("application.dialog.reason"));
            }
            ActionKind::DeclineOffer => {
                text.push((t!("application.dialog.decline_text").into_owned(), String::new()));
            }
            ActionKind::AcceptOffer => {
                let offers: Vec<OfferInfo> = detail.offer.iter().cloned().collect();
                if let Some(offer) = offers.first() {
                    text.push((
                        t!("application.dialog.offer_until", date = date_time(offer.answer_by))
                            .into_owned(),
                        String::new(),
                    ));
                }
                text.push((t!("application.dialog.offer_text").into_owned(), String::new()));
                choice = Choice::Kindergarten(offers);
            }
            ActionKind::ChangeBenefit => {
                let mut names = vec![t!("application.dialog.benefit_none").into_owned()];
                names.extend(
                    BenefitCategory::catalogue()
                        .iter()
                        .map(|c| c.name(ctx.lang).to_owned()),
                );
                text.push((t!("application.dialog.benefit_category").into_owned(), String::new()));
                choice = Choice::Benefit(SelectList::new(names));
            }
            ActionKind::ExtendDirection => {
                if let Some(direction) = &detail.direction {
                    for (label, value) in [
                        ("application.dialog.extend_child", detail.child.full_name.clone()),
                        (
                            "application.dialog.extend_status",
                            t!("application.dialog.not_enrolled").into_owned(),
                        ),
                        (
                            "application.dialog.extend_kindergarten",
                            direction.kindergarten_name.clone(),
                        ),
                        ("application.dialog.extend_issued", date_time(direction.issued_at)),
                        ("application.dialog.extend_expires", date(direction.valid_until)),
                    ] {
                        text.push((t!(label).into_owned(), value));
                    }
                }
                fields.push(
                    Field::new("until", "application.dialog.extend_date", FieldKind::Date).required(),
                );
                fields.push(reason_field("application.dialog.extend_reason"));
            }
            _ => {}
        }
        ActionDialog {
            kind,
            number: detail.number,
            keymap: Keymap::new("action_dialog", KEYS),
            text,
            form: Form::new(fields),
            choice,
            chosen: 0,
            direction: detail.direction.clone(),
            settings: RegionSettings::default(),
            error: None,
        }
    }

    pub fn kind(&self) -> ActionKind {
        self.kind
    }

    pub fn form_mut(&mut self) -> &mut Form {
        &mut self.form
    }

    /// The latest date an extension may reach: the region's limit past the current expiry.
    fn latest_extension(&self, direction: &DirectionInfo) -> Option<NaiveDate> {
        direction
            .valid_until
            .checked_add_days(Days::new(u64::from(self.settings.extension_max_days)))
    }

    /// The action the filled dialog asks for, or the reason it cannot yet.
    pub fn request(&mut self) -> Result<ActionRequest, String> {
        if !self.form.validate() {
            return Err(self
                .form
                .focused()
                .and_then(Field::error)
                .map(|key| t!(key).into_owned())
                .unwrap_or_default());
        }
        let reason = || self.form.value("reason").trim().to_owned();
        Ok(match self.kind {
            ActionKind::ConfirmInterest => ActionRequest::ConfirmInterest,
            ActionKind::Withdraw => ActionRequest::Withdraw { reason: reason() },
            ActionKind::RevokeDirection => ActionRequest::RevokeDirection { reason: reason() },
            ActionKind::DeclineOffer => ActionRequest::DeclineOffer,
            ActionKind::AcceptOffer => match &self.choice {
                Choice::Kindergarten(offers) => {
                    let offer = offers
                        .get(self.chosen)
                        .ok_or_else(|| t!("application.dialog.required").into_owned())?;
                    ActionRequest::AcceptOffer {
                        kindergarten: offer.kindergarten_id.to_string(),
                    }
                }
                _ => return Err(t!("application.dialog.required").into_owned()),
            },
            ActionKind::ChangeBenefit => {
                // Claiming a category needs scanned documents, which the wizard's upload path
                // carries; from here the applicant can give a benefit up.
                match &self.choice {
                    Choice::Benefit(list) if list.selected() == Some(0) => {
                        ActionRequest::ChangeBenefit(None)
                    }
                    _ => return Err(t!("application.dialog.benefit_needs_document").into_owned()),
                }
            }
            ActionKind::ExtendDirection => {
                let until = parse_date(self.form.value("until"))
                    .ok_or_else(|| t!("application.dialog.extend_date_invalid").into_owned())?;
                if let Some(direction) = &self.direction {
                    let latest = self.latest_extension(direction);
                    if until <= direction.valid_until || latest.is_some_and(|l| until > l) {
                        self.form.focus_on("until");
                        return Err(t!(
                            "application.dialog.extend_date_range",
                            from = date(direction.valid_until),
                            to = latest.map(date).unwrap_or_default()
                        )
                        .into_owned());
                    }
                }
                ActionRequest::ExtendDirection {
                    until,
                    reason: reason(),
                }
            }
            _ => return Err(t!("application.dialog.required").into_owned()),
        })
    }

    fn title(&self) -> String {
        match self.kind {
            ActionKind::ExtendDirection => t!("application.dialog.extend_title").into_owned(),
            kind => t!(kind.message_key()).into_owned(),
        }
    }

    fn submit_label(&self) -> String {
        match self.kind {
            ActionKind::ExtendDirection => t!("application.dialog.extend_button").into_owned(),
            ActionKind::ConfirmInterest => {
                t!("application.dialog.confirm_interest_button").into_owned()
            }
            _ => t!("application.dialog.sign").into_owned(),
        }
    }
}

fn reason_field(label: &'static str) -> Field {
    Field::new("reason", label, FieldKind::Text).required()
}

impl Screen for ActionDialog {
    fn id(&self) -> &'static str {
        "action_dialog"
    }

    fn title(&self) -> String {
        ActionDialog::title(self)
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn is_dialog(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &Ctx) -> Option<Vec<Effect>> {
        match self.keymap.command(&key, self.form.typing()) {
            Some(Command::Submit) => {
                return Some(match self.request() {
                    Ok(action) => {
                        self.error = None;
                        let document = ActionDocument {
                            envelope: Envelope::now(),
                            number: self.number,
                            action,
                        };
                        vec![Effect::Replace(Box::new(Signing::action(document)))]
                    }
                    Err(message) => {
                        self.error = Some(message);
                        Vec::new()
                    }
                });
            }
            Some(Command::Cancel) => return Some(vec![Effect::Pop]),
            None => {}
        }
        let used = match &mut self.choice {
            Choice::Benefit(list) if matches!(key.code, KeyCode::Up | KeyCode::Down) => {
                list.handle_key(key)
            }
            Choice::Kindergarten(offers) if matches!(key.code, KeyCode::Up | KeyCode::Down) => {
                let last = offers.len().saturating_sub(1);
                self.chosen = match key.code {
                    KeyCode::Up => self.chosen.saturating_sub(1),
                    _ => (self.chosen + 1).min(last),
                };
                true
            }
            _ => self.form.handle_key(key),
        };
        used.then(Vec::new)
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        self.form.paste(text);
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let mut lines: Vec<Line> = Vec::new();
        if self.kind == ActionKind::ExtendDirection {
            lines.push(Line::from(Span::styled(
                t!("application.dialog.extend_info").into_owned(),
                theme.title(),
            )));
        }
        for (label, value) in &self.text {
            if value.is_empty() {
                lines.push(Line::from(label.clone()));
            } else {
                lines.push(Line::from(vec![
                    Span::styled(format!("{label} "), theme.muted()),
                    Span::raw(value.clone()),
                ]));
            }
        }
        match &self.choice {
            Choice::Kindergarten(offers) => {
                for (index, offer) in offers.iter().enumerate() {
                    let chosen = index == self.chosen;
                    let mark = if chosen { "› " } else { "  " };
                    lines.push(Line::from(Span::styled(
                        format!("{mark}{}", offer.kindergarten_name),
                        if chosen { theme.selected() } else { theme.text() },
                    )));
                }
            }
            Choice::Benefit(_) => {
                lines.push(Line::from(Span::styled(
                    t!("application.dialog.warning_readable").into_owned(),
                    theme.warning(),
                )));
            }
            Choice::None => {}
        }
        if self.kind == ActionKind::ExtendDirection {
            lines.push(Line::from(Span::styled(
                t!("application.dialog.extend_note").into_owned(),
                theme.warning(),
            )));
        }
        let fields = self.form.fields.len() as u16;
        let list_rows = match &self.choice {
            Choice::Benefit(list) => list.len().min(8) as u16,
            _ => 0,
        };
        // Blank rows under the message for the list, the fields and the fields' error line.
        for _ in 0..(fields + list_rows + u16::from(fields > 0) * 2 + 1) {
            lines.push(Line::from(""));
        }
        if let Some(error) = &self.error {
            lines.push(Line::from(Span::styled(error.clone(), theme.error())));
        }
        let buttons = [
            Button::new(self.submit_label(), self.keymap.keys_of(Command::Submit)),
            Button::new(
                t!("application.dialog.cancel"),
                self.keymap.keys_of(Command::Cancel),
            ),
        ];
        let title = ActionDialog::title(self);
        let below = dialog::render(
            frame,
            area,
            &title,
            lines,
            &buttons,
            Some(0),
            theme,
            theme.border(),
        );
        // `below` starts after every line given; the fields go into the blank rows reserved
        // above the error line.
        let reserved = fields + list_rows + u16::from(fields > 0) * 2 + 1;
        let top = below.y.saturating_sub(reserved + u16::from(self.error.is_some()));
        let inner = Rect {
            y: top,
            height: reserved,
            ..below
        };
        if let Choice::Benefit(list) = &self.choice {
            list.render(
                frame,
                Rect {
                    height: list_rows,
                    ..inner
                },
                true,
                theme,
            );
        }
        if fields > 0 {
            self.form.render(
                frame,
                Rect {
                    y: inner.y + list_rows,
                    height: fields + 2,
                    ..inner
                },
                1,
                theme,
            );
        }
    }
}
