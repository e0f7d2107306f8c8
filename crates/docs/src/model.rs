//! Over 500 lines: what each of the five documents says, settled in one place for the PDF and the preview.
//! What each document says, taken from a record's folded state and the names around it. The
//! templates only lay out: every sentence, date and label is settled here, in one place, so the
//! PDF and the app's preview say the same thing.

use crate::draw;
use crate::{Error, Prepared};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use xuncha_domain::calendar::{CHINA_OFFSET_MS, Day};
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::PatrolKind;
use xuncha_domain::payload::{Answer, CheckOutcome, PhotoRole, SignerRole};
use xuncha_domain::reference::{Reach, Site};
use xuncha_domain::state::{FindingState, FindingStatus, InspectionState, PatrolState, PhotoInfo};
use xuncha_domain::{BlobHash, DocumentId, EventHash, Position, SiteId, UnixMs, UserId};

/// The documents xuncha issues.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 现场检查记录: left with the inspected party, signed on site.
    OnSiteRecord,
    /// 责令限期整改指令书: where hazards were found, with the deadline.
    RectificationOrder,
    /// 整改复查意见书: once the hazards' rectification has been checked.
    ReinspectionOpinion,
    /// 承诺书: a business's commitment on a fishing-ban patrol.
    CommitmentLetter,
    /// 巡河记录 / 禁捕巡查记录: a patrol, with its track.
    PatrolRecord,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::OnSiteRecord,
        DocKind::RectificationOrder,
        DocKind::ReinspectionOpinion,
        DocKind::CommitmentLetter,
        DocKind::PatrolRecord,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::OnSiteRecord => "on_site_record",
            DocKind::RectificationOrder => "rectification_order",
            DocKind::ReinspectionOpinion => "reinspection_opinion",
            DocKind::CommitmentLetter => "commitment_letter",
            DocKind::PatrolRecord => "patrol_record",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn template(self) -> &'static str {
        match self {
            DocKind::OnSiteRecord => "/on_site_record.typ",
            DocKind::RectificationOrder => "/rectification_order.typ",
            DocKind::ReinspectionOpinion => "/reinspection_opinion.typ",
            DocKind::CommitmentLetter => "/commitment_letter.typ",
            DocKind::PatrolRecord => "/patrol_record.typ",
        }
    }
}

/// The record a document is of.
#[derive(Clone, Copy, Debug)]
pub enum Record<'a> {
    Inspection(&'a InspectionState),
    Patrol(&'a PatrolState),
}

impl Record<'_> {
    /// "inspection/<id>" or "patrol/<id>", as in the server's routes.
    pub fn path(&self) -> String {
        match self {
            Record::Inspection(i) => format!("inspection/{}", i.id),
            Record::Patrol(p) => format!("patrol/{}", p.id),
        }
    }
}

/// One document a record has.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocRef {
    pub kind: DocKind,
    /// For a commitment letter: which of the patrol's letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub letter: Option<DocumentId>,
    pub title: String,
    pub number: String,
}

/// Whether a patrol counts under its unit's rules, and its figures, as the caller judged them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Standing {
    /// `None` when no rules apply to it.
    pub counts: Option<bool>,
    /// Why it does not count, one sentence each.
    pub reasons: Vec<String>,
    pub length_m: Option<f64>,
    pub duration_s: Option<f64>,
    /// Of its reach, 0 to 1.
    pub coverage: Option<f64>,
}

/// What a document needs beyond the record's own state, gathered by the caller (the device's
/// store or the server's storage).
#[derive(Clone, Debug)]
pub struct Context {
    /// The name of the record's unit (the issuing body).
    pub unit_name: String,
    pub names: BTreeMap<UserId, String>,
    pub sites: BTreeMap<SiteId, Site>,
    pub reach: Option<Reach>,
    pub checklist_name: Option<String>,
    /// The record's findings.
    pub findings: Vec<FindingState>,
    /// Pictures by hash: signatures (PNG) and photos (their upload-size JPEG). A missing one is
    /// said in the document ("照片未同步"), never silently dropped.
    pub images: BTreeMap<BlobHash, Vec<u8>>,
    /// A patrol's track as applied.
    pub track: Vec<Position>,
    pub standing: Option<Standing>,
    /// The newest event the document reflects, and where it is verified.
    pub last_event: EventHash,
    /// The server's public address, e.g. "https://xuncha.example.gov.cn".
    pub verify_base: String,
}

