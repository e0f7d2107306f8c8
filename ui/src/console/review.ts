// The office's review of patrols and inspections (通过 / 退回) and its decisions on findings, as
// requests: one place for the routes and the rules the server holds them to, so a form can say
// what is wrong before sending.

import { errorText, postJson } from './api';

export type Decision = 'approved' | 'sent_back';
export const MAX_COMMENT = 500;

/** Why a review cannot be sent as it is, or null: a send-back needs a comment (the field
 * worker reads it on the phone), and no comment is longer than 500 characters. */
export function reviewProblem(decision: Decision, comment: string): 'comment_required' | 'comment_too_long' | null {
  if ([...comment].length > MAX_COMMENT) return 'comment_too_long';
  if (decision === 'sent_back' && comment.trim() === '') return 'comment_required';
  return null;
}

export function review(kind: 'patrol' | 'inspection', id: string, decision: Decision, comment: string) {
  return postJson<unknown>(`/api/v1/office/records/${kind}/${encodeURIComponent(id)}/review`, { decision, comment: comment.trim() });
}

/** Reviews several records one after the other (each is its own event); says which failed. */
export async function reviewAll(
  kind: 'patrol' | 'inspection',
  ids: string[],
  decision: Decision,
  comment: string,
): Promise<{ done: string[]; failed: { id: string; message: string }[] }> {
  const done: string[] = [];
  const failed: { id: string; message: string }[] = [];
  for (const id of ids) {
    try {
      await review(kind, id, decision, comment);
      done.push(id);
    } catch (e) {
      failed.push({ id, message: errorText(e) });
    }
  }
  return { done, failed };
}
