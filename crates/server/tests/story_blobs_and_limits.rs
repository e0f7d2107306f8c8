//! The server's story, part two, over real HTTP on 127.0.0.1:0 on SQLite and on PostgreSQL:
//! photos upload in halves and resume, only the right hash is kept, path-like names bounce,
//! limits hold (413, 429) and a revoked token is turned away.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::json;
use xuncha_domain::BlobHash;
use xuncha_domain::wire::UploadStatus;
use xuncha_testsupport::*;

/// Sends a chunk's headers and only part of its body, then drops the connection.
async fn upload_cut(srv: &TestServer, token: &str, hash: &str, offset: usize, total: usize, bytes: &[u8]) {
    use tokio::io::AsyncWriteExt;
    let addr = srv.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /api/v1/blobs/{hash}/upload?offset={offset}&total={total} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&bytes[..bytes.len() / 2]).await.unwrap();
    tcp.shutdown().await.unwrap();
}

async fn a_photo_upload_cut_in_half_resumes_and_only_the_right_hash_is_kept(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let other = srv.enrol("chief2").await;
    let photo = random_bytes(300_000);
    let hash = BlobHash::of(&photo);
    let hex = hash.to_hex();
    let (_p, finding, mut events) = phone.patrol_with_finding();
    events.push(phone.next(photo_of(finding, hash)));
    srv.push_ok(&phone, &events).await;

    let (s, body) = srv
        .post("/api/v1/blobs/missing", &phone.token, &json!({"hashes": [hash]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["missing"], json!([hex]));
    let office = srv.login("office").await;
    let (_, detail) = srv.finding_detail(&office, finding).await;
    assert_eq!(
        detail["complete"], false,
        "a record whose photo is missing is never complete"
    );
    let (_, list) = srv.get("/api/v1/office/records?kind=finding", &office).await;
    assert_eq!(
        list[0]["missing_blobs"], 1,
        "the list says photos are missing too"
    );

    let half = photo.len() / 2;
    let (s, body) = srv
        .upload(&phone.token, &hex, 0, photo.len(), photo[..half].to_vec())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // The second half's connection drops midway.
    upload_cut(&srv, &phone.token, &hex, half, photo.len(), &photo[half..]).await;
    let (s, body) = srv
        .get(&format!("/api/v1/blobs/{hex}/upload"), &phone.token)
        .await;
    assert_eq!(s, StatusCode::OK);
    let status: UploadStatus = serde_json::from_value(body).unwrap();
    assert_eq!((status.received, status.complete), (half as u64, false));
    // Sending from the wrong place is refused with where to continue.
    let (s, body) = srv
        .upload(&phone.token, &hex, 0, photo.len(), photo[..10].to_vec())
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["code"], "wrong_offset");
    // Resume.
    let (s, body) = srv
        .upload(&phone.token, &hex, half, photo.len(), photo[half..].to_vec())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["complete"], true);

    let (_, body) = srv
        .post("/api/v1/blobs/missing", &phone.token, &json!({"hashes": [hash]}))
        .await;
    assert_eq!(body["missing"], json!([]));
    let got = srv
        .http
        .get(srv.url(&format!("/api/v1/blobs/{hex}")))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), photo.as_slice());
    let (s, _) = srv.get(&format!("/api/v1/blobs/{hex}"), &office).await;
    assert_eq!(s, StatusCode::OK, "the office sees its unit's photos");
    let (s, _) = srv.get(&format!("/api/v1/blobs/{hex}"), &other.token).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "another brigade's chief may not download it"
    );
    let (_, detail) = srv.finding_detail(&office, finding).await;
    assert_eq!(detail["complete"], true);
    let (_, list) = srv.get("/api/v1/office/records?kind=finding", &office).await;
    assert_eq!(list[0]["missing_blobs"], 0);

    // A blob whose bytes do not match its name is refused and nothing of it stays.
    let fake = random_bytes(1_000);
    let claimed = BlobHash::of(b"something else");
    let naming = phone.next(photo_of(finding, claimed));
    srv.push_ok(&phone, &[naming]).await;
    let claimed = claimed.to_hex();
    let (s, body) = srv.upload(&phone.token, &claimed, 0, fake.len(), fake).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "hash_mismatch");
    let (_, body) = srv
        .get(&format!("/api/v1/blobs/{claimed}/upload"), &phone.token)
        .await;
    assert_eq!(
        (body["received"].as_u64(), body["complete"].as_bool()),
        (Some(0), Some(false))
    );
}
story!(a_photo_upload_cut_in_half_resumes_and_only_the_right_hash_is_kept);