/// At most this many photos are printed on one document (the rest are in the record).
pub const MAX_PHOTOS: usize = 6;

/// The documents `record` has, in the order an office files them.
pub fn documents_of(record: Record<'_>, findings: &[FindingState]) -> Vec<DocRef> {
    let mut docs = Vec::new();
    match record {
        Record::Inspection(i) => {
            let Some(r) = &i.record else { return docs };
            docs.push(doc(DocKind::OnSiteRecord, None, &r.number));
            if r.rectification_deadline.is_some() && has_hazards(i, findings) {
                docs.push(doc(
                    DocKind::RectificationOrder,
                    None,
                    &format!("{}-ZG", r.number),
                ));
            }
            if findings.iter().any(|f| f.rectification.is_some()) {
                docs.push(doc(
                    DocKind::ReinspectionOpinion,
                    None,
                    &format!("{}-FC", r.number),
                ));
            }
        }
        Record::Patrol(p) => {
            docs.push(doc(DocKind::PatrolRecord, None, &patrol_number(p)));
            for l in &p.letters {
                docs.push(doc(
                    DocKind::CommitmentLetter,
                    Some(l.letter),
                    &letter_number(p, l.letter),
                ));
            }
        }
    }
    docs
}

/// What documents of `kind` are called, e.g. "现场检查记录" (a patrol record is "巡查记录").
pub fn documents_title(kind: DocKind) -> &'static str {
    match kind {
        DocKind::PatrolRecord => "巡查记录",
        other => title(other, None),
    }
}

fn doc(kind: DocKind, letter: Option<DocumentId>, number: &str) -> DocRef {
    DocRef {
        kind,
        letter,
        title: title(kind, None).to_owned(),
        number: number.to_owned(),
    }
}

fn title(kind: DocKind, patrol: Option<PatrolKind>) -> &'static str {
    match kind {
        DocKind::OnSiteRecord => "现场检查记录",
        DocKind::RectificationOrder => "责令限期整改指令书",
        DocKind::ReinspectionOpinion => "整改复查意见书",
        DocKind::CommitmentLetter => "承诺书",
        DocKind::PatrolRecord => match patrol {
            Some(PatrolKind::FishingBan) => "禁捕巡查记录",
            _ => "巡河记录",
        },
    }
}

fn has_hazards(i: &InspectionState, findings: &[FindingState]) -> bool {
    !findings.is_empty() || i.answers.values().any(|a| a.answer == Answer::NonCompliant)
}

/// The last eight hex digits of an id: the random end of a UUIDv7 (its start is the time,
/// the same for records begun in the same minute).
fn short(id: impl std::fmt::Display) -> String {
    let hex: Vec<char> = id.to_string().chars().filter(|c| *c != '-').collect();
    hex[hex.len().saturating_sub(8)..]
        .iter()
        .collect::<String>()
        .to_uppercase()
}

fn patrol_number(p: &PatrolState) -> String {
    let prefix = match p.kind {
        PatrolKind::River => "XH",
        PatrolKind::FishingBan => "JB",
    };
    format!("{prefix}-{}-{}", Day::of(p.started_at).year, short(p.id))
}

fn letter_number(p: &PatrolState, letter: DocumentId) -> String {
    format!("CN-{}-{}", Day::of(p.started_at).year, short(letter))
}

