-- xuncha-server, PostgreSQL, migration 1. Append-only: never edit once released.
CREATE TABLE units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES units(id),
    code TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    unit TEXT NOT NULL REFERENCES units(id),
    roles TEXT NOT NULL,          -- JSON array of domain roles
    password_hash TEXT NOT NULL,  -- argon2 PHC string
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,  -- SHA-256 of the token; the token itself is never stored
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
-- Devices, the server's own chain among them (user_id NULL). head_* is the device's chain head.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users(id),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    token_hash BYTEA UNIQUE,
    enrolled_at BIGINT NOT NULL,
    revoked_at BIGINT,
    head_seq BIGINT,
    head_hash TEXT
);
CREATE TABLE server_identity (
    one SMALLINT PRIMARY KEY CHECK (one = 1),
    device_id TEXT NOT NULL,
    secret_key TEXT NOT NULL
);
-- The allocator of the server's log cursor; every event-writing transaction holds it.
CREATE TABLE log_head (
    one SMALLINT PRIMARY KEY CHECK (one = 1),
    next_cursor BIGINT NOT NULL
);
INSERT INTO log_head (one, next_cursor) VALUES (1, 1);
CREATE TABLE events (
    cursor BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    hlc_wall BIGINT NOT NULL,
    hlc_counter BIGINT NOT NULL,
    agg_kind TEXT NOT NULL,
    agg_id TEXT NOT NULL,
    unit TEXT,
    owner TEXT,
    is_reference BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    flag_code TEXT,
    flag_message TEXT,
    received_at BIGINT NOT NULL,
    UNIQUE (device, seq)
);
CREATE INDEX events_by_aggregate ON events (agg_kind, agg_id);
-- The read model: each aggregate's folded state.
CREATE TABLE aggregates (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    unit TEXT,
    owner TEXT,
    state TEXT NOT NULL,
    last_hlc_wall BIGINT NOT NULL,
    last_hlc_counter BIGINT NOT NULL,
    last_hlc_device TEXT NOT NULL,
    last_event TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX aggregates_by_unit ON aggregates (kind, unit);
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    stored_at BIGINT NOT NULL
);
CREATE TABLE blob_parts (
    hash TEXT NOT NULL,
    start_offset BIGINT NOT NULL,
    total BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (hash, start_offset)
);
-- Which records use a blob, so a download can be allowed to those who may see one of them.
CREATE TABLE blob_refs (
    hash TEXT NOT NULL,
    event TEXT NOT NULL,
    unit TEXT,
    owner TEXT,
    PRIMARY KEY (hash, event)
);
