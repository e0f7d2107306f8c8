//! Photo ingest: from a photo file (path or bytes, read once) to everything a `PhotoAttached`
//! event needs — the original's SHA-256, what its EXIF says (time taken with its offset, GPS
//! position, altitude, accuracy, direction, orientation, make, model), and two upright JPEG
//! derivatives: the upload copy (long side 1600 px by default) and the thumbnail (≈320 px, made
//! from the upload copy's pixels). Camera JPEGs and iPhone HEICs, and PNG and WebP too (screen-
//! shots, photos forwarded through messaging apps): their EXIF, where they carry one, is read
//! and applied the same way, and transparent parts are put on white.
//!
//! Ingest never writes anything: it returns bytes and hashes, and `IngestedPhoto::store_blobs`
//! puts them in the `BlobStore` before an event may refer to them. It never panics, hangs or
//! allocates without bound on a hostile file: sizes are checked before decoding, and damaged
//! data gives `PhotoError` or a result flagged `partial_decode`.
//!
//! Which JPEG decoder runs: libjpeg-turbo with DCT-scaled decoding when the crate is built with
//! the `turbojpeg` feature (the default, and the build the app ships where the system has
//! libturbojpeg: Linux desktops and servers, CI), the pure-Rust `jpeg-decoder` (also
//! DCT-scaled) otherwise or when `IngestOptions::decoder` asks for it. Targets with no system
//! libturbojpeg (Android, iOS) build with `default-features = false` and get the pure-Rust path,
//! which `benches/photo_ingest.rs` measures beside the default in every run.
//!
//! Memory: JPEGs are decoded at the smallest DCT scale that still gives the upload size, so
//! decoded pixels stay under about 3200×3200×3 bytes whatever the photo's size; progressive
//! JPEGs make libjpeg hold the whole image's coefficients (about 3 bytes per pixel), which
//! `IngestOptions::max_pixels` bounds. PNG and WebP cannot be decoded at a reduced scale: they
//! are decoded whole (up to 8 bytes per pixel for 16-bit RGBA), under the same `max_pixels`.

mod decode;
mod derive;
mod exif;

pub use decode::{OtherFormat, SourceFormat};
pub use derive::{fit_long_side, orient};

use crate::blobs::{BlobError, BlobStore};
use std::path::Path;
use xuncha_domain::hash::BlobHash;
use xuncha_domain::payload::{PhotoAttached, PhotoRole, PhotoTarget, PositionSource};
use xuncha_domain::position::{Position, TrackPoint};
use xuncha_domain::time::UnixMs;
use xuncha_domain::{Lang, Say};

/// Why a photo could not be taken in. `Display` says it in one Chinese sentence (what is wrong
/// and what to do), `Say` in either language; a library's own account of the damage is kept for
/// developers only (`Debug`, `source`), never shown to a person.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    Empty,
    UnsupportedFormat(OtherFormat),
    HeifNotBuilt,
    /// The file declares more pixels than any phone camera makes (a decompression bomb).
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// The image data is damaged; the text is the decoder's own account, for developers.
    Corrupt(String),
    /// A step that should not fail did (the text is for developers).
    Internal(String),
    Blob(#[from] BlobError),
}

impl std::fmt::Display for PhotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.say(Lang::Zh))
    }
}

