//! Storage: the one `Storage` trait of primitive operations inside a transaction, the
//! `Database` that opens a backend from its URL and runs transactions on a small pool of
//! blocking connections, and the rows the backends read and write. The rules (what a push
//! means, who may see what) live above this module and are written once for both backends;
//! so is every statement (`queries`), which a backend only renders in its dialect and locks
//! (`sqlite`, `postgres`). Nothing here may decide about validity or visibility.

mod pool;
pub mod postgres;
mod queries;
mod sql;
pub mod sqlite;

use crate::error::Error;
use std::sync::Arc;
use xuncha_domain::payload::{AggregateKind, AggregateRef};
use xuncha_domain::people::User;
use xuncha_domain::state::Rejection;
use xuncha_domain::{
    ChainHead, DeviceId, DevicePublicKey, Event, EventHash, EventId, UnitId, UnixMs, UserId,
};

pub use pool::Database;

/// A device as the server knows it; the server's own chain is a device without a user.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub user: Option<UserId>,
    pub name: String,
    pub public_key: DevicePublicKey,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    pub head: Option<ChainHead>,
}

/// What the log says about one stored event, enough to answer a replay.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub cursor: i64,
    pub id: EventId,
    pub device: DeviceId,
    pub seq: u64,
    pub hash: EventHash,
    pub flag: Option<Rejection>,
}

/// A new row of the log.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    pub cursor: i64,
    pub event: &'a Event,
    pub body: String,
    pub aggregate: AggregateRef,
    pub unit: Option<UnitId>,
    pub owner: Option<UserId>,
    pub is_reference: bool,
    pub flag: Option<Rejection>,
    pub received_at: i64,
}

/// An aggregate of the read model with the last event folded into it.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateRow {
    pub aggregate: AggregateRef,
    pub unit: Option<UnitId>,
    pub owner: Option<UserId>,
    /// `xuncha_domain::state::AggregateState` as JSON.
    pub state: String,
    /// Order key of the last event folded in: (wall ms, counter, device, event).
    pub last: (i64, u32, DeviceId, EventId),
    /// The record's own time (`AggregateState::record_time`), the lists' order.
    pub record_ms: i64,
    /// A finding's status name, for the lists' filter.
    pub status: Option<String>,
}

/// An aggregate row's kind, id, unit and state as stored.
pub type RawAggregate = (String, String, Option<String>, String);

/// The facts of one record for the office's figures (`xuncha_domain::figures`, as JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct FactRow {
    pub aggregate: AggregateRef,
    pub unit: Option<UnitId>,
    pub record_ms: i64,
    pub fact: String,
}

/// One page of an office list: records of `kind` in `units`, newest by their own time first,
/// strictly after the cursor `before` (the last row of the previous page).
#[derive(Clone, Debug)]
pub struct RecordFilter {
    pub kind: AggregateKind,
    pub units: Vec<UnitId>,
    pub status: Option<String>,
    pub owner: Option<UserId>,
    /// The record's own time in [from_ms, to_ms).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before: Option<(i64, String)>,
    pub limit: u32,
}

/// Which events of the log a reader may see. Never an event flagged `invalid` or
/// `not_authorised` (`fold::PERMANENT_FLAGS`): those are kept as evidence, not handed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Office staff: every event of these units, and reference data without a unit.
    Units(Vec<UnitId>),
    /// A field worker: reference data of these units (their own, the ones above and the ones
    /// below) or without a unit, of the `reaches` naming them as a chief wherever filed, and the
    /// server chain's decisions on records `owner` made.
    Field {
        units: Vec<UnitId>,
        reaches: Vec<uuid::Uuid>,
        owner: UserId,
        server_device: DeviceId,
    },
}

/// Where a record is filed: its unit and the user who made it.
pub type Placement = (Option<UnitId>, Option<UserId>);

/// SQL: the event `e` is applied to its record — unflagged, or flagged only by the state
/// machine (which a later refold may lift), not by `fold::PERMANENT_FLAGS`.
macro_rules! event_applied {
    () => {
        "(e.flag_code IS NULL OR e.flag_code NOT IN ('invalid', 'not_authorised'))"
    };
}
pub(crate) use event_applied;

#[cfg(test)]
#[test]
fn event_applied_names_every_permanent_flag() {
    for f in crate::fold::PERMANENT_FLAGS {
        assert!(event_applied!().contains(&format!("'{f}'")), "{f}");
    }
}

