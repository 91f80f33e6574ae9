//! The documents the system issues about an application («Общие документы»): real PDFs in the
//! applicant's language with the font embedded, so Kazakh and Russian names print and can be
//! copied out exactly.
//!
//! [`render`] is a pure function of the document kind, the [`DocumentData`] and the language.
//! The store keeps the data at the event with the template version ([`TEMPLATE`]), and of the
//! first rendering only its SHA-256 and length; a download renders the document again and
//! `server::renderer` checks it against them, so a document never changes afterwards.

mod font;
mod sheet;

use chrono::{DateTime, Datelike, Utc};
use rust_i18n::t;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::kazakhstan_offset;
use crate::domain::{
    ApplicationNumber, ApplicationState, BenefitCategory, BenefitReview, Extension, QueuePosition,
};
use crate::i18n::Lang;
use crate::server::catalogue::{Catalogue, Group, Kindergarten, LocalizedName};
use crate::server::registry::Person;

use font::Style;
use sheet::Sheet;

const TITLE_SIZE: f32 = 15.0;
const HEADER_SIZE: f32 = 9.5;
const BODY_SIZE: f32 = 10.5;
const FOOTER_SIZE: f32 = 8.0;

/// The generated documents of docs/domain-rules.md («History, documents, notices»), with stable
/// codes for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// «Уведомление о регистрации»: the application is registered, with its queue numbers.
    RegistrationNotice,
    /// «Извещение о приеме документов»: what was received with the application.
    DocumentsReceipt,
    /// «Регистрация ребенка в книге учета»: the entry in the register of children awaiting a place.
    RegisterEntry,
    /// «Направление» to a kindergarten.
    Direction,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::RegistrationNotice,
        DocumentKind::DocumentsReceipt,
        DocumentKind::RegisterEntry,
        DocumentKind::Direction,
    ];

    /// The documents made when an application is registered.
    pub const AT_REGISTRATION: [DocumentKind; 3] = [
        DocumentKind::RegistrationNotice,
        DocumentKind::DocumentsReceipt,
        DocumentKind::RegisterEntry,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::RegistrationNotice => "registration-notice",
            DocumentKind::DocumentsReceipt => "documents-receipt",
            DocumentKind::RegisterEntry => "register-entry",
            DocumentKind::Direction => "direction",
        }
    }

    pub fn from_code(code: &str) -> Option<DocumentKind> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }

    /// The document's name («Уведомление о регистрации», …) in `lang`.
    pub fn title(self, lang: Lang) -> String {
        let locale = lang.code();
        match self {
            DocumentKind::RegistrationNotice => {
                t!("documents.title.registration_notice", locale = locale)
            }
            DocumentKind::DocumentsReceipt => {
                t!("documents.title.documents_receipt", locale = locale)
            }
            DocumentKind::RegisterEntry => t!("documents.title.register_entry", locale = locale),
            DocumentKind::Direction => t!("documents.title.direction", locale = locale),
        }
        .into_owned()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the embedded font cannot be used: {0}")]
    Font(String),
    #[error("a direction document needs an issued direction")]
    NoDirection,
    #[error("the catalogue has no {0}")]
    UnknownCode(String),
    #[error("the stored content cannot be read: {0}")]
    Content(String),
    #[error("no template {0}: the document was made by a later version")]
    UnknownTemplate(u32),
    #[error("the template's font has SHA-256 {expected}, the shipped one {shipped}")]
    FontChanged { expected: String, shipped: String },
}

impl DocumentError {
    /// The message in the current language.
    pub fn translated(&self) -> String {
        match self {
            DocumentError::Font(reason) => t!("documents.error.font", reason = reason),
            DocumentError::NoDirection => t!("documents.error.no_direction"),
            DocumentError::UnknownCode(code) => t!("documents.error.unknown_code", code = code),
            DocumentError::Content(reason) => t!("documents.error.content", reason = reason),
            DocumentError::UnknownTemplate(template) => {
                t!("documents.error.unknown_template", template = template)
            }
            DocumentError::FontChanged { .. } => t!("documents.error.font_changed"),
        }
        .into_owned()
    }
}

