//! The device's clock and store at rest (issue 11, classes 4 and 11): a pulled event stamped far
//! in the future is kept but its stamp is never adopted, so the device's next record carries
//! the device's own time; and the store file (with its -wal and -shm) is readable by its owner
//! only, since it holds the device's signing key and token.
#![allow(clippy::unwrap_used)]

mod support;

use support::*;
use xuncha_core::Store;
use xuncha_domain::payload::*;
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

/// 9999-12-31T23:59:59Z.
const YEAR_9999: i64 = 253_402_300_799_000;

fn started(unit: UnitId, user: UserId) -> Payload {
    Payload::PatrolStarted(PatrolStarted {
        patrol: PatrolId::new(),
        kind: PatrolKind::River,
        unit,
        patroller: user,
        reach: None,
        area: Some("东风渠".into()),
        started_at: UnixMs(T0),
    })
}

#[test]
fn a_pulled_event_stamped_far_ahead_does_not_move_the_devices_clock() {
    let r = reference();
    let mut store = Store::open_in_memory().unwrap();
    let now = UnixMs(T0);
    store.ingest(&r.events, now, None).unwrap();

    // Another device whose clock reads 9999 (or the server, had it trusted one) hands us an event.
    let mut skewed = SimDevice::new(42);
    let far = skewed.make(started(r.unit.id, r.user.id), UnixMs(YEAR_9999));
    assert_eq!(far.hlc.wall_ms, YEAR_9999);
    store.ingest(std::slice::from_ref(&far), now, Some(1)).unwrap();

    // Stored, as evidence, but this device's next record is stamped with its own time.
    assert!(store.all_events().unwrap().iter().any(|e| e.id == far.id));
    let mine = store
        .append(started(r.unit.id, r.user.id), now.plus_ms(1_000))
        .unwrap();
    assert_eq!(
        mine.hlc.wall_ms,
        T0 + 1_000,
        "the device adopted a stamp from 9999"
    );

    // A stamp inside the window is still followed, as the hybrid clock promises.
    let mut ahead = SimDevice::new(43);
    let near = ahead.make(started(r.unit.id, r.user.id), UnixMs(T0 + 3_600_000));
    store.ingest(std::slice::from_ref(&near), now, Some(2)).unwrap();
    let next = store
        .append(started(r.unit.id, r.user.id), now.plus_ms(2_000))
        .unwrap();
    assert!(next.hlc > near.hlc, "{:?} should follow {:?}", next.hlc, near.hlc);
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_store_file_and_its_journal_are_readable_by_the_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let r = reference();
    let mut store = Store::open(&path).unwrap();
    store.ingest(&r.events, UnixMs(T0), None).unwrap();
    store.append(started(r.unit.id, r.user.id), UnixMs(T0)).unwrap();
    for name in ["device.db", "device.db-wal", "device.db-shm"] {
        let p = dir.path().join(name);
        assert!(p.exists(), "{name} should exist while the store is open");
        assert_eq!(mode(&p), 0o600, "{name} is {:o}", mode(&p));
    }
}

#[cfg(unix)]
#[test]
fn a_store_left_world_readable_by_an_earlier_version_is_tightened_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    {
        let r = reference();
        let mut store = Store::open(&path).unwrap();
        store.ingest(&r.events, UnixMs(T0), None).unwrap();
    }
    let mut sides = vec![path.clone()];
    for suffix in ["-wal", "-shm"] {
        let p = dir.path().join(format!("device.db{suffix}"));
        if p.exists() {
            sides.push(p);
        }
    }
    for p in &sides {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let store = Store::open(&path).unwrap();
    for p in &sides {
        assert_eq!(mode(p), 0o600, "{} is {:o}", p.display(), mode(p));
    }
    // Nothing was lost by tightening.
    assert!(store.identity().is_ok());
    assert!(!store.all_events().unwrap().is_empty());
}
