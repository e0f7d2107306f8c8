//! The development bridge as the UI's browser tests use it: started on port 0, it prints its
//! address and the address to open with its per-run secret, serves the built UI, answers
//! `POST /api` with the core's Response, and answers failures with an HTTP status and the core's
//! `{code, message}`. It is closed to the other web pages a browser has open: an API call without
//! the secret, for another Host (DNS rebinding), from another Origin or not as JSON is refused,
//! and so is any request that names a file on this machine — and nothing changes on the device.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Bridge {
    child: Child,
    addr: String,
    token: String,
    /// The address printed for a person to open.
    open_url: String,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, ui: &Path) -> Bridge {
    start_with(data, ui, None)
}

fn start_with(data: &Path, ui: &Path, token: Option<&str>) -> Bridge {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xuncha"));
    command
        .arg("--data-dir")
        .arg(data)
        .args(["bridge", "--listen", "127.0.0.1:0", "--ui-dir"])
        .arg(ui)
        .env_remove("XUNCHA_BRIDGE_TOKEN")
        .stdout(Stdio::piped());
    if let Some(t) = token {
        command.env("XUNCHA_BRIDGE_TOKEN", t);
    }
    let mut child = command.spawn().expect("start the bridge");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut listening, mut open) = (String::new(), String::new());
    out.read_line(&mut listening)
        .expect("the bridge prints its address");
    out.read_line(&mut open)
        .expect("the bridge prints the address to open");
    let addr = listening
        .trim()
        .rsplit("http://")
        .next()
        .expect("an http:// address")
        .to_owned();
    let open_url = open
        .trim()
        .rsplit(' ')
        .next()
        .expect("an address to open")
        .to_owned();
    let token = open_url
        .split_once("/?token=")
        .map(|(_, t)| t.to_owned())
        .expect("the address to open carries the secret");
    Bridge {
        child,
        addr,
        token,
        open_url,
    }
}

/// One HTTP/1.1 exchange by hand, with exactly the headers given: (status, head, body).
fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let status = answer[9..12].parse().expect("status code");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (status, head.to_owned(), body.to_owned())
}

/// What the UI sends: the bridge's own Host, JSON, and the secret.
fn call(b: &Bridge, body: &str) -> (u16, String) {
    let (status, _, body) = exchange(
        &b.addr,
        "POST",
        "/api",
        &[
            ("Host", &b.addr),
            ("Content-Type", "application/json"),
            ("X-Xuncha-Bridge", &b.token),
        ],
        body,
    );
    (status, body)
}

fn get(b: &Bridge, path: &str) -> (u16, String, String) {
    exchange(&b.addr, "GET", path, &[("Host", &b.addr)], "")
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("json body")
}

/// A built UI with a page and a script.
fn ui(dir: &Path) -> std::path::PathBuf {
    let ui = dir.join("dist");
    std::fs::create_dir_all(ui.join("assets")).expect("mkdir");
    std::fs::write(ui.join("index.html"), "<!doctype html><title>巡查</title>").expect("write");
    std::fs::write(ui.join("assets/app.js"), "console.log(1)").expect("write");
    ui
}

const SET_USER: &str = r#"{"action":"set_user","args":{"user":"01a21543-1a7f-7465-b664-7eda48767cbd","unit":"01a21543-1a7f-7465-b664-7eda48767cbe"}}"#;

