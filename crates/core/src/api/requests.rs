//! The request and response types of the one API. Every action of the three workflows and every
//! query is one variant of `Request`; the Tauri shell, the CLI and the development bridge pass
//! these through unchanged.

use crate::store::DeviceIdentity;
use crate::store::queries::{Counts, FindingSummary, RecordFilter, RecordSummary, TimelineEntry};
use serde::{Deserialize, Serialize};
use xuncha_domain::payload::*;
use xuncha_domain::people::{Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::state::AggregateState;
use xuncha_domain::*;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    content = "args",
    rename_all = "snake_case",
    deny_unknown_fields
)]
// serde takes a missing `Option` field as `None`: the TypeScript may leave it out.
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub enum Request {
    // -- patrols (river and fishing-ban)
    StartPatrol {
        kind: PatrolKind,
        reach: Option<ReachId>,
        area: Option<String>,
        at: Option<UnixMs>,
    },
    AppendTrackPoints {
        patrol: PatrolId,
        points: Vec<TrackPoint>,
        /// Imported points without a time, by stretch: kept as the track's geometry, never in
        /// its time, speed or length figures (see `TrackPointsAppended::untimed`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        untimed: Vec<Vec<Position>>,
    },
    EndPatrol {
        patrol: PatrolId,
        notes: String,
        at: Option<UnixMs>,
    },
    RecordBusinessCheck {
        patrol: PatrolId,
        site: SiteId,
        outcome: CheckOutcome,
        notes: String,
    },
    TallyPublicity {
        patrol: PatrolId,
        tally: Publicity,
    },
    RecordSeizure {
        patrol: PatrolId,
        description: String,
        quantity: u32,
        position: Option<Position>,
    },
    SignCommitmentLetter {
        patrol: PatrolId,
        site: SiteId,
        signer_name: String,
        text: String,
        signature: BlobHash,
    },
    // -- safety inspections
    StartInspection {
        site: SiteId,
        checklist: ChecklistId,
        position: Option<Position>,
    },
    AnswerChecklistItem {
        inspection: InspectionId,
        item: String,
        answer: Answer,
        note: String,
    },
    IssueOnSiteRecord {
        inspection: InspectionId,
        content: String,
        rectification_deadline: Option<UnixMs>,
    },
    SignDocument {
        inspection: InspectionId,
        role: SignerRole,
        signer_name: String,
        signature: BlobHash,
    },
    RecordRefusal {
        inspection: InspectionId,
        reason: String,
        witness_name: String,
        witness_signature: BlobHash,
    },
    CloseInspection {
        inspection: InspectionId,
        notes: String,
    },
    // -- findings and their rectification
    ReportFinding {
        record: RecordRef,
        category: String,
        description: String,
        severity: Severity,
        location: Option<Position>,
    },
    AmendFinding {
        finding: FindingId,
        category: Option<String>,
        description: Option<String>,
        severity: Option<Severity>,
        location: Option<Position>,
    },
    AttachPhoto {
        target: PhotoTarget,
        role: PhotoRole,
        original: BlobHash,
        upload: Option<BlobHash>,
        thumbnail: Option<BlobHash>,
        taken_at: Option<UnixMs>,
        position: Option<Position>,
        position_source: PositionSource,
        caption: String,
    },
    AssignRectification {
        finding: FindingId,
        assignee: String,
        deadline: UnixMs,
        note: String,
    },
    RectifyFinding {
        finding: FindingId,
        note: String,
        after_photos: Vec<BlobHash>,
        position: Option<Position>,
    },
    VerifyFinding {
        finding: FindingId,
        note: String,
    },
    ReopenFinding {
        finding: FindingId,
        reason: String,
    },
    // -- official documents (issue 16)
    /// The documents a patrol or inspection has (现场检查记录, 责令限期整改指令书, 整改复查意见书,
    /// 承诺书, 巡河记录).
    ListDocuments {
        record: RecordRef,
    },
    /// One document typeset on this device, offline: its pages as SVG for the preview, and
    /// its PDF, saved in the device's documents folder to share or print.
    GetDocument {
        record: RecordRef,
        kind: xuncha_docs::DocKind,
        /// Which commitment letter of a patrol.
        letter: Option<DocumentId>,
    },
    // -- photos and signatures
    /// A photo as bytes (base64), with the device's fix and UTC offset at the shutter.
    ImportPhoto {
        bytes_base64: String,
        device_fix: Option<TrackPoint>,
        utc_offset_min: Option<i32>,
    },
    /// A photo file on this device.
    ImportPhotoFile {
        path: String,
        device_fix: Option<TrackPoint>,
        utc_offset_min: Option<i32>,
    },
    /// A signature drawn on the screen, as PNG (base64).
    PutSignature {
        png_base64: String,
    },
    GetBlob {
        hash: BlobHash,
    },
    /// Deletes blobs no event refers to (older than the grace period); originals the server
    /// has not confirmed are always kept.
    CollectBlobs {
        grace_hours: Option<u32>,
    },
    // -- the server
    Enrol {
        server_url: String,
        login: String,
        password: String,
        device_name: String,
    },
    /// Forgets the server account; records and the outbox stay.
    SignOut,
    SyncStatus,
    /// Push, upload, pull. Originals go too when `allow_originals`.
    Sync {
        allow_originals: Option<bool>,
    },
    /// What the sync running in this process is doing now (phase, events, photos, bytes), or
    /// nothing when none runs. Answered without waiting for the store, so a screen can ask it
    /// every few hundred milliseconds while `sync` is still on its way.
    SyncProgress,
    /// Asks the running sync to stop at its next step; what it already sent stays sent and
    /// the rest waits for the next sync. Answers `done` whether or not a sync was running.
    CancelSync,
    // -- device
    SetUser {
        user: UserId,
        unit: UnitId,
    },
    /// Late entry (补录): `action`, one of the three workflows' actions, records what happened
    /// at `at` — a paper record typed in afterwards. Its times (a start, a signature, a
    /// document's year) are `at`; its event keeps the time of entry beside it and the record is
    /// flagged as entered late. `at` may not lie in the future, before the signed-in user's
    /// first day of work, or further back than the late-entry window (400 days).
    LateEntry {
        at: UnixMs,
        action: Box<Request>,
    },
    /// Events made elsewhere: a reference-data bundle, or what a sync pulled.
    IngestEvents {
        events: Vec<Event>,
    },
    Rebuild,
    // -- queries
    Home,
    DeviceInfo,
    ListRecords {
        filter: RecordFilter,
    },
    GetRecord {
        id: String,
    },
    GetTrack {
        patrol: PatrolId,
    },
    /// Figures, reach coverage and plausibility flags of a patrol's track.
    PatrolReport {
        patrol: PatrolId,
        mode: Option<xuncha_domain::geo::clean::TravelMode>,
    },
    ListOpenFindings {
        status: Option<xuncha_domain::state::FindingStatus>,
        /// The most urgent this many (all when absent).
        #[serde(default)]
        limit: Option<u32>,
    },
    GetFinding {
        id: FindingId,
    },
    ListReaches,
    ListSites {
        kind: Option<xuncha_domain::reference::SiteKind>,
    },
    ListChecklists,
    Outbox {
        limit: Option<u32>,
    },
    VerifyLog,
}
impl Request {
    /// A finding's report with what every report has; its other optional fields start empty.
    /// The CLI, the demo and the tests report findings here, so adding an optional field to
    /// the request edits this file, not each of them.
    pub fn report_finding(
        record: RecordRef,
        category: impl Into<String>,
        description: impl Into<String>,
        severity: Severity,
        location: Option<Position>,
    ) -> Self {
        Request::ReportFinding {
            record,
            category: category.into(),
            description: description.into(),
            severity,
            location,
        }
    }
}

