//! The ЦОН desk: service sessions (the code only as its hash), the audit log of operators'
//! reads, and the outbox as `kezek outbox list` reads it.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::codec::{hash32, micros, optional_time, parse_iin, time};
use super::outbox;
use super::{Backend, Bind, Cells, Exec};
use crate::domain::Iin;
use crate::domain::desk::ServiceTimes;
use crate::server::notify::OutboxMessage;
use crate::server::store::{
    AuditLine, AuditScope, CodeAttempt, Employee, OutboxLine, ServiceSession, StoreResult,
};

/// The outbox kind of the desk's SMS.
const ONE_TIME_CODE: &str = "one_time_code";

/// A service session's columns, in the order [`session_of`] reads them.
macro_rules! session_columns {
    () => {
        "SELECT id, operator_iin, operator_name, centre_bin, centre_name, citizen_iin, code_hash, \
         code_sent_us, wrong_codes, confirmed_us, expires_us, ended_us FROM service_sessions "
    };
}

const SESSION_BY_ID: &str = concat!(session_columns!(), "WHERE id = $1");

/// The operator of a session or an audit line: IIN, name, centre BIN and centre name from
/// column `first` on.
fn employee_at<B: Backend>(row: &B::Row, first: usize) -> StoreResult<Employee> {
    Ok(Employee {
        iin: parse_iin(row.get::<&str, _>(first))?,
        name: row.get(first + 1),
        centre_bin: row.get(first + 2),
        centre_name: row.get(first + 3),
    })
}

fn session_of<B: Backend>(row: &B::Row) -> StoreResult<ServiceSession> {
    Ok(ServiceSession {
        id: row.get(0),
        operator: employee_at::<B>(row, 1)?,
        citizen: parse_iin(row.get::<&str, _>(5))?,
        code_hash: hash32(row.get::<&[u8], _>(6))?,
        times: ServiceTimes {
            code_sent_at: time(row.get(7))?,
            wrong_codes: u32::try_from(row.get::<i64, _>(8)).unwrap_or(u32::MAX),
            confirmed_at: optional_time(row.get(9))?,
            ended_at: optional_time(row.get(11))?,
        },
        consent_until: optional_time(row.get(10))?,
    })
}

