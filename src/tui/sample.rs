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
                remind_at: None,
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

/// Issue 13: a year of Astana's report as the server answers it, for the report screen.
pub fn region_report() -> crate::api::report::RegionReport {
    use crate::api::report::{RegionReport, ReportRow};
    let months: Vec<ReportRow> = (0..12)
        .zip([
            (40, 31, 6, 3, 29, 12, 402.5, 611),
            (22, 18, 3, 1, 18, 20, 397.1, 604),
            (35, 27, 5, 3, 27, 15, 415.0, 630),
            (60, 44, 9, 7, 44, 30, 388.4, 597),
            (52, 41, 8, 3, 40, 38, 391.9, 588),
            (310, 251, 38, 21, 250, 170, 365.2, 552),
            (120, 96, 15, 9, 95, 140, 371.6, 560),
            (980, 812, 102, 66, 810, 620, 342.8, 529),
            (1430, 1197, 141, 92, 1190, 1050, 336.0, 518),
            (640, 530, 68, 42, 528, 610, 350.3, 533),
            (210, 170, 25, 15, 168, 230, 361.7, 547),
            (95, 74, 12, 9, 73, 81, 377.2, 566),
        ])
        .map(
            |(i, (made, accepted, declined, expired, directions, enrolled, avg, p90))| {
                let (year, month) = if i == 0 { (2025, 12) } else { (2026, i) };
                ReportRow {
                    period: format!("{year}-{month:02}"),
                    offers_made: made,
                    offers_accepted: accepted,
                    offers_declined: declined,
                    offers_expired: expired,
                    directions,
                    enrollments: enrolled,
                    wait_average_days: Some(avg),
                    wait_p90_days: Some(p90),
                }
            },
        )
        .collect();
    let sum = |f: fn(&ReportRow) -> u64| months.iter().map(f).sum::<u64>();
    let total = ReportRow {
        period: "2025-12..2026-11".to_owned(),
        offers_made: sum(|r| r.offers_made),
        offers_accepted: sum(|r| r.offers_accepted),
        offers_declined: sum(|r| r.offers_declined),
        offers_expired: sum(|r| r.offers_expired),
        directions: sum(|r| r.directions),
        enrollments: sum(|r| r.enrollments),
        wait_average_days: Some(349.6),
        wait_p90_days: Some(541),
    };
    RegionReport {
        region: "astana".to_owned(),
        from: "2025-12".to_owned(),
        to: "2026-11".to_owned(),
        queue: public_stats().cohorts,
        months,
        total,
    }
}

/// A Kaztoken in its reader, as a PKCS#11 module lists it.
pub fn token_slots() -> Vec<crate::pki::pkcs11::SlotListing> {
    vec![crate::pki::pkcs11::SlotListing {
        id: 1,
        description: "Kaztoken USB".to_owned(),
        token: Some("SERIKOVA A.N.".to_owned()),
    }]
}

/// The demo parent's AUTH and SIGN keys as a token lists them (label, CKA_ID, certificate),
/// their certificates read from the demo keystores.
pub fn token_keys() -> Vec<crate::pki::signer::KeyListing> {
    let folder = crate::server::config::demo_keystores();
    let index = crate::client::demo::load_index(&folder).expect("the demo keystores' index");
    [("AUTH", "auth", "41"), ("SIGN", "sign", "51")]
        .into_iter()
        .map(|(usage, name, id)| {
            let demo = crate::client::demo::find(&index, "900514440216", usage, "valid")
                .expect("the demo parent's keystore");
            let keystore = crate::pki::keystore::Keystore::open_file(demo.path(), &demo.password)
                .expect("the demo keystore opens");
            crate::pki::signer::KeyListing {
                name: name.to_owned(),
                id_hex: Some(id.to_owned()),
                certificate: keystore.entries[0].certificate.clone(),
                chain: Vec::new(),
            }
        })
        .collect()
}

// --- issue 13: the officer's workspace ---

