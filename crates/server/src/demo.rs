//! Over 500 lines: the demo subdistrict written out — its units, people, channels, sites and checklist — and its loading.
//! The demo unit: a subdistrict modelled on a real one's year — 8 brigades and communities along
//! a river near 30.65 N 114.10 E, 4 drainage channels under river chiefs totalling 22.663 km and
//! a stretch of river embankment, ~40 enterprises for safety checks, a market, 75 restaurants,
//! 3 aquatic-products dealers and 2 tackle shops for the fishing ban, a safety checklist, and
//! users for every role. Ids are derived from names, so loading it twice changes nothing; a
//! user's password is made and shown only when the user is created.

use crate::app::AppState;
use crate::auth;
use crate::error::Error;
use crate::fold;
use sha2::{Digest, Sha256};
use xuncha_domain::payload::Payload;
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::rules::{PatrolRules, RuleBook, demo_rules};
use xuncha_domain::state::AggregateState;
use xuncha_domain::{ChecklistId, Position, ReachId, RulesId, SiteId, UnitId, UnixMs, UserId};

/// The drainage channels' official lengths (m); they add up to 22 663 m.
pub const CHANNEL_LENGTHS_M: [f64; 4] = [7_215.0, 6_048.0, 5_372.0, 4_028.0];

/// A stable UUID (version 8) from a name.
pub(crate) fn stable(name: &str) -> uuid::Uuid {
    let d = Sha256::digest(format!("xuncha-demo:{name}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b)
}

/// A deterministic number in [0, 1) from a name, for spreading sites about.
fn unit_interval(name: &str) -> f64 {
    let d = Sha256::digest(name.as_bytes());
    f64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]])) / f64::from(u32::MAX)
}

const M_PER_DEG_LAT: f64 = 111_320.0;

fn m_per_deg_lon(lat: f64) -> f64 {
    M_PER_DEG_LAT * lat.to_radians().cos()
}

/// The river's centre line at `x` (0..1 along the demo stretch).
fn river_at(x: f64) -> Position {
    let lon = 114.04 + 0.12 * x;
    let lat = 30.645 + 0.008 * (x * std::f64::consts::PI * 2.0).sin();
    Position::new(lon, lat)
}

#[derive(Clone)]
pub struct DemoContent {
    pub units: Vec<Unit>,
    pub users: Vec<User>,
    pub reaches: Vec<Reach>,
    pub sites: Vec<Site>,
    pub checklist: ChecklistTemplate,
    /// The subdistrict's patrol rules (`rules::demo_rules`), in force since 2000.
    pub rules: PatrolRules,
}

const BRIGADES: [(&str, UnitKind); 8] = [
    ("新河大队", UnitKind::Brigade),
    ("柳湾大队", UnitKind::Brigade),
    ("沙洲大队", UnitKind::Brigade),
    ("杨林大队", UnitKind::Brigade),
    ("滨江社区", UnitKind::Community),
    ("荷塘社区", UnitKind::Community),
    ("堤角大队", UnitKind::Brigade),
    ("渔港社区", UnitKind::Community),
];

/// The demo's content; the same every time.
pub fn content() -> DemoContent {
    content_for(0)
}