/// The applicant as documents show them: the registry's person and the contacts they gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub person: Person,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// The direction as printed: where to, until when, and its extension if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectionDetails {
    pub kindergarten: Kindergarten,
    /// The age group's name and the group, when the place was published for one.
    pub group: Option<(LocalizedName, Group)>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub extension: Option<Extension>,
}

/// Everything a document says, resolved from codes to names; [`DocumentData::resolve`] builds
/// it from the domain's application state and the catalogue. The store keeps it as JSON at the
/// event, and the PDF is rendered from it after the commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentData {
    pub number: ApplicationNumber,
    pub registered_at: DateTime<Utc>,
    /// The moment the document is made: the event it records.
    pub issued_at: DateTime<Utc>,
    pub child: Person,
    pub applicant: Applicant,
    pub region: LocalizedName,
    pub education_department: LocalizedName,
    pub position: QueuePosition,
    pub benefit: Option<(BenefitCategory, BenefitReview)>,
    /// File names of the scans attached to the application.
    pub attachments: Vec<String>,
    pub direction: Option<DirectionDetails>,
}

/// What [`DocumentData::resolve`] needs besides the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct DocumentSources<'a> {
    pub state: &'a ApplicationState,
    pub child: &'a Person,
    pub applicant: &'a Applicant,
    pub position: QueuePosition,
    pub attachments: &'a [String],
    /// The code of the group whose place the direction is for, when known.
    pub group: Option<&'a str>,
    pub issued_at: DateTime<Utc>,
}

impl DocumentData {
    /// Looks up the region, kindergarten, group and benefit category the state names by code.
    pub fn resolve(
        sources: DocumentSources<'_>,
        catalogue: &Catalogue,
    ) -> Result<DocumentData, DocumentError> {
        let state = sources.state;
        let unknown = |what: &str| DocumentError::UnknownCode(what.to_owned());
        let region = catalogue
            .region(&state.cohort.region)
            .ok_or_else(|| unknown(&state.cohort.region))?;
        let benefit = match &state.benefit {
            None => None,
            Some(benefit) => {
                let category = BenefitCategory::find(&benefit.category)
                    .ok_or_else(|| unknown(&benefit.category))?;
                Some((category.clone(), benefit.review.clone()))
            }
        };
        let direction = match &state.direction {
            None => None,
            Some(direction) => {
                let kindergarten = catalogue
                    .kindergarten(&direction.kindergarten)
                    .ok_or_else(|| unknown(&direction.kindergarten))?;
                let group = match sources.group {
                    None => None,
                    Some(code) => {
                        let group = kindergarten.group(code).ok_or_else(|| unknown(code))?;
                        let age = catalogue
                            .age_group(&group.age)
                            .ok_or_else(|| unknown(&group.age))?;
                        Some((age.name.clone(), group.clone()))
                    }
                };
                Some(DirectionDetails {
                    kindergarten: kindergarten.clone(),
                    group,
                    issued_at: direction.issued_at,
                    expires_at: direction.expires_at,
                    extension: direction.extension.clone(),
                })
            }
        };
        Ok(DocumentData {
            number: state.number,
            registered_at: state.registered_at,
            issued_at: sources.issued_at,
            child: sources.child.clone(),
            applicant: sources.applicant.clone(),
            region: region.name.clone(),
            education_department: region.education_department.clone(),
            position: sources.position,
            benefit,
            attachments: sources.attachments.to_vec(),
            direction,
        })
    }
}

/// «dd.mm.yyyy» in Kazakhstan's time, as the seeds print dates.
pub fn local_day(at: DateTime<Utc>) -> String {
    at.with_timezone(&kazakhstan_offset())
        .format("%d.%m.%Y")
        .to_string()
}

