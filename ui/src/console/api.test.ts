import { describe, expect, it } from 'vitest';
import { ConsoleError } from './api';

describe('an answer from an older server', () => {
  it('is a route the server does not have: its 404, or a 405 for a path it has for another method', () => {
    expect(new ConsoleError(404, 'not_found', '没有这个接口').missingRoute).toBe(true);
    expect(new ConsoleError(405, 'http_405', '405 Method Not Allowed').missingRoute).toBe(true);
  });

  it('is not a record the server does not have, nor any other refusal', () => {
    expect(new ConsoleError(404, 'not_found', '没有这条记录').missingRoute).toBe(false);
    expect(new ConsoleError(403, 'forbidden', '没有这个接口').missingRoute).toBe(false);
  });
});
