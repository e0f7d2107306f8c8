//! Over 500 lines: the fold of every aggregate of the three workflows and of reference data, rule by rule.
//! Folding events into state. Each aggregate (a patrol, an inspection, a finding, a piece of
//! reference data) is the fold of its own events in HLC order, so the same set of events gives
//! the same state however they arrived. An event that breaks a rule (a finding verified before
//! it was rectified) leaves the state as it was and is reported as rejected, never dropped.

use crate::catalogue::{self, FindingKind};
use crate::event::Event;
use crate::hash::BlobHash;
use crate::id::*;
use crate::payload::*;
use crate::people::{Unit, User};
use crate::position::Position;
use crate::reference::{ChecklistItem, ChecklistTemplate, Reach, Site};
use crate::rules::RuleBook;
use crate::time::{Hlc, UnixMs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why an event was not applied.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Rejection {
    /// Stable, for programs: e.g. "finding_not_rectified".
    pub code: String,
    /// For people.
    pub message: String,
}

fn reject<T>(code: &str, message: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection {
        code: code.to_owned(),
        message: message.into(),
    })
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoInfo {
    pub event: EventId,
    pub role: PhotoRole,
    pub original: BlobHash,
    pub upload: Option<BlobHash>,
    pub thumbnail: Option<BlobHash>,
    pub taken_at: Option<UnixMs>,
    pub position: Option<Position>,
    pub position_source: PositionSource,
    pub caption: String,
}

impl PhotoInfo {
    fn from_event(event: EventId, p: &PhotoAttached) -> Self {
        Self {
            event,
            role: p.role,
            original: p.original,
            upload: p.upload,
            thumbnail: p.thumbnail,
            taken_at: p.taken_at,
            position: p.position,
            position_source: p.position_source,
            caption: p.caption.clone(),
        }
    }
}

// ---- patrol --------------------------------------------------------------------------------

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolState {
    pub id: PatrolId,
    pub kind: PatrolKind,
    pub unit: UnitId,
    pub patroller: UserId,
    pub reach: Option<ReachId>,
    pub area: Option<String>,
    pub started_at: UnixMs,
    pub ended_at: Option<UnixMs>,
    pub notes: String,
    pub point_count: u64,
    /// Some event of the record was entered late (补录, `Event::occurred_at`): shown wherever
    /// the record is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late_entry: bool,
    /// Imported track points without a time, by stretch (see `TrackPointsAppended::untimed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untimed_lines: Vec<Vec<Position>>,
    pub first_point_at: Option<UnixMs>,
    pub last_point_at: Option<UnixMs>,
    pub business_checks: Vec<BusinessChecked>,
    pub publicity: Publicity,
    pub seizures: Vec<GearSeized>,
    pub letters: Vec<CommitmentLetterSigned>,
    pub photos: Vec<PhotoInfo>,
    /// The office's latest review (审核 / 退回), once it has looked at the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewState>,
}

/// The office's latest decision on a patrol or inspection.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewState {
    pub decision: ReviewDecision,
    pub comment: String,
    /// The office user who decided (the event's author).
    pub by: Option<UserId>,
    pub at: UnixMs,
}

impl ReviewState {
    fn of(event: &Event, r: &RecordReviewed) -> ReviewState {
        ReviewState {
            decision: r.decision,
            comment: r.comment.clone(),
            by: event.author,
            at: r.reviewed_at,
        }
    }
}

impl PatrolState {
    fn open(&self) -> Result<(), Rejection> {
        if self.ended_at.is_some() {
            return reject("patrol_ended", "巡查已结束，不能再添加内容");
        }
        Ok(())
    }

    fn fishing_ban(&self, what: &str) -> Result<(), Rejection> {
        if self.kind != PatrolKind::FishingBan {
            return reject("not_fishing_ban", format!("{what}只属于禁捕巡查"));
        }
        Ok(())
    }
}

