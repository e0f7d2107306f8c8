//! The store's read tables do not depend on the order events arrive in: events pulled late (with
//! older stamps) make their record be folded again, so any arrival order, in any batches, ends
//! with exactly the tables a full rebuild gives — and the same states the domain's fold gives.

use proptest::prelude::*;
use xuncha_core::Store;
use xuncha_core::store::queries::{aggregate_state, projection_dump};
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::state::World;
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

const T0: i64 = 1_780_000_000_000;

/// Events from three devices with skewed clocks acting on two patrols and their findings.
fn events(ops: &[(usize, u8, usize, u16)]) -> Vec<Event> {
    let skew = [0i64, -1_800_000, 120_000];
    let mut devs: Vec<SimDevice> = (0..3).map(|i| SimDevice::new(50 + i as u8)).collect();
    let patrols = [PatrolId::new(), PatrolId::new()];
    let findings = [FindingId::new(), FindingId::new(), FindingId::new()];
    let mut out = Vec::new();
    let mut clock = T0;
    for (i, p) in patrols.iter().enumerate() {
        out.push(devs[i].make(
            Payload::PatrolStarted(PatrolStarted {
                patrol: *p,
                kind: if i == 0 {
                    PatrolKind::River
                } else {
                    PatrolKind::FishingBan
                },
                unit: UnitId::new(),
                patroller: UserId::new(),
                reach: None,
                area: Some(format!("区域 {i}")),
                started_at: UnixMs(T0),
            }),
            UnixMs(T0 + skew[i]),
        ));
    }
    for (dev, kind, target, dt) in ops {
        clock += *dt as i64 * 1000;
        let now = UnixMs(clock + skew[*dev]);
        let f = findings[*target % 3];
        let p = patrols[*target % 2];
        let payload = match kind % 11 {
            0 => Payload::FindingReported(FindingReported {
                location: Some(Position::new(114.1, 30.65)),
                ..FindingReported::new(
                    f,
                    RecordRef::Patrol(p),
                    FindingKind::Problem,
                    "floating_garbage",
                    format!("漂浮物 {clock}"),
                    Severity::Minor,
                    now,
                )
            }),
            1 => Payload::FindingAmended(FindingAmended {
                finding: f,
                category: None,
                description: Some(format!("更正 {dev} {clock}")),
                severity: None,
                location: None,
            }),
            2 => Payload::RectificationAssigned(RectificationAssigned {
                finding: f,
                assignee: "保洁公司".into(),
                follow_up_by: None,
                deadline: UnixMs(T0 + UnixMs::DAY),
                note: String::new(),
            }),
            3 => Payload::FindingRectified(FindingRectified {
                finding: f,
                note: "已打捞".into(),
                after_photos: vec![],
                position: None,
                rectified_at: now,
            }),
            4 => Payload::FindingVerified(FindingVerified {
                finding: f,
                note: String::new(),
                verified_at: now,
            }),
            5 => Payload::FindingReopened(FindingReopened {
                finding: f,
                reason: "复查仍有".into(),
                at: now,
            }),
            6 | 7 => Payload::TrackPointsAppended(TrackPointsAppended {
                patrol: p,
                points: vec![TrackPoint::at(now, 114.1 + (clock % 1000) as f64 * 1e-6, 30.65)],
                untimed: Vec::new(),
            }),
            8 => Payload::PatrolEnded(PatrolEnded {
                patrol: p,
                ended_at: now,
                notes: String::new(),
            }),
            9 => Payload::PublicityTallied(PublicityTallied {
                patrol: p,
                tally: Publicity {
                    banners: 1,
                    signs: 0,
                    notices: 0,
                    leaflets: 10,
                },
            }),
            _ => {
                // This device syncs: it sees everything made so far.
                for e in out.clone() {
                    devs[*dev].observe(&e, now);
                }
                continue;
            }
        };
        out.push(devs[*dev].make(payload, now));
    }
    out
}

fn ingest_in_batches(events: &[Event], cuts: &[usize]) -> Store {
    let mut store = Store::open_in_memory().expect("store");
    let mut start = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (events.len() + 1)).collect();
    cuts.sort();
    cuts.push(events.len());
    for cut in cuts {
        if cut > start {
            store
                .ingest(&events[start..cut], UnixMs(T0), None)
                .expect("ingest");
            start = cut;
        }
    }
    store
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_arrival_order_gives_the_tables_a_rebuild_gives(
        ops in prop::collection::vec((0usize..3, any::<u8>(), any::<usize>(), 0u16..900), 1..45),
        order_seed in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<usize>(), 0..4),
        dups in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let events = events(&ops);
        let mut sorted = events.clone();
        sorted.sort_by_key(|e| e.order_key());

        // A deterministic shuffle driven by the generated seed, plus re-deliveries.
        let mut shuffled = events.clone();
        let n = shuffled.len();
        let mut k = order_seed.index(usize::MAX / 2) | 1;
        for i in (1..n).rev() {
            k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (k >> 33) % (i + 1));
        }
        for d in &dups {
            shuffled.push(events[d.index(n)].clone());
        }

        let in_order = ingest_in_batches(&sorted, &[]);
        let mut out_of_order = ingest_in_batches(&shuffled, &cuts);
        let a = projection_dump(in_order.connection()).expect("dump");
        let b = projection_dump(out_of_order.connection()).expect("dump");
        prop_assert_eq!(&a, &b);
        out_of_order.rebuild().expect("rebuild");
        prop_assert_eq!(&projection_dump(out_of_order.connection()).expect("dump"), &a);

        // The stored states are the domain's fold of the same events.
        let world = World::fold(&events);
        for (key, state) in &world.aggregates {
            let stored = aggregate_state(in_order.connection(), &key.id.to_string()).expect("state");
            prop_assert_eq!(stored.as_ref(), Some(state));
        }
        let rejected: i64 = in_order
            .connection()
            .query_row("SELECT count(*) FROM rejections", [], |r| r.get(0))
            .expect("count");
        prop_assert_eq!(rejected as usize, world.rejected.len());
    }
}
