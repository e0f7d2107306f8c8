//! Patrol rules: the judge, China's calendar and the quota periods, as properties over many
//! generated patrols and instants, checked against an independent calendar (chrono) and against
//! the rules read literally.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, FixedOffset, TimeZone};
use proptest::prelude::*;
use xuncha_domain::calendar::{Day, Period, Season, Span};
use xuncha_domain::geo::FlagCode;
use xuncha_domain::judge::{PatrolFacts, PatrolMethod, Shortfall, Verdict, disqualifies, judge, judge_all};
use xuncha_domain::people::ChiefLevel;
use xuncha_domain::quota::quota_lines;
use xuncha_domain::rules::{LevelRules, PatrolRules, Quota, QuotaScope, RuleBook, demo_rules};
use xuncha_domain::{Lang, PatrolId, ReachId, RulesId, Say, UnitId, UnixMs, UserId};

/// 2000-01-01 to 2100-01-01.
const SPAN_MS: std::ops::Range<i64> = 946_684_800_000..4_102_444_800_000;

fn shanghai(t: UnixMs) -> chrono::NaiveDate {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    offset.timestamp_millis_opt(t.0).unwrap().date_naive()
}

fn period() -> impl Strategy<Value = Period> {
    prop::sample::select(Period::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_day_is_the_day_in_shanghai(ms in SPAN_MS) {
        let t = UnixMs(ms);
        let day = Day::of(t);
        let theirs = shanghai(t);
        prop_assert_eq!(
            (day.year, u32::from(day.month), u32::from(day.day)),
            (theirs.year(), theirs.month(), theirs.day())
        );
        prop_assert_eq!(u32::from(day.weekday()), theirs.weekday().number_from_monday());
        prop_assert!(day.start() <= t && t < day.plus_days(1).start());
        prop_assert_eq!(Day::from_days(day.days()), day);
    }

    #[test]
    fn periods_tile_the_calendar(ms in SPAN_MS, p in period()) {
        let day = Day::of(UnixMs(ms));
        let span = p.containing(day);
        prop_assert!(span.first <= day && day <= span.last);
        // The next period starts the day after, and they are the same kind on the calendar.
        let next = span.next();
        prop_assert_eq!(next.first, span.last.plus_days(1));
        prop_assert_eq!(p.containing(span.first), span);
        prop_assert_eq!(p.containing(span.last), span);
        match p {
            Period::Week => {
                prop_assert_eq!(span.first.weekday(), 1);
                prop_assert_eq!(span.last.days() - span.first.days(), 6);
            }
            Period::TenDays => prop_assert!([1, 11, 21].contains(&span.first.day)),
            Period::Month => prop_assert_eq!((span.first.day, span.last.plus_days(1).day), (1, 1)),
            Period::Quarter => {
                prop_assert!([1, 4, 7, 10].contains(&span.first.month) && span.first.day == 1);
                prop_assert_eq!(span.last.plus_days(1).month, (span.first.month + 2) % 12 + 1);
            }
            Period::Year => prop_assert_eq!((span.first.month, span.first.day, span.last.month, span.last.day), (1, 1, 12, 31)),
        }
    }

    #[test]
    fn a_period_holds_exactly_the_instants_of_its_days_in_china(ms in SPAN_MS, p in period()) {
        let t = UnixMs(ms);
        let span = p.containing(Day::of(t));
        prop_assert!(span.contains(t));
        prop_assert!(span.contains(span.start()));
        prop_assert!(!span.contains(span.start().plus_ms(-1)));
        prop_assert!(!span.contains(span.end()));
        // Midnight in China is 16:00 UTC the day before.
        prop_assert_eq!(span.start().0.rem_euclid(UnixMs::DAY), 16 * UnixMs::HOUR);
    }

    #[test]
    fn a_season_holds_a_period_when_one_of_its_days_is(ms in SPAN_MS, p in period(), from in 1u8..=12, to in 1u8..=12) {
        let season = Season { from_month: from, to_month: to };
        let span = p.containing(Day::of(UnixMs(ms)));
        let mut day = span.first;
        let mut any = false;
        while day <= span.last {
            any |= season.holds(day.start());
            day = day.plus_days(1);
        }
        prop_assert_eq!(season.overlaps(&span), any);
    }
}

// ---- the judge ------------------------------------------------------------------------------

fn rules(min_duration_min: u32, min_length_m: u32, min_coverage_pct: u8, cooldown_h: u32) -> LevelRules {
    LevelRules {
        level: ChiefLevel::Brigade,
        min_duration_min,
        min_length_m,
        min_coverage_pct,
        quota: None,
        season: None,
        cooldown_h,
        delegates_count: false,
        drone_counts: false,
        meetings_count: false,
    }
}

fn facts(chief: UserId, started_at: UnixMs, duration_s: f64, length_m: f64) -> PatrolFacts {
    PatrolFacts {
        patrol: PatrolId::new(),
        chief,
        level: ChiefLevel::Brigade,
        reach: None,
        started_at,
        ended: true,
        duration_s,
        length_m,
        coverage: None,
        flags: Vec::new(),
        method: PatrolMethod::OnSite,
        delegate: false,
        self_initiated: true,
    }
}

fn flag() -> impl Strategy<Value = FlagCode> {
    prop::sample::select(FlagCode::ALL.to_vec())
}

fn method() -> impl Strategy<Value = PatrolMethod> {
    prop::sample::select(vec![
        PatrolMethod::OnSite,
        PatrolMethod::Drone,
        PatrolMethod::Meeting,
    ])
}

prop_compose! {
    fn any_facts()(
        duration_s in 0.0f64..20_000.0,
        length_m in 0.0f64..20_000.0,
        coverage in prop::option::of(0.0f64..=1.0),
        flags in prop::collection::vec(flag(), 0..3),
        method in method(),
        delegate in any::<bool>(),
        ended in any::<bool>(),
    ) -> PatrolFacts {
        PatrolFacts { coverage, flags, method, delegate, ended, ..facts(UserId::new(), UnixMs(1_600_000_000_000), duration_s, length_m) }
    }
}

prop_compose! {
    fn any_rules()(
        d in 0u32..300, l in 0u32..10_000, c in 0u8..=100,
        delegates in any::<bool>(), drones in any::<bool>(), meetings in any::<bool>(),
    ) -> LevelRules {
        LevelRules { delegates_count: delegates, drone_counts: drones, meetings_count: meetings, ..rules(d, l, c, 0) }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Every rule is read literally, and each one that is not met gives its reason.
    #[test]
    fn a_patrol_fails_exactly_the_rules_it_does_not_meet(f in any_facts(), r in any_rules()) {
        let reasons = judge(&r, &f, None);
        let has = |pred: &dyn Fn(&Shortfall) -> bool| reasons.iter().any(pred);
        let on_track = f.method != PatrolMethod::Meeting;
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::NotEnded)), !f.ended);
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Duration { .. })), f.duration_s < f64::from(r.min_duration_min) * 60.0);
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Length { .. })), on_track && f.length_m < f64::from(r.min_length_m));
        let coverage_short = on_track && r.min_coverage_pct > 0 && f.coverage.is_none_or(|c| c * 100.0 < f64::from(r.min_coverage_pct));
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Coverage { .. } | Shortfall::NoReach)), coverage_short);
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Flagged { .. })), f.flags.iter().any(|x| disqualifies(*x)));
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Delegate)), f.delegate && !r.delegates_count);
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Drone)), f.method == PatrolMethod::Drone && !r.drone_counts);
        prop_assert_eq!(has(&|s| matches!(s, Shortfall::Meeting)), f.method == PatrolMethod::Meeting && !r.meetings_count);
        // The words agree with the figures: a shortfall never claims the patrol met the rule.
        for s in &reasons {
            match *s {
                Shortfall::Duration { minutes, required } => prop_assert!(minutes < required),
                Shortfall::Length { metres, required } => prop_assert!(metres < required),
                Shortfall::Coverage { percent, required } => prop_assert!(percent < u32::from(required)),
                _ => {}
            }
            prop_assert!(!s.say(Lang::Zh).is_empty() && !s.say(Lang::En).is_empty());
        }
    }

    /// Doing more never stops a patrol from counting.
    #[test]
    fn a_longer_patrol_counts_whenever_a_shorter_one_does(f in any_facts(), r in any_rules(), more_s in 0.0f64..5_000.0, more_m in 0.0f64..5_000.0) {
        let longer = PatrolFacts { duration_s: f.duration_s + more_s, length_m: f.length_m + more_m, ..f.clone() };
        if judge(&r, &f, None).is_empty() {
            prop_assert!(judge(&r, &longer, None).is_empty());
        }
    }

    /// Over a chief's patrols in any order, counting self-initiated patrols are never closer than
    /// the cooldown, and a patrol refused only for the cooldown follows a counting one within it.
    #[test]
    fn the_cooldown_keeps_counting_patrols_apart(
        starts in prop::collection::vec(0i64..(60 * 24), 1..25),
        short in prop::collection::vec(any::<bool>(), 25),
        cooldown_h in 1u32..200,
    ) {
        let chief = UserId::new();
        let base = UnixMs(1_600_000_000_000);
        let patrols: Vec<PatrolFacts> = starts
            .iter()
            .zip(&short)
            .map(|(h, s)| facts(chief, base.plus_ms(h * UnixMs::HOUR), if *s { 600.0 } else { 3_600.0 }, 3_000.0))
            .collect();
        let mut book = demo_rules(RulesId::new(), UnitId::new(), base);
        book.levels = vec![rules(30, 1_000, 0, cooldown_h)];
        let verdicts = judge_all(&patrols, |_| Some(&book));
        // The same answer whatever order the patrols come in.
        let mut reversed = patrols.clone();
        reversed.reverse();
        let mut again = judge_all(&reversed, |_| Some(&book));
        again.reverse();
        prop_assert_eq!(&verdicts, &again);

        let mut counting: Vec<UnixMs> = patrols.iter().zip(&verdicts).filter(|(_, v)| v.counts).map(|(p, _)| p.started_at).collect();
        counting.sort();
        for w in counting.windows(2) {
            prop_assert!(w[1].0 - w[0].0 >= i64::from(cooldown_h) * UnixMs::HOUR);
        }
        for (p, v) in patrols.iter().zip(&verdicts) {
            if v.reasons == vec![Shortfall::TooSoon { hours: 0, required: cooldown_h }] || matches!(v.reasons.as_slice(), [Shortfall::TooSoon { .. }]) {
                prop_assert!(counting.iter().any(|c| *c <= p.started_at && p.started_at.0 - c.0 < i64::from(cooldown_h) * UnixMs::HOUR));
            }
        }
    }
}

