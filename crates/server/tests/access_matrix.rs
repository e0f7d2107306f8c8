//! Every endpoint × every kind of caller, expected allow or deny, in one table. "Deny" means
//! 401 or 403; "allow" means anything else that is not a server error (a well-authenticated
//! request with a dummy body may still get 404/409/422).
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::BlobHash;
use xuncha_testsupport::*;

/// The callers, in the order of the table's columns.
const CALLERS: [&str; 8] = [
    "anonymous",
    "chief1 device",
    "chief2 device",
    "office session",
    "admin session",
    "chief1 session",
    "inspector session",
    "patroller session",
];

const Y: bool = true;
const N: bool = false;

#[rustfmt::skip]
const MATRIX: &[(&str, &str, [bool; 8])] = &[
    //                                                    anon chf1d chf2d office admin chf1s insp patrol
    ("GET",  "/healthz",                                  [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("GET",  "/readyz",                                   [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("GET",  "/api/v1/openapi.json",                      [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("POST", "/api/v1/enrol",                             [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("POST", "/api/v1/enrol/challenge",                   [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    // A device's own token only (each device cell uses a spare device: these end the token).
    ("POST", "/api/v1/token/refresh",                     [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("POST", "/api/v1/token/revoke",                      [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("POST", "/api/v1/session",                           [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("POST", "/api/v1/sync/push",                         [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("GET",  "/api/v1/sync/pull",                         [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("POST", "/api/v1/blobs/missing",                     [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("GET",  "/api/v1/blobs/{hash}/upload",               [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("PUT",  "/api/v1/blobs/{hash}/upload",               [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("POST", "/api/v1/blobs/batch",                       [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("GET",  "/api/v1/blobs/{hash}",                      [N,   Y,    N,    Y,     Y,    Y,    N,   N]),
    ("GET",  "/api/v1/office/units",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/units",                      [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/users",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/users",                      [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/devices",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/users/{id}/disable",         [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/users/{id}/password",        [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/devices/{id}/revoke",        [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/reaches",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/sites",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/checklists",                 [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/patrol-rules",               [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/records",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/reports/year?year=2020",     [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/reports/year.xlsx?year=2020",[N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/overview",                   [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/reaches",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/sites",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/checklists",                 [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/tracks?from=0&to=1000",      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/patrol-rules",               [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/reports/quota?year=2020",    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/reports/problems?year=2020", [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/records/{kind}/{id}",        [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/findings/{id}/assign",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/findings/{id}/verify",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/findings/{id}/reopen",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/records/{kind}/{id}/review", [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/records/{kind}/{id}/documents", [N, N,  N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/records/{kind}/{id}/documents/{doc}", [N, N, N, Y,   Y,    N,    N,   N]),
    // Whoever holds a document may check it: it answers event kinds and times, no content.
    ("GET",  "/api/v1/verify/{kind}/{id}/{hash}",         [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("POST", "/api/v1/verify",                            [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("GET",  "/verify/{kind}/{id}/{hash}",                [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("POST", "/api/v1/office/exports/documents",          [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/exports/photos",             [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/exports/records.xlsx",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/exports/map.geojson?from=0&to=1000", [N, N, N, Y,   Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/exports/tracks.gpx?from=0&to=1000",  [N, N, N, Y,   Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/exports/{id}",               [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/exports/{id}/file",          [N,   N,    N,    Y,     Y,    N,    N,   N]),
    // Last: it ends the sessions the rows above use.
    ("DELETE", "/api/v1/session",                         [N,   N,    N,    Y,     Y,    Y,    Y,   Y]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_allows_exactly_the_callers_in_the_matrix() {
    // The table covers every route and nothing else.
    let mut documented: Vec<_> = xuncha_server::app::ROUTES
        .iter()
        .map(|r| (r.method, r.path))
        .collect();
    // A row may carry the query its call needs (`?year=`); the route is the path before it.
    let mut tabled: Vec<_> = MATRIX
        .iter()
        .map(|(m, p, _)| (*m, p.split('?').next().unwrap_or(p)))
        .collect();
    documented.sort();
    tabled.sort();
    assert_eq!(
        documented, tabled,
        "the matrix must list every route exactly once"
    );

    let b = sqlite();
    let srv = TestServer::start(&b).await;
    let seed = seed(&srv.state).await;
    let mut chief1 = srv.enrol("chief1").await;
    let chief2 = srv.enrol("chief2").await;
    let throwaway = srv.enrol("patroller").await;
    let leaver = xuncha_server::office::create_user_with_password(
        &srv.state,
        xuncha_domain::people::User {
            active_from: None,
            id: xuncha_domain::UserId::new(),
            name: "离职人员".into(),
            login: "leaver".into(),
            unit: seed.b1.id,
            roles: vec![xuncha_domain::people::Role::FishingBanPatroller],
        },
        password_of("leaver"),
        None,
    )
    .await
    .unwrap();
    let photo = random_bytes(2_000);
    let hash = BlobHash::of(&photo);
    let (_p, finding, mut events) = chief1.patrol_with_finding();
    events.push(chief1.next(photo_of(finding, hash)));
    srv.push_ok(&chief1, &events).await;
    let resp = srv
        .http
        .put(srv.url(&format!(
            "/api/v1/blobs/{hash}/upload?offset=0&total={}",
            photo.len()
        )))
        .bearer_auth(&chief1.token)
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let tokens: [Option<String>; 8] = [
        None,
        Some(chief1.token.clone()),
        Some(chief2.token.clone()),
        Some(srv.login("office").await),
        Some(srv.login("admin").await),
        Some(srv.login("chief1").await),
        Some(srv.login("inspector").await),
        Some(srv.login("patroller").await),
    ];
    let unit = |code: String| json!({"id": xuncha_domain::UnitId::new(), "name": "新单位", "kind": "brigade", "parent": seed.street.id, "code": code});
    let mut failures = Vec::new();
    let mut n = 0;
    for (method, template, expected) in MATRIX {
        for (i, token) in tokens.iter().enumerate() {
            n += 1;
            let path = template
                .replace("{hash}", &hash.to_hex())
                .replace("{kind}", "finding")
                .replace("/devices/{id}", &format!("/devices/{}", throwaway.device))
                .replace("/users/{id}", &format!("/users/{}", leaver.id))
                .replace("{id}", &finding.to_string());
            let body: Option<Value> = match (*method, *template) {
                ("POST", "/api/v1/enrol") => {
                    Some(json!({"login": "chief1", "password": password_of("chief1"),
                    "device_name": "矩阵", "public_key": hex::encode(random_key().verifying_key().to_bytes())}))
                }
                ("POST", "/api/v1/session") => {
                    Some(json!({"login": "chief1", "password": password_of("chief1")}))
                }
                ("POST", "/api/v1/sync/push") => Some(json!({"events": []})),
                ("POST", "/api/v1/blobs/missing") => Some(json!({"hashes": [hash]})),
                ("POST", "/api/v1/office/units") => Some(unit(format!("M-{n}"))),
                ("POST", "/api/v1/office/users") => Some(json!({"login": format!("m{n}"), "name": "新人",
                    "unit": seed.b1.id, "roles": [{"role": "safety_inspector"}], "password": "a-long-password"})),
                ("POST", _) => Some(json!({})),
                _ => None,
            };
            // Refresh and sign-out end the token they are called with: a spare device of the
            // same user calls them, so the rows after still have chief1's and chief2's tokens.
            let spare;
            let token = match (*template, i) {
                ("/api/v1/token/refresh" | "/api/v1/token/revoke", 1 | 2) => {
                    spare = Some(srv.enrol(if i == 1 { "chief1" } else { "chief2" }).await.token);
                    &spare
                }
                _ => token,
            };
            let (status, answer) = if *method == "PUT" {
                let mut req = srv
                    .http
                    .put(srv.url(&format!("{path}?offset=0&total={}", photo.len())))
                    .body(photo.clone());
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let r = req.send().await.unwrap();
                (r.status(), Value::Null)
            } else {
                srv.call(method, &path, token.as_deref(), body.as_ref()).await
            };
            let denied = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
            if denied == expected[i] || status.is_server_error() {
                failures.push(format!(
                    "{method} {template} as {}: expected {}, got {status} {answer}",
                    CALLERS[i],
                    if expected[i] { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- writes: event type × role × unit ------------------------------------------------------

/// The pushing devices, in the order of the write table's columns: chief 1 owns every record
/// the rows act on (brigade 1); the street office is above it, brigade 2's office beside it.
const WRITERS: [&str; 7] = [
    "chief1 (owner, b1)",
    "chief2 (b2)",
    "volunteer chief (b1)",
    "inspector (street)",
    "patroller (street)",
    "office (street)",
    "office (b2)",
];

/// What a row's event acts on, made fresh for every cell by chief 1 (and the office).
#[derive(Clone, Copy)]
enum Target {
    Nothing,
    OpenPatrol,
    ReportedFinding,
    AssignedFinding,
    RectifiedFinding,
    EndedPatrol,
}

#[rustfmt::skip]
const WRITES: &[(&str, Target, [bool; 7])] = &[
    //                                                      chf1 chf2 vol  insp patr off  offb2
    ("PatrolStarted river",      Target::Nothing,           [Y,   Y,   Y,   N,   N,   N,   N]),
    ("PatrolStarted fishing_ban",Target::Nothing,           [N,   N,   N,   N,   Y,   N,   N]),
    ("InspectionStarted",        Target::Nothing,           [N,   N,   N,   Y,   N,   N,   N]),
    ("TrackPointsAppended",      Target::OpenPatrol,        [Y,   N,   N,   N,   N,   N,   N]),
    ("PatrolEnded",              Target::OpenPatrol,        [Y,   N,   N,   N,   N,   N,   N]),
    ("FindingReported",          Target::OpenPatrol,        [Y,   N,   N,   N,   N,   N,   N]),
    ("FindingAmended",           Target::ReportedFinding,   [Y,   N,   N,   N,   N,   Y,   N]),
    ("PhotoAttached",            Target::ReportedFinding,   [Y,   N,   N,   N,   N,   Y,   N]),
    ("RectificationAssigned",    Target::ReportedFinding,   [N,   N,   N,   N,   N,   Y,   N]),
    ("FindingRectified",         Target::AssignedFinding,   [Y,   N,   N,   N,   N,   Y,   N]),
    ("FindingVerified",          Target::RectifiedFinding,  [N,   N,   N,   N,   N,   Y,   N]),
    ("FindingReopened",          Target::RectifiedFinding,  [N,   N,   N,   N,   N,   Y,   N]),
    // The office above the record reviews it; never its owner, nor an office beside it.
    ("RecordReviewed",           Target::EndedPatrol,       [N,   N,   N,   N,   N,   Y,   N]),
    ("ReachDefined",             Target::Nothing,           [N,   N,   N,   N,   N,   N,   N]),
    // Reference data comes from the office's routes, never from a device's push.
    ("PatrolRulesPublished",     Target::Nothing,           [N,   N,   N,   N,   N,   N,   N]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_type_is_accepted_from_exactly_the_writers_in_the_table() {
    use xuncha_domain::payload::*;
    use xuncha_domain::{FindingId, PatrolId, UnixMs};

    let b = sqlite();
    let srv = TestServer::start(&b).await;
    let seed = seed(&srv.state).await;
    let admin = srv.login("admin").await;
    let office = srv.login("office").await;
    for (login, unit, role) in [
        (
            "volunteer",
            seed.b1.id,
            json!({"role": "river_chief", "level": "volunteer"}),
        ),
        ("office-b2", seed.b2.id, json!({"role": "office"})),
    ] {
        let (status, body) = srv
            .post("/api/v1/office/users", &admin, &json!({"login": login, "name": login, "unit": unit, "roles": [role], "password": password_of(login)}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut owner = srv.enrol("chief1").await;
    let mut writers = Vec::new();
    for login in [
        "chief1",
        "chief2",
        "volunteer",
        "inspector",
        "patroller",
        "office",
        "office-b2",
    ] {
        writers.push(srv.enrol(login).await);
    }

    let mut failures = Vec::new();
    let mut n = 0u32;
    for (row, target, expected) in WRITES {
        for (i, writer) in writers.iter_mut().enumerate() {
            n += 1;
            // A fresh record in the row's state, so each cell is judged on its own.
            let (patrol, finding) = match target {
                Target::Nothing => (PatrolId::new(), FindingId::new()),
                _ => {
                    // The patrol stays open after its finding.
                    let (patrol, finding, events) = owner.patrol_with_finding();
                    let r = srv.push_ok(&owner, &events).await;
                    assert!(
                        outcome_status(&r).iter().all(|o| *o == "accepted"),
                        "{row}: {r:?}"
                    );
                    (patrol, finding)
                }
            };
            if matches!(target, Target::AssignedFinding | Target::RectifiedFinding) {
                let (status, body) = srv
                    .post(&format!("/api/v1/office/findings/{finding}/assign"), &office, &json!({"assignee": "村委会", "follow_up_by": null, "deadline": now() + 86_400_000, "note": ""}))
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            if matches!(target, Target::EndedPatrol) {
                let e = owner.next_at(
                    Payload::PatrolEnded(PatrolEnded {
                        patrol,
                        ended_at: UnixMs(now()),
                        notes: String::new(),
                    }),
                    now() + 5,
                );
                assert_eq!(outcome_status(&srv.push_ok(&owner, &[e]).await), vec!["accepted"]);
            }
            if matches!(target, Target::RectifiedFinding) {
                let e = owner.next_at(rectify(finding), now() + 5);
                assert_eq!(outcome_status(&srv.push_ok(&owner, &[e]).await), vec!["accepted"]);
            }
            let t = UnixMs(now());
            let payload =
                match *row {
                    "PatrolStarted river" | "PatrolStarted fishing_ban" => {
                        Payload::PatrolStarted(PatrolStarted {
                            patrol,
                            kind: if row.ends_with("river") {
                                PatrolKind::River
                            } else {
                                PatrolKind::FishingBan
                            },
                            unit: writer.user.unit,
                            patroller: writer.user.id,
                            reach: None,
                            area: Some("幸福渠".into()),
                            started_at: t,
                        })
                    }
                    "InspectionStarted" => Payload::InspectionStarted(InspectionStarted {
                        inspection: xuncha_domain::InspectionId::new(),
                        site: xuncha_domain::SiteId::new(),
                        unit: writer.user.unit,
                        inspector: writer.user.id,
                        checklist: xuncha_domain::ChecklistId::new(),
                        checklist_version: 1,
                        items: vec![xuncha_domain::reference::ChecklistItem {
                            code: "fire-01".into(),
                            text: "灭火器在有效期内".into(),
                            legal_basis: "消防法".into(),
                        }],
                        position: None,
                        started_at: t,
                    }),
                    "TrackPointsAppended" => track(patrol, 2),
                    "PatrolEnded" => Payload::PatrolEnded(PatrolEnded {
                        patrol,
                        ended_at: t,
                        notes: String::new(),
                    }),
                    "FindingReported" => finding_reported(FindingId::new(), patrol, t),
                    "FindingAmended" => Payload::FindingAmended(FindingAmended {
                        finding,
                        category: None,
                        description: Some("更正描述".into()),
                        severity: None,
                        location: None,
                    }),
                    "PhotoAttached" => photo_of(finding, BlobHash::of(&n.to_le_bytes())),
                    "RectificationAssigned" => Payload::RectificationAssigned(RectificationAssigned {
                        finding,
                        assignee: "村委会".into(),
                        follow_up_by: None,
                        deadline: UnixMs(t.0 + 86_400_000),
                        note: String::new(),
                    }),
                    "FindingRectified" => rectify(finding),
                    "FindingVerified" => Payload::FindingVerified(FindingVerified {
                        finding,
                        note: String::new(),
                        verified_at: t,
                    }),
                    "RecordReviewed" => Payload::RecordReviewed(RecordReviewed {
                        record: RecordRef::Patrol(patrol),
                        decision: ReviewDecision::SentBack,
                        comment: "照片不清晰，请补拍".into(),
                        reviewed_at: t,
                    }),
                    "FindingReopened" => Payload::FindingReopened(FindingReopened {
                        finding,
                        reason: "未整改到位".into(),
                        at: t,
                    }),
                    "ReachDefined" => Payload::ReachDefined(xuncha_domain::reference::Reach {
                        id: xuncha_domain::ReachId::new(),
                        name: "自定河段".into(),
                        unit: writer.user.unit,
                        line: vec![
                            xuncha_domain::Position::new(114.1, 30.65),
                            xuncha_domain::Position::new(114.2, 30.66),
                        ],
                        length_m: 900.0,
                        chiefs: vec![],
                    }),
                    "PatrolRulesPublished" => Payload::PatrolRulesPublished(
                        xuncha_domain::rules::demo_rules(xuncha_domain::RulesId::new(), writer.user.unit, t),
                    ),
                    other => panic!("no event for row {other}"),
                };
            // Stamped after the office's decision, as a phone that has synced would.
            let e = writer.next_at(payload, now() + 10);
            let r = srv.push_ok(writer, &[e]).await;
            let got = match outcome_status(&r)[0] {
                "accepted" => "accepted".to_owned(),
                _ => code_of(&r, 0),
            };
            let want = if expected[i] { "accepted" } else { "not_authorised" };
            if got != want {
                failures.push(format!("{row} by {}: expected {want}, got {got}", WRITERS[i]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn rectify(finding: xuncha_domain::FindingId) -> xuncha_domain::payload::Payload {
    xuncha_domain::payload::Payload::FindingRectified(xuncha_domain::payload::FindingRectified {
        finding,
        note: "已清运".into(),
        after_photos: vec![],
        position: None,
        rectified_at: xuncha_domain::UnixMs(now()),
    })
}
