// Generated from the Rust types by crates/core/tests/typescript.rs: do not edit.
// After changing a type of the API, run
//   XUNCHA_BLESS=1 cargo nextest run -p xuncha-core --test typescript

/**
 * The server this device is enrolled with.
 */
export type Account = { server_url: string, user: User, server_device: DeviceId, server_public_key: DevicePublicKey, pull_cursor: number, enrolled_at: UnixMs, };

/**
 * The state of one aggregate.
 */
export type AggregateState = { "aggregate": "patrol", "state": PatrolState } | { "aggregate": "inspection", "state": InspectionState } | { "aggregate": "finding", "state": FindingState } | { "aggregate": "unit", "state": Unit } | { "aggregate": "user", "state": User } | { "aggregate": "reach", "state": Reach } | { "aggregate": "site", "state": Site } | { "aggregate": "checklist", "state": ChecklistTemplate } | { "aggregate": "rules", "state": RuleBook };

export type Answer = "compliant" | "non_compliant" | "not_applicable";

export type AnswerState = { answer: Answer, note: string, };

export type AssignmentState = { assignee: string, follow_up_by: UserId | null, deadline: UnixMs, note: string, };

/**
 * SHA-256 of a blob's stored bytes.
 */
export type BlobHash = string;

export type BoundingBox = { min_lon: number, min_lat: number, max_lon: number, max_lat: number, };

export type BusinessCheckId = string;

/**
 * A fishing-ban check of a business (market, restaurant, dealer, tackle shop).
 */
export type BusinessChecked = { patrol: PatrolId, check: BusinessCheckId, site: SiteId, outcome: CheckOutcome, notes: string, checked_at: UnixMs, };

export type CheckOutcome = "compliant" | "violation_found" | "closed";

export type ChecklistAnswered = { inspection: InspectionId, item: string, answer: Answer, note: string, };

export type ChecklistId = string;

export type ChecklistItem = { 
/**
 * Stable within a template across versions, e.g. "fire-01".
 */
code: string, text: string, 
/**
 * The law or standard the item rests on.
 */
legal_basis: string, };

export type ChecklistTemplate = { id: ChecklistId, version: number, name: string, items: Array<ChecklistItem>, };

/**
 * The level of a river chief (河湖长).
 */
export type ChiefLevel = "street" | "brigade" | "volunteer";

/**
 * One chief's quota over the stretch.
 */
export type ChiefQuota = { chief: UserId, name: string, level: ChiefLevel, unit: UnitId, 
/**
 * Each period (and reach, for a quota per reach) the rules made due.
 */
lines: Array<QuotaLine>, required: number, done: number, counting: number, missing: number, 
/**
 * Every due period met (a chief with nothing due meets the quota).
 */
met: boolean, };

/**
 * A business signed a commitment letter (承诺书) on the screen.
 */
export type CommitmentLetterSigned = { patrol: PatrolId, letter: DocumentId, site: SiteId, signer_name: string, 
/**
 * The text the signer saw, exactly.
 */
text: string, 
/**
 * The signature image.
 */
signature: BlobHash, signed_at: UnixMs, };

export type Counts = { active_patrols: number, open_inspections: number, records_today: number, open_findings: number, findings_to_rectify: number, outbox_events: number, };

export type Coverage = { reach_length_m: number, covered_length_m: number, 
/**
 * `covered_length_m / reach_length_m`, 0..=1.
 */
fraction: number, 
/**
 * The stretches the track did not come near, upstream first.
 */
uncovered: Array<ReachStretch>, };

/**
 * A calendar day in China.
 */
export type Day = { year: number, month: number, day: number, };

/**
 * A phone or other device that writes events; also the author of the office's events
 * (the server has a device id of its own).
 */
export type DeviceId = string;

/**
 * Who this device is and whom it belongs to, for display.
 */
export type DeviceIdentity = { device_id: DeviceId, public_key: DevicePublicKey, user_id: UserId | null, unit_id: UnitId | null, events_made: number, };

/**
 * A device's public key, hex on the wire.
 */
export type DevicePublicKey = string;

/**
 * The documents xuncha issues.
 */
export type DocKind = "on_site_record" | "rectification_order" | "reinspection_opinion" | "commitment_letter" | "patrol_record";

/**
 * One document a record has.
 */
export type DocRef = { kind: DocKind, 
/**
 * For a commitment letter: which of the patrol's letters.
 */
letter?: DocumentId, title: string, number: string, };

/**
 * A document made on the device.
 */
export type DocumentFile = { kind: DocKind, title: string, number: string, 
/**
 * "现场检查记录-HY-2026-3F2A-0007.pdf"
 */
file_name: string, 
/**
 * The pages, each a standalone SVG, for the preview (no PDF viewer needed).
 */
pages_svg: Array<string>, 
/**
 * Where the PDF was saved on this device, to share or print; `None` for a device without
 * a data folder (tests built from parts).
 */
saved_to: string | null, pdf_bytes: number, };

/**
 * A document made on the device: an on-site inspection record or a commitment letter.
 */
export type DocumentId = string;

export type DocumentSigned = { inspection: InspectionId, document: DocumentId, role: SignerRole, signer_name: string, signature: BlobHash, signed_at: UnixMs, };

export type DropCounts = { invalid_coordinates: number, poor_accuracy: number, duplicate_time: number, impossible_speed: number, };

/**
 * The shape in which an error crosses to a front end: `{"code": "...", "message": "..."}`.
 */
export type ErrorBody = { code: string, message: string, };

