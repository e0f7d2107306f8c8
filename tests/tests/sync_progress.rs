//! The app's Sync screen watches a sync while it runs: `sync_progress` answers from another
//! thread with the phase, events and bytes so far while `sync` is still on its way over a slow
//! network, and `cancel_sync` stops it at its next step. What was sent stays sent, nothing is
//! sent twice, and the next sync finishes the rest: the server then holds exactly the device's
//! events and blobs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};
use xuncha_core::api::{Request, Response};
use xuncha_core::sync::{SyncPhase, SyncProgress};
use xuncha_e2e::proxy::FaultyProxy;
use xuncha_e2e::*;

fn progress(device: &xuncha_core::Device) -> Option<SyncProgress> {
    match device.handle(Request::SyncProgress).unwrap() {
        Response::SyncProgress(p) => p.map(|b| *b),
        other => panic!("{other:?}"),
    }
}

/// A real server, a proxy in front of it that can stall every connection 150 ms (passing
/// through for now), and a device enrolled through it with two patrols, each with a finding and
/// fixture photos.
fn device_with_photos() -> (Server, FaultyProxy, tempfile::TempDir, Arc<xuncha_core::Device>) {
    let server = Server::start(sqlite());
    let proxy = FaultyProxy::stalling(server.addr, Duration::from_millis(150)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seed = seed(&server);
    let device = Arc::new(open_device(dir.path()));
    proxy.enabled.store(false, std::sync::atomic::Ordering::Relaxed);
    enrol(&device, &proxy.url(), &seed.chiefs()[0].login);
    // The first sync brings the chief's reaches.
    sync(&device, false);
    let photos = [
        fixture("photos/gps/DSCN0010.jpg"),
        fixture("photos/gps/DSCN0012.jpg"),
    ];
    record_patrol(&device, seed.reaches[0].id, 300, &photos);
    record_patrol(
        &device,
        seed.reaches[0].id,
        200,
        &[fixture("photos/gps/DSCN0021.jpg")],
    );
    (server, proxy, dir, device)
}

fn run_sync(device: &Arc<xuncha_core::Device>) -> std::thread::JoinHandle<xuncha_core::Result<Response>> {
    let d = Arc::clone(device);
    std::thread::spawn(move || {
        d.handle(Request::Sync {
            allow_originals: Some(true),
        })
    })
}

#[test]
fn a_running_sync_reports_its_progress_to_another_thread() {
    require_fixtures!();
    let (server, proxy, _dir, device) = device_with_photos();
    assert!(progress(&device).is_none(), "no sync runs yet");

    proxy.enabled.store(true, std::sync::atomic::Ordering::Relaxed);
    let running = run_sync(&device);
    let mut seen: Vec<SyncProgress> = Vec::new();
    while !running.is_finished() {
        if let Some(p) = progress(&device)
            && seen.last() != Some(&p)
        {
            seen.push(p);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let report = match running.join().unwrap().unwrap() {
        Response::Synced(r) => r,
        other => panic!("{other:?}"),
    };
    eprintln!("{} distinct progress states seen; report {report:?}", seen.len());
    assert!(progress(&device).is_none(), "after the sync, nothing is running");

    // The watcher saw the events go up and the photos' bytes grow to the total, in order.
    let pushing = seen
        .iter()
        .find(|p| p.phase == SyncPhase::Pushing && p.events_total > 0)
        .expect("the push was seen with its event count");
    assert_eq!(pushing.events_total, report.accepted);
    let uploads: Vec<&SyncProgress> = seen.iter().filter(|p| p.phase == SyncPhase::Uploading).collect();
    assert!(
        uploads.len() >= 2,
        "the uploads were seen step by step: {uploads:?}"
    );
    let total = uploads[0].bytes_total;
    assert!(total > 0 && uploads.iter().all(|p| p.bytes_total == total));
    assert!(
        uploads.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done),
        "bytes only grow: {uploads:?}"
    );
    assert!(
        uploads.iter().any(|p| p.bytes_done > 0 && p.bytes_done < total),
        "a state part-way through the photos was seen"
    );
    assert_eq!(total, report.bytes_uploaded);
    assert!(
        seen.iter().position(|p| p.phase == SyncPhase::Pushing).unwrap()
            < seen.iter().position(|p| p.phase == SyncPhase::Uploading).unwrap()
    );
    assert_server_holds_exactly(&server, &device, true);
}

#[test]
fn a_cancelled_sync_stops_and_the_next_one_finishes_without_sending_anything_twice() {
    require_fixtures!();
    let (server, proxy, _dir, device) = device_with_photos();

    proxy.enabled.store(true, std::sync::atomic::Ordering::Relaxed);
    let running = run_sync(&device);
    // Cancel once the first photo bytes are up.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match progress(&device) {
            Some(p) if p.phase == SyncPhase::Uploading && p.bytes_done > 0 => break,
            _ if running.is_finished() => panic!("the sync ended before it could be cancelled"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "no upload was seen");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(matches!(
        device.handle(Request::CancelSync).unwrap(),
        Response::Done
    ));
    let err = running
        .join()
        .unwrap()
        .expect_err("the sync stops when cancelled");
    assert_eq!(err.code(), "cancelled", "{err}");
    assert!(progress(&device).is_none());

    let status = sync_status(&device);
    assert_eq!(status.outbox_events, 0, "the events went up before the photos");
    assert!(
        status.blobs_pending > 0,
        "photos wait for the next sync: {status:?}"
    );
    // A cancel with no sync running is harmless and does not stop the next one.
    assert!(matches!(
        device.handle(Request::CancelSync).unwrap(),
        Response::Done
    ));

    proxy.enabled.store(false, std::sync::atomic::Ordering::Relaxed);
    let report = sync(&device, true);
    assert_eq!(report.accepted, 0, "no event is sent twice: {report:?}");
    assert!(report.blobs_uploaded > 0, "{report:?}");
    assert_server_holds_exactly(&server, &device, true);
}
