//! Over 500 lines: a year of every kind of field work, each kind a few dozen lines of payloads.
//! A year of the demo subdistrict's field work, shaped like a real subdistrict's 2020 work
//! report: river chiefs' patrols (20 by the street chief, 300 by the brigade chiefs, 27 by 9
//! volunteer chiefs, and a few too short to count), 7 problems found and rectified, 8,175
//! enterprise safety checks each with its signed on-site record, and fishing-ban patrols in
//! which 75 restaurants, 3 aquatic-products dealers and 2 tackle shops signed commitment letters
//! with 20 banners, 11 signs, 300 notices and 2,000 leaflets put up.
//!
//! It is made as the phones would have made it: each demo user has a demo device (a key derived
//! from the login), every record is a signed event of that device's chain stamped with the time
//! it happened, and the events go through the same `ingest::push` as a sync; the office's
//! assignments and verifications go through its own chain. Signature images are one small PNG,
//! stored once and held by every demo device. Loading it twice changes nothing: a demo device
//! that has a chain already is left alone.

use crate::app::AppState;
use crate::db::DeviceRow;
use crate::demo::{DemoContent, stable};
use crate::error::Error;
use ed25519_dalek::SigningKey;
use xuncha_domain::calendar::Day;
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::event::EventDraft;
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, User};
use xuncha_domain::reference::SiteKind;
use xuncha_domain::*;

/// How much of each kind of work the year holds.
#[derive(Clone, Debug)]
pub struct Shape {
    pub street_patrols: u32,
    pub brigade_patrols: u32,
    pub volunteer_patrols: u32,
    /// Extra river patrols by brigade chiefs that are too short to count (12 minutes, 800 m).
    pub short_patrols: u32,
    pub findings: u32,
    pub inspections: u32,
    pub letters: [(SiteKind, u32); 3],
    pub publicity: Publicity,
    /// Fishing-ban patrols the letters and publicity are spread over.
    pub fishing_patrols: u32,
}

/// The 2020 work report's figures.
pub const REPORT_2020: Shape = Shape {
    street_patrols: 20,
    brigade_patrols: 300,
    volunteer_patrols: 27,
    short_patrols: 4,
    findings: 7,
    inspections: 8_175,
    letters: [
        (SiteKind::Restaurant, 75),
        (SiteKind::AquaticDealer, 3),
        (SiteKind::TackleShop, 2),
    ],
    publicity: Publicity {
        banners: 20,
        signs: 11,
        notices: 300,
        leaflets: 2_000,
    },
    fishing_patrols: 40,
};

/// A demo user's phone: its key, its chain and its clock.
struct DemoDevice {
    key: SigningKey,
    id: DeviceId,
    user: User,
    seq: u64,
    prev: EventHash,
    clock: HlcClock,
    events: Vec<Event>,
}

impl DemoDevice {
    /// The user's phone number `slot` (0 for the first).
    fn new(user: &User, slot: u32) -> DemoDevice {
        let name = match slot {
            0 => user.login.clone(),
            n => format!("{}#{n}", user.login),
        };
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(stable(&format!("device-key:{name}")).as_bytes());
        bytes[16..].copy_from_slice(stable(&format!("device-key-2:{name}")).as_bytes());
        let id = DeviceId(stable(&format!("device:{name}")));
        DemoDevice {
            key: SigningKey::from_bytes(&bytes),
            id,
            user: user.clone(),
            seq: 0,
            prev: EventHash::GENESIS,
            clock: HlcClock::new(id),
            events: Vec::new(),
        }
    }

    fn end(&mut self, patrol: PatrolId, at: UnixMs) {
        self.record(
            at,
            Payload::PatrolEnded(PatrolEnded {
                patrol,
                ended_at: at,
                notes: String::new(),
            }),
        );
    }

