//! `kezek keystore inspect`: every key of a PKCS#12 file, shown as the key window of the seeds
//! («Формирование ЭЦП» → «Данные выбранного ключа») or as JSON.

use std::path::Path;

use chrono::{DateTime, Utc};
use rust_i18n::t;
use serde::Serialize;

use super::password::{read_password, read_pin};
use super::{Exit, Failure, InspectArgs, Outcome, TokenArgs};
use crate::pki::certificate::{CertificateInfo, Issuer, KeyUsageClass, Subject};
use crate::pki::keystore::{Keystore, KeystoreError};
use crate::pki::pkcs11::{Module, SlotListing, TokenError, TokenSession};
use crate::pki::signer::{KeyAccessError, KeyListing, KeyStore};

pub fn inspect(args: InspectArgs) -> Outcome {
    if let Some(module) = &args.token.pkcs11 {
        return inspect_token(module, &args);
    }
    let Some(file) = &args.file else {
        // clap requires FILE without --pkcs11; this is only a fence.
        return Err(Failure::bad_input(t!("xml.cli.keystore_required")));
    };
    // Read the file first, so a wrong path is reported before anyone is asked for a password.
    let bytes = std::fs::read(file).map_err(|e| {
        Failure::bad_input(t!("cli.error.read_file", path = file.display(), reason = e))
    })?;
    let password = read_password(&args.password)?;
    let keystore = Keystore::open(&bytes, &password).map_err(|e| keystore_failure(&e))?;
    let keys = keystore.keys().map_err(|e| store_failure(&e))?;
    print_keys(&keys, Vec::new(), args.json)
}

/// The slots of the module, then the keys of the token after login.
fn inspect_token(module: &Path, args: &InspectArgs) -> Outcome {
    let module = Module::load(module).map_err(|e| token_failure(&e))?;
    let slots = module.slots().map_err(|e| token_failure(&e))?;
    if !args.json {
        for slot in &slots {
            println!("{}", slot_line(slot));
        }
        println!();
    }
    let session = open_session(&module, &args.token)?;
    let keys = session.keys().map_err(|e| store_failure(&e))?;
    print_keys(&keys, slots, args.json)
}

/// Logs in to the token `args` name, the PIN read only once the module is loaded and a token
/// is there to take it.
pub fn open_session(module: &Module, args: &TokenArgs) -> Result<TokenSession, Failure> {
    let pin = read_pin(args.pin_file.as_deref())?;
    module.open(args.slot, &pin).map_err(|e| token_failure(&e))
}

fn slot_line(slot: &SlotListing) -> String {
    match &slot.token {
        Some(label) => t!(
            "pki.token.slot_token",
            id = slot.id,
            description = slot.description,
            label = label
        ),
        None => t!(
            "pki.token.slot_empty",
            id = slot.id,
            description = slot.description
        ),
    }
    .into_owned()
}

fn print_keys(keys: &[KeyListing], slots: Vec<SlotListing>, json: bool) -> Outcome {
    let now = Utc::now();
    if json {
        let report = InspectJson {
            slots: slots.iter().map(SlotJson::new).collect(),
            entries: keys.iter().map(|key| EntryJson::new(key, now)).collect(),
        };
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Failure::bad_input(e.to_string()))?;
        println!("{text}");
    } else {
        let blocks: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| key_window(i + 1, key, now))
            .collect();
        print!("{}", blocks.join("\n"));
    }
    Ok(Exit::Success)
}

/// A wrong password is a failed check (exit 1); everything else is unusable input (exit 2).
pub fn keystore_failure(e: &KeystoreError) -> Failure {
    match e {
        KeystoreError::WrongPassword => Failure::check_failed(e.translated()),
        _ => Failure::bad_input(e.translated()),
    }
}

/// A wrong or locked PIN is a failed check (exit 1), as a wrong password is; the rest exit 2.
pub fn token_failure(e: &TokenError) -> Failure {
    match e {
        TokenError::WrongPin(_) | TokenError::PinLocked => Failure::check_failed(e.translated()),
        _ => Failure::bad_input(e.translated()),
    }
}

pub fn store_failure(e: &KeyAccessError) -> Failure {
    match e {
        KeyAccessError::Keystore(e) => keystore_failure(e),
        KeyAccessError::Token(e) => token_failure(e),
    }
}