/// «dd.mm.yyyy HH:MM:SS» in Kazakhstan's time, as the seeds print moments.
pub fn local_moment(at: DateTime<Utc>) -> String {
    at.with_timezone(&kazakhstan_offset())
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

// --- issue 15: templates versioned, documents rendered on demand (docs/design-docs.md) ---

/// The template documents are made with now: the layout, the wording (`documents.*` and the
/// names the documents print, in `i18n/`), the fonts and the PDF libraries. A document keeps the
/// version it was made with and is always rendered by it, so that it reads the same forever.
/// Whatever changes a rendering of [`render`] makes a new version: keep the old one's code,
/// wording and fonts beside it and dispatch on the version in [`render_stored`] (the test
/// `tests/store/documents.rs::template_1_renders_as_it_always_did` pins version 1's output).
pub const TEMPLATE: u32 = 1;

/// The fonts (regular, bold) of template 1, by SHA-256 of the TrueType files.
const TEMPLATE_1_FONTS: [&str; 2] = [
    "abdc775b21b1bc470d50c97e790d276f2054b7504e56e5bd3e64f48d68582322",
    "0d977336a6d5fba34eab8e3199eb218327161b5143749f802982c2bc34df0c96",
];

/// What the store keeps of a document: the template version and what it says.
#[derive(Serialize)]
struct Stored<'a> {
    template: u32,
    data: &'a DocumentData,
}

/// The content the store keeps of a document made now from `data` (the store does not read it).
pub fn stored_content(data: &DocumentData) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Stored {
        template: TEMPLATE,
        data,
    })
}

/// Renders a stored document with the template it was made with: its kind's code and the
/// content the store kept at its event ([`stored_content`]; before issue 15 the bare
/// [`DocumentData`], which is template 1).
pub fn render_stored(kind: &str, content: &str, lang: Lang) -> Result<Vec<u8>, DocumentError> {
    let kind =
        DocumentKind::from_code(kind).ok_or_else(|| DocumentError::UnknownCode(kind.to_owned()))?;
    let unreadable = |e: serde_json::Error| DocumentError::Content(e.to_string());
    let mut value: serde_json::Value = serde_json::from_str(content).map_err(unreadable)?;
    let (template, data) = match value.get("template") {
        None => (1, value),
        Some(template) => {
            let template = template
                .as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| DocumentError::Content(format!("template {template}")))?;
            (template, value["data"].take())
        }
    };
    match template {
        1 => {
            font::check(TEMPLATE_1_FONTS)?;
            render(
                kind,
                &serde_json::from_value(data).map_err(unreadable)?,
                lang,
            )
        }
        other => Err(DocumentError::UnknownTemplate(other)),
    }
}

/// Renders one document as PDF bytes in `lang`.
pub fn render(
    kind: DocumentKind,
    data: &DocumentData,
    lang: Lang,
) -> Result<Vec<u8>, DocumentError> {
    let title = kind.title(lang);
    let mut draft = Draft::letterhead(data, lang, &title)?;
    let locale = lang.code();
    let child = data.child.full_name();

    match kind {
        DocumentKind::RegistrationNotice => {
            draft.paragraph(&t!(
                "documents.text.registration_notice",
                locale = locale,
                child = child,
                date = local_moment(data.registered_at),
                position = data.position.general
            ));
            draft.application_fields();
            draft.child_fields();
            draft.applicant_fields();
            draft.queue_fields();
            draft.closing(&draft.text("documents.text.confirm_interest"));
        }
        DocumentKind::DocumentsReceipt => {
            draft.paragraph(&t!(
                "documents.text.documents_receipt",
                locale = locale,
                department = data.education_department.get(lang),
                date = local_moment(data.registered_at)
            ));
            draft.application_fields();
            draft.field(
                "documents.field.applicant",
                &data.applicant.person.full_name(),
            );
            draft.field("documents.field.child", &child);
            draft.sheet.gap(10.0);
            let heading = draft.text("documents.field.received");
            draft.sheet.paragraph(&heading, Style::Bold, BODY_SIZE);
            let signed = draft.text("documents.text.signed_application");
            let received = std::iter::once(&signed).chain(&data.attachments);
            for (i, name) in received.enumerate() {
                draft
                    .sheet
                    .paragraph(&format!("{}. {name}", i + 1), Style::Regular, BODY_SIZE);
            }
        }
        DocumentKind::RegisterEntry => {
            draft.paragraph(&t!(
                "documents.text.register_entry",
                locale = locale,
                child = child,
                region = data.region.get(lang),
                year = data.child.birth_date().year()
            ));
            draft.application_fields();
            draft.child_fields();
            draft.queue_fields();
        }
        DocumentKind::Direction => {
            let direction = data.direction.as_ref().ok_or(DocumentError::NoDirection)?;
            let kindergarten = &direction.kindergarten;
            draft.paragraph(&t!(
                "documents.text.direction",
                locale = locale,
                child = child,
                kindergarten = kindergarten.name.get(lang),
                date = local_moment(direction.expires_at)
            ));
            draft.field("documents.field.number", &data.number.to_string());
            draft.child_fields();
            draft.field("documents.field.kindergarten", kindergarten.name.get(lang));
            draft.field(
                "documents.field.kindergarten_address",
                kindergarten.address.get(lang),
            );
            if let Some((age, group)) = &direction.group {
                let language = draft.text(&format!("catalogue.language.{}", group.language.code()));
                draft.field(
                    "documents.field.group",
                    &format!("{} ({language})", age.get(lang)),
                );
            }
            draft.field(
                "documents.field.direction_status",
                &draft.text("documents.text.not_enrolled"),
            );
            draft.field(
                "documents.field.direction_issued_at",
                &local_moment(direction.issued_at),
            );
            draft.field(
                "documents.field.direction_expires_at",
                &local_moment(direction.expires_at),
            );
            if let Some(extension) = &direction.extension {
                draft.field(
                    "documents.field.extended_from",
                    &local_moment(extension.previous_expiry),
                );
                draft.field("documents.field.extension_reason", &extension.reason);
            }
            draft.closing(&draft.text("documents.text.direction_rules"));
        }
    }

    draft.finish(&title)
}

