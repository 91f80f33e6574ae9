//! The ЦОН counter (issue 12, «Tests and pictures») in the real `kezek` binary in tmux at 80x24
//! against its embedded (demo) backend: the demo operator logs in, serves Серикова by IIN and
//! the code the demo server shows marked «DEMO», files Аружан's application with «Номер ЦОН»
//! signed with the operator's SIGN key, sends the receipt to a fake printer command, and ends
//! the service. Then Серикова herself logs in on the same database: the application is in her
//! journal, its history names the operator and «Номер ЦОН», and «Кто просматривал мои данные»
//! lists the visit. The keystrokes from the citizen's IIN to the signed application, typed
//! values aside, are counted and must stay ≤ 15 (the README's figure).
//!
//! The tmux helpers are those of [`crate::e2e`]; without tmux the test skips loudly, except
//! under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::common;
use crate::e2e::{
    PATIENCE, Tmux, Words, choose_astana, embedded_url, log_file, log_in, sign_first_application,
    tmux_available,
};

/// The most keystrokes (typed values aside) from the citizen's IIN to a signed application.
const KEYSTROKE_TARGET: usize = 15;

/// A fake printer: a script that writes what it is sent into the file it is given.
fn fake_printer(folder: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = folder.join("fake-lp");
    std::fs::write(&script, "#!/bin/sh\ncat > \"$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// The six digits the demo server's code line shows after «DEMO».
fn demo_code(screen: &str) -> String {
    let line = screen
        .lines()
        .find(|l| l.contains("DEMO"))
        .unwrap_or_else(|| panic!("no DEMO line:\n{screen}"));
    let after = &line[line.find("DEMO").unwrap()..];
    let code: String = after
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "a six-digit code on {line:?}");
    code
}

/// Waits until the printer command has written a whole file.
fn printed(path: &Path) -> Vec<u8> {
    let start = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(path)
            && bytes.windows(5).any(|w| w == b"%%EOF")
        {
            return bytes;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "nothing printed into {}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The text of a PDF, as `pdftotext` reads it; `None` when the tool is missing (said loudly).
fn pdf_text(path: &Path) -> Option<String> {
    match Command::new("pdftotext").arg(path).arg("-").output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext failed on {}",
                path.display()
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "pdftotext is required under CI=true (poppler-utils)"
            );
            eprintln!("\n*** pdftotext is not installed: the receipt's text is not checked ***\n");
            None
        }
    }
}

/// The operator's name as history and audit lines show it, whatever the case.
fn names_the_operator(screen: &str) -> bool {
    screen.to_uppercase().contains("АХМЕТОВА")
}

