//! Over 500 lines: one story per attack class of issue 11, sharing their setup.
//! Attacks on who may write what (issue 11, classes 1, 2, 3 and 6) and on what a field user
//! receives, each made as an attacker would: through the public HTTP API of a real server on
//! 127.0.0.1, with correctly signed events from enrolled devices, on SQLite and PostgreSQL.
//! Each test asserts the refusal (a kept event flagged `not_authorised`, or 403) and that the
//! record on the server did not change and nothing refused reaches another device.

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::payload::*;
use xuncha_domain::people::{Unit, UnitKind, User};
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::{
    BlobHash, ChecklistId, Event, FindingId, InspectionId, PatrolId, Position, ReachId, SiteId, UnitId,
    UnixMs,
};
use xuncha_testsupport::*;

// ---- helpers -------------------------------------------------------------------------------

/// Pushes one event and answers its outcome code ("accepted" or the rejection's code).
async fn push_one(srv: &TestServer, phone: &Phone, event: &Event) -> String {
    let r = srv.push_ok(phone, std::slice::from_ref(event)).await;
    match outcome_status(&r)[0] {
        "accepted" => "accepted".into(),
        "rejected-kept" => code_of(&r, 0),
        other => panic!("the event was not kept: {other} {r:?}"),
    }
}

/// The office's view of a record (state and timeline), or its HTTP status if refused.
async fn record(
    srv: &TestServer,
    office: &str,
    kind: &str,
    id: impl std::fmt::Display,
) -> (StatusCode, Value) {
    srv.get(&format!("/api/v1/office/records/{kind}/{id}"), office)
        .await
}

