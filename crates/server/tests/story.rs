//! The server's story, told over real HTTP on 127.0.0.1:0 and run alike on SQLite and on
//! PostgreSQL: a phone enrols, pushes its chain (and pushes it again), the office decides,
//! phones pull only what they may see, forged chains bounce, late events refold their record.
//! Blobs and limits are in `story_blobs_and_limits.rs`.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::payload::{FindingRectified, Payload};
use xuncha_domain::wire::PushResponse;
use xuncha_domain::{DeviceId, EventHash, UnixMs};
use xuncha_testsupport::*;

async fn a_device_enrols_with_its_users_credentials(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let phone = srv.enrol("chief1").await;
    assert_eq!(phone.user.id, seed.chief1.id);
    assert!(phone.token.starts_with("xd_"));
    // The token is stored only as its hash.
    let stored = srv.state.db.read(|s| s.devices()).await.unwrap();
    assert!(stored.iter().any(|d| d.id == phone.device));
    let (status, _) = srv.get("/api/v1/sync/pull?after=0", &phone.token).await;
    assert_eq!(status, StatusCode::OK);

    let key = random_key();
    let wrong = srv.enrol_request(DeviceId::new(), "chief1", "wrong", &key).await;
    let (status, body) = srv.call("POST", "/api/v1/enrol", None, Some(&wrong)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "bad_credentials");
    let (status, _) = srv.get("/api/v1/sync/pull?after=0", "xd_not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
story!(a_device_enrols_with_its_users_credentials);

async fn a_device_signing_in_again_keeps_its_id_and_no_other_key_can_take_it(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let key = random_key();
    let device = DeviceId::new();
    let enrol = async |login: &str, key: &ed25519_dalek::SigningKey| {
        srv.enrol_request(device, login, &password_of(login), key).await
    };
    let (status, first) = srv
        .call("POST", "/api/v1/enrol", None, Some(&enrol("chief1", &key).await))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["device"], json!(device));
    // The same phone signs in again (a new token; the old one stops working).
    let (status, second) = srv
        .call("POST", "/api/v1/enrol", None, Some(&enrol("chief1", &key).await))
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["device"], json!(device));
    let old = first["token"].as_str().unwrap();
    let new = second["token"].as_str().unwrap();
    let (status, _) = srv.get("/api/v1/sync/pull?after=0", old).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = srv.get("/api/v1/sync/pull?after=0", new).await;
    assert_eq!(status, StatusCode::OK);
    // Another key cannot claim the id.
    let (status, body) = srv
        .call(
            "POST",
            "/api/v1/enrol",
            None,
            Some(&enrol("chief1", &random_key()).await),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "device_id_taken");
    let devices = srv.state.db.read(|s| s.devices()).await.unwrap();
    assert_eq!(devices.iter().filter(|d| d.id == device).count(), 1);
}
story!(a_device_signing_in_again_keeps_its_id_and_no_other_key_can_take_it);

async fn a_replayed_push_is_stored_once_and_answered_alike(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
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
    assert_eq!(replay, first, "a replay gets the same answer");
    assert_eq!(again, first);
    assert_eq!(srv.event_count().await - before, 4, "one copy of each event");

    // A batch sent out of order is put in order; half old, half new is fine too.
    let e5 = phone.next(track(patrol, 10));
    let e6 = phone.next(track(patrol, 10));
    let mixed = srv.push_ok(&phone, &[e6, events[3].clone(), e5]).await;
    assert_eq!(outcome_status(&mixed), vec!["accepted", "accepted", "accepted"]);
    // The same event twice in one batch: answered once, the repeat marked.
    let e7 = phone.next(track(patrol, 10));
    let twice = srv.push_ok(&phone, &[e7.clone(), e7]).await;
    assert_eq!(outcome_status(&twice), vec!["accepted", "duplicate"]);
    assert_eq!(mixed.head.map(|h| h.seq), Some(6));
    assert_eq!(srv.event_count().await - before, 7);
}
story!(a_replayed_push_is_stored_once_and_answered_alike);

async fn an_event_breaking_a_rule_is_kept_flagged_and_the_chain_moves_on(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let (_patrol, finding, mut events) = phone.patrol_with_finding();
    // Rectified before it was ever assigned: evidence of a mistake, kept but not applied.
    events.push(phone.next(Payload::FindingRectified(FindingRectified {
        finding,
        note: "已整改".into(),
        after_photos: vec![],
        position: None,
        rectified_at: UnixMs(now()),
    })));
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
    assert_eq!(code_of(&r, 2), "not_assigned");
    assert_eq!(code_of(&r, 3), "invalid");
    assert_eq!(r.head.map(|h| h.seq), Some(4), "the chain moves past kept events");
    let replay = srv.push_ok(&phone, &events).await;
    assert_eq!(replay, r, "a replay gets the same answer, rejections included");
}
story!(an_event_breaking_a_rule_is_kept_flagged_and_the_chain_moves_on);

