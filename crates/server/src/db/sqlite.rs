//! Over 500 lines: one implementation of the whole storage trait; issue 12 writes each query once for both backends.
//! The SQLite backend: one file, WAL, a busy timeout on every connection, write transactions
//! `BEGIN IMMEDIATE` (so writers queue instead of failing half-way), migrations embedded and
//! append-only. SQL only: no rules here.

use super::pool::Connection;
use super::*;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_initial.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_token_expiry_and_enrol_challenges.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_blob_holders_and_device_uploads.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_previous_device_token.sql"),
    ),
    (
        5,
        include_str!("../../migrations/sqlite/0005_record_time_and_status.sql"),
    ),
    (
        6,
        include_str!("../../migrations/sqlite/0006_user_active_from.sql"),
    ),
];

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
    Ok(SqliteConnection { conn })
}

pub fn migrate(c: &mut SqliteConnection) -> Result<(), Error> {
    let tx = c
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        .map_err(db)?;
    for (version, sql) in MIGRATIONS {
        let done: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [version],
                |r| r.get(0),
            )
            .map_err(db)?;
        if !done {
            tx.execute_batch(sql).map_err(db)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, crate::now_ms()],
            )
            .map_err(db)?;
            tracing::info!(version, "sqlite migration applied");
        }
    }
    tx.commit().map_err(db)
}

impl Connection for SqliteConnection {
    fn transaction(
        &mut self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Storage) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let tx = self.conn.transaction_with_behavior(behavior).map_err(db)?;
        f(&mut SqliteTx(&tx))?;
        tx.commit().map_err(db)
    }

    fn is_broken(&self) -> bool {
        false
    }
}

struct SqliteTx<'a>(&'a rusqlite::Connection);

fn unit_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, Option<String>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_unit(
    row: (String, String, String, Option<String>, String),
) -> Result<xuncha_domain::people::Unit, Error> {
    let (id, name, kind, parent, code) = row;
    Ok(xuncha_domain::people::Unit {
        id: parse_id(&id)?,
        name,
        kind: serde_json::from_value(serde_json::Value::String(kind))
            .map_err(|e| Error::Internal(format!("unit kind: {e}")))?,
        parent: parent.as_deref().map(parse_id).transpose()?,
        code,
    })
}

type UserTuple = (String, String, String, String, String, String, bool, Option<i64>);

fn to_user_row(t: UserTuple) -> Result<UserRow, Error> {
    let (id, login, name, unit, roles, password_hash, disabled, active_from) = t;
    Ok(UserRow {
        user: User {
            id: parse_id(&id)?,
            name,
            login,
            unit: parse_id(&unit)?,
            roles: roles_from_json(&roles)?,
            active_from: active_from.map(UnixMs),
        },
        password_hash,
        disabled,
    })
}

const USER_COLS: &str = "id, login, name, unit, roles, password_hash, disabled, active_from";
const DEVICE_COLS: &str = "id, user_id, name, public_key, enrolled_at, revoked_at, head_seq, head_hash";
const EVENT_COLS: &str = "cursor, id, device, seq, hash, flag_code, flag_message";
const AGG_COLS: &str = "kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device, last_event, record_ms, status";

type DeviceTuple = (
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn device_tuple(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn to_device(t: DeviceTuple) -> Result<DeviceRow, Error> {
    let (id, user, name, key, enrolled_at, revoked_at, head_seq, head_hash) = t;
    Ok(DeviceRow {
        id: parse_id(&id)?,
        user: user.as_deref().map(parse_id).transpose()?,
        name,
        public_key: public_key(&key)?,
        enrolled_at,
        revoked_at,
        head: parse_head(head_seq, head_hash)?,
    })
}

type EventTuple = (i64, String, String, i64, String, Option<String>, Option<String>);

fn event_tuple(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_stored(t: EventTuple) -> Result<StoredEvent, Error> {
    let (cursor, id, device, seq, hash, code, message) = t;
    Ok(StoredEvent {
        cursor,
        id: parse_id(&id)?,
        device: parse_id(&device)?,
        seq: u64::try_from(seq).map_err(|_| Error::Internal("negative seq".into()))?,
        hash: parse_id(&hash)?,
        flag: flag_of(code, message),
    })
}

type AggTuple = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
    String,
    String,
    (i64, Option<String>),
);

fn agg_tuple(r: &rusqlite::Row<'_>) -> rusqlite::Result<AggTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        (r.get(9)?, r.get(10)?),
    ))
}

