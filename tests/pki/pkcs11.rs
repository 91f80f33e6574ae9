//! Keys on tokens through PKCS#11, against SoftHSM2 with tokens made here from the demo
//! keystores: listing, signing (verified by us and by xmlsec1), the token states a person meets
//! (wrong PIN with the tries left, locked PIN, removed token, no token, a key that may not sign),
//! a missing module, and `kezek keystore inspect --pkcs11` / `kezek xml sign --pkcs11`.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is initialised, and a module stays
//! initialised for the process; so this binary sets the variable once, before any test loads
//! the module, and every in-process test uses tokens of that one configuration (each test that
//! changes a token's state has a token of its own). A module's login state is per token for the
//! whole process, and SoftHSM2 rescans its tokens on a slot listing, so the in-process tests take
//! turns ([`in_process`]). The CLI tests run `kezek`, a process of its own, with the variable.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use kezek::pki::certificate::KeyUsageClass;
use kezek::pki::pkcs11::{DeviceStore, Module, ModulePaths, PinTries, TokenError};
use kezek::pki::signer::{KeyAccessError, KeyStore, SignerError};
use kezek::pki::xmldsig::{self, XmlDsigError};
use zeroize::Zeroizing;

use crate::softhsm::{self, SoftHsm, USER_PIN};
use crate::support::{demo_keystore, have_tool};
use crate::xmlsec_interop::xmlsec_verifies;

/// The demo token: parent A's AUTH and SIGN keys; tokens for the tests that change state.
const DEMO: &str = "kezek-demo";
const LOCKING: &str = "kezek-locking";
const REMOVABLE: &str = "kezek-removable";
const NO_SIGN: &str = "kezek-no-sign";
const WRONG_PIN: &str = "kezek-wrong-pin";
const TOKENS: [&str; 5] = [DEMO, LOCKING, REMOVABLE, NO_SIGN, WRONG_PIN];

struct Fixture {
    hsm: SoftHsm,
}

/// The SoftHSM2 configuration of this process, made once; `None` when SoftHSM2 is missing.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let module = softhsm::module()?;
            let hsm = SoftHsm::new(module);
            let auth = demo_keystore("AUTH", "valid", "nca-legacy");
            let sign = demo_keystore("SIGN", "valid", "nca-legacy");
            let sign = if sign.iin == auth.iin {
                sign
            } else {
                crate::support::demo_keystores()
                    .into_iter()
                    .find(|k| k.iin == auth.iin && k.usage == "SIGN" && k.status == "valid")
                    .unwrap()
            };
            for token in TOKENS {
                hsm.init_token(token);
                hsm.import(token, &auth.open(), "AUTH key", "a1");
                hsm.import(token, &sign.open(), "SIGN key", "51");
            }
            // SAFETY: set once, inside the OnceLock, before any test of this binary initialises
            // the module; no other code of this binary reads the variable.
            unsafe { std::env::set_var("SOFTHSM2_CONF", hsm.conf()) };
            Some(Fixture { hsm })
        })
        .as_ref()
}

/// Held by each in-process test: one at a time, so that one's logout or removed token does not
/// pull the ground from under another's session.
fn in_process() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn module() -> Module {
    Module::load(&fixture().unwrap().hsm.module).unwrap()
}

