//! A direction's status as the officer's list of directions shows it (docs/domain-rules.md,
//! «Directions by status»): issued, extended (once, by the applicant), enrolled, expired
//! (not used in time), revoked (by the applicant, annulled by an officer, or cancelled for an
//! out-of-turn benefit not confirmed in person).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionStatus {
    Issued,
    Extended,
    Enrolled,
    Expired,
    Revoked,
}

impl DirectionStatus {
    pub const ALL: [DirectionStatus; 5] = [
        DirectionStatus::Issued,
        DirectionStatus::Extended,
        DirectionStatus::Enrolled,
        DirectionStatus::Expired,
        DirectionStatus::Revoked,
    ];

    /// The stable snake_case code, as serialised and stored.
    pub fn code(self) -> &'static str {
        match self {
            DirectionStatus::Issued => "issued",
            DirectionStatus::Extended => "extended",
            DirectionStatus::Enrolled => "enrolled",
            DirectionStatus::Expired => "expired",
            DirectionStatus::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<DirectionStatus> {
        DirectionStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The i18n key of the status's name.
    pub fn message_key(self) -> String {
        format!("domain.direction_status.{}", self.code())
    }

    /// Whether the direction still holds its place (it can be enrolled or annulled).
    pub fn is_live(self) -> bool {
        matches!(self, DirectionStatus::Issued | DirectionStatus::Extended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_serde_agrees() {
        for status in DirectionStatus::ALL {
            assert_eq!(DirectionStatus::from_code(status.code()), Some(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.code())
            );
        }
        assert_eq!(DirectionStatus::from_code("annulled"), None);
        assert!(DirectionStatus::Extended.is_live());
        assert!(!DirectionStatus::Revoked.is_live());
    }
}
