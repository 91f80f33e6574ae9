//! The outbox's delivery as the store keeps it (issue 14, docs/design-notices.md): messages
//! due, each channel marked the moment it is sent, the outcome of an attempt, the lease that
//! lets one worker send at a time, and the messages as users and officers read them.

use chrono::{DateTime, Utc};

use crate::api::notices::Message;
use crate::domain::Iin;
use crate::i18n::Lang;

/// A message due for an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub to_email: Option<String>,
    pub to_phone: Option<String>,
    pub lang: Lang,
    pub subject: String,
    pub body: String,
    /// The SMS text (the subject for messages written before SMS had their own).
    pub sms: String,
    /// Failed attempts so far.
    pub attempts: u32,
    pub email_sent: bool,
    pub sms_sent: bool,
    pub created_at: DateTime<Utc>,
}

/// The two ways a message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// Every channel it has took it.
    Sent,
    /// Failed; tried again at `at`.
    Retry { error: String, at: DateTime<Utc> },
    /// Failed for the last time.
    Dead { error: String },
}

/// Which messages to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageScope {
    /// The user's own, newest first (the inbox).
    User(Iin),
    /// An application's, oldest first (its history).
    Application(i64),
    /// The dead messages of a region's applications, newest first (officers).
    DeadInRegion(String),
}

/// The listed messages, and for [`MessageScope::User`] how many of all theirs are unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub unread: u64,
}
