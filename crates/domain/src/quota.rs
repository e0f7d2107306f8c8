//! Quota periods: for one chief over a stretch of days, each calendar period the rules make due
//! (per reach or per chief), with how many patrols were due, done and counting, and how many
//! are missing. Calendar periods are China's (`calendar`); a period belongs to the stretch its
//! first day falls in, so consecutive stretches (one year, the next) never count a period twice.

use crate::calendar::{Day, Span};
use crate::id::{ReachId, UserId};
use crate::judge::{PatrolFacts, Verdict};
use crate::rules::{LevelRules, QuotaScope};
use crate::time::UnixMs;
use serde::{Deserialize, Serialize};

/// One chief's quota in one period, for one reach or for all the chief's reaches.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaLine {
    pub chief: UserId,
    /// The reach, for a quota per reach.
    pub reach: Option<ReachId>,
    pub span: Span,
    pub due: u32,
    /// Patrols made in the period (counting or not).
    pub done: u32,
    /// Of those, the ones that count.
    pub counting: u32,
    /// `due - counting`, never below 0.
    pub missing: u32,
}

impl QuotaLine {
    pub fn met(&self) -> bool {
        self.missing == 0
    }
}

/// The quota lines of one chief from `first` to `last` (days, both included). `rules_at` gives
/// the chief's level rules in force at an instant (`None`: no rules, nothing due); each period
/// is due under the rules in force at its start. `reaches` are the chief's reaches (a quota
/// per reach makes a line for each). `judged` are the chief's patrols with their verdicts.
pub fn quota_lines<'r>(
    chief: UserId,
    reaches: &[ReachId],
    first: Day,
    last: Day,
    rules_at: impl Fn(UnixMs) -> Option<&'r LevelRules>,
    judged: &[(&PatrolFacts, &Verdict)],
) -> Vec<QuotaLine> {
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let Some((rules, quota)) = rules_at(day.start()).and_then(|r| r.quota.map(|q| (r, q))) else {
            day = day.plus_days(1);
            continue;
        };
        let span = quota.every.containing(day);
        if span.first < day {
            // The period began before the stretch, or under other rules with other periods:
            // it is not this stretch's to count; the next one is.
            day = span.last.plus_days(1);
            continue;
        }
        day = span.last.plus_days(1);
        if rules.season.is_some_and(|s| !s.overlaps(&span)) {
            continue;
        }
        let mine = judged
            .iter()
            .filter(|(f, _)| f.chief == chief && span.contains(f.started_at));
        let lines: Vec<Option<ReachId>> = match quota.per {
            QuotaScope::Chief => vec![None],
            QuotaScope::Reach => reaches.iter().copied().map(Some).collect(),
        };
        for reach in lines {
            let (done, counting) = mine
                .clone()
                .filter(|(f, _)| reach.is_none() || f.reach == reach)
                .fold((0u32, 0u32), |(d, c), (_, v)| (d + 1, c + u32::from(v.counts)));
            out.push(QuotaLine {
                chief,
                reach,
                span,
                due: quota.times,
                done,
                counting,
                missing: quota.times.saturating_sub(counting),
            });
        }
    }
    out
}
