// The JSON shapes of xuncha-core's one API, mirrored by hand from
// crates/core/src/api/requests.rs, crates/core/src/store/queries.rs and
// crates/domain/src/{payload,state,reference,people,position}.rs. Ids and hashes are strings
// (UUIDs; lower-case hex SHA-256); times are ms since the epoch.

export type Uuid = string;
export type BlobHash = string;
export type UnixMs = number;

export interface Position { lon: number; lat: number }

export type FixProvider = 'gps' | 'network' | 'fused' | 'replay' | 'imported' | 'unknown';

export interface TrackPoint {
  t: UnixMs;
  lon: number;
  lat: number;
  accuracy_m?: number;
  altitude_m?: number;
  speed_mps?: number;
  bearing_deg?: number;
  provider?: FixProvider;
  mock?: boolean;
  /** The track was not recorded between the fix before and this one: a gap, not a path. */
  gap_before?: boolean;
}

export type PatrolKind = 'river' | 'fishing_ban';
export type Severity = 'minor' | 'major' | 'critical';
export type CheckOutcome = 'compliant' | 'violation_found' | 'closed';
export type Answer = 'compliant' | 'non_compliant' | 'not_applicable';
export type SignerRole = 'inspector' | 'inspected_party' | 'witness';
export type PhotoRole = 'evidence' | 'after_rectification' | 'seizure';
export type PositionSource = 'exif' | 'device_fix' | 'none';
export type SiteKind = 'enterprise' | 'market' | 'restaurant' | 'aquatic_dealer' | 'tackle_shop';
export type FindingKind = 'problem' | 'hazard' | 'violation';
export type FindingStatus = 'reported' | 'assigned' | 'rectified' | 'verified' | 'reopened';
export type RecordKind = 'river_patrol' | 'fishing_ban_patrol' | 'inspection';
export type SyncState = 'saved_on_device' | 'uploaded' | 'rejected';

export type RecordRef = { patrol: Uuid } | { inspection: Uuid };
export type PhotoTarget = { patrol: Uuid } | { inspection: Uuid } | { finding: Uuid };

export interface Publicity { banners: number; signs: number; notices: number; leaflets: number }

export type Role =
  | { role: 'river_chief'; level: 'street' | 'brigade' | 'volunteer' }
  | { role: 'safety_inspector' | 'fishing_ban_patroller' | 'office' | 'admin' };

export interface Unit { id: Uuid; name: string; kind: string; parent: Uuid | null; code: string }
export interface User { id: Uuid; name: string; login: string; unit: Uuid; roles: Role[] }

export interface Reach { id: Uuid; name: string; unit: Uuid; line: Position[]; length_m: number; chiefs: Uuid[] }
export interface Site { id: Uuid; name: string; kind: SiteKind; address: string; location: Position; unit: Uuid }
export interface ChecklistItem { code: string; text: string; legal_basis: string }
export interface ChecklistTemplate { id: Uuid; version: number; name: string; items: ChecklistItem[] }

export interface DeviceIdentity {
  device_id: Uuid;
  public_key: string;
  user_id: Uuid | null;
  unit_id: Uuid | null;
  events_made: number;
}

export interface Counts {
  active_patrols: number;
  open_inspections: number;
  records_today: number;
  open_findings: number;
  findings_to_rectify: number;
  outbox_events: number;
}

export interface NamedRef { id: Uuid; name: string }

export interface RecordSummary {
  id: Uuid;
  kind: RecordKind;
  status: string;
  unit_id: Uuid;
  owner_id: Uuid;
  reach: NamedRef | null;
  site: NamedRef | null;
  title: string;
  started_at: UnixMs;
  ended_at: UnixMs | null;
  point_count: number;
  photo_count: number;
  finding_count: number;
  open_finding_count: number;
  pending_events: number;
  sync: SyncState;
  /** Entered late (补录): `started_at` is when it happened, not when it was typed in. */
  late_entry: boolean;
}

export interface RecordFilter {
  kind?: RecordKind | null;
  status?: string | null;
  from?: UnixMs | null;
  to?: UnixMs | null;
  limit?: number | null;
}

export interface FindingSummary {
  id: Uuid;
  record_id: Uuid;
  kind: FindingKind;
  category: string;
  category_zh: string;
  severity: Severity;
  status: FindingStatus;
  description: string;
  lon: number | null;
  lat: number | null;
  reported_at: UnixMs;
  deadline: UnixMs | null;
  assignee: string | null;
  photo_count: number;
}

