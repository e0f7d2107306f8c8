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
//!
//! A patrol's track is imported with [`GpxFile::track_import`]: every track and segment after
//! the first starts with a gap (`TrackPoint::gap_before`), so the stretch between two
//! segments — signal lost, the receiver paused — counts as neither distance nor time; points
//! without a time are kept apart as geometry and counted, never refused and never given a time.
//! Imported fixes say `FixProvider::Imported`: a known source, not a mock location.
//!
//! Reading is as lenient as the common readers (gpxpy, GDAL) where the meaning is not in doubt:
//! a file whose `<gpx>` element lacks the required `version` attribute is read by its
//! namespace (GPX/1/0 or GPX/1/1).

use ::gpx as gpx_format;
use std::io::Cursor;
use time::OffsetDateTime;
use xuncha_domain::position::FixProvider;
use xuncha_domain::{Lang, Position, Say, TrackPoint, UnixMs};

#[derive(Debug, thiserror::Error)]
pub enum GpxError {
    /// The file is not GPX that can be read: bad XML, an unknown version, a number that is not
    /// a number… The reader's own words are kept for the log, not shown.
    #[error("{}", self.say(Lang::Zh))]
    Unreadable(String),
    /// A point whose latitude (or longitude) is not a real place.
    #[error("{}", self.say(Lang::Zh))]
    BadCoordinate { latitude: bool, value: f64 },
    /// Indices count from 0; the words count from 1.
    #[error("{}", self.say(Lang::Zh))]
    MissingTime {
        track: usize,
        segment: usize,
        point: usize,
    },
    /// The file has tracks, but not one point in them has a time.
    #[error("{}", self.say(Lang::Zh))]
    NoTimedPoints,
    #[error("{}", self.say(Lang::Zh))]
    TimeOutOfRange(UnixMs),
    #[error("{}", self.say(Lang::Zh))]
    Unwritable(String),
}

impl Say for GpxError {
    fn say(&self, lang: Lang) -> String {
        match self {
            GpxError::Unreadable(_) => lang.pick(
                "这不是能读取的 GPX 文件（XML 格式或 GPX 内容有误），请从记录设备重新导出".into(),
                "this is not a GPX file that can be read (bad XML or GPX content): export it again from the recording device".into(),
            ),
            GpxError::BadCoordinate { latitude, value } => {
                let (zh, en) = if *latitude {
                    ("纬度", "latitude")
                } else {
                    ("经度", "longitude")
                };
                lang.pick(
                    format!("GPX 文件中有一个点的{zh}为 {value}，坐标不是真实位置，请检查文件"),
                    format!("the GPX file has a point with a {en} of {value}, which is not a real place: check the file"),
                )
            }
            GpxError::MissingTime {
                track,
                segment,
                point,
            } => lang.pick(
                format!(
                    "第 {} 条轨迹第 {} 段的第 {} 个点没有时间",
                    track + 1,
                    segment + 1,
                    point + 1
                ),
                format!(
                    "point {} of segment {} of track {} has no time",
                    point + 1,
                    segment + 1,
                    track + 1
                ),
            ),
            GpxError::NoTimedPoints => lang.pick(
                "GPX 文件中没有一个带时间的轨迹点，无法作为巡查轨迹：请导出带时间的轨迹，而非路线或航点".into(),
                "the GPX file has no track point with a time, so it cannot be a patrol track: export the track (not a route or waypoints) with times".into(),
            ),
            GpxError::TimeOutOfRange(t) => lang.pick(
                format!("时间 {} 毫秒超出 GPX 能表示的范围", t.0),
                format!("the time {} ms is outside what GPX can hold", t.0),
            ),
            GpxError::Unwritable(_) => lang.pick(
                "无法写出 GPX 文件".into(),
                "the GPX file could not be written".into(),
            ),
        }
    }
}

/// A track read for a patrol: the timed fixes in file order (a gap before each track and
/// segment after the first), and the points without a time, kept apart.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TrackImport {
    pub points: Vec<TrackPoint>,
    /// Runs of consecutive points without a time, as geometry.
    pub untimed: Vec<Vec<Position>>,
    /// Non-empty segments read (tracks × segments).
    pub segment_count: usize,
}

