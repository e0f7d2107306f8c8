//! PNG and WebP (screenshots, photos forwarded through messaging apps) go through the same
//! pipeline as camera JPEGs. The files are made here from the real orientation and GPS photos
//! by ImageMagick, and their EXIF written by ExifTool: tools independent of the code under test.

mod photo_tools;

use photo_tools::{convert, exiftool_json, exiftool_write, fixture, mean_abs_diff, pixels};
use std::path::{Path, PathBuf};
use xuncha_core::photo::{
    CaptureContext, IngestOptions, IngestedPhoto, PhotoError, SourceFormat, ingest_bytes, ingest_path,
};
use xuncha_domain::payload::PositionSource;

fn ingest(path: &Path) -> IngestedPhoto {
    ingest_path(path, &CaptureContext::default(), &IngestOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

/// The fixture's stored pixels, without its metadata, as `name` (PNG or WebP by extension).
fn converted(dir: &tempfile::TempDir, fixture_rel: &str, name: &str) -> PathBuf {
    let out = dir.path().join(name);
    let source = fixture(fixture_rel);
    convert(&[&source.to_string_lossy(), "-strip", &out.to_string_lossy()]);
    out
}

#[test]
fn png_and_webp_photos_come_out_upright_with_the_right_size() {
    xuncha_testsupport::require_fixtures!();
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        ("landscape", (600, 450), "png", SourceFormat::Png),
        ("portrait", (450, 600), "webp", SourceFormat::WebP),
    ];
    for (kind, size, extension, format) in cases {
        // The upright picture, through the JPEG path that photo_fixtures.rs checks.
        let reference = ingest(&fixture(&format!("orientation/{kind}_1.jpg")));
        let (_, _, reference) = pixels(&reference.thumbnail.bytes);
        for n in 1..=8u16 {
            let case = format!("{kind}_{n}.{extension}");
            let path = converted(&dir, &format!("orientation/{kind}_{n}.jpg"), &case);
            // Orientation 1 is left unwritten: a file with no EXIF at all is upright.
            if n > 1 {
                exiftool_write(&path, &[&format!("-Orientation#={n}")]);
            }
            let photo = ingest(&path);
            assert_eq!(photo.format, format, "{case}");
            assert_eq!(photo.orientation, n, "{case}");
            assert_eq!(photo.exif_problem, None, "{case}");
            assert_eq!((photo.width, photo.height), size, "{case}");
            assert_eq!((photo.upload.width, photo.upload.height), size, "{case}");
            let (w, h, upload) = pixels(&photo.upload.bytes);
            assert_eq!(((w, h), upload.len()), (size, (w * h * 3) as usize), "{case}");
            let (w, h, thumb) = pixels(&photo.thumbnail.bytes);
            assert_eq!((w, h), (photo.thumbnail.width, photo.thumbnail.height), "{case}");
            assert_eq!((w.max(h), w > h), (320, size.0 > size.1), "{case}");
            // As in photo_fixtures.rs: each variant has its number painted on and was encoded
            // on its own (here twice, WebP lossy), so the right turn differs a little; every
            // wrong turn of the same size differs by far more.
            let upright = mean_abs_diff(&reference, &thumb);
            assert!(upright < 20.0, "{case} differs from {kind}_1.jpg by {upright:.1}");
            for wrong in 2..=4 {
                let (turned, _, _) = xuncha_core::photo::orient(&thumb, w, h, wrong);
                let off = mean_abs_diff(&reference, &turned);
                assert!(
                    off > 2.0 * upright,
                    "{case}: upright differs by {upright:.1}, turned by {wrong} by {off:.1}"
                );
            }
        }
    }
}

/// The PNG's chunks, each whole (length, type, data, CRC), in file order.
fn png_chunks(png: &[u8]) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut at = 8;
    while at + 12 <= png.len() {
        let len = u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]) as usize;
        chunks.push(&png[at..at + 12 + len]);
        at += 12 + len;
    }
    chunks
}

#[test]
fn a_png_whose_exif_follows_the_image_data_is_turned_upright_too() {
    xuncha_testsupport::require_fixtures!();
    let dir = tempfile::tempdir().expect("dir");
    let path = converted(&dir, "orientation/landscape_6.jpg", "late_exif.png");
    exiftool_write(&path, &["-Orientation#=6"]);
    let png = std::fs::read(&path).expect("png");
    // Move the eXIf chunk (ExifTool puts it first) to just before IEND, as the PNG standard
    // allows.
    let chunks = png_chunks(&png);
    let is = |c: &&[u8], kind: &[u8]| &c[4..8] == kind;
    let exif = *chunks
        .iter()
        .find(|c| is(c, b"eXIf"))
        .expect("ExifTool wrote eXIf");
    let mut moved = png[..8].to_vec();
    for chunk in chunks.iter().filter(|c| !is(c, b"eXIf")) {
        if is(chunk, b"IEND") {
            moved.extend_from_slice(exif);
        }
        moved.extend_from_slice(chunk);
    }
    let idat = png_chunks(&moved).iter().position(|c| is(c, b"IDAT"));
    let exif_at = png_chunks(&moved).iter().position(|c| is(c, b"eXIf"));
    assert!(idat < exif_at, "eXIf now follows the image data");
    std::fs::write(&path, &moved).expect("write");
    assert_eq!(exiftool_json(&path, &["-n", "-Orientation"])["Orientation"], 6);

    let photo = ingest(&path);
    assert_eq!(photo.orientation, 6);
    assert_eq!((photo.upload.width, photo.upload.height), (600, 450));
}

