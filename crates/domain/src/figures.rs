//! Over 500 lines: the facts of three kinds of record and the three reports (year, quota, problems) made from them.
//! The office's figures: compact facts of each record (what the reports need and nothing more,
//! kept by the server beside each record's state) and the year report made from them, with
//! patrols judged by the rules in force. Pure: the server reads the facts of a unit and a year
//! and hands them here, so a device could make the same figures from its own records.

use crate::calendar::Day;
use crate::catalogue::FindingKind;
use crate::geo::FlagCode;
use crate::id::{FindingId, InspectionId, PatrolId, ReachId, UnitId, UserId};
use crate::judge::{PatrolFacts, PatrolMethod, Verdict, judge_all};
use crate::payload::{PatrolKind, Publicity, Severity};
use crate::people::ChiefLevel;
use crate::reference::SiteKind;
use crate::rules::PatrolRules;
use crate::state::FindingStatus;
use crate::time::UnixMs;
use crate::words::Lang;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the figures need of a patrol: its place, its people, its cleaned track's figures and
/// flags, and a fishing-ban patrol's tallies by kind of site.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatrolFact {
    pub patrol: PatrolId,
    pub kind: PatrolKind,
    pub unit: UnitId,
    pub patroller: UserId,
    pub patroller_name: String,
    /// The patroller's level as a river chief, if they are one.
    pub level: Option<ChiefLevel>,
    pub reach: Option<ReachId>,
    pub started_at: UnixMs,
    pub ended_at: Option<UnixMs>,
    pub duration_s: f64,
    pub length_m: f64,
    pub coverage: Option<f64>,
    /// Patrol-level plausibility flags (each once).
    pub flags: Vec<FlagCode>,
    pub checks: BTreeMap<SiteKind, u32>,
    pub letters: BTreeMap<SiteKind, u32>,
    pub publicity: Publicity,
    pub seizures: u32,
    pub seized_items: u64,
}

