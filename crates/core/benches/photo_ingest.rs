//! Photo ingest speed against `vipsthumbnail` (Debian libvips-tools), in one run, on one 12 MP
//! JPEG made here: 4000×3000 with gradients, texture and sensor-like noise, EXIF Orientation 6,
//! GPS and a zoned DateTimeOriginal.
//!
//! Ours: `ingest_path` = read + SHA-256 + EXIF + upload copy (1600 px) + thumbnail (320 px),
//! both upright and JPEG-encoded. Theirs: `vipsthumbnail -s 1600` and `vipsthumbnail -s 320`
//! on the same file (it auto-rotates), as two processes, since it makes one size per run.
//! Prints medians and the ratio ours / vipsthumbnail (issue 3's target: ≤ 0.35 with the build
//! the app ships by default, which is the `turbojpeg` feature).
//!
//! Run: `cargo bench -p xuncha-core --bench photo_ingest` (needs libvips-tools and
//! libturbojpeg0-dev). `PHOTO_BENCH_RUNS=n` sets the runs per contestant (default 9);
//! `PHOTO_BENCH_SAVE=path` keeps a copy of the test photo.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use xuncha_core::photo::{CaptureContext, IngestOptions, JpegDecoder, ingest_path};

const WIDTH: usize = 4000;
const HEIGHT: usize = 3000;

fn main() {
    let runs: usize = std::env::var("PHOTO_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("IMG_4000x3000_o6.jpg");
    let jpeg = camera_like_jpeg();
    std::fs::write(&photo, &jpeg).expect("write the test photo");
    if let Ok(keep) = std::env::var("PHOTO_BENCH_SAVE") {
        std::fs::write(&keep, &jpeg).expect("save a copy of the test photo");
    }
    println!(
        "test photo: {WIDTH}×{HEIGHT}, EXIF orientation 6, {:.1} MB, {}",
        jpeg.len() as f64 / 1e6,
        photo.display()
    );

    let decoders = [
        #[cfg(feature = "turbojpeg")]
        ("libjpeg-turbo (default build)", JpegDecoder::TurboJpeg),
        ("pure Rust jpeg-decoder", JpegDecoder::PureRust),
    ];

    // Check once, outside the timing, that every contestant does the same work.
    for (name, decoder) in &decoders {
        let p = ingest_path(&photo, &CaptureContext::default(), &options(*decoder)).expect("ingest");
        assert_eq!(
            (p.orientation, p.upload.width, p.upload.height),
            (6, 1200, 1600),
            "{name}"
        );
        assert_eq!((p.thumbnail.width, p.thumbnail.height), (240, 320), "{name}");
        assert!(p.position.is_some() && p.taken_at.is_some(), "{name}: EXIF read");
    }
    let out_dir = dir.path().join("vips");
    std::fs::create_dir_all(&out_dir).expect("vips output dir");
    vips_both_sizes(&photo, &out_dir);
    for (size, want) in [(1600, (1200, 1600)), (320, (240, 320))] {
        let out = std::fs::read(out_dir.join(format!("IMG_4000x3000_o6_{size}.jpg"))).expect("vips output");
        let mut d = jpeg_decoder::Decoder::new(out.as_slice());
        d.read_info().expect("vips output header");
        let info = d.info().expect("info");
        assert_eq!(
            (u32::from(info.width), u32::from(info.height)),
            want,
            "vipsthumbnail -s {size}"
        );
    }

    // Interleaved runs, so that load from elsewhere on the machine hits all alike.
    let mut ours: Vec<Vec<Duration>> = vec![Vec::new(); decoders.len()];
    let mut vips = Vec::new();
    let mut vips_startup = Vec::new();
    let tiny = out_dir.join("IMG_4000x3000_o6_320.jpg");
    for _ in 0..runs {
        for (i, (_, decoder)) in decoders.iter().enumerate() {
            let start = Instant::now();
            let p = ingest_path(&photo, &CaptureContext::default(), &options(*decoder)).expect("ingest");
            ours[i].push(start.elapsed());
            std::hint::black_box(p);
        }
        let start = Instant::now();
        vips_both_sizes(&photo, &out_dir);
        vips.push(start.elapsed());
        // What one vipsthumbnail process costs with next to no image work (320 px → 16 px).
        let start = Instant::now();
        vips_thumbnail(&tiny, &out_dir.join("startup"), 16);
        vips_startup.push(start.elapsed());
    }

    let vips_median = median(&mut vips);
    let startup = median(&mut vips_startup);
    println!("runs per contestant: {runs} (median shown)");
    println!(
        "vipsthumbnail -s 1600 + -s 320 (two processes): {:>7.1} ms",
        ms(vips_median)
    );
    println!(
        "  of which process start-up, about 2 × {:.1} ms (vipsthumbnail on a 320 px file)",
        ms(startup)
    );
    for ((name, _), times) in decoders.iter().zip(ours.iter_mut()) {
        let m = median(times);
        println!(
            "xuncha ingest, {name:<30}: {:>7.1} ms   ratio to vipsthumbnail {:.2}",
            ms(m),
            m.as_secs_f64() / vips_median.as_secs_f64()
        );
    }
    println!("target: ratio ≤ 0.35 with the default build (features: turbojpeg)");
}

fn options(decoder: JpegDecoder) -> IngestOptions {
    IngestOptions {
        decoder,
        ..IngestOptions::default()
    }
}

fn vips_both_sizes(photo: &Path, out_dir: &Path) {
    for size in [1600, 320] {
        vips_thumbnail(photo, out_dir, size);
    }
}

fn vips_thumbnail(photo: &Path, out_dir: &Path, size: u32) {
    std::fs::create_dir_all(out_dir).expect("vips output dir");
    let out = format!("{}/%s_{size}.jpg[Q=80]", out_dir.display());
    let status = Command::new("vipsthumbnail")
        .arg(photo)
        .args(["-s", &size.to_string(), "-o", &out])
        .status()
        .expect("vipsthumbnail runs (Debian package libvips-tools)");
    assert!(status.success(), "vipsthumbnail -s {size} failed");
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A 4000×3000 JPEG (quality 92, 4:2:0 like a phone camera) stored sideways: the scene is
/// 3000 wide and 4000 high once turned by its EXIF Orientation 6.
fn camera_like_jpeg() -> Vec<u8> {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 25) as i32 - 12
    };
    let mut rgb = vec![0u8; WIDTH * HEIGHT * 3];
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (fx, fy) = (x as f32, y as f32);
            // Sky-to-ground gradient, foliage-like texture at a few scales, and sensor noise.
            let texture = 28.0 * (fx * 0.031).sin() * (fy * 0.047).cos()
                + 18.0 * ((fx + fy) * 0.173).sin()
                + 10.0 * (fx * 0.61 + (fy * 0.013).sin() * 9.0).sin();
            let base = [
                60.0 + 120.0 * fx / WIDTH as f32,
                90.0 + 100.0 * (1.0 - fy / HEIGHT as f32),
                70.0 + 60.0 * ((fx - fy) / WIDTH as f32).abs(),
            ];
            let i = (y * WIDTH + x) * 3;
            for c in 0..3 {
                rgb[i + c] = (base[c] + texture + noise() as f32).clamp(0.0, 255.0) as u8;
            }
        }
    }
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 92);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder.add_exif_metadata(&exif_tiff()).expect("EXIF segment");
    encoder
        .encode(&rgb, WIDTH as u16, HEIGHT as u16, jpeg_encoder::ColorType::Rgb)
        .expect("encode the test photo");
    jpeg
}

