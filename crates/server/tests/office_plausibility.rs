//! The office sees a record's plausibility flags, over real HTTP on 127.0.0.1:0 on SQLite and on
//! PostgreSQL: a phone pushes a patrol whose photos were taken away from its track (one of them
//! years earlier and in another city) and a finding with a photo away from the finding's place,
//! and the record's and the finding's detail carry the flags with their codes and photos.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::Value;
use xuncha_domain::payload::*;
use xuncha_domain::position::FixProvider;
use xuncha_domain::{BlobHash, EventId, FindingId, PatrolId, Position, TrackPoint, UnixMs};
use xuncha_testsupport::*;

/// Where the patrol walks: east along a bank from here.
const START: Position = Position {
    lon: 114.10,
    lat: 30.65,
};

/// An honest hour's walk ago: a fix about every 5 s with jitter, 1 m/s east, accuracy varying;
/// fix 10 came from a mock-location app.
fn walk(patrol: PatrolId, t0: i64) -> Payload {
    let points = (0..400)
        .map(|i: i64| TrackPoint {
            t: UnixMs(t0 + i * 5_000 + (i * 37) % 400),
            lon: START.lon + i as f64 * 5.2e-5,
            lat: START.lat,
            accuracy_m: Some(4.0 + (i % 5) as f64),
            altitude_m: None,
            speed_mps: None,
            bearing_deg: None,
            provider: FixProvider::Gps,
            mock: i == 10,
            gap_before: false,
        })
        .collect();
    Payload::TrackPointsAppended(TrackPointsAppended {
        patrol,
        points,
        untimed: Vec::new(),
    })
}

fn exif_photo(target: PhotoTarget, taken_at: i64, position: Position, bytes: &[u8]) -> Payload {
    Payload::PhotoAttached(PhotoAttached {
        target,
        role: PhotoRole::Evidence,
        original: BlobHash::of(bytes),
        upload: None,
        thumbnail: None,
        taken_at: Some(UnixMs(taken_at)),
        position: Some(position),
        position_source: PositionSource::Exif,
        caption: "现场".into(),
    })
}

