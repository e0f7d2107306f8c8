//! The office's view of records and its decisions on findings: lists of patrols, inspections
//! and findings of the caller's units, one record with its timeline and whether its photos are
//! all in, and assign / verify / reopen, which become events of the server's chain and flow down
//! to devices. Only ever shows or touches records of the caller's unit and the units below.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::error::Error;
use crate::office::units_of;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use xuncha_domain::payload::{
    AggregateKind, AggregateRef, FindingReopened, FindingVerified, Payload, RectificationAssigned,
};
use xuncha_domain::people::User;
use xuncha_domain::state::AggregateState;
use xuncha_domain::{BlobHash, DeviceId, Event, EventId, FindingId, UnitId, UnixMs, UserId};

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
}

/// Every blob a record's state names: photos (all copies), signatures, after-rectification
/// photos.
fn blobs_of(state: &AggregateState) -> Vec<BlobHash> {
    let photos = |p: &[xuncha_domain::state::PhotoInfo]| {
        p.iter()
            .flat_map(|ph| std::iter::once(ph.original).chain(ph.upload).chain(ph.thumbnail))
            .collect::<Vec<_>>()
    };
    let mut out = match state {
        AggregateState::Patrol(p) => {
            let mut v = photos(&p.photos);
            v.extend(p.letters.iter().map(|l| l.signature));
            v
        }
        AggregateState::Inspection(i) => {
            let mut v = photos(&i.photos);
            if let Some(r) = &i.record {
                v.extend(r.signatures.values().map(|s| s.signature));
                v.extend(r.refusal.as_ref().map(|r| r.witness_signature));
            }
            v
        }
        AggregateState::Finding(f) => {
            let mut v = photos(&f.photos);
            if let Some(r) = &f.rectification {
                v.extend(r.after_photos.iter().copied());
            }
            v
        }
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListQuery {
    /// patrol | inspection | finding
    pub kind: Option<String>,
    /// For findings: a `FindingStatus` name (e.g. "reported", "rectified").
    pub status: Option<String>,
    pub limit: Option<u32>,
}

fn kind_of(name: &str) -> Result<AggregateKind, Error> {
    match name {
        "patrol" => Ok(AggregateKind::Patrol),
        "inspection" => Ok(AggregateKind::Inspection),
        "finding" => Ok(AggregateKind::Finding),
        _ => Err(Error::bad_request(
            "bad_kind",
            "kind 只能是 patrol、inspection 或 finding",
        )),
    }
}

/// Records (patrols, inspections) or findings of the caller's units, newest first.
pub async fn list_records(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<RecordSummary>>, Error> {
    let Query(q) = query?;
    let kind = kind_of(q.kind.as_deref().unwrap_or("finding"))?;
    let limit = q.limit.unwrap_or(200).clamp(1, 2_000);
    let status = q.status.clone();
    let rows = st
        .db
        .read(move |s| {
            let units = units_of(s, &me)?;
            let mut out = Vec::new();
            for r in s.aggregates_of_units(kind, &units, limit)? {
                let state = crate::fold::parse_state(&r.state)?;
                if let (Some(status), AggregateState::Finding(f)) = (&status, &state)
                    && f.status.as_str() != status
                {
                    continue;
                }
                let mut missing = 0;
                for h in blobs_of(&state) {
                    if s.blob_size(&h.to_hex())?.is_none() {
                        missing += 1;
                    }
                }
                out.push((r, state, missing));
            }
            Ok(out)
        })
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (r, state, missing_blobs) in rows {
        out.push(RecordSummary {
            missing_blobs,
            aggregate: r.aggregate,
            unit: r.unit,
            owner: r.owner,
            state,
        });
    }
    Ok(Json(out))
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

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordDetail {
    pub record: RecordSummary,
    pub timeline: Vec<TimelineEntry>,
    /// Blobs the record's events name that the server does not hold yet.
    pub missing_blobs: Vec<BlobHash>,
    /// False while any photo or signature is still missing: never shown as complete.
    pub complete: bool,
}

/// One record with its timeline and whether its photos are all in.
pub async fn record_detail(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<(String, uuid::Uuid)>, PathRejection>,
) -> Result<Json<RecordDetail>, Error> {
    let Path((kind, id)) = path?;
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
            let mut missing = Vec::new();
            for (e, _) in &events {
                for h in e.payload.blobs() {
                    if !missing.contains(&h) && s.blob_size(&h.to_hex())?.is_none() {
                        missing.push(h);
                    }
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
            Ok(RecordDetail {
                record: RecordSummary {
                    missing_blobs: missing.len(),
                    aggregate,
                    unit: row.unit,
                    owner: row.owner,
                    state: crate::fold::parse_state(&row.state)?,
                },
                timeline,
                complete: missing.is_empty(),
                missing_blobs: missing,
            })
        })
        .await?;
    Ok(Json(detail))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssignRequest {
    pub assignee: String,
    pub follow_up_by: Option<UserId>,
    pub deadline: UnixMs,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VerifyRequest {
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReopenRequest {
    pub reason: String,
}

async fn decide(st: &AppState, me: User, finding: FindingId, payload: Payload) -> Result<Event, Error> {
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            let units = units_of(s, &me)?;
            let row = s.aggregate_get(AggregateRef {
                kind: AggregateKind::Finding,
                id: finding.0,
            })?;
            if !row.is_some_and(|r| r.unit.is_some_and(|u| units.contains(&u))) {
                return Err(Error::NotFound("没有这个问题".into()));
            }
            chain.append(s, payload, Some(me.id), UnixMs(crate::now_ms()))
        })
        .await
}

pub async fn assign(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<FindingId>, PathRejection>,
    body: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let (Path(finding), Json(req)) = (path?, body?);
    let payload = Payload::RectificationAssigned(RectificationAssigned {
        finding,
        assignee: req.assignee,
        follow_up_by: req.follow_up_by,
        deadline: req.deadline,
        note: req.note,
    });
    decide(&st, me, finding, payload).await.map(Json)
}

pub async fn verify(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<FindingId>, PathRejection>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let (Path(finding), Json(req)) = (path?, body?);
    let payload = Payload::FindingVerified(FindingVerified {
        finding,
        note: req.note,
        verified_at: UnixMs(crate::now_ms()),
    });
    decide(&st, me, finding, payload).await.map(Json)
}

pub async fn reopen(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<FindingId>, PathRejection>,
    body: Result<Json<ReopenRequest>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let (Path(finding), Json(req)) = (path?, body?);
    let payload = Payload::FindingReopened(FindingReopened {
        finding,
        reason: req.reason,
        at: UnixMs(crate::now_ms()),
    });
    decide(&st, me, finding, payload).await.map(Json)
}
