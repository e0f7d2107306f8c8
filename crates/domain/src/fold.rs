//! The convergence rule, written once for the device, the server and `World::fold`: each
//! aggregate's state is the fold of its own events in HLC order (`Event::order_key`: wall ms,
//! counter, device, event id) by `state::apply`. An event that sorts after everything folded into
//! its aggregate is applied to the stored state; one that arrives late (an older stamp than the
//! aggregate's watermark) makes the aggregate fold again from all its events, every event's flag
//! recomputed, so a store always equals what a full rebuild would give. An event flagged by a
//! check of the event alone (`PERMANENT_FLAGS`) is kept but never applied. Knows no tables: a
//! store (`AggregateStore`) says how to load, list, flag and save.

use crate::event::Event;
use crate::id::EventId;
use crate::payload::AggregateRef;
use crate::state::{AggregateState, Rejection, World, apply};
use crate::time::Hlc;
use std::collections::BTreeMap;

/// Where an event sorts among its aggregate's events (`Event::order_key`).
pub type OrderKey = (Hlc, EventId);

/// Flags that come from checks of the event alone (not the state machine): a refold keeps them
/// and never applies such an event.
pub const PERMANENT_FLAGS: &[&str] = &["invalid", "not_authorised"];

/// Whether a flag code is one of `PERMANENT_FLAGS`.
pub fn is_permanent(flag: &str) -> bool {
    PERMANENT_FLAGS.contains(&flag)
}

/// An aggregate as a store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// `None` while no event of it has been applied (all were refused).
    pub state: Option<AggregateState>,
    /// The order key of the latest event folded into it, applied or refused.
    pub watermark: OrderKey,
}

/// What the fold needs of a store, one aggregate at a time.
pub trait AggregateStore {
    type Error;
    /// The aggregate as stored; `None` before any event of it was folded.
    fn load(&mut self, aggregate: AggregateRef) -> Result<Option<Stored>, Self::Error>;
    /// Every stored event of the aggregate with its flag code, in any order.
    fn events(&mut self, aggregate: AggregateRef) -> Result<Vec<(Event, Option<String>)>, Self::Error>;
    /// Forgets what earlier folds derived from the aggregate's events, just before it is folded
    /// again (a store that keeps rows beside the state clears them here).
    fn forget(&mut self, _aggregate: AggregateRef) -> Result<(), Self::Error> {
        Ok(())
    }
    /// The outcome of folding `event`: `None` applied, `Some` refused by the state machine.
    fn set_flag(&mut self, event: &Event, flag: Option<&Rejection>) -> Result<(), Self::Error>;
    /// Stores the aggregate's state after a fold.
    fn save(
        &mut self,
        aggregate: AggregateRef,
        state: Option<&AggregateState>,
        watermark: OrderKey,
    ) -> Result<(), Self::Error>;
}

/// Folds a stored event into its aggregate: applied to the stored state if it sorts after the
/// watermark, otherwise the aggregate is folded again from all its events. The caller has kept
/// the event and folds it only if no check of the event alone flagged it. Returns the event's
/// rejection, if the state machine refused it.
pub fn fold_event<S: AggregateStore + ?Sized>(
    store: &mut S,
    event: &Event,
) -> Result<Option<Rejection>, S::Error> {
    let aggregate = event.payload.aggregate();
    let key = event.order_key();
    let stored = store.load(aggregate)?;
    if let Some(s) = &stored
        && s.watermark >= key
    {
        return refold_from(store, aggregate, Some(s.watermark), Some(event.id));
    }
    let state = stored.and_then(|s| s.state);
    match apply(state.as_ref(), event) {
        Ok(next) => {
            store.set_flag(event, None)?;
            store.save(aggregate, Some(&next), key)?;
            Ok(None)
        }
        Err(rejection) => {
            store.set_flag(event, Some(&rejection))?;
            store.save(aggregate, state.as_ref(), key)?;
            Ok(Some(rejection))
        }
    }
}

/// Folds an aggregate again from all its events (a rebuild).
pub fn refold<S: AggregateStore + ?Sized>(store: &mut S, aggregate: AggregateRef) -> Result<(), S::Error> {
    refold_from(store, aggregate, None, None).map(|_| ())
}

