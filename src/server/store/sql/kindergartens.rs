//! Kindergartens and their groups in SQLite (docs/domain-rules.md, «Kindergartens and groups»):
//! seeded from the bundled catalogue without overwriting what officers changed, read with how
//! each group's places are used, and changed by officers with the signed document as evidence.

use std::collections::HashMap;

use super::SqlStore;
use super::codec::{decode_json, micros, optional_time};
use super::idempotency::{check_request, remember, stored_answers};
use super::{Affected, Backend, Bind, Cells, Exec};
use crate::server::store::{
    GroupRecord, KindergartenChange, KindergartenEdit, KindergartenRecord, KindergartenRefusal,
    NewGroup, NewKindergarten, StoreError, StoreResult,
};

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("names serialise")
}

async fn insert_kindergarten<B: Backend>(
    conn: &mut B::Connection,
    kindergarten: &NewKindergarten,
    at_us: i64,
) -> StoreResult<bool> {
    let added = sqlx::query::<B>(
        "INSERT INTO kindergartens (code, region_code, settlement_code, name, address, \
             created_us) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
    )
    .arg(&kindergarten.code)
    .arg(&kindergarten.region)
    .arg(&kindergarten.settlement)
    .arg(json(&kindergarten.name))
    .arg(json(&kindergarten.address))
    .arg(at_us)
    .execute(conn.ex())
    .await?;
    for group in &kindergarten.groups {
        insert_group::<B>(conn, &kindergarten.code, group, at_us).await?;
    }
    Ok(added.rows_affected() == 1)
}

async fn insert_group<B: Backend>(
    conn: &mut B::Connection,
    kindergarten: &str,
    group: &NewGroup,
    at_us: i64,
) -> StoreResult<bool> {
    let added = sqlx::query::<B>(
        "INSERT INTO kindergarten_groups (kindergarten_code, code, age, language, capacity, \
             created_us) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (kindergarten_code, code) DO NOTHING",
    )
    .arg(kindergarten)
    .arg(group.code())
    .arg(&group.age)
    .arg(&group.language)
    .arg(i64::from(group.capacity))
    .arg(at_us)
    .execute(conn.ex())
    .await?;
    Ok(added.rows_affected() == 1)
}

pub(super) async fn seed<B: Backend>(
    store: &SqlStore<B>,
    kindergartens: &[NewKindergarten],
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    for kindergarten in kindergartens {
        insert_kindergarten::<B>(&mut tx, kindergarten, micros(now)).await?;
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

async fn usage<B: Backend>(conn: &mut B::Connection, scope: &Scope<'_>) -> StoreResult<Use> {
    let condition = scope.on_kindergartens();
    let offers = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT p.kindergarten_code, p.group_code, \
             COUNT(*) FILTER (WHERE o.status = 'enrolled'), \
             COUNT(*) FILTER (WHERE o.status IN ('awaiting', 'accepted')) \
         FROM kindergartens k JOIN free_places p ON p.kindergarten_code = k.code \
             JOIN offers o ON o.place_id = p.id \
         WHERE {condition} GROUP BY p.kindergarten_code, p.group_code"
    )))
    .arg(scope.value())
    .fetch_all(conn.ex())
    .await?;
    let mut used = Use::new();
    for row in offers {
        let entry = used.entry((row.get(0), row.get(1))).or_default();
        entry.0 = row.get::<i64, _>(2) as u32;
        entry.1 = row.get::<i64, _>(3) as u32;
    }
    let published = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT p.kindergarten_code, p.group_code, CAST(SUM(p.remaining) AS BIGINT) \
         FROM kindergartens k JOIN free_places p ON p.kindergarten_code = k.code \
         WHERE {condition} GROUP BY p.kindergarten_code, p.group_code"
    )))
    .arg(scope.value())
    .fetch_all(conn.ex())
    .await?;
    for row in published {
        used.entry((row.get(0), row.get(1))).or_default().2 = row.get::<i64, _>(2) as u32;
    }
    Ok(used)
}

async fn read<B: Backend>(
    conn: &mut B::Connection,
    scope: Scope<'_>,
) -> StoreResult<Vec<KindergartenRecord>> {
    let condition = scope.on_kindergartens();
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT k.code, k.region_code, k.settlement_code, k.name, k.address, k.closed_us \
         FROM kindergartens k WHERE {condition} ORDER BY k.code"
    )))
    .arg(scope.value())
    .fetch_all(conn.ex())
    .await?;
    let groups = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT g.kindergarten_code, g.code, g.age, g.language, g.capacity, g.closed_us \
         FROM kindergarten_groups g JOIN kindergartens k ON k.code = g.kindergarten_code \
         WHERE {condition} ORDER BY g.kindergarten_code, g.code"
    )))
    .arg(scope.value())
    .fetch_all(conn.ex())
    .await?;
    let used = usage::<B>(conn, &scope).await?;
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
                closed_at: optional_time(row.get(5))?,
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
                closed_at: optional_time(row.get(5))?,
            })
        })
        .collect()
}

