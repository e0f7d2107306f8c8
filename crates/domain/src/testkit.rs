//! Test support: a simulated device that makes signed, chained events the way a phone does,
//! with a clock the test controls. Only built for tests (feature `testkit`).

use crate::event::{ChainHead, DevicePublicKey, EventDraft};
use crate::payload::*;
use crate::time::{HlcClock, UnixMs};
use crate::{DeviceId, Event, EventHash, EventId, SigningKey, UserId};

pub struct SimDevice {
    pub device: DeviceId,
    pub key: SigningKey,
    pub clock: HlcClock,
    pub head: Option<ChainHead>,
    pub author: Option<UserId>,
}

impl SimDevice {
    /// A device whose key is derived from `seed` (so tests are repeatable).
    pub fn new(seed: u8) -> Self {
        let device = DeviceId::new();
        Self {
            device,
            key: SigningKey::from_bytes(&[seed; 32]),
            clock: HlcClock::new(device),
            head: None,
            author: Some(UserId::new()),
        }
    }

    pub fn public_key(&self) -> DevicePublicKey {
        DevicePublicKey(self.key.verifying_key().to_bytes())
    }

    /// The next event of this device's chain, stamped at `now` by its clock.
    pub fn make(&mut self, payload: Payload, now: UnixMs) -> Event {
        self.make_late(payload, now, None)
    }

    /// `make`, entered at `now` for what happened at `occurred_at` (late entry, 补录).
    pub fn make_late(&mut self, payload: Payload, now: UnixMs, occurred_at: Option<UnixMs>) -> Event {
        let hlc = self.clock.tick(now);
        let (seq, prev_hash) = match self.head {
            Some(h) => (h.seq + 1, h.hash),
            None => (1, EventHash::GENESIS),
        };
        let event = EventDraft {
            id: EventId::new(),
            device: self.device,
            seq,
            hlc,
            author: self.author,
            occurred_at,
            prev_hash,
            payload,
        }
        .sign(&self.key);
        self.head = Some(ChainHead {
            seq,
            hash: event.hash,
        });
        event
    }

    /// Takes in an event seen from elsewhere, as a sync would.
    pub fn observe(&mut self, event: &Event, now: UnixMs) {
        self.clock.observe(event.hlc, now);
    }
}
