//! The event envelope: who made the event, when (HLC), where it sits in its device's chain, and
//! the payload. The hash covers everything but the hash and signature themselves; the device
//! signs the hash with its Ed25519 key. Changing one byte of a stored event breaks the hash,
//! re-hashing breaks the next event's `prev_hash`, and re-signing needs the device's key.

use crate::hash::EventHash;
use crate::id::{DeviceId, EventId, UserId};
use crate::payload::Payload;
use crate::time::{Hlc, UnixMs};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The version of the envelope and payload format. Bumped with any change to either.
pub const FORMAT_VERSION: u32 = 1;

/// Domain separation for the event hash.
const HASH_PREFIX: &[u8] = b"xuncha-event\n";

/// An Ed25519 signature, hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct EventSignature(pub [u8; 64]);

impl fmt::Debug for EventSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventSignature({}…)", &hex::encode(self.0)[..16])
    }
}

impl Serialize for EventSignature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for EventSignature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; 64];
        hex::decode_to_slice(&s, &mut out)
            .map_err(|_| serde::de::Error::custom("签名必须是 128 位十六进制"))?;
        Ok(Self(out))
    }
}

/// A device's public key, hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct DevicePublicKey(pub [u8; 32]);

impl DevicePublicKey {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    pub fn verifying_key(&self) -> Result<VerifyingKey, ChainError> {
        VerifyingKey::from_bytes(&self.0).map_err(|_| ChainError::BadPublicKey)
    }
}

impl fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevicePublicKey({})", self.to_hex())
    }
}

impl std::str::FromStr for DevicePublicKey {
    type Err = ChainError;
    fn from_str(s: &str) -> Result<Self, ChainError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| ChainError::BadPublicKey)?;
        VerifyingKey::from_bytes(&out).map_err(|_| ChainError::BadPublicKey)?;
        Ok(Self(out))
    }
}

impl Serialize for DevicePublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for DevicePublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// An event as stored and sent.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub v: u32,
    pub id: EventId,
    pub device: DeviceId,
    /// 1, 2, 3… per device, without gaps.
    pub seq: u64,
    pub hlc: Hlc,
    /// The user signed in on the device when the event was made.
    pub author: Option<UserId>,
    /// When what the event records happened, if that was before it was entered (late entry,
    /// 补录: a paper record typed in afterwards); `hlc` stays the time of entry. Absent for
    /// everything recorded as it happens, and then left out of the hash as it always was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<UnixMs>,
    pub prev_hash: EventHash,
    pub payload: Payload,
    pub hash: EventHash,
    pub signature: EventSignature,
}

/// The part of an event that is hashed, in a fixed field order.
#[derive(Serialize)]
struct HashedBody<'a> {
    v: u32,
    id: &'a EventId,
    device: &'a DeviceId,
    seq: u64,
    hlc: &'a Hlc,
    author: &'a Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    occurred_at: &'a Option<UnixMs>,
    prev_hash: &'a EventHash,
    payload: &'a Payload,
}

/// What a device needs to make the next event of its chain.
pub struct EventDraft {
    pub id: EventId,
    pub device: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    pub author: Option<UserId>,
    /// Set only for late entry (see `Event::occurred_at`).
    pub occurred_at: Option<UnixMs>,
    pub prev_hash: EventHash,
    pub payload: Payload,
}

fn body_hash(body: &HashedBody<'_>) -> EventHash {
    // serde_json writes struct fields in declaration order and floats in their shortest exact
    // form, so the same event always gives the same bytes on every platform.
    let mut bytes = HASH_PREFIX.to_vec();
    // Serialising plain data into a Vec cannot fail; an error here would be a bug in serde.
    serde_json::to_writer(&mut bytes, body).expect("event body serialises");
    EventHash::of(&bytes)
}

impl EventDraft {
    pub fn sign(self, key: &SigningKey) -> Event {
        let hash = body_hash(&HashedBody {
            v: FORMAT_VERSION,
            id: &self.id,
            device: &self.device,
            seq: self.seq,
            hlc: &self.hlc,
            author: &self.author,
            occurred_at: &self.occurred_at,
            prev_hash: &self.prev_hash,
            payload: &self.payload,
        });
        let signature = EventSignature(key.sign(&hash.0).to_bytes());
        Event {
            v: FORMAT_VERSION,
            id: self.id,
            device: self.device,
            seq: self.seq,
            hlc: self.hlc,
            author: self.author,
            occurred_at: self.occurred_at,
            prev_hash: self.prev_hash,
            payload: self.payload,
            hash,
            signature,
        }
    }
}

