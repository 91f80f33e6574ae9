//! The statuses of an application (docs/domain-rules.md) and the reasons it may leave the queue.

use serde::{Deserialize, Serialize};

/// Where an application stands. The codes are stable: the store and the API keep them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// «В очереди», possibly on a stop-list until a date (see `ApplicationState::stop_list_until`).
    InQueue,
    /// «Предложено место»: a place is offered and awaits the answer.
    Offered,
    /// «Выдано направление»: the direction is issued and not yet used («Не зачислен»).
    DirectionIssued,
    /// «Зачислен»: closed, the child goes to the kindergarten.
    Enrolled,
    /// «Снят с очереди», with a [`RemovalReason`].
    Removed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::InQueue,
        Status::Offered,
        Status::DirectionIssued,
        Status::Enrolled,
        Status::Removed,
    ];

    /// The stable code, as serialised.
    pub fn code(self) -> &'static str {
        match self {
            Status::InQueue => "in_queue",
            Status::Offered => "offered",
            Status::DirectionIssued => "direction_issued",
            Status::Enrolled => "enrolled",
            Status::Removed => "removed",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The i18n key of the status name («В очереди», …).
    pub fn message_key(self) -> String {
        format!("domain.status.{}", self.code())
    }

    /// The i18n key of «Текущее состояние» as the seeds word it: «Принято решение (в очереди)».
    pub fn current_state_key(self) -> String {
        format!("domain.current_state.{}", self.code())
    }

    /// Enrolled and removed applications are closed: no action changes them any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Enrolled | Status::Removed)
    }
}

/// Why an application left the queue («Снят с очереди»).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// The applicant withdrew it («Снять с очереди»), with their own comment.
    Withdrawn,
    /// The yearly confirmation of interest was missed.
    InterestNotConfirmed,
}

impl RemovalReason {
    pub fn code(self) -> &'static str {
        match self {
            RemovalReason::Withdrawn => "withdrawn",
            RemovalReason::InterestNotConfirmed => "interest_not_confirmed",
        }
    }

    pub fn message_key(self) -> String {
        format!("domain.removal.{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for status in Status::ALL {
            assert_eq!(Status::from_code(status.code()), Some(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.code())
            );
        }
        for reason in [
            RemovalReason::Withdrawn,
            RemovalReason::InterestNotConfirmed,
        ] {
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                format!("\"{}\"", reason.code())
            );
        }
    }

    #[test]
    fn statuses_speak_the_seeds_words() {
        assert_eq!(
            rust_i18n::t!(Status::InQueue.message_key(), locale = "ru"),
            "В очереди"
        );
        assert_eq!(
            rust_i18n::t!(Status::DirectionIssued.current_state_key(), locale = "ru"),
            "Принято решение (Выдано направление)"
        );
    }
}
