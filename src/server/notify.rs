//! Notifications: every status change and reminder becomes a message in the applicant's language
//! for their e-mail and phone (docs/domain-rules.md, «History, documents, notices»).
//!
//! The store writes each [`OutboxMessage`] in the same transaction as the change it reports, so
//! nothing is lost when delivery is down; `server::delivery` later drains the outbox (SMTP, an
//! SMS provider). The outbox is the contract: this module only composes the messages.

use rust_i18n::t;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::kazakhstan_offset;
use crate::domain::{
    ApplicationNumber, ApplicationState, BenefitCategory, BenefitReview, EventKind, Notice,
    QueuePosition, Status,
};
use crate::i18n::Lang;
use crate::server::catalogue::Catalogue;

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
    /// The SMS: one segment (70 characters of Cyrillic) where possible, pointing to the e-mail
    /// when there is one ([`sms_text`]).
    pub sms: String,
}

/// What a notice adds from the application after the change, in `lang`: a registration's queue
/// numbers, the offered kindergartens, the direction's kindergarten, a removal's reason.
pub fn detail(
    notice: &Notice,
    state: &ApplicationState,
    position: QueuePosition,
    lang: Lang,
) -> Option<String> {
    let locale = lang.code();
    let name = |code: &str| {
        Catalogue::bundled()
            .kindergarten(code)
            .map_or_else(|| code.to_owned(), |k| k.name.get(lang).to_owned())
    };
    let detail = match notice.event {
        EventKind::Registered => {
            let benefit = match position.benefit {
                0 => "—".to_owned(),
                n => n.to_string(),
            };
            t!(
                "notify.detail.numbers",
                locale = locale,
                general = position.general.to_string(),
                benefit = benefit
            )
        }
        EventKind::OfferMade => {
            let offer = state.offer.as_ref()?;
            let names: Vec<String> = offer.kindergartens.iter().map(|c| name(c)).collect();
            t!(
                "notify.detail.offer",
                locale = locale,
                kindergartens = names.join("; ")
            )
        }
        EventKind::DirectionIssued | EventKind::DirectionExtended => {
            let direction = state.direction.as_ref()?;
            t!(
                "notify.detail.direction",
                locale = locale,
                kindergarten = name(&direction.kindergarten)
            )
        }
        // The officer's decision on the benefit, with the reason of a refusal.
        EventKind::BenefitRejected => {
            let reason = match &state.benefit.as_ref()?.review {
                BenefitReview::Rejected { reason } => reason,
                _ => return None,
            };
            t!(
                "notify.detail.benefit_rejected",
                locale = locale,
                reason = reason.trim()
            )
        }
        EventKind::BenefitConfirmed => {
            let benefit = state.benefit.as_ref()?;
            let category = BenefitCategory::find(&benefit.category)
                .map_or_else(|| benefit.category.clone(), |c| c.name(lang).to_owned());
            t!(
                "notify.detail.benefit_confirmed",
                locale = locale,
                category = category
            )
        }
        _ if notice.status == Status::Removed => {
            let removal = state.removal.as_ref()?;
            let reason = t!(removal.reason.message_key(), locale = locale);
            // The applicant's own words when they withdrew, as the history keeps them.
            let reason = match removal.comment.as_deref().map(str::trim) {
                Some(comment) if !comment.is_empty() => format!("{reason} ({comment})"),
                _ => reason.into_owned(),
            };
            t!("notify.detail.removal", locale = locale, reason = reason)
        }
        _ => return None,
    };
    Some(detail.into_owned())
}

/// One SMS segment of UCS-2 text, which Cyrillic and Kazakh letters need.
pub const SMS_SEGMENT: usize = 70;

