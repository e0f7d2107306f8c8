//! An inspector's on-site record and rectification order, made on a real phone, synced to a
//! real server and downloaded by the office as PDF: poppler finds the Chinese words and the
//! number with the CJK font embedded, zbar reads the QR code, and the address it holds answers
//! "matches" — also for the uploaded PDF, and with what changed since once the office acts.
//! Then one byte of the record is changed in the database, and the same address answers
//! "does not match". On both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use xuncha_core::api::{Request, Response};
use xuncha_domain::payload::{Answer, PhotoRole, PhotoTarget, RecordRef, Severity, SignerRole};
use xuncha_domain::*;
use xuncha_e2e::*;
use xuncha_testsupport::pdf::{open_with_poppler, signature_png};
use xuncha_testsupport::reference_data;

fn recorded(r: xuncha_core::Result<Response>) -> xuncha_core::api::Recorded {
    match r.unwrap() {
        Response::Recorded(r) => r,
        other => panic!("expected Recorded, got {other:?}"),
    }
}

/// An inspection with a failed item, a hazard with a photo, the on-site record with a
/// deadline, signed by both sides, closed: its id and the record's number.
fn inspect(device: &xuncha_core::Device, site: SiteId, checklist: ChecklistId) -> (InspectionId, String) {
    let inspection = InspectionId(
        recorded(device.handle(Request::StartInspection {
            site,
            checklist,
            position: Some(Position::new(114.10, 30.65)),
        }))
        .id
        .parse()
        .unwrap(),
    );
    for (item, answer, note) in [
        ("fire-01", Answer::Compliant, ""),
        ("exit-01", Answer::NonCompliant, "二号车间东侧安全出口堆放货物"),
    ] {
        recorded(device.handle(Request::AnswerChecklistItem {
            inspection,
            item: item.into(),
            answer,
            note: note.into(),
        }));
    }
    let finding: FindingId = recorded(device.handle(Request::report_finding(
        RecordRef::Inspection(inspection),
        "fire_safety",
        "安全出口堆放货物",
        Severity::Major,
        Some(Position::new(114.1001, 30.6501)),
    )))
    .id
    .parse()
    .unwrap();
    let Response::PhotoImported(p) = device
        .handle(Request::ImportPhotoFile {
            path: fixture("photos/gps/DSCN0010.jpg").to_string_lossy().into_owned(),
            device_fix: None,
            utc_offset_min: Some(480),
        })
        .unwrap()
    else {
        panic!("not a photo")
    };
    for target in [PhotoTarget::Finding(finding), PhotoTarget::Inspection(inspection)] {
        recorded(device.handle(Request::AttachPhoto {
            target,
            role: PhotoRole::Evidence,
            original: p.original,
            upload: Some(p.upload),
            thumbnail: Some(p.thumbnail),
            taken_at: p.taken_at,
            position: p.position,
            position_source: p.position_source,
            caption: "安全出口堆放货物".into(),
        }));
    }
    let number = recorded(device.handle(Request::IssueOnSiteRecord {
        inspection,
        content: "二号车间东侧安全出口堆放货物，责令立即清理，保持畅通。".into(),
        rectification_deadline: Some(UnixMs(device.now().0 + 7 * UnixMs::DAY)),
    }))
    .number
    .unwrap();
    for (seed, role, name) in [
        (1, SignerRole::Inspector, "王检查"),
        (2, SignerRole::InspectedParty, "李厂长"),
    ] {
        let signature = device.blobs().unwrap().put(&signature_png(seed)).unwrap();
        recorded(device.handle(Request::SignDocument {
            inspection,
            role,
            signer_name: name.into(),
            signature,
        }));
    }
    recorded(device.handle(Request::CloseInspection {
        inspection,
        notes: String::new(),
    }));
    (inspection, number)
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

/// GET `url` (absolute) as `token`; the bytes, after asserting success.
fn download(url: &str, token: Option<&str>) -> Vec<u8> {
    let mut req = http().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().unwrap();
    let status = resp.status();
    let bytes = resp.bytes().unwrap().to_vec();
    assert!(
        status.is_success(),
        "{url}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    bytes
}

fn verify_json(server: &Server, qr: &str) -> serde_json::Value {
    let api = qr.replacen(
        &format!("{}/verify/", server.url()),
        &format!("{}/api/v1/verify/", server.url()),
        1,
    );
    serde_json::from_slice(&download(&api, None)).unwrap()
}

/// Changes one byte of the inspection's stored events: the content's "立即" becomes "尽快".
fn tamper(server: &Server, inspection: InspectionId) {
    let sql = "UPDATE events SET body = replace(body, '立即清理', '尽快清理') WHERE body LIKE '%立即清理%' AND agg_id = ";
    let url = &server.backend.database_url;
    let changed = if let Some(file) = url.strip_prefix("sqlite://") {
        let db = rusqlite::Connection::open(file).unwrap();
        db.execute(&format!("{sql}?1"), [inspection.to_string()]).unwrap() as u64
    } else {
        let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
        db.execute(&format!("{sql}$1"), &[&inspection.to_string()])
            .unwrap()
    };
    assert_eq!(changed, 1, "the IssueOnSiteRecord event holds the words");
}

fn documents_verify_and_tamper(backend: Backend) {
    require_fixtures!();
    let server = Server::start(backend);
    let seed = seed(&server);
    let site = reference_data::enterprise(seed.b1.id);
    let checklist = reference_data::checklist();
    server.define(vec![
        Payload::SiteDefined(site.clone()),
        Payload::ChecklistPublished(checklist.clone()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let phone = enrolled_device(dir.path(), &server.url(), &seed.inspector.login);
    sync(&phone, false);
    let (inspection, number) = inspect(&phone, site.id, checklist.id);
    let report = sync(&phone, true);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    let office = server.office_token();
    let base = format!(
        "{}/api/v1/office/records/inspection/{inspection}/documents",
        server.url()
    );
    let listed: serde_json::Value = serde_json::from_slice(&download(&base, Some(&office))).unwrap();
    let kinds: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["on_site_record", "rectification_order"], "{listed}");

    let on_site = download(&format!("{base}/on_site_record"), Some(&office));
    let opened = open_with_poppler(
        &on_site,
        &format!("e2e_on_site_record_{}", server.backend.name),
        &[
            "现场检查记录",
            &number,
            &site.name,
            "灭火器在有效期内",
            "《消防法》第二十八条",
            "不符合",
            "王检查",
            "李厂长",
            "立即清理",
        ],
    );
    let prefix = format!("{}/verify/inspection/{inspection}/", server.url());
    assert!(opened.qr.starts_with(&prefix), "the QR code: {}", opened.qr);
    let order = download(&format!("{base}/rectification_order"), Some(&office));
    let order = open_with_poppler(
        &order,
        &format!("e2e_rectification_order_{}", server.backend.name),
        &["责令限期整改指令书", &format!("{number}-ZG"), "安全出口堆放货物"],
    );
    assert_eq!(order.qr, opened.qr, "both reflect the same newest event");

    // The QR code's address, as a person's phone opens it, and as JSON.
    let page = String::from_utf8(download(&opened.qr, None)).unwrap();
    assert!(page.contains("✓ 一致") && page.contains("此后没有变化"), "{page}");
    let v = verify_json(&server, &opened.qr);
    assert_eq!(v["matches"], true, "{v}");
    assert_eq!(v["event"]["kind"], "InspectionClosed", "{v}");

    // The PDF itself, uploaded.
    let resp = http()
        .post(format!("{}/api/v1/verify", server.url()))
        .body(on_site.clone())
        .send()
        .unwrap();
    let uploaded: serde_json::Value = resp.json().unwrap();
    assert_eq!(uploaded, v, "the upload answers as the address does");
    let not_ours = http()
        .post(format!("{}/api/v1/verify", server.url()))
        .body(b"%PDF-1.7 some other office's form".to_vec())
        .send()
        .unwrap();
    assert_eq!(not_ours.status().as_u16(), 422);

    // The office acts on the hazard: the document still matches, and says what changed.
    let finding = server.office_get("/api/v1/office/records?kind=finding")[0]["aggregate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.office_post(
        &office,
        &format!("/api/v1/office/findings/{finding}/assign"),
        &serde_json::json!({"assignee": "汉阳机械厂 李厂长", "deadline": phone.now().0 + 7 * UnixMs::DAY, "note": ""}),
    );
    let v = verify_json(&server, &opened.qr);
    assert_eq!(v["matches"], true, "{v}");
    assert_eq!(v["changed_since"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["changed_since"][0]["kind"], "RectificationAssigned", "{v}");

    // A hash the record never had does not match.
    let wrong = format!("{prefix}{}", EventHash::of(b"another document").to_hex());
    assert_eq!(verify_json(&server, &wrong)["matches"], false);

    // A month's on-site records as one ZIP, made in the background while the office waits.
    let now = phone.now().0;
    let job: serde_json::Value = server.office_post(
        &office,
        "/api/v1/office/exports/documents",
        &serde_json::json!({"kind": "on_site_record", "from": now - 30 * UnixMs::DAY, "to": now + UnixMs::DAY}),
    );
    let status_url = format!(
        "{}/api/v1/office/exports/{}",
        server.url(),
        job["id"].as_str().unwrap()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let job = loop {
        let job: serde_json::Value = serde_json::from_slice(&download(&status_url, Some(&office))).unwrap();
        if job["state"] != "running" || std::time::Instant::now() > deadline {
            break job;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        (job["total"].as_u64(), job["documents"].as_u64()),
        (Some(1), Some(1)),
        "{job}"
    );
    let zip = download(&format!("{status_url}/file"), Some(&office));
    let zip_file = dir.path().join("export.zip");
    std::fs::write(&zip_file, &zip).unwrap();
    let listing = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist(): print(n, z.read(n)[:5].decode('latin1'))",
        ])
        .arg(&zip_file)
        .output()
        .unwrap();
    let listing = String::from_utf8(listing.stdout).unwrap();
    assert_eq!(
        listing.trim(),
        format!("现场检查记录-{number}.pdf %PDF-"),
        "Python's zipfile reads it"
    );

    // The same records as the office's XLSX ledger (台账), read back by calamine.
    let xlsx = download(
        &format!(
            "{}/api/v1/office/exports/records.xlsx?kind=inspection",
            server.url()
        ),
        Some(&office),
    );
    let xlsx_file = dir.path().join("ledger.xlsx");
    std::fs::write(&xlsx_file, &xlsx).unwrap();
    let sheet = xuncha_testsupport::sheet::sheet(&xlsx_file, "检查台账");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        &header[..4],
        ["序号", "单位", "检查人员", "被检查单位"],
        "{header:?}"
    );
    let rows = xuncha_testsupport::sheet::text_rows(&sheet);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[0][col("被检查单位")], site.name);
    assert_eq!(rows[0][col("现场检查记录编号")], number);
    assert_eq!(rows[0][col("不符合项")], "1");
    let when = &sheet.rows().nth(1).unwrap()[col("检查时间")];
    assert!(
        format!("{when:?}").contains("DateTime"),
        "a real date, not text: {when:?}"
    );

    // One byte of the record changed where it is stored: the same address now says so.
    tamper(&server, inspection);
    let v = verify_json(&server, &opened.qr);
    assert_eq!(v["matches"], false, "{v}");
    assert!(v["message"].as_str().unwrap().starts_with("不一致"), "{v}");
    assert!(!v["problems"].as_array().unwrap().is_empty(), "{v}");
    let page = String::from_utf8(download(&opened.qr, None)).unwrap();
    assert!(page.contains("✗ 不一致"), "{page}");
}

#[test]
fn documents_download_as_pdf_and_their_qr_code_verifies_on_sqlite() {
    documents_verify_and_tamper(sqlite());
}

#[test]
fn documents_download_as_pdf_and_their_qr_code_verifies_on_postgres() {
    if let Some(b) = postgres() {
        documents_verify_and_tamper(b);
    }
}
