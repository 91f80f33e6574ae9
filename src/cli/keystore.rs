//! `kezek keystore inspect`: every key of a PKCS#12 file, shown as the key window of the seeds
//! («Формирование ЭЦП» → «Данные выбранного ключа») or as JSON.

use chrono::{DateTime, Utc};
use rust_i18n::t;
use serde::Serialize;

use super::password::read_password;
use super::{Exit, Failure, InspectArgs, Outcome};
use crate::pki::certificate::{CertificateInfo, Issuer, KeyUsageClass, Subject};
use crate::pki::keystore::{KeyEntry, Keystore, KeystoreError};

pub fn inspect(args: InspectArgs) -> Outcome {
    // Read the file first, so a wrong path is reported before anyone is asked for a password.
    let bytes = std::fs::read(&args.file).map_err(|e| {
        Failure::bad_input(t!(
            "cli.error.read_file",
            path = args.file.display(),
            reason = e
        ))
    })?;
    let password = read_password(&args.password)?;
    let keystore = Keystore::open(&bytes, &password).map_err(|e| keystore_failure(&e))?;
    let now = Utc::now();
    if args.json {
        let report = InspectJson {
            entries: keystore
                .entries
                .iter()
                .map(|entry| EntryJson::new(entry, now))
                .collect(),
        };
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Failure::bad_input(e.to_string()))?;
        println!("{text}");
    } else {
        let blocks: Vec<String> = keystore
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| key_window(i + 1, entry, now))
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

/// The `--json` object, field for field as issue 2 specifies it.
#[derive(Serialize)]
struct InspectJson<'a> {
    entries: Vec<EntryJson<'a>>,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    alias: &'a str,
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
    fn new(entry: &'a KeyEntry, now: DateTime<Utc>) -> EntryJson<'a> {
        let info = entry.certificate.info();
        EntryJson {
            alias: &entry.alias,
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
fn key_window(number: usize, entry: &KeyEntry, now: DateTime<Utc>) -> String {
    let info: &CertificateInfo = entry.certificate.info();
    let subject = &info.subject;
    let dash = || "—".to_owned();
    let mut lines = vec![
        t!("pki.inspect.key", n = number, alias = entry.alias).into_owned(),
        t!(
            "pki.inspect.owner",
            value = subject.common_name.clone().unwrap_or_else(dash)
        )
        .into_owned(),
    ];
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
