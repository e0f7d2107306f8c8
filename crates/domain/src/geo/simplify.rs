//! Simplification of a track for display and upload: Douglas-Peucker with a tolerance in
//! metres. The fixes are first mapped to a local metric frame centred on the track, because
//! a tolerance applied to raw degrees would be 13 % looser east–west than north–south at 30° N
//! (and worse further north). Simplification only selects fixes, it never moves one, and the
//! first and last fix are always kept. It is for showing and sending a light copy: the full
//! track stays the record.

use super::frame::LocalFrame;
use super::segments;
use crate::position::TrackPoint;
use geo::{Coord, LineString, SimplifyIdx};

/// Indices (ascending) of the fixes that a Douglas-Peucker simplification with `tolerance_m`
/// keeps: every dropped fix lies within `tolerance_m` of the simplified line. Each recorded
/// segment (see `TrackPoint::gap_before`) is simplified on its own, so the first and last fix
/// of every segment are kept and no gap is bridged.
pub fn simplify_track_indices(points: &[TrackPoint], tolerance_m: f64) -> Vec<usize> {
    let Some(frame) = LocalFrame::centred_on(points.iter().map(TrackPoint::position)) else {
        return Vec::new();
    };
    let mut kept = Vec::new();
    let mut offset = 0;
    for segment in segments(points) {
        kept.extend(
            simplify_segment(&frame, segment, tolerance_m)
                .into_iter()
                .map(|i| i + offset),
        );
        offset += segment.len();
    }
    kept
}

fn simplify_segment(frame: &LocalFrame, points: &[TrackPoint], tolerance_m: f64) -> Vec<usize> {
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
