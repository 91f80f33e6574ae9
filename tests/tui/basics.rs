//! The client's skeleton and the path to a queue number, without a terminal: the app's update
//! logic driven by key events, and snapshots of every screen (status bar, body, hint line) in
//! Kazakh, Russian and English at 80x24 and 120x40.

use std::sync::{Mutex, MutexGuard};

use kezek::i18n::Lang;
use kezek::tui::app::{App, Message};
use kezek::tui::screen::{Ctx, Screen};
use kezek::tui::screens::{description::Description, main_menu::MainMenu};
use kezek::tui::session::Session;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// `t!()` reads one process-wide locale, so tests that draw take turns.
pub static LOCALE: Mutex<()> = Mutex::new(());

pub fn locale(lang: Lang) -> MutexGuard<'static, ()> {
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
        ..Session::default()
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

fn key(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
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
    assert!(screen.contains("Ctrl-Q/Ctrl-C"), "{screen}");
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
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('с'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.should_quit(), "Ctrl-C with a Cyrillic layout quits");
}

/// The last line of a drawn screen: the hint line.
fn hint_line(screen: &str) -> String {
    screen
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn help_and_back_always_show_in_the_hint_line() {
    for lang in Lang::ALL {
        let _guard = locale(lang);
        let mut app = app_with(lang, Box::new(MainMenu::new()));
        let hints = hint_line(&draw(&app, 80, 24));
        assert!(hints.contains('?'), "{lang}: help missing: {hints}");
        app.update(key(KeyCode::Enter));
        assert_eq!(app.top_id(), "description");
        let hints = hint_line(&draw(&app, 80, 24));
        assert!(hints.contains("Esc"), "{lang}: back missing: {hints}");
        assert!(hints.contains('?'), "{lang}: help missing: {hints}");
        // The wizard, whose Esc is its own «Назад».
        app.update(key(KeyCode::F(10)));
        assert_eq!(app.top_id(), "wizard");
        let hints = hint_line(&draw(&app, 80, 24));
        assert!(hints.contains('?'), "{lang}: help missing: {hints}");
        assert_eq!(hints.matches("Esc").count(), 1, "{lang}: {hints}");
        assert!(hints.contains("F2"), "{lang}: language missing: {hints}");
    }
}

#[test]
fn one_quit_key_asks_first_when_the_wizard_holds_input() {
    let _guard = locale(Lang::Ru);
    let ctrl_q = || Message::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL));
    let mut app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    app.update(key(KeyCode::Char('q')));
    assert!(!app.should_quit(), "a plain q is no longer a quit key");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::F(10)));
    assert_eq!(app.top_id(), "wizard");
    app.update(key(KeyCode::Char('a')));
    app.update(ctrl_q());
    assert!(!app.should_quit());
    assert!(app.confirm_quit_open());
    assert!(draw(&app, 80, 24).contains("Выйти из программы?"));
    app.update(key(KeyCode::Esc));
    assert!(!app.confirm_quit_open(), "Esc stays");
    assert_eq!(app.top_id(), "wizard", "and the wizard stays as it was");
    app.update(ctrl_q());
    app.update(key(KeyCode::Enter));
    assert!(app.should_quit());
    // Nothing typed: no question.
    let mut app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    app.update(ctrl_q());
    assert!(app.should_quit());
}

#[test]
fn draws_only_after_a_change() {
    let _guard = locale(Lang::Ru);
    let mut app = app_with(Lang::Ru, Box::new(MainMenu::new()));
    assert!(app.dirty());
    app.drawn();
    app.update(Message::Tick);
    assert!(!app.dirty(), "an idle spinner tick does not redraw");
    app.update(key(KeyCode::Down));
    assert!(app.dirty());
}

// --- the path to a queue number -------------------------------------------------------------

use std::path::PathBuf;
use std::sync::Arc;

