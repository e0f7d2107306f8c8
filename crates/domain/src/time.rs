//! Time. Wall-clock instants are milliseconds since the Unix epoch (`UnixMs`). Ordering across
//! devices uses a hybrid logical clock (`Hlc`): a phone whose clock is wrong still produces
//! stamps that respect causality, and every pair of stamps is ordered (ties broken by device).

use crate::id::DeviceId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct UnixMs(pub i64);

impl UnixMs {
    pub const SECOND: i64 = 1_000;
    pub const MINUTE: i64 = 60 * Self::SECOND;
    pub const HOUR: i64 = 60 * Self::MINUTE;
    pub const DAY: i64 = 24 * Self::HOUR;

    pub fn plus_ms(self, ms: i64) -> UnixMs {
        UnixMs(self.0.saturating_add(ms))
    }

    pub fn seconds_since(self, earlier: UnixMs) -> f64 {
        (self.0 - earlier.0) as f64 / 1000.0
    }
}

/// A hybrid logical clock stamp: the wall time it was made at (as best the device knew it),
/// a counter that orders stamps within one millisecond or when the wall clock went back, and
/// the device that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
    pub device: DeviceId,
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, self.device).cmp(&(other.wall_ms, other.counter, other.device))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The clock of one device. It never goes backwards, and after `observe` every stamp it makes
/// is later than the observed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    pub device: DeviceId,
    pub last_wall_ms: i64,
    pub last_counter: u32,
}

impl HlcClock {
    pub fn new(device: DeviceId) -> Self {
        Self {
            device,
            last_wall_ms: 0,
            last_counter: 0,
        }
    }

    /// A new stamp, given the device's physical clock now.
    pub fn tick(&mut self, physical_now: UnixMs) -> Hlc {
        if physical_now.0 > self.last_wall_ms {
            self.last_wall_ms = physical_now.0;
            self.last_counter = 0;
        } else {
            self.last_counter = self.last_counter.saturating_add(1);
        }
        self.stamp()
    }

    /// Take in a stamp seen from elsewhere (a pulled event) so that later local stamps follow it.
    pub fn observe(&mut self, seen: Hlc, physical_now: UnixMs) {
        let wall = physical_now.0.max(self.last_wall_ms).max(seen.wall_ms);
        let counter = if wall == self.last_wall_ms && wall == seen.wall_ms {
            self.last_counter.max(seen.counter).saturating_add(1)
        } else if wall == self.last_wall_ms {
            self.last_counter.saturating_add(1)
        } else if wall == seen.wall_ms {
            seen.counter.saturating_add(1)
        } else {
            0
        };
        self.last_wall_ms = wall;
        self.last_counter = counter;
    }

    fn stamp(&self) -> Hlc {
        Hlc {
            wall_ms: self.last_wall_ms,
            counter: self.last_counter,
            device: self.device,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_increase_even_when_the_wall_clock_goes_back() {
        let mut clock = HlcClock::new(DeviceId::new());
        let a = clock.tick(UnixMs(1_000));
        let b = clock.tick(UnixMs(500));
        let c = clock.tick(UnixMs(500));
        assert!(a < b && b < c, "{a:?} {b:?} {c:?}");
        assert_eq!(b.wall_ms, 1_000);
    }

    #[test]
    fn a_stamp_made_after_observing_follows_the_observed_one() {
        let mut mine = HlcClock::new(DeviceId::new());
        let mut theirs = HlcClock::new(DeviceId::new());
        let remote = theirs.tick(UnixMs(10_000));
        mine.observe(remote, UnixMs(2_000));
        let next = mine.tick(UnixMs(2_001));
        assert!(next > remote);
    }
}