/// Whose device this is, asked the right way.
fn device_user(b: &Bridge) -> Value {
    let (status, body) = call(b, r#"{"action":"device_info"}"#);
    assert_eq!(status, 200, "{body}");
    json(&body)["data"]["user_id"].clone()
}

/// A refusal: its status, its code, and a message in Chinese.
fn assert_refused(answer: (u16, String, String), status: u16, code: &str) {
    let (got, _, body) = answer;
    assert_eq!(got, status, "{body}");
    let body = json(&body);
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap_or("");
    assert!(
        message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{message}"
    );
}

#[test]
fn the_bridge_serves_the_ui_and_the_one_api_with_the_cores_error_codes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bridge = start(&tmp.path().join("device"), &ui(tmp.path()));
    let b = &bridge;

    let (status, body) = call(b, r#"{"action":"device_info"}"#);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["type"], "device");

    let (status, body) = call(
        b,
        r#"{"action":"start_patrol","args":{"kind":"river","reach":null,"area":"府河","at":null}}"#,
    );
    assert_eq!(status, 412, "{body}");
    assert_eq!(json(&body)["code"], "not_set_up");

    let missing = r#"{"action":"get_record","args":{"id":"01a21543-1a7f-7465-b664-7eda48767cbd"}}"#;
    let (status, body) = call(b, missing);
    assert_eq!(
        (status, json(&body)["code"].clone()),
        (404, Value::from("not_found"))
    );

    let (status, body) = call(b, r#"{"action":"launch_rocket","args":{}}"#);
    assert_eq!(status, 400);
    assert_eq!(json(&body)["code"], "bad_request");
    assert!(
        json(&body)["message"]
            .as_str()
            .unwrap_or("")
            .contains("unknown variant `launch_rocket`")
    );

    // The UI's files are public code: they need no secret, only the bridge's own Host.
    let (status, head, body) = get(b, "/");
    assert_eq!((status, body.contains("巡查")), (200, true));
    // The UI runs under a real content security policy, as it will in the shell, and the
    // first address (which carries the secret) is never sent on as a referrer.
    assert!(
        head.contains("Content-Security-Policy: default-src 'self'"),
        "{head}"
    );
    assert!(head.contains("Referrer-Policy: no-referrer"), "{head}");
    let (status, _, body) = get(b, "/assets/app.js");
    assert_eq!((status, body.as_str()), (200, "console.log(1)"));
    // The printed address opens the app.
    let open_path = b.open_url.split_once(&b.addr).expect("the address").1;
    assert!(get(b, open_path).2.contains("巡查"), "{}", b.open_url);
    // A screen's address reloads the app; a missing file is a 404, not the app.
    assert!(get(b, "/record/abc").2.contains("巡查"));
    assert_eq!(get(b, "/assets/missing.js").0, 404);
    assert_eq!(get(b, "/../Cargo.toml").0, 400);
    let delete = exchange(
        &b.addr,
        "DELETE",
        "/api",
        &[("Host", &b.addr), ("X-Xuncha-Bridge", &b.token)],
        "",
    );
    assert_eq!(delete.0, 405);
}

#[test]
fn each_run_prints_a_new_secret_in_the_address_to_open_and_takes_one_from_the_environment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ui = ui(tmp.path());
    let first = start(&tmp.path().join("a"), &ui);
    let second = start(&tmp.path().join("b"), &ui);
    assert_eq!(first.token.len(), 64, "{}", first.open_url);
    assert!(first.token.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(first.token, second.token);
    assert_eq!(
        first.open_url,
        format!("http://{}/?token={}", first.addr, first.token)
    );
    // Another run's secret opens nothing here.
    let (status, _, _) = exchange(
        &first.addr,
        "POST",
        "/api",
        &[
            ("Host", &first.addr),
            ("Content-Type", "application/json"),
            ("X-Xuncha-Bridge", &second.token),
        ],
        r#"{"action":"device_info"}"#,
    );
    assert_eq!(status, 403);

    // Scripts and tests may choose it (through the environment, not the command line).
    let chosen = "e2e-secret-0123456789abcdef0123456789";
    let given = start_with(&tmp.path().join("c"), &ui, Some(chosen));
    assert_eq!(given.token, chosen);
    assert_eq!(call(&given, r#"{"action":"device_info"}"#).0, 200);
    // A guessable one is not accepted.
    let out = Command::new(env!("CARGO_BIN_EXE_xuncha"))
        .arg("--data-dir")
        .arg(tmp.path().join("d"))
        .args(["bridge", "--listen", "127.0.0.1:0", "--ui-dir"])
        .arg(&ui)
        .env("XUNCHA_BRIDGE_TOKEN", "1234")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("口令"));
}

#[test]
fn an_api_call_without_the_secret_is_refused_and_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let b = start(&tmp.path().join("device"), &ui(tmp.path()));
    let without = |token: Option<&str>| {
        let mut headers = vec![("Host", b.addr.as_str()), ("Content-Type", "application/json")];
        if let Some(t) = token {
            headers.push(("X-Xuncha-Bridge", t));
        }
        exchange(&b.addr, "POST", "/api", &headers, SET_USER)
    };
    assert_refused(without(None), 403, "bridge_token");
    assert_refused(without(Some("")), 403, "bridge_token");
    let last = if b.token.ends_with('0') { '1' } else { '0' };
    let almost = format!("{}{last}", &b.token[..b.token.len() - 1]);
    assert_refused(without(Some(&almost)), 403, "bridge_token");
    // Sent twice, once right: not guessed at.
    let twice = exchange(
        &b.addr,
        "POST",
        "/api",
        &[
            ("Host", &b.addr),
            ("Content-Type", "application/json"),
            ("X-Xuncha-Bridge", "wrong"),
            ("X-Xuncha-Bridge", &b.token),
        ],
        SET_USER,
    );
    assert_refused(twice, 403, "bridge_token");
    assert_eq!(device_user(&b), Value::Null, "the device's user did not change");

    // The same request with the secret does what it says.
    assert_eq!(call(&b, SET_USER).0, 200);
    assert_eq!(device_user(&b), "01a21543-1a7f-7465-b664-7eda48767cbd");
}

#[test]
fn a_request_for_another_host_is_refused_so_a_rebound_dns_name_reaches_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let b = start(&tmp.path().join("device"), &ui(tmp.path()));
    let port = b.addr.rsplit(':').next().expect("port");
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1:1".to_owned(),
    ] {
        // Even with the secret (a rebinding page could not know it, but the Host alone is enough).
        let api = exchange(
            &b.addr,
            "POST",
            "/api",
            &[
                ("Host", &host),
                ("Content-Type", "application/json"),
                ("X-Xuncha-Bridge", &b.token),
            ],
            SET_USER,
        );
        assert_refused(api, 403, "bad_host");
        assert_refused(
            exchange(&b.addr, "GET", "/", &[("Host", &host)], ""),
            403,
            "bad_host",
        );
    }
    assert_refused(exchange(&b.addr, "GET", "/", &[], ""), 403, "bad_host");
    assert_eq!(device_user(&b), Value::Null, "the device's user did not change");
    // This machine's other names for the bridge are its Host too.
    for host in [format!("localhost:{port}"), format!("[::1]:{port}")] {
        assert_eq!(
            exchange(&b.addr, "GET", "/", &[("Host", &host)], "").0,
            200,
            "{host}"
        );
    }
}

