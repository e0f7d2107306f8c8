//! Support for the end-to-end tests: a real xuncha-server on 127.0.0.1:0 (SQLite, or a fresh
//! database on the test PostgreSQL), a seeded subdistrict with two brigades, devices that are
//! real `xuncha_core::Device`s in temporary folders, and a fault-injecting TCP proxy.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod proxy;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use tempfile::TempDir;
use xuncha_core::Device;
use xuncha_core::api::{Request, Response};
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::reference::Reach;
use xuncha_domain::*;
use xuncha_server::app::{AppState, Config};
use xuncha_server::limits::Limits;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures");

pub fn fixture(path: &str) -> std::path::PathBuf {
    std::path::Path::new(FIXTURES).join(path)
}

// ---- backends -------------------------------------------------------------------------------

pub struct Backend {
    pub name: &'static str,
    pub database_url: String,
    pub dir: TempDir,
    pg_drop: Option<(String, String)>,
}

pub fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("server.db").display());
    Backend {
        name: "sqlite",
        database_url,
        dir,
        pg_drop: None,
    }
}

static PG_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database on the test PostgreSQL (`XUNCHA_TEST_PG_URL`, started by scripts/pg.sh).
/// Without one the test is skipped with a notice — and fails under CI, where it must run.
pub fn postgres() -> Option<Backend> {
    let Ok(base) = std::env::var("XUNCHA_TEST_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "XUNCHA_TEST_PG_URL is not set under CI: the PostgreSQL tests must run (scripts/pg.sh)"
        );
        eprintln!("NOTICE: XUNCHA_TEST_PG_URL unset — PostgreSQL variant skipped");
        return None;
    };
    let name = format!(
        "e2e_{}_{}",
        std::process::id(),
        PG_COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
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
        if let Some((base, name)) = self.pg_drop.take()
            && let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

// ---- the server -----------------------------------------------------------------------------

/// A real server on 127.0.0.1:0, on its own runtime; stopped (gracefully) on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    pub rt: tokio::runtime::Runtime,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
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
        let config = Config {
            database_url: backend.database_url.clone(),
            blob_url: backend.dir.path().join("blobs").to_string_lossy().into_owned(),
            pool_size: 8,
            limits,
        };
        let (state, listener) = rt.block_on(async {
            let state = AppState::open(&config).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            (state, listener)
        });
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(xuncha_server::app::serve_state(state.clone(), listener, async {
            let _ = rx.await;
        }));
        Server {
            addr,
            state,
            rt,
            shutdown: Some(tx),
            backend,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

// ---- a seeded subdistrict -------------------------------------------------------------------

/// Uploads each blob (hash, file, length) as `token`'s device with one `curl` process, one PUT
/// each on one connection — the baseline the upload benchmarks compare with. The seconds it
/// took; panics if any upload failed (a 429 included).
pub fn curl_upload_each(
    server_url: &str,
    token: &str,
    blobs: &[(BlobHash, std::path::PathBuf, usize)],
    dir: &std::path::Path,
) -> f64 {
    use std::fmt::Write as _;
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
    secs
}

pub fn password_of(login: &str) -> String {
    format!("pw-{login}-2026")
}

pub struct Seed {
    pub street: Unit,
    pub brigades: [Unit; 2],
    pub chiefs: [User; 2],
    pub reaches: [Reach; 2],
    pub office: User,
}

fn now_ms() -> UnixMs {
    UnixMs(xuncha_server::now_ms())
}

/// A subdistrict with two brigades, a river chief and a reach in each, and office staff.
pub fn seed(server: &Server) -> Seed {
    let st = server.state.clone();
    server.rt.block_on(async move {
        xuncha_server::demo::create_admin(
            &st,
            "admin".into(),
            "管理员".into(),
            "E".into(),
            "测试街道".into(),
            Some(password_of("admin")),
        )
        .await
        .unwrap();
        let units = st.db.read(|s| s.units()).await.unwrap();
        let street = units.into_iter().find(|u| u.code == "E").unwrap();
        let brigade = |n: u8| Unit {
            id: UnitId::new(),
            name: format!("{n}大队"),
            kind: UnitKind::Brigade,
            parent: Some(street.id),
            code: format!("E{n}"),
        };
        let brigades = [brigade(1), brigade(2)];
        let mut reaches = Vec::new();
        for (i, b) in brigades.iter().enumerate() {
            let reach = Reach {
                id: ReachId::new(),
                name: format!("{}号渠", i + 1),
                unit: b.id,
                line: vec![
                    Position::new(114.10 + i as f64 * 0.02, 30.65),
                    Position::new(114.11 + i as f64 * 0.02, 30.652),
                ],
                length_m: 980.0,
                chiefs: vec![],
            };
            let (b, r, chain) = (b.clone(), reach.clone(), st.chain.clone());
            st.db
                .write(move |s| {
                    s.unit_upsert(&b)?;
                    chain.append(s, Payload::UnitDefined(b), None, now_ms())?;
                    chain.append(s, Payload::ReachDefined(r), None, now_ms())
                })
                .await
                .unwrap();
            reaches.push(reach);
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
            xuncha_server::office::create_user_with_password(&st, u, password_of(login), None)
                .await
                .unwrap()
        };
        let office = user("office", street.id, Role::Office).await;
        let chief = RoleChief::brigade();
        let c1 = user("chief1", brigades[0].id, chief).await;
        let c2 = user("chief2", brigades[1].id, chief).await;
        Seed {
            street,
            brigades,
            chiefs: [c1, c2],
            reaches: [reaches[0].clone(), reaches[1].clone()],
            office,
        }
    })
}

struct RoleChief;
impl RoleChief {
    fn brigade() -> Role {
        Role::RiverChief {
            level: ChiefLevel::Brigade,
        }
    }
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
    let finding: FindingId = recorded(device.handle(Request::ReportFinding {
        record: RecordRef::Patrol(patrol),
        category: "dumping".into(),
        description: "岸边堆放垃圾".into(),
        severity: Severity::Minor,
        location: Some(Position::new(114.101, 30.6501)),
    }))
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
                let user = User {
                    active_from: None,
                    id: UserId::new(),
                    name: login.clone(),
                    login: login.clone(),
                    unit: units[i % units.len()],
                    roles: vec![role],
                };
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
