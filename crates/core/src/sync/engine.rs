//! The sync run: plan, push, upload, pull, with progress and cancellation.

use super::BlobSource;
use super::client::{Client, RetryPolicy};
use super::plan::{BlobItem, OutboxItem, plan};
use crate::api::Device;
use crate::error::{CoreError, Result};
use crate::store::{Account, PushRejection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use xuncha_domain::wire::{EnrolRequest, EventOutcome, MAX_PULL_EVENTS, PushRequest};
use xuncha_domain::{BlobHash, Event, EventId};

#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Send originals too (at the office, or on an unmetered connection).
    pub allow_originals: bool,
    pub batch_events: usize,
    pub chunk_bytes: usize,
    pub retry: RetryPolicy,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            allow_originals: false,
            batch_events: 200,
            chunk_bytes: 1 << 20,
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    #[default]
    Starting,
    Pushing,
    Uploading,
    Pulling,
    Done,
}

/// What the sync is doing, for progress bars and the app's sync screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub events_done: u64,
    pub events_total: u64,
    pub blobs_done: u64,
    pub blobs_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub pulled: u64,
    /// What is being sent now, e.g. a blob's hash.
    pub current: Option<String>,
    pub retries: u32,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub accepted: u64,
    pub duplicates: u64,
    /// Events the server kept but did not apply, or refused, with its reasons.
    pub rejected: Vec<PushRejection>,
    /// An event the server refused outright holds back the rest of the chain.
    pub blocked_at: Option<EventId>,
    pub blobs_uploaded: u64,
    pub blobs_already_there: u64,
    pub bytes_uploaded: u64,
    /// Originals not sent because that is not allowed now.
    pub originals_held_back: u64,
    /// Blobs referenced by events but not on this device.
    pub blobs_absent: u64,
    /// Blobs that could not be sent, with why.
    pub blob_errors: Vec<String>,
    pub pulled: u64,
    pub retries: u32,
}

fn check(cancel: &AtomicBool) -> Result<()> {
    if cancel.load(Ordering::Relaxed) {
        Err(CoreError::Cancelled)
    } else {
        Ok(())
    }
}

/// Enrols this device with a server using a user's credentials, and binds it to that user.
pub fn enrol(
    device: &Device,
    server_url: &str,
    login: &str,
    password: &str,
    device_name: &str,
) -> Result<Account> {
    let (id, public_key) = device.with_store_mut(|s| (s.device_id(), s.public_key()));
    let mut client = Client::new(server_url, None)?;
    client.retry.attempts = 3;
    let resp = client.enrol(&EnrolRequest {
        device: id,
        login: login.to_owned(),
        password: password.to_owned(),
        public_key,
        device_name: device_name.to_owned(),
    })?;
    if resp.device != id {
        return Err(CoreError::Other(format!(
            "服务器登记的设备编号 {} 与本机 {id} 不符",
            resp.device
        )));
    }
    // Events go up under the signed-in account, and the server makes that account the owner of
    // what they start: another user's unsent records would change hands. They go up first,
    // under their own author's sign-in.
    let others: Vec<_> = device
        .with_store_mut(|s| s.outbox_authors())?
        .into_iter()
        .filter(|(author, ..)| *author != resp.user.id)
        .collect();
    if let Some((author, name, _)) = others.first() {
        let n: u64 = others.iter().map(|(.., n)| n).sum();
        let who = name.clone().unwrap_or_else(|| format!("用户 {author}"));
        return Err(CoreError::Refused(xuncha_domain::state::Rejection {
            code: "other_users_records_unsent".into(),
            message: format!(
                "本机还有 {who} 的 {n} 条记录没有上传，换成 {} 登录会让这些记录归到新账号名下。请先用 {who} 的账号登录并同步，再换账号；记录都还在本机。",
                resp.user.name
            ),
        }));
    }
    let account = Account {
        server_url: server_url.trim_end_matches('/').to_owned(),
        token: resp.token,
        user: resp.user,
        server_device: resp.server_device,
        server_public_key: resp.server_public_key,
        pull_cursor: 0,
        enrolled_at: device.now(),
    };
    device.with_store_mut(|s| s.save_account(&account))?;
    Ok(account)
}

