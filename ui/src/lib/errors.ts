// Errors in plain words: the core's message is already for people (Chinese); the UI adds what
// to do for the codes it knows.

import { ApiError, toApiError } from './transport';

export interface Plain { code: string; message: string; notAvailable: boolean }

export function plainError(e: unknown): Plain {
  const err = e instanceof ApiError ? e : toApiError(e instanceof Error ? e.message : e);
  return { code: err.code, message: err.message, notAvailable: err.notAvailable };
}
