//! Over 500 lines: one honest and one faulty track for each plausibility flag.
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
    for code in FlagCode::ALL {
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

// ---- photos outside the track's time, gaps and imported tracks ------------------------------

/// Paris, about 8,900 km from the synthetic reach in Wuhan.
const PARIS: Position = Position {
    lon: 2.35,
    lat: 48.85,
};

#[test]
fn a_photo_from_years_ago_and_another_continent_is_flagged_for_both() {
    let track = honest_hour();
    let photos = [PhotoFix {
        taken_at: track[0].t.plus_ms(-5 * 365 * 24 * 3_600_000),
        position: PARIS,
    }];
    let flags = check_plausibility(&track, &photos, &walking());
    assert_eq!(
        codes(&flags),
        vec![
            (FlagCode::PhotoOutsideTrackTime, FlagScope::Photo { index: 0 }),
            (FlagCode::PhotoFarFromTrack, FlagScope::Photo { index: 0 }),
        ]
    );
    let far = &flags[1];
    assert!(
        far.label_zh.contains("整条巡查轨迹") && far.label_zh.contains("公里"),
        "{}",
        far.label_zh
    );
    assert!(far.label_en.contains("whole track"), "{}", far.label_en);
    let km: f64 = far
        .label_en
        .split_whitespace()
        .skip_while(|w| *w != "about")
        .nth(1)
        .and_then(|w| w.parse().ok())
        .expect("the distance is in the label");
    assert!((8_000.0..10_000.0).contains(&km), "{km} km");
}

/// A car track with fixes a minute (a kilometre) apart, then a gap of an hour and another
/// stretch 5 km east: the line between fixes of a stretch was driven, the line across the gap
/// was not.
fn sparse_car_track() -> Vec<TrackPoint> {
    let frame = LocalFrame::at(Position::new(114.10, 30.65));
    let fix = |k: i64, east_m: f64, gap_before: bool| {
        let p = frame.to_position(Metric { east_m, north_m: 0.0 });
        let mut fix = TrackPoint::at(T0.plus_ms(k * 60_000), p.lon, p.lat);
        fix.accuracy_m = Some(8.0);
        fix.gap_before = gap_before;
        fix
    };
    vec![
        fix(0, 0.0, false),
        fix(1, 1_000.0, false),
        fix(2, 2_000.0, false),
        fix(62, 7_000.0, true),
        fix(63, 8_000.0, false),
    ]
}

#[test]
fn an_off_time_photo_is_compared_with_the_line_driven_not_only_with_the_fixes() {
    let track = sparse_car_track();
    let frame = LocalFrame::at(Position::new(114.10, 30.65));
    let at = |east_m: f64, north_m: f64| frame.to_position(Metric { east_m, north_m });
    let next_day = T0.plus_ms(86_400_000);
    let photos = [
        // Beside the road between two fixes, 500 m from either: near the track.
        PhotoFix {
            taken_at: next_day,
            position: at(500.0, 50.0),
        },
        // In the middle of the gap: no track was recorded there.
        PhotoFix {
            taken_at: next_day,
            position: at(4_500.0, 0.0),
        },
    ];
    let flags = check_plausibility(&track, &photos, &PlausibilityRules::for_mode(TravelMode::Car));
    let far: Vec<FlagScope> = flags
        .iter()
        .filter(|f| f.code == FlagCode::PhotoFarFromTrack)
        .map(|f| f.scope)
        .collect();
    assert_eq!(far, vec![FlagScope::Photo { index: 1 }], "{flags:#?}");
    let far_label = flags
        .iter()
        .find(|f| f.code == FlagCode::PhotoFarFromTrack)
        .map(|f| f.label_zh.clone())
        .unwrap_or_default();
    assert!(far_label.contains("2500 米"), "{far_label}");
}

#[test]
fn an_imported_track_is_no_mock_location_but_a_replayed_one_is() {
    let mut track = honest_hour();
    for fix in &mut track {
        fix.provider = FixProvider::Imported;
    }
    let flags = check_plausibility(&track, &[], &walking());
    assert!(flags.is_empty(), "{flags:#?}");
    track[7].provider = FixProvider::Replay;
    let flags = check_plausibility(&track, &[], &walking());
    assert_eq!(
        codes(&flags),
        vec![
            (FlagCode::MockLocation, FlagScope::Point { index: 7 }),
            (FlagCode::MockLocation, FlagScope::Patrol),
        ]
    );
}

/// The honest hour with its second half recorded as a new segment a minute later and 3 km
/// north: without the gap that move is a teleport.
fn two_segments(gap_at: Option<usize>) -> Vec<TrackPoint> {
    let mut track = honest_hour();
    for fix in &mut track[2_000..] {
        fix.t = fix.t.plus_ms(59_000);
        fix.lat += 0.027;
    }
    if let Some(k) = gap_at {
        track[k].gap_before = true;
    }
    track
}

#[test]
fn a_move_across_a_gap_between_segments_is_no_teleport() {
    let teleports = |track: &[TrackPoint]| -> Vec<FlagScope> {
        check_plausibility(track, &[], &walking())
            .into_iter()
            .filter(|f| f.code == FlagCode::TeleportJump)
            .map(|f| f.scope)
            .collect()
    };
    assert!(
        teleports(&two_segments(None)).contains(&FlagScope::Point { index: 2_000 }),
        "without the gap the move is a jump"
    );
    assert_eq!(teleports(&two_segments(Some(2_000))), vec![]);
    // The gap stays a gap when the fix that carries it is itself unusable.
    let mut track = two_segments(Some(2_000));
    track[2_000].lat = f64::NAN;
    assert_eq!(teleports(&track), vec![]);
}

// ---- a finding's photos against the finding's place ------------------------------------------

mod finding_photos {
    use xuncha_domain::catalogue::FindingKind;
    use xuncha_domain::geo::frame::{LocalFrame, Metric};
    use xuncha_domain::geo::*;
    use xuncha_domain::payload::*;
    use xuncha_domain::state::{AggregateState, FindingState, apply};
    use xuncha_domain::testkit::SimDevice;
    use xuncha_domain::{BlobHash, FindingId, PatrolId, Position, UnixMs};

    const T0: UnixMs = super::T0;

    fn reported_at() -> Position {
        Position::new(114.101, 30.651)
    }

    /// `east_m`, `north_m` metres from where the finding was reported.
    fn off(east_m: f64, north_m: f64) -> Position {
        LocalFrame::at(reported_at()).to_position(Metric { east_m, north_m })
    }

    fn photo(role: PhotoRole, position: Option<Position>) -> FindingPhoto {
        FindingPhoto { role, position }
    }

    fn flags(photos: &[FindingPhoto]) -> Vec<(FlagCode, FlagScope)> {
        check_finding_photos(Some(reported_at()), photos, &FindingPhotoRules::default())
            .iter()
            .map(|f| (f.code, f.scope))
            .collect()
    }

    #[test]
    fn an_evidence_photo_far_from_the_finding_is_flagged_and_a_near_one_is_not() {
        let photos = [
            photo(PhotoRole::Evidence, Some(off(30.0, 40.0))),
            photo(PhotoRole::Evidence, Some(off(0.0, 1_500.0))),
            photo(PhotoRole::Evidence, None),
            // Seized gear is photographed where it is kept.
            photo(PhotoRole::Seizure, Some(off(0.0, 3_000.0))),
        ];
        assert_eq!(
            flags(&photos),
            vec![(FlagCode::PhotoFarFromFinding, FlagScope::Photo { index: 1 })]
        );
        let all = check_finding_photos(Some(reported_at()), &photos, &FindingPhotoRules::default());
        assert!(all[0].label_zh.contains("1500 米"), "{}", all[0].label_zh);
        assert!(all[0].label_en.contains("1500 m"), "{}", all[0].label_en);
        // Just inside and just outside the rule.
        assert_eq!(
            flags(&[photo(PhotoRole::Evidence, Some(off(0.0, 195.0)))]),
            vec![]
        );
        assert_eq!(
            flags(&[photo(PhotoRole::Evidence, Some(off(0.0, 205.0)))]).len(),
            1
        );
    }

    #[test]
    fn an_after_photo_far_from_the_original_is_flagged_and_a_near_one_is_not() {
        let photos = [
            photo(PhotoRole::Evidence, Some(off(-10.0, 0.0))),
            photo(PhotoRole::AfterRectification, Some(off(20.0, 30.0))),
            photo(PhotoRole::AfterRectification, Some(off(-4_000.0, 0.0))),
        ];
        assert_eq!(
            flags(&photos),
            vec![(FlagCode::AfterPhotoFarFromOriginal, FlagScope::Photo { index: 2 })]
        );
        let all = check_finding_photos(Some(reported_at()), &photos, &FindingPhotoRules::default());
        assert!(
            all[0].label_zh.contains("距原问题照片拍摄处 3990 米"),
            "{}",
            all[0].label_zh
        );
    }

    #[test]
    fn an_after_photo_is_measured_from_the_nearest_original_place() {
        // The original photo was taken 300 m from the reported place (and is flagged for it);
        // the rectification, photographed where that photo was, is not.
        let photos = [
            photo(PhotoRole::Evidence, Some(off(300.0, 0.0))),
            photo(PhotoRole::AfterRectification, Some(off(310.0, 0.0))),
        ];
        assert_eq!(
            flags(&photos),
            vec![(FlagCode::PhotoFarFromFinding, FlagScope::Photo { index: 0 })]
        );
        // With no reported place and no original with a position there is nothing to compare.
        let lone = [photo(PhotoRole::AfterRectification, Some(off(5_000.0, 0.0)))];
        assert!(check_finding_photos(None, &lone, &FindingPhotoRules::default()).is_empty());
    }

    fn attached(
        finding: FindingId,
        role: PhotoRole,
        original: &[u8],
        at: Position,
        source: PositionSource,
    ) -> Payload {
        Payload::PhotoAttached(PhotoAttached {
            target: PhotoTarget::Finding(finding),
            role,
            original: BlobHash::of(original),
            upload: None,
            thumbnail: None,
            taken_at: Some(T0),
            position: Some(at),
            position_source: source,
            caption: String::new(),
        })
    }

    /// A finding folded from real events, as device and server hold it.
    fn folded(payloads: Vec<Payload>) -> FindingState {
        let mut device = SimDevice::new(9);
        let mut state = None;
        for (k, p) in payloads.into_iter().enumerate() {
            let event = device.make(p, T0.plus_ms(k as i64 * 1_000));
            state = Some(apply(state.as_ref(), &event).expect("the event applies"));
        }
        match state {
            Some(AggregateState::Finding(f)) => f,
            other => panic!("not a finding: {other:?}"),
        }
    }

    #[test]
    fn a_finding_state_is_checked_by_its_exif_places_and_its_listed_after_photos() {
        let finding = FindingId::new();
        let state = folded(vec![
            Payload::FindingReported(FindingReported {
                location: Some(reported_at()),
                ..FindingReported::new(
                    finding,
                    RecordRef::Patrol(PatrolId::new()),
                    FindingKind::Problem,
                    "dumping",
                    "河岸堆放建筑垃圾",
                    Severity::Minor,
                    T0,
                )
            }),
            // Far, but only the phone's fix when it was attached: not judged.
            attached(
                finding,
                PhotoRole::Evidence,
                b"a",
                off(0.0, 2_000.0),
                PositionSource::DeviceFix,
            ),
            attached(
                finding,
                PhotoRole::Evidence,
                b"b",
                off(0.0, 2_000.0),
                PositionSource::Exif,
            ),
            // Attached as evidence, but listed by the rectification as its after photo.
            attached(
                finding,
                PhotoRole::Evidence,
                b"c",
                off(6_000.0, 0.0),
                PositionSource::Exif,
            ),
            Payload::RectificationAssigned(RectificationAssigned {
                finding,
                assignee: "村委会".into(),
                follow_up_by: None,
                deadline: T0.plus_ms(86_400_000),
                note: String::new(),
            }),
            Payload::FindingRectified(FindingRectified {
                finding,
                note: "已清运".into(),
                after_photos: vec![BlobHash::of(b"c")],
                position: None,
                rectified_at: T0.plus_ms(3_600_000),
            }),
        ]);
        let found: Vec<(FlagCode, FlagScope)> = check_finding(&state, &FindingPhotoRules::default())
            .iter()
            .map(|f| (f.code, f.scope))
            .collect();
        assert_eq!(
            found,
            vec![
                (FlagCode::PhotoFarFromFinding, FlagScope::Photo { index: 1 }),
                (FlagCode::AfterPhotoFarFromOriginal, FlagScope::Photo { index: 2 }),
            ]
        );
    }

    #[test]
    fn the_new_codes_are_stable_on_the_wire() {
        for (code, wire) in [
            (FlagCode::PhotoFarFromFinding, "photo_far_from_finding"),
            (
                FlagCode::AfterPhotoFarFromOriginal,
                "after_photo_far_from_original",
            ),
        ] {
            assert_eq!(code.code(), wire);
            assert_eq!(serde_json::to_value(code).expect("codes serialise"), wire);
        }
    }
}
