//! Over 500 lines: one test per bounded field, at its limit and just past it.
//! Every number, text and list of a payload has a bound, every time lies in the time window, and
//! no sequence of tallies can overflow a patrol's totals. Each bound is tried at its limit
//! (accepted) and just past it (refused, naming the field).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::people::{Role, Unit, UnitKind, User};
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::state::{AggregateState, World};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::time::{EARLIEST, TimeWindow};
use xuncha_domain::validate::*;
use xuncha_domain::*;

const NOW: UnixMs = UnixMs(1_780_000_000_000);

fn text(n: usize) -> String {
    // Multi-byte characters: the bound counts characters, not bytes.
    "河".repeat(n)
}

fn tally(banners: u32, signs: u32, notices: u32, leaflets: u32) -> Payload {
    Payload::PublicityTallied(PublicityTallied {
        patrol: PatrolId::new(),
        tally: Publicity {
            banners,
            signs,
            notices,
            leaflets,
        },
    })
}

fn seizure(description: String, quantity: u32) -> Payload {
    Payload::GearSeized(GearSeized {
        patrol: PatrolId::new(),
        seizure: SeizureId::new(),
        description,
        quantity,
        position: None,
        seized_at: NOW,
    })
}

fn finding(description: String, reported_at: UnixMs) -> Payload {
    Payload::FindingReported(FindingReported::new(
        FindingId::new(),
        RecordRef::Patrol(PatrolId::new()),
        FindingKind::Problem,
        "dumping",
        description,
        Severity::Minor,
        reported_at,
    ))
}

fn items(n: usize) -> Vec<ChecklistItem> {
    (0..n)
        .map(|i| ChecklistItem {
            code: format!("item-{i}"),
            text: "消防通道畅通".into(),
            legal_basis: String::new(),
        })
        .collect()
}

fn checklist(name: String, items: Vec<ChecklistItem>, version: u32) -> Payload {
    Payload::ChecklistPublished(ChecklistTemplate {
        id: ChecklistId::new(),
        version,
        name,
        items,
    })
}

fn reach(line_points: usize, length_m: f64, chiefs: usize) -> Payload {
    Payload::ReachDefined(Reach {
        id: ReachId::new(),
        name: "东湖港".into(),
        unit: UnitId::new(),
        line: (0..line_points)
            .map(|i| Position::new(114.0 + i as f64 * 1e-5, 30.5))
            .collect(),
        length_m,
        chiefs: (0..chiefs).map(|_| UserId::new()).collect(),
    })
}

fn user(name: String, roles: usize) -> Payload {
    Payload::UserDefined(User {
        active_from: None,
        id: UserId::new(),
        name,
        login: "zhang".into(),
        unit: UnitId::new(),
        roles: vec![Role::Office; roles],
    })
}

fn unit(code: String) -> Payload {
    Payload::UnitDefined(Unit {
        id: UnitId::new(),
        name: "洪山街道".into(),
        kind: UnitKind::Subdistrict,
        parent: None,
        code,
    })
}

fn site(address: String) -> Payload {
    Payload::SiteDefined(Site {
        id: SiteId::new(),
        name: "某某化工".into(),
        kind: SiteKind::Enterprise,
        address,
        location: Position::new(114.3, 30.5),
        unit: UnitId::new(),
    })
}

fn track(points: Vec<TrackPoint>) -> Payload {
    Payload::TrackPointsAppended(TrackPointsAppended {
        patrol: PatrolId::new(),
        points,
        untimed: Vec::new(),
    })
}

fn point(f: impl FnOnce(&mut TrackPoint)) -> Vec<TrackPoint> {
    let mut p = TrackPoint::at(NOW, 114.3, 30.5);
    f(&mut p);
    vec![p]
}

fn assignment(deadline: UnixMs) -> Payload {
    Payload::RectificationAssigned(RectificationAssigned {
        finding: FindingId::new(),
        assignee: "某某公司".into(),
        follow_up_by: None,
        deadline,
        note: String::new(),
    })
}

