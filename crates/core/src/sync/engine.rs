//! Over 500 lines: a third of it is the unit tests of the fold rules for pulled events.
//! The sync run: plan, push, upload, pull, with progress and cancellation; and the account's
//! token around it: enrolment that proves the device holds its key (it signs the server's
//! challenge), a refresh once half the token's life has passed, and sign-out that ends the token
//! on the server at once when online, else before the next sync or sign-in.

use super::BlobSource;
use super::blobs::{BATCH_BLOB_MAX_BYTES, mark_on_server, upload, upload_batches};
use super::client::{Client, RetryPolicy};
use super::plan::{BlobItem, OutboxItem, plan};
use crate::api::Device;
use crate::error::{CoreError, Result};
use crate::store::{Account, PushRejection};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use xuncha_domain::time::TimeWindow;
use xuncha_domain::validate::validate_event_within;
use xuncha_domain::wire::{EnrolRequest, EventOutcome, MAX_PULL_EVENTS, PushRequest, enrol_proof_message};
use xuncha_domain::{BlobHash, DeviceId, Event, EventId, UnixMs};

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

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// Blobs the server will take only once it has a record of this device's naming them: the
    /// records wait behind a refused event. They are sent by a later sync.
    #[serde(default)]
    pub blobs_waiting: u64,
    /// Blobs that could not be sent, with why.
    pub blob_errors: Vec<String>,
    pub pulled: u64,
    pub retries: u32,
    /// HTTP requests this sync sent, retries included.
    #[serde(default)]
    pub requests: u64,
    /// Of them, how many the server answered 429 (too many requests).
    #[serde(default)]
    pub rate_limited: u32,
}

pub(super) fn check(cancel: &AtomicBool) -> Result<()> {
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
    // A token signed out of earlier is ended first; without a network for its server it waits.
    let _ = revoke_pending(device, 1);
    let (id, public_key) = device.with_store_mut(|s| (s.device_id(), s.public_key()));
    let mut client = Client::new(server_url, None)?;
    // Each try needs a fresh challenge (the server takes one per try), so the retries are here
    // rather than inside one call.
    client.retry.attempts = 1;
    let mut attempt = 0;
    let resp = loop {
        let tried = client.enrol_challenge().and_then(|challenge| {
            let message = enrol_proof_message(&challenge.nonce, id, &public_key, login);
            let signature = device.with_store_mut(|s| s.sign_enrol_proof(&message));
            client.enrol(&EnrolRequest {
                device: id,
                login: login.to_owned(),
                password: password.to_owned(),
                public_key,
                device_name: device_name.to_owned(),
                challenge: Some(challenge.nonce),
                signature: Some(signature),
            })
        });
        match tried {
            Ok(resp) => break resp,
            Err(CoreError::Network {
                message,
                transient: true,
            }) if attempt < 2 => {
                attempt += 1;
                client.retry.attempts = 3;
                client.back_off(attempt, &message)?;
                client.retry.attempts = 1;
            }
            Err(e) => return Err(e),
        }
    };
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
    let issued_at = device.now();
    device.with_store_mut(|s| -> Result<()> {
        s.save_account(&account)?;
        s.set_token(&account.token, issued_at, resp.token_expires_at)
    })?;
    Ok(account)
}

/// Signs the device out: the account is forgotten here, and its token is ended on the server
/// now if it answers, else before the next sync or sign-in.
pub fn sign_out(device: &Device) -> Result<()> {
    device.with_store_mut(|s| s.sign_out())?;
    // Offline is normal here: the revocation stays pending in the store.
    let _ = revoke_pending(device, 1);
    Ok(())
}

/// Tells the server to end a token this device signed out of. Any answer but "no network" ends
/// the pending revocation: a token the server refuses needs no revoking.
fn revoke_pending(device: &Device, attempts: u32) -> Result<()> {
    let Some(pending) = device.with_store_mut(|s| s.pending_revocation())? else {
        return Ok(());
    };
    let mut client = Client::new(&pending.server_url, Some(pending.token.clone()))?;
    client.retry.attempts = attempts;
    match client.revoke_token() {
        Ok(()) | Err(CoreError::Server { .. }) => {
            device.with_store_mut(|s| s.clear_pending_revocation(&pending.token))
        }
        Err(e) => Err(e),
    }
}

