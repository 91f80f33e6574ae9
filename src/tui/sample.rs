//! Demo data in the shape the server sends, for the pictures of the screens (snapshot tests,
//! `kezek screenshots`) and the journal benchmark: realistic Kazakh and Russian names, valid
//! IINs, the seeds' application numbers and dates. Deterministic, so pictures only change when
//! the screens do.

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::api::applications::{
    ApplicantInfo, ApplicationDetail, ChildInfo, DocumentInfo, DocumentKind, HistoryEntry,
    JournalPage, JournalRow, PositionChange,
};
use crate::api::catalogue::{District, Kindergarten, LocalizedName, Region, Settlement};
use crate::api::profile::BoundChild;
use crate::api::public::{CohortStats, MonthStats, PublicQueueEntry, PublicStats};
use crate::domain::iin::check_digit;
use crate::domain::lifecycle::EventKind;
use crate::domain::{
    ActionKind, Actor, ApplicationNumber, ApplicationState, Benefit, BenefitClass, BenefitReview,
    Cohort, Direction, Iin, Offer, PositionCause, QueuePosition, Status,
};

const SURNAMES: [&str; 8] = [
    "Абенов",
    "Сейтқали",
    "Иванов",
    "Жақсыбеков",
    "Нұрланов",
    "Ким",
    "Оспанов",
    "Әбілқасымов",
];
const NAMES: [&str; 8] = [
    "Әлихан",
    "Айсұлу",
    "Тимур",
    "Дана",
    "Нұрсұлтан",
    "Мирас",
    "Аружан",
    "Ерасыл",
];
const PARENTS: [&str; 6] = [
    "Абенова Гүлнар Серікқызы",
    "Сейтқали Ержан Маратұлы",
    "Иванова Ольга Петровна",
    "Жақсыбекова Айгерім Болатқызы",
    "Нұрланов Дәурен Асқарұлы",
    "Ким Елена Викторовна",
];

/// A valid IIN of someone born on `born`, made unique by `serial`.
pub fn iin(born: NaiveDate, serial: u32, female: bool) -> Iin {
    let century = match (born.format("%Y").to_string().starts_with("19"), female) {
        (true, false) => 3,
        (true, true) => 4,
        (false, false) => 5,
        (false, true) => 6,
    };
    for bump in 0..10 {
        let text = format!(
            "{}{century}{:04}",
            born.format("%y%m%d"),
            (serial + bump) % 10_000
        );
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        let first11: [u8; 11] = digits.try_into().expect("eleven digits");
        if let Some(check) = check_digit(&first11) {
            return Iin::parse(&format!("{text}{check}")).expect("a checked IIN parses");
        }
    }
    unreachable!("one of ten serials gives a check digit")
}

fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(hour, minute, 9))
        .expect("a real date")
        .and_utc()
}

/// Row `index` of a journal of generated applications, in registration order.
pub fn journal_row(index: u64) -> JournalRow {
    let i = index as usize;
    let born = NaiveDate::from_ymd_opt(
        2020 + (i % 5) as i32,
        1 + (i % 12) as u32,
        1 + (i % 28) as u32,
    )
    .expect("a real date");
    let status = match i % 11 {
        0 => Status::Offered,
        1 => Status::DirectionIssued,
        2 => Status::Enrolled,
        3 => Status::Removed,
        _ => Status::InQueue,
    };
    let (class, category) = match i % 7 {
        0 => (
            BenefitClass::FirstTurn,
            Some("special_educational_needs".to_owned()),
        ),
        1 => (BenefitClass::OutOfTurn, Some("military".to_owned())),
        _ => (BenefitClass::None, None),
    };
    JournalRow {
        number: ApplicationNumber::new(2026, (index % 999_999) as u32 + 1, 1)
            .expect("a six-digit sequence"),
        child_full_name: format!(
            "{} {}",
            SURNAMES[i % SURNAMES.len()],
            NAMES[(i / 3) % NAMES.len()]
        ),
        child_iin: iin(born, (index % 9000) as u32, i % 2 == 1),
        queue_number: if status == Status::InQueue {
            (index + 1) as u32
        } else {
            0
        },
        applicant_full_name: PARENTS[i % PARENTS.len()].to_owned(),
        created_at: at(2026, 1, 12, 9, 0) + chrono::Duration::minutes(index as i64 * 7),
        status,
        benefit_class: class,
        benefit_category: category,
        child_birth_date: born,
    }
}

