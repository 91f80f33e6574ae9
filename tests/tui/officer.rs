//! The officer's workspace (issue 13): each screen driven key by key without a terminal, the
//! documents its dialogs sign, and the requests it makes.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kezek::api::applications::JournalQuery;
use kezek::api::documents::{ActionRequest, KindergartenRequest};
use kezek::api::officer::{KindergartenChanged, PublishedPlaces};
use kezek::domain::direction::DirectionStatus;
use kezek::i18n::Lang;
use kezek::tui::protocol::{Call, Reply, Sent, SignTask};
use kezek::tui::sample;
use kezek::tui::screen::{Ctx, Effect, Screen};
use kezek::tui::screens::journal::JournalScreen;
use kezek::tui::screens::officer::calls::{OfficerCall, OfficerReply, ScanView};
use kezek::tui::screens::officer::dialog::{Change, ChangeDialog};
use kezek::tui::screens::officer::kindergartens::KindergartensScreen;
use kezek::tui::screens::officer::offers::OffersScreen;
use kezek::tui::screens::officer::reviews::ReviewsScreen;

/// One lock for every test that switches `t!()`'s process-wide locale.
use crate::basics::LOCALE as LANGUAGE;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctx() -> Ctx {
    Lang::Ru.activate();
    Ctx::for_tests(Lang::Ru)
}

fn officer_calls(effects: &[Effect]) -> Vec<&OfficerCall> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(Call::Officer(call)) => Some(call),
            _ => None,
        })
        .collect()
}

/// The dialog a key opened, from the effects.
fn pushed(effects: Option<Vec<Effect>>) -> Box<dyn Screen> {
    let effects = effects.expect("the key is the screen's");
    effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Push(screen) => Some(screen),
            _ => None,
        })
        .expect("a dialog is opened")
}

fn typed(screen: &mut dyn Screen, text: &str, ctx: &Ctx) {
    for c in text.chars() {
        screen.on_key(key(KeyCode::Char(c)), ctx);
    }
}

/// Whether Enter in `dialog` opens the signing window.
fn opens_signing(dialog: &mut dyn Screen, ctx: &Ctx) -> bool {
    let effects = dialog.on_key(key(KeyCode::Enter), ctx).unwrap_or_default();
    matches!(effects.as_slice(), [Effect::Push(s)] if s.id() == "signing")
}

fn dialog(change: Change) -> ChangeDialog {
    ChangeDialog::new(change, "subject".to_owned())
}

#[test]
fn publishing_places_signs_a_places_document_of_the_group() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen = KindergartensScreen::new();
    let asked = screen.init(&ctx);
    assert!(matches!(
        officer_calls(&asked)[..],
        [OfficerCall::Kindergartens(_)]
    ));
    screen.on_reply(
        Reply::Officer(OfficerReply::Kindergartens(Ok(
            sample::officer_kindergartens(),
        ))),
        &ctx,
    );
    // On the kindergarten line there is no group to publish in.
    assert!(
        screen
            .on_key(key(KeyCode::F(5)), &ctx)
            .expect("the screen's key")
            .is_empty()
    );
    screen.on_key(key(KeyCode::Down), &ctx);
    screen.on_key(key(KeyCode::Down), &ctx);
    let mut publish = pushed(screen.on_key(key(KeyCode::F(5)), &ctx));
    assert_eq!(publish.id(), "officer_dialog");
    // The junior group has 3 free places: offered as the number to publish.
    for _ in 0..2 {
        publish.on_key(key(KeyCode::Backspace), &ctx);
    }
    typed(publish.as_mut(), "2", &ctx);
    assert!(opens_signing(publish.as_mut(), &ctx));
}

