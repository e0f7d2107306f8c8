//! The device itself: who uses it, events made elsewhere taken in, its read tables rebuilt,
//! its own log shown and checked. Nothing here records a workflow's action.

use super::{IngestReport, LogCheck, Request, Response, misrouted};
use crate::error::Result;
use crate::store::{Ingested, Store};
use xuncha_domain::UnixMs;

pub(super) fn handle(s: &mut Store, now: UnixMs, request: Request) -> Result<Response> {
    match request {
        Request::SetUser { user, unit } => {
            s.set_user(user, unit)?;
            Ok(Response::Done)
        }
        Request::IngestEvents { events } => {
            let results = s.ingest(&events, now, None)?;
            let new = results.iter().filter(|r| **r == Ingested::New).count() as u64;
            Ok(Response::Ingested(IngestReport {
                new,
                already_had: results.len() as u64 - new,
            }))
        }
        Request::Rebuild => {
            s.rebuild()?;
            Ok(Response::Done)
        }
        Request::DeviceInfo => Ok(Response::Device(s.identity()?)),
        Request::Outbox { limit } => Ok(Response::Events(s.outbox(limit.unwrap_or(500) as usize)?)),
        Request::VerifyLog => {
            let head = s.verify_own_chain()?;
            Ok(Response::LogChecked(LogCheck {
                device: s.device_id(),
                events: head.map_or(0, |h| h.seq),
                head: head.map(|h| h.hash),
            }))
        }
        other => Err(misrouted(&other)),
    }
}
