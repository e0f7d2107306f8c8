//! What the server's tests share: a database of either backend (a fresh PostgreSQL database per
//! test when `XUNCHA_TEST_PG_URL` is set), a server on 127.0.0.1:0, a seeded subdistrict with a
//! user per role, and a phone that signs and chains its events like a real device.
#![allow(dead_code, clippy::unwrap_used)]

use ed25519_dalek::SigningKey;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use tempfile::TempDir;
use tokio::sync::oneshot;
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::wire::{EnrolRequest, EnrolResponse, EventOutcome, PushResponse};
use xuncha_domain::*;
use xuncha_server::app::{AppState, Config};
use xuncha_server::limits::Limits;

// ---- databases -----------------------------------------------------------------------------

pub struct Backend {
    pub name: &'static str,
    pub database_url: String,
    pub dir: TempDir,
    pg_drop: Option<(String, String)>,
}

impl Backend {
    pub fn blob_url(&self) -> String {
        self.dir.path().join("blobs").to_string_lossy().into_owned()
    }
    pub fn config(&self) -> Config {
        Config {
            database_url: self.database_url.clone(),
            blob_url: self.blob_url(),
            pool_size: 8,
            limits: Limits::default(),
        }
    }
}

pub fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("xuncha.db").display());
    Backend {
        name: "sqlite",
        database_url,
        dir,
        pg_drop: None,
    }
}

static PG_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database on the test PostgreSQL; `None` (with a notice) when there is none, which is
/// a failure under CI.
pub fn postgres() -> Option<Backend> {
    let Ok(base) = std::env::var("XUNCHA_TEST_PG_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "XUNCHA_TEST_PG_URL is not set under CI: the PostgreSQL tests must run (see scripts/pg.sh)"
            );
        }
        eprintln!(
            "NOTICE: XUNCHA_TEST_PG_URL unset — PostgreSQL variant skipped (run `eval \"$(scripts/pg.sh start)\"`)"
        );
        return None;
    };
    let name = format!(
        "xt_{}_{}_{}",
        std::process::id(),
        PG_COUNTER.fetch_add(1, Ordering::SeqCst),
        uuid::Uuid::now_v7().simple()
    );
    let base2 = base.clone();
    let name2 = name.clone();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&base2, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name2}")).unwrap();
    })
    .join()
    .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(Backend {
        name: "postgres",
        database_url: format!("{prefix}/{name}"),
        dir: tempfile::tempdir().unwrap(),
        pg_drop: Some((base, name)),
    })
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_drop.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            })
            .join();
        }
    }
}