fn rectified(photos: usize) -> Payload {
    Payload::FindingRectified(FindingRectified {
        finding: FindingId::new(),
        note: "已清理".into(),
        after_photos: (0..photos)
            .map(|i| BlobHash::of(&[i as u8, (i >> 8) as u8]))
            .collect(),
        position: None,
        rectified_at: NOW,
    })
}

fn record(content: String, number: String) -> Payload {
    Payload::OnSiteRecordIssued(OnSiteRecordIssued {
        inspection: InspectionId::new(),
        document: DocumentId::new(),
        number,
        content,
        rectification_deadline: None,
        issued_at: NOW,
    })
}

/// (what, the payload at its bound, the payload just past it, the field the refusal names)
fn cases() -> Vec<(&'static str, Payload, Payload, &'static str)> {
    let t = MAX_TALLY_PER_EVENT;
    vec![
        ("banners", tally(t, 0, 0, 0), tally(t + 1, 0, 0, 0), "banners"),
        ("signs", tally(0, t, 0, 0), tally(0, t + 1, 0, 0), "signs"),
        ("notices", tally(0, 0, t, 0), tally(0, 0, t + 1, 0), "notices"),
        (
            "leaflets",
            tally(0, 0, 0, t),
            tally(0, 0, 0, u32::MAX),
            "leaflets",
        ),
        (
            "seized quantity",
            seizure("地笼".into(), MAX_SEIZED_QUANTITY),
            seizure("地笼".into(), MAX_SEIZED_QUANTITY + 1),
            "quantity",
        ),
        (
            "seizure description",
            seizure(text(MAX_DESCRIPTION_CHARS), 1),
            seizure(text(MAX_DESCRIPTION_CHARS + 1), 1),
            "description",
        ),
        (
            "finding description",
            finding(text(MAX_DESCRIPTION_CHARS), NOW),
            finding(text(MAX_DESCRIPTION_CHARS + 1), NOW),
            "description",
        ),
        (
            "a 5 MiB description",
            finding("堆".into(), NOW),
            finding("x".repeat(5 << 20), NOW),
            "description",
        ),
        (
            "checklist items",
            checklist("消防".into(), items(MAX_CHECKLIST_ITEMS), 1),
            checklist("消防".into(), items(MAX_CHECKLIST_ITEMS + 1), 1),
            "items",
        ),
        (
            "checklist name",
            checklist(text(MAX_NAME_CHARS), items(1), 1),
            checklist(text(MAX_NAME_CHARS + 1), items(1), 1),
            "name",
        ),
        (
            "checklist version",
            checklist("消防".into(), items(1), MAX_CHECKLIST_VERSION),
            checklist("消防".into(), items(1), MAX_CHECKLIST_VERSION + 1),
            "version",
        ),
        (
            "checklist item code",
            checklist(
                "消防".into(),
                vec![ChecklistItem {
                    code: "c".repeat(MAX_CODE_CHARS),
                    text: "x".into(),
                    legal_basis: String::new(),
                }],
                1,
            ),
            checklist(
                "消防".into(),
                vec![ChecklistItem {
                    code: "c".repeat(MAX_CODE_CHARS + 1),
                    text: "x".into(),
                    legal_basis: String::new(),
                }],
                1,
            ),
            "items[0].code",
        ),
        (
            "reach line points",
            reach(MAX_REACH_LINE_POINTS, 1_000.0, 1),
            reach(MAX_REACH_LINE_POINTS + 1, 1_000.0, 1),
            "line",
        ),
        (
            "reach length",
            reach(2, MAX_REACH_LENGTH_M, 1),
            reach(2, MAX_REACH_LENGTH_M + 1.0, 1),
            "length_m",
        ),
        (
            "reach chiefs",
            reach(2, 1_000.0, MAX_REACH_CHIEFS),
            reach(2, 1_000.0, MAX_REACH_CHIEFS + 1),
            "chiefs",
        ),
        (
            "roles",
            user("张三".into(), MAX_ROLES),
            user("张三".into(), MAX_ROLES + 1),
            "roles",
        ),
        (
            "user name",
            user(text(MAX_NAME_CHARS), 1),
            user(text(MAX_NAME_CHARS + 1), 1),
            "name",
        ),
        (
            "unit code",
            unit("H".repeat(MAX_CODE_CHARS)),
            unit("H".repeat(MAX_CODE_CHARS + 1)),
            "code",
        ),
        (
            "site address",
            site(text(MAX_LINE_CHARS)),
            site(text(MAX_LINE_CHARS + 1)),
            "address",
        ),
        (
            "on-site record content",
            record(text(MAX_DOCUMENT_CHARS), "HY-2026-0001".into()),
            record(text(MAX_DOCUMENT_CHARS + 1), "HY-2026-0001".into()),
            "content",
        ),
        (
            "on-site record number",
            record("x".into(), "N".repeat(MAX_CODE_CHARS)),
            record("x".into(), "N".repeat(MAX_CODE_CHARS + 1)),
            "number",
        ),
        (
            "after-rectification photos",
            rectified(MAX_AFTER_PHOTOS),
            rectified(MAX_AFTER_PHOTOS + 1),
            "after_photos",
        ),
        (
            "accuracy",
            track(point(|p| p.accuracy_m = Some(MAX_ACCURACY_M))),
            track(point(|p| p.accuracy_m = Some(MAX_ACCURACY_M + 1.0))),
            "points[0].accuracy_m",
        ),
        (
            "speed",
            track(point(|p| p.speed_mps = Some(MAX_SPEED_MPS))),
            track(point(|p| p.speed_mps = Some(MAX_SPEED_MPS * 10.0))),
            "points[0].speed_mps",
        ),
        (
            "altitude",
            track(point(|p| p.altitude_m = Some(ALTITUDE_RANGE_M.1))),
            track(point(|p| p.altitude_m = Some(1e12))),
            "points[0].altitude_m",
        ),
        (
            "track points",
            track(vec![TrackPoint::at(NOW, 114.3, 30.5); MAX_POINTS_PER_EVENT]),
            track(vec![TrackPoint::at(NOW, 114.3, 30.5); MAX_POINTS_PER_EVENT + 1]),
            "points",
        ),
        (
            "a time in the future",
            finding("堆".into(), NOW.plus_ms(MAX_FUTURE_MS)),
            finding("堆".into(), NOW.plus_ms(MAX_FUTURE_MS + 1)),
            "reported_at",
        ),
        (
            "a time before 2000",
            finding("堆".into(), EARLIEST),
            finding("堆".into(), EARLIEST.plus_ms(-1)),
            "reported_at",
        ),
        (
            "a time in 1970",
            finding("堆".into(), EARLIEST),
            finding("堆".into(), UnixMs(0)),
            "reported_at",
        ),
        (
            "a negative time",
            finding("堆".into(), EARLIEST),
            finding("堆".into(), UnixMs(-86_400_000)),
            "reported_at",
        ),
        (
            "a track point in 9999",
            track(point(|_| {})),
            track(point(|p| p.t = UnixMs(253_402_300_799_000))),
            "points[0].t",
        ),
        (
            "a deadline",
            assignment(NOW.plus_ms(MAX_DEADLINE_AHEAD_MS)),
            assignment(NOW.plus_ms(MAX_DEADLINE_AHEAD_MS + 1)),
            "deadline",
        ),
        (
            "a deadline in 1970",
            assignment(NOW.plus_ms(UnixMs::DAY)),
            assignment(UnixMs(1)),
            "deadline",
        ),
    ]
}

