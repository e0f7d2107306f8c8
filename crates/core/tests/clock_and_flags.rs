//! The device's clock and store at rest (issue 11, classes 4 and 11): a pulled event stamped far
//! in the future is kept but its stamp is never adopted, so the device's next record carries
//! the device's own time; and the store file (with its -wal and -shm) is readable by its owner
//! only, since it holds the device's signing key and token.
#![allow(clippy::unwrap_used)]

mod support;

use support::*;
use xuncha_core::{Request, Response, Store};
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

/// 2025-12-20 10:00 Beijing time: last December, as seen from the tests' clock (May 2026).
const LAST_DECEMBER: i64 = 1_766_196_000_000;

fn late(at: i64, action: Request) -> Request {
    Request::LateEntry {
        at: UnixMs(at),
        action: Box::new(action),
    }
}

fn invalid_field(result: xuncha_core::Result<Response>) -> String {
    match result {
        Err(xuncha_core::CoreError::Invalid(v)) => v.field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_paper_inspection_entered_late_keeps_its_own_date_and_year_and_is_flagged() {
    let r = reference();
    let (device, _clock) = device_with(Store::open_in_memory().unwrap(), &r);
    let id = match device
        .handle(late(
            LAST_DECEMBER,
            Request::StartInspection {
                site: r.enterprise.id,
                checklist: r.checklist.id,
                position: None,
            },
        ))
        .unwrap()
    {
        Response::Recorded(rec) => InspectionId(rec.id.parse().unwrap()),
        other => panic!("{other:?}"),
    };
    for item in ["fire-01", "exit-01"] {
        device
            .handle(late(
                LAST_DECEMBER + 5 * UnixMs::MINUTE,
                Request::AnswerChecklistItem {
                    inspection: id,
                    item: item.into(),
                    answer: Answer::Compliant,
                    note: String::new(),
                },
            ))
            .unwrap();
    }
    let number = match device
        .handle(late(
            LAST_DECEMBER + 20 * UnixMs::MINUTE,
            Request::IssueOnSiteRecord {
                inspection: id,
                content: "灭火器过期".into(),
                rectification_deadline: None,
            },
        ))
        .unwrap()
    {
        Response::Recorded(rec) => rec.number.unwrap(),
        other => panic!("{other:?}"),
    };
    // Numbered by the year it happened, not the year it was typed in.
    assert!(number.starts_with("HY-2025-"), "{number}");

    // Its times are when it happened; its events keep when they were entered beside them.
    let timeline = device
        .with_store_mut(|s| xuncha_core::store::queries::timeline(s.connection(), &id.to_string()))
        .unwrap();
    assert_eq!(timeline.len(), 4);
    for e in timeline.iter().map(|t| &t.event) {
        let at = e.occurred_at.expect("a late entry says when it happened");
        assert!(
            at.0 >= LAST_DECEMBER && e.hlc.wall_ms >= T0,
            "entered now, happened then"
        );
    }

    // Listed in December 2025, flagged, and not in May 2026.
    let list = |from: i64, to: i64| match device
        .handle(Request::ListRecords {
            filter: xuncha_core::store::queries::RecordFilter {
                from: Some(from),
                to: Some(to),
                ..Default::default()
            },
        })
        .unwrap()
    {
        Response::Records(v) => v,
        other => panic!("{other:?}"),
    };
    let december = list(1_764_518_400_000, 1_767_196_800_000); // 2025-12-01 .. 2026-01-01 (UTC)
    assert_eq!(december.len(), 1);
    assert!(december[0].late_entry);
    assert_eq!(december[0].started_at, LAST_DECEMBER);
    assert!(list(T0 - UnixMs::DAY, T0 + UnixMs::DAY).is_empty());

    // The same action recorded as it happens is not flagged.
    device
        .handle(Request::StartInspection {
            site: r.enterprise.id,
            checklist: r.checklist.id,
            position: None,
        })
        .unwrap();
    let today = list(T0 - UnixMs::DAY, T0 + UnixMs::DAY);
    assert_eq!(today.len(), 1);
    assert!(!today[0].late_entry);
}

#[test]
fn a_late_entry_is_bounded_and_only_wraps_recording_actions() {
    let r = reference();
    let (device, _clock) = device_with(Store::open_in_memory().unwrap(), &r);
    let start = || Request::StartInspection {
        site: r.enterprise.id,
        checklist: r.checklist.id,
        position: None,
    };
    // Not in the future, not before the user's first day of work, not beyond the window.
    assert_eq!(
        invalid_field(device.handle(late(T0 + UnixMs::DAY, start()))),
        "occurred_at"
    );
    let before_appointment = r.user.active_from.unwrap().0 - UnixMs::DAY;
    assert_eq!(
        invalid_field(device.handle(late(before_appointment, start()))),
        "occurred_at"
    );
    assert_eq!(
        invalid_field(device.handle(late(T0 - 500 * UnixMs::DAY, start()))),
        "occurred_at"
    );
    // A query, a sync or a late entry inside a late entry is not a record to date.
    assert_eq!(
        invalid_field(device.handle(late(
            LAST_DECEMBER,
            Request::ListOpenFindings {
                status: None,
                limit: None
            }
        ))),
        "action"
    );
    assert_eq!(
        invalid_field(device.handle(late(LAST_DECEMBER, late(LAST_DECEMBER, start())))),
        "action"
    );
    // Nothing of the refused attempts was written.
    let n: i64 = device
        .with_store_mut(|s| {
            s.connection()
                .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        })
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn a_request_with_a_field_it_does_not_have_is_refused_not_ignored() {
    // `at` on an action that takes none was once dropped without a word: a paper record typed
    // in got today's date.
    let json = r#"{"action":"close_inspection","args":{"inspection":"0190c6a0-0000-7000-8000-000000000001","notes":"","at":1766196000000}}"#;
    let err = serde_json::from_str::<Request>(json).unwrap_err().to_string();
    assert!(err.contains("unknown field `at`"), "{err}");
    let ok = r#"{"action":"close_inspection","args":{"inspection":"0190c6a0-0000-7000-8000-000000000001","notes":""}}"#;
    assert!(serde_json::from_str::<Request>(ok).is_ok());
}
