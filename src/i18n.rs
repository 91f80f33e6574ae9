//! Language selection shared by the command line, the server's messages and the TUI.

use std::fmt;

/// The three languages Kezek speaks, in the order F2 cycles them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Kk,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// kk → ru → en → kk, the order of the F2 key.
    pub fn next(self) -> Lang {
        match self {
            Lang::Kk => Lang::Ru,
            Lang::Ru => Lang::En,
            Lang::En => Lang::Kk,
        }
    }

    /// Parses a language code or a POSIX locale such as `ru_RU.UTF-8`.
    pub fn parse(text: &str) -> Option<Lang> {
        let code = text
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match code.as_str() {
            "kk" | "kz" => Some(Lang::Kk),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language asked for by `KEZEK_LANG`, then `LC_ALL`, `LC_MESSAGES`, `LANG`; Russian
    /// when none names a language we speak (the seeds' screens are Russian).
    pub fn from_env() -> Lang {
        ["KEZEK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find_map(|value| Lang::parse(&value))
            .unwrap_or(Lang::Ru)
    }

    /// Makes this language the one `t!()` uses from now on.
    pub fn activate(self) {
        rust_i18n::set_locale(self.code());
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_posix_locales() {
        assert_eq!(Lang::parse("ru_RU.UTF-8"), Some(Lang::Ru));
        assert_eq!(Lang::parse("kk_KZ"), Some(Lang::Kk));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("C"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn f2_cycles_kk_ru_en() {
        assert_eq!(Lang::Kk.next(), Lang::Ru);
        assert_eq!(Lang::Ru.next(), Lang::En);
        assert_eq!(Lang::En.next(), Lang::Kk);
    }
}
