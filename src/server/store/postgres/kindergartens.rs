//! Kindergartens and their groups in SQLite (docs/domain-rules.md, «Kindergartens and groups»):
//! seeded from the bundled catalogue without overwriting what officers changed, read with how
//! each group's places are used, and changed by officers with the signed document as evidence.

use std::collections::HashMap;

use sqlx::{PgConnection, Row};

use super::PostgresStore;
use super::codec::{decode_json, micros, time};
use super::idempotency::{check_request, remember, stored_answers};
use crate::server::store::{
    GroupRecord, KindergartenChange, KindergartenEdit, KindergartenRecord, KindergartenRefusal,
    NewGroup, NewKindergarten, StoreError, StoreResult,
};

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("names serialise")
}

async fn insert_kindergarten(
    conn: &mut PgConnection,
    kindergarten: &NewKindergarten,
    at_us: i64,
) -> StoreResult<bool> {
    let added = sqlx::query(
        "INSERT INTO kindergartens (code, region_code, settlement_code, name, address, \
             created_us) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
    )
    .bind(&kindergarten.code)
    .bind(&kindergarten.region)
    .bind(&kindergarten.settlement)
    .bind(json(&kindergarten.name))
    .bind(json(&kindergarten.address))
    .bind(at_us)
    .execute(&mut *conn)
    .await?;
    for group in &kindergarten.groups {
        insert_group(conn, &kindergarten.code, group, at_us).await?;
    }
    Ok(added.rows_affected() == 1)
}

async fn insert_group(
    conn: &mut PgConnection,
    kindergarten: &str,
    group: &NewGroup,
    at_us: i64,
) -> StoreResult<bool> {
    let added = sqlx::query(
        "INSERT INTO kindergarten_groups (kindergarten_code, code, age, language, capacity, \
             created_us) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (kindergarten_code, code) DO NOTHING",
    )
    .bind(kindergarten)
    .bind(group.code())
    .bind(&group.age)
    .bind(&group.language)
    .bind(i64::from(group.capacity))
    .bind(at_us)
    .execute(&mut *conn)
    .await?;
    Ok(added.rows_affected() == 1)
}

pub(super) async fn seed(
    store: &PostgresStore,
    kindergartens: &[NewKindergarten],
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    for kindergarten in kindergartens {
        insert_kindergarten(&mut tx, kindergarten, micros(now)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Where the kindergartens read are: a region, or one kindergarten.
enum Scope<'a> {
    Region(&'a str),
    One(&'a str),
}

impl Scope<'_> {
    fn value(&self) -> &str {
        match self {
            Scope::Region(code) | Scope::One(code) => code,
        }
    }

    /// The condition on a table's kindergarten column (`k` the kindergartens table).
    fn on_kindergartens(&self) -> &'static str {
        match self {
            Scope::Region(_) => "k.region_code = $1",
            Scope::One(_) => "k.code = $1",
        }
    }
}

/// Per group: (enrolled, holding an offer or a direction, published and not yet taken).
type Use = HashMap<(String, String), (u32, u32, u32)>;

async fn usage(conn: &mut PgConnection, scope: &Scope<'_>) -> StoreResult<Use> {
    let condition = scope.on_kindergartens();
    let offers = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.kindergarten_code, p.group_code, \
             COUNT(*) FILTER (WHERE o.status = 'enrolled'), \
             COUNT(*) FILTER (WHERE o.status IN ('awaiting', 'accepted')) \
         FROM kindergartens k JOIN free_places p ON p.kindergarten_code = k.code \
             JOIN offers o ON o.place_id = p.id \
         WHERE {condition} GROUP BY p.kindergarten_code, p.group_code"
    )))
    .bind(scope.value())
    .fetch_all(&mut *conn)
    .await?;
    let mut used = Use::new();
    for row in offers {
        let entry = used.entry((row.get(0), row.get(1))).or_default();
        entry.0 = row.get::<i64, _>(2) as u32;
        entry.1 = row.get::<i64, _>(3) as u32;
    }
    let published = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.kindergarten_code, p.group_code, SUM(p.remaining)::BIGINT \
         FROM kindergartens k JOIN free_places p ON p.kindergarten_code = k.code \
         WHERE {condition} GROUP BY p.kindergarten_code, p.group_code"
    )))
    .bind(scope.value())
    .fetch_all(&mut *conn)
    .await?;
    for row in published {
        used.entry((row.get(0), row.get(1))).or_default().2 = row.get::<i64, _>(2) as u32;
    }
    Ok(used)
}

async fn read(conn: &mut PgConnection, scope: Scope<'_>) -> StoreResult<Vec<KindergartenRecord>> {
    let condition = scope.on_kindergartens();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT k.code, k.region_code, k.settlement_code, k.name, k.address, k.closed_us \
         FROM kindergartens k WHERE {condition} ORDER BY k.code"
    )))
    .bind(scope.value())
    .fetch_all(&mut *conn)
    .await?;
    let groups = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT g.kindergarten_code, g.code, g.age, g.language, g.capacity, g.closed_us \
         FROM kindergarten_groups g JOIN kindergartens k ON k.code = g.kindergarten_code \
         WHERE {condition} ORDER BY g.kindergarten_code, g.code"
    )))
    .bind(scope.value())
    .fetch_all(&mut *conn)
    .await?;
    let used = usage(conn, &scope).await?;
    let mut by_kindergarten: HashMap<String, Vec<GroupRecord>> = HashMap::new();
    for row in groups {
        let kindergarten: String = row.get(0);
        let code: String = row.get(1);
        let (enrolled, offered, published) = used
            .get(&(kindergarten.clone(), code.clone()))
            .copied()
            .unwrap_or_default();
        by_kindergarten
            .entry(kindergarten)
            .or_default()
            .push(GroupRecord {
                code,
                age: row.get(2),
                language: row.get(3),
                capacity: row.get::<i64, _>(4) as u32,
                enrolled,
                offered,
                published,
                closed_at: row.get::<Option<i64>, _>(5).map(time).transpose()?,
            });
    }
    rows.iter()
        .map(|row| {
            let code: String = row.get(0);
            Ok(KindergartenRecord {
                groups: by_kindergarten.remove(&code).unwrap_or_default(),
                code,
                region: row.get(1),
                settlement: row.get(2),
                name: decode_json(row.get::<&str, _>(3))?,
                address: decode_json(row.get::<&str, _>(4))?,
                closed_at: row.get::<Option<i64>, _>(5).map(time).transpose()?,
            })
        })
        .collect()
}