/// The content of demo subdistrict `n`: 0 is the demo (`content()`); any other is a copy of it
/// with ids, codes (`C01`, `C01-01`…) and logins (`c01-chief-01`…) of its own, so that several
/// can share a database — the benchmark's synthetic city.
pub fn content_for(n: u32) -> DemoContent {
    // The name every id is derived from, and a login, in subdistrict `n`.
    let key = |name: &str| match n {
        0 => name.to_owned(),
        _ => format!("c{n:02}:{name}"),
    };
    let login_of = |login: &str| match n {
        0 => login.to_owned(),
        _ => format!("c{n:02}-{login}"),
    };
    let code = match n {
        0 => "DEMO".to_owned(),
        _ => format!("C{n:02}"),
    };
    let street = Unit {
        id: UnitId(stable(&key("unit:street"))),
        name: match n {
            0 => "府河街道（示范）".into(),
            _ => format!("示范街道{n:02}"),
        },
        kind: UnitKind::Subdistrict,
        parent: None,
        code: code.clone(),
    };
    let street_id = street.id;
    let brigades: Vec<Unit> = BRIGADES
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| Unit {
            id: UnitId(stable(&key(&format!("unit:{i}")))),
            name: (*name).into(),
            kind: *kind,
            parent: Some(street.id),
            code: format!("{code}-{:02}", i + 1),
        })
        .collect();

    let mut users = Vec::new();
    let mut user = |login: &str, name: &str, unit: UnitId, role: Role| {
        let login = login_of(login);
        let u = User {
            active_from: None,
            id: UserId(stable(&format!("user:{login}"))),
            name: name.into(),
            login,
            unit,
            roles: vec![role],
        };
        users.push(u.clone());
        u
    };
    user("demo-admin", "系统管理员", street.id, Role::Admin);
    user("office1", "街道河湖办 王敏", street.id, Role::Office);
    user("office2", "街道安办 李静", street.id, Role::Office);
    let street_chief = user(
        "chief-street",
        "街级河湖长 陈建国",
        street.id,
        Role::RiverChief {
            level: ChiefLevel::Street,
        },
    );
    let mut brigade_chiefs = Vec::new();
    for (i, b) in brigades.iter().enumerate() {
        brigade_chiefs.push(user(
            &format!("chief-{:02}", i + 1),
            &format!("{}河湖长", b.name),
            b.id,
            Role::RiverChief {
                level: ChiefLevel::Brigade,
            },
        ));
    }
    for i in 0..9 {
        let b = &brigades[i % brigades.len()];
        user(
            &format!("volunteer-{:02}", i + 1),
            &format!("民间河湖长{}号", i + 1),
            b.id,
            Role::RiverChief {
                level: ChiefLevel::Volunteer,
            },
        );
    }
    for i in 0..3 {
        user(
            &format!("inspector-{}", i + 1),
            &format!("安全检查员{}号", i + 1),
            street.id,
            Role::SafetyInspector,
        );
    }
    for i in 0..3 {
        user(
            &format!("patrol-{}", i + 1),
            &format!("禁捕巡查员{}号", i + 1),
            street.id,
            Role::FishingBanPatroller,
        );
    }
    // A grid worker (网格员) of the first brigade: river chief, safety inspector and fishing-ban
    // patroller at once, as grid workers are; the account the demo app and its end-to-end tests
    // use to walk all three workflows on one phone.
    let grid = User {
        active_from: None,
        id: UserId(stable(&format!("user:{}", login_of("grid-01")))),
        name: "网格员 周强".into(),
        login: login_of("grid-01"),
        unit: brigades[0].id,
        roles: vec![
            Role::RiverChief {
                level: ChiefLevel::Brigade,
            },
            Role::SafetyInspector,
            Role::FishingBanPatroller,
        ],
    };
    users.push(grid);

    // Four drainage channels run north from the river; the embankment follows it.
    let channel_names = ["幸福渠", "跃进渠", "红旗港", "新开沟"];
    let mut reaches = Vec::new();
    for (i, (name, length_m)) in channel_names.iter().zip(CHANNEL_LENGTHS_M).enumerate() {
        let start = river_at(0.1 + 0.22 * i as f64);
        let lat_span = length_m * 0.9 / M_PER_DEG_LAT;
        let lon_span = length_m * 0.4358 / m_per_deg_lon(start.lat);
        let line = (0..=4)
            .map(|k| {
                let f = f64::from(k) / 4.0;
                Position::new(
                    start.lon + lon_span * f * if i % 2 == 0 { 1.0 } else { -1.0 },
                    start.lat + lat_span * f,
                )
            })
            .collect();
        let unit = &brigades[i * 2];
        reaches.push(Reach {
            id: ReachId(stable(&key(&format!("reach:{name}")))),
            name: (*name).into(),
            unit: unit.id,
            line,
            length_m,
            chiefs: vec![brigade_chiefs[i * 2].id, street_chief.id],
        });
    }
    reaches.push(Reach {
        id: ReachId(stable(&key("reach:embankment"))),
        name: "府河堤段（街道段）".into(),
        unit: street.id,
        line: (0..=10).map(|k| river_at(0.3 + 0.04 * f64::from(k))).collect(),
        length_m: 4_850.0,
        chiefs: vec![street_chief.id],
    });

    let mut sites = Vec::new();
    let mut site = |kind: SiteKind, n: usize, prefix: &str| {
        for i in 0..n {
            let key = key(&format!("site:{prefix}:{i}"));
            let along = unit_interval(&key);
            let off_m = 150.0 + 1_800.0 * unit_interval(&format!("{key}:off"));
            let p = river_at(along);
            let brigade = &brigades[((along * brigades.len() as f64) as usize).min(brigades.len() - 1)];
            sites.push(Site {
                id: SiteId(stable(&key)),
                name: format!("{prefix}{}", i + 1),
                kind,
                address: format!("{}辖区 {}号", brigade.name, 10 + i),
                location: Position::new(p.lon, p.lat + off_m / M_PER_DEG_LAT),
                unit: brigade.id,
            });
        }
    };
    site(SiteKind::Enterprise, 40, "企业");
    site(SiteKind::Market, 1, "府河农贸市场");
    site(SiteKind::Restaurant, 75, "餐馆");
    site(SiteKind::AquaticDealer, 3, "水产品经营户");
    site(SiteKind::TackleShop, 2, "渔具店");

    let item = |code: &str, text: &str, basis: &str| ChecklistItem {
        code: code.into(),
        text: text.into(),
        legal_basis: basis.into(),
    };
    let checklist = ChecklistTemplate {
        id: ChecklistId(stable(&key("checklist:safety"))),
        version: 1,
        name: "企业安全生产检查表".into(),
        items: vec![
            item(
                "lic-01",
                "营业执照及安全生产许可证件齐全有效",
                "《安全生产法》第二十条",
            ),
            item(
                "resp-01",
                "建立安全生产责任制并落实到岗位",
                "《安全生产法》第二十二条",
            ),
            item(
                "train-01",
                "从业人员经安全生产教育和培训合格",
                "《安全生产法》第二十八条",
            ),
            item(
                "fire-01",
                "消防通道、安全出口畅通，无占用堵塞",
                "《消防法》第二十八条",
            ),
            item("fire-02", "灭火器材配置到位并在有效期内", "《消防法》第十六条"),
            item("elec-01", "电气线路规范敷设，无私拉乱接", "GB 50054"),
            item(
                "gas-01",
                "燃气使用场所安装可燃气体报警装置",
                "《城镇燃气管理条例》",
            ),
            item(
                "haz-01",
                "危险化学品分类存放，专人管理",
                "《危险化学品安全管理条例》",
            ),
            item(
                "plan-01",
                "制定事故应急预案并定期演练",
                "《安全生产法》第八十一条",
            ),
        ],
    };

    let mut units = vec![street];
    units.extend(brigades);
    let rules = demo_rules(
        RulesId(stable(&key("rules:demo"))),
        street_id,
        xuncha_domain::time::EARLIEST,
    );
    DemoContent {
        units,
        users,
        reaches,
        sites,
        checklist,
        rules,
    }
}