// ---- a server ------------------------------------------------------------------------------

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

    pub async fn start_with(config: Config) -> TestServer {
        let state = AppState::open(&config).await.unwrap();
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
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
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
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
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

// ---- people --------------------------------------------------------------------------------

pub fn password_of(login: &str) -> String {
    format!("pw-{login}-secret")
}

/// The seeded subdistrict: a street unit with two brigades and a user of every role.
pub struct Seed {
    pub street: Unit,
    pub b1: Unit,
    pub b2: Unit,
    pub admin: User,
    pub office: User,
    pub chief1: User,
    pub chief2: User,
    pub inspector: User,
    pub patroller: User,
}

pub async fn seed(st: &AppState) -> Seed {
    let (admin, _) = xuncha_server::demo::create_admin(
        st,
        "admin".into(),
        "管理员".into(),
        "T".into(),
        "测试街道".into(),
        Some(password_of("admin")),
    )
    .await
    .unwrap();
    let units = st.db.read(|s| s.units()).await.unwrap();
    let street = units.into_iter().find(|u| u.code == "T").unwrap();
    let brigade = |name: &str, code: &str| Unit {
        id: UnitId::new(),
        name: name.into(),
        kind: UnitKind::Brigade,
        parent: Some(street.id),
        code: code.into(),
    };
    let (b1, b2) = (brigade("一大队", "T-1"), brigade("二大队", "T-2"));
    for u in [&b1, &b2] {
        let (u, chain) = (u.clone(), st.chain.clone());
        st.db
            .write(move |s| {
                s.unit_upsert(&u)?;
                chain.append(s, Payload::UnitDefined(u), None, UnixMs(now()))
            })
            .await
            .unwrap();
    }
    let user = async |login: &str, unit: UnitId, role: Role| {
        let u = User {
            active_from: None,
            id: UserId::new(),
            name: login.into(),
            login: login.into(),
            unit,
            roles: vec![role],
        };
        xuncha_server::office::create_user_with_password(st, u, password_of(login), None)
            .await
            .unwrap()
    };
    let office = user("office", street.id, Role::Office).await;
    let chief1 = user(
        "chief1",
        b1.id,
        Role::RiverChief {
            level: ChiefLevel::Brigade,
        },
    )
    .await;
    let chief2 = user(
        "chief2",
        b2.id,
        Role::RiverChief {
            level: ChiefLevel::Brigade,
        },
    )
    .await;
    let inspector = user("inspector", street.id, Role::SafetyInspector).await;
    let patroller = user("patroller", street.id, Role::FishingBanPatroller).await;
    Seed {
        street,
        b1,
        b2,
        admin,
        office,
        chief1,
        chief2,
        inspector,
        patroller,
    }
}

// ---- a phone -------------------------------------------------------------------------------

pub fn random_key() -> SigningKey {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    SigningKey::from_bytes(&b)
}

pub fn now() -> i64 {
    xuncha_server::now_ms()
}

/// A device's signing key and chain: makes events exactly as a phone does.
pub struct Phone {
    pub key: SigningKey,
    pub device: DeviceId,
    pub token: String,
    pub user: User,
    pub clock: HlcClock,
    pub seq: u64,
    pub prev: EventHash,
}

impl Phone {
    pub fn new(key: SigningKey, device: DeviceId, token: String, user: User) -> Phone {
        Phone {
            key,
            device,
            token,
            user,
            clock: HlcClock::new(device),
            seq: 0,
            prev: EventHash::GENESIS,
        }
    }

    /// The next event of this phone's chain.
    pub fn next(&mut self, payload: Payload) -> Event {
        self.next_at(payload, now())
    }

    /// The next event, stamped as if the phone's clock read `wall_ms`.
    pub fn next_at(&mut self, payload: Payload, wall_ms: i64) -> Event {
        self.make(payload, wall_ms, None)
    }

    /// The next event, entered now for what happened at `occurred_at` (late entry, 补录).
    pub fn late(&mut self, payload: Payload, occurred_at: i64) -> Event {
        self.make(payload, now(), Some(UnixMs(occurred_at)))
    }

    fn make(&mut self, payload: Payload, wall_ms: i64, occurred_at: Option<UnixMs>) -> Event {
        self.seq += 1;
        let e = EventDraft {
            id: EventId::new(),
            device: self.device,
            seq: self.seq,
            hlc: self.clock.tick(UnixMs(wall_ms)),
            author: Some(self.user.id),
            occurred_at,
            prev_hash: self.prev,
            payload,
        }
        .sign(&self.key);
        self.prev = e.hash;
        e
    }

    /// A patrol started, then a finding reported on it: two events.
    pub fn patrol_with_finding(&mut self) -> (PatrolId, FindingId, Vec<Event>) {
        let patrol = PatrolId::new();
        let finding = FindingId::new();
        let t = UnixMs(now());
        let a = self.next(Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit: self.user.unit,
            patroller: self.user.id,
            reach: None,
            area: Some("幸福渠北段".into()),
            started_at: t,
        }));
        let b = self.next(finding_reported(finding, patrol, t));
        (patrol, finding, vec![a, b])
    }
}

pub fn finding_reported(finding: FindingId, patrol: PatrolId, t: UnixMs) -> Payload {
    Payload::FindingReported(FindingReported {
        finding,
        record: RecordRef::Patrol(patrol),
        kind: FindingKind::Problem,
        category: "dumping".into(),
        description: "河岸堆放建筑垃圾".into(),
        severity: Severity::Minor,
        location: Some(Position::new(114.101, 30.651)),
        reported_at: t,
    })
}

pub fn photo_of(finding: FindingId, original: BlobHash) -> Payload {
    Payload::PhotoAttached(PhotoAttached {
        target: PhotoTarget::Finding(finding),
        role: PhotoRole::Evidence,
        original,
        upload: None,
        thumbnail: None,
        taken_at: Some(UnixMs(now())),
        position: Some(Position::new(114.101, 30.651)),
        position_source: PositionSource::DeviceFix,
        caption: "现场".into(),
    })
}

pub fn track(patrol: PatrolId, n: usize) -> Payload {
    let t0 = now() - 3_600_000;
    Payload::TrackPointsAppended(TrackPointsAppended {
        patrol,
        points: (0..n)
            .map(|i| TrackPoint {
                t: UnixMs(t0 + i as i64 * 5_000),
                lon: 114.10 + i as f64 * 1e-5,
                lat: 30.65,
                accuracy_m: Some(5.0),
                altitude_m: None,
                speed_mps: None,
                bearing_deg: None,
                provider: xuncha_domain::position::FixProvider::Gps,
                mock: false,
                gap_before: false,
            })
            .collect(),
        untimed: Vec::new(),
    })
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    getrandom::fill(&mut v).unwrap();
    v
}

/// Runs a story on SQLite and on PostgreSQL (see `postgres()` for when the latter is skipped).
#[macro_export]
macro_rules! story {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name(&$crate::support::sqlite()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(b) = $crate::support::postgres() {
                    super::$name(&b).await;
                }
            }
        }
    };
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