#[test]
fn every_bound_accepts_its_limit_and_refuses_one_past_it() {
    for (what, at, over, field) in cases() {
        if let Err(e) = validate(&at, NOW) {
            panic!("{what}: at the bound it must be accepted, got {e:?}");
        }
        match validate(&over, NOW) {
            Ok(()) => panic!("{what}: past the bound it must be refused"),
            Err(e) => {
                assert_eq!(e.field, field, "{what}: {e:?}");
                assert!(!e.problem.is_empty() && !e.problem_en.is_empty(), "{what}: {e:?}");
            }
        }
    }
}

#[test]
fn refusals_say_the_bound_in_both_languages() {
    let e = validate(&finding("x".repeat(5 << 20), NOW), NOW).unwrap_err();
    assert_eq!(
        e.say(Lang::Zh),
        format!("描述太长（最多 {MAX_DESCRIPTION_CHARS} 字）")
    );
    assert_eq!(
        e.say(Lang::En),
        format!("The description is too long (at most {MAX_DESCRIPTION_CHARS} characters)")
    );
    let e = validate(&tally(u32::MAX, 0, 0, 0), NOW).unwrap_err();
    assert_eq!(e.say(Lang::Zh), "横幅数量为 4294967295，超过上限 100000");
    let e = validate(&finding("堆".into(), UnixMs(0)), NOW).unwrap_err();
    assert!(e.say(Lang::Zh).starts_with("上报时间早于 2000 年"), "{e}");
    let e = validate(&finding("堆".into(), UnixMs(-5)), NOW).unwrap_err();
    assert!(
        e.say(Lang::En).starts_with("The report time is before 1970"),
        "{e:?}"
    );
    let e = validate(&finding("堆".into(), UnixMs(253_402_300_799_000)), NOW).unwrap_err();
    assert!(e.say(Lang::Zh).contains("天，请检查设备时钟"), "{e}");
}

