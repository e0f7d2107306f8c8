//! Push: a device's batch of events checked and stored exactly once. Each event is checked in
//! `seq` order against the device's chain head as the server holds it (hash, signature, link,
//! no gap), then against the domain's validation, the access model (`xuncha_domain::access`:
//! may the device's user make this write on this record, as filed — never as the payload
//! claims) and the state machine.
//!
//! What is kept: an authentic event (it continues the device's signed chain) is always stored,
//! because it is evidence; if it breaks a domain rule it is stored *flagged* and answered
//! `rejected {kept: true}`. An event that cannot be trusted or placed — bad signature, altered
//! body, forged or re-ordered chain, another device's event, an id already used by different
//! content — never enters the log (`rejected {kept: false}`), and the chain head stays put.
//!
//! Exactly once: the device's row is locked for the whole batch, event id and (device, seq) are
//! unique, and the answer for an event already held is computed from what is stored, so a
//! replayed batch gets exactly the same answer. `duplicate` marks an event repeated within one
//! batch.

use crate::db::{AggregateRow, NewEvent, Storage};
use crate::error::Error;
use crate::fold;
use serde::Deserialize;
use xuncha_domain::access::{self, Filed, Write};
use xuncha_domain::event::ChainError;
use xuncha_domain::people::{Unit, User};
use xuncha_domain::state::Rejection;
use xuncha_domain::wire::{EventAck, EventOutcome, PushResponse};
use xuncha_domain::{DeviceId, Event, UnixMs, verify_chain};

fn refused(code: &str, message: impl Into<String>) -> EventOutcome {
    EventOutcome::Rejected {
        code: code.to_owned(),
        message: message.into(),
        kept: false,
    }
}

fn chain_code(e: &ChainError) -> &'static str {
    match e {
        ChainError::BadPublicKey => "bad_public_key",
        ChainError::UnknownVersion { .. } => "unknown_version",
        ChainError::ForeignClock { .. } => "foreign_clock",
        ChainError::HashMismatch { .. } => "hash_mismatch",
        ChainError::BadSignature { .. } => "bad_signature",
        ChainError::WrongDevice { .. } => "wrong_device",
        ChainError::SequenceGap { .. } => "sequence_gap",
        ChainError::BrokenLink { .. } => "broken_link",
    }
}

/// Where a stored event's answer comes from on a replay.
fn already_held(flag: Option<Rejection>) -> EventOutcome {
    match flag {
        None => EventOutcome::Accepted,
        Some(r) => EventOutcome::Rejected {
            code: r.code,
            message: r.message,
            kept: true,
        },
    }
}

