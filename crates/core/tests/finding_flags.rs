//! On the device, offline: a finding's detail carries the flags of its photos against its own
//! place, and a patrol's report compares the photos of it and its findings with its track —
//! but not a rectification's photos, which are taken later and elsewhere in time by design.

mod support;

use support::*;
use xuncha_core::Store;
use xuncha_core::api::{Request as R, Response};
use xuncha_domain::geo::{FlagCode, FlagScope};
use xuncha_domain::payload::*;
use xuncha_domain::*;

/// Where the finding is reported: on the test track, which passes here 50 s after T0.
const PLACE: Position = Position {
    lon: 114.101,
    lat: 30.6502,
};

fn photo(finding: FindingId, role: PhotoRole, name: &[u8], taken_at: i64, position: Position) -> R {
    R::AttachPhoto {
        target: PhotoTarget::Finding(finding),
        role,
        original: BlobHash::of(name),
        upload: None,
        thumbnail: None,
        taken_at: Some(UnixMs(taken_at)),
        position: Some(position),
        position_source: PositionSource::Exif,
        caption: String::new(),
    }
}

#[test]
fn a_findings_detail_and_its_patrols_report_flag_photos_taken_elsewhere() {
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let patrol = patrol_on_track(&device, None, Some("幸福渠北段"));
    let finding: FindingId = made(device.handle(R::report_finding(
        RecordRef::Patrol(patrol),
        "dumping",
        "河岸堆放建筑垃圾",
        Severity::Minor,
        Some(PLACE),
    )));
    let north_m = |m: f64| Position::new(PLACE.lon, PLACE.lat + m / 111_000.0);
    for request in [
        photo(
            finding,
            PhotoRole::Evidence,
            b"at the place",
            T0 + 50_000,
            north_m(10.0),
        ),
        photo(
            finding,
            PhotoRole::Evidence,
            b"elsewhere",
            T0 + 55_000,
            north_m(1_500.0),
        ),
        // Rectified an hour later, 5 km away.
        photo(
            finding,
            PhotoRole::AfterRectification,
            b"after",
            T0 + 3_600_000,
            north_m(5_000.0),
        ),
    ] {
        recorded(device.handle(request));
    }

    let Response::Finding(detail) = device.handle(R::GetFinding { id: finding }).expect("finding") else {
        panic!("not a finding")
    };
    let flags: Vec<(FlagCode, FlagScope)> = detail.flags.iter().map(|f| (f.code, f.scope)).collect();
    assert_eq!(
        flags,
        vec![
            (FlagCode::PhotoFarFromFinding, FlagScope::Photo { index: 1 }),
            (FlagCode::AfterPhotoFarFromOriginal, FlagScope::Photo { index: 2 }),
        ]
    );
    assert!(detail.flags.iter().all(|f| f.label_zh.contains(" 米")));

    let Response::PatrolReport(report) = device
        .handle(R::PatrolReport { patrol, mode: None })
        .expect("report")
    else {
        panic!("not a report")
    };
    let photo_flags: Vec<FlagCode> = report
        .flags
        .iter()
        .filter(|f| matches!(f.scope, FlagScope::Photo { .. }))
        .map(|f| f.code)
        .collect();
    assert_eq!(
        photo_flags,
        vec![FlagCode::PhotoFarFromTrack],
        "{:#?}",
        report.flags
    );
}
