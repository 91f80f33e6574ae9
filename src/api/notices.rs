//! Notices (issue 14): the messages the outbox delivers, as the applicant's inbox, the
//! application's history and the officers' list of dead messages show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::ApplicationNumber;
use crate::i18n::Lang;

/// Where a message is in its delivery (docs/design-notices.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Written, not tried yet.
    Queued,
    /// Every channel took it.
    Sent,
    /// An attempt failed; it is tried again later.
    Failed,
    /// It failed as many times as the configuration allows; an officer sees it.
    Dead,
    /// Never sent: written before delivery existed and too old to send when an upgraded
    /// database started delivering (docs/design-notices.md, «Upgrading»).
    Skipped,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 5] = [
        DeliveryState::Queued,
        DeliveryState::Sent,
        DeliveryState::Failed,
        DeliveryState::Dead,
        DeliveryState::Skipped,
    ];

    /// The stable code, as stored and sent.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Dead => "dead",
            DeliveryState::Skipped => "skipped",
        }
    }

    pub fn parse(code: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The translated name (`api.delivery.*`).
    pub fn message_key(self) -> &'static str {
        match self {
            DeliveryState::Queued => "api.delivery.queued",
            DeliveryState::Sent => "api.delivery.sent",
            DeliveryState::Failed => "api.delivery.failed",
            DeliveryState::Dead => "api.delivery.dead",
            DeliveryState::Skipped => "api.delivery.skipped",
        }
    }
}

/// One message: to whom, what, and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: i64,
    /// The application it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub number: Option<ApplicationNumber>,
    #[schema(value_type = String)]
    pub language: Lang,
    pub subject: String,
    pub body: String,
    pub state: DeliveryState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed (officers only; empty for the applicant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Where it goes (officers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When the user opened it in the inbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/inbox`: the user's messages, newest first, and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Inbox {
    pub messages: Vec<Message>,
    pub unread: u64,
}

/// `GET /api/v1/inbox?limit=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Newest first; from 1 to [`MAX_MESSAGES`] (the default), else `invalid_paging`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `GET /api/v1/officer/messages/dead?region=&limit=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadQuery {
    /// The officer's own region (the default); another region is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Newest first; from 1 to [`MAX_MESSAGES`] (the default), else `invalid_paging`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The most messages one answer lists.
pub const MAX_MESSAGES: u32 = 500;
