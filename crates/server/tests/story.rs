//! The server's story, told over real HTTP on 127.0.0.1:0 and run alike on SQLite and on
//! PostgreSQL: a phone enrols, pushes its chain (and pushes it again), the office decides,
//! phones pull only what they may see, forged chains bounce, photos upload in halves, limits
//! hold and a revoked phone is turned away.
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;
use xuncha_domain::payload::{FindingRectified, Payload};
use xuncha_domain::wire::{EventOutcome, PushResponse, UploadStatus};
use xuncha_domain::{BlobHash, EventHash, UnixMs};

fn outcome_status(r: &PushResponse) -> Vec<&'static str> {
    r.results
        .iter()
        .map(|a| match &a.outcome {
            EventOutcome::Accepted => "accepted",
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Rejected { kept: true, .. } => "rejected-kept",
            EventOutcome::Rejected { kept: false, .. } => "rejected",
        })
        .collect()
}

fn code_of(r: &PushResponse, i: usize) -> String {
    match &r.results[i].outcome {
        EventOutcome::Rejected { code, .. } => code.clone(),
        other => format!("{other:?}"),
    }
}

async fn a_device_enrols_with_its_users_credentials(b: &Backend) {
    let srv = TestServer::start(b).await;
    let seed = seed(&srv.state).await;
    let phone = srv.enrol("chief1").await;
    assert_eq!(phone.user.id, seed.chief1.id);
    assert!(phone.token.starts_with("xd_"));
    // The token is stored only as its hash.
    let stored = srv.state.db.read(|s| s.devices()).await.unwrap();
    assert!(stored.iter().any(|d| d.id == phone.device));
    let (status, _) = srv
        .call("GET", "/api/v1/sync/pull?after=0", Some(&phone.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let key = random_key();
    let (status, body) = srv
        .call(
            "POST",
            "/api/v1/enrol",
            None,
            Some(
                &json!({"login": "chief1", "password": "wrong", "device_name": "x",
                "public_key": hex::encode(key.verifying_key().to_bytes())}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "bad_credentials");
    let (status, _) = srv
        .call("GET", "/api/v1/sync/pull?after=0", Some("xd_not-a-token"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
story!(a_device_enrols_with_its_users_credentials);

async fn a_replayed_push_is_stored_once_and_answered_alike(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let (patrol, _finding, mut events) = phone.patrol_with_finding();
    events.push(phone.next(track(patrol, 50)));
    events.push(phone.next(track(patrol, 50)));
    let before = srv.event_count().await;

    let first = srv.push_ok(&phone, &events).await;
    assert_eq!(outcome_status(&first), vec!["accepted"; 4], "{first:?}");
    assert_eq!(first.head.map(|h| h.seq), Some(4));
    let replay = srv.push_ok(&phone, &events).await;
    let again = srv.push_ok(&phone, &events).await;
    assert_eq!(outcome_status(&replay), vec!["duplicate"; 4]);
    assert_eq!(replay, again, "every replay gets the same answer");
    assert_eq!(replay.head, first.head);
    for (a, b) in first.results.iter().zip(&replay.results) {
        assert_eq!((a.id, a.seq), (b.id, b.seq));
    }
    assert_eq!(srv.event_count().await - before, 4, "one copy of each event");

    // A batch sent out of order is put in order; half old, half new is fine too.
    let e5 = phone.next(track(patrol, 10));
    let e6 = phone.next(track(patrol, 10));
    let mixed = srv.push_ok(&phone, &[e6, events[3].clone(), e5]).await;
    assert_eq!(outcome_status(&mixed), vec!["accepted", "duplicate", "accepted"]);
    assert_eq!(mixed.head.map(|h| h.seq), Some(6));
    assert_eq!(srv.event_count().await - before, 6);
}
story!(a_replayed_push_is_stored_once_and_answered_alike);

async fn an_event_breaking_a_rule_is_kept_flagged_and_the_chain_moves_on(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let (_patrol, finding, mut events) = phone.patrol_with_finding();
    // Verified before it was ever rectified: evidence of a mistake, kept but not applied.
    events.push(phone.next(Payload::FindingVerified(
        xuncha_domain::payload::FindingVerified {
            finding,
            note: "已整改".into(),
            verified_at: UnixMs(now()),
        },
    )));
    // A time two days ahead: fails validation, kept flagged as well.
    events.push(phone.next(track(_patrol, 1)));
    if let Payload::TrackPointsAppended(t) = &mut events[3].payload {
        t.points[0].t = UnixMs(now() + 2 * UnixMs::DAY);
    }
    // Re-sign the altered event (as a phone with a wrong clock would have made it).
    phone.seq -= 1;
    phone.prev = events[2].hash;
    let payload = events[3].payload.clone();
    events[3] = phone.next(payload);

    let r = srv.push_ok(&phone, &events).await;
    assert_eq!(
        outcome_status(&r),
        vec!["accepted", "accepted", "rejected-kept", "rejected-kept"]
    );
    assert_eq!(code_of(&r, 2), "finding_not_rectified");
    assert_eq!(code_of(&r, 3), "invalid");
    assert_eq!(r.head.map(|h| h.seq), Some(4), "the chain moves past kept events");
    let replay = srv.push_ok(&phone, &events).await;
    assert_eq!(
        outcome_status(&replay),
        vec!["duplicate", "duplicate", "rejected-kept", "rejected-kept"]
    );
    assert_eq!(code_of(&replay, 2), "finding_not_rectified");
}
story!(an_event_breaking_a_rule_is_kept_flagged_and_the_chain_moves_on);

async fn forged_reordered_and_badly_signed_chains_are_refused(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let mut other = srv.enrol("chief2").await;
    let (_p, _f, events) = phone.patrol_with_finding();
    let before = srv.event_count().await;

    // Signed by a key that is not the device's.
    let mut forger = Phone::new(
        random_key(),
        phone.device,
        phone.token.clone(),
        phone.user.clone(),
    );
    let (_, _, forged) = forger.patrol_with_finding();
    let r = srv.push_ok(&phone, &forged[..1]).await;
    assert_eq!(outcome_status(&r), vec!["rejected"]);
    assert_eq!(code_of(&r, 0), "bad_signature");
    assert_eq!(r.head, None);

    // The body changed after signing.
    let mut altered = events[0].clone();
    if let Payload::PatrolStarted(p) = &mut altered.payload {
        p.area = Some("别处".into());
    }
    let r = srv.push_ok(&phone, &[altered]).await;
    assert_eq!(code_of(&r, 0), "hash_mismatch");

    // Second event alone: a gap.
    let r = srv.push_ok(&phone, &events[1..]).await;
    assert_eq!(code_of(&r, 0), "sequence_gap");

    // Re-ordered: a properly signed event that claims seq 1 but links elsewhere.
    let mut relinked = Phone::new(
        phone.key.clone(),
        phone.device,
        phone.token.clone(),
        phone.user.clone(),
    );
    relinked.prev = EventHash::of(b"somewhere else");
    let (_, _, reordered) = relinked.patrol_with_finding();
    let r = srv.push_ok(&phone, &reordered[..1]).await;
    assert_eq!(code_of(&r, 0), "broken_link");

    // Another device's event pushed with this token.
    let (_, _, theirs) = other.patrol_with_finding();
    let r = srv.push_ok(&phone, &theirs[..1]).await;
    assert_eq!(code_of(&r, 0), "wrong_device");

    assert_eq!(
        srv.event_count().await,
        before,
        "nothing untrusted entered the log"
    );

    // The real chain still goes in, and a fork of it afterwards is refused.
    let r = srv.push_ok(&phone, &events).await;
    assert_eq!(outcome_status(&r), vec!["accepted", "accepted"]);
    let mut fork = Phone::new(
        phone.key.clone(),
        phone.device,
        phone.token.clone(),
        phone.user.clone(),
    );
    let (_, _, forked) = fork.patrol_with_finding();
    let r = srv.push_ok(&phone, &forked).await;
    assert_eq!(code_of(&r, 0), "seq_taken");
    assert_eq!(r.head.map(|h| h.seq), Some(2));

    // A properly chained event that reuses a stored event's id is refused, and the chain
    // head stays put.
    let reused = xuncha_domain::EventDraft {
        id: events[0].id,
        device: phone.device,
        seq: 3,
        hlc: phone.clock.tick(UnixMs(now())),
        author: Some(phone.user.id),
        prev_hash: phone.prev,
        payload: track(_p, 2),
    }
    .sign(&phone.key);
    let r = srv.push_ok(&phone, &[reused]).await;
    assert_eq!(code_of(&r, 0), "id_conflict");
    assert_eq!(r.head.map(|h| h.seq), Some(2));

    // An unreadable event is answered on its own; the rest of the batch is unaffected.
    let next = phone.next(track(_p, 3));
    let (status, body) = srv
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(&phone.token),
            Some(&json!({"events": [{"id": "nonsense", "seq": 3}, next]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!(outcome_status(&r), vec!["rejected", "accepted"]);
    assert_eq!(code_of(&r, 0), "unreadable");
}
story!(forged_reordered_and_badly_signed_chains_are_refused);

async fn each_phone_pulls_only_what_it_may_see_and_the_office_sees_its_unit(b: &Backend) {
    let srv = TestServer::start(b).await;
    let seed = seed(&srv.state).await;
    let office = srv.login("office").await;
    let reach = |name: &str, unit: xuncha_domain::UnitId| {
        json!({"id": xuncha_domain::ReachId::new(), "name": name, "unit": unit,
            "line": [{"lon": 114.10, "lat": 30.65}, {"lon": 114.11, "lat": 30.66}], "length_m": 1500.0, "chiefs": []})
    };
    let (s, r1) = srv
        .call(
            "POST",
            "/api/v1/office/reaches",
            Some(&office),
            Some(&reach("一队渠", seed.b1.id)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r1}");
    let (s, r2) = srv
        .call(
            "POST",
            "/api/v1/office/reaches",
            Some(&office),
            Some(&reach("二队渠", seed.b2.id)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r2}");

    let mut p1 = srv.enrol("chief1").await;
    let p2 = srv.enrol("chief2").await;
    let (_patrol, finding, events) = p1.patrol_with_finding();
    srv.push_ok(&p1, &events).await;
    let (s, assigned) = srv
        .call(
            "POST",
            &format!("/api/v1/office/findings/{finding}/assign"),
            Some(&office),
            Some(&json!({"assignee": "某建筑公司", "follow_up_by": null, "deadline": now() + 7 * 86_400_000i64, "note": "七日内清运"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{assigned}");

    let ids = |events: &[xuncha_domain::Event]| events.iter().map(|e| e.id.to_string()).collect::<Vec<_>>();
    let seen1 = ids(&srv.pull_all(&p1).await);
    let seen2 = ids(&srv.pull_all(&p2).await);
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    assert!(
        seen1.contains(&id(&r1)) && !seen1.contains(&id(&r2)),
        "chief1 sees its brigade's reach only"
    );
    assert!(
        seen2.contains(&id(&r2)) && !seen2.contains(&id(&r1)),
        "chief2 sees its brigade's reach only"
    );
    assert!(
        seen1.contains(&id(&assigned)),
        "chief1 receives the office's decision on its finding"
    );
    assert!(
        !seen2.contains(&id(&assigned)),
        "chief2 sees nothing of chief1's records"
    );
    for e in &events {
        assert!(!seen2.contains(&e.id.to_string()));
    }

    // The office (through a device of an office user) sees its whole unit, records included.
    let office_phone = srv.enrol("office").await;
    let seen_office = ids(&srv.pull_all(&office_phone).await);
    for e in [
        id(&r1),
        id(&r2),
        id(&assigned),
        events[0].id.to_string(),
        events[1].id.to_string(),
    ] {
        assert!(seen_office.contains(&e), "office misses {e}");
    }
    // Through the office API too.
    let (s, list) = srv
        .call("GET", "/api/v1/office/records?kind=finding", Some(&office), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["state"]["state"]["status"], "assigned");
}
story!(each_phone_pulls_only_what_it_may_see_and_the_office_sees_its_unit);

async fn upload(
    srv: &TestServer,
    token: &str,
    hash: &str,
    offset: usize,
    total: usize,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = srv
        .http
        .put(srv.url(&format!(
            "/api/v1/blobs/{hash}/upload?offset={offset}&total={total}"
        )))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (
        status,
        serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

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
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let other = srv.enrol("chief2").await;
    let photo = random_bytes(300_000);
    let hash = BlobHash::of(&photo);
    let hex = hash.to_hex();
    let (_p, finding, mut events) = phone.patrol_with_finding();
    events.push(phone.next(photo_of(finding, hash)));
    srv.push_ok(&phone, &events).await;

    let (s, body) = srv
        .call(
            "POST",
            "/api/v1/blobs/missing",
            Some(&phone.token),
            Some(&json!({"hashes": [hash]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["missing"], json!([hex]));
    let office = srv.login("office").await;
    let (_, detail) = srv
        .call(
            "GET",
            &format!("/api/v1/office/records/finding/{finding}"),
            Some(&office),
            None,
        )
        .await;
    assert_eq!(
        detail["complete"], false,
        "a record whose photo is missing is never complete"
    );

    let half = photo.len() / 2;
    let (s, body) = upload(&srv, &phone.token, &hex, 0, photo.len(), photo[..half].to_vec()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // The second half's connection drops midway.
    upload_cut(&srv, &phone.token, &hex, half, photo.len(), &photo[half..]).await;
    let (s, body) = srv
        .call(
            "GET",
            &format!("/api/v1/blobs/{hex}/upload"),
            Some(&phone.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let status: UploadStatus = serde_json::from_value(body).unwrap();
    assert_eq!((status.received, status.complete), (half as u64, false));
    // Sending from the wrong place is refused with where to continue.
    let (s, body) = upload(&srv, &phone.token, &hex, 0, photo.len(), photo[..10].to_vec()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["code"], "wrong_offset");
    // Resume.
    let (s, body) = upload(
        &srv,
        &phone.token,
        &hex,
        half,
        photo.len(),
        photo[half..].to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["complete"], true);

    let (_, body) = srv
        .call(
            "POST",
            "/api/v1/blobs/missing",
            Some(&phone.token),
            Some(&json!({"hashes": [hash]})),
        )
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
    let (s, _) = srv
        .call("GET", &format!("/api/v1/blobs/{hex}"), Some(&office), None)
        .await;
    assert_eq!(s, StatusCode::OK, "the office sees its unit's photos");
    let (s, _) = srv
        .call("GET", &format!("/api/v1/blobs/{hex}"), Some(&other.token), None)
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "another brigade's chief may not download it"
    );
    let (_, detail) = srv
        .call(
            "GET",
            &format!("/api/v1/office/records/finding/{finding}"),
            Some(&office),
            None,
        )
        .await;
    assert_eq!(detail["complete"], true);

    // A blob whose bytes do not match its name is refused and nothing of it stays.
    let fake = random_bytes(1_000);
    let claimed = BlobHash::of(b"something else").to_hex();
    let (s, body) = upload(&srv, &phone.token, &claimed, 0, fake.len(), fake).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "hash_mismatch");
    let (_, body) = srv
        .call(
            "GET",
            &format!("/api/v1/blobs/{claimed}/upload"),
            Some(&phone.token),
            None,
        )
        .await;
    assert_eq!(
        (body["received"].as_u64(), body["complete"].as_bool()),
        (Some(0), Some(false))
    );
}
story!(a_photo_upload_cut_in_half_resumes_and_only_the_right_hash_is_kept);

async fn path_like_and_malformed_hashes_are_refused(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
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
    let (s, _) = srv
        .call("GET", "/api/v1/blobs/../upload", Some(&phone.token), None)
        .await;
    assert!(s.is_client_error(), "{s}");
    let (s, _) = srv
        .call(
            "POST",
            "/api/v1/blobs/missing",
            Some(&phone.token),
            Some(&json!({"hashes": ["../x"]})),
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
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(&phone.token),
            Some(&json!({"events": many})),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let hash = BlobHash::of(b"y").to_hex();
    let (s, _) = upload(&srv, &phone.token, &hash, 0, 20_000, vec![0u8; 20_000]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "a chunk over the chunk limit");
    let (s, _) = upload(&srv, &phone.token, &hash, 0, 200_000, vec![0u8; 1_000]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "a blob over the blob limit");
    // The server goes on serving.
    let r = srv.push_ok(&phone, &events).await;
    assert_eq!(outcome_status(&r), vec!["accepted", "accepted"]);
}
story!(oversize_bodies_and_batches_are_refused_with_413);

async fn a_revoked_token_is_refused(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
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
    let (s, _) = srv
        .call("GET", "/api/v1/sync/pull?after=0", Some(&phone.token), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A session ended by its user is refused the same way.
    let (s, _) = srv.call("DELETE", "/api/v1/session", Some(&office), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = srv
        .call("GET", "/api/v1/office/devices", Some(&office), None)
        .await;
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
        let (s, _) = srv
            .call("GET", "/api/v1/sync/pull?after=0", Some(&noisy.token), None)
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, body) = srv
        .call("GET", "/api/v1/sync/pull?after=0", Some(&noisy.token), None)
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    let (s, _) = srv
        .call("GET", "/api/v1/sync/pull?after=0", Some(&quiet.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
}
story!(a_device_over_its_rate_gets_429_and_others_are_served);

async fn the_offices_decisions_flow_down_and_follow_the_state_machine(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;
    let (_p, finding, events) = phone.patrol_with_finding();
    srv.push_ok(&phone, &events).await;
    let path = |what: &str| format!("/api/v1/office/findings/{finding}/{what}");
    let (s, body) = srv
        .call(
            "POST",
            &path("verify"),
            Some(&office),
            Some(&json!({"note": "好"})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "cannot verify what was not rectified: {body}"
    );
    let (s, _) = srv
        .call(
            "POST",
            &path("assign"),
            Some(&office),
            Some(&json!({"assignee": "村委会", "follow_up_by": null, "deadline": now() + 86_400_000i64, "note": ""})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    srv.sync_down(&mut phone).await;
    let rectified = phone.next(Payload::FindingRectified(FindingRectified {
        finding,
        note: "已清运".into(),
        after_photos: vec![],
        position: None,
        rectified_at: UnixMs(now()),
    }));
    let r = srv.push_ok(&phone, &[rectified]).await;
    assert_eq!(outcome_status(&r), vec!["accepted"]);
    let (s, verified) = srv
        .call(
            "POST",
            &path("verify"),
            Some(&office),
            Some(&json!({"note": "现场复核通过"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{verified}");
    let pulled = srv.pull_all(&phone).await;
    assert!(
        pulled
            .iter()
            .any(|e| e.id.to_string() == verified["id"].as_str().unwrap())
    );
    let (_, detail) = srv
        .call(
            "GET",
            &format!("/api/v1/office/records/finding/{finding}"),
            Some(&office),
            None,
        )
        .await;
    assert_eq!(detail["record"]["state"]["state"]["status"], "verified");
    assert_eq!(detail["timeline"].as_array().unwrap().len(), 4);
    let (s, _) = srv
        .call(
            "POST",
            &path("reopen"),
            Some(&office),
            Some(&json!({"reason": "复查发现反弹"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
story!(the_offices_decisions_flow_down_and_follow_the_state_machine);

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let b = sqlite();
    let srv = TestServer::start(&b).await;
    let (s, doc) = srv.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    for r in xuncha_server::app::ROUTES {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
    let (s, _) = srv.call("GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = srv.call("GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = srv.call("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

async fn a_late_event_refolds_its_record_in_clock_order(b: &Backend) {
    let srv = TestServer::start(b).await;
    seed(&srv.state).await;
    // Two phones of one chief: one reports and later rectifies, the other (used on site in
    // between) assigns the rectification but reaches the server last.
    let mut first = srv.enrol("chief1").await;
    let mut second = srv.enrol("chief1").await;
    let t0 = now() - 60_000;
    let patrol = xuncha_domain::PatrolId::new();
    let finding = xuncha_domain::FindingId::new();
    let mut events = vec![first.next_at(
        Payload::PatrolStarted(xuncha_domain::payload::PatrolStarted {
            patrol,
            kind: xuncha_domain::payload::PatrolKind::River,
            unit: first.user.unit,
            patroller: first.user.id,
            reach: None,
            area: Some("幸福渠".into()),
            started_at: UnixMs(t0),
        }),
        t0,
    )];
    events.push(first.next_at(finding_reported(finding, patrol, UnixMs(t0)), t0 + 1));
    events.push(first.next_at(
        Payload::FindingRectified(FindingRectified {
            finding,
            note: "已清运".into(),
            after_photos: vec![],
            position: None,
            rectified_at: UnixMs(t0 + 2_000),
        }),
        t0 + 2_000,
    ));
    let r = srv.push_ok(&first, &events).await;
    assert_eq!(outcome_status(&r), vec!["accepted", "accepted", "rejected-kept"]);
    assert_eq!(code_of(&r, 2), "not_assigned");

    let assigned = second.next_at(
        Payload::RectificationAssigned(xuncha_domain::payload::RectificationAssigned {
            finding,
            assignee: "村委会".into(),
            follow_up_by: None,
            deadline: UnixMs(t0 + 86_400_000),
            note: "现场交办".into(),
        }),
        t0 + 1_000,
    );
    let r = srv.push_ok(&second, &[assigned]).await;
    assert_eq!(outcome_status(&r), vec!["accepted"]);

    let office = srv.login("office").await;
    let (_, detail) = srv
        .call(
            "GET",
            &format!("/api/v1/office/records/finding/{finding}"),
            Some(&office),
            None,
        )
        .await;
    assert_eq!(
        detail["record"]["state"]["state"]["status"], "rectified",
        "{detail}"
    );
    let flags: Vec<&Value> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["flag"])
        .collect();
    assert!(
        flags.iter().all(|f| f.is_null()),
        "the refold cleared the flag: {detail}"
    );
    let replay = srv.push_ok(&first, &events).await;
    assert_eq!(outcome_status(&replay), vec!["duplicate"; 3]);
}
story!(a_late_event_refolds_its_record_in_clock_order);
