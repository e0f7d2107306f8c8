//! Tamper evidence: every way of changing a stored chain is caught by `verify_chain`.

use xuncha_domain::event::{ChainError, verify_chain};
use xuncha_domain::payload::*;
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

const T0: UnixMs = UnixMs(1_780_000_000_000);

fn patrol_events(dev: &mut SimDevice) -> Vec<Event> {
    let patrol = PatrolId::new();
    let mut events = vec![dev.make(
        Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit: UnitId::new(),
            patroller: UserId::new(),
            reach: None,
            area: Some("东风渠".into()),
            started_at: T0,
        }),
        T0,
    )];
    for i in 0..4 {
        let t = T0.plus_ms(i * 1000);
        events.push(dev.make(
            Payload::TrackPointsAppended(TrackPointsAppended {
                patrol,
                points: vec![TrackPoint::at(t, 114.1 + i as f64 * 1e-4, 30.65)],
                untimed: Vec::new(),
            }),
            t,
        ));
    }
    events.push(dev.make(
        Payload::PatrolEnded(PatrolEnded {
            patrol,
            ended_at: T0.plus_ms(5000),
            notes: String::new(),
        }),
        T0.plus_ms(5000),
    ));
    events
}

#[test]
fn an_untouched_chain_verifies() {
    let mut dev = SimDevice::new(1);
    let events = patrol_events(&mut dev);
    let head = verify_chain(dev.device, &dev.public_key(), None, &events).expect("valid chain");
    assert_eq!(head.map(|h| h.seq), Some(6));
    // …and also in two halves, as a server receives it in batches.
    let mid = verify_chain(dev.device, &dev.public_key(), None, &events[..3]).expect("first half");
    verify_chain(dev.device, &dev.public_key(), mid, &events[3..]).expect("second half");
}

#[test]
fn a_changed_payload_is_detected() {
    let mut dev = SimDevice::new(2);
    let mut events = patrol_events(&mut dev);
    if let Payload::TrackPointsAppended(a) = &mut events[2].payload {
        a.points[0].lon += 0.001; // move a fix by ~100 m
    }
    let err = verify_chain(dev.device, &dev.public_key(), None, &events).unwrap_err();
    assert_eq!(
        err,
        ChainError::HashMismatch {
            event: events[2].id,
            seq: 3
        }
    );
}

#[test]
fn a_rehashed_event_breaks_the_signature() {
    let mut dev = SimDevice::new(3);
    let mut events = patrol_events(&mut dev);
    if let Payload::PatrolEnded(e) = &mut events[5].payload {
        e.notes = "补记".into();
    }
    events[5].hash = events[5].computed_hash();
    let err = verify_chain(dev.device, &dev.public_key(), None, &events).unwrap_err();
    assert!(matches!(err, ChainError::BadSignature { seq: 6, .. }), "{err:?}");
}

#[test]
fn a_wrong_signature_is_detected() {
    let mut dev = SimDevice::new(4);
    let events = patrol_events(&mut dev);
    let other = SimDevice::new(5);
    let err = verify_chain(dev.device, &other.public_key(), None, &events).unwrap_err();
    assert!(matches!(err, ChainError::BadSignature { seq: 1, .. }), "{err:?}");
}

#[test]
fn a_removed_or_reordered_event_is_detected() {
    let mut dev = SimDevice::new(6);
    let events = patrol_events(&mut dev);

    let mut gap = events.clone();
    gap.remove(2);
    let err = verify_chain(dev.device, &dev.public_key(), None, &gap).unwrap_err();
    assert!(
        matches!(
            err,
            ChainError::SequenceGap {
                expected: 3,
                found: 4,
                ..
            }
        ),
        "{err:?}"
    );

    let mut swapped = events.clone();
    swapped.swap(1, 2);
    assert!(verify_chain(dev.device, &dev.public_key(), None, &swapped).is_err());
}

#[test]
fn a_chain_forged_by_another_key_is_detected_even_when_self_consistent() {
    // Someone rewrites the whole chain with their own key: every hash and link is consistent,
    // but the signatures are not the device's.
    let mut real = SimDevice::new(7);
    let originals = patrol_events(&mut real);
    let mut forger = SimDevice::new(8);
    forger.device = real.device;
    forger.clock = xuncha_domain::HlcClock::new(real.device);
    let forged: Vec<Event> = originals
        .iter()
        .map(|e| forger.make(e.payload.clone(), UnixMs(e.hlc.wall_ms)))
        .collect();
    let err = verify_chain(real.device, &real.public_key(), None, &forged).unwrap_err();
    assert!(matches!(err, ChainError::BadSignature { seq: 1, .. }), "{err:?}");
}

#[test]
fn an_event_that_does_not_link_to_its_predecessor_is_detected() {
    let mut dev = SimDevice::new(9);
    let events = patrol_events(&mut dev);
    // A correctly signed event whose prev_hash points elsewhere (a fork of the chain).
    let mut fork = SimDevice::new(9);
    fork.device = dev.device;
    fork.clock = xuncha_domain::HlcClock::new(dev.device);
    fork.head = Some(xuncha_domain::ChainHead {
        seq: 2,
        hash: EventHash::of(b"elsewhere"),
    });
    let forked = fork.make(events[2].payload.clone(), T0.plus_ms(9_000));
    let mut chain = events[..2].to_vec();
    chain.push(forked);
    let err = verify_chain(dev.device, &dev.public_key(), None, &chain).unwrap_err();
    assert!(matches!(err, ChainError::BrokenLink { seq: 3, .. }), "{err:?}");
}

#[test]
fn the_hash_survives_a_round_trip_through_json() {
    let mut dev = SimDevice::new(10);
    let events = patrol_events(&mut dev);
    for e in &events {
        let json = serde_json::to_string(e).expect("serialise");
        let back: Event = serde_json::from_str(&json).expect("parse");
        assert_eq!(&back, e);
        assert_eq!(back.computed_hash(), e.hash);
    }
}

#[test]
fn a_late_entrys_date_is_signed_and_an_events_without_one_hashes_as_before() {
    let mut dev = SimDevice::new(9);
    let mut events = patrol_events(&mut dev);
    // An event without `occurred_at` is written without the key, so its bytes (and hash) are
    // those of every event made before late entry existed.
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(!json.contains("occurred_at"), "{json}");

    // A late entry's date is part of what is signed: moving it is caught.
    let last_month = T0.plus_ms(-30 * UnixMs::DAY);
    let late = dev.make_late(events[5].payload.clone(), T0.plus_ms(6000), Some(last_month));
    assert!(serde_json::to_string(&late).unwrap().contains("\"occurred_at\""));
    events.push(late);
    verify_chain(dev.device, &dev.public_key(), None, &events).expect("valid chain");
    events[6].occurred_at = Some(T0);
    assert!(matches!(
        verify_chain(dev.device, &dev.public_key(), None, &events),
        Err(ChainError::HashMismatch { seq: 7, .. })
    ));
}
