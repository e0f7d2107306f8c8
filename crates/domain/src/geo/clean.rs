//! Cleaning a raw GPS track before it is measured: fixes with invalid coordinates, fixes worse
//! than an accuracy threshold, second fixes at the same instant, and isolated outliers whose
//! implied speed is impossible for the way the patrol travelled. Every fix left out is listed
//! with its reason and counted per reason — a cleaned track is evidence too, so nothing goes
//! silently. Cleaning never moves or smooths a fix; it only keeps or drops whole fixes.
//!
//! An outlier is told from real fast travel by what follows it: a fix that is impossibly far
//! from the last kept fix and from a fix a few seconds later, while that later fix is
//! reachable from the last kept one, is a jump of the receiver (multipath, a cold start) and
//! is dropped. When no later fix within the look-ahead
//! is reachable either, the patrol really moved that fast: those fixes are kept. Sustained
//! speed above the mode's maximum, measured over windows of `speed_window_s` so that GPS
//! noise cannot fake it nor hide it, is reported in `over_speed` — a walking patrol done by
//! car shows up there, not as a track cleaned down to nothing.

use super::{fix_distance_m, segments, time_order};
use crate::position::TrackPoint;
use crate::time::UnixMs;
use serde::{Deserialize, Serialize};

/// How a patrol travelled; sets the speed above which a movement is impossible.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravelMode {
    Walking,
    Bicycle,
    Car,
    Boat,
}

impl TravelMode {
    /// The highest speed this mode can plausibly sustain between two fixes. Generous on
    /// purpose — a jogging walker, a fast road, a patrol speedboat — because exceeding it marks
    /// a fix as impossible, not merely brisk.
    pub fn max_speed_mps(self) -> f64 {
        match self {
            TravelMode::Walking => 4.0,  // 14.4 km/h: a run, not a walk
            TravelMode::Bicycle => 15.0, // 54 km/h: downhill on a road bike or an e-bike
            TravelMode::Car => 50.0,     // 180 km/h
            TravelMode::Boat => 25.0,    // 90 km/h, 49 kn: a fast patrol boat
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TravelMode::Walking => "步行",
            TravelMode::Bicycle => "骑行",
            TravelMode::Car => "驾车",
            TravelMode::Boat => "乘船",
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleaningRules {
    pub mode: TravelMode,
    /// Fixes whose reported accuracy is worse (larger) than this are dropped.
    pub max_accuracy_m: f64,
    /// The accuracy assumed for fixes that report none (GPX files, some receivers), used as the
    /// noise allowance when judging an implied speed.
    pub assumed_accuracy_m: f64,
    /// How many following fixes may be examined to decide that a jump was an outlier.
    pub outlier_lookahead: usize,
    /// Sustained speed is measured between fixes at least this far apart in time: at 1 Hz the
    /// noise allowance of two fixes (say 2 × 5 m) would swamp a 4 m/s limit, over 30 s it is
    /// a third of it.
    pub speed_window_s: f64,
}

impl CleaningRules {
    pub fn for_mode(mode: TravelMode) -> Self {
        Self {
            mode,
            max_accuracy_m: 50.0,
            assumed_accuracy_m: 10.0,
            outlier_lookahead: 5,
            speed_window_s: 30.0,
        }
    }
}

/// Why a fix was left out. `code()` is stable and goes on the wire.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    InvalidCoordinates,
    PoorAccuracy,
    DuplicateTime,
    ImpossibleSpeed,
}

impl DropReason {
    pub fn code(self) -> &'static str {
        match self {
            DropReason::InvalidCoordinates => "invalid_coordinates",
            DropReason::PoorAccuracy => "poor_accuracy",
            DropReason::DuplicateTime => "duplicate_time",
            DropReason::ImpossibleSpeed => "impossible_speed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DropReason::InvalidCoordinates => "坐标无效",
            DropReason::PoorAccuracy => "定位精度太差",
            DropReason::DuplicateTime => "同一时刻的重复定位",
            DropReason::ImpossibleSpeed => "跳点：与前后定位相比速度不可能达到",
        }
    }
}

/// One fix left out: its index in the input, its time and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DroppedFix {
    pub index: usize,
    pub t: UnixMs,
    pub reason: DropReason,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropCounts {
    pub invalid_coordinates: usize,
    pub poor_accuracy: usize,
    pub duplicate_time: usize,
    pub impossible_speed: usize,
}

impl DropCounts {
    pub fn total(&self) -> usize {
        self.invalid_coordinates + self.poor_accuracy + self.duplicate_time + self.impossible_speed
    }