/// An action was saved.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// The id of what was created or changed (patrol, inspection, finding, document…).
    pub id: String,
    /// The events written, in order.
    pub events: Vec<EventId>,
    /// A document number, when one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Home {
    pub device: DeviceIdentity,
    pub user: Option<User>,
    pub unit: Option<Unit>,
    pub counts: Counts,
    pub active: Vec<RecordSummary>,
    pub to_rectify: Vec<FindingSummary>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordDetail {
    pub summary: RecordSummary,
    pub state: AggregateState,
    pub findings: Vec<FindingSummary>,
    pub timeline: Vec<TimelineEntry>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingDetail {
    pub state: AggregateState,
    pub timeline: Vec<TimelineEntry>,
    /// Its photos against its reported place and its original photos, each explained.
    #[serde(default)]
    pub flags: Vec<xuncha_domain::geo::PlausibilityFlag>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    pub new: u64,
    pub already_had: u64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogCheck {
    pub device: DeviceId,
    pub events: u64,
    pub head: Option<EventHash>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Response {
    Recorded(Recorded),
    Done,
    Ingested(IngestReport),
    Home(Box<Home>),
    Device(DeviceIdentity),
    Records(Vec<RecordSummary>),
    Record(Box<RecordDetail>),
    Track(Vec<TrackPoint>),
    PatrolReport(Box<super::PatrolReport>),
    Findings(Vec<FindingSummary>),
    Finding(Box<FindingDetail>),
    Reaches(Vec<Reach>),
    Sites(Vec<Site>),
    Checklists(Vec<ChecklistTemplate>),
    Events(Vec<Event>),
    PhotoImported(Box<super::media::PhotoImported>),
    Blob {
        hash: BlobHash,
    },
    BlobBytes {
        hash: BlobHash,
        bytes_base64: String,
    },
    BlobsCollected {
        deleted: u64,
        deleted_bytes: u64,
        kept_pinned: u64,
    },
    Account(Box<crate::store::Account>),
    SyncStatus(Box<SyncStatus>),
    Synced(Box<crate::sync::SyncReport>),
    /// The running sync's progress; `null` when no sync runs.
    SyncProgress(Option<Box<crate::sync::SyncProgress>>),
    LogChecked(LogCheck),
    Documents(Vec<xuncha_docs::DocRef>),
    Document(Box<super::documents::DocumentFile>),
}

/// What waits to go to the server, and what the server said.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub account: Option<crate::store::Account>,
    pub outbox_events: u64,
    pub blobs_pending: u64,
    pub blobs_pending_bytes: u64,
    /// Originals waiting for an unmetered network or the office.
    pub originals_pending: u64,
    pub rejections: Vec<crate::store::PushRejection>,
}