fn slot_of(module: &Module, label: &str) -> u64 {
    module
        .slots()
        .unwrap()
        .into_iter()
        .find(|s| s.token.as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no token {label}"))
        .id
}

fn pin(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

#[test]
fn token_keys_are_listed_with_their_certificates() {
    let _turn = in_process();
    if fixture().is_none() {
        return;
    }
    let module = module();
    let slots = module.slots().unwrap();
    assert!(slots.iter().any(|s| s.token.as_deref() == Some(DEMO)));
    let session = module
        .open(Some(slot_of(&module, DEMO)), &pin(USER_PIN))
        .unwrap();
    let keys = session.keys().unwrap();
    assert_eq!(keys.len(), 2);
    let auth = demo_keystore("AUTH", "valid", "nca-legacy").open();
    let listed = keys.iter().find(|k| k.name == "AUTH key").unwrap();
    assert_eq!(listed.id_hex.as_deref(), Some("a1"));
    assert_eq!(listed.certificate, auth.certificate);
    assert_eq!(listed.certificate.info().key_usage, KeyUsageClass::Auth);
    let sign = keys.iter().find(|k| k.name == "SIGN key").unwrap();
    assert_eq!(sign.certificate.info().key_usage, KeyUsageClass::Sign);
    assert_eq!(
        sign.certificate.info().subject.iin,
        auth.certificate.info().subject.iin
    );
    // Chosen by label, by CKA_ID, and never without saying which of two.
    assert!(session.signer(Some("auth KEY")).is_ok());
    assert_eq!(
        session.signer(Some("51")).unwrap().certificate(),
        &sign.certificate
    );
    assert!(matches!(
        session.signer(None),
        Err(KeyAccessError::Keystore(_))
    ));
}

#[test]
fn a_token_signature_verifies_here_and_in_xmlsec1() {
    let _turn = in_process();
    if fixture().is_none() {
        return;
    }
    let module = module();
    let session = module
        .open(Some(slot_of(&module, DEMO)), &pin(USER_PIN))
        .unwrap();
    let signer = session.signer(Some("SIGN key")).unwrap();
    let xml = "<doc xmlns=\"urn:kezek:test\"><a>Сәлем</a></doc>";
    let signed = xmldsig::sign_with(xml, signer.as_ref()).unwrap();
    let verified = xmldsig::verify(&signed).unwrap();
    assert_eq!(&verified.certificate, signer.certificate());
    // The same key in its file makes the same signature (PKCS#1 v1.5 is deterministic).
    let file = demo_keystore("SIGN", "valid", "nca-legacy").open();
    let from_file = xmldsig::sign(xml, &file.key, &file.certificate).unwrap();
    assert_eq!(signed, from_file);
    if have_tool("xmlsec1") {
        let dir = tempfile::tempdir().unwrap();
        assert!(xmlsec_verifies(&signed, dir.path(), true));
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmlsec1 is required under CI"
        );
        eprintln!("SKIPPED: xmlsec1 is missing (apt-get install -y xmlsec1)");
    }
}

#[test]
fn a_wrong_pin_says_few_tries_are_left() {
    let _turn = in_process();
    if fixture().is_none() {
        return;
    }
    let module = module();
    let slot = slot_of(&module, WRONG_PIN);
    // SoftHSM2 sets CKF_USER_PIN_COUNT_LOW on the first failure (and never clears it until a
    // good login).
    let e = module.open(Some(slot), &pin("000000")).unwrap_err();
    assert_eq!(e, TokenError::WrongPin(PinTries::Few));
    assert!(e.translated().contains("мало попыток") || e.translated().contains("Few"));
    assert!(module.open(Some(slot), &pin(USER_PIN)).is_ok());
}

/// The last try and the lock, as a real token flags them (SoftHSM2 flags neither, so the test
/// sets the flags in the token's stored state and asks through `kezek`, a new process that
/// reads it).
#[test]
fn the_last_try_and_a_locked_pin_are_said_plainly() {
    // In turn: the flags are written into the token's file, which SoftHSM2 in this process
    // reads again whenever another test lists the slots.
    let _turn = in_process();
    let Some(fixture) = fixture() else {
        return;
    };
    let slot = slot_of(&module(), LOCKING).to_string();
    let inspect = [
        "keystore",
        "inspect",
        "--pkcs11",
        &module_arg(),
        "--slot",
        &slot,
    ];
    let (code, _, err) = kezek(&inspect, Some("000000"));
    assert_eq!(code, 1);
    assert!(err.contains("Осталось мало попыток"), "{err}");

    const CKF_USER_PIN_FINAL_TRY: u64 = 0x0002_0000;
    const CKF_USER_PIN_LOCKED: u64 = 0x0004_0000;
    fixture.hsm.set_pin_flags(LOCKING, CKF_USER_PIN_FINAL_TRY);
    let (code, _, err) = kezek(&inspect, Some("000000"));
    assert_eq!(code, 1);
    assert!(err.contains("Осталась последняя попытка"), "{err}");

    fixture.hsm.set_pin_flags(LOCKING, CKF_USER_PIN_LOCKED);
    let (code, _, err) = kezek(&inspect, Some(USER_PIN));
    assert_eq!(code, 1);
    assert!(err.contains("PIN-код заблокирован"), "{err}");
    assert!(!err.contains("CKR"), "{err}");
}

/// SoftHSM2 rescans its tokens when a slot list is asked for and is unsettled by a token that
/// vanished under it, so the removal runs in a process of its own (this test binary again, with
/// tokens of its own) and leaves the other tests' tokens alone.
#[test]
fn a_token_removed_after_login_is_asked_for_again() {
    if softhsm::module().is_none() {
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "pkcs11::removal_in_a_process_of_its_own",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && text.contains("1 passed"),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[ignore = "run by a_token_removed_after_login_is_asked_for_again in a process of its own"]
fn removal_in_a_process_of_its_own() {
    let fixture = fixture().unwrap();
    let module = module();
    let slot = slot_of(&module, REMOVABLE);
    let session = module.open(Some(slot), &pin(USER_PIN)).unwrap();
    let auth = session.signer(Some("AUTH key")).unwrap();
    xmldsig::sign_with("<login/>", auth.as_ref()).unwrap();
    let sign = session.signer(Some("SIGN key")).unwrap();

    fixture.hsm.delete_token(REMOVABLE);

    let e = xmldsig::sign_with("<application/>", sign.as_ref()).unwrap_err();
    assert_eq!(
        e,
        XmlDsigError::Signer(SignerError::Token(TokenError::Removed)),
        "{e}"
    );
    assert!(!e.translated().contains("CKR"));
    drop(sign);
    drop(auth);
    drop(session);
    // Opening again fails, asking for the device again (SoftHSM2 keeps the emptied slot and
    // answers its login with a general error; a reader answers «no token»).
    let again = module.open(Some(slot), &pin(USER_PIN)).unwrap_err();
    let message = again.translated();
    assert!(
        ["insert", "вставьте", "салып"]
            .iter()
            .any(|word| message.contains(word)),
        "{again:?}: {message}"
    );
    assert!(!message.contains("CKR"), "{message}");
    // The other tokens still sign.
    let session = module
        .open(Some(slot_of(&module, DEMO)), &pin(USER_PIN))
        .unwrap();
    xmldsig::sign_with("<doc/>", session.signer(Some("SIGN key")).unwrap().as_ref()).unwrap();
}

#[test]
fn a_key_that_may_not_sign_says_so() {
    let _turn = in_process();
    let Some(fixture) = fixture() else {
        return;
    };
    // Clear CKA_SIGN on the token's SIGN key, as a card's decryption-only key has it.
    let raw = Pkcs11::new(&fixture.hsm.module).unwrap();
    let _ = raw.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let module = module();
    let slot = raw
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| s.id() == slot_of(&module, NO_SIGN))
        .unwrap();
    {
        let session = raw.open_rw_session(slot).unwrap();
        session
            .login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
            .unwrap();
        let key = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(b"SIGN key".to_vec()),
            ])
            .unwrap()[0];
        session
            .update_attributes(key, &[Attribute::Sign(false)])
            .unwrap();
        session.logout().unwrap();
    }
    let session = module.open(Some(slot.id()), &pin(USER_PIN)).unwrap();
    let signer = session.signer(Some("SIGN key")).unwrap();
    let e = xmldsig::sign_with("<doc/>", signer.as_ref()).unwrap_err();
    assert_eq!(
        e,
        XmlDsigError::Signer(SignerError::Token(TokenError::WrongUsage(
            "SIGN key".to_owned()
        )))
    );
    assert!(e.translated().contains("SIGN key"));
}

