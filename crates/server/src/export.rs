//! The office's reports as XLSX files that Excel and WPS open: one sheet of figures laid out as
//! the work report reads them (a label in the first column, its figures beside it), and one
//! sheet listing the patrols that do not count, with why. Labels are Chinese, as the office
//! files them.

use crate::error::Error;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use xuncha_domain::figures::{ProblemFigures, ProblemsReport, QuotaReport, YearReport};
use xuncha_domain::people::{ChiefLevel, Role};
use xuncha_domain::reference::SiteKind;

/// The sheets' names, for readers of the file.
pub const FIGURES_SHEET: &str = "年度统计";
pub const NOT_COUNTING_SHEET: &str = "不计入考核的巡河";

fn xlsx(e: XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// "街级河湖长" for a level.
pub fn level_label(level: ChiefLevel) -> &'static str {
    Role::RiverChief { level }.label_zh()
}

const SITE_KINDS: [SiteKind; 5] = [
    SiteKind::Enterprise,
    SiteKind::Market,
    SiteKind::Restaurant,
    SiteKind::AquaticDealer,
    SiteKind::TackleShop,
];

/// Writes rows of (label, figures) from `row` down; answers the next free row.
fn rows(ws: &mut Worksheet, mut row: u32, lines: &[(String, Vec<f64>)]) -> Result<u32, XlsxError> {
    for (label, figures) in lines {
        ws.write_string(row, 0, label)?;
        for (i, f) in figures.iter().enumerate() {
            ws.write_number(row, 1 + i as u16, *f)?;
        }
        row += 1;
    }
    Ok(row)
}

fn heading(ws: &mut Worksheet, row: u32, cells: &[&str], bold: &Format) -> Result<u32, XlsxError> {
    for (i, c) in cells.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *c, bold)?;
    }
    Ok(row + 1)
}

/// The year report as an XLSX file.
pub fn year_xlsx(r: &YearReport) -> Result<Vec<u8>, Error> {
    build_year(r).map_err(xlsx)
}

fn build_year(r: &YearReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(FIGURES_SHEET)?;
    ws.set_column_width(0, 28)?;
    for c in 1..=7 {
        ws.set_column_width(c, 12)?;
    }
    ws.write_string_with_format(0, 0, format!("{} {} 年度工作统计", r.unit_name, r.year), &bold)?;
    let mut row = 2;
    row = heading(
        ws,
        row,
        &[
            "河湖长巡河",
            "人数",
            "巡河次数",
            "计入考核",
            "不计入考核",
            "异常巡河",
        ],
        &bold,
    )?;
    let river: Vec<(String, Vec<f64>)> = ChiefLevel::ALL
        .iter()
        .map(|l| {
            let f = r.river.get(l).cloned().unwrap_or_default();
            (
                level_label(*l).to_owned(),
                [f.chiefs, f.patrols, f.counting, f.not_counting, f.abnormal]
                    .map(f64::from)
                    .to_vec(),
            )
        })
        .collect();
    row = rows(ws, row, &river)? + 1;

    let p = &r.problems;
    row = heading(ws, row, &["问题", "数量"], &bold)?;
    row = rows(
        ws,
        row,
        &[
            ("发现问题".into(), vec![f64::from(p.found)]),
            ("已交办".into(), vec![f64::from(p.assigned)]),
            ("已整改".into(), vec![f64::from(p.rectified)]),
            ("已验收".into(), vec![f64::from(p.verified)]),
            ("退回重新整改".into(), vec![f64::from(p.reopened)]),
            ("逾期（督办）".into(), vec![f64::from(p.overdue)]),
            ("办结率（%）".into(), vec![(p.closed_pct() * 10.0).round() / 10.0]),
        ],
    )? + 1;

    let s = &r.safety;
    row = heading(ws, row, &["安全生产检查", "数量"], &bold)?;
    row = rows(
        ws,
        row,
        &[
            ("检查次数".into(), vec![f64::from(s.inspections)]),
            ("现场检查记录".into(), vec![f64::from(s.records_issued)]),
            ("拒绝签字".into(), vec![f64::from(s.refusals)]),
            ("责令整改".into(), vec![f64::from(s.rectification_orders)]),
        ],
    )? + 1;

    let f = &r.fishing;
    row = heading(ws, row, &["禁捕", "检查次数", "签订承诺书"], &bold)?;
    let by_kind: Vec<(String, Vec<f64>)> = SITE_KINDS
        .iter()
        .map(|k| {
            let n = |m: &std::collections::BTreeMap<SiteKind, u32>| f64::from(m.get(k).copied().unwrap_or(0));
            (k.label_zh().to_owned(), vec![n(&f.checks), n(&f.letters)])
        })
        .collect();
    row = rows(ws, row, &[("禁捕巡查次数".into(), vec![f64::from(f.patrols)])])?;
    row = rows(ws, row, &by_kind)?;
    rows(
        ws,
        row,
        &[
            ("横幅".into(), vec![f64::from(f.publicity.banners)]),
            ("标牌".into(), vec![f64::from(f.publicity.signs)]),
            ("通告".into(), vec![f64::from(f.publicity.notices)]),
            ("宣传单".into(), vec![f64::from(f.publicity.leaflets)]),
            ("查获渔具（起）".into(), vec![f64::from(f.seizures)]),
            ("查获渔具（件）".into(), vec![f.seized_items as f64]),
        ],
    )?;

    let ws = wb.add_worksheet();
    ws.set_name(NOT_COUNTING_SHEET)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 14)?;
    ws.set_column_width(4, 70)?;
    heading(ws, 0, &["日期", "巡查人", "级别", "规则版本", "原因"], &bold)?;
    for (i, n) in r.not_counting.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, n.day.to_string())?;
        ws.write_string(row, 1, &n.patroller_name)?;
        ws.write_string(row, 2, level_label(n.level))?;
        if let Some(v) = n.rules_version {
            ws.write_number(row, 3, f64::from(v))?;
        }
        ws.write_string(row, 4, &n.reasons)?;
    }
    wb.save_to_buffer()
}

