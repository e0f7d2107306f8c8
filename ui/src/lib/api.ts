// The API client: one function per request of xuncha-core's API (`enum Request`, serde tag
// "action", content "args", snake_case), each checking the answer's `type`. Screens call only
// these functions. An action an older core does not know answers "unknown variant", which
// becomes an ApiError with code `not_available` (see transport.ts) — never a success.

import { ApiError, pickTransport, type Transport } from './transport';
import type * as T from './types';

let transport: Promise<Transport> | null = null;

/** Replace the transport (tests, or a settings change). */
export function useTransport(t: Transport | null): void {
  transport = t ? Promise.resolve(t) : null;
}

export async function transportName(): Promise<string> {
  return (await (transport ??= pickTransport())).name;
}

export async function call(action: string, args?: unknown): Promise<T.RawResponse> {
  const t = await (transport ??= pickTransport());
  return t.send(args === undefined ? { action } : { action, args });
}

async function expect<D>(action: string, args: unknown, type: string): Promise<D> {
  const r = await call(action, args);
  if (r.type !== type) {
    throw new ApiError('bad_response', `“${action}”的应答类型是 ${r.type}，应为 ${type}`);
  }
  return r.data as D;
}

const recorded = (action: string, args: unknown) => expect<T.Recorded>(action, args, 'recorded');

/** The arguments of the core's request `A`, as generated from Rust's `Request`. */
type Args<A extends T.Request['action']> = Extract<T.Request, { action: A }> extends { args: infer X } ? X : never;

// ---- queries
export const home = () => expect<T.Home>('home', undefined, 'home');
export const deviceInfo = () => expect<T.DeviceIdentity>('device_info', undefined, 'device');
export const listRecords = (filter: T.RecordFilter = {}) =>
  expect<T.RecordSummary[]>('list_records', { filter }, 'records');
export const getRecord = (id: string) => expect<T.RecordDetail>('get_record', { id }, 'record');
export const getTrack = (patrol: string) => expect<T.TrackPoint[]>('get_track', { patrol }, 'track');
export const listOpenFindings = (status: string | null = null) =>
  expect<T.FindingSummary[]>('list_open_findings', { status }, 'findings');
export const getFinding = (id: string) => expect<T.FindingDetail>('get_finding', { id }, 'finding');
export const listReaches = () => expect<T.Reach[]>('list_reaches', undefined, 'reaches');
export const listSites = (kind: T.SiteKind | null = null) => expect<T.Site[]>('list_sites', { kind }, 'sites');
export const listChecklists = () => expect<T.ChecklistTemplate[]>('list_checklists', undefined, 'checklists');
export const outbox = (limit: number | null = null) => expect<T.Event[]>('outbox', { limit }, 'events');

// ---- official documents, typeset on the device
export const listDocuments = (record: T.RecordRef) => expect<T.DocRef[]>('list_documents', { record }, 'documents');
export const getDocument = (record: T.RecordRef, kind: T.DocKind, letter: string | null) =>
  expect<T.DocumentFile>('get_document', { record, kind, letter }, 'document');

// ---- patrols
export const startPatrol = (kind: T.PatrolKind, reach: string | null, area: string | null = null) =>
  recorded('start_patrol', { kind, reach, area, at: null });
export const appendTrackPoints = (patrol: string, points: T.TrackPoint[]) =>
  recorded('append_track_points', { patrol, points });
export const endPatrol = (patrol: string, notes: string) => recorded('end_patrol', { patrol, notes, at: null });
export const recordBusinessCheck = (patrol: string, site: string, outcome: T.CheckOutcome, notes: string) =>
  recorded('record_business_check', { patrol, site, outcome, notes });
export const tallyPublicity = (patrol: string, tally: T.Publicity) => recorded('tally_publicity', { patrol, tally });
export const recordSeizure = (patrol: string, description: string, quantity: number, position: T.Position | null) =>
  recorded('record_seizure', { patrol, description, quantity, position });
export const signCommitmentLetter = (
  patrol: string,
  site: string,
  signer_name: string,
  text: string,
  signature: T.BlobHash,
) => recorded('sign_commitment_letter', { patrol, site, signer_name, text, signature });

// ---- inspections
export const startInspection = (site: string, checklist: string, position: T.Position | null) =>
  recorded('start_inspection', { site, checklist, position });
export const answerChecklistItem = (inspection: string, item: string, answer: T.Answer, note: string) =>
  recorded('answer_checklist_item', { inspection, item, answer, note });
