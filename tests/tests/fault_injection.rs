//! Sync through a network that cuts connections at random byte offsets, stalls, and answers
//! 502/503: over hundreds of seeded trials the server ends with exactly the device's events and
//! blobs (no loss, no duplicates, hashes verified) and the device's outbox is empty.
//!
//! Two tests of 100 trials each (the second with a seed of its own) run side by side;
//! `XUNCHA_FAULT_SEED` and `XUNCHA_FAULT_TRIALS` (per test) replay or widen a run.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use xuncha_core::CoreError;
use xuncha_core::sync::{RetryPolicy, SyncOptions};
use xuncha_e2e::proxy::{FaultRates, FaultyProxy, Rng};
use xuncha_e2e::*;

// 200 trials in two halves of their own seeds, so the two run side by side.
#[test]
fn sync_through_a_faulty_network_ends_with_exactly_the_devices_events_and_blobs() {
    faulty_network(env_or::<u64>("XUNCHA_FAULT_SEED", 0x5EED_2026));
}

#[test]
fn sync_through_a_faulty_network_ends_with_exactly_the_devices_events_and_blobs_second_half() {
    faulty_network(env_or::<u64>("XUNCHA_FAULT_SEED", 0x5EED_2026).rotate_left(32) ^ 0x2);
}

fn faulty_network(seed_value: u64) {
    require_fixtures!();
    let trials = env_or::<u64>("XUNCHA_FAULT_TRIALS", 100);
    let server = Server::start(sqlite());
    let s = seed(&server);
    let proxy = FaultyProxy::start(server.addr, seed_value, FaultRates::default()).expect("proxy");
    let photos: Vec<Vec<u8>> = ["DSCN0010", "DSCN0012", "DSCN0021", "DSCN0025", "DSCN0027"]
        .iter()
        .map(|n| std::fs::read(fixture(&format!("photos/gps/{n}.jpg"))).expect("fixture photo"))
        .collect();
    let mut rng = Rng::new(seed_value.rotate_left(17));
    let opts = SyncOptions {
        allow_originals: true,
        batch_events: 8,
        chunk_bytes: 48 * 1024,
        retry: RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(2),
            max: Duration::from_millis(20),
        },
    };
    let cancel = AtomicBool::new(false);
    let (mut syncs, mut network_failures) = (0u64, 0u64);

    for trial in 0..trials {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = open_device(dir.path());
        enrol(&device, &server.url(), &s.chiefs()[(trial % 2) as usize].login);
        // Reference data (the brigade's reach) arrives before the patrol, over a good network.
        let blobs = device.blobs().expect("blob store");
        xuncha_core::sync::sync(&device, blobs, &opts, &mut |_| {}, &cancel).expect("first sync");
        // From now on every request goes through the faulty proxy.
        device.with_store_mut(|st| {
            let mut a = st.account().expect("account").expect("enrolled");
            a.server_url = proxy.url();
            st.save_account(&a).expect("save account")
        });
        // A day of work: one or two patrols, a few hundred fixes, up to three photos whose
        // originals are unique to this trial (bytes after the JPEG's end differ).
        for p in 0..1 + rng.below(2) {
            let files: Vec<std::path::PathBuf> = (0..rng.below(4))
                .map(|k| {
                    let mut bytes = photos[rng.below(photos.len() as u64) as usize].clone();
                    bytes.extend_from_slice(format!("trial {trial} patrol {p} photo {k}").as_bytes());
                    let path = dir.path().join(format!("p{p}-{k}.jpg"));
                    std::fs::write(&path, bytes).expect("write photo");
                    path
                })
                .collect();
            let reach = s.reaches[(trial % 2) as usize].id;
            record_patrol(&device, reach, rng.below(600) as usize, &files);
        }

        let mut done = false;
        for _attempt in 0..60 {
            syncs += 1;
            let blobs = device.blobs().expect("blob store");
            match xuncha_core::sync::sync(&device, blobs, &opts, &mut |_| {}, &cancel) {
                Ok(report) => {
                    assert!(
                        report.rejected.is_empty() && report.blob_errors.is_empty(),
                        "trial {trial}: {report:?}"
                    );
                    done = true;
                    break;
                }
                Err(CoreError::Network { .. }) => network_failures += 1,
                Err(e) => panic!("trial {trial} (seed {seed_value:#x}): sync failed for good: {e}"),
            }
        }
        assert!(
            done,
            "trial {trial} (seed {seed_value:#x}): sync never got through"
        );
        assert_server_holds_exactly(&server, &device, true);
    }
    let faults = proxy.faults.load(Ordering::Relaxed);
    let connections = proxy.connections.load(Ordering::Relaxed);
    println!(
        "fault injection: {trials} trials, seed {seed_value:#x}: {connections} connections, {faults} with an \
         injected fault, {syncs} sync runs ({network_failures} gave up on the network and were run again); \
         the server holds exactly every device's events and blobs"
    );
    assert!(faults > trials, "the proxy must really have injected faults");
}
