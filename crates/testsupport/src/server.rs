//! A server on 127.0.0.1:0 over a test database, and the calls a phone or the office makes to
//! it, answered as (status, JSON).

use crate::{Backend, Phone, Seed, now, password_of, random_key};
use ed25519_dalek::SigningKey;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use xuncha_domain::wire::{EnrolRequest, EnrolResponse, EventOutcome, PushResponse};
use xuncha_domain::*;
use xuncha_server::app::{AppState, Config};

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(backend: &Backend) -> TestServer {
        Self::start_with(backend.config()).await
    }

    /// A server on `backend` seeded with the reference subdistrict (see `seed`).
    pub async fn seeded(backend: &Backend) -> (TestServer, Seed) {
        let srv = Self::start(backend).await;
        let seed = crate::seed(&srv.state).await;
        (srv, seed)
    }

    pub async fn start_with(config: Config) -> TestServer {
        Self::serve(AppState::open(&config).await.unwrap()).await
    }

    /// Serves `state` as it is (e.g. with the console's files) on a free port.
    pub async fn serve(state: AppState) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(xuncha_server::app::serve_state(state.clone(), listener, async {
            let _ = rx.await;
        }));
        TestServer {
            base,
            state,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A JSON request; answers (status, body as JSON or `null`).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        // As the device's client does: this build's wire version on every call.
        let mut req = self.http.request(method, self.url(path)).header(
            xuncha_domain::wire::WIRE_VERSION_HEADER,
            xuncha_domain::wire::WIRE_VERSION.to_string(),
        );
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let (status, _, body) = answer_of(req.send().await.unwrap()).await;
        (status, body)
    }

    /// A GET as `token`.
    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call("GET", path, Some(token), None).await
    }

    /// A POST of `body` as `token`.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.call("POST", path, Some(token), Some(body)).await
    }

    /// A finding's record as the office's `token` sees it (status, detail).
    pub async fn finding_detail(&self, token: &str, finding: FindingId) -> (StatusCode, Value) {
        self.get(&format!("/api/v1/office/records/finding/{finding}"), token)
            .await
    }

    pub async fn login(&self, login: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/session",
                None,
                Some(&json!({"login": login, "password": password_of(login)})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// A fresh enrolment challenge's nonce.
    pub async fn challenge(&self) -> String {
        let (status, body) = self.call("POST", "/api/v1/enrol/challenge", None, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["nonce"].as_str().unwrap().to_owned()
    }

    /// An enrolment as a real device sends it: with a fresh challenge signed by its key.
    pub async fn enrol_request(
        &self,
        device: DeviceId,
        login: &str,
        password: &str,
        key: &SigningKey,
    ) -> Value {
        let nonce = self.challenge().await;
        signed_enrol_request(device, login, password, key, &nonce)
    }

    pub async fn enrol(&self, login: &str) -> Phone {
        let key = random_key();
        let req = self
            .enrol_request(DeviceId::new(), login, &password_of(login), &key)
            .await;
        let (status, body) = self.call("POST", "/api/v1/enrol", None, Some(&req)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let r: EnrolResponse = serde_json::from_value(body).unwrap();
        Phone::new(key, r.device, r.token, r.user)
    }

    pub async fn push(&self, phone: &Phone, events: &[Event]) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/api/v1/sync/push",
            Some(&phone.token),
            Some(&json!({ "events": events })),
        )
        .await
    }

    pub async fn push_ok(&self, phone: &Phone, events: &[Event]) -> PushResponse {
        let (status, body) = self.push(phone, events).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn pull_all(&self, phone: &Phone) -> Vec<Event> {
        let mut after = 0u64;
        let mut out = Vec::new();
        loop {
            let (status, body) = self
                .call(
                    "GET",
                    &format!("/api/v1/sync/pull?after={after}&limit=100"),
                    Some(&phone.token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let r: xuncha_domain::wire::PullResponse = serde_json::from_value(body).unwrap();
            out.extend(r.events.into_iter().map(|e| e.event));
            after = r.cursor;
            if !r.more {
                return out;
            }
        }
    }

    /// Pulls everything and lets the phone's clock observe it, as the device engine does, so
    /// the phone's next events sort after the office's decisions.
    pub async fn sync_down(&self, phone: &mut Phone) -> Vec<Event> {
        let events = self.pull_all(phone).await;
        for e in &events {
            phone.clock.observe(e.hlc, UnixMs(now()));
        }
        events
    }

    /// One chunk of a blob upload: (status, body as JSON or `null`).
    pub async fn upload(
        &self,
        token: &str,
        hash: &str,
        offset: usize,
        total: usize,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .put(self.url(&format!(
                "/api/v1/blobs/{hash}/upload?offset={offset}&total={total}"
            )))
            .bearer_auth(token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let (status, _, body) = answer_of(resp).await;
        (status, body)
    }

    /// A blob's bytes, or the refusal's status.
    pub async fn download(&self, token: &str, hash: &str) -> Result<Vec<u8>, StatusCode> {
        let resp = self
            .http
            .get(self.url(&format!("/api/v1/blobs/{hash}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        match resp.status() {
            StatusCode::OK => Ok(resp.bytes().await.unwrap().to_vec()),
            s => Err(s),
        }
    }

    pub async fn event_count(&self) -> i64 {
        self.state.db.read(|s| s.event_count()).await.unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A response as the tests read it: (status, `Retry-After` in seconds if any, body as JSON or
/// `null`).
pub async fn answer_of(resp: reqwest::Response) -> (StatusCode, Option<u64>, Value) {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let text = resp.text().await.unwrap();
    (
        status,
        retry_after,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// An enrolment request for `device` and `key`, with `key`'s signature over `nonce`.
pub fn signed_enrol_request(
    device: DeviceId,
    login: &str,
    password: &str,
    key: &SigningKey,
    nonce: &str,
) -> Value {
    use ed25519_dalek::Signer;
    let public_key = DevicePublicKey(key.verifying_key().to_bytes());
    let message = xuncha_domain::wire::enrol_proof_message(nonce, device, &public_key, login);
    serde_json::to_value(EnrolRequest {
        device,
        login: login.into(),
        password: password.into(),
        public_key,
        device_name: format!("{login} 的手机"),
        challenge: Some(nonce.to_owned()),
        signature: Some(hex::encode(key.sign(&message).to_bytes())),
    })
    .unwrap()
}

/// Each result of a push in a word: accepted, duplicate, rejected-kept or rejected.
pub fn outcome_status(r: &PushResponse) -> Vec<&'static str> {
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

pub fn code_of(r: &PushResponse, i: usize) -> String {
    match &r.results[i].outcome {
        EventOutcome::Rejected { code, .. } => code.clone(),
        other => format!("{other:?}"),
    }
}
