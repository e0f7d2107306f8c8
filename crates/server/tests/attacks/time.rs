//! Attacks on time (issue 11, class 4), over real HTTP on SQLite and PostgreSQL: a phone signs
//! correctly chained events stamped in the year 9999, in 1970 or before it, or carrying such
//! times inside the payload. Each is kept as flagged evidence (`invalid`) and never folded; the
//! record stays as it was; and the office's next decision on that record is stamped with the
//! server's real time, not dragged to 9999 after the attacker's stamp.

use reqwest::StatusCode;
use serde_json::json;
use xuncha_domain::payload::{AggregateKind, AggregateRef, FindingAmended, Payload};
use xuncha_domain::wire::EventOutcome;
use xuncha_domain::{Event, EventDraft, EventId, FindingId, Hlc, UnixMs};
use xuncha_testsupport::*;

/// 9999-12-31T23:59:59Z.
const YEAR_9999: i64 = 253_402_300_799_000;

/// The next event of `phone`'s chain with exactly this clock stamp (a tampered phone clock can
/// say anything, including a negative time its own HLC would never make).
fn stamped(phone: &mut Phone, payload: Payload, wall_ms: i64) -> Event {
    phone.seq += 1;
    let e = EventDraft {
        id: EventId::new(),
        device: phone.device,
        seq: phone.seq,
        hlc: Hlc {
            wall_ms,
            counter: 0,
            device: phone.device,
        },
        author: Some(phone.user.id),
        occurred_at: None,
        prev_hash: phone.prev,
        payload,
    }
    .sign(&phone.key);
    phone.prev = e.hash;
    e
}

fn amend(finding: FindingId, description: &str) -> Payload {
    Payload::FindingAmended(FindingAmended {
        finding,
        category: None,
        description: Some(description.into()),
        severity: None,
        location: None,
    })
}

fn finding_ref(finding: FindingId) -> AggregateRef {
    AggregateRef {
        kind: AggregateKind::Finding,
        id: finding.0,
    }
}

async fn finding_row(srv: &TestServer, finding: FindingId) -> xuncha_server::db::AggregateRow {
    srv.state
        .db
        .read(move |s| s.aggregate_get(finding_ref(finding)))
        .await
        .unwrap()
        .unwrap()
}

/// The office assigns `finding`; the decision's stamp must lie within the real time of the call.
async fn office_assigns_at_real_time(srv: &TestServer, office: &str, finding: FindingId) -> Event {
    let before = now();
    let (s, body) = srv
        .post(
            &format!("/api/v1/office/findings/{finding}/assign"),
            office,
            &json!({"assignee": "某建筑公司", "follow_up_by": null,
                "deadline": now() + 7 * 86_400_000i64, "note": "七日内清运"}),
        )
        .await;
    let after = now();
    assert_eq!(s, StatusCode::OK, "{body}");
    let decision: Event = serde_json::from_value(body).unwrap();
    assert!(
        decision.hlc.wall_ms >= before && decision.hlc.wall_ms <= after,
        "the decision is stamped {} — not the server's time ({before}..{after})",
        decision.hlc.wall_ms
    );
    decision
}