/**
 * An event as stored and sent.
 */
export type Event = { v: number, id: EventId, device: DeviceId, 
/**
 * 1, 2, 3… per device, without gaps.
 */
seq: number, hlc: Hlc, 
/**
 * The user signed in on the device when the event was made.
 */
author: UserId | null, 
/**
 * When what the event records happened, if that was before it was entered (late entry,
 * 补录: a paper record typed in afterwards); `hlc` stays the time of entry. Absent for
 * everything recorded as it happens, and then left out of the hash as it always was.
 */
occurred_at?: UnixMs | null, prev_hash: EventHash, payload: Payload, hash: EventHash, signature: EventSignature, };

/**
 * SHA-256 of an event's canonical body.
 */
export type EventHash = string;

/**
 * One event in the log.
 */
export type EventId = string;

/**
 * An Ed25519 signature, hex on the wire.
 */
export type EventSignature = string;

/**
 * A correction of a finding's fields; the later stamp wins field by field.
 */
export type FindingAmended = { finding: FindingId, category: string | null, description: string | null, severity: Severity | null, location: Position | null, };

export type FindingDetail = { state: AggregateState, timeline: Array<TimelineEntry>, 
/**
 * Its photos against its reported place and its original photos, each explained.
 */
flags: Array<PlausibilityFlag>, };

/**
 * A problem, hazard or violation found on a patrol or inspection.
 */
export type FindingId = string;

/**
 * Which workflow a category belongs to, and so what a finding of it is called.
 */
export type FindingKind = "problem" | "hazard" | "violation";

export type FindingRectified = { finding: FindingId, note: string, after_photos: Array<BlobHash>, position: Position | null, rectified_at: UnixMs, };

export type FindingReopened = { finding: FindingId, reason: string, at: UnixMs, };

export type FindingReported = { finding: FindingId, record: RecordRef, kind: FindingKind, 
/**
 * A code from the catalogue, e.g. "dumping".
 */
category: string, description: string, severity: Severity, location: Position | null, reported_at: UnixMs, };

export type FindingState = { id: FindingId, record: RecordRef, kind: FindingKind, category: string, description: string, severity: Severity, location: Position | null, reported_at: UnixMs, reported_by: UserId | null, 
/**
 * Some event of the record was entered late (补录, `Event::occurred_at`): shown wherever
 * the record is.
 */
late_entry?: boolean, status: FindingStatus, assignment: AssignmentState | null, rectification: RectificationState | null, verified_at: UnixMs | null, verification_note: string | null, reopen_count: number, reopen_reason: string | null, photos: Array<PhotoInfo>, };

export type FindingStatus = "reported" | "assigned" | "rectified" | "verified" | "reopened";

export type FindingSummary = { id: string, record_id: string, kind: FindingKind, category: string, category_zh: string, severity: Severity, status: FindingStatus, description: string, lon: number | null, lat: number | null, reported_at: number, deadline: number | null, assignee: string | null, photo_count: number, };

export type FindingVerified = { finding: FindingId, note: string, verified_at: UnixMs, };

export type FishingFigures = { patrols: number, checks: { [key in SiteKind]?: number }, letters: { [key in SiteKind]?: number }, publicity: Publicity, seizures: number, seized_items: number, };

/**
 * Where a fix came from.
 */
export type FixProvider = "gps" | "network" | "fused" | "replay" | "imported" | "unknown";

export type FlagCode = "mock_location" | "zero_accuracy" | "teleport_jump" | "speed_above_mode" | "regular_timing" | "photo_far_from_track" | "photo_outside_track_time" | "photo_far_from_finding" | "after_photo_far_from_original";

export type FlagScope = { "kind": "patrol" } | { "kind": "point", index: number, } | { "kind": "photo", index: number, };

export type GearSeized = { patrol: PatrolId, seizure: SeizureId, description: string, quantity: number, position: Position | null, seized_at: UnixMs, };

/**
 * A hybrid logical clock stamp: the wall time it was made at (as best the device knew it),
 * a counter that orders stamps within one millisecond or when the wall clock went back, and
 * the device that made it.
 */
export type Hlc = { wall_ms: number, counter: number, device: DeviceId, };

export type Home = { device: DeviceIdentity, user: User | null, unit: Unit | null, counts: Counts, active: Array<RecordSummary>, to_rectify: Array<FindingSummary>, };

export type IngestReport = { new: number, already_had: number, };

export type InspectionClosed = { inspection: InspectionId, closed_at: UnixMs, notes: string, };

/**
 * A safety-production inspection at a site.
 */
export type InspectionId = string;

export type InspectionStarted = { inspection: InspectionId, site: SiteId, unit: UnitId, inspector: UserId, checklist: ChecklistId, checklist_version: number, 
/**
 * The items of the checklist as the inspector had them, so the record stands on its own.
 */
items: Array<ChecklistItem>, position: Position | null, started_at: UnixMs, };

export type InspectionState = { id: InspectionId, site: SiteId, unit: UnitId, inspector: UserId, checklist: ChecklistId, checklist_version: number, items: Array<ChecklistItem>, answers: { [key in string]: AnswerState }, position: Position | null, started_at: UnixMs, record: OnSiteRecordState | null, closed_at: UnixMs | null, notes: string, photos: Array<PhotoInfo>, 
/**
 * Some event of the record was entered late (补录, `Event::occurred_at`): shown wherever
 * the record is.
 */
late_entry?: boolean, 
/**
 * The office's latest review (审核 / 退回), once it has looked at the record.
 */
review?: ReviewState | null, };

