//! Statistics, cleaning and reach coverage of an 8-hour 1 Hz patrol (28,800 fixes, generated
//! with realistic GPS noise along a synthetic 22.663 km reach near 30.65° N, 114.10° E).
//! Run: `cargo bench -p xuncha-domain --bench track`.

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use xuncha_domain::geo::*;

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