// --- the ЦОН desk (issue 12) ---

/// Who received the documents at the counter, for the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub operator: String,
    /// The ЦОН, as the operator's certificate names it, and its BIN.
    pub centre_name: Option<String>,
    pub centre_bin: Option<String>,
    /// «Номер ЦОН» of the application's submission.
    pub request_number: Option<String>,
}

/// «Расписка о приеме документов»: what the operator at `counter` received from the applicant,
/// handed over at the counter. Made on demand, not kept with the application.
pub fn render_receipt(
    data: &DocumentData,
    counter: &Counter,
    lang: Lang,
) -> Result<Vec<u8>, DocumentError> {
    let title = t!("documents.title.desk_receipt", locale = lang.code()).into_owned();
    let mut draft = Draft::letterhead(data, lang, &title)?;
    let centre = counter.centre_name.clone().unwrap_or_default();
    draft.paragraph(&t!(
        "documents.text.desk_receipt",
        locale = lang.code(),
        centre = centre,
        date = local_moment(data.issued_at)
    ));
    draft.application_fields();
    if let Some(number) = &counter.request_number {
        draft.field("documents.field.request_number", number);
    }
    draft.field(
        "documents.field.applicant",
        &data.applicant.person.full_name(),
    );
    draft.field(
        "documents.field.applicant_iin",
        &data.applicant.person.iin.to_string(),
    );
    draft.child_fields();
    draft.sheet.gap(10.0);
    let heading = draft.text("documents.field.received");
    draft.sheet.paragraph(&heading, Style::Bold, BODY_SIZE);
    let signed = draft.text("documents.text.signed_application");
    for (i, name) in std::iter::once(&signed)
        .chain(&data.attachments)
        .enumerate()
    {
        draft
            .sheet
            .paragraph(&format!("{}. {name}", i + 1), Style::Regular, BODY_SIZE);
    }
    draft.sheet.gap(10.0);
    draft.field("documents.field.operator", &counter.operator);
    if !centre.is_empty() {
        draft.field("documents.field.centre", &centre);
    }
    if let Some(bin) = &counter.centre_bin {
        draft.field("documents.field.centre_bin", bin);
    }
    draft.finish(&title)
}

/// A document being written: the sheet, what it says and the language it says it in.
struct Draft<'a> {
    sheet: Sheet,
    data: &'a DocumentData,
    lang: Lang,
}