#[test]
fn the_reasons_read_as_the_office_says_them() {
    let f = facts(UserId::new(), UnixMs(1_600_000_000_000), 12.5 * 60.0, 800.0);
    let r = rules(30, 2_000, 0, 0);
    let v = Verdict {
        counts: false,
        rules_version: Some(1),
        reasons: judge(&r, &f, None),
    };
    assert_eq!(
        v.explain(Lang::Zh),
        "用时 12 分钟，少于规定的 30 分钟；巡查距离 800 米，少于规定的 2 公里"
    );
    assert_eq!(
        v.explain(Lang::En),
        "took 12 min, less than the 30 min required; covered 800 m, less than the 2000 m required"
    );
    let mocked = PatrolFacts {
        flags: vec![FlagCode::MockLocation, FlagCode::SpeedAboveMode],
        ..facts(UserId::new(), UnixMs(1_600_000_000_000), 3_600.0, 5_000.0)
    };
    let reasons = judge(&r, &mocked, None);
    assert_eq!(
        reasons,
        vec![Shortfall::Flagged {
            flag: FlagCode::MockLocation
        }]
    );
    assert_eq!(reasons[0].say(Lang::Zh), "轨迹异常：使用了模拟定位");
}

#[test]
fn each_patrol_is_judged_by_the_rules_in_force_when_it_was_made() {
    let unit = UnitId::new();
    let id = RulesId::new();
    let v1 = PatrolRules {
        levels: vec![rules(30, 0, 0, 0)],
        ..demo_rules(id, unit, UnixMs(1_577_808_000_000)) // 2020-01-01 in China
    };
    let v2 = PatrolRules {
        version: 2,
        effective_from: UnixMs(1_593_532_800_000), // 2020-07-01 in China
        levels: vec![rules(10, 0, 0, 0)],
        ..v1.clone()
    };
    let book = RuleBook {
        id,
        unit,
        versions: vec![v1, v2],
    };
    let chief = UserId::new();
    // Twenty minutes, in June and in July.
    let june = facts(chief, UnixMs(1_592_000_000_000), 1_200.0, 0.0);
    let july = facts(chief, UnixMs(1_594_000_000_000), 1_200.0, 0.0);
    let v = judge_all(&[june, july], |p| book.in_force(p.started_at));
    assert_eq!((v[0].counts, v[0].rules_version), (false, Some(1)));
    assert_eq!((v[1].counts, v[1].rules_version), (true, Some(2)));
    // Before any rules: nothing to judge by, so it counts.
    let early = facts(chief, UnixMs(1_500_000_000_000), 60.0, 0.0);
    let v = judge_all(&[early], |p| book.in_force(p.started_at));
    assert_eq!((v[0].counts, v[0].rules_version), (true, None));
}

