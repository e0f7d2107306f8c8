//! The access model as a property: for random sequences of writes by several principals (river
//! chiefs of two brigades, a volunteer chief, an inspector, a fishing-ban patroller, offices of
//! the street and of a brigade, an admin of a brigade) — including payloads that claim another
//! patroller or unit — folding only the events `access::authorise` allows never yields a state
//! that breaks the rules of docs/ACCESS.md, written out here independently: records keep the
//! owner and unit of whoever created them, only a river chief's patrol is a river patrol, only
//! an office over the finding (never its reporter) assigns, verifies or reopens it.

use proptest::prelude::*;
use std::collections::BTreeMap;
use xuncha_domain::access::{self, Filed, Write};
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::state::{AggregateState, FindingState, FindingStatus, apply};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

const T0: i64 = 1_780_000_000_000;

struct Org {
    units: Vec<Unit>,
    people: Vec<User>,
}

fn org() -> Org {
    let unit = |name: &str, parent: Option<UnitId>| Unit {
        id: UnitId::new(),
        name: name.into(),
        kind: if parent.is_some() {
            UnitKind::Brigade
        } else {
            UnitKind::Subdistrict
        },
        parent,
        code: name.into(),
    };
    let street = unit("S", None);
    let b1 = unit("S-1", Some(street.id));
    let b2 = unit("S-2", Some(street.id));
    let person = |name: &str, unit: &Unit, role: Role| User {
        id: UserId::new(),
        name: name.into(),
        login: name.into(),
        unit: unit.id,
        roles: vec![role],
    };
    let brigade_chief = Role::RiverChief {
        level: ChiefLevel::Brigade,
    };
    let people = vec![
        person("chief-a", &b1, brigade_chief),
        person("chief-b", &b2, brigade_chief),
        person(
            "volunteer",
            &b1,
            Role::RiverChief {
                level: ChiefLevel::Volunteer,
            },
        ),
        person("inspector", &street, Role::SafetyInspector),
        person("patroller", &street, Role::FishingBanPatroller),
        person("office-street", &street, Role::Office),
        person("office-b2", &b2, Role::Office),
        person("admin-b1", &b1, Role::Admin),
    ];
    Org {
        units: vec![street, b1, b2],
        people,
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// `claim`: a patroller and unit the payload names instead of the author's own.
    Start {
        patrol: usize,
        fishing: bool,
        claim: Option<(usize, usize)>,
    },
    Report {
        finding: usize,
        patrol: usize,
    },
    Points {
        patrol: usize,
    },
    End {
        patrol: usize,
    },
    Amend {
        finding: usize,
    },
    Photo {
        finding: usize,
        after: bool,
    },
    Assign {
        finding: usize,
        follow_up: Option<usize>,
    },
    Rectify {
        finding: usize,
    },
    Verify {
        finding: usize,
    },
    Reopen {
        finding: usize,
    },
}

/// Mostly chief A and the street office, so that whole lifecycles happen; everyone else often
/// enough to try everything.
fn principal() -> impl Strategy<Value = usize> {
    prop_oneof![5 => Just(0usize), 4 => Just(5usize), 6 => 0..8usize]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, any::<bool>(), proptest::option::weighted(0.3, (0..8usize, 0..3usize)))
            .prop_map(|(patrol, fishing, claim)| Op::Start { patrol, fishing, claim }),
        3 => (0..2usize, 0..2usize).prop_map(|(finding, patrol)| Op::Report { finding, patrol }),
        1 => (0..2usize).prop_map(|patrol| Op::Points { patrol }),
        1 => (0..2usize).prop_map(|patrol| Op::End { patrol }),
        2 => (0..2usize).prop_map(|finding| Op::Amend { finding }),
        1 => (0..2usize, any::<bool>()).prop_map(|(finding, after)| Op::Photo { finding, after }),
        3 => (0..2usize, proptest::option::of(0..8usize)).prop_map(|(finding, follow_up)| Op::Assign { finding, follow_up }),
        3 => (0..2usize).prop_map(|finding| Op::Rectify { finding }),
        3 => (0..2usize).prop_map(|finding| Op::Verify { finding }),
        2 => (0..2usize).prop_map(|finding| Op::Reopen { finding }),
    ]
}

