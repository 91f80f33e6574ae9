//! The real `kezek` binary in tmux at 80x24 against its embedded backend, driven through the
//! seeds' flows with send-keys and read back with capture-pane: login with a demo AUTH key,
//! first-login contacts, the wizard with a benefit and an attachment, signing, the queue number,
//! the registration PDF, the journal and the application's tabs, an offer accepted and the
//! direction extended (the officer's side through the API), binding the child to the second
//! parent, and the public search; the registration's notice counted on the status bar and read
//! in «Уведомления». Once in Kazakh, once in Russian.
//!
//! Every wait polls the screen until the text shows up (generous limit, never a timing
//! assertion). Without tmux the test says so loudly and skips, except under `CI=true`.

use crate::common;
use crate::messages;
use crate::softhsm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::World;
use kezek::client::Client;
use kezek::client::demo::DemoKeystore;
use kezek::domain::{ApplicationNumber, RegionSettings};

/// How long one step may take before the test gives up and prints the screen: the first start
/// builds the database and seeds the demo data on a debug build on a shared machine.
pub(crate) const PATIENCE: Duration = Duration::from_secs(120);

pub(crate) fn tmux_available() -> bool {
    let found = Command::new("tmux").arg("-V").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tmux is required under CI=true (apt-get install tmux)"
        );
        eprintln!(
            "\n*** SKIPPED: tmux is not installed; the end-to-end TUI test did not run ***\n"
        );
    }
    found
}

/// The messages of one language, flattened to dotted keys, so the test looks for the very
/// wording the screens show.
pub(crate) struct Words(BTreeMap<String, String>);

impl Words {
    pub(crate) fn load(lang: &str) -> Words {
        Words(messages::messages(lang))
    }

    pub(crate) fn message(&self, key: &str) -> &str {
        self.0
            .get(key)
            .unwrap_or_else(|| panic!("no message {key}"))
    }

    /// The message, cut before its first placeholder and to what fits a narrow line.
    pub(crate) fn get(&self, key: &str) -> String {
        let text = self.message(key).split("%{").next().unwrap_or_default();
        Words::narrow(text)
    }

    /// The message with the placeholder `name` filled with the message `value_key`.
    fn with(&self, key: &str, name: &str, value_key: &str) -> String {
        let text = self
            .message(key)
            .replace(&format!("%{{{name}}}"), self.message(value_key));
        Words::narrow(&text)
    }

    fn narrow(text: &str) -> String {
        text.chars().take(24).collect::<String>().trim().to_owned()
    }
}

/// One tmux session running the client. It counts the named keys it sends (typed text is not
/// counted), so a scenario can measure how many keystrokes a flow takes besides the values.
pub(crate) struct Tmux {
    name: String,
    sent: std::cell::RefCell<Vec<String>>,
}

impl Tmux {
    pub(crate) fn start(name: &str, home: &Path, lang: &str) -> Tmux {
        Tmux::start_with(name, home, lang, &[])
    }