/// The year report as plain text, for the command line.
pub fn year_text(r: &YearReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} {} 年度工作统计", r.unit_name, r.year);
    for l in ChiefLevel::ALL {
        let f = r.river.get(&l).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}：{} 人巡河 {} 次，计入考核 {} 次，不计入 {} 次，异常 {} 次",
            level_label(l),
            f.chiefs,
            f.patrols,
            f.counting,
            f.not_counting,
            f.abnormal
        );
    }
    let p = &r.problems;
    let _ = writeln!(
        out,
        "  问题：发现 {}，整改 {}，验收 {}，退回 {}，逾期 {}，办结率 {:.1}%",
        p.found,
        p.rectified,
        p.verified,
        p.reopened,
        p.overdue,
        p.closed_pct()
    );
    let s = &r.safety;
    let _ = writeln!(
        out,
        "  安全生产：检查 {} 次，现场检查记录 {} 份，拒签 {}，责令整改 {}",
        s.inspections, s.records_issued, s.refusals, s.rectification_orders
    );
    let f = &r.fishing;
    let letters: Vec<String> = f
        .letters
        .iter()
        .map(|(k, n)| format!("{} {n}", k.label_zh()))
        .collect();
    let _ = writeln!(
        out,
        "  禁捕：巡查 {} 次，承诺书 {}；横幅 {}，标牌 {}，通告 {}，宣传单 {}",
        f.patrols,
        if letters.is_empty() {
            "0".to_owned()
        } else {
            letters.join("、")
        },
        f.publicity.banners,
        f.publicity.signs,
        f.publicity.notices,
        f.publicity.leaflets
    );
    if !r.not_counting.is_empty() {
        let _ = writeln!(out, "  不计入考核的巡河 {} 次：", r.not_counting.len());
        for n in &r.not_counting {
            let _ = writeln!(
                out,
                "    {} {}（{}）：{}",
                n.day,
                n.patroller_name,
                level_label(n.level),
                n.reasons
            );
        }
    }
    out
}

/// The quota report's sheet of chiefs.
pub const QUOTA_SHEET: &str = "巡河考核";

/// The quota report as an XLSX file: the rates, then a line a chief.
pub fn quota_xlsx(r: &QuotaReport) -> Result<Vec<u8>, Error> {
    build_quota(r).map_err(xlsx)
}

