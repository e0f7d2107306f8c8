//! Each of the five documents, typeset from a record's state and opened with poppler, the way
//! a court clerk or an office would: pdftotext finds its Chinese words and its number,
//! pdffonts shows the CJK font embedded, pdftoppm renders the first page (kept under
//! `target/screenshots/docs/` to be looked at), and zbarimg reads the QR code back as the
//! verification address.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod support;

use support::*;
use xuncha_docs::{DocKind, Record, Renderer};

/// Opens the PDF with poppler and zbar; its text, after checking the QR code is `url`.
fn open_with_poppler(pdf: &[u8], name: &str, words: &[&str], url: &str) -> String {
    let opened = xuncha_testsupport::pdf::open_with_poppler(pdf, name, words);
    assert_eq!(opened.qr, url, "{name}: the QR code on the last page");
    opened.text
}

#[test]
fn each_document_opens_in_poppler_with_its_chinese_text_font_and_qr_code() {
    xuncha_testsupport::require_fixtures!();
    let renderer =
        Renderer::new(xuncha_docs::Fonts::load(None).expect("fonts-noto-cjk (scripts/apt-packages.txt)"));
    let world = Sample::new();

    let inspection = Record::Inspection(&world.inspection);
    let ctx = world.inspection_context();
    let url = xuncha_docs::verify_url(&ctx.verify_base, inspection, ctx.last_event);
    for (kind, words) in [
        (
            DocKind::OnSiteRecord,
            &[
                "现场检查记录",
                "HY-2026-3F2A-0007",
                "鑫达五金制品有限公司",
                "灭火器在有效期内",
                "《消防法》第十六条",
                "不符合",
                "王检查",
                "李厂长",
                "2026年12月10日",
            ][..],
        ),
        (
            DocKind::RectificationOrder,
            &[
                "责令限期整改指令书",
                "HY-2026-3F2A-0007-ZG",
                "鑫达五金制品有限公司",
                "安全出口堆放货物",
                "2026年12月10日",
            ][..],
        ),
        (
            DocKind::ReinspectionOpinion,
            &[
                "整改复查意见书",
                "HY-2026-3F2A-0007-FC",
                "已整改到位",
                "货物已清走",
            ][..],
        ),
    ] {
        let doc = xuncha_docs::prepare(kind, None, inspection, &ctx).unwrap();
        let pdf = renderer.pdf(&doc).unwrap();
        open_with_poppler(&pdf, kind.as_str(), words, &url);
    }

    let river = Record::Patrol(&world.river_patrol);
    let ctx = world.river_context();
    let url = xuncha_docs::verify_url(&ctx.verify_base, river, ctx.last_event);
    let doc = xuncha_docs::prepare(DocKind::PatrolRecord, None, river, &ctx).unwrap();
    let text = open_with_poppler(
        &renderer.pdf(&doc).unwrap(),
        "patrol_record",
        &[
            "巡河记录",
            "张河长",
            "白沙河（城关段）",
            "不计入考核",
            "巡查时长不足 30 分钟",
            "河道漂浮垃圾",
        ],
        &url,
    );
    assert!(text.contains(doc.number()), "{text}");

    let fishing = Record::Patrol(&world.fishing_patrol);
    let ctx = world.fishing_context();
    let url = xuncha_docs::verify_url(&ctx.verify_base, fishing, ctx.last_event);
    let letter = world.fishing_patrol.letters[0].letter;
    let doc = xuncha_docs::prepare(DocKind::CommitmentLetter, Some(letter), fishing, &ctx).unwrap();
    open_with_poppler(
        &renderer.pdf(&doc).unwrap(),
        "commitment_letter",
        &["承诺书", "江鲜酒楼", "不收购、不加工、不销售长江野生鱼", "陈老板"],
        &url,
    );
}

#[test]
fn a_document_the_record_does_not_have_is_refused_in_words() {
    let world = Sample::new();
    let mut open = world.inspection.clone();
    open.record = None;
    let err = xuncha_docs::prepare(
        DocKind::OnSiteRecord,
        None,
        Record::Inspection(&open),
        &world.inspection_context(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("尚未出具现场检查记录"), "{err}");
    let err = xuncha_docs::prepare(
        DocKind::PatrolRecord,
        None,
        Record::Inspection(&world.inspection),
        &world.inspection_context(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("没有巡河记录"), "{err}");
}

#[test]
fn a_missing_font_is_named_with_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let Err(err) = xuncha_docs::Fonts::load(Some(dir.path())) else {
        panic!("an empty folder has no CJK font");
    };
    let words = err.to_string();
    assert!(
        words.contains("Noto Sans CJK") && words.contains("fonts-noto-cjk"),
        "{words}"
    );
    assert!(words.contains(&dir.path().display().to_string()), "{words}");
}

#[test]
fn the_pdf_carries_its_verification_keyword_where_an_upload_can_find_it() {
    let renderer = Renderer::new(xuncha_docs::Fonts::load(None).unwrap());
    let world = Sample::new();
    let ctx = world.river_context();
    let record = Record::Patrol(&world.river_patrol);
    let doc = xuncha_docs::prepare(DocKind::PatrolRecord, None, record, &ctx).unwrap();
    let pdf = renderer.pdf(&doc).unwrap();
    let found = xuncha_docs::keyword_in_pdf(&pdf).expect("the keyword is in the PDF");
    assert_eq!(found, xuncha_docs::verify_keyword(record, ctx.last_event));
    assert_eq!(xuncha_docs::keyword_in_pdf(b"%PDF-1.7 nothing here"), None);
}
