//! The journal, application, action dialogs, profile, queue search and statistics screens:
//! their update logic driven key by key without a terminal, and snapshots of each in Kazakh,
//! Russian and English at 80x24 and 120x40, drawn by the real app with its chrome.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kezek::api::applications::{
    ApplicationDetail, AttachmentUploaded, JournalPage, JournalSort, SortOrder,
};
use kezek::api::documents::{ActionRequest, AttachmentRef, BenefitClaim};
use kezek::api::problem::{Problem, ProblemCode};
use kezek::client::ClientError;
use kezek::domain::limits::Text;
use kezek::domain::{ActionKind, Status};
use kezek::i18n::Lang;
use kezek::tui::app::{App, Message};
use kezek::tui::protocol::{Call, CallError, Reply, Sent};
use kezek::tui::screen::{Ctx, Effect, Screen};
use kezek::tui::screens::actions::ActionDialog;
use kezek::tui::screens::application::{ApplicationScreen, Tab};
use kezek::tui::screens::journal::{JournalScreen, PAGE_SIZE};
use kezek::tui::screens::profile::{self, ProfileScreen};
use kezek::tui::screens::queue_search::QueueSearch;
use kezek::tui::screens::statistics::Statistics;
use kezek::tui::{sample, showcase};

/// One lock for every test that switches `t!()`'s process-wide locale.
use crate::basics::LOCALE as LANGUAGE;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

fn ctx(lang: Lang) -> Ctx {
    lang.activate();
    Ctx::for_tests(lang)
}

fn calls(effects: &[Effect]) -> Vec<&Call> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(call) => Some(call),
            _ => None,
        })
        .collect()
}

fn refused(reason: &str) -> CallError {
    CallError::Client(ClientError::Transport(reason.to_owned()))
}

// ---------------------------------------------------------------- journal

#[test]
fn journal_asks_for_the_first_page_then_only_for_pages_it_lacks() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut journal = JournalScreen::new();
    let effects = journal.init(&ctx);
    let [Call::Journal(query)] = calls(&effects)[..] else {
        panic!("one journal request, got {effects:?}");
    };
    assert_eq!(query.page, Some(1));
    assert_eq!(query.per_page, Some(PAGE_SIZE));
    let first = query.clone();
    let more = journal.on_reply(
        Reply::Journal {
            query: Box::new(first),
            result: Ok(sample::journal_page(100_000, u64::from(PAGE_SIZE))),
        },
        &ctx,
    );
    assert_eq!(journal.total(), Some(100_000));
    assert!(journal.row(0).is_some());
    // The viewport is 20 rows by default: nothing more is needed at the top.
    assert!(calls(&more).is_empty(), "{more:?}");

    // Jump to the middle: exactly the pages of the rows that can be in view are asked.
    let effects = journal.select(50_000);
    let pages: Vec<u32> = calls(&effects)
        .iter()
        .map(|c| match c {
            Call::Journal(q) => q.page.unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(pages, vec![500, 501]);
    // Asking again while it is on its way sends nothing twice.
    assert!(calls(&journal.select(50_001)).is_empty());
}

#[test]
fn journal_keeps_only_a_few_pages_however_far_one_scrolls() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut journal = JournalScreen::with_page(sample::journal_page(100_000, 100));
    for target in (0..60).map(|i| i * 1_500) {
        for effect in journal.select(target) {
            if let Effect::Call(Call::Journal(query)) = effect {
                let page = u64::from(query.page.unwrap() - 1);
                let rows = (page * 100..page * 100 + 100)
                    .map(sample::journal_row)
                    .collect();
                journal.on_reply(
                    Reply::Journal {
                        query: Box::new(query),
                        result: Ok(JournalPage {
                            rows,
                            total: 100_000,
                            next_cursor: None,
                        }),
                    },
                    &ctx,
                );
            }
        }
        assert!(journal.row(target).is_some(), "row {target} is shown");
    }
    assert!(journal.pages_held() <= 6, "held {}", journal.pages_held());
}

