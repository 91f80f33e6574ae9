//! Notifications: every status change and reminder becomes a message in the applicant's language
//! for their e-mail and phone (docs/domain-rules.md, «History, documents, notices»).
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
    let hint = t!(
        format!("notify.hint.{}", notice.event.code()),
        locale = locale
    );
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{EventKind, Status};

    /// Every event the lifecycle can report; a new one must get its hint here and in the files.
    const EVENTS: [EventKind; 19] = [
        EventKind::Registered,
        EventKind::InterestConfirmed,
        EventKind::BenefitChanged,
        EventKind::Withdrawn,
        EventKind::OfferMade,
        EventKind::DirectionIssued,
        EventKind::OfferDeclined,
        EventKind::OfferExpired,
        EventKind::DirectionExtended,
        EventKind::DirectionRevoked,
        EventKind::DirectionExpired,
        EventKind::Enrolled,
        EventKind::BenefitConfirmed,
        EventKind::BenefitRejected,
        EventKind::OutOfTurnConfirmed,
        EventKind::OutOfTurnUnconfirmed,
        EventKind::InterestReminder,
        EventKind::InterestLapsed,
        EventKind::StopListEnded,
    ];

    fn number() -> ApplicationNumber {
        ApplicationNumber::new(2026, 27, 1).unwrap()
    }

    fn recipient(lang: Lang) -> Recipient {
        Recipient {
            email: Some("aigerim.serikova.demo@example.com".into()),
            phone: Some("+7 701 234 56 78".into()),
            lang,
        }
    }

    #[test]
    fn every_event_has_a_message_in_every_language() {
        for event in EVENTS {
            let notice = Notice {
                event,
                status: Status::InQueue,
                deadline: None,
            };
            let mut bodies = Vec::new();
            for lang in Lang::ALL {
                let message =
                    message(&notice, &number(), "Серикова Аружан", &recipient(lang)).unwrap();
                assert_eq!(message.lang, lang);
                for text in [&message.subject, &message.body] {
                    // rust-i18n answers a missing key with the key itself.
                    assert!(
                        !text.contains("notify.") && !text.contains("domain."),
                        "{event:?} {lang}: {text}"
                    );
                }
                assert!(message.subject.contains("УО.2026.000027.1"));
                assert!(message.body.contains("Серикова Аружан"));
                bodies.push(message.body);
            }
            assert_ne!(bodies[0], bodies[1], "{event:?}: kk and ru read the same");
            assert_ne!(bodies[1], bodies[2], "{event:?}: ru and en read the same");
        }
    }

    #[test]
    fn an_offer_names_its_deadline_in_astana_time() {
        let notice = Notice {
            event: EventKind::OfferMade,
            status: Status::Offered,
            // Midnight in Astana (UTC+5) is 19:00 UTC the day before.
            deadline: Some(Utc.with_ymd_and_hms(2026, 12, 3, 19, 0, 0).unwrap()),
        };
        let message = message(&notice, &number(), "Жұмабаев Әлихан", &recipient(Lang::Kk)).unwrap();
        assert!(
            message.body.contains("03.12.2026 23:59"),
            "{}",
            message.body
        );
        assert!(message.body.contains("Жұмабаев Әлихан"));
        assert!(message.body.contains("Жеке кабинетте"), "{}", message.body);
        assert_eq!(message.to_phone.as_deref(), Some("+7 701 234 56 78"));
    }

    #[test]
    fn nowhere_to_send_means_no_message() {
        let notice = Notice {
            event: EventKind::Enrolled,
            status: Status::Enrolled,
            deadline: None,
        };
        let mut nobody = recipient(Lang::Ru);
        nobody.email = None;
        nobody.phone = None;
        assert_eq!(message(&notice, &number(), "Ребенок", &nobody), None);
        nobody.phone = Some("+7 777 000 00 00".into());
        let sms_only = message(&notice, &number(), "Ребенок", &nobody).unwrap();
        assert_eq!(sms_only.to_email, None);
        assert!(sms_only.body.contains("Поздравляем"));
    }
}
