//! The office's decisions on records: assign, verify and reopen a finding, and review (approve
//! or send back) a patrol or inspection. Each becomes an event of the server's chain, checked by
//! the same access rule and fold as a device's push, and flows down to the devices that hold
//! the record. Only ever on records of the caller's unit and the units below.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::error::Error;
use crate::extract::{Body, PathOf};
use crate::office::units_of;
use crate::records::kind_of;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use xuncha_domain::payload::{
    AggregateKind, AggregateRef, FindingReopened, FindingVerified, Payload, RecordRef, RecordReviewed,
    RectificationAssigned, ReviewDecision,
};
use xuncha_domain::people::User;
use xuncha_domain::{Event, FindingId, InspectionId, PatrolId, UnixMs, UserId};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub assignee: String,
    pub follow_up_by: Option<UserId>,
    pub deadline: UnixMs,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    pub reason: String,
}

/// An office decision on a record of its units, appended to the server's chain if the
/// record's state and the access rule allow it.
async fn decide(st: &AppState, me: User, on: AggregateRef, payload: Payload) -> Result<Event, Error> {
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            let units = units_of(s, &me)?;
            let row = s.aggregate_get(on)?;
            let Some(row) = row.filter(|r| r.unit.is_some_and(|u| units.contains(&u))) else {
                return Err(Error::NotFound(match on.kind {
                    AggregateKind::Finding => "没有这个问题".into(),
                    _ => "没有这条记录".into(),
                }));
            };
            let state = crate::fold::parse_state(&row.state)?;
            let record = xuncha_domain::access::Filed {
                unit: row.unit,
                owner: row.owner,
                state: Some(&state),
            };
            let tree = s.units()?;
            crate::office::allowed(&me, &payload, Some(record), &tree)?;
            chain.append(s, payload, Some(me.id), UnixMs(crate::now_ms()))
        })
        .await
}

/// An office decision on a finding, sent as a request body: the event it becomes.
pub trait Decision: serde::de::DeserializeOwned + Send + 'static {
    fn payload(self, finding: FindingId, now: UnixMs) -> Payload;
}

impl Decision for AssignRequest {
    fn payload(self, finding: FindingId, _: UnixMs) -> Payload {
        Payload::RectificationAssigned(RectificationAssigned {
            finding,
            assignee: self.assignee,
            follow_up_by: self.follow_up_by,
            deadline: self.deadline,
            note: self.note,
        })
    }
}

impl Decision for VerifyRequest {
    fn payload(self, finding: FindingId, now: UnixMs) -> Payload {
        Payload::FindingVerified(FindingVerified {
            finding,
            note: self.note,
            verified_at: now,
        })
    }
}

impl Decision for ReopenRequest {
    fn payload(self, finding: FindingId, now: UnixMs) -> Payload {
        Payload::FindingReopened(FindingReopened {
            finding,
            reason: self.reason,
            at: now,
        })
    }
}

/// `POST /api/v1/office/findings/{id}/assign|verify|reopen`: the decision `D`, taken by the
/// signed-in office on a finding of its units, appended to the server's chain.
pub async fn decide_on<D: Decision>(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    PathOf(finding): PathOf<FindingId>,
    Body(req): Body<D>,
) -> Result<Json<Event>, Error> {
    let payload = req.payload(finding, UnixMs(crate::now_ms()));
    let on = AggregateRef {
        kind: AggregateKind::Finding,
        id: finding.0,
    };
    decide(&st, me, on, payload).await.map(Json)
}

/// The office's review of a patrol or inspection: approve it, or send it back with a comment
/// that reaches the recorder's device with the next pull.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub decision: ReviewDecision,
    /// Required when sending back (at most 500 characters).
    #[serde(default)]
    pub comment: String,
}

/// `POST /api/v1/office/records/{kind}/{id}/review`: approve or send back a patrol or
/// inspection of the caller's units (not one's own), once it has ended.
pub async fn review(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: PathOf<(String, uuid::Uuid)>,
    Body(req): Body<ReviewRequest>,
) -> Result<Json<Event>, Error> {
    let PathOf((kind, id)) = path;
    let record = match kind_of(&kind)? {
        AggregateKind::Patrol => RecordRef::Patrol(PatrolId(id)),
        AggregateKind::Inspection => RecordRef::Inspection(InspectionId(id)),
        _ => {
            return Err(Error::bad_request(
                "bad_kind",
                "只能审核巡查（patrol）或安全检查（inspection）；问题用交办、验收和退回",
            ));
        }
    };
    let payload = Payload::RecordReviewed(RecordReviewed {
        record,
        decision: req.decision,
        comment: req.comment,
        reviewed_at: UnixMs(crate::now_ms()),
    });
    let on = payload.aggregate();
    decide(&st, me, on, payload).await.map(Json)
}
