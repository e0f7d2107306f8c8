//! The server's own chain: the office's decisions (assign, verify, reopen) and reference data
//! (units, users, reaches, sites, checklists) become events signed by the server's key, so they
//! flow down to devices and stand as evidence like any device's events.
//!
//! Several server processes on one PostgreSQL share this chain. Its key and device id live in
//! the database (created once by whichever process starts first); the next `seq` is taken under
//! a row lock on the chain's head (the server's row in `devices`), held until commit, so two
//! processes can never give two events the same place. Must never sign an event the state
//! machine would refuse: the office gets the refusal instead.

use crate::db::{DeviceRow, NewEvent, Storage};
use crate::error::Error;
use crate::fold;
use ed25519_dalek::SigningKey;
use std::sync::Mutex;
use xuncha_domain::payload::Payload;
use xuncha_domain::time::TimeWindow;
use xuncha_domain::{
    DeviceId, DevicePublicKey, Event, EventDraft, EventHash, EventId, HlcClock, UnitId, UnixMs, UserId,
};

pub struct ServerChain {
    pub device: DeviceId,
    key: SigningKey,
    clock: Mutex<HlcClock>,
    /// How far ahead of the server's clock a stamp it adopts may lie.
    window: TimeWindow,
}

impl std::fmt::Debug for ServerChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerChain({})", self.device)
    }
}

impl ServerChain {
    /// Loads the server's identity, creating it if this is the first start.
    pub fn load_or_create(s: &mut dyn Storage, window: TimeWindow) -> Result<ServerChain, Error> {
        if s.server_identity()?.is_none() {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(|e| Error::Internal(format!("random: {e}")))?;
            s.server_identity_insert(DeviceId::new(), &secret)?;
        }
        let (device, secret) = s
            .server_identity()?
            .ok_or_else(|| Error::Internal("server identity missing after insert".into()))?;
        let key = SigningKey::from_bytes(&secret);
        if s.device_lock(device)?.is_none() {
            s.device_insert(
                &DeviceRow {
                    id: device,
                    user: None,
                    name: "xuncha-server".into(),
                    public_key: DevicePublicKey(key.verifying_key().to_bytes()),
                    enrolled_at: crate::now_ms(),
                    revoked_at: None,
                    head: None,
                },
                None,
            )?;
        }
        Ok(ServerChain {
            device,
            key,
            clock: Mutex::new(HlcClock::new(device)),
            window,
        })
    }

    pub fn public_key(&self) -> DevicePublicKey {
        DevicePublicKey(self.key.verifying_key().to_bytes())
    }

    /// Signs `payload` as the next event of the server's chain and stores it, within the
    /// caller's transaction. Refuses (422 / 409) what validation or the state machine refuse.
    pub fn append(
        &self,
        s: &mut dyn Storage,
        payload: Payload,
        author: Option<UserId>,
        now: UnixMs,
    ) -> Result<Event, Error> {
        xuncha_domain::validate::validate(&payload, now)
            .map_err(|v| Error::unprocessable("invalid", v.to_string()))?;
        let row = s
            .device_lock(self.device)?
            .ok_or_else(|| Error::Internal("server chain row missing".into()))?;
        let (seq, prev_hash) = match row.head {
            Some(h) => (h.seq + 1, h.hash),
            None => (1, EventHash::GENESIS),
        };
        // Observe the record's latest stamp first, so a decision sorts after what it decides
        // on even when the phone's clock ran ahead of the server's — within the time window
        // only: a stamp beyond it (stored before the window was enforced) is not adopted, so
        // the server's own clock stays its own.
        let seen = s.aggregate_get(payload.aggregate())?.map(|r| xuncha_domain::Hlc {
            wall_ms: r.last.0,
            counter: r.last.1,
            device: r.last.2,
        });
        let hlc = {
            let mut clock = self
                .clock
                .lock()
                .map_err(|_| Error::Internal("clock lock".into()))?;
            if let Some(seen) = seen {
                clock.observe_within(seen, now, &self.window);
            }
            clock.tick(now)
        };
        let event = EventDraft {
            id: EventId::new(),
            device: self.device,
            seq,
            hlc,
            author,
            occurred_at: None,
            prev_hash,
            payload,
        }
        .sign(&self.key);
        if let Err(r) = fold::check(s, &event)? {
            return Err(Error::conflict("rejected", r.message));
        }
        let (unit, owner) = placement(s, &event.payload)?;
        let cursor = s.log_lock()?;
        let body = serde_json::to_string(&event).map_err(|e| Error::Internal(format!("event json: {e}")))?;
        let inserted = s.event_insert(&NewEvent {
            cursor,
            event: &event,
            body,
            aggregate: event.payload.aggregate(),
            unit,
            owner,
            is_reference: event.payload.is_reference_data(),
            flag: None,
            received_at: now.0,
        })?;
        if !inserted {
            return Err(Error::Internal(
                "server chain place taken despite the lock".into(),
            ));
        }
        s.log_advance(cursor + 1)?;
        s.device_set_head(
            self.device,
            xuncha_domain::ChainHead {
                seq,
                hash: event.hash,
            },
        )?;
        let row = s.aggregate_get(event.payload.aggregate())?;
        if let Some(r) = fold::fold_event(s, &event, row, unit, owner)? {
            return Err(Error::conflict("rejected", r.message));
        }
        Ok(event)
    }
}

/// The unit and owner a server event is filed under: reference data under its own unit (a
/// checklist under none: every unit uses it), a decision under the record it decides on.
fn placement(s: &mut dyn Storage, payload: &Payload) -> Result<(Option<UnitId>, Option<UserId>), Error> {
    Ok(match payload {
        Payload::UnitDefined(u) => (Some(u.id), None),
        Payload::UserDefined(u) => (Some(u.unit), Some(u.id)),
        Payload::ReachDefined(r) => (Some(r.unit), None),
        Payload::SiteDefined(site) => (Some(site.unit), None),
        Payload::ChecklistPublished(_) => (None, None),
        Payload::PatrolRulesPublished(r) => (Some(r.unit), None),
        other => {
            let row = s
                .aggregate_get(other.aggregate())?
                .ok_or_else(|| Error::NotFound("没有这条记录".into()))?;
            (row.unit, row.owner)
        }
    })
}