/// A device found by a token.
pub struct TokenMatch {
    pub device: DeviceRow,
    /// When the matched token expires.
    pub expires_at: Option<i64>,
    /// The token matched was the one the device last refreshed with, not its current one.
    pub previous: bool,
    /// The device still has such a previous token.
    pub previous_pending: bool,
}

/// One chunk of a device's upload.
pub struct UploadPart<'a> {
    pub hash: &'a str,
    pub start: i64,
    /// The whole blob's length, as the device announced it.
    pub total: i64,
    pub bytes: &'a [u8],
    pub received_at: i64,
}

/// A user with their secrets, as read for a sign-in.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub user: User,
    pub password_hash: String,
    pub disabled: bool,
}

/// The primitive operations of one transaction. Implemented once per backend; every method
/// runs inside the transaction `Database::write`/`read` opened.
pub trait Storage {
    // ---- people
    fn unit_upsert(&mut self, unit: &xuncha_domain::people::Unit) -> Result<(), Error>;
    fn units(&mut self) -> Result<Vec<xuncha_domain::people::Unit>, Error>;
    /// `false` when the login is taken.
    fn user_insert(&mut self, user: &User, password_hash: &str) -> Result<bool, Error>;
    /// Sets a user's password and ends their office sessions; `false` when there is no such user.
    fn user_set_password(&mut self, id: UserId, password_hash: &str, at: i64) -> Result<bool, Error>;
    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>, Error>;
    fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRow>, Error>;
    fn users(&mut self) -> Result<Vec<User>, Error>;
    /// `false` when there is no such user.
    fn user_set_disabled(&mut self, id: UserId, disabled: bool) -> Result<bool, Error>;
    /// A new session that stops working at `expires_at` (unix ms).
    fn session_insert(
        &mut self,
        token_hash: &[u8; 32],
        user: UserId,
        at: i64,
        expires_at: i64,
    ) -> Result<(), Error>;
    /// Ends a session; `false` when there was no live one.
    fn session_revoke(&mut self, token_hash: &[u8; 32], at: i64) -> Result<bool, Error>;
    /// The user of a not revoked session, and when it expires (`None`: a session from before
    /// expiry existed; the caller decides).
    fn session_user(&mut self, token_hash: &[u8; 32]) -> Result<Option<(UserId, Option<i64>)>, Error>;

    // ---- devices
    fn device_insert(&mut self, device: &DeviceRow, token_hash: Option<&[u8; 32]>) -> Result<(), Error>;
    /// The device holding this token, as its current one or the one it last refreshed with.
    fn device_by_token(&mut self, token_hash: &[u8; 32]) -> Result<Option<TokenMatch>, Error>;
    /// The device's new token has been used: the one it refreshed with ends.
    fn device_forget_previous_token(&mut self, id: DeviceId) -> Result<(), Error>;
    /// Gives a device a new token (or none: signed out) valid until `expires_at`.
    fn device_set_token(
        &mut self,
        id: DeviceId,
        token_hash: Option<&[u8; 32]>,
        expires_at: Option<i64>,
    ) -> Result<bool, Error>;
    /// Swaps a live device token for a new one in one step; `old` (the device's current token,
    /// or the one it last refreshed with, whose answer may have been lost) stays usable until
    /// the new one is first used. Of two refreshes with the same token the later wins. `false`
    /// when `old` is no device's token (any more).
    fn device_replace_token(
        &mut self,
        old: &[u8; 32],
        new: &[u8; 32],
        expires_at: i64,
    ) -> Result<bool, Error>;
    /// Ends a device token (the device signed out); the device stays enrolled and may sign in
    /// again. `false` when no device holds it.
    fn device_drop_token(&mut self, token_hash: &[u8; 32]) -> Result<bool, Error>;

    // ---- enrolment challenges
    /// Forgets expired challenges, then stores a new one unless `max_live` are outstanding
    /// (`false`: too many, try later).
    fn enrol_challenge_insert(
        &mut self,
        nonce: &[u8; 32],
        expires_at: i64,
        now: i64,
        max_live: i64,
    ) -> Result<bool, Error>;
    /// Uses a challenge up: `true` only for a stored, unexpired nonce, and only once.
    fn enrol_challenge_take(&mut self, nonce: &[u8; 32], now: i64) -> Result<bool, Error>;
    /// Reads a device and locks its row (its chain head) until the transaction ends.
    fn device_lock(&mut self, id: DeviceId) -> Result<Option<DeviceRow>, Error>;
    fn device_set_head(&mut self, id: DeviceId, head: ChainHead) -> Result<(), Error>;
    /// A known, not revoked device signs in again (another user, a new token); its chain stays.
    /// `false` when there is no such live device.
    fn device_reenrol(
        &mut self,
        id: DeviceId,
        user: UserId,
        name: &str,
        token_hash: &[u8; 32],
    ) -> Result<bool, Error>;
    /// `false` when there is no such device.
    fn device_revoke(&mut self, id: DeviceId, at: i64) -> Result<bool, Error>;
    fn devices(&mut self) -> Result<Vec<DeviceRow>, Error>;
    /// When the server received a device's event `seq` (its latest: the head), if it has it.
    fn event_received_at(&mut self, device: DeviceId, seq: u64) -> Result<Option<i64>, Error>;

