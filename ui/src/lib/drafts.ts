// Drafts of half-filled forms, kept in localStorage under "draft:<form>" so that closing the app
// mid-form loses nothing. A draft is removed only when the form was saved through the API.

export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'draft:';

function store(s?: DraftStorage): DraftStorage | null {
  if (s) return s;
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function saveDraft<T>(form: string, value: T, s?: DraftStorage): void {
  const st = store(s);
  if (!st) return;
  try {
    st.setItem(PREFIX + form, JSON.stringify({ savedAt: Date.now(), value }));
  } catch {
    // Storage full or refused: the form still works, only the draft is not kept.
  }
}

/** The saved draft merged over `empty`, so fields added to a form later get their defaults. */
export function loadDraft<T extends object>(form: string, empty: T, s?: DraftStorage): T {
  const st = store(s);
  const raw = st?.getItem(PREFIX + form);
  if (!raw) return { ...empty };
  try {
    const parsed = JSON.parse(raw) as { value?: unknown };
    if (parsed && typeof parsed.value === 'object' && parsed.value !== null) {
      return { ...empty, ...(parsed.value as Partial<T>) };
    }
  } catch {
    // A damaged draft is dropped rather than breaking the form.
  }
  return { ...empty };
}

export function hasDraft(form: string, s?: DraftStorage): boolean {
  return !!store(s)?.getItem(PREFIX + form);
}

export function clearDraft(form: string, s?: DraftStorage): void {
  store(s)?.removeItem(PREFIX + form);
}