    fn record(&mut self, at: UnixMs, payload: Payload) {
        self.seq += 1;
        let e = EventDraft {
            id: EventId(stable(&format!("event:{}:{}", self.id, self.seq))),
            device: self.id,
            seq: self.seq,
            hlc: self.clock.tick(at),
            author: Some(self.user.id),
            occurred_at: None,
            prev_hash: self.prev,
            payload,
        }
        .sign(&self.key);
        self.prev = e.hash;
        self.events.push(e);
    }
}

/// The demo users' phones, each made when its user first records something.
struct Devices(Vec<(u32, DemoDevice)>);

impl Devices {
    fn of(&mut self, user: &User) -> &mut DemoDevice {
        self.slot(user, 0)
    }

    /// The user's phone number `slot`: one whose clock is its own, for records made between
    /// those of the first phone.
    fn slot(&mut self, user: &User, slot: u32) -> &mut DemoDevice {
        let i = match self
            .0
            .iter()
            .position(|(n, d)| *n == slot && d.user.id == user.id)
        {
            Some(i) => i,
            None => {
                self.0.push((slot, DemoDevice::new(user, slot)));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }
}

/// A 1×1 PNG: the demo's signature image.
const SIGNATURE_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00,
    0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05,
    0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42,
    0x60, 0x82,
];

/// A walk of `minutes` from `start`, along the river eastwards at about 1.2 m/s, a fix every
/// 4 to 6 s with a few metres of accuracy (no two walks alike).
fn walk(start: UnixMs, minutes: i64, from: Position, salt: u64) -> Vec<TrackPoint> {
    let end = start.0 + minutes * UnixMs::MINUTE;
    let (mut t, mut lon) = (start.0, from.lon);
    let mut points = Vec::new();
    let mut i = salt;
    while t < end {
        let wobble = (i.wrapping_mul(7_919) % 13) as f64;
        points.push(TrackPoint {
            accuracy_m: Some(3.0 + wobble / 3.0),
            ..TrackPoint::at(UnixMs(t), lon, from.lat + wobble * 1e-6)
        });
        let step_ms = 4_000 + (i.wrapping_mul(104_729) % 2_001) as i64;
        lon += 1.2 * step_ms as f64 / 1_000.0 / 95_800.0;
        t += step_ms;
        i += 1;
    }
    points.push(TrackPoint {
        accuracy_m: Some(4.0),
        ..TrackPoint::at(UnixMs(end), lon, from.lat)
    });
    points
}

/// The instant `n` of `count` spread over the season (March to December), at a working hour.
fn spread(year: i32, n: u32, count: u32, hour: i64) -> UnixMs {
    let first = Day::new(year, 3, 2).map_or(0, |d| d.days());
    let last = Day::new(year, 12, 28).map_or(0, |d| d.days());
    let day = first + (last - first) * i64::from(n) / i64::from(count.max(1));
    UnixMs(Day::from_days(day).start().0 + hour * UnixMs::HOUR)
}

fn river_patrol(
    d: &mut DemoDevice,
    at: UnixMs,
    minutes: i64,
    reach: Option<ReachId>,
    from: Position,
) -> PatrolId {
    let patrol = PatrolId(stable(&format!("patrol:{}:{}", d.user.login, at.0)));
    d.record(
        at,
        Payload::PatrolStarted(PatrolStarted {
            patrol,
            kind: PatrolKind::River,
            unit: d.user.unit,
            patroller: d.user.id,
            reach,
            // Off the register, the area patrolled is said in words.
            area: reach.is_none().then(|| "辖区沟渠".to_owned()),
            started_at: at,
        }),
    );
    let points = walk(at, minutes, from, at.0 as u64 % 1_000);
    let end = points.last().map_or(at, |p| p.t);
    d.record(
        end,
        Payload::TrackPointsAppended(TrackPointsAppended {
            patrol,
            points,
            untimed: Vec::new(),
        }),
    );
    d.end(patrol, end);
    patrol
}

/// What loading the year did.
#[derive(Debug, Default)]
pub struct YearLoad {
    pub devices: usize,
    pub events: usize,
    /// How long pushing the devices' chains took (the events made and signed already): the
    /// ingest time the figures benchmark divides by.
    pub pushing: std::time::Duration,
}

/// Loads a year of `shape` into the subdistrict of `demo`, its first unit (`demo::load_content`
/// first: it publishes the patrol rules the year is judged by).
pub async fn load_year(
    st: &AppState,
    demo: &DemoContent,
    year: i32,
    shape: &Shape,
) -> Result<YearLoad, Error> {
    let users = |pred: &dyn Fn(&Role) -> bool| -> Vec<User> {
        demo.users
            .iter()
            .filter(|u| u.roles.len() == 1 && u.roles.iter().any(pred))
            .cloned()
            .collect()
    };
    let chiefs = |level: ChiefLevel| users(&|r| *r == Role::RiverChief { level });
    let street = chiefs(ChiefLevel::Street);
    let brigade = chiefs(ChiefLevel::Brigade);
    let volunteers = chiefs(ChiefLevel::Volunteer);
    let inspectors = users(&|r| *r == Role::SafetyInspector);
    let patrollers = users(&|r| *r == Role::FishingBanPatroller);
    let offices = users(&|r| *r == Role::Office);
    let Some(unit) = demo.units.first() else {
        return Err(Error::Internal("the demo has no units".into()));
    };
    // The name an id is derived from, of this subdistrict's records: the demo's (code DEMO) are
    // as they always were, so a database loaded before subdistricts were told apart is left
    // as it is; devices and patrols are told apart already by their users' logins.
    let key = |name: String| match unit.code.as_str() {
        "DEMO" => name,
        code => format!("{code}:{name}"),
    };
    if [&street, &brigade, &volunteers, &inspectors, &patrollers, &offices]
        .iter()
        .any(|v| v.is_empty())
    {
        return Err(Error::Internal("the demo lacks a role the year needs".into()));
    }
    let reach_of = |u: &User| demo.reaches.iter().find(|r| r.chiefs.contains(&u.id));
    let place_of = |u: &User| {
        reach_of(u)
            .and_then(|r| r.line.first().copied())
            .unwrap_or(Position::new(114.1, 30.65))
    };
    let mut devices = Devices(Vec::new());

    // River patrols: each chief's spread over the season, on their reach.
    let river = |devices: &mut Devices,
                 chiefs: &[User],
                 count: u32,
                 minutes: i64,
                 hour: i64|
     -> Vec<(User, PatrolId, UnixMs)> {
        (0..count)
            .map(|n| {
                let u = &chiefs[n as usize % chiefs.len()];
                let at = spread(
                    year,
                    n / chiefs.len() as u32,
                    count.div_ceil(chiefs.len() as u32),
                    hour,
                );
                let reach = reach_of(u).map(|r| r.id);
                (
                    u.clone(),
                    river_patrol(devices.of(u), at, minutes, reach, place_of(u)),
                    at,
                )
            })
            .collect()
    };
    let street_patrols = river(&mut devices, &street, shape.street_patrols, 60, 9);
    river(&mut devices, &brigade, shape.brigade_patrols, 45, 8);
    river(&mut devices, &volunteers, shape.volunteer_patrols, 20, 16);
    // Too short: twelve minutes in the evening of a day a brigade chief patrolled.
    river(&mut devices, &brigade[..1], shape.short_patrols, 12, 18);

    // Problems: found on the street chief's patrols and reported from a second phone (the first
    // one's clock has run on to the year's end by now, and a report must follow its patrol),
    // assigned, rectified and verified by the office (below).
    let mut findings = Vec::new();
    for n in 0..shape.findings as usize {
        let Some((u, patrol, at)) =
            street_patrols.get(n * street_patrols.len() / shape.findings.max(1) as usize)
        else {
            break;
        };
        let (patrol, at) = (*patrol, *at);
        let finding = FindingId(stable(&key(format!("finding:{year}:{n}"))));
        devices.slot(u, 1).record(
            at.plus_ms(20 * UnixMs::MINUTE),
            Payload::FindingReported(FindingReported {
                location: Some(place_of(u)),
                ..FindingReported::new(
                    finding,
                    RecordRef::Patrol(patrol),
                    FindingKind::Problem,
                    "dumping",
                    "河岸堆放建筑垃圾",
                    Severity::Minor,
                    at.plus_ms(20 * UnixMs::MINUTE),
                )
            }),
        );
        findings.push((finding, at));
    }
    // The office's part, from its own phone: assigned the next day, rectification recorded
    // five days on, verified a week after the report.
    for (finding, at) in findings {
        let day = |n: i64| at.plus_ms(n * UnixMs::DAY);
        let d = devices.of(&offices[0]);
        d.record(
            day(1),
            Payload::RectificationAssigned(RectificationAssigned {
                finding,
                assignee: "所在大队".into(),
                follow_up_by: None,
                deadline: day(10),
                note: "请十日内清理".into(),
            }),
        );
        d.record(
            day(5),
            Payload::FindingRectified(FindingRectified {
                finding,
                note: "已清理完毕".into(),
                after_photos: Vec::new(),
                position: None,
                rectified_at: day(5),
            }),
        );
        d.record(
            day(7),
            Payload::FindingVerified(FindingVerified {
                finding,
                note: "现场复核，已整改到位".into(),
                verified_at: day(7),
            }),
        );
    }

    // Safety checks: an on-site record drawn up and signed at each.
    let enterprises: Vec<_> = demo
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::Enterprise)
        .collect();
    let signature = BlobHash::of(SIGNATURE_PNG);
    for n in 0..shape.inspections {
        let u = &inspectors[n as usize % inspectors.len()];
        let site = enterprises[n as usize % enterprises.len().max(1)];
        let at = spread(year, n, shape.inspections, 9).plus_ms(i64::from(n % 7) * UnixMs::HOUR);
        let inspection = InspectionId(stable(&key(format!("inspection:{year}:{n}"))));
        let document = DocumentId(stable(&key(format!("record:{year}:{n}"))));
        let d = devices.of(u);
        let (login, unit) = (d.user.login.clone(), d.user.unit);
        d.record(
            at,
            Payload::InspectionStarted(InspectionStarted {
                inspection,
                site: site.id,
                unit,
                inspector: d.user.id,
                checklist: demo.checklist.id,
                checklist_version: demo.checklist.version,
                items: demo.checklist.items.clone(),
                position: Some(site.location),
                started_at: at,
            }),
        );
        let later = |m: i64| at.plus_ms(m * UnixMs::MINUTE);
        for item in &demo.checklist.items {
            d.record(
                later(10),
                Payload::ChecklistAnswered(ChecklistAnswered {
                    inspection,
                    item: item.code.clone(),
                    answer: Answer::Compliant,
                    note: String::new(),
                }),
            );
        }
        d.record(
            later(20),
            Payload::OnSiteRecordIssued(OnSiteRecordIssued {
                inspection,
                document,
                number: format!("{}-{year}-{login}-{:05}", unit_code(demo, unit), n + 1),
                content: "经检查，未发现安全生产违法行为。".into(),
                rectification_deadline: None,
                issued_at: later(20),
            }),
        );
        for (role, name) in [
            (SignerRole::Inspector, d.user.name.clone()),
            (SignerRole::InspectedParty, format!("{}负责人", site.name)),
        ] {
            d.record(
                later(22),
                Payload::DocumentSigned(DocumentSigned {
                    inspection,
                    document,
                    role,
                    signer_name: name,
                    signature,
                    signed_at: later(22),
                }),
            );
        }
        d.record(
            later(25),
            Payload::InspectionClosed(InspectionClosed {
                inspection,
                closed_at: later(25),
                notes: String::new(),
            }),
        );
    }