/// `count` generated rows.
pub fn journal_rows(count: u64) -> Vec<JournalRow> {
    (0..count).map(journal_row).collect()
}

/// The first page of a journal of `total` applications.
pub fn journal_page(total: u64, per_page: u64) -> JournalPage {
    JournalPage {
        rows: journal_rows(per_page.min(total)),
        total,
        next_cursor: None,
    }
}

/// The application of seed 002 after its direction was issued: the one that gets extended.
pub fn application_with_direction() -> ApplicationDetail {
    let child_born = NaiveDate::from_ymd_opt(2021, 4, 20).expect("a real date");
    ApplicationDetail {
        state: ApplicationState {
            number: ApplicationNumber::new(2026, 27, 1).expect("valid"),
            cohort: Cohort {
                region: "almaty".to_owned(),
                birth_year: 2021,
            },
            status: Status::DirectionIssued,
            registered_at: at(2026, 3, 8, 10, 58),
            last_change_at: at(2026, 11, 24, 11, 22),
            benefit: Some(Benefit {
                category: "special_educational_needs".to_owned(),
                review: BenefitReview::Confirmed,
            }),
            interest_due: at(2027, 3, 8, 10, 58),
            interest_reminders_sent: 0,
            stop_list_until: None,
            offer: None,
            direction: Some(Direction {
                kindergarten: "almaty-balapan-1".to_owned(),
                issued_at: at(2026, 11, 24, 11, 22),
                expires_at: at(2026, 12, 1, 18, 0),
                extension: None,
                in_person_by: None,
            }),
            removal: None,
        },
        state_key: Status::DirectionIssued.current_state_key(),
        settlement: "almaty".to_owned(),
        applicant: ApplicantInfo {
            iin: iin(
                NaiveDate::from_ymd_opt(1993, 8, 18).expect("valid"),
                4521,
                true,
            ),
            full_name: "Абенова Гүлнар Серікқызы".to_owned(),
            address: Some("Алматы, Бостандық ауданы, Абай даңғылы, 150, 12".to_owned()),
            email: Some("gulnar.abenova@mail.kz".to_owned()),
            phone: Some("+7 701 234 56 78".to_owned()),
        },
        child: ChildInfo {
            iin: iin(child_born, 3310, false),
            full_name: "Абенов Әлихан Ержанұлы".to_owned(),
            birth_date: child_born,
        },
        desired_kindergartens: vec!["almaty-balapan-1".to_owned()],
        queue: QueuePosition {
            general: 2,
            benefit: 1,
        },
        service_centre_request: None,
        allowed_actions: vec![ActionKind::RevokeDirection, ActionKind::ExtendDirection],
    }
}

/// The same application still waiting in the queue, as in seed 003's figure 15.
pub fn application_in_queue() -> ApplicationDetail {
    let mut detail = application_with_direction();
    detail.state.status = Status::InQueue;
    detail.state.last_change_at = detail.state.registered_at;
    detail.state.direction = None;
    detail.state_key = Status::InQueue.current_state_key();
    detail.allowed_actions = vec![
        ActionKind::ConfirmInterest,
        ActionKind::ChangeBenefit,
        ActionKind::Withdraw,
    ];
    detail
}

/// The same application with a place offered in two kindergartens, awaiting the answer.
pub fn application_offered() -> ApplicationDetail {
    let mut detail = application_in_queue();
    detail.state.status = Status::Offered;
    detail.state.last_change_at = at(2026, 11, 24, 11, 22);
    detail.state.offer = Some(Offer {
        kindergartens: vec!["almaty-balapan-1".to_owned(), "almaty-aigolek-7".to_owned()],
        made_at: at(2026, 11, 24, 11, 22),
        answer_by: at(2026, 11, 27, 18, 0),
    });
    detail.state_key = Status::Offered.current_state_key();
    detail.allowed_actions = vec![
        ActionKind::Withdraw,
        ActionKind::AcceptOffer,
        ActionKind::DeclineOffer,
    ];
    detail
}