/// The images a record's documents may print, so the caller can load just these.
pub fn images_wanted(record: Record<'_>, findings: &[FindingState]) -> Vec<BlobHash> {
    let mut out = Vec::new();
    match record {
        Record::Inspection(i) => {
            if let Some(r) = &i.record {
                out.extend(r.signatures.values().map(|s| s.signature));
                out.extend(r.refusal.iter().map(|r| r.witness_signature));
            }
            out.extend(i.photos.iter().take(MAX_PHOTOS).filter_map(printable));
        }
        Record::Patrol(p) => {
            out.extend(p.letters.iter().map(|l| l.signature));
            out.extend(p.photos.iter().take(MAX_PHOTOS).filter_map(printable));
        }
    }
    for f in findings {
        out.extend(f.photos.iter().take(2).filter_map(printable));
    }
    out.sort();
    out.dedup();
    out
}

/// The photo's bytes a document prints: its upload-size JPEG, else its thumbnail.
fn printable(p: &PhotoInfo) -> Option<BlobHash> {
    p.upload.or(p.thumbnail)
}

/// The document `kind` of `record`, ready to typeset.
pub fn prepare(
    kind: DocKind,
    letter: Option<DocumentId>,
    record: Record<'_>,
    ctx: &Context,
) -> Result<Prepared, Error> {
    let mut files = Files::default();
    let refs = documents_of(record, &ctx.findings);
    let Some(docref) = refs
        .iter()
        .find(|d| d.kind == kind && (letter.is_none() || d.letter == letter))
    else {
        return Err(Error::NotAvailable(not_available(kind, record)));
    };
    let patrol_kind = match record {
        Record::Patrol(p) => Some(p.kind),
        Record::Inspection(_) => None,
    };
    let verify = verification(record, ctx, &mut files)?;
    let mut data = json!({
        "title": title(kind, patrol_kind),
        "number": docref.number,
        "unit": ctx.unit_name,
        "verify": verify,
    });
    let body = match (kind, record) {
        (DocKind::OnSiteRecord, Record::Inspection(i)) => on_site_record(i, ctx, &mut files),
        (DocKind::RectificationOrder, Record::Inspection(i)) => rectification_order(i, ctx, &mut files),
        (DocKind::ReinspectionOpinion, Record::Inspection(i)) => reinspection_opinion(i, ctx, &mut files),
        (DocKind::PatrolRecord, Record::Patrol(p)) => patrol_record(p, ctx, &mut files),
        (DocKind::CommitmentLetter, Record::Patrol(p)) => {
            let l = p.letters.iter().find(|l| Some(l.letter) == docref.letter);
            match l {
                Some(l) => commitment_letter(p, l, ctx, &mut files),
                None => return Err(Error::NotAvailable(not_available(kind, record))),
            }
        }
        _ => return Err(Error::NotAvailable(not_available(kind, record))),
    };
    if let (Value::Object(d), Value::Object(b)) = (&mut data, body) {
        d.extend(b);
    }
    Ok(Prepared {
        kind,
        template: kind.template(),
        data,
        files: files.0,
        keyword: verify_keyword(record, ctx.last_event),
        date: document_day(kind, record),
    })
}

fn not_available(kind: DocKind, record: Record<'_>) -> String {
    let why = match kind {
        DocKind::OnSiteRecord => "这次检查尚未出具现场检查记录",
        DocKind::RectificationOrder => "这次检查没有发现隐患，或现场检查记录没有整改期限",
        DocKind::ReinspectionOpinion => "这次检查的问题还没有整改",
        DocKind::CommitmentLetter => "这次巡查没有这份承诺书",
        DocKind::PatrolRecord => "这不是巡查记录",
    };
    format!(
        "{}（{}）没有{}：{}",
        record.path(),
        kind.as_str(),
        title(kind, None),
        why
    )
}

/// The string a document carries (in its PDF keywords) so that an uploaded copy can be
/// checked: `xuncha-verify:<kind>/<id>/<hash>`.
pub fn verify_keyword(record: Record<'_>, last_event: EventHash) -> String {
    format!("xuncha-verify:{}/{}", record.path(), last_event.to_hex())
}

