// Saving photos of a form: each file goes through the core's photo pipeline (importPhoto) and
// is then attached to its record or finding. Failures are returned one by one, never hidden.

import { attachPhoto, importPhoto } from './api';
import { plainError, type Plain } from './errors';
import { app } from './state.svelte';
import type { BlobHash, PhotoRole, PhotoTarget, TrackPoint } from './types';

export interface PhotoOutcome {
  saved: BlobHash[];
  failed: { name: string; error: Plain }[];
}

export async function savePhotos(
  files: File[],
  target: PhotoTarget,
  role: PhotoRole,
  fix: TrackPoint | null,
  caption = '',
): Promise<PhotoOutcome> {
  const out: PhotoOutcome = { saved: [], failed: [] };
  for (const f of files) {
    try {
      const photo = await importPhoto(f, fix, app.settings.photoLongSidePx);
      await attachPhoto(target, role, photo, caption);
      out.saved.push(photo.original);
    } catch (e) {
      out.failed.push({ name: f.name, error: plainError(e) });
    }
  }
  return out;
}

/** Imports photos without attaching them (after-rectification photos go into the event). */
export async function importOnly(files: File[], fix: TrackPoint | null): Promise<PhotoOutcome> {
  const out: PhotoOutcome = { saved: [], failed: [] };
  for (const f of files) {
    try {
      out.saved.push((await importPhoto(f, fix, app.settings.photoLongSidePx)).original);
    } catch (e) {
      out.failed.push({ name: f.name, error: plainError(e) });
    }
  }
  return out;
}
