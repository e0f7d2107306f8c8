//! Turning a photo file's bytes into RGB pixels, safely: the format is recognised from its first
//! bytes, the declared size is checked against limits before any pixel memory is allocated, and
//! JPEGs are decoded at 1/2, 1/4 or 1/8 scale (DCT scaling) when the wanted size allows it.
//!
//! Decoders: libjpeg-turbo (feature `turbojpeg`) or the pure-Rust `jpeg-decoder`; HEIF through
//! libheif (feature `heif`); PNG and WebP (screenshots, photos forwarded through messaging apps)
//! through the `image` crate. Nothing here may panic, hang or allocate without a bound on input
//! from a file: a panic inside a third-party decoder is caught and reported as a decode error.

use super::{JpegDecoder, PhotoError};
use xuncha_domain::Lang;

/// The container formats this pipeline recognises (`Other` only to refuse it clearly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Heif,
    Png,
    WebP,
    Other(OtherFormat),
}

/// A file that is not a photo this app takes, as a person would call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherFormat {
    Gif,
    Avif,
    TiffOrRaw,
    /// An ISO media file that is not HEIF: a video, most likely.
    OtherIsoMedia,
    Unknown,
}

impl OtherFormat {
    /// "是 GIF 动图" / "is a GIF animation": the words after "这个文件" / "This file".
    pub fn described(self, lang: Lang) -> &'static str {
        match self {
            OtherFormat::Gif => lang.pick("是 GIF 动图", "is a GIF animation"),
            OtherFormat::Avif => lang.pick("是 AVIF 图片", "is an AVIF image"),
            OtherFormat::TiffOrRaw => lang.pick(
                "是 TIFF 图片或相机的 RAW 原始文件",
                "is a TIFF image or a camera's RAW file",
            ),
            OtherFormat::OtherIsoMedia => lang.pick("是视频或其他媒体文件", "is a video or other media file"),
            OtherFormat::Unknown => lang.pick("不是能识别的图片", "is not an image the app recognises"),
        }
    }
}

impl SourceFormat {
    pub fn sniff(bytes: &[u8]) -> SourceFormat {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            SourceFormat::Jpeg
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            SourceFormat::Png
        } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
            match &bytes[8..12] {
                b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                    SourceFormat::Heif
                }
                b"avif" | b"avis" => SourceFormat::Other(OtherFormat::Avif),
                _ => SourceFormat::Other(OtherFormat::OtherIsoMedia),
            }
        } else if bytes.starts_with(b"GIF8") {
            SourceFormat::Other(OtherFormat::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            SourceFormat::WebP
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            SourceFormat::Other(OtherFormat::TiffOrRaw)
        } else {
            SourceFormat::Other(OtherFormat::Unknown)
        }
    }
}

/// Decoded pixels: packed RGB8, `width × height`, as stored (EXIF orientation not applied,
/// unless `upright` says the decoder already did).
pub struct Decoded {
    pub rgb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The image's full size as declared by the file (before DCT scaling).
    pub full_width: u32,
    pub full_height: u32,
    /// The decoder went on past damaged data (grey or smeared areas are likely).
    pub partial: Option<String>,
    /// Orientation was applied by the decoder (libheif applies HEIF's own transformations).
    pub upright: bool,
    /// The EXIF block (TIFF structure) the decoder found: a PNG's eXIf or a WebP's EXIF chunk.
    pub exif: Option<Vec<u8>>,
}

/// Refuses a declared size over the limits, before anything is allocated for it.
fn check_size(width: u32, height: u32, max_pixels: u64) -> Result<(), PhotoError> {
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!(
            "the file declares an empty image ({width}×{height})"
        )));
    }
    if pixels > max_pixels {
        return Err(PhotoError::TooLarge {
            width,
            height,
            max_pixels,
        });
    }
    Ok(())
}

