//! Attacks on enrolment and sign-in (issue 11, classes 7 and 8), over real HTTP on 127.0.0.1 and
//! on both backends. Enrolment must prove the device holds the key it enrols (a signature over a
//! fresh, single-use server challenge), never accept a small-order key, and never hand out the
//! server's own device id; sign-in must back off per login and per address, cost the same for
//! unknown logins, keep its own capacity, and its tokens must expire, refresh and be revocable.
//! Each refusal is checked together with what it must leave unchanged.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::IpAddr;
use xuncha_domain::{DeviceId, DevicePublicKey};
use xuncha_server::app::Config;
use xuncha_server::db::DeviceRow;
use xuncha_testsupport::*;

async fn devices(srv: &TestServer) -> Vec<DeviceRow> {
    srv.state.db.read(|s| s.devices()).await.unwrap()
}

async fn pull_status(srv: &TestServer, token: &str) -> (StatusCode, Value) {
    srv.get("/api/v1/sync/pull?after=0", token).await
}

/// A client whose requests come from `address` (any 127.0.0.0/8 address is this machine).
fn client_from(address: &str) -> reqwest::Client {
    let ip: IpAddr = address.parse().unwrap();
    reqwest::Client::builder().local_address(ip).build().unwrap()
}

/// `POST /api/v1/session` from a given client: (status, Retry-After seconds, body).
async fn sign_in_from(
    srv: &TestServer,
    http: &reqwest::Client,
    login: &str,
    password: &str,
) -> (StatusCode, Option<u64>, Value) {
    let resp = http
        .post(srv.url("/api/v1/session"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    answer_of(resp).await
}

fn with_limits(b: &Backend, change: impl FnOnce(&mut xuncha_server::limits::Limits)) -> Config {
    let mut config = b.config();
    change(&mut config.limits);
    config
}

// ---- class 7: enrolment proves possession of the key ----------------------------------------

async fn enrolling_as_the_servers_own_device_is_refused_and_changes_nothing(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let server_device = srv.state.chain.device;
    let server_key = srv.state.chain.public_key();
    let before = devices(&srv).await;
    assert!(before.iter().any(|d| d.id == server_device && d.user.is_none()));

    // The server's id with a key the attacker holds, properly signed.
    let key = random_key();
    let own_key = srv
        .enrol_request(server_device, "chief1", &password_of("chief1"), &key)
        .await;
    // The server's id and the server's public key (the reproduction); the attacker
    // cannot sign for that key, so the signature is by another.
    let mut server_id_and_key = own_key.clone();
    server_id_and_key["challenge"] = json!(srv.challenge().await);
    server_id_and_key["public_key"] = json!(server_key);
    // A fresh id claiming the server's public key.
    let mut server_key_only = srv
        .enrol_request(DeviceId::new(), "chief1", &password_of("chief1"), &key)
        .await;
    server_key_only["public_key"] = json!(server_key);

    for body in [own_key, server_id_and_key, server_key_only] {
        let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert_eq!(answer["code"], "device_id_reserved");
        assert!(answer.get("token").is_none());
    }
    assert_eq!(devices(&srv).await, before, "no device row changed or appeared");
}
story!(enrolling_as_the_servers_own_device_is_refused_and_changes_nothing);

async fn a_small_order_public_key_is_refused(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let before = devices(&srv).await;
    // The identity point (y = 1) and the point of order 2 (y = -1): under either, a "null"
    // signature (R = identity, s = 0) verifies for every message with a lax verifier.
    let identity = {
        let mut k = [0u8; 32];
        k[0] = 1;
        k
    };
    let order_two = {
        let mut k = [0xffu8; 32];
        k[0] = 0xec;
        k[31] = 0x7f;
        k
    };
    for weak in [identity, order_two] {
        let device = DeviceId::new();
        let nonce = srv.challenge().await;
        let mut null_signature = [0u8; 64];
        null_signature[0] = 1;
        let body = json!({"device": device, "login": "chief1", "password": password_of("chief1"),
            "device_name": "弱密钥", "public_key": DevicePublicKey(weak), "challenge": nonce,
            "signature": hex::encode(null_signature)});
        let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["code"], "weak_public_key");
    }
    assert_eq!(devices(&srv).await, before, "no device was enrolled");
}
story!(a_small_order_public_key_is_refused);

async fn an_enrolment_not_signed_over_its_own_challenge_is_refused(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let before = devices(&srv).await;
    let key = random_key();
    let device = DeviceId::new();
    let password = password_of("chief1");
    let other_nonce = srv.challenge().await;

    // Signed over another (genuine) nonce than the one it names.
    let mut over_other = signed_enrol_request(device, "chief1", &password, &key, &other_nonce);
    over_other["challenge"] = json!(srv.challenge().await);
    // No proof at all (a wire-2 client).
    let mut unsigned = srv.enrol_request(device, "chief1", &password, &key).await;
    unsigned.as_object_mut().unwrap().remove("signature");
    unsigned.as_object_mut().unwrap().remove("challenge");
    // Signed by another key than the one enrolled.
    let mut by_other_key = srv.enrol_request(device, "chief1", &password, &key).await;
    let forged = srv
        .enrol_request(device, "chief1", &password, &random_key())
        .await;
    by_other_key["challenge"] = forged["challenge"].clone();
    by_other_key["signature"] = forged["signature"].clone();
    // A proof made for another login, sent with chief2's credentials.
    let mut for_other_login = srv.enrol_request(device, "chief1", &password, &key).await;
    for_other_login["login"] = json!("chief2");
    for_other_login["password"] = json!(password_of("chief2"));

    for (body, code) in [
        (over_other, "bad_enrol_proof"),
        (unsigned, "enrol_proof_required"),
        (by_other_key, "bad_enrol_proof"),
        (for_other_login, "bad_enrol_proof"),
    ] {
        let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {answer}");
        assert_eq!(answer["code"], code);
    }
    // A well-signed proof over a nonce the server never issued.
    let made_up = signed_enrol_request(device, "chief1", &password, &key, &hex::encode([9u8; 32]));
    let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&made_up)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "challenge_invalid");
    assert_eq!(devices(&srv).await, before, "no device was enrolled");

    // The same device with a proper proof gets in.
    let good = srv.enrol_request(device, "chief1", &password, &key).await;
    let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&good)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}