/// The kindergartens the offer and the direction name.
pub fn kindergartens() -> Vec<Kindergarten> {
    let kindergarten = |code: &str, names: [&str; 3], addresses: [&str; 3]| Kindergarten {
        code: code.to_owned(),
        region: "almaty".to_owned(),
        settlement: "almaty".to_owned(),
        name: name(names[0], names[1], names[2]),
        address: name(addresses[0], addresses[1], addresses[2]),
        groups: Vec::new(),
    };
    vec![
        kindergarten(
            "almaty-balapan-1",
            [
                "«Балапан» №1 ЖББ",
                "ЧДС «Балапан» №1",
                "Balapan private kindergarten No. 1",
            ],
            ["Абай даңғылы, 52", "пр. Абая, 52", "52 Abai Avenue"],
        ),
        kindergarten(
            "almaty-aigolek-7",
            [
                "№7 «Айгөлек» бөбекжайы",
                "Ясли-сад №7 «Айгөлек»",
                "Aigolek nursery school No. 7",
            ],
            [
                "Сәтбаев көшесі, 18",
                "ул. Сатпаева, 18",
                "18 Satpayev Street",
            ],
        ),
    ]
}

/// «История изменений» of [`application_with_direction`].
pub fn history() -> Vec<HistoryEntry> {
    let applicant = Actor::Applicant {
        iin: application_with_direction().applicant.iin,
    };
    let entry = |when, actor: Actor, name: Option<&str>, event, old, new, comment: Option<&str>| {
        HistoryEntry {
            at: when,
            actor,
            actor_name: name.map(str::to_owned),
            service_centre_request: None,
            event,
            old_status: old,
            new_status: new,
            comment: comment.map(str::to_owned),
            signed_document_sha256: None,
        }
    };
    vec![
        entry(
            at(2026, 3, 8, 10, 58),
            applicant.clone(),
            Some("Абенова Г. С."),
            EventKind::Registered,
            None,
            Status::InQueue,
            None,
        ),
        entry(
            at(2026, 5, 14, 9, 30),
            Actor::Officer {
                iin: iin(
                    NaiveDate::from_ymd_opt(1985, 2, 1).expect("valid"),
                    77,
                    true,
                ),
                region: "almaty".to_owned(),
            },
            None,
            EventKind::BenefitConfirmed,
            Some(Status::InQueue),
            Status::InQueue,
            Some("Документы проверены"),
        ),
        entry(
            at(2026, 11, 20, 6, 0),
            Actor::System,
            None,
            EventKind::OfferMade,
            Some(Status::InQueue),
            Status::Offered,
            None,
        ),
        entry(
            at(2026, 11, 24, 11, 22),
            applicant,
            Some("Абенова Г. С."),
            EventKind::DirectionIssued,
            Some(Status::Offered),
            Status::DirectionIssued,
            None,
        ),
    ]
}

/// «Общие документы»: one uploaded scan and the generated documents.
pub fn documents() -> Vec<DocumentInfo> {
    let document = |id: &str, kind, name: &str, created| DocumentInfo {
        id: id.to_owned(),
        kind,
        file_name: name.to_owned(),
        content_type: "application/pdf".to_owned(),
        size: Some(48_213),
        created_at: created,
    };
    vec![
        document(
            "d1",
            DocumentKind::RegistrationNotice,
            "registration_notice.pdf",
            at(2026, 3, 8, 10, 58),
        ),
        document(
            "d2",
            DocumentKind::DocumentsReceipt,
            "documents_receipt.pdf",
            at(2026, 3, 8, 10, 58),
        ),
        document(
            "d3",
            DocumentKind::BookRegistration,
            "book_registration.pdf",
            at(2026, 3, 8, 10, 59),
        ),
        document(
            "d4",
            DocumentKind::Attachment,
            "справка_ПМПК.pdf",
            at(2026, 3, 8, 10, 50),
        ),
        document(
            "d5",
            DocumentKind::Direction,
            "direction.pdf",
            at(2026, 11, 24, 11, 22),
        ),
    ]
}

