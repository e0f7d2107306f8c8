//! What the command line's tests share: running the binary on a device store, and the
//! reference data an office would send.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

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

/// Reference data as the office would send it: the unit and the user.
pub fn reference_bundle(dir: &Path) -> (UnitId, UserId, std::path::PathBuf) {
    let mut office = SimDevice::new(77);
    let unit = Unit {
        id: UnitId::new(),
        name: "汉阳街道".into(),
        kind: UnitKind::Subdistrict,
        parent: None,
        code: "HY".into(),
    };
    let user = User {
        active_from: None,
        id: UserId::new(),
        name: "刘河长".into(),
        login: "liu".into(),
        unit: unit.id,
        roles: vec![Role::RiverChief {
            level: ChiefLevel::Brigade,
        }],
    };
    let t = UnixMs(1_764_000_000_000);
    let events = vec![
        office.make(Payload::UnitDefined(unit.clone()), t),
        office.make(Payload::UserDefined(user.clone()), t),
    ];
    let path = dir.join("reference.json");
    std::fs::write(&path, serde_json::to_vec(&events).expect("json")).expect("write bundle");
    (unit.id, user.id, path)
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