/// The `--json` object, field for field as issue 2 specifies it.
#[derive(Serialize)]
struct InspectJson<'a> {
    /// A token's slots (absent for files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slots: Vec<SlotJson<'a>>,
    entries: Vec<EntryJson<'a>>,
}

#[derive(Serialize)]
struct SlotJson<'a> {
    id: u64,
    description: &'a str,
    token: Option<&'a str>,
}

impl<'a> SlotJson<'a> {
    fn new(slot: &'a SlotListing) -> SlotJson<'a> {
        SlotJson {
            id: slot.id,
            description: &slot.description,
            token: slot.token.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct EntryJson<'a> {
    alias: &'a str,
    /// A token key's CKA_ID in hex (absent for files).
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    key_usage: KeyUsageClass,
    algorithm: &'a str,
    key_bits: Option<usize>,
    serial_hex: &'a str,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    expired: bool,
    subject: &'a Subject,
    issuer: &'a Issuer,
}

impl<'a> EntryJson<'a> {
    fn new(entry: &'a KeyListing, now: DateTime<Utc>) -> EntryJson<'a> {
        let info = entry.certificate.info();
        EntryJson {
            alias: &entry.name,
            key_id: entry.id_hex.as_deref(),
            key_usage: info.key_usage,
            algorithm: &info.key_algorithm,
            key_bits: info.key_bits,
            serial_hex: &info.serial_hex,
            not_before: info.not_before,
            not_after: info.not_after,
            expired: now > info.not_after,
            subject: &info.subject,
            issuer: &info.issuer,
        }
    }
}

/// The seeds' key-data block: owner, validity «30.05.2018 (13:35) - 30.05.2019 (13:35)» (here
/// in UTC), serial number, issuer, algorithm, then the usage class.
fn key_window(number: usize, entry: &KeyListing, now: DateTime<Utc>) -> String {
    let info: &CertificateInfo = entry.certificate.info();
    let subject = &info.subject;
    let dash = || "—".to_owned();
    let mut lines = vec![t!("pki.inspect.key", n = number, alias = entry.name).into_owned()];
    if let Some(id) = &entry.id_hex {
        lines.push(t!("pki.token.key_id", value = id).into_owned());
    }
    lines.push(
        t!(
            "pki.inspect.owner",
            value = subject.common_name.clone().unwrap_or_else(dash)
        )
        .into_owned(),
    );
    if let (Some(iin), Some(valid)) = (&subject.iin, subject.iin_checksum_valid) {
        let value = if valid {
            iin.clone()
        } else {
            t!("pki.inspect.iin_bad_check_digit", value = iin).into_owned()
        };
        lines.push(t!("pki.inspect.iin", value = value).into_owned());
    }
    let optional = [
        ("pki.inspect.organization", &subject.organization),
        ("pki.inspect.bin", &subject.bin),
        ("pki.inspect.email", &subject.email),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            lines.push(t!(key, value = value).into_owned());
        }
    }
    let when = |t: DateTime<Utc>| t.format("%d.%m.%Y (%H:%M)").to_string();
    lines.push(
        t!(
            "pki.inspect.validity",
            from = when(info.not_before),
            to = when(info.not_after)
        )
        .into_owned(),
    );
    if now > info.not_after {
        lines.push(t!("pki.inspect.expired").into_owned());
    } else if now < info.not_before {
        lines.push(t!("pki.inspect.not_yet_valid").into_owned());
    }
    lines.push(t!("pki.inspect.serial", value = info.serial_hex).into_owned());
    lines.push(
        t!(
            "pki.inspect.issuer",
            value = info.issuer.common_name.clone().unwrap_or_else(dash)
        )
        .into_owned(),
    );
    lines.push(
        match info.key_bits {
            Some(bits) => t!(
                "pki.inspect.algorithm_bits",
                value = info.key_algorithm,
                bits = bits
            ),
            None => t!("pki.inspect.algorithm", value = info.key_algorithm),
        }
        .into_owned(),
    );
    let usage = match info.key_usage {
        KeyUsageClass::Auth => t!("pki.inspect.usage_auth"),
        KeyUsageClass::Sign => t!("pki.inspect.usage_sign"),
        KeyUsageClass::Other => t!("pki.inspect.usage_other"),
    };
    lines.push(t!("pki.inspect.usage", value = usage).into_owned());
    lines.iter().map(|line| format!("{line}\n")).collect()
}