use kezek::api::applications::{DocumentInfo, DocumentKind, SubmissionResult};
use kezek::api::catalogue::{District, LocalizedName, Region, Settlement};
use kezek::client::ClientError;
use kezek::domain::{ApplicationNumber, QueuePosition};
use kezek::pki::keystore::Keystore;
use kezek::tui::protocol::{Call, CallError, Reply, SignedLogin};
use kezek::tui::screen::{Effect, RegionChoice};
use kezek::tui::screens::{
    first_login::FirstLogin, login::Login, region::RegionScreen, success::Success, wizard::Wizard,
};

fn name(kk: &str, ru: &str, en: &str) -> LocalizedName {
    LocalizedName {
        kk: kk.into(),
        ru: ru.into(),
        en: en.into(),
    }
}

fn regions() -> Vec<Region> {
    vec![
        Region {
            code: "astana".into(),
            name: name("Астана қаласы", "город Астана", "Astana"),
            education_department: name(
                "Білім басқармасы",
                "Управление образования",
                "Education department",
            ),
            districts: vec![District {
                code: "esil".into(),
                name: name("Есіл ауданы", "район Есиль", "Esil district"),
                settlements: vec![Settlement {
                    code: "astana-esil".into(),
                    name: name("Астана", "Астана", "Astana"),
                }],
            }],
        },
        Region {
            code: "akmola".into(),
            name: name("Ақмола облысы", "Акмолинская область", "Akmola region"),
            education_department: name(
                "Білім басқармасы",
                "Управление образования",
                "Education department",
            ),
            districts: vec![District {
                code: "kokshetau".into(),
                name: name("Көкшетау қ.", "г. Кокшетау", "Kokshetau city"),
                settlements: vec![
                    Settlement {
                        code: "kokshetau".into(),
                        name: name("Көкшетау", "Кокшетау", "Kokshetau"),
                    },
                    Settlement {
                        code: "krasny-yar".into(),
                        name: name("Красный Яр", "Красный Яр", "Krasny Yar"),
                    },
                ],
            }],
        },
    ]
}

fn region_choice() -> RegionChoice {
    RegionChoice {
        region_code: "akmola".into(),
        region_name: name("Ақмола облысы", "Акмолинская область", "Akmola region"),
        district_name: name("Көкшетау қ.ә.", "г.а. Кокшетау", "Kokshetau city"),
        settlement_code: "kokshetau".into(),
        settlement_name: name("Көкшетау", "Кокшетау", "Kokshetau"),
    }
}

fn result() -> SubmissionResult {
    SubmissionResult {
        number: ApplicationNumber::parse("УО.2026.000027.1").unwrap(),
        queue: QueuePosition {
            general: 18355,
            benefit: 0,
        },
        documents: vec![DocumentInfo {
            id: "doc-1".into(),
            kind: DocumentKind::RegistrationNotice,
            file_name: "registration.pdf".into(),
            content_type: "application/pdf".into(),
            size: Some(1234),
            created_at: chrono::Utc::now(),
        }],
    }
}

fn press(screen: &mut dyn Screen, ctx: &Ctx, code: KeyCode) -> Vec<Effect> {
    screen
        .on_key(KeyEvent::new(code, KeyModifiers::NONE), ctx)
        .unwrap_or_default()
}

fn type_text(screen: &mut dyn Screen, ctx: &Ctx, text: &str) {
    for c in text.chars() {
        press(screen, ctx, KeyCode::Char(c));
    }
}

