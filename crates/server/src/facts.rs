//! Over 500 lines: record facts kept and backfilled, and the three reports with their queries and routes.
//! The office's figures: each record's facts (`xuncha_domain::figures`), written beside its
//! state by every fold, and the reports made from them. A patrol's track figures are worked
//! out once it has ended (an open patrol cannot count yet, so its figures wait), from its
//! applied events' fixes, cleaned for walking as the office's record view does by default.

use crate::db::{FactRow, Storage};
use crate::error::Error;
use crate::fold::{parse_event, parse_state};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use xuncha_domain::calendar::Day;
use xuncha_domain::figures::{
    Chief, FindingFact, InspectionFact, PatrolFact, ProblemsReport, QuotaReport, YearFacts, YearReport,
    problems_report, quota_report, year_report,
};
use xuncha_domain::geo::FlagCode;
use xuncha_domain::geo::clean::{CleaningRules, TravelMode, clean_track};
use xuncha_domain::geo::coverage::{CoverageRules, ReachIndex};
use xuncha_domain::geo::plausibility::{FlagScope, PhotoFix, PlausibilityRules, check_plausibility};
use xuncha_domain::geo::stats::track_stats;
use xuncha_domain::judge::{Judgement, judge};
use xuncha_domain::payload::{AggregateKind, AggregateRef, PatrolKind, Payload};
use xuncha_domain::people::{Role, Unit};
use xuncha_domain::reference::SiteKind;
use xuncha_domain::rules::{MAX_COOLDOWN_H, PatrolRules, RuleBook};
use xuncha_domain::state::{AggregateState, FindingState, InspectionState, PatrolState};
use xuncha_domain::{Event, SiteId, TrackPoint, UnitId, UnixMs};

/// The most records one backfill pass reads.
const BACKFILL_BATCH: u32 = 500;

fn json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("fact json: {e}")))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, Error> {
    serde_json::from_str(s).map_err(|e| Error::Internal(format!("fact json in the database: {e}")))
}

/// Whether folds write facts; on unless a benchmark turned it off.
static ENABLED: AtomicBool = AtomicBool::new(true);

/// For the figures benchmark only: turns the facts `refresh` writes off (or back on) for the
/// whole process, so that ingest can be timed with and without them. A server never calls it:
/// with facts off, the reports miss every record folded meanwhile.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Writes the facts of the record whose state was just saved; reference data has none.
pub fn refresh(
    s: &mut dyn Storage,
    aggregate: AggregateRef,
    state: &AggregateState,
    unit: Option<UnitId>,
) -> Result<(), Error> {
    if !ENABLED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let (record_ms, fact) = match state {
        AggregateState::Patrol(p) => (p.started_at, json(&patrol_fact(s, aggregate, p)?)?),
        AggregateState::Inspection(i) => (i.started_at, json(&inspection_fact(s, i)?)?),
        AggregateState::Finding(f) => (f.reported_at, json(&finding_fact(f, unit))?),
        _ => return Ok(()),
    };
    s.fact_put(&FactRow {
        aggregate,
        unit,
        record_ms: record_ms.0,
        fact,
    })
}

/// Where a backfill has got to: the last record it read (kind name, id).
pub type BackfillCursor = Option<(String, String)>;

/// Gives up to a batch of records after `cursor` that have no facts yet (made before facts were
/// kept, or after `clear`) their facts; the server runs it at start-up, a transaction a batch,
/// until the cursor comes back `None`. A record whose state cannot be read is logged and left
/// without facts: the figures miss it, but the server still starts and nothing is lost.
pub fn backfill_batch(
    s: &mut dyn Storage,
    cursor: &BackfillCursor,
) -> Result<(usize, BackfillCursor), Error> {
    let after = cursor
        .as_ref()
        .map_or(("", ""), |(k, i)| (k.as_str(), i.as_str()));
    let rows = s.aggregates_without_facts(after, BACKFILL_BATCH)?;
    let mut made = 0;
    for (kind, id, unit, state) in &rows {
        match refresh_raw(s, kind, id, unit.as_deref(), state) {
            Ok(()) => made += 1,
            Err(Error::Internal(why)) => tracing::warn!(kind, id, %why, "record without facts"),
            Err(e) => return Err(e),
        }
    }
    let next = rows.last().map(|(kind, id, _, _)| (kind.clone(), id.clone()));
    Ok((made, next))
}