/// How the child's number went down from 48 to 2, and why.
pub fn positions() -> Vec<PositionChange> {
    let change = |when, general, benefit, cause| PositionChange {
        at: when,
        position: QueuePosition { general, benefit },
        cause,
    };
    vec![
        change(at(2026, 3, 8, 10, 58), 48, 0, PositionCause::Registered),
        change(
            at(2026, 5, 14, 9, 30),
            48,
            6,
            PositionCause::Own(EventKind::BenefitConfirmed),
        ),
        change(
            at(2026, 6, 2, 6, 0),
            31,
            4,
            PositionCause::Ahead(EventKind::DirectionIssued),
        ),
        change(
            at(2026, 8, 20, 6, 0),
            17,
            3,
            PositionCause::Ahead(EventKind::DirectionIssued),
        ),
        change(
            at(2026, 9, 9, 6, 0),
            18,
            3,
            PositionCause::Ahead(EventKind::DirectionExpired),
        ),
        change(
            at(2026, 10, 1, 6, 0),
            6,
            2,
            PositionCause::Ahead(EventKind::Enrolled),
        ),
        change(
            at(2026, 11, 2, 6, 0),
            2,
            1,
            PositionCause::Ahead(EventKind::InterestLapsed),
        ),
    ]
}

/// What the public search shows for [`application_in_queue`].
pub fn public_entry() -> PublicQueueEntry {
    let detail = application_in_queue();
    PublicQueueEntry {
        number: detail.state.number,
        child_name_masked: "А*** Ә.".to_owned(),
        birth_year: detail.state.cohort.birth_year,
        region: detail.state.cohort.region,
        status: detail.state.status,
        queue_number: detail.queue.general,
        benefit_queue_number: detail.queue.benefit,
        registered_at: detail.state.registered_at,
    }
}

fn name(kk: &str, ru: &str, en: &str) -> LocalizedName {
    LocalizedName {
        kk: kk.to_owned(),
        ru: ru.to_owned(),
        en: en.to_owned(),
    }
}

/// Two regions, enough to step between them.
pub fn regions() -> Vec<Region> {
    vec![
        Region {
            code: "almaty".to_owned(),
            name: name("Алматы қаласы", "г. Алматы", "Almaty city"),
            education_department: name(
                "Алматы қаласының білім басқармасы",
                "Управление образования г. Алматы",
                "Almaty education department",
            ),
            districts: vec![District {
                code: "almaty_bostandyk".to_owned(),
                name: name(
                    "Бостандық ауданы",
                    "Бостандыкский район",
                    "Bostandyk district",
                ),
                settlements: vec![Settlement {
                    code: "almaty_bostandyk_city".to_owned(),
                    name: name("Алматы", "Алматы", "Almaty"),
                }],
            }],
        },
        Region {
            code: "aktobe_region".to_owned(),
            name: name("Ақтөбе облысы", "Актюбинская область", "Aktobe region"),
            education_department: name(
                "Ақтөбе облысының білім басқармасы",
                "Управление образования Актюбинской области",
                "Aktobe region education department",
            ),
            districts: Vec::new(),
        },
    ]
}

/// Statistics of Almaty: six cohorts.
pub fn public_stats() -> PublicStats {
    let cohorts = (2020..=2025)
        .zip([
            (812, 64, 21),
            (1930, 171, 40),
            (2544, 233, 52),
            (3120, 260, 61),
            (2871, 198, 47),
            (1406, 88, 19),
        ])
        .map(
            |(birth_year, (general, first_turn, out_of_turn))| CohortStats {
                birth_year,
                general,
                first_turn,
                out_of_turn,
            },
        )
        .collect();
    let months = [("2026-09", 120, 97, 90), ("2026-10", 45, 51, 44)]
        .into_iter()
        .map(|(month, free_places, directions, enrollments)| MonthStats {
            month: month.to_owned(),
            free_places,
            directions,
            enrollments,
        })
        .collect();
    PublicStats {
        region: "almaty".to_owned(),
        cohorts,
        open_free_places: 17,
        months,
    }
}

