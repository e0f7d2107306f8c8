//! Figures benchmark, on PostgreSQL: a synthetic city of demo subdistricts, each a copy of the
//! demo with a year of its field work (~116,000 signed events, pushed as a sync would), and the
//! office's year and quota reports of the first subdistrict timed with one subdistrict in the
//! database (~100 k events) and with all of them (~1 M). The reports read the record facts, so
//! their time should hardly grow with the rest of the city. Also the ingest rate with the facts
//! written beside the rate without them (a fresh database each). Prints the figures; asserts
//! only that the first subdistrict's reports are the same at both sizes. Last, the office
//! console's records table: pages of the list over HTTP, filtered as the console filters them.
//!
//!     eval "$(scripts/pg.sh start)"; cargo bench -p xuncha-server --bench figures
//!
//! Smaller runs, for a smoke test: `XUNCHA_BENCH_SUBDISTRICTS` (default 10, at least 2),
//! `XUNCHA_BENCH_INSPECTIONS` (the safety checks a year, default the 2020 report's 8,175; each
//! is 14 events, most of a year's) and `XUNCHA_BENCH_RUNS` (timed runs of each report, default 7).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};
use xuncha_domain::calendar::Day;
use xuncha_domain::figures::{QuotaReport, YearReport};
use xuncha_domain::payload::AggregateKind;
use xuncha_domain::people::Unit;
use xuncha_server::app::AppState;
use xuncha_server::demo_year::{REPORT_2020, Shape};
use xuncha_server::{demo, demo_year, facts};
use xuncha_testsupport::{Backend, postgres};

const YEAR: i32 = 2020;
/// The target for each report at ~1 M events.
const TARGET: Duration = Duration::from_millis(500);
/// The target for one page of the console's records table.
const PAGE_TARGET: Duration = Duration::from_millis(300);

fn env_u32(name: &str, default: u32) -> u32 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

async fn open(b: &Backend) -> AppState {
    AppState::open(&b.config()).await.unwrap()
}

/// Loads subdistrict `n` (reference data, then its year); the year's events and push time, and
/// the password of its office user `office1`.
async fn load(st: &AppState, n: u32, shape: &Shape) -> (demo_year::YearLoad, Option<String>) {
    let content = demo::content_for(n);
    let report = demo::load_content(st, &content).await.unwrap();
    let office = report
        .created_users
        .into_iter()
        .find(|(login, ..)| login.ends_with("office1"))
        .map(|(.., password)| password);
    (
        demo_year::load_year(st, &content, YEAR, shape).await.unwrap(),
        office,
    )
}