/// Backfills every record without facts, a batch per transaction. Returns how many were made.
pub async fn backfill(db: &crate::db::Database) -> Result<usize, Error> {
    let mut cursor: BackfillCursor = None;
    let mut made = 0;
    loop {
        let at = cursor.clone();
        let (n, next) = db.write(move |s| backfill_batch(s, &at)).await?;
        made += n;
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(made),
        }
    }
}

/// Forgets every fact, so that the next start-up (or `backfill_batch` until 0) makes them
/// again from the read model — the check that facts kept by the fold equal rebuilt ones.
pub fn clear(s: &mut dyn Storage) -> Result<(), Error> {
    s.facts_clear()
}

fn refresh_raw(
    s: &mut dyn Storage,
    kind: &str,
    id: &str,
    unit: Option<&str>,
    state: &str,
) -> Result<(), Error> {
    let bad = |what: &str| Error::Internal(format!("malformed {what} in the database"));
    let aggregate = AggregateRef {
        kind: kind.parse().map_err(|_| bad("kind"))?,
        id: id.parse().map_err(|_| bad("id"))?,
    };
    let unit = unit.map(|u| u.parse().map_err(|_| bad("unit"))).transpose()?;
    refresh(s, aggregate, &parse_state(state)?, unit)
}

fn site_kind(s: &mut dyn Storage, site: SiteId) -> Result<Option<SiteKind>, Error> {
    let row = s.aggregate_get(AggregateRef {
        kind: AggregateKind::Site,
        id: site.0,
    })?;
    Ok(match row.map(|r| parse_state(&r.state)).transpose()? {
        Some(AggregateState::Site(site)) => Some(site.kind),
        _ => None,
    })
}

fn patrol_fact(s: &mut dyn Storage, aggregate: AggregateRef, p: &PatrolState) -> Result<PatrolFact, Error> {
    let user = s.user_by_id(p.patroller)?.map(|r| r.user);
    let level = user.as_ref().and_then(|u| {
        u.roles.iter().find_map(|r| match r {
            Role::RiverChief { level } => Some(*level),
            _ => None,
        })
    });
    let mut fact = PatrolFact {
        patrol: p.id,
        kind: p.kind,
        unit: p.unit,
        patroller: p.patroller,
        patroller_name: user.map(|u| u.name).unwrap_or_default(),
        level,
        reach: p.reach,
        started_at: p.started_at,
        ended_at: p.ended_at,
        duration_s: 0.0,
        length_m: 0.0,
        coverage: None,
        flags: Vec::new(),
        checks: BTreeMap::new(),
        letters: BTreeMap::new(),
        publicity: p.publicity.clone(),
        seizures: p.seizures.len() as u32,
        seized_items: p.seizures.iter().map(|g| u64::from(g.quantity)).sum(),
    };
    for c in &p.business_checks {
        if let Some(kind) = site_kind(s, c.site)? {
            *fact.checks.entry(kind).or_default() += 1;
        }
    }
    for l in &p.letters {
        if let Some(kind) = site_kind(s, l.site)? {
            *fact.letters.entry(kind).or_default() += 1;
        }
    }
    if p.ended_at.is_none() {
        return Ok(fact);
    }
    let points = applied_track(s, aggregate)?;
    let mode = TravelMode::Walking;
    let cleaned = clean_track(&points, &CleaningRules::for_mode(mode));
    let stats = track_stats(&cleaned.points);
    fact.duration_s = stats.duration_s;
    fact.length_m = stats.length_m;
    if let Some(reach) = p.reach {
        let row = s.aggregate_get(AggregateRef {
            kind: AggregateKind::Reach,
            id: reach.0,
        })?;
        if let Some(AggregateState::Reach(r)) = row.map(|r| parse_state(&r.state)).transpose()? {
            fact.coverage = ReachIndex::new(&r.line, 10.0).ok().map(|index| {
                index
                    .coverage(&cleaned.points, &CoverageRules::default())
                    .fraction
            });
        }
    }
    let photos: Vec<PhotoFix> = p.photos.iter().filter_map(PhotoFix::for_track).collect();
    let mut flags: Vec<_> = check_plausibility(&points, &photos, &PlausibilityRules::for_mode(mode))
        .into_iter()
        .filter(|f| !matches!(f.scope, FlagScope::Point { .. }))
        .map(|f| f.code)
        .collect();
    flags.sort_unstable();
    flags.dedup();
    fact.flags = flags;
    Ok(fact)
}

