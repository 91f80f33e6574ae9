//! The ЦОН desk (issue 12): service sessions with the citizen's one-time code, the citizen's
//! card, the audit log of an operator's reads, the receipt, and the outbox as the CLI lists it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{ApplicationNumber, Iin, Status};

/// `POST /api/v1/desk/services`: serve the citizen of this IIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StartService {
    #[schema(value_type = String)]
    pub citizen_iin: Iin,
}

/// Where a service session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// The code was sent; the operator types what the citizen reads out.
    AwaitingCode,
    /// The citizen consented: the operator may read and act for them until `consent_until`.
    Consented,
}

/// A service session as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Service {
    pub id: String,
    #[schema(value_type = String)]
    pub citizen_iin: Iin,
    pub state: ServiceState,
    /// Where the code went (in the answer that sent it): the citizen's mobile on record,
    /// masked but its last two digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Until when the code may be typed.
    pub code_expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_until: Option<DateTime<Utc>>,
    /// Only from a server running with demo data (`kezek serve --demo`): the code sent, for the
    /// client to show marked «DEMO». Never otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_code: Option<String>,
    /// «Номер ЦОН»'s format from the server's configuration (`#` a digit, `*` a letter or
    /// digit, anything else itself), so the client checks it before signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_number_format: Option<String>,
}

/// `POST /api/v1/desk/services/{id}/confirm`: the code the citizen reads out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmCode {
    pub code: String,
}

/// The code is a secret until used: wiped when the request is dropped, on both sides.
impl Drop for ConfirmCode {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.code);
    }
}

/// One application of a child on the citizen's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CardApplication {
    #[schema(value_type = String)]
    pub number: ApplicationNumber,
    #[schema(value_type = String)]
    pub status: Status,
    /// 0 when the application is not in the queue.
    pub queue_number: u32,
    pub registered_at: DateTime<Utc>,
}

/// A child of the citizen, as the registry names them, with every application of theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CardChild {
    #[schema(value_type = String)]
    pub iin: Iin,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub applications: Vec<CardApplication>,
}

/// `GET /api/v1/desk/services/{id}/card`: the citizen as the registry knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CitizenCard {
    #[schema(value_type = String)]
    pub iin: Iin,
    pub surname: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    pub birth_date: NaiveDate,
    /// The address of the citizen's latest application (the registry keeps none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The citizen's e-mail and mobile on record (their profile's, else the ones they signed
    /// in their latest application), for the wizard to prefill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub children: Vec<CardChild>,
}

/// What an operator read of a citizen's data (an audit line's `what`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditRead {
    /// The citizen's card.
    Card,
    /// The journal of their applications.
    Journal,
    /// An application's details.
    Application,
    /// An application's history.
    History,
    /// An application's documents (the list, or one downloaded).
    Documents,
    /// The changes of an application's queue numbers.
    PositionHistory,
    /// A person of the registry (the wizard's autofill).
    RegistryPerson,
    /// The check of a child at the wizard's second step.
    ChildCheck,
    /// The receipt «Расписка о приеме документов».
    Receipt,
    /// The children bound to the citizen («Привязка»).
    Bindings,
    /// A child bound to the citizen at the desk (the registry's kinship read first).
    Binding,
}

impl AuditRead {
    pub const ALL: [AuditRead; 11] = [
        AuditRead::Card,
        AuditRead::Journal,
        AuditRead::Application,
        AuditRead::History,
        AuditRead::Documents,
        AuditRead::PositionHistory,
        AuditRead::RegistryPerson,
        AuditRead::ChildCheck,
        AuditRead::Receipt,
        AuditRead::Bindings,
        AuditRead::Binding,
    ];

    /// The stable code stored and sent.
    pub fn code(self) -> &'static str {
        match self {
            AuditRead::Card => "card",
            AuditRead::Journal => "journal",
            AuditRead::Application => "application",
            AuditRead::History => "history",
            AuditRead::Documents => "documents",
            AuditRead::PositionHistory => "position_history",
            AuditRead::RegistryPerson => "registry_person",
            AuditRead::ChildCheck => "child_check",
            AuditRead::Receipt => "receipt",
            AuditRead::Bindings => "bindings",
            AuditRead::Binding => "binding",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditRead> {
        AuditRead::ALL.into_iter().find(|read| read.code() == code)
    }

    /// «Кто просматривал мои данные»: what was read, in the current language.
    pub fn translated(self) -> String {
        rust_i18n::t!(format!("api.desk.read.{}", self.code())).into_owned()
    }
}

/// One line of «Кто просматривал мои данные»: who, when, which ЦОН, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub operator_iin: Iin,
    pub operator_name: String,
    /// The ЦОН: the organisation named in the operator's certificate, and its BIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre_bin: Option<String>,
    #[schema(value_type = String)]
    pub citizen_iin: Iin,
    pub what: AuditRead,
    /// The application read, or the person looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}
