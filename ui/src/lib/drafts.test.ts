import { describe, expect, it } from 'vitest';
import { clearDraft, hasDraft, loadDraft, saveDraft, type DraftStorage } from './drafts';

function memory(): DraftStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('drafts of half-filled forms', () => {
  it('come back after the app was closed mid-form', () => {
    const s = memory();
    saveDraft('finding:p1', { category: 'dumping', description: '河岸垃圾' }, s);
    expect(hasDraft('finding:p1', s)).toBe(true);
    expect(loadDraft('finding:p1', { category: 'occupation', description: '', severity: 'minor' }, s)).toEqual({
      category: 'dumping',
      description: '河岸垃圾',
      severity: 'minor',
    });
  });

  it('are kept per form', () => {
    const s = memory();
    saveDraft('finding:p1', { description: 'a' }, s);
    expect(loadDraft('finding:p2', { description: '' }, s)).toEqual({ description: '' });
  });

  it('are gone once the form was saved', () => {
    const s = memory();
    saveDraft('rectify:f1', { note: 'done' }, s);
    clearDraft('rectify:f1', s);
    expect(hasDraft('rectify:f1', s)).toBe(false);
    expect(loadDraft('rectify:f1', { note: '' }, s)).toEqual({ note: '' });
  });

  it('that are damaged give the empty form instead of breaking it', () => {
    const s = memory();
    s.setItem('draft:x', '{not json');
    expect(loadDraft('x', { note: '' }, s)).toEqual({ note: '' });
  });

  it('that cannot be written (storage full) do not stop the form', () => {
    const full: DraftStorage = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    expect(() => saveDraft('x', { note: 'a' }, full)).not.toThrow();
  });
});
