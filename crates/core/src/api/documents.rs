//! Official documents on the device, offline (issue 16): the inspector shows the inspected
//! party the on-site record before they sign, and leaves it with them; a patroller shows a
//! commitment letter. Typeset here with the same crate and templates the server uses, from the
//! device's own store, so the PDF on the phone and the office's download say the same thing.
//!
//! The QR code points at the server this device syncs with, and the hash printed is of the
//! newest applied event the device holds: the office's later decisions (which the phone has
//! once it pulls) are then what "changed since" lists.

use super::lookup::{all_of, reference};
use super::{Device, Request, Response, misrouted};
use crate::error::{CoreError, Result};
use crate::store::{Store, queries};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use xuncha_docs::{Context, DocKind, Record, Renderer, Standing};
use xuncha_domain::payload::RecordRef;
use xuncha_domain::people::{Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::state::{AggregateState, FindingState};
use xuncha_domain::*;

/// A document made on the device.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentFile {
    pub kind: DocKind,
    pub title: String,
    pub number: String,
    /// "现场检查记录-HY-2026-3F2A-0007.pdf"
    pub file_name: String,
    /// The pages, each a standalone SVG, for the preview (no PDF viewer needed).
    pub pages_svg: Vec<String>,
    /// Where the PDF was saved on this device, to share or print; `None` for a device without
    /// a data folder (tests built from parts).
    pub saved_to: Option<String>,
    pub pdf_bytes: u64,
}

pub(super) fn handle(device: &Device, request: Request) -> Result<Response> {
    match request {
        Request::ListDocuments { record } => {
            let (state, findings) = {
                let s = device.store();
                (record_state(&s, record)?, findings_of(&s, record)?)
            };
            Ok(Response::Documents(xuncha_docs::documents_of(
                as_record(&state)?,
                &findings,
            )))
        }
        Request::GetDocument { record, kind, letter } => {
            let (state, ctx) = {
                let s = device.store();
                let state = record_state(&s, record)?;
                let ctx = context(device, &s, record, &state)?;
                (state, ctx)
            };
            // Typeset without holding the store's lock.
            let prepared = xuncha_docs::prepare(kind, letter, as_record(&state)?, &ctx)?;
            let renderer = device.renderer()?;
            let pdf = renderer.pdf(&prepared)?;
            let pages_svg = renderer.svg_pages(&prepared)?;
            let file_name = prepared.file_name();
            let saved_to = match device.documents_dir() {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)?;
                    let path = dir.join(&file_name);
                    std::fs::write(&path, &pdf)?;
                    Some(path.to_string_lossy().into_owned())
                }
                None => None,
            };
            Ok(Response::Document(Box::new(DocumentFile {
                kind,
                title: prepared.data["title"].as_str().unwrap_or_default().to_owned(),
                number: prepared.number().to_owned(),
                file_name,
                pages_svg,
                saved_to,
                pdf_bytes: pdf.len() as u64,
            })))
        }
        other => Err(misrouted(&other)),
    }
}

impl Device {
    /// The renderer, made with the system's CJK font on first use (or the fonts at
    /// `XUNCHA_FONTS`); a failure is said each time and tried again, so installing the font
    /// needs no restart.
    fn renderer(&self) -> Result<Arc<Renderer>> {
        let mut slot = self.renderer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = slot.as_ref() {
            return Ok(r.clone());
        }
        let fonts = std::env::var_os("XUNCHA_FONTS").map(std::path::PathBuf::from);
        let r = Arc::new(Renderer::new(xuncha_docs::Fonts::load(fonts.as_deref())?));
        *slot = Some(r.clone());
        Ok(r)
    }
}

fn record_id(record: RecordRef) -> String {
    match record {
        RecordRef::Patrol(p) => p.to_string(),
        RecordRef::Inspection(i) => i.to_string(),
    }
}

fn record_state(s: &Store, record: RecordRef) -> Result<AggregateState> {
    let id = record_id(record);
    queries::aggregate_state(s.conn(), &id)?.ok_or(CoreError::NotFound { what: "记录", id })
}

