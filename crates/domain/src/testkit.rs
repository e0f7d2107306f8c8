//! Test support: a simulated device that makes signed, chained events the way a phone does,
//! with a clock the test controls, and a seeded random stream for synthetic inputs and injected
//! faults. Only built for tests (feature `testkit`).

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

/// SplitMix64: small, fast and repeatable; the same seed gives the same synthetic tracks and the
/// same injected faults, so a failing run can be replayed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// `n` random bytes: incompressible, like a photo's or a signature image's.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; n];
        for chunk in bytes.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        bytes
    }
}