#[test]
fn journal_drops_answers_for_filters_it_no_longer_shows() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut journal = JournalScreen::new();
    let old = match &calls(&journal.init(&ctx))[..] {
        [Call::Journal(query)] => query.clone(),
        other => panic!("{other:?}"),
    };
    // F5 filters by the first status: a new first page is asked with the filter.
    let effects = journal.on_key(key(KeyCode::F(5)), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::Journal(query)] => assert_eq!(query.status, Some(Status::ALL[0])),
        other => panic!("{other:?}"),
    }
    journal.on_reply(
        Reply::Journal {
            query: Box::new(old),
            result: Ok(sample::journal_page(5, 5)),
        },
        &ctx,
    );
    assert_eq!(journal.total(), None, "the unfiltered answer was dropped");
}

#[test]
fn journal_sorts_by_the_cursor_column_and_answers_the_cyrillic_layout() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut journal = JournalScreen::new();
    // The cursor starts on «Дата создания», the default sort; two steps left is «Номер очереди».
    journal.on_key(key(KeyCode::Left), &ctx);
    journal.on_key(key(KeyCode::Left), &ctx);
    // `ы` is `s` on the ЙЦУКЕН layout.
    let effects = journal.on_key(ch('ы'), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::Journal(query)] => {
            assert_eq!(query.sort, Some(JournalSort::QueueNumber));
            assert_eq!(query.order, Some(SortOrder::Asc));
        }
        other => panic!("{other:?}"),
    }
    let effects = journal.on_key(ch('s'), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::Journal(query)] => assert_eq!(query.order, Some(SortOrder::Desc)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn journal_search_sends_the_typed_text_and_enter_opens_a_row() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut journal = JournalScreen::with_page(sample::journal_page(3, 3));
    journal.on_key(ch('/'), &ctx);
    // Letters typed into the search box are text, not hotkeys (`s` does not sort).
    for c in "Абенов s".chars() {
        assert!(calls(&journal.on_key(ch(c), &ctx).unwrap()).is_empty());
    }
    let effects = journal.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::Journal(query)] => assert_eq!(query.text.as_deref(), Some("Абенов s")),
        other => panic!("{other:?}"),
    }
    let mut journal = JournalScreen::with_page(sample::journal_page(3, 3));
    journal.on_key(key(KeyCode::Down), &ctx);
    let effects = journal.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &effects[..] {
        [Effect::Push(screen)] => assert_eq!(screen.id(), "application"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- application

fn application() -> ApplicationScreen {
    ApplicationScreen::with_data(
        sample::application_with_direction(),
        sample::history(),
        sample::documents(),
        sample::positions(),
    )
}

#[test]
fn application_loads_its_five_parts_each_time_it_comes_back_on_top() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = ApplicationScreen::new(sample::application_with_direction().state.number);
    let effects = screen.init(&ctx);
    assert_eq!(
        calls(&effects).len(),
        5,
        "detail, history, documents, positions, messages"
    );
    assert!(screen.busy());
    screen.on_reply(
        Reply::Application(Ok(Box::new(sample::application_with_direction()))),
        &ctx,
    );
    screen.on_reply(Reply::History(Err(refused("forbidden"))), &ctx);
    assert_eq!(
        screen.actions(),
        vec![ActionKind::RevokeDirection, ActionKind::ExtendDirection]
    );
}

#[test]
fn application_buttons_follow_the_server_in_the_seeds_order() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let _ctx = ctx(Lang::Ru);
    let screen = ApplicationScreen::with_data(
        sample::application_in_queue(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    assert_eq!(
        screen.actions(),
        vec![
            ActionKind::ConfirmInterest,
            ActionKind::ChangeBenefit,
            ActionKind::Withdraw
        ]
    );
}

#[test]
fn application_downloads_the_highlighted_document_into_the_downloads_folder() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = application();
    screen.on_key(key(KeyCode::Tab), &ctx);
    screen.on_key(key(KeyCode::Tab), &ctx);
    assert_eq!(screen.tab(), Tab::Documents);
    // Attachments come first («Приложения к заявлению»), then the generated documents.
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [
            Call::Download {
                document_id, path, ..
            },
        ] => {
            assert_eq!(document_id, "d4");
            assert_eq!(path, &ctx.downloads.join("справка_ПМПК.pdf"));
        }
        other => panic!("{other:?}"),
    }
    screen.on_key(key(KeyCode::Down), &ctx);
    let effects = screen.on_key(ch('в'), &ctx).unwrap(); // `d` on the ЙЦУКЕН layout
    match &calls(&effects)[..] {
        [Call::Download { document_id, .. }] => assert_eq!(document_id, "d1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nothing_acts_on_arrival_and_old_messages_go() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = ApplicationScreen::with_data(
        sample::application_in_queue(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    // Enter on arrival opens no action: no button has focus until an arrow moves there.
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    assert!(effects.is_empty(), "{effects:?}");
    screen.on_key(key(KeyCode::Right), &ctx);
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    assert_eq!(pushed(&effects), ["action_dialog"]);

    // A saved document's path is shown whole at 80 columns, broken after a slash.
    let folder = "/home/aigerim/Загрузки/документы-для-детского-сада";
    let path = format!("{folder}/Уведомление-о-регистрации-УО.2026.000027.1.pdf");
    screen.on_reply(Reply::Saved(Ok(path.clone().into())), &ctx);
    let text = draw(&screen, &ctx, 80, 24);
    assert!(
        text.contains("Уведомление-о-регистрации-УО.2026.000027.1.pdf"),
        "{text}"
    );
    // F5: a fresh look, the message goes.
    screen.on_key(key(KeyCode::F(5)), &ctx);
    assert_eq!(screen.notice(), None);

    // A message about an earlier status goes when the status changes («Предложено место»).
    screen.on_reply(Reply::Saved(Ok(path.into())), &ctx);
    screen.on_reply(
        Reply::Application(Ok(Box::new(sample::application_in_queue()))),
        &ctx,
    );
    assert!(screen.notice().is_some(), "same status: the message stays");
    screen.on_reply(
        Reply::Application(Ok(Box::new(sample::application_offered()))),
        &ctx,
    );
    assert_eq!(screen.notice(), None);
}

/// The value on the line of `label` in a drawn screen.
fn value_after(text: &str, label: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no «{label}» in:\n{text}"));
    line[line.find(label).unwrap() + label.len()..]
        .trim()
        .to_owned()
}

#[test]
fn without_a_counted_benefit_the_benefit_queue_number_is_a_dash_not_zero() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let label = "Номер очереди по льготной категории";
    // A benefit still under review counts in no benefit queue, and neither does none.
    let mut pending = sample::application_in_queue();
    pending.state.benefit.as_mut().unwrap().review = kezek::domain::BenefitReview::Pending;
    let mut without = sample::application_in_queue();
    without.state.benefit = None;
    for mut detail in [pending, without] {
        detail.queue.benefit = 0;
        let screen = ApplicationScreen::with_data(detail, Vec::new(), Vec::new(), Vec::new());
        assert_eq!(value_after(&draw(&screen, &ctx, 80, 24), label), "—");
    }
    // The public search shows the same two numbers.
    let mut entry = sample::public_entry();
    entry.benefit_queue_number = 0;
    let screen = QueueSearch::with_result(&entry.number.to_string(), vec![entry]);
    assert_eq!(value_after(&draw(&screen, &ctx, 80, 24), label), "—");
    // A counted benefit keeps its number.
    let screen = ApplicationScreen::with_data(
        sample::application_in_queue(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    assert_eq!(value_after(&draw(&screen, &ctx, 80, 24), label), "1");
}

#[test]
fn a_long_value_wraps_so_the_direction_date_shows_at_80x24() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = application();
    // «Направление» is the last line of the tab: scrolled to, its date is there, not cut off.
    for _ in 0..30 {
        screen.on_key(key(KeyCode::Down), &ctx);
    }
    let direction = sample::application_with_direction()
        .state
        .direction
        .unwrap();
    let until = kezek::tui::format::date_time(direction.expires_at);
    let text = draw(&screen, &ctx, 80, 24);
    assert!(text.contains(&until), "no «{until}» in:\n{text}");
}

// ---------------------------------------------------------------- actions

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_into(screen: &mut dyn Screen, ctx: &Ctx, text: &str) {
    for c in text.chars() {
        screen.on_key(ch(c), ctx);
    }
}

fn pushed(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Push(screen) => Some(screen.id()),
            _ => None,
        })
        .collect()
}

fn dialog_for(kind: ActionKind, detail: &ApplicationDetail) -> ActionDialog {
    ActionDialog::new(kind, detail, &sample::kindergartens())
}

fn acted(detail: ApplicationDetail) -> Reply {
    Reply::Sent(Ok(Sent::Acted(Box::new(detail))))
}

fn rule_refusal() -> CallError {
    let problem = Problem::new(ProblemCode::ActionNotAllowed);
    CallError::Client(ClientError::Problem(Box::new(problem)))
}

#[test]
fn each_allowed_action_has_a_button_an_f_key_and_a_ctrl_key_on_any_layout() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    // Ctrl-B and Ctrl-D typed on the ЙЦУКЕН layout are Ctrl-и and Ctrl-в.
    let cases = [
        (
            sample::application_in_queue(),
            key(KeyCode::F(4)),
            "Подтвердить заинтересованность",
        ),
        (
            sample::application_in_queue(),
            ctrl('и'),
            "Изменить льготность",
        ),
        (sample::application_in_queue(), ctrl('w'), "Снять с очереди"),
        (
            sample::application_offered(),
            key(KeyCode::F(8)),
            "Принять место",
        ),
        (
            sample::application_offered(),
            ctrl('в'),
            "Отказаться от места",
        ),
        (
            sample::application_with_direction(),
            ctrl('o'),
            "Отозвать направление",
        ),
        (
            sample::application_with_direction(),
            ctrl('у'),
            "Продлить направление",
        ),
    ];
    for (detail, press, action) in cases {
        let mut screen = ApplicationScreen::with_data(detail, Vec::new(), Vec::new(), Vec::new());
        let effects = screen.on_key(press, &ctx).unwrap();
        match &effects[..] {
            [Effect::Push(dialog)] => {
                assert_eq!(dialog.id(), "action_dialog");
                assert_eq!(dialog.title().to_lowercase(), action.to_lowercase());
            }
            other => panic!("{action}: {other:?}"),
        }
        // The `?` overlay and the hint line list the keys of what is allowed.
        assert!(
            screen.key_help().iter().any(|h| h.text == action),
            "{action}"
        );
    }
    // A key of an action the status does not allow does nothing.
    let mut screen = ApplicationScreen::with_data(
        sample::application_in_queue(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    assert!(pushed(&screen.on_key(key(KeyCode::F(10)), &ctx).unwrap()).is_empty());
    assert!(
        !screen
            .key_help()
            .iter()
            .any(|h| h.text == "Продлить направление")
    );
    // → moves onto the buttons, → again to the next one, Enter presses it.
    screen.on_key(key(KeyCode::Right), &ctx);
    screen.on_key(key(KeyCode::Right), &ctx);
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &effects[..] {
        [Effect::Push(dialog)] => assert_eq!(dialog.title(), "Изменить льготность"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_reason_is_required_before_withdrawing_or_revoking() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    for (kind, detail) in [
        (ActionKind::Withdraw, sample::application_in_queue()),
        (
            ActionKind::RevokeDirection,
            sample::application_with_direction(),
        ),
    ] {
        let mut dialog = dialog_for(kind, &detail);
        assert!(pushed(&dialog.on_key(key(KeyCode::Enter), &ctx).unwrap()).is_empty());
        assert_eq!(dialog.problem().as_deref(), Some("Это поле обязательно."));
        type_into(&mut dialog, &ctx, "Переезд в другой город");
        assert_eq!(
            pushed(&dialog.on_key(key(KeyCode::Enter), &ctx).unwrap()),
            ["signing"]
        );
        let reason = "Переезд в другой город".to_owned();
        let expected = match kind {
            ActionKind::Withdraw => ActionRequest::Withdraw { reason },
            _ => ActionRequest::RevokeDirection { reason },
        };
        assert_eq!(dialog.request(), Ok(expected));
    }
}

/// The server refuses a longer reason (`text_too_long`); the dialog stops typing there and
/// says why, so the refusal is never met.
#[test]
fn a_reason_stops_at_the_servers_limit_and_the_dialog_says_so() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut dialog = dialog_for(ActionKind::Withdraw, &sample::application_in_queue());
    let max = Text::Reason.max_chars();
    type_into(&mut dialog, &ctx, &"я".repeat(max + 20));
    assert_eq!(dialog.problem().as_deref(), Some("Не более 500 символов."));
    match dialog.request() {
        Ok(ActionRequest::Withdraw { reason }) => assert_eq!(reason.chars().count(), max),
        other => panic!("{other:?}"),
    }
    dialog.on_key(key(KeyCode::Backspace), &ctx);
    assert_eq!(dialog.problem(), None);
}

#[test]
fn an_extension_is_checked_against_the_thirty_days_before_signing() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    // The direction expires at the end of 01.12.2026 (Almaty): up to 31.12.2026.
    let detail = sample::application_with_direction();
    let mut dialog = dialog_for(ActionKind::ExtendDirection, &detail);
    type_into(&mut dialog, &ctx, "01012027");
    dialog.on_key(key(KeyCode::Tab), &ctx);
    type_into(&mut dialog, &ctx, "Болезнь ребенка");
    assert!(pushed(&dialog.on_key(key(KeyCode::F(10)), &ctx).unwrap()).is_empty());
    assert_eq!(
        dialog.problem().as_deref(),
        Some("Дата продления должна быть не раньше 01.12.2026 и не позже 31.12.2026.")
    );
    // The date field has the focus again: fix it and sign.
    for _ in 0..10 {
        dialog.on_key(key(KeyCode::Backspace), &ctx);
    }
    type_into(&mut dialog, &ctx, "31122026");
    assert_eq!(
        pushed(&dialog.on_key(key(KeyCode::F(10)), &ctx).unwrap()),
        ["signing"]
    );
    assert_eq!(
        dialog.request(),
        Ok(ActionRequest::ExtendDirection {
            until: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            reason: "Болезнь ребенка".to_owned(),
        })
    );
    // A direction already extended once is refused here, as the rules would.
    let mut extended = sample::application_with_direction();
    let direction = extended.state.direction.as_mut().unwrap();
    direction.extension = Some(kezek::domain::Extension {
        previous_expiry: direction.expires_at,
        reason: "Болезнь".to_owned(),
    });
    let mut once = dialog_for(ActionKind::ExtendDirection, &extended);
    type_into(&mut once, &ctx, "10122026");
    once.on_key(key(KeyCode::Tab), &ctx);
    type_into(&mut once, &ctx, "Болезнь");
    assert!(once.request().is_err());
    assert_eq!(
        once.problem().as_deref(),
        Some("Возможность продления направления осуществляется 1 раз.")
    );
}

#[test]
fn an_offer_is_accepted_in_the_chosen_kindergarten_or_declined() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let detail = sample::application_offered();
    let mut accept = dialog_for(ActionKind::AcceptOffer, &detail);
    accept.on_key(key(KeyCode::Down), &ctx);
    assert_eq!(
        accept.request(),
        Ok(ActionRequest::AcceptOffer {
            kindergarten: "almaty-aigolek-7".to_owned()
        })
    );
    let mut decline = dialog_for(ActionKind::DeclineOffer, &detail);
    assert_eq!(decline.request(), Ok(ActionRequest::DeclineOffer));
    let mut confirm = dialog_for(ActionKind::ConfirmInterest, &sample::application_in_queue());
    assert_eq!(
        pushed(&confirm.on_key(key(KeyCode::Enter), &ctx).unwrap()),
        ["signing"]
    );
}

#[test]
fn a_benefit_is_dropped_freely_and_claimed_only_with_uploaded_documents() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let folder = tempfile::tempdir().unwrap();
    let scan = folder.path().join("справка.pdf");
    std::fs::write(&scan, b"%PDF-1.4 test").unwrap();
    let mut ctx = ctx(Lang::Ru);
    ctx.downloads = folder.path().to_path_buf();
    let mut detail = sample::application_in_queue();
    detail.state.benefit = None;
    let mut dialog = dialog_for(ActionKind::ChangeBenefit, &detail);
    // «Без льготы» is first and chosen: giving the benefit up needs no document.
    assert_eq!(dialog.request(), Ok(ActionRequest::ChangeBenefit(None)));
    dialog.on_key(key(KeyCode::Down), &ctx);
    assert!(dialog.request().is_err());
    assert_eq!(
        dialog.problem().as_deref(),
        Some("Льгота требует хотя бы одного документа.")
    );
    // F4 opens the file browser on the downloads folder; the scan is chosen and uploaded.
    dialog.on_key(key(KeyCode::F(4)), &ctx);
    dialog.on_key(key(KeyCode::Enter), &ctx);
    dialog.on_key(key(KeyCode::Down), &ctx);
    let effects = dialog.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::UploadAttachment(path)] => assert_eq!(path, &scan),
        other => panic!("{other:?}"),
    }
    assert!(dialog.busy());
    assert!(dialog.request().is_err(), "not while the upload runs");
    dialog.on_reply(
        Reply::Uploaded {
            path: scan.clone(),
            result: Ok(AttachmentUploaded {
                id: "a1".to_owned(),
                sha256: "ab".repeat(32),
                content_type: "application/pdf".to_owned(),
                size: 13,
                file_name: "справка.pdf".to_owned(),
            }),
        },
        &ctx,
    );
    let category = kezek::domain::BenefitCategory::catalogue()[0].code.clone();
    assert_eq!(
        dialog.request(),
        Ok(ActionRequest::ChangeBenefit(Some(BenefitClaim {
            category,
            attachments: vec![AttachmentRef {
                id: "a1".to_owned(),
                sha256: "ab".repeat(32),
            }],
        })))
    );
    // Removed again (Del on the documents), the claim has nothing to stand on.
    dialog.on_key(key(KeyCode::Delete), &ctx);
    assert!(dialog.request().is_err());
}