/// One TIFF IFD entry: tag, type (2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL), count, value bytes.
struct Entry(u16, u16, u32, Vec<u8>);

fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat())
        .collect()
}

fn ascii(s: &str) -> Entry {
    Entry(0, 2, s.len() as u32 + 1, [s.as_bytes(), b"\0"].concat())
}

fn with_tag(tag: u16, e: Entry) -> Entry {
    Entry(tag, e.1, e.2, e.3)
}

/// Serialises an IFD placed at `at` (offsets are from the TIFF header), values over four bytes
/// right after it.
fn ifd(entries: &[Entry], at: u32) -> Vec<u8> {
    let table_len = 2 + 12 * entries.len() as u32 + 4;
    let mut table = (entries.len() as u16).to_be_bytes().to_vec();
    let mut data = Vec::new();
    for Entry(tag, kind, count, value) in entries {
        table.extend_from_slice(&tag.to_be_bytes());
        table.extend_from_slice(&kind.to_be_bytes());
        table.extend_from_slice(&count.to_be_bytes());
        if value.len() <= 4 {
            let mut inline = value.clone();
            inline.resize(4, 0);
            table.extend_from_slice(&inline);
        } else {
            table.extend_from_slice(&(at + table_len + data.len() as u32).to_be_bytes());
            data.extend_from_slice(value);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    table.extend_from_slice(&0u32.to_be_bytes());
    table.extend_from_slice(&data);
    table
}

/// Big-endian TIFF: IFD0 (Make, Model, Orientation 6, Exif and GPS pointers), an Exif IFD
/// (DateTimeOriginal, OffsetTimeOriginal) and a GPS IFD (a place on the Yangtze at Wuhan).
fn exif_tiff() -> Vec<u8> {
    let exif_entries = [
        with_tag(0x9003, ascii("2026:05:20 09:41:07")),
        with_tag(0x9011, ascii("+08:00")),
    ];
    let gps_entries = [
        with_tag(0x0001, ascii("N")),
        Entry(0x0002, 5, 3, rationals(&[(30, 1), (35, 1), (3456, 100)])),
        with_tag(0x0003, ascii("E")),
        Entry(0x0004, 5, 3, rationals(&[(114, 1), (18, 1), (1234, 100)])),
    ];
    let ifd0_entries = |exif_at: u32, gps_at: u32| {
        [
            with_tag(0x010F, ascii("XunchaCam")),
            with_tag(0x0110, ascii("Bench 12MP")),
            Entry(0x0112, 3, 1, 6u16.to_be_bytes().to_vec()),
            Entry(0x8769, 4, 1, exif_at.to_be_bytes().to_vec()),
            Entry(0x8825, 4, 1, gps_at.to_be_bytes().to_vec()),
        ]
    };
    let ifd0_len = ifd(&ifd0_entries(0, 0), 8).len() as u32;
    let exif_at = 8 + ifd0_len;
    let exif = ifd(&exif_entries, exif_at);
    let gps_at = exif_at + exif.len() as u32;
    let gps = ifd(&gps_entries, gps_at);
    [
        b"MM\0\x2A".as_slice(),
        &8u32.to_be_bytes(),
        &ifd(&ifd0_entries(exif_at, gps_at), 8),
        &exif,
        &gps,
    ]
    .concat()
}
