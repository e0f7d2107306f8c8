// The checklist editor's rules: a template drafted as plain text fields, moved about, checked
// against the same bounds the server applies (crates/domain/src/validate.rs `checklist_items`
// and the MAX_* constants) so the office reads what is wrong before anything is sent, and then
// turned into the `ChecklistTemplate` the office publishes. The server still judges it.

import type { ChecklistItem, ChecklistTemplate } from '../lib/generated/api';

/** validate.rs MAX_NAME_CHARS, MAX_CODE_CHARS, MAX_DESCRIPTION_CHARS, MAX_CHECKLIST_ITEMS,
 * MAX_CHECKLIST_VERSION. */
export const MAX_NAME_CHARS = 100;
export const MAX_CODE_CHARS = 64;
export const MAX_DESCRIPTION_CHARS = 5_000;
export const MAX_CHECKLIST_ITEMS = 500;
export const MAX_CHECKLIST_VERSION = 1_000_000;

export interface ChecklistDraft { name: string; items: ChecklistItem[] }

/** A problem with the draft, in both languages; `item` is the row (0-based) when it is one's. */
export interface DraftProblem { item: number | null; zh: string; en: string }

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
export const chars = (s: string) => [...s].length;

export function draftOf(t: ChecklistTemplate): ChecklistDraft {
  return { name: t.name, items: t.items.map((i) => ({ ...i })) };
}

export function emptyItem(): ChecklistItem {
  return { code: '', text: '', legal_basis: '' };
}

/** The items with row `i` moved by `delta` (−1 up, +1 down); unchanged at either end. */
export function moveItem<T>(items: T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= items.length || j < 0 || j >= items.length) return items;
  const out = [...items];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

export function removeItem<T>(items: T[], i: number): T[] {
  return items.filter((_, k) => k !== i);
}

/** Everything the server would refuse in this draft published as `version`, first to last. */
export function checkDraft(d: ChecklistDraft, version: number): DraftProblem[] {
  const out: DraftProblem[] = [];
  const whole = (zh: string, en: string) => out.push({ item: null, zh, en });
  const name = d.name.trim();
  if (!name) whole('请填写检查表名称', 'Give the checklist a name');
  else if (chars(name) > MAX_NAME_CHARS) whole(`检查表名称太长（最多 ${MAX_NAME_CHARS} 字）`, `The name is too long (at most ${MAX_NAME_CHARS} characters)`);
  if (version > MAX_CHECKLIST_VERSION) whole(`版本号 ${version} 超过上限 ${MAX_CHECKLIST_VERSION}`, `Version ${version} is above the most allowed, ${MAX_CHECKLIST_VERSION}`);
  if (d.items.length === 0) whole('至少要有一个检查项', 'Add at least one item');
  if (d.items.length > MAX_CHECKLIST_ITEMS) whole(`检查项太多：最多 ${MAX_CHECKLIST_ITEMS} 项`, `Too many items: at most ${MAX_CHECKLIST_ITEMS}`);
  const seen = new Map<string, number>();
  d.items.forEach((it, i) => {
    const n = i + 1;
    const at = (zh: string, en: string) => out.push({ item: i, zh: `第 ${n} 项：${zh}`, en: `Item ${n}: ${en}` });
    const code = it.code.trim();
    if (!code) at('请填写编号', 'the code is empty');
    else if (chars(code) > MAX_CODE_CHARS) at(`编号太长（最多 ${MAX_CODE_CHARS} 字）`, `the code is too long (at most ${MAX_CODE_CHARS} characters)`);
    else if (seen.has(code)) at(`编号 ${code} 与第 ${(seen.get(code) ?? 0) + 1} 项重复`, `the code ${code} is already item ${(seen.get(code) ?? 0) + 1}'s`);
    else seen.set(code, i);
    const text = it.text.trim();
    if (!text) at('请填写检查内容', 'the text is empty');
    else if (chars(text) > MAX_DESCRIPTION_CHARS) at(`检查内容太长（最多 ${MAX_DESCRIPTION_CHARS} 字）`, `the text is too long (at most ${MAX_DESCRIPTION_CHARS} characters)`);
    if (chars(it.legal_basis.trim()) > MAX_DESCRIPTION_CHARS) at(`依据太长（最多 ${MAX_DESCRIPTION_CHARS} 字）`, `the legal basis is too long (at most ${MAX_DESCRIPTION_CHARS} characters)`);
  });
  return out;
}

/** The template to publish: the draft trimmed, under `id` at `version`. */
export function templateOf(d: ChecklistDraft, id: string, version: number): ChecklistTemplate {
  return {
    id,
    version,
    name: d.name.trim(),
    items: d.items.map((i) => ({ code: i.code.trim(), text: i.text.trim(), legal_basis: i.legal_basis.trim() })),
  };
}

/** The list as the page shows it: one row per checklist at its highest version, by name. */
export function latestVersions(ts: ChecklistTemplate[]): ChecklistTemplate[] {
  const by = new Map<string, ChecklistTemplate>();
  for (const t of ts) {
    const had = by.get(t.id);
    if (!had || t.version > had.version) by.set(t.id, t);
  }
  return [...by.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.id.localeCompare(b.id));
}