#[test]
fn region_screen_loads_searches_and_chooses_a_settlement() {
    let _guard = locale(Lang::Ru);
    let ctx = ctx(Lang::Ru);
    let mut screen = RegionScreen::new();
    assert!(matches!(
        screen.init(&ctx).as_slice(),
        [Effect::Call(Call::Regions)]
    ));
    assert!(screen.busy());
    screen.on_reply(Reply::Regions(Ok(regions())), &ctx);
    type_text(&mut screen, &ctx, "акмол");
    assert!(
        press(&mut screen, &ctx, KeyCode::Enter).is_empty(),
        "region → settlements"
    );
    press(&mut screen, &ctx, KeyCode::Down);
    let effects = press(&mut screen, &ctx, KeyCode::Enter);
    match effects.as_slice() {
        [Effect::Region(choice), Effect::Push(login)] => {
            assert_eq!(choice.settlement_code, "krasny-yar");
            assert_eq!(login.id(), "login");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn region_snapshots() {
    snapshot_all("region", |lang| {
        let mut screen = RegionScreen::new();
        screen.on_reply(Reply::Regions(Ok(regions())), &ctx(lang));
        let mut app = App::new(Ctx::for_tests(lang), Box::new(screen));
        app.ctx.connection = kezek::tui::screen::Connection::Online;
        app
    });
}

/// A demo keystore of `usage` ("AUTH"/"SIGN") with status "valid", from the index.
fn demo_keystore(usage: &str) -> (PathBuf, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keystores-example");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("index.json")).unwrap()).unwrap();
    let entry = index
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["usage"] == usage && e["status"] == "valid" && e["format"] == "openssl3")
        .expect("a valid demo keystore");
    (
        root.join(entry["file"].as_str().unwrap()),
        entry["password"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn login_checks_the_key_before_sending_and_fills_the_owner() {
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    ctx.session = None;
    ctx.now = chrono::Utc::now();
    let mut login = Login::new(&ctx);
    // «Удостоверение личности» opens the key window on the card (tests/tui/tokens.rs); Esc
    // leaves it, and «Ваш Компьютер» opens it on a file.
    press(&mut login, &ctx, KeyCode::Down);
    press(&mut login, &ctx, KeyCode::F(4));
    assert!(login.key_window_open());
    press(&mut login, &ctx, KeyCode::Esc);
    assert!(!login.key_window_open());
    press(&mut login, &ctx, KeyCode::Up);
    press(&mut login, &ctx, KeyCode::F(4));
    assert!(login.key_window_open());
    // A SIGN key offered for login is explained, nothing is sent.
    let (sign_path, sign_password) = demo_keystore("SIGN");
    type_text(&mut login, &ctx, &sign_path.display().to_string());
    press(&mut login, &ctx, KeyCode::Tab);
    type_text(&mut login, &ctx, &sign_password);
    let effects = press(&mut login, &ctx, KeyCode::F(5));
    match effects.as_slice() {
        [Effect::Call(Call::OpenKeystore { path, password })] => {
            assert_eq!(path, &sign_path);
            assert_eq!(password.expose(), sign_password);
            assert!(
                !format!("{effects:?}").contains(&sign_password),
                "no password in Debug"
            );
        }
        other => panic!("{other:?}"),
    }
    let keystore = Keystore::open_file(&sign_path, &sign_password).unwrap();
    login.on_reply(Reply::Keystore(Ok(Arc::new(keystore))), &ctx);
    assert!(press(&mut login, &ctx, KeyCode::F(10)).is_empty());
    let screen = draw(&App::new(ctx.clone(), Box::new(Login::new(&ctx))), 80, 24);
    assert!(screen.contains("Вход в личный кабинет"), "{screen}");
    // The AUTH key passes and signing is asked for.
    let (auth_path, auth_password) = demo_keystore("AUTH");
    let keystore = Arc::new(Keystore::open_file(&auth_path, &auth_password).unwrap());
    login.on_reply(Reply::Keystore(Ok(keystore)), &ctx);
    let effects = press(&mut login, &ctx, KeyCode::F(10));
    // Nothing is remembered before the server has accepted the key.
    assert!(
        matches!(effects.as_slice(), [Effect::Call(Call::SignLogin { .. })]),
        "{effects:?}"
    );
    login.on_reply(
        Reply::LoginSigned(Ok(SignedLogin {
            signed_xml: "<login/>".into(),
            iin: "900514440216".into(),
            full_name: "СЕРИКОВА АЙГЕРИМ".into(),
            untrusted: None,
        })),
        &ctx,
    );
    assert!(!login.key_window_open());
    assert_eq!(
        login.signed_identity(),
        Some(("900514440216", "СЕРИКОВА АЙГЕРИМ"))
    );
    let effects = press(&mut login, &ctx, KeyCode::F(10));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Call(Call::Login { .. })]
    ));
    // The server refuses (the forged key): its owner leaves the form, the key is not kept.
    let effects = login.on_reply(
        Reply::LoggedIn(Err(CallError::Client(ClientError::Transport(
            "refused".into(),
        )))),
        &ctx,
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(login.signed_identity(), None);
    let screen = draw(&App::new(ctx.clone(), Box::new(login)), 80, 24);
    assert!(!screen.contains("СЕРИКОВА"), "{screen}");
}

#[test]
fn login_snapshots() {
    snapshot_all("login", |lang| {
        App::new(
            Ctx::for_tests(lang),
            Box::new(Login::new(&Ctx::for_tests(lang))),
        )
    });
    snapshot_all("key_window", |lang| {
        let ctx = Ctx::for_tests(lang);
        let mut login = Login::new(&ctx);
        press(&mut login, &ctx, KeyCode::F(4));
        App::new(ctx, Box::new(login))
    });
}

#[test]
fn first_login_requires_email_and_phone() {
    let _guard = locale(Lang::Kk);
    let ctx = ctx(Lang::Kk);
    let mut screen = FirstLogin::new("СЕРИКОВА АЙГЕРИМ".into());
    assert!(
        press(&mut screen, &ctx, KeyCode::F(10)).is_empty(),
        "empty: refused"
    );
    assert!(
        press(&mut screen, &ctx, KeyCode::Esc).is_empty(),
        "Esc does not skip it"
    );
    type_text(&mut screen, &ctx, "aigerim@example.kz");
    press(&mut screen, &ctx, KeyCode::Tab);
    type_text(&mut screen, &ctx, "+7 701 234 56 78");
    let effects = press(&mut screen, &ctx, KeyCode::F(10));
    match effects.as_slice() {
        [Effect::Call(Call::SaveContacts(c))] => {
            assert_eq!(c.email.as_deref(), Some("aigerim@example.kz"));
            assert_eq!(c.language, Lang::Kk);
        }
        other => panic!("{other:?}"),
    }
    let effects = screen.on_reply(Reply::ContactsSaved(Ok(())), &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Reset(menu)] if menu.id() == "main_menu"));
}

#[test]
fn first_login_snapshots() {
    snapshot_all("first_login", |lang| {
        app_with(lang, Box::new(FirstLogin::new("СЕРИКОВА АЙГЕРИМ".into())))
    });
}

#[test]
fn wizard_validates_and_jumps_to_the_first_problem() {
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    ctx.session.as_mut().unwrap().iin = "900514440216".into();
    ctx.region = Some(region_choice());
    let mut wizard = Wizard::new(&ctx);
    let effects = wizard.init(&ctx);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Call(Call::RegistryPerson(_))))
    );
    // «Далее» with no e-mail: stays on step 1.
    press(&mut wizard, &ctx, KeyCode::F(10));
    assert_eq!(wizard.step(), 1);
    let screen = draw(&App::new(ctx.clone(), Box::new(Wizard::new(&ctx))), 80, 24);
    assert!(screen.contains("Шаг 1"), "{screen}");
    wizard
        .applicant_mut()
        .field_mut("email")
        .set_value("aigerim@example.kz");
    wizard
        .applicant_mut()
        .field_mut("phone")
        .set_value("+7 701 234 56 78");
    press(&mut wizard, &ctx, KeyCode::F(10));
    assert_eq!(wizard.step(), 2);
    // Step 2: a child IIN with a wrong check digit is refused as typed.
    type_text(&mut wizard, &ctx, "230302600001");
    assert!(press(&mut wizard, &ctx, KeyCode::F(10)).is_empty());
    assert_eq!(wizard.step(), 2);
}