/// The largest DCT scale denominator (8, 4, 2 or 1) that still leaves the long side at least
/// `wanted_long_side` (never upscales: a small image is decoded whole).
pub fn scale_denominator(width: u32, height: u32, wanted_long_side: u32) -> u32 {
    let long = width.max(height);
    [8, 4, 2]
        .into_iter()
        .find(|d| long.div_ceil(*d) >= wanted_long_side)
        .unwrap_or(1)
}

/// More scans than any camera writes (a progressive JPEG has about 10). Each scan makes the
/// decoder pass over the whole image again, so thousands of tiny scans are a way to hang it;
/// 500 is the limit libjpeg-turbo itself offers (TJFLAG_LIMITSCANS).
pub const MAX_JPEG_SCANS: usize = 500;

/// Counts a JPEG's scans (SOS markers) by walking its marker segments, without decoding.
/// Stops early past `MAX_JPEG_SCANS`; a truncated file just ends the count (the decoder then
/// reports the damage).
pub fn count_jpeg_scans(bytes: &[u8]) -> usize {
    let mut scans = 0;
    let mut i = 2; // after SOI
    while scans <= MAX_JPEG_SCANS {
        let Some(ff) = bytes
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
        else {
            break;
        };
        i += ff;
        while bytes.get(i + 1) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        let Some(&marker) = bytes.get(i + 1) else { break };
        match marker {
            0xD9 => break,                       // EOI
            0x00 | 0x01 | 0xD0..=0xD8 => i += 2, // stuffing, TEM, RSTn, SOI
            _ => {
                let Some(len) = bytes
                    .get(i + 2..i + 4)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                else {
                    break;
                };
                i += 2 + len;
                if marker == 0xDA {
                    scans += 1;
                    // Entropy-coded data follows: skip to the next marker that is not a
                    // stuffed 0xFF00 or a restart marker.
                    while let Some(ff) = bytes
                        .get(i..)
                        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
                    {
                        i += ff;
                        match bytes.get(i + 1) {
                            Some(0x00 | 0xD0..=0xD7) => i += 2,
                            _ => break,
                        }
                    }
                }
            }
        }
    }
    scans
}

pub fn decode(
    bytes: &[u8],
    format: SourceFormat,
    wanted_long_side: u32,
    max_pixels: u64,
    decoder: JpegDecoder,
) -> Result<Decoded, PhotoError> {
    if format == SourceFormat::Jpeg && count_jpeg_scans(bytes) > MAX_JPEG_SCANS {
        return Err(PhotoError::Corrupt(format!(
            "the JPEG has more than {MAX_JPEG_SCANS} scans; no camera writes that"
        )));
    }
    match format {
        SourceFormat::Jpeg => match decoder {
            #[cfg(feature = "turbojpeg")]
            JpegDecoder::TurboJpeg => turbo::decode(bytes, wanted_long_side, max_pixels),
            JpegDecoder::PureRust => catch_panic(|| pure::decode(bytes, wanted_long_side, max_pixels)),
        },
        SourceFormat::Heif => heif::decode(bytes, max_pixels),
        SourceFormat::Png | SourceFormat::WebP => catch_panic(|| raster::decode(bytes, format, max_pixels)),
        SourceFormat::Other(other) => Err(PhotoError::UnsupportedFormat(other)),
    }
}

fn catch_panic(f: impl FnOnce() -> Result<Decoded, PhotoError>) -> Result<Decoded, PhotoError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(PhotoError::Corrupt(format!("the decoder gave up: {what}")))
    })
}

mod pure {
    use super::*;
    use jpeg_decoder::{Decoder, PixelFormat};

