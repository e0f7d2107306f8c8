//! The office's batch upload over loopback: a device store holding 1,000 records and 3,000
//! photos of ≈400 KB is synced to a fresh server (events, then blobs, originals included), and
//! the same photo bytes are uploaded with `curl` (one process, one connection, one PUT per
//! blob) to the same upload endpoint after the server forgot them. Prints MB/s and events/s for both and
//! the ratio (target ≥ 0.8).
//!
//! Run: `cargo bench -p xuncha-e2e --bench office_batch`. XUNCHA_BENCH_RECORDS and
//! XUNCHA_BENCH_PHOTOS scale it down for a quick look.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::sync::atomic::AtomicBool;
use std::time::Instant;
use xuncha_core::Request;
use xuncha_core::sync::SyncOptions;
use xuncha_domain::payload::*;
use xuncha_e2e::proxy::Rng;
use xuncha_e2e::*;

fn main() {
    let records = env_or("XUNCHA_BENCH_RECORDS", 1_000);
    let photos = env_or("XUNCHA_BENCH_PHOTOS", 3_000);
    let photo_bytes = 400 * 1024;

    // -- a device that comes back from the field with a day's records
    let server = Server::start(sqlite());
    let s = seed(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let device = enrolled_device(dir.path(), &server.url(), &s.chiefs()[0].login);
    let blobs = device.blobs().expect("blobs");
    let mut rng = Rng::new(2026);
    let mut blob_paths = Vec::new();
    let t_setup = Instant::now();
    for r in 0..records {
        let (patrol, finding) = record_patrol(&device, s.reaches[0].id, 60, &[]);
        let _ = patrol;
        for _ in 0..photos / records + usize::from(r < photos % records) {
            // Incompressible bytes of a photo's size: the sync neither decodes nor compresses.
            let bytes = rng.bytes(photo_bytes);
            let hash = blobs.put(&bytes).expect("put");
            blob_paths.push((hash, blobs.path_of(&hash), bytes.len()));
            device
                .handle(Request::AttachPhoto {
                    target: PhotoTarget::Finding(finding),
                    role: PhotoRole::Evidence,
                    original: hash,
                    upload: None,
                    thumbnail: None,
                    taken_at: None,
                    position: None,
                    position_source: PositionSource::None,
                    caption: String::new(),
                })
                .expect("attach");
        }
    }
    let events = device.with_store_mut(|st| st.outbox_len().expect("outbox"));
    let total_bytes: usize = blob_paths.iter().map(|b| b.2).sum();
    eprintln!(
        "set up {records} records, {} photos, {events} events in {:.1} s",
        blob_paths.len(),
        t_setup.elapsed().as_secs_f64()
    );

    // -- xuncha sync: events first, then every blob
    let opts = SyncOptions {
        allow_originals: true,
        ..Default::default()
    };
    let cancel = AtomicBool::new(false);
    let t = Instant::now();
    let report = xuncha_core::sync::sync(&device, blobs, &opts, &mut |_| {}, &cancel).expect("sync");
    let sync_s = t.elapsed().as_secs_f64();
    assert_eq!(report.blobs_uploaded as usize, blob_paths.len(), "{report:?}");
    assert!(report.rejected.is_empty());

    // -- curl: the server forgets the photos, then takes the same bytes one PUT each
    let curl_s = curl_reupload(&server, &device, &blob_paths, dir.path());

    let mb = total_bytes as f64 / 1e6;
    println!(
        "office batch over loopback: {records} records, {events} events, {} photos, {mb:.0} MB",
        blob_paths.len()
    );
    println!(
        "  xuncha sync (events + photos, resumable, hash-verified): {sync_s:>6.1} s  {:>7.1} MB/s  {:>8.0} events/s",
        mb / sync_s,
        events as f64 / sync_s
    );
    println!(
        "  curl, same photo bytes, one PUT each, one connection:    {curl_s:>6.1} s  {:>7.1} MB/s",
        mb / curl_s
    );
    println!(
        "  ratio (xuncha MB/s / curl MB/s): {:.2} (target >= 0.80)",
        curl_s / sync_s
    );
}
