// Progress through an inspection's checklist, from the items as the inspection holds them and
// the answers given so far.

import type { Answer, ChecklistItem } from './types';

export interface ChecklistProgress {
  answered: number;
  total: number;
  nonCompliant: number;
  /** The first item still without an answer, to jump to. */
  nextCode: string | null;
  complete: boolean;
}

export function checklistProgress(
  items: ChecklistItem[],
  answers: Record<string, { answer: Answer } | undefined>,
): ChecklistProgress {
  let answered = 0;
  let nonCompliant = 0;
  let nextCode: string | null = null;
  for (const item of items) {
    const a = answers[item.code];
    if (a) {
      answered++;
      if (a.answer === 'non_compliant') nonCompliant++;
    } else if (nextCode === null) {
      nextCode = item.code;
    }
  }
  return { answered, total: items.length, nonCompliant, nextCode, complete: answered === items.length };
}

/** The text of the on-site record drawn from the answers: what was checked and what failed. */
export function recordContent(
  items: ChecklistItem[],
  answers: Record<string, { answer: Answer; note: string } | undefined>,
  hazards: string[],
): string {
  const failed = items.filter((i) => answers[i.code]?.answer === 'non_compliant');
  const lines = [`检查项目 ${items.length} 项，不符合 ${failed.length} 项。`];
  failed.forEach((i, n) => {
    const note = answers[i.code]?.note?.trim();
    lines.push(`${n + 1}. ${i.text}${note ? `（${note}）` : ''}；依据：${i.legal_basis}`);
  });
  if (hazards.length) lines.push(`发现隐患：${hazards.join('；')}`);
  return lines.join('\n');
}
