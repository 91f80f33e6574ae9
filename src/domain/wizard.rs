//! Validation of the application wizard (docs/domain-rules.md, «Applications»): what the form says
//! on the spot, field by field, before anything is signed. The server runs the same function on
//! what it receives. Whether the child already has an active application needs the store, so the
//! server checks that one itself.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::benefit::BenefitCategory;
use super::contact::{ContactError, Email, MobilePhone};
use super::iin::Iin;
use super::limits::Text;
use super::settings::RegionSettings;
use crate::i18n::Lang;

/// At most this many scans confirm a benefit.
pub const MAX_ATTACHMENTS: usize = 10;
/// Each scan is at most 10 MiB.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
/// At most this many desired kindergartens.
pub const MAX_KINDERGARTENS: usize = 4;

/// The kinds of scan accepted, recognised by their structure ([`super::scan::recognise`]),
/// never by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    /// The kind whose media type is `mime`, as uploads answer and documents list it.
    pub fn of_mime(mime: &str) -> Option<FileKind> {
        [FileKind::Pdf, FileKind::Jpeg, FileKind::Png]
            .into_iter()
            .find(|kind| kind.mime() == mime)
    }

    /// The usual file name extension, for a scan sent without a usable name.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub city: String,
    pub district: String,
    pub street: String,
    pub house: String,
    pub flat: String,
}

/// Step 1, «Заполните данные заявителя». Names come from the population registry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantDraft {
    pub iin: String,
    pub birth_date: Option<NaiveDate>,
    pub surname: String,
    pub name: String,
    pub patronymic: String,
    pub address: Address,
    pub email: String,
    pub phone: String,
    pub extra_email: String,
    pub extra_phone: String,
}

/// A scan attached to the application: its name, size and the kind its content showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub size: u64,
    pub kind: Option<FileKind>,
}

/// Step 2, «Заполните данные ребенка».
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildDraft {
    pub iin: String,
    pub surname: String,
    pub name: String,
    pub patronymic: String,
    pub birth_date: Option<NaiveDate>,
    /// «Льготник».
    pub beneficiary: bool,
    pub benefit_category: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub applicant: ApplicantDraft,
    pub child: ChildDraft,
    /// Desired kindergartens (catalogue codes), optional, at most four.
    pub kindergartens: Vec<String>,
}

/// The form field a problem belongs to; the code is what the TUI and the API name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Field {
    #[serde(rename = "applicant.iin")]
    ApplicantIin,
    #[serde(rename = "applicant.birth_date")]
    ApplicantBirthDate,
    #[serde(rename = "applicant.surname")]
    ApplicantSurname,
    #[serde(rename = "applicant.name")]
    ApplicantName,
    #[serde(rename = "applicant.patronymic")]
    ApplicantPatronymic,
    #[serde(rename = "applicant.address.city")]
    City,
    #[serde(rename = "applicant.address.district")]
    District,
    #[serde(rename = "applicant.address.street")]
    Street,
    #[serde(rename = "applicant.address.house")]
    House,
    #[serde(rename = "applicant.address.flat")]
    Flat,
    #[serde(rename = "applicant.email")]
    Email,
    #[serde(rename = "applicant.phone")]
    Phone,
    #[serde(rename = "applicant.extra_email")]
    ExtraEmail,
    #[serde(rename = "applicant.extra_phone")]
    ExtraPhone,
    #[serde(rename = "child.iin")]
    ChildIin,
    #[serde(rename = "child.birth_date")]
    ChildBirthDate,
    #[serde(rename = "child.surname")]
    ChildSurname,
    #[serde(rename = "child.name")]
    ChildName,
    #[serde(rename = "child.patronymic")]
    ChildPatronymic,
    #[serde(rename = "child.benefit_category")]
    BenefitCategory,
    #[serde(rename = "child.attachments")]
    Attachments,
    #[serde(rename = "kindergartens")]
    Kindergartens,
}