#[test]
fn a_call_from_another_web_page_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let b = start(&tmp.path().join("device"), &ui(tmp.path()));
    let from = |origin: &str, site: Option<&str>| {
        let mut headers = vec![
            ("Host", b.addr.as_str()),
            ("Content-Type", "application/json"),
            ("X-Xuncha-Bridge", b.token.as_str()),
            ("Origin", origin),
        ];
        if let Some(s) = site {
            headers.push(("Sec-Fetch-Site", s));
        }
        exchange(&b.addr, "POST", "/api", &headers, SET_USER)
    };
    assert_refused(from("http://evil.example", None), 403, "bad_origin");
    assert_refused(from("null", None), 403, "bad_origin");
    let other_port = format!(
        "http://127.0.0.1:{}",
        b.addr
            .rsplit(':')
            .next()
            .map_or(0, |p| p.parse::<u32>().unwrap_or(0) + 1)
    );
    assert_refused(from(&other_port, None), 403, "bad_origin");
    let own = format!("http://{}", b.addr);
    assert_refused(from(&own, Some("cross-site")), 403, "bad_origin");
    assert_eq!(device_user(&b), Value::Null, "the device's user did not change");
    // The bridge's own page, as Chromium sends it.
    assert_eq!(from(&own, Some("same-origin")).0, 200);
    assert_eq!(device_user(&b), "01a21543-1a7f-7465-b664-7eda48767cbd");
}

#[test]
fn a_post_that_is_not_json_is_refused_so_a_form_cannot_call_the_api() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let b = start(&tmp.path().join("device"), &ui(tmp.path()));
    // The "simple requests" any page may send without asking: text/plain, forms.
    for content_type in [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let answer = exchange(
            &b.addr,
            "POST",
            "/api",
            &[
                ("Host", &b.addr),
                ("Content-Type", content_type),
                ("X-Xuncha-Bridge", &b.token),
            ],
            SET_USER,
        );
        assert_refused(answer, 415, "unsupported_media_type");
    }
    let none = exchange(
        &b.addr,
        "POST",
        "/api",
        &[("Host", &b.addr), ("X-Xuncha-Bridge", &b.token)],
        SET_USER,
    );
    assert_refused(none, 415, "unsupported_media_type");
    assert_eq!(device_user(&b), Value::Null, "the device's user did not change");
}

#[test]
fn a_request_naming_a_file_on_this_machine_is_refused_and_the_file_is_not_read() {
    xuncha_testsupport::require_fixtures!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("device");
    let b = start(&data, &ui(tmp.path()));
    let photo = tmp.path().join("photo.jpg");
    std::fs::copy(
        xuncha_testsupport::fixtures::path("photos/gps/DSCN0010.jpg"),
        &photo,
    )
    .expect("fixture photo");
    let stored = || files_under(&data.join("blobs"));
    let by_path = serde_json::json!({
        "action": "import_photo_file",
        "args": {"path": photo.to_string_lossy(), "device_fix": null, "utc_offset_min": 480}
    })
    .to_string();
    let (status, body) = call(&b, &by_path);
    assert_refused((status, String::new(), body), 403, "path_not_allowed");
    let secret_file = serde_json::json!({
        "action": "import_photo_file",
        "args": {"path": "/etc/passwd", "device_fix": null, "utc_offset_min": null}
    })
    .to_string();
    assert_eq!(call(&b, &secret_file).0, 403);
    assert_eq!(stored(), 0, "nothing was read into the device's blobs");

    // The browser's way: the photo's bytes. The same photo is taken in.
    let bytes = std::fs::read(&photo).expect("read");
    let by_bytes = serde_json::json!({
        "action": "import_photo",
        "args": {"bytes_base64": base64(&bytes), "device_fix": null, "utc_offset_min": 480}
    })
    .to_string();
    let (status, body) = call(&b, &by_bytes);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["type"], "photo_imported");
    assert!(stored() > 0);
}

#[test]
fn the_bridge_will_not_listen_beyond_this_machine_unless_told() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("index.html"), "x").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_xuncha"))
        .arg("--data-dir")
        .arg(tmp.path().join("device"))
        .args(["bridge", "--listen", "0.0.0.0:0", "--ui-dir"])
        .arg(tmp.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

/// Files in a folder and its folders (the device's blob store).
fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                let path = e.path();
                if path.is_dir() { files_under(&path) } else { 1 }
            })
            .sum()
    })
}

/// Standard base64, as the UI's FileReader sends a photo.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
