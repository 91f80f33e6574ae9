//! Application numbers: `УО.<year>.<6-digit sequence within the year>.<version>`, e.g.
//! «УО.2018.000027.1» (docs/domain-rules.md). The Almaty system prints the prefix in Latin letters
//! («UO.2018.000027.1», seed 004), so parsing accepts both; we always write the Cyrillic one.

use std::fmt;
use std::str::FromStr;

/// One application's number. Ordered by year, sequence, version: the tie-break of queue order
/// after the registration time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationNumber {
    pub year: i32,
    /// 1-based sequence within the year; printed with six digits.
    pub sequence: u32,
    /// 1 for a new application; a resubmission of the same child's application gets the next.
    pub version: u32,
}

/// The largest sequence six digits can print.
pub const MAX_SEQUENCE: u32 = 999_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("an application number looks like УО.2026.000027.1")]
    Shape,
}

impl NumberError {
    pub fn message_key(&self) -> &'static str {
        "domain.number.error.shape"
    }
}

impl ApplicationNumber {
    /// A number for a sequence within a year, or `None` when the sequence does not fit six
    /// digits or is zero (sequences are 1-based).
    pub fn new(year: i32, sequence: u32, version: u32) -> Option<ApplicationNumber> {
        let fits =
            (1000..=9999).contains(&year) && (1..=MAX_SEQUENCE).contains(&sequence) && version >= 1;
        fits.then_some(ApplicationNumber {
            year,
            sequence,
            version,
        })
    }

    /// Parses «УО.2026.000027.1» (or the Latin «UO.…»); surrounding spaces are ignored.
    pub fn parse(text: &str) -> Result<ApplicationNumber, NumberError> {
        let mut parts = text.trim().split('.');
        let (Some(prefix), Some(year), Some(sequence), Some(version), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(NumberError::Shape);
        };
        let digits = |s: &str, len: Option<usize>| {
            let ok = !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && len.is_none_or(|len| s.len() == len);
            ok.then(|| s.parse::<u32>().ok()).flatten()
        };
        if !matches!(prefix, "УО" | "UO") {
            return Err(NumberError::Shape);
        }
        let year = digits(year, Some(4)).ok_or(NumberError::Shape)?;
        let sequence = digits(sequence, Some(6)).ok_or(NumberError::Shape)?;
        let version = digits(version, None).ok_or(NumberError::Shape)?;
        ApplicationNumber::new(year as i32, sequence, version).ok_or(NumberError::Shape)
    }
}

impl fmt::Display for ApplicationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "УО.{:04}.{:06}.{}",
            self.year, self.sequence, self.version
        )
    }
}

impl FromStr for ApplicationNumber {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApplicationNumber::parse(s)
    }
}

impl serde::Serialize for ApplicationNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ApplicationNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ApplicationNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints_the_seeds_number() {
        let number = ApplicationNumber::parse("УО.2018.000027.1").unwrap();
        assert_eq!(
            (number.year, number.sequence, number.version),
            (2018, 27, 1)
        );
        assert_eq!(number.to_string(), "УО.2018.000027.1");
        // Seed 004 prints the prefix in Latin letters.
        assert_eq!(ApplicationNumber::parse("UO.2018.000027.1"), Ok(number));
    }

    #[test]
    fn refuses_malformed_numbers() {
        for text in [
            "",
            "УО.2018.27.1",
            "УО.2018.000027",
            "УО.2018.000027.1.2",
            "АБ.2018.000027.1",
            "УО.18.000027.1",
            "УО.2018.000000.1",
            "УО.2018.000027.0",
            "УО.2018.00002x.1",
            "УО.2018.+00027.1",
        ] {
            assert_eq!(
                ApplicationNumber::parse(text),
                Err(NumberError::Shape),
                "{text}"
            );
        }
    }

    #[test]
    fn orders_by_year_then_sequence() {
        let a = ApplicationNumber::new(2025, 999_999, 1).unwrap();
        let b = ApplicationNumber::new(2026, 1, 1).unwrap();
        assert!(a < b);
        assert!(ApplicationNumber::new(2026, 1_000_000, 1).is_none());
    }

    proptest! {
        #[test]
        fn print_then_parse_is_identity(year in 1000i32..=9999, sequence in 1u32..=MAX_SEQUENCE, version in 1u32..1000) {
            let number = ApplicationNumber::new(year, sequence, version).unwrap();
            prop_assert_eq!(ApplicationNumber::parse(&number.to_string()), Ok(number));
            let json = serde_json::to_string(&number).unwrap();
            prop_assert_eq!(serde_json::from_str::<ApplicationNumber>(&json).unwrap(), number);
        }
    }
}
