//! Where a keystore password or a token PIN comes from: a file, an environment variable
//! (`KEZEK_KEYSTORE_PASSWORD`, `KEZEK_PIN`), or a prompt with no echo. The secret lives in a
//! `Zeroizing` buffer and is wiped when dropped.

use std::path::Path;

use zeroize::Zeroizing;

use super::{Failure, PasswordArgs};
use rust_i18n::t;

pub const PASSWORD_ENV: &str = "KEZEK_KEYSTORE_PASSWORD";
pub const PIN_ENV: &str = "KEZEK_PIN";

pub fn read_password(args: &PasswordArgs) -> Result<Zeroizing<String>, Failure> {
    read_secret(
        args.password_file.as_deref(),
        PASSWORD_ENV,
        &t!("cli.password_prompt"),
    )
}

/// A token's PIN: `--pin-file`, else `KEZEK_PIN`, else a prompt.
pub fn read_pin(pin_file: Option<&Path>) -> Result<Zeroizing<String>, Failure> {
    read_secret(pin_file, PIN_ENV, &t!("pki.token.pin_prompt"))
}

fn read_secret(file: Option<&Path>, env: &str, prompt: &str) -> Result<Zeroizing<String>, Failure> {
    if let Some(path) = file {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Failure::bad_input(t!("cli.error.read_file", path = path.display(), reason = e))
        })?);
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Failure::bad_input(t!("cli.error.password_not_utf8")))?;
        // A secret file usually ends with a newline that is not part of the secret.
        return Ok(Zeroizing::new(
            text.strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(text)
                .to_owned(),
        ));
    }
    if let Ok(value) = std::env::var(env) {
        return Ok(Zeroizing::new(value));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Failure::bad_input(t!("cli.error.prompt", reason = e)))
}
