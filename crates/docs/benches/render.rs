//! On-site inspection records typeset per second on one core, fonts loaded once (issue 16's
//! target: at least 20 a second), against the time to load the fonts themselves.
//!
//! `cargo bench -p xuncha-docs --bench render` (release build); `XUNCHA_BENCH_DOCS=N` sets how
//! many records (default 200). Prints its figures; asserts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;
use xuncha_docs::{DocKind, Fonts, Record, Renderer};

fn main() {
    let n: usize = std::env::var("XUNCHA_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let t = Instant::now();
    let renderer = Renderer::new(Fonts::load(None).expect("fonts-noto-cjk"));
    let fonts_s = t.elapsed().as_secs_f64();

    let sample = support::Sample::new();
    let ctx = sample.inspection_context();
    let mut inspection = sample.inspection.clone();
    // Warm up once (typst's first document parses the templates).
    let first = Instant::now();
    let doc =
        xuncha_docs::prepare(DocKind::OnSiteRecord, None, Record::Inspection(&inspection), &ctx).unwrap();
    let bytes = renderer.pdf(&doc).unwrap().len();
    let first_s = first.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut total = 0usize;
    for i in 0..n {
        // A different record each time: another number and other words, so nothing is reused
        // from typst's cache that a real month's records would not share.
        if let Some(r) = inspection.record.as_mut() {
            r.number = format!("HY-2026-3F2A-{i:04}");
            r.content = format!("第 {i} 处：安全出口堆放货物，责令立即清理，保持畅通。");
        }
        let doc =
            xuncha_docs::prepare(DocKind::OnSiteRecord, None, Record::Inspection(&inspection), &ctx).unwrap();
        total += renderer.pdf(&doc).unwrap().len();
    }
    let s = t.elapsed().as_secs_f64();
    println!("fonts loaded once:           {fonts_s:.2} s");
    println!(
        "first record (templates):    {:.0} ms, {} KB",
        first_s * 1000.0,
        bytes / 1024
    );
    println!(
        "on-site records, one core:   {n} in {s:.2} s = {:.1} per second (target ≥ 20), {:.0} KB each",
        n as f64 / s,
        total as f64 / n as f64 / 1024.0
    );
}