    // ---- the server's own signing identity
    fn server_identity(&mut self) -> Result<Option<(DeviceId, [u8; 32])>, Error>;
    /// Inserts unless one exists (several processes may start at once).
    fn server_identity_insert(&mut self, device: DeviceId, secret: &[u8; 32]) -> Result<(), Error>;

    // ---- the log
    /// Locks the cursor allocator until the transaction ends and returns the next free cursor.
    /// Holding it makes cursors commit in order, so a reader never skips a late commit.
    fn log_lock(&mut self) -> Result<i64, Error>;
    fn log_advance(&mut self, next_cursor: i64) -> Result<(), Error>;
    fn event_by_id(&mut self, id: EventId) -> Result<Option<StoredEvent>, Error>;
    fn event_by_device_seq(&mut self, device: DeviceId, seq: u64) -> Result<Option<StoredEvent>, Error>;
    /// `false` when an event with this id or (device, seq) is already stored.
    fn event_insert(&mut self, row: &NewEvent<'_>) -> Result<bool, Error>;
    fn event_set_flag(&mut self, id: EventId, flag: Option<&Rejection>) -> Result<(), Error>;
    /// Every event of an aggregate as stored (JSON) with its flag code, in no particular order.
    fn aggregate_events(&mut self, aggregate: AggregateRef) -> Result<Vec<(String, Option<String>)>, Error>;
    /// Visible events after `cursor`, oldest first, at most `limit`.
    fn events_after(
        &mut self,
        cursor: i64,
        visibility: &Visibility,
        limit: u32,
    ) -> Result<Vec<(i64, String)>, Error>;
    fn event_count(&mut self) -> Result<i64, Error>;
    /// A trivial query: the database answers.
    fn ping(&mut self) -> Result<(), Error>;

    // ---- the read model
    fn aggregate_get(&mut self, aggregate: AggregateRef) -> Result<Option<AggregateRow>, Error>;
    fn aggregate_put(&mut self, row: &AggregateRow) -> Result<(), Error>;
    /// A page of records (see `RecordFilter`).
    fn records_page(&mut self, f: &RecordFilter) -> Result<Vec<AggregateRow>, Error>;
    fn aggregates_of_units(
        &mut self,
        kind: AggregateKind,
        units: &[UnitId],
        limit: u32,
    ) -> Result<Vec<AggregateRow>, Error>;
    /// Every aggregate of `kind`, whatever its unit (reference data filed under none, such as
    /// checklists), by id.
    fn aggregates_of_kind(&mut self, kind: AggregateKind) -> Result<Vec<AggregateRow>, Error>;
    /// Records the facts of a record for the office's figures (`facts`), replacing older ones.
    fn fact_put(&mut self, fact: &FactRow) -> Result<(), Error>;
    /// The facts of records of `kind` in `units` whose own time lies in `[from_ms, to_ms)`.
    fn facts_of_units(
        &mut self,
        kind: AggregateKind,
        units: &[UnitId],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<String>, Error>;
    /// The facts of these records of `kind` that have them: (id, fact).
    fn facts_of(&mut self, kind: AggregateKind, ids: &[uuid::Uuid]) -> Result<Vec<(String, String)>, Error>;
    /// Records of the kinds that have facts but none yet (made before facts were kept), after
    /// `after` (kind name, id) in that order, at most `limit`: (kind, id, unit, state) as
    /// stored, unparsed, so one bad row cannot stop the others.
    fn aggregates_without_facts(
        &mut self,
        after: (&str, &str),
        limit: u32,
    ) -> Result<Vec<RawAggregate>, Error>;
    /// Forgets every fact (for a rebuild from the read model).
    fn facts_clear(&mut self) -> Result<(), Error>;

    // ---- blobs
    /// Serialises uploads of one blob across processes until the transaction ends.
    fn blob_lock(&mut self, hash: &str) -> Result<(), Error>;
    /// The size of a stored (complete, verified) blob.
    fn blob_size(&mut self, hash: &str) -> Result<Option<i64>, Error>;
    fn blob_insert(&mut self, hash: &str, size: i64, at: i64) -> Result<(), Error>;
    /// Removes a stored blob's row and its holders (the sweep; its file goes with it).
    fn blob_delete(&mut self, hash: &str) -> Result<(), Error>;
    /// Whether `device` proved it holds the blob, by uploading every byte of it.
    fn blob_held(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error>;
    fn blob_holder_insert(&mut self, hash: &str, device: DeviceId, at: i64) -> Result<(), Error>;
    /// Whether one of `device`'s stored events (flagged ones too: they are evidence) names it.
    fn blob_named_by(&mut self, hash: &str, device: DeviceId) -> Result<bool, Error>;
    /// Whether the record holds the blob: an unflagged event of the record names it, sent by a
    /// device that holds it.
    fn blob_in_record(&mut self, hash: &str, record: AggregateRef) -> Result<bool, Error>;
    /// The (unit, owner) of every record that holds the blob, in that sense.
    fn blob_refs(&mut self, hash: &str) -> Result<Vec<Placement>, Error>;
    fn blob_ref_insert(
        &mut self,
        hash: &str,
        event: EventId,
        unit: Option<UnitId>,
        owner: Option<UserId>,
    ) -> Result<(), Error>;
    /// Whether any stored event names the blob.
    fn blob_is_named(&mut self, hash: &str) -> Result<bool, Error>;
    /// Stored blobs, stored before `before`, that no stored event names; at most `limit`.
    fn blobs_unnamed(&mut self, before: i64, limit: i64) -> Result<Vec<String>, Error>;

    // ---- a device's unfinished uploads
    /// Parts of `device`'s upload received so far: (start offset, total announced, length).
    fn upload_parts(&mut self, device: DeviceId, hash: &str) -> Result<Vec<(i64, i64, i64)>, Error>;
    fn upload_part_insert(&mut self, device: DeviceId, part: &UploadPart<'_>) -> Result<(), Error>;
    fn upload_part_bytes(&mut self, device: DeviceId, hash: &str) -> Result<Vec<Vec<u8>>, Error>;
    fn upload_parts_delete(&mut self, device: DeviceId, hash: &str) -> Result<(), Error>;
    /// Bytes held in all of `device`'s unfinished uploads.
    fn upload_bytes_pending(&mut self, device: DeviceId) -> Result<i64, Error>;
    /// Deletes every unfinished upload whose last part arrived before `before`: (uploads, bytes).
    fn uploads_sweep(&mut self, before: i64) -> Result<(i64, i64), Error>;
}

/// Which backend a URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path; created on first start.
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, Error> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::Config("sqlite:// 后面需要数据库文件路径".into()));
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(Error::Config(format!(
                "不支持的数据库地址 {url:?}：请用 sqlite://路径 或 postgres://…"
            )))
        }
    }
}

