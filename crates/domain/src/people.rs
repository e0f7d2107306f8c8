//! People and organisation: units (a subdistrict and its brigades / communities) and users
//! with their roles.

use crate::id::{UnitId, UserId};
use serde::{Deserialize, Serialize};

/// The level of a river chief (河湖长).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChiefLevel {
    /// 街级河湖长
    Street,
    /// 队级河湖长
    Brigade,
    /// 民间河湖长
    Volunteer,
}

impl ChiefLevel {
    pub const ALL: [ChiefLevel; 3] = [ChiefLevel::Street, ChiefLevel::Brigade, ChiefLevel::Volunteer];
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    RiverChief { level: ChiefLevel },
    SafetyInspector,
    FishingBanPatroller,
    Office,
    Admin,
}

impl Role {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Role::RiverChief {
                level: ChiefLevel::Street,
            } => "街级河湖长",
            Role::RiverChief {
                level: ChiefLevel::Brigade,
            } => "队级河湖长",
            Role::RiverChief {
                level: ChiefLevel::Volunteer,
            } => "民间河湖长",
            Role::SafetyInspector => "安全生产检查员",
            Role::FishingBanPatroller => "禁捕巡查员",
            Role::Office => "办公室",
            Role::Admin => "管理员",
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 街道
    Subdistrict,
    /// 大队
    Brigade,
    /// 社区
    Community,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    /// A short code used in document numbers, e.g. "HY".
    pub code: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub login: String,
    pub unit: UnitId,
    pub roles: Vec<Role>,
    /// The first day this person's work may be recorded (their appointment; when the office
    /// made the user, unless it said otherwise): a late entry (补录) for them may not be dated
    /// before it. Absent for users made before it was kept: no bound but the late-entry window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_from: Option<crate::time::UnixMs>,
}