impl Field {
    /// How long a text the field takes ([`Text`]); `None` for fields that are not free text.
    pub fn limit(self) -> Option<Text> {
        match self {
            Field::ApplicantSurname
            | Field::ApplicantName
            | Field::ApplicantPatronymic
            | Field::ChildSurname
            | Field::ChildName
            | Field::ChildPatronymic => Some(Text::PersonName),
            Field::City | Field::District | Field::Street => Some(Text::Place),
            Field::House | Field::Flat => Some(Text::HouseNumber),
            Field::Email | Field::ExtraEmail => Some(Text::Email),
            Field::Phone | Field::ExtraPhone => Some(Text::Phone),
            Field::ApplicantIin
            | Field::ApplicantBirthDate
            | Field::ChildIin
            | Field::ChildBirthDate
            | Field::BenefitCategory
            | Field::Attachments
            | Field::Kindergartens => None,
        }
    }
}

/// One problem of the form: where, the i18n key of what to say, and the values it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
    pub args: BTreeMap<String, String>,
}

impl FieldError {
    fn new(field: Field, message: &str) -> FieldError {
        FieldError {
            field,
            message: message.to_owned(),
            args: BTreeMap::new(),
        }
    }

    fn with(mut self, name: &str, value: impl ToString) -> FieldError {
        self.args.insert(name.to_owned(), value.to_string());
        self
    }

    /// The message in `lang` with its values filled in.
    pub fn text(&self, lang: Lang) -> String {
        let text = rust_i18n::t!(&self.message, locale = lang.code());
        let names: Vec<&str> = self.args.keys().map(String::as_str).collect();
        let values: Vec<String> = self.args.values().cloned().collect();
        rust_i18n::replace_patterns(&text, &names, &values)
    }
}

const REQUIRED: &str = "domain.wizard.required";

/// Whether the text of `field` is within its limit; a refusal naming the limit if not.
fn fits(text: &str, field: Field, errors: &mut Vec<FieldError>) -> bool {
    match field.limit() {
        Some(limit) if !limit.fits(text) => {
            errors.push(FieldError::new(field, Text::MESSAGE).with("max", limit.max_chars()));
            false
        }
        _ => true,
    }
}

/// A Kazakhstan mobile number in the canonical `+77XXXXXXXXX`, from what people type
/// ([`MobilePhone::parse`]); `None` for anything else, landlines included.
pub fn normalize_phone(text: &str) -> Option<String> {
    MobilePhone::parse(text).ok().map(|p| p.e164().to_owned())
}

/// An e-mail address a mail server will take ([`Email::parse`]).
pub fn is_email(text: &str) -> bool {
    Email::parse(text).is_ok()
}

/// The IIN of a required field, or the problem with it.
fn iin_field(text: &str, field: Field, errors: &mut Vec<FieldError>) -> Option<Iin> {
    if text.trim().is_empty() {
        errors.push(FieldError::new(field, REQUIRED));
        return None;
    }
    Iin::parse(text)
        .map_err(|e| errors.push(FieldError::new(field, e.message_key())))
        .ok()
}

fn birth_date_field(
    date: Option<NaiveDate>,
    iin: Option<Iin>,
    field: Field,
    required: bool,
    errors: &mut Vec<FieldError>,
) {
    match (date, iin) {
        (None, _) if required => errors.push(FieldError::new(field, REQUIRED)),
        (Some(date), Some(iin)) if iin.birth_date() != date => {
            errors.push(FieldError::new(field, "domain.wizard.birth_date_mismatch"))
        }
        _ => {}
    }
}

fn contact(
    text: &str,
    field: Field,
    required: bool,
    parse: impl Fn(&str) -> Result<(), ContactError>,
    errors: &mut Vec<FieldError>,
) {
    if !fits(text, field, errors) {
        return;
    }
    if text.trim().is_empty() {
        if required {
            errors.push(FieldError::new(field, REQUIRED));
        }
    } else if let Err(e) = parse(text) {
        errors.push(FieldError::new(field, e.message_key()));
    }
}

