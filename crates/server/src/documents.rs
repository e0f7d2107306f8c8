//! Over 500 lines: gathering a record for its documents, serving them, and verifying them, read together.
//! The official documents of a record (issue 16), typeset on the server for the office's
//! downloads, and the verification every document points to.
//!
//! - `GET …/records/{kind}/{id}/documents` lists a record's documents and
//!   `GET …/documents/{doc}` sends one as PDF: office staff over the record's unit only, as for
//!   the record itself.
//! - `GET /verify/{kind}/{id}/{hash}` (the QR code's address, a page for people),
//!   `GET /api/v1/verify/{kind}/{id}/{hash}` and `POST /api/v1/verify` (the PDF itself) answer
//!   whether the event the document reflects is in the record as its device signed it, and what
//!   changed since. Public: whoever holds the document may check it. The answer names no person
//!   and no content, only event kinds and times, for a record whose id and newest hash only a
//!   holder of the document knows.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::db::Storage;
use crate::error::Error;
use crate::extract::{PathOf, QueryOf, Raw};
use crate::fold::{parse_event, parse_state};
use crate::office::units_of;
use crate::records::kind_of;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use xuncha_docs::{Context, DocKind, DocRef, Fonts, Record, Renderer, Standing};
use xuncha_domain::payload::{AggregateKind, AggregateRef, RecordRef};
use xuncha_domain::state::{AggregateState, FindingState};
use xuncha_domain::{DeviceId, Event, EventHash, Position, UnitId};

/// The documents' fonts and public address, and the renderer made from them on first use (a
/// server without the CJK font still serves everything else, and says what to install).
pub struct Documents {
    fonts: Option<PathBuf>,
    public_url: Option<String>,
    renderer: OnceLock<Result<Arc<Renderer>, String>>,
}

impl Documents {
    /// `fonts`: a font file or folder (`None`: the system's Noto Sans CJK); `public_url`: the
    /// address printed in the QR codes (`None`: the address the office reached this server at).
    pub fn new(fonts: Option<PathBuf>, public_url: Option<String>) -> Documents {
        Documents {
            fonts,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            renderer: OnceLock::new(),
        }
    }

    pub(crate) fn renderer(&self) -> Result<Arc<Renderer>, Error> {
        self.renderer
            .get_or_init(|| {
                Fonts::load(self.fonts.as_deref())
                    .map(|f| Arc::new(Renderer::new(f)))
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(Error::Unavailable)
    }

    /// The public address: the configured one, else the Host this request came to.
    pub(crate) fn base(&self, headers: &HeaderMap) -> String {
        if let Some(u) = &self.public_url {
            return u.clone();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            })
            .unwrap_or("localhost");
        format!("http://{host}")
    }
}

/// The records documents are of.
fn record_kind(name: &str) -> Result<AggregateKind, Error> {
    match kind_of(name)? {
        k @ (AggregateKind::Patrol | AggregateKind::Inspection) => Ok(k),
        _ => Err(Error::bad_request(
            "bad_kind",
            "文书只属于巡查（patrol）或检查（inspection）",
        )),
    }
}

fn record_ref(aggregate: AggregateRef) -> RecordRef {
    match aggregate.kind {
        AggregateKind::Patrol => RecordRef::Patrol(aggregate.id.into()),
        _ => RecordRef::Inspection(aggregate.id.into()),
    }
}

/// The findings of a unit's records: filed under their reporter's unit, which is the record's.
fn findings_in(s: &mut dyn Storage, unit: UnitId) -> Result<Vec<FindingState>, Error> {
    let mut out = Vec::new();
    for row in s.aggregates_of_units(AggregateKind::Finding, &[unit], u32::MAX)? {
        if let AggregateState::Finding(f) = parse_state(&row.state)? {
            out.push(f);
        }
    }
    Ok(out)
}

/// What documents read besides the record itself, read once for a batch of records.
#[derive(Default)]
pub(crate) struct Lookup {
    units: Option<Vec<xuncha_domain::people::Unit>>,
    names: Option<BTreeMap<xuncha_domain::UserId, String>>,
    findings: BTreeMap<UnitId, Vec<FindingState>>,
}

impl Lookup {
    fn units(&mut self, s: &mut dyn Storage) -> Result<Vec<xuncha_domain::people::Unit>, Error> {
        if self.units.is_none() {
            self.units = Some(s.units()?);
        }
        Ok(self.units.clone().unwrap_or_default())
    }