/// The region's kindergartens as the officer's list shows them: groups with their places, one
/// group closed.
pub fn officer_kindergartens() -> Vec<crate::api::officer::KindergartenInfo> {
    use crate::api::officer::{GroupInfo, KindergartenInfo, group_id};
    let group = |kg: &str,
                 age: &str,
                 names: [&str; 3],
                 years: [i32; 2],
                 language: &str,
                 places: [u32; 4]| {
        GroupInfo {
            code: format!("{age}-{language}"),
            id: group_id(kg, &format!("{age}-{language}")),
            age_group: age.to_owned(),
            age_name: name(names[0], names[1], names[2]),
            birth_years: years,
            language: language.to_owned(),
            capacity: places[0],
            enrolled: places[1],
            offered: places[2],
            published: 0,
            free: places[3],
            closed_at: None,
        }
    };
    let nursery = ["Бөбекжай тобы", "Ясельная группа", "Nursery"];
    let junior = ["Кіші топ", "Младшая группа", "Junior"];
    let middle = ["Ортаңғы топ", "Средняя группа", "Middle"];
    let senior = ["Ересек топ", "Старшая группа", "Senior"];
    let mut closed = group(
        "almaty-aigolek-7",
        "senior",
        senior,
        [2021, 2022],
        "ru",
        [30, 0, 0, 0],
    );
    closed.closed_at = Some(at(2026, 11, 2, 9, 0));
    kindergartens()
        .into_iter()
        .zip([
            vec![
                group(
                    "almaty-balapan-1",
                    "nursery",
                    nursery,
                    [2024, 2025],
                    "kk",
                    [20, 17, 1, 2],
                ),
                group(
                    "almaty-balapan-1",
                    "junior",
                    junior,
                    [2023, 2024],
                    "kk",
                    [25, 20, 2, 3],
                ),
                group(
                    "almaty-balapan-1",
                    "middle",
                    middle,
                    [2022, 2023],
                    "ru",
                    [25, 25, 0, 0],
                ),
            ],
            vec![
                group(
                    "almaty-aigolek-7",
                    "junior",
                    junior,
                    [2023, 2024],
                    "ru",
                    [25, 18, 4, 3],
                ),
                closed,
            ],
        ])
        .map(|(kg, groups)| KindergartenInfo {
            code: kg.code,
            region: kg.region,
            settlement: kg.settlement,
            name: kg.name,
            address: kg.address,
            closed_at: None,
            groups,
        })
        .collect()
}

/// Offers the system made in the region: two awaiting an answer, one accepted.
pub fn officer_offers() -> Vec<crate::api::officer::OfferInfo> {
    use crate::api::officer::OfferInfo;
    use crate::domain::allocation::OfferStatus;
    let offer = |seq: u32, group: &str, class, status| OfferInfo {
        number: ApplicationNumber::new(2026, seq, 1).expect("a six-digit sequence"),
        free_places: 1,
        kindergarten: "almaty-balapan-1".to_owned(),
        group: group.to_owned(),
        benefit_class: class,
        made_at: at(2026, 11, 30, 4, 0),
        answer_by: at(2026, 12, 3, 18, 59),
        status,
        decided_at: None,
    };
    vec![
        offer(
            41,
            "junior-kk",
            BenefitClass::OutOfTurn,
            OfferStatus::Awaiting,
        ),
        offer(
            57,
            "junior-kk",
            BenefitClass::FirstTurn,
            OfferStatus::Awaiting,
        ),
        offer(63, "nursery-kk", BenefitClass::None, OfferStatus::Awaiting),
        offer(12, "nursery-kk", BenefitClass::None, OfferStatus::Accepted),
    ]
}