#[test]
fn the_dialogs_build_the_documents_the_server_takes() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let places = dialog(Change::Publish {
        kindergarten: "almaty-balapan-1".to_owned(),
        group: "junior-kk".to_owned(),
        free: 3,
    });
    let Ok(SignTask::Places(document)) = places.task() else {
        panic!("a places document");
    };
    assert_eq!(document.groups.len(), 1);
    assert_eq!(document.groups[0].group_id, "almaty-balapan-1/junior-kk");
    assert_eq!(document.groups[0].free_places, 3);

    let mut capacity = dialog(Change::Capacity {
        kindergarten: "almaty-balapan-1".to_owned(),
        group: "junior-kk".to_owned(),
        capacity: 25,
    });
    for _ in 0..2 {
        capacity.on_key(key(KeyCode::Backspace), &ctx);
    }
    typed(&mut capacity, "500", &ctx);
    assert!(capacity.task().is_err(), "more than a group may have");
    for _ in 0..3 {
        capacity.on_key(key(KeyCode::Backspace), &ctx);
    }
    typed(&mut capacity, "28", &ctx);
    let Ok(SignTask::Kindergarten(document)) = capacity.task() else {
        panic!("a kindergarten document");
    };
    assert_eq!(
        document.change,
        KindergartenRequest::SetCapacity {
            group: "junior-kk".to_owned(),
            capacity: 28
        }
    );

    let close = dialog(Change::CloseGroup {
        kindergarten: "almaty-aigolek-7".to_owned(),
        group: "junior-ru".to_owned(),
    });
    let Ok(SignTask::Kindergarten(document)) = close.task() else {
        panic!("a kindergarten document");
    };
    assert_eq!(document.kindergarten, "almaty-aigolek-7");
    assert_eq!(document.change.code(), "close-group");

    let mut new = dialog(Change::NewKindergarten {
        settlement: "almaty".to_owned(),
    });
    typed(&mut new, "Детский сад", &ctx);
    assert!(
        new.task().is_err(),
        "a code is Latin letters, digits, dashes"
    );
}

/// The review's document for a rejection dialog as it stands.
fn review_of(dialog: &ChangeDialog) -> Result<(Option<String>, String), String> {
    let SignTask::Act(document) = dialog.task()? else {
        panic!("an action");
    };
    assert!(document.action.is_officer_action());
    let ActionRequest::ReviewBenefit {
        accept,
        reason,
        reason_code,
    } = document.action
    else {
        panic!("a review");
    };
    assert!(!accept);
    Ok((reason_code, reason))
}

#[test]
fn a_rejection_sends_the_servers_reason_code_and_the_officers_words() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let number = sample::officer_reviews().rows[0].number;
    let reasons = sample::rejection_reasons();
    let mut reject = dialog(Change::Review {
        number,
        accept: false,
        reasons: reasons.clone(),
    });
    // The focus starts on the list, on its first reason: that alone is enough.
    assert_eq!(
        review_of(&reject),
        Ok((Some(reasons[0].code.clone()), String::new()))
    );
    // The second reason, then the officer's words in the field below.
    reject.on_key(key(KeyCode::Down), &ctx);
    reject.on_key(key(KeyCode::Tab), &ctx);
    typed(&mut reject, "до 2025 года", &ctx);
    assert_eq!(
        review_of(&reject),
        Ok((Some(reasons[1].code.clone()), "до 2025 года".to_owned()))
    );
    // «Другая причина» needs the officer's words.
    let other = reasons
        .iter()
        .position(|r| r.comment)
        .expect("a reason with words");
    let mut bare = dialog(Change::Review {
        number,
        accept: false,
        reasons: reasons.clone(),
    });
    for _ in 0..other {
        bare.on_key(key(KeyCode::Down), &ctx);
    }
    assert!(review_of(&bare).is_err());
    assert!(!opens_signing(&mut bare, &ctx));
    bare.on_key(key(KeyCode::Tab), &ctx);
    typed(&mut bare, "печать не видна", &ctx);
    assert_eq!(
        review_of(&bare),
        Ok((
            Some(reasons[other].code.clone()),
            "печать не видна".to_owned()
        ))
    );
    assert!(opens_signing(&mut bare, &ctx));
}

#[test]
fn without_the_servers_list_a_rejection_is_the_officers_words() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let number = sample::officer_reviews().rows[0].number;
    let mut reject = dialog(Change::Review {
        number,
        accept: false,
        reasons: Vec::new(),
    });
    assert!(review_of(&reject).is_err(), "words are required");
    typed(&mut reject, "Печать не видна", &ctx);
    assert_eq!(review_of(&reject), Ok((None, "Печать не видна".to_owned())));
}

#[test]
fn the_review_screen_reads_the_reasons_once_and_hands_them_to_the_rejection() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen = ReviewsScreen::new();
    let asked = screen.init(&ctx);
    assert!(
        officer_calls(&asked).contains(&&OfficerCall::RejectionReasons),
        "{asked:?}"
    );
    screen.on_reply(
        Reply::Officer(OfficerReply::Reviews(Ok(sample::officer_reviews()))),
        &ctx,
    );
    screen.on_reply(
        Reply::Officer(OfficerReply::RejectionReasons(Ok(
            sample::rejection_reasons(),
        ))),
        &ctx,
    );
    // Opened again (the data changed): the reviews again, the reasons not.
    let again = screen.on_data_changed(&ctx);
    assert!(!officer_calls(&again).contains(&&OfficerCall::RejectionReasons));
    let mut reject = pushed(screen.on_key(key(KeyCode::F(8)), &ctx));
    // The first reason is chosen: the dialog signs at once.
    assert!(opens_signing(reject.as_mut(), &ctx));
}

