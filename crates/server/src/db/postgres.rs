//! Over 500 lines: one implementation of the whole storage trait; issue 12 writes each query once for both backends.
//! The PostgreSQL backend, for many stateless server processes on one database. Serialisation
//! points are row locks: a device's row (its chain head) for its pushes, and the single
//! `log_head` row for cursor allocation, always taken in that order so they cannot deadlock.
//! Migrations run under an advisory lock so processes starting together apply each once.
//! SQL only: no rules here.

use super::pool::Connection;
use super::*;
use ::postgres::types::ToSql;
use ::postgres::{Client, NoTls, Row, Statement};
use std::collections::HashMap;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_initial.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_token_expiry_and_enrol_challenges.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_blob_holders_and_device_uploads.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_previous_device_token.sql"),
    ),
    (
        5,
        include_str!("../../migrations/postgres/0005_record_time_and_status.sql"),
    ),
    (
        6,
        include_str!("../../migrations/postgres/0006_user_active_from.sql"),
    ),
];

/// Any number: identifies the migration lock among this database's advisory locks.
const MIGRATION_LOCK: i64 = 0x7875_6e63_6861;

pub struct PostgresConnection {
    client: Client,
    statements: HashMap<&'static str, Statement>,
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
    let client = &mut c.client;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    let result = (|| -> Result<(), Error> {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .map_err(db)?;
        for (version, sql) in MIGRATIONS {
            let mut tx = client.transaction().map_err(db)?;
            let done: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                    &[version],
                )
                .map_err(db)?
                .get(0);
            if !done {
                tx.batch_execute(sql).map_err(db)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[version, &crate::now_ms()],
                )
                .map_err(db)?;
                tracing::info!(version, "postgres migration applied");
            }
            tx.commit().map_err(db)?;
        }
        Ok(())
    })();
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    result
}

impl Connection for PostgresConnection {
    fn transaction(
        &mut self,
        _write: bool,
        f: &mut dyn FnMut(&mut dyn Storage) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let tx = self.client.transaction().map_err(db)?;
        let mut pg = PgTx {
            tx,
            statements: &mut self.statements,
        };
        f(&mut pg)?;
        pg.tx.commit().map_err(db)
    }

    fn is_broken(&self) -> bool {
        self.client.is_closed()
    }
}

struct PgTx<'a> {
    tx: ::postgres::Transaction<'a>,
    statements: &'a mut HashMap<&'static str, Statement>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl PgTx<'_> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement, Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(db)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
    fn query(&mut self, sql: &'static str, p: Params<'_>) -> Result<Vec<Row>, Error> {
        let s = self.statement(sql)?;
        self.tx.query(&s, p).map_err(db)
    }
    fn query_opt(&mut self, sql: &'static str, p: Params<'_>) -> Result<Option<Row>, Error> {
        let s = self.statement(sql)?;
        self.tx.query_opt(&s, p).map_err(db)
    }
    fn execute(&mut self, sql: &'static str, p: Params<'_>) -> Result<u64, Error> {
        let s = self.statement(sql)?;
        self.tx.execute(&s, p).map_err(db)
    }
}

fn to_unit(r: &Row) -> Result<xuncha_domain::people::Unit, Error> {
    let kind: String = r.get(2);
    let parent: Option<String> = r.get(3);
    Ok(xuncha_domain::people::Unit {
        id: parse_id(r.get::<_, &str>(0))?,
        name: r.get(1),
        kind: serde_json::from_value(serde_json::Value::String(kind))
            .map_err(|e| Error::Internal(format!("unit kind: {e}")))?,
        parent: parent.as_deref().map(parse_id).transpose()?,
        code: r.get(4),
    })
}

fn to_user_row(r: &Row) -> Result<UserRow, Error> {
    Ok(UserRow {
        user: User {
            id: parse_id(r.get::<_, &str>(0))?,
            login: r.get(1),
            name: r.get(2),
            unit: parse_id(r.get::<_, &str>(3))?,
            roles: roles_from_json(r.get::<_, &str>(4))?,
            active_from: r.get::<_, Option<i64>>(7).map(UnixMs),
        },
        password_hash: r.get(5),
        disabled: r.get(6),
    })
}

