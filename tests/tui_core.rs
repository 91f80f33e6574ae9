//! The client's skeleton and the path to a queue number, without a terminal: the app's update
//! logic driven by key events, and snapshots of every screen (status bar, body, hint line) in
//! Kazakh, Russian and English at 80x24 and 120x40.

use std::sync::{Mutex, MutexGuard};

use kezek::i18n::Lang;
use kezek::tui::app::{Action, App};
use kezek::tui::screen::{Ctx, Screen, Session};
use kezek::tui::screens::{description::Description, main_menu::MainMenu};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// `t!()` reads one process-wide locale, so tests that draw take turns.
static LOCALE: Mutex<()> = Mutex::new(());

fn locale(lang: Lang) -> MutexGuard<'static, ()> {
    let guard = LOCALE.lock().unwrap_or_else(|e| e.into_inner());
    lang.activate();
    guard
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn ctx(lang: Lang) -> Ctx {
    let mut ctx = Ctx::for_tests(lang);
    ctx.session = Some(Session {
        full_name: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ".to_owned(),
        iin: "123456789011".to_owned(),
    });
    ctx
}

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| app.view(frame)).unwrap();
    terminal.backend().to_string()
}

/// Snapshots `make()` drawn in every language and size, named `<name>_<lang>_<w>x<h>`.
fn snapshot_all(name: &str, make: impl Fn(Lang) -> App) {
    for lang in Lang::ALL {
        let _guard = locale(lang);
        let app = make(lang);
        for (w, h) in SIZES {
            insta::assert_snapshot!(format!("{name}_{lang}_{w}x{h}"), draw(&app, w, h));
        }
    }
}

fn app_with(lang: Lang, screen: Box<dyn Screen>) -> App {
    App::new(ctx(lang), screen)
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn main_menu_snapshots() {
    snapshot_all("main_menu", |lang| {
        app_with(lang, Box::new(MainMenu::new()))
    });
}

#[test]
fn description_snapshots() {
    snapshot_all("description", |lang| {
        app_with(lang, Box::new(Description::new()))
    });
}

#[test]
fn help_overlay_lists_every_key_of_the_screen() {
    let _guard = locale(Lang::Ru);
    let mut app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    app.update(key(KeyCode::Char('?')));
    assert!(app.help_open());
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("Клавиши"), "{screen}");
    assert!(screen.contains("Журнал заявлений"), "{screen}");
    assert!(screen.contains("Ctrl-C/Ctrl-Q"), "{screen}");
    insta::assert_snapshot!("help_overlay_ru_80x24", screen);
    app.update(key(KeyCode::Esc));
    assert!(!app.help_open(), "any key closes the overlay");
}

#[test]
fn f2_cycles_the_language_live() {
    let _guard = locale(Lang::Kk);
    let mut app = app_with(Lang::Kk, Box::new(MainMenu::new()));
    assert!(draw(&app, 80, 24).contains("Өтініштер журналы"));
    app.update(key(KeyCode::F(2)));
    assert_eq!(app.ctx.lang, Lang::Ru);
    assert!(draw(&app, 80, 24).contains("Журнал заявлений"));
    app.update(key(KeyCode::F(2)));
    assert!(draw(&app, 80, 24).contains("Applications journal"));
    app.update(key(KeyCode::F(2)));
    assert_eq!(app.ctx.lang, Lang::Kk);
}

#[test]
fn below_80x24_a_clear_message_and_no_panic() {
    let _guard = locale(Lang::Ru);
    let app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    for (w, h) in [(79, 24), (80, 23), (20, 5), (1, 1)] {
        let screen = draw(&app, w, h);
        if w >= 20 {
            assert!(screen.contains("маленькое"), "{w}x{h}: {screen}");
        }
    }
}

#[test]
fn esc_goes_back_and_ctrl_c_quits_on_any_layout() {
    let _guard = locale(Lang::Ru);
    let mut app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.stack_ids(), ["main_menu", "description"]);
    app.update(key(KeyCode::Esc));
    assert_eq!(app.stack_ids(), ["main_menu"]);
    app.update(key(KeyCode::Esc));
    assert_eq!(
        app.stack_ids(),
        ["main_menu"],
        "Esc never leaves the last screen"
    );
    assert!(!app.should_quit());
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('с'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.should_quit(), "Ctrl-C with a Cyrillic layout quits");
}

#[test]
fn draws_only_after_a_change() {
    let _guard = locale(Lang::Ru);
    let mut app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    assert!(app.dirty());
    app.drawn();
    app.update(Action::Tick);
    assert!(!app.dirty(), "an idle spinner tick does not redraw");
    app.update(key(KeyCode::Down));
    assert!(app.dirty());
}
