//! The patrol judge: does a river chief's patrol count under the rules in force when it was
//! made, and if not, why — every reason in plain words ("用时 12 分钟，少于规定的 30 分钟").
//! One pure function, run by devices offline and by the server for the office's figures, so
//! the phone and the office always agree. A patrol that falls short is kept and shown as not
//! counting; nothing here refuses or deletes anything.

use crate::geo::FlagCode;
use crate::id::{PatrolId, ReachId, UserId};
use crate::people::ChiefLevel;
use crate::rules::{LevelRules, PatrolRules};
use crate::time::UnixMs;
use crate::words::{Lang, Say};
use serde::{Deserialize, Serialize};

/// How a patrol was made.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatrolMethod {
    /// On the river (on foot, by bike, boat or car), with a track.
    #[default]
    OnSite,
    /// A drone flight over the reach.
    Drone,
    /// An on-site meeting (现场会) about the reach.
    Meeting,
}

/// What the judge needs to know of one patrol, taken from its record and its cleaned track.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolFacts {
    pub patrol: PatrolId,
    /// The chief whose patrol it is (the account it counts for).
    pub chief: UserId,
    pub level: ChiefLevel,
    pub reach: Option<ReachId>,
    pub started_at: UnixMs,
    /// Whether the patrol was ended; an open one is judged as it stands.
    pub ended: bool,
    /// From the first fix to the last (a meeting: from start to end).
    pub duration_s: f64,
    /// The cleaned track's geodesic length.
    pub length_m: f64,
    /// The share of the assigned reach the track covered, 0 to 1, if it has a registered reach.
    pub coverage: Option<f64>,
    /// The patrol-level plausibility flags of its track and photos.
    pub flags: Vec<FlagCode>,
    pub method: PatrolMethod,
    /// Made by an assistant on the chief's account.
    pub delegate: bool,
    /// Started by the chief, not as a task from the office (tasks are not subject to the
    /// cooldown between self-initiated patrols).
    pub self_initiated: bool,
}

/// One reason a patrol does not count.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Shortfall {
    /// The patrol was never ended.
    NotEnded,
    /// Shorter than the rules' minimum time (whole minutes, rounded down).
    Duration { minutes: u32, required: u32 },
    /// A shorter track than the rules' minimum (whole metres, rounded down).
    Length { metres: u32, required: u32 },
    /// Covered less of its reach than the rules ask (whole percent, rounded down).
    Coverage { percent: u32, required: u8 },
    /// The rules ask for reach coverage, but the patrol was on no registered reach.
    NoReach,
    /// A flag that says the track is not a real patrol (mocked, teleporting, generated).
    Flagged { flag: FlagCode },
    /// Made by an assistant, and the rules do not count delegates' patrols.
    Delegate,
    /// A drone patrol, and the rules do not count drone patrols.
    Drone,
    /// An on-site meeting, and the rules do not count meetings.
    Meeting,
    /// Started sooner after the chief's last counting self-initiated patrol than the rules
    /// allow (whole hours, rounded down).
    TooSoon { hours: u32, required: u32 },
}

impl Say for Shortfall {
    fn say(&self, lang: Lang) -> String {
        match (*self, lang) {
            (Shortfall::NotEnded, _) => lang.pick("巡查未结束", "the patrol was not ended").into(),
            (Shortfall::Duration { minutes, required }, Lang::Zh) => {
                format!("用时 {minutes} 分钟，少于规定的 {required} 分钟")
            }
            (Shortfall::Duration { minutes, required }, Lang::En) => {
                format!("took {minutes} min, less than the {required} min required")
            }
            (Shortfall::Length { metres, required }, Lang::Zh) => {
                format!(
                    "巡查距离 {}，少于规定的 {}",
                    metres_zh(metres),
                    metres_zh(required)
                )
            }
            (Shortfall::Length { metres, required }, Lang::En) => {
                format!("covered {metres} m, less than the {required} m required")
            }
            (Shortfall::Coverage { percent, required }, Lang::Zh) => {
                format!("河段覆盖 {percent}%，少于规定的 {required}%")
            }
            (Shortfall::Coverage { percent, required }, Lang::En) => {
                format!("covered {percent}% of the reach, less than the {required}% required")
            }
            (Shortfall::NoReach, _) => lang
                .pick(
                    "未选择登记的河段，无法计算规定的河段覆盖率",
                    "no registered reach, so the required reach coverage cannot be measured",
                )
                .into(),
            (Shortfall::Flagged { flag }, Lang::Zh) => format!("轨迹异常：{}", flag_words(flag, Lang::Zh)),
            (Shortfall::Flagged { flag }, Lang::En) => {
                format!("the track is suspect: {}", flag_words(flag, Lang::En))
            }
            (Shortfall::Delegate, _) => lang
                .pick(
                    "由他人代巡，本地规则不计代巡",
                    "made by an assistant, which the rules do not count",
                )
                .into(),
            (Shortfall::Drone, _) => lang
                .pick(
                    "无人机巡查，本地规则不计",
                    "a drone patrol, which the rules do not count",
                )
                .into(),
            (Shortfall::Meeting, _) => lang
                .pick(
                    "现场会，本地规则不计为巡河",
                    "an on-site meeting, which the rules do not count",
                )
                .into(),
            (Shortfall::TooSoon { hours, required }, Lang::Zh) => {
                format!("距上次计入的自主巡河仅 {hours} 小时，规定至少间隔 {required} 小时")
            }
            (Shortfall::TooSoon { hours, required }, Lang::En) => {
                format!(
                    "only {hours} h after the last counting self-initiated patrol; the rules ask {required} h"
                )
            }
        }
    }
}

