//! Many small blobs in one request (`POST /api/v1/blobs/batch`, issue 13), over real HTTP on
//! SQLite and PostgreSQL: each frame is held to the rules of a whole-blob upload — a hash no
//! record of the device names is refused, bytes that are not what their hash names are not
//! kept — item by item while the others are stored; a body that is not well framed stores
//! nothing; and a spent budget answers 429 with the wait in `Retry-After`.

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::wire::{BlobFrame, encode_blob_frames};
use xuncha_domain::{BlobHash, DeviceId};
use xuncha_server::app::Config;
use xuncha_testsupport::*;

/// Sends a batch body: (status, answer as JSON or `null`, `Retry-After` if any).
async fn post_batch(srv: &TestServer, token: &str, body: Vec<u8>) -> (StatusCode, Value, Option<u64>) {
    let resp = srv
        .http
        .post(srv.url("/api/v1/blobs/batch"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, retry_after, body) = answer_of(resp).await;
    (status, body, retry_after)
}

fn frame(hash: BlobHash, bytes: &[u8]) -> BlobFrame<'_> {
    BlobFrame { hash, bytes }
}

fn whole(bytes: &[u8]) -> BlobFrame<'_> {
    frame(BlobHash::of(bytes), bytes)
}

/// A phone's finding naming each of `photos`, pushed and accepted.
async fn finding_naming(srv: &TestServer, phone: &mut Phone, photos: &[BlobHash]) {
    let (_, finding, mut events) = phone.patrol_with_finding();
    for p in photos {
        events.push(phone.next(photo_of(finding, *p)));
    }
    let r = srv.push_ok(phone, &events).await;
    assert!(outcome_status(&r).iter().all(|s| *s == "accepted"), "{r:?}");
}

/// Whether the server stored the blob, and `device`'s unfinished parts of it.
async fn stored(srv: &TestServer, device: DeviceId, hash: BlobHash) -> (Option<i64>, usize) {
    let hex = hash.to_hex();
    srv.state
        .db
        .read(move |s| Ok((s.blob_size(&hex)?, s.upload_parts(device, &hex)?.len())))
        .await
        .unwrap()
}

fn outcomes(body: &Value) -> Vec<&str> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect()
}

async fn a_batch_stores_what_the_device_names_and_refuses_the_rest_item_by_item(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let mut other = srv.enrol("chief2").await;
    let (sig, thumb, bad) = (random_bytes(3_000), random_bytes(9_000), random_bytes(2_000));
    let unnamed = random_bytes(1_000);
    let shared = random_bytes(4_000);
    let (sig_h, thumb_h, bad_h, shared_h) = (
        BlobHash::of(&sig),
        BlobHash::of(&thumb),
        BlobHash::of(&bad),
        BlobHash::of(&shared),
    );
    finding_naming(&srv, &mut phone, &[sig_h, thumb_h, bad_h, shared_h]).await;
    finding_naming(&srv, &mut other, &[shared_h]).await;
    // Another device stored `shared` first.
    let (s, body, _) = post_batch(&srv, &other.token, encode_blob_frames([whole(&shared)])).await;
    assert_eq!((s, outcomes(&body)), (StatusCode::OK, vec!["stored"]), "{body}");

    let garbage = random_bytes(bad.len());
    let body = encode_blob_frames([
        whole(&sig),
        frame(bad_h, &garbage),
        whole(&unnamed),
        whole(&thumb),
        whole(&sig),
        whole(&shared),
    ]);
    let (s, body, _) = post_batch(&srv, &phone.token, body).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        outcomes(&body),
        vec!["stored", "hash_mismatch", "not_named", "stored", "held", "held"]
    );
    assert_eq!(body["results"][0]["hash"], json!(sig_h));
    assert_eq!(body["results"][3]["size"], json!(thumb.len()));

    // The named blobs download; the refused ones were not kept.
    assert_eq!(srv.download(&phone.token, &sig_h.to_hex()).await, Ok(sig));
    assert_eq!(srv.download(&phone.token, &thumb_h.to_hex()).await, Ok(thumb));
    assert_eq!(srv.download(&phone.token, &shared_h.to_hex()).await, Ok(shared));
    assert_eq!(stored(&srv, phone.device, bad_h).await, (None, 0));
    assert_eq!(
        stored(&srv, phone.device, BlobHash::of(&unnamed)).await,
        (None, 0)
    );
    // The device proved it holds `shared`: it is no longer missing for it.
    let (s, missing) = srv
        .post(
            "/api/v1/blobs/missing",
            &phone.token,
            &json!({ "hashes": [sig_h, bad_h, shared_h] }),
        )
        .await;
    assert_eq!((s, &missing["missing"]), (StatusCode::OK, &json!([bad_h])));

    // The right bytes of the mismatched one are stored on the next try.
    let (s, body, _) = post_batch(&srv, &phone.token, encode_blob_frames([whole(&bad)])).await;
    assert_eq!((s, outcomes(&body)), (StatusCode::OK, vec!["stored"]), "{body}");
}
story!(a_batch_stores_what_the_device_names_and_refuses_the_rest_item_by_item);

