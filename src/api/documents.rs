//! The XML documents people sign: the login document (AUTH key) and every change (SIGN key).
//!
//! All live in the namespace [`NAMESPACE`]; the signature (`ds:Signature`, added by
//! `pki::xmldsig::sign`) goes last in the root and is skipped by the parsers here. Every changing
//! document carries a request id (the idempotency key), the time of signing and, when an operator
//! signs for a citizen who is present, that citizen's IIN and the ЦОН request number.
//!
//! Documents are written by hand rather than by a serializer so that the bytes people sign are
//! plain and stable; parsing goes through roxmltree within `pki::xml_limits`, DTDs refused.
//! Comments and processing instructions inside Kezek elements are refused: C14N drops them
//! from what a signature covers, so `<reason>a<!-- -->b</reason>` would be read differently
//! from what was signed.

use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;

use crate::api::catalogue::LocalizedName;
use crate::domain::limits::Text;
use crate::domain::wizard::{Address, ApplicantDraft, ChildDraft, Draft};
use crate::domain::{ApplicationNumber, Iin};
use crate::pki::c14n::{self, C14nError};
use crate::pki::xml_limits::LimitExceeded;

/// The namespace of every Kezek document.
pub const NAMESPACE: &str = "urn:kezek:v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the document is not well-formed XML: {0}")]
    Malformed(String),
    #[error("the document has a DTD")]
    Dtd,
    #[error("{0}")]
    TooComplex(LimitExceeded),
    #[error("the document has a comment or processing instruction inside <{0}>")]
    CommentInside(String),
    #[error("the document is a {found}, expected a {expected}")]
    WrongKind {
        expected: &'static str,
        found: String,
    },
    #[error("the document lacks {0}")]
    Missing(&'static str),
    #[error("{field} has an invalid value {value:?}")]
    Invalid { field: &'static str, value: String },
    /// Longer than its limit (`domain::limits`); field errors of the wizard's own fields come
    /// from `domain::wizard::validate` instead.
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
}

impl DocumentError {
    /// The i18n key of the message, under `api.document`.
    pub fn message_key(&self) -> &'static str {
        match self {
            DocumentError::Malformed(_) => "api.document.malformed",
            DocumentError::Dtd => "api.document.dtd",
            DocumentError::TooComplex(_) => "api.problem.xml_too_complex",
            DocumentError::CommentInside(_) => "api.problem.xml_comment_refused",
            DocumentError::WrongKind { .. } => "api.document.wrong_kind",
            DocumentError::Missing(_) => "api.document.missing",
            DocumentError::Invalid { .. } => "api.document.invalid",
            DocumentError::TooLong { .. } => Text::MESSAGE,
        }
    }
}

impl From<C14nError> for DocumentError {
    fn from(error: C14nError) -> Self {
        match error {
            C14nError::DtdRefused => DocumentError::Dtd,
            C14nError::Malformed(detail) => DocumentError::Malformed(detail),
            C14nError::TooComplex(limit) => DocumentError::TooComplex(limit),
        }
    }
}

/// What every changing document carries besides its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Unique per intended change; a retry repeats it with the same document.
    pub request_id: String,
    pub signed_at: DateTime<Utc>,
    /// The citizen an operator acts for (absent when people sign for themselves).
    pub citizen: Option<Iin>,
    /// The ЦОН request number an operator records.
    pub service_centre_request: Option<String>,
}

impl Envelope {
    /// A new envelope with a random request id, signed now.
    pub fn now() -> Envelope {
        Envelope {
            request_id: uuid::Uuid::new_v4().to_string(),
            signed_at: Utc::now(),
            citizen: None,
            service_centre_request: None,
        }
    }

    /// Acting for a citizen at a public service centre.
    pub fn for_citizen(mut self, citizen: Iin, service_centre_request: impl Into<String>) -> Self {
        self.citizen = Some(citizen);
        self.service_centre_request = Some(service_centre_request.into());
        self
    }
}

/// The login document: the server's nonce, signed with the AUTH key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginDocument {
    pub nonce: String,
    pub issued_at: DateTime<Utc>,
}

/// An uploaded scan, named by id and content hash so the signature covers its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRef {
    pub id: String,
    pub sha256: String,
}

/// «Льготник»: the category claimed and the documents that prove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenefitClaim {
    pub category: String,
    pub attachments: Vec<AttachmentRef>,
}

/// The application: both wizard steps (the draft as the form holds it; the server validates it
/// with `domain::wizard::validate`), the scans by id and hash, desired kindergartens in the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub envelope: Envelope,
    pub region: String,
    pub settlement: String,
    /// `draft.child.attachments` is not carried: the server fills it from the stored scans.
    pub draft: Draft,
    pub attachments: Vec<AttachmentRef>,
}

