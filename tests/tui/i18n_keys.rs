//! Every message exists in Kazakh, Russian and English, with the same placeholders, and every
//! literal key the code asks `t!()` for is in the files.

use std::collections::BTreeSet;
use std::path::Path;

use crate::messages;

use messages::messages;

const LANGS: [&str; 3] = ["kk", "ru", "en"];

fn placeholders(text: &str) -> BTreeSet<String> {
    text.match_indices("%{")
        .filter_map(|(at, _)| {
            let rest = &text[at + 2..];
            rest.find('}').map(|end| rest[..end].to_owned())
        })
        .collect()
}

#[test]
fn every_key_is_in_all_three_languages_with_the_same_placeholders() {
    let all: Vec<_> = LANGS.iter().map(|l| (l, messages(l))).collect();
    let mut problems = Vec::new();
    let union: BTreeSet<&String> = all.iter().flat_map(|(_, m)| m.keys()).collect();
    for key in union {
        let present: Vec<_> = all.iter().filter(|(_, m)| m.contains_key(key)).collect();
        if present.len() != LANGS.len() {
            let langs: Vec<_> = present.iter().map(|(l, _)| **l).collect();
            problems.push(format!("{key}: only in {langs:?}"));
            continue;
        }
        let sets: Vec<_> = present.iter().map(|(_, m)| placeholders(&m[key])).collect();
        if sets.windows(2).any(|w| w[0] != w[1]) {
            problems.push(format!("{key}: placeholders differ {sets:?}"));
        }
        if present.iter().any(|(_, m)| m[key].trim().is_empty()) {
            problems.push(format!("{key}: empty text"));
        }
    }
    assert!(
        problems.is_empty(),
        "i18n problems:\n{}",
        problems.join("\n")
    );
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_literal_key_used_in_the_code_exists() {
    let en = messages("en");
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut missing = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("t!(\"") {
            // `format!("…")` also ends in `t!("`: only a `t!` that stands alone is a lookup.
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &text[at + 4..];
            let Some(end) = rest.find('"') else { continue };
            let key = &rest[..end];
            if !en.contains_key(key) {
                missing.insert(format!("{key} ({})", file.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys missing from i18n/en.yml:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// Letters of the Kazakh alphabet that Russian does not have: one in a Russian string is a
/// Kazakh word pasted into `ru.yml` by mistake.
const KAZAKH_ONLY: &str = "әғқңөұүһіӘҒҚҢӨҰҮҺІ";

/// Russian strings that rightly equal their Kazakh counterparts: names (of the program, a
/// product) and words both languages share.
const SAME_IN_BOTH: &[&str] = &[
    "cli.clap.command",
    "audit.column.who",
    "tui.app_name",
    "tui.login.storage_kaztoken",
    "tui.success.ok",
    "tui.keys.profile",
    "tui.menu.profile",
    "tui.form.phone",
    "documents.field.phone",
    "application.applicant.phone",
    "profile.phone",
    "tui.key.section_auth",
    "tui.key.algorithm",
    "pki.inspect.algorithm",
    "pki.inspect.algorithm_bits",
    "pki.token.pin_prompt",
    "pki.token.store.kaztoken",
];

/// The Russian strings that look Kazakh: a Kazakh-only letter, or the very text of the Kazakh
/// file (names and shared words aside).
fn kazakh_slips(
    ru: &std::collections::BTreeMap<String, String>,
    kk: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, text) in ru {
        if let Some(letter) = text.chars().find(|c| KAZAKH_ONLY.contains(*c)) {
            problems.push(format!("{key}: Kazakh letter «{letter}» in «{text}»"));
        }
        let words = text.chars().any(|c| c.is_alphabetic() && !c.is_ascii());
        if words && kk.get(key) == Some(text) && !SAME_IN_BOTH.contains(&key.as_str()) {
            problems.push(format!("{key}: same as the Kazakh text «{text}»"));
        }
    }
    problems
}

#[test]
fn russian_strings_hold_no_kazakh_slips() {
    let problems = kazakh_slips(&messages("ru"), &messages("kk"));
    assert!(
        problems.is_empty(),
        "Russian strings that look Kazakh (i18n/ru.yml):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_slip_check_catches_the_known_slips() {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let kk = map(&[
        ("application.dialog.confirm_interest_button", "Растау"),
        ("tui.form.phone", "Телефон"),
        ("code", "E-mail"),
    ]);
    let ru = map(&[
        ("application.dialog.confirm_interest_button", "Растау"),
        ("tui.form.phone", "Телефон"),
        ("code", "E-mail"),
        ("tui.keys.quit", "Бағдарламадан шығу"),
    ]);
    let problems = kazakh_slips(&ru, &kk);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("application.dialog.confirm_interest_button"));
    assert!(problems[1].starts_with("tui.keys.quit: Kazakh letter «ғ»"));
}
