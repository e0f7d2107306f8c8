//! A track is recorded segments with gaps between them (signal lost, the receiver paused, a
//! new GPX segment). Properties over random segmented tracks: the figures of the whole are the
//! sums of the figures of its segments, and no gap — however long, however far its ends are
//! apart — ever adds distance, moving time or recorded time; cleaning keeps the gaps.

use proptest::prelude::*;
use xuncha_domain::geo::stats::STOPPED_BELOW_MPS;
use xuncha_domain::geo::*;
use xuncha_domain::{TrackPoint, UnixMs};

const T0: i64 = 1_778_544_000_000;

/// One segment as generated: its steps (seconds since the last fix, metres east, metres
/// north), and where it starts relative to the end of the previous one.
#[derive(Clone, Debug)]
struct SegmentPlan {
    steps: Vec<(u16, f64, f64)>,
    gap_s: u32,
    jump_east_m: f64,
    jump_north_m: f64,
}

/// A step whose speed is not within 2 % of the stopped threshold: moving a segment changes a
/// step's geodesic length by up to a few tenths of a percent, which must not tip it from
/// stopped to moving (seen: 34.6 m in 69 s, 0.501 m/s).
fn step() -> impl Strategy<Value = (u16, f64, f64)> {
    (1u16..120, -30.0f64..30.0, -30.0f64..30.0)
        .prop_filter("speed at the stopped threshold", |&(dt_s, e, n)| {
            (e.hypot(n) / f64::from(dt_s) / STOPPED_BELOW_MPS - 1.0).abs() > 0.02
        })
}

fn segment_plan() -> impl Strategy<Value = SegmentPlan> {
    (
        prop::collection::vec(step(), 0..40),
        1u32..200_000,
        -200_000.0f64..200_000.0,
        -200_000.0f64..200_000.0,
    )
        .prop_map(|(steps, gap_s, jump_east_m, jump_north_m)| SegmentPlan {
            steps,
            gap_s,
            jump_east_m,
            jump_north_m,
        })
}

/// Metres to degrees near 30° N (accurate enough to place fixes; the figures are geodesic).
fn moved(p: &TrackPoint, dt_s: i64, east_m: f64, north_m: f64) -> TrackPoint {
    let lat = p.lat + north_m / 111_000.0;
    let lon = p.lon + east_m / (111_000.0 * p.lat.to_radians().cos());
    TrackPoint::at(UnixMs(p.t.0 + dt_s * 1000), lon, lat)
}

/// The segments of a plan, each a track of its own (its first fix without `gap_before`).
fn build(plans: &[SegmentPlan]) -> Vec<Vec<TrackPoint>> {
    let mut last = TrackPoint::at(UnixMs(T0), 114.1, 30.6);
    let mut segments = Vec::new();
    for plan in plans {
        let mut fix = moved(&last, i64::from(plan.gap_s), plan.jump_east_m, plan.jump_north_m);
        let mut segment = vec![fix];
        for &(dt_s, east_m, north_m) in &plan.steps {
            fix = moved(&fix, i64::from(dt_s), east_m, north_m);
            segment.push(fix);
        }
        last = fix;
        segments.push(segment);
    }
    segments
}