/// What a signed action asks for; the code is the one in the API path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRequest {
    ConfirmInterest,
    /// `None` drops the benefit.
    ChangeBenefit(Option<BenefitClaim>),
    Withdraw {
        reason: String,
    },
    AcceptOffer {
        kindergarten: String,
    },
    DeclineOffer,
    ExtendDirection {
        until: NaiveDate,
        reason: String,
    },
    RevokeDirection {
        reason: String,
    },
    /// Officer: accept (`reason` optional) or reject a benefit: with a reason of the list
    /// (`reason_code`, `domain::rejection`; `reason` then adds the officer's own words), or,
    /// as before the list, with `reason` alone.
    ReviewBenefit {
        accept: bool,
        reason: String,
        reason_code: Option<String>,
    },
    /// Officer: an out-of-turn benefit confirmed in person.
    ConfirmOutOfTurn,
    /// Officer or kindergarten: the child is enrolled.
    Enroll,
    /// Officer: the direction is annulled, with a reason.
    AnnulDirection {
        reason: String,
    },
}

impl ActionRequest {
    /// Applicant (and operator) actions, as in `/applications/{number}/actions/{code}`.
    pub const APPLICANT_CODES: [&'static str; 7] = [
        "confirm-interest",
        "change-benefit",
        "withdraw",
        "accept-offer",
        "decline-offer",
        "extend-direction",
        "revoke-direction",
    ];
    /// Officer actions, as in `/officer/applications/{number}/actions/{code}`.
    pub const OFFICER_CODES: [&'static str; 4] = [
        "review-benefit",
        "confirm-out-of-turn",
        "enroll",
        "annul-direction",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ActionRequest::ConfirmInterest => "confirm-interest",
            ActionRequest::ChangeBenefit(_) => "change-benefit",
            ActionRequest::Withdraw { .. } => "withdraw",
            ActionRequest::AcceptOffer { .. } => "accept-offer",
            ActionRequest::DeclineOffer => "decline-offer",
            ActionRequest::ExtendDirection { .. } => "extend-direction",
            ActionRequest::RevokeDirection { .. } => "revoke-direction",
            ActionRequest::ReviewBenefit { .. } => "review-benefit",
            ActionRequest::ConfirmOutOfTurn => "confirm-out-of-turn",
            ActionRequest::Enroll => "enroll",
            ActionRequest::AnnulDirection { .. } => "annul-direction",
        }
    }

    pub fn is_officer_action(&self) -> bool {
        Self::OFFICER_CODES.contains(&self.code())
    }
}

/// A signed action on one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDocument {
    pub envelope: Envelope,
    pub number: ApplicationNumber,
    pub action: ActionRequest,
}

/// Officer: free places published in kindergarten groups, one or many in one signed document.
/// One group is written `<group>` and `<freePlaces>` directly under the root (the first form,
/// still accepted); several as `<groups>` of `<groupPlaces>`, each with its `<group>` and
/// `<freePlaces>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacesDocument {
    pub envelope: Envelope,
    pub groups: Vec<GroupPlaces>,
}

/// The free places of one group in a [`PlacesDocument`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPlaces {
    /// «<kindergarten code>/<group code>» (`api::officer::group_id`).
    pub group_id: String,
    pub free_places: u32,
}

/// Officer: what changes in a kindergarten of their region (docs/domain-rules.md,
/// «Kindergartens and groups»).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindergartenRequest {
    /// A new kindergarten in a settlement of the region, named in the three languages.
    Create {
        settlement: String,
        name: LocalizedName,
        address: LocalizedName,
    },
    /// A new group: an age group of the catalogue, the language (`kk`, `ru`), its places.
    AddGroup {
        age: String,
        language: String,
        capacity: u32,
    },
    SetCapacity {
        group: String,
        capacity: u32,
    },
    /// The kindergarten with all its groups: their open offers are cancelled.
    Close,
    CloseGroup {
        group: String,
    },
}

impl KindergartenRequest {
    pub const CODES: [&'static str; 5] = [
        "create",
        "add-group",
        "set-capacity",
        "close",
        "close-group",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            KindergartenRequest::Create { .. } => "create",
            KindergartenRequest::AddGroup { .. } => "add-group",
            KindergartenRequest::SetCapacity { .. } => "set-capacity",
            KindergartenRequest::Close => "close",
            KindergartenRequest::CloseGroup { .. } => "close-group",
        }
    }
}

/// Officer: a signed change of one kindergarten (its catalogue code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindergartenDocument {
    pub envelope: Envelope,
    pub kindergarten: String,
    pub change: KindergartenRequest,
}

/// Any signed document, as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    Login(LoginDocument),
    Application(Box<Submission>),
    Action(ActionDocument),
    Places(PlacesDocument),
    Kindergarten(KindergartenDocument),
}