// ---- quotas -------------------------------------------------------------------------------

fn quota_rules(times: u32, every: Period, per: QuotaScope, season: Option<Season>) -> LevelRules {
    LevelRules {
        quota: Some(Quota { times, every, per }),
        season,
        ..rules(0, 0, 0, 0)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn quota_periods_are_the_calendar_periods_of_the_stretch_in_season(
        p in period(),
        times in 1u32..4,
        year in 2001i32..2099,
        season in prop::option::of((1u8..=12, 1u8..=12)),
        hours in prop::collection::vec(0i64..(366 * 24), 0..60),
        counts in prop::collection::vec(any::<bool>(), 60),
    ) {
        let season = season.map(|(from_month, to_month)| Season { from_month, to_month });
        let r = quota_rules(times, p, QuotaScope::Chief, season);
        let chief = UserId::new();
        let first = Day::new(year, 1, 1).unwrap();
        let last = Day::new(year, 12, 31).unwrap();
        let patrols: Vec<PatrolFacts> = hours.iter().map(|h| facts(chief, first.start().plus_ms(h * UnixMs::HOUR), 0.0, 0.0)).collect();
        let verdicts: Vec<Verdict> = counts.iter().take(patrols.len()).map(|c| Verdict { counts: *c, rules_version: Some(1), reasons: vec![] }).collect();
        let judged: Vec<(&PatrolFacts, &Verdict)> = patrols.iter().zip(&verdicts).collect();
        let lines = quota_lines(chief, &[], first, last, |_| Some(&r), &judged);

        let expected: Vec<Span> = p
            .spans(first, last)
            .into_iter()
            .filter(|s| s.first >= first && season.is_none_or(|z| z.overlaps(s)))
            .collect();
        prop_assert_eq!(lines.iter().map(|l| l.span).collect::<Vec<_>>(), expected);
        for l in &lines {
            let inside: Vec<_> = judged.iter().filter(|(f, _)| Day::of(f.started_at) >= l.span.first && Day::of(f.started_at) <= l.span.last).collect();
            prop_assert_eq!(l.done as usize, inside.len());
            prop_assert_eq!(l.counting as usize, inside.iter().filter(|(_, v)| v.counts).count());
            prop_assert_eq!(l.missing, times.saturating_sub(l.counting));
            prop_assert_eq!(l.due, times);
        }
    }
}

#[test]
fn a_patrol_at_dawn_on_the_first_of_the_month_counts_for_that_month_in_china() {
    let r = quota_rules(1, Period::Month, QuotaScope::Chief, None);
    let chief = UserId::new();
    // 2020-02-29T23:30Z is 07:30 on 1 March in Shanghai.
    let dawn = facts(chief, UnixMs(1_583_019_000_000), 3_600.0, 3_000.0);
    let v = Verdict {
        counts: true,
        rules_version: Some(1),
        reasons: vec![],
    };
    let lines = quota_lines(
        chief,
        &[],
        Day::new(2020, 2, 1).unwrap(),
        Day::new(2020, 3, 31).unwrap(),
        |_| Some(&r),
        &[(&dawn, &v)],
    );
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0].span.first.month, lines[0].done, lines[0].missing),
        (2, 0, 1)
    );
    assert_eq!(
        (lines[1].span.first.month, lines[1].done, lines[1].missing),
        (3, 1, 0)
    );
}

