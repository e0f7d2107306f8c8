//! Over 500 lines: the store's whole contract through the API, one scenario a test.
//! The device store through the one API: records are saved with their timeline, the lifecycle's
//! rules refuse what they forbid without losing anything, and the read tables can be rebuilt
//! from the event log with an identical result.

mod support;

use support::*;
use xuncha_core::api::{Recorded, Request as R, Response};
use xuncha_core::store::queries::{RecordFilter, RecordKind, SyncState};
use xuncha_core::{CoreError, Store};
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::*;
use xuncha_domain::state::{AggregateState, FindingStatus};
use xuncha_domain::*;

/// A day's work on one device: a river patrol with findings, an inspection with a signed
/// record, a fishing-ban patrol with a commitment letter, and a rectified finding.
fn a_days_work(device: &xuncha_core::Device, r: &Reference) -> (PatrolId, FindingId, InspectionId, PatrolId) {
    let patrol = patrol_on_track(device, Some(r.reach.id), None);
    let finding: FindingId = made(device.handle(R::report_finding(
        RecordRef::Patrol(patrol),
        "dumping",
        "河岸堆放建筑垃圾约 3 方",
        Severity::Major,
        Some(Position::new(114.101, 30.6502)),
    )));
    recorded(device.handle(R::AttachPhoto {
        target: PhotoTarget::Finding(finding),
        role: PhotoRole::Evidence,
        original: BlobHash::of(b"photo-1"),
        upload: Some(BlobHash::of(b"photo-1-upload")),
        thumbnail: Some(BlobHash::of(b"photo-1-thumb")),
        taken_at: Some(UnixMs(T0 + 60_000)),
        position: Some(Position::new(114.101, 30.6502)),
        position_source: PositionSource::Exif,
        caption: String::new(),
    }));
    recorded(device.handle(R::EndPatrol {
        patrol,
        notes: "巡查完毕".into(),
        at: None,
    }));

    let inspection: InspectionId = made(device.handle(R::StartInspection {
        site: r.enterprise.id,
        checklist: r.checklist.id,
        position: Some(Position::new(114.11, 30.651)),
    }));
    recorded(device.handle(R::AnswerChecklistItem {
        inspection,
        item: "fire-01".into(),
        answer: Answer::NonCompliant,
        note: "灭火器过期".into(),
    }));
    recorded(device.handle(R::AnswerChecklistItem {
        inspection,
        item: "exit-01".into(),
        answer: Answer::Compliant,
        note: String::new(),
    }));
    let hazard: FindingId = made(device.handle(R::report_finding(
        RecordRef::Inspection(inspection),
        "fire_safety",
        "车间灭火器 2 具过期",
        Severity::Minor,
        None,
    )));
    let issued = recorded(device.handle(R::IssueOnSiteRecord {
        inspection,
        content: "灭火器过期，限期更换".into(),
        rectification_deadline: Some(UnixMs(T0 + 7 * UnixMs::DAY)),
    }));
    assert!(
        issued
            .number
            .as_deref()
            .is_some_and(|n| n.starts_with("HY-2026-")),
        "{issued:?}"
    );
    recorded(device.handle(R::SignDocument {
        inspection,
        role: SignerRole::Inspector,
        signer_name: "张河长".into(),
        signature: sig("张河长"),
    }));
    recorded(device.handle(R::SignDocument {
        inspection,
        role: SignerRole::InspectedParty,
        signer_name: "李厂长".into(),
        signature: sig("李厂长"),
    }));
    recorded(device.handle(R::CloseInspection {
        inspection,
        notes: String::new(),
    }));
    recorded(device.handle(R::AssignRectification {
        finding: hazard,
        assignee: "汉阳机械厂".into(),
        deadline: UnixMs(T0 + 7 * UnixMs::DAY),
        note: String::new(),
    }));
    recorded(device.handle(R::RectifyFinding {
        finding: hazard,
        note: "已更换灭火器".into(),
        after_photos: vec![BlobHash::of(b"after")],
        position: None,
    }));

    let ban: PatrolId = made(device.handle(R::StartPatrol {
        kind: PatrolKind::FishingBan,
        reach: None,
        area: Some("长江汉阳段岸线".into()),
        at: None,
    }));
    recorded(device.handle(R::RecordBusinessCheck {
        patrol: ban,
        site: r.restaurant.id,
        outcome: CheckOutcome::Compliant,
        notes: "未发现江鱼".into(),
    }));
    recorded(device.handle(R::SignCommitmentLetter {
        patrol: ban,
        site: r.restaurant.id,
        signer_name: "王老板".into(),
        text: "本店承诺不收购、不加工、不销售长江野生鱼。".into(),
        signature: sig("王老板"),
    }));
    recorded(device.handle(R::TallyPublicity {
        patrol: ban,
        tally: Publicity {
            banners: 2,
            signs: 0,
            notices: 5,
            leaflets: 40,
        },
    }));
    recorded(device.handle(R::RecordSeizure {
        patrol: ban,
        description: "地笼网".into(),
        quantity: 3,
        position: Some(Position::new(114.12, 30.66)),
    }));
    (patrol, finding, inspection, ban)
}

