//! The ЦОН desk (issue 12) without a terminal: the operator's way from the citizen's IIN through
//! the one-time code to the card, a refused code, the wizard for the citizen (documents name the
//! citizen and carry «Номер ЦОН» in the server's format), and «Завершить обслуживание», after
//! which nothing of the citizen is left. The screens' snapshots are showcase scenes
//! (`tests/tui/screens.rs`).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kezek::api::problem::{Problem, ProblemCode};
use kezek::client::ClientError;
use kezek::i18n::Lang;
use kezek::tui::protocol::{Call, CallError, Reply};
use kezek::tui::sample;
use kezek::tui::screen::{Ctx, Effect, Screen};
use kezek::tui::screens::desk::Desk;
use kezek::tui::screens::wizard::Wizard;
use kezek::tui::session::Serving;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn typed(screen: &mut dyn Screen, ctx: &Ctx, text: &str) {
    for c in text.chars() {
        screen.on_key(key(KeyCode::Char(c)), ctx);
    }
}

/// The operator's context in `lang`, with the locale lock held while the test draws.
fn operator(lang: Lang) -> (std::sync::MutexGuard<'static, ()>, Ctx) {
    let guard = crate::basics::locale(lang);
    let mut ctx = Ctx::for_tests(lang);
    ctx.session = Some(sample::operator_session());
    (guard, ctx)
}

fn problem(code: ProblemCode) -> CallError {
    CallError::Client(ClientError::Problem(Box::new(Problem::new(code))))
}

#[test]
fn iin_code_card_and_the_end_leaves_nothing() {
    let (_guard, ctx) = operator(Lang::Ru);
    let mut desk = Desk::new();
    let iin = sample::citizen_card().iin.to_string();
    typed(&mut desk, &ctx, &iin);
    let effects = desk.on_key(key(KeyCode::Enter), &ctx).unwrap();
    let citizen = match &effects[..] {
        [Effect::Call(Call::StartService(iin))] => *iin,
        other => panic!("one start, got {other:?}"),
    };
    assert_eq!(citizen.to_string(), iin);
    let service = sample::desk_service();
    desk.on_reply(Reply::ServiceStarted(Ok(service.clone())), &ctx);
    assert_eq!(desk.stage(), "code");
    typed(&mut desk, &ctx, "418207");
    let effects = desk.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &effects[..] {
        [Effect::Call(Call::ConfirmCode { id, code })] => {
            assert_eq!(id, &service.id);
            assert_eq!(code.expose(), "418207");
            assert!(
                !format!("{effects:?}").contains("418207"),
                "the code never prints"
            );
        }
        other => panic!("one confirmation, got {other:?}"),
    }
    let effects = desk.on_reply(Reply::CodeConfirmed(Ok(service.clone())), &ctx);
    match &effects[..] {
        [Effect::Serve(Some(_)), Effect::Call(Call::CitizenCard(id))] => {
            assert_eq!(id, &service.id)
        }
        other => panic!("serving and the card, got {other:?}"),
    }
    desk.on_reply(
        Reply::CitizenCard(Ok(Box::new(sample::citizen_card()))),
        &ctx,
    );
    assert_eq!(desk.stage(), "card");
    assert_eq!(desk.card().map(|c| c.children.len()), Some(2));
    // F4: the wizard for the selected child.
    let effects = desk.on_key(key(KeyCode::F(4)), &ctx).unwrap();
    assert!(matches!(&effects[..], [Effect::Push(s)] if s.id() == "wizard"));
    // F12: the consent ends on the server; the screen forgets the citizen at once.
    let effects = desk.on_key(key(KeyCode::F(12)), &ctx).unwrap();
    match &effects[..] {
        [Effect::Serve(None), Effect::Call(Call::EndService(id))] => assert_eq!(id, &service.id),
        other => panic!("the end, got {other:?}"),
    }
    assert_eq!(desk.stage(), "iin");
    assert!(desk.card().is_none());
    assert_eq!(desk.iin_field().value(), "", "ready for the next citizen");
}