/**
 * A patrol's judgement under the rules in force, with every reason said in both languages:
 * what the device shows on its patrol summary and the office beside each patrol.
 */
export type Judgement = { counts: boolean, rules_name: string, rules_version: number, reasons: Array<Shortfall>, reasons_zh: Array<string>, reasons_en: Array<string>, };

/**
 * River patrols of one level of chief.
 */
export type LevelFigures = { 
/**
 * Chiefs who patrolled at least once.
 */
chiefs: number, patrols: number, counting: number, not_counting: number, 
/**
 * Patrols with any plausibility flag (异常巡河), counting or not.
 */
abnormal: number, };

/**
 * What one level of river chief must do.
 */
export type LevelRules = { level: ChiefLevel, 
/**
 * A patrol shorter than this does not count (0: no minimum).
 */
min_duration_min: number, 
/**
 * A patrol whose track is shorter than this does not count (0: no minimum).
 */
min_length_m: number, 
/**
 * The share of the assigned reach the track must cover, in percent (0: no minimum).
 */
min_coverage_pct: number, 
/**
 * How often the chief must patrol, if the rules say.
 */
quota: Quota | null, 
/**
 * The months the quota applies in (all year when absent). Patrols outside it are still
 * judged and counted; no period outside it is due.
 */
season: Season | null, 
/**
 * The least time between two counting self-initiated patrols of one chief, in hours
 * (0: none). A patrol sooner than that after the last counting one does not count.
 */
cooldown_h: number, 
/**
 * Whether a patrol an assistant made on the chief's account counts for the chief.
 */
delegates_count: boolean, 
/**
 * Whether a drone patrol counts.
 */
drone_counts: boolean, 
/**
 * Whether an on-site meeting (现场会) counts as a patrol.
 */
meetings_count: boolean, };

export type LogCheck = { device: DeviceId, events: number, head: EventHash | null, };

export type NamedRef = { id: string, name: string, };

/**
 * A patrol that does not count, with why.
 */
export type NotCounting = { patrol: PatrolId, patroller_name: string, level: ChiefLevel, day: Day, rules_version: number | null, 
/**
 * Every reason, in Chinese.
 */
reasons: string, };

/**
 * The numbered on-site inspection record (现场检查记录) is drawn up.
 */
export type OnSiteRecordIssued = { inspection: InspectionId, document: DocumentId, 
/**
 * e.g. "HY-2026-3F2A-0007"; unique without a server because the device code is in it.
 */
number: string, 
/**
 * What was found and what must be done, as printed.
 */
content: string, rectification_deadline: UnixMs | null, issued_at: UnixMs, };

export type OnSiteRecordState = { document: DocumentId, number: string, content: string, rectification_deadline: UnixMs | null, issued_at: UnixMs, signatures: { [key in SignerRole]?: SignatureState }, refusal: RefusalState | null, };

export type Outcome = { "outcome": "applied" } | { "outcome": "rejected", code: string, message: string, };

export type PatrolEnded = { patrol: PatrolId, ended_at: UnixMs, notes: string, };

/**
 * A river patrol or a fishing-ban patrol.
 */
export type PatrolId = string;

export type PatrolKind = "river" | "fishing_ban";

export type PatrolReport = { mode: TravelMode, points_received: number, 
/**
 * Imported points without a time: kept as the track's shape, outside every figure.
 */
untimed_points: number, 
/**
 * Fixes left out of the figures, by reason (they stay in the record).
 */
dropped: DropCounts, 
/**
 * Figures of the cleaned track.
 */
stats: TrackStats, 
/**
 * Of the patrol's registered reach, if it has one.
 */
coverage: Coverage | null, 
/**
 * Flags about the whole patrol and about photos, each explained.
 */
flags: Array<PlausibilityFlag>, 
/**
 * Fixes flagged one by one (their own flags are summarised by a patrol-level flag).
 */
flagged_points: Array<number>, 
/**
 * Whether it counts under the patrol rules in force for its unit (a river chief's river
 * patrol, when the device has rules); judged by the same function as the office's figures,
 * except the cooldown between patrols, which needs the chief's other patrols and is left to
 * the office.
 */
judgement: Judgement | null, };

/**
 * One version of a unit's patrol rules. A later version replaces an earlier one from its
 * `effective_from` on; patrols made before it keep being judged by the version they were
 * made under.
 */
export type PatrolRules = { 
/**
 * The unit's rule book: every version of one unit's rules has the same id.
 */
id: RulesId, 
/**
 * The unit the rules are for; they apply to it and to the units below it that have none
 * of their own.
 */
unit: UnitId, version: number, 
/**
 * e.g. "2020 年河长巡河考核办法".
 */
name: string, 
/**
 * The first instant the version applies to.
 */
effective_from: UnixMs, 
/**
 * What each level of chief must do; a level without an entry has no requirement.
 */
levels: Array<LevelRules>, };

export type PatrolStarted = { patrol: PatrolId, kind: PatrolKind, unit: UnitId, patroller: UserId, 
/**
 * The reach patrolled (river patrols), if it is a registered one.
 */
reach: ReachId | null, 
/**
 * A free description of the area (fishing-ban patrols, or a river patrol off the register).
 */
area: string | null, started_at: UnixMs, };