/// A patrol's track as folded: the points of its applied events (none flagged), in event order.
pub fn applied_track(s: &mut dyn Storage, patrol: AggregateRef) -> Result<Vec<TrackPoint>, Error> {
    let mut events: Vec<Event> = Vec::new();
    for (body, flag) in s.aggregate_events(patrol)? {
        if flag.is_none() {
            events.push(parse_event(&body)?);
        }
    }
    events.sort_by_key(|e| e.order_key());
    Ok(events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::TrackPointsAppended(t) => Some(t.points.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect())
}

fn inspection_fact(s: &mut dyn Storage, i: &InspectionState) -> Result<InspectionFact, Error> {
    let record = i.record.as_ref();
    Ok(InspectionFact {
        inspection: i.id,
        unit: i.unit,
        site_kind: site_kind(s, i.site)?,
        started_at: i.started_at,
        closed: i.closed_at.is_some(),
        record_issued: record.is_some(),
        rectification_order: record.is_some_and(|r| r.rectification_deadline.is_some()),
        rectification_deadline: record.and_then(|r| r.rectification_deadline),
        refused: record.is_some_and(|r| r.refusal.is_some()),
    })
}

fn finding_fact(f: &FindingState, unit: Option<UnitId>) -> FindingFact {
    FindingFact {
        finding: f.id,
        unit: unit.unwrap_or_default(),
        kind: f.kind,
        category: f.category.clone(),
        severity: f.severity,
        status: f.status,
        reported_at: f.reported_at,
        deadline: f.assignment.as_ref().map(|a| a.deadline),
        rectified_at: f.rectification.as_ref().map(|r| r.rectified_at),
        verified_at: f.verified_at,
        reopen_count: f.reopen_count,
    }
}

/// The rule books on file, by unit.
pub fn rule_books(s: &mut dyn Storage, units: &[Unit]) -> Result<BTreeMap<UnitId, RuleBook>, Error> {
    let all: Vec<UnitId> = units.iter().map(|u| u.id).collect();
    let mut out = BTreeMap::new();
    for row in s.aggregates_of_units(AggregateKind::Rules, &all, u32::MAX)? {
        if let AggregateState::Rules(book) = parse_state(&row.state)? {
            out.insert(book.unit, book);
        }
    }
    Ok(out)
}

/// The rules in force at `t` for a record of `unit`: those of the nearest unit at or above it
/// that has rules.
pub fn rules_at<'b>(
    books: &'b BTreeMap<UnitId, RuleBook>,
    units: &[Unit],
    unit: UnitId,
    t: UnixMs,
) -> Option<&'b PatrolRules> {
    crate::scope::above(units, unit)
        .into_iter()
        .find_map(|u| books.get(&u))
        .and_then(|b| b.in_force(t))
}

/// How a patrol stands, as the office's lists show it beside its state (from its facts).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatrolStanding {
    /// Whether it counts under the rules in force at its start, with the reasons (judged
    /// alone: the cooldown between patrols is the quota report's). `None` unless it is a river
    /// chief's river patrol under some unit's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judgement: Option<Judgement>,
    /// Its own flags (track and photos), once it has ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flag_codes: Vec<FlagCode>,
    /// Its cleaned track's length and time once it has ended, and its reach's coverage (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
}