/// The region's directions, newest first, one of each status.
pub fn officer_directions() -> crate::api::officer::DirectionsPage {
    use crate::api::officer::{DirectionInfo, DirectionsPage};
    use crate::domain::direction::DirectionStatus;
    let direction = |seq: u32, child: &str, status: DirectionStatus, day: u32| DirectionInfo {
        number: ApplicationNumber::new(2026, seq, 1).expect("a six-digit sequence"),
        child_name: child.to_owned(),
        kindergarten: "almaty-balapan-1".to_owned(),
        group: "junior-kk".to_owned(),
        benefit_class: BenefitClass::None,
        issued_at: at(2026, 11, day, 5, 0),
        status,
        expires_at: status
            .is_live()
            .then(|| at(2026, 11, day, 5, 0) + chrono::Duration::days(30)),
        ended_at: (!status.is_live()).then(|| at(2026, 11, day + 5, 5, 0)),
        in_person_by: None,
    };
    // The newest is an out-of-turn child's, whose benefit awaits confirmation in person.
    let out_of_turn = DirectionInfo {
        benefit_class: BenefitClass::OutOfTurn,
        in_person_by: NaiveDate::from_ymd_opt(2026, 11, 27)
            .map(crate::domain::calendar::end_of_local_day),
        ..direction(27, "Сейтқали Айсұлу Ержанқызы", DirectionStatus::Issued, 20)
    };
    let rows = vec![
        out_of_turn,
        direction(31, "Иванов Тимур Петрович", DirectionStatus::Extended, 12),
        direction(12, "Абенов Әлихан Серікұлы", DirectionStatus::Enrolled, 10),
        direction(8, "Ким Мирас Олегович", DirectionStatus::Expired, 3),
        direction(5, "Нұрланов Ерасыл Дәуренұлы", DirectionStatus::Revoked, 2),
    ];
    DirectionsPage {
        total: rows.len() as u64,
        rows,
        next_cursor: None,
    }
}

/// The benefit review queue: two applications with their scans.
pub fn officer_reviews() -> crate::api::officer::BenefitReviewsPage {
    use crate::api::officer::{BenefitReviewInfo, BenefitReviewsPage};
    let scan = |id: &str, file: &str, content_type: &str| DocumentInfo {
        id: id.to_owned(),
        kind: DocumentKind::Attachment,
        file_name: file.to_owned(),
        content_type: content_type.to_owned(),
        size: Some(182_044),
        created_at: at(2026, 11, 28, 6, 12),
    };
    let review =
        |seq: u32, child: &str, parent: &str, category: &str, class, scans| BenefitReviewInfo {
            number: ApplicationNumber::new(2026, seq, 1).expect("a six-digit sequence"),
            child_name: child.to_owned(),
            applicant_name: parent.to_owned(),
            birth_year: 2022,
            category: category.to_owned(),
            benefit_class: class,
            registered_at: at(2026, 11, 28, 6, 10),
            scans,
        };
    let rows = vec![
        review(
            44,
            "Жақсыбеков Нұрсұлтан Болатұлы",
            PARENTS[3],
            "military",
            BenefitClass::OutOfTurn,
            vec![
                scan("s1", "справка_в_ч.png", "image/png"),
                scan("s2", "удостоверение.pdf", "application/pdf"),
            ],
        ),
        review(
            52,
            "Оспанов Аружан Асқарқызы",
            PARENTS[4],
            "special_educational_needs",
            BenefitClass::FirstTurn,
            vec![scan("s3", "заключение_пмпк.jpg", "image/jpeg")],
        ),
    ];
    BenefitReviewsPage {
        total: rows.len() as u64,
        rows,
        next_cursor: None,
    }
}

/// The reasons a benefit document is rejected with, as the server lists them.
pub fn rejection_reasons() -> Vec<crate::api::report::RejectionReasonInfo> {
    crate::domain::rejection::RejectionReason::catalogue()
        .iter()
        .map(Into::into)
        .collect()
}

/// A scanned certificate: a white sheet with a blue stamp, a heading and lines of text.
pub fn officer_scan() -> crate::tui::screens::officer::scan::Picture {
    let (width, height) = (120u32, 160u32);
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (x as i32 - 88, y as i32 - 128);
            let stamp = (dx * dx + dy * dy) < 14 * 14 && (dx * dx + dy * dy) > 10 * 10;
            let heading = (14..20).contains(&y) && (30..90).contains(&x);
            let text = y > 30 && y < 110 && y % 8 < 2 && (12..108).contains(&x) && (x + y) % 23 > 2;
            let pixel = if stamp {
                [40, 70, 190]
            } else if heading || text {
                [30, 30, 30]
            } else {
                [245, 243, 236]
            };
            rgb.extend_from_slice(&pixel);
        }
    }
    crate::tui::screens::officer::scan::Picture::from_rgb(width, height, rgb)
        .expect("the sizes agree")
}

