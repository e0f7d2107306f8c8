//! The office's figures. Patrol rules as reference data: an office publishes a version for its
//! unit, bad rules are refused with the field named, versions only go forward, the rules reach
//! the unit's devices, and a device too old to read them stops its pull before them rather than
//! skipping them. The year report: the API and `xuncha-server report year` (run as the real
//! binary) give the same figures, a too-short patrol apart with its reason, and the XLSX file
//! reads back with the same figures.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::calendar::Day;
use xuncha_domain::figures::{ProblemsReport, QuotaReport, YearReport};
use xuncha_domain::payload::Payload;
use xuncha_domain::people::ChiefLevel;
use xuncha_domain::rules::{PatrolRules, demo_rules};
use xuncha_domain::time::EARLIEST;
use xuncha_domain::wire::{PullResponse, WIRE_VERSION_HEADER};
use xuncha_domain::{RulesId, UnixMs};
use xuncha_server::export::{FIGURES_SHEET, NOT_COUNTING_SHEET, PROBLEMS_SHEET, QUOTA_SHEET};
use xuncha_testsupport::sheet::{row_figures, sheet, text_rows};
use xuncha_testsupport::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_publishes_rules_that_reach_its_chiefs_devices() {
    let (srv, seed) = TestServer::seeded(&sqlite()).await;
    let office = srv.login("office").await;
    let id = RulesId::new();
    let v1 = demo_rules(id, seed.street.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &office, &v1).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A figure out of bounds is refused, naming the rule and the field in Chinese.
    let mut bad = v1.clone();
    bad.version = 2;
    bad.levels[1].min_coverage_pct = 120;
    let (status, body) = publish(&srv, &office, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("第 2 个级别规则的最低河段覆盖率"),
        "{body}"
    );

    // The same version again is stale: versions only go forward.
    let (status, body) = publish(&srv, &office, &v1).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A chief's device receives the rules with the rest of its reference data.
    let chief = srv.enrol("chief1").await;
    let pulled = srv.pull_all(&chief).await;
    let rules: Vec<_> = pulled
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::PatrolRulesPublished(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(rules, vec![&v1]);

    // A device on wire version 4 cannot read them: its pull stops just before, so it has
    // everything up to them and, once updated, pulls on from there.
    let old = pull_as(&srv, &chief.token, 4).await;
    assert!(!old.more);
    assert!(
        old.events
            .iter()
            .all(|e| !matches!(e.event.payload, Payload::PatrolRulesPublished(_)))
    );
    let rest = pull_as(&srv, &chief.token, 5).await;
    let skipped = rest
        .events
        .iter()
        .find(|e| matches!(e.event.payload, Payload::PatrolRulesPublished(_)));
    assert!(
        skipped.unwrap().cursor > old.cursor,
        "the old device's cursor stops before the rules"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_office_above_the_unit_publishes_its_rules() {
    let (srv, seed) = TestServer::seeded(&sqlite()).await;
    let admin = srv.login("admin").await;
    let (status, body) = srv
        .post("/api/v1/office/users", &admin, &json!({"login": "office-b2", "name": "二队办公室", "unit": seed.b2.id, "roles": [{"role": "office"}], "password": password_of("office-b2")}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let b2_office = srv.login("office-b2").await;
    let for_street = demo_rules(RulesId::new(), seed.street.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &b2_office, &for_street).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let for_b1 = demo_rules(RulesId::new(), seed.b1.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &b2_office, &for_b1).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let for_b2 = demo_rules(RulesId::new(), seed.b2.id, UnixMs(1_577_808_000_000));
    let (status, body) = publish(&srv, &b2_office, &for_b2).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// `xuncha-server report <kind> --unit <code> --year <year> --xlsx <path>` on `b`: its output.
fn report(b: &Backend, kind: &str, unit: &str, year: i32, xlsx: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xuncha-server"))
        .args(["report", kind, "--unit", unit, "--year", &year.to_string()])
        .arg("--xlsx")
        .arg(xlsx)
        .args(["--database-url", &b.database_url, "--blob-url", &b.blob_url()])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn publish(srv: &TestServer, token: &str, rules: &PatrolRules) -> (StatusCode, Value) {
    srv.post(
        "/api/v1/office/patrol-rules",
        token,
        &serde_json::to_value(rules).unwrap(),
    )
    .await
}

async fn pull_as(srv: &TestServer, token: &str, wire: u32) -> PullResponse {
    let resp = srv
        .http
        .get(srv.url("/api/v1/sync/pull?after=0&limit=1000"))
        .bearer_auth(token)
        .header(WIRE_VERSION_HEADER, wire.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    serde_json::from_value(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_year_report_from_the_api_the_command_and_its_xlsx_agree() {
    let b = sqlite();
    let (srv, seed) = TestServer::seeded(&b).await;
    let office = srv.login("office").await;
    let rules = demo_rules(RulesId::new(), seed.street.id, EARLIEST);
    let (status, body) = publish(&srv, &office, &rules).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut chief = srv.enrol("chief1").await;
    // Today, a few hours back: a brigade chief's 35-minute patrol and, later, a 12-minute one.
    let t0 = now() - 5 * 3_600_000;
    let mut events = chief.walked_patrol(t0, 35);
    events.extend(chief.walked_patrol(t0 + 2 * 3_600_000, 12));
    let finding = xuncha_domain::FindingId::new();
    let on = match &events[0].payload {
        Payload::PatrolStarted(p) => p.patrol,
        _ => unreachable!("the first event starts the patrol"),
    };
    events.push(chief.next(finding_reported(finding, on, UnixMs(t0 + 60_000))));
    let r = srv.push_ok(&chief, &events).await;
    assert!(outcome_status(&r).iter().all(|o| *o == "accepted"), "{r:?}");

    let year = Day::of(UnixMs(t0)).year;
    let (status, body) = srv
        .get(&format!("/api/v1/office/reports/year?year={year}"), &office)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let api: YearReport = serde_json::from_value(body).unwrap();
    let brigade = &api.river[&ChiefLevel::Brigade];
    assert_eq!(
        (
            brigade.chiefs,
            brigade.patrols,
            brigade.counting,
            brigade.not_counting,
            brigade.abnormal
        ),
        (1, 2, 1, 1, 0)
    );
    assert_eq!(api.not_counting.len(), 1);
    assert_eq!(api.not_counting[0].patroller_name, seed.chief1.name);
    // Too short in time and length, and too soon after the counting one: every reason, in words.
    let why = &api.not_counting[0].reasons;
    assert!(
        why.starts_with("用时 12 分钟，少于规定的 30 分钟；巡查距离 "),
        "{why}"
    );
    assert!(why.contains("米，少于规定的 1 公里；"), "{why}");
    assert!(
        why.ends_with("距上次计入的自主巡河仅 2 小时，规定至少间隔 96 小时"),
        "{why}"
    );
    assert_eq!((api.problems.found, api.problems.rectified), (1, 0));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("year.xlsx");
    let stdout = report(&b, "year", &seed.street.code, year, &path);
    assert!(
        stdout.contains("队级河湖长：1 人巡河 2 次，计入考核 1 次，不计入 1 次"),
        "{stdout}"
    );
    assert!(stdout.contains(&api.not_counting[0].reasons), "{stdout}");

    let figures = sheet(&path, FIGURES_SHEET);
    let row = |label: &str| row_figures(&figures, label);
    assert_eq!(row("队级河湖长"), vec![1.0, 2.0, 1.0, 1.0, 0.0]);
    assert_eq!(row("街级河湖长"), vec![0.0; 5]);
    assert_eq!(row("发现问题"), vec![1.0]);
    assert_eq!(row("已整改"), vec![0.0]);
    let listed: Vec<String> = text_rows(&sheet(&path, NOT_COUNTING_SHEET))
        .into_iter()
        .map(|r| r[4].clone())
        .collect();
    assert_eq!(listed, vec![api.not_counting[0].reasons.clone()]);

    // The quota: brigade chiefs patrol weekly. Chief 1's week holds both patrols, one counting;
    // chief 2 never patrolled, so neither chief met every week and the rate is 0 %.
    let (status, body) = srv
        .get(&format!("/api/v1/office/reports/quota?year={year}"), &office)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let quota: QuotaReport = serde_json::from_value(body).unwrap();
    assert_eq!(quota.chiefs.len(), 2);
    let mine = quota.chiefs.iter().find(|c| c.chief == seed.chief1.id).unwrap();
    let theirs = quota.chiefs.iter().find(|c| c.chief == seed.chief2.id).unwrap();
    assert_eq!(
        (mine.done, mine.counting, theirs.done, theirs.counting),
        (2, 1, 0, 0)
    );
    match mine.lines.iter().find(|l| l.span.contains(UnixMs(t0))) {
        Some(week) => assert_eq!((week.due, week.done, week.counting, week.missing), (1, 2, 1, 0)),
        // A week that began last year is last year's to count.
        None => assert!(Day::of(UnixMs(t0)).plus_days(-6).year < year),
    }
    assert_eq!(theirs.missing, theirs.required);
    assert_eq!(
        (quota.patrols, quota.counting, quota.patrol_rate_pct),
        (2, 1, 0.0)
    );
    let stdout = report(
        &b,
        "quota",
        &seed.street.code,
        year,
        &dir.path().join("quota.xlsx"),
    );
    assert!(stdout.contains("巡河率 0.0%"), "{stdout}");
    let line = row_figures(
        &sheet(&dir.path().join("quota.xlsx"), QUOTA_SHEET),
        &seed.chief1.name,
    );
    assert_eq!(line, [mine.required, 2, 1, mine.missing].map(f64::from).to_vec());

    // The problems: the one reported, in brigade 1, under dumping, in this month; not yet
    // assigned, so neither overdue nor closed.
    let (status, body) = srv
        .get(&format!("/api/v1/office/reports/problems?year={year}"), &office)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let problems: ProblemsReport = serde_json::from_value(body).unwrap();
    assert_eq!(problems.lines.len(), 1);
    let line = &problems.lines[0];
    assert_eq!(
        (line.unit, line.category.as_str(), line.category_zh.as_str()),
        (seed.b1.id, "dumping", "乱堆")
    );
    assert!(line.period.contains(UnixMs(t0 + 60_000)));
    assert_eq!(
        (line.figures.found, line.figures.assigned, line.figures.overdue),
        (1, 0, 0)
    );
    assert_eq!(problems.total, line.figures);
    let stdout = report(
        &b,
        "problems",
        &seed.street.code,
        year,
        &dir.path().join("problems.xlsx"),
    );
    assert!(
        stdout.contains("合计：发现 1，交办 0，整改 0，验收 0，退回 0，逾期 0，办结率 0.0%"),
        "{stdout}"
    );
    let totals = row_figures(&sheet(&dir.path().join("problems.xlsx"), PROBLEMS_SHEET), "合计");
    assert_eq!(totals, vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}