    // The fishing ban: letters and publicity spread over the patrols.
    let letter_sites: Vec<_> = shape
        .letters
        .iter()
        .flat_map(|(kind, n)| {
            demo.sites
                .iter()
                .filter(move |s| s.kind == *kind)
                .take(*n as usize)
        })
        .collect();
    let per =
        |total: u32, n: u32| total / shape.fishing_patrols + u32::from(n < total % shape.fishing_patrols);
    for n in 0..shape.fishing_patrols {
        let u = &patrollers[n as usize % patrollers.len()];
        let at = spread(year, n, shape.fishing_patrols, 14);
        let patrol = PatrolId(stable(&key(format!("fishing:{year}:{n}"))));
        let d = devices.of(u);
        d.record(
            at,
            Payload::PatrolStarted(PatrolStarted {
                patrol,
                kind: PatrolKind::FishingBan,
                unit: d.user.unit,
                patroller: d.user.id,
                reach: None,
                area: Some("府河沿线餐馆、市场".into()),
                started_at: at,
            }),
        );
        let p = &shape.publicity;
        d.record(
            at.plus_ms(10 * UnixMs::MINUTE),
            Payload::PublicityTallied(PublicityTallied {
                patrol,
                tally: Publicity {
                    banners: per(p.banners, n),
                    signs: per(p.signs, n),
                    notices: per(p.notices, n),
                    leaflets: per(p.leaflets, n),
                },
            }),
        );
        for (k, site) in letter_sites
            .iter()
            .enumerate()
            .filter(|(k, _)| *k as u32 % shape.fishing_patrols == n)
        {
            let t = at.plus_ms((20 + k as i64 % 60) * UnixMs::MINUTE);
            d.record(
                t,
                Payload::CommitmentLetterSigned(CommitmentLetterSigned {
                    patrol,
                    letter: DocumentId(stable(&key(format!("letter:{year}:{k}")))),
                    site: site.id,
                    signer_name: format!("{}经营者", site.name),
                    text: "本店承诺不收购、不销售、不加工长江流域非法捕捞渔获物。".into(),
                    signature,
                    signed_at: t,
                }),
            );
        }
        let end = at.plus_ms(2 * UnixMs::HOUR);
        d.end(patrol, end);
    }