/// Refreshes the account's token once half its life has passed, so a device that syncs now and
/// then never meets an expired token. An expired one answers 401 `token_expired`: the user
/// signs in again.
fn refresh_if_due(device: &Device, client: &mut Client) -> Result<()> {
    let Some((issued, expires)) = device.with_store_mut(|s| s.token_lifetime())? else {
        return Ok(());
    };
    let now = device.now();
    let due = issued.0.saturating_add(expires.0.saturating_sub(issued.0) / 2);
    if now.0 < due {
        return Ok(());
    }
    let answer = client.refresh_token()?;
    device.with_store_mut(|s| s.set_token(&answer.token, now, Some(answer.expires_at)))
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
    // A signed-out token is ended first; its server being out of reach does not hold this back.
    let _ = revoke_pending(device, 2);
    let account = device
        .with_store_mut(|s| s.account())?
        .ok_or(CoreError::NotEnrolled)?;
    let mut client = Client::new(&account.server_url, Some(account.token.clone()))?;
    client.retry = opts.retry.clone();
    refresh_if_due(device, &mut client)?;
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
    // Small blobs go many to a request; big ones, or all of them with a server that has no
    // batch route, in resumable chunks.
    let mut batching = true;
    for group in the_plan.uploads.chunks(1_000) {
        check(cancel)?;
        let hashes: Vec<BlobHash> = group.iter().map(|u| u.0).collect();
        let missing: HashSet<BlobHash> = client.missing(&hashes)?.into_iter().collect();
        let mut one_by_one = Vec::new();
        let mut small = Vec::new();
        let mut already = Vec::new();
        for (hash, size) in group {
            if !missing.contains(hash) {
                already.push(*hash);
                report.blobs_already_there += 1;
                p.blobs_done += 1;
                p.bytes_done += size;
            } else if batching && (1..=BATCH_BLOB_MAX_BYTES).contains(size) {
                small.push((*hash, *size));
            } else {
                one_by_one.push((*hash, *size));
            }
        }
        mark_on_server(device, &already)?;
        if !small.is_empty() {
            let sent = upload_batches(
                device,
                &mut client,
                blobs,
                &small,
                &mut report,
                &mut p,
                progress,
                cancel,
            )?;
            batching = sent.batching;
            one_by_one.extend(sent.one_by_one);
        }
        for (hash, size) in &one_by_one {
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
                Err(CoreError::Server { code, .. }) if code == "blob_not_named" => {
                    report.blobs_waiting += 1;
                }
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
        let events: Vec<Event> = events
            .into_iter()
            .filter(|e| foldable(e, account.server_device, now))
            .collect();
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
    report.requests = client.requests;
    report.rate_limited = client.rate_limited;
    p.retries = client.retries;
    progress(&p);
    Ok(report)
}

/// How far ahead of this device's clock a pulled event's times may be: wider than the server's
/// window, because this device's clock may be behind (the server already held every stamp to
/// its own clock), but a stamp years ahead is refused all the same. A late entry may reach as
/// far back as any server may be configured to admit (`serve --late-entry-days`, at most 3,650).
const PULLED_WINDOW: TimeWindow = TimeWindow {
    max_future_ms: 30 * UnixMs::DAY,
    max_late_ms: 3_650 * UnixMs::DAY,
};

/// Whether a pulled event may be stored and folded here. An office device receives other
/// devices' events, and some of them the server kept only as flagged evidence: a field device's
/// attempt at reference data, an event that fails validation (stamped in 9999, a tally past its
/// bound). The wire does not say which are flagged, so the device applies the same rules and
/// skips those: they stay on the server as evidence and are never folded here. Reference data
/// comes only from the server's own chain.
fn foldable(event: &Event, server_device: DeviceId, now: UnixMs) -> bool {
    if event.device == server_device {
        return true;
    }
    !event.payload.is_reference_data() && validate_event_within(event, now, &PULLED_WINDOW).is_ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use xuncha_domain::payload::{Payload, Publicity, PublicityTallied};
    use xuncha_domain::people::{Role, User};
    use xuncha_domain::testkit::SimDevice;
    use xuncha_domain::{PatrolId, UnitId, UserId};

    const NOW: UnixMs = UnixMs(1_780_000_000_000);

    fn tally(banners: u32) -> Payload {
        Payload::PublicityTallied(PublicityTallied {
            patrol: PatrolId::new(),
            tally: Publicity {
                banners,
                ..Publicity::default()
            },
        })
    }

    fn user() -> Payload {
        Payload::UserDefined(User {
            active_from: None,
            id: UserId::new(),
            name: "张三".into(),
            login: "zhang".into(),
            unit: UnitId::new(),
            roles: vec![Role::Admin],
        })
    }

    #[test]
    fn a_device_folds_no_pulled_event_the_server_would_have_flagged() {
        let server = SimDevice::new(1);
        let mut field = SimDevice::new(2);
        let ours = server.device;
        assert!(foldable(&field.make(tally(3), NOW), ours, NOW));
        // Stamped in 9999, in 1970, or carrying a count past its bound: invalid.
        let from_9999 = field.make(tally(3), UnixMs(253_402_300_799_000));
        assert!(!foldable(&from_9999, ours, NOW));
        let from_1970 = SimDevice::new(3).make(tally(3), UnixMs(0));
        assert!(!foldable(&from_1970, ours, NOW));
        let too_many = SimDevice::new(4).make(tally(u32::MAX), NOW);
        assert!(!foldable(&too_many, ours, NOW));
        // Reference data from a field device: not its to write.
        assert!(!foldable(&SimDevice::new(5).make(user(), NOW), ours, NOW));
    }

    #[test]
    fn the_servers_own_chain_is_taken_as_it_comes() {
        let mut server = SimDevice::new(1);
        let e = server.make(user(), NOW);
        assert!(foldable(&e, server.device, NOW));
    }

    #[test]
    fn a_device_whose_clock_is_days_behind_still_folds_what_others_recorded() {
        let server = SimDevice::new(1);
        let mut field = SimDevice::new(2);
        let e = field.make(tally(3), NOW.plus_ms(10 * UnixMs::DAY));
        assert!(foldable(&e, server.device, NOW));
    }
}
