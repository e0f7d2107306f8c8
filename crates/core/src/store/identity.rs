//! The device's identity and clock: its id, its Ed25519 signing key, its HLC and the head of its
//! event chain, kept in one row that is read and written inside each append's transaction.

use crate::error::{CoreError, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use xuncha_domain::event::DevicePublicKey;
use xuncha_domain::{DeviceId, EventHash, HlcClock, SigningKey, UnitId, UserId};

/// Who this device is and whom it belongs to, for display.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    pub device_id: DeviceId,
    pub public_key: DevicePublicKey,
    pub user_id: Option<UserId>,
    pub unit_id: Option<UnitId>,
    pub events_made: u64,
}

pub(crate) struct DeviceRow {
    pub device_id: DeviceId,
    /// `None` when the key is kept in the system keystore instead (`crate::secrets`).
    key_bytes: Option<[u8; 32]>,
    pub clock: HlcClock,
    pub last_seq: u64,
    pub last_hash: EventHash,
    pub user_id: Option<UserId>,
    pub unit_id: Option<UnitId>,
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse()
        .map_err(|_| CoreError::Other(format!("设备信息中的{what}无法读取：{s:?}")))
}

impl DeviceRow {
    pub fn load(conn: &Connection) -> Result<DeviceRow> {
        let row = conn
            .prepare_cached(
                "SELECT device_id, signing_key, hlc_wall, hlc_counter, last_seq, last_hash, user_id, unit_id
             FROM device WHERE singleton = 1",
            )?
            .query_row([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })?;
        let (device, key, wall, counter, last_seq, last_hash, user, unit) = row;
        let device_id: DeviceId = parse(&device, "设备编号")?;
        let key_bytes: Option<[u8; 32]> = match key.len() {
            0 => None,
            _ => Some(
                key.try_into()
                    .map_err(|_| CoreError::Other("设备密钥长度不对".to_owned()))?,
            ),
        };
        Ok(DeviceRow {
            device_id,
            key_bytes,
            clock: HlcClock {
                device: device_id,
                last_wall_ms: wall,
                last_counter: counter,
            },
            last_seq: last_seq as u64,
            last_hash: parse(&last_hash, "链头哈希")?,
            user_id: user.as_deref().map(|u| parse(u, "用户编号")).transpose()?,
            unit_id: unit.as_deref().map(|u| parse(u, "单位编号")).transpose()?,
        })
    }

    pub fn save(&self, conn: &Connection) -> Result<()> {
        conn.prepare_cached(
            "UPDATE device SET hlc_wall = ?1, hlc_counter = ?2, last_seq = ?3, last_hash = ?4
             WHERE singleton = 1",
        )?
        .execute(params![
            self.clock.last_wall_ms,
            self.clock.last_counter,
            self.last_seq as i64,
            self.last_hash.to_hex()
        ])?;
        Ok(())
    }

    /// The key, when the store file holds it.
    pub fn signing_key(&self) -> Option<SigningKey> {
        self.key_bytes.as_ref().map(SigningKey::from_bytes)
    }

    pub fn identity(&self, public_key: DevicePublicKey) -> DeviceIdentity {
        DeviceIdentity {
            device_id: self.device_id,
            public_key,
            user_id: self.user_id,
            unit_id: self.unit_id,
            events_made: self.last_seq,
        }
    }
}

/// Reads the device row, creating the identity (a fresh id and key) on first use.
pub(crate) fn load_or_create(conn: &mut Connection) -> Result<DeviceRow> {
    let exists: Option<i64> = conn
        .query_row("SELECT singleton FROM device", [], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| CoreError::Other(format!("无法生成设备密钥：{e}")))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        conn.execute(
            "INSERT INTO device (singleton, device_id, signing_key, created_at, hlc_wall, hlc_counter,
                                 last_seq, last_hash)
             VALUES (1, ?1, ?2, ?3, 0, 0, 0, ?4)",
            params![
                DeviceId::new().to_string(),
                seed.to_vec(),
                now,
                EventHash::GENESIS.to_hex()
            ],
        )?;
    }
    DeviceRow::load(conn)
}
