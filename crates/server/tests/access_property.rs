//! The access model as a property of the real server: random sequences of writes by eight
//! principals (river chiefs of two brigades, a volunteer chief, an inspector, a fishing-ban
//! patroller, the offices of the street and of a brigade, an admin of a brigade), each from its
//! own enrolled phone, correctly signed and chained, pushed over HTTP to a server on 127.0.0.1 —
//! payloads that claim another patroller or unit among them. After every push the record as the
//! server folded it is compared with the record before: each change the server applied must be
//! one docs/ACCESS.md allows, by the rules written out independently in `access_model` (shared
//! with the domain's property test of the fold), and a record stays filed under its creator.
//! SQLite only: the rule is decided above the storage, which the attack suite runs on both.
#![allow(clippy::unwrap_used)]

#[path = "../../domain/tests/access_model/mod.rs"]
mod access_model;

use access_model::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;
use xuncha_domain::payload::Payload;
use xuncha_domain::{FindingId, PatrolId, UnixMs};
use xuncha_server::db::AggregateRow;
use xuncha_testsupport::*;

async fn record(srv: &TestServer, key: xuncha_domain::payload::AggregateRef) -> Option<AggregateRow> {
    srv.state.db.read(move |s| s.aggregate_get(key)).await.unwrap()
}

#[test]
fn the_server_never_folds_a_change_the_access_model_refuses() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let backend = sqlite();
    let org = org();
    let (srv, phones) = rt.block_on(async {
        // Thousands of pushes from one phone within seconds: no rate limit here.
        let srv = TestServer::start_with(xuncha_server::app::Config {
            limits: xuncha_server::limits::Limits {
                device_requests_per_minute: 1_000_000,
                device_burst: 100_000,
                ..Default::default()
            },
            ..backend.config()
        })
        .await;
        for u in &org.units {
            let (u, chain) = (u.clone(), srv.state.chain.clone());
            srv.state
                .db
                .write(move |s| {
                    s.unit_upsert(&u)?;
                    chain.append(s, Payload::UnitDefined(u), None, UnixMs(now()))
                })
                .await
                .unwrap();
        }
        let mut phones = Vec::new();
        for p in &org.people {
            xuncha_server::office::create_user_with_password(
                &srv.state,
                p.clone(),
                password_of(&p.login),
                None,
            )
            .await
            .unwrap();
            phones.push(srv.enrol(&p.login).await);
        }
        (srv, phones)
    });
    let phones = tokio::sync::Mutex::new(phones);
    // Strictly increasing stamps, so the server folds the events in the order they were pushed.
    let last = Cell::new(0i64);
    let applied = Cell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases: 32,
        ..Config::default()
    });
    let steps = proptest::collection::vec((principal(), op()), 1..120);
    runner
        .run(&steps, |steps| {
            let patrols = [PatrolId::new(), PatrolId::new()];
            let findings = [FindingId::new(), FindingId::new()];
            rt.block_on(async {
                // Both chiefs' records exist from the start, so the random steps act on them.
                let prelude = [
                    (
                        0,
                        Op::Start {
                            patrol: 0,
                            fishing: false,
                            claim: None,
                        },
                    ),
                    (
                        0,
                        Op::Report {
                            finding: 0,
                            patrol: 0,
                        },
                    ),
                    (
                        1,
                        Op::Start {
                            patrol: 1,
                            fishing: false,
                            claim: None,
                        },
                    ),
                    (
                        1,
                        Op::Report {
                            finding: 1,
                            patrol: 1,
                        },
                    ),
                ];
                for (who_i, op) in prelude.iter().chain(&steps) {
                    let who = &org.people[*who_i];
                    last.set((last.get() + 1).max(now()));
                    let t = UnixMs(last.get());
                    let mut phones = phones.lock().await;
                    let phone = &mut phones[*who_i];
                    let event = phone.next_at(payload(op, &org, who, &patrols, &findings, t), t.0);
                    let key = event.payload.aggregate();
                    let before = record(&srv, key).await;
                    srv.push_ok(phone, &[event]).await;
                    let Some(after) = record(&srv, key).await else {
                        continue;
                    };
                    if before.as_ref().map(|r| &r.state) == Some(&after.state) {
                        continue;
                    }
                    if before.is_none() {
                        assert_eq!(
                            (after.unit, after.owner),
                            (Some(who.unit), Some(who.id)),
                            "a new record is filed under its creator"
                        );
                    }
                    let placement = Placement {
                        unit: after.unit.unwrap(),
                        owner: after.owner.unwrap(),
                    };
                    let parse = |r: &AggregateRow| xuncha_server::fold::parse_state(&r.state).unwrap();
                    check_change(
                        &org,
                        who,
                        before.as_ref().map(parse).as_ref(),
                        &parse(&after),
                        placement,
                    );
                    applied.set(applied.get() + 1);
                }
            });
            Ok(())
        })
        .unwrap();
    // Not vacuous: the server applied changes, not only refusals.
    assert!(applied.get() > 100, "only {} changes applied", applied.get());
}
