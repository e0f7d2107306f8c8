// The office API's own response shapes, hand-written from the server's Rust structs (the field
// app's generated types describe the core's answers, which differ). Domain types come from
// ../lib/generated/api. Each shape names the Rust file it mirrors.

import type { AggregateState, FlagCode, FlagScope, Judgement, TrackPoint, Unit, User } from '../lib/generated/api';

export type RecordKind = 'patrol' | 'inspection' | 'finding';

// crates/server/src/records.rs
export interface AggregateRef { kind: RecordKind; id: string }

// crates/server/src/records.rs `RecordSummary`
export interface RecordSummary {
  aggregate: AggregateRef;
  unit: string | null;
  owner: string | null;
  state: AggregateState;
  missing_blobs: number;
  record_ms: number;
  late_entry: boolean;
  cursor: string;
  /** A river chief's river patrol judged under its unit's rules; absent otherwise. */
  judgement?: Judgement | null;
  /** A patrol's own flags, once it has ended; absent when it has none. */
  flag_codes?: FlagCode[];
  /** A patrol's cleaned track, once it has ended: metres, seconds, and its reach's coverage (0–1). */
  length_m?: number | null;
  duration_s?: number | null;
  coverage?: number | null;
}

// crates/server/src/records.rs `TimelineEntry`
export interface TimelineEntry {
  event: string;
  device: string;
  seq: number;
  at_ms: number;
  /** The payload's type name, e.g. "PatrolStarted". */
  kind: string;
  flag: string | null;
}

// crates/server/src/records.rs `RecordFlag` (the domain's PlausibilityFlag, flattened)
export interface RecordFlag {
  code: FlagCode;
  scope: FlagScope;
  label_zh: string;
  label_en: string;
  photo?: string;
  finding?: string;
}

// crates/server/src/records.rs `RecordDetail`
export interface RecordDetail {
  record: RecordSummary;
  /** A patrol's track as folded (empty for other records). */
  track?: TrackPoint[];
  timeline: TimelineEntry[];
  missing_blobs: string[];
  complete: boolean;
  flags: RecordFlag[];
  flagged_points: number[];
  travel_mode: string | null;
  /** crates/server/src/evidence.rs `ChainCheck`: the record's events as their devices signed them. */
  chain: ChainCheck;
}

export interface ChainCheck { intact: boolean; events: number; devices: number; problems: string[] }

// crates/server/src/sync.rs `SessionResponse`
export interface SessionResponse { token: string; user: User; expires_at: number }

// crates/server/src/office.rs `DeviceInfo`
export interface DeviceInfo {
  id: string;
  user: string | null;
  name: string;
  enrolled_at: number;
  revoked_at: number | null;
  head_seq: number | null;
}

// crates/server/src/office.rs `NewUser`
export interface NewUser {
  login: string;
  name: string;
  unit: string;
  roles: User['roles'];
  password: string;
  active_from?: number | null;
}

export type { Unit, User };

// crates/server/src/office_views.rs `Tally`, `StaleDevice`, `Overview`
export interface Tally {
  patrols: number;
  patrols_counting: number;
  inspections: number;
  fishing_patrols: number;
  findings_reported: number;
  findings_open: number;
  findings_overdue: number;
  documents: number;
}
export interface StaleDevice { device_id: string; name: string; user_name: string; last_seen_ms: number | null }
export interface Overview { today: Tally; week: Tally; month: Tally; stale_devices: StaleDevice[]; stale_days: number }

export type {
  ChiefQuota, Day, LevelFigures, NotCounting, ProblemFigures, QuotaLine, QuotaReport, ReviewState, Span, YearReport,
} from '../lib/generated/api';
