import { describe, expect, it } from 'vitest';
import type { ChecklistTemplate } from '../lib/generated/api';
import { checkDraft, draftOf, emptyItem, latestVersions, MAX_CHECKLIST_ITEMS, moveItem, removeItem, templateOf } from './checklistform';

const fire: ChecklistTemplate = {
  id: '0190f0c0-0000-7000-8000-000000000001',
  version: 3,
  name: '消防安全检查',
  items: [
    { code: 'fire-01', text: '灭火器在有效期内', legal_basis: '《消防法》第十六条' },
    { code: 'fire-02', text: '疏散通道畅通', legal_basis: '' },
  ],
};

describe('the checklist editor', () => {
  it('accepts a template as published and republishes it trimmed at the next version', () => {
    const d = draftOf(fire);
    d.name = '  消防安全检查（2026）  ';
    d.items[1].code = ' fire-02 ';
    expect(checkDraft(d, 4)).toEqual([]);
    const t = templateOf(d, fire.id, 4);
    expect(t).toMatchObject({ id: fire.id, version: 4, name: '消防安全检查（2026）' });
    expect(t.items.map((i) => i.code)).toEqual(['fire-01', 'fire-02']);
  });

  it('does not change the template it was opened from', () => {
    const d = draftOf(fire);
    d.items[0].text = '改了';
    expect(fire.items[0].text).toBe('灭火器在有效期内');
  });

  it('refuses an empty name, no items and too many', () => {
    expect(checkDraft({ name: ' ', items: [] }, 1).map((p) => p.zh)).toEqual(['请填写检查表名称', '至少要有一个检查项']);
    const many = Array.from({ length: MAX_CHECKLIST_ITEMS + 1 }, (_, i) => ({ code: `c${i}`, text: 't', legal_basis: '' }));
    expect(checkDraft({ name: 'x', items: many }, 1).map((p) => p.zh)).toEqual([`检查项太多：最多 ${MAX_CHECKLIST_ITEMS} 项`]);
  });

  it('names the row of an empty code or text, a repeated code (after trimming) and over-long texts', () => {
    const d = {
      name: '名'.repeat(101),
      items: [
        { code: 'a', text: 'x', legal_basis: '' },
        { code: ' a', text: ' ', legal_basis: '依'.repeat(5001) },
        { code: '', text: 'y', legal_basis: '' },
        { code: 'c'.repeat(65), text: 'y', legal_basis: '' },
      ],
    };
    const ps = checkDraft(d, 1);
    expect(ps.map((p) => p.item)).toEqual([null, 1, 1, 1, 2, 3]);
    expect(ps.map((p) => p.zh)).toEqual([
      '检查表名称太长（最多 100 字）',
      '第 2 项：编号 a 与第 1 项重复',
      '第 2 项：请填写检查内容',
      '第 2 项：依据太长（最多 5000 字）',
      '第 3 项：请填写编号',
      '第 4 项：编号太长（最多 64 字）',
    ]);
  });

  it('counts characters as the server does: an astral character is one', () => {
    expect(checkDraft({ name: '𠀀'.repeat(100), items: [{ code: 'a', text: 'b', legal_basis: '' }] }, 1)).toEqual([]);
  });

  it('refuses a version above the bound', () => {
    expect(checkDraft(draftOf(fire), 1_000_001).map((p) => p.en)).toEqual(['Version 1000001 is above the most allowed, 1000000']);
  });

  it('moves items up and down, not past either end, and removes one', () => {
    const xs = ['a', 'b', 'c'];
    expect(moveItem(xs, 1, -1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(xs, 1, 1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(xs, 0, -1)).toBe(xs);
    expect(moveItem(xs, 2, 1)).toBe(xs);
    expect(removeItem(xs, 1)).toEqual(['a', 'c']);
    expect(emptyItem()).toEqual({ code: '', text: '', legal_basis: '' });
  });
});

describe('the checklist list', () => {
  it('shows each checklist once, at its highest version, by name', () => {
    const a = { ...fire, id: 'a', name: '乙表', version: 1 };
    const list = latestVersions([a, { ...a, version: 3 }, { ...fire, id: 'b', name: '甲表' }, { ...a, version: 2 }]);
    expect(list.map((t) => `${t.id}@${t.version}`)).toEqual(['b@3', 'a@3']);
  });
});