async fn forged_reordered_and_badly_signed_chains_are_refused(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
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
        occurred_at: None,
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
        .post(
            "/api/v1/sync/push",
            &phone.token,
            &json!({"events": [{"id": "nonsense", "seq": 3}, next]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!(outcome_status(&r), vec!["rejected", "accepted"]);
    assert_eq!(code_of(&r, 0), "unreadable");
}
story!(forged_reordered_and_badly_signed_chains_are_refused);

async fn each_phone_pulls_only_what_it_may_see_and_the_office_sees_its_unit(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let reach = |name: &str, unit: xuncha_domain::UnitId| {
        json!({"id": xuncha_domain::ReachId::new(), "name": name, "unit": unit,
            "line": [{"lon": 114.10, "lat": 30.65}, {"lon": 114.11, "lat": 30.66}], "length_m": 1500.0, "chiefs": []})
    };
    let (s, r1) = srv
        .post("/api/v1/office/reaches", &office, &reach("一队渠", seed.b1.id))
        .await;
    assert_eq!(s, StatusCode::OK, "{r1}");
    let (s, r2) = srv
        .post("/api/v1/office/reaches", &office, &reach("二队渠", seed.b2.id))
        .await;
    assert_eq!(s, StatusCode::OK, "{r2}");

    let mut p1 = srv.enrol("chief1").await;
    let p2 = srv.enrol("chief2").await;
    let (_patrol, finding, events) = p1.patrol_with_finding();
    srv.push_ok(&p1, &events).await;
    let (s, assigned) = srv
        .post(&format!("/api/v1/office/findings/{finding}/assign"), &office, &json!({"assignee": "某建筑公司", "follow_up_by": null, "deadline": now() + 7 * 86_400_000i64, "note": "七日内清运"}))
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
    let (s, list) = srv.get("/api/v1/office/records?kind=finding", &office).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["state"]["state"]["status"], "assigned");
}
story!(each_phone_pulls_only_what_it_may_see_and_the_office_sees_its_unit);

async fn the_offices_decisions_flow_down_and_follow_the_state_machine(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;
    let (_p, finding, events) = phone.patrol_with_finding();
    srv.push_ok(&phone, &events).await;
    let path = |what: &str| format!("/api/v1/office/findings/{finding}/{what}");
    let (s, body) = srv.post(&path("verify"), &office, &json!({"note": "好"})).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "cannot verify what was not rectified: {body}"
    );
    let (s, _) = srv
        .post(&path("assign"), &office, &json!({"assignee": "村委会", "follow_up_by": null, "deadline": now() + 86_400_000i64, "note": ""}))
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
        .post(&path("verify"), &office, &json!({"note": "现场复核通过"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{verified}");
    let pulled = srv.pull_all(&phone).await;
    assert!(
        pulled
            .iter()
            .any(|e| e.id.to_string() == verified["id"].as_str().unwrap())
    );
    let (_, detail) = srv.finding_detail(&office, finding).await;
    assert_eq!(detail["record"]["state"]["state"]["status"], "verified");
    assert_eq!(detail["timeline"].as_array().unwrap().len(), 4);
    let (s, _) = srv
        .post(&path("reopen"), &office, &json!({"reason": "复查发现反弹"}))
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
    let example = &doc["components"]["schemas"]["PushResponse"]["examples"][0];
    assert_eq!(
        example["results"][1]["status"], "rejected",
        "examples show the real wire shape: {example}"
    );
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
    let (srv, _) = TestServer::seeded(b).await;
    // The chief's phone reports and later rectifies; the office's tablet (used on site in
    // between) assigns the rectification but reaches the server last.
    let mut first = srv.enrol("chief1").await;
    let mut second = srv.enrol("office").await;
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
    let (_, detail) = srv.finding_detail(&office, finding).await;
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
    assert_eq!(
        outcome_status(&replay),
        vec!["accepted"; 3],
        "the answer says what is true now"
    );
}
story!(a_late_event_refolds_its_record_in_clock_order);

async fn reference_data_from_a_device_is_kept_flagged_and_never_handed_out(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let neighbour = srv.enrol("chief1").await;
    let reach = phone.next(Payload::ReachDefined(xuncha_domain::reference::Reach {
        id: xuncha_domain::ReachId::new(),
        name: "私自定义的河段".into(),
        unit: seed.b1.id,
        line: vec![
            xuncha_domain::Position::new(114.1, 30.65),
            xuncha_domain::Position::new(114.2, 30.66),
        ],
        length_m: 900.0,
        chiefs: vec![],
    }));
    let r = srv.push_ok(&phone, std::slice::from_ref(&reach)).await;
    assert_eq!(outcome_status(&r), vec!["rejected-kept"]);
    assert_eq!(code_of(&r, 0), "not_authorised");
    let pulled = srv.pull_all(&neighbour).await;
    assert!(
        pulled.iter().all(|e| e.id != reach.id),
        "a device's reference data never flows down"
    );
}
story!(reference_data_from_a_device_is_kept_flagged_and_never_handed_out);
