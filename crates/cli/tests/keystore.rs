//! The device's signing key and token in a real OS keystore: gnome-keyring's Secret Service on
//! a private D-Bus session bus that this test starts (Debian's dbus and gnome-keyring, installed
//! by scripts/setup.sh). A device enrolled with its secrets in the store file moves them into
//! the keystore the first time it is opened with `--keystore system`: afterwards neither the
//! store file nor its WAL holds the token or the key, the keystore does (read back with
//! libsecret's own `secret-tool`), records are signed and synced as before, opening the store
//! without the keystore fails with a clear error and changes nothing, and signing out removes
//! the token from the keystore once the server has ended it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use xuncha_e2e::*;

/// A D-Bus session bus with an unlocked Secret Service on it, in a throwaway home.
struct Keyring {
    bus: Child,
    daemon: Child,
    address: String,
    home: tempfile::TempDir,
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.bus.kill();
        let _ = self.daemon.wait();
        let _ = self.bus.wait();
    }
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Keyring {
    fn start() -> Option<Keyring> {
        if !["dbus-daemon", "gnome-keyring-daemon", "secret-tool", "dbus-send"]
            .iter()
            .all(|p| installed(p))
        {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "dbus, gnome-keyring and libsecret-tools must be installed under CI (scripts/setup.sh)"
            );
            eprintln!("NOTICE: no dbus-daemon/gnome-keyring-daemon/secret-tool — keystore test skipped");
            return None;
        }
        let home = tempfile::tempdir().unwrap();
        let socket = home.path().join("bus");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        let runtime = home.path().join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The password of the new login keyring, on stdin, then end of input.
        daemon.stdin.take().unwrap().write_all(b"ci-keyring").unwrap();
        let keyring = Keyring {
            bus,
            daemon,
            address,
            home,
        };
        // Ready when the Secret Service's name has an owner on the bus.
        for _ in 0..200 {
            let out = keyring
                .command("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return Some(keyring);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the Secret Service never came up on the test's bus");
    }

    /// A command that talks to this bus and keyring.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"));
        c
    }

    /// What `secret-tool` finds of xuncha's: each item's attributes and secret.
    fn items(&self) -> String {
        let out = self
            .command("secret-tool")
            .args(["search", "--all", "service", "xuncha"])
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

/// `xuncha` on `data`, its secrets where `keystore` says, reaching the test's keyring (or no
/// keyring at all).
fn xuncha(keyring: Option<&Keyring>, data: &Path, keystore: &str, args: &[&str]) -> Output {
    let mut c = match keyring {
        Some(k) => k.command(env!("CARGO_BIN_EXE_xuncha")),
        None => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_xuncha"));
            c.env_remove("DBUS_SESSION_BUS_ADDRESS");
            c
        }
    };
    c.arg("--data-dir")
        .arg(data)
        .args(["--keystore", keystore, "--json"])
        .args(args)
        .env_remove("XUNCHA_SERVER")
        .env_remove("XUNCHA_PASSWORD")
        .env_remove("XUNCHA_KEYSTORE")
        .output()
        .expect("run xuncha")
}

fn ok(out: Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// Every byte of the store file and its WAL.
fn store_bytes(data: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["device.db", "device.db-wal"] {
        if let Ok(b) = std::fs::read(data.join(name)) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn secrets_move_to_the_system_keystore_and_the_store_file_keeps_neither() {
    let Some(keyring) = Keyring::start() else {
        return;
    };
    let server = Server::start(sqlite());
    let seed = seed(&server);
    let chief = &seed.chiefs()[0];
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    // Enrolled with its secrets in the store file, as before.
    let url = server.url();
    let password = password_of(&chief.login);
    ok(xuncha(
        None,
        data,
        "file",
        &[
            "enrol",
            "--server",
            &url,
            "--login",
            &chief.login,
            "--password",
            &password,
        ],
    ));
    let (device, token, key) = {
        let d = open_device(data);
        let token = d.with_store_mut(|s| s.account().unwrap().unwrap().token);
        let key: Vec<u8> = d.with_store_mut(|s| {
            s.connection()
                .query_row("SELECT signing_key FROM device", [], |r| r.get(0))
                .unwrap()
        });
        (d.with_store_mut(|s| s.device_id()), token, key)
    };
    assert_eq!(key.len(), 32);
    assert!(contains(&store_bytes(data), token.as_bytes()));

    // Opened with the system keystore: both move there, and the file keeps neither.
    ok(xuncha(Some(&keyring), data, "system", &["device", "info"]));
    let bytes = store_bytes(data);
    assert!(
        !contains(&bytes, token.as_bytes()),
        "the token is gone from the store file"
    );
    assert!(
        !contains(&bytes, &key),
        "the signing key is gone from the store file"
    );
    let items = keyring.items();
    assert!(
        items.contains(&format!("attribute.username = {device}/token")),
        "{items}"
    );
    assert!(items.contains(&format!("secret = {token}")), "{items}");
    assert!(
        items.contains(&format!("attribute.username = {device}/signing-key")),
        "{items}"
    );

    // Without the keystore the store cannot sign: a clear error, and nothing changes.
    let refused = xuncha(None, data, "file", &["device", "info"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("系统钥匙串"), "{stderr}");
    assert_eq!(store_bytes(data), bytes, "a refused open changes nothing");

    // With it, records are signed with the same key and the server takes them.
    let patrol = ok(xuncha(
        Some(&keyring),
        data,
        "system",
        &["patrol", "start", "--area", "幸福渠北段"],
    ));
    let patrol = patrol["data"]["id"].as_str().expect("the patrol's id").to_owned();
    ok(xuncha(
        Some(&keyring),
        data,
        "system",
        &["patrol", "end", &patrol],
    ));
    // `sync --json` prints progress lines, then the report on a line of its own.
    let out = xuncha(Some(&keyring), data, "system", &["sync"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v.get("report").cloned())
        .expect("a sync report");
    assert_eq!(report["accepted"], 2, "{report}");
    assert!(report["rejected"].as_array().unwrap().is_empty(), "{report}");

    // Signing out ends the token on the server and takes it out of the keystore.
    ok(xuncha(Some(&keyring), data, "system", &["sign-out"]));
    let items = keyring.items();
    assert!(!items.contains(&token), "{items}");
    assert!(
        items.contains(&format!("{device}/signing-key")),
        "the key stays: {items}"
    );
}
