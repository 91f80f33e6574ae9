//! The officer's scenario of issue 13 in the real `kezek` binary: one demo server, the education
//! officer (Қасымов Ержан) in one tmux session and the parent (Серикова Айгерим) in another,
//! both at 80x24 against the same server. The parent's application for Аружан claims a benefit
//! with a scanned certificate; the officer rejects the benefit in «Проверка льгот» with a reason
//! from the server's list and words of their own, and the parent reads the reason in the
//! history; the officer publishes a place in Аружан's group in «Детские сады», the parent sees
//! the offer and accepts it, the officer marks enrollment in «Предложения и направления», and
//! the parent's journal shows «Зачислен». Every change is signed in the signing window.
//!
//! The rejection comes first: an enrolled application has left the review queue, and a pending
//! benefit counts as general, so the offer is the same either way. Waits poll the screen (see
//! [`crate::e2e`]); without tmux the test skips loudly, except under `CI=true`.

use crate::common;
use crate::e2e::{PATIENCE, Tmux, Words, log_in, sign_with_password, tmux_available};

use std::time::{Duration, Instant};

use common::World;
use kezek::api::documents::AttachmentRef;
use kezek::client::demo::DemoKeystore;
use kezek::domain::ApplicationNumber;
use kezek::domain::rejection::RejectionReason;
use kezek::i18n::Lang;
use kezek::server::catalogue::Catalogue;

/// The officer's words after the reason chosen from the list.
const WORDS: &str = "до 2025 года";

/// A client's home whose configuration points at the shared server.
fn home_for(url: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/kezek");
    std::fs::create_dir_all(&config).unwrap();
    let downloads = home.path().join("downloads");
    std::fs::write(
        config.join("config.toml"),
        format!(
            "server = \"{url}\"\ndownloads = \"{}\"\n",
            downloads.display()
        ),
    )
    .unwrap();
    home
}

/// The first signing window of a session: it opens in the folder of the login key, on the SIGN
/// key beside it; Enter takes it, then the password.
fn first_signature(t: &Tmux, w: &Words, key: &DemoKeystore) {
    t.wait_for(&w.get("tui.key.title_sign"));
    let file = key
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    t.wait_for(&file);
    t.keys(&["Enter"]);
    sign_with_password(t, w, key);
}

/// Аружан's application by her mother, through the API, claiming a first-turn benefit with a
/// PNG scan (drawn on the officer's review screen).
async fn file_application(world: &World) -> ApplicationNumber {
    let aigerim = world.login(common::AIGERIM).await;
    let scan = aigerim
        .upload_attachment("spravka-mnogodetnaya.png", common::png_scan())
        .await
        .unwrap();
    let mut submission = common::application(common::AIGERIM, common::ARUZHAN);
    submission.draft.child.beneficiary = true;
    submission.draft.child.benefit_category = Some("large_families".to_owned());
    submission.attachments = vec![AttachmentRef {
        id: scan.id,
        sha256: scan.sha256,
    }];
    world.submit(&aigerim, &submission).await
}

/// Opens the parent's application from the journal on the main page.
fn open_from_journal(t: &Tmux, w: &Words, number: &str) {
    t.wait_for(&w.get("tui.menu.journal"));
    t.keys(&["2"]);
    t.wait_for(number);
    t.keys(&["Enter"]);
    t.wait_for(&w.get("application.tab.info"));
}

