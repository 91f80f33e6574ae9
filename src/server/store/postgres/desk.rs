//! The ЦОН desk: service sessions (the code only as its hash), the audit log of operators'
//! reads, and the outbox as `kezek outbox list` reads it.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::PostgresStore;
use super::codec::{hash32, micros, parse_iin, time};
use super::outbox;
use crate::domain::Iin;
use crate::domain::desk::ServiceTimes;
use crate::server::notify::OutboxMessage;
use crate::server::store::{
    AuditLine, AuditScope, CodeAttempt, Employee, OutboxLine, ServiceSession, StoreResult,
};

/// The outbox kind of the desk's SMS.
const ONE_TIME_CODE: &str = "one_time_code";

const SESSION_COLUMNS: &str = "id, operator_iin, operator_name, centre_bin, centre_name, \
     citizen_iin, code_hash, code_sent_us, wrong_codes, confirmed_us, expires_us, ended_us";

fn optional_time(us: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    us.map(time).transpose()
}

fn session_of(row: &PgRow) -> StoreResult<ServiceSession> {
    Ok(ServiceSession {
        id: row.get(0),
        operator: Employee {
            iin: parse_iin(row.get::<&str, _>(1))?,
            name: row.get(2),
            centre_bin: row.get(3),
            centre_name: row.get(4),
        },
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

pub(super) async fn start_service(
    store: &PostgresStore,
    session: &ServiceSession,
    sms: &OutboxMessage,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    sqlx::query(
        "INSERT INTO service_sessions (id, operator_iin, operator_name, centre_bin, centre_name, \
         citizen_iin, code_hash, code_sent_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&session.id)
    .bind(session.operator.iin.to_string())
    .bind(&session.operator.name)
    .bind(&session.operator.centre_bin)
    .bind(&session.operator.centre_name)
    .bind(session.citizen.to_string())
    .bind(&session.code_hash[..])
    .bind(micros(session.times.code_sent_at))
    .execute(&mut *tx)
    .await?;
    outbox::enqueue(&mut tx, ONE_TIME_CODE, sms, micros(now)).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn service_session(
    store: &PostgresStore,
    id: &str,
) -> StoreResult<Option<ServiceSession>> {
    let mut conn = store.pool.acquire().await?;
    let sql = format!("SELECT {SESSION_COLUMNS} FROM service_sessions WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()
}

pub(super) async fn code_attempt(
    store: &PostgresStore,
    id: &str,
    attempt: CodeAttempt,
    now: DateTime<Utc>,
) -> StoreResult<Option<ServiceSession>> {
    let mut tx = store.pool.begin().await?;
    // Only an open session still waiting for its code takes an attempt, so two right codes
    // typed at once confirm it once and a wrong code after the consent changes nothing.
    let waiting = "WHERE id = $3 AND ended_us IS NULL AND confirmed_us IS NULL";
    match attempt {
        CodeAttempt::Right { consent_until } => {
            let sql =
                format!("UPDATE service_sessions SET confirmed_us = $1, expires_us = $2 {waiting}");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(micros(now))
                .bind(micros(consent_until))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        CodeAttempt::Wrong { limit } => {
            let sql = format!(
                "UPDATE service_sessions SET wrong_codes = wrong_codes + 1, \
                 ended_us = CASE WHEN wrong_codes + 1 >= $1 THEN $2 ELSE NULL END {waiting}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(i64::from(limit))
                .bind(micros(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    let sql = format!("SELECT {SESSION_COLUMNS} FROM service_sessions WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    row.as_ref().map(session_of).transpose()
}

pub(super) async fn end_service(
    store: &PostgresStore,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    sqlx::query("UPDATE service_sessions SET ended_us = $1 WHERE id = $2 AND ended_us IS NULL")
        .bind(micros(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn live_consent(
    store: &PostgresStore,
    operator: &Iin,
    citizen: &Iin,
    now: DateTime<Utc>,
) -> StoreResult<Option<ServiceSession>> {
    let mut conn = store.pool.acquire().await?;
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM service_sessions WHERE operator_iin = $1 AND \
         citizen_iin = $2 AND ended_us IS NULL AND confirmed_us IS NOT NULL AND expires_us > $3 \
         ORDER BY code_sent_us DESC LIMIT 1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(operator.to_string())
        .bind(citizen.to_string())
        .bind(micros(now))
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()
}

pub(super) async fn record_audit(store: &PostgresStore, line: &AuditLine) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    sqlx::query(
        "INSERT INTO audit_log (at_us, operator_iin, operator_name, centre_bin, centre_name, \
         citizen_iin, what, subject) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(micros(line.at))
    .bind(line.operator.iin.to_string())
    .bind(&line.operator.name)
    .bind(&line.operator.centre_bin)
    .bind(&line.operator.centre_name)
    .bind(line.citizen.to_string())
    .bind(&line.what)
    .bind(&line.subject)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn audit(
    store: &PostgresStore,
    scope: &AuditScope,
    limit: u32,
) -> StoreResult<Vec<AuditLine>> {
    let mut conn = store.pool.acquire().await?;
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
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditLine {
                at: time(row.get(0))?,
                operator: Employee {
                    iin: parse_iin(row.get::<&str, _>(1))?,
                    name: row.get(2),
                    centre_bin: row.get(3),
                    centre_name: row.get(4),
                },
                citizen: parse_iin(row.get::<&str, _>(5))?,
                what: row.get(6),
                subject: row.get(7),
            })
        })
        .collect()
}

pub(super) async fn outbox(
    store: &PostgresStore,
    to_phone: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<OutboxLine>> {
    let mut conn = store.pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT id, kind, to_email, to_phone, language, subject, body, created_us, sent_us \
         FROM outbox WHERE $1 IS NULL OR to_phone = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(to_phone)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
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
