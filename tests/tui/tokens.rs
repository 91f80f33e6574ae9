//! Issue 16 in the TUI: the key window on «Удостоверение личности» / «Казтокен». The window's
//! logic driven key by key (the module's slots asked off the UI thread, the PIN masked and
//! handed over once, each device state a translated message, a removed token asked for
//! again), and the runner against a real SoftHSM2 token (skipped loudly without it, failing
//! under CI=true). The snapshots of these states are showcase scenes (`token_*` in
//! tests/tui/screens.rs).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use kezek::api::documents::{ActionDocument, ActionRequest, Envelope};
use kezek::client::Client;
use kezek::i18n::Lang;
use kezek::pki::pkcs11::{DeviceStore, PinTries, TokenError};
use kezek::pki::xmldsig;
use kezek::tui::app::App;
use kezek::tui::protocol::{Call, CallError, Reply, SignTask};
use kezek::tui::runner::Runner;
use kezek::tui::screen::{Ctx, Effect, Screen};
use kezek::tui::screens::login::Login;
use kezek::tui::screens::signing::Signing;
use kezek::tui::session::Secret;
use kezek::tui::signing_key::{ChosenKey, OpenedToken};
use kezek::tui::widgets::key_window::Store;
use kezek::tui::{sample, showcase};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::basics::locale;
use crate::softhsm::{self, SoftHsm, USER_PIN};

const KAZTOKEN_MODULE: &str = "/usr/lib/libkztokenp11.so";

