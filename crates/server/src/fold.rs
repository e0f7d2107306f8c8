//! The server's read model: each aggregate's state folded from its events with the domain's own
//! `state::apply`, so the office can list records without replaying the log. An event that
//! arrives after a later one of the same aggregate (another device, a late phone) makes the
//! aggregate refold in HLC order, and every event's flag is recomputed. Never stores or drops an
//! event: it only reads the log and writes `aggregates` and flags.

use crate::db::{AggregateRow, Storage};
use crate::error::Error;
use xuncha_domain::state::{AggregateState, Rejection, apply};
use xuncha_domain::{Event, UnitId, UserId};

/// Flags that come from checks of the event alone (not the state machine); a refold keeps them
/// and never applies such an event.
pub const PERMANENT_FLAGS: &[&str] = &["invalid", "not_authorised"];

fn order_key(e: &Event) -> (i64, u32, xuncha_domain::DeviceId, xuncha_domain::EventId) {
    (e.hlc.wall_ms, e.hlc.counter, e.hlc.device, e.id)
}

fn to_json(state: &AggregateState) -> Result<String, Error> {
    serde_json::to_string(state).map_err(|e| Error::Internal(format!("state json: {e}")))
}

pub fn parse_state(json: &str) -> Result<AggregateState, Error> {
    serde_json::from_str(json).map_err(|e| Error::Internal(format!("state json in the database: {e}")))
}

pub fn parse_event(json: &str) -> Result<Event, Error> {
    serde_json::from_str(json).map_err(|e| Error::Internal(format!("event json in the database: {e}")))
}

/// What the state machine would say of `event` now, without storing anything.
pub fn check(s: &mut dyn Storage, event: &Event) -> Result<Result<(), Rejection>, Error> {
    let row = s.aggregate_get(event.payload.aggregate())?;
    let state = row.as_ref().map(|r| parse_state(&r.state)).transpose()?;
    Ok(apply(state.as_ref(), event).map(|_| ()))
}

/// Folds a stored event into its aggregate, whose current row the caller has just read (`row`).
/// `unit` and `owner` are used when the event creates the aggregate. Returns the event's
/// rejection, if the state machine refused it.
pub fn fold_event(
    s: &mut dyn Storage,
    event: &Event,
    row: Option<AggregateRow>,
    unit: Option<UnitId>,
    owner: Option<UserId>,
) -> Result<Option<Rejection>, Error> {
    let aggregate = event.payload.aggregate();
    let key = order_key(event);
    if let Some(r) = &row
        && key < r.last
    {
        return refold(s, r.clone(), event.id);
    }
    let state = row.as_ref().map(|r| parse_state(&r.state)).transpose()?;
    match apply(state.as_ref(), event) {
        Ok(next) => {
            s.aggregate_put(&AggregateRow {
                aggregate,
                unit: row.as_ref().map_or(unit, |r| r.unit),
                owner: row.as_ref().map_or(owner, |r| r.owner),
                state: to_json(&next)?,
                last: key,
                record_ms: next.record_time().map_or(key.0, |t| t.0),
                status: next.status_name().map(str::to_owned),
            })?;
            Ok(None)
        }
        Err(rejection) => {
            if let Some(mut r) = row {
                r.last = key;
                s.aggregate_put(&r)?;
            }
            Ok(Some(rejection))
        }
    }
}

/// Refolds an aggregate from all its events in HLC order, rewriting flags. Returns the flag of
/// `of_event`.
fn refold(
    s: &mut dyn Storage,
    row: AggregateRow,
    of_event: xuncha_domain::EventId,
) -> Result<Option<Rejection>, Error> {
    let mut events = Vec::new();
    for (body, flag) in s.aggregate_events(row.aggregate)? {
        if flag.as_deref().is_some_and(|f| PERMANENT_FLAGS.contains(&f)) {
            continue;
        }
        events.push(parse_event(&body)?);
    }
    events.sort_by_key(order_key);
    let mut state: Option<AggregateState> = None;
    let mut last = row.last;
    let mut result = None;
    for e in &events {
        let outcome = apply(state.as_ref(), e);
        let flag = match outcome {
            Ok(next) => {
                state = Some(next);
                None
            }
            Err(r) => Some(r),
        };
        s.event_set_flag(e.id, flag.as_ref())?;
        if e.id == of_event {
            result = flag;
        }
        last = last.max(order_key(e));
    }
    if let Some(state) = state {
        s.aggregate_put(&AggregateRow {
            state: to_json(&state)?,
            last,
            record_ms: state.record_time().map_or(row.record_ms, |t| t.0),
            status: state.status_name().map(str::to_owned),
            ..row
        })?;
    }
    Ok(result)
}
