//! What the screens show: the home page, records and their details, tracks and patrol reports,
//! open findings, and the reference data to choose from. Reads only; nothing here writes.

use super::lookup::{all_of, reference};
use super::{
    CHINA_OFFSET_MS, FindingDetail, Home, RecordDetail, Request, Response, misrouted, patrol_report,
};
use crate::error::{CoreError, Result};
use crate::store::{Store, queries};
use xuncha_domain::people::{Unit, User};
use xuncha_domain::state::{AggregateState, FindingStatus};
use xuncha_domain::*;

pub(super) fn handle(s: &Store, now: UnixMs, request: Request) -> Result<Response> {
    match request {
        Request::Home => home(s, now),
        Request::ListRecords { filter } => Ok(Response::Records(queries::list_records(s.conn(), &filter)?)),
        Request::GetRecord { id } => record(s, id),
        Request::PatrolReport { patrol, mode } => {
            Ok(Response::PatrolReport(Box::new(patrol_report::patrol_report(
                s,
                patrol,
                mode.unwrap_or(xuncha_domain::geo::clean::TravelMode::Walking),
            )?)))
        }
        Request::GetTrack { patrol } => Ok(Response::Track(queries::track(s.conn(), &patrol.to_string())?)),
        Request::ListOpenFindings { status, limit } => Ok(Response::Findings(queries::open_findings(
            s.conn(),
            status,
            limit,
        )?)),
        Request::GetFinding { id } => finding(s, id),
        Request::ListReaches => Ok(Response::Reaches(all_of(s, "reach", |a| match a {
            AggregateState::Reach(r) => Some(r),
            _ => None,
        })?)),
        Request::ListSites { kind } => Ok(Response::Sites(all_of(s, "site", |a| match a {
            AggregateState::Site(x) if kind.is_none_or(|k| k == x.kind) => Some(x),
            _ => None,
        })?)),
        Request::ListChecklists => Ok(Response::Checklists(all_of(s, "checklist", |a| match a {
            AggregateState::Checklist(c) => Some(c),
            _ => None,
        })?)),
        other => Err(misrouted(&other)),
    }
}

fn home(s: &Store, now: UnixMs) -> Result<Response> {
    let device = s.identity()?;
    let user: Option<User> = device.user_id.and_then(|u| reference(s, u.0, "用户").ok());
    let unit: Option<Unit> = device.unit_id.and_then(|u| reference(s, u.0, "单位").ok());
    let day_start = (now.0 + CHINA_OFFSET_MS).div_euclid(UnixMs::DAY) * UnixMs::DAY - CHINA_OFFSET_MS;
    let conn = s.conn();
    let mut active = queries::list_records(
        conn,
        &queries::RecordFilter {
            status: Some("active".into()),
            ..Default::default()
        },
    )?;
    active.extend(queries::list_records(
        conn,
        &queries::RecordFilter {
            status: Some("record_issued".into()),
            ..Default::default()
        },
    )?);
    Ok(Response::Home(Box::new(Home {
        counts: queries::counts(conn, day_start)?,
        to_rectify: queries::open_findings(conn, Some(FindingStatus::Assigned), None)?
            .into_iter()
            .chain(queries::open_findings(conn, Some(FindingStatus::Reopened), None)?)
            .collect(),
        device,
        user,
        unit,
        active,
    })))
}

fn record(s: &Store, id: String) -> Result<Response> {
    let conn = s.conn();
    let not_found = || CoreError::NotFound {
        what: "记录",
        id: id.clone(),
    };
    let summary = queries::record_summary(conn, &id)?.ok_or_else(not_found)?;
    let state = queries::aggregate_state(conn, &id)?.ok_or_else(not_found)?;
    Ok(Response::Record(Box::new(RecordDetail {
        summary,
        state,
        findings: queries::findings_of_record(conn, &id)?,
        timeline: queries::timeline(conn, &id)?,
    })))
}

/// A finding, its timeline, and its photos checked against its reported place.
fn finding(s: &Store, id: FindingId) -> Result<Response> {
    let key = id.to_string();
    let state = queries::aggregate_state(s.conn(), &key)?.ok_or(CoreError::NotFound {
        what: "问题",
        id: key.clone(),
    })?;
    let rules = xuncha_domain::geo::FindingPhotoRules::default();
    let flags = match &state {
        AggregateState::Finding(f) => xuncha_domain::geo::check_finding(f, &rules),
        _ => Vec::new(),
    };
    Ok(Response::Finding(Box::new(FindingDetail {
        state,
        timeline: queries::timeline(s.conn(), &key)?,
        flags,
    })))
}