    fn names(&mut self, s: &mut dyn Storage) -> Result<BTreeMap<xuncha_domain::UserId, String>, Error> {
        if self.names.is_none() {
            self.names = Some(s.users()?.into_iter().map(|u| (u.id, u.name)).collect());
        }
        Ok(self.names.clone().unwrap_or_default())
    }

    fn findings_of(
        &mut self,
        s: &mut dyn Storage,
        aggregate: AggregateRef,
        unit: UnitId,
    ) -> Result<Vec<FindingState>, Error> {
        let all = match self.findings.entry(unit) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(findings_in(s, unit)?),
        };
        let rr = record_ref(aggregate);
        Ok(all.iter().filter(|f| f.record == rr).cloned().collect())
    }
}

/// The applied events of a record and of its findings, in HLC order: what its documents
/// reflect.
fn events_of(
    s: &mut dyn Storage,
    aggregate: AggregateRef,
    findings: &[FindingState],
) -> Result<Vec<Event>, Error> {
    let mut refs = vec![aggregate];
    refs.extend(findings.iter().map(|f| AggregateRef {
        kind: AggregateKind::Finding,
        id: f.id.as_uuid(),
    }));
    let mut events = Vec::new();
    for r in refs {
        for (body, flag) in s.aggregate_events(r)? {
            if flag.is_none() {
                events.push(parse_event(&body)?);
            }
        }
    }
    events.sort_by_key(|e| e.order_key());
    Ok(events)
}

/// A record's state and what its documents need from storage (the pictures are read after).
pub(crate) struct Gathered {
    pub(crate) state: AggregateState,
    pub(crate) ctx: Context,
}

impl Gathered {
    pub(crate) fn record(&self) -> Result<Record<'_>, Error> {
        match &self.state {
            AggregateState::Patrol(p) => Ok(Record::Patrol(p)),
            AggregateState::Inspection(i) => Ok(Record::Inspection(i)),
            _ => Err(Error::NotFound("没有这条记录".into())),
        }
    }
}

fn reference<T>(
    s: &mut dyn Storage,
    kind: AggregateKind,
    id: uuid::Uuid,
    pick: impl Fn(AggregateState) -> Option<T>,
) -> Result<Option<T>, Error> {
    match s.aggregate_get(AggregateRef { kind, id })? {
        Some(row) => Ok(pick(parse_state(&row.state)?)),
        None => Ok(None),
    }
}

