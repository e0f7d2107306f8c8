//! A device's token over its life, through the same core API `xuncha enrol`, `xuncha sign-out`
//! and `xuncha sync` call, against a real server: enrolment signs the server's challenge,
//! signing out ends the token on the server at once when online and before the next sync when
//! it was offline, and a token past half its life is refreshed by a sync (the old one stops
//! working). Nothing recorded is lost on the way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;
use xuncha_core::CoreError;
use xuncha_core::api::Request;
use xuncha_core::sync::client::Client;
use xuncha_e2e::*;
use xuncha_server::limits::Limits;

fn token_of(device: &xuncha_core::Device) -> String {
    device.with_store_mut(|s| s.account().unwrap().expect("signed in").token)
}

/// How the server answers a pull with `token`: `Ok` or the HTTP status.
fn server_takes(server: &Server, token: &str) -> Result<(), u16> {
    let mut client = Client::new(&server.url(), Some(token.to_owned())).unwrap();
    client.retry.attempts = 1;
    match client.pull(0, 1) {
        Ok(_) => Ok(()),
        Err(CoreError::Server { status, .. }) => Err(status),
        Err(e) => panic!("unexpected {e}"),
    }
}

/// The way to the server at a fixed address that can be shut (the phone is offline: its
/// connections are refused) and opened again.
struct Door {
    addr: SocketAddr,
    upstream: SocketAddr,
    open: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Door {
    fn new(upstream: SocketAddr) -> Door {
        let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let mut door = Door {
            addr,
            upstream,
            open: None,
        };
        door.open();
        door
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn open(&mut self) {
        let listener = TcpListener::bind(self.addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (upstream, halt) = (self.upstream, stop.clone());
        let accepting = thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let server = TcpStream::connect(upstream).unwrap();
                        let (mut c_in, mut s_out) =
                            (client.try_clone().unwrap(), server.try_clone().unwrap());
                        let (mut s_in, mut c_out) = (server, client);
                        thread::spawn(move || {
                            let _ = std::io::copy(&mut c_in, &mut s_out);
                            let _ = s_out.shutdown(std::net::Shutdown::Both);
                        });
                        thread::spawn(move || {
                            let _ = std::io::copy(&mut s_in, &mut c_out);
                            let _ = c_out.shutdown(std::net::Shutdown::Both);
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        self.open = Some((stop, accepting));
    }

    fn shut(&mut self) {
        if let Some((stop, accepting)) = self.open.take() {
            stop.store(true, Ordering::Relaxed);
            accepting.join().unwrap();
        }
    }
}

impl Drop for Door {
    fn drop(&mut self) {
        self.shut();
    }
}

#[test]
fn signing_out_online_ends_the_token_on_the_server_and_signing_in_again_syncs() {
    let server = Server::start(sqlite());
    let seed = seed(&server);
    let chief = &seed.chiefs()[0];
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path());
    enrol(&device, &server.url(), &chief.login);
    sync(&device, false);
    record_patrol(&device, seed.reaches[0].id, 20, &[]);
    sync(&device, false);
    let token = token_of(&device);
    assert_eq!(server_takes(&server, &token), Ok(()));

    device.handle(Request::SignOut).unwrap();
    assert_eq!(
        server_takes(&server, &token),
        Err(401),
        "the server no longer takes the token"
    );
    assert!(
        device
            .with_store_mut(|s| s.pending_revocation().unwrap())
            .is_none()
    );
    let not_enrolled = device
        .handle(Request::Sync {
            allow_originals: Some(false),
        })
        .expect_err("no sync while signed out");
    assert!(matches!(not_enrolled, CoreError::NotEnrolled), "{not_enrolled}");

    // Signing in again (a new challenge, signed by the same key) and syncing work.
    enrol(&device, &server.url(), &chief.login);
    record_patrol(&device, seed.reaches[0].id, 20, &[]);
    sync(&device, false);
    assert_server_holds_exactly(&server, &device, false);
    assert_ne!(token_of(&device), token);
}

#[test]
fn a_sign_out_made_offline_reaches_the_server_before_the_next_sync() {
    let server = Server::start(sqlite());
    let seed = seed(&server);
    let chief = &seed.chiefs()[0];
    let mut door = Door::new(server.addr);
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path());
    enrol(&device, &door.url(), &chief.login);
    sync(&device, false);
    record_patrol(&device, seed.reaches[0].id, 20, &[]);
    let token = token_of(&device);

    door.shut();
    device.handle(Request::SignOut).unwrap();
    assert!(
        sync_status(&device).account.is_none(),
        "signed out on the phone at once"
    );
    let pending = device.with_store_mut(|s| s.pending_revocation().unwrap());
    assert_eq!(pending.map(|p| p.token), Some(token.clone()), "kept to be sent");
    assert_eq!(
        server_takes(&server, &token),
        Ok(()),
        "the server has not heard yet"
    );

    door.open();
    let refused = device
        .handle(Request::Sync {
            allow_originals: Some(false),
        })
        .expect_err("signed out");
    assert!(matches!(refused, CoreError::NotEnrolled), "{refused}");
    assert_eq!(
        server_takes(&server, &token),
        Err(401),
        "the revocation went first"
    );
    assert!(
        device
            .with_store_mut(|s| s.pending_revocation().unwrap())
            .is_none()
    );

    enrol(&device, &door.url(), &chief.login);
    sync(&device, false);
    assert_server_holds_exactly(&server, &device, false);
}

#[test]
fn a_sync_refreshes_a_token_past_half_its_life() {
    let server = Server::start_with(
        sqlite(),
        Limits {
            device_token_ttl_ms: 3_000,
            ..Limits::default()
        },
    );
    let seed = seed(&server);
    let chief = &seed.chiefs()[0];
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path());
    enrol(&device, &server.url(), &chief.login);
    let first = token_of(&device);
    sync(&device, false);
    assert_eq!(token_of(&device), first, "early in its life the token is kept");

    thread::sleep(Duration::from_millis(1_700));
    record_patrol(&device, seed.reaches[0].id, 20, &[]);
    sync(&device, false);
    let second = token_of(&device);
    assert_ne!(second, first, "refreshed");
    assert_eq!(
        server_takes(&server, &first),
        Err(401),
        "the old token stops working"
    );
    assert_eq!(server_takes(&server, &second), Ok(()));
    assert_server_holds_exactly(&server, &device, false);

    // A token left to expire is answered `token_expired`: the user signs in again.
    thread::sleep(Duration::from_millis(3_200));
    let expired = device
        .handle(Request::Sync {
            allow_originals: Some(false),
        })
        .expect_err("expired");
    match &expired {
        CoreError::Server { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (401, "token_expired"))
        }
        other => panic!("expected token_expired, got {other}"),
    }
    enrol(&device, &server.url(), &chief.login);
    sync(&device, false);
}
