//! The office's view of records: lists of patrols, inspections and findings of the caller's
//! units, a page at a time, and one record with its timeline, its track, whether its photos are
//! all in, its plausibility flags and (a patrol) whether it counts. Only ever shows records of
//! the caller's unit and the units below; the decisions on them are `decisions`.
//! A record's plausibility flags are judged here on every read by the domain's pure checks
//! (the same the device runs), from the events as stored: nothing about them is kept.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::error::Error;
use crate::extract::{PathOf, QueryOf};
use crate::facts::PatrolStanding;
use crate::office::units_of;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use xuncha_domain::geo::{
    FindingPhotoRules, FlagScope, PhotoFix, PlausibilityFlag, PlausibilityRules, TravelMode, check_finding,
    check_plausibility,
};
use xuncha_domain::payload::{AggregateKind, AggregateRef, Payload, RecordRef};
use xuncha_domain::state::{AggregateState, FindingState, PatrolState};
use xuncha_domain::{BlobHash, DeviceId, Event, EventId, FindingId, TrackPoint, UnitId, UserId};

// ---- records and findings ------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordSummary {
    pub aggregate: AggregateRef,
    pub unit: Option<UnitId>,
    pub owner: Option<UserId>,
    pub state: AggregateState,
    /// How many of the photos and signature images the record names the server still lacks;
    /// a record is shown complete only at 0.
    pub missing_blobs: usize,
    /// The record's own time (a patrol's or inspection's start, a finding's report): the
    /// lists' order.
    pub record_ms: i64,
    /// Entered late (补录): some event says it happened before it was entered; `record_ms` is
    /// then when it happened.
    pub late_entry: bool,
    /// Pass the last record's cursor as `before` for the next page.
    pub cursor: String,
    /// A patrol's judgement, flags and track figures (nothing for other records).
    #[serde(flatten)]
    pub patrol: PatrolStanding,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListQuery {
    /// patrol | inspection | finding
    pub kind: Option<String>,
    /// For findings: a `FindingStatus` name (e.g. "reported", "rectified").
    pub status: Option<String>,
    /// At most this many (default 200, at most 2,000); the next page starts `before` the last
    /// record's `cursor`. Pages are stable while records are added or changed: each record
    /// that existed when paging began is listed exactly once.
    pub limit: Option<u32>,
    pub before: Option<String>,
    /// Only this unit and the units below it (within the caller's own).
    pub unit: Option<UnitId>,
    /// Only records of this person (the patroller, inspector or reporter).
    pub owner: Option<UserId>,
    /// Only records whose own time is in [from, to) (Unix ms).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Patrols only: those that count (`true`) or do not (`false`) under the rules in force.
    pub counts: Option<bool>,
    /// Patrols only: those with (`true`) or without (`false`) a flag.
    pub flagged: Option<bool>,
}

/// A filter on judgements and flags is applied after reading: at most this many records are
/// read for one page, so a page that finds fewer may end the list early (said in the docs).
const MOST_READ_FOR_A_PAGE: usize = 50_000;

const STATUSES: [&str; 5] = ["reported", "assigned", "rectified", "verified", "reopened"];

fn cursor_of(record_ms: i64, id: &str) -> String {
    format!("{record_ms}_{id}")
}

fn parse_cursor(s: &str) -> Result<(i64, String), Error> {
    let bad = || Error::bad_request("bad_cursor", "before 必须是上一页最后一条记录的 cursor");
    let (ms, id) = s.split_once('_').ok_or_else(bad)?;
    let id: uuid::Uuid = id.parse().map_err(|_| bad())?;
    Ok((ms.parse().map_err(|_| bad())?, id.to_string()))
}

pub(crate) fn kind_of(name: &str) -> Result<AggregateKind, Error> {
    match name.parse() {
        Ok(kind @ (AggregateKind::Patrol | AggregateKind::Inspection | AggregateKind::Finding)) => Ok(kind),
        _ => Err(Error::bad_request(
            "bad_kind",
            "kind 只能是 patrol、inspection 或 finding",
        )),
    }
}

