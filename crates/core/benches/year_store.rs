//! A year on one phone (issue 13): builds a device store with a year's work — by default 8,000
//! patrols of five events each (start, two track appends, a finding, end: 40,000 events, none
//! synced yet, so all in the outbox) — and a small one with 1,000 events of the same kind, then
//! times every screen's query through the core's API on both: home, the records list of 50
//! (no filter; inspections only; one month), a record's detail, open findings, the outbox.
//! Target: < 50 ms each at full size, and no growth with the number of events beyond
//! logarithmic. Prints the median of 15 runs of each, and the ratio full / small.
//!
//! Run: `cargo bench -p xuncha-core --bench year_store` (XUNCHA_BENCH_RECORDS sets the count).

use std::time::{Duration, Instant};
use xuncha_core::api::{Request, Response};
use xuncha_core::store::queries::{RecordFilter, RecordKind};
use xuncha_core::{Device, Store};
use xuncha_domain::payload::*;
use xuncha_domain::*;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00+08:00, about
const YEAR_MS: i64 = 365 * UnixMs::DAY;

fn records() -> usize {
    std::env::var("XUNCHA_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8_000)
}

fn point(t: i64, i: usize) -> TrackPoint {
    let mut p = TrackPoint::at(UnixMs(t), 114.1 + i as f64 * 1e-5, 30.65);
    p.accuracy_m = Some(5.0);
    p
}

/// A store with `n` patrols spread over the year; answers the device and one record's id.
fn build(dir: &std::path::Path, n: usize) -> (Device, String) {
    let mut store = Store::open(&dir.join("device.db")).expect("store");
    // Building only: one fsync per event would take minutes and says nothing about reads.
    store
        .connection()
        .pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let (user, unit) = (UserId::new(), UnitId::new());
    store.set_user(user, unit).expect("user");
    let now = UnixMs(T0 + YEAR_MS + UnixMs::DAY);
    let mut some = String::new();
    for r in 0..n {
        let start = T0 + (r as i64 * YEAR_MS) / n as i64;
        let patrol = PatrolId::new();
        let finding = FindingId::new();
        let mut append = |p: Payload| store.append(p, now).expect("append");
        append(Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit,
            patroller: user,
            reach: None,
            area: Some(format!("第 {} 段", r % 40)),
            started_at: UnixMs(start),
        }));
        for k in 0..2 {
            append(Payload::TrackPointsAppended(TrackPointsAppended {
                patrol,
                points: (0..20)
                    .map(|i| point(start + (k * 20 + i) as i64 * 5_000, i))
                    .collect(),
                untimed: Vec::new(),
            }));
        }
        append(Payload::FindingReported(FindingReported {
            location: Some(Position::new(114.1, 30.65)),
            ..FindingReported::new(
                finding,
                RecordRef::Patrol(patrol),
                xuncha_domain::catalogue::FindingKind::Problem,
                "floating_garbage",
                "水面漂浮物",
                Severity::Minor,
                UnixMs(start + 60_000),
            )
        }));
        append(Payload::PatrolEnded(PatrolEnded {
            patrol,
            ended_at: UnixMs(start + 3_600_000),
            notes: String::new(),
        }));
        if r == n / 2 {
            some = patrol.0.to_string();
        }
    }
    (Device::with_store(store, Box::new(move || now)), some)
}

fn median(device: &Device, request: &Request) -> Duration {
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            let r = device.handle(request.clone()).expect("query");
            let took = t.elapsed();
            assert!(!matches!(r, Response::Done), "a query answers something");
            took
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn screens(record: &str) -> Vec<(&'static str, Request)> {
    let list = |filter: RecordFilter| Request::ListRecords {
        filter: RecordFilter {
            limit: Some(50),
            ..filter
        },
    };
    vec![
        ("home", Request::Home),
        ("records, 50, no filter", list(RecordFilter::default())),
        (
            "records, 50, inspections",
            list(RecordFilter {
                kind: Some(RecordKind::Inspection),
                ..RecordFilter::default()
            }),
        ),
        (
            "records, 50, one month",
            list(RecordFilter {
                from: Some(T0 + 150 * UnixMs::DAY),
                to: Some(T0 + 180 * UnixMs::DAY),
                ..RecordFilter::default()
            }),
        ),
        (
            "record detail",
            Request::GetRecord {
                id: record.to_owned(),
            },
        ),
        (
            "open findings, 50",
            Request::ListOpenFindings {
                status: None,
                limit: Some(50),
            },
        ),
        ("outbox, 50", Request::Outbox { limit: Some(50) }),
    ]
}

fn main() {
    let full = records();
    let small = 200; // 1,000 events
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let t = Instant::now();
    let (small_device, small_record) = build(dirs.0.path(), small);
    let (full_device, full_record) = build(dirs.1.path(), full);
    println!(
        "built stores of {} and {} events in {:.1} s",
        small * 5,
        full * 5,
        t.elapsed().as_secs_f64()
    );
    println!(
        "{:<26} {:>12} {:>12} {:>8}",
        "screen",
        format!("{} ev", small * 5),
        format!("{} ev", full * 5),
        "ratio"
    );
    let mut over = Vec::new();
    for ((name, small_q), (_, full_q)) in screens(&small_record).into_iter().zip(screens(&full_record)) {
        let (a, b) = (median(&small_device, &small_q), median(&full_device, &full_q));
        println!(
            "{name:<26} {:>9.2} ms {:>9.2} ms {:>7.1}×",
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() * 1e3,
            b.as_secs_f64() / a.as_secs_f64().max(1e-9)
        );
        if b > Duration::from_millis(50) {
            over.push(name);
        }
    }
    if over.is_empty() {
        println!("target met: every screen under 50 ms at {} events", full * 5);
    } else {
        println!("target MISSED (over 50 ms): {}", over.join(", "));
    }
}