pub(super) async fn of_region(
    store: &PostgresStore,
    region: &str,
) -> StoreResult<Vec<KindergartenRecord>> {
    let mut conn = store.pool.acquire().await?;
    read(&mut conn, Scope::Region(region)).await
}

pub(super) async fn one(store: &PostgresStore, code: &str) -> StoreResult<KindergartenRecord> {
    let mut conn = store.pool.acquire().await?;
    one_on(&mut conn, code).await
}

async fn one_on(conn: &mut PgConnection, code: &str) -> StoreResult<KindergartenRecord> {
    read(conn, Scope::One(code))
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// Closes the group, or every group of the kindergarten (`group: None`), and zeroes their
/// published places that are left.
async fn close(
    conn: &mut PgConnection,
    kindergarten: &str,
    group: Option<&str>,
    at_us: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE kindergarten_groups SET closed_us = $1 \
         WHERE kindergarten_code = $2 AND ($3 IS NULL OR code = $3) AND closed_us IS NULL",
    )
    .bind(at_us)
    .bind(kindergarten)
    .bind(group)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE free_places SET remaining = 0, closed_us = $1 \
         WHERE kindergarten_code = $2 AND ($3 IS NULL OR group_code = $3) AND closed_us IS NULL",
    )
    .bind(at_us)
    .bind(kindergarten)
    .bind(group)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn change(
    store: &PostgresStore,
    change: KindergartenChange,
) -> StoreResult<Result<KindergartenRecord, KindergartenRefusal>> {
    let mut tx = store.begin().await?;
    if let Some(request) = &change.request {
        let answers = stored_answers(&mut tx, &[request.request_id.as_str()]).await?;
        check_request(&answers, request)?;
    }
    let at_us = micros(change.now);
    let code = change.kindergarten.as_str();
    let existing = match &change.edit {
        KindergartenEdit::Create(_) => None,
        _ => Some(one_on(&mut tx, code).await?),
    };
    if let Some(kindergarten) = &existing
        && (kindergarten.region != change.region || kindergarten.closed_at.is_some())
    {
        // Another region's kindergarten is not the officer's to see, let alone change.
        return if kindergarten.region != change.region {
            Err(StoreError::NotFound)
        } else {
            Ok(Err(KindergartenRefusal::Closed))
        };
    }
    let group_of = |code: &str| {
        existing
            .as_ref()
            .and_then(|k| k.groups.iter().find(|g| g.code == code))
            .cloned()
    };
    let mut group_code = None;
    match &change.edit {
        KindergartenEdit::Create(new) => {
            if !insert_kindergarten(&mut tx, new, at_us).await? {
                return Ok(Err(KindergartenRefusal::Exists));
            }
        }
        KindergartenEdit::AddGroup(new) => {
            group_code = Some(new.code());
            if !insert_group(&mut tx, code, new, at_us).await? {
                return Ok(Err(KindergartenRefusal::Exists));
            }
        }
        KindergartenEdit::SetCapacity { group, capacity } => {
            group_code = Some(group.clone());
            let current = group_of(group).ok_or(StoreError::NotFound)?;
            if current.closed_at.is_some() {
                return Ok(Err(KindergartenRefusal::Closed));
            }
            if *capacity < current.enrolled + current.offered {
                return Ok(Err(KindergartenRefusal::BelowUse));
            }
            sqlx::query(
                "UPDATE kindergarten_groups SET capacity = $1 WHERE kindergarten_code = $2 AND code = $3",
            )
            .bind(i64::from(*capacity))
            .bind(code)
            .bind(group)
            .execute(&mut *tx)
            .await?;
        }
        KindergartenEdit::Close => {
            sqlx::query("UPDATE kindergartens SET closed_us = $1 WHERE code = $2")
                .bind(at_us)
                .bind(code)
                .execute(&mut *tx)
                .await?;
            close(&mut tx, code, None, at_us).await?;
        }
        KindergartenEdit::CloseGroup { group } => {
            group_code = Some(group.clone());
            let current = group_of(group).ok_or(StoreError::NotFound)?;
            if current.closed_at.is_some() {
                return Ok(Err(KindergartenRefusal::Closed));
            }
            close(&mut tx, code, Some(group), at_us).await?;
        }
    }
    sqlx::query(
        "INSERT INTO kindergarten_changes (region_code, kindergarten_code, group_code, kind, \
             officer_iin, at_us, signed_xml) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&change.region)
    .bind(code)
    .bind(group_code)
    .bind(change.edit.code())
    .bind(change.officer.to_string())
    .bind(at_us)
    .bind(&change.signed_xml)
    .execute(&mut *tx)
    .await?;
    if let Some(request) = &change.request {
        let answer = serde_json::json!({ "kindergarten": code }).to_string();
        remember(&mut tx, &[(request, answer, at_us)]).await?;
    }
    let record = one_on(&mut tx, code).await?;
    tx.commit().await?;
    Ok(Ok(record))
}