impl TrackImport {
    pub fn untimed_count(&self) -> usize {
        self.untimed.iter().map(Vec::len).sum()
    }
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
        p.provider = FixProvider::Imported;
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

    /// Every track point for a patrol: timed ones as fixes, with a gap before the first fix of
    /// each segment after the first (and wherever untimed points interrupted a segment), and
    /// untimed ones as geometry. Fails only when no point at all has a time.
    pub fn track_import(&self) -> Result<TrackImport, GpxError> {
        let mut import = TrackImport::default();
        for segment in self.tracks.iter().flat_map(|t| &t.segments) {
            if segment.is_empty() {
                continue;
            }
            import.segment_count += 1;
            let mut gap = !import.points.is_empty();
            let mut untimed_run: Vec<Position> = Vec::new();
            for w in segment {
                match w.to_track_point() {
                    Some(mut fix) => {
                        if !untimed_run.is_empty() {
                            import.untimed.push(std::mem::take(&mut untimed_run));
                            gap = !import.points.is_empty();
                        }
                        fix.gap_before = gap;
                        gap = false;
                        import.points.push(fix);
                    }
                    None => untimed_run.push(w.position),
                }
            }
            if !untimed_run.is_empty() {
                import.untimed.push(untimed_run);
            }
        }
        if import.points.is_empty() {
            return Err(GpxError::NoTimedPoints);
        }
        Ok(import)
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
    let doc = match gpx_format::read(Cursor::new(bytes)) {
        Err(gpx_format::errors::GpxError::InvalidElementLacksAttribute("version", "gpx")) => {
            let versioned = with_version_from_namespace(bytes)
                .ok_or_else(|| GpxError::Unreadable("no <gpx> start tag".into()))?;
            gpx_format::read(Cursor::new(versioned))
        }
        other => other,
    }
    .map_err(|e| match e {
        gpx_format::errors::GpxError::LonLatOutOfBoundsError(which, _, value) => GpxError::BadCoordinate {
            latitude: which.eq_ignore_ascii_case("latitude"),
            value,
        },
        other => GpxError::Unreadable(other.to_string()),
    })?;
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
        let latitude_ok = (-90.0..=90.0).contains(&w.position.lat);
        w.position.check().map_err(|_| GpxError::BadCoordinate {
            latitude: !latitude_ok,
            value: if latitude_ok {
                w.position.lon
            } else {
                w.position.lat
            },
        })?;
    }
    Ok(file)
}

/// The document with `version="1.0"` or `"1.1"` added to its `<gpx>` start tag, chosen by the
/// tag's namespace (1.1 when it names none): what gpxpy and GDAL assume for such files.
fn with_version_from_namespace(bytes: &[u8]) -> Option<Vec<u8>> {
    let start = bytes.windows(4).position(|w| w == b"<gpx").filter(|&i| {
        bytes
            .get(i + 4)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>')
    })?;
    let tag_end = start + bytes[start..].iter().position(|&b| b == b'>')?;
    let version: &[u8] = if bytes[start..tag_end]
        .windows(8)
        .any(|w| w == b"GPX/1/0\"" || w == b"GPX/1/0'")
    {
        b" version=\"1.0\""
    } else {
        b" version=\"1.1\""
    };
    let mut out = Vec::with_capacity(bytes.len() + version.len());
    out.extend_from_slice(&bytes[..start + 4]);
    out.extend_from_slice(version);
    out.extend_from_slice(&bytes[start + 4..]);
    Some(out)
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

/// Writes one track and `waypoints` as a GPX 1.1 document: a `trkseg` for each recorded
/// segment of `fixes` (a new one at every `gap_before`), so that other tools see the gaps too.
pub fn write_gpx(track_name: &str, fixes: &[TrackPoint], waypoints: &[Waypoint]) -> Result<String, GpxError> {
    let mut track = gpx_format::Track::new();
    track.name = Some(track_name.to_owned());
    for run in xuncha_domain::geo::segments(fixes) {
        let mut segment = gpx_format::TrackSegment::new();
        for p in run {
            let w = Waypoint {
                time: Some(p.t),
                elevation_m: p.altitude_m,
                ..Waypoint::at(p.position())
            };
            segment.points.push(to_format(&w)?);
        }
        track.segments.push(segment);
    }
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