fn as_record(state: &AggregateState) -> Result<Record<'_>> {
    match state {
        AggregateState::Patrol(p) => Ok(Record::Patrol(p)),
        AggregateState::Inspection(i) => Ok(Record::Inspection(i)),
        _ => Err(CoreError::NotFound {
            what: "记录",
            id: String::new(),
        }),
    }
}

fn findings_of(s: &Store, record: RecordRef) -> Result<Vec<FindingState>> {
    let mut out = Vec::new();
    for f in queries::findings_of_record(s.conn(), &record_id(record))? {
        if let Some(AggregateState::Finding(state)) = queries::aggregate_state(s.conn(), &f.id.to_string())? {
            out.push(state);
        }
    }
    Ok(out)
}

fn context(device: &Device, s: &Store, record: RecordRef, state: &AggregateState) -> Result<Context> {
    let id = record_id(record);
    let findings = findings_of(s, record)?;
    let last_event = queries::timeline(s.conn(), &id)?
        .into_iter()
        .rev()
        .find(|t| matches!(t.outcome, queries::Outcome::Applied))
        .map(|t| t.event.hash)
        .ok_or(CoreError::NotFound {
            what: "记录",
            id: id.clone(),
        })?;
    let verify_base = s
        .account()?
        .map(|a| a.server_url)
        .unwrap_or_else(|| "（未登录服务器）".to_owned());
    let names = all_of(s, "user", |a| match a {
        AggregateState::User(u) => Some(u),
        _ => None,
    })?
    .into_iter()
    .map(|u: User| (u.id, u.name))
    .collect();
    let (mut site_ids, mut reach, mut checklist_name, mut track, mut standing) =
        (Vec::new(), None, None, Vec::new(), None);
    let unit: Option<UnitId> = match state {
        AggregateState::Inspection(i) => {
            site_ids.push(i.site);
            checklist_name = reference::<ChecklistTemplate>(s, i.checklist.as_uuid(), "检查表")
                .ok()
                .map(|c| c.name);
            Some(i.unit)
        }
        AggregateState::Patrol(p) => {
            site_ids.extend(p.letters.iter().map(|l| l.site));
            site_ids.extend(p.business_checks.iter().map(|c| c.site));
            reach = p
                .reach
                .and_then(|r| reference::<Reach>(s, r.as_uuid(), "河段").ok());
            track = queries::track(s.conn(), &id)?
                .into_iter()
                .map(|t| Position::new(t.lon, t.lat))
                .collect();
            if p.ended_at.is_some() {
                let report = super::patrol_report::patrol_report(
                    s,
                    p.id,
                    xuncha_domain::geo::clean::TravelMode::Walking,
                )?;
                standing = Some(Standing {
                    counts: report.judgement.as_ref().map(|j| j.counts),
                    reasons: report.judgement.map(|j| j.reasons_zh).unwrap_or_default(),
                    length_m: Some(report.stats.length_m),
                    duration_s: Some(report.stats.duration_s),
                    coverage: report.coverage.map(|c| c.fraction),
                });
            }
            Some(p.unit)
        }
        _ => None,
    };
    let unit_name = unit
        .and_then(|u| reference::<Unit>(s, u.as_uuid(), "单位").ok())
        .map(|u| u.name)
        .unwrap_or_default();
    let mut sites = BTreeMap::new();
    for sid in site_ids {
        if let Ok(site) = reference::<Site>(s, sid.as_uuid(), "场所") {
            sites.insert(sid, site);
        }
    }
    let record = as_record(state)?;
    let mut images = BTreeMap::new();
    if let Some(blobs) = device.blobs() {
        for h in xuncha_docs::images_wanted(record, &findings) {
            // A picture this device no longer holds is said in the document ("未同步").
            if let Ok(bytes) = blobs.get(&h) {
                images.insert(h, bytes);
            }
        }
    }
    Ok(Context {
        unit_name,
        names,
        sites,
        reach,
        checklist_name,
        findings,
        images,
        track,
        standing,
        last_event,
        verify_base,
    })
}
