//! The blob step of a sync: small blobs (signatures, thumbnails) many to a request, photos one
//! by one in resumable chunks from wherever the server's copy ends; what the server confirms is
//! noted on the device.

use super::BlobSource;
use super::client::Client;
use super::engine::{SyncProgress, SyncReport, check};
use crate::api::Device;
use crate::error::{CoreError, Result};
use std::sync::atomic::AtomicBool;
use xuncha_domain::BlobHash;
use xuncha_domain::wire::{BlobBatchOutcome, BlobFrame};

/// The largest blob sent in a batch: signatures and thumbnails, where a request's overhead
/// costs more than the bytes. A photo goes by itself in resumable chunks, with progress as its
/// bytes go up. At most the server's `max_batch_blob_bytes` (1 MiB by default; a server with a
/// smaller limit refuses the batch, and its blobs then go one by one).
pub(super) const BATCH_BLOB_MAX_BYTES: u64 = 64 << 10;
/// A batch's body is kept under this, and its frames under [`BATCH_MAX_BLOBS`]: small enough
/// that progress moves and a cancel takes effect every few seconds even on a slow uplink,
/// large enough that a year's signatures take tens of requests, not thousands.
const BATCH_MAX_BODY_BYTES: usize = 1 << 20;
const BATCH_MAX_BLOBS: usize = 500;

/// What `upload_batches` left for the chunked path.
pub(super) struct Batched {
    /// The server has the batch route (an older one answers 404 or 405).
    pub(super) batching: bool,
    /// Blobs to send one by one: a refused batch's, or refused in a batch for a reason the
    /// chunked path settles (an unfinished chunked upload of it is under way).
    pub(super) one_by_one: Vec<(BlobHash, u64)>,
}