export type PatrolState = { id: PatrolId, kind: PatrolKind, unit: UnitId, patroller: UserId, reach: ReachId | null, area: string | null, started_at: UnixMs, ended_at: UnixMs | null, notes: string, point_count: number, 
/**
 * Some event of the record was entered late (补录, `Event::occurred_at`): shown wherever
 * the record is.
 */
late_entry?: boolean, 
/**
 * Imported track points without a time, by stretch (see `TrackPointsAppended::untimed`).
 */
untimed_lines?: Array<Array<Position>>, first_point_at: UnixMs | null, last_point_at: UnixMs | null, business_checks: Array<BusinessChecked>, publicity: Publicity, seizures: Array<GearSeized>, letters: Array<CommitmentLetterSigned>, photos: Array<PhotoInfo>, 
/**
 * The office's latest review (审核 / 退回), once it has looked at the record.
 */
review?: ReviewState | null, };

/**
 * Every fact an event can state.
 */
export type Payload = { "type": "PatrolStarted", "data": PatrolStarted } | { "type": "TrackPointsAppended", "data": TrackPointsAppended } | { "type": "PatrolEnded", "data": PatrolEnded } | { "type": "BusinessChecked", "data": BusinessChecked } | { "type": "PublicityTallied", "data": PublicityTallied } | { "type": "GearSeized", "data": GearSeized } | { "type": "CommitmentLetterSigned", "data": CommitmentLetterSigned } | { "type": "InspectionStarted", "data": InspectionStarted } | { "type": "ChecklistAnswered", "data": ChecklistAnswered } | { "type": "OnSiteRecordIssued", "data": OnSiteRecordIssued } | { "type": "DocumentSigned", "data": DocumentSigned } | { "type": "SignatureRefused", "data": SignatureRefused } | { "type": "InspectionClosed", "data": InspectionClosed } | { "type": "FindingReported", "data": FindingReported } | { "type": "FindingAmended", "data": FindingAmended } | { "type": "PhotoAttached", "data": PhotoAttached } | { "type": "RectificationAssigned", "data": RectificationAssigned } | { "type": "FindingRectified", "data": FindingRectified } | { "type": "FindingVerified", "data": FindingVerified } | { "type": "FindingReopened", "data": FindingReopened } | { "type": "UnitDefined", "data": Unit } | { "type": "UserDefined", "data": User } | { "type": "ReachDefined", "data": Reach } | { "type": "SiteDefined", "data": Site } | { "type": "ChecklistPublished", "data": ChecklistTemplate } | { "type": "PatrolRulesPublished", "data": PatrolRules } | { "type": "RecordReviewed", "data": RecordReviewed };

/**
 * The calendar periods rules count patrols in.
 */
export type Period = "week" | "ten_days" | "month" | "quarter" | "year";

export type PhotoAttached = { target: PhotoTarget, role: PhotoRole, 
/**
 * The original as taken (kept on the device until the server has it).
 */
original: BlobHash, 
/**
 * The upload copy (long side ≈1600 px), sent first.
 */
upload: BlobHash | null, thumbnail: BlobHash | null, taken_at: UnixMs | null, position: Position | null, position_source: PositionSource, caption: string, };

export type PhotoImported = { original: BlobHash, upload: BlobHash, thumbnail: BlobHash, width: number, height: number, original_bytes: number, upload_bytes: number, taken_at: UnixMs | null, position: Position | null, position_source: PositionSource, accuracy_m: number | null, make: string | null, model: string | null, 
/**
 * The photo was damaged; the derivatives may show grey areas.
 */
partial_decode: string | null, exif_problem: string | null, };

export type PhotoInfo = { event: EventId, role: PhotoRole, original: BlobHash, upload: BlobHash | null, thumbnail: BlobHash | null, taken_at: UnixMs | null, position: Position | null, position_source: PositionSource, caption: string, };

export type PhotoRole = "evidence" | "after_rectification" | "seizure";

/**
 * What a photo belongs to.
 */
export type PhotoTarget = { "patrol": PatrolId } | { "inspection": InspectionId } | { "finding": FindingId };

export type PlausibilityFlag = { code: FlagCode, scope: FlagScope, label_zh: string, label_en: string, };

/**
 * A WGS-84 position.
 */
export type Position = { lon: number, lat: number, };

/**
 * Where a photo's position came from.
 */
export type PositionSource = "exif" | "device_fix" | "none";

export type ProblemFigures = { found: number, assigned: number, rectified: number, verified: number, reopened: number, overdue: number, };

/**
 * The problems of one unit, category and period.
 */
export type ProblemLine = { unit: UnitId, unit_name: string, 
/**
 * The category's code and its name.
 */
category: string, category_zh: string, period: Span, figures: ProblemFigures, };

/**
 * Problems by unit, category and period (督办 and 办结率 with them).
 */
export type ProblemsReport = { unit: UnitId, unit_name: string, first: Day, last: Day, every: Period, 
/**
 * By unit name, category and period.
 */
lines: Array<ProblemLine>, total: ProblemFigures, };

/**
 * Publicity put up or handed out on a fishing-ban patrol. Tallies add up.
 */
export type Publicity = { banners: number, signs: number, notices: number, leaflets: number, };

export type PublicityTallied = { patrol: PatrolId, tally: Publicity, };

/**
 * A pushed event the server did not simply accept.
 */
export type PushRejection = { event_id: EventId, code: string, message: string, 
/**
 * The server keeps the event (as flagged evidence); otherwise it refused it outright.
 */
kept: boolean, };

/**
 * "n patrols per period", per reach or per chief.
 */
export type Quota = { times: number, every: Period, per: QuotaScope, };

/**
 * One chief's quota in one period, for one reach or for all the chief's reaches.
 */