impl Say for PhotoError {
    fn say(&self, lang: Lang) -> String {
        match self {
            PhotoError::Read { path, .. } => lang.pick(
                format!("无法读取照片文件 {path}：请确认文件还在、没有被其他程序占用，并且应用有权限读取它"),
                format!(
                    "The photo file {path} could not be read: check that it still exists, that no \
                     other program holds it, and that the app may read it"
                ),
            ),
            PhotoError::Empty => lang
                .pick(
                    "照片文件是空的（0 字节），可能没有传输完整：请重新拍摄或重新复制这张照片",
                    "The photo file is empty (0 bytes), probably not copied completely: take the \
                     photo again or copy it again",
                )
                .to_owned(),
            PhotoError::UnsupportedFormat(format) => lang.pick(
                format!(
                    "这个文件{}，应用只能添加 JPEG、HEIC、PNG 或 WebP 格式的照片：请先把它转换成 JPEG 再添加",
                    format.described(lang)
                ),
                format!(
                    "This file {}, and the app takes JPEG, HEIC, PNG or WebP photos only: convert \
                     it to JPEG first",
                    format.described(lang)
                ),
            ),
            PhotoError::HeifNotBuilt => lang
                .pick(
                    "这个版本的应用不能读取 HEIC/HEIF 照片（苹果手机的默认格式）：请把相机的格式设为“兼容性最佳”（JPEG），或先转成 JPEG 再添加",
                    "This version of the app cannot read HEIC/HEIF photos (the iPhone's default \
                     format): set the camera's format to “Most Compatible” (JPEG), or convert the \
                     photo to JPEG before adding it",
                )
                .to_owned(),
            PhotoError::TooLarge {
                width,
                height,
                max_pixels,
            } => {
                let megapixels = |px: u64| (px as f64 / 1e6).round();
                let declared = megapixels(u64::from(*width) * u64::from(*height));
                let limit = megapixels(*max_pixels);
                lang.pick(
                    format!(
                        "这张照片声称有 {width}×{height} 像素（约 {declared} 百万像素），超过了应用接受的上限 {limit} 百万像素，可能是损坏或恶意的文件：请换一张照片"
                    ),
                    format!(
                        "This photo claims {width}×{height} pixels (about {declared} megapixels), \
                         over the app's limit of {limit} megapixels, so it may be damaged or \
                         malicious: choose another photo"
                    ),
                )
            }
            PhotoError::Corrupt(_) => lang
                .pick(
                    "照片的图像数据已损坏，无法读出画面：请换一张照片，或从原来的相册重新导出后再添加",
                    "The photo's image data is damaged and cannot be shown: choose another photo, \
                     or export it again from the album it came from",
                )
                .to_owned(),
            PhotoError::Internal(_) => lang
                .pick(
                    "处理照片时应用内部出错：请再试一次，若仍然失败请把这张照片发给技术支持",
                    "The app failed inside while processing the photo: try again, and if it fails \
                     again send the photo to support",
                )
                .to_owned(),
            PhotoError::Blob(_) => lang
                .pick(
                    "照片无法保存到本机：请检查设备的剩余存储空间后再试",
                    "The photo could not be saved on this device: check the free storage space and \
                     try again",
                )
                .to_owned(),
        }
    }
}

/// The JPEG decoder to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JpegDecoder {
    /// libjpeg-turbo (system library) with DCT-scaled decoding.
    #[cfg(feature = "turbojpeg")]
    TurboJpeg,
    /// `jpeg-decoder`, pure Rust, with DCT-scaled decoding.
    PureRust,
}

impl Default for JpegDecoder {
    fn default() -> Self {
        #[cfg(feature = "turbojpeg")]
        return JpegDecoder::TurboJpeg;
        #[cfg(not(feature = "turbojpeg"))]
        return JpegDecoder::PureRust;
    }
}

#[derive(Clone, Debug)]
pub struct IngestOptions {
    pub upload_long_side_px: u32,
    pub thumbnail_long_side_px: u32,
    pub jpeg_quality: u8,
    /// Largest declared image accepted (width × height). The default, 200 MP, is above every
    /// phone camera; a 60000×60000 "bomb" is refused before any pixel memory is allocated.
    pub max_pixels: u64,
    pub decoder: JpegDecoder,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            upload_long_side_px: 1600,
            thumbnail_long_side_px: 320,
            jpeg_quality: 80,
            max_pixels: 200_000_000,
            decoder: JpegDecoder::default(),
        }
    }
}

/// What the device knew when the photo was taken.
#[derive(Clone, Debug, Default)]
pub struct CaptureContext {
    /// The device's GPS fix at capture time: used when the photo has no EXIF GPS.
    pub device_fix: Option<TrackPoint>,
    /// The device's UTC offset (minutes east) at capture time: used when the EXIF time has no
    /// offset of its own and no GPS time.
    pub device_utc_offset_min: Option<i32>,
}

/// Where `taken_at` came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakenAtSource {
    /// DateTimeOriginal with OffsetTimeOriginal.
    ExifWithOffset,
    /// DateTimeOriginal, with the zone found by comparing it with the GPS receiver's UTC time
    /// of day (rounded to 15 minutes). The GPS time is that of the camera's last fix, so a
    /// fix older than about 7 minutes would shift the zone: the source is kept so a reviewer
    /// can weigh it.
    ExifLocalWithGpsOffset,
    /// The GPS receiver's UTC date and time (the photo has no DateTimeOriginal).
    GpsUtc,
    /// DateTimeOriginal read in the device's zone, since the photo named none.
    ExifInDeviceZone,
}

