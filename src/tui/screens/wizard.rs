//! The application wizard (seed 003 figures 7 and 8).
//!
//! Step 1 «Заполните данные заявителя»: the applicant's IIN, birth date and name come from the
//! certificate and the population registry (read-only, as on the portal); the address and the
//! contacts are typed, e-mail and phone required. Step 2 «Заполните данные ребенка»: the child's
//! IIN (checked as typed; then the server says whether the user may queue this child and fills
//! the registry's name and birth date, or says why not under the field, offering to open the
//! child's application when it is already queued and the user may see it), «Льготник» → the
//! benefit category and the documents that prove it (file browser; each shown with name and
//! size, removable), with the seeds' warning about readable copies. «Далее» and «Отправить»
//! check every field with `domain::wizard::validate` and jump to the first problem; «Отправить»
//! opens the signing window.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_i18n::t;
use unicode_width::UnicodeWidthStr;

use crate::api::catalogue::BenefitCategoryInfo;
use crate::api::documents::Submission;
use crate::api::problem::ProblemCode;
use crate::api::profile::Person;
use crate::client::ClientError;
use crate::domain::wizard::{
    self, Address, ApplicantDraft, ChildDraft, Draft, Field as DraftField,
};
use crate::domain::{ApplicationNumber, Iin, RegionSettings};
use crate::tui::keymap::{Binding, KeyCombo, KeyHelp, Keymap};
use crate::tui::protocol::{Call, CallError, Reply, Sent, SignTask};
use crate::tui::screen::{Ctx, Effect, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::screens::signing::Signing;
use crate::tui::screens::success::Success;
use crate::tui::widgets::attachments::{Attachment, Attachments};
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::form::{Field, FieldKind, Form, Message, parse_date};
use crate::tui::widgets::list::SelectList;
use crate::tui::widgets::{self, spinner};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Next,
    Back,
    Submit,
    Attach,
    Remove,
    OpenExisting,
    NextField,
    PrevField,
    Toggle,
}

const KEYS: &[Binding<Command>] = &[
    Binding {
        command: Command::Next,
        name: "next",
        keys: &[KeyCombo::f(10)],
        help: "tui.wizard.next",
        hint: true,
    },
    Binding {
        command: Command::Submit,
        name: "submit",
        keys: &[KeyCombo::f(10)],
        help: "tui.wizard.submit",
        hint: true,
    },
    Binding {
        command: Command::Back,
        name: "back",
        keys: &[KeyCombo::f(9), KeyCombo::key(KeyCode::Esc)],
        help: "tui.wizard.back",
        hint: true,
    },
    Binding {
        command: Command::OpenExisting,
        name: "open_existing",
        keys: &[KeyCombo::f(3), KeyCombo::ctrl('o')],
        help: "tui.wizard.open_existing",
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
        command: Command::NextField,
        name: "next_field",
        keys: &[KeyCombo::key(KeyCode::Tab), KeyCombo::key(KeyCode::Down)],
        help: "tui.keys.next_field",
        hint: false,
    },
    Binding {
        command: Command::PrevField,
        name: "prev_field",
        keys: &[KeyCombo::key(KeyCode::BackTab), KeyCombo::key(KeyCode::Up)],
        help: "tui.keys.prev_field",
        hint: false,
    },
    Binding {
        command: Command::Toggle,
        name: "toggle",
        keys: &[KeyCombo::char(' ')],
        help: "tui.wizard.toggle",
        // Hinted only while a tick box (the «Льготник» flag) has focus.
        hint: true,
    },
];

/// Step 1 fields, in the order of figure 7: id, label, kind, required.
const APPLICANT_FIELDS: [(&str, &str, FieldKind, bool); 14] = [
    (
        "applicant_iin",
        "tui.wizard.applicant_iin",
        FieldKind::Iin,
        true,
    ),
    (
        "applicant_birth_date",
        "tui.wizard.applicant_birth_date",
        FieldKind::Date,
        true,
    ),
    (
        "applicant_name",
        "tui.wizard.applicant_name",
        FieldKind::Text,
        false,
    ),
    (
        "applicant_surname",
        "tui.wizard.applicant_surname",
        FieldKind::Text,
        false,
    ),
    (
        "applicant_patronymic",
        "tui.wizard.applicant_patronymic",
        FieldKind::Text,
        false,
    ),
    ("city", "tui.wizard.city", FieldKind::Text, false),
    ("district", "tui.wizard.district", FieldKind::Text, false),
    ("street", "tui.wizard.street", FieldKind::Text, false),
    ("house", "tui.wizard.house", FieldKind::Text, false),
    ("flat", "tui.wizard.flat", FieldKind::Text, false),
    ("email", "tui.form.email", FieldKind::Email, true),
    ("phone", "tui.form.phone", FieldKind::Phone, true),
    (
        "extra_email",
        "tui.wizard.extra_email",
        FieldKind::Email,
        false,
    ),
    (
        "extra_phone",
        "tui.wizard.extra_phone",
        FieldKind::Phone,
        false,
    ),
];

