// One sync run for the whole app: started from the Sync screen, it outlives the screen, so
// leaving to look at a record and coming back finds the progress still moving, and then the
// report. While `sync` is on its way the core is asked `sync_progress` a few times a second; a
// sync that runs without a request of ours (started before the app was reopened) is followed
// until the core says none runs.

import { cancelSync, sync, syncProgress } from './api';
import { plainError } from './errors';
import type { Lang } from './i18n';
import { reportLines, syncErrorText, type Line } from './syncwords';
import type { SyncProgress } from './types';

export const POLL_MS = 250;

export const syncRun = $state({
  busy: false,
  cancelling: false,
  progress: null as SyncProgress | null,
  /** The last finished run's report, until the next run starts. */
  lines: [] as Line[],
  failure: null as { code: string; text: string } | null,
});

let watcher: ReturnType<typeof setInterval> | undefined;

function watch(adopted: boolean, onFinished: () => void) {
  let asking = false;
  clearInterval(watcher);
  watcher = setInterval(async () => {
    if (asking) return;
    asking = true;
    try {
      const p = await syncProgress();
      if (p && syncRun.busy) syncRun.progress = p;
      else if (!p && adopted) {
        finish();
        onFinished();
      }
    } catch {
      // An older core without progress: the busy state alone is honest.
    } finally {
      asking = false;
    }
  }, POLL_MS);
}

function finish() {
  clearInterval(watcher);
  watcher = undefined;
  syncRun.busy = false;
  syncRun.cancelling = false;
  syncRun.progress = null;
}

/** Runs one sync (unless one runs already) and keeps its progress and its report. */
export async function runSync(allowOriginals: boolean, lang: Lang): Promise<void> {
  if (syncRun.busy) return;
  Object.assign(syncRun, { busy: true, cancelling: false, progress: null, lines: [], failure: null });
  watch(false, () => {});
  try {
    syncRun.lines = reportLines(await sync(allowOriginals), lang);
  } catch (e) {
    const p = plainError(e);
    syncRun.failure = { code: p.code, text: syncErrorText(p, lang) };
  } finally {
    finish();
  }
}

/** Follows a sync the core is running without a request of ours; `onFinished` when it ends. */
export async function followRunningSync(onFinished: () => void): Promise<void> {
  if (syncRun.busy) return;
  try {
    const running = await syncProgress();
    if (running && !syncRun.busy) {
      Object.assign(syncRun, { busy: true, cancelling: false, progress: running, lines: [], failure: null });
      watch(true, onFinished);
    }
  } catch {
    // An older core: nothing to follow.
  }
}

/** Asks the running sync to stop at its next step; what was sent stays sent. */
export async function stopSync(): Promise<void> {
  if (!syncRun.busy || syncRun.cancelling) return;
  syncRun.cancelling = true;
  try {
    await cancelSync();
  } catch (e) {
    syncRun.cancelling = false;
    throw e;
  }
}