/// One JPEG derivative.
#[derive(Clone, Debug)]
pub struct Derivative {
    pub hash: BlobHash,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Everything a `PhotoAttached` event needs, plus the bytes to store.
#[derive(Clone, Debug)]
pub struct IngestedPhoto {
    pub format: SourceFormat,
    pub original: BlobHash,
    pub original_bytes: Vec<u8>,
    /// The original's size once upright (width and height swapped for orientations 5..8).
    pub width: u32,
    pub height: u32,
    pub upload: Derivative,
    pub thumbnail: Derivative,
    pub taken_at: Option<UnixMs>,
    pub taken_at_source: Option<TakenAtSource>,
    /// The time as the camera's clock showed it, "YYYY-MM-DD HH:MM:SS[.mmm]".
    pub taken_local: Option<String>,
    /// The offset `taken_at` was computed with, minutes east of UTC (see `taken_at_source`).
    pub utc_offset_min: Option<i32>,
    pub position: Option<Position>,
    pub position_source: PositionSource,
    pub altitude_m: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub direction_deg: Option<f64>,
    /// EXIF orientation as found (1..8); the derivatives already have it applied.
    pub orientation: u16,
    pub make: Option<String>,
    pub model: Option<String>,
    /// Set when the decoder went on past damaged data: the derivatives may show grey areas.
    pub partial_decode: Option<String>,
    /// What of the photo's EXIF could not be read or was not used, in Chinese words for the
    /// person adding it ("照片的 EXIF 信息部分损坏，已读取可读部分（GPS 位置无法读取）"); what
    /// could be read is used all the same.
    pub exif_problem: Option<String>,
}

impl IngestedPhoto {
    /// The event payload for this photo. Call it only after `store_blobs` succeeded.
    pub fn attachment(
        &self,
        target: PhotoTarget,
        role: PhotoRole,
        caption: impl Into<String>,
    ) -> PhotoAttached {
        PhotoAttached {
            target,
            role,
            original: self.original,
            upload: Some(self.upload.hash),
            thumbnail: Some(self.thumbnail.hash),
            taken_at: self.taken_at,
            position: self.position,
            position_source: self.position_source,
            caption: caption.into(),
        }
    }

    /// Stores the original, the upload copy and the thumbnail durably. Only after this returns
    /// may an event refer to their hashes.
    pub fn store_blobs(&self, store: &BlobStore) -> Result<(), PhotoError> {
        store.put(&self.original_bytes)?;
        store.put(&self.upload.bytes)?;
        store.put(&self.thumbnail.bytes)?;
        Ok(())
    }
}

/// Ingests the photo file at `path`, reading it once.
pub fn ingest_path(
    path: &Path,
    capture: &CaptureContext,
    options: &IngestOptions,
) -> Result<IngestedPhoto, PhotoError> {
    let bytes = std::fs::read(path).map_err(|source| PhotoError::Read {
        path: path.display().to_string(),
        source,
    })?;
    ingest_bytes(bytes, capture, options)
}

pub fn ingest_bytes(
    bytes: Vec<u8>,
    capture: &CaptureContext,
    options: &IngestOptions,
) -> Result<IngestedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    let format = SourceFormat::sniff(&bytes);
    match format {
        SourceFormat::Jpeg | SourceFormat::Png | SourceFormat::WebP => {}
        SourceFormat::Heif if cfg!(feature = "heif") => {}
        SourceFormat::Heif => return Err(PhotoError::HeifNotBuilt),
        SourceFormat::Other(other) => return Err(PhotoError::UnsupportedFormat(other)),
    }
    // Hashing the original runs beside decoding, and the two derivatives are encoded side by
    // side: phones have cores to spare, and these steps share nothing but read-only input.
    let (original, facts, mut decoded) = std::thread::scope(|s| {
        let hashing = s.spawn(|| BlobHash::of(&bytes));
        // A PNG's or WebP's EXIF comes from its decoder, below.
        let facts = matches!(format, SourceFormat::Jpeg | SourceFormat::Heif).then(|| exif::read(&bytes));
        let decoded = decode::decode(
            &bytes,
            format,
            options.upload_long_side_px,
            options.max_pixels,
            options.decoder,
        );
        let original = hashing
            .join()
            .map_err(|_| PhotoError::Internal("hashing panicked".into()))?;
        Ok::<_, PhotoError>((original, facts, decoded?))
    })?;

    // The decoder hands over a PNG's eXIf or a WebP's EXIF chunk when it saw one; a PNG whose
    // eXIf follows the image data is found by walking its chunks instead.
    let facts = match (facts, decoded.exif.take()) {
        (Some(facts), _) => facts,
        (None, Some(tiff)) => exif::read_tiff(tiff),
        (None, None) => exif::read(&bytes),
    };

    // Pixel work happens in stored orientation at the smallest size needed, then is turned.
    let orientation = if decoded.upright { 1 } else { facts.orientation };
    let partial_decode = decoded.partial;
    let (full_w, full_h) = if derive::swaps_axes(orientation) {
        (decoded.full_height, decoded.full_width)
    } else {
        (decoded.full_width, decoded.full_height)
    };
    let (up_w, up_h) = fit_long_side(full_w, full_h, options.upload_long_side_px);
    let (stored_w, stored_h) = if derive::swaps_axes(orientation) {
        (up_h, up_w)
    } else {
        (up_w, up_h)
    };
    let resized = derive::resize(&decoded.rgb, decoded.width, decoded.height, stored_w, stored_h)?;
    drop(decoded.rgb);
    let (upright, up_w, up_h) = orient(&resized, stored_w, stored_h, orientation);
    drop(resized);

