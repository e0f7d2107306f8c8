//! Shared setup for the core's tests: a device with a controllable clock, and the reference
//! data an office would send it (a unit, a user, a reach, sites, a checklist).
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use xuncha_core::api::{Recorded, Request, Response};
use xuncha_core::{Device, Store};
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

pub const T0: i64 = 1_780_000_000_000;

/// A clock that moves one second each time it is read.
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicI64>);

impl TestClock {
    pub fn new() -> Self {
        TestClock(Arc::new(AtomicI64::new(T0)))
    }
    pub fn now(&self) -> UnixMs {
        UnixMs(self.0.fetch_add(1_000, Ordering::SeqCst))
    }
}

pub struct Reference {
    pub unit: Unit,
    pub user: User,
    pub reach: Reach,
    pub enterprise: Site,
    pub restaurant: Site,
    pub checklist: ChecklistTemplate,
    pub events: Vec<Event>,
}

pub fn reference() -> Reference {
    let mut office = SimDevice::new(200);
    let unit = Unit {
        id: UnitId::new(),
        name: "汉阳街道".into(),
        kind: UnitKind::Subdistrict,
        parent: None,
        code: "HY".into(),
    };
    let user = User {
        // Appointed 200 days before the tests' clock: late entries (补录) may reach back to it.
        active_from: Some(UnixMs(T0 - 200 * UnixMs::DAY)),
        id: UserId::new(),
        name: "张河长".into(),
        login: "zhang".into(),
        unit: unit.id,
        roles: vec![
            Role::RiverChief {
                level: ChiefLevel::Street,
            },
            Role::SafetyInspector,
            Role::FishingBanPatroller,
        ],
    };
    let reach = Reach {
        id: ReachId::new(),
        name: "东风渠".into(),
        unit: unit.id,
        line: vec![Position::new(114.10, 30.65), Position::new(114.12, 30.655)],
        length_m: 2_000.0,
        chiefs: vec![user.id],
    };
    let enterprise = Site {
        id: SiteId::new(),
        name: "汉阳机械厂".into(),
        kind: SiteKind::Enterprise,
        address: "汉阳大道 1 号".into(),
        location: Position::new(114.11, 30.651),
        unit: unit.id,
    };
    let restaurant = Site {
        id: SiteId::new(),
        name: "江边鱼馆".into(),
        kind: SiteKind::Restaurant,
        address: "滨江路 8 号".into(),
        location: Position::new(114.115, 30.652),
        unit: unit.id,
    };
    let checklist = ChecklistTemplate {
        id: ChecklistId::new(),
        version: 1,
        name: "工贸企业安全检查表".into(),
        items: vec![
            ChecklistItem {
                code: "fire-01".into(),
                text: "灭火器在有效期内".into(),
                legal_basis: "《消防法》第十六条".into(),
            },
            ChecklistItem {
                code: "exit-01".into(),
                text: "安全出口畅通".into(),
                legal_basis: "《消防法》第二十八条".into(),
            },
        ],
    };
    let t = UnixMs(T0 - UnixMs::DAY);
    let events = vec![
        office.make(Payload::UnitDefined(unit.clone()), t),
        office.make(Payload::UserDefined(user.clone()), t),
        office.make(Payload::ReachDefined(reach.clone()), t),
        office.make(Payload::SiteDefined(enterprise.clone()), t),
        office.make(Payload::SiteDefined(restaurant.clone()), t),
        office.make(Payload::ChecklistPublished(checklist.clone()), t),
    ];
    Reference {
        unit,
        user,
        reach,
        enterprise,
        restaurant,
        checklist,
        events,
    }
}

/// A device signed in as the reference user, with reference data loaded.
pub fn device_with(store: Store, r: &Reference) -> (Device, TestClock) {
    let clock = TestClock::new();
    let c = clock.clone();
    let device = Device::with_store(store, Box::new(move || c.now()));
    device
        .handle(Request::SetUser {
            user: r.user.id,
            unit: r.unit.id,
        })
        .expect("set user");
    device
        .handle(Request::IngestEvents {
            events: r.events.clone(),
        })
        .expect("reference data");
    (device, clock)
}

pub fn recorded(resp: xuncha_core::Result<Response>) -> Recorded {
    match resp {
        Ok(Response::Recorded(r)) => r,
        other => panic!("expected Recorded, got {other:?}"),
    }
}

pub fn sig(name: &str) -> BlobHash {
    BlobHash::of(format!("signature of {name}").as_bytes())
}

pub fn points(n: usize, start: i64) -> Vec<TrackPoint> {
    (0..n)
        .map(|i| {
            let mut p = TrackPoint::at(
                UnixMs(start + i as i64 * 1000),
                114.10 + i as f64 * 2e-5,
                30.65 + i as f64 * 5e-6,
            );
            p.accuracy_m = Some(5.0);
            p
        })
        .collect()
}