export type QuotaLine = { chief: UserId, 
/**
 * The reach, for a quota per reach.
 */
reach: ReachId | null, span: Span, due: number, 
/**
 * Patrols made in the period (counting or not).
 */
done: number, 
/**
 * Of those, the ones that count.
 */
counting: number, 
/**
 * `due - counting`, never below 0.
 */
missing: number, };

/**
 * The quota report of a unit over a stretch of days: each chief's periods, and the office's
 * rates.
 */
export type QuotaReport = { unit: UnitId, unit_name: string, first: Day, last: Day, chiefs: Array<ChiefQuota>, 
/**
 * 巡河率: chiefs who met their quota, of all chiefs, in percent.
 */
patrol_rate_pct: number, 
/**
 * The chiefs' river patrols in the stretch, counting or not.
 */
patrols: number, counting: number, required: number, 
/**
 * 河段覆盖率: the chiefs' reaches with at least one counting patrol, of all, in percent.
 */
reach_coverage_pct: number, 
/**
 * 异常巡河率: patrols with a plausibility flag, of all, in percent.
 */
abnormal_pct: number, };

export type QuotaScope = "reach" | "chief";

/**
 * A river reach or drainage channel under a river chief: its centre line and length.
 */
export type Reach = { id: ReachId, name: string, unit: UnitId, 
/**
 * The centre line, upstream first.
 */
line: Array<Position>, length_m: number, 
/**
 * River chiefs responsible for the reach.
 */
chiefs: Array<UserId>, };

export type ReachId = string;

/**
 * Along-reach distances from the upstream end, in metres.
 */
export type ReachStretch = { from_m: number, to_m: number, };

export type RecordDetail = { summary: RecordSummary, state: AggregateState, findings: Array<FindingSummary>, timeline: Array<TimelineEntry>, };

export type RecordFilter = { kind?: RecordKind | null, status?: string | null, 
/**
 * Started at or after (ms).
 */
from?: number | null, 
/**
 * Started before (ms).
 */
to?: number | null, limit?: number | null, };

/**
 * What kind of record a row is.
 */
export type RecordKind = "river_patrol" | "fishing_ban_patrol" | "inspection";

/**
 * The record a finding was made on.
 */
export type RecordRef = { "patrol": PatrolId } | { "inspection": InspectionId };

/**
 * The office's review of a patrol or inspection: approved, or sent back to the person who
 * recorded it with a comment, which reaches their device through the ordinary pull.
 */
export type RecordReviewed = { record: RecordRef, decision: ReviewDecision, 
/**
 * Required when sent back: what to correct or explain.
 */
comment: string, reviewed_at: UnixMs, };

export type RecordSummary = { id: string, kind: RecordKind, status: string, unit_id: string, owner_id: string, reach: NamedRef | null, site: NamedRef | null, title: string, started_at: number, ended_at: number | null, point_count: number, 
/**
 * Photos of the record itself and of its findings (what the patroller took on it).
 */
photo_count: number, finding_count: number, open_finding_count: number, pending_events: number, 
/**
 * Photos and signature images of the record not yet confirmed by the server.
 */
photos_pending: number, sync: SyncState, 
/**
 * Why, when `sync` is `rejected`: the rule's or the server's words.
 */
rejection: string | null, 
/**
 * Entered late (补录): `started_at` is when it happened, not when it was typed in.
 */
late_entry: boolean, };

/**
 * An action was saved.
 */
export type Recorded = { 
/**
 * The id of what was created or changed (patrol, inspection, finding, document…).
 */
id: string, 
/**
 * The events written, in order.
 */
events: Array<EventId>, 
/**
 * A document number, when one was issued.
 */
number?: string | null, };

/**
 * The office (or the inspector on site) assigns a finding for rectification.
 */
export type RectificationAssigned = { finding: FindingId, 
/**
 * Who must rectify: a responsible person or party, by name.
 */
assignee: string, 
/**
 * The user who follows it up, if any.
 */
follow_up_by: UserId | null, deadline: UnixMs, note: string, };

export type RectificationState = { note: string, after_photos: Array<BlobHash>, position: Position | null, rectified_at: UnixMs, };

export type RefusalState = { reason: string, witness_name: string, witness_signature: BlobHash, at: UnixMs, };

