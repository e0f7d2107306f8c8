//! Track cleaning, statistics, simplification, reach coverage and the on-site check.

#[path = "support/synthetic.rs"]
mod synthetic;

use xuncha_domain::geo::clean::DropReason;
use xuncha_domain::geo::frame::LocalFrame;
use xuncha_domain::geo::onsite::DEFAULT_ON_SITE_RADIUS_M;
use xuncha_domain::geo::*;
use xuncha_domain::{Position, TrackPoint, UnixMs};

const T0: UnixMs = UnixMs(1_778_544_000_000);

/// A straight walk due east along 30.65° N at `speed_mps`, one fix a second.
fn walk_east(n: usize, speed_mps: f64) -> Vec<TrackPoint> {
    let frame = LocalFrame::at(Position::new(114.10, 30.65));
    (0..n)
        .map(|k| {
            let p = frame.to_position(frame::Metric {
                east_m: k as f64 * speed_mps,
                north_m: 0.0,
            });
            let mut fix = TrackPoint::at(T0.plus_ms(k as i64 * 1_000), p.lon, p.lat);
            fix.accuracy_m = Some(4.0);
            fix
        })
        .collect()
}

#[test]
fn cleaning_finds_exactly_the_planted_faults_of_an_eight_hour_patrol() {
    let line = synthetic::reach();
    let patrol = synthetic::patrol(&line, 7);
    let cleaned = clean_track(&patrol.points, &CleaningRules::for_mode(TravelMode::Walking));
    let dropped_for = |reason| {
        let mut v: Vec<usize> = cleaned
            .dropped
            .iter()
            .filter(|d| d.reason == reason)
            .map(|d| d.index)
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(dropped_for(DropReason::ImpossibleSpeed), patrol.jumps);
    assert_eq!(dropped_for(DropReason::PoorAccuracy), patrol.poor);
    assert_eq!(dropped_for(DropReason::DuplicateTime), patrol.duplicates);
    assert_eq!(cleaned.counts.impossible_speed, 8);
    assert_eq!(cleaned.counts.poor_accuracy, 8);
    assert_eq!(cleaned.counts.duplicate_time, 8);
    assert_eq!(cleaned.counts.total() + cleaned.points.len(), patrol.points.len());
    assert!(cleaned.over_speed.is_empty(), "{:?}", cleaned.over_speed);
    assert!(cleaned.points.windows(2).all(|w| w[0].t < w[1].t));
}

#[test]
fn cleaning_reports_every_dropped_fix_with_its_input_index_and_time_orders_the_rest() {
    let mut fixes = walk_east(10, 1.2);
    fixes.swap(3, 4);
    fixes[6].lat = f64::NAN;
    fixes[8].accuracy_m = Some(65.0);
    let mut again = fixes[2];
    again.lon += 0.000_01;
    fixes.push(again);
    let cleaned = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Walking));
    let reasons: Vec<(usize, DropReason)> = cleaned.dropped.iter().map(|d| (d.index, d.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (10, DropReason::DuplicateTime),
            (6, DropReason::InvalidCoordinates),
            (8, DropReason::PoorAccuracy)
        ]
    );
    assert_eq!(cleaned.kept_indices, vec![0, 1, 2, 4, 3, 5, 7, 9]);
}

#[test]
fn a_car_speed_walk_is_kept_and_reported_as_over_speed_not_cleaned_away() {
    let fixes = walk_east(300, 15.0);
    let walking = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Walking));
    assert_eq!(walking.points.len(), 300);
    assert_eq!(walking.counts.total(), 0);
    assert_eq!(walking.over_speed.len(), 1);
    assert!((walking.over_speed_s() - 299.0).abs() < 1e-9);
    assert!((walking.over_speed[0].mean_speed_mps - 15.0).abs() < 0.1);
    let car = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Car));
    assert!(car.over_speed.is_empty() && car.counts.total() == 0);
}

#[test]
fn a_jump_at_the_very_first_fix_is_dropped() {
    let mut fixes = walk_east(20, 1.0);
    fixes[0].lat += 0.003; // 330 m north
    let cleaned = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Walking));
    assert_eq!(cleaned.dropped.len(), 1);
    assert_eq!(
        (cleaned.dropped[0].index, cleaned.dropped[0].reason),
        (0, DropReason::ImpossibleSpeed)
    );
}

