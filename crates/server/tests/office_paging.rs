//! The office pages through a year's records (issue 13) on SQLite and PostgreSQL: 10,000
//! patrols, listed a page at a time by their own time while other phones push new patrols
//! (today's and late-entered old ones) and end listed ones. Each patrol that existed when paging
//! began is seen exactly once, none twice; and the filters (unit, person, period, a finding's
//! status) narrow the list in the query, so a page is full whatever they leave out.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use xuncha_domain::payload::*;
use xuncha_domain::{PatrolId, UnixMs};
use xuncha_server::app::Config;
use xuncha_server::limits::Limits;
use xuncha_testsupport::*;

const DAY: i64 = 86_400_000;

fn started(phone: &Phone, patrol: PatrolId, at: i64) -> Payload {
    Payload::PatrolStarted(PatrolStarted {
        patrol,
        kind: PatrolKind::River,
        unit: phone.user.unit,
        patroller: phone.user.id,
        reach: None,
        area: Some("幸福渠".into()),
        started_at: UnixMs(at),
    })
}

/// Pushes patrols started at `times`, 500 events a request.
async fn push_patrols(srv: &TestServer, phone: &mut Phone, times: &[i64]) -> Vec<PatrolId> {
    let mut ids = Vec::new();
    for chunk in times.chunks(500) {
        let events: Vec<_> = chunk
            .iter()
            .map(|t| {
                let id = PatrolId::new();
                ids.push(id);
                let payload = started(phone, id, *t);
                phone.next(payload)
            })
            .collect();
        let r = srv.push_ok(phone, &events).await;
        assert!(outcome_status(&r).iter().all(|o| *o == "accepted"), "{r:?}");
    }
    ids
}

async fn page(srv: &TestServer, office: &str, query: &str) -> Vec<Value> {
    let (s, body) = srv.get(&format!("/api/v1/office/records?{query}"), office).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn paging_sees_each_record_once_while_others_arrive(b: &Backend) {
    let srv = TestServer::start_with(Config {
        limits: Limits {
            device_requests_per_minute: 1_000_000,
            device_burst: 100_000,
            ..Limits::default()
        },
        ..b.config()
    })
    .await;
    let seed = seed(&srv.state).await;
    let mut chief = srv.enrol("chief1").await;
    let mut other = srv.enrol("chief2").await;
    let now = now();
    // A year of patrols, many sharing a millisecond (ties are broken by id).
    let times: Vec<i64> = (0..10_000i64)
        .map(|i| now - 365 * DAY + (i / 3) * 3_000_000)
        .collect();
    let existing: HashSet<String> = push_patrols(&srv, &mut chief, &times)
        .await
        .into_iter()
        .map(|p| p.0.to_string())
        .collect();
    let office = srv.login("office").await;

    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &before {
            Some(c) => format!("kind=patrol&limit=700&before={c}"),
            None => "kind=patrol&limit=700".into(),
        };
        let rows = page(&srv, &office, &query).await;
        let Some(last) = rows.last() else { break };
        before = Some(last["cursor"].as_str().unwrap().to_owned());
        let mut previous = i64::MAX;
        for r in &rows {
            let ms = r["record_ms"].as_i64().unwrap();
            assert!(ms <= previous, "newest first by the record's own time");
            previous = ms;
            *seen
                .entry(r["aggregate"]["id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        pages += 1;
        // Between pages: new patrols today, patrols entered late with old dates, and a listed
        // patrol ended (its row changes, its place does not).
        let late: Vec<i64> = (0..20).map(|i| now - (37 * pages + i) * DAY / 3).collect();
        push_patrols(&srv, &mut other, &[now, now + 1]).await;
        push_patrols(&srv, &mut other, &late).await;
        let ended = rows[rows.len() / 2]["aggregate"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let end = chief.next(Payload::PatrolEnded(PatrolEnded {
            patrol: PatrolId(ended),
            ended_at: UnixMs(now),
            notes: String::new(),
        }));
        srv.push_ok(&chief, &[end]).await;
    }
    assert!(pages >= 15, "{pages} pages");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "listed twice: {twice:?}");
    let missed = existing.iter().filter(|id| !seen.contains_key(*id)).count();
    assert_eq!(missed, 0, "every patrol that existed is listed once");

    // Filters are applied by the query: a full page of brigade 2's, of chief2's, of a period.
    let b2 = page(
        &srv,
        &office,
        &format!("kind=patrol&limit=50&unit={}", seed.b2.id),
    )
    .await;
    assert_eq!(b2.len(), 50);
    assert!(b2.iter().all(|r| r["unit"] == seed.b2.id.to_string()));
    let his = page(
        &srv,
        &office,
        &format!("kind=patrol&limit=50&owner={}", seed.chief2.id),
    )
    .await;
    assert_eq!(his.len(), 50);
    assert!(his.iter().all(|r| r["owner"] == seed.chief2.id.to_string()));
    let (from, to) = (now - 300 * DAY, now - 299 * DAY);
    let day = page(
        &srv,
        &office,
        &format!("kind=patrol&limit=2000&from={from}&to={to}"),
    )
    .await;
    let expected = times.iter().filter(|t| (from..to).contains(*t)).count();
    assert!(expected > 0);
    assert!(day.len() >= expected, "{} of at least {expected}", day.len());
    assert!(
        day.iter()
            .all(|r| (from..to).contains(&r["record_ms"].as_i64().unwrap()))
    );

    // A brigade office sees nothing above it, and may not ask for a unit outside its own.
    let (s, _) = srv
        .get(
            &format!("/api/v1/office/records?kind=patrol&unit={}", seed.street.id),
            &srv.login("admin").await,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the street's admin may");
    let (s, body) = srv
        .get("/api/v1/office/records?kind=patrol&before=not-a-cursor", &office)
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_cursor"))
    );
}
story!(paging_sees_each_record_once_while_others_arrive);

async fn a_findings_status_filter_fills_the_page(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut chief = srv.enrol("chief1").await;
    let office = srv.login("office").await;
    let mut findings = Vec::new();
    for _ in 0..30 {
        let (_, finding, events) = chief.patrol_with_finding();
        srv.push_ok(&chief, &events).await;
        findings.push(finding);
    }
    // The five oldest are assigned; the newest 25 stay reported.
    for f in &findings[..5] {
        let (s, body) = srv
            .post(
                &format!("/api/v1/office/findings/{f}/assign"),
                &office,
                &serde_json::json!({"assignee": "某公司", "follow_up_by": null,
                    "deadline": now() + 7 * DAY, "note": ""}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let assigned = page(&srv, &office, "kind=finding&status=assigned&limit=5").await;
    assert_eq!(
        assigned.len(),
        5,
        "the filter is in the query, not applied to 5 newest"
    );
    assert!(
        assigned
            .iter()
            .all(|r| r["state"]["state"]["status"] == "assigned")
    );
    let (s, body) = srv
        .get("/api/v1/office/records?kind=finding&status=closed", &office)
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_status"))
    );
}
story!(a_findings_status_filter_fills_the_page);