impl PatrolFact {
    /// As the judge reads it (a patrol recorded in the app: on site, self-initiated, by the
    /// chief himself — the app records nothing else yet).
    pub fn judged_as(&self, level: ChiefLevel) -> PatrolFacts {
        PatrolFacts {
            patrol: self.patrol,
            chief: self.patroller,
            level,
            reach: self.reach,
            started_at: self.started_at,
            ended: self.ended_at.is_some(),
            duration_s: self.duration_s,
            length_m: self.length_m,
            coverage: self.coverage,
            flags: self.flags.clone(),
            method: PatrolMethod::OnSite,
            delegate: false,
            self_initiated: true,
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionFact {
    pub inspection: InspectionId,
    pub unit: UnitId,
    pub site_kind: Option<SiteKind>,
    pub started_at: UnixMs,
    pub closed: bool,
    /// The numbered on-site inspection record was drawn up.
    pub record_issued: bool,
    /// It orders rectification by a deadline (责令整改).
    pub rectification_order: bool,
    pub rectification_deadline: Option<UnixMs>,
    /// The inspected party refused to sign.
    pub refused: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingFact {
    pub finding: FindingId,
    pub unit: UnitId,
    pub kind: FindingKind,
    pub category: String,
    pub severity: Severity,
    pub status: FindingStatus,
    pub reported_at: UnixMs,
    pub deadline: Option<UnixMs>,
    pub rectified_at: Option<UnixMs>,
    pub verified_at: Option<UnixMs>,
    pub reopen_count: u32,
}

impl FindingFact {
    /// Past its deadline without a rectification, or rectified after it (督办).
    pub fn overdue(&self, now: UnixMs) -> bool {
        self.deadline
            .is_some_and(|d| self.rectified_at.unwrap_or(now) > d)
    }
}

/// River patrols of one level of chief.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelFigures {
    /// Chiefs who patrolled at least once.
    pub chiefs: u32,
    pub patrols: u32,
    pub counting: u32,
    pub not_counting: u32,
    /// Patrols with any plausibility flag (异常巡河), counting or not.
    pub abnormal: u32,
}

/// A patrol that does not count, with why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCounting {
    pub patrol: PatrolId,
    pub patroller_name: String,
    pub level: ChiefLevel,
    pub day: Day,
    pub rules_version: Option<u32>,
    /// Every reason, in Chinese.
    pub reasons: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemFigures {
    pub found: u32,
    pub assigned: u32,
    pub rectified: u32,
    pub verified: u32,
    pub reopened: u32,
    pub overdue: u32,
}

impl ProblemFigures {
    /// Counts one problem in.
    pub fn add(&mut self, f: &FindingFact, now: UnixMs) {
        self.found += 1;
        self.assigned += u32::from(f.deadline.is_some());
        self.rectified += u32::from(f.rectified_at.is_some());
        self.verified += u32::from(f.status == FindingStatus::Verified);
        self.reopened += u32::from(f.reopen_count > 0);
        self.overdue += u32::from(f.overdue(now));
    }

    /// 办结率: verified of found, in percent (100 when none were found).
    pub fn closed_pct(&self) -> f64 {
        if self.found == 0 {
            100.0
        } else {
            f64::from(self.verified) * 100.0 / f64::from(self.found)
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyFigures {
    pub inspections: u32,
    pub records_issued: u32,
    pub refusals: u32,
    pub rectification_orders: u32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FishingFigures {
    pub patrols: u32,
    pub checks: BTreeMap<SiteKind, u32>,
    pub letters: BTreeMap<SiteKind, u32>,
    pub publicity: Publicity,
    pub seizures: u32,
    pub seized_items: u64,
}

/// A unit's figures for a year, shaped like a subdistrict's work report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct YearReport {
    pub unit: UnitId,
    pub unit_name: String,
    pub year: i32,
    /// River patrols by the chief's level.
    pub river: BTreeMap<ChiefLevel, LevelFigures>,
    /// Patrols that do not count under the rules, with every reason.
    pub not_counting: Vec<NotCounting>,
    pub problems: ProblemFigures,
    pub safety: SafetyFigures,
    pub fishing: FishingFigures,
}

/// The facts of one unit's subtree and year, as the server reads them.
pub struct YearFacts<'a> {
    pub patrols: &'a [PatrolFact],
    pub inspections: &'a [InspectionFact],
    pub findings: &'a [FindingFact],
}

/// The year report: `facts` are the records of the unit and the units below it whose own time
/// falls in the year (China time); `rules_for` finds the rules in force for a patrol.
pub fn year_report<'r>(
    unit: UnitId,
    unit_name: &str,
    year: i32,
    facts: YearFacts<'_>,
    now: UnixMs,
    rules_for: impl Fn(&PatrolFacts, UnitId) -> Option<&'r PatrolRules>,
) -> YearReport {
    let in_year = |t: UnixMs| Day::of(t).year == year;
    let river: Vec<(&PatrolFact, ChiefLevel)> = facts
        .patrols
        .iter()
        .filter(|p| p.kind == PatrolKind::River && in_year(p.started_at))
        .filter_map(|p| p.level.map(|l| (p, l)))
        .collect();
    let judged: Vec<PatrolFacts> = river.iter().map(|(p, l)| p.judged_as(*l)).collect();
    let units: Vec<UnitId> = river.iter().map(|(p, _)| p.unit).collect();
    let verdicts: Vec<Verdict> = {
        let index: BTreeMap<PatrolId, usize> =
            judged.iter().enumerate().map(|(i, f)| (f.patrol, i)).collect();
        judge_all(&judged, |f| {
            index.get(&f.patrol).and_then(|&i| rules_for(f, units[i]))
        })
    };
    let mut by_level: BTreeMap<ChiefLevel, LevelFigures> = BTreeMap::new();
    let mut chiefs: BTreeMap<ChiefLevel, BTreeSet<UserId>> = BTreeMap::new();
    let mut not_counting = Vec::new();
    for ((p, level), v) in river.iter().zip(&verdicts) {
        let f = by_level.entry(*level).or_default();
        chiefs.entry(*level).or_default().insert(p.patroller);
        f.patrols += 1;
        f.abnormal += u32::from(!p.flags.is_empty());
        if v.counts {
            f.counting += 1;
        } else {
            f.not_counting += 1;
            not_counting.push(NotCounting {
                patrol: p.patrol,
                patroller_name: p.patroller_name.clone(),
                level: *level,
                day: Day::of(p.started_at),
                rules_version: v.rules_version,
                reasons: v.explain(Lang::Zh),
            });
        }
    }
    for (level, set) in chiefs {
        by_level.entry(level).or_default().chiefs = set.len() as u32;
    }
    not_counting
        .sort_by(|a, b| (a.day, &a.patroller_name, a.patrol).cmp(&(b.day, &b.patroller_name, b.patrol)));

    let mut problems = ProblemFigures::default();
    for f in facts.findings.iter().filter(|f| in_year(f.reported_at)) {
        problems.add(f, now);
    }
    let mut safety = SafetyFigures::default();
    for i in facts.inspections.iter().filter(|i| in_year(i.started_at)) {
        safety.inspections += 1;
        safety.records_issued += u32::from(i.record_issued);
        safety.refusals += u32::from(i.refused);
        safety.rectification_orders += u32::from(i.rectification_order);
    }
    let mut fishing = FishingFigures::default();
    for p in facts
        .patrols
        .iter()
        .filter(|p| p.kind == PatrolKind::FishingBan && in_year(p.started_at))
    {
        fishing.patrols += 1;
        for (k, n) in &p.checks {
            *fishing.checks.entry(*k).or_default() += n;
        }
        for (k, n) in &p.letters {
            *fishing.letters.entry(*k).or_default() += n;
        }
        let t = &mut fishing.publicity;
        t.banners = t.banners.saturating_add(p.publicity.banners);
        t.signs = t.signs.saturating_add(p.publicity.signs);
        t.notices = t.notices.saturating_add(p.publicity.notices);
        t.leaflets = t.leaflets.saturating_add(p.publicity.leaflets);
        fishing.seizures += p.seizures;
        fishing.seized_items += p.seized_items;
    }
    YearReport {
        unit,
        unit_name: unit_name.to_owned(),
        year,
        river: by_level,
        not_counting,
        problems,
        safety,
        fishing,
    }
}

// ---- quotas -------------------------------------------------------------------------------

/// A river chief to hold to the quota: who, at what level, where, and the reaches they answer for.
#[derive(Clone, Debug, PartialEq)]
pub struct Chief {
    pub user: UserId,
    pub name: String,
    pub level: ChiefLevel,
    pub unit: UnitId,
    pub reaches: Vec<ReachId>,
}

/// One chief's quota over the stretch.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChiefQuota {
    pub chief: UserId,
    pub name: String,
    pub level: ChiefLevel,
    pub unit: UnitId,
    /// Each period (and reach, for a quota per reach) the rules made due.
    pub lines: Vec<crate::quota::QuotaLine>,
    pub required: u32,
    pub done: u32,
    pub counting: u32,
    pub missing: u32,
    /// Every due period met (a chief with nothing due meets the quota).
    pub met: bool,
}

/// The quota report of a unit over a stretch of days: each chief's periods, and the office's
/// rates.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotaReport {
    pub unit: UnitId,
    pub unit_name: String,
    pub first: Day,
    pub last: Day,
    pub chiefs: Vec<ChiefQuota>,
    /// 巡河率: chiefs who met their quota, of all chiefs, in percent.
    pub patrol_rate_pct: f64,
    /// The chiefs' river patrols in the stretch, counting or not.
    pub patrols: u32,
    pub counting: u32,
    pub required: u32,
    /// 河段覆盖率: the chiefs' reaches with at least one counting patrol, of all, in percent.
    pub reach_coverage_pct: f64,
    /// 异常巡河率: patrols with a plausibility flag, of all, in percent.
    pub abnormal_pct: f64,
}

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The quota report: `patrols` are the facts of the unit's river patrols over the stretch (and,
/// for the cooldown, any before it the caller has), `rules_at` the level rules in force for a
/// unit at an instant.
pub fn quota_report<'r>(
    unit: UnitId,
    unit_name: &str,
    first: Day,
    last: Day,
    chiefs: &[Chief],
    patrols: &[PatrolFact],
    rules_for: impl Fn(UnitId, UnixMs) -> Option<&'r PatrolRules>,
) -> QuotaReport {
    let level_of: BTreeMap<UserId, ChiefLevel> = chiefs.iter().map(|c| (c.user, c.level)).collect();
    let river: Vec<&PatrolFact> = patrols
        .iter()
        .filter(|p| p.kind == PatrolKind::River && level_of.contains_key(&p.patroller))
        .collect();
    let judged: Vec<PatrolFacts> = river
        .iter()
        .map(|p| p.judged_as(level_of[&p.patroller]))
        .collect();
    let units: BTreeMap<PatrolId, UnitId> = river.iter().map(|p| (p.patrol, p.unit)).collect();
    let verdicts = judge_all(&judged, |f| rules_for(units[&f.patrol], f.started_at));
    let in_stretch = |t: UnixMs| {
        let d = Day::of(t);
        first <= d && d <= last
    };
    let pairs: Vec<(&PatrolFacts, &Verdict)> = judged.iter().zip(&verdicts).collect();
    let mut out = Vec::new();
    let mut covered: BTreeSet<ReachId> = BTreeSet::new();
    let mut all_reaches: BTreeSet<ReachId> = BTreeSet::new();
    let (mut done, mut counting, mut abnormal) = (0u32, 0u32, 0usize);
    for c in chiefs {
        let mine: Vec<(&PatrolFacts, &Verdict)> = pairs
            .iter()
            .copied()
            .filter(|(f, _)| f.chief == c.user && in_stretch(f.started_at))
            .collect();
        let lines = crate::quota::quota_lines(
            c.user,
            &c.reaches,
            first,
            last,
            |t| rules_for(c.unit, t).and_then(|r| r.level(c.level)),
            &mine,
        );
        all_reaches.extend(c.reaches.iter().copied());
        covered.extend(mine.iter().filter(|(_, v)| v.counts).filter_map(|(f, _)| f.reach));
        let chief_done = mine.len() as u32;
        let chief_counting = mine.iter().filter(|(_, v)| v.counts).count() as u32;
        done += chief_done;
        counting += chief_counting;
        abnormal += mine.iter().filter(|(f, _)| !f.flags.is_empty()).count();
        out.push(ChiefQuota {
            chief: c.user,
            name: c.name.clone(),
            level: c.level,
            unit: c.unit,
            required: lines.iter().map(|l| l.due).sum(),
            done: chief_done,
            counting: chief_counting,
            missing: lines.iter().map(|l| l.missing).sum(),
            met: lines.iter().all(|l| l.met()),
            lines,
        });
    }
    let met = out.iter().filter(|c| c.met).count();
    QuotaReport {
        unit,
        unit_name: unit_name.to_owned(),
        first,
        last,
        patrol_rate_pct: pct(met, out.len()),
        patrols: done,
        counting,
        required: out.iter().map(|c| c.required).sum(),
        reach_coverage_pct: pct(covered.intersection(&all_reaches).count(), all_reaches.len()),
        abnormal_pct: pct(abnormal, done as usize),
        chiefs: out,
    }
}

// ---- problems ------------------------------------------------------------------------------

/// The problems of one unit, category and period.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemLine {
    pub unit: UnitId,
    pub unit_name: String,
    /// The category's code and its name.
    pub category: String,
    pub category_zh: String,
    pub period: crate::calendar::Span,
    pub figures: ProblemFigures,
}

