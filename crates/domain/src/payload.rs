//! Over 500 lines: one payload type per kind of event, each a few lines with its derives.
//! What an event says: one domain fact each. Events are immutable once made, so a payload's
//! shape only changes with a new `FORMAT_VERSION` of the envelope.

use crate::catalogue::FindingKind;
use crate::hash::BlobHash;
use crate::id::*;
use crate::people::{Unit, User};
use crate::position::{Position, TrackPoint};
use crate::reference::{ChecklistItem, ChecklistTemplate, Reach, Site};
use crate::rules::PatrolRules;
use crate::time::UnixMs;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatrolKind {
    /// 河湖巡查
    River,
    /// 禁捕巡查
    FishingBan,
}

impl PatrolKind {
    pub fn label_zh(&self) -> &'static str {
        match self {
            PatrolKind::River => "河湖巡查",
            PatrolKind::FishingBan => "禁捕巡查",
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般
    Minor,
    /// 较大
    Major,
    /// 重大
    Critical,
}

impl Severity {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Severity::Minor => "一般",
            Severity::Major => "较大",
            Severity::Critical => "重大",
        }
    }
}

/// The record a finding was made on.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordRef {
    Patrol(PatrolId),
    Inspection(InspectionId),
}

/// What a photo belongs to.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoTarget {
    Patrol(PatrolId),
    Inspection(InspectionId),
    Finding(FindingId),
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoRole {
    /// Evidence of a problem, or a general photo of a patrol / inspection.
    Evidence,
    /// After rectification (整改后).
    AfterRectification,
    /// A seized item or a business's premises.
    Seizure,
}

/// Where a photo's position came from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSource {
    /// The camera wrote GPS into the photo's EXIF.
    Exif,
    /// No EXIF GPS: the device's fix when the photo was taken.
    DeviceFix,
    None,
}

// ---- patrols -------------------------------------------------------------------------------

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolStarted {
    pub patrol: PatrolId,
    pub kind: PatrolKind,
    pub unit: UnitId,
    pub patroller: UserId,
    /// The reach patrolled (river patrols), if it is a registered one.
    pub reach: Option<ReachId>,
    /// A free description of the area (fishing-ban patrols, or a river patrol off the register).
    pub area: Option<String>,
    pub started_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackPointsAppended {
    pub patrol: PatrolId,
    pub points: Vec<TrackPoint>,
    /// Stretches of an imported track whose points carry no time (a GPX file where a receiver
    /// logged positions only): kept as the track's geometry — drawn, and counted for reach
    /// coverage — but never in its length, duration, speed or moving time, since nothing says
    /// when they were walked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untimed: Vec<Vec<Position>>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolEnded {
    pub patrol: PatrolId,
    pub ended_at: UnixMs,
    pub notes: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// 未发现问题
    Compliant,
    /// 发现问题（see the findings of the patrol）
    ViolationFound,
    /// 未营业 / 无人
    Closed,
}

/// A fishing-ban check of a business (market, restaurant, dealer, tackle shop).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BusinessChecked {
    pub patrol: PatrolId,
    pub check: BusinessCheckId,
    pub site: SiteId,
    pub outcome: CheckOutcome,
    pub notes: String,
    pub checked_at: UnixMs,
}

/// Publicity put up or handed out on a fishing-ban patrol. Tallies add up.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Publicity {
    pub banners: u32,
    pub signs: u32,
    pub notices: u32,
    pub leaflets: u32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicityTallied {
    pub patrol: PatrolId,
    pub tally: Publicity,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GearSeized {
    pub patrol: PatrolId,
    pub seizure: SeizureId,
    pub description: String,
    pub quantity: u32,
    pub position: Option<Position>,
    pub seized_at: UnixMs,
}

/// A business signed a commitment letter (承诺书) on the screen.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitmentLetterSigned {
    pub patrol: PatrolId,
    pub letter: DocumentId,
    pub site: SiteId,
    pub signer_name: String,
    /// The text the signer saw, exactly.
    pub text: String,
    /// The signature image.
    pub signature: BlobHash,
    pub signed_at: UnixMs,
}

