//! Where a keystore password comes from: a file, `KEZEK_KEYSTORE_PASSWORD`, or a prompt with no
//! echo. The password lives in a `Zeroizing` buffer and is wiped when dropped.

use zeroize::Zeroizing;

use super::{Failure, PasswordArgs};
use rust_i18n::t;

pub const PASSWORD_ENV: &str = "KEZEK_KEYSTORE_PASSWORD";

pub fn read_password(args: &PasswordArgs) -> Result<Zeroizing<String>, Failure> {
    if let Some(path) = &args.password_file {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Failure::bad_input(t!("cli.error.read_file", path = path.display(), reason = e))
        })?);
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Failure::bad_input(t!("cli.error.password_not_utf8")))?;
        // A password file usually ends with a newline that is not part of the password.
        return Ok(Zeroizing::new(
            text.strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(text)
                .to_owned(),
        ));
    }
    if let Ok(value) = std::env::var(PASSWORD_ENV) {
        return Ok(Zeroizing::new(value));
    }
    rpassword::prompt_password(t!("cli.password_prompt"))
        .map(Zeroizing::new)
        .map_err(|e| Failure::bad_input(t!("cli.error.prompt", reason = e)))
}
