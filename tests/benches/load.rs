//! A bounded load test on loopback: N devices (real `xuncha_core::Device`s, default 200) record
//! patrols with track points, a finding and a photo and sync them (push, upload, pull), all at
//! once for a fixed time, while K threads hammer the office sign-in with right and wrong
//! passwords, and M office devices (default 4) pull what their street's devices record (a
//! field device sees only its own records, so its pulls are nearly empty). Every request goes
//! through a measuring proxy; it prints p50/p90/p99/max per route and per sync round, errors by
//! kind, and then checks the server's database and blob folder directly: every event and blob
//! stored exactly once. Exits non-zero on a failed check.
//!
//! Run: `cargo bench -p xuncha-e2e --bench load -- --devices 200 --seconds 30`, with
//! `--backend postgres` after `eval "$(bash scripts/pg.sh start)"`; `--sign-in-threads K`
//! (default 8), `--office-devices M` (default 4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a failure is the run failing

#[path = "load/meter.rs"]
mod meter;
#[path = "load/verify.rs"]
mod verify;

use meter::{MeteringProxy, Sample};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use xuncha_core::api::{Request, Response};
use xuncha_core::{CoreError, Device};
use xuncha_domain::people::{ChiefLevel, Role};
use xuncha_e2e::*;
use xuncha_server::limits::Limits;

struct Args {
    devices: usize,
    seconds: u64,
    backend: String,
    sign_in_threads: usize,
    office_devices: usize,
}

fn args() -> Args {
    let env = |name: &str| std::env::var(name).ok();
    let mut a = Args {
        devices: env("XUNCHA_LOAD_DEVICES")
            .and_then(|v| v.parse().ok())
            .unwrap_or(200),
        seconds: env("XUNCHA_LOAD_SECONDS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30),
        backend: env("XUNCHA_LOAD_BACKEND").unwrap_or_else(|| "sqlite".into()),
        sign_in_threads: 8,
        office_devices: 4,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--devices" => a.devices = value.parse().expect("--devices N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds S"),
            "--backend" => a.backend = value,
            "--sign-in-threads" => a.sign_in_threads = value.parse().expect("--sign-in-threads K"),
            "--office-devices" => a.office_devices = value.parse().expect("--office-devices M"),
            // `cargo bench` passes `--bench`; anything else unknown is ignored the same way.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

/// A distinct photo: a fixture JPEG with a comment segment naming the device and round
/// inserted after the start-of-image marker (still a valid JPEG, the same pixels).
fn distinct_jpeg(fixture: &[u8], note: &str) -> Vec<u8> {
    let text = note.as_bytes();
    let len = (text.len() + 2) as u16;
    let mut out = Vec::with_capacity(fixture.len() + text.len() + 4);
    out.extend_from_slice(&fixture[..2]); // FF D8
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text);
    out.extend_from_slice(&fixture[2..]);
    out
}

/// A short kind for an error from the core.
fn error_kind(e: &CoreError) -> String {
    match e {
        CoreError::Network { message, .. } => format!("network: {message}"),
        CoreError::Server { status, code, .. } => format!("server {status} {code}"),
        other => format!("other: {other}"),
    }
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print_latency_row(what: &str, mut v: Vec<Duration>, elapsed_s: f64, extra: &str) {
    v.sort();
    println!(
        "  {what:<22} {:>7} {:>8.1}/s {:>8.1} {:>8.1} {:>8.1} {:>9.1}  {extra}",
        v.len(),
        v.len() as f64 / elapsed_s,
        ms(percentile(&v, 0.50)),
        ms(percentile(&v, 0.90)),
        ms(percentile(&v, 0.99)),
        ms(v.last().copied().unwrap_or_default()),
    );
}

fn sync_once(device: &Device) -> Result<xuncha_core::sync::SyncReport, CoreError> {
    match device.handle(Request::Sync {
        allow_originals: Some(true),
    })? {
        Response::Synced(r) => Ok(*r),
        other => Err(CoreError::Other(format!("expected Synced, got {other:?}"))),
    }
}

/// CPU time (user + system, in USER_HZ ticks of 10 ms) of this process so far, and of its
/// threads named by tokio (`tokio-rt-worker`, `tokio-runtime-worker` before 1.4x) alive now:
/// the server's runtime, workers and blocking pool (HTTP, database, argon2). The devices' HTTP
/// clients run on `reqwest-internal…` threads (on IP addresses, so no resolver pool), the
/// device cores and the proxy on unnamed ones. Linux only; `None` elsewhere.
fn cpu_ticks() -> Option<(u64, u64)> {
    fn ticks(stat: &str) -> Option<u64> {
        let rest = &stat[stat.rfind(')')? + 1..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
    }
    let total = ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let mut server = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with("tokio-rt-worker") || comm.starts_with("tokio-runtime-w") {
            server += std::fs::read_to_string(task.path().join("stat"))
                .ok()
                .and_then(|s| ticks(&s))
                .unwrap_or(0);
        }
    }
    Some((server, total))
}

/// What a sign-in thread saw, by outcome.
#[derive(Default)]
struct SignIns {
    outcomes: BTreeMap<String, u64>,
}

/// Runs `f` on every device (with its index), eight devices at a time.
fn eight_at_a_time(devices: &[Device], f: impl Fn(usize, &Device) + Sync) {
    let next = AtomicU64::new(0);
    std::thread::scope(|sc| {
        for _ in 0..8 {
            sc.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(d) = devices.get(i) else { break };
                    f(i, d);
                }
            });
        }
    });
}