// ---- inspections ---------------------------------------------------------------------------

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionStarted {
    pub inspection: InspectionId,
    pub site: SiteId,
    pub unit: UnitId,
    pub inspector: UserId,
    pub checklist: ChecklistId,
    pub checklist_version: u32,
    /// The items of the checklist as the inspector had them, so the record stands on its own.
    pub items: Vec<ChecklistItem>,
    pub position: Option<Position>,
    pub started_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// 符合
    Compliant,
    /// 不符合
    NonCompliant,
    /// 不适用
    NotApplicable,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistAnswered {
    pub inspection: InspectionId,
    pub item: String,
    pub answer: Answer,
    pub note: String,
}

/// The numbered on-site inspection record (现场检查记录) is drawn up.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnSiteRecordIssued {
    pub inspection: InspectionId,
    pub document: DocumentId,
    /// e.g. "HY-2026-3F2A-0007"; unique without a server because the device code is in it.
    pub number: String,
    /// What was found and what must be done, as printed.
    pub content: String,
    pub rectification_deadline: Option<UnixMs>,
    pub issued_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    Inspector,
    InspectedParty,
    Witness,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentSigned {
    pub inspection: InspectionId,
    pub document: DocumentId,
    pub role: SignerRole,
    pub signer_name: String,
    pub signature: BlobHash,
    pub signed_at: UnixMs,
}

/// The inspected party refused to sign; a witness signs to that.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignatureRefused {
    pub inspection: InspectionId,
    pub document: DocumentId,
    pub reason: String,
    pub witness_name: String,
    pub witness_signature: BlobHash,
    pub at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionClosed {
    pub inspection: InspectionId,
    pub closed_at: UnixMs,
    pub notes: String,
}

// ---- findings ------------------------------------------------------------------------------

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingReported {
    pub finding: FindingId,
    pub record: RecordRef,
    pub kind: FindingKind,
    /// A code from the catalogue, e.g. "dumping".
    pub category: String,
    pub description: String,
    pub severity: Severity,
    pub location: Option<Position>,
    pub reported_at: UnixMs,
}

impl FindingReported {
    /// A report with what every report has; its optional fields start empty. Tests, benches and
    /// tools build reports here and set an optional field by struct update
    /// (`FindingReported { location, ..FindingReported::new(..) }`), so adding an optional field
    /// to the event edits this file, not each of them.
    pub fn new(
        finding: FindingId,
        record: RecordRef,
        kind: FindingKind,
        category: impl Into<String>,
        description: impl Into<String>,
        severity: Severity,
        reported_at: UnixMs,
    ) -> Self {
        FindingReported {
            finding,
            record,
            kind,
            category: category.into(),
            description: description.into(),
            severity,
            location: None,
            reported_at,
        }
    }
}

/// A correction of a finding's fields; the later stamp wins field by field.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingAmended {
    pub finding: FindingId,
    pub category: Option<String>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub location: Option<Position>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoAttached {
    pub target: PhotoTarget,
    pub role: PhotoRole,
    /// The original as taken (kept on the device until the server has it).
    pub original: BlobHash,
    /// The upload copy (long side ≈1600 px), sent first.
    pub upload: Option<BlobHash>,
    pub thumbnail: Option<BlobHash>,
    pub taken_at: Option<UnixMs>,
    pub position: Option<Position>,
    pub position_source: PositionSource,
    pub caption: String,
}

/// The office (or the inspector on site) assigns a finding for rectification.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RectificationAssigned {
    pub finding: FindingId,
    /// Who must rectify: a responsible person or party, by name.
    pub assignee: String,
    /// The user who follows it up, if any.
    pub follow_up_by: Option<UserId>,
    pub deadline: UnixMs,
    pub note: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingRectified {
    pub finding: FindingId,
    pub note: String,
    pub after_photos: Vec<BlobHash>,
    pub position: Option<Position>,
    pub rectified_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingVerified {
    pub finding: FindingId,
    pub note: String,
    pub verified_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingReopened {
    pub finding: FindingId,
    pub reason: String,
    pub at: UnixMs,
}

/// The office's review of a patrol or inspection: approved, or sent back to the person who
/// recorded it with a comment, which reaches their device through the ordinary pull.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordReviewed {
    pub record: RecordRef,
    pub decision: ReviewDecision,
    /// Required when sent back: what to correct or explain.
    pub comment: String,
    pub reviewed_at: UnixMs,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// 审核通过
    Approved,
    /// 退回: the recorder must look at it again.
    SentBack,
}

impl ReviewDecision {
    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewDecision::Approved => "审核通过",
            ReviewDecision::SentBack => "退回",
        }
    }
}