/// Everything but the pictures, for the record `aggregate` if it lies in `units`.
pub(crate) fn gather(
    s: &mut dyn Storage,
    lookup: &mut Lookup,
    units: &[UnitId],
    aggregate: AggregateRef,
    base: String,
) -> Result<Gathered, Error> {
    let row = s
        .aggregate_get(aggregate)?
        .filter(|r| r.unit.is_some_and(|u| units.contains(&u)));
    let Some(row) = row else {
        return Err(Error::NotFound("没有这条记录".into()));
    };
    let unit = row.unit.ok_or_else(|| Error::NotFound("没有这条记录".into()))?;
    let state = parse_state(&row.state)?;
    let findings = lookup.findings_of(s, aggregate, unit)?;
    let events = events_of(s, aggregate, &findings)?;
    let last_event = events
        .last()
        .map(|e| e.hash)
        .ok_or_else(|| Error::NotFound("这条记录没有可用的事件".into()))?;
    let all_units = lookup.units(s)?;
    let unit_name = all_units
        .iter()
        .find(|u| u.id == unit)
        .map_or_else(String::new, |u| u.name.clone());
    let names = lookup.names(s)?;
    let mut site_ids = Vec::new();
    let (mut reach, mut checklist_name, mut track, mut standing) = (None, None, Vec::new(), None);
    match &state {
        AggregateState::Inspection(i) => {
            site_ids.push(i.site);
            checklist_name = reference(
                s,
                AggregateKind::Checklist,
                i.checklist.as_uuid(),
                |st| match st {
                    AggregateState::Checklist(t) => Some(t.name),
                    _ => None,
                },
            )?;
        }
        AggregateState::Patrol(p) => {
            site_ids.extend(p.letters.iter().map(|l| l.site));
            site_ids.extend(p.business_checks.iter().map(|c| c.site));
            if let Some(r) = p.reach {
                reach = reference(s, AggregateKind::Reach, r.as_uuid(), |st| match st {
                    AggregateState::Reach(r) => Some(r),
                    _ => None,
                })?;
            }
            track = crate::facts::applied_track(s, aggregate)?
                .into_iter()
                .map(|t| Position::new(t.lon, t.lat))
                .collect();
            let st = crate::facts::judgements(s, &all_units, &[aggregate.id])?
                .remove(&aggregate.id)
                .unwrap_or_default();
            standing = Some(Standing {
                counts: st.judgement.as_ref().map(|j| j.counts),
                reasons: st.judgement.map(|j| j.reasons_zh).unwrap_or_default(),
                length_m: st.length_m,
                duration_s: st.duration_s,
                coverage: st.coverage,
            });
        }
        _ => return Err(Error::NotFound("没有这条记录".into())),
    }
    let mut sites = BTreeMap::new();
    for id in site_ids {
        if let Some(site) = reference(s, AggregateKind::Site, id.as_uuid(), |st| match st {
            AggregateState::Site(s) => Some(s),
            _ => None,
        })? {
            sites.insert(id, site);
        }
    }
    Ok(Gathered {
        state,
        ctx: Context {
            unit_name,
            names,
            sites,
            reach,
            checklist_name,
            findings,
            images: BTreeMap::new(),
            track,
            standing,
            last_event,
            verify_base: base,
        },
    })
}

/// The record with its pictures, ready for `xuncha_docs::prepare`.
async fn gathered(
    st: &AppState,
    me: xuncha_domain::people::User,
    aggregate: AggregateRef,
    base: String,
) -> Result<Gathered, Error> {
    let mut g = st
        .db
        .read(move |s| {
            let units = units_of(s, &me)?;
            gather(s, &mut Lookup::default(), &units, aggregate, base)
        })
        .await?;
    with_images(st, &mut g).await?;
    Ok(g)
}

/// Reads the pictures a record's documents print.
pub(crate) async fn with_images(st: &AppState, g: &mut Gathered) -> Result<(), Error> {
    let wanted = xuncha_docs::images_wanted(g.record()?, &g.ctx.findings);
    for h in wanted {
        // A picture not yet uploaded is said in the document ("未同步"), not an error.
        if let Ok(bytes) = st.blobs.get(&h).await {
            g.ctx.images.insert(h, bytes.to_vec());
        }
    }
    Ok(())
}

