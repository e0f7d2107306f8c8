// Saving photos of a form: each file goes through the core's photo pipeline (importPhoto: its
// original, upload copy and thumbnail are durable first) and is then attached to its record or
// finding. Failures are returned one by one, never hidden.

import { attachPhoto, importPhoto } from './api';
import { plainError, type Plain } from './errors';
import type { PhotoImported, PhotoRole, PhotoTarget, TrackPoint } from './types';

export interface PhotoOutcome {
  saved: PhotoImported[];
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
      const photo = await importPhoto(f, fix);
      await attachPhoto(target, role, photo, caption);
      out.saved.push(photo);
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
      out.saved.push(await importPhoto(f, fix));
    } catch (e) {
      out.failed.push({ name: f.name, error: plainError(e) });
    }
  }
  return out;
}
