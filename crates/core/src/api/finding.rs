//! Findings and their rectification: reported on a patrol or an inspection under a catalogue
//! category, amended, assigned, rectified, verified or reopened; and the photos attached to any
//! record. The finding's lifecycle is the domain's; here, only what spans records.

use super::lookup::signed_in;
use super::{Recording, Request, Response, event, misrouted};
use crate::error::{CoreError, Result};
use serde_json::json;
use xuncha_domain::payload::{Payload, RecordRef};
use xuncha_domain::validate::ValidationError;
use xuncha_domain::*;

pub(super) fn handle(r: &mut Recording, request: Request) -> Result<Response> {
    let now = r.now();
    match &request {
        Request::ReportFinding { record, category, .. } => {
            let kind = reportable(r, *record, category)?;
            let finding = FindingId::new();
            let added = json!({ "finding": finding, "kind": kind, "reported_at": now });
            r.record(finding, Payload::FindingReported(event(&request, added)?))
        }
        Request::AmendFinding { finding, .. } => {
            r.record(finding, Payload::FindingAmended(event(&request, json!({}))?))
        }
        Request::AttachPhoto { .. } => {
            let payload = Payload::PhotoAttached(event(&request, json!({}))?);
            r.record(payload.aggregate().id, payload)
        }
        Request::AssignRectification { finding, .. } => {
            let (user, _) = signed_in(r.store)?;
            let added = json!({ "follow_up_by": user });
            r.record(finding, Payload::RectificationAssigned(event(&request, added)?))
        }
        Request::RectifyFinding { finding, .. } => {
            let added = json!({ "rectified_at": now });
            r.record(finding, Payload::FindingRectified(event(&request, added)?))
        }
        Request::VerifyFinding { finding, .. } => {
            let added = json!({ "verified_at": now });
            r.record(finding, Payload::FindingVerified(event(&request, added)?))
        }
        Request::ReopenFinding { finding, .. } => r.record(
            finding,
            Payload::FindingReopened(event(&request, json!({ "at": now }))?),
        ),
        _ => Err(misrouted(&request)),
    }
}

/// The kind of finding `category` is, if the record it is reported on exists and the category
/// is in the catalogue.
fn reportable(r: &Recording, record: RecordRef, category: &str) -> Result<catalogue::FindingKind> {
    let (what, id) = match record {
        RecordRef::Patrol(p) => ("巡查", p.0),
        RecordRef::Inspection(i) => ("检查", i.0),
    };
    if r.store.conn_state(id)?.is_none() {
        return Err(CoreError::NotFound {
            what,
            id: id.to_string(),
        });
    }
    catalogue::category(category).map(|c| c.kind).ok_or_else(|| {
        CoreError::Invalid(ValidationError::new(
            "category",
            format!(" {category:?} 不在类别目录中（`xuncha categories` 列出全部类别）"),
            format!("{category:?} is not in the catalogue (`xuncha categories` lists them all)"),
        ))
    })
}
