//! Geo maths for patrol tracks and places: cleaning GPS fixes, track statistics and
//! simplification, coverage of an assigned river reach, plausibility flags, the on-site distance
//! check and the Chinese map datums (GCJ-02, BD-09). Pure functions on the `geo` crate: no I/O,
//! no clock, and nothing here ever drops or alters a fix silently — every fix a function leaves
//! out is reported with its reason.
//!
//! Coordinates are WGS-84 degrees throughout (`Position`, `TrackPoint`), `(lon, lat)` in `geo`
//! types. Distances that are reported (lengths, on-site distances) are geodesic on the WGS-84
//! ellipsoid (Karney's algorithm via `geo::Geodesic`); short-range work where only metre-level
//! accuracy matters (implied speeds, buffers, simplification tolerances) uses a local metric
//! frame or the haversine formula, each saying why where it does.
//!
//! **CGCS2000.** China's official datum (国家2000大地坐标系) is treated as identical to WGS-84.
//! Its ellipsoid shares WGS-84's semi-major axis and differs only in flattening
//! (1/298.257222101 vs 1/298.257223563), which moves a point by about 0.1 mm; both frames are
//! tied to the ITRF and agreed to a few centimetres at CGCS2000's epoch 2000.0. Since then they
//! drift apart with plate motion (CGCS2000 stays at epoch 2000.0, WGS-84's realisations follow
//! the current epoch), about 3 cm a year in China, so by the 2020s a point differs by up to
//! about a metre — below a phone's GPS accuracy of 3–10 m, and negligible beside the
//! hundreds of metres of GCJ-02. So a CGCS2000 coordinate from a government map service
//! (天地图) or a surveyed site is used as WGS-84 without conversion; work that needs better than
//! a metre is not what this module is for. GCJ-02 (高德, 腾讯) and BD-09 (百度) are different:
//! they are deliberately shifted by hundreds of metres and must be converted with [`coords`].

pub mod clean;
pub mod coords;
pub mod coverage;
pub mod frame;
pub mod onsite;
pub mod plausibility;
pub mod simplify;
pub mod stats;

pub use clean::{CleanedTrack, CleaningRules, DropReason, TravelMode, clean_track};
pub use coverage::{Coverage, CoverageRules, ReachIndex};
pub use onsite::{OnSiteCheck, check_on_site};
pub use plausibility::{
    FindingPhoto, FindingPhotoRules, FlagCode, FlagScope, PhotoFix, PlausibilityFlag, PlausibilityRules,
    check_finding, check_finding_photos, check_plausibility,
};
pub use simplify::{simplify_track, simplify_track_indices};
pub use stats::{BoundingBox, TrackStats, track_stats};

use crate::position::{Position, TrackPoint};
use geo::{Distance, Geodesic, Haversine, Point};

/// The geodesic distance between two WGS-84 positions, in metres (accurate to nanometres).
pub fn geodesic_distance_m(a: Position, b: Position) -> f64 {
    Geodesic.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

/// The great-circle distance on the mean-radius sphere, in metres: within 0.5 % of the geodesic
/// and several times cheaper, for thresholds (speeds, jumps) where that error does not matter.
pub fn haversine_distance_m(a: Position, b: Position) -> f64 {
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

fn fix_distance_m(a: &TrackPoint, b: &TrackPoint) -> f64 {
    haversine_distance_m(a.position(), b.position())
}

/// The recorded segments of a time-ordered track: a new one starts at every fix with
/// `gap_before`. An empty track has none.
pub fn segments(points: &[TrackPoint]) -> impl Iterator<Item = &[TrackPoint]> {
    let mut rest = points;
    std::iter::from_fn(move || {
        let (_, tail) = rest.split_first()?;
        let end = 1 + tail.iter().position(|p| p.gap_before).unwrap_or(tail.len());
        let (segment, after) = rest.split_at(end);
        rest = after;
        Some(segment)
    })
}

/// Indices of `points` in time order (stable, so equal times keep their recorded order).
fn time_order(points: &[TrackPoint]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&i| points[i].t);
    order
}
