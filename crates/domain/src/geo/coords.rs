//! Chinese map datums. Maps published in China do not show WGS-84: 高德 (AMap), 腾讯 and most
//! Chinese services use GCJ-02 (国测局坐标, "Mars coordinates"), a deliberately non-linear shift
//! of 100–700 m; 百度 adds a further shift on top of that, BD-09. A fix or a site recorded in
//! one must be converted before it is compared with a GPS track, or it will look hundreds of
//! metres off. This module converts between the three; it never guesses which datum a
//! coordinate is in — the caller says.
//!
//! The forward GCJ-02 shift is the publicly known formula (Krasovsky 1940 ellipsoid terms and a
//! trigonometric series about (105° E, 35° N)); it has no closed-form inverse, so GCJ-02 → WGS-84
//! iterates the forward shift until the residue is below 1e-9° (about 0.1 mm). BD-09 ⇄ GCJ-02
//! is a small rotation and scaling about the origin plus a constant offset; its inverse is also
//! refined by iteration to the same residue.
//!
//! Points outside the rough bounding box of China (lon 72.004..137.8347, lat 0.8293..55.8271,
//! the box the published implementations use) are not shifted by any of these conversions: the
//! Chinese services show WGS-84 there.

use crate::position::Position;
use std::f64::consts::PI;

/// Semi-major axis and first eccentricity squared of the Krasovsky 1940 ellipsoid, as the
/// GCJ-02 formula uses them (published as 0.00669342162296594323; this is the same f64).
const KRASOVSKY_A_M: f64 = 6_378_245.0;
const KRASOVSKY_E2: f64 = 0.006_693_421_622_965_943;
const BD_X_PI: f64 = PI * 3000.0 / 180.0;
/// Residue at which the iterative inverses stop: 1e-9° is 0.1 mm, far below what any caller
/// can see, and reached in a handful of steps because the shifts change slowly with position.
const INVERSE_RESIDUE_DEG: f64 = 1e-9;
const INVERSE_MAX_STEPS: usize = 30;

/// Whether the Chinese datum shifts apply at `p` (the rough bounding box of China).
pub fn shifted_in_china(p: Position) -> bool {
    (72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 → GCJ-02.
pub fn wgs84_to_gcj02(p: Position) -> Position {
    if !shifted_in_china(p) {
        return p;
    }
    let (x, y) = (p.lon - 105.0, p.lat - 35.0);
    let phi = p.lat / 180.0 * PI;
    let w2 = 1.0 - KRASOVSKY_E2 * phi.sin() * phi.sin();
    let w = w2.sqrt();
    let dlat = shift_lat(x, y) * 180.0 / ((KRASOVSKY_A_M * (1.0 - KRASOVSKY_E2)) / (w2 * w) * PI);
    let dlon = shift_lon(x, y) * 180.0 / (KRASOVSKY_A_M / w * phi.cos() * PI);
    Position::new(p.lon + dlon, p.lat + dlat)
}

/// Inverts a near-identity `forward` map by fixed-point iteration: guess ← guess − (forward(guess)
/// − target). The shifts' derivatives are tiny (metres per kilometre), so each step gains
/// several digits.
fn invert(target: Position, start: Position, forward: impl Fn(Position) -> Position) -> Position {
    let mut guess = start;
    for _ in 0..INVERSE_MAX_STEPS {
        let image = forward(guess);
        let (dlon, dlat) = (image.lon - target.lon, image.lat - target.lat);
        guess = Position::new(guess.lon - dlon, guess.lat - dlat);
        if dlon.abs() < INVERSE_RESIDUE_DEG && dlat.abs() < INVERSE_RESIDUE_DEG {
            break;
        }
    }
    guess
}

/// GCJ-02 → WGS-84, iterated until `wgs84_to_gcj02` of the result is within 1e-9° of `p`.
pub fn gcj02_to_wgs84(p: Position) -> Position {
    if !shifted_in_china(p) {
        return p;
    }
    invert(p, p, wgs84_to_gcj02)
}

/// GCJ-02 → BD-09.
pub fn gcj02_to_bd09(p: Position) -> Position {
    if !shifted_in_china(p) {
        return p;
    }
    let (x, y) = (p.lon, p.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * BD_X_PI).cos();
    Position::new(z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 → GCJ-02: the published closed-form approximation, refined by iteration until
/// `gcj02_to_bd09` of the result is within 1e-9° of `p`.
pub fn bd09_to_gcj02(p: Position) -> Position {
    if !shifted_in_china(p) {
        return p;
    }
    let (x, y) = (p.lon - 0.0065, p.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_X_PI).cos();
    invert(p, Position::new(z * theta.cos(), z * theta.sin()), gcj02_to_bd09)
}

/// WGS-84 → BD-09 (through GCJ-02).
pub fn wgs84_to_bd09(p: Position) -> Position {
    gcj02_to_bd09(wgs84_to_gcj02(p))
}

/// BD-09 → WGS-84 (through GCJ-02).
pub fn bd09_to_wgs84(p: Position) -> Position {
    gcj02_to_wgs84(bd09_to_gcj02(p))
}