fn ctx(lang: Lang) -> Ctx {
    let mut ctx = Ctx::for_tests(lang);
    ctx.pkcs11.kaztoken = Some(PathBuf::from(KAZTOKEN_MODULE));
    // The demo certificates are valid now, not necessarily on the tests' fixed date.
    ctx.now = chrono::Utc::now();
    ctx
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

fn draw(screen: Box<dyn Screen>, ctx: &Ctx, width: u16, height: u16) -> String {
    let app = App::new(ctx.clone(), screen);
    showcase::text(&showcase::draw(&app, width, height))
}

/// The login's key window on «Казтокен» with the sample token's slot listed.
fn kaztoken_login(ctx: &Ctx) -> Login {
    let mut login = Login::new(ctx);
    press(&mut login, ctx, KeyCode::Down);
    press(&mut login, ctx, KeyCode::Down);
    let effects = press(&mut login, ctx, KeyCode::F(4));
    match effects.as_slice() {
        [Effect::Call(Call::TokenSlots { module })] => {
            assert_eq!(module, &PathBuf::from(KAZTOKEN_MODULE));
        }
        other => panic!("the slots are asked of the runner: {other:?}"),
    }
    login.on_reply(Reply::TokenSlots(Ok(sample::token_slots())), ctx);
    login
}

#[test]
fn the_pin_is_masked_and_leaves_the_field_with_the_call() {
    let _guard = locale(Lang::Ru);
    let ctx = ctx(Lang::Ru);
    let mut login = kaztoken_login(&ctx);
    type_text(&mut login, &ctx, "4711");
    let effects = press(&mut login, &ctx, KeyCode::Enter);
    let [Effect::Call(Call::OpenToken { module, slot, pin })] = effects.as_slice() else {
        panic!("F5/Enter logs in to the chosen slot: {effects:?}");
    };
    assert_eq!(module, &PathBuf::from(KAZTOKEN_MODULE));
    assert_eq!(*slot, sample::token_slots()[0].id);
    assert_eq!(pin.expose(), "4711");
    assert_eq!(format!("{pin:?}"), "Secret(***)");
    login.on_reply(
        Reply::Token(Err(CallError::Token(TokenError::WrongPin(PinTries::Few)))),
        &ctx,
    );
    let screen = draw(
        Box::new(kaztoken_again(&ctx, &TokenError::WrongPin(PinTries::Few))),
        &ctx,
        80,
        24,
    );
    assert!(screen.contains("Осталось мало попыток"), "{screen}");
    assert!(!screen.contains("4711"), "{screen}");
    // Typed again from empty, and shown as dots only.
    type_text(&mut login, &ctx, "123456");
    let screen = draw(Box::new(login), &ctx, 80, 24);
    let pin_row = screen.lines().find(|l| l.contains("PIN-код:")).unwrap();
    assert!(pin_row.contains("PIN-код: ••••••"), "{pin_row}");
    assert!(!screen.contains("123456"), "{screen}");
    assert!(screen.contains("SERIKOVA A.N."), "{screen}");
}

#[test]
fn a_store_without_a_module_says_so_and_loads_nothing() {
    let _guard = locale(Lang::Kk);
    let ctx = ctx(Lang::Kk);
    let mut login = Login::new(&ctx);
    press(&mut login, &ctx, KeyCode::Down);
    let effects = press(&mut login, &ctx, KeyCode::F(4));
    assert!(effects.is_empty(), "{effects:?}");
    let screen = draw(Box::new(login), &ctx, 120, 40);
    let message = TokenError::NotConfigured(kezek::pki::pkcs11::DeviceStore::IdCard).translated();
    let start: String = message.chars().take(30).collect();
    assert!(screen.contains(&start), "{start}\n{screen}");
    // A module that does not load says so with its path.
    let mut login = kaztoken_login(&ctx);
    login.on_reply(
        Reply::TokenSlots(Err(CallError::Token(TokenError::ModuleLoad {
            path: KAZTOKEN_MODULE.to_owned(),
            reason: "no such file".to_owned(),
        }))),
        &ctx,
    );
    let screen = draw(Box::new(login), &ctx, 120, 40);
    assert!(screen.contains(KAZTOKEN_MODULE), "{screen}");
    assert!(!screen.contains("no such file"), "{screen}");
}

#[test]
fn every_token_state_is_a_translated_message_never_a_ckr_code() {
    let states = [
        TokenError::WrongPin(PinTries::Some),
        TokenError::WrongPin(PinTries::Few),
        TokenError::WrongPin(PinTries::Last),
        TokenError::PinLocked,
        TokenError::NoToken,
        TokenError::Removed,
        TokenError::WrongUsage("sign".to_owned()),
        TokenError::Device {
            operation: "C_Login".to_owned(),
            code: "CKR_GENERAL_ERROR".to_owned(),
        },
    ];
    for lang in Lang::ALL {
        let _guard = locale(lang);
        let ctx = ctx(lang);
        for state in &states {
            for (width, height) in [(80, 24), (120, 40)] {
                let screen = draw(Box::new(kaztoken_again(&ctx, state)), &ctx, width, height);
                let message = state.translated();
                let start: String = message.chars().take(20).collect();
                assert!(screen.contains(&start), "{lang} {state:?}:\n{screen}");
                assert!(!screen.contains("CKR"), "{lang} {state:?}:\n{screen}");
            }
        }
    }
}

/// A fresh login window whose token answered F5 with `state`.
fn kaztoken_again(ctx: &Ctx, state: &TokenError) -> Login {
    let mut login = kaztoken_login(ctx);
    type_text(&mut login, ctx, "0000");
    press(&mut login, ctx, KeyCode::F(5));
    login.on_reply(Reply::Token(Err(CallError::Token(state.clone()))), ctx);
    login
}

fn signing_on_kaztoken(ctx: &Ctx) -> Signing {
    let task = SignTask::Act(ActionDocument {
        envelope: Envelope::now(),
        number: sample::application_with_direction().state.number,
        action: ActionRequest::ConfirmInterest,
    });
    let mut signing = Signing::new(task, ctx);
    // F3: the ID card (no module here), then the Kaztoken.
    assert!(press(&mut signing, ctx, KeyCode::F(3)).is_empty());
    let effects = press(&mut signing, ctx, KeyCode::F(3));
    assert!(
        matches!(effects.as_slice(), [Effect::Call(Call::TokenSlots { .. })]),
        "{effects:?}"
    );
    signing.on_reply(Reply::TokenSlots(Ok(sample::token_slots())), ctx);
    type_text(&mut signing, ctx, USER_PIN);
    press(&mut signing, ctx, KeyCode::F(5));
    signing.on_reply(
        Reply::Token(Ok(Arc::new(OpenedToken::closed(sample::token_keys())))),
        ctx,
    );
    signing
}

#[test]
fn the_sign_key_is_preselected_and_signs_by_its_cka_id() {
    let _guard = locale(Lang::En);
    let ctx = ctx(Lang::En);
    let mut signing = signing_on_kaztoken(&ctx);
    let effects = press(&mut signing, &ctx, KeyCode::F(10));
    match effects.as_slice() {
        [Effect::Call(Call::SignAndSend { key, .. })] => match key {
            ChosenKey::Token { name, .. } => assert_eq!(name, "51"),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // And at login the AUTH key is.
    let mut login = kaztoken_login(&ctx);
    type_text(&mut login, &ctx, USER_PIN);
    press(&mut login, &ctx, KeyCode::F(5));
    login.on_reply(
        Reply::Token(Ok(Arc::new(OpenedToken::closed(sample::token_keys())))),
        &ctx,
    );
    let effects = press(&mut login, &ctx, KeyCode::F(10));
    match effects.as_slice() {
        [Effect::Call(Call::SignLogin { key })] => match key {
            ChosenKey::Token { name, .. } => assert_eq!(name, "41"),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_token_removed_before_signing_is_asked_for_again() {
    let _guard = locale(Lang::Ru);
    let ctx = ctx(Lang::Ru);
    let mut signing = signing_on_kaztoken(&ctx);
    press(&mut signing, &ctx, KeyCode::F(10));
    let effects = signing.on_reply(
        Reply::Sent(Err(CallError::Token(TokenError::Removed))),
        &ctx,
    );
    assert!(effects.is_empty(), "the window stays: {effects:?}");
    let screen = draw(Box::new(signing_on_kaztoken_removed(&ctx)), &ctx, 80, 24);
    assert!(screen.contains("Вставьте устройство снова"), "{screen}");
    // F5 looks for the device again before anything else.
    let effects = press(&mut signing, &ctx, KeyCode::F(5));
    assert!(
        matches!(effects.as_slice(), [Effect::Call(Call::TokenSlots { .. })]),
        "{effects:?}"
    );
    // Esc leaves; the client goes on.
    signing.on_reply(Reply::TokenSlots(Ok(sample::token_slots())), &ctx);
    let effects = press(&mut signing, &ctx, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Pop]), "{effects:?}");
}

fn signing_on_kaztoken_removed(ctx: &Ctx) -> Signing {
    let mut signing = signing_on_kaztoken(ctx);
    press(&mut signing, ctx, KeyCode::F(10));
    signing.on_reply(Reply::Sent(Err(CallError::Token(TokenError::Removed))), ctx);
    signing
}

/// One SoftHSM2 token for this binary (the module reads `SOFTHSM2_CONF` once per process):
/// Айгерим's AUTH and SIGN keys.
fn token() -> Option<&'static SoftHsm> {
    static HSM: OnceLock<Option<SoftHsm>> = OnceLock::new();
    HSM.get_or_init(|| {
        let hsm = SoftHsm::new(softhsm::module()?);
        hsm.init_token("kezek-tui");
        let index =
            kezek::client::demo::load_index(&kezek::server::config::demo_keystores()).unwrap();
        for (usage, label, id) in [("AUTH", "AUTH key", "41"), ("SIGN", "SIGN key", "51")] {
            let demo = kezek::client::demo::find(&index, "900514440216", usage, "valid").unwrap();
            hsm.import(
                "kezek-tui",
                &softhsm::demo_entry(&demo.path(), &demo.password),
                label,
                id,
            );
        }
        // SAFETY: set once, before this binary first loads the module; nothing else in this
        // binary reads the variable.
        unsafe { std::env::set_var("SOFTHSM2_CONF", hsm.conf()) };
        Some(hsm)
    })
    .as_ref()
}

#[tokio::test]
async fn the_runner_lists_logs_in_and_signs_on_a_softhsm_token() {
    let Some(hsm) = token() else {
        return;
    };
    let runner = Runner::new(Client::new("http://127.0.0.1:9").unwrap());
    let Reply::TokenSlots(Ok(slots)) = runner
        .run(Call::TokenSlots {
            module: hsm.module.clone(),
        })
        .await
    else {
        panic!("the slots are listed");
    };
    let slot = slots
        .iter()
        .find(|s| s.token.as_deref() == Some("kezek-tui"))
        .expect("the test's token")
        .id;
    let open = |pin: &str| Call::OpenToken {
        module: hsm.module.clone(),
        slot,
        pin: Secret::new(pin),
    };
    match runner.run(open("000000")).await {
        Reply::Token(Err(e)) => assert!(
            matches!(e.token_error(), Some(TokenError::WrongPin(_))),
            "{e:?}"
        ),
        other => panic!("{other:?}"),
    }
    let Reply::Token(Ok(token)) = runner.run(open(USER_PIN)).await else {
        panic!("the right PIN opens the token");
    };
    let names: Vec<&str> = token.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let key = ChosenKey::Token {
        token: Arc::clone(&token),
        name: "51".to_owned(),
    };
    let signed = tokio::task::spawn_blocking(move || {
        key.with_signer(|signer| Ok(xmldsig::sign_with("<doc>Kezek</doc>", signer)?))
    })
    .await
    .unwrap()
    .unwrap();
    let verified = xmldsig::verify(&signed).unwrap();
    assert_eq!(
        verified.certificate.info().subject.iin.as_deref(),
        Some("900514440216")
    );
}

#[test]
fn after_a_token_login_the_signing_windows_start_on_the_token() {
    let _guard = locale(Lang::Ru);
    let mut ctx = ctx(Lang::Ru);
    let mut login = kaztoken_login(&ctx);
    type_text(&mut login, &ctx, USER_PIN);
    press(&mut login, &ctx, KeyCode::F(5));
    login.on_reply(
        Reply::Token(Ok(Arc::new(OpenedToken::closed(sample::token_keys())))),
        &ctx,
    );
    press(&mut login, &ctx, KeyCode::F(10));
    let effects = login.on_reply(Reply::LoggedIn(Ok(logged_in())), &ctx);
    let store = effects.iter().find_map(|e| match e {
        Effect::KeyStoreUsed(store) => Some(*store),
        _ => None,
    });
    assert_eq!(
        store,
        Some(Store::Device(DeviceStore::Kaztoken)),
        "{effects:?}"
    );
    ctx.key_store = Store::Device(DeviceStore::Kaztoken);
    let task = SignTask::Act(ActionDocument {
        envelope: Envelope::now(),
        number: sample::application_with_direction().state.number,
        action: ActionRequest::ConfirmInterest,
    });
    let mut signing = Signing::new(task, &ctx);
    let effects = signing.init(&ctx);
    assert!(
        matches!(effects.as_slice(), [Effect::Call(Call::TokenSlots { module })] if module == &PathBuf::from(KAZTOKEN_MODULE)),
        "{effects:?}"
    );
    // And a logout's login screen offers the token first.
    let login = Login::new(&ctx);
    let screen = draw(Box::new(login), &ctx, 80, 24);
    assert!(screen.contains("(•) Казтокен"), "{screen}");
}

fn logged_in() -> kezek::api::auth::LoginResponse {
    serde_json::from_value(serde_json::json!({
        "token": "session",
        "expires_at": "2026-12-31T00:00:00Z",
        "user": {
            "iin": "900514440216",
            "full_name": "СЕРИКОВА АЙГЕРИМ",
            "surname": "СЕРИКОВА",
            "name": "АЙГЕРИМ"
        },
        "contacts_missing": false
    }))
    .unwrap()
}
