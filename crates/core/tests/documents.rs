//! Documents made on the device, offline: the on-site record of an inspection recorded on this
//! device, typeset by the core into SVG pages for the preview and a PDF saved beside the store,
//! which poppler opens with its Chinese words, number and embedded CJK font; a patrol's record
//! with its track. No server is involved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;
use xuncha_core::Device;
use xuncha_core::api::documents::DocumentFile;
use xuncha_core::api::{Request, Response};
use xuncha_docs::DocKind;
use xuncha_domain::payload::{Answer, RecordRef, SignerRole};
use xuncha_domain::*;
use xuncha_testsupport::pdf::{open_with_poppler, signature_png};

fn document(device: &Device, record: RecordRef, kind: DocKind) -> DocumentFile {
    match device
        .handle(Request::GetDocument {
            record,
            kind,
            letter: None,
        })
        .unwrap()
    {
        Response::Document(d) => *d,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_on_site_record_is_typeset_on_the_device_and_saved_as_a_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(&dir.path().join("xuncha.db")).unwrap();
    let r = reference();
    device
        .handle(Request::SetUser {
            user: r.user.id,
            unit: r.unit.id,
        })
        .unwrap();
    device
        .handle(Request::IngestEvents {
            events: r.events.clone(),
        })
        .unwrap();

    let inspection: InspectionId = made(device.handle(Request::StartInspection {
        site: r.enterprise.id,
        checklist: r.checklist.id,
        position: None,
    }));
    let record = RecordRef::Inspection(inspection);
    for (item, answer) in [("fire-01", Answer::NonCompliant), ("exit-01", Answer::Compliant)] {
        recorded(device.handle(Request::AnswerChecklistItem {
            inspection,
            item: item.into(),
            answer,
            note: if answer == Answer::NonCompliant {
                "灭火器过期".into()
            } else {
                String::new()
            },
        }));
    }
    let none = match device.handle(Request::ListDocuments { record }).unwrap() {
        Response::Documents(d) => d,
        other => panic!("{other:?}"),
    };
    assert!(
        none.is_empty(),
        "no document before the record is issued: {none:?}"
    );
    let refused = device.handle(Request::GetDocument {
        record,
        kind: DocKind::OnSiteRecord,
        letter: None,
    });
    let err = refused.expect_err("not issued yet");
    assert_eq!(err.code(), "no_such_document");
    assert!(err.to_string().contains("尚未出具现场检查记录"), "{err}");

    let number = recorded(device.handle(Request::IssueOnSiteRecord {
        inspection,
        content: "灭火器过期，限期三日内更换。".into(),
        rectification_deadline: None,
    }))
    .number
    .unwrap();
    for (seed, role, name) in [
        (1, SignerRole::Inspector, "检查员甲"),
        (2, SignerRole::InspectedParty, "厂长乙"),
    ] {
        let signature = device.blobs().unwrap().put(&signature_png(seed)).unwrap();
        recorded(device.handle(Request::SignDocument {
            inspection,
            role,
            signer_name: name.into(),
            signature,
        }));
    }

    let doc = document(&device, record, DocKind::OnSiteRecord);
    assert_eq!(doc.number, number);
    assert!(
        !doc.pages_svg.is_empty() && doc.pages_svg[0].starts_with("<svg"),
        "SVG pages for the preview"
    );
    let saved = std::path::PathBuf::from(doc.saved_to.expect("saved beside the store"));
    assert!(saved.starts_with(dir.path()), "{}", saved.display());
    assert_eq!(
        saved.file_name().unwrap().to_string_lossy(),
        format!("现场检查记录-{number}.pdf")
    );
    let pdf = std::fs::read(&saved).unwrap();
    assert_eq!(pdf.len() as u64, doc.pdf_bytes);
    let opened = open_with_poppler(
        &pdf,
        "device_on_site_record",
        &[
            "现场检查记录",
            &number,
            &r.enterprise.name,
            "灭火器过期，限期三日内更换",
            "检查员甲",
            "厂长乙",
        ],
    );
    assert!(
        opened.qr.ends_with(&format!(
            "/verify/inspection/{inspection}/{}",
            xuncha_docs::keyword_in_pdf(&pdf)
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        )),
        "the QR code names the record and its newest event: {}",
        opened.qr
    );

    // A patrol's record, with its track drawn.
    let patrol = patrol_on_track(&device, Some(r.reach.id), None);
    recorded(device.handle(Request::EndPatrol {
        patrol,
        notes: "沿河巡查一遍".into(),
        at: None,
    }));
    let doc = document(&device, RecordRef::Patrol(patrol), DocKind::PatrolRecord);
    let pdf = std::fs::read(doc.saved_to.unwrap()).unwrap();
    open_with_poppler(
        &pdf,
        "device_patrol_record",
        &["巡河记录", &doc.number, &r.reach.name, "沿河巡查一遍", "巡查轨迹"],
    );
}
