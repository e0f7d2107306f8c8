//! Folding is deterministic: the same set of events from several devices, received in any order
//! and with duplicates, gives the same state — including conflicting edits and transitions the
//! lifecycle forbids.

use proptest::prelude::*;
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::state::{AggregateState, FindingStatus, World};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

const T0: i64 = 1_780_000_000_000;

#[derive(Clone, Debug)]
enum Op {
    Amend { text: u8, severity: u8 },
    Assign,
    Rectify,
    Verify,
    Reopen,
    Photo,
    Points,
    EndPatrol,
    Sync,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), 0u8..3).prop_map(|(text, severity)| Op::Amend { text, severity }),
        Just(Op::Assign),
        Just(Op::Rectify),
        Just(Op::Verify),
        Just(Op::Reopen),
        Just(Op::Photo),
        Just(Op::Points),
        Just(Op::EndPatrol),
        Just(Op::Sync),
    ]
}

/// Three devices with skewed clocks act on one patrol and two findings.
fn scenario(steps: &[(usize, Op, usize, u16)]) -> Vec<Event> {
    let skew = [0i64, -3_600_000, 300_000];
    let mut devices: Vec<SimDevice> = (0..3).map(|i| SimDevice::new(i as u8 + 1)).collect();
    let patrol = PatrolId::new();
    let findings = [FindingId::new(), FindingId::new()];
    let mut all = Vec::new();
    let t = UnixMs(T0);
    all.push(devices[0].make(
        Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit: UnitId::new(),
            patroller: UserId::new(),
            reach: None,
            area: Some("府河".into()),
            started_at: t,
        }),
        t,
    ));
    for (i, f) in findings.iter().enumerate() {
        all.push(devices[0].make(
            Payload::FindingReported(FindingReported {
                location: Some(Position::new(114.1, 30.65)),
                ..FindingReported::new(
                    *f,
                    RecordRef::Patrol(patrol),
                    FindingKind::Problem,
                    "dumping",
                    format!("堆放垃圾 {i}"),
                    Severity::Minor,
                    t,
                )
            }),
            t,
        ));
    }
    let mut clock = T0;
    for (dev, op, finding, dt) in steps {
        clock += *dt as i64 * 1000;
        let now = UnixMs(clock + skew[*dev]);
        let f = findings[*finding];
        let payload = match op {
            Op::Sync => {
                for e in all.clone() {
                    devices[*dev].observe(&e, now);
                }
                continue;
            }
            Op::Amend { text, severity } => Payload::FindingAmended(FindingAmended {
                finding: f,
                category: None,
                description: Some(format!("修改 {text}")),
                severity: Some([Severity::Minor, Severity::Major, Severity::Critical][*severity as usize]),
                location: None,
            }),
            Op::Assign => Payload::RectificationAssigned(RectificationAssigned {
                finding: f,
                assignee: "某公司".into(),
                follow_up_by: None,
                deadline: UnixMs(T0 + 7 * UnixMs::DAY),
                note: String::new(),
            }),
            Op::Rectify => Payload::FindingRectified(FindingRectified {
                finding: f,
                note: "已清理".into(),
                after_photos: vec![BlobHash::of(&clock.to_le_bytes())],
                position: None,
                rectified_at: now,
            }),
            Op::Verify => Payload::FindingVerified(FindingVerified {
                finding: f,
                note: String::new(),
                verified_at: now,
            }),
            Op::Reopen => Payload::FindingReopened(FindingReopened {
                finding: f,
                reason: "未清理干净".into(),
                at: now,
            }),
            Op::Photo => Payload::PhotoAttached(PhotoAttached {
                target: PhotoTarget::Finding(f),
                role: PhotoRole::Evidence,
                original: BlobHash::of(&clock.to_be_bytes()),
                upload: None,
                thumbnail: None,
                taken_at: Some(now),
                position: None,
                position_source: PositionSource::None,
                caption: String::new(),
            }),
            Op::Points => Payload::TrackPointsAppended(TrackPointsAppended {
                patrol,
                points: vec![TrackPoint::at(now, 114.1, 30.65)],
                untimed: Vec::new(),
            }),
            Op::EndPatrol => Payload::PatrolEnded(PatrolEnded {
                patrol,
                ended_at: now.max(t),
                notes: String::new(),
            }),
        };
        all.push(devices[*dev].make(payload, now));
    }
    all
}

fn steps() -> impl Strategy<Value = Vec<(usize, Op, usize, u16)>> {
    prop::collection::vec((0usize..3, op(), 0usize..2, 0u16..600), 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_arrival_order_gives_the_same_state(
        (events, shuffled) in steps().prop_map(|s| scenario(&s)).prop_flat_map(|ev| {
            let n = ev.len();
            (Just(ev.clone()), Just(ev).prop_shuffle(), ).prop_map(move |(a, b)| { let _ = n; (a, b) })
        }),
        dup in prop::collection::vec(any::<prop::sample::Index>(), 0..5),
    ) {
        let reference = World::fold(&events);
        let mut received = shuffled.clone();
        for i in dup {
            received.push(shuffled[i.index(shuffled.len())].clone());
        }
        prop_assert_eq!(World::fold(&received), reference);
    }

    #[test]
    fn no_finding_is_verified_without_having_been_rectified(s in steps()) {
        let events = scenario(&s);
        let world = World::fold(&events);
        for state in world.aggregates.values() {
            if let AggregateState::Finding(f) = state
                && f.status == FindingStatus::Verified
            {
                prop_assert!(f.rectification.is_some());
                prop_assert!(f.verified_at.is_some());
            }
        }
        // Every event is either applied or rejected: nothing is dropped.
        let rejected: std::collections::BTreeSet<_> = world.rejected.keys().collect();
        prop_assert!(rejected.len() <= events.len());
    }
}

#[test]
fn a_later_edit_wins_and_an_earlier_one_arriving_late_does_not_undo_it() {
    let steps = vec![
        (1usize, Op::Sync, 0usize, 1u16),
        (2, Op::Sync, 0, 1),
        (1, Op::Amend { text: 1, severity: 1 }, 0, 10),
        (2, Op::Amend { text: 2, severity: 2 }, 0, 3_000),
    ];
    let events = scenario(&steps);
    let forward = World::fold(&events);
    let mut backward = events.clone();
    backward.reverse();
    assert_eq!(World::fold(&backward), forward);
    let f = forward.aggregates.values().find_map(|a| match a {
        AggregateState::Finding(f) if f.description.starts_with("修改") => Some(f.clone()),
        _ => None,
    });
    let f = f.expect("amended finding");
    // Device 2's clock runs 5 minutes fast, device 1's an hour slow; both synced first, so the
    // edit made later in real time (device 2's) carries the later stamp.
    assert_eq!(f.description, "修改 2");
    assert_eq!(f.severity, Severity::Critical);
}

#[test]
fn verifying_before_rectification_is_rejected_and_kept() {
    let steps = vec![
        (1usize, Op::Sync, 0usize, 1u16),
        (1, Op::Verify, 0, 5),
        (1, Op::Assign, 0, 5),
    ];
    let events = scenario(&steps);
    let world = World::fold(&events);
    let verify = events
        .iter()
        .find(|e| matches!(e.payload, Payload::FindingVerified(_)))
        .expect("verify event");
    let why = world
        .rejected
        .get(&verify.id)
        .expect("the verification is rejected");
    assert_eq!(why.code, "finding_not_rectified");
    let assign = events
        .iter()
        .find(|e| matches!(e.payload, Payload::RectificationAssigned(_)))
        .expect("assign");
    assert!(!world.rejected.contains_key(&assign.id));
}
