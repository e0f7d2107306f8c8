//! Figures of a (cleaned) track: geodesic length, duration, moving time, speeds and bounding
//! box. Reads the fixes in the order given — clean the track first (`clean_track`), which
//! also puts it in time order. Never alters a fix.
//!
//! A track is one or more recorded segments: a fix with `gap_before` starts a new one (a new
//! GPX `trkseg` or `trk`, signal lost, recording paused). What lies between two segments was
//! not recorded, so it is a gap: it adds neither length nor moving time nor recorded time, however
//! far apart its ends are. The length and moving time are therefore sums over segments,
//! exactly as gpxpy's `length_2d()` and `get_moving_data()` compute them.

use super::geodesic_distance_m;
use crate::position::TrackPoint;
use crate::time::UnixMs;
use serde::{Deserialize, Serialize};

/// Below this speed a segment counts as standing still. GPS noise of a fix standing still at
/// 1 Hz wanders a few decimetres a second; a slow walk is 0.8 m/s and more.
pub const STOPPED_BELOW_MPS: f64 = 0.5;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackStats {
    pub point_count: usize,
    /// Geodesic length on the WGS-84 ellipsoid, summed over consecutive fixes of each segment.
    pub length_m: f64,
    pub started_at: Option<UnixMs>,
    pub ended_at: Option<UnixMs>,
    /// From the first fix to the last, gaps included.
    pub duration_s: f64,
    /// The time the track was being recorded: each segment's first to last fix, summed.
    #[serde(default)]
    pub recorded_s: f64,
    /// Recorded segments (0 for an empty track); `segment_count - 1` gaps lie between them.
    #[serde(default)]
    pub segment_count: usize,
    /// Time between fixes at or above [`STOPPED_BELOW_MPS`], within segments.
    pub moving_time_s: f64,
    /// Length over recorded time (`None` for a track without recorded time).
    pub average_speed_mps: Option<f64>,
    /// Length of the moving segments over moving time.
    pub moving_speed_mps: Option<f64>,
    pub bbox: Option<BoundingBox>,
}

pub fn track_stats(points: &[TrackPoint]) -> TrackStats {
    let mut length_m = 0.0;
    let mut moving_time_s = 0.0;
    let mut moving_length_m = 0.0;
    let mut recorded_s = 0.0;
    let segment_count = if points.is_empty() {
        0
    } else {
        1 + points[1..].iter().filter(|p| p.gap_before).count()
    };
    for w in points.windows(2) {
        if w[1].gap_before {
            continue;
        }
        let d_m = geodesic_distance_m(w[0].position(), w[1].position());
        let dt_s = w[1].t.seconds_since(w[0].t);
        length_m += d_m;
        recorded_s += dt_s;
        if dt_s > 0.0 && d_m / dt_s >= STOPPED_BELOW_MPS {
            moving_time_s += dt_s;
            moving_length_m += d_m;
        }
    }
    let bbox = points.split_first().map(|(first, rest)| {
        rest.iter().fold(
            BoundingBox {
                min_lon: first.lon,
                min_lat: first.lat,
                max_lon: first.lon,
                max_lat: first.lat,
            },
            |b, p| BoundingBox {
                min_lon: b.min_lon.min(p.lon),
                min_lat: b.min_lat.min(p.lat),
                max_lon: b.max_lon.max(p.lon),
                max_lat: b.max_lat.max(p.lat),
            },
        )
    });
    let started_at = points.first().map(|p| p.t);
    let ended_at = points.last().map(|p| p.t);
    let duration_s = match (started_at, ended_at) {
        (Some(a), Some(b)) => b.seconds_since(a),
        _ => 0.0,
    };
    TrackStats {
        point_count: points.len(),
        length_m,
        started_at,
        ended_at,
        duration_s,
        recorded_s,
        segment_count,
        moving_time_s,
        average_speed_mps: (recorded_s > 0.0).then(|| length_m / recorded_s),
        moving_speed_mps: (moving_time_s > 0.0).then(|| moving_length_m / moving_time_s),
        bbox,
    }
}
