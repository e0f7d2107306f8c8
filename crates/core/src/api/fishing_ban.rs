//! What a fishing-ban patrol records on its way: business checks, publicity, seized gear and
//! commitment letters. Each belongs to its patrol; a checked or signing business must be a
//! registered site.

use super::lookup::reference;
use super::{Recording, Request, Response, event, misrouted};
use crate::error::Result;
use serde_json::json;
use xuncha_domain::payload::Payload;
use xuncha_domain::reference::Site;
use xuncha_domain::*;

pub(super) fn handle(r: &mut Recording, request: Request) -> Result<Response> {
    let now = r.now();
    match &request {
        Request::RecordBusinessCheck { site, .. } => {
            reference::<Site>(r.store, site.0, "场所")?;
            let check = BusinessCheckId::new();
            let added = json!({ "check": check, "checked_at": now });
            r.record(check, Payload::BusinessChecked(event(&request, added)?))
        }
        Request::TallyPublicity { patrol, .. } => {
            r.record(patrol, Payload::PublicityTallied(event(&request, json!({}))?))
        }
        Request::RecordSeizure { .. } => {
            let seizure = SeizureId::new();
            let added = json!({ "seizure": seizure, "seized_at": now });
            r.record(seizure, Payload::GearSeized(event(&request, added)?))
        }
        Request::SignCommitmentLetter { site, .. } => {
            reference::<Site>(r.store, site.0, "场所")?;
            let letter = DocumentId::new();
            let added = json!({ "letter": letter, "signed_at": now });
            r.record(letter, Payload::CommitmentLetterSigned(event(&request, added)?))
        }
        _ => Err(misrouted(&request)),
    }
}