#[test]
fn a_patrol_is_shown_with_its_findings_and_timeline() {
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let (patrol, finding, _, _) = a_days_work(&device, &r);

    let Response::Record(detail) = device
        .handle(R::GetRecord {
            id: patrol.to_string(),
        })
        .expect("record")
    else {
        panic!("not a record")
    };
    assert_eq!(detail.summary.kind, RecordKind::RiverPatrol);
    assert_eq!(detail.summary.status, "ended");
    assert_eq!(detail.summary.point_count, 120);
    assert_eq!(
        detail.summary.reach.as_ref().map(|r| r.name.as_str()),
        Some("东风渠")
    );
    assert_eq!(detail.summary.sync, SyncState::SavedOnDevice);
    assert_eq!(detail.findings.len(), 1);
    assert_eq!(detail.findings[0].id, finding.to_string());
    assert_eq!(detail.findings[0].photo_count, 1);
    assert_eq!(
        detail.summary.photo_count, 1,
        "the patrol's photo count includes its findings' photos"
    );
    let kinds: Vec<&str> = detail
        .timeline
        .iter()
        .map(|t| t.event.payload.type_name())
        .collect();
    assert_eq!(
        kinds,
        [
            "PatrolStarted",
            "TrackPointsAppended",
            "FindingReported",
            "PhotoAttached",
            "PatrolEnded"
        ]
    );

    let Response::Track(track) = device.handle(R::GetTrack { patrol }).expect("track") else {
        panic!()
    };
    assert_eq!(track.len(), 120);
    assert!(track.windows(2).all(|w| w[0].t < w[1].t));
}

#[test]
fn a_forbidden_transition_is_refused_and_nothing_saved_is_lost() {
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let (patrol, finding, _, _) = a_days_work(&device, &r);
    let before = device.with_store_mut(|s| s.all_events().expect("events"));

    let err = device
        .handle(R::RectifyFinding {
            finding,
            note: "已清运".into(),
            after_photos: vec![BlobHash::of(b"after-cleanup")],
            position: None,
        })
        .unwrap_err();
    assert_eq!(err.code(), "not_assigned", "{err}");
    assert!(err.to_string().contains("交办后才能整改"), "{err}");

    // Verifying one's own finding is not the chief's to do (the access model), refused first.
    let err = device
        .handle(R::VerifyFinding {
            finding,
            note: String::new(),
        })
        .unwrap_err();
    assert_eq!(err.code(), "not_authorised");

    let err = device
        .handle(R::AppendTrackPoints {
            patrol,
            points: points(3, T0 + 999_000),
            untimed: Vec::new(),
        })
        .unwrap_err();
    assert_eq!(err.code(), "patrol_ended");

    let err = device
        .handle(R::report_finding(
            RecordRef::Patrol(patrol),
            "dumping",
            "   ",
            Severity::Minor,
            Some(Position::new(f64::NAN, 30.0)),
        ))
        .unwrap_err();
    assert!(matches!(err, CoreError::Invalid(_)), "{err:?}");

    let after = device.with_store_mut(|s| s.all_events().expect("events"));
    assert_eq!(
        before, after,
        "a refused action must leave the log exactly as it was"
    );
    let Response::Finding(f) = device.handle(R::GetFinding { id: finding }).expect("finding") else {
        panic!()
    };
    let AggregateState::Finding(f) = f.state else {
        panic!()
    };
    assert_eq!(f.status, FindingStatus::Reported);
    assert_eq!(f.kind, FindingKind::Problem);
}

