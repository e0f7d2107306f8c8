//! The real app in its real engine: the built Tauri shell (`xuncha-app`, WebKitGTK) under Xvfb,
//! driven through tauri-driver and WebKitWebDriver, against a real xuncha-server on 127.0.0.1.
//! A river chief patrols a reach on a replayed GPX track, reports a problem with a fixture
//! photo, ends the patrol and syncs from the app's Sync screen; the server then holds exactly
//! the device's events (the patrol, its track, the finding) and the photo's upload copy.
//!
//! Needs the app built once beforehand, Xvfb and tauri-driver: `scripts/test-app.sh` sets that
//! up and runs this test (it is ignored in a plain `cargo test`). The app binary is taken from
//! `XUNCHA_APP_BIN`. Screenshots go to `test-results/app/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use xuncha_core::api::{Request, Response};
use xuncha_core::store::BlobUse;
use xuncha_core::store::queries::{RecordFilter, RecordKind};
use xuncha_domain::PatrolId;
use xuncha_e2e::*;

/// How long the app may take to reach a state before the test gives up (readiness, not speed:
/// the figure is generous because the machine is shared).
const PATIENCE: Duration = Duration::from_secs(120);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// tauri-driver on its own ports, stopped with SIGTERM so that it stops WebKitWebDriver too
/// (SIGKILL would leave WebKitWebDriver holding its port).
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(data_home: &Path) -> Driver {
        let (port, native_port) = (free_port(), free_port());
        let bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let child = Command::new(bin)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            // The app's data dir (app_data_dir = $XDG_DATA_HOME/cn.xuncha.app) is the test's.
            .env("XDG_DATA_HOME", data_home)
            .spawn()
            .expect("tauri-driver must be installed (scripts/setup-tauri.sh)");
        let deadline = Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

async fn connect(port: u16, app: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app.to_string_lossy() }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with the app")
}

fn css(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

async fn find(c: &Client, testid: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&css(testid)))
        .await
        .unwrap_or_else(|e| panic!("{testid} did not appear: {e}"))
}

/// Clicks like a thumb: the element is first brought to the middle of the screen, out from
/// under the fixed top and bottom bars.
async fn tap(c: &Client, el: fantoccini::elements::Element, what: &str) {
    c.execute(
        "arguments[0].scrollIntoView({ block: 'center' })",
        vec![serde_json::to_value(&el).unwrap()],
    )
    .await
    .unwrap();
    el.click()
        .await
        .unwrap_or_else(|e| panic!("{what} could not be clicked: {e}"));
}

async fn click(c: &Client, testid: &str) {
    let el = find(c, testid).await;
    tap(c, el, testid).await;
}

async fn text(c: &Client, testid: &str) -> String {
    find(c, testid).await.text().await.unwrap()
}