impl Document {
    pub fn kind(&self) -> &'static str {
        match self {
            Document::Login(_) => "login",
            Document::Application(_) => "application",
            Document::Action(_) => "action",
            Document::Places(_) => "places",
            Document::Kindergarten(_) => "kindergarten",
        }
    }

    /// The envelope of a changing document (a login has none).
    pub fn envelope(&self) -> Option<&Envelope> {
        match self {
            Document::Login(_) => None,
            Document::Application(s) => Some(&s.envelope),
            Document::Action(a) => Some(&a.envelope),
            Document::Places(p) => Some(&p.envelope),
            Document::Kindergarten(k) => Some(&k.envelope),
        }
    }

    /// The unsigned XML of the document.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::default();
        match self {
            Document::Login(login) => {
                w.open_root("login", &[]);
                w.leaf("nonce", &login.nonce);
                w.leaf("issuedAt", &rfc3339(login.issued_at));
            }
            Document::Application(s) => {
                w.open_root("application", &[]);
                w.envelope(&s.envelope);
                w.leaf("region", &s.region);
                w.leaf("settlement", &s.settlement);
                let a = &s.draft.applicant;
                w.open("applicant");
                w.person(&a.iin, &a.surname, &a.name, &a.patronymic, a.birth_date);
                w.open("address");
                w.leaf("city", &a.address.city);
                w.leaf("district", &a.address.district);
                w.leaf("street", &a.address.street);
                w.leaf("house", &a.address.house);
                w.leaf("flat", &a.address.flat);
                w.close("address");
                w.leaf("email", &a.email);
                w.leaf("phone", &a.phone);
                w.leaf("extraEmail", &a.extra_email);
                w.leaf("extraPhone", &a.extra_phone);
                w.close("applicant");
                let c = &s.draft.child;
                w.open("child");
                w.person(&c.iin, &c.surname, &c.name, &c.patronymic, c.birth_date);
                w.close("child");
                if c.beneficiary || c.benefit_category.is_some() {
                    w.benefit(&BenefitClaim {
                        category: c.benefit_category.clone().unwrap_or_default(),
                        attachments: s.attachments.clone(),
                    });
                }
                w.open("kindergartens");
                for code in &s.draft.kindergartens {
                    w.leaf("kindergarten", code);
                }
                w.close("kindergartens");
            }
            Document::Action(a) => {
                w.open_root("action", &[("type", a.action.code())]);
                w.envelope(&a.envelope);
                w.leaf("application", &a.number.to_string());
                match &a.action {
                    ActionRequest::ConfirmInterest
                    | ActionRequest::DeclineOffer
                    | ActionRequest::ConfirmOutOfTurn
                    | ActionRequest::Enroll => {}
                    ActionRequest::ChangeBenefit(benefit) => {
                        if let Some(benefit) = benefit {
                            w.benefit(benefit);
                        }
                    }
                    ActionRequest::Withdraw { reason }
                    | ActionRequest::RevokeDirection { reason }
                    | ActionRequest::AnnulDirection { reason } => w.leaf("reason", reason),
                    ActionRequest::AcceptOffer { kindergarten } => {
                        w.leaf("kindergarten", kindergarten)
                    }
                    ActionRequest::ExtendDirection { until, reason } => {
                        w.leaf("until", &until.to_string());
                        w.leaf("reason", reason);
                    }
                    ActionRequest::ReviewBenefit {
                        accept,
                        reason,
                        reason_code,
                    } => {
                        w.leaf("decision", if *accept { "accept" } else { "reject" });
                        w.leaf("reason", reason);
                        // Only when chosen: documents from before the list sign the same.
                        if let Some(code) = reason_code {
                            w.leaf("reasonCode", code);
                        }
                    }
                }
            }
            Document::Places(p) => {
                w.open_root("places", &[]);
                w.envelope(&p.envelope);
                if let [one] = &p.groups[..] {
                    w.leaf("group", &one.group_id);
                    w.leaf("freePlaces", &one.free_places.to_string());
                } else {
                    w.open("groups");
                    for group in &p.groups {
                        w.open("groupPlaces");
                        w.leaf("group", &group.group_id);
                        w.leaf("freePlaces", &group.free_places.to_string());
                        w.close("groupPlaces");
                    }
                    w.close("groups");
                }
            }
            Document::Kindergarten(k) => {
                w.open_root("kindergarten", &[("type", k.change.code())]);
                w.envelope(&k.envelope);
                w.leaf("code", &k.kindergarten);
                match &k.change {
                    KindergartenRequest::Create {
                        settlement,
                        name,
                        address,
                    } => {
                        w.leaf("settlement", settlement);
                        w.names("name", name);
                        w.names("address", address);
                    }
                    KindergartenRequest::AddGroup {
                        age,
                        language,
                        capacity,
                    } => {
                        w.leaf("age", age);
                        w.leaf("language", language);
                        w.leaf("capacity", &capacity.to_string());
                    }
                    KindergartenRequest::SetCapacity { group, capacity } => {
                        w.leaf("group", group);
                        w.leaf("capacity", &capacity.to_string());
                    }
                    KindergartenRequest::Close => {}
                    KindergartenRequest::CloseGroup { group } => w.leaf("group", group),
                }
            }
        }
        w.finish(self.kind())
    }

    /// Parses a (signed or unsigned) document within the default XML limits; the signature
    /// element is ignored here, checking it is `pki::xmldsig::verify`'s job.
    pub fn parse(xml: &str) -> Result<Document, DocumentError> {
        let text = c14n::normalize_line_ends(xml);
        Document::from_tree(&c14n::parse(&text)?)
    }

    /// Reads a document from a tree already parsed (the server parses once, within its
    /// configured limits, for this and for the signature check).
    pub fn from_tree(tree: &roxmltree::Document) -> Result<Document, DocumentError> {
        refuse_comments(tree)?;
        let root = Node(tree.root_element());
        if root.0.tag_name().namespace() != Some(NAMESPACE) {
            return Err(DocumentError::WrongKind {
                expected: "urn:kezek:v1 document",
                found: format!("{:?}", root.0.tag_name().namespace()),
            });
        }
        match root.0.tag_name().name() {
            "login" => Ok(Document::Login(LoginDocument {
                nonce: root.text("nonce")?,
                issued_at: root.time("issuedAt")?,
            })),
            "application" => Ok(Document::Application(Box::new(parse_submission(root)?))),
            "action" => parse_action(root).map(Document::Action),
            "places" => parse_places(root).map(Document::Places),
            "kindergarten" => parse_kindergarten(root).map(Document::Kindergarten),
            other => Err(DocumentError::WrongKind {
                expected: "login, application, action, places or kindergarten",
                found: other.to_owned(),
            }),
        }
    }
}