#[test]
fn a_wrong_code_stays_and_too_many_start_over() {
    let (_guard, ctx) = operator(Lang::Kk);
    let mut desk = Desk::awaiting_code(sample::desk_service());
    typed(&mut desk, &ctx, "000000");
    desk.on_key(key(KeyCode::Enter), &ctx);
    desk.on_reply(
        Reply::CodeConfirmed(Err(problem(ProblemCode::CodeWrong))),
        &ctx,
    );
    assert_eq!(desk.stage(), "code", "a wrong code may be typed again");
    assert_eq!(
        desk.code_field().value(),
        "",
        "and the field is empty for it"
    );
    desk.on_reply(
        Reply::CodeConfirmed(Err(problem(ProblemCode::CodeAttemptsExhausted))),
        &ctx,
    );
    assert_eq!(desk.stage(), "iin", "five wrong codes end the service");
}

fn serving(format: &str) -> Serving {
    let service = sample::desk_service();
    Serving {
        service_id: service.id,
        citizen: service.citizen_iin,
        request_number_format: Some(format.to_owned()),
    }
}

/// Step 1 with the contacts typed, then F10 to step 2.
fn to_step_two(wizard: &mut Wizard, ctx: &Ctx) {
    wizard
        .applicant_mut()
        .field_mut("email")
        .set_value("citizen@example.kz");
    wizard
        .applicant_mut()
        .field_mut("phone")
        .set_value("+77015554433");
    wizard.on_key(key(KeyCode::F(10)), ctx);
    assert_eq!(wizard.step(), 2);
}

#[test]
fn the_wizard_at_the_desk_files_for_the_citizen_with_a_checked_centre_number() {
    let (_guard, mut ctx) = operator(Lang::Ru);
    ctx.region = Some(kezek::tui::screen::RegionChoice {
        region_code: "astana".to_owned(),
        region_name: sample::regions()[0].name.clone(),
        district_name: sample::regions()[0].districts[0].name.clone(),
        settlement_code: sample::regions()[0].districts[0].settlements[0]
            .code
            .clone(),
        settlement_name: sample::regions()[0].districts[0].settlements[0]
            .name
            .clone(),
    });
    ctx.serving = Some(serving("ЦОН-##########"));
    let card = sample::citizen_card();
    let child = card.children[1].clone();
    let mut wizard = Wizard::for_child(&ctx, Some(child.iin));
    assert_eq!(
        wizard.applicant_mut().value("applicant_iin"),
        card.iin.to_string(),
        "the applicant is the citizen, not the operator"
    );
    let effects = wizard.init(&ctx);
    let asked: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(call) => Some(format!("{call:?}")),
            _ => None,
        })
        .collect();
    assert!(!asked.iter().any(|c| c.starts_with("Profile")), "{asked:?}");
    assert!(
        asked.iter().any(|c| c.starts_with("ChildCheck")),
        "{asked:?}"
    );
    wizard
        .child_mut()
        .field_mut("child_name")
        .set_value("Айсұлу");
    to_step_two(&mut wizard, &ctx);
    typed(&mut wizard, &ctx, "ЦОН-12");
    let effects = wizard.on_key(key(KeyCode::F(10)), &ctx).unwrap();
    assert!(
        effects.is_empty(),
        "a number of the wrong format is refused"
    );
    assert!(
        wizard.child_mut().field("request_number").error().is_some(),
        "and the field says why"
    );
    wizard
        .child_mut()
        .field_mut("request_number")
        .set_value("ЦОН-0000000042");
    let effects = wizard.on_key(key(KeyCode::F(10)), &ctx).unwrap();
    assert!(
        matches!(&effects[..], [Effect::Push(s)] if s.id() == "signing"),
        "the signing window with the operator's SIGN key, got {effects:?}"
    );
    // Every document signed at the desk names the citizen served.
    let envelope = ctx.envelope();
    assert_eq!(envelope.citizen, Some(card.iin));
    ctx.serving = None;
    assert_eq!(ctx.envelope().citizen, None);
}

#[test]
fn a_long_centre_name_gives_way_to_the_link_and_the_language_at_80_columns() {
    let (_guard, mut ctx) = operator(Lang::Ru);
    if let Some(organisation) = ctx.session.as_mut().and_then(|s| s.organisation.as_mut()) {
        organisation.name = Some(
            "НАО «Государственная корпорация «Правительство для граждан» по городу Астана"
                .to_owned(),
        );
    }
    let app = kezek::tui::app::App::new(ctx, Box::new(Desk::new()));
    let text = kezek::tui::showcase::text(&kezek::tui::showcase::draw(&app, 80, 24));
    let status = text.lines().next().expect("a status bar");
    assert!(status.trim_end().ends_with("│ RU"), "{status}");
    assert!(status.contains("АХМЕТОВА ГҮЛНАРА · НАО"), "{status}");
    assert!(status.contains('…'), "{status}");
}