#[test]
fn an_inspection_cannot_close_before_its_record_is_signed() {
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let inspection: InspectionId = made(device.handle(R::StartInspection {
        site: r.enterprise.id,
        checklist: r.checklist.id,
        position: None,
    }));
    let err = device.handle(R::IssueOnSiteRecord {
        inspection,
        content: "x".into(),
        rectification_deadline: None,
    });
    assert_eq!(err.unwrap_err().code(), "checklist_incomplete");
    for item in ["fire-01", "exit-01"] {
        recorded(device.handle(R::AnswerChecklistItem {
            inspection,
            item: item.into(),
            answer: Answer::Compliant,
            note: String::new(),
        }));
    }
    recorded(device.handle(R::IssueOnSiteRecord {
        inspection,
        content: "未发现隐患".into(),
        rectification_deadline: None,
    }));
    assert_eq!(
        device
            .handle(R::CloseInspection {
                inspection,
                notes: String::new()
            })
            .unwrap_err()
            .code(),
        "record_unsigned"
    );
    recorded(device.handle(R::SignDocument {
        inspection,
        role: SignerRole::Inspector,
        signer_name: "张".into(),
        signature: sig("张"),
    }));
    recorded(device.handle(R::RecordRefusal {
        inspection,
        reason: "负责人不在场".into(),
        witness_name: "社区网格员赵某".into(),
        witness_signature: sig("赵"),
    }));
    assert_eq!(
        device
            .handle(R::SignDocument {
                inspection,
                role: SignerRole::InspectedParty,
                signer_name: "李".into(),
                signature: sig("李")
            })
            .unwrap_err()
            .code(),
        "refused"
    );
    recorded(device.handle(R::CloseInspection {
        inspection,
        notes: String::new(),
    }));
}

#[test]
fn read_tables_rebuilt_from_the_events_are_identical() {
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    a_days_work(&device, &r);
    // A remote event the lifecycle rejects is kept and shown as rejected.
    let mut office = xuncha_domain::testkit::SimDevice::new(201);
    let Response::Records(list) = device
        .handle(R::ListRecords {
            filter: RecordFilter::default(),
        })
        .expect("list")
    else {
        panic!()
    };
    let river = list
        .iter()
        .find(|x| x.kind == RecordKind::RiverPatrol)
        .expect("river patrol");
    let Response::Record(detail) = device
        .handle(R::GetRecord { id: river.id.clone() })
        .expect("record")
    else {
        panic!()
    };
    let finding: FindingId = detail.findings[0].id.parse().expect("id");
    let verify = office.make(
        Payload::FindingVerified(FindingVerified {
            finding,
            note: String::new(),
            verified_at: UnixMs(T0 + 500_000),
        }),
        UnixMs(T0 + 500_000),
    );
    device
        .handle(R::IngestEvents { events: vec![verify] })
        .expect("ingest");

    let dump = |d: &xuncha_core::Device| {
        d.with_store_mut(|s| xuncha_core::store::queries::projection_dump(s_conn(s)).expect("dump"))
    };
    let before = dump(&device);
    assert!(
        before.iter().any(|l| l.starts_with("rejections:")),
        "the verification must be rejected"
    );
    device.handle(R::Rebuild).expect("rebuild");
    assert_eq!(dump(&device), before);
}

fn s_conn(s: &Store) -> &rusqlite::Connection {
    s.connection()
}

#[test]
fn events_and_state_survive_reopening_the_store_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("device.db");
    let r = reference();
    let (device, _) = device_with(Store::open(&path).expect("store"), &r);
    let (patrol, ..) = a_days_work(&device, &r);
    let device_id = device.with_store_mut(|s| s.device_id());
    let n = device.with_store_mut(|s| s.all_events().expect("events").len());
    drop(device);

    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.device_id(), device_id, "the device keeps its identity");
    assert_eq!(store.all_events().expect("events").len(), n);
    store.verify_own_chain().expect("chain intact");
    let (device, _) = device_with(store, &r);
    let Response::Record(detail) = device
        .handle(R::GetRecord {
            id: patrol.to_string(),
        })
        .expect("record")
    else {
        panic!()
    };
    assert_eq!(detail.summary.point_count, 120);
}

#[test]
fn the_outbox_is_what_the_server_has_not_acknowledged() {
    let r = reference();
    let (device, clock) = device_with(Store::open_in_memory().expect("store"), &r);
    a_days_work(&device, &r);
    let outbox = device.with_store_mut(|s| s.outbox(10_000).expect("outbox"));
    assert_eq!(outbox.len(), 20, "every action of the day is one event");
    assert!(
        outbox.windows(2).all(|w| w[0].seq + 1 == w[1].seq),
        "own events in chain order"
    );
    assert!(
        outbox.iter().all(|e| !e.payload.is_reference_data()),
        "reference data is not ours to send"
    );
    let first: Vec<EventId> = outbox[..10].iter().map(|e| e.id).collect();
    device.with_store_mut(|s| s.mark_acked(&first, clock.now()).expect("ack"));
    let left = device.with_store_mut(|s| s.outbox(10_000).expect("outbox"));
    assert_eq!(left.len(), outbox.len() - 10);
    assert_eq!(left[0].seq, outbox[10].seq);
}

