//! Positions on the earth and single GPS fixes. Coordinates are WGS-84 degrees in named fields
//! (`lon`, `lat`); in `geo` types the order is always `(lon, lat)`.

use crate::time::UnixMs;
use serde::{Deserialize, Serialize};

/// A WGS-84 position.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lon: f64,
    pub lat: f64,
}

impl Position {
    pub fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// `Err` with what is wrong when the position is not a real place.
    pub fn check(&self) -> Result<(), String> {
        if !self.lon.is_finite() || !self.lat.is_finite() {
            return Err(format!("坐标不是有效数字 (lon={}, lat={})", self.lon, self.lat));
        }
        if !(-180.0..=180.0).contains(&self.lon) {
            return Err(format!("经度 {} 超出 -180..180", self.lon));
        }
        if !(-90.0..=90.0).contains(&self.lat) {
            return Err(format!("纬度 {} 超出 -90..90", self.lat));
        }
        Ok(())
    }
}

/// Where a fix came from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FixProvider {
    #[default]
    Gps,
    Network,
    Fused,
    /// Replayed from a GPX file as if live (demos and tests).
    Replay,
    /// Imported from a GPX file recorded by another receiver (a handheld GPS, another app):
    /// a known source, shown as imported, never taken for a mock location.
    Imported,
    Unknown,
}

/// One GPS fix of a patrol track.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    pub t: UnixMs,
    pub lon: f64,
    pub lat: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearing_deg: Option<f64>,
    #[serde(default)]
    pub provider: FixProvider,
    /// The operating system said this fix came from a mock-location app.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mock: bool,
    /// The track was not recorded between the fix before this one and this one (a new GPX
    /// segment, signal lost, recording paused): that stretch is a gap, counted as neither
    /// distance nor moving time, and drawn as a gap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gap_before: bool,
}

impl TrackPoint {
    pub fn at(t: UnixMs, lon: f64, lat: f64) -> Self {
        Self {
            t,
            lon,
            lat,
            accuracy_m: None,
            altitude_m: None,
            speed_mps: None,
            bearing_deg: None,
            provider: FixProvider::Gps,
            mock: false,
            gap_before: false,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            lon: self.lon,
            lat: self.lat,
        }
    }

    pub fn check(&self) -> Result<(), String> {
        self.position().check()?;
        for (name, v) in [
            ("accuracy_m", self.accuracy_m),
            ("altitude_m", self.altitude_m),
            ("speed_mps", self.speed_mps),
            ("bearing_deg", self.bearing_deg),
        ] {
            if let Some(v) = v
                && !v.is_finite()
            {
                return Err(format!("{name} 不是有效数字"));
            }
        }
        if let Some(a) = self.accuracy_m
            && a < 0.0
        {
            return Err(format!("精度 accuracy_m={a} 不能为负"));
        }
        Ok(())
    }
}