/// Refolds `aggregate` in HLC order, setting every event's flag; the watermark never goes below
/// `floor`. Returns the flag of `of_event`.
fn refold_from<S: AggregateStore + ?Sized>(
    store: &mut S,
    aggregate: AggregateRef,
    floor: Option<OrderKey>,
    of_event: Option<EventId>,
) -> Result<Option<Rejection>, S::Error> {
    let mut events: Vec<Event> = store
        .events(aggregate)?
        .into_iter()
        .filter(|(_, flag)| !flag.as_deref().is_some_and(is_permanent))
        .map(|(e, _)| e)
        .collect();
    events.sort_by_key(Event::order_key);
    store.forget(aggregate)?;
    let mut state: Option<AggregateState> = None;
    let mut watermark = floor;
    let mut result = None;
    for e in &events {
        let flag = match apply(state.as_ref(), e) {
            Ok(next) => {
                state = Some(next);
                None
            }
            Err(r) => Some(r),
        };
        store.set_flag(e, flag.as_ref())?;
        if Some(e.id) == of_event {
            result = flag;
        }
        watermark = watermark.max(Some(e.order_key()));
    }
    if let Some(watermark) = watermark {
        store.save(aggregate, state.as_ref(), watermark)?;
    }
    Ok(result)
}

/// A store in memory, keeping every event it is given: `World::fold`'s, and the tests'.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    pub world: World,
    events: BTreeMap<AggregateRef, Vec<Event>>,
    permanent: BTreeMap<EventId, String>,
    watermarks: BTreeMap<AggregateRef, OrderKey>,
}

impl Memory {
    /// Keeps an event, flagged `permanent` by a check of the event alone or not, and folds it
    /// unless flagged. An event already kept (same id) changes nothing.
    pub fn receive(&mut self, event: &Event, permanent: Option<&str>) -> Option<Rejection> {
        let aggregate = event.payload.aggregate();
        let kept = self.events.entry(aggregate).or_default();
        if kept.iter().any(|e| e.id == event.id) {
            return self.world.rejected.get(&event.id).cloned();
        }
        kept.push(event.clone());
        if let Some(flag) = permanent {
            self.permanent.insert(event.id, flag.to_owned());
            return None;
        }
        match fold_event(self, event) {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }
}

impl AggregateStore for Memory {
    type Error = std::convert::Infallible;

    fn load(&mut self, aggregate: AggregateRef) -> Result<Option<Stored>, Self::Error> {
        Ok(self.watermarks.get(&aggregate).map(|w| Stored {
            state: self.world.aggregates.get(&aggregate).cloned(),
            watermark: *w,
        }))
    }

    fn events(&mut self, aggregate: AggregateRef) -> Result<Vec<(Event, Option<String>)>, Self::Error> {
        Ok(self
            .events
            .get(&aggregate)
            .into_iter()
            .flatten()
            .map(|e| (e.clone(), self.permanent.get(&e.id).cloned()))
            .collect())
    }

    fn set_flag(&mut self, event: &Event, flag: Option<&Rejection>) -> Result<(), Self::Error> {
        match flag {
            Some(r) => self.world.rejected.insert(event.id, r.clone()),
            None => self.world.rejected.remove(&event.id),
        };
        Ok(())
    }