#[test]
fn a_jump_of_several_fixes_together_is_dropped_whole() {
    let mut fixes = walk_east(40, 1.2);
    for f in &mut fixes[20..23] {
        f.lat -= 0.002; // 220 m south for three seconds
    }
    let cleaned = clean_track(&fixes, &CleaningRules::for_mode(TravelMode::Walking));
    let dropped: Vec<usize> = cleaned.dropped.iter().map(|d| d.index).collect();
    assert_eq!(dropped, vec![20, 21, 22]);
    assert_eq!(cleaned.counts.impossible_speed, 3);
}

#[test]
fn statistics_of_a_straight_walk_with_a_stop() {
    let mut fixes = walk_east(601, 1.25);
    // Stand still for the last 100 s.
    let stop = fixes[500];
    for f in &mut fixes[501..] {
        f.lon = stop.lon;
        f.lat = stop.lat;
    }
    let stats = track_stats(&fixes);
    assert_eq!(stats.point_count, 601);
    assert!((stats.length_m - 625.0).abs() < 0.1, "{}", stats.length_m);
    assert_eq!(stats.duration_s, 600.0);
    assert_eq!(stats.moving_time_s, 500.0);
    assert!((stats.average_speed_mps.unwrap_or(0.0) - 625.0 / 600.0).abs() < 1e-3);
    assert!((stats.moving_speed_mps.unwrap_or(0.0) - 1.25).abs() < 1e-3);
    let bbox = stats.bbox.expect("a track with fixes has a bounding box");
    assert_eq!((bbox.min_lon, bbox.max_lon), (fixes[0].lon, stop.lon));
    assert_eq!((bbox.min_lat, bbox.max_lat), (30.65, 30.65));
    let empty = track_stats(&[]);
    assert_eq!(
        (empty.length_m, empty.bbox, empty.average_speed_mps),
        (0.0, None, None)
    );
}

#[test]
fn synthetic_reach_is_22_663_km_long() {
    let line = synthetic::reach();
    let mut length_m = 0.0;
    for w in line.windows(2) {
        length_m += geodesic_distance_m(w[0], w[1]);
    }
    assert!((length_m - 22_663.0).abs() < 0.01, "{length_m}");
}

/// A zig-zag whose teeth are 8 m east–west: a 10 m tolerance flattens them, a 5 m tolerance
/// keeps them; the same teeth north–south behave the same, because the tolerance is metres,
/// not degrees.
#[test]
fn simplification_tolerance_is_in_metres_in_every_direction() {
    let frame = LocalFrame::at(Position::new(114.10, 30.65));
    let teeth = |east: bool| -> Vec<TrackPoint> {
        (0..50)
            .map(|k| {
                let along = k as f64 * 20.0;
                let side = if k % 2 == 0 { 0.0 } else { 8.0 };
                let (east_m, north_m) = if east { (side, along) } else { (along, side) };
                let p = frame.to_position(frame::Metric { east_m, north_m });
                TrackPoint::at(T0.plus_ms(k * 1_000), p.lon, p.lat)
            })
            .collect()
    };
    for east in [true, false] {
        let track = teeth(east);
        assert_eq!(simplify_track_indices(&track, 10.0), vec![0, 49]);
        assert_eq!(simplify_track_indices(&track, 5.0).len(), 50);
    }
}

#[test]
fn simplified_patrol_stays_within_tolerance_of_every_dropped_fix() {
    let line = synthetic::reach();
    let patrol = synthetic::patrol(&line, 11);
    let cleaned = clean_track(&patrol.points, &CleaningRules::for_mode(TravelMode::Walking));
    let track = &cleaned.points[..3_600];
    let kept = simplify_track_indices(track, 5.0);
    assert!(
        kept.len() < track.len() / 5,
        "kept {} of {}",
        kept.len(),
        track.len()
    );
    let frame = LocalFrame::centred_on(track.iter().map(TrackPoint::position)).expect("fixes");
    for w in kept.windows(2) {
        let (a, b) = (
            frame.to_metric(track[w[0]].position()),
            frame.to_metric(track[w[1]].position()),
        );
        for fix in &track[w[0]..w[1]] {
            let d = frame.to_metric(fix.position()).distance_to_segment_m(a, b);
            assert!(d <= 5.0 + 1e-6, "{d}");
        }
    }
}