    fn add(&mut self, reason: DropReason) {
        match reason {
            DropReason::InvalidCoordinates => self.invalid_coordinates += 1,
            DropReason::PoorAccuracy => self.poor_accuracy += 1,
            DropReason::DuplicateTime => self.duplicate_time += 1,
            DropReason::ImpossibleSpeed => self.impossible_speed += 1,
        }
    }
}

/// A stretch of kept fixes whose speed stayed above the mode's maximum: real movement, too
/// fast for the declared mode.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverSpeedStretch {
    pub from: UnixMs,
    pub to: UnixMs,
    pub distance_m: f64,
    pub mean_speed_mps: f64,
}

impl OverSpeedStretch {
    pub fn duration_s(&self) -> f64 {
        self.to.seconds_since(self.from)
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanedTrack {
    /// The kept fixes, in time order.
    pub points: Vec<TrackPoint>,
    /// For each kept fix, its index in the input.
    pub kept_indices: Vec<usize>,
    /// Every fix left out, in time order.
    pub dropped: Vec<DroppedFix>,
    pub counts: DropCounts,
    pub over_speed: Vec<OverSpeedStretch>,
}

impl CleanedTrack {
    /// Seconds of the kept track spent above the mode's maximum speed.
    pub fn over_speed_s(&self) -> f64 {
        self.over_speed.iter().map(OverSpeedStretch::duration_s).sum()
    }
}

/// Cleans `points` (in any order; the result is in time order) by `rules`.
///
/// Gaps between recorded segments (`gap_before`) are kept: a kept fix starts a new segment
/// when any fix from the kept one before it up to itself did, so dropping the first fix of a
/// segment never joins two segments. A move across a gap is never judged by its speed (the
/// patroller may have driven to the next reach with the recording paused), and cleaning looks
/// for outliers only within a segment.
pub fn clean_track(points: &[TrackPoint], rules: &CleaningRules) -> CleanedTrack {
    let order = time_order(points);
    // segment_of[i]: how many gaps come before fix i in time order, i.e. its segment number.
    let mut segment_of = vec![0usize; points.len()];
    let mut segment = 0;
    for (position, &i) in order.iter().enumerate() {
        if position > 0 && points[i].gap_before {
            segment += 1;
        }
        segment_of[i] = segment;
    }
    let mut dropped = Vec::new();
    let mut valid: Vec<usize> = Vec::with_capacity(points.len());
    for i in order {
        let p = &points[i];
        let reason = if p.check().is_err() {
            Some(DropReason::InvalidCoordinates)
        } else if p.accuracy_m.is_some_and(|a| a > rules.max_accuracy_m) {
            Some(DropReason::PoorAccuracy)
        } else if valid.last().is_some_and(|&last| points[last].t == p.t) {
            Some(DropReason::DuplicateTime)
        } else {
            None
        };
        match reason {
            Some(reason) => dropped.push(DroppedFix {
                index: i,
                t: p.t,
                reason,
            }),
            None => valid.push(i),
        }
    }

    let speed = |a: usize, b: usize| implied_speed_mps(&points[a], &points[b], rules.assumed_accuracy_m);
    let max = rules.mode.max_speed_mps();
    let mut kept: Vec<usize> = Vec::with_capacity(valid.len());
    let mut start = 0;
    // A first fix that is far from the next two, while those two agree, is itself the outlier.
    if valid.len() >= 3
        && segment_of[valid[0]] == segment_of[valid[2]]
        && speed(valid[0], valid[1]) > max
        && speed(valid[0], valid[2]) > max
        && speed(valid[1], valid[2]) <= max
    {
        let i = valid[0];
        dropped.push(DroppedFix {
            index: i,
            t: points[i].t,
            reason: DropReason::ImpossibleSpeed,
        });
        start = 1;
    }
    let mut k = start;
    while k < valid.len() {
        let Some(&last) = kept.last() else {
            kept.push(valid[k]);
            k += 1;
            continue;
        };
        if segment_of[last] != segment_of[valid[k]] || speed(last, valid[k]) <= max {
            kept.push(valid[k]);
            k += 1;
            continue;
        }
        let mut horizon = (k + rules.outlier_lookahead).min(valid.len() - 1);
        while segment_of[valid[horizon]] != segment_of[last] {
            horizon -= 1;
        }
        // A jump away and back: the run is impossible from the last kept fix *and* to the
        // first fix after it that is reachable again. A vehicle that merely slowed down fails
        // the second test, since its fixes lead smoothly to the next one.
        let back = (k + 1..=horizon).find(|&j| speed(last, valid[j]) <= max);
        match back.filter(|&j| valid[k..j].iter().all(|&i| speed(i, valid[j]) > max)) {
            Some(j) => {
                for &i in &valid[k..j] {
                    dropped.push(DroppedFix {
                        index: i,
                        t: points[i].t,
                        reason: DropReason::ImpossibleSpeed,
                    });
                }
                k = j;
            }
            None => {
                kept.push(valid[k]);
                k += 1;
            }
        }
    }

    dropped.sort_by_key(|d| (d.t, d.index));
    let mut counts = DropCounts::default();
    for d in &dropped {
        counts.add(d.reason);
    }
    let kept_points: Vec<TrackPoint> = kept
        .iter()
        .enumerate()
        .map(|(n, &i)| TrackPoint {
            gap_before: n > 0 && segment_of[i] != segment_of[kept[n - 1]],
            ..points[i]
        })
        .collect();
    let over_speed = segments(&kept_points)
        .flat_map(|segment| over_speed_stretches(segment, rules))
        .collect();
    CleanedTrack {
        points: kept_points,
        kept_indices: kept,
        dropped,
        counts,
        over_speed,
    }
}

/// The slowest speed that can explain the move from `a` to `b` once each fix may be off by its
/// accuracy: a 1 Hz walk with 5 m noise is not a 10 m/s sprint.
pub(crate) fn implied_speed_mps(a: &TrackPoint, b: &TrackPoint, assumed_accuracy_m: f64) -> f64 {
    let dt_s = b.t.seconds_since(a.t);
    let slack_m = a.accuracy_m.unwrap_or(assumed_accuracy_m) + b.accuracy_m.unwrap_or(assumed_accuracy_m);
    let d_m = (fix_distance_m(a, b) - slack_m).max(0.0);
    if dt_s <= 0.0 {
        return if d_m > 0.0 { f64::INFINITY } else { 0.0 };
    }
    d_m / dt_s
}

/// Stretches of `points` (time-ordered) whose speed over windows of `rules.speed_window_s`
/// exceeds the mode's maximum even after the noise allowance; overlapping windows merge.
fn over_speed_stretches(points: &[TrackPoint], rules: &CleaningRules) -> Vec<OverSpeedStretch> {
    let max = rules.mode.max_speed_mps();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut j = 0;
    for i in 0..points.len().saturating_sub(1) {
        j = j.max(i + 1);
        while j + 1 < points.len() && points[j].t.seconds_since(points[i].t) < rules.speed_window_s {
            j += 1;
        }
        if implied_speed_mps(&points[i], &points[j], rules.assumed_accuracy_m) <= max {
            continue;
        }
        match spans.last_mut() {
            Some(last) if last.1 >= i => last.1 = last.1.max(j),
            _ => spans.push((i, j)),
        }
    }
    spans
        .into_iter()
        .map(|(a, b)| {
            let distance_m: f64 = points[a..=b]
                .windows(2)
                .map(|w| fix_distance_m(&w[0], &w[1]))
                .sum();
            let duration_s = points[b].t.seconds_since(points[a].t);
            OverSpeedStretch {
                from: points[a].t,
                to: points[b].t,
                distance_m,
                mean_speed_mps: distance_m / duration_s,
            }
        })
        .collect()
}