async fn events_stamped_outside_the_window_are_flagged_and_move_no_clock(b: &Backend) {
    let (srv, _seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;
    let (_patrol, finding, events) = phone.patrol_with_finding();
    assert_eq!(
        outcome_status(&srv.push_ok(&phone, &events).await),
        ["accepted", "accepted"]
    );
    let row_before = finding_row(&srv, finding).await;

    // Year 9999, 1970, before 1970, and a day and a minute ahead: each on the record itself.
    let attacks = [
        ("9999", YEAR_9999),
        ("1970", 0),
        ("before 1970", -86_400_000),
        ("a day ahead", now() + 86_400_000 + 60_000),
    ];
    let count_before = srv.event_count().await;
    for (what, wall) in attacks {
        let e = stamped(&mut phone, amend(finding, "已清理，无需整改"), wall);
        let r = srv.push_ok(&phone, &[e]).await;
        assert_eq!(outcome_status(&r), ["rejected-kept"], "{what}: {r:?}");
        assert_eq!(code_of(&r, 0), "invalid", "{what}");
        let EventOutcome::Rejected { message, .. } = &r.results[0].outcome else {
            unreachable!()
        };
        assert!(message.contains("时钟时间戳"), "{what}: {message}");
    }
    // Kept as evidence (the chain moves on), never folded: the finding is as it was.
    assert_eq!(srv.event_count().await, count_before + attacks.len() as i64);
    let row = finding_row(&srv, finding).await;
    assert_eq!(row.state, row_before.state);
    assert_eq!(row.last, row_before.last);

    // The office's decision afterwards carries the server's real time.
    let decision = office_assigns_at_real_time(&srv, &office, finding).await;
    assert!(decision.hlc.wall_ms < YEAR_9999);
    // And the phone, pulling it, sees it after its own real events.
    let pulled = srv.pull_all(&phone).await;
    assert!(pulled.iter().any(|e| e.id == decision.id));
    assert!(pulled.iter().all(|e| e.hlc.wall_ms <= now()));
}
story!(events_stamped_outside_the_window_are_flagged_and_move_no_clock);

async fn times_inside_a_payload_outside_the_window_are_flagged(b: &Backend) {
    let (srv, _seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;
    let (patrol, finding, events) = phone.patrol_with_finding();
    srv.push_ok(&phone, &events).await;

    for (what, t) in [("9999", YEAR_9999), ("1970", 0), ("negative", -1)] {
        let other = FindingId::new();
        let e = phone.next(finding_reported(other, patrol, UnixMs(t)));
        let r = srv.push_ok(&phone, &[e]).await;
        assert_eq!(outcome_status(&r), ["rejected-kept"], "{what}");
        assert_eq!(code_of(&r, 0), "invalid", "{what}");
        let absent = srv
            .state
            .db
            .read(move |s| s.aggregate_get(finding_ref(other)))
            .await
            .unwrap();
        assert!(absent.is_none(), "{what}: a refused finding must not exist");
    }
    office_assigns_at_real_time(&srv, &office, finding).await;
}
story!(times_inside_a_payload_outside_the_window_are_flagged);

/// A record whose last stamp lies far ahead (written before the window was enforced, or by a
/// clock the server once trusted) does not drag the server's clock: the decision is stamped
/// with the server's time.
async fn the_servers_clock_never_adopts_a_stamp_beyond_the_window(b: &Backend) {
    let (srv, _seed) = TestServer::seeded(b).await;
    let office = srv.login("office").await;
    let mut phone = srv.enrol("chief1").await;
    let (_patrol, finding, events) = phone.patrol_with_finding();
    srv.push_ok(&phone, &events).await;
    srv.state
        .db
        .write(move |s| {
            let mut row = s.aggregate_get(finding_ref(finding))?.unwrap();
            row.last.0 = YEAR_9999;
            s.aggregate_put(&row)
        })
        .await
        .unwrap();
    let first = office_assigns_at_real_time(&srv, &office, finding).await;
    // The clock is the server's for every later decision, on any record.
    let (_p2, f2, more) = phone.patrol_with_finding();
    srv.push_ok(&phone, &more).await;
    let second = office_assigns_at_real_time(&srv, &office, f2).await;
    assert!(second.hlc > first.hlc);
}
story!(the_servers_clock_never_adopts_a_stamp_beyond_the_window);

/// Robustness (class 10) on the wire: a tally of u32::MAX banners, then one more, and a 5 MiB
/// description are kept flagged, never folded, and never answered with a 500.
async fn oversized_numbers_and_texts_are_flagged_not_folded(b: &Backend) {
    let (srv, _seed) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("patroller").await;
    let patrol = xuncha_domain::PatrolId::new();
    let start = phone.next(Payload::PatrolStarted(xuncha_domain::payload::PatrolStarted {
        patrol,
        kind: xuncha_domain::payload::PatrolKind::FishingBan,
        unit: phone.user.unit,
        patroller: phone.user.id,
        reach: None,
        area: Some("江滩".into()),
        started_at: UnixMs(now()),
    }));
    let tally = |banners| {
        Payload::PublicityTallied(xuncha_domain::payload::PublicityTallied {
            patrol,
            tally: xuncha_domain::payload::Publicity {
                banners,
                signs: 0,
                notices: 0,
                leaflets: 0,
            },
        })
    };
    let ok = phone.next(tally(12));
    let huge = phone.next(tally(u32::MAX));
    let one_more = phone.next(tally(1));
    // A 5 MiB description (a push may be 32 MiB, so only validation stands in its way).
    let Payload::FindingReported(mut f) = finding_reported(FindingId::new(), patrol, UnixMs(now())) else {
        unreachable!()
    };
    f.description = "x".repeat(5 << 20);
    let long = phone.next(Payload::FindingReported(f));
    let (status, body) = srv.push(&phone, &[start, ok, huge, one_more, long]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r: xuncha_domain::wire::PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!(
        outcome_status(&r),
        [
            "accepted",
            "accepted",
            "rejected-kept",
            "accepted",
            "rejected-kept"
        ]
    );
    assert_eq!(code_of(&r, 2), "invalid");
    assert_eq!(code_of(&r, 4), "invalid");
    let row = srv
        .state
        .db
        .read(move |s| {
            s.aggregate_get(AggregateRef {
                kind: AggregateKind::Patrol,
                id: patrol.0,
            })
        })
        .await
        .unwrap()
        .unwrap();
    let state: serde_json::Value = serde_json::from_str(&row.state).unwrap();
    assert_eq!(state["state"]["publicity"]["banners"], 13);
}

story!(oversized_numbers_and_texts_are_flagged_not_folded);

async fn the_window_is_the_operators_to_narrow(b: &Backend) {
    // A server told to admit at most an hour of clock drift (`serve --clock-window-hours 1`).
    let srv = TestServer::start_with(xuncha_server::app::Config {
        limits: xuncha_server::limits::Limits {
            clock_window: xuncha_domain::time::TimeWindow {
                max_future_ms: 3_600_000,
                ..Default::default()
            },
            ..Default::default()
        },
        ..b.config()
    })
    .await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let (_, finding, events) = phone.patrol_with_finding();
    srv.push_ok(&phone, &events).await;
    let two_hours_ahead = stamped(&mut phone, amend(finding, "两小时后"), now() + 2 * 3_600_000);
    let r = srv.push_ok(&phone, &[two_hours_ahead]).await;
    assert_eq!(
        (outcome_status(&r), code_of(&r, 0)),
        (vec!["rejected-kept"], "invalid".to_owned()),
        "two hours ahead is outside a one-hour window"
    );
    let half_an_hour_ahead = stamped(&mut phone, amend(finding, "半小时后"), now() + 1_800_000);
    let r = srv.push_ok(&phone, &[half_an_hour_ahead]).await;
    assert_eq!(outcome_status(&r), vec!["accepted"]);
    assert!(finding_row(&srv, finding).await.state.contains("半小时后"));
}
story!(the_window_is_the_operators_to_narrow);

/// A late entry (补录) of a patrol by `phone` said to have happened at `occurred_at`.
fn late_patrol(phone: &mut Phone, occurred_at: i64) -> Event {
    let payload = Payload::PatrolStarted(xuncha_domain::payload::PatrolStarted {
        patrol: xuncha_domain::PatrolId::new(),
        kind: xuncha_domain::payload::PatrolKind::River,
        unit: phone.user.unit,
        patroller: phone.user.id,
        reach: None,
        area: Some("幸福渠北段".into()),
        started_at: UnixMs(occurred_at),
    });
    phone.late(payload, occurred_at)
}

async fn late_entries_are_bounded_by_the_server_whatever_a_device_signs(b: &Backend) {
    let (srv, seed) = TestServer::seeded(b).await;
    let admin = srv.login("admin").await;
    let day = 86_400_000i64;
    // A chief appointed thirty days ago, through the office's route.
    let (s, body) = srv
        .post(
            "/api/v1/office/users",
            &admin,
            &json!({"login": "chief9", "name": "新河长", "unit": seed.b1.id,
                "roles": [{"role": "river_chief", "level": "brigade"}], "password": password_of("chief9"),
                "active_from": now() - 30 * day}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let mut phone = srv.enrol("chief9").await;

    let ten_days_ago = late_patrol(&mut phone, now() - 10 * day);
    let before_appointment = late_patrol(&mut phone, now() - 60 * day);
    let not_yet = late_patrol(&mut phone, now() + 3_600_000);
    let r = srv
        .push_ok(&phone, &[ten_days_ago, before_appointment, not_yet])
        .await;
    assert_eq!(outcome_status(&r), ["accepted", "rejected-kept", "rejected-kept"]);
    assert_eq!(code_of(&r, 1), "invalid");
    assert_eq!(code_of(&r, 2), "invalid");

    // A user made before appointments were kept: only the window (400 days) bounds them.
    let mut old_hand = srv.enrol("chief1").await;
    let within = late_patrol(&mut old_hand, now() - 399 * day);
    let beyond = late_patrol(&mut old_hand, now() - 401 * day);
    let r = srv.push_ok(&old_hand, &[within, beyond]).await;
    assert_eq!(outcome_status(&r), ["accepted", "rejected-kept"]);

    // The office's route refuses an appointment in the future, and a field it does not know.
    for (login, extra) in [
        ("chief10", json!({"active_from": now() + 30 * day})),
        ("chief11", json!({"appointed": now()})),
    ] {
        let mut user = json!({"login": login, "name": "河长", "unit": seed.b1.id,
            "roles": [{"role": "river_chief", "level": "brigade"}], "password": password_of(login)});
        for (k, v) in extra.as_object().unwrap() {
            user[k] = v.clone();
        }
        let (s, body) = srv.post("/api/v1/office/users", &admin, &user).await;
        assert!(s.is_client_error(), "{login}: {s} {body}");
    }
}
story!(late_entries_are_bounded_by_the_server_whatever_a_device_signs);
