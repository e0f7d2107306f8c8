//! The patrols' tracks of a period, for the office's map: each patrol of the caller's units (or
//! of one unit below) that started in the period, its applied track thinned for drawing
//! (Douglas–Peucker, the track itself stays the record) and whether it counts. Bounded: at most
//! `MOST_PATROLS` patrols of at most `MOST_POINTS` points each; the answer says when more were
//! left out, so that the map never pretends to show everything.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::error::Error;
use crate::extract::QueryOf;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use xuncha_domain::geo::simplify_track;
use xuncha_domain::payload::{AggregateKind, PatrolKind};
use xuncha_domain::state::AggregateState;
use xuncha_domain::{Position, TrackPoint, UnitId, UserId};

/// The most patrols one answer draws.
pub const MOST_PATROLS: u32 = 500;
/// The most points of one drawn track.
pub const MOST_POINTS: usize = 300;
/// The tolerance the tracks are first thinned with.
const TOLERANCE_M: f64 = 10.0;
/// The longest period one answer covers.
const LONGEST_PERIOD_MS: i64 = 366 * 24 * 3_600_000;

#[derive(Clone, Debug, Deserialize)]
pub struct TracksQuery {
    /// The period the patrols started in, [from, to) in Unix ms (at most a year).
    pub from: i64,
    pub to: i64,
    pub unit: Option<UnitId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrawnTrack {
    pub patrol: uuid::Uuid,
    pub patroller: UserId,
    pub kind: PatrolKind,
    pub started_at: i64,
    /// Whether it counts under the rules in force (judged alone); `None` when not judged.
    pub counts: Option<bool>,
    pub line: Vec<Position>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tracks {
    pub tracks: Vec<DrawnTrack>,
    /// More patrols started in the period than were drawn.
    pub truncated: bool,
}

/// `points` thinned to at most `most` for drawing: Douglas–Peucker first, then every n-th fix
/// (the first and last kept) if that is still too many.
pub fn thinned(points: &[TrackPoint], most: usize) -> Vec<Position> {
    let simple = simplify_track(points, TOLERANCE_M);
    let n = simple.len();
    if n <= most || most < 2 {
        return simple.iter().map(TrackPoint::position).collect();
    }
    let step = (n - 1) as f64 / (most - 1) as f64;
    (0..most)
        .map(|i| simple[((i as f64 * step).round() as usize).min(n - 1)].position())
        .collect()
}

/// `GET /api/v1/office/tracks?from=&to=&unit=`.
pub async fn tracks(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: QueryOf<TracksQuery>,
) -> Result<Json<Tracks>, Error> {
    let QueryOf(q) = query;
    // Saturating: any two i64 may arrive, and their difference must not overflow.
    if q.from >= q.to || q.to.saturating_sub(q.from) > LONGEST_PERIOD_MS {
        return Err(Error::bad_request(
            "bad_period",
            "from 必须早于 to，且时间段不超过一年",
        ));
    }
    let answer = st
        .db
        .read(move |s| {
            let all = s.units()?;
            let units = crate::scope::asked_or_mine(&all, me.unit, q.unit)?;
            let rows = s.records_page(&crate::db::RecordFilter {
                kind: AggregateKind::Patrol,
                units,
                status: None,
                owner: None,
                from_ms: Some(q.from),
                to_ms: Some(q.to),
                before: None,
                limit: MOST_PATROLS + 1,
            })?;
            let truncated = rows.len() > MOST_PATROLS as usize;
            let rows = &rows[..rows.len().min(MOST_PATROLS as usize)];
            let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.aggregate.id).collect();
            let mut standing = crate::facts::judgements(s, &all, &ids)?;
            let mut tracks = Vec::with_capacity(rows.len());
            for row in rows {
                let AggregateState::Patrol(p) = crate::fold::parse_state(&row.state)? else {
                    continue;
                };
                let points = crate::facts::applied_track(s, row.aggregate)?;
                if points.len() < 2 {
                    continue;
                }
                tracks.push(DrawnTrack {
                    patrol: row.aggregate.id,
                    patroller: p.patroller,
                    kind: p.kind,
                    started_at: p.started_at.0,
                    counts: standing
                        .remove(&row.aggregate.id)
                        .and_then(|s| s.judgement)
                        .map(|j| j.counts),
                    line: thinned(&points, MOST_POINTS),
                });
            }
            Ok(Tracks { tracks, truncated })
        })
        .await?;
    Ok(Json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xuncha_domain::UnixMs;

    #[test]
    fn a_long_wandering_track_is_thinned_to_the_most_points_keeping_its_ends() {
        // A zig-zag no tolerance can straighten: every fix is a corner.
        let points: Vec<TrackPoint> = (0..5_000)
            .map(|i| {
                let lat = 30.65 + if i % 2 == 0 { 0.0 } else { 0.001 };
                TrackPoint::at(
                    UnixMs(1_767_225_600_000 + i * 5_000),
                    114.1 + i as f64 * 1e-4,
                    lat,
                )
            })
            .collect();
        let line = thinned(&points, MOST_POINTS);
        assert_eq!(line.len(), MOST_POINTS);
        assert_eq!(line[0], points[0].position());
        assert_eq!(line[MOST_POINTS - 1], points[4_999].position());
    }

    #[test]
    fn a_straight_walk_becomes_its_two_ends() {
        let points: Vec<TrackPoint> = (0..100)
            .map(|i| {
                TrackPoint::at(
                    UnixMs(1_767_225_600_000 + i * 5_000),
                    114.1 + i as f64 * 1e-5,
                    30.65,
                )
            })
            .collect();
        assert_eq!(thinned(&points, MOST_POINTS).len(), 2);
    }
}
