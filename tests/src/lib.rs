//! Support for the end-to-end tests: a real xuncha-server on 127.0.0.1:0 (SQLite, or a fresh
//! database on the test PostgreSQL), a seeded subdistrict with two brigades, devices that are
//! real `xuncha_core::Device`s in temporary folders, and a fault-injecting TCP proxy.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod proxy;

use std::net::SocketAddr;
use xuncha_core::Device;
use xuncha_core::api::{Request, Response};
use xuncha_domain::payload::*;
use xuncha_domain::people::{Role, User};
use xuncha_domain::*;
use xuncha_server::app::AppState;
use xuncha_server::limits::Limits;
pub use xuncha_testsupport::reference_data;
pub use xuncha_testsupport::{
    Backend, Seed, TestServer, fixtures, password_of, postgres, require_fixtures, sqlite,
};

/// A fixture's path (see `require_fixtures!`).
pub fn fixture(rel: &str) -> std::path::PathBuf {
    fixtures::path(rel)
}

/// A number from the environment, else `default` (the benchmarks' and the chaos tests' knobs).
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---- the server -----------------------------------------------------------------------------

/// A real server on 127.0.0.1:0, on its own runtime, for tests that are not async themselves;
/// stopped (gracefully) on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    /// Dropped first: tells the server to stop.
    harness: TestServer,
    pub rt: tokio::runtime::Runtime,
    pub backend: Backend,
}

impl Server {
    pub fn start(backend: Backend) -> Server {
        Self::start_with(
            backend,
            Limits {
                device_requests_per_minute: 1_000_000,
                device_burst: 1_000_000,
                ..Limits::default()
            },
        )
    }