export type Request = { "action": "start_patrol", "args": { kind: PatrolKind, reach?: ReachId | null, area?: string | null, at?: UnixMs | null, } } | { "action": "append_track_points", "args": { patrol: PatrolId, points: Array<TrackPoint>, 
/**
 * Imported points without a time, by stretch: kept as the track's geometry, never in
 * its time, speed or length figures (see `TrackPointsAppended::untimed`).
 */
untimed: Array<Array<Position>>, } } | { "action": "end_patrol", "args": { patrol: PatrolId, notes: string, at?: UnixMs | null, } } | { "action": "record_business_check", "args": { patrol: PatrolId, site: SiteId, outcome: CheckOutcome, notes: string, } } | { "action": "tally_publicity", "args": { patrol: PatrolId, tally: Publicity, } } | { "action": "record_seizure", "args": { patrol: PatrolId, description: string, quantity: number, position?: Position | null, } } | { "action": "sign_commitment_letter", "args": { patrol: PatrolId, site: SiteId, signer_name: string, text: string, signature: BlobHash, } } | { "action": "start_inspection", "args": { site: SiteId, checklist: ChecklistId, position?: Position | null, } } | { "action": "answer_checklist_item", "args": { inspection: InspectionId, item: string, answer: Answer, note: string, } } | { "action": "issue_on_site_record", "args": { inspection: InspectionId, content: string, rectification_deadline?: UnixMs | null, } } | { "action": "sign_document", "args": { inspection: InspectionId, role: SignerRole, signer_name: string, signature: BlobHash, } } | { "action": "record_refusal", "args": { inspection: InspectionId, reason: string, witness_name: string, witness_signature: BlobHash, } } | { "action": "close_inspection", "args": { inspection: InspectionId, notes: string, } } | { "action": "report_finding", "args": { record: RecordRef, category: string, description: string, severity: Severity, location?: Position | null, } } | { "action": "amend_finding", "args": { finding: FindingId, category?: string | null, description?: string | null, severity?: Severity | null, location?: Position | null, } } | { "action": "attach_photo", "args": { target: PhotoTarget, role: PhotoRole, original: BlobHash, upload?: BlobHash | null, thumbnail?: BlobHash | null, taken_at?: UnixMs | null, position?: Position | null, position_source: PositionSource, caption: string, } } | { "action": "assign_rectification", "args": { finding: FindingId, assignee: string, deadline: UnixMs, note: string, } } | { "action": "rectify_finding", "args": { finding: FindingId, note: string, after_photos: Array<BlobHash>, position?: Position | null, } } | { "action": "verify_finding", "args": { finding: FindingId, note: string, } } | { "action": "reopen_finding", "args": { finding: FindingId, reason: string, } } | { "action": "list_documents", "args": { record: RecordRef, } } | { "action": "get_document", "args": { record: RecordRef, kind: DocKind, 
/**
 * Which commitment letter of a patrol.
 */
letter?: DocumentId | null, } } | { "action": "import_photo", "args": { bytes_base64: string, device_fix?: TrackPoint | null, utc_offset_min?: number | null, } } | { "action": "import_photo_file", "args": { path: string, device_fix?: TrackPoint | null, utc_offset_min?: number | null, } } | { "action": "put_signature", "args": { png_base64: string, } } | { "action": "get_blob", "args": { hash: BlobHash, } } | { "action": "collect_blobs", "args": { grace_hours?: number | null, } } | { "action": "enrol", "args": { server_url: string, login: string, password: string, device_name: string, } } | { "action": "sign_out" } | { "action": "sync_status" } | { "action": "sync", "args": { allow_originals?: boolean | null, } } | { "action": "sync_progress" } | { "action": "cancel_sync" } | { "action": "set_user", "args": { user: UserId, unit: UnitId, } } | { "action": "late_entry", "args": { at: UnixMs, action: Request, } } | { "action": "ingest_events", "args": { events: Array<Event>, } } | { "action": "rebuild" } | { "action": "home" } | { "action": "device_info" } | { "action": "list_records", "args": { filter: RecordFilter, } } | { "action": "get_record", "args": { id: string, } } | { "action": "get_track", "args": { patrol: PatrolId, } } | { "action": "patrol_report", "args": { patrol: PatrolId, mode?: TravelMode | null, } } | { "action": "list_open_findings", "args": { status?: FindingStatus | null, 
/**
 * The most urgent this many (all when absent).
 */
limit?: number | null, } } | { "action": "get_finding", "args": { id: FindingId, } } | { "action": "list_reaches" } | { "action": "list_sites", "args": { kind?: SiteKind | null, } } | { "action": "list_checklists" } | { "action": "outbox", "args": { limit?: number | null, } } | { "action": "verify_log" };

export type Response = { "type": "recorded", "data": Recorded } | { "type": "done" } | { "type": "ingested", "data": IngestReport } | { "type": "home", "data": Home } | { "type": "device", "data": DeviceIdentity } | { "type": "records", "data": Array<RecordSummary> } | { "type": "record", "data": RecordDetail } | { "type": "track", "data": Array<TrackPoint> } | { "type": "patrol_report", "data": PatrolReport } | { "type": "findings", "data": Array<FindingSummary> } | { "type": "finding", "data": FindingDetail } | { "type": "reaches", "data": Array<Reach> } | { "type": "sites", "data": Array<Site> } | { "type": "checklists", "data": Array<ChecklistTemplate> } | { "type": "events", "data": Array<Event> } | { "type": "photo_imported", "data": PhotoImported } | { "type": "blob", "data": { hash: BlobHash, } } | { "type": "blob_bytes", "data": { hash: BlobHash, bytes_base64: string, } } | { "type": "blobs_collected", "data": { deleted: number, deleted_bytes: number, kept_pinned: number, } } | { "type": "account", "data": Account } | { "type": "sync_status", "data": SyncStatus } | { "type": "synced", "data": SyncReport } | { "type": "sync_progress", "data": SyncProgress | null } | { "type": "log_checked", "data": LogCheck } | { "type": "documents", "data": Array<DocRef> } | { "type": "document", "data": DocumentFile };

export type ReviewDecision = "approved" | "sent_back";

/**
 * The office's latest decision on a patrol or inspection.
 */
export type ReviewState = { decision: ReviewDecision, comment: string, 
/**
 * The office user who decided (the event's author).
 */
by: UserId | null, at: UnixMs, };

export type Role = { "role": "river_chief", level: ChiefLevel, } | { "role": "safety_inspector" } | { "role": "fishing_ban_patroller" } | { "role": "office" } | { "role": "admin" };

/**
 * Every version of one unit's rules, as devices and the server keep them.
 */
export type RuleBook = { id: RulesId, unit: UnitId, 
/**
 * In version order.
 */
versions: Array<PatrolRules>, };

/**
 * A unit's patrol rules, every version of them (`rules::RuleBook`).
 */
