//! A TCP proxy for fault injection: it sits between a client and a server on 127.0.0.1 and,
//! driven by a seeded random stream, cuts connections at random byte offsets in either
//! direction, stalls them, or answers 502/503 itself. The same seed gives the same faults in
//! the same order of connections, so a failing trial can be replayed.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// The seeded stream that drives the faults (the same seed, the same faults).
pub use xuncha_domain::testkit::Rng;

/// What the proxy does to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    PassThrough,
    /// Close both ways after this many bytes from the client.
    CutUpstream(u64),
    /// Close both ways after this many bytes from the server.
    CutDownstream(u64),
    /// Hold the connection this long before passing it through.
    Stall(Duration),
    /// Answer with this status without asking the server.
    Status(u16),
}

#[derive(Clone, Copy, Debug)]
pub struct FaultRates {
    /// Percent of connections that get a fault at all.
    pub faulty_percent: u64,
    /// The largest byte offset a cut is placed at.
    pub max_cut: u64,
    pub max_stall: Duration,
}

impl Default for FaultRates {
    fn default() -> Self {
        FaultRates {
            faulty_percent: 35,
            max_cut: 300_000,
            max_stall: Duration::from_millis(30),
        }
    }
}

fn choose(rng: &mut Rng, rates: &FaultRates) -> Fault {
    if !rng.chance(rates.faulty_percent) {
        return Fault::PassThrough;
    }
    match rng.below(5) {
        0 => Fault::CutUpstream(rng.below(rates.max_cut)),
        1 => Fault::CutDownstream(rng.below(rates.max_cut / 4 + 1)),
        2 => Fault::Stall(Duration::from_millis(
            rng.below(rates.max_stall.as_millis() as u64 + 1),
        )),
        3 => Fault::Status(502),
        _ => Fault::Status(503),
    }
}

pub struct FaultyProxy {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// How many connections got each kind of fault, for the test's report.
    pub faults: Arc<AtomicU64>,
    pub connections: Arc<AtomicU64>,
    /// Faults on for new connections (off: plain pass-through).
    pub enabled: Arc<AtomicBool>,
}

impl FaultyProxy {
    pub fn start(upstream: SocketAddr, seed: u64, rates: FaultRates) -> std::io::Result<FaultyProxy> {
        let mut rng = Rng::new(seed);
        Self::start_choosing(upstream, move || choose(&mut rng, &rates))
    }

    /// A slow network: every connection is held `stall` before it is passed through (while
    /// `enabled`), so a sync takes long enough to be watched and stopped.
    pub fn stalling(upstream: SocketAddr, stall: Duration) -> std::io::Result<FaultyProxy> {
        Self::start_choosing(upstream, move || Fault::Stall(stall))
    }

    fn start_choosing(
        upstream: SocketAddr,
        choose: impl FnMut() -> Fault + Send + 'static,
    ) -> std::io::Result<FaultyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let faults = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let enabled = Arc::new(AtomicBool::new(true));
        let mut choose = choose;
        {
            let (stop, faults, connections, enabled) =
                (stop.clone(), faults.clone(), connections.clone(), enabled.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            connections.fetch_add(1, Ordering::Relaxed);
                            let fault = if enabled.load(Ordering::Relaxed) {
                                choose()
                            } else {
                                Fault::PassThrough
                            };
                            if fault != Fault::PassThrough {
                                faults.fetch_add(1, Ordering::Relaxed);
                            }
                            thread::spawn(move || serve(client, upstream, fault));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(1));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(1)),
                    }
                }
            });
        }
        Ok(FaultyProxy {
            addr,
            stop,
            faults,
            connections,
            enabled,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(client: TcpStream, upstream: SocketAddr, fault: Fault) {
    let _ = client.set_nonblocking(false);
    match fault {
        Fault::Status(code) => {
            // Read a little of the request so the client is mid-send, then answer and close.
            let mut c = client;
            let mut buf = [0u8; 1024];
            let _ = c.set_read_timeout(Some(Duration::from_millis(50)));
            let _ = c.read(&mut buf);
            let reason = if code == 502 {
                "Bad Gateway"
            } else {
                "Service Unavailable"
            };
            let body = format!("{{\"code\":\"proxy\",\"message\":\"injected {code}\"}}");
            let _ = write!(
                c,
                "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = c.shutdown(Shutdown::Both);
            return;
        }
        Fault::Stall(d) => thread::sleep(d),
        _ => {}
    }
    let Ok(mut server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    // One request per connection: the server is told to close after answering, so every request
    // opens a new connection and gets its own roll of the dice.
    let mut client = client;
    let Some(head) = read_head(&mut client) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let head = close_after(&head);
    let cut_in_head = matches!(fault, Fault::CutUpstream(n) if (n as usize) < head.len());
    if cut_in_head {
        if let Fault::CutUpstream(n) = fault {
            let _ = server.write_all(&head[..n as usize]);
        }
        let _ = server.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    if server.write_all(&head).is_err() {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let fault = match fault {
        Fault::CutUpstream(n) => Fault::CutUpstream(n - head.len() as u64),
        other => other,
    };
    let (up_limit, down_limit) = match fault {
        Fault::CutUpstream(n) => (Some(n), None),
        Fault::CutDownstream(n) => (None, Some(n)),
        _ => (None, None),
    };
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = thread::spawn(move || pump(client, server, up_limit));
    pump(s2, c2, down_limit);
    let _ = up.join();
}

/// Reads a request's head (through the blank line), or `None` if the client gave up first.
fn read_head(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(head)
}

/// The same head with `connection: close` in place of any connection header.
fn close_after(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for line in text.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        if line.is_empty() {
            break;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

/// Copies `from` → `to` until EOF or `limit` bytes, then shuts both down (a cut).
fn pump(mut from: TcpStream, mut to: TcpStream, limit: Option<u64>) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent: u64 = 0;
    loop {
        let want = match limit {
            Some(l) if sent >= l => break,
            Some(l) => ((l - sent) as usize).min(buf.len()),
            None => buf.len(),
        };
        match from.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                sent += n as u64;
            }
        }
    }
    if limit.is_some() {
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    } else {
        let _ = to.shutdown(Shutdown::Write);
    }
}
