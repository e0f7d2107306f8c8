//! The summary shown when a patrol ends: its cleaned track's figures, how much of the assigned
//! reach it covered, the plausibility flags explained, and whether it counts under the patrol
//! rules the device has received, with why — computed from the stored track on demand, so it
//! always reflects every point received.

use crate::error::Result;
use crate::store::{Store, queries};
use serde::{Deserialize, Serialize};
use xuncha_domain::geo::clean::{CleaningRules, DropCounts, TravelMode, clean_track};
use xuncha_domain::geo::coverage::{Coverage, CoverageRules, ReachIndex};
use xuncha_domain::geo::plausibility::{
    FlagScope, PhotoFix, PlausibilityFlag, PlausibilityRules, check_plausibility,
};
use xuncha_domain::geo::stats::{TrackStats, track_stats};
use xuncha_domain::judge::{PatrolFacts, PatrolMethod, judge};
use xuncha_domain::payload::PatrolKind;
use xuncha_domain::people::Role;
use xuncha_domain::rules::PatrolRules;
use xuncha_domain::state::{AggregateState, PatrolState};
use xuncha_domain::{PatrolId, UnitId, UnixMs};

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
    /// Whether it counts under the patrol rules in force for its unit (a river chief's river
    /// patrol, when the device has rules); judged by the same function as the office's figures,
    /// except the cooldown between patrols, which needs the chief's other patrols and is left to
    /// the office.
    #[serde(default)]
    pub judgement: Option<Judgement>,
}

pub use xuncha_domain::judge::Judgement;

/// The rules in force for a patrol of `unit` at `t`: the nearest unit at or above it that has
/// rules on this device.
fn rules_for(conn: &rusqlite::Connection, unit: UnitId, t: UnixMs) -> Result<Option<PatrolRules>> {
    let mut books = Vec::new();
    let mut units = Vec::new();
    for state in queries::aggregates_of_kind(conn, "rules")? {
        if let AggregateState::Rules(b) = state {
            books.push(b);
        }
    }
    if books.is_empty() {
        return Ok(None);
    }
    for state in queries::aggregates_of_kind(conn, "unit")? {
        if let AggregateState::Unit(u) = state {
            units.push(u);
        }
    }
    let mut at = Some(unit);
    let mut seen = Vec::new();
    while let Some(u) = at.filter(|u| !seen.contains(u)) {
        if let Some(book) = books.iter().find(|b| b.unit == u) {
            return Ok(book.in_force(t).cloned());
        }
        seen.push(u);
        at = units.iter().find(|x| x.id == u).and_then(|x| x.parent);
    }
    Ok(None)
}

fn judgement(
    conn: &rusqlite::Connection,
    p: &PatrolState,
    stats: &TrackStats,
    coverage: Option<&Coverage>,
    flags: &[PlausibilityFlag],
) -> Result<Option<Judgement>> {
    if p.kind != PatrolKind::River {
        return Ok(None);
    }
    let level = match queries::aggregate_state(conn, &p.patroller.to_string())? {
        Some(AggregateState::User(u)) => u.roles.iter().find_map(|r| match r {
            Role::RiverChief { level } => Some(*level),
            _ => None,
        }),
        _ => None,
    };
    let Some(level) = level else { return Ok(None) };
    let Some(rules) = rules_for(conn, p.unit, p.started_at)? else {
        return Ok(None);
    };
    let Some(level_rules) = rules.level(level) else {
        return Ok(None);
    };
    let facts = PatrolFacts {
        patrol: p.id,
        chief: p.patroller,
        level,
        reach: p.reach,
        started_at: p.started_at,
        ended: p.ended_at.is_some(),
        duration_s: stats.duration_s,
        length_m: stats.length_m,
        coverage: coverage.map(|c| c.fraction),
        flags: flags.iter().map(|f| f.code).collect(),
        method: PatrolMethod::OnSite,
        delegate: false,
        self_initiated: true,
    };
    Ok(Some(Judgement::by(&rules, judge(level_rules, &facts, None))))
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
    let stats = track_stats(&cleaned.points);
    let judgement = judgement(conn, &p, &stats, coverage.as_ref(), &flags)?;
    Ok(PatrolReport {
        mode,
        points_received: points.len(),
        untimed_points: p.untimed_lines.iter().map(Vec::len).sum(),
        dropped: cleaned.counts,
        stats,
        coverage,
        flags,
        flagged_points,
        judgement,
    })
}
