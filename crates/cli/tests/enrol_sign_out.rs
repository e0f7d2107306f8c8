//! `xuncha enrol`, `xuncha sign-out` and `xuncha sync` against a real server: enrolment signs
//! the server's challenge with the device's key, signing out ends the token on the server, and
//! signing in again lets the records sync.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::process::{Command, Output};
use xuncha_core::sync::client::Client;
use xuncha_e2e::*;

fn xuncha(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xuncha"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("XUNCHA_SERVER")
        .env_remove("XUNCHA_PASSWORD")
        .output()
        .expect("run xuncha")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn token_in(data: &std::path::Path) -> Option<String> {
    let device = open_device(data);
    device.with_store_mut(|s| s.account().unwrap().map(|a| a.token))
}

#[test]
fn enrol_sign_out_and_sync_work_from_the_command_line() {
    let server = Server::start(sqlite());
    let seed = seed(&server);
    let chief = &seed.chiefs()[0];
    let dir = tempfile::tempdir().unwrap();
    let enrol = |dir: &std::path::Path| {
        ok(xuncha(
            dir,
            &[
                "enrol",
                "--server",
                &server.url(),
                "--login",
                &chief.login,
                "--password",
                &password_of(&chief.login),
            ],
        ))
    };
    enrol(dir.path());
    ok(xuncha(dir.path(), &["sync"]));
    let token = token_in(dir.path()).expect("signed in");

    ok(xuncha(dir.path(), &["sign-out"]));
    assert_eq!(token_in(dir.path()), None);
    let mut client = Client::new(&server.url(), Some(token)).unwrap();
    client.retry.attempts = 1;
    match client.pull(0, 1) {
        Err(xuncha_core::CoreError::Server { status: 401, .. }) => {}
        other => panic!("the server must no longer take the token: {other:?}"),
    }
    let refused = xuncha(dir.path(), &["sync"]);
    assert!(!refused.status.success(), "no sync while signed out");

    enrol(dir.path());
    {
        let device = open_device(dir.path());
        record_patrol(&device, seed.reaches[0].id, 20, &[]);
    }
    ok(xuncha(dir.path(), &["sync"]));
    let device = open_device(dir.path());
    assert_server_holds_exactly(&server, &device, false);
}
