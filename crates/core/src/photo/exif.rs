//! What a photo's EXIF says about where, when and with what it was taken: time taken with its
//! UTC offset, GPS position / altitude / accuracy / direction, orientation, make and model.
//!
//! Missing or malformed EXIF is never an error here: a field that cannot be read is absent, and
//! one damaged entry loses only what it holds (the parser goes on past it); what was lost is
//! said in `ExifFacts::problem`, in words for the person adding the photo. This module does not
//! decide what to do without a position or zone; `photo` does.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use exif::{Context, Exif, In, Tag, Value};
use std::io::Cursor;

/// The facts read from one photo's EXIF.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExifFacts {
    /// EXIF Orientation 1..=8 (1 when absent or out of range).
    pub orientation: u16,
    /// DateTimeOriginal as the camera's clock showed it (no zone).
    pub taken_local: Option<NaiveDateTime>,
    /// OffsetTimeOriginal (or OffsetTime), minutes east of UTC.
    pub utc_offset_min: Option<i32>,
    /// GPSTimeStamp: the fix's UTC time of day, ms since midnight.
    pub gps_time_of_day_ms: Option<i64>,
    /// GPSDateStamp + GPSTimeStamp: the fix's time in UTC, ms since the epoch.
    pub gps_time_ms: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub altitude_m: Option<f64>,
    /// GPSHPositioningError.
    pub accuracy_m: Option<f64>,
    /// GPSImgDirection (degrees, true or magnetic north as GPSImgDirectionRef says).
    pub direction_deg: Option<f64>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// What of the EXIF could not be read or was not used, in Chinese words for the person
    /// adding the photo (absent EXIF is not a problem).
    pub problem: Option<String>,
}

/// Reads the EXIF of a JPEG, HEIF, PNG or WebP file held in memory.
pub fn read(bytes: &[u8]) -> ExifFacts {
    from_result(
        exif::Reader::new()
            .continue_on_error(true)
            .read_from_container(&mut Cursor::new(bytes)),
    )
}

/// Reads an EXIF block given as its TIFF structure (a PNG's eXIf or a WebP's EXIF chunk). The
/// "Exif\0\0" prefix that some writers carry over from JPEG's APP1 segment is skipped.
pub fn read_tiff(mut tiff: Vec<u8>) -> ExifFacts {
    if tiff.starts_with(b"Exif\0\0") {
        tiff.drain(..6);
    }
    from_result(exif::Reader::new().continue_on_error(true).read_raw(tiff))
}

const UNREADABLE: &str = "照片的 EXIF 信息已损坏，无法读取：拍摄时间、位置和方向都未知";

fn from_result(result: Result<Exif, exif::Error>) -> ExifFacts {
    match result {
        Ok(exif) => from_exif(&exif, false),
        Err(exif::Error::PartialResult(partial)) => {
            let (exif, errors) = partial.into_inner();
            if exif.fields().len() == 0 {
                unreadable()
            } else {
                from_exif(&exif, !errors.is_empty())
            }
        }
        Err(exif::Error::NotFound(_)) => ExifFacts::default_upright(),
        Err(_) => unreadable(),
    }
}

fn unreadable() -> ExifFacts {
    ExifFacts {
        problem: Some(UNREADABLE.to_owned()),
        ..ExifFacts::default_upright()
    }
}

impl ExifFacts {
    fn default_upright() -> Self {
        Self {
            orientation: 1,
            ..Self::default()
        }
    }
}

