//! The catalogue of problem categories a finding can be filed under. Codes are stable (they are
//! stored in events); names are for display.

use serde::{Deserialize, Serialize};

/// Which workflow a category belongs to, and so what a finding of it is called.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A river problem (问题).
    Problem,
    /// A safety hazard (隐患).
    Hazard,
    /// A fishing-ban violation (违法行为).
    Violation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    pub kind: FindingKind,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

const fn cat(
    code: &'static str,
    kind: FindingKind,
    name_zh: &'static str,
    name_en: &'static str,
) -> Category {
    Category {
        code,
        kind,
        name_zh,
        name_en,
    }
}

use FindingKind::{Hazard, Problem, Violation};

pub const CATEGORIES: &[Category] = &[
    // 清四乱
    cat("occupation", Problem, "乱占", "Illegal occupation"),
    cat("sand_mining", Problem, "乱采", "Illegal sand mining"),
    cat("dumping", Problem, "乱堆", "Dumping"),
    cat("construction", Problem, "乱建", "Illegal construction"),
    cat("sewage_outfall", Problem, "排污口", "Sewage outfall"),
    cat("floating_garbage", Problem, "水面漂浮物", "Floating garbage"),
    cat("dead_fish", Problem, "死鱼", "Dead fish"),
    cat(
        "water_colour",
        Problem,
        "水体异色异味",
        "Discoloured or smelly water",
    ),
    cat("damaged_facility", Problem, "设施损坏", "Damaged facility"),
    cat("other_river", Problem, "其他问题", "Other river problem"),
    // 安全生产隐患
    cat("fire_safety", Hazard, "消防安全", "Fire safety"),
    cat("electrical", Hazard, "用电安全", "Electrical safety"),
    cat("hazardous_chemicals", Hazard, "危险化学品", "Hazardous chemicals"),
    cat("special_equipment", Hazard, "特种设备", "Special equipment"),
    cat("limited_space", Hazard, "有限空间", "Confined space"),
    cat("emergency_exit", Hazard, "安全出口", "Emergency exits"),
    cat("safety_management", Hazard, "安全管理", "Safety management"),
    cat("other_hazard", Hazard, "其他隐患", "Other hazard"),
    // 禁捕
    cat("illegal_fishing", Violation, "非法捕捞", "Illegal fishing"),
    cat(
        "selling_river_fish",
        Violation,
        "销售长江野生鱼",
        "Selling wild river fish",
    ),
    cat("banned_gear", Violation, "违规渔具", "Banned fishing gear"),
    cat("electrofishing", Violation, "电鱼", "Electrofishing"),
    cat("other_violation", Violation, "其他违法行为", "Other violation"),
];

pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}
