//! Reference data the office maintains and devices receive: river reaches, sites and versioned
//! checklist templates.

use crate::id::{ChecklistId, ReachId, SiteId, UnitId, UserId};
use crate::position::Position;
use serde::{Deserialize, Serialize};

/// A river reach or drainage channel under a river chief: its centre line and length.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    pub id: ReachId,
    pub name: String,
    pub unit: UnitId,
    /// The centre line, upstream first.
    pub line: Vec<Position>,
    pub length_m: f64,
    /// River chiefs responsible for the reach.
    #[serde(default)]
    pub chiefs: Vec<UserId>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// 企业 (safety-production checks)
    Enterprise,
    /// 农贸市场
    Market,
    /// 餐馆
    Restaurant,
    /// 水产品经营户
    AquaticDealer,
    /// 渔具店
    TackleShop,
}

impl SiteKind {
    pub fn label_zh(&self) -> &'static str {
        match self {
            SiteKind::Enterprise => "企业",
            SiteKind::Market => "农贸市场",
            SiteKind::Restaurant => "餐馆",
            SiteKind::AquaticDealer => "水产品经营户",
            SiteKind::TackleShop => "渔具店",
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub kind: SiteKind,
    pub address: String,
    pub location: Position,
    pub unit: UnitId,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable within a template across versions, e.g. "fire-01".
    pub code: String,
    pub text: String,
    /// The law or standard the item rests on.
    pub legal_basis: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    pub id: ChecklistId,
    pub version: u32,
    pub name: String,
    pub items: Vec<ChecklistItem>,
}
