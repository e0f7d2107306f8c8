//! Driving the app like a thumb through WebDriver: tauri-driver on free ports, finding by test
//! id, tapping out from under the fixed bars, typing, files, signatures, waiting for what the
//! app shows, and a screenshot when the test gives up.

use base64::Engine as _;
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How long the app may take to reach a state before the test gives up (readiness, not speed:
/// the figure is generous because the machine is shared).
pub const PATIENCE: Duration = Duration::from_secs(120);

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// tauri-driver on its own ports, stopped with SIGTERM so that it stops WebKitWebDriver too
/// (SIGKILL would leave WebKitWebDriver holding its port).
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start(data_home: &Path) -> Driver {
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

pub async fn connect(port: u16, app: &Path) -> Client {
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

pub fn css(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

/// Stops the test with what the app showed at that moment (`test-results/app/failure.png`).
pub async fn give_up(c: &Client, why: String) -> ! {
    // What the app said, even where it is scrolled out of the screenshot.
    let mut alerts = Vec::new();
    if let Ok(found) = c.find_all(Locator::Css("[role=alert]")).await {
        for a in found {
            alerts.push(a.text().await.unwrap_or_default());
        }
    }
    eprintln!("alerts on the screen: {alerts:?}");
    if let Ok(png) = c.screenshot().await {
        let dir = workspace_root().join("test-results/app");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("failure.png"), png);
    }
    panic!("{why} (the screen then: test-results/app/failure.png)")
}

pub async fn find(c: &Client, testid: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&css(testid)))
        .await
    {
        Ok(el) => el,
        Err(e) => give_up(c, format!("{testid} did not appear: {e}")).await,
    }
}

/// Clicks like a thumb: the element is first brought to the middle of the screen, out from
/// under the fixed top and bottom bars.
pub async fn tap(c: &Client, el: fantoccini::elements::Element, what: &str) {
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

pub async fn click(c: &Client, testid: &str) {
    let el = find(c, testid).await;
    tap(c, el, testid).await;
}

/// Taps `testid` until `opens` appears: a tap that lands while the screen is still settling
/// (a form closing, a list growing) can be lost, and the step it opens is what matters.
pub async fn click_until(c: &Client, testid: &str, opens: &str) {
    for _ in 0..4 {
        click(c, testid).await;
        let shown = c
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(&css(opens)))
            .await;
        if shown.is_ok() {
            return;
        }
        eprintln!("{testid}: tapped, {opens} not shown yet; tapping again");
    }
    give_up(c, format!("tapping {testid} never showed {opens}")).await;
}

pub async fn text(c: &Client, testid: &str) -> String {
    find(c, testid).await.text().await.unwrap()
}

/// Waits until the number shown in `testid` reaches `at_least`.
pub async fn wait_number(c: &Client, testid: &str, at_least: f64) -> f64 {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let shown = text(c, testid).await;
        let n: f64 = shown.trim().parse().unwrap_or(0.0);
        if n >= at_least {
            return n;
        }
        if Instant::now() > deadline {
            give_up(c, format!("{testid} stayed at {shown:?}, expected ≥ {at_least}")).await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub async fn wait_text(c: &Client, testid: &str, wanted: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let shown = text(c, testid).await;
        if shown.contains(wanted) {
            return shown;
        }
        if Instant::now() > deadline {
            give_up(c, format!("{testid} shows {shown:?}, never {wanted:?}")).await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Puts a file into an `<input type=file>`: WebDriver's own way (send the path) when the driver
/// supports it, otherwise the same File object built in the page.
pub async fn choose_file(c: &Client, testid: &str, path: &Path) {
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

pub async fn type_into(c: &Client, testid: &str, value: &str) {
    let el = find(c, testid).await;
    el.send_keys(value).await.unwrap();
    assert_eq!(
        el.prop("value").await.unwrap().as_deref(),
        Some(value),
        "{testid} holds what was typed"
    );
}

pub struct Shots {
    pub dir: PathBuf,
    pub n: u32,
}

impl Shots {
    pub async fn take(&mut self, c: &Client, name: &str) {
        self.n += 1;
        let png = c.screenshot().await.unwrap();
        let path = self.dir.join(format!("{:02}-{name}.png", self.n));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

pub fn app_binary() -> PathBuf {
    // Built by the same cargo run as this test, with the same features: no second build.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_xuncha-app"));
    assert!(bin.is_file(), "{} is not built", bin.display());
    bin
}

/// Sets an input's value the way typing would end (for a date input, whose typing differs
/// between engines): `input` and `change` are fired for the UI's bindings.
pub async fn set_value(c: &Client, testid: &str, value: &str) {
    let el = find(c, testid).await;
    c.execute(
        "const [el, v] = arguments; el.value = v;
         el.dispatchEvent(new Event('input', { bubbles: true }));
         el.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![serde_json::to_value(&el).unwrap(), value.into()],
    )
    .await
    .unwrap();
    assert_eq!(el.prop("value").await.unwrap().as_deref(), Some(value));
}

/// Picks the first choice of a site picker after searching for `query`; returns its name. The
/// list re-sorts by distance as GPS fixes arrive, so a tap that landed between moving rows is
/// tried again until the picker shows a choice taken.
pub async fn pick_site(c: &Client, picker: &str, query: &str) -> String {
    type_into(c, &format!("{picker}-search"), query).await;
    let scope = format!("//input[@data-testid='{picker}-search']/ancestor::div[contains(@class,'picker')]");
    let choice = format!("{scope}//label[.//span[starts-with(normalize-space(), '{query}')]]");
    let taken = format!("{scope}//label[contains(@class,'on')]//span");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let label = c
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&choice))
            .await
            .unwrap_or_else(|e| panic!("no site like {query:?} in {picker}: {e}"));
        tap(c, label, query).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(on) = c.find(Locator::XPath(&taken)).await {
            return on.text().await.unwrap().trim().to_owned();
        }
        assert!(Instant::now() < deadline, "no site could be chosen in {picker}");
    }
}

/// Chooses the radio button `testid` by tapping its label, until the label shows it taken.
pub async fn choose(c: &Client, testid: &str) {
    let label = format!("//input[@data-testid='{testid}']/..");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let el = c.find(Locator::XPath(&label)).await.unwrap();
        tap(c, el.clone(), testid).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let class = el.attr("class").await.unwrap().unwrap_or_default();
        if class.split_whitespace().any(|k| k == "on") {
            return;
        }
        assert!(Instant::now() < deadline, "{testid} could not be chosen");
    }
}

/// Clicks the element of `scope` (a test id) whose text is exactly `text`.
pub async fn click_text(c: &Client, scope: &str, tag: &str, text: &str) {
    let xpath = format!("//*[@data-testid='{scope}']//{tag}[normalize-space()='{text}']");
    let el = c
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no {tag} {text:?} in {scope}: {e}"));
    tap(c, el, text).await;
}

/// Signs on a signature pad as a finger would: a zigzag across the canvas, through WebDriver's
/// pointer actions; where the engine's driver has no pointer actions, the same pointer events
/// are fired in the page. The pad's confirm button (`confirm`) becoming enabled is the proof
/// that the pad took the strokes.
pub async fn sign(c: &Client, pad: &str, confirm: &str) {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let canvas = find(c, pad).await;
    c.execute(
        "arguments[0].scrollIntoView({ block: 'center' })",
        vec![serde_json::to_value(&canvas).unwrap()],
    )
    .await
    .unwrap();
    let (_, _, w, _) = canvas.rectangle().await.unwrap();
    let mut mouse = MouseActions::new("finger".to_owned()).then(PointerAction::MoveToElement {
        element: canvas.clone(),
        duration: None,
        x: -(w / 2.0 - 20.0),
        y: 0.0,
    });
    mouse = mouse.then(PointerAction::Down {
        button: MOUSE_BUTTON_LEFT,
    });
    for i in 1..=12 {
        mouse = mouse.then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(20)),
            x: (w - 40.0) / 12.0,
            y: if i % 2 == 1 { -25.0 } else { 25.0 },
        });
    }
    mouse = mouse.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    let by_actions = c.perform_actions(mouse).await;
    let _ = c.release_actions().await;
    let button = find(c, confirm).await;
    if by_actions.is_ok() && wait_enabled(&button, Duration::from_secs(3)).await {
        return;
    }
    eprintln!("{pad}: pointer actions did not draw ({by_actions:?}); firing pointer events in the page");
    c.execute(
        "const el = arguments[0]; const r = el.getBoundingClientRect(); const y = r.top + r.height / 2;
         const at = (type, i, buttons) => el.dispatchEvent(new PointerEvent(type, {
           bubbles: true, cancelable: true, pointerId: 1, pointerType: 'touch', isPrimary: true,
           buttons, clientX: r.left + 20 + i * (r.width - 40) / 12, clientY: y + (i % 2 ? -25 : 25) }));
         at('pointerdown', 0, 1);
         for (let i = 1; i <= 12; i++) at('pointermove', i, 1);
         at('pointerup', 12, 0);",
        vec![serde_json::to_value(&canvas).unwrap()],
    )
    .await
    .unwrap();
    assert!(
        wait_enabled(&button, PATIENCE).await,
        "the signature on {pad} was not taken"
    );
}

pub async fn wait_enabled(el: &fantoccini::elements::Element, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if el.is_enabled().await.unwrap_or(false) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// After a form with photos is saved: the form closes, or stays to say which photos could not
/// be stored (with a "continue" button). Returns what it said, if anything.
pub async fn photo_outcome(c: &Client) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(result) = c.find(Locator::Css(&css("photo-result"))).await {
            let said = result.text().await.unwrap_or_default();
            if let Ok(more) = c
                .find(Locator::XPath(
                    "//*[@data-testid='finding-form']//button[normalize-space()='继续']",
                ))
                .await
            {
                tap(c, more, "继续").await;
            }
            return said;
        }
        if c.find(Locator::Css(&css("finding-form"))).await.is_err() {
            return String::new();
        }
        if Instant::now() >= deadline {
            give_up(c, "the finding form neither closed nor answered".into()).await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
