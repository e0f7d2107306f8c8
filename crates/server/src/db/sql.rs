//! The seam between the one implementation of `Storage` (`queries.rs`) and the two backends: a
//! transaction that runs a statement with `Value` parameters and answers `Row`s, and the
//! migrations both backends apply the same way. Statements are written once, with `?N`
//! placeholders and `IN (?N)` where `?N` is a list; a backend only renders them in its dialect
//! (`$N`, `= ANY($N)`, one placeholder per element) and adds the locks it needs. No SQL of a
//! query lives here, and no backend may change what a statement means.

use crate::error::Error;
use std::borrow::Cow;

/// A statement's parameter, or a value read from a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    /// A boolean column: `BOOLEAN` on PostgreSQL, 0 or 1 on SQLite.
    Bool(bool),
    Text(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    /// Texts for `IN (?N)`; a parameter only.
    List(Vec<String>),
}

impl Value<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "a list",
        }
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}
impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Cow::Owned(v))
    }
}
impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Bytes(Cow::Borrowed(v))
    }
}
impl<'a> From<&'a [u8; 32]> for Value<'a> {
    fn from(v: &'a [u8; 32]) -> Self {
        Value::Bytes(Cow::Borrowed(v))
    }
}
impl From<Vec<String>> for Value<'_> {
    fn from(v: Vec<String>) -> Self {
        Value::List(v)
    }
}
impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// `&[Value]` from anything that converts into one.
macro_rules! params {
    ($($v:expr),* $(,)?) => {
        &[$($crate::db::sql::Value::from($v)),*]
    };
}
pub(crate) use params;

/// A value of a row read as a Rust type; `None` when the column holds another kind.
pub trait FromValue: Sized {
    fn from_value(v: &Value<'_>) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone().into_owned()),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Bytes(b) => Some(b.clone().into_owned()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result, its columns by index in the order the statement names them.
#[derive(Debug)]
pub struct Row(pub Vec<Value<'static>>);

impl Row {
    fn column(&self, i: usize) -> Result<&Value<'static>, Error> {
        self.0
            .get(i)
            .ok_or_else(|| Error::Internal(format!("the database answered no column {i}")))
    }

    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, Error> {
        let v = self.column(i)?;
        T::from_value(v).ok_or_else(|| {
            Error::Internal(format!(
                "column {i} holds {} where {} was expected",
                v.kind(),
                std::any::type_name::<T>()
            ))
        })
    }

    /// A text column parsed (an id, a hash).
    pub fn parse<T: std::str::FromStr>(&self, i: usize) -> Result<T, Error> {
        match self.column(i)? {
            Value::Text(s) => super::parse_id(s),
            v => Err(Error::Internal(format!(
                "column {i} holds {} where text was expected",
                v.kind()
            ))),
        }
    }

    /// A text column that may be NULL, parsed.
    pub fn parse_opt<T: std::str::FromStr>(&self, i: usize) -> Result<Option<T>, Error> {
        match self.column(i)? {
            Value::Null => Ok(None),
            _ => self.parse(i).map(Some),
        }
    }
}

/// One open transaction of a backend.
pub trait SqlTx {
    /// What a `SELECT` appends to lock the rows it reads until the transaction ends: `FOR UPDATE`
    /// where writers run side by side, nothing where the transaction holds the whole database.
    const FOR_UPDATE: &'static str;
    /// The number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, Error>;
    fn query(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, Error>;
    /// Statements without parameters, one after the other (a migration).
    fn batch(&mut self, sql: &str) -> Result<(), Error>;
    /// Serialises the transactions that name `key` until this one ends.
    fn lock_key(&mut self, key: &str) -> Result<(), Error>;

    fn query_first(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Option<Row>, Error> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Where `IN (?N)` and `?N` stand in a statement, so a backend can render them: calls `emit` with
/// each piece of plain SQL and each placeholder's parameter index (from 0). Every `?` is a
/// placeholder: a statement may not use one otherwise (PostgreSQL's JSON `?` operators).
pub fn render(
    sql: &str,
    mut emit: impl FnMut(&str, Option<usize>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut rest = sql;
    while let Some(at) = rest.find('?') {
        emit(&rest[..at], None)?;
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        let n: usize = rest[at + 1..at + 1 + digits]
            .parse()
            .map_err(|_| Error::Internal(format!("a placeholder without a number in {sql:?}")))?;
        let index = n
            .checked_sub(1)
            .ok_or_else(|| Error::Internal(format!("placeholder ?0 in {sql:?}")))?;
        emit("", Some(index))?;
        rest = &rest[at + 1 + digits..];
    }
    emit(rest, None)
}

/// Every migration, oldest first, from one backend's folder (the two folders hold the same files,
/// in each backend's types), or from `both` where one text serves both backends.
macro_rules! migrations {
    ($backend:literal) => {
        &[
            (
                1,
                include_str!(concat!("../../migrations/", $backend, "/0001_initial.sql")),
            ),
            (
                2,
                include_str!(concat!(
                    "../../migrations/",
                    $backend,
                    "/0002_token_expiry_and_enrol_challenges.sql"
                )),
            ),
            (
                3,
                include_str!(concat!(
                    "../../migrations/",
                    $backend,
                    "/0003_blob_holders_and_device_uploads.sql"
                )),
            ),
            (
                4,
                include_str!(concat!(
                    "../../migrations/",
                    $backend,
                    "/0004_previous_device_token.sql"
                )),
            ),
            (
                5,
                include_str!(concat!(
                    "../../migrations/",
                    $backend,
                    "/0005_record_time_and_status.sql"
                )),
            ),
            (
                6,
                include_str!(concat!(
                    "../../migrations/",
                    $backend,
                    "/0006_user_active_from.sql"
                )),
            ),
            (7, include_str!("../../migrations/both/0007_record_facts.sql")),
        ]
    };
}
pub(crate) use migrations;

/// Applies the migrations `tx` has not seen yet, in order, recording each. The caller holds the
/// lock that keeps processes starting together from applying one twice.
pub fn migrate(
    tx: &mut impl SqlTx,
    backend: &'static str,
    migrations_table: &str,
    migrations: &[(i64, &str)],
) -> Result<(), Error> {
    tx.batch(migrations_table)?;
    for (version, sql) in migrations {
        let done = tx
            .query_first(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                params![*version],
            )?
            .map(|r| r.get::<bool>(0))
            .transpose()?
            .unwrap_or(false);
        if !done {
            tx.batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![*version, crate::now_ms()],
            )?;
            tracing::info!(version, backend, "migration applied");
        }
    }
    Ok(())
}