#[test]
fn a_missing_or_unconfigured_module_is_said_plainly() {
    let missing = Module::load(Path::new("/nonexistent/libkztokenp11.so")).unwrap_err();
    assert!(matches!(missing, TokenError::ModuleLoad { .. }));
    assert!(
        missing
            .translated()
            .contains("/nonexistent/libkztokenp11.so")
    );
    // A library that is not a PKCS#11 module.
    let not_a_module = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_a_module.path(), b"not an ELF file").unwrap();
    assert!(matches!(
        Module::load(not_a_module.path()),
        Err(TokenError::ModuleLoad { .. })
    ));
    let paths = ModulePaths::default();
    let e = paths.path(DeviceStore::Kaztoken).unwrap_err();
    assert_eq!(e, TokenError::NotConfigured(DeviceStore::Kaztoken));
    assert!(e.translated().contains(&DeviceStore::Kaztoken.name()));
    let configured: ModulePaths =
        toml::from_str("id_card = \"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\"").unwrap();
    assert_eq!(
        configured.path(DeviceStore::IdCard).unwrap(),
        Path::new("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
    );
    assert!(toml::from_str::<ModulePaths>("idcard = \"x\"").is_err());
}

/// Runs `kezek` with this binary's SoftHSM2 configuration, in Russian.
fn kezek(args: &[&str], pin: Option<&str>) -> (i32, String, String) {
    let fixture = fixture().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kezek"));
    command
        .args(args)
        .env("KEZEK_LANG", "ru")
        .env("SOFTHSM2_CONF", fixture.hsm.conf())
        .env_remove("KEZEK_PIN");
    if let Some(pin) = pin {
        command.env("KEZEK_PIN", pin);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn module_arg() -> String {
    fixture().unwrap().hsm.module.display().to_string()
}

fn demo_slot() -> String {
    slot_of(&module(), DEMO).to_string()
}

#[test]
fn cli_inspects_a_token_as_it_does_a_file() {
    if fixture().is_none() {
        return;
    }
    let slot = demo_slot();
    let (code, out, err) = kezek(
        &[
            "keystore",
            "inspect",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("токен «{DEMO}»")), "{out}");
    assert!(
        out.contains("Ключ 1: AUTH key") || out.contains("Ключ 2: AUTH key"),
        "{out}"
    );
    assert!(out.contains("Идентификатор ключа (CKA_ID): 51"), "{out}");
    assert!(
        out.contains("SIGN — подписание документов") || out.contains("SIGN"),
        "{out}"
    );

    let (code, out, _) = kezek(
        &[
            "keystore",
            "inspect",
            "--json",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["entries"].as_array().unwrap().len(), 2);
    assert!(json["slots"].as_array().unwrap().len() >= TOKENS.len());
    let key = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key_id"] == "a1")
        .unwrap();
    assert_eq!(key["key_usage"], "AUTH");

    // The PIN from a file; a wrong one is a failed check (exit 1) with a clear message.
    let pin_file = fixture()
        .unwrap()
        .hsm
        .write("pin", &format!("{USER_PIN}\n"));
    let (code, _, err) = kezek(
        &[
            "keystore",
            "inspect",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
            "--pin-file",
            pin_file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = kezek(
        &[
            "keystore",
            "inspect",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
        ],
        Some("999999"),
    );
    assert_eq!(code, 1);
    assert!(err.contains("Неверный PIN-код"), "{err}");
    assert!(!err.contains("CKR"), "{err}");
}

#[test]
fn cli_signs_with_a_token_key() {
    if fixture().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("doc.xml");
    std::fs::write(&input, "<doc><a>1</a></doc>").unwrap();
    let output = dir.path().join("signed.xml");
    let slot = demo_slot();
    let (code, _, err) = kezek(
        &[
            "xml",
            "sign",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
            "--key",
            "51",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 0, "{err}");
    let signed = std::fs::read_to_string(&output).unwrap();
    let verified = xmldsig::verify(&signed).unwrap();
    assert_eq!(verified.certificate.info().key_usage, KeyUsageClass::Sign);
    let (code, out, _) = kezek(
        &["xml", "verify", "--no-chain", output.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{out}");

    // No key named so; two keys and none named.
    let (code, _, err) = kezek(
        &[
            "xml",
            "sign",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
            "--key",
            "nope",
            input.to_str().unwrap(),
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
    let (code, _, _) = kezek(
        &[
            "xml",
            "sign",
            "--pkcs11",
            &module_arg(),
            "--slot",
            &slot,
            input.to_str().unwrap(),
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 2);
}

#[test]
fn cli_says_when_the_module_or_slot_is_wrong() {
    if fixture().is_none() {
        return;
    }
    let (code, _, err) = kezek(
        &[
            "keystore",
            "inspect",
            "--pkcs11",
            "/nonexistent/libkztokenp11.so",
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 2);
    assert!(err.contains("Не удалось загрузить модуль PKCS#11"), "{err}");
    let (code, _, err) = kezek(
        &[
            "keystore",
            "inspect",
            "--pkcs11",
            &module_arg(),
            "--slot",
            "4242",
        ],
        Some(USER_PIN),
    );
    assert_eq!(code, 2);
    assert!(err.contains("4242"), "{err}");
    // Several tokens and no --slot.
    let (code, _, err) = kezek(
        &["keystore", "inspect", "--pkcs11", &module_arg()],
        Some(USER_PIN),
    );
    assert_eq!(code, 2);
    assert!(err.contains("--slot"), "{err}");
    // --key belongs to tokens, --alias to files.
    let (code, _, _) = kezek(&["xml", "sign", "--key", "a1", "--keystore", "x.p12"], None);
    assert_eq!(code, 2);
}
