//! The generated PDFs: valid files, in the applicant's language, with the Kazakh and Russian
//! names extractable exactly (checked with poppler's `pdftotext`).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use kezek::domain::{
    ApplicationNumber, ApplicationState, Benefit, BenefitCategory, Cohort, Direction, Extension,
    QueuePosition, RegionSettings,
};
use kezek::i18n::Lang;
use kezek::server::catalogue::Catalogue;
use kezek::server::documents::{
    Applicant, DocumentData, DocumentError, DocumentKind, DocumentSources, render,
};
use kezek::server::registry::{DemoRegistry, Person};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn person(registry: &DemoRegistry, iin: &str) -> Person {
    registry
        .people()
        .find(|p| p.iin.to_string() == iin)
        .unwrap()
        .clone()
}

/// Aruzhan's application in Astana, with a first-turn benefit awaiting review and, when asked,
/// an issued and extended direction to «Балапан».
pub(crate) fn aruzhan(with_direction: bool, attachments: &[String]) -> DocumentData {
    let registry = DemoRegistry::key_holders().unwrap();
    let child = person(&registry, "220315612150");
    let applicant = Applicant {
        person: person(&registry, "900514440216"),
        phone: Some("+7 701 234 56 78".into()),
        email: Some("aigerim.serikova.demo@example.com".into()),
        address: Some("Астана, Есильский район, пр. Мангилик Ел, 55, кв. 12".into()),
    };
    let category = BenefitCategory::catalogue()
        .iter()
        .find(|c| c.class == kezek::domain::BenefitClass::FirstTurn)
        .unwrap();
    let mut state = ApplicationState::registered(
        ApplicationNumber::new(2026, 27, 1).unwrap(),
        Cohort {
            region: "astana".into(),
            birth_year: 2022,
        },
        Some(Benefit::claimed(category)),
        at(2026, 3, 2, 10, 15),
        &RegionSettings::default(),
    );
    if with_direction {
        state.direction = Some(Direction {
            kindergarten: "astana-balapan-45".into(),
            issued_at: at(2026, 11, 2, 9, 0),
            expires_at: at(2026, 12, 2, 18, 59),
            extension: Some(Extension {
                previous_expiry: at(2026, 11, 9, 18, 59),
                reason: "Ребенок болеет, справка №118".into(),
            }),
            in_person_by: None,
            remind_at: None,
        });
    }
    let sources = DocumentSources {
        state: &state,
        child: &child,
        applicant: &applicant,
        position: QueuePosition {
            general: 18355,
            benefit: 412,
        },
        attachments,
        group: with_direction.then_some("junior-kk"),
        issued_at: at(2026, 11, 30, 12, 0),
    };
    DocumentData::resolve(sources, Catalogue::bundled()).unwrap()
}

/// Әлихан, whose names carry the Kazakh letters ә, ұ, ү, і.
fn alikhan() -> DocumentData {
    let registry = DemoRegistry::key_holders().unwrap();
    let mut data = aruzhan(true, &[]);
    data.child = person(&registry, "210910511871");
    data.applicant.person = person(&registry, "920721328903");
    data.benefit = None;
    data.position.benefit = 0;
    data
}

pub(crate) fn pdftotext_available() -> bool {
    let found = Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pdftotext (poppler-utils) is required under CI=true"
        );
        eprintln!("SKIPPED: pdftotext (poppler-utils) is not installed; PDF text not checked");
    }
    found
}