/// Every problem of the draft on `today`, in the form's order; empty when it may be signed.
pub fn validate(draft: &Draft, today: NaiveDate, settings: &RegionSettings) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let applicant = &draft.applicant;
    let applicant_iin = iin_field(&applicant.iin, Field::ApplicantIin, &mut errors);
    birth_date_field(
        applicant.birth_date,
        applicant_iin,
        Field::ApplicantBirthDate,
        true,
        &mut errors,
    );
    let address = &applicant.address;
    for (field, text) in [
        (Field::ApplicantName, &applicant.name),
        (Field::ApplicantSurname, &applicant.surname),
        (Field::ApplicantPatronymic, &applicant.patronymic),
        (Field::City, &address.city),
        (Field::District, &address.district),
        (Field::Street, &address.street),
        (Field::House, &address.house),
        (Field::Flat, &address.flat),
    ] {
        fits(text, field, &mut errors);
    }
    let email = |t: &str| Email::parse(t).map(drop);
    let phone = |t: &str| MobilePhone::parse(t).map(drop);
    contact(&applicant.email, Field::Email, true, email, &mut errors);
    contact(&applicant.phone, Field::Phone, true, phone, &mut errors);
    contact(
        &applicant.extra_email,
        Field::ExtraEmail,
        false,
        email,
        &mut errors,
    );
    contact(
        &applicant.extra_phone,
        Field::ExtraPhone,
        false,
        phone,
        &mut errors,
    );

    let child = &draft.child;
    let child_iin = iin_field(&child.iin, Field::ChildIin, &mut errors);
    birth_date_field(
        child.birth_date,
        child_iin,
        Field::ChildBirthDate,
        false,
        &mut errors,
    );
    for (field, text) in [
        (Field::ChildSurname, &child.surname),
        (Field::ChildName, &child.name),
        (Field::ChildPatronymic, &child.patronymic),
    ] {
        fits(text, field, &mut errors);
    }
    if let Some(born) = child_iin.map(|iin| iin.birth_date()).or(child.birth_date) {
        if born > today {
            errors.push(FieldError::new(
                Field::ChildBirthDate,
                "domain.wizard.not_born",
            ));
        } else if settings.too_old(born, today) {
            errors.push(
                FieldError::new(Field::ChildBirthDate, "domain.wizard.too_old")
                    .with("years", settings.age_limit_years),
            );
        }
    }
    if child.beneficiary {
        match child.benefit_category.as_deref() {
            None | Some("") => errors.push(FieldError::new(Field::BenefitCategory, REQUIRED)),
            Some(code) if BenefitCategory::find(code).is_none() => errors.push(FieldError::new(
                Field::BenefitCategory,
                "domain.rule.unknown_benefit",
            )),
            Some(_) => {}
        }
        if child.attachments.is_empty() {
            errors.push(FieldError::new(
                Field::Attachments,
                "domain.rule.benefit_needs_document",
            ));
        }
    }
    if child.attachments.len() > MAX_ATTACHMENTS {
        errors.push(
            FieldError::new(Field::Attachments, "domain.wizard.too_many_attachments")
                .with("max", MAX_ATTACHMENTS),
        );
    }
    for file in &child.attachments {
        if file.size > MAX_ATTACHMENT_BYTES {
            errors.push(
                FieldError::new(Field::Attachments, "domain.wizard.attachment_too_large")
                    .with("name", &file.name)
                    .with("max", MAX_ATTACHMENT_BYTES / (1024 * 1024)),
            );
        }
        if file.kind.is_none() {
            errors.push(
                FieldError::new(Field::Attachments, "domain.wizard.attachment_type")
                    .with("name", &file.name),
            );
        }
    }
    if draft.kindergartens.len() > MAX_KINDERGARTENS {
        errors.push(
            FieldError::new(Field::Kindergartens, "domain.wizard.too_many_kindergartens")
                .with("max", MAX_KINDERGARTENS),
        );
    }
    if draft
        .kindergartens
        .iter()
        .any(|code| !Text::Code.fits(code))
    {
        errors.push(
            FieldError::new(Field::Kindergartens, Text::MESSAGE)
                .with("max", Text::Code.max_chars()),
        );
    }
    let distinct: HashSet<&String> = draft.kindergartens.iter().collect();
    if distinct.len() != draft.kindergartens.len() {
        errors.push(FieldError::new(
            Field::Kindergartens,
            "domain.wizard.duplicate_kindergarten",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::iin;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    /// A complete, valid draft of a parent born in 1990 for a child born in March 2023.
    fn valid() -> Draft {
        let parent = iin(1990, 1, 1);
        let child = iin(2023, 3, 2);
        Draft {
            applicant: ApplicantDraft {
                iin: parent.to_string(),
                birth_date: Some(parent.birth_date()),
                email: "aigerim@example.kz".into(),
                phone: "+7 701 234 56 78".into(),
                ..ApplicantDraft::default()
            },
            child: ChildDraft {
                iin: child.to_string(),
                birth_date: Some(child.birth_date()),
                ..ChildDraft::default()
            },
            kindergartens: vec!["ds-1".into(), "ds-2".into()],
        }
    }

    fn fields(draft: &Draft) -> Vec<(Field, String)> {
        validate(draft, today(), &RegionSettings::default())
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn a_complete_draft_passes() {
        assert_eq!(fields(&valid()), vec![]);
    }

    #[test]
    fn required_fields_say_so_in_the_seeds_words() {
        let errors = validate(&Draft::default(), today(), &RegionSettings::default());
        let required: Vec<Field> = errors
            .iter()
            .filter(|e| e.message == REQUIRED)
            .map(|e| e.field)
            .collect();
        assert_eq!(
            required,
            vec![
                Field::ApplicantIin,
                Field::ApplicantBirthDate,
                Field::Email,
                Field::Phone,
                Field::ChildIin
            ]
        );
        assert_eq!(errors[0].text(Lang::Ru), "Это поле обязательно.");
    }

    #[test]
    fn iin_problems_name_the_rule() {
        let mut draft = valid();
        draft.child.iin = "12345".into();
        draft.child.birth_date = None;
        assert_eq!(
            fields(&draft),
            vec![(Field::ChildIin, "iin.error.length".into())]
        );
        let mut wrong = valid().child.iin.into_bytes();
        wrong[11] = b'0' + (wrong[11] - b'0' + 1) % 10;
        draft.child.iin = String::from_utf8(wrong).unwrap();
        assert_eq!(
            fields(&draft),
            vec![(Field::ChildIin, "iin.error.check_digit".into())]
        );
        let mut draft = valid();
        draft.applicant.birth_date = NaiveDate::from_ymd_opt(1991, 1, 1);
        assert_eq!(
            fields(&draft),
            vec![(
                Field::ApplicantBirthDate,
                "domain.wizard.birth_date_mismatch".into()
            )]
        );
    }

    #[test]
    fn the_child_is_under_the_regions_age_limit_on_the_day() {
        let mut draft = valid();
        let child = iin(2019, 12, 3); // born 1 December 2019: 7 on 1 December 2026
        draft.child.iin = child.to_string();
        draft.child.birth_date = Some(child.birth_date());
        let errors = validate(&draft, today(), &RegionSettings::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "domain.wizard.too_old");
        assert_eq!(
            errors[0].text(Lang::Ru),
            "На день подачи заявления ребенку должно быть меньше 7 лет."
        );
        // The day before the seventh birthday is still fine.
        let eve = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert!(validate(&draft, eve, &RegionSettings::default()).is_empty());
        // A region with the current rules' limit of 6.
        let six = RegionSettings {
            age_limit_years: 6,
            ..RegionSettings::default()
        };
        let child = iin(2020, 12, 4);
        draft.child.iin = child.to_string();
        draft.child.birth_date = None;
        assert_eq!(validate(&draft, today(), &six).len(), 1);
        assert!(validate(&draft, today(), &RegionSettings::default()).is_empty());
        let unborn = iin(2027, 1, 5);
        draft.child.iin = unborn.to_string();
        assert_eq!(
            fields(&draft),
            vec![(Field::ChildBirthDate, "domain.wizard.not_born".into())]
        );
    }

    #[test]
    fn contacts_are_checked() {
        for good in [
            "+7 701 234 56 78",
            "87012345678",
            "8 (701) 234-56-78",
            "7012345678",
            "+77012345678",
        ] {
            assert_eq!(
                normalize_phone(good).as_deref(),
                Some("+77012345678"),
                "{good}"
            );
        }
        for bad in [
            "",
            "+7 301 234 56 78",
            "12345",
            "+8 701 234 56 78",
            "7012345678x",
            "70123456789012",
            "+7 701 +234 56 78",
        ] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
        for good in ["a@b.kz", "first.last@mail.example.com"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.kz", "a@b@c.kz", "a b@c.kz", "a@.kz", "a@b.kz.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        let mut draft = valid();
        draft.applicant.extra_email = "nope".into();
        draft.applicant.extra_phone = "123".into();
        assert_eq!(
            fields(&draft),
            vec![
                (Field::ExtraEmail, "domain.wizard.email".into()),
                (Field::ExtraPhone, "domain.wizard.phone".into())
            ]
        );
        // A landline takes no SMS: refused with its own message.
        draft.applicant.extra_email = String::new();
        draft.applicant.extra_phone = "+7 727 234 56 78".into();
        assert_eq!(
            fields(&draft),
            vec![(Field::ExtraPhone, "domain.contact.not_mobile".into())]
        );
    }

    #[test]
    fn a_benefit_needs_a_category_and_documents_of_the_right_kind_and_size() {
        let mut draft = valid();
        draft.child.beneficiary = true;
        assert_eq!(
            fields(&draft),
            vec![
                (Field::BenefitCategory, REQUIRED.into()),
                (
                    Field::Attachments,
                    "domain.rule.benefit_needs_document".into()
                )
            ]
        );
        draft.child.benefit_category = Some("special_educational_needs".into());
        let scan = |name: &str, size, kind| AttachmentInfo {
            name: name.into(),
            size,
            kind,
        };
        draft.child.attachments = vec![scan("a.pdf", 1000, Some(FileKind::Pdf))];
        assert!(fields(&draft).is_empty());
        draft.child.attachments = vec![
            scan("big.jpg", MAX_ATTACHMENT_BYTES + 1, Some(FileKind::Jpeg)),
            scan("renamed.pdf", 10, None),
        ];
        let errors = validate(&draft, today(), &RegionSettings::default());
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].text(Lang::Ru), "Файл «big.jpg» больше 10 МБ.");
        assert_eq!(
            errors[1].text(Lang::En),
            "The file «renamed.pdf» is not a PDF, JPEG or PNG."
        );
        draft.child.attachments = vec![scan("p.png", 1, Some(FileKind::Png)); MAX_ATTACHMENTS + 1];
        assert_eq!(
            fields(&draft),
            vec![(
                Field::Attachments,
                "domain.wizard.too_many_attachments".into()
            )]
        );
    }

    #[test]
    fn up_to_four_distinct_kindergartens() {
        let mut draft = valid();
        draft.kindergartens = (1..=5).map(|i| format!("ds-{i}")).collect();
        assert_eq!(
            fields(&draft),
            vec![(
                Field::Kindergartens,
                "domain.wizard.too_many_kindergartens".into()
            )]
        );
        draft.kindergartens = vec!["ds-1".into(), "ds-1".into()];
        assert_eq!(
            fields(&draft),
            vec![(
                Field::Kindergartens,
                "domain.wizard.duplicate_kindergarten".into()
            )]
        );
    }

    #[test]
    fn every_typed_text_has_its_limit() {
        let mut draft = valid();
        let long = |limit: Text| "ы".repeat(limit.max_chars() + 1);
        draft.applicant.surname = long(Text::PersonName);
        draft.applicant.address.flat = long(Text::HouseNumber);
        draft.applicant.email = format!("{}@example.kz", long(Text::Email));
        draft.child.name = "Аружан".repeat(100_000);
        draft.kindergartens = vec![long(Text::Code)];
        let errors = validate(&draft, today(), &RegionSettings::default());
        let refused: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            refused,
            vec![
                Field::ApplicantSurname,
                Field::Flat,
                Field::Email,
                Field::ChildName,
                Field::Kindergartens
            ]
        );
        assert!(errors.iter().all(|e| e.message == Text::MESSAGE));
        assert_eq!(errors[0].text(Lang::Ru), "Не более 100 символов.");
        assert_eq!(errors[1].args["max"], "20");
        // At the limit is still fine.
        let mut draft = valid();
        draft.child.name = "ы".repeat(Text::PersonName.max_chars());
        assert!(fields(&draft).is_empty());
    }

    #[test]
    fn field_codes_are_stable() {
        assert_eq!(
            serde_json::to_string(&Field::ChildIin).unwrap(),
            "\"child.iin\""
        );
        assert_eq!(
            serde_json::to_string(&Field::Email).unwrap(),
            "\"applicant.email\""
        );
        assert_eq!(
            serde_json::to_string(&Field::Street).unwrap(),
            "\"applicant.address.street\""
        );
    }
}