/// What loading the demo did.
#[derive(Debug, Default)]
pub struct DemoReport {
    /// (login, name, role, password) of users created now; their passwords are shown only here.
    pub created_users: Vec<(String, String, String, String)>,
    pub events_added: usize,
}

pub fn random_password() -> Result<String, Error> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("random: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// Loads the demo into the database; idempotent.
pub async fn load(st: &AppState) -> Result<DemoReport, Error> {
    load_content(st, &content()).await
}

/// Loads demo content (`content_for`) into the database; idempotent.
pub async fn load_content(st: &AppState, demo: &DemoContent) -> Result<DemoReport, Error> {
    let demo = demo.clone();
    let logins: Vec<String> = demo.users.iter().map(|u| u.login.clone()).collect();
    let existing = st
        .db
        .read(move |s| {
            let mut out = Vec::new();
            for l in logins {
                if s.user_by_login(&l)?.is_some() {
                    out.push(l);
                }
            }
            Ok(out)
        })
        .await?;
    let mut new_users = Vec::new();
    for u in demo.users.iter().filter(|u| !existing.contains(&u.login)) {
        let password = random_password()?;
        let pw = password.clone();
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
            .await
            .map_err(|e| Error::Internal(format!("hash task: {e}")))??;
        new_users.push((u.clone(), password, hash));
    }
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            let now = UnixMs(crate::now_ms());
            let mut report = DemoReport::default();
            let mut publish = |s: &mut dyn crate::db::Storage, payload: Payload, wanted: AggregateState| {
                let current = s
                    .aggregate_get(payload.aggregate())?
                    .map(|r| fold::parse_state(&r.state))
                    .transpose()?;
                if current.as_ref() != Some(&wanted) {
                    chain.append(s, payload, None, now)?;
                    report.events_added += 1;
                }
                Ok::<(), Error>(())
            };
            for u in &demo.units {
                s.unit_upsert(u)?;
                publish(
                    s,
                    Payload::UnitDefined(u.clone()),
                    AggregateState::Unit(u.clone()),
                )?;
            }
            for (u, password, hash) in &new_users {
                if s.user_insert(u, hash)? {
                    let role = u.roles.first().map_or("", |r| r.label_zh()).to_owned();
                    report
                        .created_users
                        .push((u.login.clone(), u.name.clone(), role, password.clone()));
                }
            }
            for u in &demo.users {
                publish(
                    s,
                    Payload::UserDefined(u.clone()),
                    AggregateState::User(u.clone()),
                )?;
            }
            for r in &demo.reaches {
                publish(
                    s,
                    Payload::ReachDefined(r.clone()),
                    AggregateState::Reach(r.clone()),
                )?;
            }
            for site in &demo.sites {
                publish(
                    s,
                    Payload::SiteDefined(site.clone()),
                    AggregateState::Site(site.clone()),
                )?;
            }
            publish(
                s,
                Payload::ChecklistPublished(demo.checklist.clone()),
                AggregateState::Checklist(demo.checklist.clone()),
            )?;
            publish(
                s,
                Payload::PatrolRulesPublished(demo.rules.clone()),
                AggregateState::Rules(RuleBook {
                    id: demo.rules.id,
                    unit: demo.rules.unit,
                    versions: vec![demo.rules.clone()],
                }),
            )?;
            Ok(report)
        })
        .await
}