    let (th_w, th_h) = fit_long_side(up_w, up_h, options.thumbnail_long_side_px);
    let (upload_bytes, thumb_bytes) = std::thread::scope(|s| {
        let thumbnail = s.spawn(|| {
            let pixels = derive::resize(&upright, up_w, up_h, th_w, th_h)?;
            derive::encode_jpeg(&pixels, th_w, th_h, options.jpeg_quality)
        });
        let upload = derive::encode_jpeg(&upright, up_w, up_h, options.jpeg_quality);
        let thumbnail = thumbnail
            .join()
            .map_err(|_| PhotoError::Internal("thumbnail panicked".into()))?;
        Ok::<_, PhotoError>((upload?, thumbnail?))
    })?;

    let (taken_at, taken_at_source, utc_offset_min) = taken_at(&facts, capture);
    let (position, position_source, altitude_m, accuracy_m) = position(&facts, capture);
    Ok(IngestedPhoto {
        format,
        original,
        original_bytes: bytes,
        width: full_w,
        height: full_h,
        upload: Derivative {
            hash: BlobHash::of(&upload_bytes),
            bytes: upload_bytes,
            width: up_w,
            height: up_h,
        },
        thumbnail: Derivative {
            hash: BlobHash::of(&thumb_bytes),
            bytes: thumb_bytes,
            width: th_w,
            height: th_h,
        },
        taken_at,
        taken_at_source,
        taken_local: facts
            .taken_local
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
        utc_offset_min,
        position,
        position_source,
        altitude_m,
        accuracy_m,
        direction_deg: facts.direction_deg,
        orientation: facts.orientation,
        make: facts.make,
        model: facts.model,
        partial_decode,
        exif_problem: facts.problem,
    })
}

/// The instant the photo was taken, how that was found, and the UTC offset used.
fn taken_at(
    facts: &exif::ExifFacts,
    capture: &CaptureContext,
) -> (Option<UnixMs>, Option<TakenAtSource>, Option<i32>) {
    let local_ms = facts.taken_local.map(|t| t.and_utc().timestamp_millis());
    let at = |local: i64, offset_min: i32| Some(UnixMs(local - i64::from(offset_min) * 60_000));
    if let (Some(local), Some(offset)) = (local_ms, facts.utc_offset_min) {
        return (
            at(local, offset),
            Some(TakenAtSource::ExifWithOffset),
            Some(offset),
        );
    }
    if let (Some(local), Some(gps_of_day)) = (local_ms, facts.gps_time_of_day_ms) {
        // Local time of day minus UTC time of day, wrapped into -12 h..+12 h and rounded to
        // the quarter hour every zone is a multiple of. The GPS date is not used: some
        // cameras get it wrong by a day.
        let day = UnixMs::DAY;
        let diff = (local.rem_euclid(day) - gps_of_day).rem_euclid(day);
        let diff = if diff > day / 2 { diff - day } else { diff };
        let quarter = 15 * UnixMs::MINUTE;
        let offset_min = ((diff as f64 / quarter as f64).round() as i64 * 15) as i32;
        return (
            at(local, offset_min),
            Some(TakenAtSource::ExifLocalWithGpsOffset),
            Some(offset_min),
        );
    }
    if let Some(gps) = facts.gps_time_ms.filter(|_| local_ms.is_none()) {
        return (Some(UnixMs(gps)), Some(TakenAtSource::GpsUtc), None);
    }
    if let (Some(local), Some(offset)) = (local_ms, capture.device_utc_offset_min) {
        return (
            at(local, offset),
            Some(TakenAtSource::ExifInDeviceZone),
            Some(offset),
        );
    }
    (None, None, None)
}

type Located = (Option<Position>, PositionSource, Option<f64>, Option<f64>);

fn position(facts: &exif::ExifFacts, capture: &CaptureContext) -> Located {
    if let (Some(lat), Some(lon)) = (facts.lat, facts.lon) {
        let p = Position::new(lon, lat);
        if p.check().is_ok() {
            return (Some(p), PositionSource::Exif, facts.altitude_m, facts.accuracy_m);
        }
    }
    match capture.device_fix {
        Some(fix) if fix.position().check().is_ok() => (
            Some(fix.position()),
            PositionSource::DeviceFix,
            fix.altitude_m,
            fix.accuracy_m,
        ),
        _ => (None, PositionSource::None, None, None),
    }
}
