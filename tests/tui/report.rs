//! Issue 13, «Отчёт по региону» driven key by key without a terminal: the last twelve months
//! asked for first, the range moved and resized by keys, a late answer for a range left behind
//! dropped, and the export prompt turning into a CSV or XLSX call with the path typed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kezek::api::report::ReportFormat;
use kezek::i18n::Lang;
use kezek::tui::protocol::{Call, Reply};
use kezek::tui::sample;
use kezek::tui::screen::{Ctx, Effect, Screen};
use kezek::tui::screens::report::ReportScreen;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn calls(effects: Option<Vec<Effect>>) -> Vec<Call> {
    effects
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Call(call) => Some(call),
            _ => None,
        })
        .collect()
}

/// The range the one report request of `effects` asks for.
fn asked(effects: Option<Vec<Effect>>) -> (String, String) {
    match &calls(effects)[..] {
        [Call::RegionReport(query)] => (query.from.clone(), query.to.clone()),
        other => panic!("one report request, got {other:?}"),
    }
}

#[test]
fn the_report_asks_for_twelve_months_and_follows_the_keys() {
    // Ctx::for_tests is 2026-11-30 in Kazakhstan.
    let ctx = Ctx::for_tests(Lang::En);
    let mut screen = ReportScreen::new(&ctx);
    let first = asked(Some(screen.init(&ctx)));
    assert_eq!(first, ("2025-12".to_owned(), "2026-11".to_owned()));
    assert_eq!(
        asked(screen.on_key(key(KeyCode::Left), &ctx)),
        ("2025-11".to_owned(), "2026-10".to_owned())
    );
    assert_eq!(
        asked(screen.on_key(key(KeyCode::Char('-')), &ctx)),
        ("2025-12".to_owned(), "2026-10".to_owned())
    );
    assert_eq!(
        asked(screen.on_key(key(KeyCode::Char('+')), &ctx)),
        ("2025-11".to_owned(), "2026-10".to_owned())
    );
    // The answer for the first range comes late: it is not shown.
    let mut late = sample::region_report();
    late.from = "2025-12".to_owned();
    late.to = "2026-11".to_owned();
    screen.on_reply(Reply::RegionReport(Ok(late)), &ctx);
    assert!(screen.busy(), "still waiting for the range asked last");
    let mut answer = sample::region_report();
    answer.from = "2025-11".to_owned();
    answer.to = "2026-10".to_owned();
    screen.on_reply(Reply::RegionReport(Ok(answer)), &ctx);
    assert!(!screen.busy());
}

#[test]
fn one_month_is_the_shortest_report() {
    let ctx = Ctx::for_tests(Lang::Ru);
    let mut screen = ReportScreen::new(&ctx);
    screen.init(&ctx);
    for _ in 0..11 {
        screen.on_key(key(KeyCode::Char('-')), &ctx);
    }
    assert!(calls(screen.on_key(key(KeyCode::Char('-')), &ctx)).is_empty());
}

#[test]
fn the_export_prompt_saves_where_the_user_says() {
    let ctx = Ctx::for_tests(Lang::Kk);
    let mut screen = ReportScreen::with_data(sample::region_report());
    assert!(screen.init(&ctx).is_empty(), "filled already");
    assert!(calls(screen.on_key(key(KeyCode::Char('x')), &ctx)).is_empty());
    // Esc closes the prompt, not the screen.
    assert_eq!(calls(screen.on_key(key(KeyCode::Esc), &ctx)).len(), 0);
    assert!(screen.on_key(key(KeyCode::Char('c')), &ctx).is_some());
    let effects = screen.on_key(key(KeyCode::Enter), &ctx);
    match &calls(effects)[..] {
        [
            Call::ExportReport {
                query,
                format,
                path,
            },
        ] => {
            assert_eq!(*format, ReportFormat::Csv);
            assert_eq!(
                (query.from.as_str(), query.to.as_str()),
                ("2025-12", "2026-11")
            );
            assert_eq!(query.lang.as_deref(), Some("kk"));
            assert_eq!(
                path,
                &ctx.downloads.join("report-astana-2025-12-2026-11.csv")
            );
        }
        other => panic!("one export, got {other:?}"),
    }
    // Typing changes the path; Enter on an emptied path does nothing.
    screen.on_key(key(KeyCode::Char('x')), &ctx);
    for _ in 0..200 {
        screen.on_key(key(KeyCode::Backspace), &ctx);
    }
    assert!(calls(screen.on_key(key(KeyCode::Enter), &ctx)).is_empty());
    for c in "/tmp/r.xlsx".chars() {
        screen.on_key(key(KeyCode::Char(c)), &ctx);
    }
    match &calls(screen.on_key(key(KeyCode::Enter), &ctx))[..] {
        [Call::ExportReport { format, path, .. }] => {
            assert_eq!(*format, ReportFormat::Xlsx);
            assert_eq!(path, &std::path::PathBuf::from("/tmp/r.xlsx"));
        }
        other => panic!("one export, got {other:?}"),
    }
}
