//! The access model as a property: for random sequences of writes by several principals (river
//! chiefs of two brigades, a volunteer chief, an inspector, a fishing-ban patroller, offices of
//! the street and of a brigade, an admin of a brigade) — including payloads that claim another
//! patroller or unit — folding only the events `access::authorise` allows never yields a state
//! that breaks the rules of docs/ACCESS.md, written out here independently: records keep the
//! owner and unit of whoever created them, only a river chief's patrol is a river patrol, only
//! an office over the finding (never its reporter) assigns, verifies or reopens it.

mod access_model;

use access_model::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use xuncha_domain::access::{self, Filed, Write};
use xuncha_domain::payload::*;
use xuncha_domain::state::{AggregateState, FindingStatus, apply};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

const T0: i64 = 1_780_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn folding_only_authorised_events_never_breaks_the_access_model(
        steps in proptest::collection::vec((principal(), op()), 1..120)
    ) {
        let org = org();
        let mut devices: Vec<SimDevice> = (0..org.people.len())
            .map(|i| {
                let mut d = SimDevice::new(i as u8 + 1);
                d.author = Some(org.people[i].id);
                d
            })
            .collect();
        let patrols = [PatrolId::new(), PatrolId::new()];
        let findings = [FindingId::new(), FindingId::new()];
        let mut states: BTreeMap<AggregateRef, AggregateState> = BTreeMap::new();
        let mut placed: BTreeMap<AggregateRef, Placement> = BTreeMap::new();
        for (i, (who_i, op)) in steps.iter().enumerate() {
            let who = &org.people[*who_i];
            let t = UnixMs(T0 + i as i64 * 1_000);
            let event = devices[*who_i].make(payload(op, &org, who, &patrols, &findings, t), t);
            let key = event.payload.aggregate();
            let filed = |k: &AggregateRef| placed.get(k).map(|p| (p.unit, p.owner));
            let record = filed(&key).map(|(unit, owner)| Filed {
                unit: Some(unit),
                owner: Some(owner),
                state: states.get(&key),
            });
            let parent_key = access::parent_of(&event.payload);
            let parent = parent_key.and_then(|k| filed(&k)).map(|(unit, owner)| Filed {
                unit: Some(unit),
                owner: Some(owner),
                state: None,
            });
            let write = Write { payload: &event.payload, author: event.author, record, parent };
            if access::authorise(who, &write, org.units.as_slice()).is_err() {
                continue;
            }
            let before = states.get(&key).cloned();
            let Ok(after) = apply(before.as_ref(), &event) else {
                continue;
            };
            let placement = *placed.entry(key).or_insert(Placement { unit: who.unit, owner: who.id });
            check_change(&org, who, before.as_ref(), &after, placement);
            states.insert(key, after);
        }
    }
}

/// The model is not vacuous: the ordinary workflow passes it, step by step.
#[test]
fn the_ordinary_workflow_is_authorised() {
    let org = org();
    let (chief, office) = (&org.people[0], &org.people[5]);
    let patrols = [PatrolId::new(), PatrolId::new()];
    let findings = [FindingId::new(), FindingId::new()];
    let mut states: BTreeMap<AggregateRef, AggregateState> = BTreeMap::new();
    let steps = [
        (
            chief,
            Op::Start {
                patrol: 0,
                fishing: false,
                claim: None,
            },
        ),
        (
            chief,
            Op::Report {
                finding: 0,
                patrol: 0,
            },
        ),
        (
            office,
            Op::Assign {
                finding: 0,
                follow_up: Some(0),
            },
        ),
        (chief, Op::Rectify { finding: 0 }),
        (office, Op::Verify { finding: 0 }),
    ];
    let mut device = SimDevice::new(9);
    for (i, (who, op)) in steps.iter().enumerate() {
        device.author = Some(who.id);
        let t = UnixMs(T0 + i as i64 * 1_000);
        let event = device.make(payload(op, &org, who, &patrols, &findings, t), t);
        let key = event.payload.aggregate();
        let owner_of = |k: &AggregateRef| match states.get(k) {
            Some(AggregateState::Patrol(p)) => Some(p.patroller),
            Some(AggregateState::Finding(f)) => f.reported_by,
            _ => None,
        };
        let record = states.get(&key).map(|s| Filed {
            unit: Some(chief.unit),
            owner: owner_of(&key),
            state: Some(s),
        });
        let parent = access::parent_of(&event.payload).map(|k| Filed {
            unit: Some(chief.unit),
            owner: owner_of(&k),
            state: None,
        });
        let write = Write {
            payload: &event.payload,
            author: event.author,
            record,
            parent,
        };
        access::authorise(who, &write, org.units.as_slice()).unwrap();
        let next = apply(states.get(&key), &event).unwrap();
        states.insert(key, next);
    }
    let f = states.values().find_map(|s| match s {
        AggregateState::Finding(f) => Some(f.clone()),
        _ => None,
    });
    assert_eq!(f.map(|f| f.status), Some(FindingStatus::Verified));
}
