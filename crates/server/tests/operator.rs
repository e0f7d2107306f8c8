//! The operator's commands, run as the real binary: `demo` loads the demo subdistrict once and
//! changes nothing the second time; `demo --year 2020` loads a year shaped like a real work
//! report, which `report year` gives back exactly, in its XLSX file too; `admin create` makes
//! the first admin and shows the password once; `serve` answers /healthz and stops cleanly on
//! SIGTERM.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use xuncha_domain::payload::AggregateKind;
use xuncha_domain::people::Role;
use xuncha_domain::reference::SiteKind;
use xuncha_domain::state::AggregateState;
use xuncha_testsupport::*;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xuncha-server"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_demo_loads_once_and_a_second_run_changes_nothing() {
    let b = sqlite();
    let blobs = b.blob_url();
    let args = ["demo", "--database-url", &b.database_url, "--blob-url", &blobs];
    let first = run(&args);
    assert!(first.contains("passwords are shown only this once"), "{first}");
    assert!(first.contains("chief-street") && first.contains("volunteer-09") && first.contains("office1"));
    let second = run(&args);
    assert!(second.contains("demo loaded: 0 new events"), "{second}");
    assert!(
        !second.contains("volunteer-09"),
        "passwords are never shown twice: {second}"
    );

    let srv = TestServer::start(&b).await;
    let (units, users, sites, reaches) = srv
        .state
        .db
        .read(|s| {
            let units = s.units()?;
            let ids: Vec<_> = units.iter().map(|u| u.id).collect();
            Ok((
                units,
                s.users()?,
                s.aggregates_of_units(AggregateKind::Site, &ids, 1_000)?,
                s.aggregates_of_units(AggregateKind::Reach, &ids, 1_000)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(units.len(), 9);
    let roles: Vec<Role> = users.iter().flat_map(|u| u.roles.clone()).collect();
    for role in [
        Role::Admin,
        Role::Office,
        Role::SafetyInspector,
        Role::FishingBanPatroller,
    ] {
        assert!(roles.contains(&role), "no {role:?}");
    }
    assert_eq!(sites.len(), 121);
    let restaurants = sites
        .iter()
        .filter(|r| matches!(xuncha_server::fold::parse_state(&r.state), Ok(AggregateState::Site(s)) if s.kind == SiteKind::Restaurant))
        .count();
    assert_eq!(restaurants, 75);
    let channels_m: f64 = reaches
        .iter()
        .filter_map(|r| match xuncha_server::fold::parse_state(&r.state) {
            Ok(AggregateState::Reach(reach)) if !reach.name.contains("堤") => Some(reach.length_m),
            _ => None,
        })
        .sum();
    assert!((channels_m - 22_663.0).abs() < 1e-6, "{channels_m}");
}

#[tokio::test]
async fn the_first_admin_is_created_from_the_command_line_with_a_password_shown_once() {
    let b = sqlite();
    let blobs = b.blob_url();
    let out = run(&[
        "admin",
        "create",
        "--login",
        "root",
        "--name",
        "管理员",
        "--unit-code",
        "HQ",
        "--database-url",
        &b.database_url,
        "--blob-url",
        &blobs,
    ]);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap()
        .to_owned();
    let srv = TestServer::start(&b).await;
    let (status, body) = srv
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(&serde_json::json!({"login": "root", "password": password})),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let (status, _) = srv
        .get("/api/v1/office/units", body["token"].as_str().unwrap())
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let b = sqlite();
    let ServerProcess { mut child, base } =
        ServerProcess::spawn(env!("CARGO_BIN_EXE_xuncha-server"), &b).await;
    for path in ["/healthz", "/readyz"] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
    }
    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// A database from before migration 0003: its stored photos stay servable to the devices that
/// named them (they become holders), its unfinished uploads are dropped, `admin sweep`
/// removes a file no record names that was stored long ago, and its records get their own
/// time and status for the office's lists (0005).
#[tokio::test]
async fn an_upgraded_database_keeps_its_photos_and_admin_sweep_clears_unnamed_files() {
    let b = sqlite();
    let path = b.database_url.trim_start_matches("sqlite://").to_owned();
    let blobs_dir = b.dir.path().join("blobs");
    let (device, event) = (xuncha_domain::DeviceId::new(), xuncha_domain::EventId::new());
    let named = xuncha_domain::BlobHash::of(b"named photo").to_hex();
    let unnamed = xuncha_domain::BlobHash::of(b"unnamed photo").to_hex();
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
            .unwrap();
        db.execute_batch(include_str!(
            "../migrations/sqlite/0002_token_expiry_and_enrol_challenges.sql"
        ))
        .unwrap();
        db.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0), (2, 0);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO events (cursor, id, device, seq, hash, hlc_wall, hlc_counter, agg_kind, agg_id,
               is_reference, body, received_at)
             VALUES (1, ?1, ?2, 1, 'h', 0, 0, 'finding', 'f', 0, '{}', 0)",
            rusqlite::params![event.to_string(), device.to_string()],
        )
        .unwrap();
        db.execute(
            "INSERT INTO blobs (hash, size, stored_at) VALUES (?1, 11, ?3), (?2, 13, 0)",
            rusqlite::params![named, unnamed, now()],
        )
        .unwrap();
        db.execute(
            "INSERT INTO blob_refs (hash, event) VALUES (?1, ?2)",
            rusqlite::params![named, event.to_string()],
        )
        .unwrap();
        db.execute(
            "INSERT INTO aggregates (kind, id, state, last_hlc_wall, last_hlc_counter, last_hlc_device, last_event)
             VALUES ('finding', 'f', '{\"aggregate\":\"finding\",\"state\":{\"reported_at\":1780000000000,\"status\":\"assigned\"}}',
                     1790000000000, 0, 'd', 'e'),
                    ('patrol', 'p', '{\"aggregate\":\"patrol\",\"state\":{\"started_at\":1770000000000}}',
                     1790000000000, 0, 'd', 'e')",
            [],
        )
        .unwrap();
        db.execute(
            "INSERT INTO blob_parts (hash, start_offset, total, bytes) VALUES (?1, 0, 99, x'00')",
            [xuncha_domain::BlobHash::of(b"half sent").to_hex()],
        )
        .unwrap();
    }
    let file = blobs_dir.join(&unnamed[..2]).join(&unnamed);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"unnamed photo").unwrap();

    let out = run(&[
        "admin",
        "sweep",
        "--database-url",
        &b.database_url,
        "--blob-url",
        blobs_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.trim(),
        "swept 0 unfinished uploads (0 bytes) and 1 files no record names"
    );
    assert!(!file.exists(), "the unnamed file is gone");
    let db = rusqlite::Connection::open(&path).unwrap();
    let held: bool = db
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM blob_holders WHERE hash = ?1 AND device = ?2)",
            rusqlite::params![named, device.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(held, "the device that named the stored photo holds it");
    let left: Vec<String> = db
        .prepare("SELECT hash FROM blobs")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, vec![named]);
    // Migration 0005 gave existing records their own time and a finding its status.
    let listed: Vec<(String, i64, Option<String>)> = db
        .prepare("SELECT kind, record_ms, status FROM aggregates ORDER BY kind")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        listed,
        vec![
            ("finding".into(), 1_780_000_000_000, Some("assigned".into())),
            ("patrol".into(), 1_770_000_000_000, None)
        ]
    );
}

