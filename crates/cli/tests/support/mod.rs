//! What the command line's tests share: running the binary on a device store, and the
//! reference data an office would send.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use xuncha_domain::{UnitId, UserId};

pub fn xuncha(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xuncha"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("run xuncha")
}

pub fn ok_json(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = xuncha(data, &all);
    assert!(
        out.status.success(),
        "xuncha {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json output")
}

/// The reference data as the office would send it, written to a file to import.
pub fn reference_bundle(dir: &Path) -> (UnitId, UserId, std::path::PathBuf) {
    let r = xuncha_testsupport::reference_data::reference();
    let path = dir.join("reference.json");
    std::fs::write(&path, serde_json::to_vec(&r.events).expect("json")).expect("write bundle");
    (r.unit.id, r.user.id, path)
}

/// A device store at `dir/device` loaded with the reference data and signed in as its user.
pub fn signed_in(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("device");
    let (unit, user, bundle) = reference_bundle(dir);
    ok_json(&data, &["import", bundle.to_str().expect("path")]);
    ok_json(
        &data,
        &[
            "device",
            "set-user",
            "--user",
            &user.to_string(),
            "--unit",
            &unit.to_string(),
        ],
    );
    data
}