/// How the patrols among `ids` stand: for each that has facts, its judgement under the rules
/// in force at its start (a river chief's river patrol, when its unit or one above has rules;
/// judged alone, without the cooldown the quota report applies) and its flags.
pub fn judgements(
    s: &mut dyn Storage,
    units: &[Unit],
    ids: &[uuid::Uuid],
) -> Result<BTreeMap<uuid::Uuid, PatrolStanding>, Error> {
    let facts = s.facts_of(AggregateKind::Patrol, ids)?;
    if facts.is_empty() {
        return Ok(BTreeMap::new());
    }
    let books = rule_books(s, units)?;
    let mut out = BTreeMap::new();
    for (id, fact) in facts {
        let id: uuid::Uuid = id
            .parse()
            .map_err(|_| Error::Internal("malformed id in the database".into()))?;
        let f: PatrolFact = parse(&fact)?;
        let ended = f.ended_at.is_some();
        out.insert(
            id,
            PatrolStanding {
                judgement: judge_alone(&books, units, &f),
                length_m: ended.then_some(f.length_m),
                duration_s: ended.then_some(f.duration_s),
                coverage: f.coverage,
                flag_codes: f.flags,
            },
        );
    }
    Ok(out)
}

/// A patrol's judgement under the rules in force at its start, judged alone (no cooldown);
/// `None` unless it is a river chief's river patrol under some unit's rules.
pub fn judge_alone(books: &BTreeMap<UnitId, RuleBook>, units: &[Unit], f: &PatrolFact) -> Option<Judgement> {
    let level = f.level.filter(|_| f.kind == PatrolKind::River)?;
    let rules = rules_at(books, units, f.unit, f.started_at)?;
    let level_rules = rules.level(level)?;
    Some(Judgement::by(
        rules,
        judge(level_rules, &f.judged_as(level), None),
    ))
}

/// The facts of `kind` of these units in `[from, to)`, read.
pub fn read_facts<T: serde::de::DeserializeOwned>(
    s: &mut dyn Storage,
    kind: AggregateKind,
    units: &[UnitId],
    from: i64,
    to: i64,
) -> Result<Vec<T>, Error> {
    s.facts_of_units(kind, units, from, to)?
        .iter()
        .map(|f| parse(f))
        .collect()
}

/// The year report of `unit` and the units below it.
pub fn year(s: &mut dyn Storage, unit: &Unit, year: i32, now: UnixMs) -> Result<YearReport, Error> {
    let units = s.units()?;
    let subtree = crate::scope::below(&units, unit.id);
    let (from, to) = match (Day::new(year, 1, 1), Day::new(year + 1, 1, 1)) {
        (Some(a), Some(b)) => (a.start().0, b.start().0),
        _ => return Err(Error::bad_request("bad_year", "年份无效")),
    };
    let mut read = |kind| s.facts_of_units(kind, &subtree, from, to);
    let patrols: Vec<PatrolFact> = read(AggregateKind::Patrol)?
        .iter()
        .map(|f| parse(f))
        .collect::<Result<_, _>>()?;
    let inspections: Vec<InspectionFact> = read(AggregateKind::Inspection)?
        .iter()
        .map(|f| parse(f))
        .collect::<Result<_, _>>()?;
    let findings: Vec<FindingFact> = read(AggregateKind::Finding)?
        .iter()
        .map(|f| parse(f))
        .collect::<Result<_, _>>()?;
    let books = rule_books(s, &units)?;
    Ok(year_report(
        unit.id,
        &unit.name,
        year,
        YearFacts {
            patrols: &patrols,
            inspections: &inspections,
            findings: &findings,
        },
        now,
        |f, unit| rules_at(&books, &units, unit, f.started_at),
    ))
}

