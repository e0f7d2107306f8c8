//! What the office console reads besides the lists and the reports: the morning overview
//! (today, this week, this month, and the phones that have gone quiet), a unit's patrol rules as
//! published, and the year report as the XLSX file the office hands on. Scoped, like every
//! office route, to the caller's unit and the units below it.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::error::Error;
use crate::extract::QueryOf;
use crate::facts::{check_year, judge_alone, read_facts, report_unit, rule_books};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use xuncha_domain::calendar::{Day, Period, Span};
use xuncha_domain::figures::{FindingFact, InspectionFact, PatrolFact};
use xuncha_domain::payload::{AggregateKind, PatrolKind};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::rules::RuleBook;
use xuncha_domain::state::{AggregateState, FindingStatus};
use xuncha_domain::{DeviceId, UnitId, UnixMs};

/// What happened in one stretch of days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// River patrols started.
    pub patrols: u32,
    /// Of those, the ones that count under the rules in force (judged alone).
    pub patrols_counting: u32,
    pub fishing_patrols: u32,
    pub inspections: u32,
    /// On-site inspection records issued (现场检查记录).
    pub documents: u32,
    pub findings_reported: u32,
    /// Of those, the ones not yet verified.
    pub findings_open: u32,
    /// Of those, the ones past their deadline without a rectification (督办).
    pub findings_overdue: u32,
}

/// A phone that has sent nothing for a while.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleDevice {
    pub device_id: DeviceId,
    pub name: String,
    pub user_name: String,
    /// When the server received its latest event; `None`: it never sent one.
    pub last_seen_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub today: Tally,
    pub week: Tally,
    pub month: Tally,
    /// Devices whose latest event is older than `stale_days` (or that never sent one).
    pub stale_devices: Vec<StaleDevice>,
    pub stale_days: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct OverviewQuery {
    pub unit: Option<UnitId>,
    /// A device is quiet after this many days without an event (default 3, 1 to 365).
    pub stale_days: Option<u32>,
}

/// The tally of `span` from the facts: a pure function of them, the rules' verdicts and `now`.
pub fn tally(
    span: &Span,
    patrols: &[(PatrolFact, bool)],
    inspections: &[InspectionFact],
    findings: &[FindingFact],
    now: UnixMs,
) -> Tally {
    let mut t = Tally::default();
    for (p, counts) in patrols.iter().filter(|(p, _)| span.contains(p.started_at)) {
        match p.kind {
            PatrolKind::River => {
                t.patrols += 1;
                t.patrols_counting += u32::from(*counts);
            }
            PatrolKind::FishingBan => t.fishing_patrols += 1,
        }
    }
    for i in inspections.iter().filter(|i| span.contains(i.started_at)) {
        t.inspections += 1;
        t.documents += u32::from(i.record_issued);
    }
    for f in findings.iter().filter(|f| span.contains(f.reported_at)) {
        t.findings_reported += 1;
        if f.status != FindingStatus::Verified {
            t.findings_open += 1;
            t.findings_overdue += u32::from(f.overdue(now));
        }
    }
    t
}