/// A places document in either form; both at once, or a list without a group, is refused.
fn parse_places(root: Node) -> Result<PlacesDocument, DocumentError> {
    let group = |node: Node| -> Result<GroupPlaces, DocumentError> {
        Ok(GroupPlaces {
            group_id: within("group", node.text("group")?, Text::Code)?,
            free_places: node.number("freePlaces")?,
        })
    };
    let groups = match root.optional_child("groups") {
        None => vec![group(root)?],
        Some(_) if root.optional_child("group").is_some() => {
            return Err(DocumentError::Invalid {
                field: "groups",
                value: "both <group> and <groups>".to_owned(),
            });
        }
        Some(list) => list
            .children("groupPlaces")
            .map(group)
            .collect::<Result<Vec<_>, _>>()?,
    };
    if groups.is_empty() {
        return Err(DocumentError::Missing("groupPlaces"));
    }
    Ok(PlacesDocument {
        envelope: root.envelope()?,
        groups,
    })
}

/// Comments and processing instructions are refused inside Kezek elements (inside the
/// signature XMLDSig's own rules apply), and so is text beside child elements: readers take an
/// element's one text, and anything splitting it would make the reading differ from what the
/// signature covers.
fn refuse_comments(tree: &roxmltree::Document) -> Result<(), DocumentError> {
    let in_kezek = |n: &roxmltree::Node| n.tag_name().namespace() == Some(NAMESPACE);
    for element in tree.root_element().descendants().filter(in_kezek) {
        let name = || element.tag_name().name().to_owned();
        let (mut text, mut elements) = (false, false);
        for child in element.children() {
            if child.is_comment() || child.is_pi() {
                return Err(DocumentError::CommentInside(name()));
            }
            text |= child.is_text() && !child.text().unwrap_or("").trim().is_empty();
            elements |= child.is_element();
        }
        if text && elements {
            return Err(DocumentError::Invalid {
                field: "mixed_content",
                value: name(),
            });
        }
    }
    Ok(())
}

fn parse_submission(root: Node) -> Result<Submission, DocumentError> {
    let applicant = root.child("applicant")?;
    let address = applicant.child("address")?;
    let child = root.child("child")?;
    let kindergartens = match root.optional_child("kindergartens") {
        Some(list) => list
            .children("kindergarten")
            .map(|k| k.0.text().unwrap_or("").trim().to_owned())
            .filter(|code| !code.is_empty())
            .collect(),
        None => Vec::new(),
    };
    let benefit = root.benefit()?;
    let draft = Draft {
        applicant: ApplicantDraft {
            iin: applicant.text_or_empty("iin"),
            birth_date: applicant.optional_date("birthDate")?,
            surname: applicant.text_or_empty("surname"),
            name: applicant.text_or_empty("name"),
            patronymic: applicant.text_or_empty("patronymic"),
            address: Address {
                city: address.text_or_empty("city"),
                district: address.text_or_empty("district"),
                street: address.text_or_empty("street"),
                house: address.text_or_empty("house"),
                flat: address.text_or_empty("flat"),
            },
            email: applicant.text_or_empty("email"),
            phone: applicant.text_or_empty("phone"),
            extra_email: applicant.text_or_empty("extraEmail"),
            extra_phone: applicant.text_or_empty("extraPhone"),
        },
        child: ChildDraft {
            iin: child.text_or_empty("iin"),
            surname: child.text_or_empty("surname"),
            name: child.text_or_empty("name"),
            patronymic: child.text_or_empty("patronymic"),
            birth_date: child.optional_date("birthDate")?,
            beneficiary: benefit.is_some(),
            benefit_category: benefit.as_ref().map(|b| b.category.clone()),
            attachments: Vec::new(),
        },
        kindergartens,
    };
    Ok(Submission {
        envelope: root.envelope()?,
        region: within("region", root.text("region")?, Text::Code)?,
        settlement: within("settlement", root.text("settlement")?, Text::Code)?,
        draft,
        attachments: benefit.map(|b| b.attachments).unwrap_or_default(),
    })
}

