//! What a photo's EXIF says about where, when and with what it was taken: time taken with its
//! UTC offset, GPS position / altitude / accuracy / direction, orientation, make and model.
//!
//! Missing or malformed EXIF is never an error here: a field that cannot be read is absent.
//! This module does not decide what to do without a position or zone; `photo` does.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use exif::{Exif, In, Tag, Value};
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
    /// Why the EXIF could not be read at all, when it could not (absent EXIF is not a problem).
    pub unreadable: Option<String>,
}

/// Reads the EXIF of a JPEG or HEIF file held in memory.
pub fn read(bytes: &[u8]) -> ExifFacts {
    let exif = match exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(exif::Error::NotFound(_)) => return ExifFacts::default_upright(),
        Err(e) => {
            return ExifFacts {
                unreadable: Some(e.to_string()),
                ..ExifFacts::default_upright()
            };
        }
    };
    from_exif(&exif)
}

impl ExifFacts {
    fn default_upright() -> Self {
        Self {
            orientation: 1,
            ..Self::default()
        }
    }
}

fn from_exif(exif: &Exif) -> ExifFacts {
    let orientation = uint(exif, Tag::Orientation)
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    let taken_local = ascii(exif, Tag::DateTimeOriginal)
        .or_else(|| ascii(exif, Tag::DateTime))
        .and_then(|s| NaiveDateTime::parse_from_str(s.trim(), "%Y:%m:%d %H:%M:%S").ok())
        .map(|t| with_subseconds(t, ascii(exif, Tag::SubSecTimeOriginal)));
    let utc_offset_min = ascii(exif, Tag::OffsetTimeOriginal)
        .or_else(|| ascii(exif, Tag::OffsetTime))
        .and_then(|s| parse_offset(&s));

    // A receiver that says its measurement is void ('V') gives no position.
    let gps_void = ascii(exif, Tag::GPSStatus).is_some_and(|s| s.trim() == "V");
    let (lat, lon) = if gps_void {
        (None, None)
    } else {
        match (
            coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, 'S', 90.0),
            coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, 'W', 180.0),
        ) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => (None, None),
        }
    };
    let altitude_m = rational(exif, Tag::GPSAltitude, 0).map(|a| {
        // GPSAltitudeRef 1 means below sea level.
        if uint(exif, Tag::GPSAltitudeRef) == Some(1) {
            -a
        } else {
            a
        }
    });

    ExifFacts {
        orientation,
        taken_local,
        utc_offset_min,
        gps_time_of_day_ms: gps_time_of_day_ms(exif),
        gps_time_ms: gps_time_ms(exif),
        lat,
        lon,
        altitude_m: altitude_m.filter(|_| lat.is_some()),
        accuracy_m: rational(exif, Tag::GPSHPositioningError, 0).filter(|a| *a >= 0.0),
        direction_deg: rational(exif, Tag::GPSImgDirection, 0).filter(|d| (0.0..=360.0).contains(d)),
        make: ascii(exif, Tag::Make)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        model: ascii(exif, Tag::Model)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        unreadable: None,
    }
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

fn rational(exif: &Exif, tag: Tag, index: usize) -> Option<f64> {
    match field(exif, tag)? {
        Value::Rational(v) => v
            .get(index)
            .filter(|r| r.denom != 0)
            .map(|r| f64::from(r.num) / f64::from(r.denom)),
        _ => None,
    }
}

/// Degrees, minutes, seconds and a hemisphere letter, to signed decimal degrees.
fn coordinate(exif: &Exif, tag: Tag, ref_tag: Tag, negative: char, limit: f64) -> Option<f64> {
    let degrees = rational(exif, tag, 0)?;
    let minutes = rational(exif, tag, 1).unwrap_or(0.0);
    let seconds = rational(exif, tag, 2).unwrap_or(0.0);
    let value = degrees + minutes / 60.0 + seconds / 3600.0;
    let hemisphere = ascii(exif, ref_tag)?;
    let signed = if hemisphere.trim().starts_with(negative) {
        -value
    } else {
        value
    };
    (value.is_finite() && value <= limit).then_some(signed)
}

fn gps_time_of_day_ms(exif: &Exif) -> Option<i64> {
    let h = rational(exif, Tag::GPSTimeStamp, 0)?;
    let m = rational(exif, Tag::GPSTimeStamp, 1)?;
    let s = rational(exif, Tag::GPSTimeStamp, 2)?;
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

    #[test]
    fn bytes_without_exif_read_as_upright_with_nothing_known() {
        let facts = read(b"\xFF\xD8\xFF\xD9");
        assert_eq!(facts.orientation, 1);
        assert_eq!((facts.lat, facts.lon, facts.taken_local), (None, None, None));
    }
}
