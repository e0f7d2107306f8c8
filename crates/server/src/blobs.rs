//! Over 500 lines: one upload rule (`receive`) serves both the chunked and the batch route, with the sweep beside it.
//! Blobs (photos, signature images): which ones a device still has to send, resumable upload,
//! download, and the sweep.
//!
//! An upload is one device's own until it is complete: it arrives in chunks at increasing
//! offsets, kept in the database under (device, hash) so any server process can continue it and
//! the offset survives a dropped connection or a restart, and no other device can plant a wrong
//! total or a garbage chunk in it. A device may upload only a blob one of its own stored events
//! names (the sync pushes events before blobs), and hold at most its quota in unfinished
//! uploads. When the last byte is in, the whole blob is hashed; only a blob whose SHA-256 is its
//! name is written to the object store, and the device becomes one of its holders.
//!
//! Small blobs may also come many to a request (`POST /blobs/batch`), each frame a whole blob
//! under exactly the rules of a one-chunk upload. Uploads are counted by their bytes against the
//! device's upload budget and a few at a time per device (`limits`), not per request.
//!
//! A blob is served for a record only when the device that named it there holds it, so naming
//! another user's photo hash in one's own record gives nothing, and only to users who may see
//! that record. What a device is told is missing is what it has not itself proved it holds:
//! the answer says nothing of other devices' blobs. Hashes in paths are parsed as canonical hex
//! before anything else, so a path-like name never reaches the store.

use crate::app::AppState;
use crate::auth::{AuthDevice, Reader};
use crate::db::UploadPart;
use crate::error::Error;
use crate::extract::{Body, PathOf, QueryOf, Raw};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path as StorePath;
use std::sync::Arc;
use xuncha_domain::wire::{
    BlobBatchOutcome, BlobBatchResponse, BlobBatchResult, BlobFramingError, MissingBlobsRequest,
    MissingBlobsResponse, UploadChunk, UploadStatus, decode_blob_frames,
};
use xuncha_domain::{BlobHash, DeviceId};

/// The most hashes one missing-check may ask about.
pub const MAX_MISSING_QUERY: usize = 2_000;

/// Where verified blobs live: an `object_store` chosen by URL.
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
}

impl BlobStore {
    /// `file:///abs/dir` or a plain folder path (created if missing), or `memory://`.
    /// S3-compatible stores need the server built with `object_store`'s `aws` feature, which
    /// this build leaves out; `s3://…` is refused with a clear message.
    pub fn open(url: &str) -> Result<BlobStore, Error> {
        let store: Arc<dyn ObjectStore> = if url == "memory://" {
            Arc::new(object_store::memory::InMemory::new())
        } else if url.starts_with("s3://") || url.starts_with("gs://") || url.starts_with("az://") {
            return Err(Error::Config(format!(
                "对象存储 {url:?} 需要带 object_store 云功能构建的服务器；本版本只支持本地目录 (file:///路径) 和 memory://"
            )));
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Config(format!("无法创建文件目录 {dir:?}: {e}")))?;
            Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| Error::Config(format!("文件目录 {dir:?}: {e}")))?,
            )
        };
        Ok(BlobStore { store })
    }

    fn path(hash: &BlobHash) -> StorePath {
        let hex = hash.to_hex();
        StorePath::from(format!("{}/{}", &hex[..2], hex))
    }

    pub async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<(), Error> {
        self.store
            .put(&Self::path(hash), bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| Error::Internal(format!("object store put: {e}")))
    }

    /// Removes a blob's file; one already gone is not an error.
    pub async fn delete(&self, hash: &BlobHash) -> Result<(), Error> {
        match self.store.delete(&Self::path(hash)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::Internal(format!("object store delete: {e}"))),
        }
    }

    pub async fn get(&self, hash: &BlobHash) -> Result<Bytes, Error> {
        let got = self
            .store
            .get(&Self::path(hash))
            .await
            .map_err(|e| Error::Internal(format!("object store get: {e}")))?;
        got.bytes()
            .await
            .map_err(|e| Error::Internal(format!("object store read: {e}")))
    }
}

fn parse_hash(s: &str) -> Result<BlobHash, Error> {
    s.parse()
        .map_err(|_| Error::bad_request("bad_hash", "哈希必须是 64 位小写十六进制 SHA-256"))
}

/// Bytes received without a hole, from offset 0.
fn contiguous(parts: &[(i64, i64, i64)]) -> i64 {
    let mut at = 0;
    for (start, _, len) in parts {
        if *start == at {
            at += len;
        }
    }
    at
}

fn status(hash: BlobHash, received: i64, complete: bool) -> Json<UploadStatus> {
    Json(UploadStatus {
        hash,
        received: u64::try_from(received).unwrap_or(0),
        complete,
    })
}

