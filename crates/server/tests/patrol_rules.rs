//! Patrol rules as reference data: an office publishes a version for its unit, bad rules are
//! refused with the field named, versions only go forward, the rules reach the unit's devices,
//! and a device too old to read them stops its pull before them rather than skipping them.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::payload::Payload;
use xuncha_domain::rules::{PatrolRules, demo_rules};
use xuncha_domain::wire::{PullResponse, WIRE_VERSION_HEADER};
use xuncha_domain::{RulesId, UnixMs};
use xuncha_testsupport::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_publishes_rules_that_reach_its_chiefs_devices() {
    let (srv, seed) = TestServer::seeded(&sqlite()).await;
    let office = srv.login("office").await;
    let id = RulesId::new();
    let v1 = demo_rules(id, seed.street.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &office, &v1).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A figure out of bounds is refused, naming the rule and the field in Chinese.
    let mut bad = v1.clone();
    bad.version = 2;
    bad.levels[1].min_coverage_pct = 120;
    let (status, body) = publish(&srv, &office, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("第 2 个级别规则的最低河段覆盖率"),
        "{body}"
    );

    // The same version again is stale: versions only go forward.
    let (status, body) = publish(&srv, &office, &v1).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A chief's device receives the rules with the rest of its reference data.
    let chief = srv.enrol("chief1").await;
    let pulled = srv.pull_all(&chief).await;
    let rules: Vec<_> = pulled
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::PatrolRulesPublished(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(rules, vec![&v1]);

    // A device on wire version 4 cannot read them: its pull stops just before, so it has
    // everything up to them and, once updated, pulls on from there.
    let old = pull_as(&srv, &chief.token, 4).await;
    assert!(!old.more);
    assert!(
        old.events
            .iter()
            .all(|e| !matches!(e.event.payload, Payload::PatrolRulesPublished(_)))
    );
    let rest = pull_as(&srv, &chief.token, 5).await;
    let skipped = rest
        .events
        .iter()
        .find(|e| matches!(e.event.payload, Payload::PatrolRulesPublished(_)));
    assert!(
        skipped.unwrap().cursor > old.cursor,
        "the old device's cursor stops before the rules"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_office_above_the_unit_publishes_its_rules() {
    let (srv, seed) = TestServer::seeded(&sqlite()).await;
    let admin = srv.login("admin").await;
    let (status, body) = srv
        .post("/api/v1/office/users", &admin, &json!({"login": "office-b2", "name": "二队办公室", "unit": seed.b2.id, "roles": [{"role": "office"}], "password": password_of("office-b2")}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let b2_office = srv.login("office-b2").await;
    let for_street = demo_rules(RulesId::new(), seed.street.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &b2_office, &for_street).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let for_b1 = demo_rules(RulesId::new(), seed.b1.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &b2_office, &for_b1).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let for_b2 = demo_rules(RulesId::new(), seed.b2.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &b2_office, &for_b2).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn publish(srv: &TestServer, token: &str, rules: &PatrolRules) -> (StatusCode, Value) {
    srv.post(
        "/api/v1/office/patrol-rules",
        token,
        &serde_json::to_value(rules).unwrap(),
    )
    .await
}

async fn pull_as(srv: &TestServer, token: &str, wire: u32) -> PullResponse {
    let resp = srv
        .http
        .get(srv.url("/api/v1/sync/pull?after=0&limit=1000"))
        .bearer_auth(token)
        .header(WIRE_VERSION_HEADER, wire.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    serde_json::from_value(body).unwrap()
}
