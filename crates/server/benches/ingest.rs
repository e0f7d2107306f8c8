//! Ingest benchmark: events per second through HTTP push (batches of 100, four devices at once)
//! beside the raw insert rate of the same rows into the same database (batches of 100 per
//! transaction, no checks), on SQLite and — when `XUNCHA_TEST_PG_URL` is set — PostgreSQL.
//! Prints the figures and the ratio; asserts nothing about speed.
//!
//!     eval "$(scripts/pg.sh start)"; cargo bench -p xuncha-server --bench ingest
#![allow(clippy::unwrap_used)]

use std::time::Instant;
use xuncha_domain::Event;
use xuncha_server::db::NewEvent;
use xuncha_testsupport::*;

const DEVICES: usize = 4;
const BATCHES_PER_DEVICE: usize = 15;
const BATCH: usize = 100;

/// Each device's batches: a patrol's start, then track points (20 fixes per event).
fn make_batches(phone: &mut Phone) -> Vec<Vec<Event>> {
    let (patrol, _f, first) = phone.patrol_with_finding();
    let mut all = first;
    while all.len() < BATCHES_PER_DEVICE * BATCH {
        all.push(phone.next(track(patrol, 20)));
    }
    all.chunks(BATCH).map(|c| c.to_vec()).collect()
}

async fn http_rate(srv: &TestServer) -> f64 {
    let mut work = Vec::new();
    for i in 0..DEVICES {
        let login = if i % 2 == 0 { "chief1" } else { "chief2" };
        let mut phone = srv.enrol(login).await;
        let batches = make_batches(&mut phone);
        work.push((phone, batches));
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (phone, batches) in work {
        let (http, url) = (srv.http.clone(), srv.url("/api/v1/sync/push"));
        tasks.push(tokio::spawn(async move {
            for b in batches {
                let r = http
                    .post(&url)
                    .bearer_auth(&phone.token)
                    .json(&serde_json::json!({ "events": b }))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                let body: xuncha_domain::wire::PushResponse = r.json().await.unwrap();
                assert!(body.results.iter().all(|a| a.outcome.is_stored()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (DEVICES * BATCHES_PER_DEVICE * BATCH) as f64 / started.elapsed().as_secs_f64()
}

async fn raw_rate(srv: &TestServer) -> f64 {
    let unit = srv.state.db.read(|s| s.units()).await.unwrap()[0].id;
    let mut batches = Vec::new();
    for i in 0..DEVICES {
        let login = if i % 2 == 0 { "chief1" } else { "chief2" };
        let mut phone = srv.enrol(login).await;
        batches.extend(make_batches(&mut phone));
    }
    let started = Instant::now();
    for batch in batches {
        srv.state
            .db
            .write(move |s| {
                let mut cursor = s.log_lock()?;
                for e in &batch {
                    s.event_insert(&NewEvent {
                        cursor,
                        event: e,
                        body: serde_json::to_string(e).unwrap(),
                        aggregate: e.payload.aggregate(),
                        unit: Some(unit),
                        owner: e.author,
                        is_reference: false,
                        flag: None,
                        received_at: now(),
                    })?;
                    cursor += 1;
                }
                s.log_advance(cursor)
            })
            .await
            .unwrap();
    }
    (DEVICES * BATCHES_PER_DEVICE * BATCH) as f64 / started.elapsed().as_secs_f64()
}

async fn measure(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    let http = http_rate(&srv).await;
    let raw = raw_rate(&srv).await;
    println!(
        "{:<9} HTTP push (verify + store + fold): {:>8.0} events/s | raw insert of the same rows: {:>8.0} events/s | HTTP/raw = {:.2}",
        b.name,
        http,
        raw,
        http / raw
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!(
            "ingest: {DEVICES} devices x {BATCHES_PER_DEVICE} batches x {BATCH} events (track events of 20 fixes)"
        );
        measure(&sqlite()).await;
        match postgres() {
            Some(b) => measure(&b).await,
            None => println!("postgres  skipped: XUNCHA_TEST_PG_URL unset"),
        }
    });
}
