//! Over 500 lines: every query of the `Storage` trait and the mapping of each row type, once.
//! The one implementation of `Storage`, over any backend's `SqlTx`: each statement written once,
//! each row type read by one function. A backend differs only in how it renders a statement and
//! in its locks (`SqlTx::FOR_UPDATE`, `SqlTx::lock_key`). SQL only: no rules here.

use super::sql::{Row, SqlTx, Value, params};
use super::*;

/// The one implementation of `Storage`, over a backend's open transaction.
pub struct Sql<T>(pub T);

macro_rules! user_cols {
    () => {
        "id, login, name, unit, roles, password_hash, disabled, active_from"
    };
}
macro_rules! device_cols {
    () => {
        "id, user_id, name, public_key, enrolled_at, revoked_at, head_seq, head_hash"
    };
}
macro_rules! event_cols {
    () => {
        "cursor, id, device, seq, hash, flag_code, flag_message"
    };
}
macro_rules! aggregate_cols {
    () => {
        "kind, id, unit, owner, state, last_hlc_wall, last_hlc_counter, last_hlc_device, last_event, \
         record_ms, status"
    };
}

fn unit_row(r: &Row) -> Result<xuncha_domain::people::Unit, Error> {
    Ok(xuncha_domain::people::Unit {
        id: r.parse(0)?,
        name: r.get(1)?,
        kind: serde_json::from_value(serde_json::Value::String(r.get(2)?))
            .map_err(|e| Error::Internal(format!("unit kind: {e}")))?,
        parent: r.parse_opt(3)?,
        code: r.get(4)?,
    })
}

fn user_row(r: &Row) -> Result<UserRow, Error> {
    Ok(UserRow {
        user: User {
            id: r.parse(0)?,
            login: r.get(1)?,
            name: r.get(2)?,
            unit: r.parse(3)?,
            roles: roles_from_json(&r.get::<String>(4)?)?,
            active_from: r.get::<Option<i64>>(7)?.map(UnixMs),
        },
        password_hash: r.get(5)?,
        disabled: r.get(6)?,
    })
}

fn device_row(r: &Row) -> Result<DeviceRow, Error> {
    Ok(DeviceRow {
        id: r.parse(0)?,
        user: r.parse_opt(1)?,
        name: r.get(2)?,
        public_key: public_key(&r.get::<String>(3)?)?,
        enrolled_at: r.get(4)?,
        revoked_at: r.get(5)?,
        head: parse_head(r.get(6)?, r.get(7)?)?,
    })
}

fn stored_event(r: &Row) -> Result<StoredEvent, Error> {
    Ok(StoredEvent {
        cursor: r.get(0)?,
        id: r.parse(1)?,
        device: r.parse(2)?,
        seq: u64::try_from(r.get::<i64>(3)?).map_err(|_| Error::Internal("negative seq".into()))?,
        hash: r.parse(4)?,
        flag: flag_of(r.get(5)?, r.get(6)?),
    })
}

fn aggregate_row(r: &Row) -> Result<AggregateRow, Error> {
    Ok(AggregateRow {
        aggregate: AggregateRef {
            kind: kind_from_name(&r.get::<String>(0)?)?,
            id: r.parse(1)?,
        },
        unit: r.parse_opt(2)?,
        owner: r.parse_opt(3)?,
        state: r.get(4)?,
        last: (
            r.get(5)?,
            u32::try_from(r.get::<i64>(6)?).map_err(|_| Error::Internal("hlc counter".into()))?,
            r.parse(7)?,
            r.parse(8)?,
        ),
        record_ms: r.get(9)?,
        status: r.get(10)?,
    })
}

fn placement(r: &Row) -> Result<Placement, Error> {
    Ok((r.parse_opt(0)?, r.parse_opt(1)?))
}

fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

/// Reads one row as a Rust value.
type Read<R> = fn(&Row) -> Result<R, Error>;

