//! WGS-84 ⇄ GCJ-02 ⇄ BD-09 against published test points.

use xuncha_domain::Position;
use xuncha_domain::geo::coords::*;

fn assert_close(got: Position, lon: f64, lat: f64, tol_deg: f64) {
    assert!(
        (got.lon - lon).abs() <= tol_deg && (got.lat - lat).abs() <= tol_deg,
        "got ({}, {}), expected ({lon}, {lat}) within {tol_deg}°",
        got.lon,
        got.lat
    );
}

/// Source: wandergis/coordtransform, test/app.js (the reference JavaScript implementation most
/// Chinese projects copy), which prints for the input (116.404, 39.915):
///   wgs84togcj02: [ 116.41024449916938, 39.91640428150164 ]
///   gcj02tobd09:  [ 116.41036949371029, 39.92133699351021 ]
///   bd09togcj02:  [ 116.39762729119315, 39.90865673957631 ]
///   gcj02towgs84: [ 116.39775550083061, 39.91359571849836 ]
/// Its two inverses are one-step approximations (off by up to ~1e-5°, a metre); ours iterate,
/// so they are compared more loosely and checked for exactness by the forward transform.
#[test]
fn forward_shifts_match_coordtransform_reference_to_1e_9_degrees() {
    let p = Position::new(116.404, 39.915);
    assert_close(wgs84_to_gcj02(p), 116.41024449916938, 39.91640428150164, 1e-9);
    assert_close(gcj02_to_bd09(p), 116.41036949371029, 39.92133699351021, 1e-9);
}

#[test]
fn inverse_shifts_agree_with_the_reference_approximations_and_are_exact() {
    let p = Position::new(116.404, 39.915);
    let wgs = gcj02_to_wgs84(p);
    assert_close(wgs, 116.39775550083061, 39.91359571849836, 2e-5);
    assert_close(wgs84_to_gcj02(wgs), p.lon, p.lat, 1e-8);
    let gcj = bd09_to_gcj02(p);
    assert_close(gcj, 116.39762729119315, 39.90865673957631, 2e-5);
    assert_close(gcj02_to_bd09(gcj), p.lon, p.lat, 1e-8);
}

/// Source: R package geoChina (caijun/geoChina), documentation of `wgs2gcj` / `gcj2wgs`:
/// "latitude/longitude coordinates of Beijing railway station WGS-84: (39.90105, 116.42079)
/// GCJ-02: (39.90245, 116.42703)" — published to 5 decimals and read off a map, so it agrees
/// with the formula (116.427022, 39.902446) to one unit of its last decimal (1e-5°, ~1 m).
#[test]
fn beijing_railway_station_matches_geochina_to_its_last_decimal() {
    let wgs = Position::new(116.42079, 39.90105);
    assert_close(wgs84_to_gcj02(wgs), 116.42703, 39.90245, 1e-5);
    assert_close(
        gcj02_to_wgs84(Position::new(116.42703, 39.90245)),
        116.42079,
        39.90105,
        1e-5,
    );
}

/// Source: Elixir package evil_transform 0.2.0, documentation of `EvilTransform.Convertor`:
/// `wgstogcj(31.280844, 120.596931)` (lat, lon, Suzhou) gives
/// "31.278648624428175, 120.60109998322247". That implementation arranges the same series
/// slightly differently and agrees to 7e-8° (7 mm), so the bound here is 1e-7°.
#[test]
fn suzhou_matches_evil_transform_reference() {
    let gcj = wgs84_to_gcj02(Position::new(120.596931, 31.280844));
    assert_close(gcj, 120.60109998322247, 31.278648624428175, 1e-7);
}

#[test]
fn gcj02_inverse_recovers_wgs84_to_a_millionth_of_a_degree_across_china() {
    let mut worst = 0.0_f64;
    for lon10 in (740..=1340).step_by(25) {
        for lat10 in (190..=530).step_by(20) {
            let wgs = Position::new(lon10 as f64 / 10.0 + 0.0123, lat10 as f64 / 10.0 + 0.0077);
            for back in [
                gcj02_to_wgs84(wgs84_to_gcj02(wgs)),
                bd09_to_wgs84(wgs84_to_bd09(wgs)),
            ] {
                worst = worst
                    .max((back.lon - wgs.lon).abs())
                    .max((back.lat - wgs.lat).abs());
            }
        }
    }
    assert!(worst < 1e-6, "worst round-trip error {worst}°");
}

#[test]
fn points_outside_china_pass_unchanged() {
    for p in [
        Position::new(14.3576, 45.7722),   // Cerknica, Slovenia
        Position::new(-122.4194, 37.7749), // San Francisco
        Position::new(139.6917, 35.6895),  // Tokyo: east of the box
        Position::new(103.8198, 0.5),      // south of the box
    ] {
        for f in [
            wgs84_to_gcj02,
            gcj02_to_wgs84,
            gcj02_to_bd09,
            bd09_to_gcj02,
            wgs84_to_bd09,
            bd09_to_wgs84,
        ] {
            assert_eq!(f(p), p);
        }
    }
}

#[test]
fn the_gcj02_shift_in_wuhan_is_hundreds_of_metres() {
    let wgs = Position::new(114.10, 30.65);
    let d = xuncha_domain::geo::geodesic_distance_m(wgs, wgs84_to_gcj02(wgs));
    assert!((100.0..700.0).contains(&d), "{d} m");
}