#[test]
fn after_an_action_the_application_reloads_and_a_refusal_changes_nothing() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = application();
    screen.on_key(key(KeyCode::F(10)), &ctx);
    // The dialog hands the signing window's answer down to the application.
    let mut dialog = dialog_for(
        ActionKind::ExtendDirection,
        &sample::application_with_direction(),
    );
    let passed = dialog.on_reply(Reply::Sent(Err(rule_refusal())), &ctx);
    assert!(matches!(
        passed.as_slice(),
        [Effect::Return(Reply::Sent(Err(_)))]
    ));
    // A refusal: the translated reason, no request, the same buttons.
    let effects = screen.on_reply(Reply::Sent(Err(rule_refusal())), &ctx);
    assert!(effects.is_empty(), "{effects:?}");
    let refusal = screen.notice().unwrap();
    assert_eq!(refusal, rule_refusal().message());
    assert!(!refusal.contains("api.problem"), "{refusal}");
    assert_eq!(
        screen.actions(),
        vec![ActionKind::RevokeDirection, ActionKind::ExtendDirection]
    );
    // Success: the new state at once, the five parts asked again, the journal told.
    screen.on_key(key(KeyCode::F(10)), &ctx);
    let mut extended = sample::application_with_direction();
    extended.allowed_actions = vec![ActionKind::RevokeDirection];
    let effects = screen.on_reply(acted(extended), &ctx);
    assert_eq!(calls(&effects).len(), 5, "{effects:?}");
    assert!(effects.iter().any(|e| matches!(e, Effect::DataChanged)));
    assert_eq!(screen.actions(), vec![ActionKind::RevokeDirection]);
    assert_eq!(
        screen.notice(),
        Some("«Продлить направление»: выполнено, данные заявления обновлены.".to_owned())
    );
}

