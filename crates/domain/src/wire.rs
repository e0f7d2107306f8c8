//! The sync contract's messages, exactly as they cross HTTP under `/api/v1`: enrolment, push,
//! pull, blob upload and the error body. The device's sync client and the server both use these
//! types, so a change here is a change of the protocol. Plain data: no I/O, no behaviour beyond
//! (de)serialising.
//!
//! Routes (all JSON unless said):
//! - `POST /api/v1/enrol/challenge` → `EnrolChallenge` (no token: a fresh nonce to sign)
//! - `POST /api/v1/enrol` `EnrolRequest` → `EnrolResponse` (no token needed: the user's
//!   credentials are the authority, and the device's signature over the challenge proves it
//!   holds the key it enrols)
//! - `POST /api/v1/token/refresh` → `TokenRefreshResponse` (device token: a new token, the old
//!   one stops working)
//! - `POST /api/v1/token/revoke` → 204 (device token: signing out ends the token on the server)
//! - `POST /api/v1/sync/push` `PushRequest` → `PushResponse` (device token)
//! - `GET  /api/v1/sync/pull?after=CURSOR&limit=N` → `PullResponse` (device token)
//! - `POST /api/v1/blobs/missing` `MissingBlobsRequest` → `MissingBlobsResponse` (device token)
//! - `GET  /api/v1/blobs/{hash}/upload` → `UploadStatus` (device token)
//! - `PUT  /api/v1/blobs/{hash}/upload?offset=N&total=T` raw bytes → `UploadStatus`
//! - `POST /api/v1/blobs/batch` raw frames (`encode_blob_frames`) → `BlobBatchResponse`
//!   (device token: many small blobs in one request)
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
/// - 3: `EnrolRequest::challenge`/`signature` (proof of the key, over `enrol_proof_message`),
///   `EnrolResponse::token_expires_at`, the token refresh and revoke routes.
/// - 4: `Event::occurred_at` (late entry, 补录) and `User::active_from`; the batch upload of
///   small blobs (`POST /blobs/batch`); `Retry-After` on every 429.
/// - 5: `Payload::PatrolRulesPublished` (patrol rules as reference data). A pull stops before
///   the first event its client is too old to read (`Payload::wire_version`).
/// - 6: `Payload::RecordReviewed` (the office approves a patrol or inspection, or sends it back
///   with a comment) and the `review` of a patrol's and inspection's state.
pub const WIRE_VERSION: u32 = 6;

/// The wire version a client sent in [`WIRE_VERSION_HEADER`]: 1 when absent, and also when it
/// cannot be read (the oldest shapes are the safe answer).
pub fn client_wire_version(header: Option<&str>) -> u32 {
    header.and_then(|v| v.trim().parse().ok()).unwrap_or(1)
}

/// The HTTP header that carries [`WIRE_VERSION`].
pub const WIRE_VERSION_HEADER: &str = "x-xuncha-wire";

/// The most events one push may carry; a larger batch is refused with 413.
pub const MAX_PUSH_EVENTS: usize = 500;

/// The most events one pull answers with.
pub const MAX_PULL_EVENTS: u32 = 1_000;

/// The longest login, password and device name an enrolment may carry (characters).
pub const MAX_LOGIN_CHARS: usize = 100;
pub const MAX_PASSWORD_CHARS: usize = 200;
pub const MAX_DEVICE_NAME_CHARS: usize = 200;

/// A fresh nonce from the server that an enrolling device signs, proving it holds the secret of
/// the public key it enrols. Valid once, until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolChallenge {
    /// 32 random bytes, hex.
    pub nonce: String,
    /// Unix ms after which the server no longer accepts it.
    pub expires_at: i64,
}

/// A device asks to join: a user's credentials vouch for the device's public key, and the
/// device's signature over the server's challenge proves it holds that key's secret.
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
    /// `EnrolChallenge::nonce`, as received (wire 3; refused when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// Hex of the Ed25519 signature by the device's key over [`enrol_proof_message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What an enrolling device signs: a fixed domain tag (so the signature can never pass for an