fn to_device(r: &Row) -> Result<DeviceRow, Error> {
    let user: Option<String> = r.get(1);
    Ok(DeviceRow {
        id: parse_id(r.get::<_, &str>(0))?,
        user: user.as_deref().map(parse_id).transpose()?,
        name: r.get(2),
        public_key: public_key(r.get::<_, &str>(3))?,
        enrolled_at: r.get(4),
        revoked_at: r.get(5),
        head: parse_head(r.get(6), r.get(7))?,
    })
}

fn to_stored(r: &Row) -> Result<StoredEvent, Error> {
    Ok(StoredEvent {
        cursor: r.get(0),
        id: parse_id(r.get::<_, &str>(1))?,
        device: parse_id(r.get::<_, &str>(2))?,
        seq: u64::try_from(r.get::<_, i64>(3)).map_err(|_| Error::Internal("negative seq".into()))?,
        hash: parse_id(r.get::<_, &str>(4))?,
        flag: flag_of(r.get(5), r.get(6)),
    })
}

fn to_agg(r: &Row) -> Result<AggregateRow, Error> {
    let unit: Option<String> = r.get(2);
    let owner: Option<String> = r.get(3);
    Ok(AggregateRow {
        aggregate: AggregateRef {
            kind: kind_from_name(r.get::<_, &str>(0))?,
            id: parse_id(r.get::<_, &str>(1))?,
        },
        unit: unit.as_deref().map(parse_id).transpose()?,
        owner: owner.as_deref().map(parse_id).transpose()?,
        state: r.get(4),
        last: (
            r.get(5),
            u32::try_from(r.get::<_, i64>(6)).map_err(|_| Error::Internal("hlc counter".into()))?,
            parse_id(r.get::<_, &str>(7))?,
            parse_id(r.get::<_, &str>(8))?,
        ),
        record_ms: r.get(9),
        status: r.get(10),
    })
}

fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