pub(super) async fn start_service<B: Backend>(
    store: &SqlStore<B>,
    session: &ServiceSession,
    sms: &OutboxMessage,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>(
        "INSERT INTO service_sessions (id, operator_iin, operator_name, centre_bin, centre_name, \
         citizen_iin, code_hash, code_sent_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .arg(&session.id)
    .arg(session.operator.iin.to_string())
    .arg(&session.operator.name)
    .arg(&session.operator.centre_bin)
    .arg(&session.operator.centre_name)
    .arg(session.citizen.to_string())
    .arg(&session.code_hash[..])
    .arg(micros(session.times.code_sent_at))
    .execute(tx.ex())
    .await?;
    outbox::enqueue::<B>(&mut tx, ONE_TIME_CODE, sms, micros(now)).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn service_session<B: Backend>(
    store: &SqlStore<B>,
    id: &str,
) -> StoreResult<Option<ServiceSession>> {
    let mut conn = store.readers.acquire().await?;
    sqlx::query::<B>(SESSION_BY_ID)
        .arg(id)
        .fetch_optional(conn.ex())
        .await?
        .as_ref()
        .map(session_of::<B>)
        .transpose()
}

pub(super) async fn code_attempt<B: Backend>(
    store: &SqlStore<B>,
    id: &str,
    attempt: CodeAttempt,
    now: DateTime<Utc>,
) -> StoreResult<Option<ServiceSession>> {
    let mut tx = store.begin_own().await?;
    // Only an open session still waiting for its code takes an attempt, so two right codes
    // typed at once confirm it once and a wrong code after the consent changes nothing.
    macro_rules! waiting {
        () => {
            " WHERE id = $3 AND ended_us IS NULL AND confirmed_us IS NULL"
        };
    }
    match attempt {
        CodeAttempt::Right { consent_until } => {
            sqlx::query::<B>(concat!(
                "UPDATE service_sessions SET confirmed_us = $1, expires_us = $2",
                waiting!()
            ))
            .arg(micros(now))
            .arg(micros(consent_until))
            .arg(id)
            .execute(tx.ex())
            .await?;
        }
        CodeAttempt::Wrong { limit } => {
            sqlx::query::<B>(concat!(
                "UPDATE service_sessions SET wrong_codes = wrong_codes + 1, \
                 ended_us = CASE WHEN wrong_codes + 1 >= $1 THEN $2 ELSE NULL END",
                waiting!()
            ))
            .arg(i64::from(limit))
            .arg(micros(now))
            .arg(id)
            .execute(tx.ex())
            .await?;
        }
    }
    let row = sqlx::query::<B>(SESSION_BY_ID)
        .arg(id)
        .fetch_optional(tx.ex())
        .await?;
    tx.commit().await?;
    row.as_ref().map(session_of::<B>).transpose()
}

pub(super) async fn end_service<B: Backend>(
    store: &SqlStore<B>,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>(
        "UPDATE service_sessions SET ended_us = $1 WHERE id = $2 AND ended_us IS NULL",
    )
    .arg(micros(now))
    .arg(id)
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn live_consent<B: Backend>(
    store: &SqlStore<B>,
    operator: &Iin,
    citizen: &Iin,
    now: DateTime<Utc>,
) -> StoreResult<Option<ServiceSession>> {
    let mut conn = store.readers.acquire().await?;
    sqlx::query::<B>(concat!(
        session_columns!(),
        "WHERE operator_iin = $1 AND citizen_iin = $2 AND ended_us IS NULL \
         AND confirmed_us IS NOT NULL AND expires_us > $3 ORDER BY code_sent_us DESC LIMIT 1"
    ))
    .arg(operator.to_string())
    .arg(citizen.to_string())
    .arg(micros(now))
    .fetch_optional(conn.ex())
    .await?
    .as_ref()
    .map(session_of::<B>)
    .transpose()
}

pub(super) async fn record_audit<B: Backend>(
    store: &SqlStore<B>,
    line: &AuditLine,
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>(
        "INSERT INTO audit_log (at_us, operator_iin, operator_name, centre_bin, centre_name, \
         citizen_iin, what, subject) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .arg(micros(line.at))
    .arg(line.operator.iin.to_string())
    .arg(&line.operator.name)
    .arg(&line.operator.centre_bin)
    .arg(&line.operator.centre_name)
    .arg(line.citizen.to_string())
    .arg(&line.what)
    .arg(&line.subject)
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn audit<B: Backend>(
    store: &SqlStore<B>,
    scope: &AuditScope,
    limit: u32,
) -> StoreResult<Vec<AuditLine>> {
    let mut conn = store.readers.acquire().await?;
    let columns = "SELECT at_us, operator_iin, operator_name, centre_bin, centre_name, \
         citizen_iin, what, subject FROM audit_log";
    let (sql, key) = match scope {
        AuditScope::Citizen(iin) => (
            format!("{columns} WHERE citizen_iin = $1 ORDER BY at_us DESC, id DESC LIMIT $2"),
            iin.to_string(),
        ),
        AuditScope::Region(region) => (
            format!(
                "{columns} WHERE citizen_iin IN (SELECT applicant_iin FROM applications \
                 WHERE region_code = $1) ORDER BY at_us DESC, id DESC LIMIT $2"
            ),
            region.clone(),
        ),
    };
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(sql))
        .arg(key)
        .arg(i64::from(limit))
        .fetch_all(conn.ex())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditLine {
                at: time(row.get(0))?,
                operator: employee_at::<B>(row, 1)?,
                citizen: parse_iin(row.get::<&str, _>(5))?,
                what: row.get(6),
                subject: row.get(7),
            })
        })
        .collect()
}

pub(super) async fn outbox<B: Backend>(
    store: &SqlStore<B>,
    to_phone: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<OutboxLine>> {
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query::<B>(
        "SELECT id, kind, to_email, to_phone, language, subject, body, created_us, sent_us \
         FROM outbox WHERE $1 IS NULL OR to_phone = $1 ORDER BY id DESC LIMIT $2",
    )
    .arg(to_phone)
    .arg(i64::from(limit))
    .fetch_all(conn.ex())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxLine {
                id: row.get(0),
                kind: row.get(1),
                to_email: row.get(2),
                to_phone: row.get(3),
                language: row.get(4),
                subject: row.get(5),
                body: row.get(6),
                created_at: time(row.get(7))?,
                sent_at: optional_time(row.get(8))?,
            })
        })
        .collect()
}