fn from_exif(exif: &Exif, damaged: bool) -> ExifFacts {
    let (declares_exif_ifd, declares_gps_ifd) = ifd0_pointers(exif.buf(), exif.little_endian());
    let exif_ifd_lost =
        damaged && declares_exif_ifd && !exif.fields().any(|f| f.tag.context() == Context::Exif);
    let orientation = uint(exif, Tag::Orientation)
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    // DateTime is when the file was last changed: it stands in for DateTimeOriginal only in
    // files that have no Exif IFD, not in one whose Exif IFD was lost to damage.
    let taken_local = ascii(exif, Tag::DateTimeOriginal)
        .or_else(|| ascii(exif, Tag::DateTime).filter(|_| !exif_ifd_lost))
        .and_then(|s| NaiveDateTime::parse_from_str(s.trim(), "%Y:%m:%d %H:%M:%S").ok())
        .map(|t| with_subseconds(t, ascii(exif, Tag::SubSecTimeOriginal)));
    let utc_offset_min = ascii(exif, Tag::OffsetTimeOriginal)
        .or_else(|| ascii(exif, Tag::OffsetTime))
        .and_then(|s| parse_offset(&s));

    let mut problems = Vec::new();
    // A receiver that says its measurement is void ('V') gives no position.
    let gps_void = ascii(exif, Tag::GPSStatus).is_some_and(|s| s.trim() == "V");
    let (lat, lon) = if gps_void {
        (None, None)
    } else {
        match (
            coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, 'S', 'N', 90.0),
            coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, 'W', 'E', 180.0),
        ) {
            (Coordinate::Read(lat), Coordinate::Read(lon)) => (Some(lat), Some(lon)),
            (Coordinate::Contradictory, _) | (_, Coordinate::Contradictory) => {
                problems.push(
                    "照片的 GPS 位置自相矛盾（坐标是负数，半球却标为北纬或东经），未采用这个位置".to_owned(),
                );
                (None, None)
            }
            _ => (None, None),
        }
    };
    let altitude_m = number(exif, Tag::GPSAltitude, 0).map(|a| {
        // Below sea level when GPSAltitudeRef is 1 or the (signed) value is negative: both say
        // the same thing, they never cancel out.
        if uint(exif, Tag::GPSAltitudeRef) == Some(1) || a < 0.0 {
            -a.abs()
        } else {
            a
        }
    });

    let mut lost = Vec::new();
    if damaged && declares_gps_ifd && !gps_void && lat.is_none() {
        lost.push("GPS 位置");
    }
    if exif_ifd_lost {
        lost.push("拍摄时间等拍摄参数");
    }
    if damaged {
        let what = if lost.is_empty() {
            "个别字段".to_owned()
        } else {
            lost.join("、")
        };
        problems.insert(
            0,
            format!("照片的 EXIF 信息部分损坏，已读取可读部分（{what}无法读取）"),
        );
    }

    ExifFacts {
        orientation,
        taken_local,
        utc_offset_min,
        gps_time_of_day_ms: gps_time_of_day_ms(exif),
        gps_time_ms: gps_time_ms(exif),
        lat,
        lon,
        altitude_m: altitude_m.filter(|_| lat.is_some()),
        accuracy_m: number(exif, Tag::GPSHPositioningError, 0).filter(|a| *a >= 0.0),
        direction_deg: number(exif, Tag::GPSImgDirection, 0).filter(|d| (0.0..=360.0).contains(d)),
        make: ascii(exif, Tag::Make)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        model: ascii(exif, Tag::Model)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        problem: (!problems.is_empty()).then(|| problems.join("；")),
    }
}

/// Whether the first IFD points to an Exif IFD and to a GPS IFD. The parser keeps no trace of
/// a pointer it could not follow, so they are looked up here to say what a damaged file lost.
fn ifd0_pointers(tiff: &[u8], little_endian: bool) -> (bool, bool) {
    let u16_at = |at: usize| {
        tiff.get(at..at + 2).map(|b| {
            let b = [b[0], b[1]];
            if little_endian {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            }
        })
    };
    let ifd0 = tiff.get(4..8).map(|b| {
        let b = [b[0], b[1], b[2], b[3]];
        if little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    });
    let Some(ifd0) = ifd0.and_then(|o| usize::try_from(o).ok()) else {
        return (false, false);
    };
    let count = usize::from(u16_at(ifd0).unwrap_or(0));
    let tags: Vec<u16> = (0..count).map_while(|i| u16_at(ifd0 + 2 + 12 * i)).collect();
    (
        tags.contains(&Tag::ExifIFDPointer.number()),
        tags.contains(&Tag::GPSInfoIFDPointer.number()),
    )
}

fn field(exif: &Exif, tag: Tag) -> Option<&Value> {
    exif.get_field(tag, In::PRIMARY).map(|f| &f.value)
}

fn uint(exif: &Exif, tag: Tag) -> Option<u32> {
    field(exif, tag).and_then(|v| v.get_uint(0))
}

fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    match field(exif, tag)? {
        Value::Ascii(parts) => parts.first().map(|p| String::from_utf8_lossy(p).into_owned()),
        _ => None,
    }
}

/// The `index`th number of a RATIONAL field, or of an SRATIONAL one: the standard says
/// RATIONAL for the GPS fields, and some phones write SRATIONAL.
fn number(exif: &Exif, tag: Tag, index: usize) -> Option<f64> {
    let (num, denom) = match field(exif, tag)? {
        Value::Rational(v) => v.get(index).map(|r| (f64::from(r.num), f64::from(r.denom)))?,
        Value::SRational(v) => v.get(index).map(|r| (f64::from(r.num), f64::from(r.denom)))?,
        _ => return None,
    };
    (denom != 0.0).then(|| num / denom)
}

enum Coordinate {
    Read(f64),
    /// Not written, or unreadable, or without a hemisphere.
    Absent,
    /// A negative (SRATIONAL) value whose hemisphere letter says north or east.
    Contradictory,
}