impl Storage for PgTx<'_> {
    fn unit_upsert(&mut self, u: &xuncha_domain::people::Unit) -> Result<(), Error> {
        let kind = serde_json::to_value(u.kind).map_err(|e| Error::Internal(e.to_string()))?;
        self.execute(
            "INSERT INTO units (id, name, kind, parent, code) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             parent = excluded.parent, code = excluded.code",
            &[
                &u.id.to_string(),
                &u.name,
                &kind.as_str().unwrap_or_default(),
                &u.parent.map(|p| p.to_string()),
                &u.code,
            ],
        )?;
        Ok(())
    }

    fn units(&mut self) -> Result<Vec<xuncha_domain::people::Unit>, Error> {
        self.query(
            "SELECT id, name, kind, parent, code FROM units ORDER BY code",
            &[],
        )?
        .iter()
        .map(to_unit)
        .collect()
    }

    fn user_insert(&mut self, user: &User, password_hash: &str) -> Result<bool, Error> {
        let n = self.execute(
            "INSERT INTO users (id, login, name, unit, roles, password_hash, active_from) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT DO NOTHING",
            &[
                &user.id.to_string(),
                &user.login,
                &user.name,
                &user.unit.to_string(),
                &roles_json(user)?,
                &password_hash,
                &user.active_from.map(|t| t.0),
            ],
        )?;
        Ok(n == 1)
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>, Error> {
        self.query_opt(
            "SELECT id, login, name, unit, roles, password_hash, disabled, active_from FROM users WHERE login = $1",
            &[&login],
        )?
        .as_ref()
        .map(to_user_row)
        .transpose()
    }

    fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRow>, Error> {
        self.query_opt(
            "SELECT id, login, name, unit, roles, password_hash, disabled, active_from FROM users WHERE id = $1",
            &[&id.to_string()],
        )?
        .as_ref()
        .map(to_user_row)
        .transpose()
    }

    fn users(&mut self) -> Result<Vec<User>, Error> {
        self.query(
            "SELECT id, login, name, unit, roles, password_hash, disabled, active_from FROM users ORDER BY login",
            &[],
        )?
        .iter()
        .map(|r| to_user_row(r).map(|u| u.user))
        .collect()
    }

    fn user_set_disabled(&mut self, id: UserId, disabled: bool) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE users SET disabled = $1 WHERE id = $2",
            &[&disabled, &id.to_string()],
        )?;
        Ok(n == 1)
    }

    fn session_insert(
        &mut self,
        token_hash: &[u8; 32],
        user: UserId,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        self.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[&token_hash.as_slice(), &user.to_string(), &at, &expires_at],
        )?;
        Ok(())
    }

    fn session_revoke(&mut self, token_hash: &[u8; 32], at: i64) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
            &[&at, &token_hash.as_slice()],
        )?;
        Ok(n == 1)
    }

    fn session_user(&mut self, token_hash: &[u8; 32]) -> Result<Option<(UserId, Option<i64>)>, Error> {
        self.query_opt(
            "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL",
            &[&token_hash.as_slice()],
        )?
        .map(|r| Ok((parse_id(r.get::<_, &str>(0))?, r.get::<_, Option<i64>>(1))))
        .transpose()
    }

    fn device_insert(&mut self, d: &DeviceRow, token_hash: Option<&[u8; 32]>) -> Result<(), Error> {
        self.execute(
            "INSERT INTO devices (id, user_id, name, public_key, token_hash, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &d.id.to_string(),
                &d.user.map(|u| u.to_string()),
                &d.name,
                &d.public_key.to_hex(),
                &token_hash.map(|h| h.to_vec()),
                &d.enrolled_at,
            ],
        )?;
        Ok(())
    }

    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> Result<Option<TokenMatch>, Error> {
        self.query_opt(
            "SELECT id, user_id, name, public_key, enrolled_at, revoked_at, head_seq, head_hash, token_expires_at,
                    token_hash IS NOT DISTINCT FROM $1, prev_token_hash IS NOT NULL, prev_token_expires_at
             FROM devices WHERE token_hash = $1 OR prev_token_hash = $1",
            &[&token_hash.as_slice()],
        )?
        .as_ref()
        .map(|r| {
            let current: bool = r.get(9);
            Ok(TokenMatch {
                device: to_device(r)?,
                expires_at: if current { r.get(8) } else { r.get(11) },
                previous: !current,
                previous_pending: r.get(10),
            })
        })
        .transpose()
    }

    fn device_forget_previous_token(&mut self, id: DeviceId) -> Result<(), Error> {
        self.execute(
            "UPDATE devices SET prev_token_hash = NULL, prev_token_expires_at = NULL WHERE id = $1",
            &[&id.to_string()],
        )?;
        Ok(())
    }

    fn device_set_token(
        &mut self,
        id: DeviceId,
        token_hash: Option<&[u8; 32]>,
        expires_at: Option<i64>,
    ) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE devices SET token_hash = $1, token_expires_at = $2, prev_token_hash = NULL,
               prev_token_expires_at = NULL WHERE id = $3",
            &[&token_hash.map(|h| h.to_vec()), &expires_at, &id.to_string()],
        )?;
        Ok(n == 1)
    }

    fn device_replace_token(
        &mut self,
        old: &[u8; 32],
        new: &[u8; 32],
        expires_at: i64,
    ) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE devices SET
               prev_token_expires_at = CASE WHEN token_hash = $3 THEN token_expires_at
                                            ELSE prev_token_expires_at END,
               prev_token_hash = $3, token_hash = $1, token_expires_at = $2
             WHERE (token_hash = $3 OR prev_token_hash = $3) AND revoked_at IS NULL",
            &[&new.as_slice(), &expires_at, &old.as_slice()],
        )?;
        Ok(n == 1)
    }

    fn device_drop_token(&mut self, token_hash: &[u8; 32]) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE devices SET token_hash = NULL, token_expires_at = NULL, prev_token_hash = NULL,
               prev_token_expires_at = NULL WHERE token_hash = $1 OR prev_token_hash = $1",
            &[&token_hash.as_slice()],
        )?;
        Ok(n == 1)
    }

    fn enrol_challenge_insert(
        &mut self,
        nonce: &[u8; 32],
        expires_at: i64,
        now: i64,
        max_live: i64,
    ) -> Result<bool, Error> {
        self.execute("DELETE FROM enrol_challenges WHERE expires_at <= $1", &[&now])?;
        let live: i64 = self
            .query_opt("SELECT COUNT(*) FROM enrol_challenges", &[])?
            .map_or(0, |r| r.get(0));
        if live >= max_live {
            return Ok(false);
        }
        self.execute(
            "INSERT INTO enrol_challenges (nonce, expires_at) VALUES ($1, $2)",
            &[&nonce.as_slice(), &expires_at],
        )?;
        Ok(true)
    }

    fn enrol_challenge_take(&mut self, nonce: &[u8; 32], now: i64) -> Result<bool, Error> {
        let n = self.execute(
            "DELETE FROM enrol_challenges WHERE nonce = $1 AND expires_at > $2",
            &[&nonce.as_slice(), &now],
        )?;
        Ok(n == 1)
    }

    fn device_lock(&mut self, id: DeviceId) -> Result<Option<DeviceRow>, Error> {
        self.query_opt(
            "SELECT id, user_id, name, public_key, enrolled_at, revoked_at, head_seq, head_hash
             FROM devices WHERE id = $1 FOR UPDATE",
            &[&id.to_string()],
        )?
        .as_ref()
        .map(to_device)
        .transpose()
    }

    fn device_set_head(&mut self, id: DeviceId, head: ChainHead) -> Result<(), Error> {
        self.execute(
            "UPDATE devices SET head_seq = $1, head_hash = $2 WHERE id = $3",
            &[&(head.seq as i64), &head.hash.to_hex(), &id.to_string()],
        )?;
        Ok(())
    }

    fn device_reenrol(
        &mut self,
        id: DeviceId,
        user: UserId,
        name: &str,
        token_hash: &[u8; 32],
    ) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE devices SET user_id = $1, name = $2, token_hash = $3, prev_token_hash = NULL,
               prev_token_expires_at = NULL WHERE id = $4 AND revoked_at IS NULL",
            &[&user.to_string(), &name, &token_hash.as_slice(), &id.to_string()],
        )?;
        Ok(n == 1)
    }

    fn device_revoke(&mut self, id: DeviceId, at: i64) -> Result<bool, Error> {
        let n = self.execute(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
            &[&at, &id.to_string()],
        )?;
        Ok(n == 1)
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>, Error> {
        self.query(
            "SELECT id, user_id, name, public_key, enrolled_at, revoked_at, head_seq, head_hash
             FROM devices ORDER BY enrolled_at",
            &[],
        )?
        .iter()
        .map(to_device)
        .collect()
    }

    fn server_identity(&mut self) -> Result<Option<(DeviceId, [u8; 32])>, Error> {
        let Some(r) = self.query_opt(
            "SELECT device_id, secret_key FROM server_identity WHERE one = 1",
            &[],
        )?
        else {
            return Ok(None);
        };
        let mut key = [0u8; 32];
        hex::decode_to_slice(r.get::<_, &str>(1), &mut key)
            .map_err(|_| Error::Internal("server key".into()))?;
        Ok(Some((parse_id(r.get::<_, &str>(0))?, key)))
    }

    fn server_identity_insert(&mut self, device: DeviceId, secret: &[u8; 32]) -> Result<(), Error> {
        self.execute(
            "INSERT INTO server_identity (one, device_id, secret_key) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
            &[&device.to_string(), &hex::encode(secret)],
        )?;
        Ok(())
    }

    fn log_lock(&mut self) -> Result<i64, Error> {
        let r = self.query_opt("SELECT next_cursor FROM log_head WHERE one = 1 FOR UPDATE", &[])?;
        r.map(|r| r.get(0))
            .ok_or_else(|| Error::Internal("log_head row missing".into()))
    }

    fn log_advance(&mut self, next_cursor: i64) -> Result<(), Error> {
        self.execute(
            "UPDATE log_head SET next_cursor = $1 WHERE one = 1",
            &[&next_cursor],
        )?;
        Ok(())
    }

    fn event_by_id(&mut self, id: EventId) -> Result<Option<StoredEvent>, Error> {
        self.query_opt(
            "SELECT cursor, id, device, seq, hash, flag_code, flag_message FROM events WHERE id = $1",
            &[&id.to_string()],
        )?
        .as_ref()
        .map(to_stored)
        .transpose()
    }

    fn event_by_device_seq(&mut self, device: DeviceId, seq: u64) -> Result<Option<StoredEvent>, Error> {
        self.query_opt(
            "SELECT cursor, id, device, seq, hash, flag_code, flag_message FROM events WHERE device = $1 AND seq = $2",
            &[&device.to_string(), &(seq as i64)],
        )?
        .as_ref()
        .map(to_stored)
        .transpose()
    }

    fn event_insert(&mut self, row: &NewEvent<'_>) -> Result<bool, Error> {
        let e = row.event;
        let n = self.execute(
            "INSERT INTO events (cursor, id, device, seq, hash, hlc_wall, hlc_counter, agg_kind, agg_id,
               unit, owner, is_reference, body, flag_code, flag_message, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             ON CONFLICT DO NOTHING",
            &[
                &row.cursor,
                &e.id.to_string(),
                &e.device.to_string(),
                &(e.seq as i64),
                &e.hash.to_hex(),
                &e.hlc.wall_ms,
                &i64::from(e.hlc.counter),
                &kind_name(row.aggregate.kind),
                &row.aggregate.id.to_string(),
                &row.unit.map(|u| u.to_string()),
                &row.owner.map(|u| u.to_string()),
                &row.is_reference,
                &row.body,
                &row.flag.as_ref().map(|f| f.code.clone()),
                &row.flag.as_ref().map(|f| f.message.clone()),
                &row.received_at,
            ],
        )?;
        Ok(n == 1)
    }

    fn event_set_flag(&mut self, id: EventId, flag: Option<&Rejection>) -> Result<(), Error> {
        self.execute(
            "UPDATE events SET flag_code = $1, flag_message = $2 WHERE id = $3",
            &[
                &flag.map(|f| f.code.clone()),
                &flag.map(|f| f.message.clone()),
                &id.to_string(),
            ],
        )?;
        Ok(())
    }

    fn aggregate_events(&mut self, a: AggregateRef) -> Result<Vec<(String, Option<String>)>, Error> {
        Ok(self
            .query(
                "SELECT body, flag_code FROM events WHERE agg_kind = $1 AND agg_id = $2",
                &[&kind_name(a.kind), &a.id.to_string()],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn events_after(&mut self, cursor: i64, v: &Visibility, limit: u32) -> Result<Vec<(i64, String)>, Error> {
        let limit = i64::from(limit);
        let rows = match v {
            Visibility::Units(units) => self.query(
                "SELECT cursor, body FROM events WHERE cursor > $1
                   AND (flag_code IS NULL OR flag_code NOT IN ('invalid', 'not_authorised'))
                   AND (unit IS NULL OR unit = ANY($3))
                 ORDER BY cursor LIMIT $2",
                &[&cursor, &limit, &strings(units)],
            )?,
            Visibility::Field {
                units,
                reaches,
                owner,
                server_device,
            } => self.query(
                "SELECT cursor, body FROM events WHERE cursor > $1
                   AND (flag_code IS NULL OR flag_code NOT IN ('invalid', 'not_authorised')) AND (
                   (is_reference AND (unit IS NULL OR unit = ANY($5)))
                   OR (is_reference AND agg_kind = 'reach' AND agg_id = ANY($6))
                   OR (device = $3 AND owner = $4 AND NOT is_reference))
                 ORDER BY cursor LIMIT $2",
                &[
                    &cursor,
                    &limit,
                    &server_device.to_string(),
                    &owner.to_string(),
                    &strings(units),
                    &reaches.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                ],
            )?,
        };
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn event_count(&mut self) -> Result<i64, Error> {
        Ok(self
            .query("SELECT COUNT(*) FROM events", &[])?
            .first()
            .map(|r| r.get(0))
            .unwrap_or(0))
    }

    fn ping(&mut self) -> Result<(), Error> {
        self.query("SELECT 1", &[]).map(|_| ())
    }

    fn aggregate_get(&mut self, a: AggregateRef) -> Result<Option<AggregateRow>, Error> {
        self.query_opt(
            "SELECT kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device, last_event,
                    record_ms, status
             FROM aggregates WHERE kind = $1 AND id = $2",
            &[&kind_name(a.kind), &a.id.to_string()],
        )?
        .as_ref()
        .map(to_agg)
        .transpose()
    }

    fn aggregate_put(&mut self, row: &AggregateRow) -> Result<(), Error> {
        self.execute(
            "INSERT INTO aggregates (kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device,
               last_event, record_ms, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (kind, id) DO UPDATE SET unit = excluded.unit, owner = excluded.owner,
               state = excluded.state, last_hlc_wall = excluded.last_hlc_wall,
               last_hlc_counter = excluded.last_hlc_counter, last_hlc_device = excluded.last_hlc_device,
               last_event = excluded.last_event, record_ms = excluded.record_ms, status = excluded.status",
            &[
                &kind_name(row.aggregate.kind),
                &row.aggregate.id.to_string(),
                &row.unit.map(|u| u.to_string()),
                &row.owner.map(|u| u.to_string()),
                &row.state,
                &row.last.0,
                &i64::from(row.last.1),
                &row.last.2.to_string(),
                &row.last.3.to_string(),
                &row.record_ms,
                &row.status,
            ],
        )?;
        Ok(())
    }

    fn records_page(&mut self, f: &RecordFilter) -> Result<Vec<AggregateRow>, Error> {
        let (before_ms, before_id) = f.before.clone().unzip();
        self.query(
            "SELECT kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device, last_event,
                    record_ms, status
             FROM aggregates WHERE kind = $1 AND unit = ANY($2)
               AND ($3::TEXT IS NULL OR status = $3)
               AND ($4::TEXT IS NULL OR owner = $4)
               AND ($5::BIGINT IS NULL OR record_ms >= $5)
               AND ($6::BIGINT IS NULL OR record_ms < $6)
               AND ($7::BIGINT IS NULL OR record_ms < $7 OR (record_ms = $7 AND id < $8))
             ORDER BY record_ms DESC, id DESC LIMIT $9",
            &[
                &kind_name(f.kind),
                &strings(&f.units),
                &f.status,
                &f.owner.map(|o| o.to_string()),
                &f.from_ms,
                &f.to_ms,
                &before_ms,
                &before_id,
                &i64::from(f.limit),
            ],
        )?
        .iter()
        .map(to_agg)
        .collect()
    }

    fn aggregates_of_units(
        &mut self,
        kind: AggregateKind,
        units: &[UnitId],
        limit: u32,
    ) -> Result<Vec<AggregateRow>, Error> {
        self.query(
            "SELECT kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device, last_event,
                    record_ms, status
             FROM aggregates WHERE kind = $1 AND unit = ANY($3) ORDER BY last_hlc_wall DESC LIMIT $2",
            &[&kind_name(kind), &i64::from(limit), &strings(units)],
        )?
        .iter()
        .map(to_agg)
        .collect()
    }

    fn blob_lock(&mut self, hash: &str) -> Result<(), Error> {
        self.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&hash])?;
        Ok(())
    }

    fn blob_size(&mut self, hash: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .query_opt("SELECT size FROM blobs WHERE hash = $1", &[&hash])?
            .map(|r| r.get(0)))
    }

    fn blob_insert(&mut self, hash: &str, size: i64, at: i64) -> Result<(), Error> {
        self.execute(
            "INSERT INTO blobs (hash, size, stored_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&hash, &size, &at],
        )?;
        Ok(())
    }

    fn blob_delete(&mut self, hash: &str) -> Result<(), Error> {
        self.execute("DELETE FROM blob_holders WHERE hash = $1", &[&hash])?;
        self.execute("DELETE FROM blobs WHERE hash = $1", &[&hash])?;
        Ok(())
    }

    fn blob_held(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM blob_holders WHERE hash = $1 AND device = $2",
                &[&hash, &device.to_string()],
            )?
            .is_some())
    }

    fn blob_holder_insert(&mut self, hash: &str, device: DeviceId, at: i64) -> Result<(), Error> {
        self.execute(
            "INSERT INTO blob_holders (hash, device, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&hash, &device.to_string(), &at],
        )?;
        Ok(())
    }

    fn blob_named_by(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM blob_refs r JOIN events e ON e.id = r.event
                 WHERE r.hash = $1 AND e.device = $2 LIMIT 1",
                &[&hash, &device.to_string()],
            )?
            .is_some())
    }

    fn blob_in_record(&mut self, hash: &str, record: AggregateRef) -> Result<bool, Error> {
        Ok(self
            .query_opt(
                concat!(
                    "SELECT 1 FROM blob_refs r JOIN events e ON e.id = r.event
                       JOIN blob_holders h ON h.hash = r.hash AND h.device = e.device
                     WHERE r.hash = $1 AND e.agg_kind = $2 AND e.agg_id = $3 AND ",
                    event_applied!(),
                    " LIMIT 1"
                ),
                &[&hash, &kind_name(record.kind), &record.id.to_string()],
            )?
            .is_some())
    }

    fn blob_is_named(&mut self, hash: &str) -> Result<bool, Error> {
        Ok(self
            .query_opt("SELECT 1 FROM blob_refs WHERE hash = $1 LIMIT 1", &[&hash])?
            .is_some())
    }

    fn blobs_unnamed(&mut self, before: i64, limit: i64) -> Result<Vec<String>, Error> {
        Ok(self
            .query(
                "SELECT hash FROM blobs b WHERE stored_at < $1
                   AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = b.hash)
                 ORDER BY stored_at LIMIT $2",
                &[&before, &limit],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn upload_parts(&mut self, device: DeviceId, hash: &str) -> Result<Vec<(i64, i64, i64)>, Error> {
        Ok(self
            .query(
                "SELECT start_offset, total, octet_length(bytes)::BIGINT FROM upload_parts
                 WHERE device = $1 AND hash = $2 ORDER BY start_offset",
                &[&device.to_string(), &hash],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    fn upload_part_insert(&mut self, device: DeviceId, part: &UploadPart<'_>) -> Result<(), Error> {
        self.execute(
            "INSERT INTO upload_parts (device, hash, start_offset, total, bytes, received_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &device.to_string(),
                &part.hash,
                &part.start,
                &part.total,
                &part.bytes,
                &part.received_at,
            ],
        )?;
        Ok(())
    }

    fn upload_part_bytes(&mut self, device: DeviceId, hash: &str) -> Result<Vec<Vec<u8>>, Error> {
        Ok(self
            .query(
                "SELECT bytes FROM upload_parts WHERE device = $1 AND hash = $2 ORDER BY start_offset",
                &[&device.to_string(), &hash],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn upload_parts_delete(&mut self, device: DeviceId, hash: &str) -> Result<(), Error> {
        self.execute(
            "DELETE FROM upload_parts WHERE device = $1 AND hash = $2",
            &[&device.to_string(), &hash],
        )?;
        Ok(())
    }

    fn upload_bytes_pending(&mut self, device: DeviceId) -> Result<i64, Error> {
        Ok(self
            .query_opt(
                "SELECT COALESCE(SUM(octet_length(bytes)), 0)::BIGINT FROM upload_parts WHERE device = $1",
                &[&device.to_string()],
            )?
            .map_or(0, |r| r.get(0)))
    }

    fn uploads_sweep(&mut self, before: i64) -> Result<(i64, i64), Error> {
        let row = self.query_opt(
            "WITH gone AS (
               DELETE FROM upload_parts WHERE (device, hash) IN (
                 SELECT device, hash FROM upload_parts GROUP BY device, hash HAVING MAX(received_at) < $1)
               RETURNING device, hash, octet_length(bytes) AS n)
             SELECT COUNT(DISTINCT (device, hash))::BIGINT, COALESCE(SUM(n), 0)::BIGINT FROM gone",
            &[&before],
        )?;
        Ok(row.map_or((0, 0), |r| (r.get(0), r.get(1))))
    }

    fn blob_ref_insert(
        &mut self,
        hash: &str,
        event: EventId,
        unit: Option<UnitId>,
        owner: Option<UserId>,
    ) -> Result<(), Error> {
        self.execute(
            "INSERT INTO blob_refs (hash, event, unit, owner) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[
                &hash,
                &event.to_string(),
                &unit.map(|u| u.to_string()),
                &owner.map(|u| u.to_string()),
            ],
        )?;
        Ok(())
    }

    fn blob_refs(&mut self, hash: &str) -> Result<Vec<Placement>, Error> {
        self.query(
            concat!(
                "SELECT r.unit, r.owner FROM blob_refs r JOIN events e ON e.id = r.event
                   JOIN blob_holders h ON h.hash = r.hash AND h.device = e.device
                 WHERE r.hash = $1 AND ",
                event_applied!()
            ),
            &[&hash],
        )?
        .iter()
        .map(|r| {
            let u: Option<String> = r.get(0);
            let o: Option<String> = r.get(1);
            Ok((
                u.as_deref().map(parse_id).transpose()?,
                o.as_deref().map(parse_id).transpose()?,
            ))
        })
        .collect()
    }
}
