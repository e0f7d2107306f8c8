//! Time. Wall-clock instants are milliseconds since the Unix epoch (`UnixMs`). Ordering across
//! devices uses a hybrid logical clock (`Hlc`): a phone whose clock is wrong still produces
//! stamps that respect causality, and every pair of stamps is ordered (ties broken by device).
//!
//! Time is bounded (`TimeWindow`): a recorded time is never before `EARLIEST` and never more
//! than a window ahead of the clock that checks it, and a clock never adopts a remote stamp
//! beyond that window, so one phone with its clock set to 9999 cannot drag every later stamp
//! (the server's decisions, other phones' records) after it.

use crate::id::DeviceId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// The earliest time any record may carry: 2000-01-01T00:00:00Z. The system is younger, but
/// real handheld GPS logs and camera files of earlier years (a 2010 track, a 2008 photo) are
/// imported as evidence; nothing before 2000 is, so 1970 (a clock reset to zero) and negative
/// times are refused.
pub const EARLIEST: UnixMs = UnixMs(946_684_800_000);

/// How far from the checking clock a recorded time may lie: never before `EARLIEST`, and at
/// most `max_future_ms` ahead (phones' clocks drift, but not by a day). A late entry (补录,
/// `Event::occurred_at`) may say it happened at most `max_late_ms` before it was entered.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub max_future_ms: i64,
    #[serde(default = "default_max_late_ms")]
    pub max_late_ms: i64,
}

fn default_max_late_ms() -> i64 {
    TimeWindow::DEFAULT.max_late_ms
}

impl TimeWindow {
    /// The window every part of the system uses unless configured otherwise: a day ahead, and
    /// late entry up to 400 days back (last year's paper records, typed in early this year).
    pub const DEFAULT: TimeWindow = TimeWindow {
        max_future_ms: UnixMs::DAY,
        max_late_ms: 400 * UnixMs::DAY,
    };

    /// The latest time admitted when the checking clock reads `now`.
    pub fn latest(&self, now: UnixMs) -> UnixMs {
        now.plus_ms(self.max_future_ms.max(0))
    }

    /// Whether `t` lies inside the window as seen from `now`.
    pub fn admits(&self, t: UnixMs, now: UnixMs) -> bool {
        t >= EARLIEST && t <= self.latest(now)
    }
}

impl Default for TimeWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A hybrid logical clock stamp: the wall time it was made at (as best the device knew it),
/// a counter that orders stamps within one millisecond or when the wall clock went back, and
/// the device that made it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// The clock of one device. It never goes backwards, and after `observe` of a stamp inside the
/// time window every stamp it makes is later than the observed one; a stamp beyond the window
/// is not adopted at all.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

    /// Take in a stamp seen from elsewhere (a pulled event) so that later local stamps follow it,
    /// unless it lies beyond the default window (see `observe_within`).
    pub fn observe(&mut self, seen: Hlc, physical_now: UnixMs) -> bool {
        self.observe_within(seen, physical_now, &TimeWindow::DEFAULT)
    }

    /// Take in a stamp seen from elsewhere so that later local stamps follow it — but only if
    /// its wall time is no further ahead of `physical_now` than `window` allows: a remote clock
    /// set years ahead would otherwise carry this one (and every stamp made after) with it.
    /// Returns whether the stamp was adopted; one refused leaves the clock as it was.
    pub fn observe_within(&mut self, seen: Hlc, physical_now: UnixMs, window: &TimeWindow) -> bool {
        if seen.wall_ms > window.latest(physical_now).0 {
            return false;
        }
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
        true
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

    #[test]
    fn a_stamp_beyond_the_window_is_not_adopted() {
        let now = UnixMs(1_780_000_000_000);
        let mut mine = HlcClock::new(DeviceId::new());
        mine.tick(now);
        let before = mine;
        let far = Hlc {
            wall_ms: 253_402_300_799_000, // 9999-12-31T23:59:59Z
            counter: 7,
            device: DeviceId::new(),
        };
        assert!(!mine.observe(far, now));
        assert_eq!(mine, before);
        let next = mine.tick(now.plus_ms(1));
        assert_eq!(next.wall_ms, now.0 + 1);
    }

    #[test]
    fn a_stamp_at_the_edge_of_the_window_is_adopted() {
        let now = UnixMs(1_780_000_000_000);
        let mut mine = HlcClock::new(DeviceId::new());
        let edge = Hlc {
            wall_ms: now.0 + UnixMs::DAY,
            counter: 0,
            device: DeviceId::new(),
        };
        assert!(mine.observe(edge, now));
        assert!(mine.tick(now) > edge);
        let just_over = Hlc {
            wall_ms: now.0 + UnixMs::DAY + 1,
            ..edge
        };
        assert!(!mine.observe(just_over, now));
    }

    #[test]
    fn the_window_admits_nothing_before_2000_nor_past_its_bound() {
        let now = UnixMs(1_780_000_000_000);
        let w = TimeWindow::DEFAULT;
        assert!(w.admits(EARLIEST, now));
        assert!(!w.admits(EARLIEST.plus_ms(-1), now));
        assert!(!w.admits(UnixMs(0), now));
        assert!(!w.admits(UnixMs(-1), now));
        assert!(w.admits(now.plus_ms(UnixMs::DAY), now));
        assert!(!w.admits(now.plus_ms(UnixMs::DAY + 1), now));
        assert_eq!(
            w.latest(UnixMs(i64::MAX - 5)),
            UnixMs(i64::MAX),
            "saturates, never wraps"
        );
    }
}