/// A record as filed: its owner, unit and folded state.
async fn state_of(srv: &TestServer, office: &str, kind: &str, id: impl std::fmt::Display) -> Value {
    let (status, body) = record(srv, office, kind, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = &body["record"];
    json!({"owner": r["owner"], "unit": r["unit"], "state": r["state"]})
}

/// Creates a user through the admin API (so the test goes through the same door as an office).
async fn add_user(srv: &TestServer, admin: &str, login: &str, unit: UnitId, role: Value) -> User {
    let (status, body) = srv
        .post("/api/v1/office/users", admin, &json!({"login": login, "name": login, "unit": unit, "roles": [role], "password": password_of(login)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

fn started(phone: &Phone, patrol: PatrolId, kind: PatrolKind) -> Payload {
    Payload::PatrolStarted(PatrolStarted {
        patrol,
        kind,
        unit: phone.user.unit,
        patroller: phone.user.id,
        reach: None,
        area: Some("幸福渠".into()),
        started_at: UnixMs(now()),
    })
}

fn rectified(finding: FindingId) -> Payload {
    Payload::FindingRectified(FindingRectified {
        finding,
        note: "已清运".into(),
        after_photos: vec![],
        position: None,
        rectified_at: UnixMs(now()),
    })
}

fn verified(finding: FindingId) -> Payload {
    Payload::FindingVerified(FindingVerified {
        finding,
        note: "验收合格".into(),
        verified_at: UnixMs(now()),
    })
}

fn assigned(finding: FindingId) -> Payload {
    Payload::RectificationAssigned(RectificationAssigned {
        finding,
        assignee: "村委会".into(),
        follow_up_by: None,
        deadline: UnixMs(now() + 86_400_000),
        note: "限期清运".into(),
    })
}

fn reach(unit: UnitId, chiefs: Vec<xuncha_domain::UserId>) -> Reach {
    Reach {
        id: ReachId::new(),
        name: "幸福渠".into(),
        unit,
        line: vec![Position::new(114.1, 30.65), Position::new(114.11, 30.66)],
        length_m: 1_400.0,
        chiefs,
    }
}

fn site(unit: UnitId) -> Site {
    Site {
        id: SiteId::new(),
        name: "某化工厂".into(),
        kind: SiteKind::Enterprise,
        address: "工业路 1 号".into(),
        location: Position::new(114.1, 30.65),
        unit,
    }
}

async fn post(
    srv: &TestServer,
    token: &str,
    path: &str,
    body: &impl serde::Serialize,
) -> (StatusCode, Value) {
    srv.post(path, token, &serde_json::to_value(body).unwrap()).await
}

// ---- class 1: writes to records are authorised ---------------------------------------------

async fn a_chief_cannot_write_to_another_chiefs_records(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut owner = srv.enrol("chief1").await;
    let mut other = srv.enrol("chief2").await;
    let office_device = srv.enrol("office").await;
    let office = srv.login("office").await;
    let (patrol, finding, events) = owner.patrol_with_finding();
    assert_eq!(
        outcome_status(&srv.push_ok(&owner, &events).await),
        vec!["accepted"; 2]
    );
    let finding_before = state_of(&srv, &office, "finding", finding).await;
    let patrol_before = state_of(&srv, &office, "patrol", patrol).await;

    // Chief B, knowing the ids, amends, rectifies, verifies, reopens, assigns and adds photos to
    // chief A's finding, and appends to and ends chief A's patrol.
    let attacks = vec![
        Payload::FindingAmended(FindingAmended {
            finding,
            category: None,
            description: Some("并无问题".into()),
            severity: Some(Severity::Critical),
            location: None,
        }),
        assigned(finding),
        rectified(finding),
        verified(finding),
        Payload::FindingReopened(FindingReopened {
            finding,
            reason: "重新整改".into(),
            at: UnixMs(now()),
        }),
        photo_of(finding, BlobHash::of(b"someone else's photo")),
        track(patrol, 3),
        Payload::PatrolEnded(PatrolEnded {
            patrol,
            ended_at: UnixMs(now()),
            notes: "代为结束".into(),
        }),
    ];
    let mut refused = Vec::new();
    for payload in attacks {
        let e = other.next(payload);
        assert_eq!(
            push_one(&srv, &other, &e).await,
            "not_authorised",
            "{}",
            e.payload.type_name()
        );
        refused.push(e.id);
    }

    assert_eq!(state_of(&srv, &office, "finding", finding).await, finding_before);
    assert_eq!(state_of(&srv, &office, "patrol", patrol).await, patrol_before);
    // Kept as evidence, flagged, and handed to nobody: not the owner, not the office's device.
    let (_, detail) = record(&srv, &office, "finding", finding).await;
    let flagged = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["flag"] == "not_authorised")
        .count();
    assert_eq!(flagged, 6, "{detail}");
    for phone in [&owner, &office_device] {
        let pulled = srv.pull_all(phone).await;
        assert!(
            pulled.iter().all(|e| !refused.contains(&e.id)),
            "a refused event was handed out"
        );
    }
}
story!(a_chief_cannot_write_to_another_chiefs_records);

async fn a_chief_cannot_verify_or_assign_his_own_finding(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut chief = srv.enrol("chief1").await;
    let office = srv.login("office").await;
    let (_, finding, events) = chief.patrol_with_finding();
    srv.push_ok(&chief, &events).await;

    // Reported → assigned by himself: refused.
    let e = chief.next(assigned(finding));
    assert_eq!(push_one(&srv, &chief, &e).await, "not_authorised");
    assert_eq!(
        state_of(&srv, &office, "finding", finding).await["state"]["state"]["status"],
        "reported"
    );

    // The office assigns; the chief rectifies (his to do) but may not verify it himself.
    let (status, body) = srv
        .post(
            &format!("/api/v1/office/findings/{finding}/assign"),
            &office,
            &json!({"assignee": "村委会", "follow_up_by": null, "deadline": now() + 86_400_000, "note": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    srv.sync_down(&mut chief).await;
    let e = chief.next(rectified(finding));
    assert_eq!(push_one(&srv, &chief, &e).await, "accepted");
    let before = state_of(&srv, &office, "finding", finding).await;
    let e = chief.next(verified(finding));
    assert_eq!(push_one(&srv, &chief, &e).await, "not_authorised");
    let after = state_of(&srv, &office, "finding", finding).await;
    assert_eq!(after, before);
    assert_eq!(after["state"]["state"]["status"], "rectified");
}
story!(a_chief_cannot_verify_or_assign_his_own_finding);

// ---- class 2: roles ------------------------------------------------------------------------

async fn each_role_starts_only_its_own_workflow(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let admin = srv.login("admin").await;
    add_user(
        &srv,
        &admin,
        "volunteer",
        seed.b1.id,
        json!({"role": "river_chief", "level": "volunteer"}),
    )
    .await;
    let mut inspector = srv.enrol("inspector").await;
    let mut patroller = srv.enrol("patroller").await;
    let mut chief = srv.enrol("chief1").await;
    let mut volunteer = srv.enrol("volunteer").await;

    // A safety inspector starts a river patrol; a patroller too; a chief a fishing-ban patrol
    // and a safety inspection: all refused, no record made.
    let count = srv.event_count().await;
    let attempts = [
        (&mut inspector, PatrolKind::River),
        (&mut patroller, PatrolKind::River),
        (&mut chief, PatrolKind::FishingBan),
    ];
    let mut n = 0;
    for (phone, kind) in attempts {
        let patrol = PatrolId::new();
        let e = phone.next(started(phone, patrol, kind));
        assert_eq!(
            push_one(&srv, phone, &e).await,
            "not_authorised",
            "{} {kind:?}",
            phone.user.login
        );
        assert_eq!(
            record(&srv, &office, "patrol", patrol).await.0,
            StatusCode::NOT_FOUND
        );
        n += 1;
    }
    let inspection = InspectionId::new();
    let e = chief.next(Payload::InspectionStarted(InspectionStarted {
        inspection,
        site: SiteId::new(),
        unit: chief.user.unit,
        inspector: chief.user.id,
        checklist: ChecklistId::new(),
        checklist_version: 1,
        items: vec![ChecklistItem {
            code: "fire-01".into(),
            text: "灭火器在有效期内".into(),
            legal_basis: "消防法".into(),
        }],
        position: None,
        started_at: UnixMs(now()),
    }));
    assert_eq!(push_one(&srv, &chief, &e).await, "not_authorised");
    assert_eq!(
        record(&srv, &office, "inspection", inspection).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        srv.event_count().await,
        count + n + 1,
        "kept as evidence, nothing else"
    );

    // The right roles may: a patroller's fishing-ban patrol is accepted.
    let e = patroller.next(started(&patroller, PatrolId::new(), PatrolKind::FishingBan));
    assert_eq!(push_one(&srv, &patroller, &e).await, "accepted");

    // A volunteer chief reports on his patrol but may neither assign nor verify.
    let (_, finding, events) = volunteer.patrol_with_finding();
    assert_eq!(
        outcome_status(&srv.push_ok(&volunteer, &events).await),
        vec!["accepted"; 2]
    );
    let before = state_of(&srv, &office, "finding", finding).await;
    for payload in [assigned(finding), verified(finding)] {
        let e = volunteer.next(payload);
        assert_eq!(push_one(&srv, &volunteer, &e).await, "not_authorised");
    }
    assert_eq!(state_of(&srv, &office, "finding", finding).await, before);
}
story!(each_role_starts_only_its_own_workflow);

// ---- class 3: payload claims ---------------------------------------------------------------

async fn payload_claims_of_another_patroller_unit_or_author_are_refused(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut chief = srv.enrol("chief1").await;
    let victim = srv.enrol("chief2").await;

    let count = srv.event_count().await;
    // A patrol "by chief B", a patrol "in unit B", and a finding whose envelope says chief B.
    let mut claims = Vec::new();
    let p1 = PatrolId::new();
    let mut payload = started(&chief, p1, PatrolKind::River);
    if let Payload::PatrolStarted(s) = &mut payload {
        s.patroller = seed.chief2.id;
    }
    claims.push((p1, chief.next(payload)));
    let p2 = PatrolId::new();
    let mut payload = started(&chief, p2, PatrolKind::River);
    if let Payload::PatrolStarted(s) = &mut payload {
        s.unit = seed.b2.id;
    }
    claims.push((p2, chief.next(payload)));
    let p3 = PatrolId::new();
    chief.user.id = seed.chief2.id; // the phone signs events that name another author
    let payload = started(&chief, p3, PatrolKind::River);
    claims.push((p3, chief.next(payload)));
    chief.user.id = seed.chief1.id;
    for (patrol, e) in &claims {
        assert_eq!(push_one(&srv, &chief, e).await, "not_authorised");
        assert_eq!(
            record(&srv, &office, "patrol", patrol).await.0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(srv.event_count().await, count + 3);
    let pulled = srv.pull_all(&victim).await;
    assert!(pulled.iter().all(|e| claims.iter().all(|(_, c)| c.id != e.id)));

    // The honest patrol is filed under the signed-in chief and his unit.
    let (patrol, _, events) = chief.patrol_with_finding();
    srv.push_ok(&chief, &events).await;
    let r = state_of(&srv, &office, "patrol", patrol).await;
    assert_eq!(r["owner"], json!(seed.chief1.id));
    assert_eq!(r["unit"], json!(seed.b1.id));
}
story!(payload_claims_of_another_patroller_unit_or_author_are_refused);

// ---- class 6: reference data and the unit tree ---------------------------------------------

async fn offices_change_reference_data_only_inside_their_subtree(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let admin = srv.login("admin").await;
    let street_office = srv.login("office").await;
    add_user(&srv, &admin, "office-b1", seed.b1.id, json!({"role": "office"})).await;
    add_user(&srv, &admin, "admin-b1", seed.b1.id, json!({"role": "admin"})).await;
    let office_b1 = srv.login("office-b1").await;
    let admin_b1 = srv.login("admin-b1").await;

    // The street office files a reach and a site in brigade 2 and publishes a checklist.
    let r2 = reach(seed.b2.id, vec![]);
    let s2 = site(seed.b2.id);
    let checklist = ChecklistTemplate {
        id: ChecklistId::new(),
        version: 1,
        name: "企业消防检查".into(),
        items: vec![ChecklistItem {
            code: "fire-01".into(),
            text: "灭火器在有效期内".into(),
            legal_basis: "消防法".into(),
        }],
    };
    for (path, body) in [
        ("/api/v1/office/reaches", serde_json::to_value(&r2).unwrap()),
        ("/api/v1/office/sites", serde_json::to_value(&s2).unwrap()),
        (
            "/api/v1/office/checklists",
            serde_json::to_value(&checklist).unwrap(),
        ),
    ] {
        let (status, body) = post(&srv, &street_office, path, &body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let count = srv.event_count().await;
    let units_before = srv.state.db.read(|s| s.units()).await.unwrap();

    // Brigade 1's office: a reach and a site in the sibling brigade, taking over brigade 2's
    // reach and site, replacing the checklist of the unit above.
    let mut takeover_reach = r2.clone();
    takeover_reach.unit = seed.b1.id;
    let mut takeover_site = s2.clone();
    takeover_site.unit = seed.b1.id;
    let mut newer = checklist.clone();
    newer.version = 2;
    newer.items[0].text = "灭火器在有效期内且压力正常".into();
    let attempts: Vec<(&str, &str, Value)> = vec![
        (
            "/api/v1/office/reaches",
            "reach in sibling",
            serde_json::to_value(reach(seed.b2.id, vec![])).unwrap(),
        ),
        (
            "/api/v1/office/sites",
            "site in sibling",
            serde_json::to_value(site(seed.b2.id)).unwrap(),
        ),
        (
            "/api/v1/office/reaches",
            "take over reach",
            serde_json::to_value(&takeover_reach).unwrap(),
        ),
        (
            "/api/v1/office/sites",
            "take over site",
            serde_json::to_value(&takeover_site).unwrap(),
        ),
        (
            "/api/v1/office/checklists",
            "checklist above",
            serde_json::to_value(&newer).unwrap(),
        ),
    ];
    for (path, what, body) in &attempts {
        let (status, body) = post(&srv, &office_b1, path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
    }

    // Brigade 1's admin: re-parent brigade 2 under brigade 1, a new top-level unit, moving his
    // own brigade under brigade 2, a user in brigade 2.
    let mut moved = seed.b2.clone();
    moved.parent = Some(seed.b1.id);
    let root = Unit {
        id: UnitId::new(),
        name: "另立街道".into(),
        kind: UnitKind::Subdistrict,
        parent: None,
        code: "X".into(),
    };
    let mut own_moved = seed.b1.clone();
    own_moved.parent = Some(seed.b2.id);
    for (what, unit) in [
        ("re-parent sibling", &moved),
        ("new root", &root),
        ("move own unit", &own_moved),
    ] {
        let (status, body) = post(&srv, &admin_b1, "/api/v1/office/units", unit).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
    }
    // Not even the top admin makes a new root through the API: only `xuncha-server admin create`.
    let (status, body) = post(&srv, &admin, "/api/v1/office/units", &root).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = srv
        .post(
            "/api/v1/office/users",
            &admin_b1,
            &json!({"login": "planted", "name": "x", "unit": seed.b2.id,
                         "roles": [{"role": "office"}], "password": password_of("planted")}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Nothing changed: no event, the same unit tree, the reach and site still brigade 2's, the
    // checklist still version 1.
    assert_eq!(srv.event_count().await, count);
    assert_eq!(srv.state.db.read(|s| s.units()).await.unwrap(), units_before);
    let stored = |kind: AggregateKind, id: uuid::Uuid| {
        let st = srv.state.clone();
        async move {
            let row = st
                .db
                .read(move |s| s.aggregate_get(AggregateRef { kind, id }))
                .await
                .unwrap()
                .unwrap();
            serde_json::from_str::<Value>(&row.state).unwrap()
        }
    };
    assert_eq!(
        stored(AggregateKind::Reach, r2.id.0).await["state"]["unit"],
        json!(seed.b2.id)
    );
    assert_eq!(
        stored(AggregateKind::Site, s2.id.0).await["state"]["unit"],
        json!(seed.b2.id)
    );
    assert_eq!(
        stored(AggregateKind::Checklist, checklist.id.0).await["state"]["version"],
        1
    );

    // Inside their subtree they may: brigade 1's office files a site of its own, its admin a
    // community under brigade 1, and the street office replaces its own checklist.
    let (status, body) = post(&srv, &office_b1, "/api/v1/office/sites", &site(seed.b1.id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let community = Unit {
        id: UnitId::new(),
        name: "幸福社区".into(),
        kind: UnitKind::Community,
        parent: Some(seed.b1.id),
        code: "T-1-1".into(),
    };
    let (status, body) = post(&srv, &admin_b1, "/api/v1/office/units", &community).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(&srv, &street_office, "/api/v1/office/checklists", &newer).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
story!(offices_change_reference_data_only_inside_their_subtree);

async fn office_decisions_reach_only_findings_of_the_offices_subtree(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let admin = srv.login("admin").await;
    add_user(&srv, &admin, "office-b1", seed.b1.id, json!({"role": "office"})).await;
    let office_b1 = srv.login("office-b1").await;
    let street_office = srv.login("office").await;
    let mut chief2 = srv.enrol("chief2").await;
    let (_, finding, events) = chief2.patrol_with_finding();
    srv.push_ok(&chief2, &events).await;
    let before = state_of(&srv, &street_office, "finding", finding).await;
    let count = srv.event_count().await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/office/findings/{finding}/assign"),
            &office_b1,
            &json!({"assignee": "x", "follow_up_by": null, "deadline": now() + 86_400_000, "note": ""}),
        )
        .await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status} {body}"
    );
    assert_eq!(srv.event_count().await, count);
    assert_eq!(state_of(&srv, &street_office, "finding", finding).await, before);
}
story!(office_decisions_reach_only_findings_of_the_offices_subtree);

// ---- jurisdiction of pulls -----------------------------------------------------------------

async fn a_field_user_receives_the_reference_data_of_their_jurisdiction(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let inspector = srv.enrol("inspector").await; // street level
    let patroller = srv.enrol("patroller").await; // street level
    let chief1 = srv.enrol("chief1").await; // brigade 1
    let chief2 = srv.enrol("chief2").await; // brigade 2

    // Filed under the brigades: an enterprise and a restaurant in brigade 1, a reach of
    // brigade 2 that names chief 1 among its chiefs, and a reach of brigade 2 that does not.
    let enterprise = site(seed.b1.id);
    let mut restaurant = site(seed.b1.id);
    restaurant.kind = SiteKind::Restaurant;
    let shared = reach(seed.b2.id, vec![seed.chief2.id, seed.chief1.id]);
    let own = reach(seed.b2.id, vec![seed.chief2.id]);
    for (path, body) in [
        ("/api/v1/office/sites", serde_json::to_value(&enterprise).unwrap()),
        ("/api/v1/office/sites", serde_json::to_value(&restaurant).unwrap()),
        ("/api/v1/office/reaches", serde_json::to_value(&shared).unwrap()),
        ("/api/v1/office/reaches", serde_json::to_value(&own).unwrap()),
    ] {
        let (status, body) = post(&srv, &office, path, &body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let sites = |events: &[Event]| -> Vec<SiteId> {
        events
            .iter()
            .filter_map(|e| match &e.payload {
                Payload::SiteDefined(s) => Some(s.id),
                _ => None,
            })
            .collect()
    };
    let reaches = |events: &[Event]| -> Vec<ReachId> {
        events
            .iter()
            .filter_map(|e| match &e.payload {
                Payload::ReachDefined(r) => Some(r.id),
                _ => None,
            })
            .collect()
    };

    // Street level receives the brigades' sites (units below).
    let got = srv.pull_all(&inspector).await;
    assert!(
        sites(&got).contains(&enterprise.id),
        "the street inspector gets brigade enterprises"
    );
    let got = srv.pull_all(&patroller).await;
    assert!(
        sites(&got).contains(&restaurant.id),
        "the street patroller gets brigade restaurants"
    );
    // A chief receives a reach that names him, even filed in another brigade; not the other.
    let got = srv.pull_all(&chief1).await;
    assert!(
        reaches(&got).contains(&shared.id),
        "a reach naming chief 1 reaches him"
    );
    assert!(
        !reaches(&got).contains(&own.id),
        "a sibling brigade's other reach does not"
    );
    assert!(sites(&got).contains(&enterprise.id), "his own brigade's sites");
    // Nothing of a sibling brigade otherwise.
    let got = srv.pull_all(&chief2).await;
    assert!(reaches(&got).contains(&own.id) && reaches(&got).contains(&shared.id));
    assert!(sites(&got).is_empty(), "brigade 1's sites do not reach brigade 2");
}
story!(a_field_user_receives_the_reference_data_of_their_jurisdiction);
