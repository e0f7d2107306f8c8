//! The access model's test vocabulary, shared by the property test on the domain's fold
//! (`tests/access_fold.rs`) and the one on the real server's ingest
//! (`crates/server/tests/access_property.rs`): an organisation of eight principals, random
//! writes by them, and the rules of docs/ACCESS.md for one applied change, written out here
//! independently of `xuncha_domain::access`.
#![allow(dead_code)]

use proptest::prelude::*;
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::state::{AggregateState, FindingState, FindingStatus};
use xuncha_domain::*;

pub struct Org {
    pub units: Vec<Unit>,
    pub people: Vec<User>,
}

/// A street with two brigades and, in this order: chief A (brigade 1), chief B (brigade 2), a
/// volunteer chief (brigade 1), an inspector, a fishing-ban patroller, the street office, the
/// office of brigade 2 and an admin of brigade 1.
pub fn org() -> Org {
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
        active_from: None,
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
pub enum Op {
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
pub fn principal() -> impl Strategy<Value = usize> {
    prop_oneof![5 => Just(0usize), 4 => Just(5usize), 6 => 0..8usize]
}

pub fn op() -> impl Strategy<Value = Op> {
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

pub fn payload(
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
        Op::Report { finding, patrol } => Payload::FindingReported(FindingReported::new(
            findings[finding],
            RecordRef::Patrol(patrols[patrol]),
            FindingKind::Problem,
            "dumping",
            "河岸堆放垃圾",
            Severity::Minor,
            t,
        )),
        Op::Points { patrol } => Payload::TrackPointsAppended(TrackPointsAppended {
            patrol: patrols[patrol],
            points: vec![xuncha_domain::position::TrackPoint {
                t,
                lon: 114.1,
                lat: 30.65,
                accuracy_m: Some(5.0),
                altitude_m: None,
                speed_mps: None,
                bearing_deg: None,
                provider: xuncha_domain::position::FixProvider::Gps,
                mock: false,
                gap_before: false,
            }],
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
            note: "已清理".into(),
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
pub struct Placement {
    pub unit: UnitId,
    pub owner: UserId,
}

pub fn within(units: &[Unit], unit: UnitId, root: UnitId) -> bool {
    let mut at = Some(unit);
    while let Some(u) = at {
        if u == root {
            return true;
        }
        at = units.iter().find(|x| x.id == u).and_then(|x| x.parent);
    }
    false
}

pub fn office_over(org: &Org, who: &User, unit: UnitId) -> bool {
    who.roles.iter().any(|r| matches!(r, Role::Office | Role::Admin)) && within(&org.units, unit, who.unit)
}

/// The rules of docs/ACCESS.md for one applied change, stated without the access module.
pub fn check_change(
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

pub fn finding_change(org: &Org, who: &User, b: &FindingState, a: &FindingState, filed: Placement) {
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