/// Every field the server limits stops typing at the same length (`domain::limits`), on both
/// steps, and the wizard says so under the form.
#[test]
fn wizard_fields_take_no_more_than_the_server_does() {
    use kezek::domain::limits::Text;
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    ctx.region = Some(region_choice());
    let mut wizard = Wizard::new(&ctx);
    for (id, limit) in [
        ("applicant_surname", Text::PersonName),
        ("street", Text::Place),
        ("flat", Text::HouseNumber),
        ("email", Text::Email),
        ("extra_phone", Text::Phone),
    ] {
        assert_eq!(wizard.applicant_mut().field(id).limit, Some(limit), "{id}");
    }
    for id in ["child_surname", "child_name", "child_patronymic"] {
        assert_eq!(
            wizard.child_mut().field(id).limit,
            Some(Text::PersonName),
            "{id}"
        );
    }
    wizard.applicant_mut().focus_on("house");
    type_text(&mut wizard, &ctx, &"1".repeat(30));
    assert_eq!(wizard.applicant_mut().value("house"), "1".repeat(20));
    let screen = draw(&App::new(ctx.clone(), Box::new(wizard)), 80, 24);
    assert!(screen.contains("Не более 20 символов."), "{screen}");
}

/// Айгерим's wizard in Kokshetau at step 2, the benefit catalogue loaded.
fn wizard_at_step2(lang: Lang) -> (Ctx, Wizard) {
    use kezek::api::catalogue::BenefitCategoryInfo;
    use kezek::domain::BenefitCategory;
    let mut ctx = ctx(lang);
    ctx.session.as_mut().unwrap().iin = "900514440216".into();
    ctx.region = Some(region_choice());
    let mut wizard = Wizard::new(&ctx);
    let benefits = BenefitCategory::catalogue()
        .iter()
        .map(|c| BenefitCategoryInfo {
            code: c.code.clone(),
            class: c.class,
            name: name(&c.kk, &c.ru, &c.en),
        })
        .collect();
    wizard.on_reply(Reply::Benefits(Ok(benefits)), &ctx);
    let applicant = wizard.applicant_mut();
    applicant.field_mut("email").set_value("aigerim@example.kz");
    applicant.field_mut("phone").set_value("+7 701 234 56 78");
    press(&mut wizard, &ctx, KeyCode::F(10));
    assert_eq!(wizard.step(), 2);
    (ctx, wizard)
}

