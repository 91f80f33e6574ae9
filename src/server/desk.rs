//! The ЦОН desk's rules on the server (docs/domain-rules.md, «The ЦОН desk»): an operator reads
//! and acts for a citizen only under a live consent (a confirmed one-time code, for 30 minutes
//! or until the service ends), and every read of the citizen's data goes into the audit log.

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::api::desk::AuditRead;
use crate::api::problem::ProblemCode;
use crate::domain::desk::{OneTimeCode, ServiceStatus};
use crate::domain::{Iin, wizard};
use crate::server::AppState;
use crate::server::auth::Session;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::{AuditLine, Employee, ServiceSession};

/// What the store keeps of a code: SHA-256 of the session id and the code, so that the same
/// code in two sessions never gives the same hash.
pub fn code_hash(session_id: &str, code: &OneTimeCode) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(session_id.as_bytes());
    hasher.update(b":");
    hasher.update(code.expose().as_bytes());
    hasher.finalize().into()
}

/// A fresh code from the system's random source.
pub fn new_code() -> OneTimeCode {
    OneTimeCode::from_random(rand::rng().random())
}

/// The operator of a session as the desk records them: name from the certificate, the ЦОН from
/// its organisation.
pub fn employee(session: &Session) -> Employee {
    let organisation = session.user.organisation.as_ref();
    Employee {
        iin: session.user.iin,
        name: session.user.full_name.clone(),
        centre_bin: organisation.map(|o| o.bin.clone()),
        centre_name: organisation.and_then(|o| o.name.clone()),
    }
}

/// The operator's live consent for the citizen, or `consent_required`.
pub async fn require_consent(
    state: &AppState,
    session: &Session,
    citizen: Iin,
) -> ApiResult<ServiceSession> {
    let now = state.now();
    let rules = state.config().desk.rules();
    match state
        .store()
        .live_consent(&session.user.iin, &citizen, now)
        .await?
    {
        Some(service)
            if matches!(
                service.times.status(now, &rules),
                ServiceStatus::Consented { .. }
            ) =>
        {
            Ok(service)
        }
        _ => Err(ApiError::new(ProblemCode::ConsentRequired)),
    }
}

/// Checks the consent, then writes the read into the audit log before anything is answered.
pub async fn audited_read(
    state: &AppState,
    session: &Session,
    citizen: Iin,
    what: AuditRead,
    subject: Option<String>,
) -> ApiResult<()> {
    require_consent(state, session, citizen).await?;
    state
        .store()
        .record_audit(&AuditLine {
            at: state.now(),
            operator: employee(session),
            citizen,
            what: what.code().to_owned(),
            subject,
        })
        .await?;
    Ok(())
}

/// A citizen's contacts on record, each the profile's, else the one they signed in their
/// latest application that has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnRecord {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What [`OnRecord`] says of `citizen`; nothing made up.
pub async fn contacts_on_record(state: &AppState, citizen: Iin) -> ApiResult<OnRecord> {
    let profile = state
        .store()
        .user(&citizen)
        .await?
        .map(|user| user.contacts);
    let mut record = OnRecord {
        email: profile.as_ref().and_then(|c| c.email.clone()),
        phone: profile.and_then(|c| c.phone),
    };
    if record.email.is_some() && record.phone.is_some() {
        return Ok(record);
    }
    let latest = state
        .store()
        .journal(&crate::server::store::JournalFilter {
            scope: crate::server::store::JournalScope::Person(citizen),
            status: None,
            benefit: None,
            birth_year: None,
            text: None,
            kindergarten: None,
            sort: crate::server::store::JournalColumn::RegisteredAt,
            descending: true,
            offset: 0,
            limit: 20,
        })
        .await?;
    let signed: Vec<&serde_json::Value> = latest
        .rows
        .iter()
        .filter(|app| app.applicant_iin == citizen)
        .map(|app| &app.details["applicant"])
        .collect();
    if record.phone.is_none() {
        record.phone = signed
            .iter()
            .find_map(|a| a["phone"].as_str().and_then(wizard::normalize_phone));
    }
    if record.email.is_none() {
        record.email = signed.iter().find_map(|a| {
            a["email"]
                .as_str()
                .map(str::trim)
                .filter(|e| wizard::is_email(e))
                .map(str::to_owned)
        });
    }
    Ok(record)
}

/// The citizen's mobile number on record ([`contacts_on_record`]); on a demo server, a made-up
/// number for a person who has none, so that the demo's key holders can be served before they
/// ever log in.
pub async fn mobile_on_record(state: &AppState, citizen: Iin) -> ApiResult<Option<String>> {
    if let Some(phone) = contacts_on_record(state, citizen).await?.phone {
        return Ok(Some(phone));
    }
    Ok(state
        .config()
        .demo
        .is_some()
        .then(|| {
            let iin = citizen.to_string();
            format!("+7 700 {}", &iin[iin.len() - 7..])
        })
        .and_then(|phone| wizard::normalize_phone(&phone)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_the_session_and_the_code() {
        let code = OneTimeCode::parse("123456").unwrap();
        let other = OneTimeCode::parse("123457").unwrap();
        assert_eq!(code_hash("a", &code), code_hash("a", &code));
        assert_ne!(code_hash("a", &code), code_hash("b", &code));
        assert_ne!(code_hash("a", &code), code_hash("a", &other));
    }
}
