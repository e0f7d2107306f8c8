//! The sync contract's messages, exactly as they cross HTTP under `/api/v1`: enrolment, push,
//! pull, blob upload and the error body. The device's sync client and the server both use these
//! types, so a change here is a change of the protocol. Plain data: no I/O, no behaviour beyond
//! (de)serialising.
//!
//! Routes (all JSON unless said):
//! - `POST /api/v1/enrol` `EnrolRequest` → `EnrolResponse` (no token needed: the user's
//!   credentials are the authority)
//! - `POST /api/v1/sync/push` `PushRequest` → `PushResponse` (device token)
//! - `GET  /api/v1/sync/pull?after=CURSOR&limit=N` → `PullResponse` (device token)
//! - `POST /api/v1/blobs/missing` `MissingBlobsRequest` → `MissingBlobsResponse` (device token)
//! - `GET  /api/v1/blobs/{hash}/upload` → `UploadStatus` (device token)
//! - `PUT  /api/v1/blobs/{hash}/upload?offset=N&total=T` raw bytes → `UploadStatus`
//! - `GET  /api/v1/blobs/{hash}` → the blob's bytes (device or user token)
//!
//! Tokens travel as `Authorization: Bearer <token>`. Every error is an `ErrorBody`.

use crate::event::{ChainHead, DevicePublicKey, Event};
use crate::hash::BlobHash;
use crate::id::{DeviceId, EventId};
use crate::people::User;
use serde::{Deserialize, Serialize};

/// The path prefix of this version of the contract.
pub const API_PREFIX: &str = "/api/v1";

/// The version of the shapes that cross the wire inside `/api/v1`, sent by every client in
/// [`WIRE_VERSION_HEADER`] (absent means 1) and by the server in its answers. A server refuses
/// a client whose version is newer than its own (426): it could not keep the fields it does not
/// know, and the events' hashes would no longer match. Each version only adds fields that are
/// left out when unset, so an event without them hashes as it always did.
/// - 1: the first contract.
/// - 2: `TrackPoint::gap_before`, `FixProvider::Imported`, `TrackPointsAppended::untimed`.
pub const WIRE_VERSION: u32 = 2;

/// The HTTP header that carries [`WIRE_VERSION`].
pub const WIRE_VERSION_HEADER: &str = "x-xuncha-wire";

/// The most events one push may carry; a larger batch is refused with 413.
pub const MAX_PUSH_EVENTS: usize = 500;

/// The most events one pull answers with.
pub const MAX_PULL_EVENTS: u32 = 1_000;

/// A device asks to join: a user's credentials vouch for the device's public key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// The device's own id, made on the device when its store was created: its events may
    /// predate enrolment, and enrolling again (another user, a new token) keeps its chain.
    pub device: DeviceId,
    pub login: String,
    pub password: String,
    /// The device's Ed25519 public key; every event the device makes is signed by its secret.
    pub public_key: DevicePublicKey,
    /// A name for people, e.g. "张三的手机".
    pub device_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device's id as the server registered it (the one it sent).
    pub device: DeviceId,
    /// Shown once; the server keeps only its hash. Sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// The user the device works for.
    pub user: User,
    /// The server's own chain (office decisions and reference data), so a device can verify
    /// what it pulls.
    pub server_device: DeviceId,
    pub server_public_key: DevicePublicKey,
}

/// A batch of the device's own events, in any order; the server sorts them by `seq`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub events: Vec<Event>,
}

/// What became of one pushed event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EventOutcome {
    /// The server holds this exact event (stored now or by an earlier push) and applied it.
    /// The answer depends only on what the server holds, so a replayed batch — resent after a
    /// lost answer, or sent to two server processes at once — is answered exactly alike.
    Accepted,
    /// The same event appeared earlier in this very batch; it was answered there.
    Duplicate,
    /// Not applied. `kept` says whether the event is in the server's log anyway:
    /// - `kept: true` — the event is authentic (signed, chained) but breaks a domain rule
    ///   (validation, or the state machine: a finding verified before it was rectified). It is
    ///   stored and flagged as evidence; the device's chain moves past it.
    /// - `kept: false` — the event cannot be trusted or placed (bad signature, forged or
    ///   re-ordered chain, another device's event, unreadable): it never enters the log and the
    ///   device's chain head stays where it was.
    Rejected {
        code: String,
        message: String,
        kept: bool,
    },
}

impl EventOutcome {
    /// Whether the server holds the event, so the device may mark it acknowledged.
    pub fn is_stored(&self) -> bool {
        match self {
            EventOutcome::Accepted | EventOutcome::Duplicate => true,
            EventOutcome::Rejected { kept, .. } => *kept,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAck {
    /// `None` only when the event could not be read at all.
    pub id: Option<EventId>,
    pub seq: Option<u64>,
    #[serde(flatten)]
    pub outcome: EventOutcome,
}

/// One `EventAck` per pushed event, in the order they were sent, and where the device's chain
/// stands on the server after the batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<EventAck>,
    pub head: Option<ChainHead>,
}

/// Query of `GET /sync/pull`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The server's cursor the device has seen up to; 0 at first.
    #[serde(default)]
    pub after: u64,
    pub limit: Option<u32>,
}

/// One event of the server's log with its place in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PulledEvent {
    pub cursor: u64,
    pub event: Event,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub events: Vec<PulledEvent>,
    /// Pass as `after` next time. Unchanged when nothing new was visible.
    pub cursor: u64,
    /// More visible events wait after `cursor`.
    pub more: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingBlobsRequest {
    pub hashes: Vec<BlobHash>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingBlobsResponse {
    /// Those of the asked hashes the server does not hold complete, in the order asked.
    pub missing: Vec<BlobHash>,
}

/// Query of `PUT /blobs/{hash}/upload`: where this chunk starts and the blob's whole size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadChunk {
    pub offset: u64,
    pub total: u64,
}

/// How much of a blob the server has. After a dropped connection a client asks for this and
/// sends the rest from `received`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    pub hash: BlobHash,
    pub received: u64,
    /// The blob is stored and its hash verified.
    pub complete: bool,
}

/// The body of every error answer: `code` is stable for programs, `message` says what to fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_reads_flat_on_the_wire() {
        let ack = EventAck {
            id: None,
            seq: Some(3),
            outcome: EventOutcome::Rejected {
                code: "bad_signature".into(),
                message: "签名无效".into(),
                kept: false,
            },
        };
        let json = serde_json::to_value(&ack).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"id": null, "seq": 3, "status": "rejected",
                "code": "bad_signature", "message": "签名无效", "kept": false})
        );
        let back: EventAck = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, ack);
    }
}