export type RulesId = string;

export type SafetyFigures = { inspections: number, records_issued: number, refusals: number, rectification_orders: number, };

/**
 * The months of the year a rule applies in, both included; `from > to` wraps over the new
 * year (November to February).
 */
export type Season = { from_month: number, to_month: number, };

export type SeizureId = string;

export type Severity = "minor" | "major" | "critical";

/**
 * One reason a patrol does not count.
 */
export type Shortfall = { "code": "not_ended" } | { "code": "duration", minutes: number, required: number, } | { "code": "length", metres: number, required: number, } | { "code": "coverage", percent: number, required: number, } | { "code": "no_reach" } | { "code": "flagged", flag: FlagCode, } | { "code": "delegate" } | { "code": "drone" } | { "code": "meeting" } | { "code": "too_soon", hours: number, required: number, };

/**
 * The inspected party refused to sign; a witness signs to that.
 */
export type SignatureRefused = { inspection: InspectionId, document: DocumentId, reason: string, witness_name: string, witness_signature: BlobHash, at: UnixMs, };

export type SignatureState = { signer_name: string, signature: BlobHash, signed_at: UnixMs, };

export type SignerRole = "inspector" | "inspected_party" | "witness";

export type Site = { id: SiteId, name: string, kind: SiteKind, address: string, location: Position, unit: UnitId, };

export type SiteId = string;

export type SiteKind = "enterprise" | "market" | "restaurant" | "aquatic_dealer" | "tackle_shop";

/**
 * One period on the calendar: its first and last day, both included.
 */
export type Span = { period: Period, first: Day, last: Day, };

export type SyncPhase = "starting" | "pushing" | "uploading" | "pulling" | "done";

/**
 * What the sync is doing, for progress bars and the app's sync screen.
 */
export type SyncProgress = { phase: SyncPhase, events_done: number, events_total: number, blobs_done: number, blobs_total: number, bytes_done: number, bytes_total: number, pulled: number, 
/**
 * What is being sent now, e.g. a blob's hash.
 */
current: string | null, retries: number, last_error: string | null, };

export type SyncReport = { accepted: number, duplicates: number, 
/**
 * Events the server kept but did not apply, or refused, with its reasons.
 */
rejected: Array<PushRejection>, 
/**
 * An event the server refused outright holds back the rest of the chain.
 */
blocked_at: EventId | null, blobs_uploaded: number, blobs_already_there: number, bytes_uploaded: number, 
/**
 * Originals not sent because that is not allowed now.
 */
originals_held_back: number, 
/**
 * Blobs referenced by events but not on this device.
 */
blobs_absent: number, 
/**
 * Blobs the server will take only once it has a record of this device's naming them: the
 * records wait behind a refused event. They are sent by a later sync.
 */
blobs_waiting: number, 
/**
 * Blobs that could not be sent, with why.
 */
blob_errors: Array<string>, pulled: number, retries: number, 
/**
 * HTTP requests this sync sent, retries included.
 */
requests: number, 
/**
 * Of them, how many the server answered 429 (too many requests).
 */
rate_limited: number, };

/**
 * Where a record stands with the server, as the user should be told.
 */
export type SyncState = "saved_on_device" | "photos_pending" | "uploaded" | "rejected" | "changed_by_office";

/**
 * What waits to go to the server, and what the server said.
 */
export type SyncStatus = { account: Account | null, outbox_events: number, blobs_pending: number, blobs_pending_bytes: number, 
/**
 * Originals waiting for an unmetered network or the office.
 */
originals_pending: number, rejections: Array<PushRejection>, };

export type TimelineEntry = { event: Event, 
/**
 * What the event did, as a code and fields for the reader's language.
 */
what: TimelineEvent, local: boolean, uploaded: boolean, outcome: Outcome, };

/**
 * One event of a timeline, by what it did.
 */
export type TimelineEvent = { "code": "patrol_started", kind: PatrolKind, } | { "code": "track_points_appended", points: number, } | { "code": "patrol_ended", notes: string, } | { "code": "business_checked", outcome: CheckOutcome, } | { "code": "publicity_tallied", tally: Publicity, } | { "code": "gear_seized", description: string, quantity: number, } | { "code": "commitment_letter_signed", signer_name: string, } | { "code": "inspection_started" } | { "code": "checklist_answered", item: string, answer: Answer, } | { "code": "on_site_record_issued", number: string, } | { "code": "document_signed", role: SignerRole, signer_name: string, } | { "code": "signature_refused", witness_name: string, } | { "code": "inspection_closed" } | { "code": "finding_reported", category: string, description: string, } | { "code": "finding_amended" } | { "code": "photo_attached", role: PhotoRole, } | { "code": "rectification_assigned", assignee: string, } | { "code": "finding_rectified", note: string, } | { "code": "finding_verified" } | { "code": "finding_reopened", reason: string, } | { "code": "unit_defined", name: string, } | { "code": "user_defined", name: string, } | { "code": "reach_defined", name: string, } | { "code": "site_defined", name: string, } | { "code": "checklist_published", name: string, version: number, } | { "code": "patrol_rules_published", name: string, version: number, } | { "code": "record_reviewed", decision: ReviewDecision, comment: string, };

/**
 * One GPS fix of a patrol track.
 */