/// Every fact an event can state.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Payload {
    PatrolStarted(PatrolStarted),
    TrackPointsAppended(TrackPointsAppended),
    PatrolEnded(PatrolEnded),
    BusinessChecked(BusinessChecked),
    PublicityTallied(PublicityTallied),
    GearSeized(GearSeized),
    CommitmentLetterSigned(CommitmentLetterSigned),
    InspectionStarted(InspectionStarted),
    ChecklistAnswered(ChecklistAnswered),
    OnSiteRecordIssued(OnSiteRecordIssued),
    DocumentSigned(DocumentSigned),
    SignatureRefused(SignatureRefused),
    InspectionClosed(InspectionClosed),
    FindingReported(FindingReported),
    FindingAmended(FindingAmended),
    PhotoAttached(PhotoAttached),
    RectificationAssigned(RectificationAssigned),
    FindingRectified(FindingRectified),
    FindingVerified(FindingVerified),
    FindingReopened(FindingReopened),
    UnitDefined(Unit),
    UserDefined(User),
    ReachDefined(Reach),
    SiteDefined(Site),
    ChecklistPublished(ChecklistTemplate),
    /// A version of a unit's patrol rules (wire version 5).
    PatrolRulesPublished(PatrolRules),
    RecordReviewed(RecordReviewed),
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateKind {
    Patrol,
    Inspection,
    Finding,
    Unit,
    User,
    Reach,
    Site,
    Checklist,
    Rules,
}

impl AggregateKind {
    pub const ALL: [AggregateKind; 9] = [
        AggregateKind::Patrol,
        AggregateKind::Inspection,
        AggregateKind::Finding,
        AggregateKind::Unit,
        AggregateKind::User,
        AggregateKind::Reach,
        AggregateKind::Site,
        AggregateKind::Checklist,
        AggregateKind::Rules,
    ];

    /// The kind's name, as serde writes it and as the device's and the server's tables store it:
    /// changing one is a migration.
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateKind::Patrol => "patrol",
            AggregateKind::Inspection => "inspection",
            AggregateKind::Finding => "finding",
            AggregateKind::Unit => "unit",
            AggregateKind::User => "user",
            AggregateKind::Reach => "reach",
            AggregateKind::Site => "site",
            AggregateKind::Checklist => "checklist",
            AggregateKind::Rules => "rules",
        }
    }
}

/// A name that `AggregateKind::as_str` never gives.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown aggregate kind {0:?}")]
pub struct UnknownKind(pub String);

impl std::str::FromStr for AggregateKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// The one thing an event is about. Rules are checked within one aggregate, so each
/// aggregate's state is a fold of its own events alone.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AggregateRef {
    pub kind: AggregateKind,
    pub id: uuid::Uuid,
}

