//! Patrol rules (河长巡河规则): what makes a river chief's patrol count, and how often each chief
//! must patrol. Published rules differ from place to place — one county asks ≥ 30 min and
//! ≥ 2 km with 96 h between self-initiated patrols, a town ≥ 5 min and ≥ 300 m, a city lets an
//! assistant patrol on the chief's account — so nothing here is fixed: an office publishes a
//! rule set for its unit as reference data (`Payload::PatrolRulesPublished`), devices receive
//! it, and each patrol is judged ([`crate::judge`]) by the version in force when it was made.

use crate::calendar::{Period, Season};
use crate::id::{RulesId, UnitId};
use crate::people::ChiefLevel;
use crate::time::UnixMs;
use crate::validate::ValidationError;
use crate::words::Lang;
use serde::{Deserialize, Serialize};

/// The longest minimum duration a rule may ask, in minutes (a day).
pub const MAX_MIN_DURATION_MIN: u32 = 24 * 60;
/// The longest minimum length a rule may ask, in metres.
pub const MAX_MIN_LENGTH_M: u32 = 100_000;
/// The most patrols a rule may ask in one period.
pub const MAX_QUOTA_TIMES: u32 = 100;
/// The longest cooldown between self-initiated patrols a rule may set, in hours (a month).
pub const MAX_COOLDOWN_H: u32 = 31 * 24;
/// The highest version number a rule set may carry.
pub const MAX_RULES_VERSION: u32 = 1_000_000;

/// One version of a unit's patrol rules. A later version replaces an earlier one from its
/// `effective_from` on; patrols made before it keep being judged by the version they were
/// made under.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolRules {
    /// The unit's rule book: every version of one unit's rules has the same id.
    pub id: RulesId,
    /// The unit the rules are for; they apply to it and to the units below it that have none
    /// of their own.
    pub unit: UnitId,
    pub version: u32,
    /// e.g. "2020 年河长巡河考核办法".
    pub name: String,
    /// The first instant the version applies to.
    pub effective_from: UnixMs,
    /// What each level of chief must do; a level without an entry has no requirement.
    pub levels: Vec<LevelRules>,
}

/// What one level of river chief must do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelRules {
    pub level: ChiefLevel,
    /// A patrol shorter than this does not count (0: no minimum).
    pub min_duration_min: u32,
    /// A patrol whose track is shorter than this does not count (0: no minimum).
    pub min_length_m: u32,
    /// The share of the assigned reach the track must cover, in percent (0: no minimum).
    pub min_coverage_pct: u8,
    /// How often the chief must patrol, if the rules say.
    pub quota: Option<Quota>,
    /// The months the quota applies in (all year when absent). Patrols outside it are still
    /// judged and counted; no period outside it is due.
    pub season: Option<Season>,
    /// The least time between two counting self-initiated patrols of one chief, in hours
    /// (0: none). A patrol sooner than that after the last counting one does not count.
    pub cooldown_h: u32,
    /// Whether a patrol an assistant made on the chief's account counts for the chief.
    pub delegates_count: bool,
    /// Whether a drone patrol counts.
    pub drone_counts: bool,
    /// Whether an on-site meeting (现场会) counts as a patrol.
    pub meetings_count: bool,
}

/// "n patrols per period", per reach or per chief.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quota {
    pub times: u32,
    pub every: Period,
    pub per: QuotaScope,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaScope {
    /// n patrols of each of the chief's reaches.
    Reach,
    /// n patrols in all, on any of the chief's reaches.
    Chief,
}

impl Quota {
    /// "每月 2 次（每条河段）" / "2 a month (each reach)".
    pub fn label(&self, lang: Lang) -> String {
        let per = match (self.per, lang) {
            (QuotaScope::Reach, Lang::Zh) => "（每条河段）",
            (QuotaScope::Chief, Lang::Zh) => "",
            (QuotaScope::Reach, Lang::En) => " (each reach)",
            (QuotaScope::Chief, Lang::En) => "",
        };
        match lang {
            Lang::Zh => format!("{} {} 次{per}", self.every.every(lang), self.times),
            Lang::En => format!("{} {}{per}", self.times, self.every.every(lang)),
        }
    }
}