#[test]
fn transparent_parts_of_a_png_or_webp_are_put_on_white() {
    let dir = tempfile::tempdir().expect("dir");
    for extension in ["png", "webp"] {
        // Left half red at half opacity, right half fully transparent.
        let path = dir.path().join(format!("sticker.{extension}"));
        convert(&[
            "-size",
            "64x48",
            "xc:none",
            "-fill",
            "rgba(255,0,0,0.5)",
            "-draw",
            "rectangle 0,0 31,47",
            "-define",
            "webp:lossless=true",
            &path.to_string_lossy(),
        ]);
        let photo = ingest(&path);
        let (w, _, rgb) = pixels(&photo.upload.bytes);
        let at = |x: u32, y: u32| {
            let i = ((y * w + x) * 3) as usize;
            [rgb[i], rgb[i + 1], rgb[i + 2]]
        };
        let near = |got: [u8; 3], want: [u8; 3]| got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 8);
        assert!(
            near(at(8, 24), [255, 128, 128]),
            "{extension}: half red on white is pink: {:?}",
            at(8, 24)
        );
        assert!(
            near(at(56, 24), [255, 255, 255]),
            "{extension}: clear is white: {:?}",
            at(56, 24)
        );
    }
}

#[test]
fn exif_in_a_png_or_webp_is_read_as_exiftool_reads_it() {
    xuncha_testsupport::require_fixtures!();
    let dir = tempfile::tempdir().expect("dir");
    let camera = fixture("gps/DSCN0012.jpg");
    for extension in ["png", "webp"] {
        let path = converted(&dir, "gps/DSCN0012.jpg", &format!("forwarded.{extension}"));
        exiftool_write(&path, &["-tagsFromFile", &camera.to_string_lossy(), "-exif:all"]);
        let theirs = exiftool_json(
            &path,
            &[
                "-n",
                "-DateTimeOriginal",
                "-Make",
                "-Model",
                "-Composite:GPSLatitude",
                "-Composite:GPSLongitude",
            ],
        );
        let text = |name: &str| {
            theirs[name]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {theirs:?}"))
        };
        let number = |name: &str| {
            theirs[name]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}: {theirs:?}"))
        };

        let photo = ingest(&path);
        assert_eq!(photo.make.as_deref(), Some(text("Make")), "{extension}");
        assert_eq!(photo.model.as_deref(), Some(text("Model")), "{extension}");
        let (date, time) = text("DateTimeOriginal").split_once(' ').expect("date and time");
        assert_eq!(
            photo.taken_local,
            Some(format!("{} {time}.000", date.replace(':', "-"))),
            "{extension}"
        );
        let p = photo
            .position
            .unwrap_or_else(|| panic!("{extension}: no position"));
        assert_eq!(photo.position_source, PositionSource::Exif);
        assert!(
            (p.lat - number("GPSLatitude")).abs() < 1e-9,
            "{extension}: lat {}",
            p.lat
        );
        assert!(
            (p.lon - number("GPSLongitude")).abs() < 1e-9,
            "{extension}: lon {}",
            p.lon
        );
        // The fixture's ground truth (shared/fixtures/README.md).
        assert!((p.lat - 43.46715667).abs() < 1e-6 && (p.lon - 11.88539500).abs() < 1e-6);
    }
}

/// The standard CRC-32 of PNG chunks (ISO 3309).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_png_declaring_billions_of_pixels_is_refused_before_decoding() {
    xuncha_testsupport::require_fixtures!();
    let dir = tempfile::tempdir().expect("dir");
    let path = converted(&dir, "orientation/landscape_1.jpg", "small.png");
    let mut bomb = std::fs::read(&path).expect("png");
    assert_eq!(&bomb[12..16], b"IHDR");
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    match ingest_bytes(bomb, &CaptureContext::default(), &IngestOptions::default()) {
        Err(PhotoError::TooLarge { width, height, .. }) => assert_eq!((width, height), (60_000, 60_000)),
        other => panic!("{:?}", other.map(|p| (p.width, p.height))),
    }
}

#[test]
fn a_webp_over_the_pixel_limit_is_refused_by_its_header() {
    xuncha_testsupport::require_fixtures!();
    let dir = tempfile::tempdir().expect("dir");
    let path = converted(&dir, "orientation/portrait_1.jpg", "big.webp");
    let options = IngestOptions {
        max_pixels: 450 * 600 - 1,
        ..IngestOptions::default()
    };
    let bytes = std::fs::read(&path).expect("webp");
    match ingest_bytes(bytes.clone(), &CaptureContext::default(), &options) {
        Err(PhotoError::TooLarge { width, height, .. }) => assert_eq!((width, height), (450, 600)),
        other => panic!("{:?}", other.map(|p| (p.width, p.height))),
    }
    // A damaged WebP is a clear error, never a panic.
    let cut = bytes[..bytes.len() / 2].to_vec();
    let err = ingest_bytes(cut, &CaptureContext::default(), &IngestOptions::default()).expect_err("cut");
    assert!(matches!(err, PhotoError::Corrupt(_)), "{err:?}");
}