fn metres_zh(m: u32) -> String {
    if m >= 1_000 && m.is_multiple_of(100) {
        format!("{} 公里", f64::from(m) / 1_000.0)
    } else {
        format!("{m} 米")
    }
}

fn flag_words(flag: FlagCode, lang: Lang) -> &'static str {
    match flag {
        FlagCode::MockLocation => lang.pick("使用了模拟定位", "mock locations were used"),
        FlagCode::ZeroAccuracy => lang.pick("定位精度为 0，不是真实的定位", "fixes claim 0 m accuracy"),
        FlagCode::TeleportJump => lang.pick("轨迹有瞬移跳点", "the track teleports"),
        FlagCode::RegularTiming => lang.pick(
            "定位间隔过于整齐，像是生成的轨迹",
            "the fixes are too regular to be real",
        ),
        FlagCode::SpeedAboveMode => lang.pick("速度超出巡查方式", "faster than the patrol's mode"),
        FlagCode::PhotoFarFromTrack => lang.pick("照片远离轨迹", "a photo is far from the track"),
        FlagCode::PhotoOutsideTrackTime => {
            lang.pick("照片时间不在巡查时间内", "a photo's time is outside the patrol")
        }
        FlagCode::PhotoFarFromFinding => lang.pick("照片远离问题位置", "a photo is far from its finding"),
        FlagCode::AfterPhotoFarFromOriginal => lang.pick(
            "整改照片远离原照片",
            "an after-rectification photo is far from the original",
        ),
    }
}

/// Flags that say the track is not a real patrol, so it cannot count. The others (speed,
/// photos) ask a person to look and leave the patrol counting; the office's figures count
/// them apart as abnormal (异常巡河).
pub fn disqualifies(flag: FlagCode) -> bool {
    matches!(
        flag,
        FlagCode::MockLocation | FlagCode::ZeroAccuracy | FlagCode::TeleportJump | FlagCode::RegularTiming
    )
}

/// A patrol's judgement.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub counts: bool,
    /// The version of the rules it was judged by; `None` where no rules applied (it counts).
    pub rules_version: Option<u32>,
    /// Every reason it does not count, in the order the rules are read.
    pub reasons: Vec<Shortfall>,
}

