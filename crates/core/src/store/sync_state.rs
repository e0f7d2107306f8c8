//! What the store keeps about syncing: the account (server, token, user, server key, pull
//! cursor), when the token was issued and expires, a signed-out token the server has not yet
//! been told to revoke, the server's verdicts on pushed events, which blobs the server holds,
//! and settings. It also signs an enrolment challenge with the device's key (the key never
//! leaves the store).

use super::Store;
use crate::error::{CoreError, Result};
use crate::secrets::{self, REVOKED_TOKEN as REVOKED, TOKEN};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use xuncha_domain::event::DevicePublicKey;
use xuncha_domain::people::User;
use xuncha_domain::{BlobHash, DeviceId, EventId, UnixMs};

/// The server this device is enrolled with.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub server_url: String,
    #[serde(skip_serializing)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub token: String,
    pub user: User,
    pub server_device: DeviceId,
    pub server_public_key: DevicePublicKey,
    pub pull_cursor: u64,
    pub enrolled_at: UnixMs,
}

const PENDING_REVOCATION: &str = "sync.pending_revocation";
const TOKEN_ISSUED_AT: &str = "sync.token_issued_at";
const TOKEN_EXPIRES_AT: &str = "sync.token_expires_at";

/// A token this device signed out of, to be revoked on its server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRevocation {
    pub server_url: String,
    pub token: String,
}

/// A pushed event the server did not simply accept.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRejection {
    pub event_id: EventId,
    pub code: String,
    pub message: String,
    /// The server keeps the event (as flagged evidence); otherwise it refused it outright.
    pub kept: bool,
}

impl Store {
    /// What the file keeps of a token: the token itself, or nothing when the keystore keeps
    /// it (under `what`).
    fn seal(&self, what: &str, token: &str) -> Result<String> {
        match &self.vault {
            None => Ok(token.to_owned()),
            Some(v) => {
                v.set(&secrets::name(self.device, what), token.as_bytes())?;
                Ok(String::new())
            }
        }
    }

    /// The token the file's `stored` stands for.
    fn unseal(&self, what: &str, stored: String) -> Result<String> {
        if !stored.is_empty() {
            return Ok(stored);
        }
        let Some(v) = &self.vault else {
            return Err(CoreError::Other(
                "这台设备的令牌保存在系统钥匙串中，但本次运行没有使用系统钥匙串".into(),
            ));
        };
        let bytes = v
            .get(&secrets::name(self.device, what))?
            .ok_or_else(|| CoreError::Other("系统钥匙串中找不到这台设备的令牌：请重新登录".into()))?;
        String::from_utf8(bytes)
            .map_err(|_| CoreError::Other("系统钥匙串中的令牌无法读取：请重新登录".into()))
    }

    /// A signed-out token the file still holds moves to the keystore.
    pub(super) fn move_signed_out_token_to_vault(&mut self) -> Result<()> {
        if self.vault.is_none() {
            return Ok(());
        }
        let Some(p) = self.pending_revocation_as_stored()? else {
            return Ok(());
        };
        if !p.token.is_empty() {
            self.set_pending_revocation(&p)?;
        }
        Ok(())
    }

