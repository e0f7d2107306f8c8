//! The SQLite backend: one file, WAL, a busy timeout on every connection, write transactions
//! `BEGIN IMMEDIATE` (so writers queue instead of failing half-way), migrations embedded and
//! append-only. It only renders the statements of `queries.rs` for SQLite: a list parameter
//! becomes one placeholder per element, and no lock is needed beyond the IMMEDIATE transaction,
//! which already holds the database's write lock. No SQL of its own but the migrations table.

use super::pool::{Connection, TransactionBody};
use super::queries::Sql;
use super::sql::{self, Row, SqlTx, Value};
use crate::error::Error;
use rusqlite::TransactionBehavior;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::borrow::Cow;

const MIGRATIONS: &[(i64, &str)] = sql::migrations!("sqlite");

/// Enough for every statement of `queries.rs` to stay prepared.
const STATEMENT_CACHE: usize = 96;

pub struct SqliteConnection {
    conn: rusqlite::Connection,
}

fn db(e: rusqlite::Error) -> Error {
    Error::Internal(format!("sqlite: {e}"))
}

pub fn connect(path: &str) -> Result<SqliteConnection, Error> {
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Config(format!("无法创建数据库目录 {dir:?}: {e}")))?;
    }
    let conn = rusqlite::Connection::open(path).map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(db)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(SqliteConnection { conn })
}

pub fn migrate(c: &mut SqliteConnection) -> Result<(), Error> {
    let tx = c
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    sql::migrate(
        &mut SqliteTx(&tx),
        "sqlite",
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        MIGRATIONS,
    )?;
    tx.commit().map_err(db)
}

impl Connection for SqliteConnection {
    fn transaction(&mut self, write: bool, f: TransactionBody<'_>) -> Result<(), Error> {
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let tx = self.conn.transaction_with_behavior(behavior).map_err(db)?;
        f(&mut Sql(SqliteTx(&tx)))?;
        tx.commit().map_err(db)
    }

    fn is_broken(&self) -> bool {
        false
    }
}

struct SqliteTx<'a>(&'a rusqlite::Connection);

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Bytes(b) => ValueRef::Blob(b),
            Value::List(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "a list parameter outside `IN (?N)`".into(),
                ));
            }
        }))
    }
}

fn value(v: ValueRef<'_>) -> Result<Value<'static>, Error> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(Cow::Owned(
            String::from_utf8(t.to_vec()).map_err(|_| Error::Internal("sqlite: text not UTF-8".into()))?,
        )),
        ValueRef::Blob(b) => Value::Bytes(Cow::Owned(b.to_vec())),
        ValueRef::Real(_) => return Err(Error::Internal("sqlite: a REAL where none is stored".into())),
    })
}

/// The statement with each list parameter spread into one placeholder per element (`NULL` for
/// none) and the parameters in the order they now stand; as it is when there is no list.
fn spread_lists<'s, 'p>(
    sql: &'s str,
    params: &'p [Value<'p>],
) -> Result<(Cow<'s, str>, Cow<'p, [Value<'p>]>), Error> {
    if !params.iter().any(|p| matches!(p, Value::List(_))) {
        return Ok((Cow::Borrowed(sql), Cow::Borrowed(params)));
    }
    let mut text = String::with_capacity(sql.len());
    let mut out = Vec::with_capacity(params.len());
    sql::render(sql, |plain, index| {
        text.push_str(plain);
        let Some(i) = index else { return Ok(()) };
        match params.get(i) {
            Some(Value::List(items)) if items.is_empty() => text.push_str("NULL"),
            Some(Value::List(items)) => {
                for (k, item) in items.iter().enumerate() {
                    text.push_str(if k == 0 { "?" } else { ", ?" });
                    out.push(Value::Text(Cow::Borrowed(item)));
                }
            }
            Some(v) => {
                text.push('?');
                out.push(v.clone());
            }
            None => return Err(Error::Internal(format!("no parameter {} for {sql:?}", i + 1))),
        }
        Ok(())
    })?;
    Ok((Cow::Owned(text), Cow::Owned(out)))
}

impl SqlTx for SqliteTx<'_> {
    const FOR_UPDATE: &'static str = "";

    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, Error> {
        let (sql, params) = spread_lists(sql, params)?;
        let mut s = self.0.prepare_cached(&sql).map_err(db)?;
        let n = s.execute(rusqlite::params_from_iter(params.iter())).map_err(db)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, Error> {
        let (sql, params) = spread_lists(sql, params)?;
        let mut s = self.0.prepare_cached(&sql).map_err(db)?;
        let columns = s.column_count();
        let mut rows = s.query(rusqlite::params_from_iter(params.iter())).map_err(db)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db)? {
            let row = (0..columns)
                .map(|i| r.get_ref(i).map_err(db).and_then(value))
                .collect::<Result<_, _>>()?;
            out.push(Row(row));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.0.execute_batch(sql).map_err(db)
    }

    fn lock_key(&mut self, _key: &str) -> Result<(), Error> {
        Ok(())
    }
}