/// The children bound to the second parent in seed 001's flow.
pub fn bound_children() -> Vec<BoundChild> {
    let child = application_with_direction().child;
    let sister_born = child
        .birth_date
        .checked_add_days(Days::new(700))
        .expect("valid");
    vec![
        BoundChild {
            iin: child.iin,
            birth_date: child.birth_date,
            full_name: child.full_name,
        },
        BoundChild {
            iin: iin(sister_born, 1207, true),
            birth_date: sister_born,
            full_name: "Абенова Айсұлу Ержанқызы".to_owned(),
        },
    ]
}

// --- the ЦОН desk (issue 12) ---

/// The ЦОН operator at the counter: her name and centre for the status bar.
pub fn operator_session() -> crate::tui::session::Session {
    crate::tui::session::Session {
        full_name: "АХМЕТОВА ГҮЛНАРА".to_owned(),
        iin: "850211417430".to_owned(),
        roles: vec![crate::api::auth::RoleGrant {
            role: crate::api::auth::RoleKind::Operator,
            region: Some("astana".to_owned()),
        }],
        organisation: Some(crate::api::auth::Organisation {
            bin: "160440090000".to_owned(),
            name: Some("ЦОН Есиль".to_owned()),
        }),
    }
}

/// A service session of the demo server, the code sent and answered marked DEMO.
pub fn desk_service() -> crate::api::desk::Service {
    let applicant = application_with_direction().applicant;
    crate::api::desk::Service {
        id: "7f3a9c".to_owned(),
        citizen_iin: applicant.iin,
        state: crate::api::desk::ServiceState::AwaitingCode,
        phone: Some("+7 *** *** ** 33".to_owned()),
        code_expires_at: at(2026, 11, 30, 4, 5),
        consent_until: None,
        demo_code: Some("418207".to_owned()),
        request_number_format: Some("ЦОН-##########".to_owned()),
    }
}

/// The citizen's card: the mother of the seeds' application, her two children.
pub fn citizen_card() -> crate::api::desk::CitizenCard {
    use crate::api::desk::{CardApplication, CardChild, CitizenCard};
    let detail = application_with_direction();
    let sister = &bound_children()[1];
    CitizenCard {
        iin: detail.applicant.iin,
        surname: "Абенова".to_owned(),
        name: "Гүлнар".to_owned(),
        patronymic: Some("Серікқызы".to_owned()),
        birth_date: detail.applicant.iin.birth_date(),
        address: Some("Астана, Есильский район, ул. Сыганак, д. 18, кв. 42".to_owned()),
        children: vec![
            CardChild {
                iin: detail.child.iin,
                full_name: detail.child.full_name.clone(),
                birth_date: detail.child.birth_date,
                applications: vec![CardApplication {
                    number: detail.state.number,
                    status: detail.state.status,
                    queue_number: 0,
                    registered_at: detail.state.registered_at,
                }],
            },
            CardChild {
                iin: sister.iin,
                full_name: sister.full_name.clone(),
                birth_date: sister.birth_date,
                applications: Vec::new(),
            },
        ],
    }
}

/// «Кто просматривал мои данные»: one visit at the counter.
pub fn audit_entries() -> Vec<crate::api::desk::AuditEntry> {
    use crate::api::desk::{AuditEntry, AuditRead};
    let detail = application_with_direction();
    [
        (
            AuditRead::Receipt,
            Some(detail.state.number.to_string()),
            19,
        ),
        (
            AuditRead::ChildCheck,
            Some(detail.child.iin.to_string()),
            14,
        ),
        (AuditRead::Card, None, 12),
    ]
    .into_iter()
    .map(|(what, subject, minute)| AuditEntry {
        at: at(2026, 11, 30, 5, minute),
        operator_iin: Iin::parse("850211417430").expect("valid"),
        operator_name: "АХМЕТОВА ГҮЛНАРА".to_owned(),
        centre_name: Some("ЦОН Есиль".to_owned()),
        centre_bin: Some("160440090000".to_owned()),
        citizen_iin: detail.applicant.iin,
        what,
        subject,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_iins_are_valid_and_carry_the_birth_date() {
        for index in [0, 1, 17, 99_999] {
            let row = journal_row(index);
            assert_eq!(row.child_iin.birth_date(), row.child_birth_date);
        }
        let mother = application_with_direction().applicant.iin;
        assert_eq!(
            mother.birth_date(),
            NaiveDate::from_ymd_opt(1993, 8, 18).unwrap()
        );
    }
}
