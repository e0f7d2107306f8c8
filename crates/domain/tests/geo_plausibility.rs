//! Plausibility flags: each fires on the fault it names and stays quiet on an honest patrol.

#[path = "support/synthetic.rs"]
mod synthetic;

use xuncha_domain::geo::frame::{LocalFrame, Metric};
use xuncha_domain::geo::*;
use xuncha_domain::position::FixProvider;
use xuncha_domain::{Position, TrackPoint, UnixMs};

const T0: UnixMs = UnixMs(1_778_544_000_000);

fn walking() -> PlausibilityRules {
    PlausibilityRules::for_mode(TravelMode::Walking)
}

fn codes(flags: &[PlausibilityFlag]) -> Vec<(FlagCode, FlagScope)> {
    flags.iter().map(|f| (f.code, f.scope)).collect()
}

/// An honest hour of the synthetic patrol: jittered times, varying accuracy, no faults.
fn honest_hour() -> Vec<TrackPoint> {
    let line = synthetic::reach();
    let patrol = synthetic::patrol(&line, 3);
    let cleaned = clean_track(
        &patrol.points[..3_600],
        &CleaningRules::for_mode(TravelMode::Walking),
    );
    cleaned.points
}

/// A generated walk: exactly 1000 ms apart, constant accuracy, identical steps.
fn generated_walk(n: usize, speed_mps: f64) -> Vec<TrackPoint> {
    let frame = LocalFrame::at(Position::new(114.10, 30.65));
    (0..n)
        .map(|k| {
            let p = frame.to_position(Metric {
                east_m: k as f64 * speed_mps,
                north_m: 0.0,
            });
            let mut fix = TrackPoint::at(T0.plus_ms(k as i64 * 1_000), p.lon, p.lat);
            fix.accuracy_m = Some(5.0);
            fix
        })
        .collect()
}