/// A record's documents.
pub async fn list(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    headers: HeaderMap,
    PathOf((kind, id)): PathOf<(String, uuid::Uuid)>,
) -> Result<Json<Vec<DocRef>>, Error> {
    let aggregate = AggregateRef {
        kind: record_kind(&kind)?,
        id,
    };
    let g = gathered(&st, me, aggregate, st.documents.base(&headers)).await?;
    Ok(Json(xuncha_docs::documents_of(g.record()?, &g.ctx.findings)))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DocQuery {
    /// Which commitment letter of a patrol.
    pub letter: Option<uuid::Uuid>,
}

/// One document of a record as PDF.
pub async fn pdf(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    headers: HeaderMap,
    PathOf((kind, id, doc)): PathOf<(String, uuid::Uuid, String)>,
    QueryOf(q): QueryOf<DocQuery>,
) -> Result<Response, Error> {
    let aggregate = AggregateRef {
        kind: record_kind(&kind)?,
        id,
    };
    let doc_kind = DocKind::parse(&doc).ok_or_else(|| {
        Error::bad_request(
            "bad_document",
            "文书只能是 on_site_record、rectification_order、reinspection_opinion、commitment_letter 或 patrol_record",
        )
    })?;
    let renderer = st.documents.renderer()?;
    let g = gathered(&st, me, aggregate, st.documents.base(&headers)).await?;
    let (bytes, name) = tokio::task::spawn_blocking(move || {
        let prepared = xuncha_docs::prepare(doc_kind, q.letter.map(Into::into), g.record()?, &g.ctx)
            .map_err(doc_error)?;
        let pdf = renderer.pdf(&prepared).map_err(doc_error)?;
        Ok::<_, Error>((pdf, prepared.file_name()))
    })
    .await
    .map_err(|e| Error::Internal(format!("render task: {e}")))??;
    Ok(file_response(bytes, "application/pdf", &name))
}

pub(crate) fn doc_error(e: xuncha_docs::Error) -> Error {
    match e {
        xuncha_docs::Error::NotAvailable(m) => Error::NotFound(m),
        xuncha_docs::Error::FontMissing { .. } | xuncha_docs::Error::FontRead { .. } => {
            Error::Unavailable(e.to_string())
        }
        other => Error::Internal(other.to_string()),
    }
}

/// A file to download, named in UTF-8 (RFC 6266 / 5987) with an ASCII fallback.
pub(crate) fn file_response(bytes: impl Into<axum::body::Body>, media: &str, name: &str) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes.into(),
    )
        .into_response()
}

// ---- verification --------------------------------------------------------------------------

/// One event of a record, as a verification names it: its kind and time, no content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventLine {
    pub kind: String,
    pub at_ms: i64,
    pub device: DeviceId,
    pub seq: u64,
}

impl EventLine {
    fn of(e: &Event) -> EventLine {
        EventLine {
            kind: e.payload.type_name().to_owned(),
            at_ms: e.hlc.wall_ms,
            device: e.device,
            seq: e.seq,
        }
    }
}

/// Whether a document matches the record on this server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// The hash is an event of this record, as its device signed it, and every event of the
    /// record checks (hash, signature, link).
    pub matches: bool,
    /// "inspection/<id>" or "patrol/<id>".
    pub record: String,
    pub hash: String,
    /// The answer in one sentence (Chinese).
    pub message: String,
    /// The event the document reflects, when the server has it.
    pub event: Option<EventLine>,
    /// What happened to the record after that event.
    pub changed_since: Vec<EventLine>,
    /// What failed, one sentence each.
    pub problems: Vec<String>,
}

fn verify_in(
    s: &mut dyn Storage,
    kind: AggregateKind,
    id: uuid::Uuid,
    hash: &str,
) -> Result<Verification, Error> {
    let aggregate = AggregateRef { kind, id };
    let record = format!("{}/{id}", crate::db::kind_name(kind));
    let answer = |message: &str| Verification {
        matches: false,
        record: record.clone(),
        hash: hash.to_owned(),
        message: message.to_owned(),
        event: None,
        changed_since: Vec::new(),
        problems: Vec::new(),
    };
    let Ok(wanted) = hash.parse::<EventHash>() else {
        return Ok(answer(
            "不一致：文书上的哈希不是有效的事件哈希（64 位小写十六进制）。",
        ));
    };
    let Some(row) = s.aggregate_get(aggregate)? else {
        return Ok(answer(
            "不一致：服务器上没有这条记录。文书可能不是本系统出具的，或记录尚未同步到服务器。",
        ));
    };
    let Some(unit) = row.unit else {
        return Ok(answer("不一致：服务器上没有这条记录。"));
    };
    let findings = Lookup::default().findings_of(s, aggregate, unit)?;
    let events = events_of(s, aggregate, &findings)?;
    let Some(at) = events.iter().position(|e| e.hash == wanted) else {
        return Ok(answer(
            "不一致：这个哈希不是这条记录的事件。文书与服务器上设备签名的记录不符，可能被改动过。",
        ));
    };
    let chain = crate::evidence::check(s, &events)?;
    let event = Some(EventLine::of(&events[at]));
    let changed_since: Vec<EventLine> = events[at + 1..].iter().map(EventLine::of).collect();
    let message = if !chain.intact {
        "不一致：服务器上这条记录的数据未通过校验（哈希、签名或链接不符），记录可能被改动过。".to_owned()
    } else if changed_since.is_empty() {
        "一致：文书反映的正是设备签名的记录，此后没有变化。".to_owned()
    } else {
        format!(
            "一致：文书反映的是设备签名的记录；此后记录又有 {} 项变化（见下）。",
            changed_since.len()
        )
    };
    Ok(Verification {
        matches: chain.intact,
        record,
        hash: hash.to_owned(),
        message,
        event,
        changed_since,
        problems: chain.problems,
    })
}

