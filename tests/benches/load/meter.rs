//! A measuring HTTP/1.1 proxy on 127.0.0.1: it passes every request through unchanged and
//! records, per request, its route, the status the server answered and how long it took from
//! the request's first byte reaching the proxy to the answer's last byte leaving it. That is
//! the latency a client on the loopback sees, plus two local copies; a retry inside the
//! client is a request of its own here. It understands just enough HTTP to find where one
//! request or answer ends (Content-Length or chunked); it never changes a byte.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One request as seen through the proxy.
#[derive(Clone, Debug)]
pub struct Sample {
    pub route: &'static str,
    pub status: u16,
    pub took: Duration,
}

pub struct MeteringProxy {
    pub addr: SocketAddr,
    samples: Arc<Mutex<Vec<Sample>>>,
    /// Requests whose connection broke before a whole answer came back, by route.
    broken: Arc<Mutex<BTreeMap<&'static str, u64>>>,
    stop: Arc<AtomicBool>,
}

impl MeteringProxy {
    pub fn start(upstream: SocketAddr) -> std::io::Result<MeteringProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let samples = Arc::new(Mutex::new(Vec::new()));
        let broken = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (samples, broken, stop) = (samples.clone(), broken.clone(), stop.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let (samples, broken) = (samples.clone(), broken.clone());
                            thread::spawn(move || relay(client, upstream, &samples, &broken));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(1)),
                    }
                }
            });
        }
        Ok(MeteringProxy {
            addr,
            samples,
            broken,
            stop,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Takes the samples gathered so far (a fresh measurement starts empty).
    pub fn take(&self) -> (Vec<Sample>, BTreeMap<&'static str, u64>) {
        let samples = std::mem::take(&mut *self.samples.lock().expect("samples"));
        let broken = std::mem::take(&mut *self.broken.lock().expect("broken"));
        (samples, broken)
    }
}

impl Drop for MeteringProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The route a request is counted under.
fn route_of(method: &str, path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or(path);
    let p = path.strip_prefix("/api/v1").unwrap_or(path);
    match (method, p) {
        ("POST", "/sync/push") => "push",
        ("GET", "/sync/pull") => "pull",
        ("POST", "/blobs/missing") => "blobs/missing",
        ("PUT", p) if p.starts_with("/blobs/") && p.ends_with("/upload") => "blob upload (PUT)",
        ("GET", p) if p.starts_with("/blobs/") && p.ends_with("/upload") => "upload status",
        ("GET", p) if p.starts_with("/blobs/") => "blob download",
        ("POST", "/session") => "sign-in (office)",
        ("POST", "/enrol/challenge") | ("POST", "/enrol") => "enrol",
        ("POST", "/token/refresh") => "token refresh",
        _ => "other",
    }
}

fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    samples: &Mutex<Vec<Sample>>,
    broken: &Mutex<BTreeMap<&'static str, u64>>,
) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(client_w), Ok(server_w)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let mut client_r = BufReader::with_capacity(64 * 1024, client);
    let mut server_r = BufReader::with_capacity(64 * 1024, server);
    let (mut client_w, mut server_w) = (client_w, server_w);
    loop {
        // The clock starts when the request's first byte is here.
        match client_r.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(_) => {}
        }
        let t0 = Instant::now();
        let Ok(Some(req)) = read_head(&mut client_r) else {
            break;
        };
        let mut words = req.first_line.split_whitespace();
        let method = words.next().unwrap_or("").to_owned();
        let route = route_of(&method, words.next().unwrap_or(""));
        let forwarded = server_w
            .write_all(&req.raw)
            .and_then(|()| copy_body(&mut client_r, &mut server_w, &req.framing))
            .and_then(|()| server_w.flush());
        let answered = forwarded.and_then(|()| {
            let resp = read_head(&mut server_r)?.ok_or(std::io::ErrorKind::UnexpectedEof)?;
            let status: u16 = resp
                .first_line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let framing = if method == "HEAD" || status == 204 || status == 304 || status < 200 {
                Framing::Length(0)
            } else {
                resp.framing.clone()
            };
            client_w.write_all(&resp.raw)?;
            copy_body(&mut server_r, &mut client_w, &framing)?;
            client_w.flush()?;
            Ok((status, resp.close || matches!(framing, Framing::UntilClose)))
        });
        match answered {
            Ok((status, close)) => {
                samples.lock().expect("samples").push(Sample {
                    route,
                    status,
                    took: t0.elapsed(),
                });
                if close {
                    break;
                }
            }
            Err(_) => {
                *broken.lock().expect("broken").entry(route).or_insert(0) += 1;
                break;
            }
        }
    }
    let _ = client_w.shutdown(Shutdown::Both);
    let _ = server_w.shutdown(Shutdown::Both);
}

#[derive(Clone, Debug)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

struct Head {
    raw: Vec<u8>,
    first_line: String,
    framing: Framing,
    close: bool,
}

/// Reads a request's or an answer's head up to the empty line; `None` at a clean end.
fn read_head(r: &mut impl BufRead) -> std::io::Result<Option<Head>> {
    let mut raw = Vec::new();
    let mut first_line = String::new();
    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    loop {
        let mut line = Vec::new();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 {
            return if raw.is_empty() {
                Ok(None)
            } else {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            };
        }
        raw.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if first_line.is_empty() {
            first_line = text.to_owned();
            continue;
        }
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            let (name, value) = (
                name.trim().to_ascii_lowercase(),
                value.trim().to_ascii_lowercase(),
            );
            match name.as_str() {
                "content-length" => length = value.parse().ok(),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => close = value.contains("close"),
                _ => {}
            }
        }
    }
    let is_request = !first_line.starts_with("HTTP/");
    let framing = match (chunked, length) {
        (true, _) => Framing::Chunked,
        (false, Some(n)) => Framing::Length(n),
        // A request without a length has no body; an answer without one runs to the close.
        (false, None) if is_request => Framing::Length(0),
        (false, None) => Framing::UntilClose,
    };
    Ok(Some(Head {
        raw,
        first_line,
        framing,
        close,
    }))
}

fn copy_body(r: &mut impl BufRead, w: &mut impl Write, framing: &Framing) -> std::io::Result<()> {
    match framing {
        Framing::Length(n) => copy_exact(r, w, *n),
        Framing::UntilClose => std::io::copy(r, w).map(|_| ()),
        Framing::Chunked => loop {
            let mut line = Vec::new();
            if r.read_until(b'\n', &mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            w.write_all(&line)?;
            let text = String::from_utf8_lossy(&line);
            let size_hex = text.trim().split(';').next().unwrap_or("").trim().to_owned();
            let size = u64::from_str_radix(&size_hex, 16)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "chunk size"))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    let mut t = Vec::new();
                    if r.read_until(b'\n', &mut t)? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    w.write_all(&t)?;
                    if t == b"\r\n" || t == b"\n" {
                        return Ok(());
                    }
                }
            }
            copy_exact(r, w, size + 2)?; // the chunk and its CRLF
        },
    }
}

fn copy_exact(r: &mut impl Read, w: &mut impl Write, n: u64) -> std::io::Result<()> {
    let copied = std::io::copy(&mut r.by_ref().take(n), w)?;
    if copied == n {
        Ok(())
    } else {
        Err(std::io::ErrorKind::UnexpectedEof.into())
    }
}
