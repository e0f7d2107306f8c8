//! A safety inspector's year synced in one go (issue 13): a device store holding by default
//! 8,175 inspections of a two-item checklist, each answered, its on-site record issued and
//! signed by the inspector and the inspected party (signature images of a few KB, distinct each
//! time; an inspection closes only once its record is signed) and closed: 57,225 events, 16,350
//! small blobs, none synced — is synced over loopback to a fresh server with
//! the server's default limits (events, then the blobs, many to a request). Prints the time,
//! events/s, MB/s, the HTTP requests sent, retries and 429s (target 0). Then the server forgets
//! the blobs and `curl` uploads the same bytes one PUT each (one process, one connection) to
//! the same server, for comparison.
//!
//! Run: `cargo bench -p xuncha-e2e --bench year_upload`. XUNCHA_BENCH_INSPECTIONS scales it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::sync::atomic::AtomicBool;
use std::time::Instant;
use xuncha_core::Request;
use xuncha_core::api::Response;
use xuncha_core::sync::{SyncOptions, SyncPhase};
use xuncha_domain::payload::*;
use xuncha_domain::*;
use xuncha_e2e::proxy::Rng;
use xuncha_e2e::*;
use xuncha_server::limits::Limits;

/// A site and the checklist on the server, beside the seeded subdistrict (whose `inspector`
/// inspects).
fn inspection_reference(server: &Server, s: &Seed) -> (SiteId, ChecklistId) {
    let (site, checklist) = (
        reference_data::enterprise(s.street.id),
        reference_data::checklist(),
    );
    let ids = (site.id, checklist.id);
    server.define(vec![
        Payload::SiteDefined(site),
        Payload::ChecklistPublished(checklist),
    ]);
    ids
}

fn recorded(r: xuncha_core::Result<Response>) -> String {
    match r.expect("request") {
        Response::Recorded(r) => r.id,
        other => panic!("expected Recorded, got {other:?}"),
    }
}

fn main() {
    let inspections = env_or("XUNCHA_BENCH_INSPECTIONS", 8_175);

    // -- the server with its default limits: what a device meets in the field
    let server = Server::start_with(sqlite(), Limits::default());
    let s = seed(&server);
    let (site, checklist) = inspection_reference(&server, &s);
    let dir = tempfile::tempdir().expect("tempdir");
    // Its first sync brings the site and the checklist.
    let device = enrolled_device(dir.path(), &server.url(), "inspector");
    let blobs = device.blobs().expect("blobs");

    // -- a year's inspections, recorded offline. Building only: one fsync per event would take
    // minutes and says nothing about the sync, which runs with the store's usual durability.
    let durability: i64 = device.with_store_mut(|st| {
        let was = st
            .connection()
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .expect("pragma");
        st.connection()
            .pragma_update(None, "synchronous", "OFF")
            .expect("pragma");
        was
    });
    let mut rng = Rng::new(2026);
    let mut signatures = Vec::new();
    let t_setup = Instant::now();
    for _ in 0..inspections {
        let inspection: InspectionId = recorded(device.handle(Request::StartInspection {
            site,
            checklist,
            position: Some(Position::new(114.1, 30.65)),
        }))
        .parse()
        .expect("id");
        for item in ["fire-01", "exit-01"] {
            recorded(device.handle(Request::AnswerChecklistItem {
                inspection,
                item: item.into(),
                answer: Answer::Compliant,
                note: String::new(),
            }));
        }
        {
            recorded(device.handle(Request::IssueOnSiteRecord {
                inspection,
                content: "现场检查未发现隐患".into(),
                rectification_deadline: None,
            }));
            for (role, name) in [
                (SignerRole::Inspector, "安全检查员"),
                (SignerRole::InspectedParty, "企业负责人"),
            ] {
                // A signature image's size; random bytes, as a PNG does not compress further.
                let size = 2_000 + rng.below(4_000) as usize;
                let png = rng.bytes(size);
                let hash = blobs.put(&png).expect("put");
                signatures.push((hash, blobs.path_of(&hash), png.len()));
                recorded(device.handle(Request::SignDocument {
                    inspection,
                    role,
                    signer_name: name.into(),
                    signature: hash,
                }));
            }
        }
        recorded(device.handle(Request::CloseInspection {
            inspection,
            notes: String::new(),
        }));
    }
    device.with_store_mut(|st| {
        st.connection()
            .pragma_update(None, "synchronous", durability)
            .expect("pragma")
    });
    let events = device.with_store_mut(|st| st.outbox_len().expect("outbox"));
    let total_bytes: usize = signatures.iter().map(|b| b.2).sum();
    eprintln!(
        "set up {inspections} inspections, {events} events, {} signatures in {:.1} s",
        signatures.len(),
        t_setup.elapsed().as_secs_f64()
    );

    // -- xuncha sync: events, then every blob
    let opts = SyncOptions {
        allow_originals: true,
        ..Default::default()
    };
    let cancel = AtomicBool::new(false);
    let t = Instant::now();
    let (mut blobs_from, mut blobs_to) = (None, None);
    let report = xuncha_core::sync::sync(
        &device,
        blobs,
        &opts,
        &mut |p| match p.phase {
            SyncPhase::Uploading if blobs_from.is_none() => blobs_from = Some(t.elapsed()),
            SyncPhase::Pulling if blobs_to.is_none() => blobs_to = Some(t.elapsed()),
            _ => {}
        },
        &cancel,
    )
    .expect("sync");
    let sync_s = t.elapsed().as_secs_f64();
    assert_eq!(report.blobs_uploaded as usize, signatures.len(), "{report:?}");
    assert!(
        report.rejected.is_empty(),
        "{:?}",
        &report.rejected[..3.min(report.rejected.len())]
    );
    assert!(report.blob_errors.is_empty(), "{:?}", report.blob_errors);
    let blob_s = match (blobs_from, blobs_to) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => sync_s,
    };

    // -- curl: the server forgets the blobs, then takes the same bytes one PUT each
    let curl_s = curl_reupload(&server, &device, &signatures, dir.path());

    let mb = total_bytes as f64 / 1e6;
    println!(
        "a safety inspector's year over loopback (server default limits): {inspections} inspections, {events} events, {} signatures, {mb:.1} MB",
        signatures.len()
    );
    println!(
        "  xuncha sync, whole:   {sync_s:>6.1} s  {:>8.0} events/s  {:>6.2} MB/s  {} HTTP requests  {} retries  {} answered 429",
        events as f64 / sync_s,
        mb / sync_s,
        report.requests,
        report.retries,
        report.rate_limited
    );
    println!(
        "  xuncha sync, blobs:   {blob_s:>6.1} s  {:>8.0} blobs/s   {:>6.2} MB/s  (batched, hash-verified)",
        signatures.len() as f64 / blob_s,
        mb / blob_s
    );
    println!(
        "  curl, same bytes, one PUT each, one connection: {curl_s:>6.1} s  {:>8.0} blobs/s  {:>6.2} MB/s  {} HTTP requests",
        signatures.len() as f64 / curl_s,
        mb / curl_s,
        signatures.len()
    );
    println!(
        "  blob phase: xuncha {:.2}x curl's speed, with {:.1}% of its requests",
        curl_s / blob_s,
        100.0 * (report.requests as f64) / signatures.len() as f64
    );
}
