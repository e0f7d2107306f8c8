//! What the office console reads from the server: each patrol judged under the rules in force
//! (a stricter rule turns a counting patrol into one that does not, with its reason, in the list,
//! its filter and the detail), the overview of today, this week and this month with the quiet
//! phones, a unit's rule book, the year report as a workbook, and the console's own files served
//! at `/` and nothing else of the disk.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::people::ChiefLevel;
use xuncha_domain::rules::{PatrolRules, demo_rules};
use xuncha_domain::time::EARLIEST;
use xuncha_domain::{RulesId, UnixMs};
use xuncha_testsupport::sheet::{row_figures, sheet};
use xuncha_testsupport::*;

async fn publish(srv: &TestServer, token: &str, rules: &PatrolRules) {
    let (status, body) = srv
        .post(
            "/api/v1/office/patrol-rules",
            token,
            &serde_json::to_value(rules).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A seeded server whose street has the demo rules, the office's session, and chief 1's phone
/// after pushing a 40-minute walk that ended 10 minutes ago (its events returned).
async fn walked(b: &Backend) -> (TestServer, Seed, String, Phone, Vec<xuncha_domain::Event>) {
    let (srv, seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    publish(
        &srv,
        &office,
        &demo_rules(RulesId::new(), seed.street.id, EARLIEST),
    )
    .await;
    let mut chief = srv.enrol("chief1").await;
    let events = chief.walked_patrol(now() - 50 * 60_000, 40);
    srv.push_ok(&chief, &events).await;
    (srv, seed, office, chief, events)
}

/// A GET answered as it is (headers and bytes), signed in as `token` if given.
async fn fetch(srv: &TestServer, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = srv.http.get(srv.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The patrols the list gives for `filter` (a query after `kind=patrol`).
async fn patrols(srv: &TestServer, token: &str, filter: &str) -> Vec<Value> {
    let (status, body) = srv
        .get(&format!("/api/v1/office/records?kind=patrol{filter}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stricter_rule_turns_a_counting_patrol_into_one_that_does_not() {
    let b = sqlite();
    let (srv, seed, office, _, _) = walked(&b).await;
    let (_, book) = srv.get("/api/v1/office/patrol-rules", &office).await;
    let v1: PatrolRules = serde_json::from_value(book["versions"][0].clone()).unwrap();

    let listed = patrols(&srv, &office, "").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["judgement"]["counts"], true, "{}", listed[0]);
    // Its track's figures, for the table's columns: about 1.2 m/s for 40 minutes.
    let km = listed[0]["length_m"].as_f64().unwrap() / 1_000.0;
    assert!((2.5..3.2).contains(&km), "{km} km");
    assert!(
        (listed[0]["duration_s"].as_f64().unwrap() - 2_400.0).abs() < 60.0,
        "{}",
        listed[0]
    );
    assert_eq!(patrols(&srv, &office, "&counts=true").await.len(), 1);
    assert!(patrols(&srv, &office, "&counts=false").await.is_empty());
    assert_eq!(patrols(&srv, &office, "&flagged=false").await.len(), 1);

    // The office asks for an hour: the 40-minute patrol no longer counts, and says why.
    let mut v2 = v1.clone();
    v2.version = 2;
    for l in &mut v2.levels {
        if l.level == ChiefLevel::Brigade {
            l.min_duration_min = 60;
        }
    }
    publish(&srv, &office, &v2).await;
    let listed = patrols(&srv, &office, "").await;
    let judgement = &listed[0]["judgement"];
    assert_eq!(judgement["counts"], false, "{judgement}");
    assert_eq!(judgement["rules_version"], 2);
    assert!(
        judgement["reasons_zh"][0]
            .as_str()
            .unwrap()
            .contains("少于规定的 60 分钟"),
        "{judgement}"
    );
    assert!(patrols(&srv, &office, "&counts=true").await.is_empty());
    assert_eq!(patrols(&srv, &office, "&counts=false").await.len(), 1);

    // The detail says the same and carries the track to replay.
    let id = listed[0]["aggregate"]["id"].as_str().unwrap();
    let (status, detail) = srv
        .get(&format!("/api/v1/office/records/patrol/{id}"), &office)
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["record"]["judgement"]["counts"], false);
    let points = detail["track"].as_array().unwrap();
    assert!(points.len() > 400, "{} points", points.len());

    // The rule book lists both versions, latest last; a unit without rules of its own has none.
    let (status, book) = srv.get("/api/v1/office/patrol-rules", &office).await;
    assert_eq!(status, StatusCode::OK, "{book}");
    assert_eq!(book["versions"].as_array().unwrap().len(), 2);
    assert_eq!(book["versions"][1]["version"], 2);
    let (status, body) = srv
        .get(
            &format!("/api/v1/office/patrol-rules?unit={}", seed.b1.id),
            &office,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // The reference data the console names things by.
    let (status, reaches) = srv.get("/api/v1/office/reaches", &office).await;
    assert_eq!(status, StatusCode::OK, "{reaches}");
    assert_eq!(reaches.as_array().unwrap().len(), seed.reaches.len(), "{reaches}");
    let (status, sites) = srv.get("/api/v1/office/sites", &office).await;
    assert_eq!(status, StatusCode::OK, "{sites}");
    assert!(sites.is_array(), "{sites}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_counts_today_and_names_the_quiet_phones() {
    let b = sqlite();
    let (srv, _, office, mut chief, _) = walked(&b).await;
    let quiet = srv.enrol("chief2").await;
    let (_, finding, events) = chief.patrol_with_finding();
    srv.push_ok(&chief, &events).await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/office/findings/{finding}/assign"),
            &office,
            &json!({"assignee": "村委会", "follow_up_by": null, "deadline": now() + UnixMs::DAY, "note": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, o) = srv.get("/api/v1/office/overview", &office).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    // Two river patrols (the walk and the open one with the finding); the walk counts.
    for span in ["today", "week", "month"] {
        assert_eq!(o[span]["patrols"], 2, "{span}: {o}");
        assert_eq!(o[span]["patrols_counting"], 1, "{span}: {o}");
        assert_eq!(o[span]["findings_reported"], 1, "{span}: {o}");
        assert_eq!(o[span]["findings_open"], 1, "{span}: {o}");
        assert_eq!(o[span]["findings_overdue"], 0, "{span}: {o}");
    }
    let quiet_ones: Vec<&str> = o["stale_devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_id"].as_str().unwrap())
        .collect();
    assert!(quiet_ones.contains(&quiet.device.to_string().as_str()), "{o}");
    assert!(!quiet_ones.contains(&chief.device.to_string().as_str()), "{o}");

    let (status, body) = srv.get("/api/v1/office/overview?stale_days=0", &office).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_year_report_downloads_as_a_workbook_with_the_same_figures() {
    let b = sqlite();
    let (srv, _, office, _, events) = walked(&b).await;
    let xuncha_domain::payload::Payload::PatrolStarted(started) = &events[0].payload else {
        panic!("a walk starts with PatrolStarted")
    };
    let year = xuncha_domain::calendar::Day::of(started.started_at).year;

    let resp = fetch(
        &srv,
        &format!("/api/v1/office/reports/year.xlsx?year={year}"),
        Some(&office),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[reqwest::header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = resp.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let bytes = resp.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("year.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let (_, report) = srv
        .get(&format!("/api/v1/office/reports/year?year={year}"), &office)
        .await;
    let figures = sheet(&path, xuncha_server::export::FIGURES_SHEET);
    let brigade = &report["river"]["brigade"];
    assert_eq!(brigade["patrols"], 1, "{report}");
    assert_eq!(brigade["counting"], 1, "{report}");
    assert_eq!(row_figures(&figures, "队级河湖长"), vec![1.0, 1.0, 1.0, 0.0, 0.0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_at_the_root_and_nothing_else_of_the_disk() {
    let b = sqlite();
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("dist-console");
    std::fs::create_dir_all(built.join("assets")).unwrap();
    std::fs::write(
        built.join("console.html"),
        "<!doctype html><title>巡查 办公室</title>",
    )
    .unwrap();
    std::fs::write(built.join("assets/console-1a2b.js"), "console.log(1)").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "not for the web").unwrap();

    // Not built: the root says how to build it, and the API is untouched.
    let bare = TestServer::start(&b).await;
    let resp = fetch(&bare, "/", None).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.text().await.unwrap().contains("npm run build"));

    let state = xuncha_server::app::AppState::open(&b.config())
        .await
        .unwrap()
        .with_console(&built);
    let srv = TestServer::serve(state).await;
    let resp = fetch(&srv, "/", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert_eq!(h[reqwest::header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(
        h[reqwest::header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(h[reqwest::header::CACHE_CONTROL], "no-cache");
    assert!(resp.text().await.unwrap().contains("巡查 办公室"));

    let resp = fetch(&srv, "/assets/console-1a2b.js", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[reqwest::header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(
        resp.headers()[reqwest::header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );

    for path in [
        "/../secret.txt",
        "/assets/..%2F..%2Fsecret.txt",
        "/secret.txt",
        "/assets/missing.js",
        "/api/v1/nothing",
    ] {
        let resp = fetch(&srv, path, None).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!resp.text().await.unwrap().contains("not for the web"), "{path}");
    }
    let resp = srv.http.post(srv.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // The API is still there.
    let (status, _) = srv.call("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_changed_in_the_database_is_shown_as_no_longer_intact() {
    let b = sqlite();
    let (srv, _, office, _, events) = walked(&b).await;
    let patrol = events[0].payload.aggregate().id;
    let path = format!("/api/v1/office/records/patrol/{patrol}");
    let (status, detail) = srv.get(&path, &office).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        detail["chain"],
        json!({"intact": true, "events": 3, "devices": 1, "problems": []})
    );

    // Someone with the database's file moves the patrol to another place name.
    let file = b.database_url.strip_prefix("sqlite://").unwrap();
    let db = rusqlite::Connection::open(file).unwrap();
    let changed = db
        .execute(
            "UPDATE events SET body = replace(body, '幸福渠', '幸福河') WHERE agg_id = ?1",
            [patrol.to_string()],
        )
        .unwrap();
    assert_eq!(changed, 3);
    drop(db);
    let (_, detail) = srv.get(&path, &office).await;
    assert_eq!(detail["chain"]["intact"], false, "{detail}");
    let problems = detail["chain"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].as_str().unwrap().contains("内容被改动过"),
        "{problems:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_resets_a_password_which_ends_the_users_sessions() {
    let (srv, seed) = TestServer::seeded(&sqlite()).await;
    let admin = srv.login("admin").await;
    let office = srv.login("office").await;
    let office_id = seed.office.id;
    let (status, body) = srv
        .post(
            &format!("/api/v1/office/users/{office_id}/password"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let password = body["password"].as_str().unwrap().to_owned();
    assert!(password.len() >= 8, "{body}");
    // The old session is over, the old password no longer signs in, the new one does.
    let (status, _) = srv.get("/api/v1/office/units", &office).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = srv
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(&json!({"login": "office", "password": password_of("office")})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = srv
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(&json!({"login": "office", "password": password})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An office is not an admin.
    let office = body["token"].as_str().unwrap().to_owned();
    let (status, _) = srv
        .post(
            &format!("/api/v1/office/users/{office_id}/password"),
            &office,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_draws_the_periods_tracks_thinned_and_the_checklists_are_listed() {
    let b = sqlite();
    let (srv, _, office, _, events) = walked(&b).await;
    let patrol = events[0].payload.aggregate().id;
    let (from, to) = (now() - 2 * 3_600_000, now());
    let (status, body) = srv
        .get(&format!("/api/v1/office/tracks?from={from}&to={to}"), &office)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["truncated"], false);
    let tracks = body["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 1, "{body}");
    assert_eq!(tracks[0]["patrol"], patrol.to_string());
    assert_eq!(tracks[0]["counts"], true);
    let drawn = tracks[0]["line"].as_array().unwrap().len();
    assert!((2..=300).contains(&drawn), "{drawn} points drawn");
    // Nothing outside the period; no period over a year.
    let (_, body) = srv
        .get(
            &format!("/api/v1/office/tracks?from={}&to={from}", from - 3_600_000),
            &office,
        )
        .await;
    assert_eq!(body["tracks"].as_array().unwrap().len(), 0, "{body}");
    let (status, body) = srv
        .get(&format!("/api/v1/office/tracks?from=0&to={to}"), &office)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The ends of i64 (Schemathesis found it): refused, not a panic.
    let (status, body) = srv
        .get(
            &format!("/api/v1/office/tracks?from={}&to={}", i64::MIN, i64::MAX - 1),
            &office,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, lists) = srv.get("/api/v1/office/checklists", &office).await;
    assert_eq!(status, StatusCode::OK, "{lists}");
    assert_eq!(lists, json!([]));
    let checklist = xuncha_testsupport::reference_data::checklist();
    let (status, body) = srv
        .post(
            "/api/v1/office/checklists",
            &office,
            &serde_json::to_value(&checklist).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, lists) = srv.get("/api/v1/office/checklists", &office).await;
    assert_eq!(lists, json!([checklist]));
}
