//! Realistic synthetic inputs for the geo tests and the track benchmark: a meandering river
//! reach of exactly 22.663 km near 30.65° N, 114.10° E (Wuhan), and an 8-hour 1 Hz patrol
//! along its bank with correlated GPS noise, varying accuracy, millisecond timing jitter, stops,
//! a 2 km detour away from the river, and a few planted faults (jumps, poor fixes, duplicate
//! times) whose indices are returned so that tests can check they are found. Deterministic: a
//! fixed-seed SplitMix64 generator, so every run sees the same track.
#![allow(dead_code)]

use xuncha_domain::geo::frame::{LocalFrame, Metric};
use xuncha_domain::geo::geodesic_distance_m;
use xuncha_domain::{Position, TrackPoint, UnixMs};

pub const REACH_LENGTH_M: f64 = 22_663.0;
pub const PATROL_FIXES: usize = 8 * 3600;
/// 2026-05-12 08:00 Beijing time.
pub const PATROL_START: UnixMs = UnixMs(1_778_544_000_000);
/// The bank path leaves the river (a walled factory) between these along-reach distances.
pub const DETOUR_M: (f64, f64) = (15_000.0, 17_000.0);

pub use xuncha_domain::testkit::Rng;

pub fn frame() -> LocalFrame {
    LocalFrame::at(Position::new(114.10, 30.65))
}

/// The reach's centre line, upstream first, geodesic length 22,663 m (to the millimetre).
pub fn reach() -> Vec<Position> {
    let frame = frame();
    let step_m = 25.0;
    let mut m = Metric {
        east_m: -9_000.0,
        north_m: -2_500.0,
    };
    let mut line = vec![frame.to_position(m)];
    let mut length_m = 0.0;
    let mut s = 0.0_f64;
    loop {
        let heading = 0.35 + 0.55 * (s / 900.0).sin() + 0.25 * (s / 2_300.0 + 1.0).sin();
        let next = Metric {
            east_m: m.east_m + step_m * heading.cos(),
            north_m: m.north_m + step_m * heading.sin(),
        };
        let (a, b) = (frame.to_position(m), frame.to_position(next));
        let d = geodesic_distance_m(a, b);
        if length_m + d >= REACH_LENGTH_M {
            let f = (REACH_LENGTH_M - length_m) / d;
            line.push(Position::new(
                a.lon + f * (b.lon - a.lon),
                a.lat + f * (b.lat - a.lat),
            ));
            return line;
        }
        length_m += d;
        s += step_m;
        line.push(b);
        m = next;
    }
}

/// A point `offset_m` to the left (facing downstream) of the reach at `along_m`.
struct ReachPath {
    metric: Vec<Metric>,
    cumulative_m: Vec<f64>,
}

impl ReachPath {
    fn new(line: &[Position], frame: &LocalFrame) -> Self {
        let metric: Vec<Metric> = line.iter().map(|&p| frame.to_metric(p)).collect();
        let mut cumulative_m = vec![0.0];
        for w in metric.windows(2) {
            let last = cumulative_m.last().copied().unwrap_or(0.0);
            cumulative_m.push(last + w[0].distance_m(w[1]));
        }
        Self { metric, cumulative_m }
    }
    fn length_m(&self) -> f64 {
        self.cumulative_m.last().copied().unwrap_or(0.0)
    }
    fn at(&self, along_m: f64, offset_m: f64) -> Metric {
        let along_m = along_m.clamp(0.0, self.length_m());
        let i = self
            .cumulative_m
            .partition_point(|&c| c <= along_m)
            .clamp(1, self.metric.len() - 1);
        let (a, b) = (self.metric[i - 1], self.metric[i]);
        let seg = self.cumulative_m[i] - self.cumulative_m[i - 1];
        let f = if seg > 0.0 {
            (along_m - self.cumulative_m[i - 1]) / seg
        } else {
            0.0
        };
        let (dx, dy) = ((b.east_m - a.east_m) / seg, (b.north_m - a.north_m) / seg);
        Metric {
            east_m: a.east_m + f * (b.east_m - a.east_m) - dy * offset_m,
            north_m: a.north_m + f * (b.north_m - a.north_m) + dx * offset_m,
        }
    }
}