/// event's or anything else's), the server's nonce, and what it enrols (device, key, login), so a
/// signature made for one enrolment cannot be replayed for another.
pub fn enrol_proof_message(
    nonce: &str,
    device: DeviceId,
    public_key: &DevicePublicKey,
    login: &str,
) -> Vec<u8> {
    format!(
        "xuncha-enrol-proof-v1\nnonce={nonce}\ndevice={device}\npublic_key={}\nlogin={login}",
        public_key.to_hex()
    )
    .into_bytes()
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
    /// Unix ms when `token` stops working; refresh it before (wire 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<i64>,
}

/// The answer of `POST /token/refresh`: the token to use from now on (the one that asked no
/// longer works).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRefreshResponse {
    pub token: String,
    pub expires_at: i64,
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

/// The framing of `POST /blobs/batch`'s body (`application/octet-stream`): frames one after
/// another, each `[32-byte SHA-256][u32 little-endian length][that many bytes]`, nothing
/// before, between or after. Each frame is one whole blob.
pub const BLOB_FRAME_HEADER_BYTES: usize = 32 + 4;

/// One whole blob in a batch, as sent: its claimed hash and its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobFrame<'a> {
    pub hash: BlobHash,
    pub bytes: &'a [u8],
}

/// Why a batch body is not well framed. A malformed body is refused whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobFramingError {
    /// The body ends inside frame `frame` (0-based): in its header or before its bytes end.
    Truncated { frame: usize },
    /// Frame `frame` announces `length` bytes, more than `max` a frame may carry.
    TooLong { frame: usize, length: u64, max: u64 },
    /// More frames than `max`.
    TooManyFrames { max: usize },
    /// An empty blob (frame `frame`): a blob is never empty.
    Empty { frame: usize },
}

/// Writes frames for `POST /blobs/batch`.
pub fn encode_blob_frames<'a>(frames: impl IntoIterator<Item = BlobFrame<'a>>) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frames {
        out.extend_from_slice(&f.hash.0);
        // A frame is at most the batch's item limit (about a megabyte): it fits in a u32.
        out.extend_from_slice(&u32::try_from(f.bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(f.bytes);
    }
    out
}

/// Reads a batch body's frames, refusing the whole body if any frame is cut short, empty or
/// longer than `max_frame_bytes`, or if there are more than `max_frames`.
pub fn decode_blob_frames(
    body: &[u8],
    max_frame_bytes: u64,
    max_frames: usize,
) -> Result<Vec<BlobFrame<'_>>, BlobFramingError> {
    let mut frames = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let frame = frames.len();
        if frame >= max_frames {
            return Err(BlobFramingError::TooManyFrames { max: max_frames });
        }
        let (Some(hash), Some(len)) = (rest.get(..32), rest.get(32..BLOB_FRAME_HEADER_BYTES)) else {
            return Err(BlobFramingError::Truncated { frame });
        };
        let mut h = [0u8; 32];
        h.copy_from_slice(hash);
        let mut l = [0u8; 4];
        l.copy_from_slice(len);
        let length = u64::from(u32::from_le_bytes(l));
        if length > max_frame_bytes {
            return Err(BlobFramingError::TooLong {
                frame,
                length,
                max: max_frame_bytes,
            });
        }
        if length == 0 {
            return Err(BlobFramingError::Empty { frame });
        }
        // At most `max_frame_bytes`, which the caller keeps far below usize::MAX.
        let end = BLOB_FRAME_HEADER_BYTES.saturating_add(length as usize);
        let Some(bytes) = rest.get(BLOB_FRAME_HEADER_BYTES..end) else {
            return Err(BlobFramingError::Truncated { frame });
        };
        frames.push(BlobFrame {
            hash: BlobHash(h),
            bytes,
        });
        rest = &rest[end..];
    }
    Ok(frames)
}

/// What became of one frame of a batch. The same rules as a whole-blob upload by the chunked
/// PUT, item by item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BlobBatchOutcome {
    /// Verified and stored; this device now holds it.
    Stored,
    /// This device held it already, or another device had stored it and this one has now
    /// proved it holds it too.
    Held,
    /// No event this device has synced names the blob: sync the record first, then send it.
    NotNamed,
    /// The bytes are not what the hash names: nothing kept, send it again.
    HashMismatch,
    /// Another rule refused it (e.g. `wrong_offset`: an unfinished chunked upload of it is
    /// under way — finish that one; or `too_large`: the device's upload quota), with why.
    Refused { code: String, message: String },
}

