//! Safety inspections: started on a registered site with a published checklist, answered item
//! by item, the numbered on-site record issued, signed (or the signature refused before a
//! witness), closed. Document numbers are made here, on the device, without a server.

use super::lookup::{current_record_document, document_number, reference, signed_in};
use super::{Recorded, Recording, Request, Response, event, misrouted};
use crate::error::{CoreError, Result};
use serde_json::json;
use xuncha_domain::payload::Payload;
use xuncha_domain::reference::{ChecklistTemplate, Site};
use xuncha_domain::state::{AggregateState, Rejection};
use xuncha_domain::*;

pub(super) fn handle(r: &mut Recording, request: Request) -> Result<Response> {
    let now = r.now();
    match &request {
        Request::StartInspection { site, checklist, .. } => {
            let (user, unit) = signed_in(r.store)?;
            reference::<Site>(r.store, site.0, "场所")?;
            let template: ChecklistTemplate = reference(r.store, checklist.0, "检查表")?;
            let inspection = InspectionId::new();
            // The checklist's items as the inspector had them, so the record stands on its own.
            let added = json!({
                "inspection": inspection, "unit": unit, "inspector": user, "started_at": now,
                "checklist_version": template.version, "items": template.items,
            });
            r.record(inspection, Payload::InspectionStarted(event(&request, added)?))
        }
        Request::AnswerChecklistItem { inspection, .. } => r.record(
            inspection,
            Payload::ChecklistAnswered(event(&request, json!({}))?),
        ),
        Request::IssueOnSiteRecord { inspection, .. } => issue_record(r, *inspection, &request),
        Request::SignDocument { inspection, .. } => {
            let document = current_record_document(r.store, *inspection)?;
            let added = json!({ "document": document, "signed_at": now });
            r.record(document, Payload::DocumentSigned(event(&request, added)?))
        }
        Request::RecordRefusal { inspection, .. } => {
            let document = current_record_document(r.store, *inspection)?;
            let added = json!({ "document": document, "at": now });
            r.record(document, Payload::SignatureRefused(event(&request, added)?))
        }
        Request::CloseInspection { inspection, .. } => {
            let added = json!({ "closed_at": now });
            r.record(inspection, Payload::InspectionClosed(event(&request, added)?))
        }
        _ => Err(misrouted(&request)),
    }
}

/// Issues the on-site record under the next document number; the answer carries the number.
fn issue_record(r: &mut Recording, inspection: InspectionId, request: &Request) -> Result<Response> {
    // Refuse before a number is used up, so numbers have no gaps from mistakes.
    if let Some(AggregateState::Inspection(i)) = r.store.conn_state(inspection.0)?
        && i.record.is_some()
    {
        return Err(CoreError::Refused(Rejection {
            code: "record_issued".into(),
            message: "现场检查记录已经出具过".into(),
        }));
    }
    let issued_at = r.now();
    let number = document_number(r.store, issued_at)?;
    let document = DocumentId::new();
    let added = json!({ "document": document, "number": number, "issued_at": issued_at });
    let event = r.append(Payload::OnSiteRecordIssued(event(request, added)?))?;
    Ok(Response::Recorded(Recorded {
        id: document.to_string(),
        events: vec![event],
        number: Some(number),
    }))
}