#[test]
fn the_journal_below_asks_for_fresh_rows_after_an_action() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let journal = JournalScreen::with_page(sample::journal_page(100_000, 100));
    let mut app = App::new(ctx, Box::new(journal));
    let jobs = app.update(Message::Key(key(KeyCode::Enter)));
    assert_eq!(app.stack_ids(), ["journal", "application"]);
    let screen = jobs[0].screen;
    app.update(Message::Reply {
        screen,
        reply: Box::new(Reply::Application(Ok(Box::new(
            sample::application_with_direction(),
        )))),
    });
    let jobs = app.update(Message::Reply {
        screen,
        reply: Box::new(acted(sample::application_with_direction())),
    });
    assert!(
        jobs.iter()
            .any(|j| matches!(j.call, Call::Journal(_)) && j.screen != screen),
        "{jobs:?}"
    );
    assert!(jobs.iter().any(|j| matches!(j.call, Call::History(_))));
}

// ---------------------------------------------------------------- profile

#[test]
fn binding_a_child_confirms_kinship_or_shows_the_refusal_and_changes_nothing() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = ProfileScreen::new();
    screen.on_key(key(KeyCode::F(6)), &ctx);
    assert_eq!(screen.tab(), profile::Tab::Binding);
    let child = sample::bound_children().remove(0);
    // A wrong check digit is caught before anything is sent.
    let mut wrong = child.iin.to_string();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    for c in wrong.chars() {
        screen.on_key(ch(c), &ctx);
    }
    assert!(calls(&screen.on_key(key(KeyCode::Enter), &ctx).unwrap()).is_empty());

    screen
        .child_form()
        .field_mut("child_iin")
        .set_value(&child.iin.to_string());
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::BindChild(iin)] => assert_eq!(*iin, child.iin),
        other => panic!("{other:?}"),
    }
    screen.on_reply(Reply::Bound(Err(refused("kinship_not_confirmed"))), &ctx);
    assert!(screen.children().is_empty());
    assert_eq!(screen.notice(), None);

    screen.on_reply(Reply::Bound(Ok(child.clone())), &ctx);
    assert_eq!(screen.children(), &[child]);
    assert_eq!(
        screen.notice(),
        Some("Родство подтвердилось, данные успешно обновлены")
    );
    screen.on_key(key(KeyCode::Enter), &ctx);
    assert_eq!(screen.notice(), None);
    // The field is empty for the next child, without «Это поле обязательно.»: nothing is wrong.
    assert_eq!(screen.child_form().value("child_iin"), "");
    assert_eq!(screen.child_form().message(), None);
    let text = draw(&screen, &ctx, 80, 24);
    assert!(!text.contains("Это поле обязательно"), "{text}");
    // The page says what it is, at 80x24 as on a wide screen.
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("Редактирование контактных данных")),
        "{text}"
    );
}