#[test]
fn wizard_step2_snapshots() {
    snapshot_all("wizard_step2", |lang| {
        let (ctx, mut wizard) = wizard_at_step2(lang);
        wizard.child_mut().field_mut("beneficiary").set_value("x");
        App::new(ctx.clone(), Box::new(wizard))
    });
}

const ARUZHAN: &str = "220315612150";

/// The child check's refusal of a child already queued, naming the application.
fn queued_as(number: &str) -> Reply {
    use kezek::api::problem::{Problem, ProblemCode};
    let problem = Problem::new(ProblemCode::ChildAlreadyQueued)
        .with_message_key("api.problem.child_already_queued_number")
        .with_param("number", number);
    Reply::ChildChecked {
        iin: kezek::domain::Iin::parse(ARUZHAN).unwrap(),
        result: Err(CallError::Client(ClientError::Problem(Box::new(problem)))),
    }
}

/// Types Аружан's IIN into step 2 and answers the effects of its last digit.
fn type_aruzhan(wizard: &mut Wizard, ctx: &Ctx) -> Vec<Effect> {
    type_text(wizard, ctx, &ARUZHAN[..11]);
    press(wizard, ctx, KeyCode::Char('0'))
}

#[test]
fn wizard_checks_the_child_as_soon_as_the_iin_is_typed() {
    use kezek::api::problem::{Problem, ProblemCode};
    use kezek::api::profile::Person;
    let _guard = locale(Lang::Ru);
    let (ctx, mut wizard) = wizard_at_step2(Lang::Ru);
    let aruzhan = kezek::domain::Iin::parse(ARUZHAN).unwrap();
    assert!(matches!(
        type_aruzhan(&mut wizard, &ctx).as_slice(),
        [Effect::Call(Call::ChildCheck(iin))] if *iin == aruzhan
    ));
    // Her child: the registry's names fill the form.
    let person = Person {
        iin: aruzhan,
        surname: "Серикова".into(),
        name: "Аружан".into(),
        patronymic: Some("Нурлановна".into()),
        birth_date: aruzhan.birth_date(),
    };
    let answer = Reply::ChildChecked {
        iin: aruzhan,
        result: Ok(person),
    };
    wizard.on_reply(answer, &ctx);
    assert_eq!(wizard.child_mut().field("child_name").value(), "Аружан");
    assert_eq!(
        wizard.child_mut().field("child_patronymic").value(),
        "Нурлановна"
    );

    // Already queued under an application she may see: said under the field, F3 opens it,
    // and the form cannot be sent.
    let (ctx, mut wizard) = wizard_at_step2(Lang::Ru);
    type_aruzhan(&mut wizard, &ctx);
    wizard.on_reply(queued_as("УО.2026.000027.1"), &ctx);
    let screen = draw(&App::new(ctx.clone(), Box::new(wizard)), 80, 24);
    assert!(
        screen.contains("Ребенок уже стоит в очереди: заявление УО.2026.000027.1."),
        "{screen}"
    );
    assert!(screen.contains("Открыть заявление"), "{screen}");
    let (ctx, mut wizard) = wizard_at_step2(Lang::Ru);
    type_aruzhan(&mut wizard, &ctx);
    wizard.on_reply(queued_as("УО.2026.000027.1"), &ctx);
    assert!(press(&mut wizard, &ctx, KeyCode::F(10)).is_empty());
    match press(&mut wizard, &ctx, KeyCode::F(3)).as_slice() {
        [Effect::Push(screen)] => assert_eq!(screen.id(), "application"),
        other => panic!("{other:?}"),
    }

    // Not her child: the refusal, and nothing to open.
    let (ctx, mut wizard) = wizard_at_step2(Lang::Ru);
    type_aruzhan(&mut wizard, &ctx);
    let not_a_parent = Reply::ChildChecked {
        iin: aruzhan,
        result: Err(CallError::Client(ClientError::Problem(Box::new(
            Problem::new(ProblemCode::NotAParent),
        )))),
    };
    wizard.on_reply(not_a_parent, &ctx);
    assert!(press(&mut wizard, &ctx, KeyCode::F(3)).is_empty());
    let screen = draw(&App::new(ctx.clone(), Box::new(wizard)), 80, 24);
    assert!(screen.contains("не является родителем"), "{screen}");
    assert!(!screen.contains("Открыть заявление"), "{screen}");

    // An answer about an IIN no longer in the field is dropped.
    let (ctx, mut wizard) = wizard_at_step2(Lang::Ru);
    type_aruzhan(&mut wizard, &ctx);
    press(&mut wizard, &ctx, KeyCode::Backspace);
    wizard.on_reply(queued_as("УО.2026.000027.1"), &ctx);
    assert!(press(&mut wizard, &ctx, KeyCode::F(3)).is_empty());
}