/// Writes the PDF where a person can open it (`target/tmp/documents/`) and returns its text.
pub(crate) fn text_of(pdf: &[u8], name: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// pdftotext breaks lines where the layout does; names are checked on one line each.
pub(crate) fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_kind_renders_a_pdf_in_every_language() {
    let data = aruzhan(true, &["Справка о многодетности.pdf".into()]);
    for kind in DocumentKind::ALL {
        for lang in Lang::ALL {
            let pdf = render(kind, &data, lang).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{kind:?} {lang}");
            assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"), "{kind:?} {lang}");
            // A document downloaded and uploaded again as a scan passes the upload's check.
            assert_eq!(
                kezek::domain::scan::recognise(&pdf),
                Ok(kezek::domain::wizard::FileKind::Pdf),
                "{kind:?} {lang}"
            );
            // The font travels inside, subsetted: far smaller than the 740 KB of DejaVu Sans.
            let fonts = pdf.windows(9).filter(|w| w == b"FontFile2").count();
            assert_eq!(fonts, 2, "regular and bold embedded");
            assert!(pdf.len() < 200_000, "{kind:?} {lang}: {} bytes", pdf.len());
        }
    }
}

/// The store keeps a document's data as JSON at the event and renders the PDF at the first
/// download: the data must come back whole and render to the same bytes every time.
#[test]
fn stored_content_renders_the_same_pdf_every_time() {
    let data = aruzhan(true, &["Справка о многодетности.pdf".into()]);
    let content = serde_json::to_string(&data).unwrap();
    let restored: kezek::server::documents::DocumentData = serde_json::from_str(&content).unwrap();
    assert_eq!(restored, data);
    for kind in DocumentKind::ALL {
        let first = render(kind, &data, Lang::Kk).unwrap();
        assert_eq!(
            render(kind, &restored, Lang::Kk).unwrap(),
            first,
            "{kind:?}"
        );
    }
}

/// Template 1 (issue 15): documents are rendered again at every download and must equal their
/// first rendering, so version 1's output never changes. When this fails, something a
/// document prints changed (wording under `documents.` in i18n/, a catalogue or benefit name, the
/// layout, the fonts, pdf-writer or subsetter): leave version 1 rendering as it did, and make the
/// change a new `documents::TEMPLATE` (docs/design-docs.md «Generated documents»).
#[test]
fn template_1_renders_as_it_always_did() {
    use kezek::server::documents::{TEMPLATE, render_stored, stored_content};
    use sha2::{Digest, Sha256};
    assert_eq!(
        TEMPLATE, 1,
        "a new template: pin its renderings beside these"
    );
    let data = aruzhan(true, &["Справка о многодетности.pdf".into()]);
    let content = stored_content(&data).unwrap();
    assert!(
        content.starts_with(r#"{"template":1,"data":{"#),
        "{content}"
    );
    // Before issue 15 the content was the bare data: template 1 as well.
    let bare = serde_json::to_string(&data).unwrap();
    let mut digests = Vec::new();
    for kind in DocumentKind::ALL {
        for lang in Lang::ALL {
            let pdf = render_stored(kind.code(), &content, lang).unwrap();
            assert_eq!(render_stored(kind.code(), &bare, lang).unwrap(), pdf);
            assert_eq!(render(kind, &data, lang).unwrap(), pdf);
            let digest = hex::encode(&Sha256::digest(&pdf)[..8]);
            digests.push(format!(
                "{} {} {} {digest}",
                kind.code(),
                lang.code(),
                pdf.len()
            ));
        }
    }
    let pinned = TEMPLATE_1.trim().lines().map(str::trim).collect::<Vec<_>>();
    assert_eq!(digests, pinned, "\nnow:\n{}", digests.join("\n"));
    assert!(matches!(
        render_stored("direction", r#"{"template":7,"data":{}}"#, Lang::Ru),
        Err(DocumentError::UnknownTemplate(7))
    ));
}

/// Kind, language, length and the first 8 bytes of the SHA-256 of template 1's renderings of
/// [`template_1_renders_as_it_always_did`]'s document.
const TEMPLATE_1: &str = "
    registration-notice kk 67826 e802d6b099e265b2
    registration-notice ru 67434 7ab3d783dff6b5e2
    registration-notice en 64655 3c7cd86d05bce9ad
    documents-receipt kk 57234 ed7e3c5b45498756
    documents-receipt ru 56193 0ca9370941b105c6
    documents-receipt en 56655 9243c9b521034b0b
    register-entry kk 58172 5bf92270de661891
    register-entry ru 58155 14cb9ae97900d556
    register-entry en 57322 5fdaccb11f1ff2bc
    direction kk 65182 d2416fd20467f1e1
    direction ru 65113 82d113a0690a1436
    direction en 64862 cf3da77b87420347
";

#[test]
fn names_and_labels_are_extractable_in_russian() {
    if !pdftotext_available() {
        return;
    }
    let data = aruzhan(false, &["Справка о многодетности.pdf".into()]);
    let text = squeeze(&text_of(
        &render(DocumentKind::RegistrationNotice, &data, Lang::Ru).unwrap(),
        "registration-notice-ru",
    ));
    for expected in [
        "УВЕДОМЛЕНИЕ О РЕГИСТРАЦИИ",
        "Управление образования города Астаны",
        "Серикова Аружан Нурлановна",
        "220315612150",
        "Серикова Айгерим Нурлановна",
        "900514440216",
        "УО.2026.000027.1",
        "Номер очереди по льготной категории",
        "18355",
        "412",
        "на проверке",
        // 10:15 UTC is 15:15 in Astana.
        "02.03.2026 15:15:00",
        "Ваш ребенок успешно встал в очередь под номером 18355",
    ] {
        assert!(text.contains(expected), "no «{expected}» in:\n{text}");
    }
    assert!(!text.contains("documents."), "an untranslated key:\n{text}");

    let receipt = squeeze(&text_of(
        &render(DocumentKind::DocumentsReceipt, &data, Lang::Ru).unwrap(),
        "documents-receipt-ru",
    ));
    assert!(
        receipt.contains("ИЗВЕЩЕНИЕ О ПРИЕМЕ ДОКУМЕНТОВ"),
        "{receipt}"
    );
    assert!(
        receipt.contains("2. Справка о многодетности.pdf"),
        "{receipt}"
    );

    let entry = squeeze(&text_of(
        &render(DocumentKind::RegisterEntry, &data, Lang::Ru).unwrap(),
        "register-entry-ru",
    ));
    assert!(
        entry.contains("РЕГИСТРАЦИЯ РЕБЕНКА В КНИГЕ УЧЕТА"),
        "{entry}"
    );
    assert!(entry.contains("2022 года рождения"), "{entry}");
}

#[test]
fn kazakh_letters_survive_in_a_kazakh_direction() {
    if !pdftotext_available() {
        return;
    }
    let text = squeeze(&text_of(
        &render(DocumentKind::Direction, &alikhan(), Lang::Kk).unwrap(),
        "direction-kk",
    ));
    for expected in [
        "МЕКТЕПКЕ ДЕЙІНГІ ҰЙЫМҒА ЖОЛДАМА",
        "Астана қаласының білім басқармасы",
        "Жұмабаев Әлихан Дәуренұлы",
        "210910511871",
        "№45 «Балапан» бөбекжай-бақшасы",
        "Қабанбай батыр даңғылы, 40",
        "Кіші топ (қазақ тілі)",
        "Қабылданбаған",
        "Ребенок болеет, справка №118",
        // Extended: the previous expiry and the new one, in Astana time.
        "09.11.2026 23:59:00",
        "02.12.2026 23:59:00",
    ] {
        assert!(text.contains(expected), "no «{expected}» in:\n{text}");
    }
}

#[test]
fn english_documents_are_english() {
    if !pdftotext_available() {
        return;
    }
    let text = squeeze(&text_of(
        &render(DocumentKind::RegistrationNotice, &alikhan(), Lang::En).unwrap(),
        "registration-notice-en",
    ));
    assert!(text.contains("REGISTRATION NOTICE"), "{text}");
    assert!(text.contains("Astana City Education Department"), "{text}");
    assert!(text.contains("No benefit"), "{text}");
    // Without a benefit there is no number in a benefit queue: a dash, never «0».
    assert!(
        text.contains("Queue number in the benefit category —"),
        "{text}"
    );
    // Names stay as the registry spells them.
    assert!(text.contains("Жұмабаев Дәурен Асхатұлы"), "{text}");
}

#[test]
fn a_long_document_flows_onto_a_second_page() {
    let attachments: Vec<String> = (1..=60)
        .map(|i| format!("Скан документа {i}.jpg"))
        .collect();
    let data = aruzhan(false, &attachments);
    let pdf = render(DocumentKind::DocumentsReceipt, &data, Lang::Ru).unwrap();
    let pages = pdf
        .windows(12)
        .filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's')
        .count();
    assert!(pages >= 2, "{pages} pages");
    if pdftotext_available() {
        let text = squeeze(&text_of(&pdf, "documents-receipt-long-ru"));
        assert!(text.contains("61. Скан документа 60.jpg"), "{text}");
    }
}

#[test]
fn a_direction_needs_one() {
    let data = aruzhan(false, &[]);
    assert!(matches!(
        render(DocumentKind::Direction, &data, Lang::Ru),
        Err(DocumentError::NoDirection)
    ));
}

#[test]
fn unknown_codes_are_reported_not_printed() {
    let registry = DemoRegistry::key_holders().unwrap();
    let child = person(&registry, "220315612150");
    let applicant = Applicant {
        person: person(&registry, "900514440216"),
        phone: None,
        email: None,
        address: None,
    };
    let state = ApplicationState::registered(
        ApplicationNumber::new(2026, 1, 1).unwrap(),
        Cohort {
            region: "atlantis".into(),
            birth_year: 2022,
        },
        None,
        at(2026, 3, 2, 10, 15),
        &RegionSettings::default(),
    );
    let sources = DocumentSources {
        state: &state,
        child: &child,
        applicant: &applicant,
        position: QueuePosition::default(),
        attachments: &[],
        group: None,
        issued_at: at(2026, 3, 2, 10, 15),
    };
    let error = DocumentData::resolve(sources, Catalogue::bundled()).unwrap_err();
    assert!(matches!(&error, DocumentError::UnknownCode(code) if code == "atlantis"));
    assert!(error.translated().contains("atlantis"));
}

#[test]
fn kinds_have_stable_codes() {
    for kind in DocumentKind::ALL {
        assert_eq!(DocumentKind::from_code(kind.code()), Some(kind));
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.code()));
    }
    assert_eq!(DocumentKind::from_code("passport"), None);
}

