//! What the shared store body (`store/sql/`) needs of a database: the [`Backend`] trait, with
//! the glue that lets generic code bind, run and decode through sqlx, and the few pieces of SQL
//! whose spelling differs between SQLite and PostgreSQL. docs/design-store.md, «One body».
//!
//! sqlx's generic API asks for a bound per type bound or decoded (`i64: Encode<'_, DB> +
//! Type<DB>`, …) and per executor (`&mut DB::Connection: Executor<'_>`), and Rust does not
//! carry such bounds from a trait to its users. So the bounds live on the values instead:
//! [`Param`], [`Column`] and [`Index`] are what both databases bind, decode and index by, and
//! the shared code calls `.arg(v)` / `.push_arg(v)`, `row.get(i)` and `conn.ex()`, which each
//! backend implements with plain sqlx calls.

use std::fmt::Display;
use std::future::Future;

use sqlx::postgres::PgRow;
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::sqlite::SqliteRow;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool};
use sqlx::{Postgres, QueryBuilder, Sqlite, Transaction, Type};

use crate::server::store::StoreResult;

/// A value both databases bind (`'t`: as long as the value borrows, as sqlx's `bind` has it).
pub trait Param<'t>:
    Encode<'t, Sqlite> + Type<Sqlite> + Encode<'t, Postgres> + Type<Postgres> + Send
{
}

impl<'t, T> Param<'t> for T where
    T: Encode<'t, Sqlite> + Type<Sqlite> + Encode<'t, Postgres> + Type<Postgres> + Send
{
}

/// A value both databases decode from a row that lives for `'r`.
pub trait Column<'r>:
    Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>
{
}

impl<'r, T> Column<'r> for T where
    T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>
{
}

/// A column's position or name, on rows of both databases.
pub trait Index: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}

impl<T: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>> Index for T {}

/// A row's cells, as `sqlx::Row` reads them (`get` panics where `sqlx::Row::get` does).
pub trait Cells {
    fn try_get<'r, T: Column<'r>, I: Index>(&'r self, index: I) -> Result<T, sqlx::Error>;

    fn get<'r, T: Column<'r>, I: Index>(&'r self, index: I) -> T {
        self.try_get(index)
            .unwrap_or_else(|e| panic!("a row's column does not decode: {e}"))
    }
}

impl Cells for SqliteRow {
    fn try_get<'r, T: Column<'r>, I: Index>(&'r self, index: I) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, index)
    }
}

impl Cells for PgRow {
    fn try_get<'r, T: Column<'r>, I: Index>(&'r self, index: I) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, index)
    }
}

/// A connection as an executor of its own database's statements.
pub trait Exec<B: Database>: Send {
    fn ex(&mut self) -> impl Executor<'_, Database = B>;
}

impl Exec<Sqlite> for sqlx::SqliteConnection {
    fn ex(&mut self) -> impl Executor<'_, Database = Sqlite> {
        self
    }
}

impl Exec<Postgres> for sqlx::PgConnection {
    fn ex(&mut self) -> impl Executor<'_, Database = Postgres> {
        self
    }
}

/// How many rows a statement changed.
pub trait Affected {
    fn rows_affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// A statement as `sqlx::query` makes it.
pub type Statement<'q, B> = Query<'q, B, <B as Database>::Arguments>;

/// A write transaction.
pub type Tx<B> = Transaction<'static, B>;

/// A database the shared store body runs on: SQLite (`store/sqlite/`) or PostgreSQL
/// (`store/postgres/`).
pub trait Backend:
    Database<Connection: Exec<Self>, Row: Cells, QueryResult: Affected, Arguments: IntoArguments<Self>>
{
    /// Binds `value` to the statement's next parameter.
    fn bind<'q, 't, T: Param<'t>>(query: Statement<'q, Self>, value: T) -> Statement<'q, Self>;

    /// Pushes a parameter bound to `value`.
    fn push_bind<'t, T: Param<'t>>(builder: &mut QueryBuilder<Self>, value: T);

    /// Pushes a parameter bound to `value`, after the separator.
    fn push_bind_separated<'t, T: Param<'t>, S: Display>(
        list: &mut Separated<'_, Self, S>,
        value: T,
    );

    /// A transaction that holds the database's write lock from its first statement: writes of
    /// every process on the database run one at a time.
    fn begin_write(pool: &Pool<Self>) -> impl Future<Output = StoreResult<Tx<Self>>> + Send;

    /// A transaction for a write whose statements decide by themselves under their rows' locks
    /// (nonces, sessions, users, the desk, delivery): PostgreSQL takes no write lock for it.
    fn begin_own(pool: &Pool<Self>) -> impl Future<Output = StoreResult<Tx<Self>>> + Send;