#[test]
fn contacts_are_checked_before_they_are_saved() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = ProfileScreen::new();
    screen
        .contacts_form()
        .field_mut("email")
        .set_value("not-an-address");
    screen
        .contacts_form()
        .field_mut("phone")
        .set_value("+7 701 234 56 78");
    assert!(calls(&screen.on_key(key(KeyCode::Enter), &ctx).unwrap()).is_empty());
    screen
        .contacts_form()
        .field_mut("email")
        .set_value("ata@mail.kz");
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::SaveContacts(contacts)] => {
            assert_eq!(contacts.email.as_deref(), Some("ata@mail.kz"));
            assert_eq!(contacts.extra_phone, None);
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- search, statistics

#[test]
fn queue_search_takes_a_number_or_an_iin_without_login() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = QueueSearch::new();
    for c in "12345".chars() {
        screen.on_key(ch(c), &ctx);
    }
    assert!(calls(&screen.on_key(key(KeyCode::Enter), &ctx).unwrap()).is_empty());
    assert!(screen.error().is_some());

    let iin = sample::application_in_queue().child.iin.to_string();
    screen.query_field().set_value(&iin);
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::PublicQueue(query)] => {
            assert_eq!(query.child_iin.as_deref(), Some(iin.as_str()));
            assert_eq!(query.number, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(screen.busy());
    screen.on_reply(Reply::PublicQueue(Ok(vec![sample::public_entry()])), &ctx);
    assert_eq!(screen.found().map(<[_]>::len), Some(1));
}

#[test]
fn statistics_step_through_regions_and_ignore_late_answers() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let mut screen = Statistics::new(&ctx);
    let effects = screen.init(&ctx);
    assert!(matches!(calls(&effects)[..], [Call::Regions]));
    let effects = screen.on_reply(Reply::Regions(Ok(sample::regions())), &ctx);
    assert_eq!(screen.region(), Some("almaty"));
    assert!(matches!(&calls(&effects)[..], [Call::PublicStats(r)] if r == "almaty"));
    let effects = screen.on_key(key(KeyCode::Right), &ctx).unwrap();
    assert!(matches!(&calls(&effects)[..], [Call::PublicStats(r)] if r == "aktobe_region"));
    // Almaty's answer arrives after the user moved on: it is not shown as Aktobe's.
    screen.on_reply(Reply::PublicStats(Ok(sample::public_stats())), &ctx);
    assert!(screen.busy(), "Aktobe's answer is still awaited");
    let buffer = draw(&screen, &ctx, 80, 24);
    assert!(
        !buffer.contains("37"),
        "Almaty's free places shown for Aktobe:\n{buffer}"
    );
}