fn payload(
    op: &Op,
    org: &Org,
    who: &User,
    patrols: &[PatrolId; 2],
    findings: &[FindingId; 2],
    t: UnixMs,
) -> Payload {
    match *op {
        Op::Start {
            patrol,
            fishing,
            claim,
        } => Payload::PatrolStarted(PatrolStarted {
            patrol: patrols[patrol],
            kind: if fishing {
                PatrolKind::FishingBan
            } else {
                PatrolKind::River
            },
            unit: claim.map_or(who.unit, |(_, u)| org.units[u].id),
            patroller: claim.map_or(who.id, |(p, _)| org.people[p].id),
            reach: None,
            area: Some("幸福渠".into()),
            started_at: t,
        }),
        Op::Report { finding, patrol } => Payload::FindingReported(FindingReported {
            finding: findings[finding],
            record: RecordRef::Patrol(patrols[patrol]),
            kind: FindingKind::Problem,
            category: "dumping".into(),
            description: "河岸堆放垃圾".into(),
            severity: Severity::Minor,
            location: None,
            reported_at: t,
        }),
        Op::Points { patrol } => Payload::TrackPointsAppended(TrackPointsAppended {
            patrol: patrols[patrol],
            points: Vec::new(),
            untimed: Vec::new(),
        }),
        Op::End { patrol } => Payload::PatrolEnded(PatrolEnded {
            patrol: patrols[patrol],
            ended_at: t,
            notes: String::new(),
        }),
        Op::Amend { finding } => Payload::FindingAmended(FindingAmended {
            finding: findings[finding],
            category: None,
            description: Some(format!("改 {}", t.0)),
            severity: None,
            location: None,
        }),
        Op::Photo { finding, after } => Payload::PhotoAttached(PhotoAttached {
            target: PhotoTarget::Finding(findings[finding]),
            role: if after {
                PhotoRole::AfterRectification
            } else {
                PhotoRole::Evidence
            },
            original: BlobHash::of(&t.0.to_le_bytes()),
            upload: None,
            thumbnail: None,
            taken_at: None,
            position: None,
            position_source: PositionSource::None,
            caption: String::new(),
        }),
        Op::Assign { finding, follow_up } => Payload::RectificationAssigned(RectificationAssigned {
            finding: findings[finding],
            assignee: "某公司".into(),
            follow_up_by: follow_up.map(|i| org.people[i].id),
            deadline: UnixMs(t.0 + 86_400_000),
            note: String::new(),
        }),
        Op::Rectify { finding } => Payload::FindingRectified(FindingRectified {
            finding: findings[finding],
            note: String::new(),
            after_photos: Vec::new(),
            position: None,
            rectified_at: t,
        }),
        Op::Verify { finding } => Payload::FindingVerified(FindingVerified {
            finding: findings[finding],
            note: String::new(),
            verified_at: t,
        }),
        Op::Reopen { finding } => Payload::FindingReopened(FindingReopened {
            finding: findings[finding],
            reason: "未整改到位".into(),
            at: t,
        }),
    }
}

/// What the server files for each record: the unit and owner of whoever created it.
#[derive(Clone, Copy)]
struct Placement {
    unit: UnitId,
    owner: UserId,
}

fn within(units: &[Unit], unit: UnitId, root: UnitId) -> bool {
    let mut at = Some(unit);
    while let Some(u) = at {
        if u == root {
            return true;
        }
        at = units.iter().find(|x| x.id == u).and_then(|x| x.parent);
    }
    false
}

fn office_over(org: &Org, who: &User, unit: UnitId) -> bool {
    who.roles.iter().any(|r| matches!(r, Role::Office | Role::Admin)) && within(&org.units, unit, who.unit)
}

/// The rules of docs/ACCESS.md for one applied change, stated without the access module.
fn check_change(
    org: &Org,
    who: &User,
    before: Option<&AggregateState>,
    after: &AggregateState,
    filed: Placement,
) {
    match (before, after) {
        (None, AggregateState::Patrol(p)) => {
            assert_eq!(p.patroller, who.id, "a patrol is the author's own");
            assert_eq!(p.unit, who.unit, "a patrol is filed in the author's unit");
            let may = match p.kind {
                PatrolKind::River => who.roles.iter().any(|r| matches!(r, Role::RiverChief { .. })),
                PatrolKind::FishingBan => who.roles.contains(&Role::FishingBanPatroller),
            };
            assert!(may, "{} may not start a {:?} patrol", who.name, p.kind);
        }
        (Some(AggregateState::Patrol(b)), AggregateState::Patrol(a)) => {
            assert_eq!(
                (a.patroller, a.unit),
                (b.patroller, b.unit),
                "a patrol's owner never changes"
            );
            assert_eq!(
                filed.owner, who.id,
                "only the patroller continues a patrol: {}",
                who.name
            );
        }
        (None, AggregateState::Finding(f)) => {
            assert_eq!(f.reported_by, Some(who.id));
            assert_eq!(f.status, FindingStatus::Reported);
        }
        (Some(AggregateState::Finding(b)), AggregateState::Finding(a)) => {
            assert_eq!(a.reported_by, b.reported_by, "a finding's reporter never changes");
            finding_change(org, who, b, a, filed);
        }
        (b, a) => panic!("unexpected change {b:?} -> {a:?}"),
    }
}

fn finding_change(org: &Org, who: &User, b: &FindingState, a: &FindingState, filed: Placement) {
    let office = office_over(org, who, filed.unit);
    let owner = filed.owner == who.id;
    if a.status != b.status {
        match a.status {
            FindingStatus::Assigned => {
                assert!(office, "{} assigned without being the office over it", who.name)
            }
            FindingStatus::Verified | FindingStatus::Reopened => {
                assert!(
                    office && !owner,
                    "{} decided on a finding not theirs to decide",
                    who.name
                );
            }
            FindingStatus::Rectified => {
                let follow_up = b.assignment.as_ref().and_then(|x| x.follow_up_by) == Some(who.id);
                assert!(office || owner || follow_up, "{} rectified a finding", who.name);
            }
            FindingStatus::Reported => panic!("a finding never goes back to reported"),
        }
    }
    if a.description != b.description {
        assert!(office || owner, "{} amended another's finding", who.name);
    }
}

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
