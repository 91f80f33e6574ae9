//! The ЦОН desk (docs/domain-rules.md, «The ЦОН desk»): the one-time code that is a citizen's
//! consent, how long a service session and its consent last, and the format of a «Номер ЦОН».

use chrono::{DateTime, Duration, Utc};
use zeroize::Zeroizing;

/// How many digits a one-time code has.
pub const CODE_DIGITS: usize = 6;

/// A one-time code as the citizen reads it out: exactly six ASCII digits. Kept zeroized, as
/// it is a secret until it is used up.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(Zeroizing<String>);

impl OneTimeCode {
    /// Spaces the operator may type between the digits are dropped; anything else but six
    /// digits is not a code.
    pub fn parse(text: &str) -> Option<OneTimeCode> {
        let digits: Zeroizing<String> =
            Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
        (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| OneTimeCode(digits))
    }

    /// A code from a random number (any `u32`; reduced to six digits, leading zeros kept).
    pub fn from_random(random: u32) -> OneTimeCode {
        OneTimeCode(Zeroizing::new(format!("{:06}", random % 1_000_000)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode(******)")
    }
}

/// The rules' figures of a service session (configurable per server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskRules {
    /// How long the code may be typed after it was sent.
    pub code_minutes: i64,
    /// How long the consent lasts once the code is confirmed.
    pub consent_minutes: i64,
    /// Wrong codes that end the session.
    pub wrong_codes: u32,
}

impl Default for DeskRules {
    fn default() -> Self {
        DeskRules {
            code_minutes: 5,
            consent_minutes: 30,
            wrong_codes: 5,
        }
    }
}

/// Where a service session stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceStatus {
    /// The code was sent and may still be typed.
    AwaitingCode,
    /// The code was sent but not typed in time.
    CodeExpired,
    /// Consent given: the operator may read and act for the citizen until then.
    Consented { until: DateTime<Utc> },
    /// Ended: by «Завершить обслуживание», by too many wrong codes, or because the consent ran
    /// out.
    Ended,
}

/// What a service session records; the rules decide its status from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceTimes {
    pub code_sent_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wrong_codes: u32,
}

impl ServiceTimes {
    pub fn status(&self, now: DateTime<Utc>, rules: &DeskRules) -> ServiceStatus {
        if self.ended_at.is_some() || self.wrong_codes >= rules.wrong_codes {
            return ServiceStatus::Ended;
        }
        match self.confirmed_at {
            Some(at) => {
                let until = at + Duration::minutes(rules.consent_minutes);
                if now < until {
                    ServiceStatus::Consented { until }
                } else {
                    ServiceStatus::Ended
                }
            }
            None if now < self.code_sent_at + Duration::minutes(rules.code_minutes) => {
                ServiceStatus::AwaitingCode
            }
            None => ServiceStatus::CodeExpired,
        }
    }
}

/// The format of a «Номер ЦОН» request number, from the server's configuration: `#` stands for
/// a digit, `*` for a letter or digit, anything else for itself (`ЦОН-##########`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestNumberFormat(String);

impl RequestNumberFormat {
    pub fn new(template: impl Into<String>) -> RequestNumberFormat {
        RequestNumberFormat(template.into())
    }

    pub fn template(&self) -> &str {
        &self.0
    }

    /// Whether `number` (spaces around it ignored) has the format, letters of any case.
    pub fn accepts(&self, number: &str) -> bool {
        let mut wanted = self.0.chars();
        let mut given = number.trim().chars();
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return true,
                (Some('#'), Some(c)) if c.is_ascii_digit() => {}
                (Some('*'), Some(c)) if c.is_alphanumeric() => {}
                (Some(w), Some(c))
                    if w != '#' && w != '*' && w.to_lowercase().eq(c.to_lowercase()) => {}
                _ => return false,
            }
        }
    }
}

impl Default for RequestNumberFormat {
    fn default() -> Self {
        RequestNumberFormat::new("ЦОН-##########")
    }
}

/// A phone number shown to the operator: only its last two digits, so that the counter's screen
/// does not hand out the citizen's number.
pub fn masked_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let shown: String = digits[digits.len().saturating_sub(2)..].iter().collect();
    format!("+7 *** *** ** {shown}")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, minute, 0).unwrap()
    }

    #[test]
    fn a_code_is_six_digits() {
        assert_eq!(OneTimeCode::parse("123 456").unwrap().expose(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert!(OneTimeCode::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(OneTimeCode::from_random(42).expose(), "000042");
        assert_eq!(OneTimeCode::from_random(u32::MAX).expose().len(), 6);
        assert!(!format!("{:?}", OneTimeCode::from_random(7)).contains('7'));
    }

    #[test]
    fn a_session_waits_for_the_code_then_consents_for_its_minutes() {
        let rules = DeskRules::default();
        let mut times = ServiceTimes {
            code_sent_at: at(0),
            confirmed_at: None,
            ended_at: None,
            wrong_codes: 0,
        };
        assert_eq!(times.status(at(4), &rules), ServiceStatus::AwaitingCode);
        assert_eq!(times.status(at(5), &rules), ServiceStatus::CodeExpired);
        times.confirmed_at = Some(at(2));
        assert_eq!(
            times.status(at(31), &rules),
            ServiceStatus::Consented { until: at(32) }
        );
        assert_eq!(times.status(at(32), &rules), ServiceStatus::Ended);
        times.ended_at = Some(at(10));
        assert_eq!(times.status(at(11), &rules), ServiceStatus::Ended);
    }

    #[test]
    fn five_wrong_codes_end_the_session() {
        let rules = DeskRules::default();
        let mut times = ServiceTimes {
            code_sent_at: at(0),
            confirmed_at: None,
            ended_at: None,
            wrong_codes: 4,
        };
        assert_eq!(times.status(at(1), &rules), ServiceStatus::AwaitingCode);
        times.wrong_codes = 5;
        assert_eq!(times.status(at(1), &rules), ServiceStatus::Ended);
    }

    #[test]
    fn request_numbers_follow_the_template() {
        let format = RequestNumberFormat::default();
        assert!(format.accepts("ЦОН-0123456789"));
        assert!(format.accepts(" цон-0123456789 "));
        for bad in [
            "ЦОН-012345678",
            "ЦОН-01234567890",
            "ЦОН 0123456789",
            "ЦОН-01234a6789",
            "",
        ] {
            assert!(!format.accepts(bad), "{bad}");
        }
        let any = RequestNumberFormat::new("**-#");
        assert!(any.accepts("Ab-1"));
        assert!(any.accepts("Ұж-9"));
        assert!(!any.accepts("A--1"));
    }

    #[test]
    fn the_phone_is_masked_but_its_end() {
        assert_eq!(masked_phone("+7 701 234 56 78"), "+7 *** *** ** 78");
        assert_eq!(masked_phone("7"), "+7 *** *** ** 7");
    }
}