#[tokio::test]
async fn the_demo_year_reports_the_work_report_figures_exactly() {
    use xuncha_testsupport::sheet::{row_figures, sheet, text_rows};
    let b = sqlite();
    let blobs = b.blob_url();
    let storage = [
        "--database-url",
        b.database_url.as_str(),
        "--blob-url",
        blobs.as_str(),
    ];
    let first = run(&[&["demo", "--year", "2020"][..], &storage].concat());
    assert!(first.contains("demo year 2020: "), "{first}");
    let again = run(&[&["demo", "--year", "2020"][..], &storage].concat());
    assert!(again.contains("demo year 2020: 0 new events"), "{again}");

    let problems = run(&[
        &[
            "report", "problems", "--unit", "DEMO", "--year", "2020", "--every", "quarter",
        ][..],
        &storage,
    ]
    .concat());
    assert!(
        problems.contains("合计：发现 7，交办 7，整改 7，验收 7，退回 0，逾期 0，办结率 100.0%"),
        "{problems}"
    );

    // The facts the fold kept while the year arrived are the facts made again from the read
    // model: forget them all, let a start-up make them, and compare.
    let srv = TestServer::start(&b).await;
    let all_facts = || async {
        srv.state
            .db
            .read(|s| {
                let units: Vec<_> = s.units()?.iter().map(|u| u.id).collect();
                let mut facts = Vec::new();
                for kind in [
                    AggregateKind::Patrol,
                    AggregateKind::Inspection,
                    AggregateKind::Finding,
                ] {
                    let mut some = s.facts_of_units(kind, &units, i64::MIN, i64::MAX)?;
                    some.sort();
                    facts.push(some);
                }
                Ok(facts)
            })
            .await
            .unwrap()
    };
    let kept = all_facts().await;
    assert_eq!(kept.iter().map(Vec::len).collect::<Vec<_>>(), [391, 8_175, 7]);
    srv.state.db.write(xuncha_server::facts::clear).await.unwrap();
    assert!(all_facts().await.iter().all(Vec::is_empty));
    let made = xuncha_server::facts::backfill(&srv.state.db).await.unwrap();
    assert_eq!(made, 391 + 8_175 + 7);
    assert_eq!(
        all_facts().await,
        kept,
        "facts rebuilt from the read model differ from those the fold kept"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("year.xlsx");
    let path_arg = path.to_string_lossy().into_owned();
    let out = run(&[
        &[
            "report",
            "year",
            "--unit",
            "DEMO",
            "--year",
            "2020",
            "--xlsx",
            path_arg.as_str(),
        ][..],
        &storage,
    ]
    .concat());
    assert!(
        out.contains("街级河湖长：1 人巡河 20 次，计入考核 20 次"),
        "{out}"
    );

    let figures = sheet(&path, xuncha_server::export::FIGURES_SHEET);
    let row = |label: &str| row_figures(&figures, label);
    // chiefs, patrols, counting, not counting, abnormal: 20 by the street chief, 300 by brigade
    // chiefs (and 4 too short, apart), 27 by 9 volunteers.
    assert_eq!(row("街级河湖长"), vec![1.0, 20.0, 20.0, 0.0, 0.0]);
    assert_eq!(row("队级河湖长"), vec![8.0, 304.0, 300.0, 4.0, 0.0]);
    assert_eq!(row("民间河湖长"), vec![9.0, 27.0, 27.0, 0.0, 0.0]);
    assert_eq!((row("发现问题"), row("已整改")), (vec![7.0], vec![7.0]));
    assert_eq!(
        (row("检查次数"), row("现场检查记录")),
        (vec![8_175.0], vec![8_175.0])
    );
    // checks, letters
    assert_eq!(row("餐馆")[1], 75.0);
    assert_eq!(row("水产品经营户")[1], 3.0);
    assert_eq!(row("渔具店")[1], 2.0);
    let publicity: Vec<f64> = ["横幅", "标牌", "通告", "宣传单"]
        .iter()
        .flat_map(|l| row(l))
        .collect();
    assert_eq!(publicity, vec![20.0, 11.0, 300.0, 2_000.0]);
    let apart = sheet(&path, xuncha_server::export::NOT_COUNTING_SHEET);
    let reasons: Vec<String> = text_rows(&apart).into_iter().map(|r| r[4].clone()).collect();
    assert_eq!(reasons.len(), 4);
    assert!(
        reasons
            .iter()
            .all(|r| r.starts_with("用时 12 分钟，少于规定的 30 分钟")),
        "{reasons:?}"
    );
}
