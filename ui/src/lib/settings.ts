// The app's settings, kept in localStorage. The API knows nothing of these: they shape how the
// UI talks to the core (photo size, GPS source) and how it looks (language, map tiles).

import type { Lang } from './i18n';

export type GpsSource = 'device' | 'gpx';

export interface Settings {
  lang: Lang;
  serverUrl: string;
  /** Send original photos over metered (mobile) networks too. */
  originalsOnMetered: boolean;
  gpsSource: GpsSource;
  /** How many times faster than recorded a GPX file is replayed. */
  replaySpeed: number;
  /** A tile URL template ({z}/{x}/{y}); empty = no basemap (the default: works offline). */
  tileUrl: string;
}

export const DEFAULT_SETTINGS: Settings = {
  lang: 'zh',
  serverUrl: '',
  originalsOnMetered: false,
  gpsSource: 'device',
  replaySpeed: 10,
  tileUrl: '',
};

const KEY = 'settings';
const GPX_KEY = 'settings:gpx';

export function loadSettings(): Settings {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return { ...DEFAULT_SETTINGS, ...(JSON.parse(raw) as Partial<Settings>) };
  } catch {
    // Damaged settings fall back to the defaults.
  }
  return { ...DEFAULT_SETTINGS };
}

export function saveSettings(s: Settings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // Nothing to do: the settings stay for this session.
  }
}

export function loadGpx(): { name: string; text: string } | null {
  try {
    const raw = localStorage.getItem(GPX_KEY);
    return raw ? (JSON.parse(raw) as { name: string; text: string }) : null;
  } catch {
    return null;
  }
}

export function saveGpx(name: string, text: string): void {
  localStorage.setItem(GPX_KEY, JSON.stringify({ name, text }));
}