/// The SMS of a notice: «УО.…: <event>, срок <deadline>. См. письмо.» when an e-mail carries
/// the rest (the sender's name says Kezek); without an e-mail the whole notice, however many
/// segments it takes.
pub fn sms_text(notice: &Notice, number: &ApplicationNumber, lang: Lang, email: bool) -> String {
    let locale = lang.code();
    if !email {
        return notice.text(lang, number);
    }
    let event = t!(notice.event.message_key(), locale = locale);
    let number = number.to_string();
    let head = match notice.deadline {
        Some(deadline) => {
            // The day alone (the last one in time): the e-mail has the minute, and the SMS
            // stays one segment.
            let deadline = (deadline - chrono::Duration::seconds(1))
                .with_timezone(&kazakhstan_offset())
                .format("%d.%m.%Y")
                .to_string();
            t!(
                "notify.sms.until",
                locale = locale,
                number = number,
                event = event,
                deadline = deadline
            )
        }
        None => t!(
            "notify.sms.plain",
            locale = locale,
            number = number,
            event = event
        ),
    };
    format!("{head} {}", t!("notify.sms.more", locale = locale))
}

/// The message for one notice of the domain about application `number` of child `child` (full
/// name); `None` when the recipient left no e-mail and no phone, as there is nowhere to send it.
///
/// The body is a greeting naming the application and the child, the domain's own sentence of
/// what happened with its deadline, the `detail` of the event ([`detail`]), what the applicant
/// can do now, and a signature.
pub fn message(
    notice: &Notice,
    number: &ApplicationNumber,
    child: &str,
    detail: Option<&str>,
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
    let sms = sms_text(notice, number, recipient.lang, recipient.email.is_some());
    let text = notice.text(recipient.lang, number);
    let body = match detail {
        Some(detail) => format!("{greeting}\n\n{text}\n{detail}\n{hint}\n\n{signature}"),
        None => format!("{greeting}\n\n{text}\n{hint}\n\n{signature}"),
    };
    Some(OutboxMessage {
        to_email: recipient.email.clone(),
        to_phone: recipient.phone.clone(),
        lang: recipient.lang,
        subject: subject.into_owned(),
        body,
        sms,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    /// Every event the lifecycle can report; a new one must get its hint here and in the files.
    const EVENTS: [EventKind; 20] = [
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
        EventKind::DirectionExpiring,
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
                let message = message(
                    &notice,
                    &number(),
                    "Серикова Аружан",
                    None,
                    &recipient(lang),
                )
                .unwrap();
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
        let message = message(
            &notice,
            &number(),
            "Жұмабаев Әлихан",
            None,
            &recipient(Lang::Kk),
        )
        .unwrap();
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
    fn an_sms_is_one_segment_and_points_to_the_e_mail() {
        let offer = Notice {
            event: EventKind::OfferMade,
            status: Status::Offered,
            deadline: Some(Utc.with_ymd_and_hms(2026, 12, 3, 19, 0, 0).unwrap()),
        };
        for lang in Lang::ALL {
            let sms = message(&offer, &number(), "Серикова Аружан", None, &recipient(lang))
                .unwrap()
                .sms;
            // Latin text is GSM-7, 160 characters a segment; Cyrillic takes UCS-2, 70.
            let segment = if lang == Lang::En { 160 } else { SMS_SEGMENT };
            assert!(sms.chars().count() <= segment, "{lang}: {sms}");
            assert!(
                sms.contains("УО.2026.000027.1") && sms.contains("03.12.2026"),
                "{sms}"
            );
        }
        let ru = message(
            &offer,
            &number(),
            "Серикова Аружан",
            None,
            &recipient(Lang::Ru),
        )
        .unwrap();
        assert_eq!(
            ru.sms,
            "УО.2026.000027.1: Предложено место, срок 03.12.2026. См. письмо."
        );
        // A direction about to expire names its last day and fits one segment too.
        let expiring = Notice {
            event: EventKind::DirectionExpiring,
            status: Status::DirectionIssued,
            deadline: Some(Utc.with_ymd_and_hms(2026, 12, 16, 19, 0, 0).unwrap()),
        };
        for lang in Lang::ALL {
            let sms = sms_text(&expiring, &number(), lang, true);
            let segment = if lang == Lang::En { 160 } else { SMS_SEGMENT };
            assert!(sms.chars().count() <= segment, "{lang}: {sms}");
            assert!(sms.contains("16.12.2026"), "{sms}");
        }
        // The common events fit one segment in Kazakh and Russian.
        for event in [
            EventKind::Registered,
            EventKind::DirectionIssued,
            EventKind::DirectionExtended,
            EventKind::Enrolled,
            EventKind::BenefitConfirmed,
            EventKind::BenefitRejected,
            EventKind::Withdrawn,
        ] {
            let notice = Notice {
                event,
                status: Status::InQueue,
                deadline: None,
            };
            for lang in [Lang::Kk, Lang::Ru] {
                let sms = sms_text(&notice, &number(), lang, true);
                assert!(sms.chars().count() <= SMS_SEGMENT, "{lang}: {sms}");
            }
        }
        // Without an e-mail the SMS says it all.
        let mut phone_only = recipient(Lang::Ru);
        phone_only.email = None;
        let sms = message(&offer, &number(), "Серикова Аружан", None, &phone_only)
            .unwrap()
            .sms;
        assert_eq!(sms, offer.text(Lang::Ru, &number()));
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
        assert_eq!(message(&notice, &number(), "Ребенок", None, &nobody), None);
        nobody.phone = Some("+7 777 000 00 00".into());
        let sms_only = message(&notice, &number(), "Ребенок", None, &nobody).unwrap();
        assert_eq!(sms_only.to_email, None);
        assert!(sms_only.body.contains("Поздравляем"));
    }

    fn state(benefit: Option<crate::domain::Benefit>) -> ApplicationState {
        ApplicationState::registered(
            number(),
            crate::domain::Cohort {
                region: "astana".into(),
                birth_year: 2023,
            },
            benefit,
            Utc.with_ymd_and_hms(2026, 3, 2, 5, 0, 0).unwrap(),
            &crate::domain::RegionSettings::default(),
        )
    }

    fn body(notice: &Notice, state: &ApplicationState, lang: Lang) -> String {
        let detail = detail(notice, state, QueuePosition::default(), lang);
        message(
            notice,
            &number(),
            "Серикова Аружан",
            detail.as_deref(),
            &recipient(lang),
        )
        .unwrap()
        .body
    }

    #[test]
    fn a_benefit_decision_names_the_benefit_or_the_officers_reason() {
        let rejected = state(Some(crate::domain::Benefit {
            category: "large_families".into(),
            review: BenefitReview::Rejected {
                reason: "Справка о составе семьи просрочена".into(),
            },
        }));
        let notice = Notice {
            event: EventKind::BenefitRejected,
            status: Status::InQueue,
            deadline: None,
        };
        for lang in Lang::ALL {
            let body = body(&notice, &rejected, lang);
            assert!(
                body.contains("Справка о составе семьи просрочена"),
                "{lang}: {body}"
            );
        }
        assert!(body(&notice, &rejected, Lang::Ru).contains("Причина отказа:"));
        let mut confirmed = rejected.clone();
        confirmed.benefit.as_mut().unwrap().review = BenefitReview::Confirmed;
        let notice = Notice {
            event: EventKind::BenefitConfirmed,
            ..notice
        };
        let category = BenefitCategory::find("large_families").unwrap();
        for lang in Lang::ALL {
            let body = body(&notice, &confirmed, lang);
            assert!(body.contains(category.name(lang)), "{lang}: {body}");
        }
    }

    #[test]
    fn a_removal_says_why_in_the_applicants_words() {
        let mut removed = state(None);
        removed.status = Status::Removed;
        removed.removal = Some(crate::domain::Removal {
            reason: crate::domain::RemovalReason::Withdrawn,
            comment: Some("Переезд в Шымкент".into()),
        });
        let notice = Notice {
            event: EventKind::Withdrawn,
            status: Status::Removed,
            deadline: None,
        };
        for lang in Lang::ALL {
            let body = body(&notice, &removed, lang);
            assert!(body.contains("Переезд в Шымкент"), "{lang}: {body}");
        }
        let ru = body(&notice, &removed, Lang::Ru);
        assert!(ru.contains("Причина:"), "{ru}");
    }
}