/// The segments joined into one track, a gap before each segment after the first.
fn joined(segments: &[Vec<TrackPoint>]) -> Vec<TrackPoint> {
    let mut track = Vec::new();
    for segment in segments {
        for (i, fix) in segment.iter().enumerate() {
            track.push(TrackPoint {
                gap_before: i == 0 && !track.is_empty(),
                ..*fix
            });
        }
    }
    track
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_tracks_figures_are_the_sums_of_its_segments(plans in prop::collection::vec(segment_plan(), 1..7)) {
        let segments = build(&plans);
        let whole = track_stats(&joined(&segments));
        let parts: Vec<TrackStats> = segments.iter().map(|s| track_stats(s)).collect();
        prop_assert!(close(whole.length_m, parts.iter().map(|s| s.length_m).sum()));
        prop_assert!(close(whole.moving_time_s, parts.iter().map(|s| s.moving_time_s).sum()));
        prop_assert!(close(whole.recorded_s, parts.iter().map(|s| s.duration_s).sum()));
        prop_assert_eq!(whole.segment_count, segments.len());
        prop_assert_eq!(whole.point_count, parts.iter().map(|s| s.point_count).sum::<usize>());
    }

    #[test]
    fn no_gap_ever_adds_distance_or_time(
        plans in prop::collection::vec(segment_plan(), 2..7),
        other_gaps in prop::collection::vec((1u32..5_000_000, -2_000_000.0f64..2_000_000.0, -900_000.0f64..900_000.0), 6),
    ) {
        // The same segments, with other gaps between them: longer, shorter, farther, nearer.
        let mut moved_plans = plans.clone();
        for (plan, &(gap_s, east_m, north_m)) in moved_plans.iter_mut().skip(1).zip(&other_gaps) {
            plan.gap_s = gap_s;
            plan.jump_east_m = east_m;
            plan.jump_north_m = north_m.clamp(-500_000.0, 500_000.0);
        }
        let a = track_stats(&joined(&build(&plans)));
        let b = track_stats(&joined(&build(&moved_plans)));
        // Segments moved as a whole keep their shape: lengths agree to the ellipsoid's change
        // of scale over the move (well under 1 % for these distances near 30° N).
        prop_assert!((a.length_m - b.length_m).abs() <= 0.01 * a.length_m.max(1.0), "{} vs {}", a.length_m, b.length_m);
        prop_assert!(close(a.recorded_s, b.recorded_s));
        // Moving time depends only on each step's own speed, which a move keeps within 1 %.
        prop_assert!((a.moving_time_s - b.moving_time_s).abs() <= 0.05 * a.recorded_s.max(1.0));
    }

    #[test]
    fn cleaning_keeps_the_gaps_and_never_measures_across_them(plans in prop::collection::vec(segment_plan(), 1..7)) {
        let segments = build(&plans);
        let track = joined(&segments);
        let raw = track_stats(&track);
        let cleaned = clean_track(&track, &CleaningRules::for_mode(TravelMode::Car));
        let clean = track_stats(&cleaned.points);
        prop_assert!(clean.length_m <= raw.length_m * (1.0 + 1e-9) + 1e-6, "{} > {}", clean.length_m, raw.length_m);
        prop_assert!(clean.recorded_s <= raw.recorded_s + 1e-9);
        // Steps of at most 42 m a second are within a car's speed: no fix is dropped, so every
        // gap is still there.
        prop_assert_eq!(cleaned.points.len(), track.len());
        prop_assert_eq!(clean.segment_count, segments.len());
        // Simplification keeps every segment's ends, so it keeps every gap too.
        let simple = simplify_track(&track, 5.0);
        prop_assert_eq!(simple.iter().filter(|p| p.gap_before).count(), segments.len() - 1);
    }
}

#[test]
fn a_fix_dropped_at_the_start_of_a_segment_passes_its_gap_on() {
    let a = TrackPoint::at(UnixMs(T0), 114.1, 30.6);
    let b = moved(&a, 10, 10.0, 0.0);
    // The next segment starts 10 min and 40 km later, with a first fix of hopeless accuracy.
    let mut c = moved(&b, 600, 40_000.0, 0.0);
    c.gap_before = true;
    c.accuracy_m = Some(500.0);
    let d = moved(&c, 10, 10.0, 0.0);
    let e = moved(&d, 10, 10.0, 0.0);
    let cleaned = clean_track(&[a, b, c, d, e], &CleaningRules::for_mode(TravelMode::Walking));
    assert_eq!(cleaned.counts.poor_accuracy, 1);
    assert_eq!(cleaned.points.len(), 4);
    assert!(cleaned.points[2].gap_before, "d starts the second segment now");
    let stats = track_stats(&cleaned.points);
    assert!(stats.length_m < 40.0, "{}", stats.length_m);
    assert_eq!(stats.recorded_s, 20.0);
    // The 40 km in 10 minutes to the next reach, driven with the receiver off, is not judged
    // as a walking speed: the first fix after the gap is kept.
    assert_eq!(cleaned.counts.impossible_speed, 0);
}
