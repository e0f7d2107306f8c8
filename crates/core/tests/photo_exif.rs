//! EXIF as phones really write it: GPS in signed rationals, and damaged entries that must cost
//! only what they hold. ExifTool is the independent reader our values are checked against.

mod photo_tools;

use exif::experimental::Writer;
use exif::{Field, In, SRational, Tag, Value};
use photo_tools::{
    exif_tiff_range, exiftool_json, exiftool_text, fixture, ifd0_entries, read_fixture, with_exif_tiff,
};
use std::io::Cursor;
use xuncha_core::photo::{CaptureContext, IngestOptions, IngestedPhoto, ingest_bytes};
use xuncha_domain::payload::PositionSource;
use xuncha_domain::position::TrackPoint;
use xuncha_domain::time::UnixMs;

fn ingest(bytes: Vec<u8>) -> IngestedPhoto {
    ingest_bytes(bytes, &CaptureContext::default(), &IngestOptions::default()).expect("ingest")
}

/// The photo with its primary EXIF rewritten: GPSLatitude and GPSLongitude as SRATIONAL (each
/// number times `sign`), and the hemisphere letters replaced. Maker notes and the thumbnail IFD
/// are left out (the writer cannot keep a maker note's internal offsets).
fn with_signed_gps(jpeg: &[u8], sign: i32, lat_ref: &str, lon_ref: &str) -> Vec<u8> {
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(jpeg))
        .expect("the fixture's EXIF");
    let fields: Vec<Field> = exif
        .fields()
        .filter(|f| f.ifd_num == In::PRIMARY && f.tag != Tag::MakerNote)
        .filter(|f| !matches!(f.value, Value::Unknown(..)))
        .map(|f| {
            let value = match (f.tag, &f.value) {
                (Tag::GPSLatitude | Tag::GPSLongitude, Value::Rational(v)) => Value::SRational(
                    v.iter()
                        .map(|r| SRational {
                            num: sign * i32::try_from(r.num).expect("fits"),
                            denom: i32::try_from(r.denom).expect("fits"),
                        })
                        .collect(),
                ),
                (Tag::GPSLatitudeRef, _) => Value::Ascii(vec![lat_ref.as_bytes().to_vec()]),
                (Tag::GPSLongitudeRef, _) => Value::Ascii(vec![lon_ref.as_bytes().to_vec()]),
                (_, v) => v.clone(),
            };
            Field {
                tag: f.tag,
                ifd_num: f.ifd_num,
                value,
            }
        })
        .collect();
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer
        .write(&mut tiff, exif.little_endian())
        .expect("write the EXIF");
    with_exif_tiff(jpeg, &tiff.into_inner())
}

fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write a test file");
    path
}

fn number(tags: &serde_json::Map<String, serde_json::Value>, name: &str) -> f64 {
    tags.get(name)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or_else(|| panic!("exiftool gives no {name}: {tags:?}"))
}

#[test]
fn gps_written_as_signed_rationals_is_read_as_exiftool_reads_it() {
    xuncha_testsupport::require_fixtures!();
    let original = read_fixture("gps/DSCN0010.jpg");
    let dir = tempfile::tempdir().expect("dir");
    // (sign of the numbers, letters, hemisphere meant): a negative number marked S and W is the
    // south-west once, not turned back by its letters.
    let cases = [(1, "N", "E", 1.0), (1, "S", "W", -1.0), (-1, "S", "W", -1.0)];
    for (sign, lat_ref, lon_ref, meant) in cases {
        let case = format!("{sign:+} {lat_ref}{lon_ref}");
        let jpeg = with_signed_gps(&original, sign, lat_ref, lon_ref);
        let path = write_temp(&dir, "srational.jpg", &jpeg);
        // The file really holds signed rationals ("rational64s" in ExifTool's words).
        let dump = exiftool_text(&path, &["-v2"]);
        let typed = |tag: &str| {
            dump.lines()
                .skip_while(|l| !l.contains(&format!("{tag} =")))
                .nth(1)
                .is_some_and(|l| l.contains("rational64s[3]"))
        };
        assert!(typed("GPSLatitude") && typed("GPSLongitude"), "{case}: {dump}");

        let theirs = exiftool_json(
            &path,
            &["-n", "-Composite:GPSLatitude", "-Composite:GPSLongitude"],
        );
        let (lat, lon) = (number(&theirs, "GPSLatitude"), number(&theirs, "GPSLongitude"));
        // The fixture's ground truth, in the hemisphere meant.
        assert!((lat - meant * 43.46744833).abs() < 1e-6, "{case}: exiftool {lat}");
        assert!((lon - meant * 11.88512667).abs() < 1e-6, "{case}: exiftool {lon}");

        let photo = ingest(jpeg);
        let p = photo
            .position
            .unwrap_or_else(|| panic!("{case}: no position from signed rationals"));
        assert_eq!(photo.position_source, PositionSource::Exif, "{case}");
        assert!(
            (p.lat - lat).abs() < 1e-9,
            "{case}: ours {} vs exiftool {lat}",
            p.lat
        );
        assert!(
            (p.lon - lon).abs() < 1e-9,
            "{case}: ours {} vs exiftool {lon}",
            p.lon
        );
        assert_eq!(photo.exif_problem, None, "{case}");
    }
}