/// `GET /api/v1/office/overview?unit=&stale_days=`: the console's first page.
pub async fn overview(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: QueryOf<OverviewQuery>,
) -> Result<Json<Overview>, Error> {
    let QueryOf(q) = query;
    let stale_days = q.stale_days.unwrap_or(3);
    if !(1..=365).contains(&stale_days) {
        return Err(Error::bad_request(
            "bad_stale_days",
            "stale_days 须在 1 到 365 之间",
        ));
    }
    let now = UnixMs(crate::now_ms());
    let overview = st
        .db
        .read(move |s| {
            let unit = report_unit(s, &me, q.unit)?;
            let units = s.units()?;
            let subtree = crate::scope::below(&units, unit.id);
            let today = Day::of(now);
            let spans = [
                Span {
                    period: Period::Week,
                    first: today,
                    last: today,
                },
                Period::Week.containing(today),
                Period::Month.containing(today),
            ];
            let from = spans.iter().map(|s| s.start().0).min().unwrap_or(now.0);
            let to = spans.iter().map(|s| s.end().0).max().unwrap_or(now.0);
            let books = rule_books(s, &units)?;
            let patrols: Vec<(PatrolFact, bool)> =
                read_facts::<PatrolFact>(s, AggregateKind::Patrol, &subtree, from, to)?
                    .into_iter()
                    .map(|p| {
                        let counts = judge_alone(&books, &units, &p).is_some_and(|j| j.counts);
                        (p, counts)
                    })
                    .collect();
            let inspections = read_facts(s, AggregateKind::Inspection, &subtree, from, to)?;
            let findings = read_facts(s, AggregateKind::Finding, &subtree, from, to)?;
            let [day, week, month] = spans.map(|span| tally(&span, &patrols, &inspections, &findings, now));

            let users = s.users()?;
            let mut stale_devices = Vec::new();
            for d in s.devices()? {
                let Some(user) = d
                    .user
                    .and_then(|id| users.iter().find(|u| u.id == id && subtree.contains(&u.unit)))
                else {
                    continue;
                };
                if d.revoked_at.is_some() {
                    continue;
                }
                let last_seen_ms = match d.head {
                    Some(h) => s.event_received_at(d.id, h.seq)?,
                    None => None,
                };
                if last_seen_ms.is_none_or(|t| now.0 - t > i64::from(stale_days) * UnixMs::DAY) {
                    stale_devices.push(StaleDevice {
                        device_id: d.id,
                        name: d.name,
                        user_name: user.name.clone(),
                        last_seen_ms,
                    });
                }
            }
            stale_devices.sort_by_key(|d| d.last_seen_ms.unwrap_or(i64::MIN));
            Ok(Overview {
                today: day,
                week,
                month,
                stale_devices,
                stale_days,
            })
        })
        .await?;
    Ok(Json(overview))
}

/// The reference data of `kind` filed under the caller's unit and those below, each read by
/// `pick`, sorted by `name`.
async fn reference_of<T: Send + 'static>(
    st: &AppState,
    me: xuncha_domain::people::User,
    kind: AggregateKind,
    pick: fn(AggregateState) -> Option<T>,
    name: fn(&T) -> &str,
) -> Result<Vec<T>, Error> {
    st.db
        .read(move |s| {
            let units = crate::office::units_of(s, &me)?;
            let mut out = Vec::new();
            for row in s.aggregates_of_units(kind, &units, u32::MAX)? {
                out.extend(pick(crate::fold::parse_state(&row.state)?));
            }
            out.sort_by(|a, b| name(a).cmp(name(b)));
            Ok(out)
        })
        .await
}

/// `GET /api/v1/office/reaches`: the reaches of the caller's unit and those below.
pub async fn list_reaches(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
) -> Result<Json<Vec<Reach>>, Error> {
    let pick = |a| match a {
        AggregateState::Reach(r) => Some(r),
        _ => None,
    };
    reference_of(&st, me, AggregateKind::Reach, pick, |r: &Reach| &r.name)
        .await
        .map(Json)
}

/// `GET /api/v1/office/sites`: the sites of the caller's unit and those below.
pub async fn list_sites(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
) -> Result<Json<Vec<Site>>, Error> {
    let pick = |a| match a {
        AggregateState::Site(s) => Some(s),
        _ => None,
    };
    reference_of(&st, me, AggregateKind::Site, pick, |s: &Site| &s.name)
        .await
        .map(Json)
}