fn parse_action(root: Node) -> Result<ActionDocument, DocumentError> {
    let code = root
        .0
        .attribute("type")
        .ok_or(DocumentError::Missing("type"))?;
    let action = match code {
        "confirm-interest" => ActionRequest::ConfirmInterest,
        "change-benefit" => ActionRequest::ChangeBenefit(root.benefit()?),
        "withdraw" => ActionRequest::Withdraw {
            reason: within("reason", root.text("reason")?, Text::Reason)?,
        },
        "accept-offer" => ActionRequest::AcceptOffer {
            kindergarten: within("kindergarten", root.text("kindergarten")?, Text::Code)?,
        },
        "decline-offer" => ActionRequest::DeclineOffer,
        "extend-direction" => ActionRequest::ExtendDirection {
            until: root.date("until")?,
            reason: within("reason", root.text("reason")?, Text::Reason)?,
        },
        "revoke-direction" => ActionRequest::RevokeDirection {
            reason: within("reason", root.text_or_empty("reason"), Text::Reason)?,
        },
        "review-benefit" => ActionRequest::ReviewBenefit {
            accept: match root.text("decision")?.as_str() {
                "accept" => true,
                "reject" => false,
                other => {
                    return Err(DocumentError::Invalid {
                        field: "decision",
                        value: other.to_owned(),
                    });
                }
            },
            reason: within("reason", root.text_or_empty("reason"), Text::Reason)?,
            reason_code: Some(within(
                "reasonCode",
                root.text_or_empty("reasonCode"),
                Text::Reason,
            )?)
            .filter(|code| !code.is_empty()),
        },
        "confirm-out-of-turn" => ActionRequest::ConfirmOutOfTurn,
        "enroll" => ActionRequest::Enroll,
        "annul-direction" => ActionRequest::AnnulDirection {
            reason: within("reason", root.text("reason")?, Text::Reason)?,
        },
        other => {
            return Err(DocumentError::Invalid {
                field: "type",
                value: other.to_owned(),
            });
        }
    };
    let number_text = root.text("application")?;
    let number = number_text
        .parse::<ApplicationNumber>()
        .map_err(|_| DocumentError::Invalid {
            field: "application",
            value: number_text,
        })?;
    Ok(ActionDocument {
        envelope: root.envelope()?,
        number,
        action,
    })
}

fn parse_kindergarten(root: Node) -> Result<KindergartenDocument, DocumentError> {
    let code = root
        .0
        .attribute("type")
        .ok_or(DocumentError::Missing("type"))?;
    let names = |element: &'static str| -> Result<LocalizedName, DocumentError> {
        let node = root.child(element)?;
        let one = |lang: &'static str| within(element, node.text(lang)?, Text::Institution);
        Ok(LocalizedName {
            kk: one("kk")?,
            ru: one("ru")?,
            en: one("en")?,
        })
    };
    let change = match code {
        "create" => KindergartenRequest::Create {
            settlement: within("settlement", root.text("settlement")?, Text::Code)?,
            name: names("name")?,
            address: names("address")?,
        },
        "add-group" => KindergartenRequest::AddGroup {
            age: within("age", root.text("age")?, Text::Code)?,
            language: within("language", root.text("language")?, Text::Code)?,
            capacity: root.number("capacity")?,
        },
        "set-capacity" => KindergartenRequest::SetCapacity {
            group: within("group", root.text("group")?, Text::Code)?,
            capacity: root.number("capacity")?,
        },
        "close" => KindergartenRequest::Close,
        "close-group" => KindergartenRequest::CloseGroup {
            group: within("group", root.text("group")?, Text::Code)?,
        },
        other => {
            return Err(DocumentError::Invalid {
                field: "type",
                value: other.to_owned(),
            });
        }
    };
    Ok(KindergartenDocument {
        envelope: root.envelope()?,
        kindergarten: within("code", root.text("code")?, Text::Code)?,
        change,
    })
}