/// Whether `text` shows within a couple of seconds.
fn shows_soon(t: &Tmux, text: &str) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        if t.screen().contains(text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// Back to the main page (its «Просмотр статистики» item), one Esc at a time.
fn to_main_page(t: &Tmux, w: &Words) {
    let item = w.get("tui.menu.statistics");
    for _ in 0..5 {
        if shows_soon(t, &item) {
            return;
        }
        t.keys(&["Escape"]);
    }
    t.wait_for(&item);
}

/// Waits until the screen holds `text` with its words perhaps wrapped onto several lines.
fn wait_for_words(t: &Tmux, text: &str) -> String {
    let start = Instant::now();
    loop {
        let flat = t.screen().split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.contains(text) {
            return flat;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "waited for {text:?}; the screen is:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// «Детские сады»: the kindergarten found by its code, the group for children born in 2022
/// selected (the dialog names it), «Опубликовать места» with one place, signed.
fn publish_one_place(t: &Tmux, w: &Words, lang: Lang, officer_sign: &DemoKeystore) {
    t.keys(&["1"]);
    t.wait_for(&w.get("officer.kindergartens.column.group"));
    t.keys(&["/"]);
    t.type_text(common::ASTANA_KINDERGARTEN);
    t.keys(&["Enter"]);
    let kindergarten = Catalogue::bundled()
        .kindergarten(common::ASTANA_KINDERGARTEN)
        .unwrap()
        .clone();
    let name: String = kindergarten.name.get(lang).chars().take(12).collect();
    t.wait_for(&name);
    let group = format!("({})", common::group_for_2022());
    let title = w.get("officer.dialog.publish_title");
    let mut found = false;
    for _ in 0..kindergarten.groups.len() {
        t.keys(&["Down", "F5"]);
        let screen = t.wait_for(&title);
        // The dialog's subject, «kindergarten — group (code)»; the list behind it names every
        // group without the dash.
        if screen
            .lines()
            .any(|line| line.contains(" — ") && line.contains(&group))
        {
            found = true;
            break;
        }
        t.keys(&["Escape"]);
    }
    assert!(found, "no group {group} in:\n{}", t.screen());
    // The field holds the group's free places: one is enough for the one child queued.
    t.keys(&["BSpace"; 4]);
    t.type_text("1");
    t.keys(&["Enter"]);
    t.wait_for(&w.get("tui.key.title_sign"));
    sign_with_password(t, w, officer_sign);
    t.wait_for(&w.get("officer.kindergartens.published"));
}

fn officer_scenario(lang: &str) {
    if !tmux_available() {
        return;
    }
    let w = Words::load(lang);
    let ui = Lang::parse(lang).unwrap();
    // The server runs on the runtime's workers while the test drives the terminals.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let world = runtime.block_on(common::demo_world());
    let number = runtime.block_on(file_application(&world)).to_string();
    let officer_home = home_for(world.url());
    let parent_home = home_for(world.url());
    let officer = Tmux::start(&format!("kezek-officer-{lang}"), officer_home.path(), lang);
    let parent = Tmux::start(&format!("kezek-parent-{lang}"), parent_home.path(), lang);
    let officer_sign = world.entry(common::OFFICER, "SIGN", "valid");
    let parent_sign = world.entry(common::AIGERIM, "SIGN", "valid");

    // The officer logs in with the department's AUTH key; the menu has the workspace.
    log_in(&officer, &w, &world, common::OFFICER, "kasymov@example.kz");
    officer.wait_for(&w.get("officer.menu.reviews"));
    log_in(&parent, &w, &world, common::AIGERIM, "aigerim@example.kz");

    // 5. «Проверка льгот»: Аружан's application with its scan; rejected with the list's second
    // reason (as the server lists it) and the officer's words, signed.
    officer.keys(&["3"]);
    officer.wait_for(&number);
    officer.wait_for("spravka-mnogodetnaya.png");
    officer.keys(&["F8"]);
    officer.wait_for(&w.get("officer.dialog.reject_title"));
    let reason = &RejectionReason::catalogue()[1];
    officer.wait_for(reason.name(ui));
    officer.keys(&["Down", "Tab"]);
    officer.type_text(WORDS);
    officer.keys(&["F10"]);
    first_signature(&officer, &w, officer_sign);
    officer.wait_for(&w.get("officer.reviews.decided"));
    officer.wait_for(&w.get("officer.reviews.none"));

    // The parent reads the reason in the application's history, named in her language.
    open_from_journal(&parent, &w, &number);
    parent.keys(&["Tab"]);
    parent.wait_for(&w.get("application.tab.history"));
    let screen = wait_for_words(&parent, WORDS);
    assert!(
        Lang::ALL.iter().any(|l| screen.contains(reason.name(*l))),
        "the reason's name is in the history:\n{screen}"
    );

    // 1. The officer publishes a place in Аружан's group; the system offers it at once.
    to_main_page(&officer, &w);
    publish_one_place(&officer, &w, ui, officer_sign);

    // 2. The parent sees the offer and accepts it, signed.
    parent.keys(&["F5"]);
    parent.wait_for(&w.get("domain.status.offered"));
    parent.keys(&["F8"]);
    parent.wait_for(&w.get("application.dialog.offer_text"));
    parent.keys(&["Enter"]);
    first_signature(&parent, &w, parent_sign);
    parent.wait_for(&w.get("domain.status.direction_issued"));

    // 3. «Предложения и направления»: the direction, «Зачислен», signed.
    to_main_page(&officer, &w);
    officer.keys(&["2"]);
    officer.wait_for(&w.get("officer.offers.key.tab"));
    officer.keys(&["Tab"]);
    officer.wait_for(&number);
    officer.wait_for(&w.get("officer.offers.column.issued"));
    officer.keys(&["F5"]);
    officer.wait_for(&w.get("officer.dialog.enroll_title"));
    officer.keys(&["Enter"]);
    officer.wait_for(&w.get("tui.key.title_sign"));
    sign_with_password(&officer, &w, officer_sign);
    officer.wait_for(&w.get("officer.offers.done"));

    // 4. The parent's journal shows «Зачислен».
    to_main_page(&parent, &w);
    parent.keys(&["2"]);
    parent.wait_for(&number);
    parent.wait_for(&w.get("domain.status.enrolled"));
}

#[test]
fn the_officer_scenario_in_russian() {
    officer_scenario("ru");
}

#[test]
fn the_officer_scenario_in_kazakh() {
    officer_scenario("kk");
}
