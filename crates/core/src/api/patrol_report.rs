//! The summary shown when a patrol ends: its cleaned track's figures, how much of the assigned
//! reach it covered, and the plausibility flags explained — computed from the stored track on
//! demand, so it always reflects every point received.

use crate::error::Result;
use crate::store::{Store, queries};
use serde::{Deserialize, Serialize};
use xuncha_domain::geo::clean::{CleaningRules, DropCounts, TravelMode, clean_track};
use xuncha_domain::geo::coverage::{Coverage, CoverageRules, ReachIndex};
use xuncha_domain::geo::plausibility::{
    FlagScope, PhotoFix, PlausibilityFlag, PlausibilityRules, check_plausibility,
};
use xuncha_domain::geo::stats::{TrackStats, track_stats};
use xuncha_domain::state::AggregateState;
use xuncha_domain::{PatrolId, UnixMs};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolReport {
    pub mode: TravelMode,
    pub points_received: usize,
    /// Imported points without a time: kept as the track's shape, outside every figure.
    #[serde(default)]
    pub untimed_points: usize,
    /// Fixes left out of the figures, by reason (they stay in the record).
    pub dropped: DropCounts,
    /// Figures of the cleaned track.
    pub stats: TrackStats,
    /// Of the patrol's registered reach, if it has one.
    pub coverage: Option<Coverage>,
    /// Flags about the whole patrol and about photos, each explained.
    pub flags: Vec<PlausibilityFlag>,
    /// Fixes flagged one by one (their own flags are summarised by a patrol-level flag).
    pub flagged_points: Vec<usize>,
}

pub fn patrol_report(store: &Store, patrol: PatrolId, mode: TravelMode) -> Result<PatrolReport> {
    let conn = store.connection();
    let id = patrol.to_string();
    let state = queries::aggregate_state(conn, &id)?;
    let Some(AggregateState::Patrol(p)) = state else {
        return Err(crate::CoreError::NotFound { what: "巡查", id });
    };
    let points = queries::track(conn, &id)?;
    let cleaned = clean_track(&points, &CleaningRules::for_mode(mode));
    let coverage = match p
        .reach
        .map(|r| queries::aggregate_state(conn, &r.to_string()))
        .transpose()?
        .flatten()
    {
        Some(AggregateState::Reach(reach)) => ReachIndex::new(&reach.line, 10.0)
            .ok()
            .map(|index| index.coverage(&cleaned.points, &CoverageRules::default())),
        _ => None,
    };
    // Photos whose camera knew where and when it was are compared with the track (not the
    // after-rectification photos of its findings, taken later by design).
    let mut photos: Vec<PhotoFix> = p.photos.iter().filter_map(PhotoFix::for_track).collect();
    for f in queries::findings_of_record(conn, &id)? {
        if let Some(AggregateState::Finding(state)) = queries::aggregate_state(conn, &f.id)? {
            photos.extend(state.photos.iter().filter_map(PhotoFix::for_track));
        }
    }
    photos.sort_by_key(|ph: &PhotoFix| ph.taken_at.max(UnixMs(0)));
    let (point_flags, flags): (Vec<PlausibilityFlag>, Vec<PlausibilityFlag>) =
        check_plausibility(&points, &photos, &PlausibilityRules::for_mode(mode))
            .into_iter()
            .partition(|f| matches!(f.scope, FlagScope::Point { .. }));
    let mut flagged_points: Vec<usize> = point_flags
        .iter()
        .filter_map(|f| match f.scope {
            FlagScope::Point { index } => Some(index),
            _ => None,
        })
        .collect();
    flagged_points.sort_unstable();
    flagged_points.dedup();
    Ok(PatrolReport {
        mode,
        points_received: points.len(),
        untimed_points: p.untimed_lines.iter().map(Vec::len).sum(),
        dropped: cleaned.counts,
        stats: track_stats(&cleaned.points),
        coverage,
        flags,
        flagged_points,
    })
}