#[test]
fn wizard_step2_with_a_queued_child_snapshots() {
    snapshot_all("wizard_step2_queued", |lang| {
        let (ctx, mut wizard) = wizard_at_step2(lang);
        type_aruzhan(&mut wizard, &ctx);
        wizard.on_reply(queued_as("УО.2026.000027.1"), &ctx);
        App::new(ctx.clone(), Box::new(wizard))
    });
}

#[test]
fn wizard_snapshots() {
    snapshot_all("wizard_step1", |lang| {
        let mut ctx = ctx(lang);
        ctx.region = Some(region_choice());
        App::new(ctx.clone(), Box::new(Wizard::new(&ctx)))
    });
}

#[test]
fn success_shows_the_queue_number_and_downloads_the_notice() {
    let _guard = locale(Lang::Ru);
    let ctx = ctx(Lang::Ru);
    let mut success = Success::new(result(), &ctx);
    assert_eq!(success.queue_number(), 18355);
    let effects = press(&mut success, &ctx, KeyCode::F(5));
    match effects.as_slice() {
        [
            Effect::Call(Call::Download {
                document_id, path, ..
            }),
        ] => {
            assert_eq!(document_id, "doc-1");
            // Named in the language of the screen, not by the server's English file name.
            assert_eq!(
                path,
                &ctx.downloads
                    .join("Уведомление-о-регистрации-УО.2026.000027.1.pdf")
            );
        }
        other => panic!("{other:?}"),
    }
    let screen = draw(
        &app_with(Lang::Ru, Box::new(Success::new(result(), &ctx))),
        80,
        24,
    );
    assert!(screen.contains("ПОД НОМЕРОМ 18355"), "{screen}");
}

