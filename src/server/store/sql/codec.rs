//! Rows ↔ the domain's types: times as microseconds, codes, IINs, numbers, JSON and hashes.

use chrono::{DateTime, Utc};

use crate::domain::{Actor, ApplicationNumber, ApplicationState, Iin};
use crate::i18n::Lang;
use crate::server::store::{StoreError, StoreResult};

pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) fn time(us: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::Corrupt(format!("time {us}")))
}

/// A nullable time column.
pub(crate) fn optional_time(us: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    us.map(time).transpose()
}

pub(crate) fn parse_lang(code: &str) -> StoreResult<Lang> {
    Lang::parse(code).ok_or_else(|| StoreError::Corrupt(format!("language {code}")))
}

/// A domain value from its stable serde code.
pub(crate) fn from_code<T: serde::de::DeserializeOwned>(code: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown code {code}")))
}

/// The stable serde code of a domain value.
pub(crate) fn code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        other => unreachable!("the domain's codes serialise to strings, got {other:?}"),
    }
}

pub(crate) fn parse_iin(text: &str) -> StoreResult<Iin> {
    Iin::parse(text).map_err(|_| StoreError::Corrupt(format!("IIN {text}")))
}

pub(crate) fn parse_number(text: &str) -> StoreResult<ApplicationNumber> {
    ApplicationNumber::parse(text).map_err(|_| StoreError::Corrupt(format!("number {text}")))
}

pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn hash32(bytes: &[u8]) -> StoreResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a stored hash is not 32 bytes".into()))
}

/// The domain's actor as the history stores it.
pub(crate) fn actor_columns(actor: &Actor) -> (String, String) {
    let iin = match actor {
        Actor::Applicant { iin } | Actor::Operator { iin, .. } | Actor::Officer { iin, .. } => {
            iin.to_string()
        }
        Actor::System => String::new(),
    };
    (iin, code(&actor.role()))
}

pub(crate) fn state_json(state: &ApplicationState) -> StoreResult<String> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))
}
