// The console's basemap: a tile URL template (Tianditu or OSM style, `{z}/{x}/{y}`) and whether
// those tiles are drawn in GCJ-02. Kept in this browser's localStorage (it is no secret); empty
// by default, so the maps draw only our own data and need no network.

export interface MapSettings { tileUrl: string; tilesAreGcj: boolean }

const KEY = 'console:map';
export const DEFAULT_MAP: MapSettings = { tileUrl: '', tilesAreGcj: false };

export function loadMapSettings(): MapSettings {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { ...DEFAULT_MAP };
    const v = JSON.parse(raw) as Partial<MapSettings>;
    return { tileUrl: typeof v.tileUrl === 'string' ? v.tileUrl : '', tilesAreGcj: v.tilesAreGcj === true };
  } catch {
    return { ...DEFAULT_MAP };
  }
}

export function saveMapSettings(s: MapSettings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // Private mode: the setting lasts for this page.
  }
}