fn main() {
    require_fixtures!();
    let a = args();
    assert!(a.devices >= 1, "--devices must be at least 1");
    let backend = match a.backend.as_str() {
        "sqlite" => sqlite(),
        "postgres" => match postgres() {
            Some(b) => b,
            None => {
                eprintln!(
                    "--backend postgres needs XUNCHA_TEST_PG_URL: eval \"$(bash scripts/pg.sh start)\""
                );
                std::process::exit(2);
            }
        },
        other => {
            eprintln!("--backend sqlite|postgres, not {other:?}");
            std::process::exit(2);
        }
    };
    let database_url = backend.database_url.clone();
    let blob_dir = backend.dir.path().join("blobs");

    // -- the server: default limits, but for two that one loopback address makes unrealistic
    let limits = Limits {
        device_requests_per_minute: 1_000_000,
        device_burst: 1_000_000,
        sign_in_free_failures_per_address: u32::MAX,
        ..Limits::default()
    };
    println!(
        "load on loopback: {} devices, {} s, {} sign-in threads, backend {}, {} cores",
        a.devices,
        a.seconds,
        a.sign_in_threads,
        a.backend,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  server in this process (2 tokio workers, pool 8), default limits except: per-device request rate off \
         (1,000,000/min), per-address sign-in back-off off (every phone here is 127.0.0.1); per-login back-off \
         ({} free failures) and {} concurrent password checks as shipped",
        limits.sign_in_free_failures_per_login, limits.password_checks
    );
    let server = Server::start_with(backend, limits);
    let s = seed(&server);
    let t = Instant::now();
    let chief = Role::RiverChief {
        level: ChiefLevel::Brigade,
    };
    let brigades = [s.b1.id, s.b2.id];
    let mut users = seed_users(&server, &brigades, chief, "field", a.devices);
    users.extend(seed_users(
        &server,
        &[s.street.id],
        Role::Office,
        "desk",
        a.office_devices,
    ));
    println!(
        "  seeded {} field users (brigade river chiefs) and {} office users in {:.1} s",
        a.devices,
        a.office_devices,
        t.elapsed().as_secs_f64()
    );
    let proxy = MeteringProxy::start(server.addr).expect("proxy");
    let url = proxy.url();

    // -- enrol every device (argon2, a few at a time on the server) and take reference data
    let dirs: Vec<tempfile::TempDir> = (0..users.len())
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    let devices: Vec<Device> = dirs.iter().map(|d| open_device(d.path())).collect();
    let t = Instant::now();
    eight_at_a_time(&devices, |i, d| enrol(d, &url, &users[i].login));
    let enrol_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    eight_at_a_time(&devices, |_, d| {
        sync_once(d).expect("first sync");
    });
    let (setup, _) = proxy.take();
    let enrol_reqs: Vec<Duration> = setup
        .iter()
        .filter(|s| s.route == "enrol")
        .map(|s| s.took)
        .collect();
    println!(
        "  enrolled {} devices (field and office) in {enrol_s:.1} s (8 at a time; {} enrol requests, p50 {:.0} ms, max {:.0} ms); \
         first sync (reference data) in {:.1} s",
        devices.len(),
        enrol_reqs.len(),
        ms(percentile(
            &{
                let mut v = enrol_reqs.clone();
                v.sort();
                v
            },
            0.5
        )),
        ms(enrol_reqs.iter().max().copied().unwrap_or_default()),
        t.elapsed().as_secs_f64()
    );

    // -- photos: a fixture per device (nine of them), distinct per round but every fourth,
    //    which is the same bytes on every device that shares the fixture
    let fixtures: Vec<(PathBuf, Vec<u8>)> = [
        "DSCN0010", "DSCN0012", "DSCN0021", "DSCN0025", "DSCN0027", "DSCN0029", "DSCN0038", "DSCN0040",
        "DSCN0042",
    ]
    .iter()
    .map(|n| {
        let p = fixture(&format!("photos/gps/{n}.jpg"));
        let bytes = std::fs::read(&p).expect("fixture photo");
        (p, bytes)
    })
    .collect();

    // -- the timed phase
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let cpu_before = cpu_ticks();
    let rounds = Mutex::new(Tally::default());
    let office_rounds = Mutex::new(Tally::default());
    let office_pulled = AtomicU64::new(0);
    let recorded_rounds = AtomicU64::new(0);
    let sign_ins = Mutex::new(SignIns::default());
    let photos_made = AtomicU64::new(0);
    let report_sums = Mutex::new(xuncha_core::sync::SyncReport::default());
    std::thread::scope(|sc| {
        for d in &devices[a.devices..] {
            let (office_rounds, office_pulled) = (&office_rounds, &office_pulled);
            sc.spawn(move || {
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let got = sync_once(d);
                    let took = t.elapsed();
                    let mut tally = office_rounds.lock().expect("tally");
                    match got {
                        Ok(r) => {
                            tally.latencies.push(took);
                            office_pulled.fetch_add(r.pulled, Ordering::Relaxed);
                        }
                        Err(e) => *tally.errors.entry(error_kind(&e)).or_insert(0) += 1,
                    }
                    drop(tally);
                    // An office screen refreshes now and then, not in a tight loop.
                    std::thread::sleep(Duration::from_millis(500));
                }
            });
        }
        for (i, d) in devices[..a.devices].iter().enumerate() {
            let (dir, fixtures, rounds, recorded_rounds, photos_made, report_sums, s) = (
                dirs[i].path(),
                &fixtures,
                &rounds,
                &recorded_rounds,
                &photos_made,
                &report_sums,
                &s,
            );
            sc.spawn(move || {
                let (fixture_path, fixture_bytes) = &fixtures[i % fixtures.len()];
                let reach = s.reaches[i % 2].id;
                let mut round = 0u64;
                while Instant::now() < deadline {
                    let photo = if round.is_multiple_of(4) {
                        fixture_path.clone()
                    } else {
                        let p = dir.join(format!("photo-{round}.jpg"));
                        std::fs::write(
                            &p,
                            distinct_jpeg(fixture_bytes, &format!("device {i} round {round}")),
                        )
                        .expect("write photo");
                        p
                    };
                    record_patrol(d, reach, 30, &[photo]);
                    photos_made.fetch_add(1, Ordering::Relaxed);
                    recorded_rounds.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let got = sync_once(d);
                    let took = t.elapsed();
                    let mut tally = rounds.lock().expect("tally");
                    match got {
                        Ok(r) => {
                            tally.latencies.push(took);
                            if !r.rejected.is_empty() || !r.blob_errors.is_empty() {
                                *tally
                                    .errors
                                    .entry("sync with rejections or blob errors".into())
                                    .or_insert(0) += 1;
                            }
                            let mut sum = report_sums.lock().expect("sums");
                            sum.accepted += r.accepted;
                            sum.duplicates += r.duplicates;
                            sum.blobs_uploaded += r.blobs_uploaded;
                            sum.blobs_already_there += r.blobs_already_there;
                            sum.bytes_uploaded += r.bytes_uploaded;
                            sum.pulled += r.pulled;
                            sum.retries += r.retries;
                        }
                        Err(e) => *tally.errors.entry(error_kind(&e)).or_insert(0) += 1,
                    }
                    round += 1;
                }
            });
        }
        for k in 0..a.sign_in_threads {
            let (url, sign_ins) = (&url, &sign_ins);
            sc.spawn(move || {
                let http = reqwest::blocking::Client::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    // Right passwords for the office; wrong ones for a real login (which soon
                    // backs off) and for logins that do not exist (a full argon2 each).
                    let (login, password, kind) = match n % 4 {
                        0 | 2 => ("office".to_owned(), password_of("office"), "right"),
                        1 => ("chief1".to_owned(), "wrong".to_owned(), "wrong, real login"),
                        _ => (
                            format!("nobody-{k}-{n}"),
                            "wrong".to_owned(),
                            "wrong, no such login",
                        ),
                    };
                    n += 1;
                    let got = http
                        .post(format!("{url}/api/v1/session"))
                        .json(&serde_json::json!({ "login": login, "password": password }))
                        .send();
                    let outcome = match got {
                        Ok(resp) => {
                            let status = resp.status().as_u16();
                            let code = resp
                                .json::<serde_json::Value>()
                                .ok()
                                .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
                                .unwrap_or_default();
                            format!("{kind}: {status} {code}")
                        }
                        Err(e) => format!("{kind}: transport error {e}"),
                    };
                    *sign_ins
                        .lock()
                        .expect("sign-ins")
                        .outcomes
                        .entry(outcome)
                        .or_insert(0) += 1;
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_ticks();
    let (samples, broken) = proxy.take();

    // -- figures
    let rounds = rounds.into_inner().expect("tally");
    let office_rounds = office_rounds.into_inner().expect("tally");
    let sums = report_sums.into_inner().expect("sums");
    println!(
        "\ntimed phase: {elapsed:.1} s wall ({} s of new work, then the rounds in flight finish); {} rounds recorded \
         (patrol + 30 track points + finding + photo), {} sync rounds ok, {} failed",
        a.seconds,
        recorded_rounds.load(Ordering::Relaxed),
        rounds.latencies.len(),
        rounds.errors.values().sum::<u64>()
    );
    println!(
        "  sync totals: {} events accepted, {} duplicates, {} blobs uploaded ({:.1} MB), {} already there, \
         {} events pulled by field devices, {} by office devices, {} client retries",
        sums.accepted,
        sums.duplicates,
        sums.blobs_uploaded,
        sums.bytes_uploaded as f64 / 1e6,
        sums.blobs_already_there,
        sums.pulled,
        office_pulled.load(Ordering::Relaxed),
        sums.retries
    );
    if let (Some((s0, t0)), Some((s1, t1))) = (cpu_before, cpu_after) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let (server_s, total_s) = ((s1 - s0) as f64 / 100.0, (t1 - t0) as f64 / 100.0);
        println!(
            "  CPU in the timed phase: this process {total_s:.1} core-s of {:.1} on the machine; the server's runtime \
             (HTTP, {} queries, argon2) {server_s:.1} core-s ({:.0}%), the device cores, their HTTP clients and the \
             proxy the rest{}",
            cores * elapsed,
            a.backend,
            100.0 * server_s / total_s.max(0.01),
            if a.backend == "postgres" {
                " (PostgreSQL's own processes not counted)"
            } else {
                ""
            }
        );
    }
    println!(
        "\nlatency, ms (per HTTP request at the proxy: first request byte in -> last answer byte out; \
         a sync round: the whole Sync call on the device)"
    );
    println!(
        "  {:<22} {:>7} {:>10} {:>8} {:>8} {:>8} {:>9}  non-2xx",
        "", "count", "rate", "p50", "p90", "p99", "max"
    );
    let mut by_route: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for s in &samples {
        by_route.entry(s.route).or_default().push(s);
    }
    let mut non_2xx_total = 0u64;
    for (route, ss) in &by_route {
        let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
        for s in ss.iter().filter(|s| !(200..300).contains(&s.status)) {
            *statuses.entry(s.status).or_insert(0) += 1;
        }
        let extra = statuses
            .iter()
            .map(|(st, n)| format!("{st}×{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        if *route != "sign-in (office)" {
            non_2xx_total += statuses.values().sum::<u64>();
        }
        print_latency_row(route, ss.iter().map(|s| s.took).collect(), elapsed, &extra);
    }
    print_latency_row("sync round (field)", rounds.latencies.clone(), elapsed, "");
    print_latency_row(
        "sync round (office)",
        office_rounds.latencies.clone(),
        elapsed,
        "",
    );
    println!(
        "  (the sign-in's 401s and 429s are its answers to wrong passwords and back-off, counted below)"
    );
    let sign_ins = sign_ins.into_inner().expect("sign-ins");
    println!("\nsign-ins by outcome:");
    for (o, n) in &sign_ins.outcomes {
        println!("  {n:>7}  {o}");
    }
    println!("\nerrors:");
    println!(
        "  office sync rounds failed, by kind: {}",
        if office_rounds.errors.is_empty() {
            "none".into()
        } else {
            format!("{:?}", office_rounds.errors)
        }
    );
    println!(
        "  field sync rounds failed, by kind: {}",
        if rounds.errors.is_empty() {
            "none".into()
        } else {
            format!("{:?}", rounds.errors)
        }
    );
    println!("  device-side HTTP answers not 2xx (retried by the client or failed): {non_2xx_total}");
    println!(
        "  connections broken mid-request, by route: {}",
        if broken.is_empty() {
            "none".into()
        } else {
            format!("{broken:?}")
        }
    );
    let right_failed: u64 = sign_ins
        .outcomes
        .iter()
        .filter(|(o, _)| o.starts_with("right") && !o.starts_with("right: 200"))
        .map(|(_, n)| n)
        .sum();
    let wrong_accepted: u64 = sign_ins
        .outcomes
        .iter()
        .filter(|(o, _)| o.starts_with("wrong") && o.contains(": 200"))
        .map(|(_, n)| n)
        .sum();

    // -- a final sync of every device with no load, then the server's own records
    let t = Instant::now();
    let mut final_errors = Vec::new();
    for d in &devices {
        match sync_once(d) {
            Ok(r) if r.rejected.is_empty() && r.blob_errors.is_empty() => {}
            Ok(r) => final_errors.push(format!("{:?} {:?}", r.rejected, r.blob_errors)),
            Err(e) => final_errors.push(error_kind(&e)),
        }
    }
    println!(
        "\nfinal sync of every device, no load: {:.1} s\nchecks against the server's database ({}) and blob folder:",
        t.elapsed().as_secs_f64(),
        a.backend
    );
    let mut failed = 0;
    let mut v = verify::Verdict { failed: 0 };
    v.check(
        final_errors.is_empty(),
        "final sync clean on every device",
        if final_errors.is_empty() {
            "ok".into()
        } else {
            format!("{} failed, e.g. {}", final_errors.len(), final_errors[0])
        },
    );
    v.check(
        rounds.errors.is_empty()
            && office_rounds.errors.is_empty()
            && non_2xx_total == 0
            && broken.is_empty(),
        "no device request failed under load",
        format!(
            "{} failed rounds, {non_2xx_total} non-2xx device answers, {} broken connections",
            rounds.errors.values().sum::<u64>() + office_rounds.errors.values().sum::<u64>(),
            broken.values().sum::<u64>()
        ),
    );
    v.check(
        right_failed == 0 && wrong_accepted == 0,
        "every right sign-in let in, no wrong one",
        format!("{right_failed} right refused, {wrong_accepted} wrong accepted"),
    );
    failed += v.failed;
    let mut db = verify::ServerDb::open(&database_url);
    failed += verify::verify(&mut db, &blob_dir, &devices);
    drop(db);
    if failed > 0 {
        println!("\n{failed} check(s) FAILED");
        std::process::exit(1);
    }
    println!("\nall checks passed");
}