/// The verification address printed as a QR code on every document.
pub fn verify_url(base: &str, record: Record<'_>, last_event: EventHash) -> String {
    format!(
        "{}/verify/{}/{}",
        base.trim_end_matches('/'),
        record.path(),
        last_event.to_hex()
    )
}

fn verification(record: Record<'_>, ctx: &Context, files: &mut Files) -> Result<Value, Error> {
    let url = verify_url(&ctx.verify_base, record, ctx.last_event);
    let qr = files.put_svg("qr", draw::qr_svg(&url)?);
    let hex = ctx.last_event.to_hex();
    let grouped: Vec<String> = hex
        .as_bytes()
        .chunks(16)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    Ok(json!({
        "url": url,
        "qr": qr,
        "record": record.path(),
        "hash": grouped.join(" "),
        "short": hex.get(..12).unwrap_or(&hex),
    }))
}

fn document_day(kind: DocKind, record: Record<'_>) -> UnixMs {
    match (kind, record) {
        (_, Record::Inspection(i)) => i.record.as_ref().map_or(i.started_at, |r| r.issued_at),
        (_, Record::Patrol(p)) => p.ended_at.unwrap_or(p.started_at),
    }
}

// ---- the five documents --------------------------------------------------------------------

fn on_site_record(i: &InspectionState, ctx: &Context, files: &mut Files) -> Value {
    let site = ctx.sites.get(&i.site);
    let r = i.record.as_ref();
    let items: Vec<Value> = i
        .items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let a = i.answers.get(&item.code);
            json!({
                "n": n + 1,
                "text": item.text,
                "basis": item.legal_basis,
                "answer": a.map_or("未检查", |a| answer_label(a.answer)),
                "bad": a.is_some_and(|a| a.answer == Answer::NonCompliant),
                "note": a.map_or("", |a| a.note.as_str()),
            })
        })
        .collect();
    json!({
        "facts": [
            ["被检查单位", site.map_or("（场所未同步）", |s| s.name.as_str())],
            ["地址", site.map_or("", |s| s.address.as_str())],
            ["检查时间", span(i.started_at, i.closed_at)],
            ["检查人员", name(ctx, Some(i.inspector))],
            ["检查表", ctx.checklist_name.clone().unwrap_or_else(|| format!("第 {} 版", i.checklist_version))],
            ["检查位置", i.position.map(position).unwrap_or_else(|| "未定位".to_owned())],
        ],
        "items": items,
        "content": r.map_or("", |r| r.content.as_str()),
        "deadline": r.and_then(|r| r.rectification_deadline).map(day),
        "issued": r.map(|r| when(r.issued_at)),
        "photos": photos(&i.photos, ctx, files),
        "signatures": signatures(i, ctx, files),
    })
}

fn rectification_order(i: &InspectionState, ctx: &Context, files: &mut Files) -> Value {
    let site = ctx.sites.get(&i.site);
    let r = i.record.as_ref();
    let mut problems: Vec<Value> = i
        .items
        .iter()
        .filter_map(|item| {
            let a = i.answers.get(&item.code)?;
            (a.answer == Answer::NonCompliant)
                .then(|| json!({ "text": item.text, "note": a.note, "basis": item.legal_basis }))
        })
        .collect();
    problems.extend(ctx.findings.iter().filter(|f| f.kind == FindingKind::Hazard).map(|f| {
        json!({ "text": f.description, "note": format!("{}（{}）", category_name(&f.category), f.severity.label_zh()), "basis": "" })
    }));
    let bases: Vec<&str> = {
        let mut b: Vec<&str> = i
            .items
            .iter()
            .filter(|item| {
                i.answers
                    .get(&item.code)
                    .is_some_and(|a| a.answer == Answer::NonCompliant)
            })
            .map(|item| item.legal_basis.as_str())
            .filter(|b| !b.is_empty())
            .collect();
        b.sort();
        b.dedup();
        b
    };
    json!({
        "addressee": site.map_or("（场所未同步）", |s| s.name.as_str()),
        "inspected": r.map(|r| day(r.issued_at)).unwrap_or_default(),
        "record_number": r.map_or("", |r| r.number.as_str()),
        "problems": problems,
        "bases": bases,
        "deadline": r.and_then(|r| r.rectification_deadline).map(day).unwrap_or_default(),
        "issued": r.map(|r| day(r.issued_at)).unwrap_or_default(),
        "signatures": signatures(i, ctx, files),
    })
}