fn build_quota(r: &QuotaReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(QUOTA_SHEET)?;
    ws.set_column_width(0, 20)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} {} 至 {} 巡河考核", r.unit_name, r.first, r.last),
        &bold,
    )?;
    let row = rows(
        ws,
        2,
        &[
            ("巡河率（%）".into(), vec![round1(r.patrol_rate_pct)]),
            ("河段覆盖率（%）".into(), vec![round1(r.reach_coverage_pct)]),
            ("异常巡河率（%）".into(), vec![round1(r.abnormal_pct)]),
            ("巡河次数".into(), vec![f64::from(r.patrols)]),
            ("计入考核".into(), vec![f64::from(r.counting)]),
            ("应巡次数".into(), vec![f64::from(r.required)]),
        ],
    )? + 1;
    let first = heading(
        ws,
        row,
        &["河湖长", "级别", "应巡", "已巡", "计入考核", "缺巡", "达标"],
        &bold,
    )?;
    for (row, c) in (first..).zip(&r.chiefs) {
        ws.write_string(row, 0, &c.name)?;
        ws.write_string(row, 1, level_label(c.level))?;
        for (i, n) in [c.required, c.done, c.counting, c.missing]
            .into_iter()
            .enumerate()
        {
            ws.write_number(row, 2 + i as u16, f64::from(n))?;
        }
        ws.write_string(row, 6, if c.met { "是" } else { "否" })?;
    }
    wb.save_to_buffer()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The quota report as plain text, for the command line.
pub fn quota_text(r: &QuotaReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} {} 至 {} 巡河考核", r.unit_name, r.first, r.last);
    let _ = writeln!(
        out,
        "  巡河率 {:.1}%，河段覆盖率 {:.1}%，异常巡河率 {:.1}%；巡河 {} 次，计入考核 {} 次，应巡 {} 次",
        r.patrol_rate_pct, r.reach_coverage_pct, r.abnormal_pct, r.patrols, r.counting, r.required
    );
    for c in &r.chiefs {
        let _ = writeln!(
            out,
            "    {}（{}）：应巡 {}，已巡 {}，计入 {}，缺 {}{}",
            c.name,
            level_label(c.level),
            c.required,
            c.done,
            c.counting,
            c.missing,
            if c.met { "，达标" } else { "" }
        );
    }
    out
}

/// The problems report's sheet.
pub const PROBLEMS_SHEET: &str = "问题统计";

/// The problems report as an XLSX file: a line a unit, category and period, then the totals.
pub fn problems_xlsx(r: &ProblemsReport) -> Result<Vec<u8>, Error> {
    build_problems(r).map_err(xlsx)
}

fn problem_figures(p: &ProblemFigures) -> [f64; 7] {
    [
        f64::from(p.found),
        f64::from(p.assigned),
        f64::from(p.rectified),
        f64::from(p.verified),
        f64::from(p.reopened),
        f64::from(p.overdue),
        round1(p.closed_pct()),
    ]
}

fn build_problems(r: &ProblemsReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(PROBLEMS_SHEET)?;
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 24)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} {} 至 {} 问题统计", r.unit_name, r.first, r.last),
        &bold,
    )?;
    let first = heading(
        ws,
        2,
        &[
            "单位",
            "类别",
            "期间",
            "发现",
            "交办",
            "整改",
            "验收",
            "退回",
            "逾期（督办）",
            "办结率（%）",
        ],
        &bold,
    )?;
    let mut next = first;
    for (row, l) in (first..).zip(&r.lines) {
        ws.write_string(row, 0, &l.unit_name)?;
        ws.write_string(row, 1, &l.category_zh)?;
        ws.write_string(row, 2, l.period.label(xuncha_domain::Lang::Zh))?;
        for (i, n) in problem_figures(&l.figures).into_iter().enumerate() {
            ws.write_number(row, 3 + i as u16, n)?;
        }
        next = row + 1;
    }
    ws.write_string_with_format(next, 0, "合计", &bold)?;
    for (i, n) in problem_figures(&r.total).into_iter().enumerate() {
        ws.write_number(next, 3 + i as u16, n)?;
    }
    wb.save_to_buffer()
}

/// The problems report as plain text, for the command line.
pub fn problems_text(r: &ProblemsReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} {} 至 {} 问题统计", r.unit_name, r.first, r.last);
    let line = |p: &ProblemFigures| {
        format!(
            "发现 {}，交办 {}，整改 {}，验收 {}，退回 {}，逾期 {}，办结率 {:.1}%",
            p.found,
            p.assigned,
            p.rectified,
            p.verified,
            p.reopened,
            p.overdue,
            p.closed_pct()
        )
    };
    for l in &r.lines {
        let _ = writeln!(
            out,
            "  {} {} {}：{}",
            l.unit_name,
            l.category_zh,
            l.period.label(xuncha_domain::Lang::Zh),
            line(&l.figures)
        );
    }
    let _ = writeln!(out, "  合计：{}", line(&r.total));
    out
}