#[test]
fn success_snapshots() {
    snapshot_all("success", |lang| {
        let ctx = ctx(lang);
        App::new(ctx.clone(), Box::new(Success::new(result(), &ctx)))
    });
}

#[test]
fn signing_window_returns_the_answer_to_the_screen_below() {
    use kezek::api::documents::{ActionDocument, ActionRequest, Envelope};
    use kezek::tui::protocol::{Sent, SignTask};
    use kezek::tui::screens::signing::Signing;
    use kezek::tui::session::Purpose;
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    ctx.region = Some(region_choice());
    ctx.now = chrono::Utc::now();
    let (sign_path, sign_password) = demo_keystore("SIGN");
    let keystore = Arc::new(Keystore::open_file(&sign_path, &sign_password).unwrap());
    let task = SignTask::Act(ActionDocument {
        envelope: Envelope::now(),
        number: ApplicationNumber::parse("УО.2026.000027.1").unwrap(),
        action: ActionRequest::ConfirmInterest,
    });
    let mut window = Signing::new(task, &ctx);
    window.on_reply(Reply::Keystore(Ok(keystore)), &ctx);
    let effects = press(&mut window, &ctx, KeyCode::F(10));
    assert!(
        matches!(effects.as_slice(), [Effect::Call(Call::SignAndSend { .. })]),
        "nothing remembered before the server accepts: {effects:?}"
    );
    let effects = window.on_reply(Reply::Sent(Ok(Sent::Submitted(result()))), &ctx);
    assert!(matches!(
        effects.as_slice(),
        [
            Effect::RememberKeystore(Purpose::Sign, _),
            Effect::Return(Reply::Sent(Ok(_)))
        ]
    ));
    // The wizard turns the returned answer into the success dialog.
    let mut wizard = Wizard::new(&ctx);
    let effects = wizard.on_reply(Reply::Sent(Ok(Sent::Submitted(result()))), &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Replace(s)] if s.id() == "success"));
}

#[test]
fn the_first_signing_window_opens_beside_the_login_key_on_its_sign_key() {
    use kezek::api::documents::{ActionDocument, ActionRequest, Envelope};
    use kezek::tui::protocol::SignTask;
    use kezek::tui::screens::signing::Signing;
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    let (auth, _) = demo_keystore("AUTH");
    let (sign, _) = demo_keystore("SIGN");
    assert_eq!(
        auth.parent(),
        sign.parent(),
        "the demo pair shares a folder"
    );
    ctx.remembered.auth = Some(auth);
    let task = SignTask::Act(ActionDocument {
        envelope: Envelope::now(),
        number: ApplicationNumber::parse("УО.2026.000027.1").unwrap(),
        action: ActionRequest::ConfirmInterest,
    });
    let app = App::new(ctx.clone(), Box::new(Signing::new(task, &ctx)));
    let screen = draw(&app, 120, 40);
    let name = sign.file_name().unwrap().to_string_lossy().into_owned();
    let highlighted = screen
        .lines()
        .find(|l| l.contains('›'))
        .unwrap_or_default()
        .to_owned();
    assert!(highlighted.contains(&name), "{highlighted}\n{screen}");
    // The hint line names the browser's keys while it is open, not the key window's.
    let hints = hint_line(&screen);
    assert!(hints.contains("Enter Открыть или выбрать"), "{hints}");
    assert!(!hints.contains("F10"), "{hints}");
}