/// Records (patrols, inspections) or findings of the caller's units, newest by their own time
/// first, a page at a time, filtered by unit, person, period and (findings) status.
pub async fn list_records(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: QueryOf<ListQuery>,
) -> Result<Json<Vec<RecordSummary>>, Error> {
    let QueryOf(q) = query;
    let checked = q.checked()?;
    let limit = q.limit.unwrap_or(200).clamp(1, 2_000);
    let rows = st
        .db
        .read(move |s| page_of(s, me.unit, &q, checked, limit))
        .await?;
    Ok(Json(rows))
}

impl ListQuery {
    /// The query's kind and `before` cursor, after checking every field.
    pub(crate) fn checked(&self) -> Result<(AggregateKind, Option<(i64, String)>), Error> {
        let kind = kind_of(self.kind.as_deref().unwrap_or("finding"))?;
        if let Some(s) = &self.status
            && !STATUSES.contains(&s.as_str())
        {
            return Err(Error::bad_request(
                "bad_status",
                "status 只能是 reported、assigned、rectified、verified 或 reopened",
            ));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(Error::bad_request("bad_period", "from 必须早于 to"));
        }
        Ok((kind, self.before.as_deref().map(parse_cursor).transpose()?))
    }
}

/// One page of what `q` asks for, as seen from the caller's unit `mine`: at most `limit`
/// records before the cursor.
pub(crate) fn page_of(
    s: &mut dyn crate::db::Storage,
    mine: UnitId,
    q: &ListQuery,
    (kind, before): (AggregateKind, Option<(i64, String)>),
    limit: u32,
) -> Result<Vec<RecordSummary>, Error> {
    let all = s.units()?;
    let units = crate::scope::asked_or_mine(&all, mine, q.unit)?;
    let judged = kind == AggregateKind::Patrol;
    let filtered = judged && (q.counts.is_some() || q.flagged.is_some());
    let mut filter = crate::db::RecordFilter {
        kind,
        units,
        status: q.status.clone(),
        owner: q.owner,
        from_ms: q.from,
        to_ms: q.to,
        before,
        limit,
    };
    let mut out = Vec::new();
    let mut read = 0;
    loop {
        let page = s.records_page(&filter)?;
        read += page.len();
        let full = page.len() == filter.limit as usize;
        filter.before = page.last().map(|r| (r.record_ms, r.aggregate.id.to_string()));
        let ids: Vec<uuid::Uuid> = page.iter().map(|r| r.aggregate.id).collect();
        let mut judgements = match judged {
            true => crate::facts::judgements(s, &all, &ids)?,
            false => BTreeMap::new(),
        };
        for r in page {
            let patrol = judgements.remove(&r.aggregate.id).unwrap_or_default();
            let keep = q
                .counts
                .is_none_or(|c| patrol.judgement.as_ref().is_some_and(|j| j.counts == c))
                && q.flagged.is_none_or(|f| patrol.flag_codes.is_empty() != f);
            if keep && out.len() < limit as usize {
                out.push(summary(s, r, patrol)?);
            }
        }
        if !filtered || !full || out.len() >= limit as usize || read >= MOST_READ_FOR_A_PAGE {
            break;
        }
    }
    Ok(out)
}

/// A record as the lists show it.
fn summary(
    s: &mut dyn crate::db::Storage,
    r: crate::db::AggregateRow,
    patrol: PatrolStanding,
) -> Result<RecordSummary, Error> {
    let state = crate::fold::parse_state(&r.state)?;
    let mut missing_blobs = 0;
    for h in state.blobs() {
        if !s.blob_in_record(&h.to_hex(), r.aggregate)? {
            missing_blobs += 1;
        }
    }
    Ok(RecordSummary {
        missing_blobs,
        cursor: cursor_of(r.record_ms, &r.aggregate.id.to_string()),
        record_ms: r.record_ms,
        late_entry: state.late_entry(),
        aggregate: r.aggregate,
        unit: r.unit,
        owner: r.owner,
        state,
        patrol,
    })
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: EventId,
    pub device: DeviceId,
    pub seq: u64,
    pub at_ms: i64,
    pub kind: String,
    /// Why the event was not applied, if it was not.
    pub flag: Option<String>,
}

