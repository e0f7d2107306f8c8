//! The real app in its real engine: the built Tauri shell (`xuncha-app`, WebKitGTK) under Xvfb,
//! driven through tauri-driver and WebKitWebDriver, against a real xuncha-server on 127.0.0.1
//! loaded with the demo unit. In one session of the app, as the demo grid worker `grid-01` (river
//! chief, safety inspector and fishing-ban patroller at once) would:
//! - signs in to the server from Settings (login and password), which brings the unit's
//!   reaches, sites and checklist;
//! - patrols a reach on a GPX track of the fixtures (`gpx/`, see `xuncha_testsupport::fixtures`)
//!   replayed in real time (sped up), reports a problem with a fixture photo, and ends the patrol;
//! - inspects a business: walks the checklist, records a hazard with a photo, issues the
//!   numbered on-site record and has it signed on the screen by inspector and inspected party;
//! - patrols for the fishing ban: checks a business, and has a tackle shop sign a commitment
//!   letter on the screen;
//! - syncs from the Sync screen.
//!
//! The server then holds exactly the device's events (the three records, the track, the
//! findings, the signatures and the letter) and every photo copy and signature image they
//! refer to, hash-verified.
//!
//! Needs Xvfb and tauri-driver: `scripts/test-app.sh` sets those up and runs this test (it is
//! ignored in a plain test run). The app is the binary built with this test
//! (`CARGO_BIN_EXE_xuncha-app`). Screenshots go to `test-results/app/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod drive;

use drive::*;

use fantoccini::Locator;
use std::path::Path;
use xuncha_core::api::{Request, Response};
use xuncha_core::store::BlobUse;
use xuncha_core::store::queries::{RecordFilter, RecordKind, RecordSummary};
use xuncha_domain::payload::Payload;
use xuncha_domain::reference::Reach;
use xuncha_domain::{Position, ReachId, UnixMs};
use xuncha_e2e::*;

/// The demo unit on the server, plus a reach along the fixture track for `chief` (the demo's
/// own reaches are near Wuhan, where no recorded fixture runs). Returns the chief's password.
fn load_demo_with_fixture_reach(server: &Server, gpx: &Path, reach_name: &str) -> String {
    let st = server.state.clone();
    let report = server.rt.block_on(xuncha_server::demo::load(&st)).unwrap();
    let password = report
        .created_users
        .iter()
        .find(|(login, ..)| login == "grid-01")
        .map(|(.., password)| password.clone())
        .expect("the demo creates grid-01");
    let chief = xuncha_server::demo::content()
        .users
        .into_iter()
        .find(|u| u.login == "grid-01")
        .unwrap();
    let file = xuncha_core::gpx::read_gpx(&std::fs::read(gpx).unwrap()).unwrap();
    let track: Vec<_> = file.track_segments().unwrap().into_iter().flatten().collect();
    let line: Vec<Position> = xuncha_domain::geo::simplify::simplify_track(&track, 15.0)
        .iter()
        .map(|p| p.position())
        .collect();
    let length_m = line
        .windows(2)
        .map(|w| xuncha_domain::geo::geodesic_distance_m(w[0], w[1]))
        .sum();
    let reach = Reach {
        id: ReachId::new(),
        name: reach_name.to_owned(),
        unit: chief.unit,
        line,
        length_m,
        chiefs: vec![chief.id],
    };
    let chain = st.chain.clone();
    server
        .rt
        .block_on(st.db.write(move |s| {
            let now = UnixMs(xuncha_server::now_ms());
            chain.append(s, Payload::ReachDefined(reach), None, now)
        }))
        .unwrap();
    password
}