/// `GET /api/v1/office/checklists`: every checklist at its latest version (checklists are
/// shared by all units), by name.
pub async fn list_checklists(
    State(st): State<AppState>,
    AuthOffice(_): AuthOffice,
) -> Result<Json<Vec<ChecklistTemplate>>, Error> {
    let mut out = st
        .db
        .read(|s| {
            let mut out = Vec::new();
            for row in s.aggregates_of_kind(AggregateKind::Checklist)? {
                if let AggregateState::Checklist(c) = crate::fold::parse_state(&row.state)? {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .await?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(out))
}

#[derive(Clone, Debug, Deserialize)]
pub struct UnitQuery {
    pub unit: Option<UnitId>,
}

/// `GET /api/v1/office/patrol-rules?unit=`: the unit's rule book, every version (latest last),
/// or 404 `no_rules` when the unit has published none.
pub async fn patrol_rules(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: QueryOf<UnitQuery>,
) -> Result<Json<RuleBook>, Error> {
    let QueryOf(q) = query;
    let book = st
        .db
        .read(move |s| {
            let unit = report_unit(s, &me, q.unit)?;
            for row in s.aggregates_of_units(AggregateKind::Rules, &[unit.id], u32::MAX)? {
                if let AggregateState::Rules(book) = crate::fold::parse_state(&row.state)? {
                    return Ok(book);
                }
            }
            Err(Error::NotFound("这个单位还没有发布巡河规则".into()))
        })
        .await?;
    Ok(Json(book))
}

/// `GET /api/v1/office/reports/year.xlsx?unit=&year=`: the year report as a workbook, the same
/// figures as `reports/year` and `xuncha-server report year --xlsx`.
pub async fn year_xlsx(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: QueryOf<crate::facts::YearQuery>,
) -> Result<impl IntoResponse, Error> {
    let QueryOf(q) = query;
    check_year(q.year)?;
    let report = st
        .db
        .read(move |s| {
            let unit = report_unit(s, &me, q.unit)?;
            crate::facts::year(s, &unit, q.year, UnixMs(crate::now_ms()))
        })
        .await?;
    let bytes = crate::export::year_xlsx(&report)?;
    let name = format!("{}-{}年度报告.xlsx", report.unit_name, report.year);
    Ok((
        [
            (header::CONTENT_TYPE, crate::openapi::XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"year-report-{}.xlsx\"; filename*=UTF-8''{}",
                    report.year,
                    percent(&name)
                ),
            ),
        ],
        bytes,
    ))
}

/// RFC 5987 percent-encoding of a file name (every byte outside the unreserved set).
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use xuncha_domain::catalogue::FindingKind;
    use xuncha_domain::payload::{Publicity, Severity};
    use xuncha_domain::{FindingId, InspectionId, PatrolId, UserId};

    const T0: i64 = 1_767_225_600_000; // 2026-01-01 08:00 in China

    fn patrol(kind: PatrolKind, at: i64) -> PatrolFact {
        PatrolFact {
            patrol: PatrolId::new(),
            kind,
            unit: UnitId::default(),
            patroller: UserId::new(),
            patroller_name: String::new(),
            level: None,
            reach: None,
            started_at: UnixMs(at),
            ended_at: None,
            duration_s: 0.0,
            length_m: 0.0,
            coverage: None,
            flags: Vec::new(),
            checks: BTreeMap::new(),
            letters: BTreeMap::new(),
            publicity: Publicity::default(),
            seizures: 0,
            seized_items: 0,
        }
    }

    fn finding(at: i64, status: FindingStatus, deadline: Option<i64>) -> FindingFact {
        FindingFact {
            finding: FindingId::new(),
            unit: UnitId::default(),
            kind: FindingKind::Problem,
            category: "dumping".into(),
            severity: Severity::Minor,
            status,
            reported_at: UnixMs(at),
            deadline: deadline.map(UnixMs),
            rectified_at: None,
            verified_at: None,
            reopen_count: 0,
        }
    }

    #[test]
    fn a_tally_counts_only_its_span_and_judges_open_and_overdue_findings_now() {
        let today = Day::of(UnixMs(T0));
        let span = Span {
            period: Period::Week,
            first: today,
            last: today,
        };
        let yesterday = T0 - UnixMs::DAY;
        let patrols = [
            (patrol(PatrolKind::River, T0), true),
            (patrol(PatrolKind::River, T0 + 1), false),
            (patrol(PatrolKind::FishingBan, T0 + 2), false),
            (patrol(PatrolKind::River, yesterday), true),
        ];
        let inspections = [InspectionFact {
            inspection: InspectionId::new(),
            unit: UnitId::default(),
            site_kind: None,
            started_at: UnixMs(T0),
            closed: true,
            record_issued: true,
            rectification_order: false,
            rectification_deadline: None,
            refused: false,
        }];
        let now = UnixMs(T0 + 3 * UnixMs::HOUR);
        let findings = [
            finding(T0, FindingStatus::Assigned, Some(T0 + UnixMs::HOUR)),
            finding(T0, FindingStatus::Assigned, Some(T0 + 5 * UnixMs::HOUR)),
            finding(T0, FindingStatus::Verified, Some(T0 + UnixMs::HOUR)),
            finding(yesterday, FindingStatus::Reported, None),
        ];
        assert_eq!(
            tally(&span, &patrols, &inspections, &findings, now),
            Tally {
                patrols: 2,
                patrols_counting: 1,
                fishing_patrols: 1,
                inspections: 1,
                documents: 1,
                findings_reported: 3,
                findings_open: 2,
                findings_overdue: 1,
            }
        );
    }

    #[test]
    fn a_file_name_is_percent_encoded_for_the_download() {
        assert_eq!(percent("年 a.xlsx"), "%E5%B9%B4%20a.xlsx");
    }
}
