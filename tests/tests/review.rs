//! The office sends a patrol back with a comment and the chief's phone shows it after its next
//! sync; the office then approves it, and the phone shows that too. Through the real core and a
//! real server, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use xuncha_core::api::describe::TimelineEvent;
use xuncha_core::api::{Request, Response};
use xuncha_core::store::queries::SyncState;
use xuncha_domain::payload::ReviewDecision;
use xuncha_domain::state::{AggregateState, ReviewState};
use xuncha_domain::*;
use xuncha_e2e::*;

/// The record as the phone shows it: its review, its sync state and its timeline's reviews.
fn on_phone(
    device: &xuncha_core::Device,
    patrol: PatrolId,
) -> (Option<ReviewState>, SyncState, Vec<TimelineEvent>) {
    match device
        .handle(Request::GetRecord {
            id: patrol.to_string(),
        })
        .unwrap()
    {
        Response::Record(r) => {
            let review = match r.state {
                AggregateState::Patrol(p) => p.review,
                other => panic!("not a patrol: {other:?}"),
            };
            let reviews = r
                .timeline
                .into_iter()
                .map(|t| t.what)
                .filter(|e| matches!(e, TimelineEvent::RecordReviewed { .. }))
                .collect();
            (review, r.summary.sync, reviews)
        }
        other => panic!("{other:?}"),
    }
}

fn sent_back_then_approved(backend: Backend) {
    require_fixtures!();
    let server = Server::start(backend);
    let seed = seed(&server);
    let dir = tempfile::tempdir().unwrap();
    let phone = open_device(dir.path());
    enrol(&phone, &server.url(), &seed.chiefs()[0].login);
    sync(&phone, true);
    let (patrol, _) = record_patrol(
        &phone,
        seed.reaches[0].id,
        120,
        &[fixture("photos/gps/DSCN0010.jpg")],
    );
    sync(&phone, true);

    let office = server.office_token();
    let path = format!("/api/v1/office/records/patrol/{patrol}/review");
    server.office_post(
        &office,
        &path,
        &serde_json::json!({"decision": "sent_back", "comment": "轨迹中断 20 分钟，请说明原因"}),
    );
    assert_eq!(on_phone(&phone, patrol).0, None, "not before a pull");
    let r = sync(&phone, true);
    assert!(r.pulled > 0, "{r:?}");
    let (review, sync_state, timeline) = on_phone(&phone, patrol);
    let review = review.expect("the phone holds the office's review");
    assert_eq!(review.decision, ReviewDecision::SentBack);
    assert_eq!(review.comment, "轨迹中断 20 分钟，请说明原因");
    assert_eq!(
        sync_state,
        SyncState::ChangedByOffice,
        "the record says the office acted"
    );
    assert_eq!(
        timeline,
        vec![TimelineEvent::RecordReviewed {
            decision: ReviewDecision::SentBack,
            comment: "轨迹中断 20 分钟，请说明原因".into(),
        }]
    );

    // The office's record says the same.
    let detail = server.office_get(&format!("/api/v1/office/records/patrol/{patrol}"));
    assert_eq!(
        detail["record"]["state"]["state"]["review"]["decision"], "sent_back",
        "{detail}"
    );

    server.office_post(&office, &path, &serde_json::json!({"decision": "approved"}));
    sync(&phone, true);
    let (review, _, timeline) = on_phone(&phone, patrol);
    assert_eq!(review.map(|r| r.decision), Some(ReviewDecision::Approved));
    assert_eq!(
        timeline.len(),
        2,
        "both reviews stay in the timeline: {timeline:?}"
    );
}

#[test]
fn a_patrol_sent_back_reaches_the_phone_with_its_comment_on_sqlite() {
    sent_back_then_approved(sqlite());
}

#[test]
fn a_patrol_sent_back_reaches_the_phone_with_its_comment_on_postgres() {
    if let Some(b) = postgres() {
        sent_back_then_approved(b);
    }
}