/// Creates an admin (the first one, typically) in the unit with `unit_code`, creating that unit
/// as a subdistrict if it does not exist. Returns the user and, when none was given, the
/// password made for them (shown once).
pub async fn create_admin(
    st: &AppState,
    login: String,
    name: String,
    unit_code: String,
    unit_name: String,
    password: Option<String>,
) -> Result<(User, Option<String>), Error> {
    let (password, generated) = match password {
        Some(p) => (p, None),
        None => {
            let p = random_password()?;
            (p.clone(), Some(p))
        }
    };
    let chain = st.chain.clone();
    let unit = st
        .db
        .write(move |s| {
            if let Some(u) = s.units()?.into_iter().find(|u| u.code == unit_code) {
                return Ok(u.id);
            }
            let unit = Unit {
                id: UnitId::new(),
                name: unit_name,
                kind: UnitKind::Subdistrict,
                parent: None,
                code: unit_code,
            };
            s.unit_upsert(&unit)?;
            let id = unit.id;
            chain.append(s, Payload::UnitDefined(unit), None, UnixMs(crate::now_ms()))?;
            Ok(id)
        })
        .await?;
    let user = User {
        active_from: None,
        id: UserId::new(),
        name,
        login,
        unit,
        roles: vec![Role::Admin, Role::Office],
    };
    let user = crate::office::create_user_with_password(st, user, password, None).await?;
    Ok((user, generated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_subdistricts_share_no_id_code_or_login_with_the_demo() {
        let (a, b) = (content(), content_for(1));
        assert_eq!(a.units[0].code, "DEMO");
        assert_eq!(
            (b.units[0].code.as_str(), b.units[1].code.as_str()),
            ("C01", "C01-01")
        );
        assert!(b.users.iter().all(|u| u.login.starts_with("c01-")));
        let ids = |d: &DemoContent| -> Vec<uuid::Uuid> {
            let mut v: Vec<uuid::Uuid> = d.units.iter().map(|u| u.id.0).collect();
            v.extend(d.users.iter().map(|u| u.id.0));
            v.extend(d.reaches.iter().map(|r| r.id.0));
            v.extend(d.sites.iter().map(|s| s.id.0));
            v.push(d.checklist.id.0);
            v
        };
        let theirs = ids(&b);
        assert!(ids(&a).iter().all(|id| !theirs.contains(id)));
        assert!(a.users.iter().all(|u| b.users.iter().all(|v| u.login != v.login)));
    }

    #[test]
    fn the_demo_has_what_the_subdistrict_had() {
        let d = content();
        assert_eq!(d.units.len(), 9);
        let channels: f64 = d.reaches.iter().take(4).map(|r| r.length_m).sum();
        assert!((channels - 22_663.0).abs() < 1e-6, "{channels}");
        let count = |k: SiteKind| d.sites.iter().filter(|s| s.kind == k).count();
        assert_eq!(count(SiteKind::Enterprise), 40);
        assert_eq!(count(SiteKind::Market), 1);
        assert_eq!(count(SiteKind::Restaurant), 75);
        assert_eq!(count(SiteKind::AquaticDealer), 3);
        assert_eq!(count(SiteKind::TackleShop), 2);
        let volunteers = d
            .users
            .iter()
            .filter(|u| {
                u.roles.contains(&Role::RiverChief {
                    level: ChiefLevel::Volunteer,
                })
            })
            .count();
        assert_eq!(volunteers, 9);
        for s in &d.sites {
            assert!(
                (s.location.lat - 30.65).abs() < 0.05 && (s.location.lon - 114.10).abs() < 0.1,
                "{s:?}"
            );
        }
    }
}