#[test]
fn coverage_of_the_synthetic_patrol_misses_exactly_the_detour() {
    let line = synthetic::reach();
    let patrol = synthetic::patrol(&line, 7);
    let cleaned = clean_track(&patrol.points, &CleaningRules::for_mode(TravelMode::Walking));
    let reach = ReachIndex::new(&line, ReachIndex::DEFAULT_PIECE_M).expect("a valid reach");
    assert!((reach.length_m() - 22_663.0).abs() < 0.01);
    let coverage = reach.coverage(&cleaned.points, &CoverageRules::default());
    // The bank path is 250 m out between 15.2 and 16.8 km, ramping out at 230 m per 200 m.
    // A point of the reach is still within 50 m of the slanting ramp while its own offset
    // there is below 50 m * sqrt(1 + 1.15²) = 76 m: up to about 15.049 km, and from 16.951 km.
    assert_eq!(coverage.uncovered.len(), 1, "{:?}", coverage.uncovered);
    let gap = coverage.uncovered[0];
    assert!(
        (gap.from_m - 15_049.0).abs() < 15.0 && (gap.to_m - 16_951.0).abs() < 15.0,
        "{gap:?}"
    );
    let expected = (22_663.0 - (gap.to_m - gap.from_m)) / 22_663.0;
    assert!((coverage.fraction - expected).abs() < 1e-9);
    assert!((coverage.fraction - 0.916).abs() < 0.002, "{}", coverage.fraction);
}

#[test]
fn coverage_counts_half_a_reach_walked_and_nothing_for_a_track_elsewhere() {
    let frame = LocalFrame::at(Position::new(114.10, 30.65));
    let line: Vec<Position> = (0..=10)
        .map(|k| {
            frame.to_position(frame::Metric {
                east_m: k as f64 * 100.0,
                north_m: 0.0,
            })
        })
        .collect();
    let reach = ReachIndex::new(&line, 10.0).expect("a valid reach");
    assert_eq!(reach.piece_count(), 100);
    // Fixes every 50 m, 30 m north of the line, over its first 500 m: joined into a line.
    let fixes: Vec<TrackPoint> = (0..=10)
        .map(|k| {
            let p = frame.to_position(frame::Metric {
                east_m: k as f64 * 50.0,
                north_m: 30.0,
            });
            TrackPoint::at(T0.plus_ms(k * 40_000), p.lon, p.lat)
        })
        .collect();
    let rules = CoverageRules {
        buffer_m: 40.0,
        max_join_m: 100.0,
    };
    let half = reach.coverage(&fixes, &rules);
    // 40 m from a fix 30 m off the line reaches 26.5 m along it past the last fix, at 526.5 m:
    // the pieces whose midpoints are within, 0..530 m, count.
    assert!(
        (half.covered_length_m - 530.0).abs() < 0.01,
        "{}",
        half.covered_length_m
    );
    // Too far off the line: nothing.
    let far: Vec<TrackPoint> = fixes
        .iter()
        .map(|f| TrackPoint {
            lat: f.lat + 0.001,
            ..*f
        })
        .collect();
    assert_eq!(reach.coverage(&far, &rules).fraction, 0.0);
    // Fixes 500 m apart are not joined: only the pieces near each fix count (midpoints within
    // 26.5 m along: 0..30 m and 470..530 m).
    let sparse = [fixes[0], fixes[10]];
    let covered = reach.coverage(&sparse, &rules).covered_length_m;
    assert!((covered - 90.0).abs() < 0.01, "{covered}");
    assert!(ReachIndex::new(&line[..1], 10.0).is_err());
}

#[test]
fn on_site_check_measures_the_distance_to_the_registered_location() {
    let site = Position::new(114.10, 30.65);
    let near = Position::new(114.1010, 30.6505); // about 110 m
    let check = check_on_site(near, Some(8.0), site, DEFAULT_ON_SITE_RADIUS_M);
    assert!(
        check.on_site && (check.distance_m - 110.0).abs() < 5.0,
        "{check:?}"
    );
    let far = Position::new(114.1100, 30.6500); // about 958 m east
    let check = check_on_site(far, Some(8.0), site, DEFAULT_ON_SITE_RADIUS_M);
    assert!(
        !check.on_site && (check.distance_m - 958.0).abs() < 2.0,
        "{check:?}"
    );
    assert!(check.label_zh.contains("超出"));
}
