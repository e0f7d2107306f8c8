//! The reference data the tests use, written once: the subdistrict, its brigades, the users,
//! the reaches, the sites and the checklist an office defines. The device tests load it as an
//! office's signed events (`reference()`); the server tests seed a server from the same
//! builders (`seed`, feature `server`).

use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;

/// The device tests' clock starts here (late May 2026).
pub const T0: i64 = 1_780_000_000_000;

/// The subdistrict's name and code.
pub const STREET_NAME: &str = "汉阳街道";
pub const STREET_CODE: &str = "HY";

/// The subdistrict, a unit of its own.
pub fn street() -> Unit {
    Unit {
        id: UnitId::new(),
        name: STREET_NAME.into(),
        kind: UnitKind::Subdistrict,
        parent: None,
        code: STREET_CODE.into(),
    }
}

/// The `n`th brigade (1 or 2) of `street`.
pub fn brigade(street: UnitId, n: usize) -> Unit {
    let name = ["一大队", "二大队"][n - 1];
    Unit {
        id: UnitId::new(),
        name: name.into(),
        kind: UnitKind::Brigade,
        parent: Some(street),
        code: format!("{STREET_CODE}-{n}"),
    }
}

/// A user of `unit` whose name is their login.
pub fn user(login: &str, unit: UnitId, roles: Vec<Role>) -> User {
    User {
        active_from: None,
        id: UserId::new(),
        name: login.into(),
        login: login.into(),
        unit,
        roles,
    }
}

/// All three field roles: the street's river chief, safety inspector and fishing-ban patroller.
pub fn field_roles() -> Vec<Role> {
    vec![
        Role::RiverChief {
            level: ChiefLevel::Street,
        },
        Role::SafetyInspector,
        Role::FishingBanPatroller,
    ]
}

pub fn brigade_chief() -> Role {
    Role::RiverChief {
        level: ChiefLevel::Brigade,
    }
}

/// The `n`th brigade's canal (n = 1 or 2): a line of 980 m, side by side from 114.10 E.
pub fn brigade_reach(unit: UnitId, n: usize) -> Reach {
    let east = (n - 1) as f64 * 0.02;
    Reach {
        id: ReachId::new(),
        name: format!("{n}号渠"),
        unit,
        line: vec![
            Position::new(114.10 + east, 30.65),
            Position::new(114.11 + east, 30.652),
        ],
        length_m: 980.0,
        chiefs: vec![],
    }
}

/// An engineering works of `unit`, inspected for safety.
pub fn enterprise(unit: UnitId) -> Site {
    Site {
        id: SiteId::new(),
        name: "汉阳机械厂".into(),
        kind: SiteKind::Enterprise,
        address: "汉阳大道 1 号".into(),
        location: Position::new(114.11, 30.651),
        unit,
    }
}

/// A riverside restaurant of `unit`, visited by the fishing-ban patrol.
pub fn restaurant(unit: UnitId) -> Site {
    Site {
        id: SiteId::new(),
        name: "江边鱼馆".into(),
        kind: SiteKind::Restaurant,
        address: "滨江路 8 号".into(),
        location: Position::new(114.115, 30.652),
        unit,
    }
}

/// The safety checklist of two items, `fire-01` and `exit-01`.
pub fn checklist() -> ChecklistTemplate {
    ChecklistTemplate {
        id: ChecklistId::new(),
        version: 1,
        name: "工贸企业安全检查表".into(),
        items: vec![
            ChecklistItem {
                code: "fire-01".into(),
                text: "灭火器在有效期内".into(),
                legal_basis: "《消防法》第十六条".into(),
            },
            ChecklistItem {
                code: "exit-01".into(),
                text: "安全出口畅通".into(),
                legal_basis: "《消防法》第二十八条".into(),
            },
        ],
    }
}

/// What a device's tests load: the subdistrict, a user of every field role in it, a reach,
/// two sites and the checklist, with the office's signed events that define them.
pub struct Reference {
    pub unit: Unit,
    pub user: User,
    pub reach: Reach,
    pub enterprise: Site,
    pub restaurant: Site,
    pub checklist: ChecklistTemplate,
    pub events: Vec<Event>,
}

pub fn reference() -> Reference {
    let mut office = SimDevice::new(200);
    let unit = street();
    let user = User {
        // Appointed 200 days before the tests' clock: late entries (补录) may reach back to it.
        active_from: Some(UnixMs(T0 - 200 * UnixMs::DAY)),
        name: "张河长".into(),
        ..user("zhang", unit.id, field_roles())
    };
    let reach = Reach {
        id: ReachId::new(),
        name: "东风渠".into(),
        unit: unit.id,
        line: vec![Position::new(114.10, 30.65), Position::new(114.12, 30.655)],
        length_m: 2_000.0,
        chiefs: vec![user.id],
    };
    let enterprise = enterprise(unit.id);
    let restaurant = restaurant(unit.id);
    let checklist = checklist();
    let t = UnixMs(T0 - UnixMs::DAY);
    let events = vec![
        office.make(Payload::UnitDefined(unit.clone()), t),
        office.make(Payload::UserDefined(user.clone()), t),
        office.make(Payload::ReachDefined(reach.clone()), t),
        office.make(Payload::SiteDefined(enterprise.clone()), t),
        office.make(Payload::SiteDefined(restaurant.clone()), t),
        office.make(Payload::ChecklistPublished(checklist.clone()), t),
    ];
    Reference {
        unit,
        user,
        reach,
        enterprise,
        restaurant,
        checklist,
        events,
    }
}
