//! The individual identification number (ИИН): 12 digits that carry a birth date, the century
//! and sex, a serial number and a check digit (docs/domain-rules.md).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

/// A parsed, valid IIN. Only [`Iin::parse`] makes one, so holding an `Iin` means every rule held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iin([u8; 12]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

/// Which rule an IIN broke. Each maps to its own translated message (`iin.error.*`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IinError {
    #[error("an IIN has 12 digits, this has {0} characters")]
    Length(usize),
    #[error("an IIN has only digits")]
    NotDigits,
    #[error("the 7th digit of an IIN is the century and sex (1 to 6)")]
    Century,
    #[error("the first six digits of an IIN are not a real date of birth")]
    ImpossibleDate,
    #[error("the check digit of the IIN does not match")]
    CheckDigit,
}

impl IinError {
    /// The i18n key of this error's message.
    pub fn message_key(&self) -> &'static str {
        match self {
            IinError::Length(_) => "iin.error.length",
            IinError::NotDigits => "iin.error.not_digits",
            IinError::Century => "iin.error.century",
            IinError::ImpossibleDate => "iin.error.date",
            IinError::CheckDigit => "iin.error.check_digit",
        }
    }

    /// The message in the current language.
    pub fn translated(&self) -> String {
        rust_i18n::t!(self.message_key()).into_owned()
    }
}

const WEIGHTS_FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const WEIGHTS_SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit of the first 11 digits, or `None` when both passes give 10 (no valid number
/// has those 11 digits). Organisation BINs use the same rule.
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    let weighted = |weights: &[u32; 11]| -> u32 {
        first11
            .iter()
            .zip(weights)
            .map(|(&d, &w)| u32::from(d) * w)
            .sum::<u32>()
            % 11
    };
    match weighted(&WEIGHTS_FIRST) {
        10 => match weighted(&WEIGHTS_SECOND) {
            10 => None,
            d => Some(d as u8),
        },
        d => Some(d as u8),
    }
}

/// Twelve digits whose last is the check digit of the first eleven: the rule IINs and BINs share.
/// Says nothing about dates; use it for numbers read from certificates.
pub fn checksum_holds(text: &str) -> bool {
    let Some(digits) = twelve_digits(text) else {
        return false;
    };
    let mut first11 = [0u8; 11];
    first11.copy_from_slice(&digits[..11]);
    check_digit(&first11) == Some(digits[11])
}

fn twelve_digits(text: &str) -> Option<[u8; 12]> {
    let bytes = text.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut digits = [0u8; 12];
    for (d, b) in digits.iter_mut().zip(bytes) {
        *d = b - b'0';
    }
    Some(digits)
}

impl Iin {
    /// Parses an IIN typed by a person or read from data, checking every rule of
    /// docs/domain-rules.md in order: length, digits, century, date, check digit. Surrounding
    /// spaces are ignored.
    pub fn parse(text: &str) -> Result<Iin, IinError> {
        let text = text.trim();
        let count = text.chars().count();
        if count != 12 {
            return Err(IinError::Length(count));
        }
        let digits = twelve_digits(text).ok_or(IinError::NotDigits)?;
        if !(1..=6).contains(&digits[6]) {
            return Err(IinError::Century);
        }
        let iin = Iin(digits);
        iin.birth_date_checked().ok_or(IinError::ImpossibleDate)?;
        let mut first11 = [0u8; 11];
        first11.copy_from_slice(&digits[..11]);
        if check_digit(&first11) != Some(digits[11]) {
            return Err(IinError::CheckDigit);
        }
        Ok(iin)
    }

    fn two(&self, at: usize) -> u32 {
        u32::from(self.0[at]) * 10 + u32::from(self.0[at + 1])
    }

    fn birth_date_checked(&self) -> Option<NaiveDate> {
        let year = self.century_start() + self.two(0) as i32;
        NaiveDate::from_ymd_opt(year, self.two(2), self.two(4))
    }

    /// The first year of the century the 7th digit names: 1800, 1900 or 2000.
    pub fn century_start(&self) -> i32 {
        match self.0[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        }
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date_checked()
            .expect("Iin::parse accepted only real dates")
    }