/// «Номер ЦОН»: on step 2 when an operator files for the citizen served at the desk.
const REQUEST_NUMBER: &str = "request_number";

/// Step 2 fields (figure 8).
const CHILD_FIELDS: [(&str, &str, FieldKind, bool); 6] = [
    ("child_iin", "tui.wizard.child_iin", FieldKind::Iin, true),
    (
        "child_name",
        "tui.wizard.child_name",
        FieldKind::Text,
        false,
    ),
    (
        "child_birth_date",
        "tui.wizard.child_birth_date",
        FieldKind::Date,
        false,
    ),
    (
        "beneficiary",
        "tui.wizard.beneficiary",
        FieldKind::Flag,
        false,
    ),
    (
        "child_surname",
        "tui.wizard.child_surname",
        FieldKind::Text,
        false,
    ),
    (
        "child_patronymic",
        "tui.wizard.child_patronymic",
        FieldKind::Text,
        false,
    ),
];

/// Where each field of the draft (`domain::wizard::Field`) is on the forms: step and field id.
const DRAFT_FIELDS: [(DraftField, u8, &str); 19] = [
    (DraftField::ApplicantIin, 1, "applicant_iin"),
    (DraftField::ApplicantBirthDate, 1, "applicant_birth_date"),
    (DraftField::ApplicantName, 1, "applicant_name"),
    (DraftField::ApplicantSurname, 1, "applicant_surname"),
    (DraftField::ApplicantPatronymic, 1, "applicant_patronymic"),
    (DraftField::City, 1, "city"),
    (DraftField::District, 1, "district"),
    (DraftField::Street, 1, "street"),
    (DraftField::House, 1, "house"),
    (DraftField::Flat, 1, "flat"),
    (DraftField::Email, 1, "email"),
    (DraftField::Phone, 1, "phone"),
    (DraftField::ExtraEmail, 1, "extra_email"),
    (DraftField::ExtraPhone, 1, "extra_phone"),
    (DraftField::ChildIin, 2, "child_iin"),
    (DraftField::ChildName, 2, "child_name"),
    (DraftField::ChildBirthDate, 2, "child_birth_date"),
    (DraftField::ChildSurname, 2, "child_surname"),
    (DraftField::ChildPatronymic, 2, "child_patronymic"),
];

fn build_form(spec: &[(&'static str, &'static str, FieldKind, bool)]) -> Form {
    Form::new(
        spec.iter()
            .map(|&(id, label, kind, required)| {
                let field = Field::new(id, label, kind);
                if required { field.required() } else { field }
            })
            .collect(),
    )
}

/// Which part of step 2 has the keyboard besides the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Fields,
    Category,
    Documents,
}

pub struct Wizard {
    keymap: Keymap<Command>,
    step: u8,
    applicant: Form,
    child: Form,
    zone: Zone,
    benefits: Vec<BenefitCategoryInfo>,
    categories: SelectList,
    category_problem: Option<Message>,
    scans: Attachments,
    documents_problem: Option<Message>,
    /// The child IIN the server was last asked about, so it is asked once per IIN.
    looked_up: Option<String>,
    /// The child's open application, when the server refused the child for it and the user
    /// may see it: offered to open instead.
    existing: Option<ApplicationNumber>,
    loading: usize,
    problem: Option<CallError>,
    /// The user has typed, ticked or attached something: quitting asks first.
    edited: bool,
}