async fn verify_of(st: &AppState, kind: &str, id: uuid::Uuid, hash: String) -> Result<Verification, Error> {
    let kind = record_kind(kind)?;
    st.db.read(move |s| verify_in(s, kind, id, &hash)).await
}

/// The verification as JSON.
pub async fn verify_json(
    State(st): State<AppState>,
    PathOf((kind, id, hash)): PathOf<(String, uuid::Uuid, String)>,
) -> Result<Json<Verification>, Error> {
    Ok(Json(verify_of(&st, &kind, id, hash).await?))
}

/// An uploaded PDF, checked by the verification keyword it carries.
pub async fn verify_upload(State(st): State<AppState>, Raw(body): Raw) -> Result<Json<Verification>, Error> {
    let keyword = xuncha_docs::keyword_in_pdf(&body).ok_or_else(|| {
        Error::unprocessable(
            "not_our_document",
            "这份文件里没有核验信息：不是本系统出具的 PDF 文书，或已被重新打印、转换过。请扫描文书上的二维码核验。",
        )
    })?;
    let rest = keyword.trim_start_matches("xuncha-verify:");
    let mut parts = rest.splitn(3, '/');
    let (Some(kind), Some(id), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::unprocessable("bad_keyword", "文书的核验信息不完整"));
    };
    let id: uuid::Uuid = id
        .parse()
        .map_err(|_| Error::unprocessable("bad_keyword", "文书的核验信息中的记录编号无效"))?;
    Ok(Json(verify_of(&st, kind, id, hash.to_owned()).await?))
}

/// The QR code's address: the verification as a page for whoever scanned it.
pub async fn verify_page(
    State(st): State<AppState>,
    PathOf((kind, id, hash)): PathOf<(String, uuid::Uuid, String)>,
) -> Result<Html<String>, Error> {
    let v = verify_of(&st, &kind, id, hash).await?;
    Ok(Html(page(&v)))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(v: &Verification) -> String {
    let (mark, colour) = if v.matches {
        ("✓ 一致", "#1b5e20")
    } else {
        ("✗ 不一致", "#b71c1c")
    };
    let line = |e: &EventLine| {
        format!(
            "<li>{} · {} · 设备 {} 第 {} 号事件</li>",
            escape(&e.kind),
            escape(&xuncha_docs::when(xuncha_domain::UnixMs(e.at_ms))),
            escape(&e.device.to_string()),
            e.seq
        )
    };
    let mut html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>文书核验 · 巡查</title></head><body style=\"font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em\">\
<h1 style=\"color:{colour}\">{mark}</h1><p>{}</p><p>记录：{}<br>末事件哈希：<code style=\"word-break:break-all\">{}</code></p>",
        escape(&v.message),
        escape(&v.record),
        escape(&v.hash)
    );
    if let Some(e) = &v.event {
        html.push_str(&format!("<h2>文书反映的事件</h2><ul>{}</ul>", line(e)));
    }
    if !v.changed_since.is_empty() {
        html.push_str("<h2>此后的变化</h2><ul>");
        for e in &v.changed_since {
            html.push_str(&line(e));
        }
        html.push_str("</ul>");
    }
    if !v.problems.is_empty() {
        html.push_str("<h2>校验发现的问题</h2><ul>");
        for p in &v.problems {
            html.push_str(&format!("<li>{}</li>", escape(p)));
        }
        html.push_str("</ul>");
    }
    html.push_str("</body></html>");
    html
}
