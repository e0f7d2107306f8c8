//! Statistics, cleaning and reach coverage of an 8-hour 1 Hz patrol (28,800 fixes, generated
//! with realistic GPS noise along a synthetic 22.663 km reach near 30.65° N, 114.10° E).
//! Run: `cargo bench -p xuncha-domain --bench track`.

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use xuncha_domain::geo::frame::{LocalFrame, Metric};
use xuncha_domain::geo::*;
use xuncha_domain::{Position, TrackPoint};

/// The same question answered without a spatial index, to show what the R-tree buys: every
/// track segment against every 10 m piece midpoint. Covered length in metres.
fn coverage_without_index(line: &[Position], track: &[TrackPoint], buffer_m: f64) -> f64 {
    let Some(frame) = LocalFrame::centred_on(line.iter().copied()) else {
        return 0.0;
    };
    let mut midpoints: Vec<(Metric, f64)> = Vec::new();
    for w in line.windows(2) {
        let seg_m = geodesic_distance_m(w[0], w[1]);
        let n = (seg_m / 10.0).ceil().max(1.0) as usize;
        for k in 0..n {
            let s = (k as f64 + 0.5) / n as f64;
            let mid = Position::new(
                w[0].lon + s * (w[1].lon - w[0].lon),
                w[0].lat + s * (w[1].lat - w[0].lat),
            );
            midpoints.push((frame.to_metric(mid), seg_m / n as f64));
        }
    }
    let fixes: Vec<Metric> = track.iter().map(|p| frame.to_metric(p.position())).collect();
    midpoints
        .iter()
        .filter(|(m, _)| {
            fixes
                .windows(2)
                .any(|f| m.distance_to_segment_m(f[0], f[1]) <= buffer_m)
        })
        .map(|(_, len)| len)
        .sum()
}

fn track(c: &mut Criterion) {
    let line = synthetic::reach();
    let patrol = synthetic::patrol(&line, 7);
    let rules = CleaningRules::for_mode(TravelMode::Walking);
    let cleaned = clean_track(&patrol.points, &rules);
    let reach = ReachIndex::new(&line, ReachIndex::DEFAULT_PIECE_M).expect("a valid reach");
    let coverage_rules = CoverageRules::default();
    let coverage = reach.coverage(&cleaned.points, &coverage_rules);
    let stats = track_stats(&cleaned.points);
    println!(
        "input: {} fixes, reach {:.3} km in {} pieces; cleaned: {} kept, dropped {:?}; \
         length {:.3} km, moving {:.0} s; coverage {:.2} % within {} m; simplified (5 m): {} fixes",
        patrol.points.len(),
        reach.length_m() / 1000.0,
        reach.piece_count(),
        cleaned.points.len(),
        cleaned.counts,
        stats.length_m / 1000.0,
        stats.moving_time_s,
        coverage.fraction * 100.0,
        coverage_rules.buffer_m,
        simplify_track_indices(&cleaned.points, 5.0).len(),
    );

    let mut group = c.benchmark_group("patrol_8h_1hz");
    group.sample_size(20);
    group.bench_function("track_stats (geodesic)", |b| {
        b.iter(|| track_stats(black_box(&cleaned.points)))
    });
    group.bench_function("clean_track", |b| {
        b.iter(|| clean_track(black_box(&patrol.points), &rules))
    });
    group.bench_function("reach_index_build", |b| {
        b.iter(|| ReachIndex::new(black_box(&line), ReachIndex::DEFAULT_PIECE_M))
    });
    group.bench_function("coverage (index built)", |b| {
        b.iter(|| reach.coverage(black_box(&cleaned.points), &coverage_rules))
    });
    group.bench_function("coverage (incl. index build)", |b| {
        b.iter(|| {
            ReachIndex::new(black_box(&line), ReachIndex::DEFAULT_PIECE_M)
                .map(|r| r.coverage(black_box(&cleaned.points), &coverage_rules))
        })
    });
    println!(
        "coverage without an index: {:.2} % (the R-tree's answer: {:.2} %)",
        coverage_without_index(&line, &cleaned.points, coverage_rules.buffer_m) / reach.length_m() * 100.0,
        coverage.fraction * 100.0
    );
    group.bench_function("coverage without index (all pairs)", |b| {
        b.iter(|| {
            coverage_without_index(
                black_box(&line),
                black_box(&cleaned.points),
                coverage_rules.buffer_m,
            )
        })
    });
    group.bench_function("simplify_track (5 m)", |b| {
        b.iter(|| simplify_track_indices(black_box(&cleaned.points), 5.0))
    });
    let plausibility_rules = PlausibilityRules::for_mode(TravelMode::Walking);
    group.bench_function("check_plausibility", |b| {
        b.iter(|| check_plausibility(black_box(&patrol.points), &[], &plausibility_rules))
    });
    group.finish();
}

criterion_group!(benches, track);
criterion_main!(benches);