/// Runs one sync. Safe to run again at any time, and after any failure or kill.
pub fn sync(
    device: &Device,
    blobs: &dyn BlobSource,
    opts: &SyncOptions,
    progress: &mut dyn FnMut(&SyncProgress),
    cancel: &AtomicBool,
) -> Result<SyncReport> {
    let _guard = device.begin_sync()?;
    let account = device
        .with_store_mut(|s| s.account())?
        .ok_or(CoreError::NotEnrolled)?;
    let mut client = Client::new(&account.server_url, Some(account.token.clone()))?;
    client.retry = opts.retry.clone();
    let mut report = SyncReport::default();
    let mut p = SyncProgress::default();

    // -- plan from the device's state
    let (outbox, refused, refs, on_server) = device.with_store_mut(|s| -> Result<_> {
        Ok((
            s.outbox(usize::MAX)?,
            s.push_rejections()?,
            s.referenced_blobs()?,
            s.blobs_on_server()?,
        ))
    })?;
    let items: Vec<OutboxItem> = outbox
        .iter()
        .map(|e| OutboxItem { id: e.id, seq: e.seq })
        .collect();
    let blob_items: Vec<BlobItem> = refs
        .iter()
        .map(|(h, usage)| BlobItem {
            hash: *h,
            usage: *usage,
            size: blobs.size(h),
            on_server: on_server.contains(h),
        })
        .collect();
    let the_plan = plan(
        &items,
        &refused,
        &blob_items,
        opts.allow_originals,
        opts.batch_events,
    );
    report.blocked_at = the_plan.blocked_at.map(|b| b.0);
    report.originals_held_back = the_plan.held_back.len() as u64;
    report.blobs_absent = the_plan.absent.len() as u64;
    p.events_total = the_plan.push_batches.iter().map(|b| b.len() as u64).sum();
    p.blobs_total = the_plan.uploads.len() as u64;
    p.bytes_total = the_plan.uploads.iter().map(|u| u.1).sum();

    // -- push
    p.phase = SyncPhase::Pushing;
    progress(&p);
    let by_id: HashMap<EventId, &Event> = outbox.iter().map(|e| (e.id, e)).collect();
    'batches: for batch in &the_plan.push_batches {
        check(cancel)?;
        let events: Vec<Event> = batch
            .iter()
            .filter_map(|id| by_id.get(id).map(|e| (*e).clone()))
            .collect();
        for part in push_parts(&mut client, events)? {
            let (events, resp) = part;
            let mut acked = Vec::new();
            let mut stop = false;
            for (event, ack) in events.iter().zip(resp.results.iter()) {
                match &ack.outcome {
                    EventOutcome::Accepted => report.accepted += 1,
                    EventOutcome::Duplicate => report.duplicates += 1,
                    EventOutcome::Rejected { code, message, kept } => {
                        if !*kept && stop {
                            continue; // a consequence of the first refusal, not a verdict of its own
                        }
                        let r = PushRejection {
                            event_id: event.id,
                            code: code.clone(),
                            message: message.clone(),
                            kept: *kept,
                        };
                        device.with_store_mut(|s| s.record_push_rejection(&r, device.now()))?;
                        if !*kept {
                            report.blocked_at.get_or_insert(event.id);
                            stop = true;
                        }
                        report.rejected.push(r);
                    }
                }
                if ack.outcome.is_stored() {
                    acked.push(event.id);
                }
            }
            let now = device.now();
            device.with_store_mut(|s| s.mark_acked(&acked, now))?;
            p.events_done += acked.len() as u64;
            p.retries = client.retries;
            progress(&p);
            if stop {
                break 'batches;
            }
        }
    }

    // -- blobs
    p.phase = SyncPhase::Uploading;
    progress(&p);
    for group in the_plan.uploads.chunks(1_000) {
        check(cancel)?;
        let hashes: Vec<BlobHash> = group.iter().map(|u| u.0).collect();
        let missing = client.missing(&hashes)?;
        for (hash, size) in group {
            if !missing.contains(hash) {
                device.with_store_mut(|s| s.mark_blob_on_server(hash, device.now()))?;
                report.blobs_already_there += 1;
                p.blobs_done += 1;
                p.bytes_done += size;
                continue;
            }
            check(cancel)?;
            p.current = Some(hash.to_hex());
            progress(&p);
            match upload(
                &mut client,
                blobs,
                hash,
                opts.chunk_bytes,
                &mut p,
                progress,
                cancel,
            ) {
                Ok(()) => {
                    device.with_store_mut(|s| s.mark_blob_on_server(hash, device.now()))?;
                    report.blobs_uploaded += 1;
                    report.bytes_uploaded += size;
                }
                Err(CoreError::Cancelled) => return Err(CoreError::Cancelled),
                Err(e @ CoreError::Network { .. }) => return Err(e),
                Err(e) => {
                    let msg = format!("照片 {}…：{e}", &hash.to_hex()[..12]);
                    p.last_error = Some(msg.clone());
                    report.blob_errors.push(msg);
                }
            }
            p.blobs_done += 1;
            p.retries = client.retries;
            progress(&p);
        }
    }
    p.current = None;

    // -- pull
    p.phase = SyncPhase::Pulling;
    progress(&p);
    let mut cursor = account.pull_cursor;
    loop {
        check(cancel)?;
        let resp = client.pull(cursor, MAX_PULL_EVENTS)?;
        let events: Vec<Event> = resp.events.into_iter().map(|e| e.event).collect();
        let key = account
            .server_public_key
            .verifying_key()
            .map_err(|e| CoreError::Other(e.to_string()))?;
        for e in &events {
            if e.device == account.server_device {
                e.verify_self(&key).map_err(|err| CoreError::Server {
                    status: 200,
                    code: "bad_server_signature".into(),
                    message: format!("服务器下发的事件未通过签名校验：{err}"),
                })?;
            }
        }
        let now = device.now();
        device.with_store_mut(|s| -> Result<()> {
            s.ingest(&events, now, None)?;
            s.set_pull_cursor(resp.cursor)
        })?;
        report.pulled += events.len() as u64;
        p.pulled = report.pulled;
        progress(&p);
        cursor = resp.cursor;
        if !resp.more {
            break;
        }
    }
    p.phase = SyncPhase::Done;
    report.retries = client.retries;
    p.retries = client.retries;
    progress(&p);
    Ok(report)
}

type Pushed = (Vec<Event>, xuncha_domain::wire::PushResponse);

/// Pushes a batch; if the server finds it too large, pushes it in halves.
fn push_parts(client: &mut Client, events: Vec<Event>) -> Result<Vec<Pushed>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    match client.push(&PushRequest {
        events: events.clone(),
    }) {
        Ok(resp) => Ok(vec![(events, resp)]),
        Err(CoreError::Server { status: 413, .. }) if events.len() > 1 => {
            let mut events = events;
            let second = events.split_off(events.len() / 2);
            let mut out = push_parts(client, events)?;
            out.extend(push_parts(client, second)?);
            Ok(out)
        }
        Err(e) => Err(e),
    }
}

/// Uploads one blob from wherever the server's copy ends.
fn upload(
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