export interface Hlc { wall_ms: number; counter: number; device: Uuid }

/** An event as stored; the payload is `{type: "PatrolStarted", data: {...}}`. */
export interface Event {
  v: number;
  id: Uuid;
  device: Uuid;
  seq: number;
  hlc: Hlc;
  author: Uuid | null;
  prev_hash: string;
  payload: { type: string; data: Record<string, unknown> };
  hash: string;
  signature: string;
}

export type Outcome = { outcome: 'applied' } | { outcome: 'rejected'; code: string; message: string };

export interface TimelineEntry {
  event: Event;
  summary: string;
  local: boolean;
  uploaded: boolean;
  outcome: Outcome;
}

export interface PhotoInfo {
  event: Uuid;
  role: PhotoRole;
  original: BlobHash;
  upload: BlobHash | null;
  thumbnail: BlobHash | null;
  taken_at: UnixMs | null;
  position: Position | null;
  position_source: PositionSource;
  caption: string;
}

export interface BusinessChecked {
  patrol: Uuid; check: Uuid; site: Uuid; outcome: CheckOutcome; notes: string; checked_at: UnixMs;
}
export interface GearSeized {
  patrol: Uuid; seizure: Uuid; description: string; quantity: number; position: Position | null; seized_at: UnixMs;
}
export interface CommitmentLetterSigned {
  patrol: Uuid; letter: Uuid; site: Uuid; signer_name: string; text: string; signature: BlobHash; signed_at: UnixMs;
}

export interface PatrolState {
  id: Uuid;
  kind: PatrolKind;
  unit: Uuid;
  patroller: Uuid;
  reach: Uuid | null;
  area: string | null;
  started_at: UnixMs;
  ended_at: UnixMs | null;
  notes: string;
  point_count: number;
  /** Imported points without a time, by stretch: drawn, never in the figures. */
  untimed_lines?: Position[][];
  first_point_at: UnixMs | null;
  last_point_at: UnixMs | null;
  business_checks: BusinessChecked[];
  publicity: Publicity;
  seizures: GearSeized[];
  letters: CommitmentLetterSigned[];
  photos: PhotoInfo[];
}

export interface SignatureState { signer_name: string; signature: BlobHash; signed_at: UnixMs }
export interface RefusalState { reason: string; witness_name: string; witness_signature: BlobHash; at: UnixMs }

export interface OnSiteRecordState {
  document: Uuid;
  number: string;
  content: string;
  rectification_deadline: UnixMs | null;
  issued_at: UnixMs;
  signatures: Partial<Record<SignerRole, SignatureState>>;
  refusal: RefusalState | null;
}

export interface InspectionState {
  id: Uuid;
  site: Uuid;
  unit: Uuid;
  inspector: Uuid;
  checklist: Uuid;
  checklist_version: number;
  items: ChecklistItem[];
  answers: Record<string, { answer: Answer; note: string }>;
  position: Position | null;
  started_at: UnixMs;
  record: OnSiteRecordState | null;
  closed_at: UnixMs | null;
  notes: string;
  photos: PhotoInfo[];
}

export interface FindingState {
  id: Uuid;
  record: RecordRef;
  kind: FindingKind;
  category: string;
  description: string;
  severity: Severity;
  location: Position | null;
  reported_at: UnixMs;
  reported_by: Uuid | null;
  status: FindingStatus;
  assignment: { assignee: string; follow_up_by: Uuid | null; deadline: UnixMs; note: string } | null;
  rectification: { note: string; after_photos: BlobHash[]; position: Position | null; rectified_at: UnixMs } | null;
  verified_at: UnixMs | null;
  verification_note: string | null;
  reopen_count: number;
  reopen_reason: string | null;
  photos: PhotoInfo[];
}

export type AggregateState =
  | { aggregate: 'patrol'; state: PatrolState }
  | { aggregate: 'inspection'; state: InspectionState }
  | { aggregate: 'finding'; state: FindingState }
  | { aggregate: 'unit'; state: Unit }
  | { aggregate: 'user'; state: User }
  | { aggregate: 'reach'; state: Reach }
  | { aggregate: 'site'; state: Site }
  | { aggregate: 'checklist'; state: ChecklistTemplate };

export interface Recorded { id: Uuid; events: Uuid[]; number?: string }

export interface Home {
  device: DeviceIdentity;
  user: User | null;
  unit: Unit | null;
  counts: Counts;
  active: RecordSummary[];
  to_rectify: FindingSummary[];
}

