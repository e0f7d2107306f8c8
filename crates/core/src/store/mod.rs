//! The device store: one SQLite database holding the device's identity, the event log and the
//! read tables projected from it. Every change is an event appended in the same IMMEDIATE
//! transaction that updates the projections, so the two never disagree; the projections can be
//! dropped and rebuilt from the log at any time. This module never decides what an event means
//! (that is `xuncha_domain::state`); it only stores, orders and projects.

mod access;
mod identity;
mod migrations;
mod projection;
pub mod queries;
mod sync_state;

use crate::error::{CoreError, Result};
use crate::secrets::{self, SecretStore};
use identity::DeviceRow;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;
use xuncha_domain::event::{ChainHead, DevicePublicKey, EventDraft, verify_chain};
use xuncha_domain::{DeviceId, Event, EventId, Payload, SigningKey, UnitId, UnixMs, UserId};

pub use identity::DeviceIdentity;
pub use sync_state::{Account, BlobUse, PushRejection};

/// What happened to a remote event offered to `ingest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    New,
    AlreadyHad,
}

pub struct Store {
    conn: Connection,
    key: SigningKey,
    device: DeviceId,
    /// Where the token is kept when not in the store file (`crate::secrets`).
    vault: Option<Box<dyn SecretStore>>,
}