impl Event {
    /// The hash this event's body really has (compare with `self.hash`).
    pub fn computed_hash(&self) -> EventHash {
        body_hash(&HashedBody {
            v: self.v,
            id: &self.id,
            device: &self.device,
            seq: self.seq,
            hlc: &self.hlc,
            author: &self.author,
            occurred_at: &self.occurred_at,
            prev_hash: &self.prev_hash,
            payload: &self.payload,
        })
    }

    /// Checks the event on its own: its hash and its signature.
    pub fn verify_self(&self, key: &VerifyingKey) -> Result<(), ChainError> {
        if self.v != FORMAT_VERSION {
            return Err(ChainError::UnknownVersion {
                event: self.id,
                v: self.v,
            });
        }
        if self.hlc.device != self.device {
            return Err(ChainError::ForeignClock { event: self.id });
        }
        if self.computed_hash() != self.hash {
            return Err(ChainError::HashMismatch {
                event: self.id,
                seq: self.seq,
            });
        }
        let sig = ed25519_dalek::Signature::from_bytes(&self.signature.0);
        key.verify(&self.hash.0, &sig)
            .map_err(|_| ChainError::BadSignature {
                event: self.id,
                seq: self.seq,
            })
    }

    /// Total order of events across devices: by HLC, then by id.
    pub fn order_key(&self) -> (Hlc, EventId) {
        (self.hlc, self.id)
    }
}

/// Why a chain of events is not trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("设备公钥无效")]
    BadPublicKey,
    #[error("事件 {event} 的格式版本 {v} 不受支持，请升级")]
    UnknownVersion { event: EventId, v: u32 },
    #[error("事件 {event} 的时钟不属于其设备")]
    ForeignClock { event: EventId },
    #[error("事件 {event}（序号 {seq}）的内容与其哈希不符：内容被改动过")]
    HashMismatch { event: EventId, seq: u64 },
    #[error("事件 {event}（序号 {seq}）的签名无效")]
    BadSignature { event: EventId, seq: u64 },
    #[error("事件 {event} 属于设备 {found}，不属于 {expected}")]
    WrongDevice {
        event: EventId,
        expected: DeviceId,
        found: DeviceId,
    },
    #[error("序号不连续：期望 {expected}，实际 {found}（事件 {event}）")]
    SequenceGap {
        event: EventId,
        expected: u64,
        found: u64,
    },
    #[error("事件 {event}（序号 {seq}）没有接在前一个事件之后：链被改动或重排")]
    BrokenLink { event: EventId, seq: u64 },
}

/// Where a device's chain stands: the last event accepted. `None` for a device with no events.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: EventHash,
}

/// Verifies that `events` (sorted by `seq`) continue the chain of `device` after `head`: every
/// hash recomputes, every signature is the device's, seqs follow without a gap and each event
/// links to the one before. Returns the new head.
pub fn verify_chain(
    device: DeviceId,
    key: &DevicePublicKey,
    head: Option<ChainHead>,
    events: &[Event],
) -> Result<Option<ChainHead>, ChainError> {
    let key = key.verifying_key()?;
    let mut head = head;
    for e in events {
        if e.device != device {
            return Err(ChainError::WrongDevice {
                event: e.id,
                expected: device,
                found: e.device,
            });
        }
        let (expected_seq, expected_prev) = match head {
            Some(h) => (h.seq + 1, h.hash),
            None => (1, EventHash::GENESIS),
        };
        if e.seq != expected_seq {
            return Err(ChainError::SequenceGap {
                event: e.id,
                expected: expected_seq,
                found: e.seq,
            });
        }
        e.verify_self(&key)?;
        if e.prev_hash != expected_prev {
            return Err(ChainError::BrokenLink {
                event: e.id,
                seq: e.seq,
            });
        }
        head = Some(ChainHead {
            seq: e.seq,
            hash: e.hash,
        });
    }
    Ok(head)
}