#[test]
fn an_honest_patrol_with_photos_on_the_way_raises_no_flag() {
    let track = honest_hour();
    let photos: Vec<PhotoFix> = [100, 1_234, 3_000]
        .iter()
        .map(|&k| PhotoFix {
            taken_at: track[k].t.plus_ms(400),
            position: track[k].position(),
        })
        .collect();
    let flags = check_plausibility(&track, &photos, &walking());
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn mock_and_replayed_fixes_are_flagged_each_and_summed_for_the_patrol() {
    let mut track = honest_hour();
    track[10].mock = true;
    track[11].mock = true;
    track[500].provider = FixProvider::Replay;
    let flags = check_plausibility(&track, &[], &walking());
    assert_eq!(
        codes(&flags),
        vec![
            (FlagCode::MockLocation, FlagScope::Point { index: 10 }),
            (FlagCode::MockLocation, FlagScope::Point { index: 11 }),
            (FlagCode::MockLocation, FlagScope::Point { index: 500 }),
            (FlagCode::MockLocation, FlagScope::Patrol),
        ]
    );
    assert_eq!(flags[3].label_zh, "本次巡查有 3 个定位点来自模拟定位或回放");
}

#[test]
fn zero_accuracy_fixes_are_flagged() {
    let mut track = honest_hour();
    track[42].accuracy_m = Some(0.0);
    let flags = check_plausibility(&track, &[], &walking());
    assert_eq!(
        codes(&flags),
        vec![
            (FlagCode::ZeroAccuracy, FlagScope::Point { index: 42 }),
            (FlagCode::ZeroAccuracy, FlagScope::Patrol)
        ]
    );
}

#[test]
fn a_teleport_is_flagged_at_the_fix_that_landed() {
    let mut track = honest_hour();
    for fix in &mut track[2_000..] {
        fix.lat += 0.02; // 2.2 km north from one second to the next
    }
    let flags = check_plausibility(&track, &[], &walking());
    let found = codes(&flags);
    assert!(
        found.contains(&(FlagCode::TeleportJump, FlagScope::Point { index: 2_000 })),
        "{found:?}"
    );
    assert!(found.contains(&(FlagCode::TeleportJump, FlagScope::Patrol)));
    let jump = flags
        .iter()
        .find(|f| f.code == FlagCode::TeleportJump)
        .map(|f| f.label_zh.as_str());
    assert!(
        jump.is_some_and(|l| l.contains("跳跃") && l.contains("步行")),
        "{jump:?}"
    );
}

#[test]
fn driving_a_walking_patrol_is_flagged_but_not_a_car_patrol() {
    let track = generated_walk(600, 14.0);
    let as_walk = check_plausibility(&track, &[], &walking());
    assert!(
        as_walk
            .iter()
            .any(|f| f.code == FlagCode::SpeedAboveMode && f.label_zh.contains("步行"))
    );
    let as_car = check_plausibility(&track, &[], &PlausibilityRules::for_mode(TravelMode::Car));
    assert!(
        as_car.iter().all(|f| f.code != FlagCode::SpeedAboveMode),
        "{as_car:#?}"
    );
}

#[test]
fn identical_intervals_without_jitter_are_flagged_as_replayed() {
    let flags = check_plausibility(&generated_walk(600, 1.2), &[], &walking());
    assert_eq!(codes(&flags), vec![(FlagCode::RegularTiming, FlagScope::Patrol)]);
    assert!(flags[0].label_zh.contains("1000 毫秒") && flags[0].label_zh.contains("回放"));
}

/// Many GNSS chips stamp fixes on whole seconds; with accuracy and steps that vary like a real
/// receiver's, whole-second intervals alone are not suspicious.
#[test]
fn whole_second_intervals_of_a_real_receiver_are_not_flagged() {
    let mut track = honest_hour();
    for (k, fix) in track.iter_mut().enumerate() {
        fix.t = T0.plus_ms(k as i64 * 1_000);
    }
    let flags = check_plausibility(&track, &[], &walking());
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn photos_far_from_the_track_or_outside_its_time_are_flagged() {
    let track = honest_hour();
    let k = 1_800;
    let photos = [
        // Taken where the track was: fine.
        PhotoFix {
            taken_at: track[k].t,
            position: track[k].position(),
        },
        // Same time, 1.1 km away.
        PhotoFix {
            taken_at: track[k].t,
            position: Position::new(track[k].lon, track[k].lat + 0.01),
        },
        // Two hours after the patrol ended.
        PhotoFix {
            taken_at: track[track.len() - 1].t.plus_ms(2 * 3_600_000),
            position: track[0].position(),
        },
        // Four minutes before the first fix, at the start: within the allowance.
        PhotoFix {
            taken_at: track[0].t.plus_ms(-240_000),
            position: track[0].position(),
        },
    ];
    let flags = check_plausibility(&track, &photos, &walking());
    assert_eq!(
        codes(&flags),
        vec![
            (FlagCode::PhotoFarFromTrack, FlagScope::Photo { index: 1 }),
            (FlagCode::PhotoOutsideTrackTime, FlagScope::Photo { index: 2 }),
        ]
    );
    assert!(flags[0].label_zh.contains("米"), "{}", flags[0].label_zh);
    assert!(
        flags[1].label_zh.contains("巡查结束后 120 分钟"),
        "{}",
        flags[1].label_zh
    );
}

#[test]
fn a_photo_from_a_camera_with_a_wrong_clock_is_told_in_years_not_millions_of_minutes() {
    let track = honest_hour();
    let photos = [PhotoFix {
        taken_at: track[0].t.plus_ms(-18 * 365 * 24 * 3_600_000),
        position: track[0].position(),
    }];
    let flags = check_plausibility(&track, &photos, &walking());
    let flag = flags
        .iter()
        .find(|f| f.code == FlagCode::PhotoOutsideTrackTime)
        .expect("flagged");
    assert!(flag.label_zh.contains("巡查开始前 约 18 年"), "{}", flag.label_zh);
    assert!(
        flag.label_en.contains("about 18 years before"),
        "{}",
        flag.label_en
    );
}

#[test]
fn flag_codes_are_stable_on_the_wire() {
    let flags = check_plausibility(&generated_walk(600, 1.2), &[], &walking());
    let json = serde_json::to_value(&flags[0]).expect("flags serialise");
    assert_eq!(json["code"], "regular_timing");
    assert_eq!(json["scope"], serde_json::json!({"kind": "patrol"}));
    for code in [
        FlagCode::MockLocation,
        FlagCode::ZeroAccuracy,
        FlagCode::TeleportJump,
        FlagCode::SpeedAboveMode,
        FlagCode::RegularTiming,
        FlagCode::PhotoFarFromTrack,
        FlagCode::PhotoOutsideTrackTime,
    ] {
        assert_eq!(serde_json::to_value(code).expect("codes serialise"), code.code());
    }
}

#[test]
fn a_receiver_jump_at_the_moment_of_a_photo_does_not_make_the_photo_look_far() {
    let mut track = honest_hour();
    let k = 900;
    let truth = track[k].position();
    track[k].lat += 0.003; // a one-second jump of 330 m, as multipath makes
    let photo = PhotoFix {
        taken_at: track[k].t,
        position: truth,
    };
    let flags = check_plausibility(&track, &[photo], &walking());
    assert!(
        flags.iter().all(|f| f.code != FlagCode::PhotoFarFromTrack),
        "{flags:#?}"
    );
}