impl Store {
    /// Opens (creating if needed) the store at `path`. A new store gets a new device identity.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, None)
    }

    /// Opens the store keeping the signing key and tokens in `vault` (the system keystore)
    /// rather than in the file; secrets still in the file move there.
    pub fn open_with(path: &Path, vault: Option<Box<dyn SecretStore>>) -> Result<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        owner_only(path, true)?;
        let store = Self::setup(Connection::open(path)?, vault)?;
        // SQLite gives its -wal and -shm files the mode of the database file; ones left by an
        // earlier version (world-readable) are tightened here.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            owner_only(Path::new(&side), false)?;
        }
        Ok(store)
    }

    /// A throwaway store (tests, benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        Self::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, vault: Option<Box<dyn SecretStore>>) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL so readers never block the writer; synchronous=FULL because a record that was
        // shown as saved must survive a power cut: these are evidence.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations::run(&mut conn)?;
        let row = identity::load_or_create(&mut conn)?;
        let key = match (row.signing_key(), &vault) {
            (Some(key), None) => key,
            (Some(key), Some(v)) => {
                // Into the keystore, read back, and only then out of the file.
                let name = secrets::name(row.device_id, secrets::SIGNING_KEY);
                v.set(&name, key.as_bytes())?;
                if v.get(&name)?.as_deref() != Some(key.as_bytes().as_slice()) {
                    return Err(CoreError::Other(
                        "系统钥匙串没有保存好设备密钥，密钥仍留在本机数据文件中".into(),
                    ));
                }
                move_token_to_vault(&conn, row.device_id, v.as_ref())?;
                conn.pragma_update(None, "secure_delete", true)?;
                conn.execute("UPDATE device SET signing_key = x'' WHERE singleton = 1", [])?;
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                key
            }
            (None, Some(v)) => {
                let bytes = v.get(&secrets::name(row.device_id, secrets::SIGNING_KEY))?;
                let bytes: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
                    CoreError::Other(
                        "系统钥匙串中找不到这台设备的签名密钥：本机记录仍在，但不能再签名新记录；请联系管理员重新登记设备"
                            .into(),
                    )
                })?;
                SigningKey::from_bytes(&bytes)
            }
            (None, None) => {
                return Err(CoreError::Other(
                    "这台设备的签名密钥保存在系统钥匙串中，但本次运行没有使用系统钥匙串：请用 --keystore system（或 auto）在已解锁钥匙串的桌面会话中打开"
                        .into(),
                ));
            }
        };
        let mut store = Store {
            key,
            device: row.device_id,
            conn,
            vault,
        };
        store.move_signed_out_token_to_vault()?;
        Ok(store)
    }

    /// Whether the signing key and tokens are kept in the system keystore.
    pub fn uses_system_keystore(&self) -> bool {
        self.vault.is_some()
    }

    pub fn device_id(&self) -> DeviceId {
        self.device
    }

    pub fn public_key(&self) -> DevicePublicKey {
        DevicePublicKey(self.key.verifying_key().to_bytes())
    }

    pub fn identity(&self) -> Result<DeviceIdentity> {
        Ok(DeviceRow::load(&self.conn)?.identity(self.public_key()))
    }

    /// Binds the device to a user and unit (done at enrolment).
    pub fn set_user(&mut self, user: UserId, unit: UnitId) -> Result<()> {
        self.conn.execute(
            "UPDATE device SET user_id = ?1, unit_id = ?2 WHERE singleton = 1",
            params![user.to_string(), unit.to_string()],
        )?;
        Ok(())
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Read access to the database, for queries and tests. All writes go through `append`
    /// and `ingest`.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Makes a new event of this device from `payload`, checks it, and appends it with its
    /// projections in one durable transaction. If the payload is invalid, the signed-in user
    /// may not make it (the access model) or the record's lifecycle forbids it, nothing is
    /// written and the error says why.
    pub fn append(&mut self, payload: Payload, now: UnixMs) -> Result<Event> {
        self.append_late(payload, now, None)
    }

    /// `append`, entered at `now` for what happened at `occurred_at` when that is given (late
    /// entry, 补录: the event's clock stamp stays the time of entry).
    pub fn append_late(
        &mut self,
        payload: Payload,
        now: UnixMs,
        occurred_at: Option<UnixMs>,
    ) -> Result<Event> {
        xuncha_domain::validate::validate(&payload, now)?;
        if let Some(at) = occurred_at {
            xuncha_domain::validate::validate_late_entry(at, now, &xuncha_domain::time::TimeWindow::DEFAULT)?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut device = DeviceRow::load(&tx)?;
        let hlc = device.clock.tick(now);
        let event = EventDraft {
            id: EventId::new(),
            device: self.device,
            seq: device.last_seq + 1,
            hlc,
            author: device.user_id,
            occurred_at,
            prev_hash: device.last_hash,
            payload,
        }
        .sign(&self.key);
        // Decide by the rules before anything is written: a refused action leaves no trace.
        access::check(&tx, &event)?;
        let decided = projection::decide_local(&tx, &event)?;
        insert_event(&tx, &event, true, now, None)?;
        projection::save_local(&tx, &event, decided)?;
        device.last_seq = event.seq;
        device.last_hash = event.hash;
        device.save(&tx)?;
        tx.commit()?;
        Ok(event)
    }

    /// Takes in events made elsewhere (pulled from the server, or a reference bundle). Each is
    /// stored once; a new one is projected in HLC order with the rest, whenever it arrives.
    pub fn ingest(
        &mut self,
        events: &[Event],
        now: UnixMs,
        server_seq: Option<i64>,
    ) -> Result<Vec<Ingested>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut device = DeviceRow::load(&tx)?;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            let existing: Option<String> = tx
                .query_row(
                    "SELECT hash FROM events WHERE id = ?1",
                    [event.id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(hash) = existing {
                if hash != event.hash.to_hex() {
                    return Err(CoreError::Other(format!(
                        "事件 {} 与本机已有的同一事件内容不同，拒绝接收",
                        event.id
                    )));
                }
                out.push(Ingested::AlreadyHad);
                continue;
            }
            if event.computed_hash() != event.hash {
                return Err(CoreError::Other(format!("事件 {} 的内容与其哈希不符", event.id)));
            }
            let own = event.device == self.device;
            insert_event(&tx, event, own, now, server_seq)?;
            // Bounded: a stamp beyond the time window is stored but never adopted.
            device.clock.observe(event.hlc, now);
            projection::apply(&tx, event)?;
            out.push(Ingested::New);
        }
        device.save(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Drops every read table and projects the whole log again.
    pub fn rebuild(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        projection::rebuild(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Events of this device the server has not acknowledged, oldest first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM events WHERE is_local = 1 AND acked_at IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|b| parse_event(&b?)).collect()
    }

    /// Who made the events still waiting to go up (the user signed in when each was made), with
    /// how many each, and the name the device knows them by.
    pub fn outbox_authors(&self) -> Result<Vec<(UserId, Option<String>, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.author, json_extract(a.state, '$.state.name'), count(*)
               FROM (SELECT json_extract(body, '$.author') AS author FROM events
                      WHERE is_local = 1 AND acked_at IS NULL) e
               LEFT JOIN aggregates a ON a.kind = 'user' AND a.id = e.author
              WHERE e.author IS NOT NULL
              GROUP BY e.author",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, n) = row?;
            let id = id
                .parse()
                .map_err(|e| CoreError::Other(format!("事件作者编号 {id} 无法解析：{e}")))?;
            out.push((id, name, n as u64));
        }
        Ok(out)
    }

    pub fn outbox_len(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM events WHERE is_local = 1 AND acked_at IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The server confirmed it holds these events.
    pub fn mark_acked(&mut self, ids: &[EventId], now: UnixMs) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE events SET acked_at = ?2 WHERE id = ?1 AND acked_at IS NULL")?;
            for id in ids {
                stmt.execute(params![id.to_string(), now.0])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Checks this device's own chain end to end: every hash, every signature, every link.
    pub fn verify_own_chain(&self) -> Result<Option<ChainHead>, CoreError> {
        let events = self.events_of_device(self.device)?;
        verify_chain(self.device, &self.public_key(), None, &events)
            .map_err(|e| CoreError::Other(format!("本机事件链校验失败：{e}")))
    }

    pub fn events_of_device(&self, device: DeviceId) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM events WHERE device_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([device.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|b| parse_event(&b?)).collect()
    }

    /// Every event in the store, in HLC order.
    pub fn all_events(&self) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM events ORDER BY hlc_wall, hlc_counter, hlc_device, id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|b| parse_event(&b?)).collect()
    }

    /// The next number for a document made on this device (on-site records, letters).
    pub(crate) fn next_document_number(&mut self) -> Result<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n: i64 = tx.query_row(
            "UPDATE device SET doc_counter = doc_counter + 1 WHERE singleton = 1 RETURNING doc_counter",
            [],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(n as u64)
    }
}

/// Makes the file at `path` readable and writable by its owner only (0600), creating it empty
/// first if `create`: the store holds the device's signing key and its token. A file created
/// by an earlier version is tightened too. Elsewhere than Unix the platform's defaults stand.
#[cfg(unix)]
fn owner_only(path: &Path, create: bool) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if create {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
    } else if !path.exists() {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path, _create: bool) -> Result<()> {
    Ok(())
}

/// A token the file still holds moves to the keystore (the file keeps an empty one).
fn move_token_to_vault(conn: &Connection, device: DeviceId, vault: &dyn SecretStore) -> Result<()> {
    let token: Option<String> = conn
        .query_row("SELECT token FROM sync_account WHERE singleton = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        vault.set(&secrets::name(device, secrets::TOKEN), token.as_bytes())?;
        conn.execute("UPDATE sync_account SET token = '' WHERE singleton = 1", [])?;
    }
    Ok(())
}

pub(crate) fn parse_event(body: &str) -> Result<Event> {
    serde_json::from_str(body).map_err(|e| CoreError::corrupt("事件", e))
}

fn insert_event(
    tx: &rusqlite::Transaction<'_>,
    event: &Event,
    is_local: bool,
    now: UnixMs,
    server_seq: Option<i64>,
) -> Result<()> {
    let agg = event.payload.aggregate();
    let body = serde_json::to_string(event).map_err(|e| CoreError::corrupt("事件", e))?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (id, device_id, seq, hlc_wall, hlc_counter, hlc_device, type,
             aggregate_kind, aggregate_id, hash, body, is_local, received_at, server_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    stmt.execute(params![
        event.id.to_string(),
        event.device.to_string(),
        event.seq as i64,
        event.hlc.wall_ms,
        event.hlc.counter,
        event.hlc.device.to_string(),
        event.payload.type_name(),
        agg.kind.as_str(),
        agg.id.to_string(),
        event.hash.to_hex(),
        body,
        is_local,
        now.0,
        server_seq,
    ])
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            CoreError::Other(format!(
                "设备 {} 的序号 {} 已被另一个事件占用：事件链分叉，已拒绝",
                event.device, event.seq
            ))
        }
        other => other.into(),
    })?;
    Ok(())
}
