//! The server's read model: each aggregate's state folded from its events by the domain's one
//! rule (`xuncha_domain::fold`), so the office can list records without replaying the log. This
//! module only says how `Storage` loads, lists, flags and saves an aggregate. Never stores or
//! drops an event: it only reads the log and writes `aggregates` and flags.

use crate::db::{AggregateRow, Storage};
use crate::error::Error;
use xuncha_domain::fold::{AggregateStore, OrderKey, Stored};
use xuncha_domain::payload::AggregateRef;
use xuncha_domain::state::{AggregateState, Rejection, apply};
use xuncha_domain::{Event, EventId, Hlc, UnitId, UserId};

pub use xuncha_domain::fold::PERMANENT_FLAGS;

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
/// rejection, if the state machine refused it; the event's flag is set either way.
pub fn fold_event(
    s: &mut dyn Storage,
    event: &Event,
    row: Option<AggregateRow>,
    unit: Option<UnitId>,
    owner: Option<UserId>,
) -> Result<Option<Rejection>, Error> {
    let mut store = ReadModel {
        s,
        row,
        unit,
        owner,
        fresh: event.id,
    };
    xuncha_domain::fold::fold_event(&mut store, event)
}

/// One aggregate's row and its events' flags as the fold's store.
struct ReadModel<'a> {
    s: &'a mut dyn Storage,
    /// The aggregate's row as last read or written.
    row: Option<AggregateRow>,
    /// Where the aggregate is filed if the event creates it.
    unit: Option<UnitId>,
    owner: Option<UserId>,
    /// The event being folded, which the caller has just stored without a flag.
    fresh: EventId,
}

impl AggregateStore for ReadModel<'_> {
    type Error = Error;

    fn load(&mut self, _aggregate: AggregateRef) -> Result<Option<Stored>, Error> {
        let Some(r) = &self.row else {
            return Ok(None);
        };
        let (wall_ms, counter, device, event) = r.last;
        Ok(Some(Stored {
            state: Some(parse_state(&r.state)?),
            watermark: (
                Hlc {
                    wall_ms,
                    counter,
                    device,
                },
                event,
            ),
        }))
    }

    fn events(&mut self, aggregate: AggregateRef) -> Result<Vec<(Event, Option<String>)>, Error> {
        self.s
            .aggregate_events(aggregate)?
            .into_iter()
            .map(|(body, flag)| Ok((parse_event(&body)?, flag)))
            .collect()
    }

    fn set_flag(&mut self, event: &Event, flag: Option<&Rejection>) -> Result<(), Error> {
        if flag.is_none() && event.id == self.fresh {
            return Ok(());
        }
        self.s.event_set_flag(event.id, flag)
    }

    /// The server keeps no row for an aggregate none of whose events applied.
    fn save(
        &mut self,
        aggregate: AggregateRef,
        state: Option<&AggregateState>,
        watermark: OrderKey,
    ) -> Result<(), Error> {
        let Some(state) = state else {
            return Ok(());
        };
        let (hlc, event) = watermark;
        let row = AggregateRow {
            aggregate,
            unit: self.row.as_ref().map_or(self.unit, |r| r.unit),
            owner: self.row.as_ref().map_or(self.owner, |r| r.owner),
            state: to_json(state)?,
            last: (hlc.wall_ms, hlc.counter, hlc.device, event),
            record_ms: state.record_time().map_or(hlc.wall_ms, |t| t.0),
            status: state.status_name().map(str::to_owned),
        };
        self.s.aggregate_put(&row)?;
        crate::facts::refresh(self.s, aggregate, state, row.unit)?;
        self.row = Some(row);
        Ok(())
    }
}