impl Wizard {
    pub fn new(ctx: &Ctx) -> Wizard {
        let mut applicant = build_form(&APPLICANT_FIELDS);
        // At the ЦОН desk the applicant is the citizen served, not the operator.
        let applicant_iin = match (&ctx.serving, &ctx.session) {
            (Some(serving), _) => Some(serving.citizen.to_string()),
            (None, Some(session)) => Some(session.iin.clone()),
            (None, None) => None,
        };
        if let Some(applicant_iin) = applicant_iin {
            let iin = applicant.field_mut("applicant_iin");
            iin.set_value(&applicant_iin);
            iin.read_only = true;
            if let Ok(parsed) = Iin::parse(&applicant_iin) {
                let birth = applicant.field_mut("applicant_birth_date");
                birth.set_value(&parsed.birth_date().format("%d.%m.%Y").to_string());
                birth.read_only = true;
            }
        }
        if let Some(region) = &ctx.region {
            applicant
                .field_mut("city")
                .set_value(region.settlement_name.get(ctx.lang));
            // The district chosen on the first screen, so it need not be typed again.
            applicant
                .field_mut("district")
                .set_value(region.district_name.get(ctx.lang));
        }
        applicant.focus_on("email");
        let mut child = build_form(&CHILD_FIELDS);
        if ctx.serving.is_some() {
            // «Номер ЦОН» first on step 2, where the operator signs.
            child.fields.insert(
                0,
                Field::new(REQUEST_NUMBER, "desk.request_number", FieldKind::Text)
                    .required()
                    .limited(crate::domain::limits::Text::RequestNumber),
            );
        }
        // Typing stops where the server's limits are (`domain::limits`).
        for (field, step, id) in DRAFT_FIELDS {
            let form = if step == 1 {
                &mut applicant
            } else {
                &mut child
            };
            form.field_mut(id).limit = field.limit();
        }
        Wizard {
            keymap: Keymap::new("wizard", KEYS),
            step: 1,
            applicant,
            child,
            zone: Zone::Fields,
            benefits: Vec::new(),
            categories: SelectList::new(Vec::new()),
            category_problem: None,
            scans: Attachments::new(),
            documents_problem: None,
            looked_up: None,
            existing: None,
            loading: 0,
            problem: None,
            edited: false,
        }
    }

    /// The wizard for the citizen served at the ЦОН desk, `child` already typed in step 2.
    pub fn for_child(ctx: &Ctx, child: Option<Iin>) -> Wizard {
        let mut wizard = Wizard::new(ctx);
        if let Some(child) = child {
            wizard
                .child
                .field_mut("child_iin")
                .set_value(&child.to_string());
        }
        wizard
    }

