//! The development bridge as the UI's browser tests use it: started on port 0, it prints its
//! address, serves the built UI, answers `POST /api` with the core's Response, and answers
//! failures with an HTTP status and the core's `{code, message}`.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Bridge {
    child: Child,
    addr: String,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &std::path::Path, ui: &std::path::Path) -> Bridge {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xuncha"))
        .arg("--data-dir")
        .arg(data)
        .args(["bridge", "--listen", "127.0.0.1:0", "--ui-dir"])
        .arg(ui)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the bridge");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the bridge prints its address");
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .expect("an http:// address")
        .to_owned();
    Bridge { child, addr }
}

/// One HTTP/1.1 exchange by hand: (status, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let (status, _, body) = exchange(addr, method, path, body);
    (status, body)
}

/// (status, head, body).
fn exchange(addr: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let status = answer[9..12].parse().expect("status code");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (status, head.to_owned(), body.to_owned())
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("json body")
}

#[test]
fn the_bridge_serves_the_ui_and_the_one_api_with_the_cores_error_codes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ui = tmp.path().join("dist");
    std::fs::create_dir_all(ui.join("assets")).expect("mkdir");
    std::fs::write(ui.join("index.html"), "<!doctype html><title>巡查</title>").expect("write");
    std::fs::write(ui.join("assets/app.js"), "console.log(1)").expect("write");
    let bridge = start(&tmp.path().join("device"), &ui);
    let a = &bridge.addr;

    let (status, body) = http(a, "POST", "/api", r#"{"action":"device_info"}"#);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["type"], "device");

    let (status, body) = http(
        a,
        "POST",
        "/api",
        r#"{"action":"start_patrol","args":{"kind":"river","reach":null,"area":"府河","at":null}}"#,
    );
    assert_eq!(status, 412, "{body}");
    assert_eq!(json(&body)["code"], "not_set_up");

    let missing = r#"{"action":"get_record","args":{"id":"01a21543-1a7f-7465-b664-7eda48767cbd"}}"#;
    let (status, body) = http(a, "POST", "/api", missing);
    assert_eq!(
        (status, json(&body)["code"].clone()),
        (404, Value::from("not_found"))
    );

    let (status, body) = http(a, "POST", "/api", r#"{"action":"launch_rocket","args":{}}"#);
    assert_eq!(status, 400);
    assert_eq!(json(&body)["code"], "bad_request");
    assert!(
        json(&body)["message"]
            .as_str()
            .unwrap_or("")
            .contains("unknown variant `launch_rocket`")
    );

    let (status, head, body) = exchange(a, "GET", "/", "");
    assert_eq!((status, body.contains("巡查")), (200, true));
    // The UI runs under a real content security policy, as it will in the shell.
    assert!(
        head.contains("Content-Security-Policy: default-src 'self'"),
        "{head}"
    );
    let (status, body) = http(a, "GET", "/assets/app.js", "");
    assert_eq!((status, body.as_str()), (200, "console.log(1)"));
    // A screen's address reloads the app; a missing file is a 404, not the app.
    assert!(http(a, "GET", "/record/abc", "").1.contains("巡查"));
    assert_eq!(http(a, "GET", "/assets/missing.js", "").0, 404);
    assert_eq!(http(a, "GET", "/../Cargo.toml", "").0, 400);
    assert_eq!(http(a, "DELETE", "/api", "").0, 405);
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
