//! What the SQL shared by both backends needs of a backend, as one small trait: run a
//! statement, bind a value, read a column. [`Backend`] is implemented once, for every sqlx
//! database whose types fit (SQLite and PostgreSQL); the shared SQL is plain generic code
//! over it (`queries.rs`, `copy.rs`), and each backend's own module adds its
//! [`crate::Dialect`] (error codes, row counts).

use async_trait::async_trait;
use sqlx::{Database, QueryBuilder};

use crate::rows::{Sink, Source};
use crate::{Dialect, Result};

pub(crate) type Query<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments>;

/// A value to bind: the three kinds of column both backends store.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::Text(v.as_deref())
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}

impl From<Option<bool>> for Value<'_> {
    fn from(v: Option<bool>) -> Self {
        Value::Bool(v)
    }
}

/// A backend as the shared SQL sees it.
#[async_trait]
pub(crate) trait Backend: Database + Dialect {
    fn bind<'q>(q: Query<'q, Self>, v: Value<'_>) -> Query<'q, Self>;
    fn push_bind(qb: &mut QueryBuilder<Self>, v: Value<'_>);
    /// Runs a statement; the number of rows it changed.
    async fn execute(conn: &mut Self::Connection, q: Query<'_, Self>) -> Result<u64>;
    async fn fetch_all(conn: &mut Self::Connection, q: Query<'_, Self>) -> Result<Vec<Self::Row>>;
    async fn fetch_optional(
        conn: &mut Self::Connection,
        q: Query<'_, Self>,
    ) -> Result<Option<Self::Row>>;
    fn text(row: &Self::Row, i: usize) -> Result<Option<&str>>;
    fn int(row: &Self::Row, i: usize) -> Result<Option<i64>>;
    fn bool(row: &Self::Row, i: usize) -> Result<Option<bool>>;
}

#[async_trait]
impl<DB> Backend for DB
where
    DB: Database + Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    <DB as Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'t> Option<&'t str>: sqlx::Encode<'t, DB> + sqlx::Decode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<i64>: sqlx::Encode<'t, DB> + sqlx::Decode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<bool>: sqlx::Encode<'t, DB> + sqlx::Decode<'t, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    fn bind<'q>(q: Query<'q, DB>, v: Value<'_>) -> Query<'q, DB> {
        match v {
            Value::Text(v) => q.bind(v),
            Value::Int(v) => q.bind(v),
            Value::Bool(v) => q.bind(v),
        }
    }

    fn push_bind(qb: &mut QueryBuilder<DB>, v: Value<'_>) {
        match v {
            Value::Text(v) => qb.push_bind(v),
            Value::Int(v) => qb.push_bind(v),
            Value::Bool(v) => qb.push_bind(v),
        };
    }

    async fn execute(conn: &mut DB::Connection, q: Query<'_, DB>) -> Result<u64> {
        let done = q.execute(conn).await?;
        Ok(DB::rows_affected(&done))
    }

    async fn fetch_all(conn: &mut DB::Connection, q: Query<'_, DB>) -> Result<Vec<DB::Row>> {
        Ok(q.fetch_all(conn).await?)
    }

    async fn fetch_optional(
        conn: &mut DB::Connection,
        q: Query<'_, DB>,
    ) -> Result<Option<DB::Row>> {
        Ok(q.fetch_optional(conn).await?)
    }

    fn text(row: &DB::Row, i: usize) -> Result<Option<&str>> {
        Ok(sqlx::Row::try_get(row, i)?)
    }

    fn int(row: &DB::Row, i: usize) -> Result<Option<i64>> {
        Ok(sqlx::Row::try_get(row, i)?)
    }

    fn bool(row: &DB::Row, i: usize) -> Result<Option<bool>> {
        Ok(sqlx::Row::try_get(row, i)?)
    }
}

/// Binds values to a statement in order: `bind(sqlx::query(…)).to(a).to(b)`.
pub(crate) struct Binder<'q, DB: Backend>(Query<'q, DB>);

pub(crate) fn bind<DB: Backend>(q: Query<'_, DB>) -> Binder<'_, DB> {
    Binder(q)
}

impl<'q, DB: Backend> Binder<'q, DB> {
    pub(crate) fn to<'v>(self, v: impl Into<Value<'v>>) -> Self {
        Binder(DB::bind(self.0, v.into()))
    }
    pub(crate) async fn execute(self, conn: &mut DB::Connection) -> Result<u64> {
        DB::execute(conn, self.0).await
    }
    pub(crate) async fn fetch_all(self, conn: &mut DB::Connection) -> Result<Vec<DB::Row>> {
        DB::fetch_all(conn, self.0).await
    }
    pub(crate) async fn fetch_optional(self, conn: &mut DB::Connection) -> Result<Option<DB::Row>> {
        DB::fetch_optional(conn, self.0).await
    }
}

/// A record's columns bound in its codec's order.
impl<DB: Backend> Sink for Option<Binder<'_, DB>> {
    fn text(&mut self, v: &str) {
        *self = self.take().map(|b| b.to(v));
    }
    fn opt_text(&mut self, v: Option<&str>) {
        *self = self.take().map(|b| b.to(v));
    }
    fn int(&mut self, v: Option<i64>) {
        *self = self.take().map(|b| b.to(v));
    }
    fn bool(&mut self, v: bool) {
        *self = self.take().map(|b| b.to(v));
    }
}

/// A row's columns, read in a codec's order (the record's columns first).
pub(crate) struct Cols<'r, DB: Backend> {
    row: &'r DB::Row,
    at: usize,
}

impl<'r, DB: Backend> Cols<'r, DB> {
    pub(crate) fn new(row: &'r DB::Row) -> Self {
        Cols { row, at: 0 }
    }
}

impl<'r, DB: Backend> Source<'r> for Cols<'r, DB> {
    fn opt_text(&mut self) -> Result<Option<&'r str>> {
        self.at += 1;
        DB::text(self.row, self.at - 1)
    }
    fn int(&mut self) -> Result<Option<i64>> {
        self.at += 1;
        DB::int(self.row, self.at - 1)
    }
    fn bool(&mut self) -> Result<bool> {
        self.at += 1;
        DB::bool(self.row, self.at - 1)?
            .ok_or_else(|| crate::StoreError::Corrupt("a required stored value is empty".into()))
    }
}
