//! SoftHSM2 tokens made by the tests, in a temporary `SOFTHSM2_CONF` folder, holding demo
//! people's keys and certificates from keystores-example (imported with `softhsm2-util --import`
//! and opensc's `pkcs11-tool`). Without those tools the tests skip loudly; under CI=true they
//! fail (`.ci/run` installs softhsm2 and opensc).
#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use kezek::pki::keystore::{KeyEntry, Keystore};

pub const USER_PIN: &str = "123456";
pub const SO_PIN: &str = "87654321";

/// Where Debian's softhsm2 installs its module (and Fedora's, and a local build's).
const MODULES: [&str; 3] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

/// The SoftHSM2 module, when it and the import tools are installed; `None` means skip (never
/// under CI=true, where it panics).
pub fn module() -> Option<PathBuf> {
    let module = MODULES.iter().map(PathBuf::from).find(|p| p.is_file());
    let tools = ["softhsm2-util", "pkcs11-tool"]
        .iter()
        .all(|tool| Command::new(tool).arg("--help").output().is_ok());
    match module {
        Some(module) if tools => Some(module),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "softhsm2 and opensc are required under CI=true \
                 (apt-get install -y softhsm2 opensc)"
            );
            eprintln!(
                "SKIPPED: SoftHSM2 or pkcs11-tool is missing (apt-get install -y softhsm2 opensc)"
            );
            None
        }
    }
}

/// A SoftHSM2 configuration of its own, with tokens the test makes.
pub struct SoftHsm {
    pub module: PathBuf,
    dir: tempfile::TempDir,
}

impl SoftHsm {
    pub fn new(module: PathBuf) -> SoftHsm {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.path().join("tokens").display()
            ),
        )
        .unwrap();
        SoftHsm { module, dir }
    }

    /// The file `SOFTHSM2_CONF` must name for the module to see these tokens.
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let output = Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", self.conf())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// A new token labelled `label` with the user PIN [`USER_PIN`].
    pub fn init_token(&self, label: &str) {
        self.run(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                label,
                "--so-pin",
                SO_PIN,
                "--pin",
                USER_PIN,
            ],
        );
    }

    /// Imports a key entry (private key and certificate) under `label` and CKA_ID `id_hex`.
    /// The key passes through a PEM file in the test's own temporary folder: demo keys only.
    pub fn import(&self, token: &str, entry: &KeyEntry, label: &str, id_hex: &str) {
        let key_file = self.dir.path().join(format!("{id_hex}.pem"));
        let pem = base64::engine::general_purpose::STANDARD.encode(entry.key.pkcs8_der());
        let mut text = String::from("-----BEGIN PRIVATE KEY-----\n");
        for line in pem.as_bytes().chunks(64) {
            text.push_str(std::str::from_utf8(line).unwrap());
            text.push('\n');
        }
        text.push_str("-----END PRIVATE KEY-----\n");
        std::fs::File::create(&key_file)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .unwrap();
        self.run(
            "softhsm2-util",
            &[
                "--import",
                key_file.to_str().unwrap(),
                "--token",
                token,
                "--label",
                label,
                "--id",
                id_hex,
                "--pin",
                USER_PIN,
            ],
        );
        std::fs::remove_file(&key_file).unwrap();
        let cert_file = self.dir.path().join(format!("{id_hex}.der"));
        std::fs::write(&cert_file, entry.certificate.der()).unwrap();
        self.run(
            "pkcs11-tool",
            &[
                "--module",
                self.module.to_str().unwrap(),
                "--token-label",
                token,
                "--login",
                "--pin",
                USER_PIN,
                "--write-object",
                cert_file.to_str().unwrap(),
                "--type",
                "cert",
                "--id",
                id_hex,
                "--label",
                label,
            ],
        );
    }

    /// Deletes the token labelled `label`, as pulling it out of the reader would.
    pub fn delete_token(&self, label: &str) {
        self.run("softhsm2-util", &["--delete-token", "--token", label]);
    }

    /// Sets PIN flags (CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED) in the stored state of the
    /// token labelled `label`, as a real token sets them after wrong PINs: SoftHSM2 itself only
    /// ever sets CKF_USER_PIN_COUNT_LOW and never locks. A process that loads the module
    /// afterwards sees them.
    pub fn set_pin_flags(&self, label: &str, flags: u64) {
        // token.object holds attributes as (type u64, kind u64, value) big-endian; the token
        // flags are the vendor attribute 0x8000534b of kind 2 (an unsigned long).
        const FLAGS: [u8; 16] = [0, 0, 0, 0, 0x80, 0, 0x53, 0x4b, 0, 0, 0, 0, 0, 0, 0, 2];
        let padded = format!("{label:<32}");
        for dir in std::fs::read_dir(self.dir.path().join("tokens")).unwrap() {
            let file = dir.unwrap().path().join("token.object");
            let mut bytes = std::fs::read(&file).unwrap();
            if !bytes.windows(32).any(|w| w == padded.as_bytes()) {
                continue;
            }
            let at = bytes.windows(16).position(|w| w == FLAGS).unwrap() + 16;
            let value = u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap()) | flags;
            bytes[at..at + 8].copy_from_slice(&value.to_be_bytes());
            // Whole or not at all: a SoftHSM2 reading the token meanwhile never sees half a file.
            let written = file.with_extension("object.new");
            std::fs::write(&written, bytes).unwrap();
            std::fs::rename(&written, &file).unwrap();
            return;
        }
        panic!("no token {label}");
    }

    /// A file holding `text`, for `--pin-file`.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The first entry of the demo keystore `file` (relative to keystores-example).
pub fn demo_entry(file: &Path, password: &str) -> KeyEntry {
    let mut keystore = Keystore::open_file(file, password).unwrap();
    keystore.entries.remove(0)
}
