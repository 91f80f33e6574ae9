//! `kezek xml sign` and `kezek xml verify`.
//!
//! verify exits 0 when the document is valid under the checks asked for, 1 when it is not
//! (whatever the reason: bad XML, bad signature, untrusted or expired certificate), 2 when
//! the command cannot run (unreadable files, bad arguments).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rust_i18n::t;
use serde::Serialize;

use super::keystore::{keystore_failure, open_session, store_failure, token_failure};
use super::password::read_password;
use super::{Exit, Failure, Outcome, SignArgs, VerifyArgs};
use crate::pki::certificate::{KeyUsageClass, Subject};
use crate::pki::keystore::Keystore;
use crate::pki::pkcs11::Module;
use crate::pki::signer::{KeyStore, SignerError};
use crate::pki::trust::TrustStore;
use crate::pki::xmldsig::{self, Policy, Verifier, XmlDsigError};

pub fn sign(args: SignArgs) -> Outcome {
    // The document is read first, so a wrong path is said before a PIN or password is asked.
    let xml = read_input(args.input.as_deref())?;
    let store: Box<dyn KeyStore> = match (&args.token.pkcs11, &args.keystore) {
        (Some(module), _) => {
            let module = Module::load(module).map_err(|e| token_failure(&e))?;
            Box::new(open_session(&module, &args.token)?)
        }
        (None, Some(file)) => {
            let password = read_password(&args.password)?;
            Box::new(Keystore::open_file(file, &password).map_err(|e| keystore_failure(&e))?)
        }
        // clap requires one of the two; this is only a fence.
        (None, None) => return Err(Failure::bad_input(t!("xml.cli.keystore_required"))),
    };
    let key = args.key.as_deref().or(args.alias.as_deref());
    let signer = store.signer(key).map_err(|e| store_failure(&e))?;
    let signed = xmldsig::sign_with(&xml, signer.as_ref()).map_err(|e| match e {
        XmlDsigError::Signer(SignerError::Token(e)) => token_failure(&e),
        other => Failure::bad_input(other.translated()),
    })?;
    write_output(args.output.as_deref(), signed.as_bytes())?;
    Ok(Exit::Success)
}

/// The `--json` report of `kezek xml verify`.
#[derive(Debug, Serialize)]
struct Report {
    valid: bool,
    signature_valid: bool,
    /// `None` with `--no-chain`.
    chain_trusted: Option<bool>,
    time_valid: Option<bool>,
    key_usage: Option<KeyUsageClass>,
    signer: Option<Subject>,
    error: Option<&'static str>,
    #[serde(skip)]
    message: Option<String>,
}

pub fn verify(args: VerifyArgs) -> Outcome {
    let at = match &args.at {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| Failure::bad_input(t!("xml.cli.bad_time", value = text)))?,
        None => Utc::now(),
    };
    let trust = if args.no_chain {
        None
    } else if args.ca.is_empty() {
        return Err(Failure::bad_input(t!("xml.cli.ca_required")));
    } else {
        Some(
            TrustStore::from_files(&args.ca, &args.crl)
                .map_err(|e| Failure::bad_input(e.translated()))?,
        )
    };
    let xml = read_input(args.input.as_deref())?;
    let verifier = Verifier::new(Policy {
        allow_sha1: args.allow_sha1,
        ..Policy::default()
    });
    let report = check(&verifier, &xml, trust.as_ref(), at);

    if args.json {
        let json =
            serde_json::to_string_pretty(&report).map_err(|e| Failure::bad_input(e.to_string()))?;
        println!("{json}");
    } else {
        print_text(&report);
    }
    Ok(if report.valid {
        Exit::Success
    } else {
        Exit::CheckFailed
    })
}