    /// The contacts on record prefilled (at the desk, the citizen's from their card); the
    /// operator may change them.
    pub fn with_contacts(mut self, email: Option<&str>, phone: Option<&str>) -> Wizard {
        for (id, value) in [("email", email), ("phone", phone)] {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                self.applicant.field_mut(id).set_value(value);
            }
        }
        self
    }

    pub fn step(&self) -> u8 {
        self.step
    }

    /// At the desk: «Номер ЦОН» in the format the server has, else the field says which.
    fn check_request_number(&mut self, ctx: &Ctx) -> bool {
        let Some(serving) = &ctx.serving else {
            return true;
        };
        let Some(format) = &serving.request_number_format else {
            return true;
        };
        let format = crate::domain::desk::RequestNumberFormat::new(format.clone());
        let field = self.child.field_mut(REQUEST_NUMBER);
        if field.value().trim().is_empty() || format.accepts(field.value()) {
            return true;
        }
        field.set_error(
            Message::new("api.problem.request_number_invalid").with("format", format.template()),
        );
        self.zone = Zone::Fields;
        self.child.focus_on(REQUEST_NUMBER);
        false
    }

    pub fn applicant_mut(&mut self) -> &mut Form {
        &mut self.applicant
    }

    pub fn child_mut(&mut self) -> &mut Form {
        &mut self.child
    }

    pub fn attachments(&self) -> &[Attachment] {
        self.scans.items()
    }

    fn beneficiary(&self) -> bool {
        self.child.field("beneficiary").is_checked()
    }

    fn form(&self) -> &Form {
        if self.step == 1 {
            &self.applicant
        } else {
            &self.child
        }
    }

    fn form_mut(&mut self) -> &mut Form {
        if self.step == 1 {
            &mut self.applicant
        } else {
            &mut self.child
        }
    }

    fn typing(&self) -> bool {
        self.scans.browsing() || (self.zone == Zone::Fields && self.form().typing())
    }

    /// The draft as `domain::wizard::validate` and the submission need it.
    pub fn draft(&self) -> Draft {
        let a = &self.applicant;
        let c = &self.child;
        let text = |form: &Form, id: &str| form.value(id).trim().to_owned();
        Draft {
            applicant: ApplicantDraft {
                iin: text(a, "applicant_iin"),
                birth_date: parse_date(a.value("applicant_birth_date")),
                surname: text(a, "applicant_surname"),
                name: text(a, "applicant_name"),
                patronymic: text(a, "applicant_patronymic"),
                address: Address {
                    city: text(a, "city"),
                    district: text(a, "district"),
                    street: text(a, "street"),
                    house: text(a, "house"),
                    flat: text(a, "flat"),
                },
                email: text(a, "email"),
                phone: text(a, "phone"),
                extra_email: text(a, "extra_email"),
                extra_phone: text(a, "extra_phone"),
            },
            child: ChildDraft {
                iin: text(c, "child_iin"),
                surname: text(c, "child_surname"),
                name: text(c, "child_name"),
                patronymic: text(c, "child_patronymic"),
                birth_date: parse_date(c.value("child_birth_date")),
                beneficiary: self.beneficiary(),
                benefit_category: self
                    .beneficiary()
                    .then(|| {
                        self.categories
                            .selected()
                            .map(|i| self.benefits[i].code.clone())
                    })
                    .flatten(),
                attachments: self.scans.infos(),
            },
            kindergartens: Vec::new(),
        }
    }

    /// Runs the domain's validation for the fields of `step` (1 or 2), marks them and focuses
    /// the first problem; true when the step is clean.
    fn check_step(&mut self, step: u8, ctx: &Ctx) -> bool {
        let form_ok = if step == 1 {
            self.applicant.validate()
        } else {
            self.child.validate()
        };
        let errors = wizard::validate(&self.draft(), ctx.today(), &RegionSettings::default());
        self.category_problem = None;
        self.documents_problem = None;
        let mut first: Option<&'static str> = None;
        for error in errors {
            let message = Message {
                key: error.message.clone(),
                args: error.args.into_iter().collect(),
            };
            let (field_step, id) = match error.field {
                DraftField::BenefitCategory => {
                    if step == 2 {
                        self.category_problem.get_or_insert(message);
                        first.get_or_insert("category");
                    }
                    continue;
                }
                DraftField::Attachments => {
                    if step == 2 {
                        self.documents_problem.get_or_insert(message);
                        first.get_or_insert("documents");
                    }
                    continue;
                }
                DraftField::Kindergartens => continue,
                field => match DRAFT_FIELDS.iter().find(|(f, ..)| *f == field) {
                    Some(&(_, step, id)) => (step, id),
                    None => continue,
                },
            };
            if field_step != step {
                continue;
            }
            let form = if step == 1 {
                &mut self.applicant
            } else {
                &mut self.child
            };
            if form.field(id).error().is_none() {
                form.field_mut(id).set_error(message);
            }
            first.get_or_insert(id);
        }
        let still_running = step == 2 && self.scans.uploading();
        if still_running {
            self.documents_problem = Some(Message::new("tui.wizard.uploading"));
            first.get_or_insert("documents");
        }
        match first {
            Some("category") => self.zone = Zone::Category,
            Some("documents") => self.zone = Zone::Documents,
            Some(id) => {
                self.zone = Zone::Fields;
                let form = if step == 1 {
                    &mut self.applicant
                } else {
                    &mut self.child
                };
                // The form's own check already focused its first invalid field.
                if form_ok {
                    form.focus_on(id);
                }
            }
            None => {}
        }
        form_ok && first.is_none()
    }

    fn submit(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if !self.check_step(1, ctx) {
            self.step = 1;
            return Vec::new();
        }
        if !self.check_step(2, ctx) || !self.check_request_number(ctx) {
            return Vec::new();
        }
        let (Some(region), true) = (&ctx.region, true) else {
            return Vec::new();
        };
        let mut envelope = ctx.envelope();
        if ctx.serving.is_some() {
            envelope.service_centre_request =
                Some(self.child.value(REQUEST_NUMBER).trim().to_owned());
        }
        let submission = Submission {
            envelope,
            region: region.region_code.clone(),
            settlement: region.settlement_code.clone(),
            draft: self.draft(),
            attachments: self.scans.refs(),
        };
        vec![Effect::Push(Box::new(Signing::new(
            SignTask::Submit(Box::new(submission)),
            ctx,
        )))]
    }

    /// After a child IIN edit: once the twelve digits are valid, ask the server whether the
    /// user may queue this child, before the rest of the form is filled in and signed.
    fn maybe_look_up_child(&mut self) -> Vec<Effect> {
        self.existing = None;
        let text = self.child.value("child_iin").trim().to_owned();
        match Iin::parse(&text) {
            Ok(iin) if self.looked_up.as_deref() != Some(text.as_str()) => {
                self.looked_up = Some(text);
                self.loading += 1;
                // The names are the registry's for this child, once the server answers.
                for id in ["child_surname", "child_name", "child_patronymic"] {
                    self.child.field_mut(id).clear();
                }
                let birth = iin.birth_date().format("%d.%m.%Y").to_string();
                self.child.field_mut("child_birth_date").set_value(&birth);
                vec![Effect::Call(Call::ChildCheck(iin))]
            }
            Ok(_) => Vec::new(),
            // Edited away from the IIN asked about: typed again, it is asked again.
            Err(_) => {
                self.looked_up = None;
                Vec::new()
            }
        }
    }

    /// The server's answer about the child of `iin`, unless another IIN was typed meanwhile:
    /// the registry's child fills the form; a refusal shows under the IIN, and when it names
    /// an application the user may see, that one is offered to open.
    fn on_child_checked(&mut self, iin: Iin, result: Result<Person, CallError>) {
        if self.child.value("child_iin").trim() != iin.to_string() {
            return;
        }
        match result {
            Ok(child) => Self::fill_person(&mut self.child, "child", &child),
            Err(CallError::Client(ClientError::Problem(problem))) => {
                if problem.code == ProblemCode::ChildAlreadyQueued {
                    self.existing = problem.params.get("number").and_then(|n| n.parse().ok());
                }
                let message = Message {
                    key: problem.message_key.clone(),
                    args: problem.params.clone().into_iter().collect(),
                };
                self.child.field_mut("child_iin").set_error(message);
            }
            Err(e) => self.problem = Some(e),
        }
    }

    /// Fills the `prefix` fields of `form` with the registry's person, read-only.
    fn fill_person(form: &mut Form, prefix: &str, person: &Person) {
        let birth = person.birth_date.format("%d.%m.%Y").to_string();
        for (suffix, value) in [
            ("surname", person.surname.as_str()),
            ("name", person.name.as_str()),
            ("patronymic", person.patronymic.as_deref().unwrap_or("")),
            ("birth_date", birth.as_str()),
        ] {
            let id = format!("{prefix}_{suffix}");
            if let Some(field) = form.fields.iter_mut().find(|f| f.id == id) {
                field.set_value(value);
                field.read_only = true;
            }
        }
    }

    fn on_browser_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let (chosen, effects) = self.scans.on_browser_key(key);
        if chosen {
            self.edited = true;
            self.documents_problem = None;
            self.zone = Zone::Documents;
        }
        effects
    }

    fn move_zone(&mut self, forward: bool) {
        if self.step == 1 || !self.beneficiary() {
            let form = self.form_mut();
            if forward {
                form.next()
            } else {
                form.prev()
            }
            return;
        }
        // Step 2 with a benefit: fields → category → documents → fields.
        let last_field = self.child.focus() + 1 == self.child.fields.len();
        let first_field = self.child.focus() == 0;
        self.zone = match (self.zone, forward) {
            (Zone::Fields, true) if last_field => Zone::Category,
            (Zone::Fields, false) if first_field => Zone::Documents,
            (Zone::Fields, _) => {
                if forward {
                    self.child.next()
                } else {
                    self.child.prev()
                }
                Zone::Fields
            }
            (Zone::Category, true) => Zone::Documents,
            (Zone::Category, false) => Zone::Fields,
            (Zone::Documents, true) => {
                self.child.focus_on("child_iin");
                Zone::Fields
            }
            (Zone::Documents, false) => Zone::Category,
        };
    }
}