story!(an_enrolment_not_signed_over_its_own_challenge_is_refused);

async fn a_replayed_or_expired_challenge_is_refused(b: &Backend) {
    let srv = TestServer::start_with(with_limits(b, |l| l.enrol_challenge_ttl_ms = 300)).await;
    seed(&srv.state).await;
    let key = random_key();
    let device = DeviceId::new();
    let body = srv
        .enrol_request(device, "chief1", &password_of("chief1"), &key)
        .await;
    let (status, first) = srv.call("POST", "/api/v1/enrol", None, Some(&body)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let after_first = devices(&srv).await;

    // The captured request, sent again: its challenge is used up.
    let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "challenge_invalid");
    assert!(answer.get("token").is_none());
    assert_eq!(devices(&srv).await, after_first, "nothing changed");
    let (status, _) = pull_status(&srv, first["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "the first enrolment's token still works");

    // A challenge answered after it expired.
    let late = srv
        .enrol_request(DeviceId::new(), "chief2", &password_of("chief2"), &random_key())
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&late)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "challenge_invalid");
    assert_eq!(devices(&srv).await, after_first);
}
story!(a_replayed_or_expired_challenge_is_refused);

// ---- class 8: sign-in ---------------------------------------------------------------------

async fn wrong_passwords_back_off_per_login_and_others_still_sign_in(b: &Backend) {
    // The defaults (five free failures per login) with a first wait long enough for a slow run.
    let srv = TestServer::start_with(with_limits(b, |l| l.sign_in_backoff_base_ms = 60_000)).await;
    seed(&srv.state).await;
    let here = client_from("127.0.0.1");
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(sign_in_from(&srv, &here, "chief1", "guess").await);
    }
    let free = answers
        .iter()
        .take_while(|(s, ..)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        free, 6,
        "five wrong passwords are free, the sixth starts the back-off"
    );
    for (status, retry_after, body) in &answers[free..] {
        assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["code"], "too_many_attempts");
        assert!(retry_after.is_some_and(|s| s >= 1), "with Retry-After");
    }
    // The right password does not get through while the login backs off, from anywhere.
    let elsewhere = client_from("127.0.0.2");
    let (status, retry_after, _) = sign_in_from(&srv, &elsewhere, "chief1", &password_of("chief1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after.is_some());
    // Another login, from another address, signs in.
    let (status, _, body) = sign_in_from(&srv, &elsewhere, "chief2", &password_of("chief2")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["token"].as_str().unwrap().starts_with("xs_"));
}
story!(wrong_passwords_back_off_per_login_and_others_still_sign_in);

async fn an_address_guessing_at_many_logins_backs_off_and_others_do_not(b: &Backend) {
    let srv = TestServer::start_with(with_limits(b, |l| {
        l.sign_in_free_failures_per_address = 6;
        l.sign_in_backoff_base_ms = 60_000;
    }))
    .await;
    seed(&srv.state).await;
    let guesser = client_from("127.0.0.3");
    for i in 0..6 {
        let (status, _, body) = sign_in_from(&srv, &guesser, &format!("nobody{i}"), "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, _, _) = sign_in_from(&srv, &guesser, "nobody6", "guess").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the seventh failure starts the back-off"
    );
    let (status, retry_after, body) =
        sign_in_from(&srv, &guesser, "inspector", &password_of("inspector")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
    assert!(retry_after.is_some());
    let (status, _, body) = sign_in_from(
        &srv,
        &client_from("127.0.0.4"),
        "inspector",
        &password_of("inspector"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
story!(an_address_guessing_at_many_logins_backs_off_and_others_do_not);

async fn an_unknown_login_costs_the_same_password_check_as_a_known_one(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let runs = || srv.state.rate.sign_in.argon2_runs();
    let http = client_from("127.0.0.5");

    let start = runs();
    let (status, _, unknown) = sign_in_from(&srv, &http, "no-such-login", "guess").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        runs() - start,
        1,
        "an unknown login is checked against a dummy hash"
    );

    let start = runs();
    let (status, _, known) = sign_in_from(&srv, &http, "chief1", "guess").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(runs() - start, 1, "a known login runs one check");
    assert_eq!(unknown, known, "the answers cannot be told apart");

    // Enrolment signs in the same way.
    let start = runs();
    let body = srv
        .enrol_request(DeviceId::new(), "no-such-login", "guess", &random_key())
        .await;
    let (status, answer) = srv.call("POST", "/api/v1/enrol", None, Some(&body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer, known);
    assert_eq!(runs() - start, 1);
}
story!(an_unknown_login_costs_the_same_password_check_as_a_known_one);

async fn a_flood_of_sign_ins_is_turned_away_and_sync_goes_on(b: &Backend) {
    let srv = TestServer::start_with(with_limits(b, |l| {
        l.password_checks = 1;
        l.password_check_wait_ms = 1;
    }))
    .await;
    seed(&srv.state).await;
    let phone = srv.enrol("chief1").await;
    let mut flood = Vec::new();
    for i in 0..12 {
        let http = client_from(&format!("127.0.1.{}", i + 1));
        let url = srv.url("/api/v1/session");
        flood.push(tokio::spawn(async move {
            let resp = http
                .post(url)
                .json(&json!({"login": "office", "password": password_of("office")}))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (status, body)
        }));
    }
    let (status, body) = pull_status(&srv, &phone.token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "sync is not queued behind password checks: {body}"
    );
    let mut busy = 0;
    for f in flood {
        let (status, body) = f.await.unwrap();
        match status {
            StatusCode::OK => {}
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(body["code"], "sign_in_busy");
                busy += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(
        busy > 0,
        "with one password check at a time, the rest are told to come back"
    );
}
story!(a_flood_of_sign_ins_is_turned_away_and_sync_goes_on);

async fn expired_tokens_answer_token_expired(b: &Backend) {
    let srv = TestServer::start_with(with_limits(b, |l| {
        l.device_token_ttl_ms = 500;
        l.session_ttl_ms = 500;
    }))
    .await;
    seed(&srv.state).await;
    let phone = srv.enrol("chief1").await;
    let session = srv.login("office").await;
    let (status, _) = pull_status(&srv, &phone.token).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;

    let (status, body) = pull_status(&srv, &phone.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "token_expired");
    let (status, body) = srv
        .call("POST", "/api/v1/token/refresh", Some(&phone.token), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an expired token cannot be refreshed"
    );
    assert_eq!(body["code"], "token_expired");
    let (status, body) = srv.get("/api/v1/office/units", &session).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "token_expired");
    // Signing in again is the way back.
    let again = srv.enrol("chief1").await;
    let (status, _) = pull_status(&srv, &again.token).await;
    assert_eq!(status, StatusCode::OK);
}
story!(expired_tokens_answer_token_expired);

async fn a_refreshed_token_replaces_the_old_one(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let phone = srv.enrol("chief1").await;
    let refresh = async |token: &str| {
        let (status, body) = srv.call("POST", "/api/v1/token/refresh", Some(token), None).await;
        (status, body["token"].as_str().map(str::to_owned), body)
    };
    let (status, lost, body) = refresh(&phone.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lost = lost.unwrap();
    assert!(lost.starts_with("xd_") && lost != phone.token);
    assert!(body["expires_at"].as_i64().unwrap() > now() + 80 * 86_400_000);

    // The answer never reached the phone: it still holds the old token, which works until the
    // new one is first used, and refreshes again.
    let (status, body) = pull_status(&srv, &phone.token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the token refreshed with still works: {body}"
    );
    let (status, new, body) = refresh(&phone.token).await;
    assert_eq!(status, StatusCode::OK, "and may be refreshed again: {body}");
    let new = new.unwrap();
    let (status, _) = pull_status(&srv, &lost).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the lost answer's token was replaced"
    );

    // Once the new token is used, the old one ends for good.
    let (status, _) = pull_status(&srv, &new).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = pull_status(&srv, &phone.token).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old token stops working: {body}"
    );
    let (status, _, _) = refresh(&phone.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "and cannot be refreshed again");
    let (status, _) = pull_status(&srv, &new).await;
    assert_eq!(status, StatusCode::OK);
    let device = devices(&srv)
        .await
        .into_iter()
        .find(|d| d.id == phone.device)
        .unwrap();
    assert_eq!(device.revoked_at, None, "the device itself is untouched");
}
story!(a_refreshed_token_replaces_the_old_one);

async fn signing_out_revokes_the_token_on_the_server(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let phone = srv.enrol("chief1").await;
    let other = srv.enrol("chief1").await;
    let (status, body) = srv
        .call("POST", "/api/v1/token/revoke", Some(&phone.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = pull_status(&srv, &phone.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = srv
        .call("POST", "/api/v1/token/refresh", Some(&phone.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = pull_status(&srv, &other.token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another device of the same user is not signed out"
    );
    let device = devices(&srv)
        .await
        .into_iter()
        .find(|d| d.id == phone.device)
        .unwrap();
    assert_eq!(
        device.revoked_at, None,
        "signed out, not banned: it may sign in again"
    );

    // An office session's sign-out ends it likewise.
    let session = srv.login("office").await;
    let (status, _) = srv.call("DELETE", "/api/v1/session", Some(&session), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = srv.get("/api/v1/office/units", &session).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
story!(signing_out_revokes_the_token_on_the_server);