fn check(verifier: &Verifier, xml: &str, trust: Option<&TrustStore>, at: DateTime<Utc>) -> Report {
    let verified = match verifier.verify(xml) {
        Ok(verified) => verified,
        Err(e) => {
            return Report {
                valid: false,
                signature_valid: false,
                chain_trusted: None,
                time_valid: None,
                key_usage: None,
                signer: None,
                error: Some(e.code()),
                message: Some(e.translated()),
            };
        }
    };
    let certificate = &verified.certificate;
    let mut time_valid = certificate.is_valid_at(at);
    let mut failure = None;
    let chain_trusted = trust.map(|store| match store.check(certificate, at) {
        Ok(()) => true,
        Err(e) => {
            // An expired link leaves the chain itself sound; the time check reports it.
            let sound = e.is_time();
            time_valid &= !sound;
            failure = Some((e.code(), e.translated()));
            sound
        }
    });
    if failure.is_none() && !time_valid {
        let info = certificate.info();
        failure = Some(if at > info.not_after {
            (
                "certificate_expired",
                t!("xml.cli.expired", date = info.not_after.to_rfc3339()).into_owned(),
            )
        } else {
            (
                "certificate_not_yet_valid",
                t!("xml.cli.not_yet_valid", date = info.not_before.to_rfc3339()).into_owned(),
            )
        });
    }
    let (error, message) = failure.unzip();
    Report {
        valid: error.is_none(),
        signature_valid: true,
        chain_trusted,
        time_valid: Some(time_valid),
        key_usage: Some(certificate.info().key_usage),
        signer: Some(certificate.info().subject.clone()),
        error,
        message,
    }
}

fn print_text(report: &Report) {
    let yes_no = |value: bool| {
        if value {
            t!("xml.cli.answer_yes")
        } else {
            t!("xml.cli.answer_no")
        }
    };
    let verdict = if report.valid {
        t!("xml.cli.valid")
    } else {
        t!("xml.cli.invalid")
    };
    println!("{verdict}");
    println!(
        "{}: {}",
        t!("xml.cli.signature_valid"),
        yes_no(report.signature_valid)
    );
    if let Some(signer) = &report.signer {
        let name = signer.common_name.as_deref().unwrap_or("-");
        let iin = signer.iin.as_deref().unwrap_or("-");
        println!(
            "{}: {name} ({}: {iin})",
            t!("xml.cli.signer"),
            t!("xml.cli.iin")
        );
    }
    if let Some(usage) = report.key_usage {
        let usage = match usage {
            KeyUsageClass::Auth => "AUTH",
            KeyUsageClass::Sign => "SIGN",
            KeyUsageClass::Other => "OTHER",
        };
        println!("{}: {usage}", t!("xml.cli.key_usage"));
    }
    let chain = match report.chain_trusted {
        Some(trusted) => yes_no(trusted),
        None => t!("xml.cli.not_checked"),
    };
    println!("{}: {chain}", t!("xml.cli.chain_trusted"));
    if let Some(time_valid) = report.time_valid {
        println!("{}: {}", t!("xml.cli.time_valid"), yes_no(time_valid));
    }
    if let (Some(code), Some(message)) = (report.error, &report.message) {
        println!("{}: {message} ({code})", t!("xml.cli.error"));
    }
}

/// The document from a file or, without one, from standard input.
fn read_input(path: Option<&Path>) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let result = match path {
        Some(path) => std::fs::read(path).map(|b| bytes = b),
        None => std::io::stdin().read_to_end(&mut bytes).map(|_| ()),
    };
    let shown = || path.map_or_else(|| PathBuf::from("-"), Path::to_path_buf);
    result.map_err(|e| {
        Failure::bad_input(t!(
            "cli.error.read_file",
            path = shown().display(),
            reason = e
        ))
    })?;
    String::from_utf8(bytes)
        .map_err(|_| Failure::bad_input(t!("xml.cli.not_utf8", path = shown().display())))
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    let result = match path {
        Some(path) => std::fs::write(path, bytes),
        None => std::io::stdout().write_all(bytes),
    };
    result.map_err(|e| {
        let shown = path.map_or_else(|| PathBuf::from("-"), Path::to_path_buf);
        Failure::bad_input(t!(
            "cli.error.write_file",
            path = shown.display(),
            reason = e
        ))
    })
}
