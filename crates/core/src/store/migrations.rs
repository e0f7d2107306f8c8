//! The device database's schema, as an append-only list of migrations embedded in the binary.
//! A released migration is never edited: a change is a new entry at the end. The database's
//! `user_version` says how many have run.

use crate::error::{CoreError, Result};
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the device, the event log, and the read tables (projections) that can be rebuilt from it
    r#"
    CREATE TABLE device (
        singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
        device_id    TEXT NOT NULL,
        signing_key  BLOB NOT NULL,
        created_at   INTEGER NOT NULL,
        hlc_wall     INTEGER NOT NULL,
        hlc_counter  INTEGER NOT NULL,
        last_seq     INTEGER NOT NULL,
        last_hash    TEXT NOT NULL,
        user_id      TEXT,
        unit_id      TEXT,
        doc_counter  INTEGER NOT NULL DEFAULT 0
    );

    -- The truth. Rows are never updated except for acked_at (the server confirmed it has the
    -- event); body is the event exactly as signed.
    CREATE TABLE events (
        local_order    INTEGER PRIMARY KEY,
        id             TEXT NOT NULL UNIQUE,
        device_id      TEXT NOT NULL,
        seq            INTEGER NOT NULL,
        hlc_wall       INTEGER NOT NULL,
        hlc_counter    INTEGER NOT NULL,
        hlc_device     TEXT NOT NULL,
        type           TEXT NOT NULL,
        aggregate_kind TEXT NOT NULL,
        aggregate_id   TEXT NOT NULL,
        hash           TEXT NOT NULL,
        body           TEXT NOT NULL,
        is_local       INTEGER NOT NULL,
        received_at    INTEGER NOT NULL,
        acked_at       INTEGER,
        server_seq     INTEGER,
        UNIQUE (device_id, seq)
    );
    CREATE INDEX events_by_aggregate ON events (aggregate_id, hlc_wall, hlc_counter, hlc_device, id);
    CREATE INDEX events_outbox ON events (is_local, acked_at, seq);

    -- Projections: everything below is derived from events and rebuilt by `rebuild`.
    CREATE TABLE aggregates (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        state       TEXT,
        last_wall   INTEGER NOT NULL,
        last_counter INTEGER NOT NULL,
        last_device TEXT NOT NULL,
        last_event  TEXT NOT NULL
    );
    CREATE INDEX aggregates_by_kind ON aggregates (kind);

    CREATE TABLE records (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        status      TEXT NOT NULL,
        unit_id     TEXT NOT NULL,
        owner_id    TEXT NOT NULL,
        reach_id    TEXT,
        site_id     TEXT,
        title       TEXT NOT NULL,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        point_count INTEGER NOT NULL,
        photo_count INTEGER NOT NULL
    );
    CREATE INDEX records_by_kind_time ON records (kind, started_at);
    CREATE INDEX records_by_status_time ON records (status, started_at);

    CREATE TABLE findings (
        id          TEXT PRIMARY KEY,
        record_id   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        category    TEXT NOT NULL,
        severity    TEXT NOT NULL,
        status      TEXT NOT NULL,
        description TEXT NOT NULL,
        lon         REAL,
        lat         REAL,
        reported_at INTEGER NOT NULL,
        deadline    INTEGER,
        assignee    TEXT,
        photo_count INTEGER NOT NULL
    );
    CREATE INDEX findings_by_record ON findings (record_id);
    CREATE INDEX findings_by_status ON findings (status, reported_at);

    CREATE TABLE track_points (
        patrol_id   TEXT NOT NULL,
        event_id    TEXT NOT NULL,
        idx         INTEGER NOT NULL,
        t           INTEGER NOT NULL,
        point       TEXT NOT NULL,
        PRIMARY KEY (patrol_id, event_id, idx)
    ) WITHOUT ROWID;

    CREATE TABLE rejections (
        event_id    TEXT PRIMARY KEY,
        code        TEXT NOT NULL,
        message     TEXT NOT NULL
    );
    "#,
    // 2: sync — the account this device is enrolled with, what the server said of each pushed
    // event, which blobs the server holds, and local settings
    r#"
    CREATE TABLE sync_account (
        singleton         INTEGER PRIMARY KEY CHECK (singleton = 1),
        server_url        TEXT NOT NULL,
        token             TEXT NOT NULL,
        user_json         TEXT NOT NULL,
        server_device     TEXT NOT NULL,
        server_public_key TEXT NOT NULL,
        pull_cursor       INTEGER NOT NULL DEFAULT 0,
        enrolled_at       INTEGER NOT NULL
    );

    -- The server's verdict on pushed events that it did not simply accept.
    CREATE TABLE push_rejections (
        event_id   TEXT PRIMARY KEY,
        code       TEXT NOT NULL,
        message    TEXT NOT NULL,
        kept       INTEGER NOT NULL,
        at         INTEGER NOT NULL
    );

    -- Blobs the server confirmed it holds complete (originals may be collected after this).
    CREATE TABLE blobs_on_server (
        hash        TEXT PRIMARY KEY,
        confirmed_at INTEGER NOT NULL
    );

    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 3: the records list's order (newest first, then by id) read straight off an index, so a
    // page of 50 never sorts a year of records (issue 13).
    r#"
    CREATE INDEX records_by_time ON records (started_at, id);
    "#,
    // 4: open findings, most urgent first, read in order off an index of the open ones only.
    r#"
    CREATE INDEX findings_open_by_urgency ON findings (deadline IS NULL, deadline, reported_at, id)
        WHERE status != 'verified';
    "#,
    // 5: late entry (补录, issue 13): a record some event of which was entered after it happened
    // is flagged in every list. No earlier event could be one.
    r#"
    ALTER TABLE records ADD COLUMN late_entry INTEGER NOT NULL DEFAULT 0;
    "#,
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn run(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > LATEST {
        return Err(CoreError::TooNew {
            found: current,
            supported: LATEST,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// The projection tables, emptied before a rebuild.
pub const PROJECTION_TABLES: &[&str] = &["aggregates", "records", "findings", "track_points", "rejections"];