#[test]
fn a_quota_per_reach_counts_each_reach_apart() {
    let r = quota_rules(2, Period::Month, QuotaScope::Reach, None);
    let chief = UserId::new();
    let (a, b) = (ReachId::new(), ReachId::new());
    let at = |reach, ms| PatrolFacts {
        reach: Some(reach),
        ..facts(chief, UnixMs(ms), 3_600.0, 3_000.0)
    };
    let patrols = [
        at(a, 1_583_100_000_000),
        at(a, 1_583_200_000_000),
        at(b, 1_583_300_000_000),
    ];
    let v = Verdict {
        counts: true,
        rules_version: Some(1),
        reasons: vec![],
    };
    let judged: Vec<_> = patrols.iter().map(|p| (p, &v)).collect();
    let march = Day::new(2020, 3, 1).unwrap();
    let lines = quota_lines(
        chief,
        &[a, b],
        march,
        Day::new(2020, 3, 31).unwrap(),
        |_| Some(&r),
        &judged,
    );
    let by_reach: Vec<_> = lines.iter().map(|l| (l.reach, l.counting, l.missing)).collect();
    assert_eq!(by_reach, vec![(Some(a), 2, 0), (Some(b), 1, 1)]);
}

#[test]
fn rules_are_checked_before_they_are_published() {
    let mut r = demo_rules(RulesId::new(), UnitId::new(), UnixMs(1_577_808_000_000));
    assert_eq!(r.check(), Ok(()));
    r.levels[0].min_coverage_pct = 101;
    let e = r.check().unwrap_err();
    assert_eq!(e.field, "levels[0].min_coverage_pct");
    assert_eq!(e.say(Lang::Zh), "第 1 个级别规则的最低河段覆盖率超过上限 100");
    r.levels[0].min_coverage_pct = 0;
    r.levels[1].level = r.levels[0].level;
    assert_eq!(r.check().unwrap_err().field, "levels[1]");
}