impl Screen for Wizard {
    fn id(&self) -> &'static str {
        "wizard"
    }

    fn title(&self) -> String {
        t!("tui.wizard.title").into_owned()
    }

    fn key_help(&self) -> Vec<KeyHelp> {
        if let Some(keys) = self.scans.browser_keys() {
            return keys;
        }
        let mut hidden = if self.step == 1 {
            vec![
                "tui.wizard.submit",
                "tui.wizard.attach",
                "tui.wizard.remove",
            ]
        } else {
            vec!["tui.wizard.next"]
        };
        if self.step == 1 || self.existing.is_none() {
            hidden.push("tui.wizard.open_existing");
        }
        // Documents belong to a benefit: no benefit ticked, nothing to attach or remove.
        if self.step == 2 && !self.beneficiary() {
            hidden.extend(["tui.wizard.attach", "tui.wizard.remove"]);
        }
        let on_flag = self.zone == Zone::Fields
            && self
                .form()
                .focused()
                .is_some_and(|f| f.kind == FieldKind::Flag);
        if !on_flag {
            hidden.push("tui.wizard.toggle");
        }
        self.keymap
            .help()
            .into_iter()
            .filter(|h| {
                !KEYS
                    .iter()
                    .any(|b| b.name == h.name && hidden.contains(&b.help))
            })
            .collect()
    }

    fn unsaved(&self) -> bool {
        self.edited
    }

    fn init(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let mut effects = vec![Effect::Call(Call::Benefits)];
        match &ctx.serving {
            // The citizen's registry entry; the profile would be the operator's.
            Some(serving) => effects.push(Effect::Call(Call::RegistryPerson(serving.citizen))),
            None => {
                effects.push(Effect::Call(Call::Profile));
                if let Some(session) = &ctx.session
                    && let Ok(iin) = Iin::parse(&session.iin)
                {
                    effects.push(Effect::Call(Call::RegistryPerson(iin)));
                }
            }
        }
        self.loading = effects.len();
        // A child typed in already (from the desk's card) is checked at once.
        effects.extend(self.maybe_look_up_child());
        effects
    }

    fn busy(&self) -> bool {
        self.loading > 0 || self.scans.uploading()
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Option<Vec<Effect>> {
        if self.scans.browsing() {
            return Some(self.on_browser_key(key));
        }
        let command = self.keymap.command(&key, self.typing());
        let effects = match command {
            // F10 is «Далее» on step 1 and «Отправить» on step 2.
            Some(Command::Next) | Some(Command::Submit) if self.step == 1 => {
                if self.check_step(1, ctx) {
                    self.step = 2;
                    self.zone = Zone::Fields;
                    self.child.focus_on(if ctx.serving.is_some() {
                        REQUEST_NUMBER
                    } else {
                        "child_iin"
                    });
                }
                Vec::new()
            }
            Some(Command::Next) | Some(Command::Submit) => self.submit(ctx),
            Some(Command::Back) if self.step == 2 => {
                self.step = 1;
                Vec::new()
            }
            Some(Command::Back) => vec![Effect::Pop],
            Some(Command::Attach) if self.step == 2 && self.beneficiary() => {
                self.scans.browse(ctx);
                Vec::new()
            }
            Some(Command::Remove) if self.zone == Zone::Documents => {
                self.scans.remove_selected();
                Vec::new()
            }
            Some(Command::NextField) => {
                self.move_zone(true);
                Vec::new()
            }
            Some(Command::PrevField) => {
                self.move_zone(false);
                Vec::new()
            }
            Some(Command::OpenExisting) if self.step == 2 => match self.existing {
                Some(number) => vec![Effect::Push(Box::new(ApplicationScreen::new(number)))],
                None => Vec::new(),
            },
            Some(Command::Attach) | Some(Command::Remove) | Some(Command::OpenExisting) => {
                Vec::new()
            }
            // Space ticks the focused flag; elsewhere it goes where any other key goes.
            Some(Command::Toggle) | None => match self.zone {
                Zone::Fields => {
                    let before = self.child.value("child_iin").to_owned();
                    if key.code == KeyCode::Enter {
                        self.move_zone(true);
                        return Some(Vec::new());
                    }
                    if !self.form_mut().handle_key(key) {
                        return None;
                    }
                    if !matches!(
                        key.code,
                        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down
                    ) {
                        self.edited = true;
                    }
                    if self.step == 2 && self.child.value("child_iin") != before {
                        self.maybe_look_up_child()
                    } else {
                        Vec::new()
                    }
                }
                Zone::Category => {
                    self.categories.handle_key(key);
                    self.category_problem = None;
                    Vec::new()
                }
                Zone::Documents => {
                    if key.code == KeyCode::Enter {
                        self.scans.browse(ctx);
                    } else {
                        self.scans.handle_key(key);
                    }
                    Vec::new()
                }
            },
        };
        Some(effects)
    }

    fn on_paste(&mut self, text: &str, _ctx: &Ctx) -> Vec<Effect> {
        if self.zone == Zone::Fields && !self.scans.browsing() {
            self.form_mut().paste(text);
            self.edited = true;
            if self.step == 2 {
                return self.maybe_look_up_child();
            }
        }
        Vec::new()
    }

    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Vec<Effect> {
        match reply {
            Reply::Benefits(result) => {
                self.loading = self.loading.saturating_sub(1);
                match result {
                    Ok(benefits) => {
                        self.categories = SelectList::new(
                            benefits
                                .iter()
                                .map(|b| b.name.get(ctx.lang).to_owned())
                                .collect(),
                        );
                        self.benefits = benefits;
                    }
                    Err(e) => self.problem = Some(e),
                }
            }
            Reply::Profile(result) => {
                self.loading = self.loading.saturating_sub(1);
                if let Ok(profile) = result {
                    let contacts = profile.contacts;
                    for (id, value) in [
                        ("email", contacts.email),
                        ("phone", contacts.phone),
                        ("extra_email", contacts.extra_email),
                        ("extra_phone", contacts.extra_phone),
                    ] {
                        if let Some(value) = value
                            && self.applicant.value(id).is_empty()
                        {
                            self.applicant.field_mut(id).set_value(&value);
                        }
                    }
                }
            }
            Reply::Person(result) => {
                self.loading = self.loading.saturating_sub(1);
                match result {
                    Ok(person) => Self::fill_person(&mut self.applicant, "applicant", &person),
                    Err(e) => self.problem = Some(e),
                }
            }
            Reply::ChildChecked { iin, result } => {
                self.loading = self.loading.saturating_sub(1);
                self.on_child_checked(iin, result);
            }
            Reply::Uploaded { path, result } => self.scans.on_uploaded(&path, result),
            Reply::Sent(Ok(Sent::Submitted(result))) => {
                return vec![Effect::Replace(Box::new(Success::new(result, ctx)))];
            }
            // A refusal on the rules (the signing window keeps the key's problems): shown
            // here, the form as it was.
            Reply::Sent(Err(e)) => self.problem = Some(e),
            _ => {}
        }
        Vec::new()
    }

    fn view(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let inner = widgets::padded(widgets::page(frame, area, theme, &self.title()));
        let [steps, body, status, actions] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        // «Шаг 1 Заполните данные заявителя   Шаг 2 Заполните данные ребенка», current in reverse.
        // When both titles do not fit (Kazakh at 80 columns), the other step shows its number
        // only, so the current one is never cut.
        let full = |n: u8, key: &str| format!(" {} {n}: {} ", t!("tui.wizard.step"), t!(key));
        let titles = [full(1, "tui.wizard.step1"), full(2, "tui.wizard.step2")];
        let fits = titles.iter().map(|t| t.width()).sum::<usize>() + 2 <= steps.width as usize;
        let step_span = |n: u8| {
            let title = &titles[usize::from(n - 1)];
            if self.step == n {
                Span::styled(title.clone(), theme.selected())
            } else if fits {
                Span::styled(title.clone(), theme.muted())
            } else {
                Span::styled(format!(" {} {n} ", t!("tui.wizard.step")), theme.muted())
            }
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                step_span(1),
                Span::raw("  "),
                step_span(2),
            ])),
            steps,
        );
        if self.step == 1 {
            self.view_applicant(frame, body, ctx);
        } else {
            self.view_child(frame, body, ctx);
        }
        let status_line = if self.busy() {
            Line::from(Span::styled(
                format!("{} {}", spinner::frame(ctx.tick), t!("tui.loading")),
                theme.warning(),
            ))
        } else if let Some(message) = self.form().message().filter(|_| self.zone == Zone::Fields) {
            Line::from(Span::styled(message.text(), theme.error()))
        } else if let Some(e) = &self.problem {
            Line::from(Span::styled(e.message(), theme.error()))
        } else {
            Line::raw("")
        };
        frame.render_widget(Paragraph::new(status_line), status);
        let buttons_row: Vec<Button> = if self.step == 1 {
            vec![
                Button::new(t!("tui.wizard.next"), self.keymap.keys_of(Command::Next)),
                Button::new(t!("tui.wizard.back"), self.keymap.keys_of(Command::Back)),
            ]
        } else {
            let mut row = vec![
                Button::new(t!("tui.wizard.back"), self.keymap.keys_of(Command::Back)),
                Button::new(
                    t!("tui.wizard.submit"),
                    self.keymap.keys_of(Command::Submit),
                ),
            ];
            if self.existing.is_some() {
                row.push(Button::new(
                    t!("tui.wizard.open_existing"),
                    self.keymap.keys_of(Command::OpenExisting),
                ));
            }
            row
        };
        buttons::render(frame, actions, &buttons_row, None, theme);
        self.scans.render_browser(frame, area, theme);
    }
}