fn reinspection_opinion(i: &InspectionState, ctx: &Context, files: &mut Files) -> Value {
    let site = ctx.sites.get(&i.site);
    let r = i.record.as_ref();
    let rows: Vec<Value> = ctx
        .findings
        .iter()
        .map(|f| {
            let done = f.rectification.as_ref();
            let opinion = match f.status {
                FindingStatus::Verified => format!(
                    "已整改到位，验收通过（{}）{}",
                    f.verified_at.map(day).unwrap_or_default(),
                    f.verification_note.as_deref().map(|n| format!("：{n}")).unwrap_or_default()
                ),
                FindingStatus::Reopened => format!(
                    "整改未到位，退回重新整改{}",
                    f.reopen_reason.as_deref().map(|n| format!("：{n}")).unwrap_or_default()
                ),
                FindingStatus::Rectified => "已报整改，待验收".to_owned(),
                FindingStatus::Reported | FindingStatus::Assigned => "尚未整改".to_owned(),
            };
            json!({
                "problem": f.description,
                "rectified": done.map(|d| format!("{}（{}）", if d.note.is_empty() { "已整改" } else { d.note.as_str() }, day(d.rectified_at))).unwrap_or_else(|| "—".to_owned()),
                "opinion": opinion,
                "ok": f.status == FindingStatus::Verified,
            })
        })
        .collect();
    let all_ok = !ctx.findings.is_empty() && ctx.findings.iter().all(|f| f.status == FindingStatus::Verified);
    let after: Vec<PhotoInfo> = ctx
        .findings
        .iter()
        .flat_map(|f| {
            f.photos
                .iter()
                .filter(|p| p.role == PhotoRole::AfterRectification)
                .take(2)
                .cloned()
        })
        .collect();
    json!({
        "addressee": site.map_or("（场所未同步）", |s| s.name.as_str()),
        "record_number": r.map_or(String::new(), |r| format!("{}-ZG", r.number)),
        "ordered": r.map(|r| day(r.issued_at)).unwrap_or_default(),
        "rows": rows,
        "conclusion": if all_ok { "经复查，上述问题已全部整改到位。" } else { "经复查，尚有问题未整改到位，请继续整改，逾期将依法处理。" },
        "photos": photos(&after, ctx, files),
        "inspector": name(ctx, Some(i.inspector)),
    })
}

fn commitment_letter(
    p: &PatrolState,
    l: &xuncha_domain::payload::CommitmentLetterSigned,
    ctx: &Context,
    files: &mut Files,
) -> Value {
    let site = ctx.sites.get(&l.site);
    json!({
        "site": site.map_or("（场所未同步）", |s| s.name.as_str()),
        "address": site.map_or("", |s| s.address.as_str()),
        "text": l.text,
        "signer": l.signer_name,
        "signature": files.put_image(ctx, l.signature),
        "signed": when(l.signed_at),
        "patroller": name(ctx, Some(p.patroller)),
    })
}