export interface RecordDetail {
  summary: RecordSummary;
  state: AggregateState;
  findings: FindingSummary[];
  timeline: TimelineEntry[];
}

export interface FindingDetail { state: AggregateState; timeline: TimelineEntry[] }
export interface IngestReport { new: number; already_had: number }
export interface LogCheck { device: Uuid; events: number; head: string | null }

/** Every answer of the API: `{type, data}`. */
export type Response =
  | { type: 'recorded'; data: Recorded }
  | { type: 'done' }
  | { type: 'ingested'; data: IngestReport }
  | { type: 'home'; data: Home }
  | { type: 'device'; data: DeviceIdentity }
  | { type: 'records'; data: RecordSummary[] }
  | { type: 'record'; data: RecordDetail }
  | { type: 'track'; data: TrackPoint[] }
  | { type: 'findings'; data: FindingSummary[] }
  | { type: 'finding'; data: FindingDetail }
  | { type: 'reaches'; data: Reach[] }
  | { type: 'sites'; data: Site[] }
  | { type: 'checklists'; data: ChecklistTemplate[] }
  | { type: 'events'; data: Event[] }
  | { type: 'log_checked'; data: LogCheck };

/** Any answer, before its type is checked (also those of requests assumed in api.ts). */
export interface RawResponse { type: string; data?: unknown }

// ---- photos (crates/core/src/api/media.rs)
export interface PhotoImported {
  original: BlobHash;
  upload: BlobHash;
  thumbnail: BlobHash;
  width: number;
  height: number;
  original_bytes: number;
  upload_bytes: number;
  taken_at: UnixMs | null;
  position: Position | null;
  position_source: PositionSource;
  accuracy_m: number | null;
  make: string | null;
  model: string | null;
  partial_decode: string | null;
  exif_problem: string | null;
}

// ---- the server (crates/core/src/store/sync_state.rs, crates/core/src/sync/engine.rs)
export interface AccountUser { id: Uuid; name: string; login: string; unit: Uuid; roles: unknown[] }
export interface Account {
  server_url: string;
  user: AccountUser;
  server_device: Uuid;
  server_public_key: string;
  pull_cursor: number;
  enrolled_at: UnixMs;
}
export interface PushRejection { event_id: Uuid; code: string; message: string; kept: boolean }
export interface SyncStatus {
  account: Account | null;
  outbox_events: number;
  blobs_pending: number;
  blobs_pending_bytes: number;
  originals_pending: number;
  rejections: PushRejection[];
}
export type SyncPhase = 'starting' | 'pushing' | 'uploading' | 'pulling' | 'done';
/** What the running sync is doing (the core's SyncProgress). */
export interface SyncProgress {
  phase: SyncPhase;
  events_done: number;
  events_total: number;
  blobs_done: number;
  blobs_total: number;
  bytes_done: number;
  bytes_total: number;
  pulled: number;
  current: string | null;
  retries: number;
  last_error: string | null;
}
export interface SyncReport {
  accepted: number;
  duplicates: number;
  rejected: PushRejection[];
  blocked_at: Uuid | null;
  blobs_uploaded: number;
  blobs_already_there: number;
  bytes_uploaded: number;
  originals_held_back: number;
  blobs_absent: number;
  /** Files whose records the server does not have yet (behind a refused event). */
  blobs_waiting?: number;
  blob_errors: string[];
  pulled: number;
  retries: number;
}

// ---- the end-of-patrol report (crates/core/src/api/patrol_report.rs)
export type TravelMode = 'walking' | 'bicycle' | 'car' | 'boat';
export interface PlausibilityFlag { code: string; scope: unknown; label_zh: string; label_en: string }
export interface PatrolReport {
  mode: TravelMode;
  points_received: number;
  untimed_points: number;
  dropped: Record<string, number>;
  stats: {
    point_count: number;
    length_m: number;
    started_at: UnixMs | null;
    ended_at: UnixMs | null;
    duration_s: number;
    /** Each recorded segment's span, summed: gaps excluded. */
    recorded_s: number;
    segment_count: number;
    moving_time_s: number;
    average_speed_mps: number | null;
    moving_speed_mps: number | null;
  };
  coverage: { fraction: number; covered_length_m: number; reach_length_m: number; uncovered: unknown[] } | null;
  flags: PlausibilityFlag[];
  flagged_points: number[];
}
