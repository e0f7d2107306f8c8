//! GPX import and export, so that a real track can be replayed into xuncha and a patrol opened
//! in any GIS. Reads GPX 1.0 and 1.1 (tracks with their segments — empty ones included —,
//! routes, waypoints; times, elevations, names and dilution of precision when present) into
//! WGS-84 domain values, and writes a patrol's track and waypoints as GPX 1.1.
//!
//! Nothing is invented on import: a point without a time stays without one (`Waypoint::time`
//! is `None`, and `to_track_point` refuses it rather than making a time up), and a point's
//! dilution of precision is kept as read, not turned into an accuracy in metres. On export, what
//! GPX 1.1 has no element for (accuracy, speed, bearing, provider, the mock flag) is left out:
//! a GPX file is a view for other tools, never the record itself.

use ::gpx as gpx_format;
use std::io::Cursor;
use time::OffsetDateTime;
use xuncha_domain::position::FixProvider;
use xuncha_domain::{Position, TrackPoint, UnixMs};

#[derive(Debug, thiserror::Error)]
pub enum GpxError {
    /// The file is not GPX that can be read: bad XML, an unknown version, a number that is not
    /// a number, a coordinate out of range…
    #[error("GPX 文件无法读取 (unreadable GPX): {0}")]
    Unreadable(String),
    #[error("轨迹第 {track} 条第 {segment} 段第 {point} 个点没有时间 (track point without a time)")]
    MissingTime {
        track: usize,
        segment: usize,
        point: usize,
    },
    #[error("时间 {0:?} 超出 GPX 可表示的范围 (time out of range)")]
    TimeOutOfRange(UnixMs),
    #[error("GPX 文件无法写出 (cannot write GPX): {0}")]
    Unwritable(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpxVersion {
    V1_0,
    V1_1,
}

/// A point of a GPX file: a waypoint, a route point or a track point.
#[derive(Clone, Debug, PartialEq)]
pub struct Waypoint {
    pub position: Position,
    pub time: Option<UnixMs>,
    pub elevation_m: Option<f64>,
    /// GPX 1.0 only.
    pub speed_mps: Option<f64>,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub description: Option<String>,
    pub symbol: Option<String>,
    pub hdop: Option<f64>,
    pub vdop: Option<f64>,
    pub pdop: Option<f64>,
}

impl Waypoint {
    pub fn at(position: Position) -> Self {
        Self {
            position,
            time: None,
            elevation_m: None,
            speed_mps: None,
            name: None,
            comment: None,
            description: None,
            symbol: None,
            hdop: None,
            vdop: None,
            pdop: None,
        }
    }

    /// The point as a replayed fix, or `None` when it has no time.
    pub fn to_track_point(&self) -> Option<TrackPoint> {
        let t = self.time?;
        let mut p = TrackPoint::at(t, self.position.lon, self.position.lat);
        p.altitude_m = self.elevation_m;
        p.speed_mps = self.speed_mps;
        p.provider = FixProvider::Replay;
        Some(p)
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct GpxTrack {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Each segment's points in file order; a segment may be empty.
    pub segments: Vec<Vec<Waypoint>>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct GpxRoute {
    pub name: Option<String>,
    pub points: Vec<Waypoint>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpxFile {
    pub version: GpxVersion,
    pub creator: Option<String>,
    pub name: Option<String>,
    pub waypoints: Vec<Waypoint>,
    pub tracks: Vec<GpxTrack>,
    pub routes: Vec<GpxRoute>,
}

impl GpxFile {
    /// Every segment of every track as fixes (empty segments give empty vectors). Fails on the
    /// first track point without a time, naming it.
    pub fn track_segments(&self) -> Result<Vec<Vec<TrackPoint>>, GpxError> {
        let mut out = Vec::new();
        for (track, t) in self.tracks.iter().enumerate() {
            for (segment, s) in t.segments.iter().enumerate() {
                let fixes = s
                    .iter()
                    .enumerate()
                    .map(|(point, w)| {
                        w.to_track_point().ok_or(GpxError::MissingTime {
                            track,
                            segment,
                            point,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(fixes);
            }
        }
        Ok(out)
    }

    /// All points of all tracks, segments joined in file order, with or without times.
    pub fn all_track_points(&self) -> impl Iterator<Item = &Waypoint> {
        self.tracks.iter().flat_map(|t| t.segments.iter().flatten())
    }
}

fn ms_of(time: gpx_format::Time) -> UnixMs {
    let nanos = OffsetDateTime::from(time).unix_timestamp_nanos();
    // Floor, not truncation, so that instants before 1970 keep their order.
    UnixMs(nanos.div_euclid(1_000_000) as i64)
}

fn time_of(t: UnixMs) -> Result<gpx_format::Time, GpxError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.0) * 1_000_000)
        .map(gpx_format::Time::from)
        .map_err(|_| GpxError::TimeOutOfRange(t))
}

fn from_format(w: &gpx_format::Waypoint) -> Waypoint {
    let p = w.point();
    Waypoint {
        position: Position::new(p.x(), p.y()),
        time: w.time.map(ms_of),
        elevation_m: w.elevation,
        speed_mps: w.speed,
        name: w.name.clone(),
        comment: w.comment.clone(),
        description: w.description.clone(),
        symbol: w.symbol.clone(),
        hdop: w.hdop,
        vdop: w.vdop,
        pdop: w.pdop,
    }
}

/// Reads a GPX 1.0 or 1.1 document.
pub fn read_gpx(bytes: &[u8]) -> Result<GpxFile, GpxError> {
    let doc = gpx_format::read(Cursor::new(bytes)).map_err(|e| GpxError::Unreadable(e.to_string()))?;
    let version = match doc.version {
        gpx_format::GpxVersion::Gpx10 => GpxVersion::V1_0,
        gpx_format::GpxVersion::Gpx11 => GpxVersion::V1_1,
        other => return Err(GpxError::Unreadable(format!("unknown GPX version {other}"))),
    };
    let file = GpxFile {
        version,
        creator: doc.creator.clone(),
        name: doc.metadata.as_ref().and_then(|m| m.name.clone()),
        waypoints: doc.waypoints.iter().map(from_format).collect(),
        tracks: doc
            .tracks
            .iter()
            .map(|t| GpxTrack {
                name: t.name.clone(),
                description: t.description.clone(),
                segments: t
                    .segments
                    .iter()
                    .map(|s| s.points.iter().map(from_format).collect())
                    .collect(),
            })
            .collect(),
        routes: doc
            .routes
            .iter()
            .map(|r| GpxRoute {
                name: r.name.clone(),
                points: r.points.iter().map(from_format).collect(),
            })
            .collect(),
    };
    // The reader checks ranges, but NaN passes its comparisons.
    let points = file
        .waypoints
        .iter()
        .chain(file.all_track_points())
        .chain(file.routes.iter().flat_map(|r| &r.points));
    for w in points {
        w.position.check().map_err(GpxError::Unreadable)?;
    }
    Ok(file)
}

fn to_format(w: &Waypoint) -> Result<gpx_format::Waypoint, GpxError> {
    let mut out = gpx_format::Waypoint::new(geo_types::Point::new(w.position.lon, w.position.lat));
    out.time = w.time.map(time_of).transpose()?;
    out.elevation = w.elevation_m;
    out.name = w.name.clone();
    out.comment = w.comment.clone();
    out.description = w.description.clone();
    out.symbol = w.symbol.clone();
    out.hdop = w.hdop;
    out.vdop = w.vdop;
    out.pdop = w.pdop;
    Ok(out)
}

/// Writes one track (a single segment of `fixes`) and `waypoints` as a GPX 1.1 document.
pub fn write_gpx(track_name: &str, fixes: &[TrackPoint], waypoints: &[Waypoint]) -> Result<String, GpxError> {
    let mut segment = gpx_format::TrackSegment::new();
    for p in fixes {
        let w = Waypoint {
            time: Some(p.t),
            elevation_m: p.altitude_m,
            ..Waypoint::at(p.position())
        };
        segment.points.push(to_format(&w)?);
    }
    let mut track = gpx_format::Track::new();
    track.name = Some(track_name.to_owned());
    track.segments.push(segment);
    let doc = gpx_format::Gpx {
        version: gpx_format::GpxVersion::Gpx11,
        creator: Some("xuncha".into()),
        waypoints: waypoints.iter().map(to_format).collect::<Result<_, _>>()?,
        tracks: vec![track],
        ..gpx_format::Gpx::default()
    };
    let mut out = Vec::new();
    gpx_format::write(&doc, &mut out).map_err(|e| GpxError::Unwritable(e.to_string()))?;
    String::from_utf8(out).map_err(|e| GpxError::Unwritable(e.to_string()))
}
