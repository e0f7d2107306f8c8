//! `xuncha bridge`: the development bridge that lets the UI run in an ordinary browser against
//! the real core. It serves the built UI's static files and answers `POST /api` with
//! `Device::handle`, exactly as the Tauri shell's one `api` command will: the body is a
//! `Request` as JSON, a success is the `Response` as JSON, a failure is an HTTP 4xx/5xx whose
//! body is `{code, message}`.
//!
//! It is for development and the browser end-to-end tests only: a few worker threads, loopback
//! by default. Loopback is not a wall against the web pages the user has open, so every request
//! passes the gate (`gate.rs`): an exact Host, the bridge's own Origin, and for the API the
//! per-run secret printed at start and a JSON body; requests naming a file path are refused.
//! It never adds behaviour of its own on top of the API.

mod gate;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use gate::{Gate, Head, Refusal};
use serde::Deserialize;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use tiny_http::{Header, Method, Response, Server};
use xuncha_core::api::Request;
use xuncha_core::{CoreError, Device, ErrorBody};

#[derive(Args)]
pub struct BridgeArgs {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// The built UI (`ui/dist`).
    #[arg(long)]
    pub ui_dir: PathBuf,
    /// Allow listening on an address other than loopback (anyone who can reach it and learns
    /// the secret controls this device).
    #[arg(long)]
    pub allow_remote: bool,
    /// The secret every API call must carry (header `X-Xuncha-Bridge`); by default a random
    /// one for each run, printed with the address to open. Prefer the environment variable:
    /// a command line is visible to every user of this machine.
    #[arg(long, env = "XUNCHA_BRIDGE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// The policy the app runs under (the Tauri shell should set the same in tauri.conf.json): only
/// its own files and the bridge; images also from data:/blob: (previews, signatures) and https:
/// (a basemap's tiles, when the user sets a tile URL); inline styles for Leaflet and Svelte.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Requests answered at the same time (a sync, the progress questions, the screens' reads).
const WORKERS: usize = 4;

/// Photos arrive base64-encoded inside a request; a 12 MP JPEG is ~8 MB, so this leaves room.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

pub fn serve(device: &Device, args: &BridgeArgs) -> Result<()> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        bail!(
            "开发桥只在本机地址上监听；{} 不是本机地址，能连到它又拿到口令的人就能操作本设备（确需如此请加 --allow-remote）",
            args.listen
        );
    }
    if !args.ui_dir.join("index.html").is_file() {
        bail!(
            "{} 中没有 index.html：请先在 ui/ 中运行 npm run build",
            args.ui_dir.display()
        );
    }
    let server = Server::http(args.listen).map_err(|e| anyhow!("无法在 {} 上监听：{e}", args.listen))?;
    let bound = server.server_addr().to_ip().context("监听地址不是 IP 地址")?;
    let gate = Gate::new(bound, args.token.clone())?;
    // Tests and scripts read these lines: the port when --listen asked for port 0, and the
    // address to open, which carries the secret (the UI keeps it and drops it from the address).
    let mut out = std::io::stdout().lock();
    writeln!(out, "xuncha bridge listening on http://{bound}")?;
    writeln!(out, "在浏览器中打开 http://{bound}/?token={}", gate.token())?;
    out.flush()?;
    drop(out);

    // A few workers, so that the Sync screen's progress questions are answered while a sync
    // request is still running on another worker (the Tauri shell does the same with its
    // blocking threads).
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Ok(request) = server.recv() {
                    answer_one(device, &gate, &args.ui_dir, request);
                }
            });
        }
    });
    Ok(())
}

fn answer_one(device: &Device, gate: &Gate, ui_dir: &Path, mut request: tiny_http::Request) {
    let url = request.url().split(['?', '#']).next().unwrap_or("/").to_owned();
    let head = Head::from_pairs(
        request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str(), h.value.as_str())),
    );
    let admitted = gate
        .admit(&head)
        .and_then(|()| match (request.method(), url.as_str()) {
            (Method::Post, "/api") => gate.admit_api(&head),
            _ => Ok(()),
        });
    let response = match (admitted, request.method(), url.as_str()) {
        (Err(refusal), _, _) => refused(refusal),
        (Ok(()), Method::Post, "/api") => {
            let mut body = Vec::new();
            let read = request
                .as_reader()
                .take(MAX_BODY_BYTES + 1)
                .read_to_end(&mut body);
            match read {
                Err(e) => error(400, "bad_request", format!("请求读取失败：{e}")),
                Ok(_) if body.len() as u64 > MAX_BODY_BYTES => error(413, "too_large", "请求太大".to_owned()),
                Ok(_) => api(device, &body),
            }
        }
        (Ok(()), Method::Get | Method::Head, path) => static_file(ui_dir, path),
        (Ok(()), _, _) => error(405, "method_not_allowed", "只支持 GET 和 POST /api".to_owned()),
    };
    // A client that went away is not the bridge's problem; keep serving the others.
    if let Err(e) = request.respond(response) {
        eprintln!("应答发送失败：{e}");
    }
}

