//! Scale-out: two server processes (the real binary) on one PostgreSQL receive the same batches
//! at the same time, the same blobs at the same time, and office decisions on both at once; the
//! database holds every event and blob exactly once and the server's own chain has no gap and
//! no fork. PostgreSQL only (SQLite is one process by design).
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::json;
use xuncha_domain::wire::{EventOutcome, PushResponse};
use xuncha_domain::{BlobHash, Event, verify_chain};
use xuncha_testsupport::*;

async fn spawn_server(b: &Backend) -> ServerProcess {
    ServerProcess::spawn(env!("CARGO_BIN_EXE_xuncha-server"), b).await
}

async fn push_to(http: &reqwest::Client, base: &str, token: &str, events: &[Event]) -> PushResponse {
    let r = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_store_every_event_and_blob_once() {
    let Some(b) = postgres() else { return };
    // Seed through the library (migrating the database first), then serve from two processes.
    let srv = TestServer::start(&b).await;
    seed(&srv.state).await;
    let a = spawn_server(&b).await;
    let c = spawn_server(&b).await;
    let http = reqwest::Client::new();

    let mut phones = Vec::new();
    // Three river chiefs' phones (chief1 has two): each starts river patrols, as only a chief may.
    for login in ["chief1", "chief2", "chief1"] {
        phones.push(srv.enrol(login).await);
    }
    let before = srv.event_count().await;
    let mut total = 0;
    let mut findings = Vec::new();
    for round in 0..4 {
        let mut batches = Vec::new();
        for phone in phones.iter_mut() {
            let (patrol, finding, mut events) = phone.patrol_with_finding();
            findings.push(finding);
            for _ in 0..40 {
                events.push(phone.next(track(patrol, 20)));
            }
            batches.push((phone.token.clone(), events));
        }
        // Every batch goes to both processes at the same moment.
        let mut tasks = Vec::new();
        for (token, events) in &batches {
            total += events.len();
            for base in [&a.base, &c.base] {
                let (http, base, token, events) = (http.clone(), base.clone(), token.clone(), events.clone());
                tasks.push(tokio::spawn(async move {
                    push_to(&http, &base, &token, &events).await
                }));
            }
        }
        let answers = futures::future::join_all(tasks).await;
        for pair in answers.chunks(2) {
            let (x, y) = (pair[0].as_ref().unwrap(), pair[1].as_ref().unwrap());
            assert_eq!(
                x.head, y.head,
                "round {round}: both processes report the same chain head"
            );
            assert_eq!(x, y, "round {round}: both processes give the same answer");
            assert!(
                x.results.iter().all(|a| a.outcome == EventOutcome::Accepted),
                "round {round}: {x:?}"
            );
        }
    }
    assert_eq!(
        (srv.event_count().await - before) as usize,
        total,
        "each event once"
    );

    // The same blobs, uploaded to both processes at once, after the events naming them.
    let photos: Vec<Vec<u8>> = (0..6).map(|_| random_bytes(200_000)).collect();
    let (_, finding, mut events) = phones[0].patrol_with_finding();
    for photo in &photos {
        events.push(phones[0].next(photo_of(finding, BlobHash::of(photo))));
    }
    push_to(&http, &a.base, &phones[0].token, &events).await;
    let device = phones[0].device;
    let mut tasks = Vec::new();
    for photo in &photos {
        for base in [&a.base, &c.base] {
            let (http, url, token, body) = (
                http.clone(),
                format!(
                    "{base}/api/v1/blobs/{}/upload?offset=0&total={}",
                    BlobHash::of(photo),
                    photo.len()
                ),
                phones[0].token.clone(),
                photo.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let r = http.put(url).bearer_auth(token).body(body).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            }));
        }
    }
    for t in futures::future::join_all(tasks).await {
        let (status, body) = t.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("\"complete\":true"), "{body}");
    }
    let hashes: Vec<String> = photos.iter().map(|p| BlobHash::of(p).to_hex()).collect();
    let counts = srv
        .state
        .db
        .read(move |s| {
            let mut out = Vec::new();
            for h in &hashes {
                out.push((s.blob_size(h)?, s.upload_parts(device, h)?.len()));
            }
            Ok(out)
        })
        .await
        .unwrap();
    for (size, parts) in counts {
        assert_eq!(
            (size, parts),
            (Some(200_000), 0),
            "each blob stored once, no leftover parts"
        );
    }

    // Office decisions through both processes at once share the server's chain safely.
    let office_a = srv.login("office").await;
    let mut tasks = Vec::new();
    for (i, finding) in findings.iter().enumerate() {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            c.base.clone()
        };
        let (http, token, finding) = (http.clone(), office_a.clone(), *finding);
        tasks.push(tokio::spawn(async move {
            http.post(format!("{base}/api/v1/office/findings/{finding}/assign"))
                .bearer_auth(token)
                .json(&json!({"assignee": "责任单位", "follow_up_by": null, "deadline": now() + 86_400_000i64, "note": ""}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in futures::future::join_all(tasks).await {
        assert_eq!(t.unwrap(), StatusCode::OK);
    }
    let chain = srv.state.chain.clone();
    let server_events = srv
        .state
        .db
        .read(move |s| {
            let device = s.device_lock(chain.device)?.unwrap();
            let mut events = Vec::new();
            for seq in 1..=device.head.unwrap().seq {
                let stored = s.event_by_device_seq(chain.device, seq)?.unwrap();
                events.push(stored.id);
            }
            Ok((device, events))
        })
        .await
        .unwrap();
    let (device, ids) = server_events;
    let office_phone = srv.enrol("office").await;
    let pulled = srv.pull_all(&office_phone).await;
    let mut chain_events: Vec<Event> = pulled.into_iter().filter(|e| e.device == device.id).collect();
    chain_events.sort_by_key(|e| e.seq);
    assert_eq!(chain_events.len(), ids.len());
    let head = verify_chain(device.id, &device.public_key, None, &chain_events).unwrap();
    assert_eq!(
        head, device.head,
        "the server's chain verifies from genesis to its head"
    );
    drop((a, c));
}