/// A plausibility flag as the office sees it: the domain's flag (code, scope, labels) and, for
/// a flag about a photo, which photo — the scope's index alone would not say on which record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordFlag {
    #[serde(flatten)]
    pub flag: PlausibilityFlag,
    /// The `PhotoAttached` event of the photo the flag is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<EventId>,
    /// The finding that photo belongs to, when a patrol's flag is about one of its findings'
    /// photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordDetail {
    pub record: RecordSummary,
    /// A patrol's track as folded (empty for other records): the console draws and replays it.
    #[serde(default)]
    pub track: Vec<TrackPoint>,
    /// Whether the record's events are what their devices signed (hashes, signatures, links).
    pub chain: crate::evidence::ChainCheck,
    pub timeline: Vec<TimelineEntry>,
    /// Blobs the record's events name that the server does not hold yet.
    pub missing_blobs: Vec<BlobHash>,
    /// False while any photo or signature is still missing: never shown as complete.
    pub complete: bool,
    /// Plausibility flags: for a patrol, its track and the photos of it and its findings
    /// against the track; for a finding, its photos against its place and original photos.
    /// Flags on single fixes are summed up by a patrol-level flag and listed in
    /// `flagged_points`.
    pub flags: Vec<RecordFlag>,
    /// Fixes flagged one by one: indices into the patrol's track as its applied
    /// `TrackPointsAppended` events list it, in event order.
    pub flagged_points: Vec<usize>,
    /// The way of travel a patrol's track was judged for (`?mode=`; walking unless asked, since
    /// a patrol does not record one); `None` for other records.
    pub travel_mode: Option<TravelMode>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DetailQuery {
    /// How the patrol travelled: walking | bicycle | car | boat.
    pub mode: Option<TravelMode>,
}

/// A patrol's flags: its track as folded (the points of its applied events) and every photo of
/// it and of its findings that carries an EXIF time and place, against the track.
fn patrol_flags(
    s: &mut dyn crate::db::Storage,
    units: &[UnitId],
    patrol: &PatrolState,
    events: &[(Event, Option<String>)],
    mode: TravelMode,
) -> Result<(Vec<RecordFlag>, Vec<usize>), Error> {
    let points = applied_track(events);
    // Each photo with the event that attached it and the finding it belongs to, if any.
    let mut photos: Vec<(PhotoFix, EventId, Option<FindingId>)> = patrol
        .photos
        .iter()
        .filter_map(|ph| PhotoFix::for_track(ph).map(|fix| (fix, ph.event, None)))
        .collect();
    // Findings are filed under their reporter's unit, which the caller sees whenever it sees
    // the patrol's; storage has no look-up by record, so the units' findings are read.
    for row in s.aggregates_of_units(AggregateKind::Finding, units, u32::MAX)? {
        if let AggregateState::Finding(f) = crate::fold::parse_state(&row.state)?
            && f.record == RecordRef::Patrol(patrol.id)
        {
            photos.extend(
                f.photos
                    .iter()
                    .filter_map(|ph| PhotoFix::for_track(ph).map(|fix| (fix, ph.event, Some(f.id)))),
            );
        }
    }
    photos.sort_by_key(|(fix, event, _)| (fix.taken_at, *event));
    let fixes: Vec<PhotoFix> = photos.iter().map(|(fix, _, _)| *fix).collect();
    let mut flags = Vec::new();
    let mut flagged_points = Vec::new();
    for flag in check_plausibility(&points, &fixes, &PlausibilityRules::for_mode(mode)) {
        match flag.scope {
            FlagScope::Point { index } => flagged_points.push(index),
            FlagScope::Photo { index } => {
                let source = photos.get(index);
                flags.push(RecordFlag {
                    photo: source.map(|(_, event, _)| *event),
                    finding: source.and_then(|(_, _, finding)| *finding),
                    flag,
                });
            }
            FlagScope::Patrol => flags.push(RecordFlag {
                flag,
                photo: None,
                finding: None,
            }),
        }
    }
    flagged_points.sort_unstable();
    flagged_points.dedup();
    Ok((flags, flagged_points))
}

