//! xuncha's domain: identities, the records of the three workflows (river patrol, safety
//! inspection, fishing-ban patrol), the events that change them, their validation, the fold of
//! events into state, and tamper evidence (hash chains and signatures). Pure: no I/O, no clock
//! (callers pass `now`), no randomness beyond fresh ids.
#![forbid(unsafe_code)]

pub mod access;
pub mod calendar;
pub mod catalogue;
pub mod event;
pub mod figures;
pub mod fold;
pub mod geo;
pub mod hash;
pub mod id;
pub mod judge;
pub mod payload;
pub mod people;
pub mod position;
pub mod quota;
pub mod reference;
pub mod rules;
pub mod state;
pub mod time;
pub mod validate;
pub mod wire;
pub mod words;

pub use ed25519_dalek::SigningKey;
pub use event::{ChainError, ChainHead, DevicePublicKey, Event, EventDraft, verify_chain};
pub use hash::{BlobHash, EventHash};
pub use id::*;
pub use payload::Payload;
pub use position::{Position, TrackPoint};
pub use time::{Hlc, HlcClock, UnixMs};
pub use words::{Lang, Say};
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