impl PatrolRules {
    pub fn level(&self, level: ChiefLevel) -> Option<&LevelRules> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// The checks of the rules themselves (the name and times are checked with every payload
    /// in `validate`): each level at most once, every figure within its bound.
    pub fn check(&self) -> Result<(), ValidationError> {
        let bound = |field: String, value: u64, max: u64| {
            if value > max {
                return Err(ValidationError::new(
                    field,
                    format!("超过上限 {max}"),
                    format!("is more than the most allowed, {max}"),
                ));
            }
            Ok(())
        };
        if self.version == 0 || self.version > MAX_RULES_VERSION {
            return Err(ValidationError::new(
                "rules_version",
                format!("必须在 1 到 {MAX_RULES_VERSION} 之间"),
                format!("must be from 1 to {MAX_RULES_VERSION}"),
            ));
        }
        for (i, l) in self.levels.iter().enumerate() {
            if self.levels[..i].iter().any(|o| o.level == l.level) {
                return Err(ValidationError::new(
                    format!("levels[{i}]"),
                    "与前面的级别重复，每个级别只能有一条规则",
                    "repeats an earlier level; each level may have one rule",
                ));
            }
            let f = |name: &str| format!("levels[{i}].{name}");
            bound(
                f("min_duration_min"),
                l.min_duration_min.into(),
                MAX_MIN_DURATION_MIN.into(),
            )?;
            bound(f("min_length_m"), l.min_length_m.into(), MAX_MIN_LENGTH_M.into())?;
            bound(f("min_coverage_pct"), l.min_coverage_pct.into(), 100)?;
            bound(f("cooldown_h"), l.cooldown_h.into(), MAX_COOLDOWN_H.into())?;
            if let Some(q) = &l.quota {
                if q.times == 0 {
                    return Err(ValidationError::new(f("times"), "至少为 1", "must be at least 1"));
                }
                bound(f("times"), q.times.into(), MAX_QUOTA_TIMES.into())?;
            }
            if let Some(s) = &l.season {
                for (name, m) in [("from_month", s.from_month), ("to_month", s.to_month)] {
                    if !(1..=12).contains(&m) {
                        return Err(ValidationError::new(
                            f(name),
                            "必须在 1 到 12 之间",
                            "must be from 1 to 12",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Every version of one unit's rules, as devices and the server keep them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleBook {
    pub id: RulesId,
    pub unit: UnitId,
    /// In version order.
    pub versions: Vec<PatrolRules>,
}

impl RuleBook {
    /// The version in force at `t`: of those in effect by then, the highest.
    pub fn in_force(&self, t: UnixMs) -> Option<&PatrolRules> {
        self.versions
            .iter()
            .filter(|v| v.effective_from <= t)
            .max_by_key(|v| v.version)
    }

    pub fn latest(&self) -> Option<&PatrolRules> {
        self.versions.last()
    }
}

/// A demo rule set for a subdistrict, shaped like the published ones: street chiefs ≥ 30 min
/// and ≥ 2 km, twice a month on each reach; brigade chiefs ≥ 30 min and ≥ 1 km, weekly, at
/// least 96 h apart; volunteer chiefs ≥ 10 min and ≥ 300 m, twice a quarter, March to
/// December. Meetings count for street chiefs, delegates for brigade chiefs.
pub fn demo_rules(id: RulesId, unit: UnitId, effective_from: UnixMs) -> PatrolRules {
    let level = |level, min_duration_min, min_length_m| LevelRules {
        level,
        min_duration_min,
        min_length_m,
        min_coverage_pct: 0,
        quota: None,
        season: None,
        cooldown_h: 0,
        delegates_count: false,
        drone_counts: false,
        meetings_count: false,
    };
    PatrolRules {
        id,
        unit,
        version: 1,
        name: "河长巡河考核办法（示例）".into(),
        effective_from,
        levels: vec![
            LevelRules {
                quota: Some(Quota {
                    times: 2,
                    every: Period::Month,
                    per: QuotaScope::Reach,
                }),
                meetings_count: true,
                ..level(ChiefLevel::Street, 30, 2_000)
            },
            LevelRules {
                quota: Some(Quota {
                    times: 1,
                    every: Period::Week,
                    per: QuotaScope::Chief,
                }),
                cooldown_h: 96,
                delegates_count: true,
                ..level(ChiefLevel::Brigade, 30, 1_000)
            },
            LevelRules {
                quota: Some(Quota {
                    times: 2,
                    every: Period::Quarter,
                    per: QuotaScope::Chief,
                }),
                season: Some(Season {
                    from_month: 3,
                    to_month: 12,
                }),
                ..level(ChiefLevel::Volunteer, 10, 300)
            },
        ],
    }
}