/// Waits until the number shown in `testid` reaches `at_least`.
async fn wait_number(c: &Client, testid: &str, at_least: f64) -> f64 {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let shown = text(c, testid).await;
        let n: f64 = shown.trim().parse().unwrap_or(0.0);
        if n >= at_least {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "{testid} stayed at {shown:?}, expected ≥ {at_least}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn wait_text(c: &Client, testid: &str, wanted: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let shown = text(c, testid).await;
        if shown.contains(wanted) {
            return shown;
        }
        assert!(
            Instant::now() < deadline,
            "{testid} shows {shown:?}, never {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Puts a file into an `<input type=file>`: WebDriver's own way (send the path) when the driver
/// supports it, otherwise the same File object built in the page.
async fn choose_file(c: &Client, testid: &str, path: &Path) {
    let el = find(c, testid).await;
    if el.send_keys(&path.to_string_lossy()).await.is_ok() {
        return;
    }
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mime = if name.ends_with(".jpg") {
        "image/jpeg"
    } else {
        "application/gpx+xml"
    };
    c.execute(
        "const [el, b64, name, type] = arguments;
         const bin = atob(b64); const bytes = new Uint8Array(bin.length);
         for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
         const dt = new DataTransfer(); dt.items.add(new File([bytes], name, { type }));
         el.files = dt.files; el.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![
            serde_json::to_value(&el).unwrap(),
            base64::engine::general_purpose::STANDARD.encode(bytes).into(),
            name.into(),
            mime.into(),
        ],
    )
    .await
    .unwrap();
}

async fn type_into(c: &Client, testid: &str, value: &str) {
    let el = find(c, testid).await;
    el.send_keys(value).await.unwrap();
    assert_eq!(
        el.prop("value").await.unwrap().as_deref(),
        Some(value),
        "{testid} holds what was typed"
    );
}

struct Shots {
    dir: PathBuf,
    n: u32,
}

impl Shots {
    async fn take(&mut self, c: &Client, name: &str) {
        self.n += 1;
        let png = c.screenshot().await.unwrap();
        let path = self.dir.join(format!("{:02}-{name}.png", self.n));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

fn app_binary() -> PathBuf {
    let bin = PathBuf::from(
        std::env::var("XUNCHA_APP_BIN").expect("XUNCHA_APP_BIN: the built app (scripts/test-app.sh sets it)"),
    );
    assert!(bin.is_file(), "{} is not built", bin.display());
    bin
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run scripts/test-app.sh"]
fn river_patrol_recorded_in_the_app_reaches_the_server_with_its_track_and_photo() {
    let app = app_binary();
    let server = Server::start(sqlite());
    let seed = seed(&server);
    let chief = &seed.chiefs[0];

    // The app's data dir, as the shell will compute it under this XDG_DATA_HOME.
    let data_home = tempfile::tempdir().unwrap();
    let data_dir = data_home.path().join("cn.xuncha.app");
    std::fs::create_dir_all(&data_dir).unwrap();
    // Enrolment: the UI's Settings form does not speak the core's `enrol` yet (it sends
    // {server, code}; the core takes a login and password), so the device store the app will
    // open is enrolled through the same core API before the app starts, and its first sync
    // brings the chief's reach — what the Settings screen will do once it is aligned.
    {
        let device = open_device(&data_dir);
        enrol(&device, &server.url(), &chief.login);
        match device
            .handle(Request::Sync {
                allow_originals: None,
            })
            .unwrap()
        {
            Response::Synced(_) => {}
            other => panic!("{other:?}"),
        }
    }

    let shots_dir = workspace_root().join("test-results/app");
    std::fs::create_dir_all(&shots_dir).unwrap();
    let mut shots = Shots { dir: shots_dir, n: 0 };
    let gpx = fixture("gpx/cerknicko-jezero.gpx");
    let photo = fixture("photos/gps/DSCN0010.jpg");

    let driver = Driver::start(data_home.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut photo_outcome = String::new();
    let mut sync_shown = String::new();
    rt.block_on(async {
        let c = connect(driver.port, &app).await;

        // -- home, in Chinese, shows who is signed in
        let who = wait_text(&c, "who", &chief.name).await;
        let nav = text(&c, "nav-home").await;
        assert!(nav.contains("首页"), "the home screen speaks Chinese: {nav:?}");
        let lang = c
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap();
        eprintln!("home: who = {who:?}, lang = {lang}");
        shots.take(&c, "home").await;

        // -- settings: the GPS source is the GPX fixture, replayed fast
        click(&c, "nav-settings").await;
        let gpx_choice = c
            .find(Locator::XPath("//input[@data-testid='gps-gpx']/.."))
            .await
            .unwrap();
        tap(&c, gpx_choice, "the GPX choice").await;
        choose_file(&c, "gpx-file", &gpx).await;
        find(&c, "replay-speed")
            .await
            .select_by_value("600")
            .await
            .unwrap();
        wait_text(&c, "gpx-name", "cerknicko").await;
        shots.take(&c, "settings").await;

        // -- river patrol on the chief's reach
        click(&c, "nav-home").await;
        click(&c, "go-river").await;
        click(&c, "start-patrol").await;
        find(&c, "patrol-stats").await;
        wait_number(&c, "points", 40.0).await;
        shots.take(&c, "river-live").await;

        click(&c, "report-problem").await;
        find(&c, "finding-category")
            .await
            .select_by_value("dumping")
            .await
            .unwrap();
        type_into(&c, "finding-note", "河岸堆放建筑垃圾约 10 立方米").await;
        choose_file(&c, "finding-photos-camera", &photo).await;
        shots.take(&c, "river-report-problem").await;
        click(&c, "finding-save").await;
        // The finding is saved; the form then either closes, or stays to say which photos
        // could not be stored (with a "continue" button).
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(result) = c.find(Locator::Css(&css("photo-result"))).await {
                photo_outcome = result.text().await.unwrap_or_default();
                break;
            }
            if c.find(Locator::Css(&css("finding-form"))).await.is_err() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the finding form neither closed nor answered"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        eprintln!("photo outcome shown by the app: {photo_outcome:?}");
        wait_text(&c, "patrol-findings", "河岸堆放建筑垃圾").await;
        shots.take(&c, "river-finding-saved").await;

        wait_number(&c, "points", 100.0).await;
        click(&c, "end-patrol").await;
        type_into(&c, "end-notes", "巡查正常").await;
        click(&c, "confirm-end").await;
        find(&c, "patrol-summary").await;
        shots.take(&c, "river-summary").await;

        // -- sync from the app
        click(&c, "nav-sync").await;
        click(&c, "sync-now").await;
        // The button is disabled while the sync runs; the server is the judge of what arrived.
        let deadline = Instant::now() + PATIENCE;
        while !find(&c, "sync-now").await.is_enabled().await.unwrap() {
            assert!(Instant::now() < deadline, "the sync did not finish");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        sync_shown = text(&c, "sync-state").await;
        eprintln!("sync screen after the sync: {sync_shown:?}");
        shots.take(&c, "sync-done").await;
        c.close().await.unwrap();
    });
    drop(driver);

    // The server holds exactly what the app recorded: the patrol, its track, the finding and
    // the photo's upload copy, each event once and hash for hash.
    let device = open_device(&data_dir);
    let records = match device
        .handle(Request::ListRecords {
            filter: RecordFilter::default(),
        })
        .unwrap()
    {
        Response::Records(r) => r,
        other => panic!("{other:?}"),
    };
    eprintln!("records on the device: {records:?}");
    let patrols: Vec<_> = records
        .iter()
        .filter(|r| r.kind == RecordKind::RiverPatrol)
        .collect();
    assert_eq!(
        patrols.len(),
        1,
        "one river patrol recorded in the app: {records:?}"
    );
    let patrol: PatrolId = patrols[0].id.parse().unwrap();
    let track = match device.handle(Request::GetTrack { patrol }).unwrap() {
        Response::Track(t) => t,
        other => panic!("{other:?}"),
    };
    assert!(
        track.len() >= 100,
        "the replayed track was recorded: {} points",
        track.len()
    );
    assert!(
        server.event_count() > 0,
        "the app's sync reached the server (sync screen: {sync_shown:?})"
    );
    assert_server_holds_exactly(&server, &device, false);
    // The fixture photo reached the core (import_photo) and the finding: its upload copy and
    // thumbnail are referenced by the device's events, and the server holds both, hash-verified
    // (checked blob for blob above; the original stays on the device until allowed).
    let refs = device.with_store_mut(|s| s.referenced_blobs().unwrap());
    eprintln!("blobs the app's events refer to: {refs:?} (form said {photo_outcome:?})");
    for wanted in [BlobUse::UploadCopy, BlobUse::Thumbnail, BlobUse::Original] {
        let hash = refs
            .iter()
            .find(|(_, u)| *u == wanted)
            .map(|(h, _)| *h)
            .unwrap_or_else(|| panic!("the finding's photo has no {wanted:?}"));
        if wanted != BlobUse::Original {
            assert!(server.blob(&hash).is_some(), "the server holds the {wanted:?}");
        }
    }
}