/// Stores a batch from `device` (authenticated as working for `user`). `raw` are the events as
/// sent; each is read on its own so one unreadable event does not sink the batch.
pub fn push(
    s: &mut dyn Storage,
    device: DeviceId,
    user: &User,
    raw: &[serde_json::Value],
    now: UnixMs,
    window: &xuncha_domain::time::TimeWindow,
) -> Result<PushResponse, Error> {
    let mut results: Vec<Option<EventAck>> = vec![None; raw.len()];
    let mut parsed: Vec<(usize, Event)> = Vec::with_capacity(raw.len());
    for (i, value) in raw.iter().enumerate() {
        match Event::deserialize(value) {
            Ok(e) => parsed.push((i, e)),
            Err(err) => {
                let id = value
                    .get("id")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse().ok());
                let seq = value.get("seq").and_then(|v| v.as_u64());
                results[i] = Some(EventAck {
                    id,
                    seq,
                    outcome: refused("unreadable", format!("事件格式不符合协议: {err}")),
                });
            }
        }
    }
    parsed.sort_by_key(|(_, e)| e.seq);

    let row = s
        .device_lock(device)?
        .ok_or_else(|| Error::Internal("authenticated device vanished".into()))?;
    if row.revoked_at.is_some() {
        return Err(Error::Revoked("此设备的令牌已被吊销".into()));
    }
    let units = s.units()?;
    let mut head = row.head;
    let mut next_cursor = s.log_lock()?;
    let first_cursor = next_cursor;

    let mut seen = std::collections::HashMap::new();
    for (i, event) in &parsed {
        let ack = |outcome| EventAck {
            id: Some(event.id),
            seq: Some(event.seq),
            outcome,
        };
        // The very same event again in this batch; a different body under a seen id goes on to
        // be refused below like any other reuse of an id.
        if seen.get(&event.id) == Some(&event.hash) {
            results[*i] = Some(ack(EventOutcome::Duplicate));
            continue;
        }
        seen.insert(event.id, event.hash);
        if event.device != device {
            results[*i] = Some(ack(refused(
                "wrong_device",
                "事件不属于此设备：设备只能推送自己的事件",
            )));
            continue;
        }
        // Every stored event of this device lies at or below its head (the chain has no gaps),
        // so only those places need a look-up; a new place costs no query before the insert.
        if head.is_some_and(|h| event.seq <= h.seq) {
            let stored = s.event_by_device_seq(device, event.seq)?;
            results[*i] = Some(ack(match stored {
                Some(stored) if stored.id == event.id && stored.hash == event.hash => {
                    already_held(stored.flag)
                }
                Some(_) => refused(
                    "seq_taken",
                    format!("序号 {} 在服务器上已被另一个事件占用：链被分叉或伪造", event.seq),
                ),
                None => {
                    return Err(Error::Internal(format!(
                        "device {device} has a hole at seq {}",
                        event.seq
                    )));
                }
            }));
            continue;
        }
        let new_head = match verify_chain(device, &row.public_key, head, std::slice::from_ref(event)) {
            Ok(h) => h,
            Err(e) => {
                results[*i] = Some(ack(refused(chain_code(&e), e.to_string())));
                continue;
            }
        };

        // The stamp as well as the payload: an event stamped far ahead would otherwise sort
        // after, and set the time of, every decision made on its record.
        let mut flag = xuncha_domain::validate::validate_event_within(event, now, window)
            .err()
            .map(|v| Rejection {
                code: "invalid".into(),
                message: v.to_string(),
            });
        // A late entry may not date its record before its user's first day of work.
        if flag.is_none()
            && let (Some(at), Some(from)) = (event.occurred_at, user.active_from)
        {
            flag = xuncha_domain::validate::check_active_from(at, from)
                .err()
                .map(|v| Rejection {
                    code: "invalid".into(),
                    message: v.to_string(),
                });
        }
        if flag.is_none() && !may_author(event) {
            flag = Some(Rejection {
                code: "not_authorised".into(),
                message: format!("设备不能发布 {}：只有办公室可以", event.payload.type_name()),
            });
        }
        // A record's unit and owner come from the aggregate when it exists (a rectification
        // photo on someone else's finding stays theirs), otherwise from the signed-in user,
        // never from what the payload claims.
        let existing = s.aggregate_get(event.payload.aggregate())?;
        if flag.is_none() {
            flag = authorise(s, user, &units, event, existing.as_ref())?.err();
        }
        let unit = existing.as_ref().map_or(Some(user.unit), |r| r.unit);
        let owner = existing.as_ref().map_or(Some(user.id), |r| r.owner);
        let body = serde_json::to_string(event).map_err(|e| Error::Internal(format!("event json: {e}")))?;
        let inserted = s.event_insert(&NewEvent {
            cursor: next_cursor,
            event,
            body,
            aggregate: event.payload.aggregate(),
            unit,
            owner,
            // Reference data flows down to devices only from the server's own chain; a device's
            // (flagged) attempt at it is kept as evidence but never handed out.
            is_reference: false,
            flag: flag.clone(),
            received_at: now.0,
        })?;
        if !inserted {
            // The place was free, so the id is taken: by this very event only if another
            // device sent it, which the chain check has ruled out.
            results[*i] = Some(ack(refused("id_conflict", "服务器已有同一 id 但内容不同的事件")));
            continue;
        }
        head = new_head;
        next_cursor += 1;
        for h in event.payload.blobs() {
            s.blob_ref_insert(&h.to_hex(), event.id, unit, owner)?;
        }
        let outcome = match flag {
            Some(r) => EventOutcome::Rejected {
                code: r.code,
                message: r.message,
                kept: true,
            },
            None => match fold::fold_event(s, event, existing, unit, owner)? {
                None => EventOutcome::Accepted,
                Some(r) => EventOutcome::Rejected {
                    code: r.code,
                    message: r.message,
                    kept: true,
                },
            },
        };
        results[*i] = Some(ack(outcome));
    }
    if next_cursor != first_cursor {
        s.log_advance(next_cursor)?;
    }
    if head != row.head
        && let Some(h) = head
    {
        s.device_set_head(device, h)?;
    }
    let results = results
        .into_iter()
        .map(|r| r.ok_or_else(|| Error::Internal("an event got no answer".into())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PushResponse { results, head })
}

/// Field devices record facts; reference data and the units' people are the office's.
fn may_author(event: &Event) -> bool {
    !event.payload.is_reference_data()
}

/// The access model (`xuncha_domain::access`) for a device's event: the principal is the user
/// the device is enrolled for, the record as the server has it filed.
fn authorise(
    s: &mut dyn Storage,
    user: &User,
    units: &[Unit],
    event: &Event,
    existing: Option<&AggregateRow>,
) -> Result<Result<(), Rejection>, Error> {
    let state = existing.map(|r| fold::parse_state(&r.state)).transpose()?;
    let record = existing.map(|r| Filed {
        unit: r.unit,
        owner: r.owner,
        state: state.as_ref(),
    });
    let parent_row = match access::parent_of(&event.payload) {
        Some(a) => s.aggregate_get(a)?,
        None => None,
    };
    let parent = parent_row.as_ref().map(|r| Filed {
        unit: r.unit,
        owner: r.owner,
        state: None,
    });
    let write = Write {
        payload: &event.payload,
        author: event.author,
        record,
        parent,
    };
    Ok(access::authorise(user, &write, units))
}
