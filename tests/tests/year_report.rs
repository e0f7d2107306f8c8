//! Over 500 lines: one whole year of the three workflows through the core, and every figure checked.
//! The year report (issue 14): a subdistrict's whole year, shaped like a real 2020 work report,
//! recorded through the device core by one phone per person, synced to a real server, and read
//! back from `GET /api/v1/office/reports/year` — every figure exactly, and the patrols made too
//! short listed apart with their reasons in Chinese — on SQLite and on PostgreSQL, at the report's
//! full size (8,175 safety checks; see `INSPECTIONS` for a quick run).
//!
//! Which year, honestly: the report's own, 2020. Each phone runs on a clock of the test's own
//! (`Device::with_store` takes one, for tests) that the test moves through 2020 as the work
//! happens, so every record is made "live" with the time the phone read, exactly as a phone that
//! stayed offline all year would have made it; the phones then sync with their clocks back at
//! today. The server accepts a stamp from the past (only one from the future is refused), and no
//! record is a late entry (补录): the late-entry window (400 days) could not reach a whole past
//! year, and the current year would be a few days long in January. What is not as in life: the
//! reference data (sites, reaches, checklist) is defined today, before the records that use it
//! are dated; the server does not date reference data against records. The office assigns and
//! verifies the seven problems today, and they are rectified today: the report counts problems
//! found in the year, whatever became of them since.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;
use xuncha_core::Device;
use xuncha_core::api::{Request, Response};
use xuncha_domain::calendar::Day;
use xuncha_domain::figures::{LevelFigures, NotCounting, ProblemFigures, SafetyFigures, YearReport};
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, User};
use xuncha_domain::reference::{Site, SiteKind};
use xuncha_domain::rules::demo_rules;
use xuncha_domain::testkit::Rng;
use xuncha_domain::*;
use xuncha_e2e::*;

const YEAR: i32 = 2020;
const DAY: i64 = UnixMs::DAY;
const HOUR: i64 = UnixMs::HOUR;
const MINUTE: i64 = UnixMs::MINUTE;

/// The report's enterprise safety checks, each with its on-site record.
const REPORTED_INSPECTIONS: u32 = 8_175;

/// How many of them a run records: the report's own 8,175 (seven events each, signed on the
/// device, 57,000 events to push and fold; about 70 s on SQLite and 95 s on PostgreSQL on two
/// cores). `XUNCHA_YEAR_INSPECTIONS=500` makes a quick run while working on the test.
const INSPECTIONS: u32 = REPORTED_INSPECTIONS;

/// River patrols that count: the street-level chief's, each brigade chief's, each volunteer's.
const STREET_PATROLS: u32 = 20;
const BRIGADE_CHIEFS: u32 = 5;
const PATROLS_PER_BRIGADE_CHIEF: u32 = 60;
const VOLUNTEERS: u32 = 9;
const PATROLS_PER_VOLUNTEER: u32 = 3;
/// Problems found on the street chief's patrols (each found, assigned, rectified, verified).
const PROBLEMS: u32 = 7;
/// Fishing-ban patrols, one a month.
const FISHING_PATROLS: u32 = 12;

/// A phone of one person, on a clock the test moves.
struct Phone {
    device: Device,
    clock: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

impl Phone {
    /// Enrolled as `login` and holding the reference data, its clock at today.
    fn of(server: &Server, login: &str) -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(AtomicI64::new(xuncha_server::now_ms()));
        let device = open_device_on_clock(dir.path(), clock.clone());
        enrol(&device, &server.url(), login);
        sync(&device, false);
        Phone {
            device,
            clock,
            _dir: dir,
        }
    }

    fn at(&self, t: i64) {
        self.clock.store(t, Ordering::SeqCst);
    }

    fn back_to_today(&self) {
        self.at(xuncha_server::now_ms());
    }

    fn record(&self, request: Request) -> xuncha_core::api::Recorded {
        match self.device.handle(request).unwrap() {
            Response::Recorded(r) => r,
            other => panic!("expected Recorded, got {other:?}"),
        }
    }