/// Sends small blobs (all missing on the server) many to a request, and counts each one's
/// outcome as the chunked path would: stored or held → uploaded, not named → waiting, hash
/// mismatch → an error.
#[allow(clippy::too_many_arguments)]
pub(super) fn upload_batches(
    device: &Device,
    client: &mut Client,
    blobs: &dyn BlobSource,
    small: &[(BlobHash, u64)],
    report: &mut SyncReport,
    p: &mut SyncProgress,
    progress: &mut dyn FnMut(&SyncProgress),
    cancel: &AtomicBool,
) -> Result<Batched> {
    let mut out = Batched {
        batching: true,
        one_by_one: Vec::new(),
    };
    let mut pending = small.iter().peekable();
    while pending.peek().is_some() {
        check(cancel)?;
        // Read the next batch's bytes: up to the body's bound, at least one blob.
        let mut batch: Vec<(BlobHash, Vec<u8>)> = Vec::new();
        let mut body = 0;
        while let Some((hash, planned)) = pending.peek() {
            let next = usize::try_from(*planned).unwrap_or(usize::MAX);
            let full = body + next.saturating_add(xuncha_domain::wire::BLOB_FRAME_HEADER_BYTES)
                > BATCH_MAX_BODY_BYTES;
            if batch.len() >= BATCH_MAX_BLOBS || body >= BATCH_MAX_BODY_BYTES || (!batch.is_empty() && full) {
                break;
            }
            let hash = *hash;
            pending.next();
            match blobs.read(&hash) {
                // Not what was planned (grown past the batch's bound, or empty): the chunked path takes
                // it and says what is wrong.
                Ok(bytes) if !(1..=BATCH_BLOB_MAX_BYTES).contains(&(bytes.len() as u64)) => {
                    out.one_by_one.push((hash, bytes.len() as u64));
                }
                Ok(bytes) => {
                    body += bytes.len() + xuncha_domain::wire::BLOB_FRAME_HEADER_BYTES;
                    batch.push((hash, bytes));
                }
                Err(e) => {
                    let msg = format!("照片 {}…：{e}", &hash.to_hex()[..12]);
                    p.last_error = Some(msg.clone());
                    report.blob_errors.push(msg);
                    p.blobs_done += 1;
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let frames: Vec<BlobFrame<'_>> = batch
            .iter()
            .map(|(hash, bytes)| BlobFrame { hash: *hash, bytes })
            .collect();
        p.current = batch.first().map(|(h, _)| h.to_hex());
        progress(p);
        let answer = match client.upload_batch(&frames) {
            Ok(answer) if answer.results.len() == batch.len() => answer,
            Ok(_) => {
                return Err(CoreError::Server {
                    status: 200,
                    code: "bad_answer".into(),
                    message: "上传照片：服务器的应答与所发文件数不符".into(),
                });
            }
            Err(CoreError::Server { status, .. }) => {
                // No batch route (an older server): this batch and every later blob go one by
                // one. Any other refusal of the whole batch: this batch's blobs do.
                if matches!(status, 404 | 405) {
                    out.batching = false;
                    out.one_by_one.extend(pending.by_ref().copied());
                }
                out.one_by_one
                    .extend(batch.iter().map(|(h, b)| (*h, b.len() as u64)));
                continue;
            }
            Err(e) => return Err(e),
        };
        let on_server: Vec<BlobHash> = batch
            .iter()
            .zip(&answer.results)
            .filter(|(_, r)| matches!(r.outcome, BlobBatchOutcome::Stored | BlobBatchOutcome::Held))
            .map(|((hash, _), _)| *hash)
            .collect();
        mark_on_server(device, &on_server)?;
        for ((hash, bytes), result) in batch.iter().zip(answer.results) {
            let size = bytes.len() as u64;
            match result.outcome {
                BlobBatchOutcome::Stored | BlobBatchOutcome::Held => {
                    report.blobs_uploaded += 1;
                    report.bytes_uploaded += size;
                }
                BlobBatchOutcome::NotNamed => report.blobs_waiting += 1,
                BlobBatchOutcome::HashMismatch => {
                    let msg = format!(
                        "照片 {}…：服务器收到的内容与哈希不符（本机文件可能已损坏）",
                        &hash.to_hex()[..12]
                    );
                    p.last_error = Some(msg.clone());
                    report.blob_errors.push(msg);
                }
                BlobBatchOutcome::Refused { .. } => {
                    out.one_by_one.push((*hash, size));
                    continue;
                }
            }
            p.blobs_done += 1;
            p.bytes_done += size;
        }
        p.retries = client.retries;
        progress(p);
    }
    Ok(out)
}

/// Notes that the server holds these blobs, in one transaction.
pub(super) fn mark_on_server(device: &Device, hashes: &[BlobHash]) -> Result<()> {
    if hashes.is_empty() {
        return Ok(());
    }
    let now = device.now();
    device.with_store_mut(|s| s.mark_blobs_on_server(hashes, now))
}

/// Uploads one blob from wherever the server's copy ends.
pub(super) fn upload(
    client: &mut Client,
    blobs: &dyn BlobSource,
    hash: &BlobHash,
    chunk: usize,
    p: &mut SyncProgress,
    progress: &mut dyn FnMut(&SyncProgress),
    cancel: &AtomicBool,
) -> Result<()> {
    let bytes = blobs.read(hash)?;
    let total = bytes.len() as u64;
    let base_done = p.bytes_done;
    // Start optimistically at 0: the server just said it lacks the blob. If it holds part of it
    // (an upload cut off earlier, perhaps by a killed process), it answers 409 and we ask where
    // to go on from — one round trip saved per blob in the common case.
    let mut status = xuncha_domain::wire::UploadStatus {
        hash: *hash,
        received: 0,
        complete: false,
    };
    let mut attempt = 0;
    let mut conflicts = 0;
    while !status.complete {
        check(cancel)?;
        let offset = status.received.min(total);
        let end = (offset + chunk as u64).min(total);
        match client.upload_chunk(hash, offset, total, bytes[offset as usize..end as usize].to_vec()) {
            Ok(s) => {
                status = s;
                attempt = 0;
            }
            Err(CoreError::Network { message, .. }) => {
                attempt += 1;
                p.last_error = Some(message.clone());
                client.back_off(attempt, &message)?;
                status = client.upload_status(hash)?;
            }
            // The server holds a different amount than we assumed: ask, and go on from there.
            Err(CoreError::Server {
                status: 409, message, ..
            }) => {
                conflicts += 1;
                if conflicts > 8 {
                    return Err(CoreError::Server {
                        status: 409,
                        code: "wrong_offset".into(),
                        message,
                    });
                }
                status = client.upload_status(hash)?;
            }
            Err(e) => return Err(e),
        }
        p.bytes_done = base_done + status.received.min(total);
        p.retries = client.retries;
        progress(p);
    }
    p.bytes_done = base_done + total;
    Ok(())
}