pub struct SyntheticPatrol {
    pub points: Vec<TrackPoint>,
    /// Fixes moved 150–400 m away for one second (multipath jumps).
    pub jumps: Vec<usize>,
    /// Fixes with an accuracy of 80–150 m.
    pub poor: Vec<usize>,
    /// Fixes stamped with the same time as the fix before them.
    pub duplicates: Vec<usize>,
}

/// How far from the centre line the bank path runs at `along_m`: 20 m, except for the
/// detour, which ramps out to 250 m over 200 m.
fn bank_offset_m(along_m: f64) -> f64 {
    let (a, b) = DETOUR_M;
    let ramp = ((along_m - a) / 200.0)
        .clamp(0.0, 1.0)
        .min(((b - along_m) / 200.0).clamp(0.0, 1.0));
    20.0 + ramp * 230.0
}

/// The 8-hour patrol: walks downstream at 0.9–1.4 m/s with a 4-minute stop every 30 minutes,
/// turns at the downstream end and walks back until the 8 hours are up.
pub fn patrol(line: &[Position], seed: u64) -> SyntheticPatrol {
    let frame = frame();
    let path = ReachPath::new(line, &frame);
    let mut rng = Rng::new(seed);
    let mut points = Vec::with_capacity(PATROL_FIXES);
    let (mut noise_e, mut noise_n) = (0.0, 0.0);
    let mut walked_m = 0.0;
    let (rho, sigma_m) = (0.995_f64, 3.0);
    let innovation = (1.0 - rho * rho).sqrt() * sigma_m;
    for k in 0..PATROL_FIXES {
        let t_s = k as f64;
        let stopped = (t_s % 1_800.0) >= 1_560.0;
        if !stopped {
            walked_m += 1.15 + 0.25 * (2.0 * std::f64::consts::PI * t_s / 600.0).sin();
        }
        let along_m = if walked_m <= path.length_m() {
            walked_m
        } else {
            2.0 * path.length_m() - walked_m
        };
        let truth = path.at(along_m, bank_offset_m(along_m));
        noise_e = rho * noise_e + innovation * rng.normal();
        noise_n = rho * noise_n + innovation * rng.normal();
        let m = Metric {
            east_m: truth.east_m + noise_e + 0.15 * rng.normal(),
            north_m: truth.north_m + noise_n + 0.15 * rng.normal(),
        };
        let pos = frame.to_position(m);
        let jitter_ms = (rng.uniform() * 30.0) as i64 - 15;
        let mut p = TrackPoint::at(
            PATROL_START.plus_ms(k as i64 * 1_000 + jitter_ms),
            pos.lon,
            pos.lat,
        );
        p.accuracy_m = Some((3.0 + 2.5 * rng.normal().abs()).min(12.0));
        p.altitude_m = Some(21.0 + 0.8 * rng.normal());
        p.speed_mps = Some(if stopped { 0.0 } else { 1.15 });
        points.push(p);
    }
    let (mut jumps, mut poor, mut duplicates) = (Vec::new(), Vec::new(), Vec::new());
    // Faults at least a few hundred fixes apart, so each one is judged on its own.
    for slot in 0..24 {
        let k = 600 + slot * 1_150 + (rng.uniform() * 300.0) as usize;
        match slot % 3 {
            0 => {
                let d = 150.0 + 250.0 * rng.uniform();
                let angle = 2.0 * std::f64::consts::PI * rng.uniform();
                let m = frame.to_metric(points[k].position());
                let moved = frame.to_position(Metric {
                    east_m: m.east_m + d * angle.cos(),
                    north_m: m.north_m + d * angle.sin(),
                });
                points[k].lon = moved.lon;
                points[k].lat = moved.lat;
                jumps.push(k);
            }
            1 => {
                points[k].accuracy_m = Some(80.0 + 70.0 * rng.uniform());
                poor.push(k);
            }
            _ => {
                points[k].t = points[k - 1].t;
                duplicates.push(k);
            }
        }
    }
    SyntheticPatrol {
        points,
        jumps,
        poor,
        duplicates,
    }
}