impl Verdict {
    /// "用时 12 分钟，少于规定的 30 分钟；巡查距离 800 米，少于规定的 2 公里".
    pub fn explain(&self, lang: Lang) -> String {
        let sep = lang.pick("；", "; ");
        self.reasons
            .iter()
            .map(|r| r.say(lang))
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// A patrol's judgement under the rules in force, with every reason said in both languages:
/// what the device shows on its patrol summary and the office beside each patrol.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub counts: bool,
    pub rules_name: String,
    pub rules_version: u32,
    pub reasons: Vec<Shortfall>,
    pub reasons_zh: Vec<String>,
    pub reasons_en: Vec<String>,
}

impl Judgement {
    /// The judgement `reasons` make under `rules` (none: it counts).
    pub fn by(rules: &PatrolRules, reasons: Vec<Shortfall>) -> Judgement {
        Judgement {
            counts: reasons.is_empty(),
            rules_name: rules.name.clone(),
            rules_version: rules.version,
            reasons_zh: reasons.iter().map(|r| r.say(Lang::Zh)).collect(),
            reasons_en: reasons.iter().map(|r| r.say(Lang::En)).collect(),
            reasons,
        }
    }
}

/// Judges one patrol by one level's rules, given when the chief's last counting self-initiated
/// patrol started (for the cooldown). Every rule is read, so every reason is given.
pub fn judge(rules: &LevelRules, facts: &PatrolFacts, last_counting: Option<UnixMs>) -> Vec<Shortfall> {
    let mut out = Vec::new();
    if !facts.ended {
        out.push(Shortfall::NotEnded);
    }
    match facts.method {
        PatrolMethod::Drone if !rules.drone_counts => out.push(Shortfall::Drone),
        PatrolMethod::Meeting if !rules.meetings_count => out.push(Shortfall::Meeting),
        _ => {}
    }
    if facts.delegate && !rules.delegates_count {
        out.push(Shortfall::Delegate);
    }
    let required_s = f64::from(rules.min_duration_min) * 60.0;
    if facts.duration_s < required_s {
        out.push(Shortfall::Duration {
            minutes: whole(facts.duration_s / 60.0),
            required: rules.min_duration_min,
        });
    }
    // A meeting has no track to measure.
    if facts.method != PatrolMethod::Meeting {
        if facts.length_m < f64::from(rules.min_length_m) {
            out.push(Shortfall::Length {
                metres: whole(facts.length_m),
                required: rules.min_length_m,
            });
        }
        if rules.min_coverage_pct > 0 {
            match facts.coverage {
                None => out.push(Shortfall::NoReach),
                Some(c) if c * 100.0 < f64::from(rules.min_coverage_pct) => out.push(Shortfall::Coverage {
                    percent: whole(c * 100.0),
                    required: rules.min_coverage_pct,
                }),
                Some(_) => {}
            }
        }
    }
    let mut flags: Vec<FlagCode> = facts.flags.iter().copied().filter(|f| disqualifies(*f)).collect();
    flags.sort_unstable();
    flags.dedup();
    out.extend(flags.into_iter().map(|flag| Shortfall::Flagged { flag }));
    if facts.self_initiated
        && rules.cooldown_h > 0
        && let Some(last) = last_counting
    {
        let since_ms = facts.started_at.0.saturating_sub(last.0);
        if since_ms < i64::from(rules.cooldown_h) * UnixMs::HOUR {
            out.push(Shortfall::TooSoon {
                hours: whole(since_ms as f64 / UnixMs::HOUR as f64),
                required: rules.cooldown_h,
            });
        }
    }
    out
}

/// A non-negative figure rounded down to a whole number, saturating.
fn whole(x: f64) -> u32 {
    if x.is_finite() && x > 0.0 {
        x.floor().min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// Judges a series of patrols, each by the rules `rules_for` finds for it (the version in force
/// at its start, for its chief's unit), carrying each chief's cooldown from one patrol to the
/// next in time order. Answers in the order given.
pub fn judge_all<'r>(
    patrols: &[PatrolFacts],
    rules_for: impl Fn(&PatrolFacts) -> Option<&'r PatrolRules>,
) -> Vec<Verdict> {
    let mut order: Vec<usize> = (0..patrols.len()).collect();
    order.sort_by_key(|&i| (patrols[i].chief, patrols[i].started_at, patrols[i].patrol));
    let mut verdicts = vec![
        Verdict {
            counts: true,
            rules_version: None,
            reasons: Vec::new(),
        };
        patrols.len()
    ];
    let mut last: Option<(UserId, UnixMs)> = None;
    for i in order {
        let facts = &patrols[i];
        let last_counting = last.filter(|(chief, _)| *chief == facts.chief).map(|(_, t)| t);
        if last.is_some_and(|(chief, _)| chief != facts.chief) {
            last = None;
        }
        let Some(rules) = rules_for(facts) else { continue };
        let Some(level) = rules.level(facts.level) else {
            verdicts[i].rules_version = Some(rules.version);
            continue;
        };
        let reasons = judge(level, facts, last_counting);
        let counts = reasons.is_empty();
        if counts && facts.self_initiated {
            last = Some((facts.chief, facts.started_at));
        }
        verdicts[i] = Verdict {
            counts,
            rules_version: Some(rules.version),
            reasons,
        };
    }
    verdicts
}