fn patrol_record(p: &PatrolState, ctx: &Context, files: &mut Files) -> Value {
    let reach = ctx.reach.as_ref();
    let standing = ctx.standing.clone().unwrap_or_default();
    let mut facts = vec![
        json!(["巡查人", name(ctx, Some(p.patroller))]),
        json!(["类型", p.kind.label_zh()]),
        json!([
            "河段 / 区域",
            reach
                .map(|r| r.name.clone())
                .or_else(|| p.area.clone())
                .unwrap_or_else(|| "—".to_owned())
        ]),
        json!(["时间", span(p.started_at, p.ended_at)]),
    ];
    if let Some(m) = standing.length_m {
        facts.push(json!(["里程", format!("{:.2} km", m / 1000.0)]));
    }
    if let Some(s) = standing.duration_s {
        facts.push(json!(["时长", duration(s)]));
    }
    if let Some(c) = standing.coverage {
        facts.push(json!(["河段覆盖", format!("{:.0}%", c * 100.0)]));
    }
    let counts = match standing.counts {
        Some(true) => "计入考核".to_owned(),
        Some(false) => format!("不计入考核：{}", standing.reasons.join("；")),
        None => "不适用巡河考核规则".to_owned(),
    };
    facts.push(json!(["考核", counts]));
    if p.late_entry {
        facts.push(json!(["补录", "本记录含补录内容"]));
    }
    let map = (!ctx.track.is_empty() || reach.is_some_and(|r| !r.line.is_empty()))
        .then(|| draw::track_map_svg(&ctx.track, reach.map_or(&[][..], |r| &r.line)))
        .flatten()
        .map(|m| json!({ "file": files.put_svg("map", m.svg), "scale": m.scale_label }));
    let findings: Vec<Value> = ctx
        .findings
        .iter()
        .map(|f| json!({ "text": f.description, "category": category_name(&f.category), "severity": f.severity.label_zh(), "status": f.status.label_zh() }))
        .collect();
    let checks: Vec<Value> = p
        .business_checks
        .iter()
        .map(|c| {
            json!({
                "site": ctx.sites.get(&c.site).map_or("（场所未同步）", |s| s.name.as_str()),
                "outcome": outcome_label(c.outcome),
                "notes": c.notes,
            })
        })
        .collect();
    let seizures: Vec<Value> = p
        .seizures
        .iter()
        .map(|s| json!({ "what": s.description, "qty": s.quantity }))
        .collect();
    let pb = &p.publicity;
    let publicity = (pb.banners + pb.signs + pb.notices + pb.leaflets > 0).then(|| {
        format!(
            "横幅 {} 条，警示牌 {} 块，通告 {} 份，传单 {} 份",
            pb.banners, pb.signs, pb.notices, pb.leaflets
        )
    });
    json!({
        "facts": facts,
        "counts": standing.counts,
        "map": map,
        "notes": p.notes,
        "findings": findings,
        "checks": checks,
        "seizures": seizures,
        "publicity": publicity,
        "photos": photos(&p.photos, ctx, files),
        "review": p.review.as_ref().map(|r| format!("{}{}", r.decision.label_zh(), if r.comment.is_empty() { String::new() } else { format!("：{}", r.comment) })),
    })
}

// ---- parts ---------------------------------------------------------------------------------

fn signatures(i: &InspectionState, ctx: &Context, files: &mut Files) -> Vec<Value> {
    let Some(r) = &i.record else { return Vec::new() };
    let mut out = Vec::new();
    for (role, label) in [
        (SignerRole::Inspector, "检查人员"),
        (SignerRole::InspectedParty, "被检查单位负责人"),
    ] {
        match r.signatures.get(&role) {
            Some(s) => out.push(json!({
                "role": label,
                "name": s.signer_name,
                "image": files.put_image(ctx, s.signature),
                "at": when(s.signed_at),
            })),
            None if role == SignerRole::InspectedParty => match &r.refusal {
                Some(f) => out.push(json!({
                    "role": "见证人（被检查单位拒绝签字）",
                    "name": f.witness_name,
                    "image": files.put_image(ctx, f.witness_signature),
                    "at": when(f.at),
                    "refusal": f.reason,
                })),
                None => out.push(json!({ "role": label, "name": "（未签字）", "image": null, "at": "" })),
            },
            None => out.push(json!({ "role": label, "name": "（未签字）", "image": null, "at": "" })),
        }
    }
    out
}

fn photos(list: &[PhotoInfo], ctx: &Context, files: &mut Files) -> Vec<Value> {
    list.iter()
        .take(MAX_PHOTOS)
        .map(|p| {
            let file = printable(p).and_then(|h| files.put_image(ctx, h));
            json!({
                "file": file,
                "caption": if p.caption.is_empty() { photo_role(p.role).to_owned() } else { p.caption.clone() },
                "at": p.taken_at.map(when).unwrap_or_default(),
                "where": p.position.map(position).unwrap_or_default(),
            })
        })
        .collect()
}

