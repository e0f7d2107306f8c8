//! Whether a record's events are still what their devices signed: each event's hash recomputes
//! from its stored body, its signature is its device's, and it links to the event before it in
//! that device's chain as stored. Checked on every read of a record, so that what the office
//! shows as evidence is verified where it is shown, not only when it arrived.

use crate::db::Storage;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use xuncha_domain::event::ChainError;
use xuncha_domain::{DeviceId, DevicePublicKey, Event, EventHash};

/// The outcome of checking a record's events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    /// No problem found: every hash, signature and link holds.
    pub intact: bool,
    pub events: usize,
    /// The devices (phones and the server's own chain) whose events make the record.
    pub devices: usize,
    /// What failed, one sentence each (Chinese).
    pub problems: Vec<String>,
}

/// Checks `events` (a record's, as stored) against the devices' keys and chains in `s`.
pub fn check(s: &mut dyn Storage, events: &[Event]) -> Result<ChainCheck, Error> {
    let keys: BTreeMap<DeviceId, DevicePublicKey> =
        s.devices()?.into_iter().map(|d| (d.id, d.public_key)).collect();
    let mut problems = Vec::new();
    let mut devices = BTreeSet::new();
    for e in events {
        devices.insert(e.device);
        let Some(key) = keys.get(&e.device) else {
            problems.push(format!(
                "事件 {}（序号 {}）的设备 {} 不在服务器上",
                e.id, e.seq, e.device
            ));
            continue;
        };
        let verified = key.verifying_key().and_then(|k| e.verify_self(&k));
        if let Err(err) = verified {
            problems.push(err.to_string());
            continue;
        }
        let before = match e.seq {
            1 => Some(EventHash::GENESIS),
            n => s.event_by_device_seq(e.device, n - 1)?.map(|p| p.hash),
        };
        match before {
            Some(h) if h == e.prev_hash => {}
            Some(_) => problems.push(
                ChainError::BrokenLink {
                    event: e.id,
                    seq: e.seq,
                }
                .to_string(),
            ),
            None => problems.push(format!(
                "事件 {}（序号 {}）之前的事件不在服务器上：无法核对链接",
                e.id, e.seq
            )),
        }
    }
    Ok(ChainCheck {
        intact: problems.is_empty(),
        events: events.len(),
        devices: devices.len(),
        problems,
    })
}
