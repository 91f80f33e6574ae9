//! Why a benefit document is rejected (issue 13, «Проверка льгот»): the reasons of
//! `data/rejection_reasons.toml`, each a stable code with its name in the three languages; an
//! officer picks one and may add their own words (docs/domain-rules.md, «Benefit rejection
//! reasons»).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// One reason of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionReason {
    /// Stable code, kept in the officer's signed document (`unreadable`, `expired`, …).
    pub code: String,
    pub ru: String,
    pub kk: String,
    pub en: String,
    /// The officer must add their own words («Другая причина»).
    #[serde(default)]
    pub comment: bool,
}

/// Why a reason and the officer's words are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RejectionError {
    #[error("no rejection reason has this code")]
    UnknownReason,
    #[error("this reason needs the officer's own words")]
    CommentRequired,
}

impl RejectionReason {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }

    /// Every reason of `data/rejection_reasons.toml`, in the file's order.
    pub fn catalogue() -> &'static [RejectionReason] {
        &CATALOGUE
    }

    pub fn find(code: &str) -> Option<&'static RejectionReason> {
        CATALOGUE.iter().find(|r| r.code == code)
    }

    /// The text a rejection records for the applicant: the reason's name in `lang`, then the
    /// officer's words when there are any.
    pub fn explain(code: &str, words: &str, lang: Lang) -> Result<String, RejectionError> {
        let reason = RejectionReason::find(code).ok_or(RejectionError::UnknownReason)?;
        let words = words.trim();
        match (words.is_empty(), reason.comment) {
            (true, true) => Err(RejectionError::CommentRequired),
            (true, false) => Ok(reason.name(lang).to_owned()),
            (false, _) => Ok(format!("{}: {words}", reason.name(lang))),
        }
    }
}

#[derive(Deserialize)]
struct ReasonsFile {
    reason: Vec<RejectionReason>,
}

static CATALOGUE: LazyLock<Vec<RejectionReason>> = LazyLock::new(|| {
    let file: ReasonsFile = toml::from_str(include_str!("../../data/rejection_reasons.toml"))
        .expect("data/rejection_reasons.toml is checked by the tests");
    file.reason
});

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_list_has_unique_codes_and_three_names_each() {
        let all = RejectionReason::catalogue();
        assert!(all.len() >= 5);
        let codes: HashSet<_> = all.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), all.len());
        for reason in all {
            for lang in Lang::ALL {
                assert!(!reason.name(lang).trim().is_empty(), "{}", reason.code);
            }
            assert_ne!(reason.ru, reason.kk, "{}", reason.code);
        }
        assert!(all.iter().any(|r| r.comment), "one reason asks for words");
    }

    #[test]
    fn a_rejection_records_the_reasons_name_and_the_officers_words() {
        assert_eq!(
            RejectionReason::explain("expired", "  ", Lang::Ru).unwrap(),
            "Срок действия документа истёк"
        );
        assert_eq!(
            RejectionReason::explain("expired", " до 2025 года ", Lang::En).unwrap(),
            "The document has expired: до 2025 года"
        );
        assert_eq!(
            RejectionReason::explain("other", "", Lang::Kk),
            Err(RejectionError::CommentRequired)
        );
        assert_eq!(
            RejectionReason::explain("nope", "x", Lang::Kk),
            Err(RejectionError::UnknownReason)
        );
    }
}