    let mut load = YearLoad::default();

    // Push each device's chain as a sync would, unless it has one already.
    let window = st.limits.clock_window;
    let size = SIGNATURE_PNG.len() as i64;
    st.blobs
        .put(&signature, bytes::Bytes::from_static(SIGNATURE_PNG))
        .await?;
    let pushing = std::time::Instant::now();
    for (_, d) in devices.0 {
        let events = d.events;
        let (id, user, public) = (
            d.id,
            d.user.clone(),
            DevicePublicKey(d.key.verifying_key().to_bytes()),
        );
        let pushed = st
            .db
            .write(move |s| {
                let hex = signature.to_hex();
                if s.blob_size(&hex)?.is_none() {
                    s.blob_insert(&hex, size, crate::now_ms())?;
                }
                match s.device_lock(id)? {
                    Some(row) if row.head.is_some() => return Ok(0),
                    Some(_) => {}
                    None => s.device_insert(
                        &DeviceRow {
                            id,
                            user: Some(user.id),
                            name: format!("{}的示例手机", user.name),
                            public_key: public,
                            enrolled_at: crate::now_ms(),
                            revoked_at: None,
                            head: None,
                        },
                        None,
                    )?,
                }
                s.blob_holder_insert(&hex, id, crate::now_ms())?;
                let mut n = 0;
                for batch in events.chunks(xuncha_domain::wire::MAX_PUSH_EVENTS) {
                    let raw: Vec<serde_json::Value> = batch
                        .iter()
                        .map(serde_json::to_value)
                        .collect::<Result<_, _>>()
                        .map_err(|e| Error::Internal(format!("event json: {e}")))?;
                    crate::ingest::push(s, id, &user, &raw, UnixMs(crate::now_ms()), &window)?;
                    n += batch.len();
                }
                Ok(n)
            })
            .await?;
        if pushed > 0 {
            load.devices += 1;
            load.events += pushed;
        }
    }
    load.pushing = pushing.elapsed();
    Ok(load)
}

fn unit_code(demo: &DemoContent, unit: UnitId) -> String {
    demo.units
        .iter()
        .find(|u| u.id == unit)
        .map_or_else(|| "DEMO".into(), |u| u.code.clone())
}