impl<'a> Draft<'a> {
    /// A sheet with the letterhead (who issues it and for which service), the title, and the
    /// application's number and the document's date.
    fn letterhead(
        data: &'a DocumentData,
        lang: Lang,
        title: &str,
    ) -> Result<Draft<'a>, DocumentError> {
        let mut sheet = Sheet::new()?;
        let locale = lang.code();
        sheet.centred(
            data.education_department.get(lang),
            Style::Bold,
            HEADER_SIZE + 1.0,
        );
        sheet.centred(
            &t!("documents.service", locale = locale),
            Style::Regular,
            HEADER_SIZE,
        );
        sheet.gap(4.0);
        sheet.rule(1.2);
        sheet.gap(14.0);
        sheet.centred(&title.to_uppercase(), Style::Bold, TITLE_SIZE);
        let number_and_date = t!(
            "documents.number_and_date",
            locale = locale,
            number = data.number.to_string(),
            date = local_day(data.issued_at)
        );
        sheet.centred(&number_and_date, Style::Regular, BODY_SIZE);
        sheet.gap(12.0);
        Ok(Draft { sheet, data, lang })
    }

    /// The footer with the moment the document was made, and the PDF.
    fn finish(mut self, title: &str) -> Result<Vec<u8>, DocumentError> {
        let locale = self.lang.code();
        let footer = t!(
            "documents.footer",
            locale = locale,
            at = local_moment(self.data.issued_at)
        );
        self.sheet.gap(18.0);
        self.sheet.rule(0.5);
        self.sheet.paragraph(&footer, Style::Regular, FOOTER_SIZE);
        self.sheet
            .finish(&format!("{title} {}", self.data.number), locale)
    }

    fn text(&self, key: &str) -> String {
        t!(key, locale = self.lang.code()).into_owned()
    }

    fn field(&mut self, key: &str, value: &str) {
        let label = self.text(key);
        self.sheet.field(&label, value, BODY_SIZE);
    }

    /// The opening paragraph, followed by a little space before the table.
    fn paragraph(&mut self, text: &str) {
        self.sheet.paragraph(text, Style::Regular, BODY_SIZE);
        self.sheet.gap(8.0);
    }

    /// A paragraph after the table.
    fn closing(&mut self, text: &str) {
        self.sheet.gap(10.0);
        self.sheet.paragraph(text, Style::Regular, BODY_SIZE);
    }

    fn application_fields(&mut self) {
        let data = self.data;
        self.field("documents.field.number", &data.number.to_string());
        self.field(
            "documents.field.registered_at",
            &local_moment(data.registered_at),
        );
        self.field("documents.field.region", data.region.get(self.lang));
    }

    fn child_fields(&mut self) {
        let child = &self.data.child;
        self.field("documents.field.child", &child.full_name());
        self.field("documents.field.child_iin", &child.iin.to_string());
        self.field(
            "documents.field.child_birth_date",
            &child.birth_date().format("%d.%m.%Y").to_string(),
        );
    }

    fn applicant_fields(&mut self) {
        let applicant = &self.data.applicant;
        self.field("documents.field.applicant", &applicant.person.full_name());
        self.field(
            "documents.field.applicant_iin",
            &applicant.person.iin.to_string(),
        );
        let contacts = [
            ("documents.field.phone", &applicant.phone),
            ("documents.field.email", &applicant.email),
            ("documents.field.address", &applicant.address),
        ];
        for (key, value) in contacts {
            if let Some(value) = value {
                self.field(key, value);
            }
        }
    }

    fn queue_fields(&mut self) {
        let data = self.data;
        let benefit = match &data.benefit {
            None => self.text("documents.text.no_benefit"),
            Some((category, review)) => {
                let review = match review {
                    BenefitReview::Pending => self.text("documents.review.pending"),
                    BenefitReview::Confirmed => self.text("documents.review.confirmed"),
                    BenefitReview::Rejected { .. } => self.text("documents.review.rejected"),
                };
                format!("{} ({review})", category.name(self.lang))
            }
        };
        self.field("documents.field.benefit", &benefit);
        self.field(
            "documents.field.queue_number",
            &data.position.general.to_string(),
        );
        // 0 means no number in a benefit queue: no benefit, or one still under review.
        let benefit_number = match data.position.benefit {
            0 => self.text("documents.text.no_number"),
            n => n.to_string(),
        };
        self.field("documents.field.benefit_queue_number", &benefit_number);
    }
}
