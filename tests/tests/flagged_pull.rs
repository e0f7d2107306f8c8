//! An office device syncing with a real server never folds an event the server flagged (issue
//! 11, classes 4 and 10): a real field device whose clock was wound to 9999 pushes a finding
//! stamped then, and (where its core allows it) a user it defined itself — reference data is the
//! office's; the server keeps both as flagged evidence; the office device pulls its unit and
//! holds neither in its state, nor any stamp from 9999. Runs on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use xuncha_core::Device;
use xuncha_domain::payload::*;
use xuncha_domain::people::{Role, User};
use xuncha_domain::*;
use xuncha_e2e::*;

/// 9999-12-31T23:59:59Z.
const YEAR_9999: i64 = 253_402_300_799_000;

fn now() -> UnixMs {
    UnixMs(xuncha_server::now_ms())
}

/// A real device whose clock the test sets (a phone whose clock was wound to 9999).
fn device_with_clock(dir: &std::path::Path) -> (Device, Arc<AtomicI64>) {
    let clock = Arc::new(AtomicI64::new(now().0));
    let c = clock.clone();
    let store = xuncha_core::Store::open(&dir.join("device.db")).unwrap();
    let blobs = xuncha_core::blobs::BlobStore::open(dir.join("blobs")).unwrap();
    let device =
        Device::with_store(store, Box::new(move || UnixMs(c.load(Ordering::SeqCst)))).with_blobs(blobs);
    (device, clock)
}

fn flagged_events_never_reach_an_office_devices_state(backend: Backend) {
    let server = Server::start(backend);
    let seed = seed(&server);
    let chief = &seed.chiefs()[0];

    let field_dir = tempfile::tempdir().unwrap();
    let (field, clock) = device_with_clock(field_dir.path());
    enrol(&field, &server.url(), &chief.login);
    let patrol = PatrolId::new();
    let t = now();
    let started = field
        .with_store_mut(|s| {
            s.append(
                Payload::PatrolStarted(PatrolStarted {
                    patrol,
                    kind: PatrolKind::River,
                    unit: chief.unit,
                    patroller: chief.id,
                    reach: None,
                    area: Some("幸福渠北段".into()),
                    started_at: t,
                }),
                t,
            )
        })
        .unwrap();
    // Reference data is the office's: a field device's attempt (if its core lets it make one)
    // is kept by the server as flagged evidence.
    let fake_admin = User {
        active_from: None,
        id: UserId::new(),
        name: "假管理员".into(),
        login: "fake".into(),
        unit: seed.street.id,
        roles: vec![Role::Admin],
    };
    let self_made = field
        .with_store_mut(|s| s.append(Payload::UserDefined(fake_admin.clone()), t))
        .ok();
    // The phone's clock is wound to 9999: on the phone the finding is valid, on the server not.
    clock.store(YEAR_9999, Ordering::SeqCst);
    let far = FindingId::new();
    let from_9999 = field
        .with_store_mut(|s| {
            s.append(
                Payload::FindingReported(FindingReported {
                    severity: Severity::Major,
                    location: None,
                    ..xuncha_testsupport::dumping_reported(far, patrol, UnixMs(YEAR_9999))
                }),
                UnixMs(YEAR_9999),
            )
        })
        .unwrap();
    assert_eq!(from_9999.hlc.wall_ms, YEAR_9999);
    let report = sync(&field, false);
    let flagged: Vec<EventId> = report
        .rejected
        .iter()
        .filter(|r| r.kept)
        .map(|r| r.event_id)
        .collect();
    assert!(flagged.contains(&from_9999.id), "{report:?}");
    if let Some(e) = &self_made {
        assert!(flagged.contains(&e.id), "{report:?}");
    }
    assert!(!flagged.contains(&started.id), "{report:?}");

    let office_dir = tempfile::tempdir().unwrap();
    let office = open_device(office_dir.path());
    enrol(&office, &server.url(), "office");
    sync(&office, false);

    let (held, states) = office.with_store_mut(|s| {
        let held: Vec<EventId> = s.all_events().unwrap().iter().map(|e| e.id).collect();
        let states: Vec<String> = s
            .connection()
            .prepare("SELECT id FROM aggregates")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (held, states)
    });
    assert!(held.contains(&started.id), "the office receives the valid record");
    assert!(states.contains(&patrol.to_string()));
    assert!(
        !held.contains(&from_9999.id),
        "the office device holds the event from 9999"
    );
    assert!(
        !states.contains(&far.to_string()),
        "a finding from 9999 was folded"
    );
    if let Some(e) = &self_made {
        assert!(
            !held.contains(&e.id),
            "the office device holds the self-made user"
        );
    }
    assert!(
        !states.contains(&fake_admin.id.to_string()),
        "a self-made admin was folded"
    );
    let latest = office.with_store_mut(|s| s.all_events().unwrap().iter().map(|e| e.hlc.wall_ms).max());
    assert!(
        latest.is_some_and(|w| w < YEAR_9999),
        "the office device holds a stamp from 9999"
    );
}

#[test]
fn flagged_events_never_reach_an_office_devices_state_on_sqlite() {
    flagged_events_never_reach_an_office_devices_state(sqlite());
}

#[test]
fn flagged_events_never_reach_an_office_devices_state_on_postgres() {
    if let Some(b) = postgres() {
        flagged_events_never_reach_an_office_devices_state(b);
    }
}