#[test]
fn only_a_live_direction_is_enrolled_or_annulled() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen =
        OffersScreen::with(sample::officer_offers(), sample::officer_directions(), true);
    let rows = sample::officer_directions().rows;
    // Issued (row 0): «Зачислен» opens its dialog.
    let mut enroll = pushed(screen.on_key(key(KeyCode::F(5)), &ctx));
    assert!(opens_signing(enroll.as_mut(), &ctx));
    // Enrolled (row 2): nothing to do.
    screen.on_key(key(KeyCode::Down), &ctx);
    screen.on_key(key(KeyCode::Down), &ctx);
    assert_eq!(rows[2].status, DirectionStatus::Enrolled);
    assert!(
        screen
            .on_key(key(KeyCode::F(8)), &ctx)
            .expect("the screen's key")
            .is_empty()
    );
    // A signed act reloads both lists and tells the others.
    let after = screen.on_reply(
        Reply::Sent(Ok(Sent::Acted(Box::new(
            sample::application_with_direction(),
        )))),
        &ctx,
    );
    assert_eq!(officer_calls(&after).len(), 2);
    assert!(after.iter().any(|e| matches!(e, Effect::DataChanged)));
}

#[test]
fn the_status_filter_asks_the_server_and_drops_a_stale_page() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen = OffersScreen::new();
    let first = screen.init(&ctx);
    let Some(OfficerCall::Directions(old)) = officer_calls(&first)
        .into_iter()
        .find(|c| matches!(c, OfficerCall::Directions(_)))
        .cloned()
    else {
        panic!("directions asked");
    };
    let effects = screen
        .on_key(key(KeyCode::F(6)), &ctx)
        .expect("the screen's key");
    let Some(OfficerCall::Directions(new)) = officer_calls(&effects)
        .into_iter()
        .find(|c| matches!(c, OfficerCall::Directions(_)))
        .cloned()
    else {
        panic!("directions asked again");
    };
    assert_eq!(new.status, Some(DirectionStatus::Issued));
    // The answer to the old filter comes late: not shown.
    screen.on_reply(
        Reply::Officer(OfficerReply::Directions {
            query: Box::new(old),
            result: Ok(sample::officer_directions()),
        }),
        &ctx,
    );
    assert!(screen.busy(), "still waiting for the issued ones");
}

#[test]
fn a_review_fetches_the_scan_shown_and_opens_a_saved_one_with_the_viewer() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen = ReviewsScreen::new();
    screen.init(&ctx);
    let effects = screen.on_reply(
        Reply::Officer(OfficerReply::Reviews(Ok(sample::officer_reviews()))),
        &ctx,
    );
    assert!(matches!(
        officer_calls(&effects)[..],
        [OfficerCall::Scan { document_id, .. }] if document_id == "s1"
    ));
    screen.on_reply(
        Reply::Officer(OfficerReply::Scan {
            document_id: "s1".to_owned(),
            result: Ok(ScanView::Picture(sample::officer_scan())),
        }),
        &ctx,
    );
    // The next scan is asked for once; the first stays here.
    let next = screen
        .on_key(key(KeyCode::Right), &ctx)
        .expect("the screen's key");
    assert!(matches!(
        officer_calls(&next)[..],
        [OfficerCall::Scan { document_id, .. }] if document_id == "s2"
    ));
    let back = screen
        .on_key(key(KeyCode::Left), &ctx)
        .expect("the screen's key");
    assert!(officer_calls(&back).is_empty());
    // «Открыть»: saved first, then handed to the viewer.
    let save = screen
        .on_key(key(KeyCode::F(7)), &ctx)
        .expect("the screen's key");
    let [Effect::Call(Call::Download { path, .. })] = save.as_slice() else {
        panic!("a download, got {save:?}");
    };
    assert!(path.starts_with(&ctx.downloads));
    let open = screen.on_reply(Reply::Saved(Ok(path.clone())), &ctx);
    assert!(matches!(
        officer_calls(&open)[..],
        [OfficerCall::OpenFile(p)] if p == path
    ));
}

