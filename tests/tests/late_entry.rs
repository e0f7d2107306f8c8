//! Late entry (补录, issue 13): an office types in last year's paper inspection record on a
//! device with the date it happened. After a sync, the office's list of that month (and only
//! that month) holds it, flagged as entered late, numbered by the year it happened — on SQLite
//! and on PostgreSQL. A late entry before the inspector's first day of work is refused on the
//! device, and the server flags one a device made anyway.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use xuncha_core::api::{Request, Response};
use xuncha_domain::payload::*;
use xuncha_domain::people::{Role, User};
use xuncha_domain::reference::{ChecklistTemplate, Site};
use xuncha_domain::*;
use xuncha_e2e::*;

const DAY: i64 = UnixMs::DAY;
const BEIJING: i64 = 8 * UnixMs::HOUR;

/// (year, month) of a day count since 1970 (H. Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month)
}

/// The Beijing-time month holding `ms`, as [from, to) in ms.
fn month_around(ms: i64) -> (i64, i64) {
    let day = (ms + BEIJING).div_euclid(DAY);
    let month = civil(day);
    let mut first = day;
    while civil(first - 1) == month {
        first -= 1;
    }
    let mut next = day;
    while civil(next) == month {
        next += 1;
    }
    (first * DAY - BEIJING, next * DAY - BEIJING)
}

struct Inspection {
    site: Site,
    checklist: ChecklistTemplate,
}

/// An enterprise, a checklist and a safety inspector appointed `appointed_days_ago` in the
/// first brigade (`veteran`), and an inspector appointed today (`newcomer`).
fn inspection_reference(server: &Server, seed: &Seed, appointed_days_ago: i64) -> Inspection {
    let unit = seed.b1.id;
    let site = reference_data::enterprise(unit);
    let checklist = reference_data::checklist();
    server.define(vec![
        Payload::SiteDefined(site.clone()),
        Payload::ChecklistPublished(checklist.clone()),
    ]);
    let now = xuncha_server::now_ms();
    for (login, from) in [("veteran", now - appointed_days_ago * DAY), ("newcomer", now)] {
        server.add_user(User {
            active_from: Some(UnixMs(from)),
            ..reference_data::user(login, unit, vec![Role::SafetyInspector])
        });
    }
    Inspection { site, checklist }
}

fn late(at: i64, action: Request) -> Request {
    Request::LateEntry {
        at: UnixMs(at),
        action: Box::new(action),
    }
}

fn recorded(r: xuncha_core::Result<Response>) -> xuncha_core::api::Recorded {
    match r.unwrap() {
        Response::Recorded(r) => r,
        other => panic!("expected Recorded, got {other:?}"),
    }
}

fn last_years_paper_inspection_is_listed_in_its_own_month(backend: Backend) {
    let server = Server::start(backend);
    let seed = seed(&server);
    let now = xuncha_server::now_ms();
    // About eleven months ago, 10:00 Beijing time: most often last year, always another month.
    let at = ((now - 330 * DAY + BEIJING).div_euclid(DAY) * DAY) + 10 * UnixMs::HOUR - BEIJING;
    let r = inspection_reference(&server, &seed, 400);

    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path());
    enrol(&device, &server.url(), "veteran");
    sync(&device, false);
    let id = recorded(device.handle(late(
        at,
        Request::StartInspection {
            site: r.site.id,
            checklist: r.checklist.id,
            position: None,
        },
    )))
    .id;
    let inspection = InspectionId(id.parse().unwrap());
    for (item, answer, note) in [
        ("fire-01", Answer::NonCompliant, "灭火器过期"),
        ("exit-01", Answer::Compliant, ""),
    ] {
        recorded(device.handle(late(
            at + 10 * UnixMs::MINUTE,
            Request::AnswerChecklistItem {
                inspection,
                item: item.into(),
                answer,
                note: note.into(),
            },
        )));
    }
    let number = recorded(device.handle(late(
        at + 20 * UnixMs::MINUTE,
        Request::IssueOnSiteRecord {
            inspection,
            content: "灭火器过期，限期更换".into(),
            rectification_deadline: Some(UnixMs(at + 10 * DAY)),
        },
    )))
    .number
    .unwrap();
    for (role, name) in [
        (SignerRole::Inspector, "检查员"),
        (SignerRole::InspectedParty, "厂长"),
    ] {
        let signature = device
            .blobs()
            .unwrap()
            .put(format!("{name} 的签名图像").as_bytes())
            .unwrap();
        recorded(device.handle(late(
            at + 25 * UnixMs::MINUTE,
            Request::SignDocument {
                inspection,
                role,
                signer_name: name.into(),
                signature,
            },
        )));
    }
    recorded(device.handle(late(
        at + 30 * UnixMs::MINUTE,
        Request::CloseInspection {
            inspection,
            notes: String::new(),
        },
    )));
    let report = sync(&device, false);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    let (year, _) = civil((at + BEIJING).div_euclid(DAY));
    assert!(
        number.contains(&format!("-{year}-")),
        "numbered by the year it happened: {number}"
    );

    let (from, to) = month_around(at);
    let that_month = server.office_get(&format!(
        "/api/v1/office/records?kind=inspection&from={from}&to={to}"
    ));
    let that_month = that_month.as_array().unwrap();
    assert_eq!(that_month.len(), 1, "{that_month:?}");
    let listed = &that_month[0];
    assert_eq!(listed["aggregate"]["id"].as_str(), Some(id.as_str()));
    assert_eq!(listed["late_entry"], true);
    assert_eq!(listed["record_ms"].as_i64(), Some(at));
    assert_eq!(
        listed["state"]["state"]["record"]["number"].as_str(),
        Some(number.as_str())
    );
    assert_eq!(
        listed["state"]["state"]["closed_at"].as_i64(),
        Some(at + 30 * UnixMs::MINUTE)
    );
    let (from, to) = month_around(now);
    let this_month = server.office_get(&format!(
        "/api/v1/office/records?kind=inspection&from={from}&to={to}"
    ));
    assert_eq!(this_month, serde_json::json!([]));

    // An inspector appointed today may not enter anything dated before today.
    let dir = tempfile::tempdir().unwrap();
    let newcomer = open_device(dir.path());
    enrol(&newcomer, &server.url(), "newcomer");
    sync(&newcomer, false);
    let refused = newcomer.handle(late(
        at,
        Request::StartInspection {
            site: r.site.id,
            checklist: r.checklist.id,
            position: None,
        },
    ));
    match refused {
        Err(xuncha_core::CoreError::Invalid(v)) => assert_eq!(v.field, "occurred_at"),
        other => panic!("expected the late entry refused, got {other:?}"),
    }
}

#[test]
fn last_years_paper_inspection_is_listed_in_its_own_month_sqlite() {
    last_years_paper_inspection_is_listed_in_its_own_month(sqlite());
}

#[test]
fn last_years_paper_inspection_is_listed_in_its_own_month_postgres() {
    if let Some(b) = postgres() {
        last_years_paper_inspection_is_listed_in_its_own_month(b);
    }
}