/// The flags of a detail as (code, scope kind, photo event, finding).
fn flags_of(detail: &Value) -> Vec<(String, String, Option<String>, Option<String>)> {
    detail["flags"]
        .as_array()
        .unwrap_or_else(|| panic!("no flags in {detail}"))
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["scope"]["kind"].as_str().unwrap().to_owned(),
                f["photo"].as_str().map(str::to_owned),
                f["finding"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn flag(
    code: &str,
    scope: &str,
    photo: Option<EventId>,
    finding: Option<FindingId>,
) -> (String, String, Option<String>, Option<String>) {
    (
        code.into(),
        scope.into(),
        photo.map(|e| e.to_string()),
        finding.map(|f| f.to_string()),
    )
}

async fn the_office_sees_the_flags_of_a_patrol_and_of_its_finding(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;

    let t0 = now() - 3_600_000;
    let mid = t0 + 1_000_000; // the walk is 1.5 km east of START by then
    let patrol = PatrolId::new();
    let finding = FindingId::new();
    let on_track = Position::new(START.lon + 0.0104, START.lat);
    let started = phone.next(Payload::PatrolStarted(PatrolStarted {
        patrol,
        kind: PatrolKind::River,
        unit: phone.user.unit,
        patroller: phone.user.id,
        reach: None,
        area: Some("幸福渠北段".into()),
        started_at: UnixMs(t0),
    }));
    let track = phone.next(walk(patrol, t0));
    // In the patrol's time, 3 km north of where the walk was.
    let far_in_time = phone.next(exif_photo(
        PhotoTarget::Patrol(patrol),
        mid,
        Position::new(on_track.lon, START.lat + 0.027),
        b"far in time",
    ));
    // Three years before the patrol, in Beijing.
    let old_and_far = phone.next(exif_photo(
        PhotoTarget::Patrol(patrol),
        t0 - 3 * 365 * 86_400_000,
        Position::new(116.40, 39.90),
        b"old and far",
    ));
    // On the track at its time: no flag.
    let honest = phone.next(exif_photo(PhotoTarget::Patrol(patrol), mid, on_track, b"honest"));
    let reported = phone.next(Payload::FindingReported(FindingReported {
        location: Some(on_track),
        ..dumping_reported(finding, patrol, UnixMs(mid))
    }));
    // At the finding: no flag. 1.5 km south of it (and of the track): flagged twice.
    let at_finding = phone.next(exif_photo(
        PhotoTarget::Finding(finding),
        mid + 5_000,
        Position::new(on_track.lon + 0.0002, on_track.lat),
        b"at the finding",
    ));
    let off_finding = phone.next(exif_photo(
        PhotoTarget::Finding(finding),
        mid + 10_000,
        Position::new(on_track.lon, on_track.lat - 0.0135),
        b"off the finding",
    ));
    let events = [
        started,
        track,
        far_in_time.clone(),
        old_and_far.clone(),
        honest,
        reported,
        at_finding,
        off_finding.clone(),
    ];
    let pushed = srv.push_ok(&phone, &events).await;
    assert_eq!(
        outcome_status(&pushed),
        vec!["accepted"; events.len()],
        "{pushed:?}"
    );

    let (s, detail) = srv
        .get(&format!("/api/v1/office/records/patrol/{patrol}"), &office)
        .await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    let mut found = flags_of(&detail);
    found.sort();
    let mut expected = vec![
        flag("mock_location", "patrol", None, None),
        flag("photo_far_from_track", "photo", Some(far_in_time.id), None),
        flag("photo_far_from_track", "photo", Some(old_and_far.id), None),
        flag("photo_outside_track_time", "photo", Some(old_and_far.id), None),
        flag(
            "photo_far_from_track",
            "photo",
            Some(off_finding.id),
            Some(finding),
        ),
    ];
    expected.sort();
    assert_eq!(found, expected, "{:#}", detail["flags"]);
    assert_eq!(detail["flagged_points"], serde_json::json!([10]));
    assert_eq!(detail["travel_mode"], "walking");
    let beijing = detail["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "photo_far_from_track" && f["photo"] == old_and_far.id.to_string())
        .unwrap();
    let label = beijing["label_zh"].as_str().unwrap();
    assert!(
        label.contains("整条巡查轨迹") && label.contains("公里"),
        "{label}"
    );

    // The office may say how the patrol travelled; a way of travel it does not know is refused.
    let (s, as_car) = srv
        .get(
            &format!("/api/v1/office/records/patrol/{patrol}?mode=car"),
            &office,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{as_car}");
    assert_eq!(as_car["travel_mode"], "car");
    let (s, _) = srv
        .get(
            &format!("/api/v1/office/records/patrol/{patrol}?mode=plane"),
            &office,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, detail) = srv.finding_detail(&office, finding).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(
        flags_of(&detail),
        vec![flag(
            "photo_far_from_finding",
            "photo",
            Some(off_finding.id),
            None
        )],
        "{:#}",
        detail["flags"]
    );
    let label = detail["flags"][0]["label_zh"].as_str().unwrap();
    assert!(label.contains("问题上报位置") && label.contains(" 米"), "{label}");
    assert_eq!(detail["flagged_points"], serde_json::json!([]));
    assert_eq!(detail["travel_mode"], Value::Null);
}
story!(the_office_sees_the_flags_of_a_patrol_and_of_its_finding);

async fn a_rectification_photographed_elsewhere_is_flagged_on_the_finding(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;
    let (_patrol, finding, events) = phone.patrol_with_finding();
    let place = Position::new(114.101, 30.651); // where `patrol_with_finding` reports it
    let original = phone.next(exif_photo(PhotoTarget::Finding(finding), now(), place, b"before"));
    srv.push_ok(&phone, &[events, vec![original]].concat()).await;
    let (s, _) = srv
        .post(
            &format!("/api/v1/office/findings/{finding}/assign"),
            &office,
            &serde_json::json!({"assignee": "村委会", "follow_up_by": null,
                "deadline": now() + 86_400_000i64, "note": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    srv.sync_down(&mut phone).await;
    let after = |bytes: &[u8], position: Position| {
        Payload::PhotoAttached(PhotoAttached {
            target: PhotoTarget::Finding(finding),
            role: PhotoRole::AfterRectification,
            original: BlobHash::of(bytes),
            upload: None,
            thumbnail: None,
            taken_at: Some(UnixMs(now())),
            position: Some(position),
            position_source: PositionSource::Exif,
            caption: "整改后".into(),
        })
    };
    let near = phone.next(after(
        b"after, there",
        Position::new(place.lon + 0.0003, place.lat),
    ));
    let far = phone.next(after(
        b"after, elsewhere",
        Position::new(place.lon + 0.05, place.lat),
    ));
    let rectified = phone.next(Payload::FindingRectified(FindingRectified {
        finding,
        note: "已清运".into(),
        after_photos: vec![BlobHash::of(b"after, there"), BlobHash::of(b"after, elsewhere")],
        position: None,
        rectified_at: UnixMs(now()),
    }));
    let r = srv.push_ok(&phone, &[near, far.clone(), rectified]).await;
    assert_eq!(outcome_status(&r), vec!["accepted"; 3], "{r:?}");

    let (s, detail) = srv.finding_detail(&office, finding).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["record"]["state"]["state"]["status"], "rectified");
    assert_eq!(
        flags_of(&detail),
        vec![flag("after_photo_far_from_original", "photo", Some(far.id), None)],
        "{:#}",
        detail["flags"]
    );
    let label = detail["flags"][0]["label_zh"].as_str().unwrap();
    assert!(label.contains("整改后照片") && label.contains(" 米"), "{label}");
}
story!(a_rectification_photographed_elsewhere_is_flagged_on_the_finding);

#[tokio::test]
async fn the_openapi_document_lists_every_flag_code_of_a_record_detail() {
    let b = sqlite();
    let srv = TestServer::start(&b).await;
    let (s, doc) = srv.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let detail = &doc["components"]["schemas"]["RecordDetail"];
    let codes: Vec<&str> = detail["properties"]["flags"]["items"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("no flag codes in {detail:#}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in xuncha_domain::geo::FlagCode::ALL {
        assert!(
            codes.contains(&code.code()),
            "{} missing from {codes:?}",
            code.code()
        );
    }
    assert!(codes.contains(&"photo_far_from_finding") && codes.contains(&"after_photo_far_from_original"));
    assert!(detail["properties"]["flagged_points"].is_object());
    assert!(detail["properties"]["travel_mode"].is_object());
}