impl Wizard {
    /// Figure 7: the applicant block (two columns), «Адрес проживания», «Контактные данные».
    fn view_applicant(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let sections: [(&str, &[&str]); 3] = [
            (
                "tui.wizard.applicant_section",
                &[
                    "applicant_iin",
                    "applicant_birth_date",
                    "applicant_name",
                    "applicant_surname",
                    "applicant_patronymic",
                ],
            ),
            (
                "tui.wizard.address_section",
                &["city", "district", "street", "house", "flat"],
            ),
            (
                "tui.wizard.contacts_section",
                &["email", "extra_email", "phone", "extra_phone"],
            ),
        ];
        self.view_sections(frame, area, &self.applicant, &sections, theme);
    }

    fn view_sections(
        &self,
        frame: &mut Frame,
        area: Rect,
        form: &Form,
        sections: &[(&str, &[&str])],
        theme: &crate::tui::theme::Theme,
    ) -> u16 {
        // Two columns as on the portal where they fit; one at 80 columns so values stay legible.
        let columns: u16 = if area.width >= 100 { 2 } else { 1 };
        let column_width = area.width / columns;
        let label_width = Form::label_width(&form.fields).min(column_width / 2);
        let mut y = area.y;
        for (title, ids) in sections {
            if y >= area.bottom() {
                break;
            }
            frame.render_widget(
                Paragraph::new(Span::styled(t!(*title).to_uppercase(), theme.title())),
                Rect::new(area.x, y, area.width, 1),
            );
            y += 1;
            let rows = ids.len().div_ceil(columns as usize) as u16;
            for (i, id) in ids.iter().enumerate() {
                let column = (i as u16) / rows;
                let row = (i as u16) % rows;
                let rect = Rect::new(
                    area.x + column * column_width,
                    y + row,
                    column_width.saturating_sub(1),
                    1,
                );
                if rect.y >= area.bottom() {
                    continue;
                }
                let index = form
                    .fields
                    .iter()
                    .position(|f| f.id == *id)
                    .expect("known field");
                let focused = self.zone == Zone::Fields && form.focus() == index;
                form.fields[index].render(frame, rect, label_width, focused, theme);
            }
            y += rows;
        }
        y
    }

