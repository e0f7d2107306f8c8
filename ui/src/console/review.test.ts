import { describe, expect, it } from 'vitest';
import { reviewProblem } from './review';

describe('review comments', () => {
  it('lets an approval go without a comment', () => {
    expect(reviewProblem('approved', '')).toBeNull();
  });
  it('needs a comment to send a record back', () => {
    expect(reviewProblem('sent_back', '   ')).toBe('comment_required');
    expect(reviewProblem('sent_back', '照片不清楚，请补拍')).toBeNull();
  });
  it('counts characters, not bytes, against the 500 limit', () => {
    expect(reviewProblem('sent_back', '改'.repeat(500))).toBeNull();
    expect(reviewProblem('approved', '改'.repeat(501))).toBe('comment_too_long');
  });
});