async fn a_malformed_batch_is_refused_whole_and_stores_nothing(b: &Backend) {
    let mut config = b.config();
    config.limits.max_batch_frames = 3;
    config.limits.max_batch_blob_bytes = 10_000;
    let srv = TestServer::start_with(config).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let blobs: Vec<Vec<u8>> = (0..4).map(|_| random_bytes(2_000)).collect();
    let hashes: Vec<BlobHash> = blobs.iter().map(|b| BlobHash::of(b)).collect();
    finding_naming(&srv, &mut phone, &hashes).await;
    let big = random_bytes(10_001);
    finding_naming(&srv, &mut phone, &[BlobHash::of(&big)]).await;

    let two = encode_blob_frames([whole(&blobs[0]), whole(&blobs[1])]);
    let cases: Vec<(Vec<u8>, StatusCode, &str, &str)> = vec![
        // The second frame's bytes end early.
        (
            two[..two.len() - 1].to_vec(),
            StatusCode::BAD_REQUEST,
            "truncated_frame",
            "第 2 个文件帧不完整",
        ),
        // The second frame's header is cut.
        (
            two[..2_000 + 36 + 20].to_vec(),
            StatusCode::BAD_REQUEST,
            "truncated_frame",
            "第 2 个文件帧不完整",
        ),
        // A frame past the batch's limit for one blob.
        (
            encode_blob_frames([whole(&blobs[0]), whole(&big)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "frame_too_large",
            "超过批量上传每个文件的上限 10000 字节",
        ),
        // One frame more than allowed.
        (
            encode_blob_frames(blobs.iter().map(|b| whole(b))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_frames",
            "一批最多 3 个文件",
        ),
    ];
    for (body, status, code, words) in cases {
        let (s, answer, _) = post_batch(&srv, &phone.token, body).await;
        assert_eq!((s, answer["code"].as_str()), (status, Some(code)), "{answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.contains(words) && message.contains("整批未保存"),
            "{message}"
        );
        for h in &hashes {
            assert_eq!(stored(&srv, phone.device, *h).await, (None, 0), "nothing stored");
        }
    }
    // Without a device token, nothing at all.
    let office = srv.login("office").await;
    let (s, _, _) = post_batch(&srv, &office, encode_blob_frames([whole(&blobs[0])])).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(stored(&srv, phone.device, hashes[0]).await, (None, 0));
}
story!(a_malformed_batch_is_refused_whole_and_stores_nothing);

async fn a_spent_budget_answers_429_with_the_wait(b: &Backend) {
    let mut config: Config = b.config();
    // One request a minute after a burst of two; a small upload budget of 60 KiB a minute.
    config.limits.device_requests_per_minute = 1;
    config.limits.device_burst = 2;
    config.limits.max_chunk_bytes = 16 * 1024;
    config.limits.device_upload_bytes_per_minute = 60 * 1024;
    config.limits.device_upload_burst_bytes = 16 * 1024 + 4 * 1024;
    let srv = TestServer::start_with(config).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let blobs: Vec<Vec<u8>> = (0..3).map(|_| random_bytes(7_000)).collect();
    let hashes: Vec<BlobHash> = blobs.iter().map(|b| BlobHash::of(b)).collect();
    finding_naming(&srv, &mut phone, &hashes).await; // one request
    let missing = || {
        srv.http
            .post(srv.url("/api/v1/blobs/missing"))
            .bearer_auth(&phone.token)
            .json(&json!({ "hashes": hashes }))
            .send()
    };
    assert_eq!(missing().await.unwrap().status(), StatusCode::OK);
    let refused = missing().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=60).contains(&wait),
        "the bucket's deficit, at most a minute: {wait}"
    );

    // Uploads do not draw on the spent request bucket: they are counted by their bytes.
    let two = encode_blob_frames([whole(&blobs[0]), whole(&blobs[1])]);
    let (s, body, _) = post_batch(&srv, &phone.token, two).await;
    assert_eq!(
        (s, outcomes(&body)),
        (StatusCode::OK, vec!["stored", "stored"]),
        "{body}"
    );
    // ...until those are spent too: ~14 KB of a 20 KiB burst at 1 KiB/s leaves too little.
    let (s, body, wait) = post_batch(&srv, &phone.token, encode_blob_frames([whole(&blobs[2])])).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    let wait = wait.expect("Retry-After");
    assert!((1..=8).contains(&wait), "about the deficit at 1 KiB/s: {wait}");
    assert_eq!(stored(&srv, phone.device, hashes[2]).await, (None, 0));
}
story!(a_spent_budget_answers_429_with_the_wait);
