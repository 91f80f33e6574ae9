//! The screens as people meet them, filled with the demo data of [`crate::tui::sample`] and
//! reached through the real app by the keys a user would press. The snapshot tests and
//! `kezek screenshots` draw the same scenes, so the README's pictures are the tested screens.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::applications::ApplicationDetail;
use crate::api::documents::{ActionDocument, ActionRequest, Envelope};
use crate::pki::pkcs11::{PinTries, SlotListing, TokenError};
use crate::tui::app::{App, Message};
use crate::tui::protocol::{CallError, Reply, SignTask};
use crate::tui::sample;
use crate::tui::screen::{Ctx, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::screens::inbox::InboxScreen;
use crate::tui::screens::journal::JournalScreen;
use crate::tui::screens::login::Login;
use crate::tui::screens::profile::{self, ProfileScreen};
use crate::tui::screens::queue_search::QueueSearch;
use crate::tui::screens::report::ReportScreen;
use crate::tui::screens::signing::Signing;
use crate::tui::screens::statistics::Statistics;
use crate::tui::screens::{audit::AuditScreen, desk::Desk, main_menu::MainMenu};
use crate::tui::session::Session;
use crate::tui::signing_key::OpenedToken;

/// One picture: a name for files and snapshots, and how to get there.
pub struct Scene {
    pub name: &'static str,
    pub build: fn(&Ctx) -> App,
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// An app showing `screen`, after `keys`.
fn app(ctx: &Ctx, screen: Box<dyn Screen>, keys: &[KeyEvent]) -> App {
    let mut app = App::new(ctx.clone(), screen);
    for key in keys {
        app.update(Message::Key(*key));
    }
    app
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// The keys that type `text`.
fn typed(text: &str) -> Vec<KeyEvent> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

fn application() -> Box<dyn Screen> {
    application_of(sample::application_with_direction())
}

fn application_of(detail: ApplicationDetail) -> Box<dyn Screen> {
    Box::new(
        ApplicationScreen::with_data(
            detail,
            sample::history(),
            sample::documents(),
            sample::positions(),
        )
        .with_kindergartens(sample::kindergartens())
        // The messages are in the applicant's language, whatever the screen's.
        .with_messages(
            sample::inbox(crate::i18n::Lang::Ru)
                .messages
                .into_iter()
                .rev()
                .collect(),
        ),
    )
}

/// «Продлить направление» filled in: the date and the reason of figure 7.
fn extension_keys() -> Vec<KeyEvent> {
    let mut keys = vec![key(KeyCode::F(10))];
    keys.extend(typed("15122026"));
    keys.push(key(KeyCode::Tab));
    keys.extend(typed("Болезнь ребенка"));
    keys
}

/// The screens of the journal, application, dialogs, profile, search, statistics and inbox.
pub fn scenes() -> Vec<Scene> {
    vec![
        Scene {
            name: "journal",
            build: |ctx| {
                let screen = JournalScreen::with_page(sample::journal_page(100_000, 100));
                app(
                    ctx,
                    Box::new(screen),
                    &[key(KeyCode::Down), key(KeyCode::Down)],
                )
            },
        },
        Scene {
            name: "application_info",
            build: |ctx| app(ctx, application(), &[]),
        },
        Scene {
            name: "application_history",
            build: |ctx| app(ctx, application(), &[key(KeyCode::Tab)]),
        },
        Scene {
            name: "application_documents",
            build: |ctx| app(ctx, application(), &[key(KeyCode::Tab), key(KeyCode::Tab)]),
        },
        Scene {
            name: "application_positions",
            build: |ctx| app(ctx, application(), &[key(KeyCode::BackTab)]),
        },
        Scene {
            name: "action_confirm_interest",
            build: |ctx| {
                let screen = application_of(sample::application_in_queue());
                app(ctx, screen, &[key(KeyCode::F(4))])
            },
        },
        Scene {
            name: "action_change_benefit",
            build: |ctx| {
                let screen = application_of(sample::application_in_queue());
                app(ctx, screen, &[key(KeyCode::F(6))])
            },
        },
        Scene {
            name: "action_withdraw",
            build: |ctx| {
                let screen = application_of(sample::application_in_queue());
                app(ctx, screen, &[key(KeyCode::F(7))])
            },
        },
        Scene {
            name: "action_accept_offer",
            build: |ctx| {
                let screen = application_of(sample::application_offered());
                app(ctx, screen, &[key(KeyCode::F(8)), key(KeyCode::Down)])
            },
        },
        Scene {
            name: "action_decline_offer",
            build: |ctx| {
                let screen = application_of(sample::application_offered());
                app(ctx, screen, &[ctrl('d')])
            },
        },
        Scene {
            name: "action_revoke_direction",
            build: |ctx| app(ctx, application(), &[ctrl('o')]),
        },
        Scene {
            name: "action_extend_direction",
            build: |ctx| app(ctx, application(), &extension_keys()),
        },
        Scene {
            name: "signing_action",
            build: |ctx| {
                let mut keys = extension_keys();
                keys.push(key(KeyCode::Enter));
                app(ctx, application(), &keys)
            },
        },
        Scene {
            name: "profile_binding",
            build: |ctx| {
                let mut screen = ProfileScreen::new();
                screen.show_tab(profile::Tab::Binding);
                screen.on_reply(Reply::Bindings(Ok(sample::bound_children())), ctx);
                app(ctx, Box::new(screen), &[])
            },
        },
        Scene {
            name: "queue_search",
            build: |ctx| {
                let entry = sample::public_entry();
                let screen = QueueSearch::with_result(&entry.number.to_string(), vec![entry]);
                app(ctx, Box::new(screen), &[])
            },
        },
        Scene {
            name: "statistics",
            build: |ctx| {
                let screen = Statistics::with_data(sample::regions(), sample::public_stats());
                app(ctx, Box::new(screen), &[])
            },
        },
        // issue 13 (the region report)
        Scene {
            name: "region_report",
            build: |ctx| {
                let screen = ReportScreen::with_data(sample::region_report());
                app(ctx, Box::new(screen), &[])
            },
        },
        // Issue 16: the key window on a Kaztoken or an ID card, and the device's states.
        Scene {
            name: "token_pin",
            build: |ctx| token_login(ctx, None),
        },
        Scene {
            name: "token_keys",
            build: |ctx| token_login(ctx, Some(Reply::Token(opened_token()))),
        },
        Scene {
            name: "token_wrong_pin_few",
            build: |ctx| {
                token_login(
                    ctx,
                    Some(token_refused(TokenError::WrongPin(PinTries::Few))),
                )
            },
        },
        Scene {
            name: "token_wrong_pin_last",
            build: |ctx| {
                token_login(
                    ctx,
                    Some(token_refused(TokenError::WrongPin(PinTries::Last))),
                )
            },
        },
        Scene {
            name: "token_pin_locked",
            build: |ctx| token_login(ctx, Some(token_refused(TokenError::PinLocked))),
        },
        Scene {
            name: "token_no_token",
            build: |ctx| {
                let mut login = Login::new(ctx);
                let ctx = &with_modules(ctx);
                login_keys(
                    &mut login,
                    ctx,
                    &[KeyCode::Down, KeyCode::Down, KeyCode::F(4)],
                );
                let empty = sample::token_slots()
                    .into_iter()
                    .map(|slot| SlotListing {
                        token: None,
                        ..slot
                    })
                    .collect();
                login.on_reply(Reply::TokenSlots(Ok(empty)), ctx);
                app(ctx, Box::new(login), &[])
            },
        },
        Scene {
            name: "token_not_configured",
            build: |ctx| {
                // No `[pkcs11]` module for the ID card.
                let mut login = Login::new(ctx);
                login_keys(&mut login, ctx, &[KeyCode::Down, KeyCode::F(4)]);
                app(ctx, Box::new(login), &[])
            },
        },
        Scene {
            name: "token_removed",
            build: |ctx| token_signing(ctx, TokenError::Removed),
        },
        Scene {
            name: "token_wrong_usage",
            build: |ctx| token_signing(ctx, TokenError::WrongUsage("sign".to_owned())),
        },
        Scene {
            name: "inbox",
            build: |ctx| inbox(ctx, &[key(KeyCode::Down)]),
        },
        Scene {
            name: "inbox_message",
            build: |ctx| inbox(ctx, &[key(KeyCode::Enter)]),
        },
        // --- the ЦОН desk (issue 12) ---
        Scene {
            name: "main_menu_operator",
            build: |ctx| {
                let mut app = App::new(operator(ctx), Box::new(MainMenu::new()));
                app.start();
                app
            },
        },
        Scene {
            name: "desk_iin",
            build: |ctx| {
                let mut desk = Desk::new();
                desk.iin_field()
                    .set_value(&sample::citizen_card().iin.to_string());
                app(&operator(ctx), Box::new(desk), &[])
            },
        },
        Scene {
            name: "desk_code",
            build: |ctx| {
                let desk = Desk::awaiting_code(sample::desk_service());
                app(&operator(ctx), Box::new(desk), &typed("418207"))
            },
        },
        Scene {
            name: "desk_card",
            build: |ctx| {
                let desk = Desk::with_card(sample::desk_service(), sample::citizen_card());
                app(&operator(ctx), Box::new(desk), &[key(KeyCode::Down)])
            },
        },
        Scene {
            name: "desk_binding",
            build: |ctx| {
                let service = sample::desk_service();
                let mut screen = ProfileScreen::for_citizen(service.id, service.citizen_iin);
                screen.on_reply(Reply::Bindings(Ok(sample::bound_children())), ctx);
                app(&operator(ctx), Box::new(screen), &[])
            },
        },
        Scene {
            name: "audit",
            build: |ctx| {
                let screen = AuditScreen::with_entries(sample::audit_entries());
                app(ctx, Box::new(screen), &[])
            },
        },
        Scene {
            name: "region_audit",
            build: |ctx| {
                let screen = AuditScreen::with_entries(sample::region_audit_entries()).of_region();
                app(ctx, Box::new(screen), &[])
            },
        },
    ]
    .into_iter()
    .chain(officer_scenes())
    .collect()
}

/// The officer's workspace (issue 13).
fn officer_scenes() -> Vec<Scene> {
    use crate::tui::screens::officer::calls::ScanView;
    use crate::tui::screens::officer::kindergartens::KindergartensScreen;
    use crate::tui::screens::officer::offers::OffersScreen;
    use crate::tui::screens::officer::reviews::ReviewsScreen;
    fn kindergartens() -> Box<dyn Screen> {
        Box::new(KindergartensScreen::with(
            sample::officer_kindergartens(),
            sample::officer_offers()[..3].to_vec(),
        ))
    }
    fn offers() -> Box<dyn Screen> {
        Box::new(OffersScreen::with(
            sample::officer_offers(),
            sample::officer_directions(),
            false,
        ))
    }
    fn reviews() -> Box<dyn Screen> {
        Box::new(
            ReviewsScreen::with(
                sample::officer_reviews(),
                vec![("s1".to_owned(), ScanView::Picture(sample::officer_scan()))],
            )
            .with_reasons(sample::rejection_reasons()),
        )
    }
    vec![
        Scene {
            name: "officer_kindergartens",
            build: |ctx| {
                app(
                    ctx,
                    kindergartens(),
                    &[key(KeyCode::Down), key(KeyCode::Down)],
                )
            },
        },
        Scene {
            name: "officer_publish",
            build: |ctx| {
                app(
                    ctx,
                    kindergartens(),
                    &[key(KeyCode::Down), key(KeyCode::Down), key(KeyCode::F(5))],
                )
            },
        },
        Scene {
            name: "officer_add_group",
            build: |ctx| app(ctx, kindergartens(), &[key(KeyCode::F(6))]),
        },
        Scene {
            name: "officer_offers",
            build: |ctx| app(ctx, offers(), &[]),
        },
        Scene {
            name: "officer_directions",
            build: |ctx| app(ctx, offers(), &[key(KeyCode::Tab)]),
        },
        Scene {
            name: "officer_annul",
            build: |ctx| {
                let mut keys = vec![key(KeyCode::Tab), key(KeyCode::Down), key(KeyCode::F(8))];
                keys.extend(typed("Заявитель отказался письменно"));
                app(ctx, offers(), &keys)
            },
        },
        Scene {
            name: "officer_confirm_out_of_turn",
            build: |ctx| app(ctx, offers(), &[key(KeyCode::Tab), key(KeyCode::F(4))]),
        },
        Scene {
            name: "officer_reviews",
            build: |ctx| app(ctx, reviews(), &[]),
        },
        Scene {
            name: "officer_reject",
            build: |ctx| {
                let mut keys = vec![key(KeyCode::F(8)), key(KeyCode::Down), key(KeyCode::Tab)];
                keys.extend(typed("до 2025 года"));
                app(ctx, reviews(), &keys)
            },
        },
        Scene {
            name: "officer_journal",
            build: |ctx| {
                let screen = JournalScreen::with_page(sample::journal_page(100_000, 100));
                app(ctx, Box::new(screen.of_officer()), &[key(KeyCode::Down)])
            },
        },
    ]
}

/// The context with a Kaztoken module configured (a vendor's path; nothing is loaded).
fn with_modules(ctx: &Ctx) -> Ctx {
    let mut ctx = ctx.clone();
    ctx.pkcs11.kaztoken = Some("/usr/lib/libkztokenp11.so".into());
    ctx
}

fn login_keys(login: &mut Login, ctx: &Ctx, codes: &[KeyCode]) {
    for code in codes {
        login.on_key(key(*code), ctx);
    }
}

fn opened_token() -> Result<std::sync::Arc<OpenedToken>, CallError> {
    Ok(std::sync::Arc::new(OpenedToken::closed(
        sample::token_keys(),
    )))
}

fn token_refused(error: TokenError) -> Reply {
    Reply::Token(Err(CallError::Token(error)))
}

/// The login's key window on «Казтокен»: the slots listed, the PIN typed (masked), then
/// F5 and the token's `answer`, if any.
fn token_login(ctx: &Ctx, answer: Option<Reply>) -> App {
    let ctx = &with_modules(ctx);
    let mut login = Login::new(ctx);
    login_keys(
        &mut login,
        ctx,
        &[KeyCode::Down, KeyCode::Down, KeyCode::F(4)],
    );
    login.on_reply(Reply::TokenSlots(Ok(sample::token_slots())), ctx);
    for key in typed("123456") {
        login.on_key(key, ctx);
    }
    if let Some(answer) = answer {
        login.on_key(key(KeyCode::F(5)), ctx);
        login.on_reply(answer, ctx);
    }
    app(ctx, Box::new(login), &[])
}

/// A signing window on «Казтокен» (F3 twice) with the token's keys, after a signature the
/// device refused with `error`.
fn token_signing(ctx: &Ctx, error: TokenError) -> App {
    let ctx = &with_modules(ctx);
    let task = SignTask::Act(ActionDocument {
        envelope: Envelope::now(),
        number: sample::application_with_direction().state.number,
        action: ActionRequest::ConfirmInterest,
    });
    let mut signing = Signing::new(task, ctx);
    signing.on_key(key(KeyCode::F(3)), ctx);
    signing.on_key(key(KeyCode::F(3)), ctx);
    signing.on_reply(Reply::TokenSlots(Ok(sample::token_slots())), ctx);
    for key in typed("123456") {
        signing.on_key(key, ctx);
    }
    signing.on_key(key(KeyCode::F(5)), ctx);
    signing.on_reply(Reply::Token(opened_token()), ctx);
    signing.on_reply(Reply::Sent(Err(CallError::Token(error))), ctx);
    app(ctx, Box::new(signing), &[])
}

/// «Уведомления» of the parent of seed 002, logged in, two messages unread on the status bar.
fn inbox(ctx: &Ctx, keys: &[KeyEvent]) -> App {
    let applicant = sample::application_with_direction().applicant;
    let mut ctx = ctx.clone();
    ctx.session = Some(Session {
        full_name: applicant.full_name,
        iin: applicant.iin.to_string(),
        ..Session::default()
    });
    let inbox = sample::inbox(ctx.lang);
    ctx.unread = Some(inbox.unread);
    app(&ctx, Box::new(InboxScreen::with_inbox(inbox)), keys)
}

/// The context of the ЦОН operator at the counter.
fn operator(ctx: &Ctx) -> Ctx {
    Ctx {
        session: Some(sample::operator_session()),
        ..ctx.clone()
    }
}

/// The whole frame of `app` (status bar, screens, hint line) at `width` × `height`.
pub fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).expect("a test backend never fails");
    terminal
        .draw(|frame| app.view(frame))
        .expect("a test backend never fails");
    terminal.backend().buffer().clone()
}

/// The buffer as text, one line per row, trailing blanks cut: what snapshots compare.
pub fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
