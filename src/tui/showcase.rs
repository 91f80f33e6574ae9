//! The screens as people meet them, filled with the demo data of [`crate::tui::sample`] and
//! reached through the real app by the keys a user would press. The snapshot tests and
//! `kezek screenshots` draw the same scenes, so the README's pictures are the tested screens.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::applications::ApplicationDetail;
use crate::tui::app::{App, Message};
use crate::tui::protocol::Reply;
use crate::tui::sample;
use crate::tui::screen::{Ctx, Screen};
use crate::tui::screens::application::ApplicationScreen;
use crate::tui::screens::journal::JournalScreen;
use crate::tui::screens::profile::{self, ProfileScreen};
use crate::tui::screens::queue_search::QueueSearch;
use crate::tui::screens::statistics::Statistics;
use crate::tui::screens::{audit::AuditScreen, desk::Desk, main_menu::MainMenu};

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
        .with_kindergartens(sample::kindergartens()),
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

/// The screens of the journal, application, dialogs, profile, search and statistics.
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
                desk.iin_field().set_value("930818450212");
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
            name: "audit",
            build: |ctx| {
                let screen = AuditScreen::with_entries(sample::audit_entries());
                app(ctx, Box::new(screen), &[])
            },
        },
    ]
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