/// One frame's answer, in the order of the frames.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobBatchResult {
    pub hash: BlobHash,
    /// The frame's length in bytes.
    pub size: u64,
    #[serde(flatten)]
    pub outcome: BlobBatchOutcome,
}

/// The answer to `POST /blobs/batch`: one result per frame, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobBatchResponse {
    pub results: Vec<BlobBatchResult>,
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

    #[test]
    fn an_enrolment_proof_names_everything_it_vouches_for() {
        let device = DeviceId::new();
        let key = DevicePublicKey([3; 32]);
        let base = enrol_proof_message("ab", device, &key, "chief1");
        assert!(base.starts_with(b"xuncha-enrol-proof-v1\n"), "domain-separated");
        assert_ne!(base, enrol_proof_message("ac", device, &key, "chief1"));
        assert_ne!(base, enrol_proof_message("ab", DeviceId::new(), &key, "chief1"));
        assert_ne!(
            base,
            enrol_proof_message("ab", device, &DevicePublicKey([4; 32]), "chief1")
        );
        assert_ne!(base, enrol_proof_message("ab", device, &key, "chief2"));
    }

    #[test]
    fn a_wire_2_enrolment_still_reads_and_leaves_the_proof_out() {
        let json = serde_json::json!({"device": DeviceId::new(), "login": "a", "password": "b",
            "public_key": DevicePublicKey([3; 32]), "device_name": "c"});
        let req: EnrolRequest = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((req.challenge.as_deref(), req.signature.as_deref()), (None, None));
        assert_eq!(serde_json::to_value(&req).unwrap_or_default(), json);
    }

    #[test]
    fn blob_frames_read_back_as_written() {
        let (a, b) = (b"signature".as_slice(), vec![7u8; 3000]);
        let frames = [
            BlobFrame {
                hash: BlobHash::of(a),
                bytes: a,
            },
            BlobFrame {
                hash: BlobHash::of(&b),
                bytes: &b,
            },
        ];
        let body = encode_blob_frames(frames);
        assert_eq!(body.len(), 2 * BLOB_FRAME_HEADER_BYTES + a.len() + b.len());
        assert_eq!(decode_blob_frames(&body, 4096, 10), Ok(frames.to_vec()));
        assert_eq!(decode_blob_frames(&[], 4096, 10), Ok(Vec::new()));
    }

    #[test]
    fn a_malformed_batch_is_refused_whole() {
        let a = b"signature".as_slice();
        let one = BlobFrame {
            hash: BlobHash::of(a),
            bytes: a,
        };
        let body = encode_blob_frames([one, one]);
        for cut in [
            body.len() - 1,
            body.len() - a.len() - 1,
            BLOB_FRAME_HEADER_BYTES + a.len() + 10,
        ] {
            assert_eq!(
                decode_blob_frames(&body[..cut], 4096, 10),
                Err(BlobFramingError::Truncated { frame: 1 })
            );
        }
        assert_eq!(
            decode_blob_frames(&body, 8, 10),
            Err(BlobFramingError::TooLong {
                frame: 0,
                length: a.len() as u64,
                max: 8
            })
        );
        assert_eq!(
            decode_blob_frames(&body, 4096, 1),
            Err(BlobFramingError::TooManyFrames { max: 1 })
        );
        let empty = encode_blob_frames([BlobFrame {
            hash: BlobHash::of(b""),
            bytes: b"",
        }]);
        assert_eq!(
            decode_blob_frames(&empty, 4096, 10),
            Err(BlobFramingError::Empty { frame: 0 })
        );
    }

    #[test]
    fn a_batch_result_reads_flat_on_the_wire() {
        let r = BlobBatchResult {
            hash: BlobHash::of(b"x"),
            size: 1,
            outcome: BlobBatchOutcome::Refused {
                code: "wrong_offset".into(),
                message: "m".into(),
            },
        };
        let json = serde_json::to_value(&r).unwrap_or_default();
        assert_eq!(json["outcome"], "refused");
        assert_eq!(json["code"], "wrong_offset");
        let back: BlobBatchResult = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, r);
    }
}
