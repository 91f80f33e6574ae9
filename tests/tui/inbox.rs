//! «Уведомления» (issue 14): the list, opening a message (marked read here and on the server),
//! the jump to its application, and the app's count of unread messages on the status bar.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kezek::api::notices::Inbox;
use kezek::client::ClientError;
use kezek::i18n::Lang;
use kezek::tui::app::{App, Message};
use kezek::tui::protocol::{Call, CallError, Reply, Sent};
use kezek::tui::sample;
use kezek::tui::screen::{Ctx, Effect, Screen};
use kezek::tui::screens::inbox::InboxScreen;
use kezek::tui::screens::main_menu::MainMenu;
use kezek::tui::session::Session;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn logged_in() -> Ctx {
    let mut ctx = Ctx::for_tests(Lang::Ru);
    ctx.session = Some(Session {
        full_name: "Абенова Гүлнар Серікқызы".to_owned(),
        iin: "930818450219".to_owned(),
        ..Session::default()
    });
    ctx
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

fn inbox() -> Inbox {
    sample::inbox(Lang::Ru)
}

#[test]
fn the_list_comes_newest_first_and_enter_reads_and_marks_a_message() {
    let ctx = logged_in();
    let mut screen = InboxScreen::new();
    let effects = screen.init(&ctx);
    assert!(
        matches!(calls(&effects)[..], [Call::Inbox(_)]),
        "{effects:?}"
    );
    screen.on_reply(Reply::Inbox(Ok(inbox())), &ctx);
    let ids: Vec<i64> = screen.messages().iter().map(|m| m.id).collect();
    assert_eq!(ids, [4, 3, 2, 1]);

    // The newest is unread: Enter opens it and marks it read on the server.
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    assert!(
        matches!(calls(&effects)[..], [Call::MarkRead(4)]),
        "{effects:?}"
    );
    let open = screen.open_message().expect("the message is open");
    assert_eq!(open.id, 4);
    assert!(open.read_at.is_some(), "read at once, before the answer");

    // From the open message Enter goes to its application.
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match effects.as_slice() {
        [Effect::Push(next)] => assert_eq!(next.id(), "application"),
        other => panic!("the application screen, got {other:?}"),
    }
    // Esc goes back to the list; on the list Esc is the app's «back».
    assert!(screen.on_key(key(KeyCode::Esc), &ctx).is_some());
    assert!(screen.open_message().is_none());
    assert!(screen.on_key(key(KeyCode::Esc), &ctx).is_none());

    // An old message, already read, is opened without asking the server.
    screen.on_key(key(KeyCode::Down), &ctx);
    screen.on_key(key(KeyCode::Down), &ctx);
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    assert!(calls(&effects).is_empty(), "{effects:?}");
    assert_eq!(screen.open_message().map(|m| m.id), Some(2));
}

#[test]
fn a_mark_the_server_refused_leaves_the_message_unread() {
    let ctx = logged_in();
    let mut screen = InboxScreen::with_inbox(inbox());
    screen.on_key(key(KeyCode::Enter), &ctx);
    screen.on_reply(
        Reply::MarkedRead {
            id: 4,
            result: Err(CallError::Client(ClientError::Transport(
                "connection refused".to_owned(),
            ))),
        },
        &ctx,
    );
    let message = screen.messages().iter().find(|m| m.id == 4).unwrap();
    assert_eq!(message.read_at, None);
}

#[test]
fn a_newer_message_keeps_the_highlighted_one_highlighted() {
    let ctx = logged_in();
    let mut screen = InboxScreen::with_inbox(inbox());
    screen.on_key(key(KeyCode::Down), &ctx);
    let mut newer = inbox();
    let mut fresh = newer.messages[0].clone();
    fresh.id = 5;
    newer.messages.insert(0, fresh);
    screen.on_reply(Reply::Inbox(Ok(newer)), &ctx);
    // Message 3 stays under the cursor: Enter opens it, not the new one.
    screen.on_key(key(KeyCode::Enter), &ctx);
    assert_eq!(screen.open_message().map(|m| m.id), Some(3));
}

fn draw(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| app.view(frame)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn the_status_bar_counts_unread_messages_without_turning_the_spinner() {
    let mut app = App::new(logged_in(), Box::new(MainMenu::new()));
    let jobs = app.update(Message::CountUnread);
    let [job] = jobs.as_slice() else {
        panic!("one count request, got {jobs:?}");
    };
    assert!(matches!(job.call, Call::Inbox(_)), "{job:?}");
    assert!(!app.busy(), "nobody waits for the count");
    app.update(Message::Reply {
        screen: job.screen,
        reply: Box::new(Reply::Inbox(Ok(inbox()))),
    });
    assert_eq!(app.ctx.unread, Some(2));
    let screen = draw(&app);
    let status = screen.lines().next().unwrap_or_default();
    assert!(status.contains(": 2"), "{screen}");
    assert!(screen.contains("(2)"), "the menu item counts too: {screen}");

    // A signed document may have written a message: the count is asked for again.
    let jobs = app.update(Message::Reply {
        screen: job.screen,
        reply: Box::new(Reply::Sent(Ok(Sent::Acted(Box::new(
            sample::application_in_queue(),
        ))))),
    });
    assert!(
        jobs.iter().any(|j| matches!(j.call, Call::Inbox(_))),
        "{jobs:?}"
    );

    // Nobody logged in: no count, and none asked for.
    let mut guest = App::new(Ctx::for_tests(Lang::Ru), Box::new(MainMenu::new()));
    assert!(guest.update(Message::CountUnread).is_empty());
    assert_eq!(guest.ctx.unread, None);
}

// ---------------------------------------------------------------- the contact preference

#[test]
fn the_profile_sends_the_channels_ticked_and_refuses_none() {
    use kezek::domain::ContactPreference;
    use kezek::tui::screens::profile::ProfileScreen;
    let ctx = logged_in();
    let mut screen = ProfileScreen::new();
    let form = screen.contacts_form();
    form.field_mut("email").set_value("ata@mail.kz");
    form.field_mut("phone").set_value("+7 701 234 56 78");
    // Neither box: nothing is sent, the e-mail box says why.
    form.field_mut("notify_email").set_value("");
    form.field_mut("notify_sms").set_value("");
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    assert!(calls(&effects).is_empty(), "{effects:?}");
    assert!(
        screen
            .contacts_form()
            .field("notify_email")
            .error()
            .is_some(),
        "the refusal is shown on the box"
    );
    // SMS only.
    screen
        .contacts_form()
        .field_mut("notify_sms")
        .set_value("1");
    let effects = screen.on_key(key(KeyCode::Enter), &ctx).unwrap();
    match &calls(&effects)[..] {
        [Call::SaveContacts(contacts)] => {
            assert_eq!(contacts.notify_by, ContactPreference::Sms);
        }
        other => panic!("{other:?}"),
    }
    // A profile from the server ticks its boxes.
    let mut profile_contacts = match &calls(&effects)[..] {
        [Call::SaveContacts(contacts)] => contacts.clone(),
        _ => unreachable!(),
    };
    profile_contacts.notify_by = ContactPreference::Email;
    let user: kezek::api::auth::User = serde_json::from_value(serde_json::json!({
        "iin": "900514440216",
        "full_name": "СЕРИКОВА АЙГЕРИМ",
        "surname": "СЕРИКОВА",
        "name": "АЙГЕРИМ",
    }))
    .unwrap();
    screen.on_reply(
        Reply::Profile(Ok(kezek::api::profile::Profile {
            user,
            contacts: profile_contacts,
        })),
        &ctx,
    );
    assert!(screen.contacts_form().field("notify_email").is_checked());
    assert!(!screen.contacts_form().field("notify_sms").is_checked());
}