    pub fn decode(bytes: &[u8], wanted_long_side: u32, max_pixels: u64) -> Result<Decoded, PhotoError> {
        let mut decoder = Decoder::new(std::io::Cursor::new(bytes));
        decoder
            .read_info()
            .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        let info = decoder
            .info()
            .ok_or_else(|| PhotoError::Corrupt("no frame header".into()))?;
        let (full_w, full_h) = (u32::from(info.width), u32::from(info.height));
        check_size(full_w, full_h, max_pixels)?;
        let d = scale_denominator(full_w, full_h, wanted_long_side);
        let (w, h) = decoder
            .scale(
                full_w.div_ceil(d).try_into().unwrap_or(u16::MAX),
                full_h.div_ceil(d).try_into().unwrap_or(u16::MAX),
            )
            .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        let (w, h) = (u32::from(w), u32::from(h));
        // Room for the scaled output in the widest pixel format (CMYK): the decoder refuses
        // anything that would need more.
        decoder.set_max_decoding_buffer_size((u64::from(w) * u64::from(h) * 4) as usize);
        let pixels = decoder.decode().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        let rgb = match info.pixel_format {
            PixelFormat::RGB24 => pixels,
            PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
            PixelFormat::CMYK32 => pixels
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    p[..3]
                        .iter()
                        .map(move |&c| (u16::from(c) * k / 255) as u8)
                        .collect::<Vec<_>>()
                })
                .collect(),
            PixelFormat::L16 => {
                return Err(PhotoError::Corrupt(
                    "12/16-bit JPEGs are not camera photos".into(),
                ));
            }
        };
        if rgb.len() < (w * h * 3) as usize {
            return Err(PhotoError::Corrupt(
                "the decoder returned fewer pixels than declared".into(),
            ));
        }
        Ok(Decoded {
            rgb,
            width: w,
            height: h,
            full_width: full_w,
            full_height: full_h,
            partial: None,
            upright: false,
            exif: None,
        })
    }
}

#[path = "raster.rs"]
mod raster;

#[cfg(feature = "turbojpeg")]
mod turbo {
    use super::*;
    use turbojpeg::{Decompressor, Image, PixelFormat};

    /// libjpeg's warnings: it went on decoding past the damage and the pixels are complete,
    /// if partly grey. TurboJPEG 2.x reports them like errors, so they are told apart by text.
    const WARNINGS: [&str; 4] = [
        "Corrupt JPEG data",
        "Premature end of JPEG file",
        "Invalid SOS parameters for sequential JPEG",
        "Inconsistent progression sequence",
    ];

    pub fn decode(bytes: &[u8], wanted_long_side: u32, max_pixels: u64) -> Result<Decoded, PhotoError> {
        let corrupt = |e: turbojpeg::Error| PhotoError::Corrupt(e.to_string());
        let mut decompressor = Decompressor::new().map_err(corrupt)?;
        let header = decompressor.read_header(bytes).map_err(corrupt)?;
        let full_w = u32::try_from(header.width).unwrap_or(u32::MAX);
        let full_h = u32::try_from(header.height).unwrap_or(u32::MAX);
        check_size(full_w, full_h, max_pixels)?;
        let d = scale_denominator(full_w, full_h, wanted_long_side);
        // TurboJPEG picks the largest DCT scaling whose output fits the size asked for; the
        // ceiling here is exactly its scaled size for 1/d.
        let (w, h) = (full_w.div_ceil(d), full_h.div_ceil(d));
        let mut rgb = vec![0u8; (w as usize) * (h as usize) * 3];
        let image = Image {
            pixels: rgb.as_mut_slice(),
            width: w as usize,
            pitch: w as usize * 3,
            height: h as usize,
            format: PixelFormat::RGB,
        };
        let partial = match decompressor.decompress(bytes, image) {
            Ok(()) => None,
            Err(e) => {
                let message = e.to_string();
                if WARNINGS.iter().any(|w| message.contains(w)) {
                    Some(message)
                } else {
                    return Err(PhotoError::Corrupt(message));
                }
            }
        };
        Ok(Decoded {
            rgb,
            width: w,
            height: h,
            full_width: full_w,
            full_height: full_h,
            partial,
            upright: false,
            exif: None,
        })
    }
}