/// The hashes this device has not yet proved it holds.
pub async fn missing(
    State(st): State<AppState>,
    auth: AuthDevice,
    body: Body<MissingBlobsRequest>,
) -> Result<Json<MissingBlobsResponse>, Error> {
    let Body(req) = body;
    if req.hashes.len() > MAX_MISSING_QUERY {
        return Err(Error::TooLarge(format!(
            "一次最多查询 {MAX_MISSING_QUERY} 个哈希"
        )));
    }
    let device = auth.device.id;
    let missing = st
        .db
        .read(move |s| {
            let mut out = Vec::new();
            for h in req.hashes {
                if !s.blob_held(&h.to_hex(), device)? {
                    out.push(h);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(MissingBlobsResponse { missing }))
}

/// How much of this device's upload the server has.
pub async fn upload_status(
    State(st): State<AppState>,
    auth: AuthDevice,
    path: PathOf<String>,
) -> Result<Json<UploadStatus>, Error> {
    let PathOf(hash) = path;
    let hash = parse_hash(&hash)?;
    let hex = hash.to_hex();
    let device = auth.device.id;
    let (held, received) = st
        .db
        .read(move |s| {
            let held = match s.blob_held(&hex, device)? {
                true => s.blob_size(&hex)?,
                false => None,
            };
            Ok((held, contiguous(&s.upload_parts(device, &hex)?)))
        })
        .await?;
    Ok(match held {
        Some(size) => status(hash, size, true),
        None => status(hash, received, false),
    })
}

/// What one upload request did to a blob.
enum Received {
    /// The device holds the blob (it had it, or another device had stored it and this one has
    /// now proved it holds it too): its size.
    Held(i64),
    /// Bytes received so far, without a hole.
    Partial(i64),
    /// Verified and stored now: its size.
    Stored(i64),
    /// The whole blob is in but is not what its hash names: discarded.
    Mismatch,
}

/// What the database step of a request decided.
enum Step {
    Held(i64),
    Partial(i64),
    Assembled(Bytes),
    Mismatch,
}

/// The rules of every upload, chunk by chunk (`PUT /blobs/{hash}/upload`) or whole
/// (`POST /blobs/batch`, one call per frame): `body` is the part of the blob of `total` bytes
/// starting at `offset`. The device must hold no more than its quota in unfinished uploads and
/// may upload only what its own stored events name; a complete blob is verified against its
/// hash before it is stored, and a blob another device stored makes this one a holder.
async fn receive(
    st: &AppState,
    device: DeviceId,
    hash: BlobHash,
    offset: u64,
    total: u64,
    body: Bytes,
) -> Result<Received, Error> {
    if total > st.limits.max_blob_bytes {
        return Err(Error::TooLarge(format!(
            "文件最大 {} 字节",
            st.limits.max_blob_bytes
        )));
    }
    if total == 0 {
        return Err(Error::unprocessable("empty_blob", "文件不能为空"));
    }
    let end = offset.saturating_add(body.len() as u64);
    if end > total {
        return Err(Error::unprocessable("past_end", "这一段超出了文件总长度"));
    }
    let quota = i64::try_from(st.limits.max_pending_upload_bytes).unwrap_or(i64::MAX);
    let hex = hash.to_hex();
    // Both fit: at most `max_blob_bytes`, checked above.
    let (offset, total) = (offset as i64, total as i64);
    let step = st
        .db
        .write(move |s| {
            s.blob_lock(&hex)?;
            if s.blob_held(&hex, device)?
                && let Some(size) = s.blob_size(&hex)?
            {
                return Ok(Step::Held(size));
            }
            if !s.blob_named_by(&hex, device)? {
                return Err(Error::unprocessable(
                    "blob_not_named",
                    "此设备已同步的记录里没有这个文件：先同步使用它的记录，再上传",
                ));
            }
            let parts = s.upload_parts(device, &hex)?;
            if let Some((_, announced, _)) = parts.first()
                && *announced != total
            {
                return Err(Error::conflict(
                    "total_mismatch",
                    format!("此文件的上传已按总长 {announced} 字节开始"),
                ));
            }
            let mut received = contiguous(&parts);
            // A chunk the server already holds (a retry after a lost answer, or the same upload
            // through another server process) is acknowledged, not refused.
            let held = parts
                .iter()
                .any(|(start, _, len)| *start == offset && *len == body.len() as i64);
            // The whole blob in one piece, with nothing before it: verified as it is, never
            // written as a part only to be read back and deleted.
            let whole = !held && parts.is_empty() && offset == 0 && body.len() as i64 == total;
            if !held {
                if offset != received {
                    return Err(Error::conflict(
                        "wrong_offset",
                        format!("服务器已收到 {received} 字节，请从偏移 {received} 继续"),
                    ));
                }
                let pending = s.upload_bytes_pending(device)?;
                if pending.saturating_add(body.len() as i64) > quota {
                    return Err(Error::TooLarge(format!(
                        "此设备未完成的上传已占 {pending} 字节，上限 {quota} 字节：请先完成或等待清理未完成的上传"
                    )));
                }
                if !body.is_empty() && !whole {
                    s.upload_part_insert(
                        device,
                        &UploadPart {
                            hash: &hex,
                            start: offset,
                            total,
                            bytes: &body,
                            received_at: crate::now_ms(),
                        },
                    )?;
                }
                received += body.len() as i64;
            }
            if received < total {
                return Ok(Step::Partial(received));
            }
            let bytes = match whole {
                true => body,
                false => Bytes::from(s.upload_part_bytes(device, &hex)?.concat()),
            };
            if BlobHash::of(&bytes) != hash {
                s.upload_parts_delete(device, &hex)?;
                return Ok(Step::Mismatch);
            }
            if let Some(size) = s.blob_size(&hex)? {
                // Stored already from another device: this one has now proved it holds it too.
                s.blob_holder_insert(&hex, device, crate::now_ms())?;
                s.upload_parts_delete(device, &hex)?;
                return Ok(Step::Held(size));
            }
            Ok(Step::Assembled(bytes))
        })
        .await?;
    match step {
        Step::Held(size) => Ok(Received::Held(size)),
        Step::Partial(received) => Ok(Received::Partial(received)),
        Step::Mismatch => Ok(Received::Mismatch),
        Step::Assembled(bytes) => {
            let size = bytes.len() as i64;
            // Written before it is recorded: a blob row always names a complete file.
            st.blobs.put(&hash, bytes).await?;
            let hex = hash.to_hex();
            st.db
                .write(move |s| {
                    // Under the same lock as the chunks, so another process never sees the
                    // parts vanish between reading their list and their bytes.
                    s.blob_lock(&hex)?;
                    let at = crate::now_ms();
                    s.blob_insert(&hex, size, at)?;
                    s.blob_holder_insert(&hex, device, at)?;
                    s.upload_parts_delete(device, &hex)
                })
                .await?;
            Ok(Received::Stored(size))
        }
    }
}

pub async fn upload(
    State(st): State<AppState>,
    auth: AuthDevice,
    path: PathOf<String>,
    query: QueryOf<UploadChunk>,
    body: Raw,
) -> Result<Json<UploadStatus>, Error> {
    let PathOf(hash) = path;
    let hash = parse_hash(&hash)?;
    let QueryOf(chunk) = query;
    let Raw(body) = body;
    let device = auth.device.id;
    let _slot = st.rate.upload_slot(device)?;
    st.rate.upload(device, body.len())?;
    match receive(&st, device, hash, chunk.offset, chunk.total, body).await? {
        Received::Held(size) | Received::Stored(size) => Ok(status(hash, size, true)),
        Received::Partial(received) => Ok(status(hash, received, false)),
        Received::Mismatch => Err(Error::unprocessable(
            "hash_mismatch",
            "收到的内容与哈希不符，已丢弃，请从头重新上传",
        )),
    }
}

/// Many small whole blobs in one request (framing: `xuncha_domain::wire::decode_blob_frames`).
/// A body that is not well framed is refused whole before anything is stored; then each frame
/// is taken as a whole-blob upload (`receive`), and a refusal of one frame is its own answer,
/// not the batch's.
pub async fn batch(
    State(st): State<AppState>,
    auth: AuthDevice,
    body: Raw,
) -> Result<Json<BlobBatchResponse>, Error> {
    let Raw(body) = body;
    let device = auth.device.id;
    let _slot = st.rate.upload_slot(device)?;
    st.rate.upload(device, body.len())?;
    let frames = decode_blob_frames(&body, st.limits.max_batch_blob_bytes, st.limits.max_batch_frames)
        .map_err(framing_error)?;
    let mut results = Vec::with_capacity(frames.len());
    for frame in frames {
        let size = frame.bytes.len() as u64;
        let bytes = body.slice_ref(frame.bytes);
        let outcome = match receive(&st, device, frame.hash, 0, size, bytes).await {
            Ok(Received::Stored(_)) => BlobBatchOutcome::Stored,
            Ok(Received::Held(_)) => BlobBatchOutcome::Held,
            Ok(Received::Mismatch) => BlobBatchOutcome::HashMismatch,
            Ok(Received::Partial(_)) => {
                return Err(Error::Internal(
                    "a whole frame was taken as part of a blob".into(),
                ));
            }
            Err(Error::Unprocessable {
                code: "blob_not_named",
                ..
            }) => BlobBatchOutcome::NotNamed,
            Err(e) if e.status().is_client_error() => BlobBatchOutcome::Refused {
                code: e.code().to_owned(),
                message: e.to_string(),
            },
            Err(e) => return Err(e),
        };
        results.push(BlobBatchResult {
            hash: frame.hash,
            size,
            outcome,
        });
    }
    Ok(Json(BlobBatchResponse { results }))
}

fn framing_error(e: BlobFramingError) -> Error {
    match e {
        BlobFramingError::Truncated { frame } => Error::bad_request(
            "truncated_frame",
            format!(
                "第 {} 个文件帧不完整：每帧须为 32 字节哈希、4 字节小端长度和该长度的内容；整批未保存",
                frame + 1
            ),
        ),
        BlobFramingError::TooLong { frame, length, max } => Error::unprocessable(
            "frame_too_large",
            format!(
                "第 {} 个文件帧长 {length} 字节，超过批量上传每个文件的上限 {max} 字节：大文件请分段上传；整批未保存",
                frame + 1
            ),
        ),
        BlobFramingError::TooManyFrames { max } => {
            Error::unprocessable("too_many_frames", format!("一批最多 {max} 个文件；整批未保存"))
        }
        BlobFramingError::Empty { frame } => Error::unprocessable(
            "empty_blob",
            format!("第 {} 个文件帧长度为 0：文件不能为空；整批未保存", frame + 1),
        ),
    }
}

pub async fn download(
    State(st): State<AppState>,
    reader: Reader,
    path: PathOf<String>,
) -> Result<impl IntoResponse, Error> {
    let PathOf(hash) = path;
    let hash = parse_hash(&hash)?;
    let hex = hash.to_hex();
    let user = reader.user().clone();
    let (size, allowed) = st
        .db
        .read(move |s| {
            let size = s.blob_size(&hex)?;
            let units = s.units()?;
            let allowed = s
                .blob_refs(&hex)?
                .into_iter()
                .any(|(unit, owner)| crate::scope::may_see_record(&units, &user, unit, owner));
            Ok((size, allowed))
        })
        .await?;
    if !allowed {
        return Err(Error::Forbidden("无权查看此文件：没有您可见的记录使用它".into()));
    }
    if size.is_none() {
        return Err(Error::NotFound("服务器还没有收到此文件".into()));
    }
    let bytes = st.blobs.get(&hash).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

/// What one sweep removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub abandoned_uploads: i64,
    pub abandoned_bytes: i64,
    pub unnamed_blobs: i64,
}

/// Removes unfinished uploads untouched for `abandoned_upload_after_ms`, and stored blobs that
/// no event names `unnamed_blob_after_ms` after they were stored. A blob is re-checked and its
/// file deleted under the blob's lock, in the same transaction as its row: an upload of it
/// waits meanwhile, and since an upload needs an event naming the blob, one that begins after
/// the check finds the blob gone and stores it anew.
pub async fn sweep(st: &AppState, now_ms: i64) -> Result<SweepReport, Error> {
    let stale = now_ms.saturating_sub(st.limits.abandoned_upload_after_ms);
    let (abandoned_uploads, abandoned_bytes) = st.db.write(move |s| s.uploads_sweep(stale)).await?;
    let mut report = SweepReport {
        abandoned_uploads,
        abandoned_bytes,
        unnamed_blobs: 0,
    };
    let old = now_ms.saturating_sub(st.limits.unnamed_blob_after_ms);
    loop {
        let batch = st.db.read(move |s| s.blobs_unnamed(old, 200)).await?;
        if batch.is_empty() {
            break;
        }
        let mut removed_any = false;
        for hex in batch {
            let hash = parse_hash(&hex)?;
            let blobs = st.blobs.clone();
            let rt = tokio::runtime::Handle::current();
            let removed = st
                .db
                .write(move |s| {
                    s.blob_lock(&hex)?;
                    if s.blob_is_named(&hex)? || s.blob_size(&hex)?.is_none() {
                        return Ok(false);
                    }
                    // On the database's blocking thread, so the file goes while the lock holds.
                    rt.block_on(blobs.delete(&hash))?;
                    s.blob_delete(&hex)?;
                    Ok(true)
                })
                .await?;
            if removed {
                report.unnamed_blobs += 1;
                removed_any = true;
            }
        }
        if !removed_any {
            break;
        }
    }
    if report != SweepReport::default() {
        tracing::info!(?report, "swept unfinished uploads and unnamed blobs");
    }
    Ok(report)
}