    /// [`Tmux::start`] with more environment variables for the client.
    fn start_with(name: &str, home: &Path, lang: &str, extra: &[(&str, PathBuf)]) -> Tmux {
        // Other test runs on the same machine share tmux's server: the process id keeps this
        // run's sessions apart from theirs.
        let name = &format!("{name}-{}", std::process::id());
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", name])
            .output();
        let binary = env!("CARGO_BIN_EXE_kezek");
        let env = [
            ("HOME", home.to_path_buf()),
            ("XDG_CONFIG_HOME", home.join("config")),
            ("XDG_DATA_HOME", home.join("data")),
            ("XDG_STATE_HOME", home.join("state")),
        ];
        let mut command = Command::new("tmux");
        command.args(["new-session", "-d", "-s", name, "-x", "80", "-y", "24"]);
        for (key, value) in env.iter().chain(extra) {
            command.args(["-e", &format!("{key}={}", value.display())]);
        }
        command.args([
            "-e",
            "KEZEK_NO_KEYRING=1",
            "-e",
            "TERM=xterm-256color",
            "-e",
            "LANG=C.UTF-8",
        ]);
        command.arg(format!("{binary} --lang {lang}; sleep 600"));
        let status = command.status().expect("tmux starts");
        assert!(status.success(), "tmux new-session failed");
        Tmux {
            name: name.to_owned(),
            sent: std::cell::RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Named keys (`Enter`, `F10`, `Tab`, `Down`, …), each counted.
    pub(crate) fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.sent.borrow_mut().push((*key).to_owned());
            let status = Command::new("tmux")
                .args(["send-keys", "-t", &self.name, key])
                .status()
                .unwrap();
            assert!(status.success());
            // The client batches what is queued; a short pause keeps one key one action.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// The named keys sent since the last call, in order; the count starts again.
    pub(crate) fn take_keys(&self) -> Vec<String> {
        std::mem::take(&mut *self.sent.borrow_mut())
    }

    /// Literal text, as typed (a value, not counted as keystrokes).
    pub(crate) fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Waits until `text` is on the screen; on time-out fails with the screen.
    pub(crate) fn wait_for(&self, text: &str) -> String {
        self.wait_for_any(&[text])
    }

    pub(crate) fn wait_for_any(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().any(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "waited for {texts:?}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

/// The key window: the keystore's path typed, the password, «Обновить список ключей», sign.
fn sign_in_key_window(t: &Tmux, w: &Words, key: &DemoKeystore, title: &str) {
    t.wait_for(&w.get(title));
    let path = std::path::absolute(key.path()).unwrap();
    t.type_text(&path.display().to_string());
    t.keys(&["Tab"]);
    sign_with_password(t, w, key);
}

/// The key window once it remembers the keystore: the password is all it asks.
pub(crate) fn sign_with_password(t: &Tmux, w: &Words, key: &DemoKeystore) {
    t.type_text(&key.password);
    t.keys(&["F5"]);
    // The chosen key's data: the owner's IIN from the certificate.
    t.wait_for(&format!("{} {}", w.get("tui.form.iin"), key.iin));
    t.keys(&["F10"]);
}

/// The first signing window, which opens in the folder of the login key on the SIGN key beside
/// it: that key, its password, signed; answers the application number of the success dialog.
pub(crate) fn sign_first_application(t: &Tmux, w: &Words, sign_key: &DemoKeystore) -> String {
    t.wait_for(&w.get("tui.key.title_sign"));
    let sign_file = sign_key
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    t.wait_for(&sign_file);
    t.keys(&["Enter"]);
    sign_with_password(t, w, sign_key);
    let screen = t.wait_for(&w.get("tui.success.queued").to_uppercase());
    screen
        .split_whitespace()
        .find(|word| word.starts_with("УО."))
        .expect("the application number on the success dialog")
        .to_owned()
}

/// «Выбор населенного пункта»: search the region, take its first settlement.
pub(crate) fn choose_astana(t: &Tmux, w: &Words) {
    t.wait_for(&w.get("tui.region.title"));
    t.wait_for("Астана");
    t.type_text("Астана");
    t.keys(&["Enter"]);
    t.wait_for("Астана — ");
    t.keys(&["Enter"]);
}

/// From the settlement list or the login window to the main page, as `iin`, giving the contacts on a first login.
pub(crate) fn log_in(t: &Tmux, w: &Words, world: &World, iin: &str, email: &str) {
    // After a logout the client starts over from the settlement list.
    let screen = t.wait_for_any(&[&w.get("tui.login.title"), &w.get("tui.region.title")]);
    if !screen.contains(&w.get("tui.login.title")) {
        choose_astana(t, w);
        t.wait_for(&w.get("tui.login.title"));
    }
    t.keys(&["F4"]);
    sign_in_key_window(
        t,
        w,
        world.entry(iin, "AUTH", "valid"),
        "tui.key.title_auth",
    );
    t.wait_for(&w.get("tui.login.signed_note"));
    t.keys(&["F10"]);
    let screen = t.wait_for_any(&[&w.get("tui.first_login.title"), &w.get("tui.menu.journal")]);
    if screen.contains(&w.get("tui.first_login.title")) {
        t.type_text(email);
        t.keys(&["Tab"]);
        t.type_text("+77012345678");
        t.keys(&["F10"]);
    }
    t.wait_for(&w.get("tui.menu.journal"));
}

/// The client's log in `home`.
pub(crate) fn log_file(home: &Path) -> PathBuf {
    home.join("state/kezek/kezek.log")
}

/// The embedded backend's address, from the client's log.
pub(crate) fn embedded_url(home: &Path) -> String {
    let log = log_file(home);
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&log)
            && let Some(line) = text
                .lines()
                .find(|l| l.contains("embedded backend listening"))
            && let Some(url) = line.split("url=").nth(1)
        {
            return url.split_whitespace().next().unwrap().to_owned();
        }
        assert!(
            start.elapsed() < PATIENCE,
            "no backend address in {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A small real PDF to attach as the benefit's supporting document.
fn write_scan(folder: &Path) -> PathBuf {
    std::fs::create_dir_all(folder).unwrap();
    let path = folder.join("spravka-mnogodetnaya.pdf");
    std::fs::write(&path, common::pdf_scan()).unwrap();
    path
}

/// The officer of Astana, through the API: one free place published in the group that takes
/// children born in 2022, which the server offers at once to the only child of that year.
async fn officer_publishes_a_place(world: &World, officer: &Client) {
    let published = world
        .publish(
            officer,
            common::OFFICER,
            common::ASTANA_KINDERGARTEN,
            &common::group_for_2022(),
            1,
        )
        .await
        .expect("the officer publishes a place");
    assert_eq!(published.offers.len(), 1, "{published:?}");
}

/// A «Дата продления» the rules accept for the direction of `number`: a week past its expiry.
async fn extension_date(officer: &Client, number: ApplicationNumber) -> chrono::NaiveDate {
    let detail = officer.application(&number).await.unwrap();
    let direction = detail.state.direction.expect("a direction was issued");
    let (first, _) = direction.extension_dates(&RegionSettings::default());
    first + chrono::Days::new(7)
}

fn journey(lang: &str) {
    if !tmux_available() {
        return;
    }
    let w = Words::load(lang);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let downloads = home.path().join("downloads");
    std::fs::create_dir_all(home.path().join("config/kezek")).unwrap();
    std::fs::write(
        home.path().join("config/kezek/config.toml"),
        format!(
            "downloads = \"{}\"\ndemo_applications = 0\n",
            downloads.display()
        ),
    )
    .unwrap();
    write_scan(&downloads);
    let t = Tmux::start(&format!("kezek-e2e-{lang}"), home.path(), lang);
    let world = World::at(&embedded_url(home.path()));
    assert!(world.url().starts_with("http://127.0.0.1:"));

    // 1. Settlement: search the region, take its first settlement.
    choose_astana(&t, &w);

    // 2-3. Login with Айгерим's AUTH key, contacts on the first login.
    log_in(&t, &w, &world, common::AIGERIM, "aigerim@example.kz");

    // 4-6. The service description, the wizard: applicant filled from the registry.
    t.keys(&["1"]);
    t.wait_for(&w.get("tui.description.apply"));
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.wizard.step1"));
    t.wait_for("aigerim@example.kz");
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.wizard.child_section").to_uppercase());
    t.type_text("220315612150");
    t.wait_for("15.03.2022");
    // «Льготник»: the fourth field; the first category, and the scan from the downloads folder.
    t.keys(&["Tab", "Tab", "Tab", "Space"]);
    t.wait_for(&w.get("tui.wizard.category"));
    t.keys(&["F4"]);
    t.wait_for(&format!("★ {}", downloads.display()));
    t.keys(&["Enter"]);
    t.type_text("spravka");
    t.keys(&["Enter"]);
    t.wait_for("spravka-mnogodetnaya.pdf");
    t.wait_for("✓");

    // 7. Signing with the SIGN key, the queue number, the registration PDF.
    t.keys(&["F10"]);
    let sign_key = world.entry(common::AIGERIM, "SIGN", "valid");
    let number = sign_first_application(&t, &w, sign_key);
    t.keys(&["F5"]);
    t.wait_for(&w.get("tui.success.saved"));
    let pdf = std::fs::read_dir(&downloads)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains(&number))
        .expect("the registration document in the downloads folder");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    t.keys(&["Enter"]);
    t.keys(&["Escape"]);

    // 7b. The registration's notice (issue 14): counted on the status bar, then read in
    // «Уведомления» in the user's language, and from there its application.
    t.wait_for(&w.get("tui.menu.journal"));
    t.wait_for(&format!("{} 1", w.get("tui.status.unread")));
    t.keys(&["5"]);
    t.wait_for(&w.get("inbox.column.subject"));
    t.keys(&["Enter"]);
    t.wait_for(&number);
    t.wait_for(&w.get("notify.greeting"));
    t.wait_for(&w.get("domain.event.registered"));
    t.keys(&["Enter"]);
    t.wait_for(&w.get("application.tab.info"));
    // Back to the message, the list, the main page: read, so no count on the status bar.
    t.keys(&["Escape", "Escape", "Escape"]);
    t.wait_for(&w.get("tui.menu.journal"));
    let start = Instant::now();
    loop {
        let screen = t.screen();
        let status = screen.lines().next().unwrap_or_default();
        if !status.contains(&w.get("tui.status.unread")) {
            break;
        }
        assert!(start.elapsed() < PATIENCE, "still counted:\n{screen}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // 8-9. The journal, the application and its four tabs.
    t.wait_for(&w.get("tui.menu.journal"));
    t.keys(&["2"]);
    t.wait_for(&number);
    t.keys(&["Enter"]);
    t.wait_for(&w.get("application.tab.info"));
    t.wait_for("220315612150");
    t.keys(&["Tab"]);
    t.wait_for(&w.get("application.tab.history"));
    t.keys(&["Tab"]);
    t.wait_for(&w.get("application.documents.kind.documents_receipt"));
    // The scan is listed under the name it was uploaded with.
    t.wait_for("spravka-mnogodetnaya.pdf");
    t.keys(&["Tab"]);
    t.wait_for(&w.get("application.positions.chart"));
    t.keys(&["Tab"]);
    t.wait_for(&w.get("application.applicant.title"));

    // 10. The officer publishes a place; F5 shows it offered; «Принять место», signed.
    let officer = runtime.block_on(world.login(common::OFFICER));
    runtime.block_on(officer_publishes_a_place(&world, &officer));
    t.keys(&["F5"]);
    t.wait_for(&w.get("domain.status.offered"));
    t.keys(&["F8"]);
    t.wait_for(&w.get("application.dialog.offer_text"));
    t.keys(&["Enter"]);
    t.wait_for(&w.get("tui.key.title_sign"));
    sign_with_password(&t, &w, sign_key);
    t.wait_for(&w.get("domain.status.direction_issued"));

    // 11. «Продлить направление»: the date and the reason, signed; the new date is shown.
    let number: ApplicationNumber = number.parse().unwrap();
    let until = runtime.block_on(extension_date(&officer, number));
    t.keys(&["F10"]);
    t.wait_for(&w.get("application.dialog.extend_title"));
    t.wait_for(&w.get("application.dialog.extend_reason"));
    t.type_text(&until.format("%d%m%Y").to_string());
    t.keys(&["Tab"]);
    t.type_text("Бала ауырып қалды");
    t.keys(&["Enter"]);
    t.wait_for(&w.get("tui.key.title_sign"));
    sign_with_password(&t, &w, sign_key);
    // The direction's line is the last of the tab: scroll down to it.
    t.wait_for(&w.with(
        "application.dialog.done",
        "action",
        "domain.action.extend-direction",
    ));
    t.keys(&["Down"; 20]);
    t.wait_for(&until.format("%d.%m.%Y").to_string());
    t.keys(&["Escape", "Escape"]);

    // 12. «Поиск номера очереди».
    t.wait_for(&w.get("tui.menu.search"));
    t.keys(&["3"]);
    t.type_text(&number.to_string());
    t.keys(&["Enter"]);
    t.wait_for("С. А*** Н.");
    t.keys(&["Escape"]);

    // 13. The second parent logs in and binds Аружан: kinship confirmed by the registry.
    // A new start of the client on the same database: a different person at the terminal.
    t.wait_for(&w.get("tui.menu.journal"));
    // One quit key everywhere; nothing unsent, so no question.
    t.keys(&["C-q"]);
    drop(t);
    // The new start's embedded backend listens elsewhere: its address goes into a fresh log.
    std::fs::remove_file(log_file(home.path())).unwrap();
    let t = Tmux::start(&format!("kezek-e2e-{lang}-2"), home.path(), lang);
    let world = World::at(&embedded_url(home.path()));
    choose_astana(&t, &w);
    log_in(&t, &w, &world, common::NURLAN, "nurlan@example.kz");
    t.keys(&["F3"]);
    t.wait_for(&w.get("profile.title"));
    t.wait_for(&w.get("profile.tab.binding"));
    t.keys(&["F6"]);
    t.type_text("220315612150");
    t.keys(&["Enter"]);
    t.wait_for(&w.get("profile.bound"));
    t.keys(&["Enter"]);
    let screen = t.wait_for("15.03.2022");
    // The field is empty for the next child, and nothing says it is wrong.
    assert!(!screen.contains(&w.get("tui.form.required")), "{screen}");
}

#[test]
fn the_whole_journey_in_kazakh() {
    journey("kk");
}

#[test]
fn the_whole_journey_in_russian() {
    journey("ru");
}

/// Issue 16 in the real client: a parent logs in with «Казтокен» (SoftHSM2 configured as that
/// store's module, holding Айгерим's demo keys), types the PIN, and submits an application
/// signed on the token. Skips loudly without tmux or SoftHSM2, fails under CI=true.
#[test]
fn a_parent_logs_in_with_a_kaztoken_and_submits_an_application() {
    if !tmux_available() {
        return;
    }
    let Some(module) = softhsm::module() else {
        return;
    };
    let w = Words::load("ru");
    let home = tempfile::tempdir().unwrap();
    let hsm = softhsm::SoftHsm::new(module.clone());
    hsm.init_token("kezek-e2e");
    let keys = kezek::client::demo::load_index(&kezek::server::config::demo_keystores()).unwrap();
    for (usage, label, id) in [("AUTH", "AUTH key", "41"), ("SIGN", "SIGN key", "51")] {
        let demo = kezek::client::demo::find(&keys, common::AIGERIM, usage, "valid").unwrap();
        let entry = softhsm::demo_entry(&demo.path(), &demo.password);
        hsm.import("kezek-e2e", &entry, label, id);
    }
    std::fs::create_dir_all(home.path().join("config/kezek")).unwrap();
    std::fs::write(
        home.path().join("config/kezek/config.toml"),
        format!(
            "demo_applications = 0\n[pkcs11]\nkaztoken = \"{}\"\n",
            module.display()
        ),
    )
    .unwrap();
    let t = Tmux::start_with(
        "kezek-e2e-token",
        home.path(),
        "ru",
        &[("SOFTHSM2_CONF", hsm.conf())],
    );
    choose_astana(&t, &w);

    // «Казтокен» below the identity, «Выбрать сертификат»: the token's slot, the PIN, the keys.
    t.wait_for(&w.get("tui.login.title"));
    t.keys(&["Down", "Down", "F4"]);
    t.wait_for(&w.get("tui.key.title_auth"));
    t.wait_for("kezek-e2e");
    t.type_text(softhsm::USER_PIN);
    // Masked: the PIN itself is never on the screen.
    let screen = t.wait_for("••••••");
    assert!(!screen.contains(softhsm::USER_PIN), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for(&format!("{} {}", w.get("tui.form.iin"), common::AIGERIM));
    t.wait_for("AUTH key");
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.login.signed_note"));
    t.keys(&["F10"]);
    let screen = t.wait_for_any(&[&w.get("tui.first_login.title"), &w.get("tui.menu.journal")]);
    if screen.contains(&w.get("tui.first_login.title")) {
        t.type_text("aigerim@example.kz");
        t.keys(&["Tab"]);
        t.type_text("+77012345678");
        t.keys(&["F10"]);
    }
    t.wait_for(&w.get("tui.menu.journal"));

    // The wizard, then the signing window: on «Казтокен» as the login was, the PIN again, the
    // SIGN key preselected, «Подписать».
    t.keys(&["1"]);
    t.wait_for(&w.get("tui.description.apply"));
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.wizard.step1"));
    t.wait_for("aigerim@example.kz");
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.wizard.child_section").to_uppercase());
    t.type_text("220315612150");
    t.wait_for("15.03.2022");
    t.keys(&["F10"]);
    t.wait_for(&w.get("tui.key.title_sign"));
    t.wait_for("kezek-e2e");
    t.type_text(softhsm::USER_PIN);
    t.keys(&["Enter"]);
    t.wait_for("SIGN key");
    t.keys(&["F10"]);
    let screen = t.wait_for(&w.get("tui.success.queued").to_uppercase());
    assert!(screen.contains("УО."), "{screen}");
}
