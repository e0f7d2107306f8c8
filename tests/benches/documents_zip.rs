//! The office's month of on-site inspection records as one ZIP, made by a real server from a
//! generated year (the demo subdistrict, 700 inspections a month by default): how long the
//! background export takes from the request to the last document, documents per second, and the
//! file's size. The documents are the real ones: each typeset with its fonts, signatures,
//! verification QR code and the record's facts read from storage.
//!
//! Run: `cargo bench -p xuncha-e2e --bench documents_zip`; XUNCHA_BENCH_INSPECTIONS sets the
//! month's inspections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark: it prints its figures

use std::time::{Duration, Instant};
use xuncha_domain::people::{Role, User};
use xuncha_domain::{UnitId, UserId};
use xuncha_e2e::*;
use xuncha_server::demo_year::{REPORT_2020, Shape};

const YEAR: i32 = 2025;
const BEIJING: i64 = 8 * 3_600_000;

/// Midnight in China at the start of the 1st of `month` (1-based) of YEAR, in ms.
fn month_start(month: u32) -> i64 {
    let (y, m) = if month > 12 { (YEAR + 1, 1) } else { (YEAR, month) };
    let days = xuncha_domain::calendar::Day::new(y, m as u8, 1).unwrap().days();
    days * 86_400_000 - BEIJING
}

fn main() {
    let per_month: u32 = env_or("XUNCHA_BENCH_INSPECTIONS", 700);
    let server = Server::start(sqlite());
    let st = server.state.clone();
    let t = Instant::now();
    let root: UnitId = server.rt.block_on(async {
        let demo = xuncha_server::demo::content();
        xuncha_server::demo::load_content(&st, &demo).await.unwrap();
        let shape = Shape {
            inspections: per_month * 12,
            ..REPORT_2020
        };
        xuncha_server::demo_year::load_year(&st, &demo, YEAR, &shape)
            .await
            .unwrap();
        demo.units.iter().find(|u| u.parent.is_none()).unwrap().id
    });
    println!(
        "a year of {} inspections loaded in {:.1} s",
        per_month * 12,
        t.elapsed().as_secs_f64()
    );
    let office = server.add_user(User {
        active_from: None,
        id: UserId::new(),
        name: "文书导出".into(),
        login: "bench-office".into(),
        unit: root,
        roles: vec![Role::Office],
    });
    let http = reqwest::blocking::Client::new();
    let token: String = http
        .post(format!("{}/api/v1/session", server.url()))
        .json(&serde_json::json!({"login": office.login, "password": xuncha_testsupport::password_of(&office.login)}))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let t = Instant::now();
    let job: serde_json::Value = http
        .post(format!("{}/api/v1/office/exports/documents", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "on_site_record", "from": month_start(6), "to": month_start(7)}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let url = format!(
        "{}/api/v1/office/exports/{}",
        server.url(),
        job["id"].as_str().expect("a job")
    );
    let job = loop {
        let job: serde_json::Value = http.get(&url).bearer_auth(&token).send().unwrap().json().unwrap();
        if job["state"] != "running" {
            break job;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let made_s = t.elapsed().as_secs_f64();
    assert_eq!(job["state"], "done", "{job}");
    let zip = http
        .get(format!("{url}/file"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let total_s = t.elapsed().as_secs_f64();
    let docs = job["documents"].as_u64().unwrap_or(0);
    println!(
        "June's on-site records as one ZIP: {docs} documents of {} inspections in {made_s:.1} s = {:.1} documents/s; \
         {:.1} MB, downloaded by {total_s:.1} s",
        job["total"],
        docs as f64 / made_s,
        zip.len() as f64 / 1e6
    );
}