fn counter(lang: &str) {
    if !tmux_available() {
        return;
    }
    let w = Words::load(lang);
    let home = tempfile::tempdir().unwrap();
    let downloads = home.path().join("downloads");
    let receipt = home.path().join("printed.pdf");
    let printer = fake_printer(home.path());
    std::fs::create_dir_all(home.path().join("config/kezek")).unwrap();
    std::fs::write(
        home.path().join("config/kezek/config.toml"),
        format!(
            "downloads = \"{}\"\ndemo_applications = 0\n\n[desk]\nprinter_command = \"{} {}\"\n",
            downloads.display(),
            printer.display(),
            receipt.display()
        ),
    )
    .unwrap();
    let t = Tmux::start(&format!("kezek-desk-{lang}"), home.path(), lang);
    let world = common::World::at(&embedded_url(home.path()));

    // 1. The operator logs in; «Обслуживание гражданина» is the first item of her main page.
    choose_astana(&t, &w);
    log_in(&t, &w, &world, common::OPERATOR, "operator@example.kz");
    t.wait_for(&w.get("desk.menu_item"));
    t.keys(&["1"]);
    t.wait_for(&w.get("desk.iin_intro"));
    // Serikova's IIN: from here the keystrokes count.
    t.type_text(common::AIGERIM);
    t.take_keys();
    t.keys(&["Enter"]);
    let code = demo_code(&t.wait_for("DEMO"));
    t.type_text(&code);
    t.keys(&["Enter"]);
    t.wait_for("Серикова Айгерим");
    t.wait_for(common::ARUZHAN);

    // 2. Аружан (the card's first line) gets an application: the wizard for the citizen, her
    // contacts (none on record yet), «Номер ЦОН», signed with the operator's SIGN key.
    t.keys(&["F4"]);
    t.wait_for(&w.get("tui.wizard.step1"));
    t.wait_for(common::AIGERIM);
    t.type_text("aigerim@example.kz");
    t.keys(&["Tab"]);
    t.type_text("+77012345678");
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.wizard.child_section").to_uppercase());
    // The child's check answered: the registry's birth date is on the form.
    t.wait_for("15.03.2022");
    t.type_text(common::DESK_REQUEST);
    t.keys(&["F10"]);
    let sign_key = world.entry(common::OPERATOR, "SIGN", "valid");
    let number = sign_first_application(&t, &w, sign_key);
    let keys = t.take_keys();
    println!(
        "ЦОН desk ({lang}): {} keystrokes from the citizen's IIN to the signed application \
         besides the typed values: {}",
        keys.len(),
        keys.join(", ")
    );
    assert!(
        keys.len() <= KEYSTROKE_TARGET,
        "{} keystrokes, more than {KEYSTROKE_TARGET}: {keys:?}",
        keys.len()
    );

    // 3. Back on the card, which lists the new application; its receipt to the printer.
    t.keys(&["Enter"]);
    t.wait_for(&number);
    t.keys(&["F6"]);
    t.wait_for(&w.get("desk.receipt_printed"));
    let pdf = printed(&receipt);
    assert!(pdf.starts_with(b"%PDF-"), "the printer got a PDF");
    if let Some(text) = pdf_text(&receipt) {
        assert!(text.contains(&number), "{text}");
        assert!(text.contains("Аружан"), "{text}");
    }

    // 4. «Завершить обслуживание»: nothing of the citizen is left on the screen.
    t.keys(&["F12"]);
    let screen = t.wait_for(&w.get("desk.iin_intro"));
    for trace in [
        "Серикова",
        "Аружан",
        common::AIGERIM,
        common::ARUZHAN,
        &number,
    ] {
        assert!(!screen.contains(trace), "{trace} is left:\n{screen}");
    }

    // 5. Серикова logs in herself on the same database (a new start of the client).
    t.keys(&["C-q"]);
    drop(t);
    std::fs::remove_file(log_file(home.path())).unwrap();
    let t = Tmux::start(&format!("kezek-desk-{lang}-2"), home.path(), lang);
    let world = common::World::at(&embedded_url(home.path()));
    choose_astana(&t, &w);
    log_in(&t, &w, &world, common::AIGERIM, "aigerim@example.kz");
    // Her journal lists the application the operator filed.
    t.keys(&["2"]);
    t.wait_for(&number);
    t.keys(&["Enter"]);
    t.wait_for(&w.get("application.tab.info"));
    // «История изменений»: the operator by name, with «Номер ЦОН».
    t.keys(&["Tab"]);
    t.wait_for(&w.get("application.tab.history"));
    let screen = t.wait_for(&format!(
        "{}: {}",
        w.message("desk.request_number"),
        common::DESK_REQUEST
    ));
    assert!(names_the_operator(&screen), "{screen}");
    t.keys(&["Escape", "Escape"]);
    t.wait_for(&w.get("tui.menu.journal"));
    // «Кто просматривал мои данные» (F7 in her profile): the visit, the operator, the ЦОН.
    t.keys(&["F3"]);
    t.wait_for(&w.get("profile.title"));
    t.keys(&["F7"]);
    t.wait_for(&w.get("audit.title"));
    let screen = t.wait_for(&w.get("api.desk.read.card"));
    assert!(names_the_operator(&screen), "{screen}");
    assert!(screen.contains("НАО «"), "the ЦОН named:\n{screen}");
}

#[test]
fn the_counter_in_kazakh() {
    counter("kk");
}

#[test]
fn the_counter_in_russian() {
    counter("ru");
}