#[test]
fn a_publication_shows_the_offers_made_and_reloads() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen = KindergartensScreen::with(sample::officer_kindergartens(), Vec::new());
    let offers = sample::officer_offers();
    let effects = screen.on_reply(
        Reply::Sent(Ok(Sent::Published(Box::new(PublishedPlaces {
            free_places: Vec::new(),
            offers: offers.clone(),
        })))),
        &ctx,
    );
    assert!(matches!(
        officer_calls(&effects)[..],
        [OfficerCall::Kindergartens(_)]
    ));
    let text = kezek::tui::showcase::text(&kezek::tui::showcase::draw(
        &kezek::tui::app::App::new(ctx.clone(), Box::new(screen)),
        120,
        40,
    ));
    assert!(text.contains(&offers[0].number.to_string()), "{text}");
    let mut screen = KindergartensScreen::with(sample::officer_kindergartens(), Vec::new());
    let changed = screen.on_reply(
        Reply::Sent(Ok(Sent::KindergartenChanged(Box::new(
            KindergartenChanged {
                kindergarten: sample::officer_kindergartens().remove(0),
                cancelled_offers: vec![offers[0].number],
            },
        )))),
        &ctx,
    );
    assert!(changed.iter().any(|e| matches!(e, Effect::DataChanged)));
}

#[test]
fn the_officers_journal_filters_by_birth_year() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut journal = JournalScreen::new().of_officer();
    journal.init(&ctx);
    let effects = journal
        .on_key(key(KeyCode::Char('y')), &ctx)
        .expect("the journal's key");
    let [Effect::Call(Call::Journal(query))] = effects.as_slice() else {
        panic!("one page asked, got {effects:?}");
    };
    // Today is 30.11.2026 in the tests: last year's children first.
    assert_eq!(query.birth_year, Some(2025));
    assert_eq!(journal.title(), "Журнал заявлений региона");
}

/// The screen drawn at 80x24, as text.
fn drawn(screen: &dyn Screen, ctx: &Ctx) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| screen.view(frame, frame.area(), ctx))
        .unwrap();
    kezek::tui::showcase::text(terminal.backend().buffer())
}

fn journal_queries(effects: &[Effect]) -> Vec<&JournalQuery> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(Call::Journal(query)) => Some(query),
            _ => None,
        })
        .collect()
}

#[test]
fn the_officers_journal_filters_by_kindergarten() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut journal = JournalScreen::new().of_officer();
    let opened = journal.init(&ctx);
    // The region's kindergartens are asked once, beside the first page.
    assert!(matches!(
        officer_calls(&opened)[..],
        [OfficerCall::Kindergartens(_)]
    ));
    assert_eq!(journal_queries(&opened).len(), 1);
    let kindergartens = sample::officer_kindergartens();
    journal.on_reply(
        Reply::Officer(OfficerReply::Kindergartens(Ok(kindergartens.clone()))),
        &ctx,
    );
    // F8 steps through them, each asked of the server from the top; after the last, all.
    for kindergarten in &kindergartens {
        let effects = journal
            .on_key(key(KeyCode::F(8)), &ctx)
            .expect("the journal's key");
        let queries = journal_queries(&effects);
        assert_eq!(queries.len(), 1, "{effects:?}");
        assert_eq!(
            queries[0].kindergarten.as_deref(),
            Some(kindergarten.code.as_str())
        );
        assert_eq!(queries[0].page, Some(1));
        // The filter line names it in the user's language.
        let screen = drawn(&journal, &ctx);
        let name: String = kindergarten.name.get(Lang::Ru).chars().take(10).collect();
        assert!(screen.contains(&name), "{screen}");
    }
    let effects = journal.on_key(key(KeyCode::Char('g')), &ctx).unwrap();
    assert_eq!(journal_queries(&effects)[0].kindergarten, None);
    // A page asked before the filter changed is not shown under it.
    let stale = journal_queries(&opened)[0].clone();
    journal.on_reply(
        Reply::Journal {
            query: Box::new(JournalQuery {
                kindergarten: Some(kindergartens[0].code.clone()),
                ..stale
            }),
            result: Ok(sample::journal_page(3, 3)),
        },
        &ctx,
    );
    assert_eq!(journal.total(), None);
}

