import { describe, expect, it } from 'vitest';
import { checklistProgress, recordContent } from './checklist';
import type { Answer, ChecklistItem } from './types';

const items: ChecklistItem[] = [
  { code: 'fire-01', text: '灭火器配置齐全且在有效期内', legal_basis: '《消防法》第十六条' },
  { code: 'exit-01', text: '安全出口、疏散通道畅通', legal_basis: '《消防法》第二十八条' },
  { code: 'elec-01', text: '配电箱完好', legal_basis: 'GB 50054-2011' },
];
const a = (answer: Answer, note = '') => ({ answer, note });

describe('checklist progress', () => {
  it('counts answers, failures and points at the first unanswered item', () => {
    const p = checklistProgress(items, { 'fire-01': a('compliant'), 'elec-01': a('non_compliant') });
    expect(p).toEqual({ answered: 2, total: 3, nonCompliant: 1, nextCode: 'exit-01', complete: false });
  });

  it('is complete when every item has an answer, "not applicable" included', () => {
    const p = checklistProgress(items, { 'fire-01': a('compliant'), 'exit-01': a('not_applicable'), 'elec-01': a('compliant') });
    expect(p.complete).toBe(true);
    expect(p.nextCode).toBeNull();
  });

  it('ignores answers to items the checklist does not have', () => {
    expect(checklistProgress(items, { 'gone-99': a('compliant') }).answered).toBe(0);
  });
});

describe('the on-site record text', () => {
  it('lists what failed with its note and legal basis, and the hazards', () => {
    const text = recordContent(items, { 'fire-01': a('compliant'), 'exit-01': a('non_compliant', '堆放纸箱') }, ['安全出口：二楼堵塞']);
    expect(text).toBe(
      '检查项目 3 项，不符合 1 项。\n1. 安全出口、疏散通道畅通（堆放纸箱）；依据：《消防法》第二十八条\n发现隐患：安全出口：二楼堵塞',
    );
  });
});