/// A patrol's track as folded: the points of its applied events, in event order (the indices
/// `flagged_points` names).
fn applied_track(events: &[(Event, Option<String>)]) -> Vec<TrackPoint> {
    events
        .iter()
        .filter(|(_, flag)| flag.is_none())
        .filter_map(|(e, _)| match &e.payload {
            Payload::TrackPointsAppended(t) => Some(t.points.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A finding's flags: its photos against its reported place and its original photos.
fn finding_flags(finding: &FindingState) -> Vec<RecordFlag> {
    check_finding(finding, &FindingPhotoRules::default())
        .into_iter()
        .map(|flag| {
            let photo = match flag.scope {
                FlagScope::Photo { index } => finding.photos.get(index).map(|ph| ph.event),
                _ => None,
            };
            RecordFlag {
                flag,
                photo,
                finding: None,
            }
        })
        .collect()
}

/// One record with its timeline, whether its photos are all in, and its plausibility flags.
pub async fn record_detail(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: PathOf<(String, uuid::Uuid)>,
    query: QueryOf<DetailQuery>,
) -> Result<Json<RecordDetail>, Error> {
    let PathOf((kind, id)) = path;
    let QueryOf(query) = query;
    let aggregate = AggregateRef {
        kind: kind_of(&kind)?,
        id,
    };
    let detail = st
        .db
        .read(move |s| {
            let units = units_of(s, &me)?;
            let row = s
                .aggregate_get(aggregate)?
                .filter(|r| r.unit.is_some_and(|u| units.contains(&u)));
            let Some(row) = row else {
                return Err(Error::NotFound("没有这条记录".into()));
            };
            let mut events = Vec::new();
            for (body, flag) in s.aggregate_events(aggregate)? {
                events.push((crate::fold::parse_event(&body)?, flag));
            }
            events.sort_by_key(|(e, _)| e.order_key());
            // Only what the record holds counts, as in the lists (`AggregateState::blobs`): a
            // refused event naming a photo (an attacker naming someone else's blob) must not make
            // the record look incomplete, and a photo counts as there only once the device that
            // named it has sent it.
            let state = crate::fold::parse_state(&row.state)?;
            let mut missing = Vec::new();
            for h in state.blobs() {
                if !s.blob_in_record(&h.to_hex(), aggregate)? {
                    missing.push(h);
                }
            }
            let timeline = events
                .iter()
                .map(|(e, flag)| TimelineEntry {
                    event: e.id,
                    device: e.device,
                    seq: e.seq,
                    at_ms: e.hlc.wall_ms,
                    kind: e.payload.type_name().to_owned(),
                    flag: flag.clone(),
                })
                .collect();
            let (flags, flagged_points, travel_mode) = match &state {
                AggregateState::Patrol(p) => {
                    let mode = query.mode.unwrap_or(TravelMode::Walking);
                    let (flags, points) = patrol_flags(s, &units, p, &events, mode)?;
                    (flags, points, Some(mode))
                }
                AggregateState::Finding(f) => (finding_flags(f), Vec::new(), None),
                _ => (Vec::new(), Vec::new(), None),
            };
            let patrol = match &state {
                AggregateState::Patrol(_) => {
                    let all = s.units()?;
                    crate::facts::judgements(s, &all, &[aggregate.id])?
                        .remove(&aggregate.id)
                        .unwrap_or_default()
                }
                _ => PatrolStanding::default(),
            };
            let only_events: Vec<Event> = events.iter().map(|(e, _)| e.clone()).collect();
            let chain = crate::evidence::check(s, &only_events)?;
            let track = match &state {
                AggregateState::Patrol(_) => applied_track(&events),
                _ => Vec::new(),
            };
            Ok(RecordDetail {
                record: RecordSummary {
                    missing_blobs: missing.len(),
                    record_ms: row.record_ms,
                    late_entry: state.late_entry(),
                    cursor: cursor_of(row.record_ms, &aggregate.id.to_string()),
                    aggregate,
                    unit: row.unit,
                    owner: row.owner,
                    state,
                    patrol,
                },
                track,
                chain,
                timeline,
                complete: missing.is_empty(),
                missing_blobs: missing,
                flags,
                flagged_points,
                travel_mode,
            })
        })
        .await?;
    Ok(Json(detail))
}