/// `text` of the element or attribute `field`, refused when longer than `limit`.
fn within(field: &'static str, text: String, limit: Text) -> Result<String, DocumentError> {
    if limit.fits(&text) {
        Ok(text)
    } else {
        Err(DocumentError::TooLong {
            field,
            max: limit.max_chars(),
        })
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Builds the indented XML text of a document.
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open_root(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let _ = write!(self.out, "<{name} xmlns=\"{NAMESPACE}\"");
        for (key, value) in attributes {
            let _ = write!(self.out, " {key}=\"{}\"", escape(value));
        }
        self.out.push_str(">\n");
        self.depth = 1;
    }

    fn open(&mut self, name: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>{}</{name}>", escape(text));
    }

    fn envelope(&mut self, envelope: &Envelope) {
        self.leaf("requestId", &envelope.request_id);
        self.leaf("signedAt", &rfc3339(envelope.signed_at));
        if let Some(citizen) = &envelope.citizen {
            self.leaf("citizen", &citizen.to_string());
        }
        if let Some(request) = &envelope.service_centre_request {
            self.leaf("serviceCentreRequest", request);
        }
    }

    fn person(
        &mut self,
        iin: &str,
        surname: &str,
        name: &str,
        patronymic: &str,
        birth: Option<NaiveDate>,
    ) {
        self.leaf("iin", iin);
        self.leaf("surname", surname);
        self.leaf("name", name);
        self.leaf("patronymic", patronymic);
        self.leaf(
            "birthDate",
            &birth.map(|d| d.to_string()).unwrap_or_default(),
        );
    }

    fn benefit(&mut self, benefit: &BenefitClaim) {
        self.indent();
        let _ = writeln!(
            self.out,
            "<benefit category=\"{}\">",
            escape(&benefit.category)
        );
        self.depth += 1;
        for attachment in &benefit.attachments {
            self.indent();
            let _ = writeln!(
                self.out,
                "<attachment id=\"{}\" sha256=\"{}\"/>",
                escape(&attachment.id),
                escape(&attachment.sha256)
            );
        }
        self.close("benefit");
    }

    /// `<element><kk>…</kk><ru>…</ru><en>…</en></element>`.
    fn names(&mut self, element: &str, names: &LocalizedName) {
        self.open(element);
        self.leaf("kk", &names.kk);
        self.leaf("ru", &names.ru);
        self.leaf("en", &names.en);
        self.close(element);
    }

    fn finish(mut self, root: &str) -> String {
        let _ = write!(self.out, "</{root}>");
        self.out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// A Kezek element; lookups see only children in [`NAMESPACE`], so the signature is skipped.
#[derive(Clone, Copy)]
struct Node<'a, 'input>(roxmltree::Node<'a, 'input>);

impl<'a, 'input> Node<'a, 'input> {
    fn children(self, name: &'static str) -> impl Iterator<Item = Node<'a, 'input>> {
        self.0
            .children()
            .filter(move |c| {
                c.is_element()
                    && c.tag_name().namespace() == Some(NAMESPACE)
                    && c.tag_name().name() == name
            })
            .map(Node)
    }

    fn optional_child(self, name: &'static str) -> Option<Node<'a, 'input>> {
        self.children(name).next()
    }

    fn child(self, name: &'static str) -> Result<Node<'a, 'input>, DocumentError> {
        self.optional_child(name)
            .ok_or(DocumentError::Missing(name))
    }

    fn text_or_empty(self, name: &'static str) -> String {
        self.optional_child(name)
            .and_then(|c| c.0.text())
            .unwrap_or("")
            .trim()
            .to_owned()
    }

    fn text(self, name: &'static str) -> Result<String, DocumentError> {
        let text = self.text_or_empty(name);
        if text.is_empty() {
            Err(DocumentError::Missing(name))
        } else {
            Ok(text)
        }
    }

    fn parsed<T: std::str::FromStr>(self, name: &'static str) -> Result<T, DocumentError> {
        let text = self.text(name)?;
        text.parse().map_err(|_| DocumentError::Invalid {
            field: name,
            value: text,
        })
    }

    fn number<T: std::str::FromStr>(self, name: &'static str) -> Result<T, DocumentError> {
        self.parsed(name)
    }

    fn iin(self, name: &'static str) -> Result<Iin, DocumentError> {
        self.parsed(name)
    }

    fn date(self, name: &'static str) -> Result<NaiveDate, DocumentError> {
        self.parsed(name)
    }

    fn optional_date(self, name: &'static str) -> Result<Option<NaiveDate>, DocumentError> {
        if self.text_or_empty(name).is_empty() {
            Ok(None)
        } else {
            self.date(name).map(Some)
        }
    }

    fn time(self, name: &'static str) -> Result<DateTime<Utc>, DocumentError> {
        let text = self.text(name)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| DocumentError::Invalid {
                field: name,
                value: text,
            })
    }

    fn envelope(self) -> Result<Envelope, DocumentError> {
        let citizen = match self.optional_child("citizen") {
            Some(_) => Some(self.iin("citizen")?),
            None => None,
        };
        let request = within(
            "serviceCentreRequest",
            self.text_or_empty("serviceCentreRequest"),
            Text::RequestNumber,
        )?;
        Ok(Envelope {
            request_id: within("requestId", self.text("requestId")?, Text::RequestId)?,
            signed_at: self.time("signedAt")?,
            citizen,
            service_centre_request: (!request.is_empty()).then_some(request),
        })
    }

    fn benefit(self) -> Result<Option<BenefitClaim>, DocumentError> {
        let Some(benefit) = self.optional_child("benefit") else {
            return Ok(None);
        };
        let category = benefit
            .0
            .attribute("category")
            .filter(|c| !c.is_empty())
            .ok_or(DocumentError::Missing("category"))?;
        let category = within("category", category.to_owned(), Text::Code)?;
        let attachments = benefit
            .children("attachment")
            .map(|a| {
                let attribute = |name: &'static str, field: &'static str| {
                    let value = a.0.attribute(name).ok_or(DocumentError::Missing(field))?;
                    within(field, value.to_owned(), Text::Code)
                };
                Ok(AttachmentRef {
                    id: attribute("id", "attachment id")?,
                    sha256: attribute("sha256", "attachment sha256")?,
                })
            })
            .collect::<Result<_, DocumentError>>()?;
        Ok(Some(BenefitClaim {
            category,
            attachments,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        Envelope {
            request_id: "5a0c5b3e-0000-4000-8000-000000000001".to_owned(),
            signed_at: DateTime::parse_from_rfc3339("2026-05-04T10:00:00.123Z")
                .unwrap()
                .with_timezone(&Utc),
            citizen: None,
            service_centre_request: None,
        }
    }

    fn submission() -> Submission {
        let mut draft = Draft::default();
        draft.applicant.iin = "900514440216".to_owned();
        draft.applicant.birth_date = NaiveDate::from_ymd_opt(1990, 5, 14);
        draft.applicant.surname = "Серикова".to_owned();
        draft.applicant.name = "Айгерим".to_owned();
        draft.applicant.address.street = "Қабанбай батыр <&> \"40\"".to_owned();
        draft.applicant.email = "a@example.kz".to_owned();
        draft.applicant.phone = "+77012345678".to_owned();
        draft.child.iin = "220315612150".to_owned();
        draft.child.birth_date = NaiveDate::from_ymd_opt(2022, 3, 15);
        draft.child.beneficiary = true;
        draft.child.benefit_category = Some("large_family".to_owned());
        draft.kindergartens = vec!["astana-balapan-45".to_owned()];
        Submission {
            envelope: envelope().for_citizen(Iin::parse("900514440216").unwrap(), "ЦОН-77"),
            region: "astana".to_owned(),
            settlement: "astana-esil".to_owned(),
            draft,
            attachments: vec![AttachmentRef {
                id: "att-1".to_owned(),
                sha256: "ab".repeat(32),
            }],
        }
    }

    #[test]
    fn every_kind_of_document_survives_writing_and_parsing() {
        let number: ApplicationNumber = "УО.2026.000027.1".parse().unwrap();
        let documents = [
            Document::Login(LoginDocument {
                nonce: "n0nce".to_owned(),
                issued_at: envelope().signed_at,
            }),
            Document::Application(Box::new(submission())),
            Document::Action(ActionDocument {
                envelope: envelope(),
                number,
                action: ActionRequest::ExtendDirection {
                    until: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                    reason: "болезнь".to_owned(),
                },
            }),
            Document::Action(ActionDocument {
                envelope: envelope(),
                number,
                action: ActionRequest::ChangeBenefit(None),
            }),
            Document::Action(ActionDocument {
                envelope: envelope(),
                number,
                action: ActionRequest::ReviewBenefit {
                    accept: false,
                    reason: "нечитаемо".to_owned(),
                    reason_code: Some("unreadable".to_owned()),
                },
            }),
            Document::Places(PlacesDocument {
                envelope: envelope(),
                groups: vec![GroupPlaces {
                    group_id: "7".to_owned(),
                    free_places: 3,
                }],
            }),
            Document::Places(PlacesDocument {
                envelope: envelope(),
                groups: vec![
                    GroupPlaces {
                        group_id: "kg-1/junior-kk".to_owned(),
                        free_places: 3,
                    },
                    GroupPlaces {
                        group_id: "kg-2/senior-ru".to_owned(),
                        free_places: 25,
                    },
                ],
            }),
            Document::Kindergarten(KindergartenDocument {
                envelope: envelope(),
                kindergarten: "astana-new-1".to_owned(),
                change: KindergartenRequest::Create {
                    settlement: "astana-esil".to_owned(),
                    name: LocalizedName {
                        kk: "«Құлыншақ» бөбекжай-бақшасы".to_owned(),
                        ru: "Ясли-сад «Кулыншак» <№1>".to_owned(),
                        en: "Kulynshak & Co".to_owned(),
                    },
                    address: LocalizedName {
                        kk: "Сығанақ к-сі, 10".to_owned(),
                        ru: "ул. Сыганак, 10".to_owned(),
                        en: "10 Syganak St".to_owned(),
                    },
                },
            }),
            Document::Kindergarten(KindergartenDocument {
                envelope: envelope(),
                kindergarten: "astana-new-1".to_owned(),
                change: KindergartenRequest::AddGroup {
                    age: "junior".to_owned(),
                    language: "kk".to_owned(),
                    capacity: 25,
                },
            }),
            Document::Kindergarten(KindergartenDocument {
                envelope: envelope(),
                kindergarten: "astana-new-1".to_owned(),
                change: KindergartenRequest::SetCapacity {
                    group: "junior-kk".to_owned(),
                    capacity: 30,
                },
            }),
            Document::Kindergarten(KindergartenDocument {
                envelope: envelope(),
                kindergarten: "astana-new-1".to_owned(),
                change: KindergartenRequest::Close,
            }),
            Document::Kindergarten(KindergartenDocument {
                envelope: envelope(),
                kindergarten: "astana-new-1".to_owned(),
                change: KindergartenRequest::CloseGroup {
                    group: "junior-kk".to_owned(),
                },
            }),
        ];
        for document in documents {
            let xml = document.to_xml();
            assert_eq!(Document::parse(&xml).unwrap(), document, "{xml}");
        }
    }

    #[test]
    fn the_signature_and_foreign_elements_are_not_content() {
        let xml = Document::Login(LoginDocument {
            nonce: "abc".to_owned(),
            issued_at: envelope().signed_at,
        })
        .to_xml();
        let signed = xml.replace(
            "</login>",
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><nonce>evil</nonce></ds:Signature></login>",
        );
        match Document::parse(&signed).unwrap() {
            Document::Login(login) => assert_eq!(login.nonce, "abc"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn doctype_foreign_namespace_and_garbage_are_refused() {
        let dtd = "<!DOCTYPE login [<!ENTITY x \"y\">]><login xmlns=\"urn:kezek:v1\"><nonce>&x;</nonce></login>";
        assert_eq!(Document::parse(dtd), Err(DocumentError::Dtd));
        let foreign = "<login xmlns=\"urn:other\"><nonce>a</nonce></login>";
        assert!(matches!(
            Document::parse(foreign),
            Err(DocumentError::WrongKind { .. })
        ));
        assert!(matches!(
            Document::parse("<login"),
            Err(DocumentError::Malformed(_))
        ));
        let no_nonce =
            "<login xmlns=\"urn:kezek:v1\"><issuedAt>2026-01-01T00:00:00Z</issuedAt></login>";
        assert_eq!(
            Document::parse(no_nonce),
            Err(DocumentError::Missing("nonce"))
        );
        let bad_action = "<action xmlns=\"urn:kezek:v1\" type=\"teleport\"/>";
        assert!(matches!(
            Document::parse(bad_action),
            Err(DocumentError::Invalid { field: "type", .. })
        ));
    }

    #[test]
    fn comments_instructions_and_mixed_content_in_kezek_elements_are_refused() {
        let action = |reason: &str| {
            Document::Action(ActionDocument {
                envelope: envelope(),
                number: "УО.2026.000027.1".parse().unwrap(),
                action: ActionRequest::Withdraw {
                    reason: reason.to_owned(),
                },
            })
        };
        let xml = action("переезд в другой город").to_xml();
        for (hostile, expected) in [
            (
                "переезд<!-- --> в другой город",
                DocumentError::CommentInside("reason".to_owned()),
            ),
            (
                "переезд<?kezek x?> в другой город",
                DocumentError::CommentInside("reason".to_owned()),
            ),
            (
                "переезд<x:b xmlns:x=\"urn:other\"/> в другой город",
                DocumentError::Invalid {
                    field: "mixed_content",
                    value: "reason".to_owned(),
                },
            ),
        ] {
            let changed = xml.replace("переезд в другой город", hostile);
            assert_eq!(Document::parse(&changed), Err(expected), "{hostile}");
        }
        // Outside the root and inside the signature they are not Kezek content.
        let outside = format!("<!-- before -->{xml}<?after?>").replace(
            "</action>",
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><!-- ds --></ds:Signature></action>",
        );
        assert!(Document::parse(&outside).is_ok());
        // What a user types is escaped by the writer, so Kezek never produces either.
        let typed = action("a <!-- b --> <?c?> d");
        assert_eq!(Document::parse(&typed.to_xml()), Ok(typed));
    }
}
