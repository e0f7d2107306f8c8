//! The PostgreSQL backend, for many stateless server processes on one database. Serialisation
//! points are row locks: a device's row (its chain head) for its pushes, and the single
//! `log_head` row for cursor allocation, always taken in that order so they cannot deadlock;
//! uploads of one blob take an advisory lock on its hash. Migrations run under an advisory lock
//! so processes starting together apply each once. It only renders the statements of
//! `queries.rs` for PostgreSQL (`$N`, `= ANY($N)` for a list) and takes those locks: no SQL of
//! its own but the migrations table and the locks.

use super::pool::{Connection, TransactionBody};
use super::queries::Sql;
use super::sql::{self, Row, SqlTx, Value};
use crate::error::Error;
use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use ::postgres::{Client, NoTls, Statement};
use std::borrow::Cow;
use std::collections::HashMap;

const MIGRATIONS: &[(i64, &str)] = sql::migrations!("postgres");

/// Any number: identifies the migration lock among this database's advisory locks.
const MIGRATION_LOCK: i64 = 0x7875_6e63_6861;

pub struct PostgresConnection {
    client: Client,
    /// Prepared statements by their text as `queries.rs` writes it.
    statements: HashMap<String, Statement>,
}

fn db(e: ::postgres::Error) -> Error {
    Error::Internal(format!("postgres: {e}"))
}

pub fn connect(url: &str) -> Result<PostgresConnection, Error> {
    let client =
        Client::connect(url, NoTls).map_err(|e| Error::Config(format!("无法连接 PostgreSQL: {e}")))?;
    Ok(PostgresConnection {
        client,
        statements: HashMap::new(),
    })
}

pub fn migrate(c: &mut PostgresConnection) -> Result<(), Error> {
    let mut tx = PgTx {
        tx: c.client.transaction().map_err(db)?,
        statements: &mut c.statements,
    };
    tx.tx
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    sql::migrate(
        &mut tx,
        "postgres",
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        MIGRATIONS,
    )?;
    tx.tx.commit().map_err(db)
}

impl Connection for PostgresConnection {
    fn transaction(&mut self, _write: bool, f: TransactionBody<'_>) -> Result<(), Error> {
        let mut pg = Sql(PgTx {
            tx: self.client.transaction().map_err(db)?,
            statements: &mut self.statements,
        });
        f(&mut pg)?;
        pg.0.tx.commit().map_err(db)
    }

    fn is_broken(&self) -> bool {
        self.client.is_closed()
    }
}

struct PgTx<'a> {
    tx: ::postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

/// Writes `v` as the parameter type PostgreSQL inferred, refusing a type it does not fit.
fn checked<T: ToSql>(
    v: T,
    ty: &Type,
    out: &mut bytes::BytesMut,
) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
    if T::accepts(ty) {
        v.to_sql(ty, out)
    } else {
        Err(format!(
            "a {} parameter where {ty} is expected",
            std::any::type_name::<T>()
        )
        .into())
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) if *ty == Type::INT4 => checked(i32::try_from(*i)?, ty, out),
            Value::Int(i) if *ty == Type::INT2 => checked(i16::try_from(*i)?, ty, out),
            Value::Int(i) => checked(*i, ty, out),
            Value::Bool(b) => checked(*b, ty, out),
            Value::Text(s) => checked(s.as_ref(), ty, out),
            Value::Bytes(b) => checked(b.as_ref(), ty, out),
            Value::List(l) => checked(l, ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn value(r: &::postgres::Row, i: usize, ty: &Type) -> Result<Value<'static>, ::postgres::Error> {
    fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> Value<'static>) -> Value<'static> {
        v.map_or(Value::Null, f)
    }
    Ok(match *ty {
        Type::INT8 => or_null(r.try_get::<_, Option<i64>>(i)?, Value::Int),
        Type::INT4 => or_null(r.try_get::<_, Option<i32>>(i)?, |v| Value::Int(v.into())),
        Type::INT2 => or_null(r.try_get::<_, Option<i16>>(i)?, |v| Value::Int(v.into())),
        Type::BOOL => or_null(r.try_get::<_, Option<bool>>(i)?, Value::Bool),
        Type::BYTEA => or_null(r.try_get::<_, Option<Vec<u8>>>(i)?, |v| {
            Value::Bytes(Cow::Owned(v))
        }),
        // What a lock function answers.
        Type::VOID => Value::Null,
        // Text, and any other type the server would read as text (a clear error if it cannot).
        _ => or_null(r.try_get::<_, Option<String>>(i)?, |v| Value::Text(Cow::Owned(v))),
    })
}

/// The statement in PostgreSQL's dialect: `$N` for `?N`, and `= ANY($N)` for `IN (?N)` where
/// parameter N is a list.
fn dialect(sql: &str, params: &[Value<'_>]) -> Result<String, Error> {
    let mut text = String::with_capacity(sql.len() + 8);
    sql::render(sql, |plain, index| {
        text.push_str(plain);
        let Some(i) = index else { return Ok(()) };
        if let Some(Value::List(_)) = params.get(i) {
            let Some(head) = text.strip_suffix("IN (") else {
                return Err(Error::Internal(format!(
                    "list parameter {} outside IN (…) in {sql:?}",
                    i + 1
                )));
            };
            text.truncate(head.len());
            text.push_str("= ANY(");
        }
        text.push_str(&format!("${}", i + 1));
        Ok(())
    })?;
    Ok(text)
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Statement, Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(&dialect(sql, params)?).map_err(db)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn refs<'v>(params: &'v [Value<'_>]) -> Vec<&'v (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl SqlTx for PgTx<'_> {
    const FOR_UPDATE: &'static str = " FOR UPDATE";

    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, Error> {
        let s = self.statement(sql, params)?;
        self.tx.execute(&s, &refs(params)).map_err(db)
    }

    fn query(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, Error> {
        let s = self.statement(sql, params)?;
        let rows = self.tx.query(&s, &refs(params)).map_err(db)?;
        rows.iter()
            .map(|r| {
                let row = (r.columns().iter().enumerate())
                    .map(|(i, c)| value(r, i, c.type_()))
                    .collect::<Result<_, _>>()
                    .map_err(db)?;
                Ok(Row(row))
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.tx.batch_execute(sql).map_err(db)
    }

    fn lock_key(&mut self, key: &str) -> Result<(), Error> {
        self.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
            &[Value::from(key)],
        )
        .map(drop)
    }
}
