//! The access model on the device, offline: once the signed-in user's definition has arrived,
//! an action their roles do not allow is refused before anything is written — the same rule the
//! server applies at push (docs/ACCESS.md).

mod support;

use support::*;
use xuncha_core::api::Request as R;
use xuncha_core::{CoreError, Store};
use xuncha_domain::UnixMs;
use xuncha_domain::payload::{PatrolKind, Payload};
use xuncha_domain::people::Role;
use xuncha_domain::testkit::SimDevice;

#[test]
fn a_safety_inspector_cannot_start_a_river_patrol_on_the_phone() {
    let mut r = reference();
    r.user.roles = vec![Role::SafetyInspector];
    let mut office = SimDevice::new(201);
    r.events
        .push(office.make(Payload::UserDefined(r.user.clone()), UnixMs(T0 - 1_000)));
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let before = device.with_store_mut(|s| s.all_events().expect("events"));

    for kind in [PatrolKind::River, PatrolKind::FishingBan] {
        let err = device
            .handle(R::StartPatrol {
                kind,
                reach: None,
                area: Some("幸福渠".into()),
                at: None,
            })
            .expect_err("refused");
        assert!(matches!(err, CoreError::Refused(_)), "{err:?}");
        assert_eq!(err.code(), "not_authorised");
    }
    let after = device.with_store_mut(|s| s.all_events().expect("events"));
    assert_eq!(before, after, "a refused action writes nothing");

    // The inspector's own workflow goes through.
    device
        .handle(R::StartInspection {
            site: r.enterprise.id,
            checklist: r.checklist.id,
            position: None,
        })
        .expect("an inspector starts an inspection");
}