    /// A read-only transaction whose statements all see one snapshot.
    fn begin_snapshot(pool: &Pool<Self>) -> impl Future<Output = StoreResult<Tx<Self>>> + Send;

    /// Whether `error` violates the unique index `index` (PostgreSQL names it), on `columns`
    /// (SQLite's message names those).
    fn is_unique_violation(error: &sqlx::Error, index: &str, columns: &str) -> bool;

    /// A true boolean as the schema stores it, so that `queued = {TRUE}` matches the partial
    /// indexes' own predicates (`queued = 1` on SQLite; PostgreSQL's `= TRUE` is `queued`).
    const TRUE: &'static str;

    /// The length of a BLOB / BYTEA in bytes.
    const BYTE_LENGTH: &'static str;

    /// The smaller of two values (a scalar function).
    const LEAST: &'static str;

    /// A JSON text field at a path of keys inside the JSON text `column`.
    fn json_text(column: &str, path: &[&str]) -> String;

    /// A subquery that gives the rows of `FROM {from}` (a table and its condition) as one JSON
    /// array (text) of arrays of `columns`, in `order`; `[]` when there are none.
    fn json_rows(columns: &str, from: &str, order: &str) -> String;
}

/// The binding methods of a [`Backend`] impl: each database's own sqlx calls, the same words
/// on both (sqlx's bounds are per database, so a generic body cannot call them).
macro_rules! sqlx_binds {
    () => {
        fn bind<'q, 't, T: $crate::server::store::sql::backend::Param<'t>>(
            query: $crate::server::store::sql::backend::Statement<'q, Self>,
            value: T,
        ) -> $crate::server::store::sql::backend::Statement<'q, Self> {
            query.bind(value)
        }

        fn push_bind<'t, T: $crate::server::store::sql::backend::Param<'t>>(
            builder: &mut sqlx::QueryBuilder<Self>,
            value: T,
        ) {
            builder.push_bind(value);
        }

        fn push_bind_separated<
            't,
            T: $crate::server::store::sql::backend::Param<'t>,
            S: std::fmt::Display,
        >(
            list: &mut sqlx::query_builder::Separated<'_, Self, S>,
            value: T,
        ) {
            list.push_bind(value);
        }
    };
}
pub(crate) use sqlx_binds;

/// `.arg(v)`: a statement's next parameter, on any backend.
pub trait Bind {
    fn arg<'t, T: Param<'t>>(self, value: T) -> Self;
}

impl<B: Backend> Bind for Statement<'_, B> {
    fn arg<'t, T: Param<'t>>(self, value: T) -> Self {
        B::bind(self, value)
    }
}

/// `.push_arg(v)`: a bound parameter pushed into a statement being built, on any backend.
pub trait PushBind {
    fn push_arg<'t, T: Param<'t>>(&mut self, value: T) -> &mut Self;
}

impl<B: Backend> PushBind for QueryBuilder<B> {
    fn push_arg<'t, T: Param<'t>>(&mut self, value: T) -> &mut Self {
        B::push_bind(self, value);
        self
    }
}

impl<B: Backend, S: Display> PushBind for Separated<'_, B, S> {
    fn push_arg<'t, T: Param<'t>>(&mut self, value: T) -> &mut Self {
        B::push_bind_separated(self, value);
        self
    }
}

/// A row read as a tuple (`sqlx::query_as` on any backend).
pub trait Decoded: Sized {
    fn decode<R: Cells>(row: &R) -> Result<Self, sqlx::Error>;
}

impl<A: for<'r> Column<'r>, C: for<'r> Column<'r>> Decoded for (A, C) {
    fn decode<R: Cells>(row: &R) -> Result<Self, sqlx::Error> {
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

impl<A: for<'r> Column<'r>, C: for<'r> Column<'r>, D: for<'r> Column<'r>> Decoded for (A, C, D) {
    fn decode<R: Cells>(row: &R) -> Result<Self, sqlx::Error> {
        Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
    }
}

impl<A, C, D, E> Decoded for (A, C, D, E)
where
    A: for<'r> Column<'r>,
    C: for<'r> Column<'r>,
    D: for<'r> Column<'r>,
    E: for<'r> Column<'r>,
{
    fn decode<R: Cells>(row: &R) -> Result<Self, sqlx::Error> {
        Ok((
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        ))
    }
}

/// Every row as a tuple.
pub fn decoded<T: Decoded, R: Cells>(rows: &[R]) -> Result<Vec<T>, sqlx::Error> {
    rows.iter().map(T::decode).collect()
}
