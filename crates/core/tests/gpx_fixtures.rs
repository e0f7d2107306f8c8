//! GPX import and export against the real tracks in shared/fixtures/gpx.

use xuncha_core::gpx::{GpxError, GpxFile, GpxVersion, Waypoint, read_gpx, write_gpx};
use xuncha_domain::geo::{
    CleaningRules, FlagCode, PlausibilityRules, TravelMode, check_plausibility, clean_track, track_stats,
};
use xuncha_domain::{Position, TrackPoint, UnixMs};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/gpx");

fn fixture(name: &str) -> GpxFile {
    let bytes = std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture present");
    read_gpx(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_file_imports() {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixture folder present")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".gpx"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 7, "{names:?}");
    for name in &names {
        let file = fixture(name);
        let points = file.waypoints.len()
            + file.all_track_points().count()
            + file.routes.iter().map(|r| r.points.len()).sum::<usize>();
        assert!(points > 0, "{name} imported empty");
    }
}

#[test]
fn the_lake_track_is_gpx_1_0_with_waypoints_eight_tracks_and_an_empty_first_segment() {
    let lake = fixture("cerknicko-jezero.gpx");
    assert_eq!(lake.version, GpxVersion::V1_0);
    assert_eq!(lake.waypoints.len(), 7);
    let sizes: Vec<usize> = lake
        .tracks
        .iter()
        .flat_map(|t| t.segments.iter().map(Vec::len))
        .collect();
    assert_eq!(sizes, vec![0, 173, 52, 2, 44, 2, 2, 21]);
    assert_eq!(lake.tracks[1].name.as_deref(), Some("ACTIVE LOG #2"));
    let first = &lake.tracks[1].segments[0][0];
    assert!(first.time.is_some() && first.elevation_m.is_some());
    assert_eq!(lake.waypoints[0].name.as_deref(), Some("001"));
    assert_eq!(
        lake.waypoints[0].position,
        Position::new(14.357652292, 45.772163216)
    );
    let fix = first.to_track_point().expect("a timed point");
    assert_eq!(fix.provider, xuncha_domain::position::FixProvider::Replay);
}

#[test]
fn a_track_without_times_imports_but_refuses_to_become_fixes() {
    let untimed = fixture("cerknicko-without-times.gpx");
    assert_eq!(untimed.all_track_points().count(), 296);
    // Only the last log's points 16..=20 kept a time in this file.
    assert_eq!(untimed.all_track_points().filter(|w| w.time.is_some()).count(), 5);
    assert!(
        untimed.tracks[7].segments[0][16..=20]
            .iter()
            .all(|w| w.time.is_some())
    );
    assert!(matches!(
        untimed.track_segments(),
        Err(GpxError::MissingTime {
            track: 1,
            segment: 0,
            point: 0
        })
    ));
}

#[test]
fn empty_segments_routes_dilution_and_unicode_names_come_through() {
    let empty = fixture("track-with-empty-segment.gpx");
    assert_eq!(empty.version, GpxVersion::V1_1);
    let segments = empty.track_segments().expect("timed points");
    assert_eq!(segments.iter().map(Vec::len).collect::<Vec<_>>(), vec![9, 0]);

    let route = fixture("route.gpx");
    assert_eq!(route.routes.len(), 1);
    assert_eq!(route.routes[0].points.len(), 55);
    assert_eq!(route.routes[0].points[0].name.as_deref(), Some("#001"));
    assert_eq!(
        route.routes[0].points[0].position,
        Position::new(13.726695478, 45.2787641494)
    );

    let dop = fixture("track_with_dilution_errors.gpx");
    let dops = |w: &Waypoint| (w.hdop, w.vdop, w.pdop);
    assert_eq!(dops(&dop.waypoints[0]), (Some(100.1), Some(101.1), Some(102.1)));
    assert_eq!(
        dops(&dop.routes[0].points[0]),
        (Some(200.1), Some(201.1), Some(202.1))
    );
    assert_eq!(
        dops(&dop.tracks[0].segments[0][0]),
        (Some(300.1), Some(301.1), Some(302.1))
    );

    let unicode = fixture("unicode.gpx");
    assert_eq!(unicode.waypoints[0].name.as_deref(), Some("šđčćž"));
    assert_eq!(unicode.waypoints[0].comment.as_deref(), Some("ŠĐČĆŽ"));
}

/// An independent geodesic: Vincenty's inverse formula on WGS-84 (T. Vincenty, "Direct and
/// inverse solutions of geodesics on the ellipsoid", Survey Review 1975), written here from the
/// paper's equations, not from geo's Karney implementation that `track_stats` uses.
fn vincenty_m(a: Position, b: Position) -> f64 {
    let (major, f) = (6_378_137.0_f64, 1.0 / 298.257_223_563);
    let minor = major * (1.0 - f);
    let l = (b.lon - a.lon).to_radians();
    let u1 = ((1.0 - f) * a.lat.to_radians().tan()).atan();
    let u2 = ((1.0 - f) * b.lat.to_radians().tan()).atan();
    let (sin_u1, cos_u1, sin_u2, cos_u2) = (u1.sin(), u1.cos(), u2.sin(), u2.cos());
    let mut lambda = l;
    for _ in 0..200 {
        let (sin_l, cos_l) = (lambda.sin(), lambda.cos());
        let sin_sigma =
            ((cos_u2 * sin_l).powi(2) + (cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_l).powi(2)).sqrt();
        if sin_sigma == 0.0 {
            return 0.0;
        }
        let cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_l;
        let sigma = sin_sigma.atan2(cos_sigma);
        let sin_alpha = cos_u1 * cos_u2 * sin_l / sin_sigma;
        let cos2_alpha = 1.0 - sin_alpha * sin_alpha;
        let cos_2sm = if cos2_alpha == 0.0 {
            0.0
        } else {
            cos_sigma - 2.0 * sin_u1 * sin_u2 / cos2_alpha
        };
        let c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha));
        let previous = lambda;
        lambda = l
            + (1.0 - c)
                * f
                * sin_alpha
                * (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
        if (lambda - previous).abs() < 1e-13 {
            let u_sq = cos2_alpha * (major * major - minor * minor) / (minor * minor);
            let big_a = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)));
            let big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)));
            let delta_sigma = big_b
                * sin_sigma
                * (cos_2sm
                    + big_b / 4.0
                        * (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                            - big_b / 6.0
                                * cos_2sm
                                * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                                * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
            return minor * big_a * (sigma - delta_sigma);
        }
    }
    panic!("Vincenty did not converge for {a:?} {b:?}");
}

