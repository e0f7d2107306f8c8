// Screens are addressed by the URL's hash ("#/record/<id>"), so the back button works, a reload
// returns to the same screen and the app needs no server-side routing.

export type Screen = 'home' | 'river' | 'inspection' | 'fishing' | 'records' | 'record' | 'sync' | 'settings';

export interface Route { screen: Screen; id: string | null }

const SCREENS: Screen[] = ['home', 'river', 'inspection', 'fishing', 'records', 'record', 'sync', 'settings'];

export function parseRoute(hash: string): Route {
  const [name, id] = hash.replace(/^#\/?/, '').split('/');
  const screen = SCREENS.find((s) => s === name) ?? 'home';
  if (screen === 'record' && !id) return { screen: 'records', id: null };
  return { screen, id: screen === 'record' ? decodeURIComponent(id) : null };
}

export function routeHash(screen: Screen, id?: string | null): string {
  return id ? `#/${screen}/${encodeURIComponent(id)}` : `#/${screen}`;
}