/// A finding category's Chinese name (its code when not in the catalogue).
fn category_name(code: &str) -> &str {
    xuncha_domain::catalogue::category(code).map_or(code, |c| c.name_zh)
}

fn photo_role(r: PhotoRole) -> &'static str {
    match r {
        PhotoRole::Evidence => "现场照片",
        PhotoRole::AfterRectification => "整改后照片",
        PhotoRole::Seizure => "查扣物品",
    }
}

fn answer_label(a: Answer) -> &'static str {
    match a {
        Answer::Compliant => "符合",
        Answer::NonCompliant => "不符合",
        Answer::NotApplicable => "不适用",
    }
}

fn outcome_label(o: CheckOutcome) -> &'static str {
    match o {
        CheckOutcome::Compliant => "未发现问题",
        CheckOutcome::ViolationFound => "发现问题",
        CheckOutcome::Closed => "未营业 / 无人",
    }
}

fn name(ctx: &Context, user: Option<UserId>) -> String {
    user.and_then(|u| ctx.names.get(&u).cloned())
        .unwrap_or_else(|| "（未知人员）".to_owned())
}

/// "2026年12月4日", China time.
pub(crate) fn day(t: UnixMs) -> String {
    let d = Day::of(t);
    format!("{}年{}月{}日", d.year, d.month, d.day)
}

/// "2026年12月4日 14:30", China time.
pub fn when(t: UnixMs) -> String {
    let ms = (t.0 + CHINA_OFFSET_MS).rem_euclid(UnixMs::DAY);
    let minutes = ms / UnixMs::MINUTE;
    format!("{} {:02}:{:02}", day(t), minutes / 60, minutes % 60)
}

fn span(from: UnixMs, to: Option<UnixMs>) -> String {
    match to {
        Some(to) if Day::of(to) == Day::of(from) => {
            let end = when(to);
            format!("{} 至 {}", when(from), end.rsplit(' ').next().unwrap_or(&end))
        }
        Some(to) => format!("{} 至 {}", when(from), when(to)),
        None => format!("{} 起（未结束）", when(from)),
    }
}

fn duration(seconds: f64) -> String {
    let m = (seconds / 60.0).round() as i64;
    if m >= 60 {
        format!("{} 小时 {} 分钟", m / 60, m % 60)
    } else {
        format!("{m} 分钟")
    }
}

fn position(p: Position) -> String {
    format!("北纬 {:.5}°，东经 {:.5}°", p.lat, p.lon)
}

/// The document's pictures, under the fixed names typst sees.
#[derive(Default)]
pub(crate) struct Files(pub Vec<(String, Vec<u8>)>);

/// typst interns every path for the life of the process: names come from this bounded set.
const MAX_IMAGES: usize = 64;

impl Files {
    fn put_svg(&mut self, name: &str, svg: String) -> String {
        let path = format!("/{name}.svg");
        self.0.push((path.clone(), svg.into_bytes()));
        path
    }

    /// The image's path, or `None` (said in the document) when the caller does not have its
    /// bytes or it is not a picture typst reads.
    fn put_image(&mut self, ctx: &Context, hash: BlobHash) -> Option<String> {
        let bytes = ctx.images.get(&hash)?;
        let ext = match bytes.get(..4)? {
            [0xFF, 0xD8, ..] => "jpg",
            [0x89, b'P', b'N', b'G'] => "png",
            [b'R', b'I', b'F', b'F'] => "webp",
            _ => return None,
        };
        let n = self.0.iter().filter(|(p, _)| p.starts_with("/img/")).count();
        if n >= MAX_IMAGES {
            return None;
        }
        let path = format!("/img/{n}.{ext}");
        self.0.push((path.clone(), bytes.clone()));
        Some(path)
    }
}