#[test]
fn the_api_refuses_a_record_before_the_device_is_signed_in() {
    let store = Store::open_in_memory().expect("store");
    let device = xuncha_core::Device::with_store(store, xuncha_core::api::system_clock());
    let err = device
        .handle(R::StartPatrol {
            kind: PatrolKind::River,
            reach: None,
            area: Some("x".into()),
            at: None,
        })
        .unwrap_err();
    assert_eq!(err.code(), "not_set_up");
    let body = serde_json::to_value(err.body()).expect("json");
    assert_eq!(body["code"], "not_set_up");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("登录")));
}

#[test]
fn a_patrol_is_judged_on_the_device_by_the_rules_it_has_received() {
    use xuncha_domain::judge::Shortfall;
    use xuncha_domain::rules::demo_rules;
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let report = |patrol| match device.handle(R::PatrolReport { patrol, mode: None }) {
        Ok(Response::PatrolReport(report)) => report,
        other => panic!("not a report: {other:?}"),
    };
    let patrol = patrol_on_track(&device, Some(r.reach.id), None);
    recorded(device.handle(R::EndPatrol {
        patrol,
        notes: String::new(),
        at: None,
    }));
    // No rules yet: nothing to judge by.
    assert_eq!(report(patrol).judgement, None);

    // The office's rules arrive with the next sync: street chiefs ≥ 30 min and ≥ 2 km.
    let rules = demo_rules(RulesId::new(), r.unit.id, time::EARLIEST);
    let event =
        testkit::SimDevice::new(201).make(Payload::PatrolRulesPublished(rules), UnixMs(T0 - UnixMs::DAY));
    device
        .handle(R::IngestEvents { events: vec![event] })
        .expect("rules");
    let judged = report(patrol)
        .judgement
        .expect("a street chief's river patrol under rules");
    assert!(!judged.counts);
    assert_eq!(judged.rules_version, 1);
    assert!(
        matches!(
            judged.reasons[0],
            Shortfall::Duration {
                minutes: 1,
                required: 30
            }
        ),
        "{:?}",
        judged.reasons
    );
    assert!(
        matches!(judged.reasons[1], Shortfall::Length { required: 2_000, .. }),
        "{:?}",
        judged.reasons
    );
    assert_eq!(judged.reasons_zh[0], "用时 1 分钟，少于规定的 30 分钟");
    assert_eq!(judged.reasons_en[0], "took 1 min, less than the 30 min required");
    // The test track's exact one-second ticks read as generated: that alone would not count.
    assert!(judged.reasons.contains(&Shortfall::Flagged {
        flag: xuncha_domain::geo::FlagCode::RegularTiming
    }));
}

#[test]
fn a_patrol_report_gives_figures_reach_coverage_and_explained_flags() {
    let r = reference();
    let (device, _) = device_with(Store::open_in_memory().expect("store"), &r);
    let (patrol, ..) = a_days_work(&device, &r);
    let Response::PatrolReport(report) = device
        .handle(R::PatrolReport { patrol, mode: None })
        .expect("report")
    else {
        panic!("not a report")
    };
    assert_eq!(report.points_received, 120);
    assert_eq!(report.stats.point_count, 120);
    // 119 steps of 2e-5° east and 5e-6° north at 30.65°N: about 230 m.
    assert!(
        (report.stats.length_m - 230.0).abs() < 15.0,
        "{}",
        report.stats.length_m
    );
    let coverage = report.coverage.expect("the patrol is on a registered reach");
    assert!(
        coverage.fraction > 0.05 && coverage.fraction < 0.2,
        "{}",
        coverage.fraction
    );
    // The test track ticks exactly once a second with a constant accuracy: a generated track.
    let codes: Vec<&str> = report.flags.iter().map(|f| f.code.code()).collect();
    assert!(codes.contains(&"regular_timing"), "{codes:?}");
    assert!(report.flags.iter().all(|f| !f.label_zh.is_empty()));
}

/// Sends `request` and checks that each of its fields stands in the event it recorded, with
/// the value sent. `at`, the time a patrol started or ended, is the event's `started_at` or
/// `ended_at` instead.
fn passes_through(device: &xuncha_core::Device, request: R) -> Recorded {
    let args = serde_json::to_value(&request).expect("json")["args"].clone();
    let answer = recorded(device.handle(request));
    let Response::Events(events) = device.handle(R::Outbox { limit: Some(10_000) }).expect("outbox") else {
        panic!("not events")
    };
    let event = events
        .iter()
        .find(|e| e.id == answer.events[0])
        .expect("the event recorded");
    let data = serde_json::to_value(&event.payload).expect("json")["data"].clone();
    for (field, value) in args
        .as_object()
        .expect("fields")
        .iter()
        .filter(|(f, _)| *f != "at")
    {
        assert_eq!(
            data.get(field),
            Some(value),
            "{field} of {}",
            event.payload.type_name()
        );
    }
    answer
}

