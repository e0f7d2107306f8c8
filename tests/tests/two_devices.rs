//! Two river chiefs of two brigades record offline, sync with a real server, and each sees the
//! office's decisions on their own findings after a pull — and nothing of the other brigade.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use xuncha_core::api::{Request, Response};
use xuncha_core::store::queries::SyncState;
use xuncha_domain::state::{AggregateState, FindingStatus};
use xuncha_domain::*;
use xuncha_e2e::*;

fn status_of(device: &xuncha_core::Device, finding: FindingId) -> FindingStatus {
    match device.handle(Request::GetFinding { id: finding }).unwrap() {
        Response::Finding(f) => match f.state {
            AggregateState::Finding(s) => s.status,
            other => panic!("not a finding: {other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

fn sync_state(device: &xuncha_core::Device, patrol: PatrolId) -> SyncState {
    match device
        .handle(Request::GetRecord {
            id: patrol.to_string(),
        })
        .unwrap()
    {
        Response::Record(r) => r.summary.sync,
        other => panic!("{other:?}"),
    }
}

fn two_devices(backend: Backend) {
    require_fixtures!();
    let server = Server::start(backend);
    let seed = seed(&server);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let devices = [open_device(dirs[0].path()), open_device(dirs[1].path())];
    for (d, chief) in devices.iter().zip(seed.chiefs()) {
        enrol(d, &server.url(), &chief.login);
    }
    // Reference data first (the reaches of each brigade), as a phone does before going out.
    for d in &devices {
        sync(d, true);
    }
    // Offline: each records a patrol on their own reach with a finding and a real photo.
    let photo = [
        fixture("photos/gps/DSCN0010.jpg"),
        fixture("photos/gps/DSCN0021.jpg"),
    ];
    let (p1, f1) = record_patrol(&devices[0], seed.reaches[0].id, 300, &photo[..1]);
    let (_, f2) = record_patrol(&devices[1], seed.reaches[1].id, 200, &photo[1..]);
    assert_eq!(sync_state(&devices[0], p1), SyncState::SavedOnDevice);

    for d in &devices {
        let r = sync(d, true);
        assert!(
            r.accepted > 0 && r.rejected.is_empty() && r.blocked_at.is_none(),
            "{r:?}"
        );
        assert_server_holds_exactly(&server, d, true);
    }

    assert_eq!(sync_state(&devices[0], p1), SyncState::Uploaded);

    // The office decides on both findings.
    let token = server.office_token();
    let deadline = UnixMs(xuncha_server::now_ms() + 7 * UnixMs::DAY);
    for f in [f1, f2] {
        server.office_post(
            &token,
            &format!("/api/v1/office/findings/{f}/assign"),
            &serde_json::json!({"assignee": "保洁公司", "follow_up_by": null, "deadline": deadline, "note": "三日内清理"}),
        );
    }
    assert_eq!(
        status_of(&devices[0], f1),
        FindingStatus::Reported,
        "not before a pull"
    );
    for d in &devices {
        let r = sync(d, true);
        assert!(r.pulled > 0, "{r:?}");
    }
    assert_eq!(status_of(&devices[0], f1), FindingStatus::Assigned);
    assert_eq!(
        sync_state(&devices[0], p1),
        SyncState::ChangedByOffice,
        "the record says the office acted"
    );
    assert_eq!(status_of(&devices[1], f2), FindingStatus::Assigned);

    // Nothing of one brigade reaches the other.
    let ids: Vec<DeviceId> = devices
        .iter()
        .map(|d| d.with_store_mut(|s| s.device_id()))
        .collect();
    for (i, d) in devices.iter().enumerate() {
        let other = ids[1 - i];
        let (their_finding, their_reach) = if i == 0 {
            (f2, seed.reaches[1].id)
        } else {
            (f1, seed.reaches[0].id)
        };
        let events = d.with_store_mut(|s| s.all_events().unwrap());
        assert!(
            events.iter().all(|e| e.device != other),
            "device {i} holds the other brigade's events"
        );
        assert!(
            events
                .iter()
                .all(|e| e.payload.aggregate().id != their_finding.0
                    && e.payload.aggregate().id != their_reach.0),
            "device {i} holds the other brigade's finding or reach"
        );
        assert!(d.handle(Request::GetFinding { id: their_finding }).is_err());
    }
    // Syncing again changes nothing on the server.
    let before = server.event_count();
    for d in &devices {
        sync(d, true);
    }
    assert_eq!(server.event_count(), before);
}

#[test]
fn two_devices_sync_and_see_only_their_own_brigade_on_sqlite() {
    two_devices(sqlite());
}

#[test]
fn two_devices_sync_and_see_only_their_own_brigade_on_postgres() {
    if let Some(b) = postgres() {
        two_devices(b);
    }
}