// ---- inspection ----------------------------------------------------------------------------

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerState {
    pub answer: Answer,
    pub note: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignatureState {
    pub signer_name: String,
    pub signature: BlobHash,
    pub signed_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefusalState {
    pub reason: String,
    pub witness_name: String,
    pub witness_signature: BlobHash,
    pub at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnSiteRecordState {
    pub document: DocumentId,
    pub number: String,
    pub content: String,
    pub rectification_deadline: Option<UnixMs>,
    pub issued_at: UnixMs,
    pub signatures: BTreeMap<SignerRole, SignatureState>,
    pub refusal: Option<RefusalState>,
}

impl OnSiteRecordState {
    /// Signed by the inspector, and by the inspected party or a witness to their refusal.
    pub fn is_complete(&self) -> bool {
        self.signatures.contains_key(&SignerRole::Inspector)
            && (self.signatures.contains_key(&SignerRole::InspectedParty) || self.refusal.is_some())
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionState {
    pub id: InspectionId,
    pub site: SiteId,
    pub unit: UnitId,
    pub inspector: UserId,
    pub checklist: ChecklistId,
    pub checklist_version: u32,
    pub items: Vec<ChecklistItem>,
    pub answers: BTreeMap<String, AnswerState>,
    pub position: Option<Position>,
    pub started_at: UnixMs,
    pub record: Option<OnSiteRecordState>,
    pub closed_at: Option<UnixMs>,
    pub notes: String,
    pub photos: Vec<PhotoInfo>,
    /// Some event of the record was entered late (补录, `Event::occurred_at`): shown wherever
    /// the record is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late_entry: bool,
    /// The office's latest review (审核 / 退回), once it has looked at the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewState>,
}

impl InspectionState {
    fn open(&self) -> Result<(), Rejection> {
        if self.closed_at.is_some() {
            return reject("inspection_closed", "检查已结束，不能再修改");
        }
        Ok(())
    }

    fn record_for(&mut self, document: DocumentId) -> Result<&mut OnSiteRecordState, Rejection> {
        match &mut self.record {
            Some(r) if r.document == document => Ok(r),
            Some(_) => reject("unknown_document", "签名的文书不是本次检查的现场检查记录"),
            None => reject("record_not_issued", "尚未出具现场检查记录，不能签名"),
        }
    }
}

// ---- finding -------------------------------------------------------------------------------

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// 已上报
    Reported,
    /// 已交办
    Assigned,
    /// 已整改
    Rectified,
    /// 已验收
    Verified,
    /// 已退回（重新整改）
    Reopened,
}

impl FindingStatus {
    pub fn label_zh(&self) -> &'static str {
        match self {
            FindingStatus::Reported => "已上报",
            FindingStatus::Assigned => "已交办",
            FindingStatus::Rectified => "已整改",
            FindingStatus::Verified => "已验收",
            FindingStatus::Reopened => "已退回",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            FindingStatus::Reported => "reported",
            FindingStatus::Assigned => "assigned",
            FindingStatus::Rectified => "rectified",
            FindingStatus::Verified => "verified",
            FindingStatus::Reopened => "reopened",
        }
    }

    /// Still waiting for rectification or for its check.
    pub fn is_open(&self) -> bool {
        !matches!(self, FindingStatus::Verified)
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignmentState {
    pub assignee: String,
    pub follow_up_by: Option<UserId>,
    pub deadline: UnixMs,
    pub note: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RectificationState {
    pub note: String,
    pub after_photos: Vec<BlobHash>,
    pub position: Option<Position>,
    pub rectified_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingState {
    pub id: FindingId,
    pub record: RecordRef,
    pub kind: FindingKind,
    pub category: String,
    pub description: String,
    pub severity: Severity,
    pub location: Option<Position>,
    pub reported_at: UnixMs,
    pub reported_by: Option<UserId>,
    /// Some event of the record was entered late (补录, `Event::occurred_at`): shown wherever
    /// the record is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late_entry: bool,
    pub status: FindingStatus,
    pub assignment: Option<AssignmentState>,
    pub rectification: Option<RectificationState>,
    pub verified_at: Option<UnixMs>,
    pub verification_note: Option<String>,
    pub reopen_count: u32,
    pub reopen_reason: Option<String>,
    pub photos: Vec<PhotoInfo>,
}

// ---- the fold ------------------------------------------------------------------------------

/// The state of one aggregate.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "aggregate", content = "state", rename_all = "snake_case")]
pub enum AggregateState {
    Patrol(PatrolState),
    Inspection(InspectionState),
    Finding(FindingState),
    Unit(Unit),
    User(User),
    Reach(Reach),
    Site(Site),
    Checklist(ChecklistTemplate),
    Rules(RuleBook),
}

impl AggregateState {
    /// The record's own time: when a patrol or inspection started, when a finding was
    /// reported. Reference data has none.
    pub fn record_time(&self) -> Option<UnixMs> {
        match self {
            AggregateState::Patrol(p) => Some(p.started_at),
            AggregateState::Inspection(i) => Some(i.started_at),
            AggregateState::Finding(f) => Some(f.reported_at),
            _ => None,
        }
    }

    /// Every blob the record needs to be complete, sorted, each once: its photos (all copies),
    /// its signature images, a finding's after-rectification photos.
    pub fn blobs(&self) -> Vec<BlobHash> {
        let photos = |p: &[PhotoInfo]| {
            p.iter()
                .flat_map(|ph| std::iter::once(ph.original).chain(ph.upload).chain(ph.thumbnail))
                .collect::<Vec<_>>()
        };
        let mut out = match self {
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

    /// A finding's status (`FindingStatus::as_str`); other records have none.
    pub fn status_name(&self) -> Option<&'static str> {
        match self {
            AggregateState::Finding(f) => Some(f.status.as_str()),
            _ => None,
        }
    }
}

/// Applies one event to its aggregate's state (`None` before the aggregate exists). Events
/// must be applied in `Event::order_key` order. On `Err` the state stays as it was.
pub fn apply(state: Option<&AggregateState>, event: &Event) -> Result<AggregateState, Rejection> {
    let mut next = apply_payload(state, event)?;
    if event.occurred_at.is_some() {
        match &mut next {
            AggregateState::Patrol(p) => p.late_entry = true,
            AggregateState::Inspection(i) => i.late_entry = true,
            AggregateState::Finding(f) => f.late_entry = true,
            _ => {}
        }
    }
    Ok(next)
}

impl AggregateState {
    /// Whether some event of the record was entered late (补录).
    pub fn late_entry(&self) -> bool {
        match self {
            AggregateState::Patrol(p) => p.late_entry,
            AggregateState::Inspection(i) => i.late_entry,
            AggregateState::Finding(f) => f.late_entry,
            _ => false,
        }
    }
}

fn apply_payload(state: Option<&AggregateState>, event: &Event) -> Result<AggregateState, Rejection> {
    use AggregateState as S;
    let p = &event.payload;
    match (state, p) {
        // -- creation
        (None, Payload::PatrolStarted(s)) => Ok(S::Patrol(PatrolState {
            id: s.patrol,
            kind: s.kind,
            unit: s.unit,
            patroller: s.patroller,
            reach: s.reach,
            area: s.area.clone(),
            started_at: s.started_at,
            ended_at: None,
            notes: String::new(),
            point_count: 0,
            untimed_lines: Vec::new(),
            first_point_at: None,
            last_point_at: None,
            business_checks: Vec::new(),
            publicity: Publicity::default(),
            seizures: Vec::new(),
            letters: Vec::new(),
            photos: Vec::new(),
            late_entry: false,
            review: None,
        })),
        (Some(_), Payload::PatrolStarted(_)) => reject("already_started", "这次巡查已经开始过"),
        (None, Payload::InspectionStarted(s)) => Ok(S::Inspection(InspectionState {
            id: s.inspection,
            site: s.site,
            unit: s.unit,
            inspector: s.inspector,
            checklist: s.checklist,
            checklist_version: s.checklist_version,
            items: s.items.clone(),
            answers: BTreeMap::new(),
            position: s.position,
            started_at: s.started_at,
            record: None,
            closed_at: None,
            notes: String::new(),
            photos: Vec::new(),
            late_entry: false,
            review: None,
        })),
        (Some(_), Payload::InspectionStarted(_)) => reject("already_started", "这次检查已经开始过"),
        (None, Payload::FindingReported(s)) => Ok(S::Finding(FindingState {
            id: s.finding,
            record: s.record,
            kind: s.kind,
            category: s.category.clone(),
            description: s.description.clone(),
            severity: s.severity,
            location: s.location,
            reported_at: s.reported_at,
            reported_by: event.author,
            status: FindingStatus::Reported,
            assignment: None,
            rectification: None,
            verified_at: None,
            verification_note: None,
            reopen_count: 0,
            reopen_reason: None,
            photos: Vec::new(),
            late_entry: false,
        })),
        (Some(_), Payload::FindingReported(_)) => reject("already_reported", "这个问题已经上报过"),

        // -- reference data: the latest definition replaces the earlier one
        (_, Payload::UnitDefined(u)) => Ok(S::Unit(u.clone())),
        (_, Payload::UserDefined(u)) => Ok(S::User(u.clone())),
        (_, Payload::ReachDefined(r)) => Ok(S::Reach(r.clone())),
        (_, Payload::SiteDefined(s)) => Ok(S::Site(s.clone())),
        (Some(S::Checklist(old)), Payload::ChecklistPublished(t)) if t.version <= old.version => reject(
            "stale_checklist",
            format!("检查表版本 {} 不新于已有的版本 {}", t.version, old.version),
        ),
        (_, Payload::ChecklistPublished(t)) => Ok(S::Checklist(t.clone())),
        (Some(S::Rules(book)), Payload::PatrolRulesPublished(r)) => {
            if book.unit != r.unit {
                return reject("rules_unit", "巡河规则不能改属其他单位");
            }
            match book.latest() {
                Some(old) if r.version <= old.version => reject(
                    "stale_rules",
                    format!("巡河规则版本 {} 不新于已有的版本 {}", r.version, old.version),
                ),
                _ => {
                    let mut book = book.clone();
                    book.versions.push(r.clone());
                    Ok(S::Rules(book))
                }
            }
        }
        (None, Payload::PatrolRulesPublished(r)) => Ok(S::Rules(RuleBook {
            id: r.id,
            unit: r.unit,
            versions: vec![r.clone()],
        })),

        (None, _) => reject("unknown_record", "所属的记录尚不存在（事件早于其记录的创建）"),
        (Some(S::Patrol(st)), _) => apply_patrol(st.clone(), event).map(S::Patrol),
        (Some(S::Inspection(st)), _) => apply_inspection(st.clone(), event).map(S::Inspection),
        (Some(S::Finding(st)), _) => apply_finding(st.clone(), event).map(S::Finding),
        (Some(_), _) => reject("wrong_aggregate", "事件与所属记录的类型不符"),
    }
}

fn apply_patrol(mut st: PatrolState, event: &Event) -> Result<PatrolState, Rejection> {
    match &event.payload {
        Payload::TrackPointsAppended(a) => {
            st.open()?;
            st.point_count = st.point_count.saturating_add(a.points.len() as u64);
            st.untimed_lines.extend(a.untimed.iter().cloned());
            let (lo, hi) = a
                .points
                .iter()
                .fold((None::<UnixMs>, None::<UnixMs>), |(lo, hi), p| {
                    (
                        Some(lo.map_or(p.t, |l| l.min(p.t))),
                        Some(hi.map_or(p.t, |h| h.max(p.t))),
                    )
                });
            st.first_point_at = match (st.first_point_at, lo) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            st.last_point_at = match (st.last_point_at, hi) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        Payload::PatrolEnded(e) => {
            if st.ended_at.is_some() {
                return reject("patrol_ended", "这次巡查已经结束过");
            }
            if e.ended_at < st.started_at {
                return reject("end_before_start", "结束时间早于开始时间");
            }
            st.ended_at = Some(e.ended_at);
            st.notes = e.notes.clone();
        }
        Payload::BusinessChecked(c) => {
            st.fishing_ban("经营场所检查")?;
            st.open()?;
            st.business_checks.push(c.clone());
        }
        Payload::PublicityTallied(t) => {
            st.fishing_ban("宣传统计")?;
            st.open()?;
            st.publicity = add_tally(&st.publicity, &t.tally).ok_or_else(|| Rejection {
                code: "tally_overflow".into(),
                message: "宣传数量累计超出可记录的范围，这次统计未计入".into(),
            })?;
        }
        Payload::GearSeized(g) => {
            st.fishing_ban("收缴渔具")?;
            st.open()?;
            st.seizures.push(g.clone());
        }
        Payload::CommitmentLetterSigned(l) => {
            st.fishing_ban("承诺书")?;
            st.open()?;
            if st.letters.iter().any(|x| x.letter == l.letter) {
                return reject("already_signed", "这份承诺书已经签过");
            }
            st.letters.push(l.clone());
        }
        Payload::PhotoAttached(ph) => st.photos.push(PhotoInfo::from_event(event.id, ph)),
        Payload::RecordReviewed(r) => {
            if st.ended_at.is_none() {
                return reject("record_open", "巡查尚未结束，结束后才能审核");
            }
            st.review = Some(ReviewState::of(event, r));
        }
        _ => return reject("wrong_aggregate", "事件不属于巡查"),
    }
    Ok(st)
}

/// A patrol's publicity totals plus one tally, or `None` if any total would overflow: each
/// tally is bounded by validation, but a fold must never wrap or panic whatever it is fed.
fn add_tally(total: &Publicity, tally: &Publicity) -> Option<Publicity> {
    Some(Publicity {
        banners: total.banners.checked_add(tally.banners)?,
        signs: total.signs.checked_add(tally.signs)?,
        notices: total.notices.checked_add(tally.notices)?,
        leaflets: total.leaflets.checked_add(tally.leaflets)?,
    })
}

fn apply_inspection(mut st: InspectionState, event: &Event) -> Result<InspectionState, Rejection> {
    match &event.payload {
        Payload::ChecklistAnswered(a) => {
            st.open()?;
            if st.record.is_some() {
                return reject("record_issued", "现场检查记录已出具，检查项不能再修改");
            }
            if !st.items.iter().any(|i| i.code == a.item) {
                return reject("unknown_item", format!("检查表中没有检查项 {}", a.item));
            }
            st.answers.insert(
                a.item.clone(),
                AnswerState {
                    answer: a.answer,
                    note: a.note.clone(),
                },
            );
        }
        Payload::OnSiteRecordIssued(r) => {
            st.open()?;
            if st.record.is_some() {
                return reject("record_issued", "现场检查记录已经出具过");
            }
            if st.answers.len() < st.items.len() {
                return reject(
                    "checklist_incomplete",
                    format!(
                        "还有 {} 个检查项未填写",
                        st.items.len().saturating_sub(st.answers.len())
                    ),
                );
            }
            st.record = Some(OnSiteRecordState {
                document: r.document,
                number: r.number.clone(),
                content: r.content.clone(),
                rectification_deadline: r.rectification_deadline,
                issued_at: r.issued_at,
                signatures: BTreeMap::new(),
                refusal: None,
            });
        }
        Payload::DocumentSigned(s) => {
            st.open()?;
            let record = st.record_for(s.document)?;
            if record.signatures.contains_key(&s.role) {
                return reject("already_signed", "该签名人已经签过名");
            }
            if s.role == SignerRole::InspectedParty && record.refusal.is_some() {
                return reject("refused", "被检查方已拒签，不能再签名");
            }
            record.signatures.insert(
                s.role,
                SignatureState {
                    signer_name: s.signer_name.clone(),
                    signature: s.signature,
                    signed_at: s.signed_at,
                },
            );
        }
        Payload::SignatureRefused(r) => {
            st.open()?;
            let record = st.record_for(r.document)?;
            if record.signatures.contains_key(&SignerRole::InspectedParty) {
                return reject("already_signed", "被检查方已经签名，不能记为拒签");
            }
            if record.refusal.is_some() {
                return reject("refused", "拒签已经记录过");
            }
            record.refusal = Some(RefusalState {
                reason: r.reason.clone(),
                witness_name: r.witness_name.clone(),
                witness_signature: r.witness_signature,
                at: r.at,
            });
        }
        Payload::InspectionClosed(c) => {
            st.open()?;
            match &st.record {
                None => return reject("record_not_issued", "尚未出具现场检查记录，不能结束检查"),
                Some(r) if !r.is_complete() => {
                    return reject(
                        "record_unsigned",
                        "现场检查记录还缺检查人员或被检查方（或见证人）的签名",
                    );
                }
                Some(_) => {}
            }
            st.closed_at = Some(c.closed_at);
            st.notes = c.notes.clone();
        }
        Payload::PhotoAttached(ph) => st.photos.push(PhotoInfo::from_event(event.id, ph)),
        Payload::RecordReviewed(r) => {
            if st.closed_at.is_none() {
                return reject("record_open", "检查尚未结束，结束后才能审核");
            }
            st.review = Some(ReviewState::of(event, r));
        }
        _ => return reject("wrong_aggregate", "事件不属于安全检查"),
    }
    Ok(st)
}

fn apply_finding(mut st: FindingState, event: &Event) -> Result<FindingState, Rejection> {
    use FindingStatus as F;
    match &event.payload {
        Payload::FindingAmended(a) => {
            if st.status == F::Verified {
                return reject("finding_verified", "问题已验收，不能再修改");
            }
            if let Some(code) = &a.category {
                match catalogue::category(code) {
                    Some(c) if c.kind == st.kind => st.category = code.clone(),
                    _ => return reject("wrong_category", format!("类别 {code} 不适用于这条记录")),
                }
            }
            if let Some(d) = &a.description {
                st.description = d.clone();
            }
            if let Some(s) = a.severity {
                st.severity = s;
            }
            if a.location.is_some() {
                st.location = a.location;
            }
        }
        Payload::PhotoAttached(ph) => {
            if ph.role == PhotoRole::AfterRectification && st.status == F::Verified {
                return reject("finding_verified", "问题已验收，不能再添加整改照片");
            }
            st.photos.push(PhotoInfo::from_event(event.id, ph));
        }
        Payload::RectificationAssigned(a) => {
            if !matches!(st.status, F::Reported | F::Assigned | F::Reopened) {
                return reject(
                    "cannot_assign",
                    format!("问题处于“{}”状态，不能交办整改", st.status.label_zh()),
                );
            }
            st.status = F::Assigned;
            st.assignment = Some(AssignmentState {
                assignee: a.assignee.clone(),
                follow_up_by: a.follow_up_by,
                deadline: a.deadline,
                note: a.note.clone(),
            });
        }
        Payload::FindingRectified(r) => {
            if !matches!(st.status, F::Assigned | F::Reopened) {
                return reject(
                    "not_assigned",
                    format!("问题处于“{}”状态，交办后才能整改", st.status.label_zh()),
                );
            }
            st.status = F::Rectified;
            st.rectification = Some(RectificationState {
                note: r.note.clone(),
                after_photos: r.after_photos.clone(),
                position: r.position,
                rectified_at: r.rectified_at,
            });
        }
        Payload::FindingVerified(v) => {
            if st.status != F::Rectified {
                return reject(
                    "finding_not_rectified",
                    format!("问题处于“{}”状态，整改完成后才能验收", st.status.label_zh()),
                );
            }
            st.status = F::Verified;
            st.verified_at = Some(v.verified_at);
            st.verification_note = Some(v.note.clone());
        }
        Payload::FindingReopened(r) => {
            if !matches!(st.status, F::Rectified | F::Verified) {
                return reject(
                    "cannot_reopen",
                    format!(
                        "问题处于“{}”状态，只有已整改或已验收的问题才能退回",
                        st.status.label_zh()
                    ),
                );
            }
            st.status = F::Reopened;
            st.reopen_count = st.reopen_count.saturating_add(1);
            st.reopen_reason = Some(r.reason.clone());
        }
        _ => return reject("wrong_aggregate", "事件不属于问题记录"),
    }
    Ok(st)
}

/// Everything a set of events says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    pub aggregates: BTreeMap<AggregateRef, AggregateState>,
    /// Events that broke a rule, with the reason. They stay in the log.
    pub rejected: BTreeMap<EventId, Rejection>,
    /// The latest stamp applied to each aggregate.
    pub last_applied: BTreeMap<AggregateRef, Hlc>,
}

impl World {
    /// Folds a set of events by the one rule (`fold::fold_event`) in a store in memory.
    /// Duplicates (same id) count once; arrival order does not matter.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> World {
        let mut unique: BTreeMap<(Hlc, EventId), &Event> = BTreeMap::new();
        for e in events {
            unique.insert(e.order_key(), e);
        }
        let mut memory = crate::fold::Memory::default();
        for e in unique.values() {
            memory.receive(e, None);
        }
        memory.world
    }

    pub fn finding(&self, id: FindingId) -> Option<&FindingState> {
        match self.aggregates.get(&AggregateRef {
            kind: AggregateKind::Finding,
            id: id.0,
        }) {
            Some(AggregateState::Finding(f)) => Some(f),
            _ => None,
        }
    }
}
