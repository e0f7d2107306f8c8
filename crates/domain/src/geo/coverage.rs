//! Coverage of an assigned river reach by a patrol track: the share of the reach's length that
//! the track came within a buffer distance of — the figure a river chief is appraised on.
//!
//! The reach's centre line is cut into pieces of at most `piece_m` (10 m by default); a piece
//! counts as covered when the track passes within `buffer_m` of its midpoint, so the answer is
//! right to half a piece at each end of a covered stretch. Piece midpoints sit in an R-tree in
//! a local metric frame, so each track segment asks only about the few pieces near it.
//! Consecutive fixes closer than `max_join_m` count as the line between them (a 1 Hz walk, a
//! fix every 30 s in a car); farther apart only the fixes themselves count, because a lost
//! signal over a kilometre proves nothing about the ground in between. Feed it a cleaned track.

use super::frame::{LocalFrame, Metric};
use super::geodesic_distance_m;
use crate::position::{Position, TrackPoint};
use crate::validate::ValidationError;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageRules {
    pub buffer_m: f64,
    pub max_join_m: f64,
}

impl Default for CoverageRules {
    fn default() -> Self {
        Self {
            buffer_m: 50.0,
            max_join_m: 100.0,
        }
    }
}

/// Along-reach distances from the upstream end, in metres.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReachStretch {
    pub from_m: f64,
    pub to_m: f64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub reach_length_m: f64,
    pub covered_length_m: f64,
    /// `covered_length_m / reach_length_m`, 0..=1.
    pub fraction: f64,
    /// The stretches the track did not come near, upstream first.
    pub uncovered: Vec<ReachStretch>,
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    from_m: f64,
    to_m: f64,
}

type PieceMidpoint = GeomWithData<[f64; 2], usize>;

/// A reach prepared for coverage queries; build it once per reach and reuse it.
pub struct ReachIndex {
    frame: LocalFrame,
    pieces: Vec<Piece>,
    tree: RTree<PieceMidpoint>,
    length_m: f64,
}

impl ReachIndex {
    pub const DEFAULT_PIECE_M: f64 = 10.0;

    /// Cuts the centre line `line` (WGS-84, upstream first) into pieces of at most `piece_m`.
    pub fn new(line: &[Position], piece_m: f64) -> Result<Self, ValidationError> {
        let problem = |zh: String, en: String| ValidationError::new("line", zh, en);
        if line.len() < 2 {
            return Err(problem("至少需要两个".into(), "needs at least two".into()));
        }
        if !(piece_m.is_finite() && piece_m > 0.0) {
            return Err(problem(
                format!("的分段长度 {piece_m} 必须是正数"),
                format!("has a piece length of {piece_m}, which must be positive"),
            ));
        }
        for (i, p) in line.iter().enumerate() {
            if let Some((zh, en)) = crate::validate::position_problem(p) {
                return Err(ValidationError::new(format!("line[{i}]"), zh, en));
            }
        }
        let frame = LocalFrame::centred_on(line.iter().copied())
            .ok_or_else(|| problem("是空的".into(), "is empty".into()))?;
        let mut pieces = Vec::new();
        let mut midpoints = Vec::new();
        let mut along_m = 0.0;
        for w in line.windows(2) {
            let (a, b) = (w[0], w[1]);
            let seg_m = geodesic_distance_m(a, b);
            let n = (seg_m / piece_m).ceil().max(1.0) as usize;
            for k in 0..n {
                // Linear interpolation in degrees is exact to millimetres over a 10 m piece.
                let s = (k as f64 + 0.5) / n as f64;
                let mid = Position::new(a.lon + s * (b.lon - a.lon), a.lat + s * (b.lat - a.lat));
                let m = frame.to_metric(mid);
                midpoints.push(GeomWithData::new([m.east_m, m.north_m], pieces.len()));
                pieces.push(Piece {
                    from_m: along_m + seg_m * k as f64 / n as f64,
                    to_m: along_m + seg_m * (k + 1) as f64 / n as f64,
                });
            }
            along_m += seg_m;
        }
        Ok(Self {
            frame,
            pieces,
            tree: RTree::bulk_load(midpoints),
            length_m: along_m,
        })
    }

    /// Geodesic length of the centre line.
    pub fn length_m(&self) -> f64 {
        self.length_m
    }

    pub fn piece_count(&self) -> usize {
        self.pieces.len()
    }

    /// How much of the reach `track` (time-ordered, cleaned) covered.
    pub fn coverage(&self, track: &[TrackPoint], rules: &CoverageRules) -> Coverage {
        let buffer_m = rules.buffer_m.max(0.0);
        let mut covered = vec![false; self.pieces.len()];
        let metric: Vec<Metric> = track.iter().map(|p| self.frame.to_metric(p.position())).collect();
        let mark_near_point = |m: Metric, covered: &mut [bool]| {
            for piece in self
                .tree
                .locate_within_distance([m.east_m, m.north_m], buffer_m * buffer_m)
            {
                covered[piece.data] = true;
            }
        };
        if let [only] = metric.as_slice() {
            mark_near_point(*only, &mut covered);
        }
        for (i, w) in metric.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            // Across a gap between recorded segments nothing was seen: only the ends count.
            if track[i + 1].gap_before || a.distance_m(b) > rules.max_join_m {
                mark_near_point(a, &mut covered);
                mark_near_point(b, &mut covered);
                continue;
            }
            let envelope = AABB::from_corners(
                [
                    a.east_m.min(b.east_m) - buffer_m,
                    a.north_m.min(b.north_m) - buffer_m,
                ],
                [
                    a.east_m.max(b.east_m) + buffer_m,
                    a.north_m.max(b.north_m) + buffer_m,
                ],
            );
            for piece in self.tree.locate_in_envelope(&envelope) {
                if covered[piece.data] {
                    continue;
                }
                let [east_m, north_m] = *piece.geom();
                if (Metric { east_m, north_m }).distance_to_segment_m(a, b) <= buffer_m {
                    covered[piece.data] = true;
                }
            }
        }

        let mut covered_length_m = 0.0;
        let mut uncovered: Vec<ReachStretch> = Vec::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            if covered[i] {
                covered_length_m += piece.to_m - piece.from_m;
            } else if i > 0
                && !covered[i - 1]
                && let Some(last) = uncovered.last_mut()
            {
                last.to_m = piece.to_m;
            } else {
                uncovered.push(ReachStretch {
                    from_m: piece.from_m,
                    to_m: piece.to_m,
                });
            }
        }
        Coverage {
            reach_length_m: self.length_m,
            covered_length_m,
            fraction: if self.length_m > 0.0 {
                covered_length_m / self.length_m
            } else {
                0.0
            },
            uncovered,
        }
    }
}