/// Degrees, minutes, seconds and a hemisphere letter, to signed decimal degrees.
///
/// A phone writing SRATIONAL may give the numbers a sign. A negative value is taken as south or
/// west: its size is |d| + |m|/60 + |s|/3600, and a letter saying the same (S, W) does not turn
/// it back, nor is a letter needed. A negative value marked N or E contradicts itself and gives
/// no position: a guess could put the photo half a world away, and the device's own fix is the
/// better fallback. ExifTool (12.57) ignores the sign and follows the letter, so it agrees with
/// this wherever the two agree, and reads the contradictory case as north or east.
fn coordinate(exif: &Exif, tag: Tag, ref_tag: Tag, negative: char, positive: char, limit: f64) -> Coordinate {
    let Some(degrees) = number(exif, tag, 0) else {
        return Coordinate::Absent;
    };
    let minutes = number(exif, tag, 1).unwrap_or(0.0);
    let seconds = number(exif, tag, 2).unwrap_or(0.0);
    let size = degrees.abs() + minutes.abs() / 60.0 + seconds.abs() / 3600.0;
    if !size.is_finite() || size > limit {
        return Coordinate::Absent;
    }
    let signed_negative = degrees < 0.0 || minutes < 0.0 || seconds < 0.0;
    let hemisphere = ascii(exif, ref_tag).map(|s| s.trim().to_ascii_uppercase());
    let says = |letter: char| hemisphere.as_deref().is_some_and(|h| h.starts_with(letter));
    let south_or_west = match (signed_negative, &hemisphere) {
        (true, _) if says(positive) => return Coordinate::Contradictory,
        (true, _) => true,
        (false, Some(_)) => says(negative),
        // An unsigned value with no letter: the hemisphere is unknown.
        (false, None) => return Coordinate::Absent,
    };
    Coordinate::Read(if south_or_west { -size } else { size })
}

fn gps_time_of_day_ms(exif: &Exif) -> Option<i64> {
    let h = number(exif, Tag::GPSTimeStamp, 0)?;
    let m = number(exif, Tag::GPSTimeStamp, 1)?;
    let s = number(exif, Tag::GPSTimeStamp, 2)?;
    if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..61.0).contains(&s) {
        return None;
    }
    Some(((h * 3600.0 + m * 60.0 + s) * 1000.0).round() as i64)
}

fn gps_time_ms(exif: &Exif) -> Option<i64> {
    let date =
        ascii(exif, Tag::GPSDateStamp).and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y:%m:%d").ok())?;
    let midnight_ms = date.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
    Some(midnight_ms + gps_time_of_day_ms(exif)?)
}

fn with_subseconds(t: NaiveDateTime, subsec: Option<String>) -> NaiveDateTime {
    // SubSecTime is the digits after the decimal point: "5" is 500 ms, "050" is 50 ms.
    let Some(digits) = subsec.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) else {
        return t;
    };
    let ms_digits: String = digits.chars().chain("000".chars()).take(3).collect();
    match ms_digits.parse::<i64>() {
        Ok(ms) if digits.bytes().all(|b| b.is_ascii_digit()) => t + chrono::Duration::milliseconds(ms),
        _ => t,
    }
}

/// "+08:00" / "-05:30" to minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_are_read_in_minutes_east() {
        assert_eq!(parse_offset("+08:00"), Some(480));
        assert_eq!(parse_offset("-05:30"), Some(-330));
        assert_eq!(parse_offset("   :  "), None);
        assert_eq!(parse_offset("+25:00"), None);
    }

    /// Big-endian TIFF with one IFD entry: Make = "Apple".
    const MAKE_APPLE: &[u8] = b"MM\0\x2A\0\0\0\x08\0\x01\x01\x0F\0\x02\0\0\0\x06\0\0\0\x1A\0\0\0\0Apple\0";

    #[test]
    fn an_exif_chunk_carrying_the_jpeg_prefix_reads_the_same() {
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend_from_slice(MAKE_APPLE);
        for tiff in [MAKE_APPLE.to_vec(), prefixed] {
            let facts = read_tiff(tiff);
            assert_eq!(facts.make.as_deref(), Some("Apple"));
            assert_eq!(facts.problem, None);
        }
    }

    #[test]
    fn an_exif_chunk_that_is_not_exif_is_told_as_unreadable() {
        let facts = read_tiff(b"not a TIFF structure".to_vec());
        assert_eq!(facts.problem.as_deref(), Some(UNREADABLE));
        assert_eq!(facts.orientation, 1);
    }

    #[test]
    fn bytes_without_exif_read_as_upright_with_nothing_known() {
        let facts = read(b"\xFF\xD8\xFF\xD9");
        assert_eq!(facts.orientation, 1);
        assert_eq!((facts.lat, facts.lon, facts.taken_local), (None, None, None));
    }
}