type Answer = Response<std::io::Cursor<Vec<u8>>>;

fn header(name: &str, value: &'static str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("header names and values here are ASCII constants")
}

fn refused(r: Refusal) -> Answer {
    error(r.status, r.code, r.message)
}

fn json(status: u16, body: Vec<u8>) -> Answer {
    Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json; charset=utf-8"))
        .with_header(header("Cache-Control", "no-store"))
}

fn error(status: u16, code: &str, message: String) -> Answer {
    let body = ErrorBody {
        code: code.to_owned(),
        message,
    };
    json(status, serde_json::to_vec(&body).unwrap_or_default())
}

/// What an error of the core is in HTTP terms; the body carries the core's own code.
fn status_of(e: &CoreError) -> u16 {
    match e {
        CoreError::Invalid(_) => 422,
        CoreError::Refused(_) => 409,
        CoreError::NotFound { .. } | CoreError::Document(xuncha_docs::Error::NotAvailable(_)) => 404,
        CoreError::NotSetUp(_) | CoreError::NotEnrolled => 412,
        CoreError::SyncBusy | CoreError::Cancelled => 409,
        CoreError::Photo(_) => 422,
        // The device is fine; the server could not be reached, or said no.
        CoreError::Network { .. } => 502,
        CoreError::Server { status, .. } if (400..500).contains(status) => *status,
        CoreError::Server { .. } => 502,
        _ => 500,
    }
}

fn api(device: &Device, body: &[u8]) -> Answer {
    let parsed = serde_json::from_slice::<serde_json::Value>(body).and_then(|value| {
        let request = Request::deserialize(&value)?;
        Ok((value, request))
    });
    let (value, request) = match parsed {
        Ok(r) => r,
        // An action this core does not know yet says "unknown variant" here; the UI shows that
        // feature as not available rather than as a failure.
        Err(e) => return error(400, "bad_request", format!("请求无法解析：{e}")),
    };
    if let Err(r) = gate::refuse_paths(&request, &value) {
        return refused(r);
    }
    match device.handle(request) {
        Ok(r) => match serde_json::to_vec(&r) {
            Ok(bytes) => json(200, bytes),
            Err(e) => error(500, "other", format!("应答无法编码：{e}")),
        },
        Err(e) => {
            let b = e.body();
            error(status_of(&e), &b.code, b.message)
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "gpx" => "application/gpx+xml",
        _ => "application/octet-stream",
    }
}

/// A file under `root` for a URL path, refusing anything that climbs out of it. Paths without
/// a file behind them get `index.html`, so reloading a screen works.
fn static_file(root: &Path, url_path: &str) -> Answer {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return error(400, "bad_path", "路径不合法".to_owned());
    }
    let mut file = root.join(relative);
    if url_path == "/" || !file.is_file() {
        if relative.extension().is_some() {
            return error(404, "not_found", format!("没有文件 {url_path}"));
        }
        file = root.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(bytes) => Response::from_data(bytes)
            .with_status_code(200)
            .with_header(header("Content-Type", content_type(&file)))
            .with_header(header("Content-Security-Policy", CONTENT_SECURITY_POLICY))
            // The first address carries the secret; it never goes to a tile server.
            .with_header(header("Referrer-Policy", "no-referrer"))
            .with_header(header("X-Content-Type-Options", "nosniff"))
            .with_header(header("Cache-Control", "no-store")),
        Err(e) => error(500, "io", format!("无法读取 {}：{e}", file.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_of_the_ui_folder_are_refused() {
        let dir = std::env::temp_dir();
        assert_eq!(static_file(&dir, "/../etc/passwd").status_code().0, 400);
        assert_eq!(static_file(&dir, "/a/../../b").status_code().0, 400);
    }

    #[test]
    fn errors_of_the_core_keep_their_code_and_get_an_http_status() {
        let e = CoreError::NotFound {
            what: "记录",
            id: "x".into(),
        };
        assert_eq!(status_of(&e), 404);
        assert_eq!(e.body().code, "not_found");
        assert_eq!(status_of(&CoreError::NotSetUp("x".into())), 412);
        let refused = CoreError::Server {
            status: 401,
            code: "bad_credentials".into(),
            message: "x".into(),
        };
        assert_eq!(
            (status_of(&refused), refused.body().code.as_str()),
            (401, "bad_credentials")
        );
        let offline = CoreError::Network {
            message: "x".into(),
            transient: true,
        };
        assert_eq!(
            (status_of(&offline), offline.body().code.as_str()),
            (502, "network")
        );
    }
}
