//! Photo ingest against real camera files (shared/fixtures/photos) and hostile inputs.

mod photo_tools;

use photo_tools::{fixture, mean_abs_diff, pixels};
use xuncha_core::photo::{
    CaptureContext, IngestOptions, IngestedPhoto, JpegDecoder, OtherFormat, PhotoError, SourceFormat,
    TakenAtSource, ingest_bytes, ingest_path,
};
use xuncha_domain::FindingId;
use xuncha_domain::payload::{Payload, PhotoRole, PhotoTarget, PositionSource};
use xuncha_domain::position::TrackPoint;
use xuncha_domain::time::UnixMs;
use xuncha_domain::validate::validate;

/// Every decoder this build has: each hostile-input test runs against all of them.
fn decoders() -> Vec<JpegDecoder> {
    vec![
        #[cfg(feature = "turbojpeg")]
        JpegDecoder::TurboJpeg,
        JpegDecoder::PureRust,
    ]
}

fn options(decoder: JpegDecoder) -> IngestOptions {
    IngestOptions {
        decoder,
        ..IngestOptions::default()
    }
}

fn ingest(rel: &str) -> IngestedPhoto {
    ingest_path(
        &fixture(rel),
        &CaptureContext::default(),
        &IngestOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn all_gps_photos_give_their_exif_positions_to_a_millionth_of_a_degree() {
    xuncha_testsupport::require_fixtures!();
    // Ground truth from shared/fixtures/README.md.
    let truth = [
        ("DSCN0010", 43.46744833, 11.88512667),
        ("DSCN0012", 43.46715667, 11.88539500),
        ("DSCN0021", 43.46708167, 11.88453833),
        ("DSCN0025", 43.46836500, 11.88163500),
        ("DSCN0027", 43.46844167, 11.88151500),
        ("DSCN0029", 43.46824333, 11.88017167),
        ("DSCN0038", 43.46725500, 11.87921333),
        ("DSCN0040", 43.46601167, 11.87911167),
        ("DSCN0042", 43.46445500, 11.88147833),
    ];
    for (name, lat, lon) in truth {
        let photo = ingest(&format!("gps/{name}.jpg"));
        let p = photo.position.unwrap_or_else(|| panic!("{name} has no position"));
        assert_eq!(photo.position_source, PositionSource::Exif, "{name}");
        assert!((p.lat - lat).abs() < 1e-6, "{name}: lat {} vs {lat}", p.lat);
        assert!((p.lon - lon).abs() < 1e-6, "{name}: lon {} vs {lon}", p.lon);
        let local = photo.taken_local.clone().unwrap_or_default();
        assert!(
            local.starts_with("2008-10-22 16:") || local.starts_with("2008-10-22 17:0"),
            "{name}: {local}"
        );
        assert_eq!((photo.width, photo.height), (640, 480), "{name}");
    }
}

#[test]
fn a_photo_without_a_zone_takes_its_offset_from_the_gps_time_of_day() {
    xuncha_testsupport::require_fixtures!();
    // DSCN0010: DateTimeOriginal 2008:10:22 16:28:39 (Italian summer time, UTC+2); the GPS says
    // 14:27:07 UTC but dated the 23rd, a known camera bug: only the time of day is used.
    let photo = ingest("gps/DSCN0010.jpg");
    assert_eq!(photo.taken_local.as_deref(), Some("2008-10-22 16:28:39.000"));
    assert_eq!(photo.taken_at_source, Some(TakenAtSource::ExifLocalWithGpsOffset));
    assert_eq!(photo.utc_offset_min, Some(120));
    let utc = chrono::NaiveDate::from_ymd_opt(2008, 10, 22)
        .and_then(|d| d.and_hms_opt(14, 28, 39))
        .expect("date");
    assert_eq!(photo.taken_at, Some(UnixMs(utc.and_utc().timestamp_millis())));
}

#[test]
fn a_photo_without_zone_or_gps_is_read_in_the_device_zone_only_when_given() {
    xuncha_testsupport::require_fixtures!();
    let path = fixture("cameras/Canon_40D.jpg");
    let bare = ingest_path(&path, &CaptureContext::default(), &IngestOptions::default()).expect("ingest");
    assert_eq!((bare.taken_at, bare.taken_at_source), (None, None));
    assert!(bare.taken_local.is_some());
    let capture = CaptureContext {
        device_utc_offset_min: Some(480),
        ..CaptureContext::default()
    };
    let zoned = ingest_path(&path, &capture, &IngestOptions::default()).expect("ingest");
    assert_eq!(zoned.taken_at_source, Some(TakenAtSource::ExifInDeviceZone));
    assert_eq!(zoned.utc_offset_min, Some(480));
}

#[test]
fn all_orientation_photos_come_out_upright_with_the_right_size() {
    xuncha_testsupport::require_fixtures!();
    for (kind, size) in [("landscape", (600, 450)), ("portrait", (450, 600))] {
        let mut reference: Option<Vec<u8>> = None;
        for n in 1..=8u16 {
            let photo = ingest(&format!("orientation/{kind}_{n}.jpg"));
            assert_eq!(photo.orientation, n, "{kind}_{n}");
            assert_eq!((photo.width, photo.height), size, "{kind}_{n}");
            assert_eq!((photo.upload.width, photo.upload.height), size, "{kind}_{n}");
            assert_eq!(
                pixels(&photo.upload.bytes).0,
                size.0,
                "{kind}_{n} upload as encoded"
            );
            let (w, h, thumb) = pixels(&photo.thumbnail.bytes);
            assert_eq!(
                (w, h),
                (photo.thumbnail.width, photo.thumbnail.height),
                "{kind}_{n}"
            );
            assert_eq!(w.max(h), 320, "{kind}_{n}");
            assert_eq!(w > h, size.0 > size.1, "{kind}_{n}");
            let Some(reference) = &reference else {
                reference = Some(thumb);
                continue;
            };
            // Each variant carries its own number (1..8) painted on the scene and was encoded
            // on its own, so even the right turn differs a little (≈15 per channel); every wrong
            // turn of the same size (mirror, 180°, flip) must differ by far more than that.
            let upright = mean_abs_diff(reference, &thumb);
            for wrong in 2..=4 {
                let (turned, _, _) = xuncha_core::photo::orient(&thumb, w, h, wrong);
                let off = mean_abs_diff(reference, &turned);
                assert!(
                    off > 2.0 * upright,
                    "{kind}_{n}: upright differs by {upright:.1}, turned by orientation {wrong} by {off:.1}"
                );
            }
            assert!(
                upright < 20.0,
                "{kind}_{n} differs from {kind}_1 by {upright:.1} per channel"
            );
        }
    }
}

#[test]
fn camera_photos_have_no_gps_and_take_the_device_fix_when_given() {
    xuncha_testsupport::require_fixtures!();
    let fix = TrackPoint {
        accuracy_m: Some(4.5),
        ..TrackPoint::at(UnixMs(1_700_000_000_000), 114.305, 30.593)
    };
    for name in [
        "Canon_40D",
        "Nikon_D70",
        "Pentax_K10D",
        "Reconyx_HC500_Hyperfire",
        "jolla",
    ] {
        let path = fixture(&format!("cameras/{name}.jpg"));
        let bare = ingest_path(&path, &CaptureContext::default(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (bare.position, bare.position_source),
            (None, PositionSource::None),
            "{name}"
        );
        // The trail camera writes no Make/Model tags.
        let named = name != "Reconyx_HC500_Hyperfire";
        assert_eq!(
            bare.make.is_some() && bare.model.is_some(),
            named,
            "{name}: make/model"
        );
        assert!(bare.upload.width.max(bare.upload.height) <= 1600, "{name}");
        let capture = CaptureContext {
            device_fix: Some(fix),
            ..CaptureContext::default()
        };
        let fixed = ingest_path(&path, &capture, &IngestOptions::default()).expect("ingest");
        assert_eq!(fixed.position, Some(fix.position()), "{name}");
        assert_eq!(fixed.position_source, PositionSource::DeviceFix, "{name}");
        assert_eq!(fixed.accuracy_m, Some(4.5), "{name}");
        assert_eq!(
            fixed.original, bare.original,
            "{name}: the original is hashed as it is"
        );
    }
    let jolla = ingest("cameras/jolla.jpg");
    assert_eq!(
        (
            jolla.width.max(jolla.height),
            jolla.upload.width.max(jolla.upload.height)
        ),
        (3264, 1600)
    );
}

#[test]
fn the_corrupted_photo_gives_a_clear_error_or_a_flagged_partial_decode() {
    xuncha_testsupport::require_fixtures!();
    let bytes = std::fs::read(fixture("broken/corrupted.jpg")).expect("fixture");
    for decoder in decoders() {
        match ingest_bytes(bytes.clone(), &CaptureContext::default(), &options(decoder)) {
            Err(PhotoError::Corrupt(why)) => eprintln!("{decoder:?}: error: {why}"),
            Ok(photo) => {
                let why = photo
                    .partial_decode
                    .unwrap_or_else(|| panic!("{decoder:?}: damage not flagged"));
                eprintln!("{decoder:?}: partial: {why}");
                assert_eq!(photo.upload.width.max(photo.upload.height), 1600);
            }
            Err(other) => panic!("{decoder:?}: unexpected {other}"),
        }
    }
}

#[test]
fn a_truncated_photo_never_panics() {
    xuncha_testsupport::require_fixtures!();
    let bytes = std::fs::read(fixture("gps/DSCN0010.jpg")).expect("fixture");
    for decoder in decoders() {
        for cut in [bytes.len() / 2, bytes.len() - 2, 200] {
            match ingest_bytes(
                bytes[..cut].to_vec(),
                &CaptureContext::default(),
                &options(decoder),
            ) {
                Ok(photo) => assert!(photo.partial_decode.is_some(), "{decoder:?} cut at {cut}"),
                Err(PhotoError::Corrupt(_)) => {}
                Err(other) => panic!("{decoder:?} cut at {cut}: {other}"),
            }
        }
    }
}

/// A real, small JPEG whose frame header is rewritten to declare `width × height`.
fn jpeg_declaring(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 80)
        .encode(&[128u8; 16 * 16 * 3], 16, 16, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    let bomb = jpeg_declaring(60_000, 60_000);
    assert!(bomb.len() < 2_000);
    for decoder in decoders() {
        match ingest_bytes(bomb.clone(), &CaptureContext::default(), &options(decoder)) {
            Err(PhotoError::TooLarge { width, height, .. }) => assert_eq!((width, height), (60_000, 60_000)),
            other => panic!("{decoder:?}: {other:?}"),
        }
    }
}

#[test]
fn a_jpeg_with_thousands_of_scans_is_refused_before_decoding() {
    // A real baseline JPEG whose one scan is repeated 2000 times: the shape of a "scan bomb".
    let jpeg = jpeg_declaring(16, 16);
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).expect("scan");
    let eoi = jpeg.len() - 2;
    let mut bomb = jpeg[..sos].to_vec();
    for _ in 0..2000 {
        bomb.extend_from_slice(&jpeg[sos..eoi]);
    }
    bomb.extend_from_slice(&[0xFF, 0xD9]);
    for decoder in decoders() {
        match ingest_bytes(bomb.clone(), &CaptureContext::default(), &options(decoder)) {
            Err(PhotoError::Corrupt(why)) => assert!(why.contains("scans"), "{why}"),
            other => panic!("{decoder:?}: {other:?}"),
        }
    }
    // The real photos pass the same check.
    let ok = ingest_bytes(jpeg, &CaptureContext::default(), &IngestOptions::default()).expect("one scan");
    assert_eq!((ok.width, ok.height), (16, 16));
}

#[test]
fn an_ingested_photo_becomes_a_valid_attachment_once_its_blobs_are_stored() {
    xuncha_testsupport::require_fixtures!();
    let photo = ingest("gps/DSCN0021.jpg");
    let dir = tempfile::tempdir().expect("dir");
    let store = xuncha_core::blobs::BlobStore::open(dir.path()).expect("store");
    photo.store_blobs(&store).expect("store blobs");
    let attached = photo.attachment(
        PhotoTarget::Finding(FindingId::new()),
        PhotoRole::Evidence,
        "河道漂浮垃圾",
    );
    for hash in [Some(attached.original), attached.upload, attached.thumbnail]
        .into_iter()
        .flatten()
    {
        assert!(store.get(&hash).is_ok(), "{hash} stored and intact");
    }
    assert_eq!(
        store.get(&attached.original).expect("original"),
        photo.original_bytes
    );
    assert_eq!(attached.position_source, PositionSource::Exif);
    let now = UnixMs(chrono::Utc::now().timestamp_millis());
    validate(&Payload::PhotoAttached(attached), now).expect("a valid PhotoAttached");
}

#[test]
fn a_png_named_jpg_is_taken_as_png() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("photo.jpg");
    // A complete 1×1 PNG.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";
    std::fs::write(&path, png).expect("write");
    let photo = ingest_path(&path, &CaptureContext::default(), &IngestOptions::default()).expect("PNG");
    assert_eq!(photo.format, SourceFormat::Png);
    assert_eq!((photo.width, photo.height), (1, 1));
}

#[test]
fn a_gif_named_jpg_is_refused_as_gif_in_words() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("photo.jpg");
    // A complete 1×1 GIF.
    let gif = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;";
    std::fs::write(&path, gif).expect("write");
    let err = ingest_path(&path, &CaptureContext::default(), &IngestOptions::default()).expect_err("GIF");
    assert!(
        matches!(err, PhotoError::UnsupportedFormat(OtherFormat::Gif)),
        "{err:?}"
    );
    assert!(err.to_string().contains("GIF 动图"), "{err}");
}

