//! Event appends per second with projections (one durable IMMEDIATE transaction per event, WAL,
//! synchronous=FULL) beside raw rusqlite single-row inserts of the same size into the same kind
//! of database on the same disk, and the ratio. Target: ≥ 0.7 of the raw rate.
//!
//! Run: `cargo bench -p xuncha-core --bench append` (XUNCHA_BENCH_N sets the event count).

use rusqlite::{Connection, params};
use std::time::{Duration, Instant};
use xuncha_core::Store;
use xuncha_domain::payload::*;
use xuncha_domain::*;

fn n() -> usize {
    std::env::var("XUNCHA_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// What a phone appends most: a few seconds of track at a time, and now and then a finding.
fn payload(patrol: PatrolId, i: usize, t0: i64) -> Payload {
    if i % 20 == 19 {
        return Payload::FindingReported(FindingReported {
            location: Some(Position::new(114.1 + i as f64 * 1e-5, 30.65)),
            ..FindingReported::new(
                FindingId::new(),
                RecordRef::Patrol(patrol),
                xuncha_domain::catalogue::FindingKind::Problem,
                "floating_garbage",
                format!("水面漂浮物 第 {i} 处"),
                Severity::Minor,
                UnixMs(t0 + i as i64 * 5_000),
            )
        });
    }
    let points = (0..5)
        .map(|k| {
            let t = t0 + (i * 5 + k) as i64 * 1_000;
            let mut p = TrackPoint::at(
                UnixMs(t),
                114.1 + (i * 5 + k) as f64 * 1.1e-5,
                30.65 + (k as f64) * 1e-6,
            );
            p.accuracy_m = Some(4.5);
            p.speed_mps = Some(1.2);
            p
        })
        .collect();
    Payload::TrackPointsAppended(TrackPointsAppended {
        patrol,
        points,
        untimed: Vec::new(),
    })
}

fn bench_store(dir: &std::path::Path, n: usize) -> (Duration, usize) {
    let mut store = Store::open(&dir.join("device.db")).expect("store");
    let t0 = 1_780_000_000_000i64;
    let now = UnixMs(t0 + 10 * UnixMs::DAY);
    let unit = UnitId::new();
    // The device must be bound to a user to record; bind it directly.
    store.set_user(UserId::new(), unit).expect("user");
    let patrol = PatrolId::new();
    store
        .append(
            Payload::PatrolStarted(PatrolStarted {
                patrol,
                kind: PatrolKind::River,
                unit,
                patroller: UserId::new(),
                reach: None,
                area: Some("府河".into()),
                started_at: UnixMs(t0),
            }),
            now,
        )
        .expect("start");
    let payloads: Vec<Payload> = (0..n).map(|i| payload(patrol, i, t0)).collect();
    let start = Instant::now();
    for p in payloads {
        store.append(p, now).expect("append");
    }
    let elapsed = start.elapsed();
    let mean_body: usize = store
        .connection()
        .query_row("SELECT avg(length(body)) FROM events", [], |r| r.get::<_, f64>(0))
        .expect("avg") as usize;
    (elapsed, mean_body)
}

fn bench_raw(dir: &std::path::Path, n: usize, body_len: usize) -> Duration {
    let conn = Connection::open(dir.join("raw.db")).expect("raw db");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("sync");
    conn.execute_batch("CREATE TABLE raw (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        .expect("table");
    let body = "x".repeat(body_len);
    let ids: Vec<String> = (0..n).map(|_| EventId::new().to_string()).collect();
    let start = Instant::now();
    for id in &ids {
        conn.execute("BEGIN IMMEDIATE", []).expect("begin");
        conn.prepare_cached("INSERT INTO raw (id, body) VALUES (?1, ?2)")
            .expect("prepare")
            .execute(params![id, body])
            .expect("insert");
        conn.execute("COMMIT", []).expect("commit");
    }
    start.elapsed()
}

fn main() {
    let n = n();
    let dir = tempfile::tempdir_in(std::env::var("XUNCHA_BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    // Interleave three rounds of each so that disk and cache effects hit both alike.
    let mut store_rates = Vec::new();
    let mut raw_rates = Vec::new();
    let mut body = 0;
    for round in 0..3 {
        let sub = dir.path().join(format!("round{round}"));
        std::fs::create_dir_all(&sub).expect("dir");
        let (t, b) = bench_store(&sub, n);
        body = b;
        store_rates.push(n as f64 / t.as_secs_f64());
        raw_rates.push(n as f64 / bench_raw(&sub, n, body).as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let store = median(&mut store_rates);
    let raw = median(&mut raw_rates);
    println!(
        "xuncha event append with projections, {n} events of ~{body} B, one durable transaction each (WAL, synchronous=FULL)"
    );
    println!("  event append (sign + hash chain + validate + fold + projections): {store:>9.0} events/s");
    println!("  raw rusqlite single-row insert of {body} B, same durability:      {raw:>9.0} rows/s");
    println!("  ratio: {:.2} (target >= 0.70)", store / raw);
}