// ---------------------------------------------------------------- snapshots

fn draw(screen: &dyn Screen, ctx: &Ctx, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| screen.view(frame, frame.area(), ctx))
        .unwrap();
    showcase::text(terminal.backend().buffer())
}

#[test]
fn snapshots_of_every_screen_in_three_languages_and_two_sizes() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    for scene in showcase::scenes() {
        for lang in Lang::ALL {
            for (width, height) in [(80, 24), (120, 40)] {
                let ctx = ctx(lang);
                let text = showcase::text(&showcase::draw(&(scene.build)(&ctx), width, height));
                insta::assert_snapshot!(format!("{}_{lang}_{width}x{height}", scene.name), text);
            }
        }
    }
}

#[test]
fn no_screen_shows_a_missing_translation() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    for scene in showcase::scenes() {
        for lang in Lang::ALL {
            let ctx = ctx(lang);
            let text = showcase::text(&showcase::draw(&(scene.build)(&ctx), 120, 40));
            for section in [
                "journal.",
                "application.",
                "profile.",
                "search.",
                "stats.",
                "domain.",
                "tui.",
                "officer.",
            ] {
                assert!(
                    !text.contains(section),
                    "{} in {lang} shows an untranslated key:\n{text}",
                    scene.name
                );
            }
        }
    }
}

#[test]
fn screenshots_are_svg_with_the_cyrillic_intact() {
    let _lock = LANGUAGE.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = ctx(Lang::Ru);
    let scene = showcase::scenes()
        .into_iter()
        .find(|s| s.name == "journal")
        .unwrap();
    let svg = kezek::tui::svg::render(&showcase::draw(&(scene.build)(&ctx), 120, 40));
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("xml:space=\"preserve\""));
    assert!(
        svg.contains("Журнал заявлений") || svg.contains("Номер"),
        "{svg}"
    );
    assert!(roxmltree::Document::parse(&svg).is_ok());
}