/// `t!()` called with a key held in a variable escapes tests/tui/i18n_keys.rs, which looks for
/// literal `t!("…")` calls; every key literal of these modules must exist in all three files.
#[test]
fn every_key_these_modules_name_exists_in_every_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        "src/server/documents/mod.rs",
        "src/server/notify.rs",
        "src/server/catalogue.rs",
        "src/server/registry/mod.rs",
    ];
    let mut keys = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(root.join(source)).unwrap();
        for section in ["documents.", "notify.", "catalogue.", "registry."] {
            for (at, _) in text.match_indices(&format!("\"{section}")) {
                let rest = &text[at + 1..];
                let end = rest.find('"').unwrap();
                let key = &rest[..end];
                // Prefixes completed at run time (`notify.hint.{event}`) are checked elsewhere.
                if !key.ends_with('.') && !key.contains('{') {
                    keys.push(key.to_owned());
                }
            }
        }
    }
    assert!(keys.len() > 40, "found only {} keys", keys.len());
    for lang in ["kk", "ru", "en"] {
        let text = std::fs::read_to_string(root.join(format!("i18n/{lang}.yml"))).unwrap();
        let yaml: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        for key in &keys {
            let found = key
                .split('.')
                .try_fold(&yaml, |node, part| node.get(part))
                .is_some_and(|node| node.is_string());
            assert!(found, "{key} is missing from i18n/{lang}.yml");
        }
    }
}