async fn path_like_and_malformed_hashes_are_refused(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let phone = srv.enrol("chief1").await;
    let good = BlobHash::of(b"x").to_hex();
    for bad in [
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        good.to_uppercase(),
        good[..63].to_owned(),
        format!("{good}0"),
        format!("{}zz", &good[..62]),
        "%2Fetc%2Fpasswd".to_owned(),
    ] {
        for (method, path) in [
            ("GET", format!("/api/v1/blobs/{bad}/upload")),
            ("PUT", format!("/api/v1/blobs/{bad}/upload?offset=0&total=1")),
            ("GET", format!("/api/v1/blobs/{bad}")),
        ] {
            let (s, body) = srv.call(method, &path, Some(&phone.token), None).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{method} {path}: {body}");
            assert_eq!(body["code"], "bad_hash");
        }
    }
    // An unencoded `..` is resolved away by the client: whatever it reaches, it is never served.
    let (s, _) = srv.get("/api/v1/blobs/../upload", &phone.token).await;
    assert!(s.is_client_error(), "{s}");
    let (s, _) = srv
        .post(
            "/api/v1/blobs/missing",
            &phone.token,
            &json!({"hashes": ["../x"]}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
story!(path_like_and_malformed_hashes_are_refused);

async fn oversize_bodies_and_batches_are_refused_with_413(b: &Backend) {
    let mut config = b.config();
    config.limits.max_push_bytes = 64 * 1024;
    config.limits.max_chunk_bytes = 16 * 1024;
    config.limits.max_blob_bytes = 100_000;
    let srv = TestServer::start_with(config).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let (patrol, _f, events) = phone.patrol_with_finding();
    let big = phone.next(track(patrol, 2_000));
    let (s, body) = srv
        .push(&phone, &[events[0].clone(), events[1].clone(), big])
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "too_large");
    let many: Vec<_> = (0..501).map(|_| json!({})).collect();
    let (s, body) = srv
        .post("/api/v1/sync/push", &phone.token, &json!({"events": many}))
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let hash = BlobHash::of(b"y").to_hex();
    let (s, _) = srv
        .upload(&phone.token, &hash, 0, 20_000, vec![0u8; 20_000])
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "a chunk over the chunk limit");
    let (s, _) = srv
        .upload(&phone.token, &hash, 0, 200_000, vec![0u8; 1_000])
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "a blob over the blob limit");
    // The server goes on serving.
    let r = srv.push_ok(&phone, &events).await;
    assert_eq!(outcome_status(&r), vec!["accepted", "accepted"]);
}
story!(oversize_bodies_and_batches_are_refused_with_413);

async fn a_revoked_token_is_refused(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let (_p, _f, events) = phone.patrol_with_finding();
    srv.push_ok(&phone, &events[..1]).await;
    let office = srv.login("office").await;
    let (s, body) = srv
        .call(
            "POST",
            &format!("/api/v1/office/devices/{}/revoke", phone.device),
            Some(&office),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = srv.push(&phone, &events[1..]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "token_revoked");
    let (s, _) = srv.get("/api/v1/sync/pull?after=0", &phone.token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A disabled user's other devices and sessions are refused too.
    let second = srv.enrol("chief1").await;
    let chief_session = srv.login("chief1").await;
    let admin = srv.login("admin").await;
    let (s, body) = srv
        .call(
            "POST",
            &format!("/api/v1/office/users/{}/disable", phone.user.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = srv.get("/api/v1/sync/pull?after=0", &second.token).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_revoked"))
    );
    let (s, _) = srv
        .call("DELETE", "/api/v1/session", Some(&chief_session), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = srv
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(&json!({"login": "chief1", "password": password_of("chief1")})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a disabled user cannot sign in");

    // A session ended by its user is refused the same way.
    let (s, _) = srv.call("DELETE", "/api/v1/session", Some(&office), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = srv.get("/api/v1/office/devices", &office).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
story!(a_revoked_token_is_refused);

async fn a_device_over_its_rate_gets_429_and_others_are_served(b: &Backend) {
    let mut config = b.config();
    config.limits.device_requests_per_minute = 1;
    config.limits.device_burst = 3;
    let srv = TestServer::start_with(config).await;
    seed(&srv.state).await;
    let noisy = srv.enrol("chief1").await;
    let quiet = srv.enrol("chief2").await;
    for _ in 0..3 {
        let (s, _) = srv.get("/api/v1/sync/pull?after=0", &noisy.token).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, body) = srv.get("/api/v1/sync/pull?after=0", &noisy.token).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    let (s, _) = srv.get("/api/v1/sync/pull?after=0", &quiet.token).await;
    assert_eq!(s, StatusCode::OK);
}
story!(a_device_over_its_rate_gets_429_and_others_are_served);

/// A device on a newer app than the server is refused before anything is stored: the server
/// would drop the fields it does not know and the events' hashes would no longer hold.
async fn a_client_newer_than_the_server_is_refused_with_426_and_nothing_is_stored(b: &Backend) {
    use xuncha_domain::wire::{WIRE_VERSION, WIRE_VERSION_HEADER};
    let (srv, _) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let (_, _, events) = phone.patrol_with_finding();
    let before = srv.event_count().await;
    let resp = srv
        .http
        .post(srv.url("/api/v1/sync/push"))
        .bearer_auth(&phone.token)
        .header(WIRE_VERSION_HEADER, (WIRE_VERSION + 1).to_string())
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(
        resp.headers()[WIRE_VERSION_HEADER].to_str().unwrap(),
        WIRE_VERSION.to_string()
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "client_too_new");
    assert!(
        body["message"].as_str().unwrap().contains("请管理员升级服务器"),
        "{body}"
    );
    assert_eq!(srv.event_count().await, before);
    // The same push from a client of this version (or one that names none) is taken.
    srv.push_ok(&phone, &events).await;
    assert_eq!(srv.event_count().await, before + events.len() as i64);
}
story!(a_client_newer_than_the_server_is_refused_with_426_and_nothing_is_stored);