/// Independent figures for the lake track, per segment summed as GPX tools do (the gaps
/// between the eight logs are not travelled):
/// - Vincenty's inverse formula written in this test (above): must agree to 1e-6.
/// - gpxpy 1.6.2, run once by hand:
///   `python3 -m venv /tmp/gpxvenv && /tmp/gpxvenv/bin/pip install gpxpy` then
///   `/tmp/gpxvenv/bin/python -c "import gpxpy; g = gpxpy.parse(open('cerknicko-jezero.gpx'));
///   print(g.length_2d(), g.get_duration())"` printed `4580.1370099275755 4239.0`. gpxpy's
///   length is on its own spherical approximation, so the bound there is the 0.5 %.
#[test]
fn lake_track_length_and_duration_match_independent_computations() {
    let lake = fixture("cerknicko-jezero.gpx");
    let segments = lake.track_segments().expect("timed points");
    let mut length_m = 0.0;
    let mut duration_s = 0.0;
    let mut vincenty_length_m = 0.0;
    for segment in &segments {
        let stats = track_stats(segment);
        length_m += stats.length_m;
        duration_s += stats.duration_s;
        vincenty_length_m += segment
            .windows(2)
            .map(|w| vincenty_m(w[0].position(), w[1].position()))
            .sum::<f64>();
    }
    assert!(
        (length_m - vincenty_length_m).abs() / vincenty_length_m < 1e-6,
        "{length_m} vs {vincenty_length_m}"
    );
    assert!(
        (length_m - 4580.137).abs() / 4580.137 < 0.005,
        "{length_m} vs gpxpy 4580.137"
    );
    assert_eq!(duration_s, 4239.0);
}

#[test]
fn the_drive_is_impossible_for_walking_but_fine_for_a_car() {
    let drive = fixture("around-visnjan-with-car.gpx");
    let fixes: Vec<TrackPoint> = drive.track_segments().expect("timed points").concat();
    assert_eq!(fixes.len(), 104);

    let as_walk = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Walking));
    assert_eq!(as_walk.points.len(), 104, "fast travel is kept, not cleaned away");
    assert!(as_walk.over_speed_s() > 60.0, "{:?}", as_walk.over_speed);
    let as_car = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Car));
    assert_eq!((as_car.points.len(), as_car.over_speed.len()), (104, 0));

    // The fixes came from a file, so mock_location fires in both; the speed flag only for walking.
    let flags = |mode| check_plausibility(&fixes, &[], &PlausibilityRules::for_mode(mode));
    assert!(
        flags(TravelMode::Walking)
            .iter()
            .any(|f| f.code == FlagCode::SpeedAboveMode)
    );
    assert!(
        flags(TravelMode::Car)
            .iter()
            .all(|f| f.code != FlagCode::SpeedAboveMode)
    );
}

#[test]
fn export_then_import_gives_back_the_same_fixes_and_waypoints() {
    let lake = fixture("cerknicko-jezero.gpx");
    let mut fixes = lake.track_segments().expect("timed points").concat();
    // Sub-second times must survive too.
    fixes[3].t = UnixMs(fixes[3].t.0 + 250);
    let mut marker = Waypoint::at(Position::new(114.1012345678, 30.6512345678));
    marker.name = Some("排污口 3 号".into());
    marker.description = Some("疑似偷排".into());
    marker.time = Some(UnixMs(1_778_544_123_456));
    marker.elevation_m = Some(21.5);
    let text = write_gpx("巡河 2026-05-12", &fixes, std::slice::from_ref(&marker)).expect("writes");
    assert!(text.contains("version=\"1.1\""));

    let back = read_gpx(text.as_bytes()).expect("reads its own output");
    assert_eq!(back.version, GpxVersion::V1_1);
    assert_eq!(back.tracks[0].name.as_deref(), Some("巡河 2026-05-12"));
    let again = back.track_segments().expect("timed points").concat();
    assert_eq!(again.len(), fixes.len());
    for (a, b) in fixes.iter().zip(&again) {
        assert_eq!(
            (a.t, a.lon, a.lat, a.altitude_m),
            (b.t, b.lon, b.lat, b.altitude_m)
        );
    }
    assert_eq!(back.waypoints, vec![marker]);
}

#[test]
fn broken_files_give_a_clear_error_not_a_panic() {
    for bad in [
        &b"not xml at all"[..],
        b"<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg><trkpt lat=\"abc\" lon=\"1\"/></trkseg></trk></gpx>",
        b"<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><wpt lat=\"95\" lon=\"1\"></wpt></gpx>",
        b"<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg>",
        b"<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><wpt lat=\"NaN\" lon=\"1\"></wpt></gpx>",
        b"",
    ] {
        assert!(matches!(read_gpx(bad), Err(GpxError::Unreadable(_))), "{}", String::from_utf8_lossy(bad));
    }
}
