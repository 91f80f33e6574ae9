//! The longest text each kind of field takes, in characters: one table for the server, which
//! refuses longer text with field errors, and the TUI's forms, which stop typing at the same
//! length. Without it a 100 000-character child name was stored, signed into the history and
//! rendered into a 1.3 MB PDF. The figures are generous for real people and places
//! (`docs/domain-rules.md`, «Text limits»).

/// A kind of text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Text {
    /// A surname, name or patronymic.
    PersonName,
    /// A city, district or street.
    Place,
    /// A house or flat number.
    HouseNumber,
    /// An e-mail address (RFC 5321 allows 254).
    Email,
    /// A phone number as typed, spaces and brackets included.
    Phone,
    /// The reason or comment of a signed action.
    Reason,
    /// The name of an uploaded scan, after sanitising.
    FileName,
    /// The request number of a public service centre (ЦОН).
    RequestNumber,
    /// The request id of a signed document (the idempotency key).
    RequestId,
    /// A catalogue code: region, settlement, kindergarten, group, benefit category.
    Code,
    /// A search in the journal.
    Search,
    /// A kindergarten's name or address, in one language (officers type them).
    Institution,
}

impl Text {
    /// The most characters (Unicode scalar values) a field of this kind takes.
    pub const fn max_chars(self) -> usize {
        match self {
            Text::PersonName => 100,
            Text::Place => 100,
            Text::HouseNumber => 20,
            Text::Email => 254,
            Text::Phone => 20,
            Text::Reason => 500,
            Text::FileName => 100,
            Text::RequestNumber => 50,
            Text::RequestId => 100,
            Text::Code => 64,
            Text::Search => 100,
            Text::Institution => 300,
        }
    }

    /// Whether `text` is within the limit; looks at no more than the limit's characters, so a
    /// megabyte of text costs no more than a short one.
    pub fn fits(self, text: &str) -> bool {
        text.chars().nth(self.max_chars()).is_none()
    }

    /// The i18n key of the refusal, with `%{max}` for [`Text::max_chars`].
    pub const MESSAGE: &'static str = "domain.limits.too_long";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        let name = "Ә".repeat(Text::PersonName.max_chars());
        assert!(name.len() > Text::PersonName.max_chars());
        assert!(Text::PersonName.fits(&name));
        assert!(!Text::PersonName.fits(&format!("{name}а")));
        assert!(Text::Reason.fits(""));
        assert!(!Text::Reason.fits(&"x".repeat(100_000)));
    }
}
