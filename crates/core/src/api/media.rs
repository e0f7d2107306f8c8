//! Photos, signature images and other blobs through the API: a photo is ingested (hashed,
//! EXIF read, upright derivatives made) and its three files stored durably before anything
//! refers to them; the answer carries what an `AttachPhoto` needs. Bytes cross the API as
//! base64, since the API speaks JSON.

use super::{Device, Request, Response, misrouted};
use crate::blobs::{BlobError, BlobStore};
use crate::error::{CoreError, Result};
use crate::photo::{CaptureContext, IngestOptions, IngestedPhoto, ingest_bytes, ingest_path};
use crate::store::Store;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use xuncha_domain::payload::PositionSource;
use xuncha_domain::{BlobHash, Position, UnixMs};

/// The largest signature image accepted (a signature pad's PNG is tens of KB).
const MAX_SIGNATURE_BYTES: usize = 2 << 20;
/// The largest blob handed out through the API in one answer.
const MAX_BLOB_ANSWER_BYTES: u64 = 32 << 20;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoImported {
    pub original: BlobHash,
    pub upload: BlobHash,
    pub thumbnail: BlobHash,
    pub width: u32,
    pub height: u32,
    pub original_bytes: u64,
    pub upload_bytes: u64,
    pub taken_at: Option<UnixMs>,
    pub position: Option<Position>,
    pub position_source: PositionSource,
    pub accuracy_m: Option<f64>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// The photo was damaged; the derivatives may show grey areas.
    pub partial_decode: Option<String>,
    pub exif_problem: Option<String>,
}

impl From<&IngestedPhoto> for PhotoImported {
    fn from(p: &IngestedPhoto) -> Self {
        PhotoImported {
            original: p.original,
            upload: p.upload.hash,
            thumbnail: p.thumbnail.hash,
            width: p.width,
            height: p.height,
            original_bytes: p.original_bytes.len() as u64,
            upload_bytes: p.upload.bytes.len() as u64,
            taken_at: p.taken_at,
            position: p.position,
            position_source: p.position_source,
            accuracy_m: p.accuracy_m,
            make: p.make.clone(),
            model: p.model.clone(),
            partial_decode: p.partial_decode.clone(),
            exif_problem: p.exif_problem.clone(),
        }
    }
}

/// Photos and signatures in, blobs out, and the collection of blobs nothing refers to. Image
/// work is slow: it runs without the store's lock.
pub(super) fn handle(device: &Device, request: Request) -> Result<Response> {
    let blobs = blob_store(device.blobs.as_ref())?;
    let import = |source: PhotoSource, device_fix, utc_offset_min| -> Result<Response> {
        let capture = CaptureContext {
            device_fix,
            device_utc_offset_min: utc_offset_min,
        };
        let photo = import_photo(blobs, source, &capture, &device.photo_options, device.now())?;
        Ok(Response::PhotoImported(Box::new(photo)))
    };
    match request {
        Request::ImportPhoto {
            bytes_base64,
            device_fix,
            utc_offset_min,
        } => import(PhotoSource::Bytes(bytes_base64), device_fix, utc_offset_min),
        Request::ImportPhotoFile {
            path,
            device_fix,
            utc_offset_min,
        } => import(PhotoSource::Path(path), device_fix, utc_offset_min),
        Request::PutSignature { png_base64 } => Ok(Response::Blob {
            hash: put_signature(blobs, &png_base64)?,
        }),
        Request::GetBlob { hash } => {
            let bytes_base64 = get_blob(blobs, &hash)?;
            Ok(Response::BlobBytes { hash, bytes_base64 })
        }
        Request::CollectBlobs { grace_hours } => {
            let grace = std::time::Duration::from_secs(u64::from(grace_hours.unwrap_or(24)) * 3600);
            collect_blobs(blobs, &device.store(), grace)
        }
        other => Err(misrouted(&other)),
    }
}

/// Deletes blobs no event refers to, older than `grace`. Originals stay until the server has
/// them: everything not confirmed is pinned.
fn collect_blobs(blobs: &BlobStore, s: &Store, grace: std::time::Duration) -> Result<Response> {
    let referenced = referenced(&s.all_events()?);
    let on_server = s.blobs_on_server()?;
    let pinned = referenced
        .iter()
        .chain(blobs.list()?.iter())
        .filter(|h| !on_server.contains(h))
        .copied()
        .collect();
    let r = blobs.collect_garbage(&referenced, &pinned, grace, std::time::SystemTime::now())?;
    Ok(Response::BlobsCollected {
        deleted: r.deleted.len() as u64,
        deleted_bytes: r.deleted_bytes,
        kept_pinned: r.kept_pinned as u64,
    })
}

