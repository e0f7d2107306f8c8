//! Blobs (photos, signature images): which ones the server lacks, resumable upload, download.
//!
//! An upload arrives in chunks at increasing offsets; the chunks are kept in the database (so
//! any server process can continue an upload another one began, and the offset survives a
//! dropped connection or a restart). When the last byte is in, the whole blob is hashed; only a
//! blob whose SHA-256 is its name is written to the object store and becomes visible. Hashes in
//! paths are parsed as canonical hex before anything else, so a path-like name never reaches
//! the store. A blob is served only to users who may see a record that uses it.

use crate::app::AppState;
use crate::auth::{AuthDevice, Reader};
use crate::error::Error;
use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path as StorePath;
use std::sync::Arc;
use xuncha_domain::BlobHash;
use xuncha_domain::wire::{MissingBlobsRequest, MissingBlobsResponse, UploadChunk, UploadStatus};

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

pub async fn missing(
    State(st): State<AppState>,
    _auth: AuthDevice,
    body: Result<Json<MissingBlobsRequest>, JsonRejection>,
) -> Result<Json<MissingBlobsResponse>, Error> {
    let Json(req) = body?;
    if req.hashes.len() > MAX_MISSING_QUERY {
        return Err(Error::TooLarge(format!(
            "一次最多查询 {MAX_MISSING_QUERY} 个哈希"
        )));
    }
    let missing = st
        .db
        .read(move |s| {
            let mut out = Vec::new();
            for h in req.hashes {
                if s.blob_size(&h.to_hex())?.is_none() {
                    out.push(h);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(MissingBlobsResponse { missing }))
}

pub async fn upload_status(
    State(st): State<AppState>,
    _auth: AuthDevice,
    Path(hash): Path<String>,
) -> Result<Json<UploadStatus>, Error> {
    let hash = parse_hash(&hash)?;
    let hex = hash.to_hex();
    let (size, received) = st
        .db
        .read(move |s| Ok((s.blob_size(&hex)?, contiguous(&s.blob_parts(&hex)?))))
        .await?;
    Ok(Json(match size {
        Some(size) => UploadStatus {
            hash,
            received: size as u64,
            complete: true,
        },
        None => UploadStatus {
            hash,
            received: received as u64,
            complete: false,
        },
    }))
}

enum Step {
    Stored(i64),
    Partial(i64),
    Assembled(Vec<u8>),
    Mismatch,
}

pub async fn upload(
    State(st): State<AppState>,
    _auth: AuthDevice,
    Path(hash): Path<String>,
    query: Result<Query<UploadChunk>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<UploadStatus>, Error> {
    let hash = parse_hash(&hash)?;
    let Query(chunk) = query?;
    let body = body?;
    if chunk.total > st.limits.max_blob_bytes {
        return Err(Error::TooLarge(format!(
            "文件最大 {} 字节",
            st.limits.max_blob_bytes
        )));
    }
    if chunk.total == 0 {
        return Err(Error::unprocessable("empty_blob", "文件不能为空"));
    }
    let end = chunk.offset.saturating_add(body.len() as u64);
    if end > chunk.total {
        return Err(Error::unprocessable("past_end", "这一段超出了文件总长度"));
    }
    let hex = hash.to_hex();
    let (offset, total) = (chunk.offset as i64, chunk.total as i64);
    let step = st
        .db
        .write(move |s| {
            s.blob_lock(&hex)?;
            if let Some(size) = s.blob_size(&hex)? {
                return Ok(Step::Stored(size));
            }
            let parts = s.blob_parts(&hex)?;
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
            if !held {
                if offset != received {
                    return Err(Error::conflict(
                        "wrong_offset",
                        format!("服务器已收到 {received} 字节，请从偏移 {received} 继续"),
                    ));
                }
                if !body.is_empty() {
                    s.blob_part_insert(&hex, offset, total, &body)?;
                }
                received += body.len() as i64;
            }
            if received < total {
                return Ok(Step::Partial(received));
            }
            let bytes = s.blob_part_bytes(&hex)?.concat();
            if BlobHash::of(&bytes) != hash {
                s.blob_parts_delete(&hex)?;
                return Ok(Step::Mismatch);
            }
            Ok(Step::Assembled(bytes))
        })
        .await?;
    match step {
        Step::Stored(size) => Ok(Json(UploadStatus {
            hash,
            received: size as u64,
            complete: true,
        })),
        Step::Partial(received) => Ok(Json(UploadStatus {
            hash,
            received: received as u64,
            complete: false,
        })),
        Step::Mismatch => Err(Error::unprocessable(
            "hash_mismatch",
            "收到的内容与哈希不符，已丢弃，请从头重新上传",
        )),
        Step::Assembled(bytes) => {
            let size = bytes.len() as i64;
            // Written before it is recorded: a blob row always names a complete file.
            st.blobs.put(&hash, Bytes::from(bytes)).await?;
            let hex = hash.to_hex();
            st.db
                .write(move |s| {
                    // Under the same lock as the chunks, so another process never sees the
                    // parts vanish between reading their list and their bytes.
                    s.blob_lock(&hex)?;
                    s.blob_insert(&hex, size, crate::now_ms())?;
                    s.blob_parts_delete(&hex)
                })
                .await?;
            Ok(Json(UploadStatus {
                hash,
                received: size as u64,
                complete: true,
            }))
        }
    }
}

pub async fn download(
    State(st): State<AppState>,
    reader: Reader,
    Path(hash): Path<String>,
) -> Result<impl IntoResponse, Error> {
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
