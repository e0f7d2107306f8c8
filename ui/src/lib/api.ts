// The API client: one function per request of xuncha-core's API (`enum Request`, serde tag
// "action", content "args", snake_case), each checking the answer's `type`. Screens call only
// these functions.
//
// ASSUMED requests, not in the core yet (they answer "unknown variant" today, which becomes an
// ApiError with code `not_available`, shown as such — never as a success):
//   import_photo  {bytes_base64, file_name, device_fix,
//                  upload_long_side_px}                  -> {original, upload, thumbnail, taken_at,
//                                                            position, position_source, ...}
//   get_blob      {hash}                                  -> {bytes_base64, media_type?}
//   put_blob      {bytes_base64, media_type}              -> {hash}      (signature images)
//   enrol         {server, code}                          -> anything    (binds device to a server)
//   sync          {originals_on_metered}                  -> SyncProgress
//   sync_status   {}                                      -> SyncProgress

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
export const reportFinding = (
  record: T.RecordRef,
  category: string,
  description: string,
  severity: T.Severity,
  location: T.Position | null,
) => recorded('report_finding', { record, category, description, severity, location });
export const assignRectification = (finding: string, assignee: string, deadline: T.UnixMs, note: string) =>
  recorded('assign_rectification', { finding, assignee, deadline, note });
export const rectifyFinding = (finding: string, note: string, after_photos: T.BlobHash[], position: T.Position | null) =>
  recorded('rectify_finding', { finding, note, after_photos, position });

export interface ImportedPhoto {
  original: T.BlobHash;
  upload: T.BlobHash | null;
  thumbnail: T.BlobHash | null;
  taken_at: T.UnixMs | null;
  position: T.Position | null;
  position_source: T.PositionSource;
}

export const attachPhoto = (target: T.PhotoTarget, role: T.PhotoRole, photo: ImportedPhoto, caption: string) =>
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

// ---- assumed: photos and blobs (the lead's photo pipeline)

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}

function asImported(d: unknown): ImportedPhoto {
  const o = (d ?? {}) as Record<string, unknown>;
  if (typeof o.original !== 'string') throw new ApiError('bad_response', '照片导入的应答缺少 original');
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    original: o.original,
    upload: str(o.upload),
    thumbnail: str(o.thumbnail),
    taken_at: typeof o.taken_at === 'number' ? o.taken_at : null,
    position: (o.position as T.Position | null) ?? null,
    position_source: (o.position_source as T.PositionSource) ?? 'none',
  };
}

/** Hands a camera file to the core's photo pipeline (assumed request `import_photo`). */
export async function importPhoto(
  file: Blob & { name?: string },
  deviceFix: T.TrackPoint | null,
  uploadLongSidePx: number | null = null,
): Promise<ImportedPhoto> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const r = await call('import_photo', {
    bytes_base64: bytesToBase64(bytes),
    file_name: file.name ?? null,
    device_fix: deviceFix,
    upload_long_side_px: uploadLongSidePx,
  });
  return asImported(r.data);
}

/** A stored blob's bytes, e.g. a thumbnail (assumed request `get_blob`). */
export async function getBlob(hash: T.BlobHash): Promise<{ bytes_base64: string; media_type?: string }> {
  const r = await call('get_blob', { hash });
  const d = (r.data ?? {}) as { bytes_base64?: unknown; media_type?: string };
  if (typeof d.bytes_base64 !== 'string') throw new ApiError('bad_response', '读取文件的应答缺少内容');
  return { bytes_base64: d.bytes_base64, media_type: d.media_type };
}

/** Stores a signature image (PNG) in the device's blob store (assumed request `put_blob`). */
export async function storeSignature(png: Blob): Promise<T.BlobHash> {
  const bytes = new Uint8Array(await png.arrayBuffer());
  const r = await call('put_blob', { bytes_base64: bytesToBase64(bytes), media_type: 'image/png' });
  const d = (r.data ?? {}) as { hash?: unknown };
  if (typeof d.hash !== 'string') throw new ApiError('bad_response', '保存签名的应答缺少 hash');
  return d.hash;
}

// ---- assumed: enrolment and sync (the sync engine)

export interface SyncProgress {
  events_pending: number;
  events_sent: number;
  bytes_pending: number;
  bytes_sent: number;
  last_error: string | null;
  last_success_at: T.UnixMs | null;
}

function asProgress(d: unknown): SyncProgress {
  const o = (d ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    events_pending: n(o.events_pending),
    events_sent: n(o.events_sent),
    bytes_pending: n(o.bytes_pending),
    bytes_sent: n(o.bytes_sent),
    last_error: typeof o.last_error === 'string' ? o.last_error : null,
    last_success_at: typeof o.last_success_at === 'number' ? o.last_success_at : null,
  };
}

export async function enrol(server: string, code: string): Promise<void> {
  await call('enrol', { server, code });
}
export const sync = async (originalsOnMetered: boolean) =>
  asProgress((await call('sync', { originals_on_metered: originalsOnMetered })).data);
export const syncStatus = async () => asProgress((await call('sync_status', {})).data);
