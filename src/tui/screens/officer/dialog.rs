//! The officer's signed changes: one dialog asks what a change needs (a number of places, a
//! capacity, a reason, a new kindergarten's names), checks it as the server will, and opens the
//! signing window on the document. A change without input (close, «Зачислен», the out-of-turn
//! benefit confirmed in person) is a question with the same two buttons. The server's
//! acceptance goes back to the screen below (`Effect::Return`); a refusal stays here, with what
//! was typed, so it can be corrected.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use rust_i18n::t;

use crate::api::catalogue::LocalizedName;
use crate::api::documents::{
    ActionDocument, ActionRequest, Envelope, GroupPlaces, KindergartenDocument,
    KindergartenRequest, PlacesDocument,
};
use crate::api::officer::{MAX_GROUP_CAPACITY, group_id};
use crate::api::report::RejectionReasonInfo;
use crate::domain::ApplicationNumber;
use crate::domain::limits::Text;
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Reply, SignTask};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::signing::Signing;
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind, Form};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, centered};

/// An age group and language a new group may have: (age code, its name, language code).
pub type GroupKind = (String, LocalizedName, &'static str);

/// What the dialog signs.
#[derive(Debug, Clone)]
pub enum Change {
    Publish {
        kindergarten: String,
        group: String,
        free: u32,
    },
    Capacity {
        kindergarten: String,
        group: String,
        capacity: u32,
    },
    AddGroup {
        kindergarten: String,
        kinds: Vec<GroupKind>,
    },
    NewKindergarten {
        settlement: String,
    },
    CloseKindergarten {
        kindergarten: String,
    },
    CloseGroup {
        kindergarten: String,
        group: String,
    },
    Enroll {
        number: ApplicationNumber,
    },
    Annul {
        number: ApplicationNumber,
    },
    /// The out-of-turn benefit confirmed in person after the direction.
    ConfirmOutOfTurn {
        number: ApplicationNumber,
    },
    Review {
        number: ApplicationNumber,
        accept: bool,
        /// The server's reasons a rejection is chosen from (`/officer/rejection-reasons`);
        /// empty when they could not be read, and then the officer's words are the reason.
        reasons: Vec<RejectionReasonInfo>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Submit,
    Cancel,
    NextZone,
    PrevZone,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Submit,
        name: "submit",
        keys: &[KeyCombo::f(10), KeyCombo::key(KeyCode::Enter)],
        help: "officer.dialog.sign",
        hint: true,
    },
    Binding {
        command: Command::Cancel,
        name: "cancel",
        keys: &[KeyCombo::key(KeyCode::Esc)],
        help: "officer.dialog.cancel",
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

pub struct ChangeDialog {
    change: Change,
    /// What the change is about (a group, an application), shown above the fields.
    subject: String,
    keymap: Keymap<Command>,
    form: Form,
    /// The choices of a new group's kind or a rejection's reason; Tab moves between them and
    /// the fields.
    choice: Option<SelectList>,
    on_choice: bool,
    problem: Option<String>,
}

fn number_field(id: &'static str, label: &'static str, value: u32) -> Field {
    Field::new(id, label, FieldKind::Text)
        .required()
        .limited(Text::Search)
        .with_value(&value.to_string())
}

fn text_field(id: &'static str, label: &'static str) -> Field {
    Field::new(id, label, FieldKind::Text)
        .required()
        .limited(Text::Reason)
}

impl ChangeDialog {
    /// A dialog for `change`; `subject` names what it acts on.
    pub fn new(change: Change, subject: String) -> ChangeDialog {
        let fields = match &change {
            Change::Publish { free, .. } => {
                vec![number_field("places", "officer.dialog.places", *free)]
            }
            Change::Capacity { capacity, .. } => {
                vec![number_field(
                    "capacity",
                    "officer.dialog.capacity",
                    *capacity,
                )]
            }
            Change::AddGroup { .. } => {
                vec![number_field("capacity", "officer.dialog.capacity", 25)]
            }
            Change::NewKindergarten { settlement } => vec![
                text_field("code", "officer.dialog.code"),
                text_field("settlement", "officer.dialog.settlement").with_value(settlement),
                text_field("name_kk", "officer.dialog.name_kk"),
                text_field("name_ru", "officer.dialog.name_ru"),
                text_field("name_en", "officer.dialog.name_en"),
                text_field("address_kk", "officer.dialog.address_kk"),
                text_field("address_ru", "officer.dialog.address_ru"),
                text_field("address_en", "officer.dialog.address_en"),
            ],
            Change::Annul { .. } => vec![text_field("reason", "officer.dialog.reason")],
            Change::Review {
                accept: false,
                reasons,
                ..
            } => {
                if reasons.is_empty() {
                    vec![text_field("reason", "officer.dialog.reason")]
                } else {
                    let mut field = text_field("reason", "officer.dialog.reason_more");
                    field.required = false;
                    vec![field]
                }
            }
            Change::CloseKindergarten { .. }
            | Change::CloseGroup { .. }
            | Change::Enroll { .. }
            | Change::ConfirmOutOfTurn { .. }
            | Change::Review { accept: true, .. } => Vec::new(),
        };
        let choice = match &change {
            Change::AddGroup { kinds, .. } => {
                Some(SelectList::new(vec![String::new(); kinds.len()]))
            }
            Change::Review {
                accept: false,
                reasons,
                ..
            } if !reasons.is_empty() => Some(SelectList::new(vec![String::new(); reasons.len()])),
            _ => None,
        };
        // A choice comes first: the kind of a new group, the reason of a rejection.
        let on_choice = choice.is_some();
        ChangeDialog {
            change,
            subject,
            keymap: Keymap::new("officer_dialog", KEYS),
            form: Form::new(fields),
            choice,
            on_choice,
            problem: None,
        }
    }

    fn title_key(&self) -> &'static str {
        match self.change {
            Change::Publish { .. } => "officer.dialog.publish_title",
            Change::Capacity { .. } => "officer.dialog.capacity_title",
            Change::AddGroup { .. } => "officer.dialog.add_group_title",
            Change::NewKindergarten { .. } => "officer.dialog.new_kindergarten_title",
            Change::CloseKindergarten { .. } => "officer.dialog.close_kindergarten_title",
            Change::CloseGroup { .. } => "officer.dialog.close_group_title",
            Change::Enroll { .. } => "officer.dialog.enroll_title",
            Change::Annul { .. } => "officer.dialog.annul_title",
            Change::ConfirmOutOfTurn { .. } => "officer.dialog.confirm_out_of_turn_title",
            Change::Review { accept: true, .. } => "officer.dialog.accept_title",
            Change::Review { accept: false, .. } => "officer.dialog.reject_title",
        }
    }

    /// The question or explanation under the subject.
    fn text_key(&self) -> Option<&'static str> {
        match self.change {
            Change::Publish { .. } => Some("officer.dialog.publish_text"),
            Change::CloseKindergarten { .. } | Change::CloseGroup { .. } => {
                Some("officer.dialog.close_text")
            }
            Change::Enroll { .. } => Some("officer.dialog.enroll_text"),
            Change::ConfirmOutOfTurn { .. } => Some("officer.dialog.confirm_out_of_turn_text"),
            Change::Review { accept: true, .. } => Some("officer.dialog.accept_text"),
            Change::Review { accept: false, .. } => Some("officer.dialog.reject_text"),
            _ => None,
        }
    }

    fn count(&self, id: &str) -> Result<u32, String> {
        let value = self.form.value(id).trim();
        match value.parse::<u32>() {
            Ok(n) if (1..=MAX_GROUP_CAPACITY).contains(&n) => Ok(n),
            _ => Err(t!("officer.dialog.bad_count", max = MAX_GROUP_CAPACITY).into_owned()),
        }
    }

    fn names(&self, prefix: &str) -> LocalizedName {
        let get = |lang: &str| {
            self.form
                .value(&format!("{prefix}_{lang}"))
                .trim()
                .to_owned()
        };
        LocalizedName {
            kk: get("kk"),
            ru: get("ru"),
            en: get("en"),
        }
    }

    fn chosen(&self) -> Option<usize> {
        self.choice.as_ref().and_then(SelectList::selected)
    }

    /// The document to sign, or why not.
    pub fn task(&self) -> Result<SignTask, String> {
        let kindergarten_change = |kindergarten: &str, change| {
            SignTask::Kindergarten(KindergartenDocument {
                envelope: Envelope::now(),
                kindergarten: kindergarten.to_owned(),
                change,
            })
        };
        let act = |number: ApplicationNumber, action| {
            SignTask::Act(ActionDocument {
                envelope: Envelope::now(),
                number,
                action,
            })
        };
        Ok(match &self.change {
            Change::Publish {
                kindergarten,
                group,
                ..
            } => SignTask::Places(PlacesDocument {
                envelope: Envelope::now(),
                groups: vec![GroupPlaces {
                    group_id: group_id(kindergarten, group),
                    free_places: self.count("places")?,
                }],
            }),
            Change::Capacity {
                kindergarten,
                group,
                ..
            } => kindergarten_change(
                kindergarten,
                KindergartenRequest::SetCapacity {
                    group: group.clone(),
                    capacity: self.count("capacity")?,
                },
            ),
            Change::AddGroup {
                kindergarten,
                kinds,
            } => {
                let (age, _, language) = self
                    .chosen()
                    .and_then(|i| kinds.get(i))
                    .ok_or_else(|| t!("officer.dialog.choose_kind").into_owned())?;
                kindergarten_change(
                    kindergarten,
                    KindergartenRequest::AddGroup {
                        age: age.clone(),
                        language: (*language).to_owned(),
                        capacity: self.count("capacity")?,
                    },
                )
            }
            Change::NewKindergarten { .. } => {
                let code = self.form.value("code").trim();
                let valid_code = !code.is_empty()
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid_code {
                    return Err(t!("officer.dialog.bad_code").into_owned());
                }
                kindergarten_change(
                    code,
                    KindergartenRequest::Create {
                        settlement: self.form.value("settlement").trim().to_owned(),
                        name: self.names("name"),
                        address: self.names("address"),
                    },
                )
            }
            Change::CloseKindergarten { kindergarten } => {
                kindergarten_change(kindergarten, KindergartenRequest::Close)
            }
            Change::CloseGroup {
                kindergarten,
                group,
            } => kindergarten_change(
                kindergarten,
                KindergartenRequest::CloseGroup {
                    group: group.clone(),
                },
            ),
            Change::Enroll { number } => act(*number, ActionRequest::Enroll),
            Change::ConfirmOutOfTurn { number } => act(*number, ActionRequest::ConfirmOutOfTurn),
            Change::Annul { number } => act(
                *number,
                ActionRequest::AnnulDirection {
                    reason: self.form.value("reason").trim().to_owned(),
                },
            ),
            Change::Review {
                number,
                accept: true,
                ..
            } => act(
                *number,
                ActionRequest::ReviewBenefit {
                    accept: true,
                    reason: String::new(),
                    reason_code: None,
                },
            ),
            Change::Review {
                number,
                accept: false,
                reasons,
            } => {
                let (reason_code, reason) = self.reject_reason(reasons)?;
                act(
                    *number,
                    ActionRequest::ReviewBenefit {
                        accept: false,
                        reason,
                        reason_code,
                    },
                )
            }
        })
    }

    /// The code of the reason chosen from the server's list and the officer's own words; the
    /// server names the reason in the applicant's language (docs/domain-rules.md, «Benefit
    /// rejection reasons»). Without a list, the words alone, which are then required.
    fn reject_reason(
        &self,
        reasons: &[RejectionReasonInfo],
    ) -> Result<(Option<String>, String), String> {
        let listed = self.chosen().and_then(|i| reasons.get(i));
        let typed = self.form.value("reason").trim().to_owned();
        let words_needed = listed.is_none_or(|r| r.comment);
        if words_needed && typed.is_empty() {
            return Err(t!("officer.dialog.reason_needed").into_owned());
        }
        Ok((listed.map(|r| r.code.clone()), typed))
    }

    fn submit(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if !self.form.validate() {
            self.problem = None;
            return Vec::new();
        }
        match self.task() {
            Ok(task) => {
                self.problem = None;
                vec![Effect::Push(Box::new(Signing::new(task, ctx)))]
            }
            Err(problem) => {
                self.problem = Some(problem);
                Vec::new()
            }
        }
    }

    fn choice_labels(&self, ctx: &Ctx) -> Vec<String> {
        match &self.change {
            Change::AddGroup { kinds, .. } => kinds
                .iter()
                .map(|(_, name, language)| {
                    format!(
                        "{} — {}",
                        name.get(ctx.lang),
                        t!(format!("officer.language.{language}"))
                    )
                })
                .collect(),
            Change::Review { reasons, .. } => reasons
                .iter()
                .map(|r| r.name.get(ctx.lang).to_owned())
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Screen for ChangeDialog {
    fn id(&self) -> &'static str {
        "officer_dialog"
    }

    fn title(&self) -> String {
        t!(self.title_key()).into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        self.keymap.help()
    }

    fn is_dialog(&self) -> bool {
        true
    }

    fn unsaved(&self) -> bool {
        self.form
            .fields
            .iter()
            .any(|f| !f.value().is_empty() && !f.read_only)
            && matches!(
                self.change,
                Change::NewKindergarten { .. } | Change::Annul { .. } | Change::Review { .. }
            )
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        let typing = !self.on_choice && self.form.typing();
        match self.keymap.command(&key, typing) {
            Some(Command::Submit) => return Some(self.submit(ctx)),
            Some(Command::Cancel) => return Some(vec![Effect::Pop]),
            Some(Command::NextZone | Command::PrevZone) if self.choice.is_some() => {
                let forward = self.keymap.command(&key, typing) == Some(Command::NextZone);
                let last = self.form.fields.len().saturating_sub(1);
                let at_edge = self.form.fields.is_empty()
                    || (forward && self.form.focus() == last)
                    || (!forward && self.form.focus() == 0);
                if self.on_choice || at_edge {
                    self.on_choice = !self.on_choice || self.form.fields.is_empty();
                } else if forward {
                    self.form.next();
                } else {
                    self.form.prev();
                }
                return Some(Vec::new());
            }
            Some(Command::NextZone) => {
                self.form.next();
                return Some(Vec::new());
            }
            Some(Command::PrevZone) => {
                self.form.prev();
                return Some(Vec::new());
            }
            None => {}
        }
        if self.on_choice
            && let Some(choice) = &mut self.choice
        {
            choice.handle_key(key);
        } else {
            self.form.handle_key(key);
        }
        Some(Vec::new())
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        self.form.paste(text);
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Sent(Ok(sent)) => vec![Effect::Return(Reply::Sent(Ok(sent)))],
            Reply::Sent(Err(error)) => {
                self.problem = Some(error.message());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let width = area.width.saturating_sub(4).min(76);
        let inner_width = width.saturating_sub(4).max(1);
        let mut text = vec![Line::from(Span::styled(
            self.subject.clone(),
            theme.title(),
        ))];
        if let Some(key) = self.text_key() {
            text.push(Line::from(t!(key).into_owned()));
        }
        let text_rows: u16 = text
            .iter()
            .map(|l| (l.width().max(1) as u16).div_ceil(inner_width))
            .sum();
        let fields = self.form.fields.len() as u16;
        let list_rows = self.choice.as_ref().map_or(0, |c| c.len() as u16);
        let problem_rows = self
            .problem
            .as_ref()
            .map_or(1, |p| widgets::wrap(p, inner_width as usize).len() as u16);
        let wanted = text_rows + 1 + fields + list_rows + problem_rows + 1 + 2;
        let popup = centered(area, width, wanted.min(area.height));
        let spare = wanted.saturating_sub(popup.height);
        let list_rows = list_rows.saturating_sub(spare).max(list_rows.min(3));
        frame.render_widget(Clear, popup);
        let inner = widgets::popup(frame, popup, theme, &self.title());
        let [
            text_area,
            _,
            list_area,
            fields_area,
            problem_area,
            buttons_area,
        ] = Layout::vertical([
            Constraint::Length(text_rows),
            Constraint::Length(1),
            Constraint::Length(list_rows),
            Constraint::Length(fields),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
        if let Some(choice) = &self.choice {
            let mut choice = choice.clone();
            choice.set_items(self.choice_labels(ctx));
            choice.render(frame, list_area, self.on_choice, theme);
        }
        if fields > 0 {
            if self.on_choice {
                let label_width = Form::label_width(&self.form.fields);
                for (i, field) in self.form.fields.iter().enumerate() {
                    let rect = Rect {
                        y: fields_area.y + i as u16,
                        height: 1,
                        ..fields_area
                    };
                    field.render(frame, rect, label_width, false, theme);
                }
            } else {
                self.form.render(frame, fields_area, 1, theme);
            }
        }
        if let Some(problem) = &self.problem {
            frame.render_widget(
                Paragraph::new(Span::styled(problem.clone(), theme.error()))
                    .wrap(Wrap { trim: true }),
                problem_area,
            );
        }
        let row = [
            Button::new(
                t!("officer.dialog.sign"),
                self.keymap.keys_of(Command::Submit),
            ),
            Button::new(
                t!("officer.dialog.cancel"),
                self.keymap.keys_of(Command::Cancel),
            ),
        ];
        buttons::render(frame, buttons_area, &row, Some(0), theme);
    }
}