    fn save(
        &mut self,
        aggregate: AggregateRef,
        state: Option<&AggregateState>,
        watermark: OrderKey,
    ) -> Result<(), Self::Error> {
        match state {
            Some(s) => self.world.aggregates.insert(aggregate, s.clone()),
            None => self.world.aggregates.remove(&aggregate),
        };
        self.watermarks.insert(aggregate, watermark);
        self.world.last_applied.insert(aggregate, watermark.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::*;
    use crate::state::FindingStatus;
    use crate::testkit::SimDevice;
    use crate::{FindingId, InspectionId, UnixMs};

    /// A finding reported, assigned, rectified and verified by one device, one second apart.
    fn finding_life(dev: &mut SimDevice) -> (FindingId, Vec<Event>) {
        let finding = FindingId::new();
        let payloads = vec![
            Payload::FindingReported(FindingReported::new(
                finding,
                RecordRef::Inspection(InspectionId::new()),
                crate::catalogue::FindingKind::Hazard,
                "fire_safety",
                "灭火器过期",
                Severity::Minor,
                UnixMs(1_000),
            )),
            Payload::RectificationAssigned(RectificationAssigned {
                finding,
                assignee: "张三".into(),
                follow_up_by: None,
                deadline: UnixMs(9_000),
                note: String::new(),
            }),
            Payload::FindingRectified(FindingRectified {
                finding,
                note: "已更换".into(),
                after_photos: Vec::new(),
                position: None,
                rectified_at: UnixMs(3_000),
            }),
            Payload::FindingVerified(FindingVerified {
                finding,
                note: "合格".into(),
                verified_at: UnixMs(4_000),
            }),
        ];
        let events = payloads
            .into_iter()
            .enumerate()
            .map(|(i, p)| dev.make(p, UnixMs(1_000 * (i as i64 + 1))))
            .collect();
        (finding, events)
    }

    fn status(m: &Memory, f: FindingId) -> Option<FindingStatus> {
        m.world.finding(f).map(|f| f.status)
    }

    #[test]
    fn events_in_order_are_applied_to_the_stored_state() {
        let (finding, events) = finding_life(&mut SimDevice::new(1));
        let mut m = Memory::default();
        for e in &events {
            assert_eq!(m.receive(e, None), None);
        }
        assert_eq!(status(&m, finding), Some(FindingStatus::Verified));
        let last = events.last().expect("events").order_key();
        assert_eq!(m.watermarks.get(&events[0].payload.aggregate()), Some(&last));
    }

    #[test]
    fn a_late_event_refolds_its_aggregate_as_a_full_fold_would() {
        let (finding, events) = finding_life(&mut SimDevice::new(2));
        let mut m = Memory::default();
        for i in [0, 1, 3] {
            m.receive(&events[i], None);
        }
        assert_eq!(status(&m, finding), Some(FindingStatus::Assigned));
        assert!(
            m.world.rejected.contains_key(&events[3].id),
            "verified before rectified"
        );
        assert_eq!(m.receive(&events[2], None), None);
        assert_eq!(status(&m, finding), Some(FindingStatus::Verified));
        assert_eq!(m.world, World::fold(&events));
    }

    #[test]
    fn a_refold_recomputes_every_flag() {
        let (finding, events) = finding_life(&mut SimDevice::new(3));
        let mut m = Memory::default();
        // Everything before its record: all refused until the report arrives last.
        for e in events.iter().skip(1).rev() {
            assert_eq!(
                m.receive(e, None).map(|r| r.code),
                Some("unknown_record".to_owned())
            );
        }
        assert_eq!(m.world.rejected.len(), 3);
        assert_eq!(m.receive(&events[0], None), None);
        assert!(m.world.rejected.is_empty(), "{:?}", m.world.rejected);
        assert_eq!(status(&m, finding), Some(FindingStatus::Verified));
    }

    #[test]
    fn a_refold_returns_the_late_events_own_flag() {
        let (_, events) = finding_life(&mut SimDevice::new(4));
        let mut m = Memory::default();
        for i in [0, 3] {
            m.receive(&events[i], None);
        }
        // Assigned late: still not rectified, so verification stays refused, the late one applies.
        assert_eq!(m.receive(&events[1], None), None);
        assert!(m.world.rejected.contains_key(&events[3].id));
    }

    #[test]
    fn permanently_flagged_events_are_kept_but_never_applied() {
        let (finding, events) = finding_life(&mut SimDevice::new(5));
        let mut m = Memory::default();
        m.receive(&events[0], None);
        m.receive(&events[1], None);
        m.receive(&events[2], Some("not_authorised"));
        m.receive(&events[3], None);
        assert_eq!(status(&m, finding), Some(FindingStatus::Assigned));
        // A rebuild still skips it and keeps its flag.
        refold(&mut m, events[0].payload.aggregate()).expect("in memory");
        assert_eq!(status(&m, finding), Some(FindingStatus::Assigned));
        assert_eq!(
            m.permanent.get(&events[2].id).map(String::as_str),
            Some("not_authorised")
        );
        assert!(!m.world.rejected.contains_key(&events[2].id));
        assert!(m.world.rejected.contains_key(&events[3].id));
    }

    #[test]
    fn kind_names_are_the_serde_names() {
        for k in AggregateKind::ALL {
            let json = serde_json::to_value(k).expect("kind");
            assert_eq!(json.as_str(), Some(k.as_str()));
            assert_eq!(k.as_str().parse::<AggregateKind>(), Ok(k));
        }
        assert!("river".parse::<AggregateKind>().is_err());
    }
}