export const issueOnSiteRecord = (inspection: string, content: string, rectification_deadline: T.UnixMs | null) =>
  recorded('issue_on_site_record', { inspection, content, rectification_deadline });
export const signDocument = (inspection: string, role: T.SignerRole, signer_name: string, signature: T.BlobHash) =>
  recorded('sign_document', { inspection, role, signer_name, signature });
export const recordRefusal = (inspection: string, reason: string, witness_name: string, witness_signature: T.BlobHash) =>
  recorded('record_refusal', { inspection, reason, witness_name, witness_signature });
export const closeInspection = (inspection: string, notes: string) =>
  recorded('close_inspection', { inspection, notes });

// ---- findings
// These take the request's own arguments, typed from the generated `Request`: a field added to
// a finding's request in Rust reaches the screens with no change here.
export const reportFinding = (args: Args<'report_finding'>) => recorded('report_finding', args);
export const assignRectification = (args: Args<'assign_rectification'>) => recorded('assign_rectification', args);
export const rectifyFinding = (args: Args<'rectify_finding'>) => recorded('rectify_finding', args);

export const attachPhoto = (target: T.PhotoTarget, role: T.PhotoRole, photo: T.PhotoImported, caption: string) =>
  recorded('attach_photo', {
    target,
    role,
    original: photo.original,
    upload: photo.upload,
    thumbnail: photo.thumbnail,
    taken_at: photo.taken_at,
    position: photo.position,
    position_source: photo.position_source,
    caption,
  });

// ---- photos, signatures and other blobs (bytes cross the API as base64)

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}

/** The image type of a stored blob from its first bytes (the core answers bytes only). */
export function mediaTypeOf(base64: string): string {
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('iVBORw0KGgo')) return 'image/png';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return 'application/octet-stream';
}

/** The device's UTC offset in minutes (east positive), for photos whose EXIF has no zone. */
export const utcOffsetMin = (at: Date = new Date()) => -at.getTimezoneOffset();

/**
 * Hands a camera file to the core's photo pipeline: the original, the upload copy and the
 * thumbnail are stored durably before the answer comes; `attachPhoto` then refers to them.
 */
export async function importPhoto(file: Blob, deviceFix: T.TrackPoint | null): Promise<T.PhotoImported> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return expect<T.PhotoImported>(
    'import_photo',
    { bytes_base64: bytesToBase64(bytes), device_fix: deviceFix, utc_offset_min: utcOffsetMin() },
    'photo_imported',
  );
}

/** A stored blob (a thumbnail, a signature) as a data: URL for an <img>. */
export async function blobDataUrl(hash: T.BlobHash): Promise<string> {
  const b = await expect<{ hash: string; bytes_base64: string }>('get_blob', { hash }, 'blob_bytes');
  return `data:${mediaTypeOf(b.bytes_base64)};base64,${b.bytes_base64}`;
}

/** Stores a signature drawn on the screen (PNG, at most 2 MB) and answers its hash. */
export async function putSignature(png: Blob): Promise<T.BlobHash> {
  const bytes = new Uint8Array(await png.arrayBuffer());
  const b = await expect<{ hash?: unknown }>('put_signature', { png_base64: bytesToBase64(bytes) }, 'blob');
  if (typeof b?.hash !== 'string') throw new ApiError('bad_response', '保存签名的应答缺少 hash');
  return b.hash;
}

// ---- the server: enrolment and sync

export const enrol = (server_url: string, login: string, password: string, device_name: string) =>
  expect<T.Account>('enrol', { server_url, login, password, device_name }, 'account');
export const signOut = () => expect<null>('sign_out', undefined, 'done');
export const syncStatus = () => expect<T.SyncStatus>('sync_status', undefined, 'sync_status');
/** Push, upload, pull in one request; originals too when `allowOriginals`. */
export const sync = (allowOriginals: boolean) =>
  expect<T.SyncReport>('sync', { allow_originals: allowOriginals }, 'synced');
/** The running sync's progress, or null when none runs; answered while `sync` is on its way. */
export const syncProgress = () => expect<T.SyncProgress | null>('sync_progress', undefined, 'sync_progress');
/** Stops the running sync at its next step; what was sent stays sent. */
export const cancelSync = () => expect<null>('cancel_sync', undefined, 'done');
export const patrolReport = (patrol: string, mode: T.TravelMode | null = null) =>
  expect<T.PatrolReport>('patrol_report', { patrol, mode }, 'patrol_report');