impl<T: SqlTx> Sql<T> {
    /// The first row, read by `map`.
    fn one<R>(&mut self, sql: &str, params: &[Value<'_>], map: Read<R>) -> Result<Option<R>, Error> {
        self.0.query_first(sql, params)?.as_ref().map(map).transpose()
    }

    /// Every row, read by `map`.
    fn all<R>(&mut self, sql: &str, params: &[Value<'_>], map: Read<R>) -> Result<Vec<R>, Error> {
        self.0.query(sql, params)?.iter().map(map).collect()
    }

    /// The single value of a statement that answers one row.
    fn value<R: super::sql::FromValue>(&mut self, sql: &str, params: &[Value<'_>]) -> Result<R, Error> {
        self.one(sql, params, |r| r.get(0))?
            .ok_or_else(|| Error::Internal(format!("no row from {sql:?}")))
    }

    /// Whether the statement changed exactly one row.
    fn changed_one(&mut self, sql: &str, params: &[Value<'_>]) -> Result<bool, Error> {
        Ok(self.0.execute(sql, params)? == 1)
    }
}

impl<T: SqlTx> Storage for Sql<T> {
    fn unit_upsert(&mut self, u: &xuncha_domain::people::Unit) -> Result<(), Error> {
        let kind = serde_json::to_value(u.kind).map_err(|e| Error::Internal(e.to_string()))?;
        self.0.execute(
            "INSERT INTO units (id, name, kind, parent, code) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             parent = excluded.parent, code = excluded.code",
            params![
                u.id.to_string(),
                &u.name,
                kind.as_str().unwrap_or_default(),
                u.parent.map(|p| p.to_string()),
                &u.code
            ],
        )?;
        Ok(())
    }

    fn units(&mut self) -> Result<Vec<xuncha_domain::people::Unit>, Error> {
        self.all(
            "SELECT id, name, kind, parent, code FROM units ORDER BY code",
            &[],
            unit_row,
        )
    }

    fn user_insert(&mut self, user: &User, password_hash: &str) -> Result<bool, Error> {
        self.changed_one(
            "INSERT INTO users (id, login, name, unit, roles, password_hash, active_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            params![
                user.id.to_string(),
                &user.login,
                &user.name,
                user.unit.to_string(),
                roles_json(user)?,
                password_hash,
                user.active_from.map(|t| t.0)
            ],
        )
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>, Error> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users WHERE login = ?1");
        self.one(sql, params![login], user_row)
    }

    fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRow>, Error> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users WHERE id = ?1");
        self.one(sql, params![id.to_string()], user_row)
    }

    fn users(&mut self) -> Result<Vec<User>, Error> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users ORDER BY login");
        self.all(sql, &[], |r| user_row(r).map(|u| u.user))
    }

    fn user_set_password(&mut self, id: UserId, password_hash: &str, at: i64) -> Result<bool, Error> {
        let found = self.changed_one(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![password_hash, id.to_string()],
        )?;
        self.0.execute(
            "UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
            params![at, id.to_string()],
        )?;
        Ok(found)
    }

    fn user_set_disabled(&mut self, id: UserId, disabled: bool) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE users SET disabled = ?1 WHERE id = ?2",
            params![disabled, id.to_string()],
        )
    }

    fn session_insert(&mut self, token: &[u8; 32], user: UserId, at: i64, until: i64) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token, user.to_string(), at, until],
        )?;
        Ok(())
    }

    fn session_revoke(&mut self, token_hash: &[u8; 32], at: i64) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE sessions SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL",
            params![at, token_hash],
        )
    }

    fn session_user(&mut self, token_hash: &[u8; 32]) -> Result<Option<(UserId, Option<i64>)>, Error> {
        self.one(
            "SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1 AND revoked_at IS NULL",
            params![token_hash],
            |r| Ok((r.parse(0)?, r.get(1)?)),
        )
    }

    fn device_insert(&mut self, d: &DeviceRow, token_hash: Option<&[u8; 32]>) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO devices (id, user_id, name, public_key, token_hash, enrolled_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                d.id.to_string(),
                d.user.map(|u| u.to_string()),
                &d.name,
                d.public_key.to_hex(),
                token_hash,
                d.enrolled_at
            ],
        )?;
        Ok(())
    }

    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> Result<Option<TokenMatch>, Error> {
        let sql = concat!(
            "SELECT ",
            device_cols!(),
            ", token_expires_at, COALESCE(token_hash = ?1, FALSE), prev_token_hash IS NOT NULL,
               prev_token_expires_at
             FROM devices WHERE token_hash = ?1 OR prev_token_hash = ?1"
        );
        self.one(sql, params![token_hash], |r| {
            let current: bool = r.get(9)?;
            Ok(TokenMatch {
                device: device_row(r)?,
                expires_at: r.get(if current { 8 } else { 11 })?,
                previous: !current,
                previous_pending: r.get(10)?,
            })
        })
    }

    fn device_forget_previous_token(&mut self, id: DeviceId) -> Result<(), Error> {
        self.0.execute(
            "UPDATE devices SET prev_token_hash = NULL, prev_token_expires_at = NULL WHERE id = ?1",
            params![id.to_string()],
        )?;
        Ok(())
    }

    fn device_set_token(
        &mut self,
        id: DeviceId,
        token_hash: Option<&[u8; 32]>,
        expires_at: Option<i64>,
    ) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE devices SET token_hash = ?1, token_expires_at = ?2, prev_token_hash = NULL,
               prev_token_expires_at = NULL WHERE id = ?3",
            params![token_hash, expires_at, id.to_string()],
        )
    }

    fn device_replace_token(
        &mut self,
        old: &[u8; 32],
        new: &[u8; 32],
        expires_at: i64,
    ) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE devices SET
               prev_token_expires_at = CASE WHEN token_hash = ?3 THEN token_expires_at
                                            ELSE prev_token_expires_at END,
               prev_token_hash = ?3, token_hash = ?1, token_expires_at = ?2
             WHERE (token_hash = ?3 OR prev_token_hash = ?3) AND revoked_at IS NULL",
            params![new, expires_at, old],
        )
    }

    fn device_drop_token(&mut self, token_hash: &[u8; 32]) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE devices SET token_hash = NULL, token_expires_at = NULL, prev_token_hash = NULL,
               prev_token_expires_at = NULL WHERE token_hash = ?1 OR prev_token_hash = ?1",
            params![token_hash],
        )
    }

    fn enrol_challenge_insert(
        &mut self,
        nonce: &[u8; 32],
        until: i64,
        now: i64,
        max: i64,
    ) -> Result<bool, Error> {
        self.0.execute(
            "DELETE FROM enrol_challenges WHERE expires_at <= ?1",
            params![now],
        )?;
        let live: i64 = self.value("SELECT COUNT(*) FROM enrol_challenges", &[])?;
        if live >= max {
            return Ok(false);
        }
        self.0.execute(
            "INSERT INTO enrol_challenges (nonce, expires_at) VALUES (?1, ?2)",
            params![nonce, until],
        )?;
        Ok(true)
    }

    fn enrol_challenge_take(&mut self, nonce: &[u8; 32], now: i64) -> Result<bool, Error> {
        self.changed_one(
            "DELETE FROM enrol_challenges WHERE nonce = ?1 AND expires_at > ?2",
            params![nonce, now],
        )
    }

    fn device_lock(&mut self, id: DeviceId) -> Result<Option<DeviceRow>, Error> {
        let sql = concat!("SELECT ", device_cols!(), " FROM devices WHERE id = ?1");
        self.one(
            &format!("{sql}{}", T::FOR_UPDATE),
            params![id.to_string()],
            device_row,
        )
    }

    fn device_set_head(&mut self, id: DeviceId, head: ChainHead) -> Result<(), Error> {
        self.0.execute(
            "UPDATE devices SET head_seq = ?1, head_hash = ?2 WHERE id = ?3",
            params![head.seq as i64, head.hash.to_hex(), id.to_string()],
        )?;
        Ok(())
    }

    fn device_reenrol(
        &mut self,
        id: DeviceId,
        user: UserId,
        name: &str,
        token: &[u8; 32],
    ) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE devices SET user_id = ?1, name = ?2, token_hash = ?3, prev_token_hash = NULL,
               prev_token_expires_at = NULL WHERE id = ?4 AND revoked_at IS NULL",
            params![user.to_string(), name, token, id.to_string()],
        )
    }

    fn device_revoke(&mut self, id: DeviceId, at: i64) -> Result<bool, Error> {
        self.changed_one(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
            params![at, id.to_string()],
        )
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>, Error> {
        let sql = concat!("SELECT ", device_cols!(), " FROM devices ORDER BY enrolled_at");
        self.all(sql, &[], device_row)
    }

    fn event_received_at(&mut self, device: DeviceId, seq: u64) -> Result<Option<i64>, Error> {
        let seq = i64::try_from(seq).map_err(|_| Error::Internal("seq out of range".into()))?;
        self.one(
            "SELECT received_at FROM events WHERE device = ?1 AND seq = ?2",
            params![device.to_string(), seq],
            |r| r.get(0),
        )
    }

    fn server_identity(&mut self) -> Result<Option<(DeviceId, [u8; 32])>, Error> {
        self.one(
            "SELECT device_id, secret_key FROM server_identity WHERE one = 1",
            &[],
            |r| {
                let mut key = [0u8; 32];
                hex::decode_to_slice(r.get::<String>(1)?, &mut key)
                    .map_err(|_| Error::Internal("server key".into()))?;
                Ok((r.parse(0)?, key))
            },
        )
    }

    fn server_identity_insert(&mut self, device: DeviceId, secret: &[u8; 32]) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO server_identity (one, device_id, secret_key) VALUES (1, ?1, ?2) ON CONFLICT DO NOTHING",
            params![device.to_string(), hex::encode(secret)],
        )?;
        Ok(())
    }

    fn log_lock(&mut self) -> Result<i64, Error> {
        let sql = "SELECT next_cursor FROM log_head WHERE one = 1";
        self.value(&format!("{sql}{}", T::FOR_UPDATE), &[])
    }

    fn log_advance(&mut self, next_cursor: i64) -> Result<(), Error> {
        self.0.execute(
            "UPDATE log_head SET next_cursor = ?1 WHERE one = 1",
            params![next_cursor],
        )?;
        Ok(())
    }

    fn event_by_id(&mut self, id: EventId) -> Result<Option<StoredEvent>, Error> {
        let sql = concat!("SELECT ", event_cols!(), " FROM events WHERE id = ?1");
        self.one(sql, params![id.to_string()], stored_event)
    }

    fn event_by_device_seq(&mut self, device: DeviceId, seq: u64) -> Result<Option<StoredEvent>, Error> {
        let sql = concat!(
            "SELECT ",
            event_cols!(),
            " FROM events WHERE device = ?1 AND seq = ?2"
        );
        self.one(sql, params![device.to_string(), seq as i64], stored_event)
    }

    fn event_insert(&mut self, row: &NewEvent<'_>) -> Result<bool, Error> {
        let e = row.event;
        let flag = row.flag.as_ref();
        self.changed_one(
            "INSERT INTO events (cursor, id, device, seq, hash, hlc_wall, hlc_counter, agg_kind, agg_id,
               unit, owner, is_reference, body, flag_code, flag_message, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT DO NOTHING",
            params![
                row.cursor,
                e.id.to_string(),
                e.device.to_string(),
                e.seq as i64,
                e.hash.to_hex(),
                e.hlc.wall_ms,
                i64::from(e.hlc.counter),
                kind_name(row.aggregate.kind),
                row.aggregate.id.to_string(),
                row.unit.map(|u| u.to_string()),
                row.owner.map(|u| u.to_string()),
                row.is_reference,
                &row.body,
                flag.map(|f| &f.code),
                flag.map(|f| &f.message),
                row.received_at
            ],
        )
    }

    fn event_set_flag(&mut self, id: EventId, flag: Option<&Rejection>) -> Result<(), Error> {
        self.0.execute(
            "UPDATE events SET flag_code = ?1, flag_message = ?2 WHERE id = ?3",
            params![flag.map(|f| &f.code), flag.map(|f| &f.message), id.to_string()],
        )?;
        Ok(())
    }

    fn aggregate_events(&mut self, a: AggregateRef) -> Result<Vec<(String, Option<String>)>, Error> {
        self.all(
            "SELECT body, flag_code FROM events WHERE agg_kind = ?1 AND agg_id = ?2",
            params![kind_name(a.kind), a.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn events_after(&mut self, cursor: i64, v: &Visibility, limit: u32) -> Result<Vec<(i64, String)>, Error> {
        let limit = i64::from(limit);
        let read = |r: &Row| Ok((r.get(0)?, r.get(1)?));
        match v {
            Visibility::Units(units) => self.all(
                concat!(
                    "SELECT e.cursor, e.body FROM events e WHERE e.cursor > ?1 AND ",
                    event_applied!(),
                    " AND (e.unit IS NULL OR e.unit IN (?3))
                     ORDER BY e.cursor LIMIT ?2"
                ),
                params![cursor, limit, strings(units)],
                read,
            ),
            Visibility::Field {
                units,
                reaches,
                owner,
                server_device,
            } => self.all(
                concat!(
                    "SELECT e.cursor, e.body FROM events e WHERE e.cursor > ?1 AND ",
                    event_applied!(),
                    " AND (
                       (e.is_reference = TRUE AND (e.unit IS NULL OR e.unit IN (?5)))
                       OR (e.is_reference = TRUE AND e.agg_kind = 'reach' AND e.agg_id IN (?6))
                       OR (e.device = ?3 AND e.owner = ?4 AND e.is_reference = FALSE))
                     ORDER BY e.cursor LIMIT ?2"
                ),
                params![
                    cursor,
                    limit,
                    server_device.to_string(),
                    owner.to_string(),
                    strings(units),
                    strings(reaches)
                ],
                read,
            ),
        }
    }

    fn event_count(&mut self) -> Result<i64, Error> {
        self.value("SELECT COUNT(*) FROM events", &[])
    }

    fn ping(&mut self) -> Result<(), Error> {
        self.0.query("SELECT 1", &[]).map(drop)
    }

    fn aggregate_get(&mut self, a: AggregateRef) -> Result<Option<AggregateRow>, Error> {
        let sql = concat!(
            "SELECT ",
            aggregate_cols!(),
            " FROM aggregates WHERE kind = ?1 AND id = ?2"
        );
        self.one(sql, params![kind_name(a.kind), a.id.to_string()], aggregate_row)
    }

    fn aggregate_put(&mut self, row: &AggregateRow) -> Result<(), Error> {
        self.0.execute(
            concat!(
                "INSERT INTO aggregates (",
                aggregate_cols!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (kind, id) DO UPDATE SET unit = excluded.unit, owner = excluded.owner,
                   state = excluded.state, last_hlc_wall = excluded.last_hlc_wall,
                   last_hlc_counter = excluded.last_hlc_counter, last_hlc_device = excluded.last_hlc_device,
                   last_event = excluded.last_event, record_ms = excluded.record_ms, status = excluded.status"
            ),
            params![
                kind_name(row.aggregate.kind),
                row.aggregate.id.to_string(),
                row.unit.map(|u| u.to_string()),
                row.owner.map(|u| u.to_string()),
                &row.state,
                row.last.0,
                i64::from(row.last.1),
                row.last.2.to_string(),
                row.last.3.to_string(),
                row.record_ms,
                row.status.as_ref()
            ],
        )?;
        Ok(())
    }

    fn records_page(&mut self, f: &RecordFilter) -> Result<Vec<AggregateRow>, Error> {
        let mut sql = String::from(concat!(
            "SELECT ",
            aggregate_cols!(),
            " FROM aggregates WHERE kind = ?1 AND unit IN (?2)"
        ));
        let mut args: Vec<Value<'_>> = vec![kind_name(f.kind).into(), strings(&f.units).into()];
        // Only the filters given become clauses, so each combination is a plain indexed query.
        let mut and = |clause: &str, v: Value<'static>| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(s) = &f.status {
            and(" AND status = ?", s.clone().into());
        }
        if let Some(o) = f.owner {
            and(" AND owner = ?", o.to_string().into());
        }
        if let Some(t) = f.from_ms {
            and(" AND record_ms >= ?", t.into());
        }
        if let Some(t) = f.to_ms {
            and(" AND record_ms < ?", t.into());
        }
        if let Some((ms, id)) = &f.before {
            and(" AND (record_ms < ? OR (record_ms = ?", (*ms).into());
            and(" AND id < ?))", id.clone().into());
        }
        and(
            " ORDER BY record_ms DESC, id DESC LIMIT ?",
            i64::from(f.limit).into(),
        );
        self.all(&sql, &args, aggregate_row)
    }

    fn aggregates_of_units(
        &mut self,
        kind: AggregateKind,
        units: &[UnitId],
        limit: u32,
    ) -> Result<Vec<AggregateRow>, Error> {
        let sql = concat!(
            "SELECT ",
            aggregate_cols!(),
            " FROM aggregates WHERE kind = ?1 AND unit IN (?3) ORDER BY last_hlc_wall DESC LIMIT ?2"
        );
        self.all(
            sql,
            params![kind_name(kind), i64::from(limit), strings(units)],
            aggregate_row,
        )
    }

    fn aggregates_of_kind(&mut self, kind: AggregateKind) -> Result<Vec<AggregateRow>, Error> {
        let sql = concat!(
            "SELECT ",
            aggregate_cols!(),
            " FROM aggregates WHERE kind = ?1 ORDER BY id"
        );
        self.all(sql, params![kind_name(kind)], aggregate_row)
    }

    fn fact_put(&mut self, f: &FactRow) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO record_facts (kind, id, unit, record_ms, fact) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, id) DO UPDATE SET unit = excluded.unit, record_ms = excluded.record_ms,
               fact = excluded.fact",
            params![
                kind_name(f.aggregate.kind),
                f.aggregate.id.to_string(),
                f.unit.map(|u| u.to_string()),
                f.record_ms,
                &f.fact
            ],
        )?;
        Ok(())
    }

    fn facts_of_units(
        &mut self,
        kind: AggregateKind,
        units: &[UnitId],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<String>, Error> {
        self.all(
            "SELECT fact FROM record_facts WHERE kind = ?1 AND unit IN (?4)
               AND record_ms >= ?2 AND record_ms < ?3",
            params![kind_name(kind), from_ms, to_ms, strings(units)],
            |r| r.get(0),
        )
    }

    fn facts_of(&mut self, kind: AggregateKind, ids: &[uuid::Uuid]) -> Result<Vec<(String, String)>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.all(
            "SELECT id, fact FROM record_facts WHERE kind = ?1 AND id IN (?2)",
            params![kind_name(kind), strings(ids)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn aggregates_without_facts(
        &mut self,
        after: (&str, &str),
        limit: u32,
    ) -> Result<Vec<RawAggregate>, Error> {
        self.all(
            "SELECT kind, id, unit, state FROM aggregates a WHERE kind IN ('patrol', 'inspection', 'finding')
               AND (kind > ?1 OR (kind = ?1 AND id > ?2))
               AND NOT EXISTS (SELECT 1 FROM record_facts f WHERE f.kind = a.kind AND f.id = a.id)
             ORDER BY kind, id LIMIT ?3",
            params![after.0, after.1, i64::from(limit)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    fn facts_clear(&mut self) -> Result<(), Error> {
        self.0.execute("DELETE FROM record_facts", params![])?;
        Ok(())
    }

    fn blob_lock(&mut self, hash: &str) -> Result<(), Error> {
        self.0.lock_key(hash)
    }

    fn blob_size(&mut self, hash: &str) -> Result<Option<i64>, Error> {
        self.one("SELECT size FROM blobs WHERE hash = ?1", params![hash], |r| {
            r.get(0)
        })
    }

    fn blob_insert(&mut self, hash: &str, size: i64, at: i64) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO blobs (hash, size, stored_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![hash, size, at],
        )?;
        Ok(())
    }

    fn blob_delete(&mut self, hash: &str) -> Result<(), Error> {
        self.0
            .execute("DELETE FROM blob_holders WHERE hash = ?1", params![hash])?;
        self.0
            .execute("DELETE FROM blobs WHERE hash = ?1", params![hash])?;
        Ok(())
    }

    fn blob_held(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error> {
        self.value(
            "SELECT EXISTS (SELECT 1 FROM blob_holders WHERE hash = ?1 AND device = ?2)",
            params![hash, device.to_string()],
        )
    }

    fn blob_holder_insert(&mut self, hash: &str, device: DeviceId, at: i64) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO blob_holders (hash, device, since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![hash, device.to_string(), at],
        )?;
        Ok(())
    }

    fn blob_named_by(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error> {
        self.value(
            "SELECT EXISTS (SELECT 1 FROM blob_refs r JOIN events e ON e.id = r.event
             WHERE r.hash = ?1 AND e.device = ?2)",
            params![hash, device.to_string()],
        )
    }

    fn blob_in_record(&mut self, hash: &str, record: AggregateRef) -> Result<bool, Error> {
        self.value(
            concat!(
                "SELECT EXISTS (SELECT 1 FROM blob_refs r JOIN events e ON e.id = r.event
                   JOIN blob_holders h ON h.hash = r.hash AND h.device = e.device
                 WHERE r.hash = ?1 AND e.agg_kind = ?2 AND e.agg_id = ?3 AND ",
                event_applied!(),
                ")"
            ),
            params![hash, kind_name(record.kind), record.id.to_string()],
        )
    }

    fn blob_refs(&mut self, hash: &str) -> Result<Vec<Placement>, Error> {
        let sql = concat!(
            "SELECT r.unit, r.owner FROM blob_refs r JOIN events e ON e.id = r.event
               JOIN blob_holders h ON h.hash = r.hash AND h.device = e.device
             WHERE r.hash = ?1 AND ",
            event_applied!()
        );
        self.all(sql, params![hash], placement)
    }

    fn blob_ref_insert(
        &mut self,
        hash: &str,
        named_in: EventId,
        unit: Option<UnitId>,
        owner: Option<UserId>,
    ) -> Result<(), Error> {
        self.0.execute(
            "INSERT INTO blob_refs (hash, event, unit, owner) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            params![
                hash,
                named_in.to_string(),
                unit.map(|u| u.to_string()),
                owner.map(|u| u.to_string())
            ],
        )?;
        Ok(())
    }

    fn blob_is_named(&mut self, hash: &str) -> Result<bool, Error> {
        self.value(
            "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE hash = ?1)",
            params![hash],
        )
    }

    fn blobs_unnamed(&mut self, before: i64, limit: i64) -> Result<Vec<String>, Error> {
        self.all(
            "SELECT hash FROM blobs b WHERE stored_at < ?1
               AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = b.hash)
             ORDER BY stored_at LIMIT ?2",
            params![before, limit],
            |r| r.get(0),
        )
    }

    fn upload_parts(&mut self, device: DeviceId, hash: &str) -> Result<Vec<(i64, i64, i64)>, Error> {
        self.all(
            "SELECT start_offset, total, length(bytes) FROM upload_parts
             WHERE device = ?1 AND hash = ?2 ORDER BY start_offset",
            params![device.to_string(), hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    fn upload_part_insert(&mut self, device: DeviceId, part: &UploadPart<'_>) -> Result<(), Error> {
        self.0.execute(
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
        )?;
        Ok(())
    }

    fn upload_part_bytes(&mut self, device: DeviceId, hash: &str) -> Result<Vec<Vec<u8>>, Error> {
        self.all(
            "SELECT bytes FROM upload_parts WHERE device = ?1 AND hash = ?2 ORDER BY start_offset",
            params![device.to_string(), hash],
            |r| r.get(0),
        )
    }

    fn upload_parts_delete(&mut self, device: DeviceId, hash: &str) -> Result<(), Error> {
        self.0.execute(
            "DELETE FROM upload_parts WHERE device = ?1 AND hash = ?2",
            params![device.to_string(), hash],
        )?;
        Ok(())
    }

    fn upload_bytes_pending(&mut self, device: DeviceId) -> Result<i64, Error> {
        self.value(
            "SELECT COALESCE(SUM(length(bytes)), 0) FROM upload_parts WHERE device = ?1",
            params![device.to_string()],
        )
    }

    fn uploads_sweep(&mut self, before: i64) -> Result<(i64, i64), Error> {
        // One statement, so what is counted is exactly what went (PostgreSQL runs writers side
        // by side); the counting is Rust's, as SQLite has no DELETE inside a WITH.
        let gone: Vec<(String, String, i64)> = self.all(
            "DELETE FROM upload_parts WHERE (device, hash) IN (
               SELECT device, hash FROM upload_parts GROUP BY device, hash HAVING MAX(received_at) < ?1)
             RETURNING device, hash, length(bytes)",
            params![before],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let uploads = gone
            .iter()
            .map(|(device, hash, _)| (device, hash))
            .collect::<std::collections::HashSet<_>>()
            .len();
        let bytes = gone.iter().map(|(_, _, n)| n).sum();
        Ok((i64::try_from(uploads).unwrap_or(i64::MAX), bytes))
    }
}