/// The screen `effects` push, drawn at 80x24 in the operator's context.
fn pushed_text(effects: Vec<Effect>, ctx: &Ctx) -> (String, String) {
    let mut effects = effects.into_iter();
    let screen = match (effects.next(), effects.next()) {
        (Some(Effect::Push(screen)), None) => screen,
        other => panic!("one screen pushed, got {other:?}"),
    };
    let id = screen.id().to_owned();
    let app = kezek::tui::app::App::new(ctx.clone(), screen);
    let text = kezek::tui::showcase::text(&kezek::tui::showcase::draw(&app, 80, 24));
    (id, text)
}

#[test]
fn the_wizard_from_the_card_has_the_citizens_contacts_on_record() {
    let (_guard, mut ctx) = operator(Lang::Ru);
    ctx.serving = Some(serving("ЦОН-##########"));
    let card = sample::citizen_card();
    let (email, phone) = (card.email.clone().unwrap(), card.phone.clone().unwrap());
    let mut desk = Desk::with_card(sample::desk_service(), card.clone());
    let effects = desk.on_key(key(KeyCode::F(4)), &ctx).unwrap();
    let (id, text) = pushed_text(effects, &ctx);
    assert_eq!(id, "wizard");
    assert!(text.contains(&email), "{text}");
    assert!(text.contains(&phone), "{text}");
    // Nothing on record: the fields are empty for the operator to type.
    let mut bare = card;
    bare.email = None;
    bare.phone = None;
    let mut desk = Desk::with_card(sample::desk_service(), bare);
    let effects = desk.on_key(key(KeyCode::F(4)), &ctx).unwrap();
    let (_, text) = pushed_text(effects, &ctx);
    assert!(!text.contains(&email), "{text}");
    assert!(!text.contains(&phone), "{text}");
    // A draft built from the prefilled form carries them.
    let wizard = Wizard::for_child(&ctx, None).with_contacts(Some(&email), Some(" "));
    let draft = wizard.draft();
    assert_eq!(draft.applicant.email, email);
    assert_eq!(draft.applicant.phone, "", "a blank phone is no phone");
}

#[test]
fn binding_from_the_card_binds_to_the_citizen_through_the_service() {
    use kezek::tui::screens::profile::{ProfileScreen, Tab};
    let (_guard, ctx) = operator(Lang::Kk);
    let service = sample::desk_service();
    let card = sample::citizen_card();
    let mut desk = Desk::with_card(service.clone(), card.clone());
    // F8 on the card: «Привязка» for the citizen, titled with their IIN.
    let effects = desk.on_key(key(KeyCode::F(8)), &ctx).unwrap();
    let (id, text) = pushed_text(effects, &ctx);
    assert_eq!(id, "profile");
    assert!(text.contains(&card.iin.to_string()), "{text}");
    let mut screen = ProfileScreen::for_citizen(service.id.clone(), service.citizen_iin);
    assert_eq!(screen.tab(), Tab::Binding);
    match &screen.init(&ctx)[..] {
        [Effect::Call(Call::CitizenBindings(asked))] => assert_eq!(asked, &service.id),
        other => panic!("the citizen's bindings only, got {other:?}"),
    }
    // The contacts tab and the operator's own audit are not there.
    for other in [KeyCode::F(6), KeyCode::F(7)] {
        let effects = screen.on_key(key(other), &ctx).unwrap_or_default();
        assert!(effects.is_empty(), "{other:?}: {effects:?}");
        assert_eq!(screen.tab(), Tab::Binding);
    }
    let child = card.children[1].iin;
    typed(&mut screen, &ctx, &child.to_string());
    match &screen.on_key(key(KeyCode::Enter), &ctx).unwrap()[..] {
        [Effect::Call(Call::BindForCitizen { id, child: bound })] => {
            assert_eq!(id, &service.id);
            assert_eq!(*bound, child);
        }
        other => panic!("a binding for the citizen, got {other:?}"),
    }
    // The parent's own screen still binds to the user.
    let mut own = ProfileScreen::new();
    own.show_tab(Tab::Binding);
    typed(&mut own, &ctx, &child.to_string());
    assert!(matches!(
        &own.on_key(key(KeyCode::Enter), &ctx).unwrap()[..],
        [Effect::Call(Call::BindChild(iin))] if *iin == child
    ));
}