    /// The patrol's whole track, then its end.
    fn finish_patrol(&self, patrol: PatrolId, track: Vec<TrackPoint>) {
        self.record(Request::AppendTrackPoints {
            patrol,
            points: track,
            untimed: Vec::new(),
        });
        self.record(Request::EndPatrol {
            patrol,
            notes: String::new(),
            at: None,
        });
    }

    /// Syncs as of today; nothing may be refused.
    fn sync_today(&self) {
        self.back_to_today();
        let report = sync(&self.device, false);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    }
}

/// `hour` o'clock (China time) on the `day`th day of the year (0 = 1 January).
fn on(day: u32, hour: i64) -> i64 {
    Day::new(YEAR, 1, 1).unwrap().start().0 + i64::from(day) * DAY + hour * HOUR
}

/// A walk from `from` at `speed_mps` for `duration_s`, starting at `t0`: a fix every 4 to 7 s
/// (as a phone's location service gives them, never evenly), accuracy 3 to 12 m, and about a
/// metre of receiver noise; the last fix at exactly `duration_s`.
fn walk(rng: &mut Rng, t0: i64, duration_s: f64, speed_mps: f64, from: Position) -> Vec<TrackPoint> {
    // East-north-east, in metres per degree at this latitude.
    let (east, north) = (0.9_f64, 0.3_f64);
    let m_per_deg_lat = 110_574.0;
    let m_per_deg_lon = 111_320.0 * from.lat.to_radians().cos();
    let fix = |rng: &mut Rng, s: f64| {
        let d = speed_mps * s;
        let mut p = TrackPoint::at(
            UnixMs(t0 + (s * 1000.0) as i64),
            from.lon + (d * east + 0.7 * rng.normal()) / m_per_deg_lon,
            from.lat + (d * north + 0.7 * rng.normal()) / m_per_deg_lat,
        );
        p.accuracy_m = Some(3.0 + 9.0 * rng.uniform());
        p
    };
    let mut points = Vec::new();
    let mut s = 0.0;
    while s < duration_s {
        points.push(fix(rng, s));
        s += 4.0 + 3.0 * rng.uniform();
    }
    points.push(fix(rng, duration_s));
    points
}

/// A river patrol on `reach` starting at `t0`, walked for `duration_s` at `speed_mps`, with a
/// problem reported half-way when `problem`. Returns the patrol and the problem.
fn river_patrol(
    phone: &Phone,
    rng: &mut Rng,
    reach: &xuncha_domain::reference::Reach,
    t0: i64,
    duration_s: f64,
    speed_mps: f64,
    problem: bool,
) -> (PatrolId, Option<FindingId>) {
    phone.at(t0);
    let patrol: PatrolId = phone
        .record(Request::StartPatrol {
            kind: PatrolKind::River,
            reach: Some(reach.id),
            area: None,
            at: None,
        })
        .id
        .parse()
        .unwrap();
    let track = walk(rng, t0, duration_s, speed_mps, reach.line[0]);
    let finding = problem.then(|| {
        let half = &track[track.len() / 2];
        phone.at(half.t.0);
        let id: FindingId = phone
            .record(Request::report_finding(
                RecordRef::Patrol(patrol),
                "dumping",
                "岸边堆放建筑垃圾",
                Severity::Minor,
                Some(Position::new(half.lon, half.lat)),
            ))
            .id
            .parse()
            .unwrap();
        id
    });
    let end = t0 + (duration_s * 1000.0) as i64 + MINUTE;
    phone.at(end);
    phone.finish_patrol(patrol, track);
    (patrol, finding)
}

/// A user named `name` (the name the report lists) with login `login`.
fn person(server: &Server, login: &str, name: &str, unit: UnitId, role: Role) -> User {
    server.add_user(User {
        name: name.into(),
        ..reference_data::user(login, unit, vec![role])
    })
}

fn chief(level: ChiefLevel) -> Role {
    Role::RiverChief { level }
}

/// A patrol the rules do not count, as the report must list it.
struct Expected {
    patrol: PatrolId,
    name: String,
    level: ChiefLevel,
    day: Day,
    reasons: String,
}