    fn set_pending_revocation(&mut self, p: &PendingRevocation) -> Result<()> {
        let stored = PendingRevocation {
            server_url: p.server_url.clone(),
            token: self.seal(REVOKED, &p.token)?,
        };
        let json = serde_json::to_string(&stored).map_err(|e| CoreError::corrupt("待注销令牌", e))?;
        self.conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
            params![PENDING_REVOCATION, json],
        )?;
        Ok(())
    }

    fn pending_revocation_as_stored(&self) -> Result<Option<PendingRevocation>> {
        self.setting(PENDING_REVOCATION)?
            .map(|v| serde_json::from_str(&v).map_err(|e| CoreError::corrupt("待注销令牌", e)))
            .transpose()
    }

    pub fn account(&self) -> Result<Option<Account>> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, token, user_json, server_device, server_public_key, pull_cursor, enrolled_at
                 FROM sync_account WHERE singleton = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((server_url, token, user, server_device, key, cursor, at)) = row else {
            return Ok(None);
        };
        let bad = |what: &str| CoreError::Other(format!("同步账户中的{what}无法读取"));
        Ok(Some(Account {
            server_url,
            token: self.unseal(TOKEN, token)?,
            user: serde_json::from_str(&user).map_err(|e| CoreError::corrupt("同步账户", e))?,
            server_device: server_device.parse().map_err(|_| bad("服务器编号"))?,
            server_public_key: key.parse().map_err(|_| bad("服务器公钥"))?,
            pull_cursor: cursor as u64,
            enrolled_at: UnixMs(at),
        }))
    }

    /// Records a successful enrolment and binds the device to the user.
    pub fn save_account(&mut self, a: &Account) -> Result<()> {
        let user = serde_json::to_string(&a.user).map_err(|e| CoreError::corrupt("用户", e))?;
        let token = self.seal(TOKEN, &a.token)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A new account starts pulling from the beginning: what the server shows depends on who
        // is signed in.
        tx.execute(
            "INSERT OR REPLACE INTO sync_account (singleton, server_url, token, user_json, server_device,
                 server_public_key, pull_cursor, enrolled_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, 0, ?6)",
            params![
                a.server_url,
                token,
                user,
                a.server_device.to_string(),
                a.server_public_key.to_hex(),
                a.enrolled_at.0
            ],
        )?;
        tx.execute(
            "UPDATE device SET user_id = ?1, unit_id = ?2 WHERE singleton = 1",
            params![a.user.id.to_string(), a.user.unit.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets the server account. Records stay, and unsynced ones stay in the outbox. The
    /// token is kept aside as a pending revocation until the server has been told to end it
    /// (at once when online, else at the next sync or sign-in).
    pub fn sign_out(&mut self) -> Result<()> {
        let held = self.account()?.map(|a| PendingRevocation {
            server_url: a.server_url,
            token: a.token,
        });
        if let Some(p) = &held {
            // Kept aside first (in the keystore when there is one): the server has to hear of it.
            self.set_pending_revocation(p)?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM sync_account", [])?;
        tx.execute(
            "DELETE FROM settings WHERE key IN (?1, ?2)",
            params![TOKEN_ISSUED_AT, TOKEN_EXPIRES_AT],
        )?;
        tx.commit()?;
        if let Some(v) = &self.vault {
            v.delete(&secrets::name(self.device, TOKEN))?;
        }
        Ok(())
    }

    /// A signed-out token the server has not yet confirmed as revoked.
    pub fn pending_revocation(&self) -> Result<Option<PendingRevocation>> {
        self.pending_revocation_as_stored()?
            .map(|p| {
                Ok(PendingRevocation {
                    token: self.unseal(REVOKED, p.token)?,
                    server_url: p.server_url,
                })
            })
            .transpose()
    }

    /// The server ended the token (or it can no longer be used anyway).
    pub fn clear_pending_revocation(&mut self, token: &str) -> Result<()> {
        if self.pending_revocation()?.is_some_and(|p| p.token == token) {
            self.conn
                .execute("DELETE FROM settings WHERE key = ?1", [PENDING_REVOCATION])?;
            if let Some(v) = &self.vault {
                v.delete(&secrets::name(self.device, REVOKED))?;
            }
        }
        Ok(())
    }

    /// When the account's token was issued and when it stops working (`None`: unknown, e.g.
    /// from a server before tokens expired).
    pub fn token_lifetime(&self) -> Result<Option<(UnixMs, UnixMs)>> {
        let read = |key| -> Result<Option<i64>> { Ok(self.setting(key)?.and_then(|v| v.parse().ok())) };
        Ok(match (read(TOKEN_ISSUED_AT)?, read(TOKEN_EXPIRES_AT)?) {
            (Some(issued), Some(expires)) => Some((UnixMs(issued), UnixMs(expires))),
            _ => None,
        })
    }

    /// Keeps a new token for the account (after enrolment or a refresh) and its lifetime.
    pub fn set_token(&mut self, token: &str, issued_at: UnixMs, expires_at: Option<i64>) -> Result<()> {
        let token = self.seal(TOKEN, token)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("UPDATE sync_account SET token = ?1 WHERE singleton = 1", [token])?;
        match expires_at {
            Some(expires) => {
                tx.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2), (?3, ?4)",
                    params![
                        TOKEN_ISSUED_AT,
                        issued_at.0.to_string(),
                        TOKEN_EXPIRES_AT,
                        expires.to_string()
                    ],
                )?;
            }
            None => {
                tx.execute(
                    "DELETE FROM settings WHERE key IN (?1, ?2)",
                    params![TOKEN_ISSUED_AT, TOKEN_EXPIRES_AT],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The device key's signature (hex) over an enrolment proof
    /// (`xuncha_domain::wire::enrol_proof_message`).
    pub fn sign_enrol_proof(&self, message: &[u8]) -> String {
        use ed25519_dalek::Signer;
        hex::encode(self.key.sign(message).to_bytes())
    }

    pub fn set_pull_cursor(&mut self, cursor: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_account SET pull_cursor = ?1 WHERE singleton = 1",
            [cursor as i64],
        )?;
        Ok(())
    }

    pub fn record_push_rejection(&mut self, r: &PushRejection, now: UnixMs) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO push_rejections (event_id, code, message, kept, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.event_id.to_string(), r.code, r.message, r.kept, now.0],
        )?;
        Ok(())
    }

    pub fn push_rejections(&self) -> Result<BTreeMap<EventId, PushRejection>> {
        let mut stmt = self
            .conn
            .prepare("SELECT event_id, code, message, kept FROM push_rejections")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (id, code, message, kept) = row?;
            let event_id: EventId = id
                .parse()
                .map_err(|_| CoreError::Other(format!("事件编号无法读取：{id}")))?;
            out.insert(
                event_id,
                PushRejection {
                    event_id,
                    code,
                    message,
                    kept,
                },
            );
        }
        Ok(out)
    }

    /// Every blob this device's own events refer to, with the kind of reference.
    pub fn referenced_blobs(&self) -> Result<Vec<(BlobHash, BlobUse)>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT body FROM events WHERE is_local = 1
               AND type IN ('PhotoAttached', 'CommitmentLetterSigned', 'DocumentSigned', 'SignatureRefused',
                            'FindingRectified')
             ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for body in rows {
            let event = super::parse_event(&body?)?;
            match &event.payload {
                xuncha_domain::Payload::PhotoAttached(p) => {
                    out.extend(p.thumbnail.map(|h| (h, BlobUse::Thumbnail)));
                    out.extend(p.upload.map(|h| (h, BlobUse::UploadCopy)));
                    out.push((p.original, BlobUse::Original));
                }
                other => out.extend(other.blobs().into_iter().map(|h| (h, BlobUse::Signature))),
            }
        }
        Ok(out)
    }

    pub fn blobs_on_server(&self) -> Result<HashSet<BlobHash>> {
        let mut stmt = self.conn.prepare("SELECT hash FROM blobs_on_server")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|h| {
            let h = h?;
            h.parse()
                .map_err(|_| CoreError::Other(format!("哈希无法读取：{h}")))
        })
        .collect()
    }

    pub fn mark_blob_on_server(&mut self, hash: &BlobHash, now: UnixMs) -> Result<()> {
        self.mark_blobs_on_server(std::slice::from_ref(hash), now)
    }

    /// Notes that the server holds these blobs, in one transaction: one durable write for a
    /// batch, not one per blob.
    pub fn mark_blobs_on_server(&mut self, hashes: &[BlobHash], now: UnixMs) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO blobs_on_server (hash, confirmed_at) VALUES (?1, ?2)",
            )?;
            for hash in hashes {
                insert.execute(params![hash.to_hex(), now.0])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }
}

/// How an event uses a blob, which decides when it is sent.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobUse {
    /// Small and needed to show the record: first.
    Signature,
    Thumbnail,
    UploadCopy,
    /// The photo as taken: last, and only when allowed (at the office, unmetered network).
    Original,
}
