//! Simplification of a track for display and upload: Douglas-Peucker with a tolerance in
//! metres. The fixes are first mapped to a local metric frame centred on the track, because
//! a tolerance applied to raw degrees would be 13 % looser east–west than north–south at 30° N
//! (and worse further north). Simplification only selects fixes, it never moves one, and the
//! first and last fix are always kept. It is for showing and sending a light copy: the full
//! track stays the record.

use super::frame::LocalFrame;
use crate::position::TrackPoint;
use geo::{Coord, LineString, SimplifyIdx};

/// Indices (ascending) of the fixes that a Douglas-Peucker simplification with `tolerance_m`
/// keeps: every dropped fix lies within `tolerance_m` of the simplified line.
pub fn simplify_track_indices(points: &[TrackPoint], tolerance_m: f64) -> Vec<usize> {
    let Some(frame) = LocalFrame::centred_on(points.iter().map(TrackPoint::position)) else {
        return Vec::new();
    };
    let line: LineString<f64> = points
        .iter()
        .map(|p| {
            let m = frame.to_metric(p.position());
            Coord {
                x: m.east_m,
                y: m.north_m,
            }
        })
        .collect();
    line.simplify_idx(tolerance_m.max(0.0))
}

pub fn simplify_track(points: &[TrackPoint], tolerance_m: f64) -> Vec<TrackPoint> {
    simplify_track_indices(points, tolerance_m)
        .into_iter()
        .map(|i| points[i])
        .collect()
}