fn recorded_year_is_reported_exactly(backend: Backend) {
    let inspections: u32 = env_or("XUNCHA_YEAR_INSPECTIONS", INSPECTIONS);
    let started = Instant::now();
    let server = Server::start(backend);
    let seed = seed(&server);
    let street = seed.street.id;
    let brigades = [seed.b1.id, seed.b2.id];
    let office = server.office_token();
    let mut rng = Rng::new(2020);

    // Reference data: the enterprise checklist, an enterprise, and the 80 businesses of the
    // fishing-ban area that will sign commitment letters.
    let checklist = reference_data::checklist();
    let enterprise = reference_data::enterprise(street);
    let mut businesses: Vec<Site> = Vec::new();
    for (kind, n, what) in [
        (SiteKind::Restaurant, 75, "餐馆"),
        (SiteKind::AquaticDealer, 3, "水产品经营户"),
        (SiteKind::TackleShop, 2, "渔具店"),
    ] {
        for i in 0..n {
            businesses.push(Site {
                id: SiteId::new(),
                name: format!("沿江{what}{}", i + 1),
                kind,
                address: format!("沿江大道 {} 号", businesses.len() + 1),
                location: Position::new(114.10 + businesses.len() as f64 * 1e-4, 30.66),
                unit: street,
            });
        }
    }
    let mut reference = vec![
        Payload::ChecklistPublished(checklist.clone()),
        Payload::SiteDefined(enterprise.clone()),
    ];
    reference.extend(businesses.iter().cloned().map(Payload::SiteDefined));
    server.define(reference);
    // The rules in force from the year's first day (see `demo_rules`).
    let rules = demo_rules(RulesId::new(), street, Day::new(YEAR, 1, 1).unwrap().start());
    server.office_post(
        &office,
        "/api/v1/office/patrol-rules",
        &serde_json::to_value(&rules).unwrap(),
    );

    // The people.
    let street_chief = person(&server, "jiezhang", "王街长", street, chief(ChiefLevel::Street));
    let brigade_chiefs: Vec<User> = (0..BRIGADE_CHIEFS)
        .map(|i| {
            let unit = brigades[i as usize % 2];
            person(
                &server,
                &format!("duizhang{i}"),
                &format!("队长{}", i + 1),
                unit,
                chief(ChiefLevel::Brigade),
            )
        })
        .collect();
    let volunteers: Vec<User> = (0..VOLUNTEERS)
        .map(|i| {
            person(
                &server,
                &format!("minjian{i}"),
                &format!("民间河长{}", i + 1),
                street,
                chief(ChiefLevel::Volunteer),
            )
        })
        .collect();
    let set_up = started.elapsed();

    let mut not_counting: Vec<Expected> = Vec::new();
    let expect = |patrol, user: &User, level, t0: i64, reasons: &str| Expected {
        patrol,
        name: user.name.clone(),
        level,
        day: Day::of(UnixMs(t0)),
        reasons: reasons.into(),
    };

    // The street-level chief: 20 patrols, about every 18 days, 40 minutes and some 2.9 km each;
    // seven of them find a problem. And one of 20 minutes and some 1.35 km, which does not count
    // on either score.
    let recording = Instant::now();
    let reach = &seed.reaches[0];
    let phone = Phone::of(&server, &street_chief.login);
    let mut findings = Vec::new();
    for i in 0..STREET_PATROLS {
        let t0 = on(3 + i * 18, 9);
        let problem = i % 3 == 0 && (findings.len() as u32) < PROBLEMS;
        let (_, finding) = river_patrol(&phone, &mut rng, reach, t0, 40.0 * 60.0 + 30.0, 1.2, problem);
        findings.extend(finding);
    }
    assert_eq!(findings.len() as u32, PROBLEMS);
    let t0 = on(10, 15);
    let (short, _) = river_patrol(&phone, &mut rng, reach, t0, 20.0 * 60.0 + 30.0, 1.1, false);
    // Its length is the cleaned track's, a little more than 1,353 m with the receiver's noise:
    // checked apart below.
    not_counting.push(expect(
        short,
        &street_chief,
        ChiefLevel::Street,
        t0,
        "用时 20 分钟，少于规定的 30 分钟；巡查距离 ",
    ));
    phone.sync_today();
    let street_phone = phone;

    // The brigade chiefs: 60 patrols each, five days apart (the cooldown is 96 hours), 35
    // minutes and some 2.5 km each; two of them also made a short one later in the year, long
    // after their last counting patrol, so only its length of time is wrong.
    for (i, user) in brigade_chiefs.iter().enumerate() {
        let reach = &seed.reaches[i % 2];
        let phone = Phone::of(&server, &user.login);
        for k in 0..PATROLS_PER_BRIGADE_CHIEF {
            let t0 = on(k * 5 + i as u32 % 5, 8 + i as i64);
            river_patrol(&phone, &mut rng, reach, t0, 35.0 * 60.0 + 20.0, 1.2, false);
        }
        if let Some(minutes) = [12.0, 25.0].get(i) {
            let t0 = on(320 + i as u32 * 7, 16);
            // Quick enough (1.5 m/s, a brisk walk) to cover the kilometre all the same.
            let (short, _) = river_patrol(&phone, &mut rng, reach, t0, minutes * 60.0 + 20.0, 1.5, false);
            let reasons = format!("用时 {minutes} 分钟，少于规定的 30 分钟");
            not_counting.push(expect(short, user, ChiefLevel::Brigade, t0, &reasons));
        }
        phone.sync_today();
    }

    // The volunteers: three patrols each between March and December, 15 minutes and some
    // 1.1 km; the first volunteer also gave up after 6 minutes once (still some 430 m).
    for (i, user) in volunteers.iter().enumerate() {
        let reach = &seed.reaches[i % 2];
        let phone = Phone::of(&server, &user.login);
        for k in 0..PATROLS_PER_VOLUNTEER {
            let t0 = on(70 + k * 90 + i as u32 * 3, 17);
            river_patrol(&phone, &mut rng, reach, t0, 15.0 * 60.0 + 30.0, 1.2, false);
        }
        if i == 0 {
            let t0 = on(200, 18);
            let (short, _) = river_patrol(&phone, &mut rng, reach, t0, 6.0 * 60.0 + 30.0, 1.2, false);
            not_counting.push(expect(
                short,
                user,
                ChiefLevel::Volunteer,
                t0,
                "用时 6 分钟，少于规定的 10 分钟",
            ));
        }
        phone.sync_today();
    }

    // The fishing-ban patrols: one a month; each business checked and signing its commitment
    // letter once in the year, and the publicity put up as it went.
    let phone = Phone::of(&server, &seed.patroller.login);
    let signature = phone.device.blobs().unwrap().put("签名图像".as_bytes()).unwrap();
    let publicity: Vec<Publicity> = (0..FISHING_PATROLS)
        .map(|m| Publicity {
            banners: if m < 8 { 2 } else { 1 },
            signs: if m < 11 { 1 } else { 0 },
            notices: 25,
            leaflets: if m < 8 { 170 } else { 160 },
        })
        .collect();
    let per_patrol = businesses.len().div_ceil(FISHING_PATROLS as usize);
    for (m, visited) in businesses.chunks(per_patrol).enumerate() {
        let t0 = on(m as u32 * 30 + 5, 9);
        phone.at(t0);
        let patrol: PatrolId = phone
            .record(Request::StartPatrol {
                kind: PatrolKind::FishingBan,
                reach: None,
                area: Some("府河禁捕水域".into()),
                at: None,
            })
            .id
            .parse()
            .unwrap();
        for (k, site) in visited.iter().enumerate() {
            phone.at(t0 + (k as i64 + 1) * 5 * MINUTE);
            phone.record(Request::RecordBusinessCheck {
                patrol,
                site: site.id,
                outcome: CheckOutcome::Compliant,
                notes: String::new(),
            });
            phone.record(Request::SignCommitmentLetter {
                patrol,
                site: site.id,
                signer_name: format!("{}负责人", site.name),
                text: "不经营、不加工、不食用长江野生鱼，不销售禁用渔具。".into(),
                signature,
            });
        }
        let end = t0 + (visited.len() as i64 + 2) * 5 * MINUTE;
        phone.at(end);
        phone.record(Request::TallyPublicity {
            patrol,
            tally: publicity[m].clone(),
        });
        let duration_s = ((end - t0) / 1000) as f64;
        let track = walk(&mut rng, t0, duration_s, 1.1, businesses[0].location);
        phone.finish_patrol(patrol, track);
    }
    assert_eq!(businesses.chunks(per_patrol).count() as u32, FISHING_PATROLS);
    phone.sync_today();
    let patrols_done = recording.elapsed();

    // The safety inspections: spread over the year's working hours, each with its checklist
    // answered, its numbered on-site record issued and signed by both sides, and closed.
    let inspecting = Instant::now();
    let phone = Phone::of(&server, &seed.inspector.login);
    let blobs = phone.device.blobs().unwrap();
    let inspector_signs = blobs.put("检查员签名".as_bytes()).unwrap();
    let party_signs = blobs.put("企业负责人签名".as_bytes()).unwrap();
    for i in 0..inspections {
        let day = (u64::from(i) * 366 / u64::from(inspections)) as u32;
        let t0 = on(day, 8) + i64::from(i % 24) * 20 * MINUTE;
        phone.at(t0);
        let inspection: InspectionId = phone
            .record(Request::StartInspection {
                site: enterprise.id,
                checklist: checklist.id,
                position: Some(enterprise.location),
            })
            .id
            .parse()
            .unwrap();
        phone.at(t0 + 5 * MINUTE);
        for item in &checklist.items {
            phone.record(Request::AnswerChecklistItem {
                inspection,
                item: item.code.clone(),
                answer: Answer::Compliant,
                note: String::new(),
            });
        }
        phone.at(t0 + 10 * MINUTE);
        phone.record(Request::IssueOnSiteRecord {
            inspection,
            content: "现场检查未发现安全隐患".into(),
            rectification_deadline: None,
        });
        for (role, signer_name, signature) in [
            (SignerRole::Inspector, "检查员", inspector_signs),
            (SignerRole::InspectedParty, "企业负责人", party_signs),
        ] {
            phone.record(Request::SignDocument {
                inspection,
                role,
                signer_name: signer_name.into(),
                signature,
            });
        }
        phone.at(t0 + 12 * MINUTE);
        phone.record(Request::CloseInspection {
            inspection,
            notes: String::new(),
        });
    }
    let inspections_recorded = inspecting.elapsed();
    let syncing = Instant::now();
    phone.sync_today();
    let inspections_synced = syncing.elapsed();

    // The problems: the office assigns them, the street chief has them put right, the office
    // verifies them.
    let deadline = xuncha_server::now_ms() + 30 * DAY;
    for f in &findings {
        server.office_post(
            &office,
            &format!("/api/v1/office/findings/{f}/assign"),
            &serde_json::json!({
                "assignee": "沿河社区",
                "follow_up_by": street_chief.id,
                "deadline": deadline,
                "note": "请于一个月内清理",
            }),
        );
    }
    street_phone.sync_today();
    for f in &findings {
        street_phone.record(Request::RectifyFinding {
            finding: *f,
            note: "垃圾已清运".into(),
            after_photos: Vec::new(),
            position: None,
        });
    }
    street_phone.sync_today();
    for f in &findings {
        server.office_post(
            &office,
            &format!("/api/v1/office/findings/{f}/verify"),
            &serde_json::json!({ "note": "现场复核已清理" }),
        );
    }

    let reporting = Instant::now();
    let report: YearReport = serde_json::from_value(
        server.office_get(&format!("/api/v1/office/reports/year?unit={street}&year={YEAR}")),
    )
    .unwrap();
    let reported = reporting.elapsed();
    eprintln!(
        "{}: set-up {set_up:.1?}, patrols recorded and synced {patrols_done:.1?}, \
         {inspections} inspections (the report has {REPORTED_INSPECTIONS}) recorded \
         {inspections_recorded:.1?} and synced {inspections_synced:.1?}, report {reported:.1?}, in all {:.1?}",
        server.backend.name,
        started.elapsed()
    );

    assert_eq!(report.unit, street);
    assert_eq!(report.year, YEAR);
    let level = |chiefs, counting, not_counting: u32| LevelFigures {
        chiefs,
        patrols: counting + not_counting,
        counting,
        not_counting,
        abnormal: 0,
    };
    assert_eq!(
        report.river,
        BTreeMap::from([
            (ChiefLevel::Street, level(1, STREET_PATROLS, 1)),
            (
                ChiefLevel::Brigade,
                level(BRIGADE_CHIEFS, BRIGADE_CHIEFS * PATROLS_PER_BRIGADE_CHIEF, 2)
            ),
            (
                ChiefLevel::Volunteer,
                level(VOLUNTEERS, VOLUNTEERS * PATROLS_PER_VOLUNTEER, 1)
            ),
        ]),
        "the report's 20 street, 300 brigade and 27 volunteer patrols that count, and the short ones apart"
    );
    assert_eq!(report.river[&ChiefLevel::Street].counting, 20);
    assert_eq!(report.river[&ChiefLevel::Brigade].counting, 300);
    assert_eq!(report.river[&ChiefLevel::Volunteer].counting, 27);

    not_counting.sort_by(|a, b| (a.day, &a.name, a.patrol).cmp(&(b.day, &b.name, b.patrol)));
    assert_eq!(
        report.not_counting.len(),
        not_counting.len(),
        "{:#?}",
        report.not_counting
    );
    for (got, want) in report.not_counting.iter().zip(&not_counting) {
        let NotCounting {
            patrol,
            patroller_name,
            level,
            day,
            rules_version,
            reasons,
        } = got;
        assert_eq!(
            (*patrol, patroller_name, *level, *day, *rules_version),
            (want.patrol, &want.name, want.level, want.day, Some(rules.version)),
        );
        if want.level == ChiefLevel::Street {
            // "用时 20 分钟，少于规定的 30 分钟；巡查距离 1362 米，少于规定的 2 公里"
            let metres: u32 = reasons
                .strip_prefix(want.reasons.as_str())
                .and_then(|rest| rest.strip_suffix(" 米，少于规定的 2 公里"))
                .and_then(|m| m.parse().ok())
                .unwrap_or_else(|| panic!("unexpected reasons: {reasons}"));
            assert!((1_300..1_500).contains(&metres), "{reasons}");
        } else {
            assert_eq!(reasons, &want.reasons);
        }
    }

    assert_eq!(
        report.problems,
        ProblemFigures {
            found: PROBLEMS,
            assigned: PROBLEMS,
            rectified: PROBLEMS,
            verified: PROBLEMS,
            reopened: 0,
            overdue: 0,
        }
    );
    assert_eq!(
        report.safety,
        SafetyFigures {
            inspections,
            records_issued: inspections,
            refusals: 0,
            rectification_orders: 0,
        }
    );
    let by_kind = BTreeMap::from([
        (SiteKind::Restaurant, 75),
        (SiteKind::AquaticDealer, 3),
        (SiteKind::TackleShop, 2),
    ]);
    assert_eq!(report.fishing.patrols, FISHING_PATROLS);
    assert_eq!(report.fishing.checks, by_kind);
    assert_eq!(report.fishing.letters, by_kind);
    assert_eq!(
        report.fishing.publicity,
        Publicity {
            banners: 20,
            signs: 11,
            notices: 300,
            leaflets: 2_000,
        }
    );
    assert_eq!((report.fishing.seizures, report.fishing.seized_items), (0, 0));
}

#[test]
fn a_recorded_year_is_reported_exactly_sqlite() {
    recorded_year_is_reported_exactly(sqlite());
}

#[test]
fn a_recorded_year_is_reported_exactly_postgres() {
    if let Some(b) = postgres() {
        recorded_year_is_reported_exactly(b);
    }
}