    /// A server with these limits (e.g. short token lifetimes).
    pub fn start_with(backend: Backend, limits: Limits) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let harness = rt.block_on(TestServer::start_with(backend.config_with(limits)));
        let addr = harness.base.trim_start_matches("http://").parse().unwrap();
        Server {
            addr,
            state: harness.state.clone(),
            harness,
            rt,
            backend,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The office's session token.
    pub fn office_token(&self) -> String {
        self.rt.block_on(self.harness.login("office"))
    }

    /// A GET of the office API as the office; the body, after asserting success.
    pub fn office_get(&self, path: &str) -> serde_json::Value {
        let token = self.office_token();
        let (status, body) = self.rt.block_on(self.harness.get(path, &token));
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// A POST to the office API as `token`; the body, after asserting success.
    pub fn office_post(&self, token: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let (status, body) = self.rt.block_on(self.harness.post(path, token, body));
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Defines reference data as the office does: each payload appended to the server's chain.
    pub fn define(&self, payloads: Vec<Payload>) {
        let st = self.state.clone();
        self.rt.block_on(async move {
            let chain = st.chain.clone();
            st.db
                .write(move |s| {
                    let now = UnixMs(xuncha_server::now_ms());
                    payloads
                        .into_iter()
                        .try_for_each(|p| chain.append(s, p, None, now).map(|_| ()))
                })
                .await
                .unwrap();
        });
    }

    /// Makes `user` an account whose password is `password_of(login)`.
    pub fn add_user(&self, user: User) -> User {
        let st = self.state.clone();
        self.rt.block_on(async move {
            let password = password_of(&user.login);
            xuncha_server::office::create_user_with_password(&st, user, password, None)
                .await
                .unwrap()
        })
    }

    /// The (id, hash) of every event the server holds from `device`, by seq.
    pub fn events_of(&self, device: DeviceId) -> Vec<(EventId, EventHash)> {
        let mut out = Vec::new();
        for seq in 1.. {
            let got = self
                .rt
                .block_on(self.state.db.read(move |s| s.event_by_device_seq(device, seq)))
                .unwrap();
            match got {
                Some(stored) => out.push((stored.id, stored.hash)),
                None => break,
            }
        }
        out
    }

    /// The bytes of a stored blob, if the server holds it complete.
    pub fn blob(&self, hash: &BlobHash) -> Option<Vec<u8>> {
        let h = hash.to_hex();
        let size = self
            .rt
            .block_on(self.state.db.read(move |s| s.blob_size(&h)))
            .unwrap()?;
        let bytes = self.rt.block_on(self.state.blobs.get(hash)).ok()?.to_vec();
        assert_eq!(bytes.len() as i64, size);
        Some(bytes)
    }

    /// Forgets these blobs, files and rows, so the same bytes can be uploaded again (the
    /// benchmarks' curl baseline: a server takes only blobs the uploading device's events name,
    /// so it must be the same server).
    pub fn forget_blobs(&self, hashes: &[BlobHash]) {
        let hexes: Vec<String> = hashes.iter().map(BlobHash::to_hex).collect();
        let st = self.state.clone();
        self.rt.block_on(async {
            for hash in hashes {
                st.blobs.delete(hash).await.unwrap();
            }
            st.db
                .write(move |s| hexes.iter().try_for_each(|hex| s.blob_delete(hex)))
                .await
                .unwrap();
        });
    }

    pub fn event_count(&self) -> i64 {
        self.rt.block_on(self.state.db.read(|s| s.event_count())).unwrap()
    }
}

// ---- a seeded subdistrict -------------------------------------------------------------------

/// The baseline the upload benchmarks compare with: `server` forgets `blobs` (hash, file,
/// length), then takes the same bytes again as `device` from one `curl` process, one PUT each on
/// one connection. It must be the server that holds the device's events: a server takes only
/// blobs the uploading device's own events name. The seconds curl took; panics if any upload
/// failed (a 429 included) or is not held afterwards.
pub fn curl_reupload(
    server: &Server,
    device: &Device,
    blobs: &[(BlobHash, std::path::PathBuf, usize)],
    dir: &std::path::Path,
) -> f64 {
    use std::fmt::Write as _;
    let hashes: Vec<BlobHash> = blobs.iter().map(|(h, ..)| *h).collect();
    server.forget_blobs(&hashes);
    assert!(
        blobs.first().is_none_or(|(h, ..)| server.blob(h).is_none()),
        "the server forgot them"
    );
    let token = device.with_store_mut(|st| st.account().unwrap().expect("enrolled").token);
    let server_url = server.url();
    let mut config = format!(
        "header = \"Authorization: Bearer {token}\"\nheader = \"Content-Type: application/octet-stream\"\nsilent\nshow-error\nfail\n"
    );
    for (hash, path, len) in blobs {
        let _ = writeln!(
            config,
            "url = \"{server_url}/api/v1/blobs/{hash}/upload?offset=0&total={len}\"\nupload-file = \"{}\"\noutput = \"/dev/null\"",
            path.display()
        );
    }
    let file = dir.join("curl.cfg");
    std::fs::write(&file, config).unwrap();
    let t = std::time::Instant::now();
    let status = std::process::Command::new("curl")
        .arg("-K")
        .arg(&file)
        .status()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(status.success(), "curl failed (a 429 fails it too)");
    let held = blobs.iter().filter(|(h, ..)| server.blob(h).is_some()).count();
    assert_eq!(held, blobs.len(), "curl's uploads must all have been stored");
    secs
}

/// The reference subdistrict seeded on `server` (see `xuncha_testsupport::seed`).
pub fn seed(server: &Server) -> Seed {
    server.rt.block_on(xuncha_testsupport::seed(&server.state))
}

// ---- devices --------------------------------------------------------------------------------

/// A device with its store and blobs in `dir`, as the app or the CLI would open it.
pub fn open_device(dir: &std::path::Path) -> Device {
    Device::open(&dir.join("device.db")).unwrap()
}

pub fn enrol(device: &Device, server_url: &str, login: &str) {
    device
        .handle(Request::Enrol {
            server_url: server_url.into(),
            login: login.into(),
            password: password_of(login),
            device_name: format!("{login} 的手机"),
        })
        .unwrap();
}

/// A device in `dir`, enrolled on the server at `server_url` as `login`, holding the reference
/// data of its first sync.
pub fn enrolled_device(dir: &std::path::Path, server_url: &str, login: &str) -> Device {
    let device = open_device(dir);
    enrol(&device, server_url, login);
    sync(&device, true);
    device
}

/// One sync of `device` (originals too when `with_originals`), and what it did.
pub fn sync(device: &Device, with_originals: bool) -> xuncha_core::sync::SyncReport {
    match device
        .handle(Request::Sync {
            allow_originals: Some(with_originals),
        })
        .unwrap()
    {
        Response::Synced(r) => *r,
        other => panic!("expected Synced, got {other:?}"),
    }
}

/// What waits on `device`, and its account.
pub fn sync_status(device: &Device) -> xuncha_core::api::SyncStatus {
    match device.handle(Request::SyncStatus).unwrap() {
        Response::SyncStatus(s) => *s,
        other => panic!("expected SyncStatus, got {other:?}"),
    }
}

fn recorded(r: xuncha_core::Result<Response>) -> String {
    match r.unwrap() {
        Response::Recorded(r) => r.id,
        other => panic!("expected Recorded, got {other:?}"),
    }
}

/// Records offline a river patrol on `reach` with `points` fixes, a finding, and the given
/// photos attached to the finding. Returns (patrol, finding).
pub fn record_patrol(
    device: &Device,
    reach: ReachId,
    points: usize,
    photos: &[std::path::PathBuf],
) -> (PatrolId, FindingId) {
    let patrol: PatrolId = recorded(device.handle(Request::StartPatrol {
        kind: PatrolKind::River,
        reach: Some(reach),
        area: None,
        at: None,
    }))
    .parse()
    .unwrap();
    let t0 = device.now().0 - points as i64 * 1000;
    let track: Vec<TrackPoint> = (0..points)
        .map(|i| {
            let mut p = TrackPoint::at(
                UnixMs(t0 + i as i64 * 1000),
                114.10 + i as f64 * 1.1e-5,
                30.65 + (i % 7) as f64 * 1e-6,
            );
            p.accuracy_m = Some(3.0 + (i % 5) as f64);
            p
        })
        .collect();
    if !track.is_empty() {
        recorded(device.handle(Request::AppendTrackPoints {
            patrol,
            points: track,
            untimed: Vec::new(),
        }));
    }
    let finding: FindingId = recorded(device.handle(Request::report_finding(
        RecordRef::Patrol(patrol),
        "dumping",
        "岸边堆放垃圾",
        Severity::Minor,
        Some(Position::new(114.101, 30.6501)),
    )))
    .parse()
    .unwrap();
    for path in photos {
        let Response::PhotoImported(p) = device
            .handle(Request::ImportPhotoFile {
                path: path.to_string_lossy().into_owned(),
                device_fix: None,
                utc_offset_min: Some(480),
            })
            .unwrap()
        else {
            panic!("not a photo")
        };
        recorded(device.handle(Request::AttachPhoto {
            target: PhotoTarget::Finding(finding),
            role: PhotoRole::Evidence,
            original: p.original,
            upload: Some(p.upload),
            thumbnail: Some(p.thumbnail),
            taken_at: p.taken_at,
            position: p.position,
            position_source: p.position_source,
            caption: String::new(),
        }));
    }
    recorded(device.handle(Request::EndPatrol {
        patrol,
        notes: String::new(),
        at: None,
    }));
    (patrol, finding)
}

/// Checks that the server holds exactly this device's events (same ids, same hashes, no more,
/// no fewer) and every blob its events refer to that the device holds, hash-verified.
pub fn assert_server_holds_exactly(server: &Server, device: &Device, with_originals: bool) {
    let (id, mine) = device.with_store_mut(|s| (s.device_id(), s.events_of_device(s.device_id()).unwrap()));
    let theirs = server.events_of(id);
    assert_eq!(
        theirs.len(),
        mine.len(),
        "the server must hold each of the device's events exactly once"
    );
    for (a, (id, hash)) in mine.iter().zip(theirs.iter()) {
        assert_eq!(a.id, *id);
        assert_eq!(a.hash, *hash);
    }
    let refs = device.with_store_mut(|s| s.referenced_blobs().unwrap());
    for (hash, usage) in refs {
        if usage == xuncha_core::store::BlobUse::Original && !with_originals {
            continue;
        }
        let bytes = server
            .blob(&hash)
            .unwrap_or_else(|| panic!("server lacks blob {hash} ({usage:?})"));
        assert_eq!(
            BlobHash::of(&bytes),
            hash,
            "a stored blob's bytes must hash to its name"
        );
    }
    assert_eq!(
        device.with_store_mut(|s| s.outbox_len().unwrap()),
        0,
        "the device's outbox must be empty"
    );
}

// ---- many users (benches/load.rs) ----------------------------------------------------------

/// `n` users `{prefix}0`… with `role` (passwords by `password_of`), in `units` by turns;
/// their argon2 hashes are made concurrently on the server's runtime.
pub fn seed_users(server: &Server, units: &[UnitId], role: Role, prefix: &str, n: usize) -> Vec<User> {
    let st = server.state.clone();
    let units = units.to_vec();
    let prefix = prefix.to_owned();
    server.rt.block_on(async move {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let st = st.clone();
                let login = format!("{prefix}{i}");
                let user = reference_data::user(&login, units[i % units.len()], vec![role]);
                tokio::spawn(async move {
                    xuncha_server::office::create_user_with_password(&st, user, password_of(&login), None)
                        .await
                })
            })
            .collect();
        let mut users = Vec::with_capacity(n);
        for t in tasks {
            users.push(t.await.unwrap().unwrap());
        }
        users
    })
}

// ---- devices on a clock of the test's own ---------------------------------------------------

/// A device in `dir` (store and blobs as `open_device` lays them out) whose clock reads `clock`
/// (Unix ms), so a test can record a past year as it happened: the device stamps each record
/// with the time the test has set, and syncs later as a phone kept offline would.
pub fn open_device_on_clock(
    dir: &std::path::Path,
    clock: std::sync::Arc<std::sync::atomic::AtomicI64>,
) -> Device {
    let store = xuncha_core::Store::open(&dir.join("device.db")).unwrap();
    let blobs = xuncha_core::blobs::BlobStore::open(dir.join("blobs")).unwrap();
    Device::with_store(
        store,
        Box::new(move || UnixMs(clock.load(std::sync::atomic::Ordering::SeqCst))),
    )
    .with_blobs(blobs)
}