fn records(device: &xuncha_core::Device) -> Vec<RecordSummary> {
    match device
        .handle(Request::ListRecords {
            filter: RecordFilter::default(),
        })
        .unwrap()
    {
        Response::Records(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
#[ignore = "needs Xvfb and tauri-driver: run scripts/test-app.sh"]
fn three_workflows_recorded_in_the_app_reach_the_server_with_tracks_photos_and_signatures() {
    require_fixtures!();
    let app = app_binary();
    let server = Server::start(sqlite());
    let gpx = fixture("gpx/cerknicko-jezero.gpx");
    let reach_name = "采尔克尼察湖岸（测试河段）";
    let password = load_demo_with_fixture_reach(&server, &gpx, reach_name);

    // The app's data dir, as the shell computes it under this XDG_DATA_HOME: empty, a new phone.
    let data_home = tempfile::tempdir().unwrap();
    let data_dir = data_home.path().join("cn.xuncha.app");

    let shots_dir = workspace_root().join("test-results/app");
    let _ = std::fs::remove_dir_all(&shots_dir);
    std::fs::create_dir_all(&shots_dir).unwrap();
    let mut shots = Shots { dir: shots_dir, n: 0 };
    let photo = fixture("photos/gps/DSCN0010.jpg");
    let hazard_photo = fixture("photos/gps/DSCN0012.jpg");

    let driver = Driver::start(data_home.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut record_number = String::new();
    rt.block_on(async {
        let c = connect(driver.port, &app).await;

        // -- a new phone: Chinese, nobody signed in; sign in from Settings
        let nav = text(&c, "nav-home").await;
        assert!(nav.contains("首页"), "the app speaks Chinese: {nav:?}");
        click(&c, "nav-settings").await;
        let url_field = find(&c, "server-url").await;
        url_field.clear().await.unwrap();
        set_value(&c, "server-url", &server.url()).await;
        type_into(&c, "login", "grid-01").await;
        type_into(&c, "password", "not-the-password").await;
        click(&c, "enrol").await;
        wait_text(&c, "server", "登录名或密码不对").await;
        shots.take(&c, "settings-wrong-password").await;
        find(&c, "password").await.clear().await.unwrap();
        type_into(&c, "password", &password).await;
        click(&c, "enrol").await;
        let account = wait_text(&c, "account-user", "grid-01").await;
        wait_text(&c, "server", "取回").await;
        eprintln!("signed in: {account:?}");
        shots.take(&c, "settings-signed-in").await;

        // -- the GPS source: the fixture track, replayed 600 times faster than it was walked
        choose(&c, "gps-gpx").await;
        choose_file(&c, "gpx-file", &gpx).await;
        find(&c, "replay-speed")
            .await
            .select_by_value("600")
            .await
            .unwrap();
        wait_text(&c, "gpx-name", "cerknicko").await;
        shots.take(&c, "settings-gps").await;

        click(&c, "nav-home").await;
        let who = wait_text(&c, "who", "网格员 周强").await;
        eprintln!("home: {who:?}");
        shots.take(&c, "home").await;

        // -- river patrol on the reach along the track
        click(&c, "go-river").await;
        click_text(&c, "reach-picker", "span", reach_name).await;
        click(&c, "start-patrol").await;
        find(&c, "patrol-stats").await;
        wait_number(&c, "points", 40.0).await;
        shots.take(&c, "river-live").await;
        click(&c, "report-problem").await;
        find(&c, "finding-category")
            .await
            .select_by_value("dumping")
            .await
            .unwrap();
        type_into(&c, "finding-note", "河岸堆放建筑垃圾约 10 立方米").await;
        choose_file(&c, "finding-photos-camera", &photo).await;
        shots.take(&c, "river-report-problem").await;
        click(&c, "finding-save").await;
        let said = photo_outcome(&c).await;
        assert!(!said.contains("未能保存"), "the river photo was stored: {said}");
        wait_text(&c, "patrol-findings", "河岸堆放建筑垃圾").await;
        wait_number(&c, "points", 100.0).await;
        shots.take(&c, "river-finding-saved").await;
        click_until(&c, "end-patrol", "end-notes").await;
        type_into(&c, "end-notes", "巡查正常").await;
        click(&c, "confirm-end").await;
        find(&c, "patrol-summary").await;
        let coverage = text(&c, "report-coverage").await;
        eprintln!("river patrol coverage shown: {coverage:?}");
        assert!(
            !coverage.starts_with("0%"),
            "the replayed track covers part of its reach: {coverage}"
        );
        shots.take(&c, "river-summary").await;

        // -- safety inspection with the record signed on the screen
        click(&c, "nav-home").await;
        click(&c, "go-inspection").await;
        let site = pick_site(&c, "insp-site", "企业").await;
        click(&c, "start-inspection").await;
        find(&c, "checklist-progress").await;
        for (code, answer) in [
            ("lic-01", "compliant"),
            ("resp-01", "compliant"),
            ("train-01", "compliant"),
            ("fire-01", "non_compliant"),
            ("fire-02", "compliant"),
            ("elec-01", "compliant"),
            ("gas-01", "not_applicable"),
            ("haz-01", "not_applicable"),
            ("plan-01", "compliant"),
        ] {
            let id = format!("answer-{code}-{answer}");
            click(&c, &id).await;
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(&format!("{}.on", css(&id))))
                .await
                .unwrap_or_else(|e| panic!("{id} was not taken: {e}"));
        }
        click(&c, "add-hazard").await;
        find(&c, "finding-category")
            .await
            .select_by_value("emergency_exit")
            .await
            .unwrap();
        type_into(&c, "finding-note", "二楼安全出口堆放纸箱").await;
        choose_file(&c, "finding-photos-gallery", &hazard_photo).await;
        click(&c, "finding-save").await;
        let said = photo_outcome(&c).await;
        assert!(!said.contains("未能保存"), "the hazard photo was stored: {said}");
        wait_text(&c, "hazards", "二楼安全出口堆放纸箱").await;
        shots.take(&c, "inspection-checklist").await;
        click(&c, "preview-record").await;
        let content = find(&c, "record-content").await.prop("value").await.unwrap();
        assert!(
            content.unwrap_or_default().contains("安全出口"),
            "the record's text is drawn from the checklist"
        );
        set_value(&c, "record-deadline", "2030-12-31").await;
        shots.take(&c, "inspection-record-preview").await;
        click(&c, "issue-record").await;
        record_number = wait_text(&c, "record-number", "DEMO-01-").await;
        eprintln!("on-site record issued: {record_number:?} at {site}");
        sign(&c, "sig-inspector", "confirm-inspector").await;
        click(&c, "confirm-inspector").await;
        find(&c, "signed-inspector").await;
        type_into(&c, "name-party", "王厂长").await;
        sign(&c, "sig-party", "confirm-party").await;
        shots.take(&c, "inspection-party-signing").await;
        click(&c, "confirm-party").await;
        find(&c, "signed-party").await;
        shots.take(&c, "inspection-signed").await;
        click(&c, "close-inspection").await;
        find(&c, "record-doc").await;
        shots.take(&c, "inspection-record").await;
        // The on-site record's PDF, typeset by the core on the phone (no request leaves it),
        // shown page by page to the inspected party.
        click(&c, "open-on_site_record").await;
        find(&c, "document-page").await;
        let deadline = std::time::Instant::now() + PATIENCE;
        let drawn = loop {
            let width = c
                .execute(
                    "const img = document.querySelector('[data-testid=document-page]'); \
                     return img && img.complete ? img.naturalWidth : 0;",
                    vec![],
                )
                .await
                .unwrap()
                .as_f64()
                .unwrap_or(0.0);
            if width > 100.0 || std::time::Instant::now() > deadline {
                break width;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert!(drawn > 100.0, "the document's first page is drawn: {drawn}");
        let saved = text(&c, "document-saved").await;
        assert!(
            saved.contains("现场检查记录-") && saved.contains(".pdf"),
            "{saved}"
        );
        shots.take(&c, "inspection-document").await;
        click(&c, "close-document").await;

        // -- fishing-ban patrol with a business check and a commitment letter
        click(&c, "nav-home").await;
        click(&c, "go-fishing").await;
        type_into(&c, "fish-area", "采尔克尼察湖沿岸及周边商户").await;
        click(&c, "start-fishing").await;
        find(&c, "patrol-stats").await;
        click(&c, "tab-check").await;
        pick_site(&c, "check-site", "餐馆").await;
        choose(&c, "outcome-violation_found").await;
        type_into(&c, "check-notes", "发现疑似长江野生鱼 3 条").await;
        assert!(
            wait_enabled(&find(&c, "save-check").await, PATIENCE).await,
            "the check can be saved once a business is chosen"
        );
        click(&c, "save-check").await;
        wait_text(&c, "fish-counts", "1 家").await;
        shots.take(&c, "fishing-business-check").await;
        click(&c, "tab-letter").await;
        let shop = pick_site(&c, "letter-site", "渔具店").await;
        wait_text(&c, "letter-text", &shop).await;
        type_into(&c, "letter-signer", "张老板").await;
        sign(&c, "sig-letter", "save-letter").await;
        shots.take(&c, "fishing-letter").await;
        click(&c, "save-letter").await;
        wait_text(&c, "fish-counts", "承诺书 1 份").await;
        click_until(&c, "end-patrol", "confirm-end").await;
        click(&c, "confirm-end").await;
        find(&c, "patrol-summary").await;
        shots.take(&c, "fishing-summary").await;

        // -- records, then sync from the app
        click(&c, "nav-records").await;
        find(&c, "record-inspection").await;
        shots.take(&c, "records").await;
        click(&c, "nav-sync").await;
        let waiting = wait_number(&c, "outbox-count", 1.0).await;
        click(&c, "sync-now").await;
        let report = wait_text(&c, "sync-report", "已上传").await;
        eprintln!("sync report: {report:?} ({waiting} events were waiting)");
        assert!(
            report.contains(&format!("已上传 {waiting} 条事件")),
            "every waiting event went up: {report}"
        );
        wait_text(&c, "outbox-count", "0").await;
        shots.take(&c, "sync-done").await;
        c.close().await.unwrap();
    });
    drop(driver);

    // -- what the app recorded, and what the server holds
    let device = open_device(&data_dir);
    let all = records(&device);
    eprintln!("records on the device: {all:#?}");
    let one = |kind: RecordKind| {
        let of_kind: Vec<_> = all.iter().filter(|r| r.kind == kind).collect();
        assert_eq!(of_kind.len(), 1, "one {kind:?} recorded in the app");
        of_kind[0].clone()
    };
    let river = one(RecordKind::RiverPatrol);
    let inspection = one(RecordKind::Inspection);
    let fishing = one(RecordKind::FishingBanPatrol);
    assert_eq!(river.status, "ended");
    assert!(
        river.point_count >= 100,
        "the replayed track was stored: {} points",
        river.point_count
    );
    assert_eq!((river.finding_count, river.photo_count), (1, 1));
    assert_eq!(inspection.status, "closed");
    assert_eq!((inspection.finding_count, inspection.photo_count), (1, 1));
    assert_eq!(fishing.status, "ended");

    let detail = |id: &str| match device.handle(Request::GetRecord { id: id.to_owned() }).unwrap() {
        Response::Record(r) => serde_json::to_value(&r.state).unwrap(),
        other => panic!("{other:?}"),
    };
    let insp = detail(&inspection.id);
    let signatures = &insp["state"]["record"]["signatures"];
    assert_eq!(signatures["inspected_party"]["signer_name"], "王厂长", "{insp}");
    assert!(signatures["inspector"]["signature"].is_string(), "{insp}");
    assert_eq!(
        insp["state"]["record"]["number"]
            .as_str()
            .map(|n| record_number.contains(n)),
        Some(true)
    );
    let fish = detail(&fishing.id);
    let letters = fish["state"]["letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{fish}");
    assert_eq!(letters[0]["signer_name"], "张老板");
    assert_eq!(fish["state"]["business_checks"].as_array().unwrap().len(), 1);

    // The server holds exactly the device's events, hash for hash, and every signature image,
    // thumbnail and upload copy they refer to (originals wait for Wi-Fi, as the app's default).
    assert_server_holds_exactly(&server, &device, false);
    let refs = device.with_store_mut(|s| s.referenced_blobs().unwrap());
    let count = |u: BlobUse| refs.iter().filter(|(_, x)| *x == u).count();
    assert_eq!(
        count(BlobUse::Signature),
        3,
        "inspector, inspected party, commitment letter: {refs:?}"
    );
    assert_eq!(count(BlobUse::UploadCopy), 2, "{refs:?}");
    for (hash, usage) in &refs {
        if *usage != BlobUse::Original {
            assert!(
                server.blob(hash).is_some(),
                "the server holds the {usage:?} {hash}"
            );
        }
    }
}
