//! A server seeded with the reference data: the subdistrict (made with its administrator),
//! two brigades with a canal each, and a user of every role.

use crate::password_of;
use crate::reference_data::{self, STREET_CODE, STREET_NAME};
use xuncha_domain::payload::Payload;
use xuncha_domain::people::{Role, Unit, User};
use xuncha_domain::reference::Reach;
use xuncha_domain::*;
use xuncha_server::app::AppState;

/// The seeded subdistrict: a street unit with two brigades, a reach in each (with no chief
/// named), and a user of every role; every password is `password_of(login)`.
pub struct Seed {
    pub street: Unit,
    pub b1: Unit,
    pub b2: Unit,
    /// The canal of each brigade, `reaches[0]` in `b1`.
    pub reaches: [Reach; 2],
    pub admin: User,
    pub office: User,
    pub chief1: User,
    pub chief2: User,
    pub inspector: User,
    pub patroller: User,
}

impl Seed {
    /// The two brigades' river chiefs, `chief1` first.
    pub fn chiefs(&self) -> [&User; 2] {
        [&self.chief1, &self.chief2]
    }
}

pub async fn seed(st: &AppState) -> Seed {
    let (admin, _) = xuncha_server::demo::create_admin(
        st,
        "admin".into(),
        "管理员".into(),
        STREET_CODE.into(),
        STREET_NAME.into(),
        Some(password_of("admin")),
    )
    .await
    .unwrap();
    let units = st.db.read(|s| s.units()).await.unwrap();
    let street = units.into_iter().find(|u| u.code == STREET_CODE).unwrap();
    let (b1, b2) = (
        reference_data::brigade(street.id, 1),
        reference_data::brigade(street.id, 2),
    );
    let reaches = [
        reference_data::brigade_reach(b1.id, 1),
        reference_data::brigade_reach(b2.id, 2),
    ];
    for (unit, reach) in [(&b1, &reaches[0]), (&b2, &reaches[1])] {
        let (unit, reach, chain) = (unit.clone(), reach.clone(), st.chain.clone());
        st.db
            .write(move |s| {
                s.unit_upsert(&unit)?;
                let now = UnixMs(xuncha_server::now_ms());
                chain.append(s, Payload::UnitDefined(unit), None, now)?;
                chain.append(s, Payload::ReachDefined(reach), None, now)
            })
            .await
            .unwrap();
    }
    let user = async |login: &str, unit: UnitId, role: Role| {
        let u = reference_data::user(login, unit, vec![role]);
        xuncha_server::office::create_user_with_password(st, u, password_of(login), None)
            .await
            .unwrap()
    };
    let office = user("office", street.id, Role::Office).await;
    let chief1 = user("chief1", b1.id, reference_data::brigade_chief()).await;
    let chief2 = user("chief2", b2.id, reference_data::brigade_chief()).await;
    let inspector = user("inspector", street.id, Role::SafetyInspector).await;
    let patroller = user("patroller", street.id, Role::FishingBanPatroller).await;
    Seed {
        street,
        b1,
        b2,
        reaches,
        admin,
        office,
        chief1,
        chief2,
        inspector,
        patroller,
    }
}