impl Payload {
    pub fn type_name(&self) -> &'static str {
        match self {
            Payload::PatrolStarted(_) => "PatrolStarted",
            Payload::TrackPointsAppended(_) => "TrackPointsAppended",
            Payload::PatrolEnded(_) => "PatrolEnded",
            Payload::BusinessChecked(_) => "BusinessChecked",
            Payload::PublicityTallied(_) => "PublicityTallied",
            Payload::GearSeized(_) => "GearSeized",
            Payload::CommitmentLetterSigned(_) => "CommitmentLetterSigned",
            Payload::InspectionStarted(_) => "InspectionStarted",
            Payload::ChecklistAnswered(_) => "ChecklistAnswered",
            Payload::OnSiteRecordIssued(_) => "OnSiteRecordIssued",
            Payload::DocumentSigned(_) => "DocumentSigned",
            Payload::SignatureRefused(_) => "SignatureRefused",
            Payload::InspectionClosed(_) => "InspectionClosed",
            Payload::FindingReported(_) => "FindingReported",
            Payload::FindingAmended(_) => "FindingAmended",
            Payload::PhotoAttached(_) => "PhotoAttached",
            Payload::RectificationAssigned(_) => "RectificationAssigned",
            Payload::FindingRectified(_) => "FindingRectified",
            Payload::FindingVerified(_) => "FindingVerified",
            Payload::FindingReopened(_) => "FindingReopened",
            Payload::UnitDefined(_) => "UnitDefined",
            Payload::UserDefined(_) => "UserDefined",
            Payload::ReachDefined(_) => "ReachDefined",
            Payload::SiteDefined(_) => "SiteDefined",
            Payload::ChecklistPublished(_) => "ChecklistPublished",
            Payload::PatrolRulesPublished(_) => "PatrolRulesPublished",
            Payload::RecordReviewed(_) => "RecordReviewed",
        }
    }

    pub fn aggregate(&self) -> AggregateRef {
        use AggregateKind as K;
        let (kind, id) = match self {
            Payload::PatrolStarted(p) => (K::Patrol, p.patrol.0),
            Payload::TrackPointsAppended(p) => (K::Patrol, p.patrol.0),
            Payload::PatrolEnded(p) => (K::Patrol, p.patrol.0),
            Payload::BusinessChecked(p) => (K::Patrol, p.patrol.0),
            Payload::PublicityTallied(p) => (K::Patrol, p.patrol.0),
            Payload::GearSeized(p) => (K::Patrol, p.patrol.0),
            Payload::CommitmentLetterSigned(p) => (K::Patrol, p.patrol.0),
            Payload::InspectionStarted(p) => (K::Inspection, p.inspection.0),
            Payload::ChecklistAnswered(p) => (K::Inspection, p.inspection.0),
            Payload::OnSiteRecordIssued(p) => (K::Inspection, p.inspection.0),
            Payload::DocumentSigned(p) => (K::Inspection, p.inspection.0),
            Payload::SignatureRefused(p) => (K::Inspection, p.inspection.0),
            Payload::InspectionClosed(p) => (K::Inspection, p.inspection.0),
            Payload::FindingReported(p) => (K::Finding, p.finding.0),
            Payload::FindingAmended(p) => (K::Finding, p.finding.0),
            Payload::PhotoAttached(p) => match p.target {
                PhotoTarget::Patrol(id) => (K::Patrol, id.0),
                PhotoTarget::Inspection(id) => (K::Inspection, id.0),
                PhotoTarget::Finding(id) => (K::Finding, id.0),
            },
            Payload::RectificationAssigned(p) => (K::Finding, p.finding.0),
            Payload::FindingRectified(p) => (K::Finding, p.finding.0),
            Payload::FindingVerified(p) => (K::Finding, p.finding.0),
            Payload::FindingReopened(p) => (K::Finding, p.finding.0),
            Payload::UnitDefined(u) => (K::Unit, u.id.0),
            Payload::UserDefined(u) => (K::User, u.id.0),
            Payload::ReachDefined(r) => (K::Reach, r.id.0),
            Payload::SiteDefined(s) => (K::Site, s.id.0),
            Payload::ChecklistPublished(c) => (K::Checklist, c.id.0),
            Payload::PatrolRulesPublished(r) => (K::Rules, r.id.0),
            Payload::RecordReviewed(r) => match r.record {
                RecordRef::Patrol(id) => (K::Patrol, id.0),
                RecordRef::Inspection(id) => (K::Inspection, id.0),
            },
        };
        AggregateRef { kind, id }
    }

    /// Every blob this event refers to (photos, signature images).
    pub fn blobs(&self) -> Vec<BlobHash> {
        match self {
            Payload::PhotoAttached(p) => {
                let mut v = vec![p.original];
                v.extend(p.upload);
                v.extend(p.thumbnail);
                v
            }
            Payload::CommitmentLetterSigned(p) => vec![p.signature],
            Payload::DocumentSigned(p) => vec![p.signature],
            Payload::SignatureRefused(p) => vec![p.witness_signature],
            Payload::FindingRectified(p) => p.after_photos.clone(),
            _ => Vec::new(),
        }
    }

    /// The first wire version whose clients can read this event (see `wire::WIRE_VERSION`).
    pub fn wire_version(&self) -> u32 {
        match self {
            Payload::PatrolRulesPublished(_) => 5,
            Payload::RecordReviewed(_) => 6,
            _ => 1,
        }
    }

    /// Reference data is written by the office and flows down to devices.
    pub fn is_reference_data(&self) -> bool {
        matches!(
            self,
            Payload::UnitDefined(_)
                | Payload::UserDefined(_)
                | Payload::ReachDefined(_)
                | Payload::SiteDefined(_)
                | Payload::ChecklistPublished(_)
                | Payload::PatrolRulesPublished(_)
        )
    }
}