/// The office console's records table against the whole city: pages of the office's list as
/// the console asks for them, over HTTP, each timed (median and best of `runs`).
async fn records_pages(st: &AppState, office_password: &str, runs: u32) {
    let records: usize = st
        .db
        .read(|s| {
            let units: Vec<_> = s.units()?.into_iter().map(|u| u.id).collect();
            let mut n = 0;
            for kind in [
                AggregateKind::Patrol,
                AggregateKind::Inspection,
                AggregateKind::Finding,
            ] {
                n += s.aggregates_of_units(kind, &units, u32::MAX)?.len();
            }
            Ok(n)
        })
        .await
        .unwrap();
    let srv = xuncha_testsupport::TestServer::serve(st.clone()).await;
    let (status, body) = srv
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(&serde_json::json!({"login": "office1", "password": office_password})),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (from, to) = (
        Day::new(YEAR, 6, 1).unwrap().start().0,
        Day::new(YEAR, 7, 1).unwrap().start().0,
    );
    // A cursor deep in the year: the 1,000th inspection from the newest.
    let (_, deep) = srv
        .get("/api/v1/office/records?kind=inspection&limit=1000", &token)
        .await;
    let cursor = deep
        .as_array()
        .and_then(|a| a.last())
        .map(|r| r["cursor"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let pages = [
        (
            "patrols, first page".to_owned(),
            "kind=patrol&limit=50".to_owned(),
        ),
        (
            "inspections of June".to_owned(),
            format!("kind=inspection&limit=50&from={from}&to={to}"),
        ),
        (
            "inspections, page after the 1,000th".to_owned(),
            format!("kind=inspection&limit=50&before={cursor}"),
        ),
        (
            "findings assigned (督办)".to_owned(),
            "kind=finding&status=assigned&limit=50".to_owned(),
        ),
        (
            "patrols not counting (judged on read)".to_owned(),
            "kind=patrol&counts=false&limit=50".to_owned(),
        ),
        (
            "patrols flagged (judged on read)".to_owned(),
            "kind=patrol&flagged=true&limit=50".to_owned(),
        ),
    ];
    println!();
    println!("records table over HTTP ({records} records in the database; office1 sees subdistrict 0):");
    for (name, query) in pages {
        let path = format!("/api/v1/office/records?{query}");
        let (best, median, rows) = time(runs, || {
            let (srv, path, token) = (&srv, &path, &token);
            async move {
                let (status, body) = srv.get(path, token).await;
                assert!(status.is_success(), "{path}: {status} {body}");
                body.as_array().map_or(0, Vec::len)
            }
        })
        .await;
        let verdict = if median < PAGE_TARGET { "PASS" } else { "MISS" };
        println!(
            "  {name}: {rows} rows, median {} (best {}), target < {}: {verdict}",
            ms(median),
            ms(best),
            ms(PAGE_TARGET)
        );
    }
}

fn rate(l: &demo_year::YearLoad) -> f64 {
    l.events as f64 / l.pushing.as_secs_f64()
}

async fn event_count(st: &AppState) -> i64 {
    st.db.read(|s| s.event_count()).await.unwrap()
}

/// Best and median of `runs` timed runs of `f`, after one untimed; and its last result.
async fn time<T, F, Fut>(runs: u32, mut f: F) -> (Duration, Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut last = f().await;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        last = f().await;
        times.push(started.elapsed());
    }
    times.sort();
    (times[0], times[times.len() / 2], last)
}

struct Reports {
    year: (Duration, Duration),
    quota: (Duration, Duration),
    year_report: YearReport,
    quota_report: QuotaReport,
}

async fn reports(st: &AppState, unit: &Unit, runs: u32) -> Reports {
    let (first, last) = facts::stretch(YEAR, None).unwrap();
    // A fixed "now", after the year, so that both sizes' reports can be compared.
    let now = Day::new(YEAR + 1, 6, 1).unwrap().start();
    let (yb, ym, year_report) = time(runs, || {
        let unit = unit.clone();
        async move {
            st.db
                .read(move |s| facts::year(s, &unit, YEAR, now))
                .await
                .unwrap()
        }
    })
    .await;
    let (qb, qm, quota_report) = time(runs, || {
        let unit = unit.clone();
        async move {
            st.db
                .read(move |s| facts::quota(s, &unit, first, last))
                .await
                .unwrap()
        }
    })
    .await;
    Reports {
        year: (yb, ym),
        quota: (qb, qm),
        year_report,
        quota_report,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn events(n: i64) -> String {
    if n >= 1_000_000 {
        format!("{:.2}M", n as f64 / 1e6)
    } else {
        format!("{}k", (n as f64 / 1e3).round())
    }
}

fn line(name: &str, small: (Duration, Duration), n_small: i64, big: (Duration, Duration), n_big: i64) {
    let ratio = big.1.as_secs_f64() / small.1.as_secs_f64();
    let verdict = if big.1 < TARGET { "PASS" } else { "MISS" };
    println!(
        "{name} report @ {} events: {} (best {}) … @ {}: {} (best {}) (median ratio {ratio:.2} for {:.1}x the events, target < {} at the larger: {verdict})",
        events(n_small),
        ms(small.1),
        ms(small.0),
        events(n_big),
        ms(big.1),
        ms(big.0),
        n_big as f64 / n_small as f64,
        ms(TARGET),
    );
}

async fn run(subdistricts: u32, shape: &Shape, runs: u32) {
    // Ingest without the record facts: one subdistrict into a database of its own.
    let without = {
        let b = postgres().unwrap();
        let st = open(&b).await;
        facts::set_enabled(false);
        let (l, _) = load(&st, 0, shape).await;
        facts::set_enabled(true);
        println!(
            "ingest without facts, subdistrict 0: {} events in {:.1} s = {:.0} events/s",
            l.events,
            l.pushing.as_secs_f64(),
            rate(&l)
        );
        l
    };

    let b = postgres().unwrap();
    let st = open(&b).await;
    let (first, office_password) = load(&st, 0, shape).await;
    println!(
        "ingest with facts, subdistrict 0: {} events in {:.1} s = {:.0} events/s",
        first.events,
        first.pushing.as_secs_f64(),
        rate(&first)
    );
    let unit = demo::content_for(0).units[0].clone();
    let n_small = event_count(&st).await;
    let small = reports(&st, &unit, runs).await;
    println!(
        "@ {n_small} events: year report median {} (best {}), quota report median {} (best {})",
        ms(small.year.1),
        ms(small.year.0),
        ms(small.quota.1),
        ms(small.quota.0)
    );

    let mut lastload = None;
    for n in 1..subdistricts {
        let started = Instant::now();
        let (l, _) = load(&st, n, shape).await;
        println!(
            "subdistrict {n}: {} events pushed in {:.1} s = {:.0} events/s ({:.1} s with making them); {} events stored",
            l.events,
            l.pushing.as_secs_f64(),
            rate(&l),
            started.elapsed().as_secs_f64(),
            event_count(&st).await
        );
        lastload = Some(l);
    }
    let n_big = event_count(&st).await;
    let big = reports(&st, &unit, runs).await;
    println!(
        "@ {n_big} events: year report median {} (best {}), quota report median {} (best {})",
        ms(big.year.1),
        ms(big.year.0),
        ms(big.quota.1),
        ms(big.quota.0)
    );
    assert_eq!(
        small.year_report, big.year_report,
        "subdistrict 0's year report changed as the city grew"
    );
    assert_eq!(
        small.quota_report, big.quota_report,
        "subdistrict 0's quota report changed as the city grew"
    );

    println!();
    println!(
        "summary ({subdistricts} subdistricts, {} safety checks each, {runs} timed runs per report, PostgreSQL):",
        shape.inspections
    );
    line("year ", small.year, n_small, big.year, n_big);
    line("quota", small.quota, n_small, big.quota, n_big);
    println!(
        "ingest (push, one subdistrict into an empty database): with read tables {:.0} events/s | without {:.0} events/s | with/without = {:.2}",
        rate(&first),
        rate(&without),
        rate(&first) / rate(&without)
    );
    if let Some(l) = lastload {
        println!(
            "ingest with read tables of the last subdistrict, into {}: {:.0} events/s",
            events(n_big - l.events as i64),
            rate(&l)
        );
    }
    match office_password {
        Some(p) => records_pages(&st, &p, runs).await,
        None => println!("records table: skipped — office1 already existed, its password is unknown"),
    }
}

fn main() {
    let subdistricts = env_u32("XUNCHA_BENCH_SUBDISTRICTS", 10).max(2);
    let runs = env_u32("XUNCHA_BENCH_RUNS", 7);
    let shape = Shape {
        inspections: env_u32("XUNCHA_BENCH_INSPECTIONS", REPORT_2020.inspections),
        ..REPORT_2020
    };
    if std::env::var("XUNCHA_TEST_PG_URL").is_err() {
        println!("figures: skipped — XUNCHA_TEST_PG_URL unset (run `eval \"$(scripts/pg.sh start)\"` first)");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(subdistricts, &shape, runs));
}