    /// Odd century digits are men, even are women.
    pub fn sex(&self) -> Sex {
        if self.0[6] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn as_string(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl FromStr for Iin {
    type Err = IinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iin::parse(s)
    }
}

impl serde::Serialize for Iin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Iin {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Iin::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check_digit(first11: [u8; 11]) -> Option<String> {
        let check = check_digit(&first11)?;
        let mut text: String = first11.iter().map(|d| char::from(b'0' + d)).collect();
        text.push(char::from(b'0' + check));
        Some(text)
    }

    #[test]
    fn parses_a_valid_iin_with_date_century_and_sex() {
        // 14 May 1990, century digit 4: a woman born in the 1900s.
        let text = with_check_digit([9, 0, 0, 5, 1, 4, 4, 0, 0, 1, 2]).unwrap();
        let iin = Iin::parse(&text).unwrap();
        assert_eq!(
            iin.birth_date(),
            NaiveDate::from_ymd_opt(1990, 5, 14).unwrap()
        );
        assert_eq!(iin.century_start(), 1900);
        assert_eq!(iin.sex(), Sex::Female);
        assert_eq!(iin.to_string(), text);
    }

    #[test]
    fn second_pass_of_weights_is_used_when_the_first_gives_ten() {
        // Search the first 11 digits of a 2000s child until the first pass gives 10.
        let found = (0..10_000u32)
            .map(|serial| {
                let s = [
                    serial / 1000,
                    serial / 100 % 10,
                    serial / 10 % 10,
                    serial % 10,
                ];
                [
                    2, 2, 0, 3, 1, 5, 6, s[0] as u8, s[1] as u8, s[2] as u8, s[3] as u8,
                ]
            })
            .find(|d| {
                d.iter()
                    .zip(WEIGHTS_FIRST)
                    .map(|(&d, w)| u32::from(d) * w)
                    .sum::<u32>()
                    % 11
                    == 10
            })
            .unwrap();
        let second = found
            .iter()
            .zip(WEIGHTS_SECOND)
            .map(|(&d, w)| u32::from(d) * w)
            .sum::<u32>()
            % 11;
        match check_digit(&found) {
            Some(d) => assert_eq!(u32::from(d), second),
            None => assert_eq!(second, 10),
        }
    }

    #[test]
    fn each_rule_has_its_own_error() {
        assert_eq!(Iin::parse("12345"), Err(IinError::Length(5)));
        assert_eq!(Iin::parse("9005144001x2"), Err(IinError::NotDigits));
        assert_eq!(Iin::parse("900514700123"), Err(IinError::Century));
        assert_eq!(Iin::parse("901314400123"), Err(IinError::ImpossibleDate));
        assert_eq!(Iin::parse("900230400123"), Err(IinError::ImpossibleDate));
        let valid = with_check_digit([9, 0, 0, 5, 1, 4, 4, 0, 0, 1, 2]).unwrap();
        let mut wrong = valid.clone().into_bytes();
        wrong[11] = b'0' + (wrong[11] - b'0' + 1) % 10;
        assert_eq!(
            Iin::parse(std::str::from_utf8(&wrong).unwrap()),
            Err(IinError::CheckDigit)
        );
        // Cyrillic letters count as characters, not bytes.
        assert_eq!(Iin::parse("ЖСН"), Err(IinError::Length(3)));
    }

    #[test]
    fn test_certificates_number_is_flagged_not_refused_by_checksum_holds() {
        // NCA test certificates carry 123456789011, whose check digit does not hold.
        assert!(!checksum_holds("123456789011"));
    }

    #[test]
    fn serde_round_trip_parses() {
        let text = with_check_digit([9, 0, 0, 5, 1, 4, 4, 0, 0, 1, 2]).unwrap();
        let iin: Iin = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(serde_json::to_string(&iin).unwrap(), format!("\"{text}\""));
        assert!(serde_json::from_str::<Iin>("\"123\"").is_err());
    }

    fn valid_first11() -> impl Strategy<Value = [u8; 11]> {
        (
            0u8..100,
            1u8..=12,
            1u8..=28,
            1u8..=6,
            proptest::array::uniform4(0u8..10),
        )
            .prop_map(|(yy, mm, dd, century, serial)| {
                [
                    yy / 10,
                    yy % 10,
                    mm / 10,
                    mm % 10,
                    dd / 10,
                    dd % 10,
                    century,
                    serial[0],
                    serial[1],
                    serial[2],
                    serial[3],
                ]
            })
    }

    proptest! {
        #[test]
        fn every_generated_valid_iin_parses(first11 in valid_first11()) {
            if let Some(text) = with_check_digit(first11) {
                let iin = Iin::parse(&text).unwrap();
                prop_assert_eq!(iin.to_string(), text);
            }
        }

        #[test]
        fn one_digit_changes_are_caught_or_valid(first11 in valid_first11(), at in 0usize..12, delta in 1u8..10) {
            if let Some(text) = with_check_digit(first11) {
                let mut bytes = text.into_bytes();
                bytes[at] = b'0' + (bytes[at] - b'0' + delta) % 10;
                let changed = String::from_utf8(bytes).unwrap();
                match Iin::parse(&changed) {
                    Ok(iin) => prop_assert!(checksum_holds(&iin.to_string())),
                    Err(e) => prop_assert!(matches!(e, IinError::CheckDigit | IinError::ImpossibleDate | IinError::Century)),
                }
            }
        }
    }
}
