//! The drawings a document carries, as SVG that typst embeds as vectors: the verification QR
//! code and a patrol's track over its reach.

use crate::Error;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use std::fmt::Write;
use xuncha_domain::Position;

/// `text` as a QR code (error correction M: a printed, folded, photographed page still reads).
pub fn qr_svg(text: &str) -> Result<String, Error> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Qr(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// A track map: the SVG and the length of its scale bar.
pub struct TrackMap {
    pub svg: String,
    /// e.g. "500 m", the scale bar's length.
    pub scale_label: String,
}

const W: f64 = 480.0;
const H: f64 = 270.0;
const PAD: f64 = 16.0;

/// The track (red) over the reach's centre line (blue), north up, on a local equirectangular
/// projection: exact enough at the scale of one patrol, and with no map tiles, so the drawing
/// is the same offline as at the office. `None` when there is nothing to draw.
pub fn track_map_svg(track: &[Position], reach: &[Position]) -> Option<TrackMap> {
    let all: Vec<&Position> = track
        .iter()
        .chain(reach)
        .filter(|p| p.lat.is_finite() && p.lon.is_finite())
        .collect();
    let first = all.first()?;
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let lat0 = all.iter().map(|p| p.lat).sum::<f64>() / all.len() as f64;
    let k = lat0.to_radians().cos();
    let metres = |p: &Position| {
        let x = (p.lon - first.lon).to_radians() * k * 6_371_008.8;
        let y = (p.lat - first.lat).to_radians() * 6_371_008.8;
        (x, y)
    };
    for p in &all {
        let (x, y) = metres(p);
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    // At least 200 m across, so a patrol that stood still is a dot in a place, not a blow-up.
    let scale = ((W - 2.0 * PAD) / (max_x - min_x).max(1.0))
        .min((H - 2.0 * PAD) / (max_y - min_y).max(1.0))
        .min((W - 2.0 * PAD) / 200.0);
    let cx = (min_x + max_x) / 2.0;
    let cy = (min_y + max_y) / 2.0;
    let to_px = |p: &Position| {
        let (x, y) = metres(p);
        (W / 2.0 + (x - cx) * scale, H / 2.0 - (y - cy) * scale)
    };
    let line = |pts: &[Position]| {
        let mut d = String::new();
        for (i, p) in pts
            .iter()
            .filter(|p| p.lat.is_finite() && p.lon.is_finite())
            .enumerate()
        {
            let (x, y) = to_px(p);
            let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
        }
        d
    };
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}"><rect width="{W}" height="{H}" fill="#f6f8f7" stroke="#9aa5a0" stroke-width="1"/>"##
    );
    if reach.len() >= 2 {
        let _ = write!(
            svg,
            r##"<path d="{}" fill="none" stroke="#4a90c8" stroke-opacity="0.45" stroke-width="9" stroke-linecap="round" stroke-linejoin="round"/>"##,
            line(reach)
        );
    }
    if track.len() >= 2 {
        let _ = write!(
            svg,
            r##"<path d="{}" fill="none" stroke="#c62828" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>"##,
            line(track)
        );
    }
    if let (Some(a), Some(b)) = (track.first(), track.last()) {
        let (ax, ay) = to_px(a);
        let (bx, by) = to_px(b);
        let _ = write!(
            svg,
            r##"<circle cx="{ax:.1}" cy="{ay:.1}" r="5" fill="#2e7d32" stroke="#fff" stroke-width="1.5"/><rect x="{:.1}" y="{:.1}" width="9" height="9" fill="#c62828" stroke="#fff" stroke-width="1.5"/>"##,
            bx - 4.5,
            by - 4.5
        );
    }
    // Scale bar: a round length near a fifth of the width; north arrow top right.
    let bar_m = nice((W / 5.0) / scale);
    let bar_px = bar_m * scale;
    let _ = write!(
        svg,
        r##"<path d="M{x0},{y} h{bar_px:.1} M{x0},{y0} v8 M{x1:.1},{y0} v8" stroke="#333" stroke-width="1.5"/><path d="M{nx},14 l6,16 l-6,-4 l-6,4 z" fill="#333"/></svg>"##,
        x0 = PAD,
        y = H - PAD,
        y0 = H - PAD - 4.0,
        x1 = PAD + bar_px,
        nx = W - PAD - 6.0,
    );
    let scale_label = if bar_m >= 1000.0 {
        format!("{} km", bar_m / 1000.0)
    } else {
        format!("{bar_m} m")
    };
    Some(TrackMap { svg, scale_label })
}

/// The largest 1, 2 or 5 × 10ⁿ not above `x`.
fn nice(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|v| *v <= x)
        .unwrap_or(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_lengths_are_round() {
        assert_eq!(nice(730.0), 500.0);
        assert_eq!(nice(199.0), 100.0);
        assert_eq!(nice(2_100.0), 2_000.0);
        assert_eq!(nice(0.0), 1.0);
    }

    #[test]
    fn a_track_is_drawn_inside_the_frame() {
        let track: Vec<Position> = (0..50)
            .map(|i| Position::new(120.0 + f64::from(i) * 1e-4, 30.0 + f64::from(i) * 5e-5))
            .collect();
        let m = track_map_svg(&track, &[]).expect("a map");
        let track_path = m.svg.split("<path d=\"").nth(1).expect("the track's path");
        let coords: Vec<f64> = track_path
            .split('"')
            .next()
            .unwrap_or_default()
            .split(['M', 'L', ' ', ','])
            .filter_map(|t| t.parse::<f64>().ok())
            .collect();
        assert_eq!(coords.len(), 100, "{}", m.svg);
        assert!(coords.iter().all(|c| (0.0..=W).contains(c)), "{}", m.svg);
        assert!(m.svg.contains("#c62828"));
        assert!(track_map_svg(&[], &[]).is_none());
    }
}
