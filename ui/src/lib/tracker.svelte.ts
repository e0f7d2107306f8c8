// The track of the patrol under way, kept for the whole app rather than one screen: leaving the
// patrol screen (to look at a record, or change a setting) does not stop recording. Positions
// are drawn at once and written to the core in batches; points not yet written are kept in
// localStorage, so closing the app loses none of them — reopening the patrol sends them first.

import { appendTrackPoints, getTrack } from './api';
import { watchFixes, type FixWatcher } from './gps';
import { app } from './state.svelte';
import type { TrackPoint } from './types';

export const tracking = $state({
  patrolId: null as string | null,
  /** The screen the patrol is on, for the "recording" mark in the title bar. */
  screen: 'river' as 'river' | 'fishing',
  track: [] as TrackPoint[],
  unsent: 0,
  error: null as unknown,
  gpsError: '',
});

const BATCH = 20;
const FLUSH_EVERY_MS = 10_000;
let pending: TrackPoint[] = [];
let watcher: FixWatcher | null = null;
let flusher: ReturnType<typeof setInterval> | undefined;
let flushing: Promise<void> | null = null;

const keyOf = (patrol: string) => `pending-points:${patrol}`;

function persist() {
  tracking.unsent = pending.length;
  if (!tracking.patrolId) return;
  try {
    localStorage.setItem(keyOf(tracking.patrolId), JSON.stringify(pending));
  } catch {
    // Storage full: the points are still in memory and go out with the next batch.
  }
}

async function writeBatch(patrol: string) {
  const batch = pending.slice();
  if (!batch.length) return;
  try {
    await appendTrackPoints(patrol, batch);
    pending = pending.slice(batch.length);
    persist();
    tracking.error = null;
  } catch (e) {
    tracking.error = e;
  }
}

/** Writes what is pending; true when nothing is left unsent. */
export async function flushTrack(): Promise<boolean> {
  const patrol = tracking.patrolId;
  if (!patrol) return true;
  while (flushing) await flushing;
  flushing = writeBatch(patrol).finally(() => (flushing = null));
  await flushing;
  return pending.length === 0;
}

function onFix(p: TrackPoint) {
  app.fix = p;
  tracking.gpsError = '';
  tracking.track.push(p);
  pending.push(p);
  persist();
  if (pending.length >= BATCH) void flushTrack();
}

/** Starts (or keeps on) recording the track of `patrol`. */
export async function startTracking(patrol: string, screen: 'river' | 'fishing'): Promise<void> {
  if (tracking.patrolId === patrol) return;
  await stopTracking();
  tracking.patrolId = patrol;
  tracking.screen = screen;
  tracking.track = [];
  tracking.error = null;
  try {
    pending = JSON.parse(localStorage.getItem(keyOf(patrol)) ?? '[]') as TrackPoint[];
  } catch {
    pending = [];
  }
  tracking.unsent = pending.length;
  try {
    tracking.track = [...(await getTrack(patrol)), ...pending];
  } catch (e) {
    tracking.error = e;
    tracking.track = [...pending];
  }
  await flushTrack();
  watcher = watchFixes(app.settings, onFix, (m) => (tracking.gpsError = m));
  flusher = setInterval(() => void flushTrack(), FLUSH_EVERY_MS);
}

/** Stops the GPS and writes what is pending; true when every point reached the core. */
export async function stopTracking(): Promise<boolean> {
  watcher?.stop();
  watcher = null;
  clearInterval(flusher);
  const done = await flushTrack();
  if (done && tracking.patrolId) localStorage.removeItem(keyOf(tracking.patrolId));
  return done;
}

/** After the patrol ended: forget it. */
export function clearTracking(): void {
  tracking.patrolId = null;
  tracking.track = [];
  tracking.unsent = 0;
  pending = [];
}