pub(crate) fn kind_name(kind: AggregateKind) -> &'static str {
    kind.as_str()
}

pub(crate) fn kind_from_name(name: &str) -> Result<AggregateKind, Error> {
    name.parse()
        .map_err(|e| Error::Internal(format!("{e} in the database")))
}

pub(crate) fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T, Error> {
    s.parse()
        .map_err(|_| Error::Internal(format!("malformed id {s:?} in the database")))
}

pub(crate) fn parse_head(seq: Option<i64>, hash: Option<String>) -> Result<Option<ChainHead>, Error> {
    match (seq, hash) {
        (Some(seq), Some(hash)) => Ok(Some(ChainHead {
            seq: u64::try_from(seq).map_err(|_| Error::Internal("negative head seq".into()))?,
            hash: parse_id(&hash)?,
        })),
        _ => Ok(None),
    }
}

pub(crate) fn flag_of(code: Option<String>, message: Option<String>) -> Option<Rejection> {
    code.map(|code| Rejection {
        code,
        message: message.unwrap_or_default(),
    })
}

pub(crate) fn roles_json(user: &User) -> Result<String, Error> {
    serde_json::to_string(&user.roles).map_err(|e| Error::Internal(format!("roles: {e}")))
}

pub(crate) fn roles_from_json(s: &str) -> Result<Vec<xuncha_domain::people::Role>, Error> {
    serde_json::from_str(s).map_err(|e| Error::Internal(format!("roles in the database: {e}")))
}

pub(crate) fn public_key(s: &str) -> Result<DevicePublicKey, Error> {
    s.parse()
        .map_err(|_| Error::Internal("malformed public key in the database".into()))
}

/// Shared handle to the open database.
pub type SharedDatabase = Arc<Database>;