fn to_agg(t: AggTuple) -> Result<AggregateRow, Error> {
    let (kind, id, unit, owner, state, wall, counter, device, event, (record_ms, status)) = t;
    Ok(AggregateRow {
        aggregate: AggregateRef {
            kind: kind_from_name(&kind)?,
            id: parse_id(&id)?,
        },
        unit: unit.as_deref().map(parse_id).transpose()?,
        owner: owner.as_deref().map(parse_id).transpose()?,
        state,
        last: (
            wall,
            u32::try_from(counter).map_err(|_| Error::Internal("hlc counter".into()))?,
            parse_id(&device)?,
            parse_id(&event)?,
        ),
        record_ms,
        status,
    })
}

fn placeholders(n: usize, first: usize) -> String {
    (0..n)
        .map(|i| format!("?{}", first + i))
        .collect::<Vec<_>>()
        .join(",")
}

impl Storage for SqliteTx<'_> {
    fn unit_upsert(&mut self, u: &xuncha_domain::people::Unit) -> Result<(), Error> {
        let kind = serde_json::to_value(u.kind).map_err(|e| Error::Internal(e.to_string()))?;
        self.0
            .prepare_cached(
                "INSERT INTO units (id, name, kind, parent, code) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                 parent = excluded.parent, code = excluded.code",
            )
            .and_then(|mut s| {
                s.execute(params![
                    u.id.to_string(),
                    u.name,
                    kind.as_str().unwrap_or_default(),
                    u.parent.map(|p| p.to_string()),
                    u.code
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn units(&mut self) -> Result<Vec<xuncha_domain::people::Unit>, Error> {
        let mut s = self
            .0
            .prepare_cached("SELECT id, name, kind, parent, code FROM units ORDER BY code")
            .map_err(db)?;
        let rows = s.query_map([], unit_from_row).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(to_unit)).collect()
    }

    fn user_insert(&mut self, user: &User, password_hash: &str) -> Result<bool, Error> {
        let n = self
            .0
            .prepare_cached(
                "INSERT INTO users (id, login, name, unit, roles, password_hash, active_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    user.id.to_string(),
                    user.login,
                    user.name,
                    user.unit.to_string(),
                    roles_json(user).unwrap_or_default(),
                    password_hash,
                    user.active_from.map(|t| t.0)
                ])
            })
            .map_err(db)?;
        Ok(n == 1)
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>, Error> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE login = ?1");
        let t: Option<UserTuple> = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([login], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                })
                .optional()
            })
            .map_err(db)?;
        t.map(to_user_row).transpose()
    }

    fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRow>, Error> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = ?1");
        let t: Option<UserTuple> = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([id.to_string()], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                })
                .optional()
            })
            .map_err(db)?;
        t.map(to_user_row).transpose()
    }

    fn users(&mut self) -> Result<Vec<User>, Error> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY login");
        let mut s = self.0.prepare_cached(&sql).map_err(db)?;
        let rows = s
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(to_user_row).map(|u| u.user))
            .collect()
    }

    fn user_set_disabled(&mut self, id: UserId, disabled: bool) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE users SET disabled = ?1 WHERE id = ?2",
                params![disabled, id.to_string()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn session_insert(
        &mut self,
        token_hash: &[u8; 32],
        user: UserId,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        self.0
            .execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash.as_slice(), user.to_string(), at, expires_at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn session_revoke(&mut self, token_hash: &[u8; 32], at: i64) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE sessions SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL",
                params![at, token_hash.as_slice()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn session_user(&mut self, token_hash: &[u8; 32]) -> Result<Option<(UserId, Option<i64>)>, Error> {
        let row: Option<(String, Option<i64>)> = self
            .0
            .prepare_cached(
                "SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1 AND revoked_at IS NULL",
            )
            .and_then(|mut s| {
                s.query_row([token_hash.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(db)?;
        row.map(|(id, exp)| Ok((parse_id(&id)?, exp))).transpose()
    }

    fn device_insert(&mut self, d: &DeviceRow, token_hash: Option<&[u8; 32]>) -> Result<(), Error> {
        self.0
            .execute(
                "INSERT INTO devices (id, user_id, name, public_key, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    d.id.to_string(),
                    d.user.map(|u| u.to_string()),
                    d.name,
                    d.public_key.to_hex(),
                    token_hash.map(|h| h.to_vec()),
                    d.enrolled_at
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> Result<Option<TokenMatch>, Error> {
        let sql = format!(
            "SELECT {DEVICE_COLS}, token_expires_at, COALESCE(token_hash = ?1, 0), prev_token_hash IS NOT NULL,
                    prev_token_expires_at
             FROM devices WHERE token_hash = ?1 OR prev_token_hash = ?1"
        );
        let t = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([token_hash.as_slice()], |r| {
                    Ok((
                        device_tuple(r)?,
                        r.get::<_, Option<i64>>(8)?,
                        r.get::<_, bool>(9)?,
                        r.get::<_, bool>(10)?,
                        r.get::<_, Option<i64>>(11)?,
                    ))
                })
                .optional()
            })
            .map_err(db)?;
        t.map(|(d, exp, current, pending, prev_exp)| {
            Ok(TokenMatch {
                device: to_device(d)?,
                expires_at: if current { exp } else { prev_exp },
                previous: !current,
                previous_pending: pending,
            })
        })
        .transpose()
    }

    fn device_forget_previous_token(&mut self, id: DeviceId) -> Result<(), Error> {
        self.0
            .execute(
                "UPDATE devices SET prev_token_hash = NULL, prev_token_expires_at = NULL WHERE id = ?1",
                [id.to_string()],
            )
            .map_err(db)?;
        Ok(())
    }

    fn device_set_token(
        &mut self,
        id: DeviceId,
        token_hash: Option<&[u8; 32]>,
        expires_at: Option<i64>,
    ) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE devices SET token_hash = ?1, token_expires_at = ?2, prev_token_hash = NULL,
                   prev_token_expires_at = NULL WHERE id = ?3",
                params![token_hash.map(|h| h.to_vec()), expires_at, id.to_string()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn device_replace_token(
        &mut self,
        old: &[u8; 32],
        new: &[u8; 32],
        expires_at: i64,
    ) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE devices SET
                   prev_token_expires_at = CASE WHEN token_hash = ?3 THEN token_expires_at
                                                ELSE prev_token_expires_at END,
                   prev_token_hash = ?3, token_hash = ?1, token_expires_at = ?2
                 WHERE (token_hash = ?3 OR prev_token_hash = ?3) AND revoked_at IS NULL",
                params![new.as_slice(), expires_at, old.as_slice()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn device_drop_token(&mut self, token_hash: &[u8; 32]) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE devices SET token_hash = NULL, token_expires_at = NULL, prev_token_hash = NULL,
                   prev_token_expires_at = NULL WHERE token_hash = ?1 OR prev_token_hash = ?1",
                params![token_hash.as_slice()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn enrol_challenge_insert(
        &mut self,
        nonce: &[u8; 32],
        expires_at: i64,
        now: i64,
        max_live: i64,
    ) -> Result<bool, Error> {
        self.0
            .execute("DELETE FROM enrol_challenges WHERE expires_at <= ?1", [now])
            .map_err(db)?;
        let live: i64 = self
            .0
            .query_row("SELECT COUNT(*) FROM enrol_challenges", [], |r| r.get(0))
            .map_err(db)?;
        if live >= max_live {
            return Ok(false);
        }
        self.0
            .execute(
                "INSERT INTO enrol_challenges (nonce, expires_at) VALUES (?1, ?2)",
                params![nonce.as_slice(), expires_at],
            )
            .map_err(db)?;
        Ok(true)
    }

    fn enrol_challenge_take(&mut self, nonce: &[u8; 32], now: i64) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "DELETE FROM enrol_challenges WHERE nonce = ?1 AND expires_at > ?2",
                params![nonce.as_slice(), now],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn device_lock(&mut self, id: DeviceId) -> Result<Option<DeviceRow>, Error> {
        // The IMMEDIATE transaction already holds the database's write lock.
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1");
        let t = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id.to_string()], device_tuple).optional())
            .map_err(db)?;
        t.map(to_device).transpose()
    }

    fn device_set_head(&mut self, id: DeviceId, head: ChainHead) -> Result<(), Error> {
        self.0
            .prepare_cached("UPDATE devices SET head_seq = ?1, head_hash = ?2 WHERE id = ?3")
            .and_then(|mut s| s.execute(params![head.seq as i64, head.hash.to_hex(), id.to_string()]))
            .map_err(db)?;
        Ok(())
    }

    fn device_reenrol(
        &mut self,
        id: DeviceId,
        user: UserId,
        name: &str,
        token_hash: &[u8; 32],
    ) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE devices SET user_id = ?1, name = ?2, token_hash = ?3, prev_token_hash = NULL,
                   prev_token_expires_at = NULL WHERE id = ?4 AND revoked_at IS NULL",
                params![user.to_string(), name, token_hash.to_vec(), id.to_string()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn device_revoke(&mut self, id: DeviceId, at: i64) -> Result<bool, Error> {
        let n = self
            .0
            .execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
                params![at, id.to_string()],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>, Error> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices ORDER BY enrolled_at");
        let mut s = self.0.prepare_cached(&sql).map_err(db)?;
        let rows = s.query_map([], device_tuple).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(to_device)).collect()
    }

    fn server_identity(&mut self) -> Result<Option<(DeviceId, [u8; 32])>, Error> {
        let t: Option<(String, String)> = self
            .0
            .query_row(
                "SELECT device_id, secret_key FROM server_identity WHERE one = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        t.map(|(d, k)| {
            let mut key = [0u8; 32];
            hex::decode_to_slice(&k, &mut key).map_err(|_| Error::Internal("server key".into()))?;
            Ok((parse_id(&d)?, key))
        })
        .transpose()
    }

    fn server_identity_insert(&mut self, device: DeviceId, secret: &[u8; 32]) -> Result<(), Error> {
        self.0
            .execute(
                "INSERT INTO server_identity (one, device_id, secret_key) VALUES (1, ?1, ?2) ON CONFLICT DO NOTHING",
                params![device.to_string(), hex::encode(secret)],
            )
            .map_err(db)?;
        Ok(())
    }

    fn log_lock(&mut self) -> Result<i64, Error> {
        self.0
            .prepare_cached("SELECT next_cursor FROM log_head WHERE one = 1")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(db)
    }

    fn log_advance(&mut self, next_cursor: i64) -> Result<(), Error> {
        self.0
            .prepare_cached("UPDATE log_head SET next_cursor = ?1 WHERE one = 1")
            .and_then(|mut s| s.execute([next_cursor]))
            .map_err(db)?;
        Ok(())
    }

    fn event_by_id(&mut self, id: EventId) -> Result<Option<StoredEvent>, Error> {
        let sql = format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1");
        let t = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id.to_string()], event_tuple).optional())
            .map_err(db)?;
        t.map(to_stored).transpose()
    }

    fn event_by_device_seq(&mut self, device: DeviceId, seq: u64) -> Result<Option<StoredEvent>, Error> {
        let sql = format!("SELECT {EVENT_COLS} FROM events WHERE device = ?1 AND seq = ?2");
        let t = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params![device.to_string(), seq as i64], event_tuple)
                    .optional()
            })
            .map_err(db)?;
        t.map(to_stored).transpose()
    }

    fn event_insert(&mut self, row: &NewEvent<'_>) -> Result<bool, Error> {
        let e = row.event;
        let n = self
            .0
            .prepare_cached(
                "INSERT INTO events (cursor, id, device, seq, hash, hlc_wall, hlc_counter, agg_kind, agg_id,
                   unit, owner, is_reference, body, flag_code, flag_message, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                 ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    row.cursor,
                    e.id.to_string(),
                    e.device.to_string(),
                    e.seq as i64,
                    e.hash.to_hex(),
                    e.hlc.wall_ms,
                    e.hlc.counter,
                    kind_name(row.aggregate.kind),
                    row.aggregate.id.to_string(),
                    row.unit.map(|u| u.to_string()),
                    row.owner.map(|u| u.to_string()),
                    row.is_reference,
                    row.body,
                    row.flag.as_ref().map(|f| f.code.clone()),
                    row.flag.as_ref().map(|f| f.message.clone()),
                    row.received_at
                ])
            })
            .map_err(db)?;
        Ok(n == 1)
    }

    fn event_set_flag(&mut self, id: EventId, flag: Option<&Rejection>) -> Result<(), Error> {
        self.0
            .prepare_cached("UPDATE events SET flag_code = ?1, flag_message = ?2 WHERE id = ?3")
            .and_then(|mut s| {
                s.execute(params![
                    flag.map(|f| f.code.clone()),
                    flag.map(|f| f.message.clone()),
                    id.to_string()
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn aggregate_events(&mut self, a: AggregateRef) -> Result<Vec<(String, Option<String>)>, Error> {
        let mut s = self
            .0
            .prepare_cached("SELECT body, flag_code FROM events WHERE agg_kind = ?1 AND agg_id = ?2")
            .map_err(db)?;
        let rows = s
            .query_map(params![kind_name(a.kind), a.id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn events_after(&mut self, cursor: i64, v: &Visibility, limit: u32) -> Result<Vec<(i64, String)>, Error> {
        let (sql, mut args): (String, Vec<String>) = match v {
            Visibility::Units(units) => (
                format!(
                    "SELECT cursor, body FROM events WHERE cursor > ?1 AND (flag_code IS NULL OR flag_code NOT IN ('invalid', 'not_authorised'))
                       AND (unit IS NULL OR unit IN ({}))
                     ORDER BY cursor LIMIT ?2",
                    placeholders(units.len(), 3)
                ),
                units.iter().map(|u| u.to_string()).collect(),
            ),
            Visibility::Field {
                units,
                reaches,
                owner,
                server_device,
            } => (
                format!(
                    "SELECT cursor, body FROM events WHERE cursor > ?1 AND (flag_code IS NULL OR flag_code NOT IN ('invalid', 'not_authorised')) AND (
                       (is_reference = 1 AND (unit IS NULL OR unit IN ({})))
                       OR (is_reference = 1 AND agg_kind = 'reach' AND agg_id IN ({}))
                       OR (device = ?3 AND owner = ?4 AND is_reference = 0))
                     ORDER BY cursor LIMIT ?2",
                    placeholders(units.len(), 5),
                    placeholders(reaches.len(), 5 + units.len())
                ),
                {
                    let mut a = vec![server_device.to_string(), owner.to_string()];
                    a.extend(units.iter().map(|u| u.to_string()));
                    a.extend(reaches.iter().map(|r| r.to_string()));
                    a
                },
            ),
        };
        let mut all: Vec<rusqlite::types::Value> = vec![
            rusqlite::types::Value::Integer(cursor),
            rusqlite::types::Value::Integer(i64::from(limit)),
        ];
        all.extend(args.drain(..).map(rusqlite::types::Value::Text));
        let mut s = self.0.prepare(&sql).map_err(db)?;
        let rows = s
            .query_map(rusqlite::params_from_iter(all), |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn event_count(&mut self) -> Result<i64, Error> {
        self.0
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .map_err(db)
    }

    fn ping(&mut self) -> Result<(), Error> {
        self.0.query_row("SELECT 1", [], |_| Ok(())).map_err(db)
    }

    fn aggregate_get(&mut self, a: AggregateRef) -> Result<Option<AggregateRow>, Error> {
        let sql = format!("SELECT {AGG_COLS} FROM aggregates WHERE kind = ?1 AND id = ?2");
        let t = self
            .0
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params![kind_name(a.kind), a.id.to_string()], agg_tuple)
                    .optional()
            })
            .map_err(db)?;
        t.map(to_agg).transpose()
    }

    fn aggregate_put(&mut self, row: &AggregateRow) -> Result<(), Error> {
        self.0
            .prepare_cached(
                "INSERT INTO aggregates (kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device,
                   last_event, record_ms, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (kind, id) DO UPDATE SET unit = excluded.unit, owner = excluded.owner,
                   state = excluded.state, last_hlc_wall = excluded.last_hlc_wall,
                   last_hlc_counter = excluded.last_hlc_counter, last_hlc_device = excluded.last_hlc_device,
                   last_event = excluded.last_event, record_ms = excluded.record_ms, status = excluded.status",
            )
            .and_then(|mut s| {
                s.execute(params![
                    kind_name(row.aggregate.kind),
                    row.aggregate.id.to_string(),
                    row.unit.map(|u| u.to_string()),
                    row.owner.map(|u| u.to_string()),
                    row.state,
                    row.last.0,
                    row.last.1,
                    row.last.2.to_string(),
                    row.last.3.to_string(),
                    row.record_ms,
                    row.status
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn records_page(&mut self, f: &RecordFilter) -> Result<Vec<AggregateRow>, Error> {
        use rusqlite::types::Value as V;
        let mut args: Vec<V> = vec![V::Text(kind_name(f.kind).into())];
        let mut sql = format!(
            "SELECT {AGG_COLS} FROM aggregates WHERE kind = ?1 AND unit IN ({})",
            placeholders(f.units.len(), 2)
        );
        args.extend(f.units.iter().map(|u| V::Text(u.to_string())));
        let mut arg = |sql: &mut String, clause: &str, v: V| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(s) = &f.status {
            arg(&mut sql, " AND status = ?", V::Text(s.clone()));
        }
        if let Some(o) = f.owner {
            arg(&mut sql, " AND owner = ?", V::Text(o.to_string()));
        }
        if let Some(t) = f.from_ms {
            arg(&mut sql, " AND record_ms >= ?", V::Integer(t));
        }
        if let Some(t) = f.to_ms {
            arg(&mut sql, " AND record_ms < ?", V::Integer(t));
        }
        if let Some((ms, id)) = &f.before {
            arg(&mut sql, " AND (record_ms < ?", V::Integer(*ms));
            arg(&mut sql, " OR (record_ms = ?", V::Integer(*ms));
            arg(&mut sql, " AND id < ?))", V::Text(id.clone()));
        }
        arg(
            &mut sql,
            " ORDER BY record_ms DESC, id DESC LIMIT ?",
            V::Integer(i64::from(f.limit)),
        );
        let mut s = self.0.prepare(&sql).map_err(db)?;
        let rows = s
            .query_map(rusqlite::params_from_iter(args), agg_tuple)
            .map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(to_agg)).collect()
    }

    fn aggregates_of_units(
        &mut self,
        kind: AggregateKind,
        units: &[UnitId],
        limit: u32,
    ) -> Result<Vec<AggregateRow>, Error> {
        let sql = format!(
            "SELECT {AGG_COLS} FROM aggregates WHERE kind = ?1 AND unit IN ({}) ORDER BY last_hlc_wall DESC LIMIT ?2",
            placeholders(units.len(), 3)
        );
        let mut all: Vec<rusqlite::types::Value> = vec![
            rusqlite::types::Value::Text(kind_name(kind).into()),
            rusqlite::types::Value::Integer(i64::from(limit)),
        ];
        all.extend(units.iter().map(|u| rusqlite::types::Value::Text(u.to_string())));
        let mut s = self.0.prepare(&sql).map_err(db)?;
        let rows = s
            .query_map(rusqlite::params_from_iter(all), agg_tuple)
            .map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(to_agg)).collect()
    }

    fn blob_lock(&mut self, _hash: &str) -> Result<(), Error> {
        // The IMMEDIATE transaction already holds the database's write lock.
        Ok(())
    }

    fn blob_size(&mut self, hash: &str) -> Result<Option<i64>, Error> {
        self.0
            .prepare_cached("SELECT size FROM blobs WHERE hash = ?1")
            .and_then(|mut s| s.query_row([hash], |r| r.get(0)).optional())
            .map_err(db)
    }

    fn blob_insert(&mut self, hash: &str, size: i64, at: i64) -> Result<(), Error> {
        self.0
            .execute(
                "INSERT INTO blobs (hash, size, stored_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![hash, size, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn blob_delete(&mut self, hash: &str) -> Result<(), Error> {
        self.0
            .execute("DELETE FROM blob_holders WHERE hash = ?1", [hash])
            .and_then(|_| self.0.execute("DELETE FROM blobs WHERE hash = ?1", [hash]))
            .map_err(db)?;
        Ok(())
    }

    fn blob_held(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error> {
        self.0
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM blob_holders WHERE hash = ?1 AND device = ?2)")
            .and_then(|mut s| s.query_row(params![hash, device.to_string()], |r| r.get(0)))
            .map_err(db)
    }

    fn blob_holder_insert(&mut self, hash: &str, device: DeviceId, at: i64) -> Result<(), Error> {
        self.0
            .prepare_cached(
                "INSERT INTO blob_holders (hash, device, since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![hash, device.to_string(), at]))
            .map_err(db)?;
        Ok(())
    }

    fn blob_named_by(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error> {
        self.0
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM blob_refs r JOIN events e ON e.id = r.event
                 WHERE r.hash = ?1 AND e.device = ?2)",
            )
            .and_then(|mut s| s.query_row(params![hash, device.to_string()], |r| r.get(0)))
            .map_err(db)
    }

    fn blob_in_record(&mut self, hash: &str, record: AggregateRef) -> Result<bool, Error> {
        self.0
            .prepare_cached(concat!(
                "SELECT EXISTS (SELECT 1 FROM blob_refs r JOIN events e ON e.id = r.event
                   JOIN blob_holders h ON h.hash = r.hash AND h.device = e.device
                 WHERE r.hash = ?1 AND e.agg_kind = ?2 AND e.agg_id = ?3 AND ",
                event_applied!(),
                ")"
            ))
            .and_then(|mut s| {
                s.query_row(
                    params![hash, kind_name(record.kind), record.id.to_string()],
                    |r| r.get(0),
                )
            })
            .map_err(db)
    }

    fn blob_is_named(&mut self, hash: &str) -> Result<bool, Error> {
        self.0
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM blob_refs WHERE hash = ?1)")
            .and_then(|mut s| s.query_row([hash], |r| r.get(0)))
            .map_err(db)
    }

    fn blobs_unnamed(&mut self, before: i64, limit: i64) -> Result<Vec<String>, Error> {
        let mut s = self
            .0
            .prepare_cached(
                "SELECT hash FROM blobs b WHERE stored_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = b.hash)
                 ORDER BY stored_at LIMIT ?2",
            )
            .map_err(db)?;
        let rows = s.query_map(params![before, limit], |r| r.get(0)).map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn upload_parts(&mut self, device: DeviceId, hash: &str) -> Result<Vec<(i64, i64, i64)>, Error> {
        let mut s = self
            .0
            .prepare_cached(
                "SELECT start_offset, total, length(bytes) FROM upload_parts
                 WHERE device = ?1 AND hash = ?2 ORDER BY start_offset",
            )
            .map_err(db)?;
        let rows = s
            .query_map(params![device.to_string(), hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn upload_part_insert(&mut self, device: DeviceId, part: &UploadPart<'_>) -> Result<(), Error> {
        self.0
            .execute(
                "INSERT INTO upload_parts (device, hash, start_offset, total, bytes, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                params![
                    device.to_string(),
                    part.hash,
                    part.start,
                    part.total,
                    part.bytes,
                    part.received_at
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn upload_part_bytes(&mut self, device: DeviceId, hash: &str) -> Result<Vec<Vec<u8>>, Error> {
        let mut s = self
            .0
            .prepare_cached(
                "SELECT bytes FROM upload_parts WHERE device = ?1 AND hash = ?2 ORDER BY start_offset",
            )
            .map_err(db)?;
        let rows = s
            .query_map(params![device.to_string(), hash], |r| r.get(0))
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn upload_parts_delete(&mut self, device: DeviceId, hash: &str) -> Result<(), Error> {
        self.0
            .execute(
                "DELETE FROM upload_parts WHERE device = ?1 AND hash = ?2",
                params![device.to_string(), hash],
            )
            .map_err(db)?;
        Ok(())
    }

    fn upload_bytes_pending(&mut self, device: DeviceId) -> Result<i64, Error> {
        self.0
            .prepare_cached("SELECT COALESCE(SUM(length(bytes)), 0) FROM upload_parts WHERE device = ?1")
            .and_then(|mut s| s.query_row([device.to_string()], |r| r.get(0)))
            .map_err(db)
    }

    fn uploads_sweep(&mut self, before: i64) -> Result<(i64, i64), Error> {
        const ABANDONED: &str = "SELECT device, hash FROM upload_parts
             GROUP BY device, hash HAVING MAX(received_at) < ?1";
        let (uploads, bytes): (i64, i64) = self
            .0
            .query_row(
                &format!(
                    "SELECT COUNT(DISTINCT device || hash), COALESCE(SUM(length(bytes)), 0)
                     FROM upload_parts WHERE (device, hash) IN ({ABANDONED})"
                ),
                [before],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db)?;
        self.0
            .execute(
                &format!("DELETE FROM upload_parts WHERE (device, hash) IN ({ABANDONED})"),
                [before],
            )
            .map_err(db)?;
        Ok((uploads, bytes))
    }

    fn blob_ref_insert(
        &mut self,
        hash: &str,
        event: EventId,
        unit: Option<UnitId>,
        owner: Option<UserId>,
    ) -> Result<(), Error> {
        self.0
            .prepare_cached("INSERT INTO blob_refs (hash, event, unit, owner) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
            .and_then(|mut s| {
                s.execute(params![hash, event.to_string(), unit.map(|u| u.to_string()), owner.map(|u| u.to_string())])
            })
            .map_err(db)?;
        Ok(())
    }

    fn blob_refs(&mut self, hash: &str) -> Result<Vec<Placement>, Error> {
        let mut s = self
            .0
            .prepare_cached(concat!(
                "SELECT r.unit, r.owner FROM blob_refs r JOIN events e ON e.id = r.event
                   JOIN blob_holders h ON h.hash = r.hash AND h.device = e.device
                 WHERE r.hash = ?1 AND ",
                event_applied!()
            ))
            .map_err(db)?;
        let rows = s
            .query_map([hash], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (u, o) = r.map_err(db)?;
            Ok((
                u.as_deref().map(parse_id).transpose()?,
                o.as_deref().map(parse_id).transpose()?,
            ))
        })
        .collect()
    }
}