#[test]
fn every_field_of_an_action_reaches_its_event_unchanged() {
    // Verifying and reopening are the office's, not this device's user's: `api` tests those.
    let r = reference();
    let (device, clock) = device_with(Store::open_in_memory().expect("store"), &r);
    let at = Some(clock.now());
    let id = |answer: Recorded| answer.id.parse::<uuid::Uuid>().expect("id");
    let patrol = PatrolId(id(passes_through(
        &device,
        R::StartPatrol {
            kind: PatrolKind::River,
            reach: Some(r.reach.id),
            area: Some("东风渠北段".into()),
            at,
        },
    )));
    let ban = PatrolId(id(passes_through(
        &device,
        R::StartPatrol {
            kind: PatrolKind::FishingBan,
            reach: None,
            area: Some("长江汉阳段岸线".into()),
            at: None,
        },
    )));
    let inspection = InspectionId(id(passes_through(
        &device,
        R::StartInspection {
            site: r.enterprise.id,
            checklist: r.checklist.id,
            position: Some(Position::new(114.11, 30.651)),
        },
    )));
    let finding = FindingId(id(passes_through(
        &device,
        R::report_finding(
            RecordRef::Inspection(inspection),
            "fire_safety",
            "车间灭火器过期",
            Severity::Major,
            Some(Position::new(114.11, 30.651)),
        ),
    )));
    let actions = [
        R::AmendFinding {
            finding,
            category: None,
            description: Some("车间灭火器 2 具过期".into()),
            severity: Some(Severity::Critical),
            location: None,
        },
        R::AttachPhoto {
            target: PhotoTarget::Finding(finding),
            role: PhotoRole::Evidence,
            original: BlobHash::of(b"photo"),
            upload: Some(BlobHash::of(b"photo-upload")),
            thumbnail: None,
            taken_at: at,
            position: Some(Position::new(114.11, 30.651)),
            position_source: PositionSource::DeviceFix,
            caption: "车间东侧".into(),
        },
        R::AssignRectification {
            finding,
            assignee: "汉阳机械厂".into(),
            deadline: UnixMs(T0 + 7 * UnixMs::DAY),
            note: "一周内更换".into(),
        },
        R::RectifyFinding {
            finding,
            note: "已更换".into(),
            after_photos: vec![BlobHash::of(b"after")],
            position: Some(Position::new(114.11, 30.651)),
        },
        R::EndPatrol {
            patrol,
            notes: "巡查完毕".into(),
            at,
        },
        R::RecordBusinessCheck {
            patrol: ban,
            site: r.restaurant.id,
            outcome: CheckOutcome::ViolationFound,
            notes: "发现江鱼".into(),
        },
        R::TallyPublicity {
            patrol: ban,
            tally: Publicity {
                banners: 1,
                signs: 2,
                notices: 3,
                leaflets: 4,
            },
        },
        R::RecordSeizure {
            patrol: ban,
            description: "地笼网".into(),
            quantity: 3,
            position: Some(Position::new(114.12, 30.66)),
        },
        R::SignCommitmentLetter {
            patrol: ban,
            site: r.restaurant.id,
            signer_name: "王老板".into(),
            text: "本店承诺不销售长江野生鱼。".into(),
            signature: sig("王老板"),
        },
        R::AnswerChecklistItem {
            inspection,
            item: "fire-01".into(),
            answer: Answer::NonCompliant,
            note: "灭火器过期".into(),
        },
        R::AnswerChecklistItem {
            inspection,
            item: "exit-01".into(),
            answer: Answer::Compliant,
            note: String::new(),
        },
        R::IssueOnSiteRecord {
            inspection,
            content: "灭火器过期，限期更换".into(),
            rectification_deadline: Some(UnixMs(T0 + 7 * UnixMs::DAY)),
        },
        R::SignDocument {
            inspection,
            role: SignerRole::Inspector,
            signer_name: "张河长".into(),
            signature: sig("张河长"),
        },
        R::RecordRefusal {
            inspection,
            reason: "负责人不在".into(),
            witness_name: "赵见证".into(),
            witness_signature: sig("赵见证"),
        },
        R::CloseInspection {
            inspection,
            notes: "已告知".into(),
        },
    ];
    for action in actions {
        passes_through(&device, action);
    }
}