#[test]
fn a_tally_that_once_overflowed_the_sum_is_refused_before_it_is_added() {
    // u32::MAX banners and then one more: refused by validation, and the sum in validation
    // itself cannot overflow.
    assert!(validate(&tally(u32::MAX, u32::MAX, u32::MAX, u32::MAX), NOW).is_err());
    assert!(validate(&tally(0, 0, 0, 0), NOW).is_err());
}

#[test]
fn an_event_stamped_outside_the_window_is_refused_whatever_its_payload() {
    let mut phone = SimDevice::new(7);
    let payload = finding("堆".into(), NOW);
    for (wall, word) in [
        (253_402_300_799_000, "9999"),
        (0, "1970"),
        (-1_000, "negative"),
        (NOW.0 + MAX_FUTURE_MS + 1, "a day and a millisecond ahead"),
    ] {
        let e = phone.make(payload.clone(), UnixMs(wall));
        let err = validate_event(&e, NOW).expect_err(word);
        assert_eq!(err.field, "hlc", "{word}");
        phone = SimDevice::new(7);
    }
    let e = phone.make(payload.clone(), NOW);
    assert!(validate_event(&e, NOW).is_ok());
    // A configured window moves the future bound, never the floor.
    let wide = TimeWindow {
        max_future_ms: 10 * UnixMs::DAY,
        ..TimeWindow::DEFAULT
    };
    let mut phone = SimDevice::new(8);
    let e = phone.make(payload.clone(), NOW.plus_ms(5 * UnixMs::DAY));
    assert!(validate_event(&e, NOW).is_err());
    assert!(validate_event_within(&e, NOW, &wide).is_ok());
    let mut phone = SimDevice::new(9);
    let e = phone.make(payload, UnixMs(0));
    assert!(validate_event_within(&e, NOW, &wide).is_err());
}

