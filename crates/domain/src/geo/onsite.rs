//! The on-site check of an inspection: how far the inspector's fix was from the site's
//! registered location, and whether that is close enough to count as on site. Both positions
//! must be WGS-84 (convert a GCJ-02 or BD-09 site location first, see `coords`).

use super::geodesic_distance_m;
use crate::position::Position;
use serde::{Deserialize, Serialize};

/// A site's registered point is its gate or its centre; an inspection anywhere on a large
/// enterprise's grounds is still on site.
pub const DEFAULT_ON_SITE_RADIUS_M: f64 = 200.0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnSiteCheck {
    pub distance_m: f64,
    pub radius_m: f64,
    /// The fix's own accuracy, given the benefit of the doubt.
    pub accuracy_m: Option<f64>,
    pub on_site: bool,
    pub label_zh: String,
}

/// Compares the inspection's fix (`at`, with its accuracy if known) with the site's registered
/// `location`. A fix counts as on site when it is within `radius_m` plus its own accuracy.
pub fn check_on_site(
    at: Position,
    accuracy_m: Option<f64>,
    location: Position,
    radius_m: f64,
) -> OnSiteCheck {
    let distance_m = geodesic_distance_m(at, location);
    let allowed_m = radius_m + accuracy_m.unwrap_or(0.0).max(0.0);
    let on_site = distance_m <= allowed_m;
    let label_zh = if on_site {
        format!("检查位置距登记地点 {distance_m:.0} 米，在 {radius_m:.0} 米范围内")
    } else {
        format!("检查位置距登记地点 {distance_m:.0} 米，超出 {radius_m:.0} 米范围，可能不在现场")
    };
    OnSiteCheck {
        distance_m,
        radius_m,
        accuracy_m,
        on_site,
        label_zh,
    }
}
