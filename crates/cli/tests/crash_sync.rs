//! `xuncha sync` killed with SIGKILL at random moments during a batch of photos, then run again,
//! ends with exactly the same result as an uninterrupted sync: every event once, every blob
//! complete and hash-verified, the outbox empty.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::process::{Command, Stdio};
use std::time::Duration;
use xuncha_e2e::proxy::Rng;
use xuncha_e2e::*;

fn sync_cmd(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xuncha"));
    c.arg("--data-dir")
        .arg(data)
        .arg("sync")
        .arg("--originals")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn a_sync_killed_at_random_moments_then_run_again_ends_exactly_right() {
    require_fixtures!();
    let seed_value: u64 = env_or("XUNCHA_CRASH_SEED", 0xC0FFEE);
    let server = Server::start(sqlite());
    let s = seed(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let device = enrolled_device(dir.path(), &server.url(), &s.chiefs()[0].login);
        // A day's photos from a phone camera (3264×2448): 30 of them, each original unique.
        let files: Vec<std::path::PathBuf> = (0..30)
            .map(|i| {
                let mut bytes = std::fs::read(fixture("photos/cameras/jolla.jpg")).expect("photo");
                bytes.extend_from_slice(format!("crash test photo {i}").as_bytes());
                let path = dir.path().join(format!("photo{i}.jpg"));
                std::fs::write(&path, bytes).expect("write");
                path
            })
            .collect();
        for chunk in files.chunks(6) {
            record_patrol(&device, s.reaches[0].id, 500, chunk);
        }
    }

    // Kill runs at random moments until five kills have landed mid-sync, or a run finishes on
    // its own first (then there is nothing left to interrupt).
    let mut rng = Rng::new(seed_value);
    let (mut killed_mid_run, mut runs) = (0, 0);
    while killed_mid_run < 5 && runs < 40 {
        runs += 1;
        let mut child = sync_cmd(dir.path()).spawn().expect("spawn xuncha sync");
        std::thread::sleep(Duration::from_millis(15 + rng.below(120)));
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        killed_mid_run += 1;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    let out = sync_cmd(dir.path())
        .stderr(Stdio::piped())
        .output()
        .expect("final sync");
    assert!(
        out.status.success(),
        "the sync after the kills must finish cleanly: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let device = open_device(dir.path());
    assert_server_holds_exactly(&server, &device, true);
    println!(
        "crash test: seed {seed_value:#x}, {killed_mid_run} runs killed with SIGKILL mid-sync, then one ran to the end"
    );
    assert!(
        killed_mid_run >= 1,
        "no kill landed while the sync was running: the test proved nothing"
    );
}
