import { describe, expect, it } from 'vitest';
import { chinaDayStart } from './period';
import { layersOf, layersParam, readTracks, tracksQuery, trackStyle } from './tracks';

describe('tracks of a period', () => {
  const query = (from: string, to: string, unit?: string) => {
    const r = tracksQuery(from, to, unit);
    return new URLSearchParams('query' in r ? r.query : '');
  };

  it('asks for the whole China days of the period (the end exclusive), and the unit when one is chosen', () => {
    const q = query('2026-03-01', '2026-03-31', 'u1');
    expect(Number(q.get('from'))).toBe(chinaDayStart('2026-03-01'));
    expect(Number(q.get('to'))).toBe(chinaDayStart('2026-04-01'));
    expect(q.get('unit')).toBe('u1');
    expect(query('2026-03-01', '2026-03-01').has('unit')).toBe(false);
  });

  it('asks nothing when an end is missing or malformed, the end is before the start, or the period is over a year', () => {
    expect(tracksQuery('', '2026-03-31')).toEqual({ problem: 'missing' });
    expect(tracksQuery('2026-03-01', '31.3.2026')).toEqual({ problem: 'missing' });
    expect(tracksQuery('2026-03-02', '2026-03-01')).toEqual({ problem: 'order' });
    expect(tracksQuery('2024-01-01', '2024-12-31')).toHaveProperty('query');
    expect(tracksQuery('2025-01-01', '2026-01-01')).toHaveProperty('query');
    expect(tracksQuery('2025-01-01', '2026-01-02')).toEqual({ problem: 'too_long' });
  });

  it('reads the answer, dropping points without numbers and tracks without points', () => {
    const r = readTracks({
      truncated: true,
      tracks: [
        { patrol: 'p1', patroller: 'u', kind: 'fishing_ban', started_at: 5, counts: null, line: [{ lon: 114.3, lat: 30.6 }, { lon: null, lat: 1 }, { lon: 114.4, lat: 30.7, t: 1 }] },
        { patrol: 'p2', patroller: 'u', kind: 'river', started_at: 6, counts: false, line: [{ lon: 'x', lat: 2 }, { lon: 200, lat: 2 }] },
        { patrol: 'p3', patroller: 'v', kind: 'river', started_at: 7, counts: true, line: [{ lon: 1, lat: 2 }] },
        null,
      ],
    });
    expect(r.truncated).toBe(true);
    expect(r.tracks.map((t) => t.patrol)).toEqual(['p1', 'p3']);
    expect(r.tracks[0]).toEqual({ patrol: 'p1', patroller: 'u', kind: 'fishing_ban', started_at: 5, counts: null, line: [{ lon: 114.3, lat: 30.6 }, { lon: 114.4, lat: 30.7 }] });
    expect(r.tracks[1].counts).toBe(true);
  });

  it('reads an empty or odd answer as no tracks, not truncated', () => {
    expect(readTracks(null)).toEqual({ tracks: [], truncated: false });
    expect(readTracks({ tracks: 'no', truncated: 'yes' })).toEqual({ tracks: [], truncated: false });
  });

  it('draws counting green, not counting red and unjudged grey, each with its word', () => {
    expect(trackStyle(true)).toEqual({ color: '#1a7f37', word: 'counts.yes' });
    expect(trackStyle(false)).toEqual({ color: '#c8102e', word: 'counts.no' });
    expect(trackStyle(null)).toEqual({ color: '#6b7280', word: 'counts.unknown' });
  });
});

describe('map layers in the address', () => {
  it('shows every layer when the address says nothing', () => {
    expect([...layersOf(undefined)]).toEqual(['reaches', 'sites', 'findings', 'tracks']);
    expect(layersParam(layersOf(undefined))).toBeUndefined();
  });

  it('round-trips a choice, including none, and ignores unknown names', () => {
    expect([...layersOf('tracks,reaches,boats')]).toEqual(['reaches', 'tracks']);
    expect(layersParam(new Set(['tracks', 'reaches']))).toBe('reaches,tracks');
    expect(layersParam(new Set())).toBe('none');
    expect(layersOf('none').size).toBe(0);
  });
});
