//! What the photo tests share: the real photos of the fixtures (`xuncha_testsupport::fixtures`), ExifTool as the independent
//! reader (and writer) of metadata, ImageMagick's `convert` as the independent encoder, and the
//! few byte-level edits a test makes to a JPEG's EXIF.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A photo of the fixtures (`rel` inside `photos/`); the test starts with `require_fixtures!()`.
pub fn fixture(rel: &str) -> PathBuf {
    xuncha_testsupport::fixtures::path(&format!("photos/{rel}"))
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    xuncha_testsupport::fixtures::read(&format!("photos/{rel}"))
}

/// Runs a tool the tests need, failing with what to install when it is missing.
fn tool(program: &str, package: &str, args: &[&str]) -> std::process::Output {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!(
            "{program} is needed by this test and could not be run ({e}): run scripts/setup.sh \
             (it installs the Debian package {package})"
        )
    });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `exiftool -j ARGS FILE`, parsed: the one file's tags as a JSON object.
pub fn exiftool_json(file: &Path, args: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let path = file.to_string_lossy();
    let mut all = vec!["-j"];
    all.extend_from_slice(args);
    all.push(&path);
    let output = tool("exiftool", "libimage-exiftool-perl", &all);
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("exiftool speaks JSON");
    match parsed {
        serde_json::Value::Array(mut files) if files.len() == 1 => match files.remove(0) {
            serde_json::Value::Object(tags) => tags,
            other => panic!("exiftool answered {other}"),
        },
        other => panic!("exiftool answered {other}"),
    }
}

/// `exiftool ARGS FILE` for its text (verbose dumps and the like).
pub fn exiftool_text(file: &Path, args: &[&str]) -> String {
    let path = file.to_string_lossy();
    let mut all = args.to_vec();
    all.push(&path);
    String::from_utf8_lossy(&tool("exiftool", "libimage-exiftool-perl", &all).stdout).into_owned()
}

/// Writes tags into a file in place with ExifTool (`-Orientation#=6` and the like).
pub fn exiftool_write(file: &Path, assignments: &[&str]) {
    let path = file.to_string_lossy();
    let mut all = vec!["-q", "-overwrite_original"];
    all.extend_from_slice(assignments);
    all.push(&path);
    tool("exiftool", "libimage-exiftool-perl", &all);
}

/// ImageMagick's `convert ARGS`.
pub fn convert(args: &[&str]) {
    tool("convert", "imagemagick", args);
}

/// Where the TIFF structure of a JPEG's EXIF (APP1 "Exif\0\0") lies: its start and length.
pub fn exif_tiff_range(jpeg: &[u8]) -> (usize, usize) {
    let mut at = 2; // after SOI
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if marker == 0xE1 && jpeg[at + 4..].starts_with(b"Exif\0\0") {
            return (at + 10, len - 8);
        }
        if marker == 0xDA {
            break;
        }
        at += 2 + len;
    }
    panic!("the JPEG has no EXIF segment")
}

/// The JPEG with its EXIF segment's TIFF structure replaced by `tiff`.
pub fn with_exif_tiff(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let (start, len) = exif_tiff_range(jpeg);
    let segment_len = u16::try_from(tiff.len() + 8).expect("EXIF fits one APP1 segment");
    let mut out = jpeg[..start - 8].to_vec();
    out.extend_from_slice(&segment_len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[start + len..]);
    out
}

/// A TIFF structure's byte order and first IFD's entries: (little endian, [(tag, entry offset)]).
pub fn ifd0_entries(tiff: &[u8]) -> (bool, Vec<(u16, usize)>) {
    let little = match &tiff[..2] {
        b"II" => true,
        b"MM" => false,
        other => panic!("not a TIFF byte order: {other:?}"),
    };
    let u16_at = |at: usize| {
        let b = [tiff[at], tiff[at + 1]];
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let ifd0 = {
        let b = [tiff[4], tiff[5], tiff[6], tiff[7]];
        (if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }) as usize
    };
    let entries = (0..usize::from(u16_at(ifd0)))
        .map(|i| {
            let at = ifd0 + 2 + 12 * i;
            (u16_at(at), at)
        })
        .collect();
    (little, entries)
}

/// Decodes a derivative back to RGB pixels (width, height, pixels).
pub fn pixels(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let rgb = d.decode().expect("a derivative decodes");
    let info = d.info().expect("info");
    (u32::from(info.width), u32::from(info.height), rgb)
}

pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len() as f64
}