    /// Figure 8: the child block, then «Информация о льготах» when «Льготник» is ticked.
    fn view_child(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = &ctx.theme;
        let child: (&str, &[&str]) = (
            "tui.wizard.child_section",
            &[
                "child_iin",
                "child_name",
                "child_birth_date",
                "beneficiary",
                "child_surname",
                "child_patronymic",
            ],
        );
        let desk: (&str, &[&str]) = ("desk.request_section", &[REQUEST_NUMBER]);
        let sections = if ctx.serving.is_some() {
            vec![desk, child]
        } else {
            vec![child]
        };
        let y = self.view_sections(frame, area, &self.child, &sections, theme);
        if !self.beneficiary() {
            return;
        }
        // A blank row above the section only when there is room: at 80x24 the whole warning
        // must stay readable, the category list scrolls instead.
        let warning_text = format!("! {}", t!("tui.wizard.readable_copies"));
        // Word wrapping loses a few columns a row; the margin keeps the last words in.
        let warning_rows =
            (warning_text.width() as u16).div_ceil(area.width.saturating_sub(8).max(1));
        let room = area.bottom().saturating_sub(y);
        let top = if room > warning_rows + 9 { y + 1 } else { y };
        let rest = Rect::new(area.x, top, area.width, area.bottom().saturating_sub(top));
        let [
            title,
            warning,
            category_label,
            category,
            documents_label,
            documents,
        ] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(warning_rows),
            Constraint::Length(1),
            Constraint::Max(3),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(rest);
        frame.render_widget(
            Paragraph::new(Span::styled(
                t!("tui.wizard.benefit_section").to_uppercase(),
                theme.title(),
            )),
            title,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(warning_text, theme.warning())).wrap(Wrap { trim: true }),
            warning,
        );
        let category_line = match &self.category_problem {
            Some(m) => Line::from(vec![
                Span::styled(format!("{} ", t!("tui.wizard.category")), theme.error()),
                Span::styled(m.text(), theme.error()),
            ]),
            None => Line::from(Span::styled(
                t!("tui.wizard.category").into_owned(),
                if self.zone == Zone::Category {
                    theme.focused()
                } else {
                    theme.text()
                },
            )),
        };
        frame.render_widget(Paragraph::new(category_line), category_label);
        let mut categories = self.categories.clone();
        categories.set_items(
            self.benefits
                .iter()
                .map(|b| b.name.get(ctx.lang).to_owned())
                .collect(),
        );
        categories.render(frame, category, self.zone == Zone::Category, theme);
        let documents_line = match &self.documents_problem {
            Some(m) => Line::from(vec![
                Span::styled(format!("{} ", t!("tui.wizard.documents")), theme.error()),
                Span::styled(m.text(), theme.error()),
            ]),
            None => Line::from(vec![
                Span::styled(
                    t!("tui.wizard.documents").into_owned(),
                    if self.zone == Zone::Documents {
                        theme.focused()
                    } else {
                        theme.text()
                    },
                ),
                Span::styled(
                    format!(
                        "  [+] {}",
                        self.keymap.keys_of(Command::Attach).unwrap_or_default()
                    ),
                    theme.key(),
                ),
            ]),
        };
        frame.render_widget(Paragraph::new(documents_line), documents_label);
        self.scans
            .render(frame, documents, self.zone == Zone::Documents, ctx);
    }
}
