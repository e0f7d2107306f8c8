//! 台账: what the office's records table holds, under the same filters, as an XLSX ledger that
//! Excel and WPS open — Chinese headers, the header row frozen, columns wide enough, times as
//! real dates (China time), figures as numbers. One sheet of patrols, inspections or problems.
//!
//! Office staff over their unit and the units below, like the table; at most 100,000 rows
//! (narrow the filters beyond that).

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::db::Storage;
use crate::error::Error;
use crate::extract::QueryOf;
use crate::fold::parse_state;
use crate::records::{ListQuery, RecordSummary, page_of};
use axum::extract::State;
use axum::response::Response;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;
use xuncha_domain::UnixMs;
use xuncha_domain::calendar::CHINA_OFFSET_MS;
use xuncha_domain::payload::{AggregateKind, AggregateRef};
use xuncha_domain::state::{AggregateState, FindingStatus};

/// At most this many rows in one ledger.
pub const MAX_ROWS: usize = 100_000;
const PAGE: u32 = 2_000;

/// The sheet's name for each kind of record.
pub fn sheet_name(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Patrol => "巡查台账",
        AggregateKind::Inspection => "检查台账",
        _ => "问题台账",
    }
}

/// The ledger of what `q` selects.
pub async fn records_xlsx(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    QueryOf(q): QueryOf<ListQuery>,
) -> Result<Response, Error> {
    let (kind, before) = q.checked()?;
    let (bytes, name) = st
        .db
        .read(move |s| {
            let mut rows: Vec<RecordSummary> = Vec::new();
            let mut cursor = before;
            loop {
                let page = page_of(s, me.unit, &q, (kind, cursor.clone()), PAGE)?;
                let full = page.len() == PAGE as usize;
                cursor = page.last().map(|r| (r.record_ms, r.aggregate.id.to_string()));
                rows.extend(page);
                if rows.len() > MAX_ROWS {
                    return Err(Error::unprocessable(
                        "too_many_rows",
                        format!("超过 {MAX_ROWS} 条记录：请缩短时段或选下级单位分批导出"),
                    ));
                }
                if !full {
                    break;
                }
            }
            let mut names = Names::read(s)?;
            let mut lines = Vec::with_capacity(rows.len());
            for r in &rows {
                lines.push(row_of(r, &mut names, s)?);
            }
            let bytes = write(kind, &lines).map_err(|e| Error::Internal(format!("xlsx: {e}")))?;
            Ok((bytes, format!("{}.xlsx", sheet_name(kind))))
        })
        .await?;
    Ok(crate::documents::file_response(
        bytes,
        crate::openapi::XLSX,
        &name,
    ))
}

/// People's and units' names, and sites' by id as they are asked for.
struct Names {
    users: BTreeMap<xuncha_domain::UserId, String>,
    units: BTreeMap<xuncha_domain::UnitId, String>,
    sites: BTreeMap<uuid::Uuid, Option<(String, String)>>,
}

impl Names {
    fn read(s: &mut dyn Storage) -> Result<Names, Error> {
        Ok(Names {
            users: s.users()?.into_iter().map(|u| (u.id, u.name)).collect(),
            units: s.units()?.into_iter().map(|u| (u.id, u.name)).collect(),
            sites: BTreeMap::new(),
        })
    }

    fn user(&self, id: Option<xuncha_domain::UserId>) -> &str {
        id.and_then(|u| self.users.get(&u)).map_or("", String::as_str)
    }

    fn unit(&self, id: Option<xuncha_domain::UnitId>) -> &str {
        id.and_then(|u| self.units.get(&u)).map_or("", String::as_str)
    }

    /// A site's name and address, or a reach's name.
    fn named(
        &mut self,
        s: &mut dyn Storage,
        kind: AggregateKind,
        id: uuid::Uuid,
    ) -> Result<(String, String), Error> {
        if let Some(known) = self.sites.get(&id) {
            return Ok(known.clone().unwrap_or_default());
        }
        let found = match s.aggregate_get(AggregateRef { kind, id })? {
            Some(row) => match parse_state(&row.state)? {
                AggregateState::Site(site) => Some((site.name, site.address)),
                AggregateState::Reach(reach) => Some((reach.name, String::new())),
                _ => None,
            },
            None => None,
        };
        self.sites.insert(id, found.clone());
        Ok(found.unwrap_or_default())
    }
}