/// The days of a year, or of one month of it, in China.
pub fn stretch(year: i32, month: Option<u8>) -> Result<(Day, Day), Error> {
    let bad = || Error::bad_request("bad_period", "年份或月份无效");
    let (first, next) = match month {
        None => (Day::new(year, 1, 1), Day::new(year + 1, 1, 1)),
        Some(12) => (Day::new(year, 12, 1), Day::new(year + 1, 1, 1)),
        Some(m) => (Day::new(year, m, 1), Day::new(year, m + 1, 1)),
    };
    Ok((first.ok_or_else(bad)?, next.ok_or_else(bad)?.plus_days(-1)))
}

/// The quota report of `unit` and the units below it over `first..=last`: every river chief
/// there, with the reaches naming them.
pub fn quota(s: &mut dyn Storage, unit: &Unit, first: Day, last: Day) -> Result<QuotaReport, Error> {
    let units = s.units()?;
    let subtree = crate::scope::below(&units, unit.id);
    let mut reaches_of: BTreeMap<xuncha_domain::UserId, Vec<xuncha_domain::ReachId>> = BTreeMap::new();
    for row in s.aggregates_of_units(AggregateKind::Reach, &subtree, u32::MAX)? {
        if let AggregateState::Reach(r) = parse_state(&row.state)? {
            for c in &r.chiefs {
                reaches_of.entry(*c).or_default().push(r.id);
            }
        }
    }
    let mut chiefs: Vec<Chief> = s
        .users()?
        .into_iter()
        .filter(|u| subtree.contains(&u.unit))
        .filter_map(|u| {
            let level = u.roles.iter().find_map(|r| match r {
                Role::RiverChief { level } => Some(*level),
                _ => None,
            })?;
            let mut reaches = reaches_of.remove(&u.id).unwrap_or_default();
            reaches.sort();
            Some(Chief {
                user: u.id,
                name: u.name,
                level,
                unit: u.unit,
                reaches,
            })
        })
        .collect();
    chiefs.sort_by(|a, b| (a.level, &a.name, a.user).cmp(&(b.level, &b.name, b.user)));
    // From a cooldown's length before the stretch, so its first patrols are judged as they were.
    let from = first.start().plus_ms(-i64::from(MAX_COOLDOWN_H) * UnixMs::HOUR);
    let to = last.plus_days(1).start();
    let patrols: Vec<PatrolFact> = s
        .facts_of_units(AggregateKind::Patrol, &subtree, from.0, to.0)?
        .iter()
        .map(|f| parse(f))
        .collect::<Result<_, _>>()?;
    let books = rule_books(s, &units)?;
    Ok(quota_report(
        unit.id,
        &unit.name,
        first,
        last,
        &chiefs,
        &patrols,
        |unit, t| rules_at(&books, &units, unit, t),
    ))
}

/// The problems report of `unit` and the units below it over `first..=last`, by `every` period.
pub fn problems(
    s: &mut dyn Storage,
    unit: &Unit,
    first: Day,
    last: Day,
    every: xuncha_domain::calendar::Period,
    now: UnixMs,
) -> Result<ProblemsReport, Error> {
    let units = s.units()?;
    let subtree = crate::scope::below(&units, unit.id);
    let names: BTreeMap<UnitId, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let findings: Vec<FindingFact> = s
        .facts_of_units(
            AggregateKind::Finding,
            &subtree,
            first.start().0,
            last.plus_days(1).start().0,
        )?
        .iter()
        .map(|f| parse(f))
        .collect::<Result<_, _>>()?;
    Ok(problems_report(unit, first, last, every, &names, &findings, now))
}

/// The query of `GET /api/v1/office/reports/problems`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct ProblemsQuery {
    pub unit: Option<UnitId>,
    pub year: i32,
    pub month: Option<u8>,
    /// month (default), quarter or year.
    pub every: Option<xuncha_domain::calendar::Period>,
}

