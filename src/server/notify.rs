//! Notifications: every status change and reminder becomes a message in the applicant's language
//! for their e-mail and phone (SPEC §2, Notifications).
//!
//! The store writes each [`OutboxMessage`] in the same transaction as the change it reports, so
//! nothing is lost when delivery is down; a [`Sender`] (SMTP, an SMS provider) later drains the
//! outbox. The outbox is the contract: this module only composes the messages.

use async_trait::async_trait;
use rust_i18n::t;
use serde::{Deserialize, Serialize};

use crate::domain::{ApplicationNumber, Notice};
use crate::i18n::Lang;

/// Where and in which language an applicant reads their messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: Lang,
}

/// One message waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub to_email: Option<String>,
    pub to_phone: Option<String>,
    pub lang: Lang,
    pub subject: String,
    pub body: String,
}

/// The message for one notice of the domain about application `number` of child `child` (full
/// name); `None` when the recipient left no e-mail and no phone, as there is nowhere to send it.
///
/// The body is a greeting naming the application and the child, the domain's own sentence of
/// what happened with its deadline, what the applicant can do now, and a signature.
pub fn message(
    notice: &Notice,
    number: &ApplicationNumber,
    child: &str,
    recipient: &Recipient,
) -> Option<OutboxMessage> {
    if recipient.email.is_none() && recipient.phone.is_none() {
        return None;
    }
    let locale = recipient.lang.code();
    let number_text = number.to_string();
    let event = t!(notice.event.message_key(), locale = locale);
    let subject = t!(
        "notify.subject",
        locale = locale,
        event = event,
        number = number_text
    );
    let greeting = t!(
        "notify.greeting",
        locale = locale,
        number = number_text,
        child = child
    );
    let hint = t!(format!("notify.hint.{}", notice.event.code()), locale = locale);
    let signature = t!("notify.signature", locale = locale);
    let body = format!(
        "{greeting}\n\n{}\n{hint}\n\n{signature}",
        notice.text(recipient.lang, number)
    );
    Some(OutboxMessage {
        to_email: recipient.email.clone(),
        to_phone: recipient.phone.clone(),
        lang: recipient.lang,
        subject: subject.into_owned(),
        body,
    })
}

/// Why a message could not be delivered; the outbox keeps it for the next attempt.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the delivery service is unreachable: {0}")]
    Unreachable(String),
    #[error("the delivery service refused the message: {0}")]
    Refused(String),
}

/// A delivery channel for outbox messages (SMTP for e-mail, an SMS provider for phones).
/// Implementations send one message and report; retries and bookkeeping stay with the outbox.
#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError>;
}