/// «Уведомления» of the parent of seed 002 in `lang`: the messages of the application's
/// registration, offer and direction, newest first, the newest two unread, one still being
/// retried.
pub fn inbox(lang: crate::i18n::Lang) -> crate::api::notices::Inbox {
    use crate::api::notices::{DeliveryState, Inbox, Message};
    use crate::domain::Notice;
    use rust_i18n::t;

    let locale = lang.code();
    let detail = application_with_direction();
    let number = detail.state.number;
    let child = detail.child.full_name.clone();
    let message = |id: i64,
                   event: EventKind,
                   status: Status,
                   deadline: Option<DateTime<Utc>>,
                   created_at: DateTime<Utc>,
                   state: DeliveryState,
                   read: bool| {
        let notice = Notice {
            event,
            status,
            deadline,
        };
        let event_name = t!(event.message_key(), locale = locale);
        let body = [
            t!(
                "notify.greeting",
                locale = locale,
                number = number.to_string(),
                child = child.as_str()
            )
            .into_owned(),
            notice.text(lang, &number),
            t!(format!("notify.hint.{}", event.code()), locale = locale).into_owned(),
            t!("notify.signature", locale = locale).into_owned(),
        ]
        .join("\n\n");
        Message {
            id,
            number: Some(number),
            language: lang,
            subject: t!(
                "notify.subject",
                locale = locale,
                event = event_name,
                number = number.to_string()
            )
            .into_owned(),
            body,
            state,
            attempts: u32::from(state == DeliveryState::Failed),
            last_error: None,
            to_email: None,
            to_phone: None,
            created_at,
            sent_at: (state == DeliveryState::Sent).then_some(created_at),
            read_at: read.then_some(created_at),
        }
    };
    let messages = vec![
        message(
            4,
            EventKind::DirectionExtended,
            Status::DirectionIssued,
            Some(at(2026, 12, 16, 18, 59)),
            at(2026, 11, 24, 11, 22),
            DeliveryState::Failed,
            false,
        ),
        message(
            3,
            EventKind::DirectionIssued,
            Status::DirectionIssued,
            Some(at(2026, 11, 26, 18, 59)),
            at(2026, 11, 20, 16, 5),
            DeliveryState::Sent,
            false,
        ),
        message(
            2,
            EventKind::OfferMade,
            Status::Offered,
            Some(at(2026, 11, 19, 18, 59)),
            at(2026, 11, 16, 9, 0),
            DeliveryState::Sent,
            true,
        ),
        message(
            1,
            EventKind::Registered,
            Status::InQueue,
            Some(detail.state.interest_due),
            at(2026, 3, 8, 10, 58),
            DeliveryState::Sent,
            true,
        ),
    ];
    Inbox {
        unread: 2,
        messages,
    }
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
        email: Some("gulnar.abenova@example.kz".to_owned()),
        phone: Some("+77015554433".to_owned()),
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

/// The officer's view of the region: the visit above and another citizen served elsewhere.
pub fn region_audit_entries() -> Vec<crate::api::desk::AuditEntry> {
    use crate::api::desk::{AuditEntry, AuditRead};
    let mut entries = vec![AuditEntry {
        at: at(2026, 11, 30, 9, 41),
        operator_iin: Iin::parse("790602301152").expect("valid"),
        operator_name: "ОМАРОВ ДАНИЯР".to_owned(),
        centre_name: Some("ЦОН Алматы".to_owned()),
        centre_bin: Some("160440090018".to_owned()),
        citizen_iin: Iin::parse("880312450170").expect("valid"),
        what: AuditRead::Card,
        subject: None,
    }];
    entries.extend(audit_entries());
    entries
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