#[cfg(feature = "heif")]
mod heif {
    use super::*;
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};

    pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, PhotoError> {
        let corrupt = |e: libheif_rs::HeifError| PhotoError::Corrupt(format!("HEIF: {e}"));
        let context = HeifContext::read_from_bytes(bytes).map_err(corrupt)?;
        let handle = context.primary_image_handle().map_err(corrupt)?;
        let (full_w, full_h) = (handle.width(), handle.height());
        check_size(full_w, full_h, max_pixels)?;
        // libheif applies the file's rotation and mirroring itself while decoding.
        let image = LibHeif::new()
            .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
            .map_err(corrupt)?;
        let plane = image
            .planes()
            .interleaved
            .ok_or_else(|| PhotoError::Corrupt("HEIF: no interleaved RGB plane".into()))?;
        let (w, h) = (plane.width, plane.height);
        check_size(w, h, max_pixels)?;
        let row = w as usize * 3;
        let mut rgb = Vec::with_capacity(row * h as usize);
        for y in 0..h as usize {
            let line = plane
                .data
                .get(y * plane.stride..y * plane.stride + row)
                .ok_or_else(|| PhotoError::Corrupt("HEIF: plane shorter than declared".into()))?;
            rgb.extend_from_slice(line);
        }
        Ok(Decoded {
            rgb,
            width: w,
            height: h,
            full_width: w,
            full_height: h,
            partial: None,
            upright: true,
            exif: None,
        })
    }
}

#[cfg(not(feature = "heif"))]
mod heif {
    use super::*;

    pub fn decode(_bytes: &[u8], _max_pixels: u64) -> Result<Decoded, PhotoError> {
        Err(PhotoError::HeifNotBuilt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dct_scaling_never_goes_below_the_wanted_size() {
        assert_eq!(scale_denominator(4000, 3000, 1600), 2);
        assert_eq!(scale_denominator(4000, 3000, 320), 8);
        assert_eq!(scale_denominator(4000, 3000, 500), 8);
        assert_eq!(scale_denominator(4000, 3000, 501), 4);
        assert_eq!(scale_denominator(640, 480, 1600), 1);
        assert_eq!(scale_denominator(3264, 2448, 1600), 2);
    }

    fn jpeg(progressive: bool) -> Vec<u8> {
        let rgb: Vec<u8> = (0..64 * 48 * 3).map(|i| (i * 7 % 251) as u8).collect();
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
        encoder.set_progressive(progressive);
        encoder
            .encode(&rgb, 64, 48, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        out
    }

    #[test]
    fn scans_are_counted_without_decoding() {
        assert_eq!(count_jpeg_scans(&jpeg(false)), 1);
        let progressive = count_jpeg_scans(&jpeg(true));
        assert!((2..=20).contains(&progressive), "{progressive}");
        let baseline = jpeg(false);
        assert_eq!(count_jpeg_scans(&baseline[..baseline.len() / 2]), 1);
    }

    #[test]
    fn formats_are_recognised_by_their_first_bytes() {
        assert_eq!(SourceFormat::sniff(b"\xFF\xD8\xFF\xE1...."), SourceFormat::Jpeg);
        assert_eq!(SourceFormat::sniff(b"\x89PNG\r\n\x1a\n...."), SourceFormat::Png);
        assert_eq!(SourceFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "), SourceFormat::WebP);
        assert_eq!(
            SourceFormat::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            SourceFormat::Heif
        );
        assert_eq!(
            SourceFormat::sniff(b"\0\0\0\x18ftypavif\0\0\0\0"),
            SourceFormat::Other(OtherFormat::Avif)
        );
        assert_eq!(
            SourceFormat::sniff(b"GIF89a"),
            SourceFormat::Other(OtherFormat::Gif)
        );
        assert_eq!(
            SourceFormat::sniff(b""),
            SourceFormat::Other(OtherFormat::Unknown)
        );
    }
}