export type TrackPoint = { t: UnixMs, lon: number, lat: number, accuracy_m?: number | null, altitude_m?: number | null, speed_mps?: number | null, bearing_deg?: number | null, provider: FixProvider, 
/**
 * The operating system said this fix came from a mock-location app.
 */
mock?: boolean, 
/**
 * The track was not recorded between the fix before this one and this one (a new GPX
 * segment, signal lost, recording paused): that stretch is a gap, counted as neither
 * distance nor moving time, and drawn as a gap.
 */
gap_before?: boolean, };

export type TrackPointsAppended = { patrol: PatrolId, points: Array<TrackPoint>, 
/**
 * Stretches of an imported track whose points carry no time (a GPX file where a receiver
 * logged positions only): kept as the track's geometry — drawn, and counted for reach
 * coverage — but never in its length, duration, speed or moving time, since nothing says
 * when they were walked.
 */
untimed?: Array<Array<Position>>, };

export type TrackStats = { point_count: number, 
/**
 * Geodesic length on the WGS-84 ellipsoid, summed over consecutive fixes of each segment.
 */
length_m: number, started_at: UnixMs | null, ended_at: UnixMs | null, 
/**
 * From the first fix to the last, gaps included.
 */
duration_s: number, 
/**
 * The time the track was being recorded: each segment's first to last fix, summed.
 */
recorded_s: number, 
/**
 * Recorded segments (0 for an empty track); `segment_count - 1` gaps lie between them.
 */
segment_count: number, 
/**
 * Time between fixes at or above [`STOPPED_BELOW_MPS`], within segments.
 */
moving_time_s: number, 
/**
 * Length over recorded time (`None` for a track without recorded time).
 */
average_speed_mps: number | null, 
/**
 * Length of the moving segments over moving time.
 */
moving_speed_mps: number | null, bbox: BoundingBox | null, };

/**
 * How a patrol travelled; sets the speed above which a movement is impossible.
 */
export type TravelMode = "walking" | "bicycle" | "car" | "boat";

export type Unit = { id: UnitId, name: string, kind: UnitKind, parent: UnitId | null, 
/**
 * A short code used in document numbers, e.g. "HY".
 */
code: string, };

export type UnitId = string;

export type UnitKind = "subdistrict" | "brigade" | "community";

/**
 * Milliseconds since 1970-01-01T00:00:00Z.
 */
export type UnixMs = number;

export type User = { id: UserId, name: string, login: string, unit: UnitId, roles: Array<Role>, 
/**
 * The first day this person's work may be recorded (their appointment; when the office
 * made the user, unless it said otherwise): a late entry (补录) for them may not be dated
 * before it. Absent for users made before it was kept: no bound but the late-entry window.
 */
active_from?: UnixMs | null, };

export type UserId = string;

/**
 * A unit's figures for a year, shaped like a subdistrict's work report.
 */
export type YearReport = { unit: UnitId, unit_name: string, year: number, 
/**
 * River patrols by the chief's level.
 */
river: { [key in ChiefLevel]?: LevelFigures }, 
/**
 * Patrols that do not count under the rules, with every reason.
 */
not_counting: Array<NotCounting>, problems: ProblemFigures, safety: SafetyFigures, fishing: FishingFigures, };

/** A problem category of the catalogue (crates/domain/src/catalogue.rs): its code is stored in events. */
export type Category = { code: string, kind: FindingKind, zh: string, en: string };

export const CATEGORIES: Category[] = [
  { code: "occupation", kind: "problem", zh: "乱占", en: "Illegal occupation" },
  { code: "sand_mining", kind: "problem", zh: "乱采", en: "Illegal sand mining" },
  { code: "dumping", kind: "problem", zh: "乱堆", en: "Dumping" },
  { code: "construction", kind: "problem", zh: "乱建", en: "Illegal construction" },
  { code: "sewage_outfall", kind: "problem", zh: "排污口", en: "Sewage outfall" },
  { code: "floating_garbage", kind: "problem", zh: "水面漂浮物", en: "Floating garbage" },
  { code: "dead_fish", kind: "problem", zh: "死鱼", en: "Dead fish" },
  { code: "water_colour", kind: "problem", zh: "水体异色异味", en: "Discoloured or smelly water" },
  { code: "damaged_facility", kind: "problem", zh: "设施损坏", en: "Damaged facility" },
  { code: "other_river", kind: "problem", zh: "其他问题", en: "Other river problem" },
  { code: "fire_safety", kind: "hazard", zh: "消防安全", en: "Fire safety" },
  { code: "electrical", kind: "hazard", zh: "用电安全", en: "Electrical safety" },
  { code: "hazardous_chemicals", kind: "hazard", zh: "危险化学品", en: "Hazardous chemicals" },
  { code: "special_equipment", kind: "hazard", zh: "特种设备", en: "Special equipment" },
  { code: "limited_space", kind: "hazard", zh: "有限空间", en: "Confined space" },
  { code: "emergency_exit", kind: "hazard", zh: "安全出口", en: "Emergency exits" },
  { code: "safety_management", kind: "hazard", zh: "安全管理", en: "Safety management" },
  { code: "other_hazard", kind: "hazard", zh: "其他隐患", en: "Other hazard" },
  { code: "illegal_fishing", kind: "violation", zh: "非法捕捞", en: "Illegal fishing" },
  { code: "selling_river_fish", kind: "violation", zh: "销售长江野生鱼", en: "Selling wild river fish" },
  { code: "banned_gear", kind: "violation", zh: "违规渔具", en: "Banned fishing gear" },
  { code: "electrofishing", kind: "violation", zh: "电鱼", en: "Electrofishing" },
  { code: "other_violation", kind: "violation", zh: "其他违法行为", en: "Other violation" },
];
