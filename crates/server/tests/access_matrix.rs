//! Every endpoint × every kind of caller, expected allow or deny, in one table. "Deny" means
//! 401 or 403; "allow" means anything else that is not a server error (a well-authenticated
//! request with a dummy body may still get 404/409/422).
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;
use xuncha_domain::BlobHash;

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
    ("POST", "/api/v1/session",                           [Y,   Y,    Y,    Y,     Y,    Y,    Y,   Y]),
    ("POST", "/api/v1/sync/push",                         [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("GET",  "/api/v1/sync/pull",                         [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("POST", "/api/v1/blobs/missing",                     [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("GET",  "/api/v1/blobs/{hash}/upload",               [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("PUT",  "/api/v1/blobs/{hash}/upload",               [N,   Y,    Y,    N,     N,    N,    N,   N]),
    ("GET",  "/api/v1/blobs/{hash}",                      [N,   Y,    N,    Y,     Y,    Y,    N,   N]),
    ("GET",  "/api/v1/office/units",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/units",                      [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/users",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/users",                      [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/devices",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/users/{id}/disable",         [N,   N,    N,    N,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/devices/{id}/revoke",        [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/reaches",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/sites",                      [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/checklists",                 [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/records",                    [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("GET",  "/api/v1/office/records/{kind}/{id}",        [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/findings/{id}/assign",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/findings/{id}/verify",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
    ("POST", "/api/v1/office/findings/{id}/reopen",       [N,   N,    N,    Y,     Y,    N,    N,   N]),
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
    let mut tabled: Vec<_> = MATRIX.iter().map(|(m, p, _)| (*m, *p)).collect();
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
