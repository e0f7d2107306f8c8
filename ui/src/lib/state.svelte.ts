// The app's shared state (runes): settings, the current route, the last GPS fix. Screens read
// it; only the functions here change it.

import { hasKey, translate, type Key } from './i18n';
import { parseRoute, routeHash, type Route, type Screen } from './router';
import { loadSettings, saveSettings, type Settings } from './settings';
import type { RecordSummary, TrackPoint } from './types';

export const app = $state({
  settings: loadSettings(),
  route: parseRoute(typeof location === 'undefined' ? '' : location.hash) as Route,
  fix: null as TrackPoint | null,
});

export function t(key: Key, vars?: Record<string, string | number>): string {
  return translate(app.settings.lang, key, vars);
}

export function updateSettings(patch: Partial<Settings>): void {
  Object.assign(app.settings, patch);
  saveSettings($state.snapshot(app.settings) as Settings);
  document.documentElement.lang = app.settings.lang === 'zh' ? 'zh-CN' : 'en';
}

export function go(screen: Screen, id?: string | null): void {
  location.hash = routeHash(screen, id);
}

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    app.route = parseRoute(location.hash);
    window.scrollTo(0, 0);
  });
}

/** What to call a record: its own title, else its reach or site, else its kind. */
export function recordTitle(r: RecordSummary): string {
  return r.title || r.reach?.name || r.site?.name || t(`kind.${r.kind}`);
}

/** The label of a value the core sends as a code (a status…), or the code itself if unknown. */
export function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return hasKey(key) ? t(key) : value;
}