pub(crate) fn blob_store(blobs: Option<&BlobStore>) -> Result<&BlobStore> {
    blobs.ok_or_else(|| CoreError::Other("本设备没有照片存储（blob store 未打开）".to_owned()))
}

fn decode(b64: &str, field: &str) -> Result<Vec<u8>> {
    STANDARD.decode(b64.trim()).map_err(|e| {
        CoreError::invalid(
            field,
            format!("不是有效的 base64（{e}）"),
            format!("is not valid base64 ({e})"),
        )
    })
}

/// Decodes and stores a photo; the answer carries what an `AttachPhoto` needs.
fn import_photo(
    blobs: &BlobStore,
    source: PhotoSource,
    capture: &CaptureContext,
    options: &IngestOptions,
    now: UnixMs,
) -> Result<PhotoImported> {
    let photo = match source {
        PhotoSource::Bytes(b64) => ingest_bytes(decode(&b64, "bytes_base64")?, capture, options)?,
        PhotoSource::Path(path) => ingest_path(std::path::Path::new(&path), capture, options)?,
    };
    photo.store_blobs(blobs)?;
    Ok(with_believable_time(
        PhotoImported::from(&photo),
        photo.taken_local.as_deref(),
        now,
    ))
}

/// A camera whose clock was never set says 1980 or 2000-01-01, a wrong one may say next year:
/// such a time is no evidence of when the photo was taken, and a record may not carry it. It is
/// dropped (the photo keeps everything else) and the reason is said beside the EXIF problems.
fn with_believable_time(mut photo: PhotoImported, camera_clock: Option<&str>, now: UnixMs) -> PhotoImported {
    let window = xuncha_domain::time::TimeWindow::default();
    let Some(t) = photo.taken_at else {
        return photo;
    };
    if t >= xuncha_domain::time::EARLIEST && t.0 <= now.0.saturating_add(window.max_future_ms) {
        return photo;
    }
    photo.taken_at = None;
    // As the camera's clock showed it, which is what a person recognises ("1980-01-01").
    let when = camera_clock
        .and_then(|c| c.get(..10))
        .map(str::to_owned)
        .or_else(|| chrono::DateTime::from_timestamp_millis(t.0).map(|d| d.format("%Y-%m-%d").to_string()))
        .unwrap_or_else(|| format!("{} ms", t.0));
    let note =
        format!("相机记录的拍摄时间（{when}）不可信：早于 2000 年或晚于现在，相机时钟可能未设置，未采用");
    photo.exif_problem = Some(match photo.exif_problem.take() {
        Some(p) => format!("{p}；{note}"),
        None => note,
    });
    photo
}

enum PhotoSource {
    Bytes(String),
    Path(String),
}

/// Stores a signature image drawn on the screen (PNG) and answers its hash.
fn put_signature(blobs: &BlobStore, png_b64: &str) -> Result<BlobHash> {
    let bytes = decode(png_b64, "png_base64")?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(CoreError::invalid("png_base64", "必须是 PNG", "must be a PNG"));
    }
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return Err(CoreError::invalid(
            "png_base64",
            format!("太大（{} 字节，最多 {MAX_SIGNATURE_BYTES}）", bytes.len()),
            format!(
                "is too large ({} bytes, at most {MAX_SIGNATURE_BYTES})",
                bytes.len()
            ),
        ));
    }
    Ok(blobs.put(&bytes)?)
}

fn get_blob(blobs: &BlobStore, hash: &BlobHash) -> Result<String> {
    let len = std::fs::metadata(blobs.path_of(hash))
        .map(|m| m.len())
        .unwrap_or(0);
    if len > MAX_BLOB_ANSWER_BYTES {
        return Err(CoreError::Other(format!(
            "文件太大（{len} 字节），不能经由接口读取"
        )));
    }
    Ok(STANDARD.encode(blobs.get(hash)?))
}

/// Every blob any event on this device refers to.
pub(crate) fn referenced(events: &[xuncha_domain::Event]) -> HashSet<BlobHash> {
    events.iter().flat_map(|e| e.payload.blobs()).collect()
}

impl super::super::sync::BlobSource for BlobStore {
    fn size(&self, hash: &BlobHash) -> Option<u64> {
        std::fs::metadata(self.path_of(hash)).ok().map(|m| m.len())
    }

    fn read(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        // Not re-hashed here: the server hashes what it receives and refuses a mismatch, so a
        // damaged file is caught there without hashing every photo twice.
        std::fs::read(self.path_of(hash)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CoreError::NotFound {
                what: "文件",
                id: hash.to_hex(),
            },
            _ => CoreError::Io(e),
        })
    }
}

impl From<BlobError> for CoreError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::Missing(h) => CoreError::NotFound {
                what: "文件",
                id: h.to_hex(),
            },
            other => CoreError::Other(format!("照片存储：{other}")),
        }
    }
}