pub(super) async fn of_region<B: Backend>(
    store: &SqlStore<B>,
    region: &str,
) -> StoreResult<Vec<KindergartenRecord>> {
    let mut conn = store.readers.acquire().await?;
    read::<B>(&mut conn, Scope::Region(region)).await
}

pub(super) async fn one<B: Backend>(
    store: &SqlStore<B>,
    code: &str,
) -> StoreResult<KindergartenRecord> {
    let mut conn = store.readers.acquire().await?;
    one_on::<B>(&mut conn, code).await
}

async fn one_on<B: Backend>(
    conn: &mut B::Connection,
    code: &str,
) -> StoreResult<KindergartenRecord> {
    read::<B>(conn, Scope::One(code))
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// Closes the group, or every group of the kindergarten (`group: None`), and zeroes their
/// published places that are left.
async fn close<B: Backend>(
    conn: &mut B::Connection,
    kindergarten: &str,
    group: Option<&str>,
    at_us: i64,
) -> StoreResult<()> {
    sqlx::query::<B>(
        "UPDATE kindergarten_groups SET closed_us = $1 \
         WHERE kindergarten_code = $2 AND ($3 IS NULL OR code = $3) AND closed_us IS NULL",
    )
    .arg(at_us)
    .arg(kindergarten)
    .arg(group)
    .execute(conn.ex())
    .await?;
    sqlx::query::<B>(
        "UPDATE free_places SET remaining = 0, closed_us = $1 \
         WHERE kindergarten_code = $2 AND ($3 IS NULL OR group_code = $3) AND closed_us IS NULL",
    )
    .arg(at_us)
    .arg(kindergarten)
    .arg(group)
    .execute(conn.ex())
    .await?;
    Ok(())
}

pub(super) async fn change<B: Backend>(
    store: &SqlStore<B>,
    change: KindergartenChange,
) -> StoreResult<Result<KindergartenRecord, KindergartenRefusal>> {
    let mut tx = store.begin().await?;
    if let Some(request) = &change.request {
        let answers = stored_answers::<B>(&mut tx, &[request.request_id.as_str()]).await?;
        check_request(&answers, request)?;
    }
    let at_us = micros(change.now);
    let code = change.kindergarten.as_str();
    let existing = match &change.edit {
        KindergartenEdit::Create(_) => None,
        _ => Some(one_on::<B>(&mut tx, code).await?),
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
            if !insert_kindergarten::<B>(&mut tx, new, at_us).await? {
                return Ok(Err(KindergartenRefusal::Exists));
            }
        }
        KindergartenEdit::AddGroup(new) => {
            group_code = Some(new.code());
            if !insert_group::<B>(&mut tx, code, new, at_us).await? {
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
            sqlx::query::<B>(
                "UPDATE kindergarten_groups SET capacity = $1 WHERE kindergarten_code = $2 AND code = $3",
            )
            .arg(i64::from(*capacity))
            .arg(code)
            .arg(group)
            .execute(tx.ex())
            .await?;
        }
        KindergartenEdit::Close => {
            sqlx::query::<B>("UPDATE kindergartens SET closed_us = $1 WHERE code = $2")
                .arg(at_us)
                .arg(code)
                .execute(tx.ex())
                .await?;
            close::<B>(&mut tx, code, None, at_us).await?;
        }
        KindergartenEdit::CloseGroup { group } => {
            group_code = Some(group.clone());
            let current = group_of(group).ok_or(StoreError::NotFound)?;
            if current.closed_at.is_some() {
                return Ok(Err(KindergartenRefusal::Closed));
            }
            close::<B>(&mut tx, code, Some(group), at_us).await?;
        }
    }
    sqlx::query::<B>(
        "INSERT INTO kindergarten_changes (region_code, kindergarten_code, group_code, kind, \
             officer_iin, at_us, signed_xml) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .arg(&change.region)
    .arg(code)
    .arg(group_code)
    .arg(change.edit.code())
    .arg(change.officer.to_string())
    .arg(at_us)
    .arg(&change.signed_xml)
    .execute(tx.ex())
    .await?;
    if let Some(request) = &change.request {
        let answer = serde_json::json!({ "kindergarten": code }).to_string();
        remember::<B>(&mut tx, &[(request, answer, at_us)]).await?;
    }
    let record = one_on::<B>(&mut tx, code).await?;
    tx.commit().await?;
    Ok(Ok(record))
}
