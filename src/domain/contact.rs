//! Contacts the notices go to (docs/domain-rules.md, «Contacts»): an e-mail address and a
//! Kazakhstan mobile number, parsed where they are typed (wizard, profile, first login) so that
//! a bad one is refused there and not found out when a message cannot be delivered.

use std::fmt;

use super::limits::Text;

/// Why a typed contact was refused; each has its translated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("not an e-mail address")]
    Email,
    #[error("not a Kazakhstan phone number")]
    Phone,
    #[error("a Kazakhstan number, but not a mobile one")]
    NotMobile,
}

impl ContactError {
    pub fn message_key(self) -> &'static str {
        match self {
            ContactError::Email => "domain.wizard.email",
            ContactError::Phone => "domain.wizard.phone",
            ContactError::NotMobile => "domain.contact.not_mobile",
        }
    }
}

/// An e-mail address a mail server will take: `local@domain`, the local part a dot-atom of
/// ASCII (RFC 5322; no quoted forms), the domain at least two labels of letters (Kazakh and
/// Cyrillic ones too: `.қаз`), digits and inner hyphens, no address literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The characters RFC 5322 allows in a dot-atom besides letters and digits.
const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~";

impl Email {
    pub fn parse(text: &str) -> Result<Email, ContactError> {
        let text = text.trim();
        let bad = Err(ContactError::Email);
        if !Text::Email.fits(text) {
            return bad;
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return bad;
        };
        let atom = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ATEXT.contains(c))
        };
        let label = |label: &str| {
            (1..=63).contains(&label.chars().count())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = domain.split('.').collect();
        let top = labels.last().copied().unwrap_or_default();
        if local.len() > 64
            || !local.split('.').all(atom)
            || labels.len() < 2
            || !labels.iter().all(|l| label(l))
            || top.chars().all(|c| c.is_ascii_digit())
        {
            return bad;
        }
        Ok(Email(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The operator codes of Kazakhstan's mobile networks (the three digits after +7); other
/// `+7 7XX` numbers are landlines, which take no SMS.
const MOBILE_CODES: [&str; 13] = [
    "700", "701", "702", "705", "706", "707", "708", "747", "771", "775", "776", "777", "778",
];

/// A Kazakhstan mobile number, kept as `+77XXXXXXXXX` (E.164). Typed as `+7 701 234 56 78`,
/// `8 (701) 234-56-78`, `87012345678` or `7012345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

impl MobilePhone {
    pub fn parse(text: &str) -> Result<MobilePhone, ContactError> {
        let trimmed = text.trim();
        let bad = Err(ContactError::Phone);
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+'))
            || trimmed.chars().skip(1).any(|c| c == '+')
        {
            return bad;
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let national = match digits.len() {
            10 if !trimmed.starts_with('+') => digits.as_str(),
            11 if digits.starts_with('7')
                || (digits.starts_with('8') && !trimmed.starts_with('+')) =>
            {
                &digits[1..]
            }
            _ => return bad,
        };
        if !national.starts_with('7') {
            return bad;
        }
        if !MOBILE_CODES.contains(&&national[..3]) {
            return Err(ContactError::NotMobile);
        }
        Ok(MobilePhone(format!("+7{national}")))
    }

    /// `+77012345678`, as SMS providers take it.
    pub fn e164(&self) -> &str {
        &self.0
    }
}

/// `+7 701 234 56 78`, the way forms show a number.
impl fmt::Display for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0[2..];
        write!(f, "+7 {} {} {} {}", &d[..3], &d[3..6], &d[6..8], &d[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_read_however_they_are_typed() {
        for good in [
            "+7 701 234 56 78",
            "87012345678",
            "8 (701) 234-56-78",
            "7012345678",
            "+77012345678",
            " +7 (701) 234-56-78 ",
        ] {
            let phone = MobilePhone::parse(good).unwrap();
            assert_eq!(phone.e164(), "+77012345678", "{good}");
            assert_eq!(phone.to_string(), "+7 701 234 56 78");
        }
        for code in MOBILE_CODES {
            assert!(MobilePhone::parse(&format!("+7 {code} 000 00 00")).is_ok());
        }
    }

    #[test]
    fn landlines_and_other_countries_are_refused() {
        for (bad, why) in [
            ("", ContactError::Phone),
            ("+7 301 234 56 78", ContactError::Phone),
            ("+7 916 234 56 78", ContactError::Phone),
            ("12345", ContactError::Phone),
            ("+8 701 234 56 78", ContactError::Phone),
            ("7012345678x", ContactError::Phone),
            ("70123456789012", ContactError::Phone),
            ("+7 701 +234 56 78", ContactError::Phone),
            ("+7 727 234 56 78", ContactError::NotMobile),
            ("8 7172 55 66 77", ContactError::NotMobile),
            ("+7 709 234 56 78", ContactError::NotMobile),
        ] {
            assert_eq!(MobilePhone::parse(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn email_addresses_a_mail_server_takes() {
        for good in [
            "a@b.kz",
            "first.last@mail.example.com",
            "o'brien+queue@example.kz",
            " aigerim@example.com ",
            "ata@мектеп.қаз",
        ] {
            assert_eq!(Email::parse(good).unwrap().as_str(), good.trim(), "{good}");
        }
        let long_local = format!("{}@example.kz", "a".repeat(65));
        let long_label = format!("a@{}.kz", "b".repeat(64));
        let too_long = format!("a@{}.kz", "b.".repeat(130));
        for bad in [
            "",
            "a",
            "a@b",
            "@b.kz",
            "a@b@c.kz",
            "a b@c.kz",
            "a@.kz",
            "a@b.kz.",
            "a..b@c.kz",
            ".a@c.kz",
            "a.@c.kz",
            "\"a b\"@c.kz",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "a@-b.kz",
            "a@b_c.kz",
            "a<script>@c.kz",
            "a@b.kz\r\nBcc: x@y.kz",
            "алия@mail.kz",
            &long_local,
            &long_label,
            &too_long,
        ] {
            assert_eq!(Email::parse(bad), Err(ContactError::Email), "{bad}");
        }
    }
}

// --- issue 14: the channels a user wants their notices by ---

/// How a user wants their notices: by e-mail, by SMS, or both (the default). The inbox has
/// every message whatever the choice (docs/domain-rules.md, «Contacts»).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ContactPreference {
    Email,
    Sms,
    #[default]
    Both,
}

/// Why a contact preference cannot be kept with the given contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceError {
    #[error("SMS chosen without a mobile number")]
    SmsWithoutPhone,
    #[error("e-mail chosen without an address")]
    EmailWithoutAddress,
}

impl PreferenceError {
    pub fn message_key(self) -> &'static str {
        match self {
            PreferenceError::SmsWithoutPhone => "domain.contact.sms_without_phone",
            PreferenceError::EmailWithoutAddress => "domain.contact.email_without_address",
        }
    }
}

impl ContactPreference {
    pub const ALL: [ContactPreference; 3] = [
        ContactPreference::Email,
        ContactPreference::Sms,
        ContactPreference::Both,
    ];

    /// The stable code, as stored and sent.
    pub fn code(self) -> &'static str {
        match self {
            ContactPreference::Email => "email",
            ContactPreference::Sms => "sms",
            ContactPreference::Both => "both",
        }
    }

    pub fn parse(code: &str) -> Option<ContactPreference> {
        ContactPreference::ALL
            .into_iter()
            .find(|p| p.code() == code)
    }

    /// The preference of two checkboxes («by e-mail», «by SMS»); `None` when neither is ticked.
    pub fn of(email: bool, sms: bool) -> Option<ContactPreference> {
        match (email, sms) {
            (true, true) => Some(ContactPreference::Both),
            (true, false) => Some(ContactPreference::Email),
            (false, true) => Some(ContactPreference::Sms),
            (false, false) => None,
        }
    }

    pub fn by_email(self) -> bool {
        self != ContactPreference::Sms
    }

    pub fn by_sms(self) -> bool {
        self != ContactPreference::Email
    }

    /// Whether the chosen channels have somewhere to go: SMS needs a mobile number, e-mail an
    /// address.
    pub fn check(self, email: bool, phone: bool) -> Result<(), PreferenceError> {
        if self.by_sms() && !phone && !self.by_email() {
            return Err(PreferenceError::SmsWithoutPhone);
        }
        if self.by_email() && !email && !self.by_sms() {
            return Err(PreferenceError::EmailWithoutAddress);
        }
        Ok(())
    }

    /// The e-mail and phone a message goes to under this preference. A channel the user did not
    /// choose is left out, unless it is the only one there is: a notice never goes nowhere
    /// because of a preference (a parent who misses an offer loses the place).
    pub fn apply(
        self,
        email: Option<String>,
        phone: Option<String>,
    ) -> (Option<String>, Option<String>) {
        match self {
            ContactPreference::Both => (email, phone),
            ContactPreference::Email if email.is_some() => (email, None),
            ContactPreference::Sms if phone.is_some() => (None, phone),
            _ => (email, phone),
        }
    }
}

#[cfg(test)]
mod preference_tests {
    use super::*;

    #[test]
    fn a_preference_leaves_out_the_channel_not_chosen_unless_it_is_the_only_one() {
        let email = || Some("a@example.kz".to_owned());
        let phone = || Some("+77011234567".to_owned());
        assert_eq!(
            ContactPreference::Email.apply(email(), phone()),
            (email(), None)
        );
        assert_eq!(
            ContactPreference::Sms.apply(email(), phone()),
            (None, phone())
        );
        assert_eq!(
            ContactPreference::Both.apply(email(), phone()),
            (email(), phone())
        );
        // Nowhere else to send it: the other channel still carries it.
        assert_eq!(ContactPreference::Sms.apply(email(), None), (email(), None));
        assert_eq!(
            ContactPreference::Email.apply(None, phone()),
            (None, phone())
        );
    }

    #[test]
    fn sms_alone_needs_a_phone_and_codes_round_trip() {
        assert_eq!(
            ContactPreference::Sms.check(true, false),
            Err(PreferenceError::SmsWithoutPhone)
        );
        assert_eq!(
            ContactPreference::Email.check(false, true),
            Err(PreferenceError::EmailWithoutAddress)
        );
        assert_eq!(ContactPreference::Sms.check(false, true), Ok(()));
        assert_eq!(ContactPreference::Both.check(true, false), Ok(()));
        for preference in ContactPreference::ALL {
            assert_eq!(
                ContactPreference::parse(preference.code()),
                Some(preference)
            );
        }
        assert_eq!(ContactPreference::of(false, false), None);
        assert_eq!(
            ContactPreference::of(true, true),
            Some(ContactPreference::Both)
        );
    }
}