#[test]
fn empty_and_unknown_files_are_refused() {
    let none = ingest_bytes(Vec::new(), &CaptureContext::default(), &IngestOptions::default());
    assert!(matches!(none, Err(PhotoError::Empty)));
    let text = ingest_bytes(
        b"hello, not a photo".to_vec(),
        &CaptureContext::default(),
        &IngestOptions::default(),
    );
    assert!(matches!(text, Err(PhotoError::UnsupportedFormat(_))));
}

/// Builds without the heif feature (phones) answer a HEIC photo with `HeifNotBuilt`; the test
/// build always has the feature (see Cargo.toml), so here the words of that answer are checked.
#[test]
fn a_build_without_heic_support_says_so_in_words() {
    let words = PhotoError::HeifNotBuilt.to_string();
    assert!(
        words.contains("HEIC") && words.contains("JPEG"),
        "says what the photo is and what to do: {words}"
    );
}

#[cfg(feature = "heif")]
#[test]
fn a_damaged_heic_gives_a_clear_error() {
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08free".to_vec();
    let err = ingest_bytes(heic, &CaptureContext::default(), &IngestOptions::default()).expect_err("HEIC");
    assert!(matches!(err, PhotoError::Corrupt(_)), "{err}");
}

#[cfg(feature = "turbojpeg")]
#[test]
fn both_jpeg_decoders_give_the_same_picture() {
    xuncha_testsupport::require_fixtures!();
    let bytes = std::fs::read(fixture("orientation/portrait_6.jpg")).expect("fixture");
    let [turbo, pure] = [JpegDecoder::TurboJpeg, JpegDecoder::PureRust]
        .map(|d| ingest_bytes(bytes.clone(), &CaptureContext::default(), &options(d)).expect("ingest"));
    assert_eq!(turbo.original, pure.original);
    let (a, b) = (pixels(&turbo.thumbnail.bytes), pixels(&pure.thumbnail.bytes));
    assert_eq!((a.0, a.1), (b.0, b.1));
    let diff = mean_abs_diff(&a.2, &b.2);
    assert!(diff < 3.0, "decoders differ by {diff:.2} per channel");
}