/// A cell of the ledger.
enum Cell {
    Text(String),
    Number(f64),
    /// A time, written as an Excel date in China time.
    When(UnixMs),
    Empty,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn when(t: Option<UnixMs>) -> Cell {
    t.map_or(Cell::Empty, Cell::When)
}

/// The columns of each kind: header and width.
fn columns(kind: AggregateKind) -> &'static [(&'static str, f64)] {
    match kind {
        AggregateKind::Patrol => &[
            ("序号", 6.0),
            ("单位", 14.0),
            ("巡查人", 10.0),
            ("类型", 10.0),
            ("河段 / 区域", 20.0),
            ("开始", 17.0),
            ("结束", 17.0),
            ("时长（分钟）", 11.0),
            ("里程（km）", 10.0),
            ("河段覆盖（%）", 11.0),
            ("是否计入考核", 11.0),
            ("不计入原因", 30.0),
            ("审核", 12.0),
        ],
        AggregateKind::Inspection => &[
            ("序号", 6.0),
            ("单位", 14.0),
            ("检查人员", 10.0),
            ("被检查单位", 22.0),
            ("地址", 24.0),
            ("检查时间", 17.0),
            ("检查项", 8.0),
            ("不符合项", 9.0),
            ("现场检查记录编号", 22.0),
            ("整改期限", 12.0),
            ("状态", 8.0),
            ("审核", 12.0),
        ],
        _ => &[
            ("序号", 6.0),
            ("单位", 14.0),
            ("上报人", 10.0),
            ("上报时间", 17.0),
            ("类别", 12.0),
            ("问题描述", 36.0),
            ("严重程度", 8.0),
            ("状态", 8.0),
            ("整改责任人", 16.0),
            ("整改期限", 12.0),
            ("整改时间", 17.0),
            ("验收时间", 17.0),
        ],
    }
}

fn row_of(r: &RecordSummary, names: &mut Names, s: &mut dyn Storage) -> Result<Vec<Cell>, Error> {
    let review = |rv: &Option<xuncha_domain::state::ReviewState>| {
        text(rv.as_ref().map_or("未审核", |r| r.decision.label_zh()))
    };
    Ok(match &r.state {
        AggregateState::Patrol(p) => {
            let j = r.patrol.judgement.as_ref();
            vec![
                text(names.unit(r.unit)),
                text(names.user(Some(p.patroller))),
                text(p.kind.label_zh()),
                text(match p.reach {
                    Some(reach) => names.named(s, AggregateKind::Reach, reach.as_uuid())?.0,
                    None => p.area.clone().unwrap_or_default(),
                }),
                Cell::When(p.started_at),
                when(p.ended_at),
                r.patrol
                    .duration_s
                    .map_or(Cell::Empty, |d| Cell::Number((d / 60.0).round())),
                r.patrol
                    .length_m
                    .map_or(Cell::Empty, |m| Cell::Number((m / 10.0).round() / 100.0)),
                r.patrol
                    .coverage
                    .map_or(Cell::Empty, |c| Cell::Number((c * 100.0).round())),
                text(j.map_or("不适用", |j| if j.counts { "计入" } else { "不计入" })),
                text(j.map(|j| j.reasons_zh.join("；")).unwrap_or_default()),
                review(&p.review),
            ]
        }
        AggregateState::Inspection(i) => {
            let (site, address) = names.named(s, AggregateKind::Site, i.site.as_uuid())?;
            let bad = i
                .answers
                .values()
                .filter(|a| a.answer == xuncha_domain::payload::Answer::NonCompliant)
                .count();
            vec![
                text(names.unit(r.unit)),
                text(names.user(Some(i.inspector))),
                text(site),
                text(address),
                Cell::When(i.started_at),
                Cell::Number(i.items.len() as f64),
                Cell::Number(bad as f64),
                text(i.record.as_ref().map(|d| d.number.clone()).unwrap_or_default()),
                when(i.record.as_ref().and_then(|d| d.rectification_deadline)),
                text(if i.closed_at.is_some() {
                    "已办结"
                } else {
                    "进行中"
                }),
                review(&i.review),
            ]
        }
        AggregateState::Finding(f) => vec![
            text(names.unit(r.unit)),
            text(names.user(f.reported_by)),
            Cell::When(f.reported_at),
            text(xuncha_domain::catalogue::category(&f.category).map_or(f.category.as_str(), |c| c.name_zh)),
            text(f.description.clone()),
            text(f.severity.label_zh()),
            text(f.status.label_zh()),
            text(
                f.assignment
                    .as_ref()
                    .map(|a| a.assignee.clone())
                    .unwrap_or_default(),
            ),
            when(f.assignment.as_ref().map(|a| a.deadline)),
            when(f.rectification.as_ref().map(|x| x.rectified_at)),
            when(f.verified_at.filter(|_| f.status == FindingStatus::Verified)),
        ],
        _ => Vec::new(),
    })
}

fn write(kind: AggregateKind, lines: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color("#E8EEF4");
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(sheet_name(kind))?;
    for (c, (title, width)) in columns(kind).iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *title, &header)?;
        ws.set_column_width(c as u16, *width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, line) in lines.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_number(row, 0, (i + 1) as f64)?;
        for (c, cell) in line.iter().enumerate() {
            let col = 1 + c as u16;
            match cell {
                Cell::Text(t) if !t.is_empty() => {
                    ws.write_string(row, col, t)?;
                }
                Cell::Number(n) => {
                    ws.write_number(row, col, *n)?;
                }
                Cell::When(t) => {
                    // Excel has no time zones: the China wall time, as the office reads it.
                    let local = ExcelDateTime::from_timestamp((t.0 + CHINA_OFFSET_MS).div_euclid(1000))?;
                    ws.write_datetime_with_format(row, col, &local, &date_time)?;
                }
                Cell::Text(_) | Cell::Empty => {}
            }
        }
    }
    wb.save_to_buffer()
}