/// Problems by unit, category and period (督办 and 办结率 with them).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemsReport {
    pub unit: UnitId,
    pub unit_name: String,
    pub first: Day,
    pub last: Day,
    pub every: crate::calendar::Period,
    /// By unit name, category and period.
    pub lines: Vec<ProblemLine>,
    pub total: ProblemFigures,
}

/// The problems report: `findings` are the facts of the problems reported in `first..=last`
/// in the unit and those below; `unit_names` names them.
pub fn problems_report(
    unit: &crate::people::Unit,
    first: Day,
    last: Day,
    every: crate::calendar::Period,
    unit_names: &BTreeMap<UnitId, String>,
    findings: &[FindingFact],
    now: UnixMs,
) -> ProblemsReport {
    let mut groups: BTreeMap<(String, String, crate::calendar::Span, UnitId), ProblemFigures> =
        BTreeMap::new();
    let mut total = ProblemFigures::default();
    for f in findings {
        let day = Day::of(f.reported_at);
        if day < first || day > last {
            continue;
        }
        let name = unit_names.get(&f.unit).cloned().unwrap_or_default();
        groups
            .entry((name, f.category.clone(), every.containing(day), f.unit))
            .or_default()
            .add(f, now);
        total.add(f, now);
    }
    let lines = groups
        .into_iter()
        .map(|((unit_name, category, period, unit), figures)| ProblemLine {
            unit,
            unit_name,
            category_zh: crate::catalogue::category(&category)
                .map_or_else(|| category.clone(), |c| c.name_zh.to_owned()),
            category,
            period,
            figures,
        })
        .collect();
    ProblemsReport {
        unit: unit.id,
        unit_name: unit.name.clone(),
        first,
        last,
        every,
        lines,
        total,
    }
}
