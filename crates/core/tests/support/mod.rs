//! Shared setup for the core's tests: a device with a controllable clock, loaded with the
//! reference data an office would send it (`xuncha_testsupport::reference_data`).
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use xuncha_core::api::{Recorded, Request, Response};
use xuncha_core::{Device, Store};
use xuncha_domain::payload::PatrolKind;
use xuncha_domain::*;
pub use xuncha_testsupport::reference_data::{Reference, T0, reference};

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

/// The id of the record a request made (its `Recorded` answer names it): a patrol's, a
/// finding's, an inspection's.
pub fn made<I: std::str::FromStr<Err: std::fmt::Debug>>(resp: xuncha_core::Result<Response>) -> I {
    recorded(resp).id.parse().expect("the id of the record made")
}

/// A river patrol on `device`, now walking the test track (`points(120, T0)`).
pub fn patrol_on_track(device: &Device, reach: Option<ReachId>, area: Option<&str>) -> PatrolId {
    let patrol = made(device.handle(Request::StartPatrol {
        kind: PatrolKind::River,
        reach,
        area: area.map(str::to_owned),
        at: None,
    }));
    recorded(device.handle(Request::AppendTrackPoints {
        patrol,
        points: points(120, T0),
        untimed: Vec::new(),
    }));
    patrol
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