#[test]
fn a_citizens_journal_has_no_kindergarten_filter() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut journal = JournalScreen::new();
    let opened = journal.init(&ctx);
    assert!(officer_calls(&opened).is_empty());
    let effects = journal.on_key(key(KeyCode::F(8)), &ctx).unwrap();
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn an_out_of_turn_direction_is_confirmed_in_person_once_and_only_it() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let directions = sample::officer_directions();
    assert!(directions.rows[0].in_person_by.is_some());
    let mut screen = OffersScreen::with(sample::officer_offers(), directions.clone(), true);
    // The deadline is on the status line while the direction is selected.
    let shown = drawn(&screen, &ctx);
    assert!(shown.contains("подтвердить лично"), "{shown}");
    let mut confirm = pushed(screen.on_key(key(KeyCode::F(4)), &ctx));
    assert_eq!(confirm.title(), "Подтверждение внеочередной льготы");
    assert!(opens_signing(confirm.as_mut(), &ctx));
    let dialog = ChangeDialog::new(
        Change::ConfirmOutOfTurn {
            number: directions.rows[0].number,
        },
        "subject".to_owned(),
    );
    let Ok(SignTask::Act(document)) = dialog.task() else {
        panic!("an action");
    };
    assert_eq!(document.action, ActionRequest::ConfirmOutOfTurn);
    assert_eq!(document.number, directions.rows[0].number);
    // A live direction without the deadline (row 1) has nothing to confirm.
    screen.on_key(key(KeyCode::Down), &ctx);
    assert!(directions.rows[1].status.is_live() && directions.rows[1].in_person_by.is_none());
    let nothing = screen
        .on_key(key(KeyCode::Char('c')), &ctx)
        .expect("the screen's key");
    assert!(nothing.is_empty());
    assert!(!drawn(&screen, &ctx).contains("подтвердить лично"));
}

#[test]
fn an_officers_main_menu_leads_to_the_workspace() {
    use kezek::api::auth::{RoleGrant, RoleKind};
    use kezek::tui::screens::main_menu::menu_items;
    use kezek::tui::session::Session;
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let session = |roles| Session {
        full_name: "ҚАСЫМОВ ЕРЖАН".to_owned(),
        iin: "830930352646".to_owned(),
        roles,
        organisation: None,
    };
    let parent = menu_items(Some(&session(Vec::new())));
    // The seeds' four and «Уведомления».
    assert_eq!(parent.len(), 5);
    let officer = menu_items(Some(&session(vec![RoleGrant {
        role: RoleKind::Officer,
        region: Some("astana".to_owned()),
    }])));
    let keys: Vec<&str> = officer.iter().map(|(_, key)| *key).collect();
    assert_eq!(
        keys[..6],
        [
            "officer.menu.kindergartens",
            "officer.menu.offers",
            "officer.menu.reviews",
            "report.menu_item",
            "officer.menu.journal",
            "audit.region.menu_item"
        ]
    );
    let ctx = ctx();
    for (destination, id) in officer.iter().map(|(d, _)| *d).zip([
        "officer_kindergartens",
        "officer_offers",
        "officer_reviews",
        "report",
        "journal",
        "region_audit",
    ]) {
        let screen = kezek::tui::screens::open(destination, &ctx).expect("built");
        assert_eq!(screen.id(), id);
    }
}

#[test]
fn the_region_audit_asks_for_the_region_and_names_each_citizen() {
    use kezek::tui::screens::audit::{AuditScope, AuditScreen};
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx();
    let mut screen = AuditScreen::new().of_region();
    assert_eq!(screen.scope(), AuditScope::Region);
    assert!(matches!(
        &screen.init(&ctx)[..],
        [Effect::Call(Call::RegionAudit)]
    ));
    assert!(screen.busy());
    let entries = sample::region_audit_entries();
    screen.on_reply(Reply::Audit(Ok(entries.clone())), &ctx);
    assert!(!screen.busy());
    let text = drawn(&screen, &ctx);
    assert!(text.contains("Гражданин"), "{text}");
    for entry in &entries {
        assert!(text.contains(&entry.citizen_iin.to_string()), "{text}");
    }
    // F5 asks again, for the region, not for the officer's own data.
    let effects = screen.on_key(key(KeyCode::F(5)), &ctx).unwrap();
    assert!(matches!(&effects[..], [Effect::Call(Call::RegionAudit)]));
    // A refusal (the session lost its role) is shown translated, and the lines stay.
    screen.on_reply(
        Reply::Audit(Err(kezek::tui::protocol::CallError::Client(
            kezek::client::ClientError::Problem(Box::new(kezek::api::problem::Problem::new(
                kezek::api::problem::ProblemCode::Forbidden,
            ))),
        ))),
        &ctx,
    );
    let text = drawn(&screen, &ctx);
    assert!(text.contains(&entries[0].citizen_iin.to_string()), "{text}");
    // The parent's own view has no citizen column and asks for the user's own reads.
    let mut own = AuditScreen::new();
    assert!(matches!(
        &own.init(&ctx)[..],
        [Effect::Call(Call::OwnAudit)]
    ));
    own.on_reply(Reply::Audit(Ok(sample::audit_entries())), &ctx);
    assert!(!drawn(&own, &ctx).contains("Гражданин"));
}