#[test]
fn negative_signed_degrees_marked_north_and_east_give_no_position_and_say_why() {
    xuncha_testsupport::require_fixtures!();
    // ExifTool follows the letters here and says 43.47 N, 11.89 E; the sign says south-west.
    // Neither is trusted: the device's fix is used instead, and the person is told why.
    let fix = TrackPoint::at(UnixMs(1_224_685_719_000), 11.885, 43.467);
    let capture = CaptureContext {
        device_fix: Some(fix),
        ..CaptureContext::default()
    };
    let photo = ingest_bytes(
        with_signed_gps(&read_fixture("gps/DSCN0010.jpg"), -1, "N", "E"),
        &capture,
        &IngestOptions::default(),
    )
    .expect("ingest");
    assert_eq!(photo.position, Some(fix.position()));
    assert_eq!(photo.position_source, PositionSource::DeviceFix);
    let problem = photo.exif_problem.expect("the contradiction is told");
    assert!(problem.contains("GPS 位置自相矛盾"), "{problem}");
    assert_eq!(
        photo.make.as_deref(),
        Some("NIKON"),
        "the rest of the EXIF is read"
    );
}

/// An edit to one IFD entry: (the TIFF structure, little endian, where the entry starts).
type Damage = fn(&mut [u8], bool, usize);

/// The photo with the type or value of its first IFD's entry `tag` overwritten.
fn with_ifd0_entry_patched(jpeg: &[u8], tag: u16, patch: Damage) -> Vec<u8> {
    let (start, len) = exif_tiff_range(jpeg);
    let mut out = jpeg.to_vec();
    let tiff = &mut out[start..start + len];
    let (little, entries) = ifd0_entries(tiff);
    let (_, entry) = entries
        .into_iter()
        .find(|(t, _)| *t == tag)
        .unwrap_or_else(|| panic!("IFD0 has no tag {tag:#06x}"));
    patch(tiff, little, entry);
    out
}

const GPS_POINTER: u16 = 0x8825;
const EXIF_POINTER: u16 = 0x8769;

fn pointing_past_the_end(tiff: &mut [u8], little: bool, entry: usize) {
    let past = u32::try_from(tiff.len() + 4096).expect("small");
    let bytes = if little {
        past.to_le_bytes()
    } else {
        past.to_be_bytes()
    };
    tiff[entry + 8..entry + 12].copy_from_slice(&bytes);
}

fn typed_as_text(tiff: &mut [u8], little: bool, entry: usize) {
    let ascii = if little { [2, 0] } else { [0, 2] };
    tiff[entry + 2..entry + 4].copy_from_slice(&ascii);
}

/// "2008:10:22 16:28:39" (EXIF, as ExifTool prints it) as `taken_local` shows it.
fn as_taken_local(exif_time: &str) -> String {
    let (date, time) = exif_time.split_once(' ').expect("date and time");
    format!("{} {time}.000", date.replace(':', "-"))
}

#[test]
fn a_broken_gps_pointer_loses_only_the_position() {
    xuncha_testsupport::require_fixtures!();
    let original_path = fixture("gps/DSCN0010.jpg");
    let original = read_fixture("gps/DSCN0010.jpg");
    let truth = exiftool_json(&original_path, &["-DateTimeOriginal", "-Make", "-Model"]);
    let text = |name: &str| truth[name].as_str().expect("a text tag").to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let damages: [(&str, Damage); 2] = [
        ("points past the end", pointing_past_the_end),
        ("is typed as text", typed_as_text),
    ];
    for (how, damage) in damages {
        let damaged = with_ifd0_entry_patched(&original, GPS_POINTER, damage);
        // The damage is real: ExifTool finds no GPS in the file either.
        let path = write_temp(&dir, "damaged.jpg", &damaged);
        let theirs = exiftool_json(&path, &["-n", "-GPSLatitude", "-Make"]);
        assert!(!theirs.contains_key("GPSLatitude"), "{how}: {theirs:?}");

        let photo = ingest(damaged);
        assert_eq!(
            photo.taken_local.as_deref(),
            Some(as_taken_local(&text("DateTimeOriginal")).as_str()),
            "the GPS pointer {how}"
        );
        assert_eq!(photo.make.as_deref(), Some(text("Make").as_str()), "{how}");
        assert_eq!(photo.model.as_deref(), Some(text("Model").as_str()), "{how}");
        assert_eq!(
            (photo.position, photo.position_source),
            (None, PositionSource::None),
            "{how}"
        );
        let problem = photo
            .exif_problem
            .unwrap_or_else(|| panic!("the GPS pointer {how}: no problem told"));
        assert_eq!(
            problem, "照片的 EXIF 信息部分损坏，已读取可读部分（GPS 位置无法读取）",
            "{how}"
        );
    }
    assert_eq!(
        ingest(original).exif_problem,
        None,
        "the undamaged photo has nothing to tell"
    );
}

#[test]
fn a_broken_exif_ifd_pointer_keeps_make_model_and_position_but_no_time_taken() {
    xuncha_testsupport::require_fixtures!();
    let original = read_fixture("gps/DSCN0010.jpg");
    let truth = exiftool_json(
        &fixture("gps/DSCN0010.jpg"),
        &[
            "-n",
            "-Make",
            "-Model",
            "-Composite:GPSLatitude",
            "-Composite:GPSLongitude",
        ],
    );
    let photo = ingest(with_ifd0_entry_patched(
        &original,
        EXIF_POINTER,
        pointing_past_the_end,
    ));
    assert_eq!(photo.make.as_deref(), truth["Make"].as_str());
    assert_eq!(photo.model.as_deref(), truth["Model"].as_str());
    let p = photo.position.expect("the GPS IFD is intact");
    assert!((p.lat - number(&truth, "GPSLatitude")).abs() < 1e-9);
    assert!((p.lon - number(&truth, "GPSLongitude")).abs() < 1e-9);
    // IFD0's DateTime (2008:11:01, when the file was transferred) is not the time taken.
    assert_eq!(photo.taken_local, None);
    let problem = photo.exif_problem.expect("the damage is told");
    assert!(problem.contains("拍摄时间"), "{problem}");
}
