//! Patrols, river and fishing-ban alike: start one, add its track, end it. Only the signed-in
//! user starts a patrol, on a registered reach or a described area; the patrol's rules (no
//! points after its end, one end) are the domain's.

use super::lookup::{reference, signed_in};
use super::{Recorded, Recording, Request, Response, event, misrouted};
use crate::error::{CoreError, Result};
use serde_json::json;
use xuncha_domain::payload::{Payload, TrackPointsAppended};
use xuncha_domain::reference::Reach;
use xuncha_domain::validate::{MAX_POINTS_PER_EVENT, ValidationError};
use xuncha_domain::*;

pub(super) fn handle(r: &mut Recording, request: Request) -> Result<Response> {
    let now = r.now();
    match &request {
        Request::StartPatrol { reach, area, at, .. } => {
            let (user, unit) = signed_in(r.store)?;
            if let Some(id) = reach {
                reference::<Reach>(r.store, id.0, "河段")?;
            }
            let patrol = PatrolId::new();
            let added = json!({
                "patrol": patrol, "unit": unit, "patroller": user, "started_at": at.unwrap_or(now),
                "area": area.as_ref().filter(|a| !a.trim().is_empty()),
            });
            r.record(patrol, Payload::PatrolStarted(event(&request, added)?))
        }
        Request::AppendTrackPoints {
            patrol,
            points,
            untimed,
        } => append_track(r, *patrol, points, untimed),
        Request::EndPatrol { patrol, at, .. } => {
            let added = json!({ "ended_at": at.unwrap_or(now) });
            r.record(patrol, Payload::PatrolEnded(event(&request, added)?))
        }
        _ => Err(misrouted(&request)),
    }
}

/// Timed points and untimed stretches go in events of their own, each within the size limit.
fn append_track(
    r: &mut Recording,
    patrol: PatrolId,
    points: &[TrackPoint],
    untimed: &[Vec<Position>],
) -> Result<Response> {
    if points.is_empty() && untimed.iter().all(Vec::is_empty) {
        return Err(CoreError::Invalid(ValidationError::new(
            "points",
            "一个也没有",
            "is missing: there are none",
        )));
    }
    let timed = points
        .chunks(MAX_POINTS_PER_EVENT)
        .map(|chunk| (chunk.to_vec(), Vec::new()));
    let untimed = untimed
        .iter()
        .flat_map(|line| line.chunks(MAX_POINTS_PER_EVENT))
        .map(|chunk| (Vec::new(), vec![chunk.to_vec()]));
    let events = timed
        .chain(untimed)
        .map(|(points, untimed)| {
            let appended = TrackPointsAppended {
                patrol,
                points,
                untimed,
            };
            r.append(Payload::TrackPointsAppended(appended))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Response::Recorded(Recorded {
        id: patrol.to_string(),
        events,
        number: None,
    }))
}