/// `GET /api/v1/office/reports/problems?unit=&year=&month=&every=`: problems found, assigned,
/// rectified, verified, reopened and overdue by unit, category and period, in a unit the
/// signed-in office manages.
pub async fn problems_report_route(
    axum::extract::State(st): axum::extract::State<crate::app::AppState>,
    crate::auth::AuthOffice(me): crate::auth::AuthOffice,
    query: crate::extract::QueryOf<ProblemsQuery>,
) -> Result<axum::Json<ProblemsReport>, Error> {
    let crate::extract::QueryOf(q) = query;
    check_year(q.year)?;
    let (first, last) = stretch(q.year, q.month)?;
    let every = q.every.unwrap_or(xuncha_domain::calendar::Period::Month);
    let report = st
        .db
        .read(move |s| {
            let unit = report_unit(s, &me, q.unit)?;
            problems(s, &unit, first, last, every, UnixMs(crate::now_ms()))
        })
        .await?;
    Ok(axum::Json(report))
}

/// The query of `GET /api/v1/office/reports/quota`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct QuotaQuery {
    pub unit: Option<UnitId>,
    pub year: i32,
    /// One month of the year; the whole year when absent.
    pub month: Option<u8>,
}

/// The unit a report asks for: the caller's own, or one below it.
pub fn report_unit(
    s: &mut dyn Storage,
    me: &xuncha_domain::people::User,
    asked: Option<UnitId>,
) -> Result<Unit, Error> {
    let units = s.units()?;
    let unit_id = asked.unwrap_or(me.unit);
    if !crate::scope::below(&units, me.unit).contains(&unit_id) {
        return Err(Error::Forbidden("只能查看本单位及下级单位的统计".into()));
    }
    units
        .into_iter()
        .find(|u| u.id == unit_id)
        .ok_or_else(|| Error::NotFound("没有这个单位".into()))
}

pub fn check_year(year: i32) -> Result<(), Error> {
    if !(YEARS.0..=YEARS.1).contains(&year) {
        return Err(Error::bad_request(
            "bad_year",
            format!("年份须在 {} 到 {} 之间", YEARS.0, YEARS.1),
        ));
    }
    Ok(())
}

/// `GET /api/v1/office/reports/quota?unit=&year=&month=`: each river chief's quota periods of a
/// unit the signed-in office manages, with 巡河率, 河段覆盖率 and 异常巡河率.
pub async fn quota_report_route(
    axum::extract::State(st): axum::extract::State<crate::app::AppState>,
    crate::auth::AuthOffice(me): crate::auth::AuthOffice,
    query: crate::extract::QueryOf<QuotaQuery>,
) -> Result<axum::Json<QuotaReport>, Error> {
    let crate::extract::QueryOf(q) = query;
    check_year(q.year)?;
    let (first, last) = stretch(q.year, q.month)?;
    let report = st
        .db
        .read(move |s| {
            let unit = report_unit(s, &me, q.unit)?;
            quota(s, &unit, first, last)
        })
        .await?;
    Ok(axum::Json(report))
}

/// The query of `GET /api/v1/office/reports/year`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct YearQuery {
    /// The unit (with the units below it); the caller's own unit when absent.
    pub unit: Option<UnitId>,
    pub year: i32,
}

/// The earliest and latest year a report may ask for.
pub const YEARS: (i32, i32) = (2000, 2100);

/// `GET /api/v1/office/reports/year?unit=&year=`: the year report of a unit the signed-in office
/// manages (its own or one below it), for the office's work report.
pub async fn year_report_route(
    axum::extract::State(st): axum::extract::State<crate::app::AppState>,
    crate::auth::AuthOffice(me): crate::auth::AuthOffice,
    query: crate::extract::QueryOf<YearQuery>,
) -> Result<axum::Json<YearReport>, Error> {
    let crate::extract::QueryOf(q) = query;
    check_year(q.year)?;
    let report = st
        .db
        .read(move |s| {
            let unit = report_unit(s, &me, q.unit)?;
            year(s, &unit, q.year, UnixMs(crate::now_ms()))
        })
        .await?;
    Ok(axum::Json(report))
}