fn started(phone: &mut SimDevice, patrol: PatrolId) -> Event {
    phone.make(
        Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::FishingBan,
            unit: UnitId::new(),
            patroller: UserId::new(),
            reach: None,
            area: Some("江滩".into()),
            started_at: NOW,
        }),
        NOW,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever tallies are folded — valid or not, up to u32::MAX each — the fold neither
    /// panics nor wraps: each total is the exact sum of the tallies it took, and a tally it
    /// could not add is rejected, never half-added.
    #[test]
    fn no_sequence_of_tallies_overflows_the_fold(
        tallies in prop::collection::vec(
            (any::<u32>(), any::<u32>(), 0u32..=MAX_TALLY_PER_EVENT, prop_oneof![Just(u32::MAX), any::<u32>()]),
            1..40,
        )
    ) {
        let mut phone = SimDevice::new(3);
        let patrol = PatrolId::new();
        let mut events = vec![started(&mut phone, patrol)];
        for (b, s, n, l) in &tallies {
            events.push(phone.make(
                Payload::PublicityTallied(PublicityTallied {
                    patrol,
                    tally: Publicity { banners: *b, signs: *s, notices: *n, leaflets: *l },
                }),
                NOW,
            ));
        }
        let world = World::fold(&events);
        let mut expected = [0u64; 4];
        for (e, (b, s, n, l)) in events[1..].iter().zip(&tallies) {
            if !world.rejected.contains_key(&e.id) {
                for (sum, add) in expected.iter_mut().zip([b, s, n, l]) {
                    *sum += u64::from(*add);
                }
            }
        }
        let Some(AggregateState::Patrol(p)) = world.aggregates.values().next() else {
            panic!("the patrol is folded");
        };
        let got = [p.publicity.banners, p.publicity.signs, p.publicity.notices, p.publicity.leaflets];
        for (g, e) in got.iter().zip(expected) {
            prop_assert_eq!(u64::from(*g), e);
        }
    }

    /// Tallies that pass validation add up exactly for as many events as a patrol could hold.
    #[test]
    fn valid_tallies_add_up_exactly(
        tallies in prop::collection::vec((0u32..=MAX_TALLY_PER_EVENT, 1u32..=MAX_TALLY_PER_EVENT), 1..60)
    ) {
        let mut phone = SimDevice::new(4);
        let patrol = PatrolId::new();
        let mut events = vec![started(&mut phone, patrol)];
        for (b, l) in &tallies {
            let p = tally(*b, 0, 0, *l);
            let Payload::PublicityTallied(mut t) = p else { unreachable!() };
            t.patrol = patrol;
            let p = Payload::PublicityTallied(t);
            prop_assert!(validate(&p, NOW).is_ok());
            events.push(phone.make(p, NOW));
        }
        let world = World::fold(&events);
        prop_assert!(world.rejected.is_empty());
        let Some(AggregateState::Patrol(p)) = world.aggregates.values().next() else {
            panic!("the patrol is folded");
        };
        let banners: u64 = tallies.iter().map(|(b, _)| u64::from(*b)).sum();
        let leaflets: u64 = tallies.iter().map(|(_, l)| u64::from(*l)).sum();
        prop_assert_eq!(u64::from(p.publicity.banners), banners);
        prop_assert_eq!(u64::from(p.publicity.leaflets), leaflets);
    }
}

#[test]
fn a_late_entry_may_reach_back_only_as_far_as_the_window_and_never_ahead() {
    use xuncha_domain::validate::{check_active_from, validate_late_entry};
    let w = TimeWindow::DEFAULT;
    let entered = NOW;
    assert!(validate_late_entry(entered.plus_ms(-30 * UnixMs::DAY), entered, &w).is_ok());
    assert!(validate_late_entry(entered, entered, &w).is_ok());
    for (what, at) in [
        ("ahead of entry", entered.plus_ms(1)),
        ("beyond the window", entered.plus_ms(-w.max_late_ms - 1)),
        ("before 2000", UnixMs(0)),
    ] {
        let e = validate_late_entry(at, entered, &w).expect_err(what);
        assert_eq!(e.field, "occurred_at", "{what}");
    }
    let narrow = TimeWindow {
        max_late_ms: 7 * UnixMs::DAY,
        ..w
    };
    assert!(validate_late_entry(entered.plus_ms(-8 * UnixMs::DAY), entered, &narrow).is_err());
    // And never before the person's first day of work.
    let appointed = entered.plus_ms(-10 * UnixMs::DAY);
    assert!(check_active_from(appointed, appointed).is_ok());
    assert!(check_active_from(appointed.plus_ms(-1), appointed).is_err());
}
