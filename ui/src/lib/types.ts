// The JSON shapes of xuncha-core's one API, generated from the Rust types into
// generated/api.ts (kept current by crates/core/tests/typescript.rs). Ids and hashes are strings
// (UUIDs; lower-case hex SHA-256); times are ms since the epoch. Only what the UI adds is here.

export type * from './generated/api';

export type Uuid = string;

/** Any answer, before its type is checked (also those of requests assumed in api.ts). */
export interface RawResponse { type: string; data?: unknown }