#[test]
fn a_refused_password_is_cleared_and_key_usage_is_in_the_users_language() {
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    ctx.now = chrono::Utc::now();
    let mut login = Login::new(&ctx);
    press(&mut login, &ctx, KeyCode::F(4));
    let (path, password) = demo_keystore("AUTH");
    type_text(&mut login, &ctx, &path.display().to_string());
    press(&mut login, &ctx, KeyCode::Tab);
    type_text(&mut login, &ctx, "wrong");
    let refused = Keystore::open_file(&path, "wrong").unwrap_err();
    login.on_reply(Reply::Keystore(Err(refused.into())), &ctx);
    // The field is empty: typing the password again does not append to the wrong one.
    type_text(&mut login, &ctx, &password);
    let effects = press(&mut login, &ctx, KeyCode::Enter);
    match effects.as_slice() {
        [
            Effect::Call(Call::OpenKeystore {
                password: typed, ..
            }),
        ] => {
            assert_eq!(typed.expose(), password);
        }
        other => panic!("{other:?}"),
    }
    let keystore = Arc::new(Keystore::open_file(&path, &password).unwrap());
    login.on_reply(Reply::Keystore(Ok(keystore)), &ctx);
    let screen = draw(&App::new(ctx.clone(), Box::new(login)), 80, 24);
    assert!(screen.contains("— для входа —"), "{screen}");
    assert!(screen.contains("RSA 2048, для входа"), "{screen}");
    assert!(!screen.contains("Auth"), "{screen}");
    // The path shows the file name first, where AUTH_ tells the keys apart.
    assert!(screen.contains("Путь к хранилищу:"), "{screen}");
    let path_line = screen
        .lines()
        .find(|l| l.contains("Путь к хранилищу:"))
        .unwrap();
    assert!(path_line.contains("AUTH_RSA256_"), "{path_line}");
}

#[test]
fn the_status_bar_names_the_place_in_the_current_language() {
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    ctx.region = Some(region_choice());
    let mut app = App::new(ctx, Box::new(MainMenu::new()));
    let top = |app: &App| draw(app, 120, 40).lines().next().unwrap().to_owned();
    assert!(
        top(&app).contains("Кокшетау, г.а. Кокшетау"),
        "{}",
        top(&app)
    );
    app.update(key(KeyCode::F(2)));
    assert_eq!(app.ctx.lang, Lang::En);
    drop(_guard);
    let _guard = locale(Lang::En);
    assert!(
        top(&app).contains("Kokshetau, Kokshetau city"),
        "{}",
        top(&app)
    );
}

#[test]
fn step2_offers_documents_only_with_a_benefit_and_says_space_ticks_it() {
    let _guard = locale(Lang::Ru);
    let (ctx, mut wizard) = wizard_at_step2(Lang::Ru);
    let keys = |wizard: &Wizard| -> Vec<&'static str> {
        wizard
            .key_help()
            .iter()
            .filter(|h| h.hint)
            .map(|h| h.name)
            .collect()
    };
    assert!(!keys(&wizard).contains(&"attach"), "{:?}", keys(&wizard));
    assert!(!keys(&wizard).contains(&"remove"), "{:?}", keys(&wizard));
    // Down to «Льготник»: Space is hinted there, and ticks it.
    for _ in 0..3 {
        press(&mut wizard, &ctx, KeyCode::Tab);
    }
    assert!(keys(&wizard).contains(&"toggle"), "{:?}", keys(&wizard));
    press(&mut wizard, &ctx, KeyCode::Char(' '));
    assert!(wizard.child_mut().field("beneficiary").is_checked());
    assert!(keys(&wizard).contains(&"attach"), "{:?}", keys(&wizard));
}

#[test]
fn region_list_hints_esc_only_where_it_leads_back() {
    let _guard = locale(Lang::Ru);
    let ctx = ctx(Lang::Ru);
    let mut screen = RegionScreen::new();
    screen.on_reply(Reply::Regions(Ok(regions())), &ctx);
    let hinted = |screen: &RegionScreen| screen.key_help().iter().any(|h| h.name == "back");
    assert!(!hinted(&screen), "Esc does nothing on the regions");
    press(&mut screen, &ctx, KeyCode::Enter);
    assert!(hinted(&screen), "Esc goes back from the settlements");
    // «Аст» finds the city before every «…область» containing «аст».
    press(&mut screen, &ctx, KeyCode::Esc);
    type_text(&mut screen, &ctx, "аст");
    let effects = press(&mut screen, &ctx, KeyCode::Enter);
    assert!(effects.is_empty());
    let text = draw(&App::new(ctx.clone(), Box::new(screen)), 80, 24);
    assert!(text.contains("Астана — "), "the city's settlements: {text}");
    assert!(!text.contains("Кокшетау"), "not the region's: {text}");
}
