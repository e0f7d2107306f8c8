//! Over 500 lines: every screen's query with its plan; issue 12 splits read models by screen.
//! Read queries over the projections: what the screens and the CLI list and show. Nothing here
//! writes.

use super::parse_event;
use crate::error::{CoreError, Result};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value};
use serde::{Deserialize, Serialize};
use xuncha_domain::catalogue::FindingKind;
use xuncha_domain::payload::Severity;
use xuncha_domain::state::{AggregateState, FindingStatus};
use xuncha_domain::{Event, TrackPoint};

/// What kind of record a row is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    RiverPatrol,
    FishingBanPatrol,
    Inspection,
}

impl RecordKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordKind::RiverPatrol => "river_patrol",
            RecordKind::FishingBanPatrol => "fishing_ban_patrol",
            RecordKind::Inspection => "inspection",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "river_patrol" => Ok(RecordKind::RiverPatrol),
            "fishing_ban_patrol" => Ok(RecordKind::FishingBanPatrol),
            "inspection" => Ok(RecordKind::Inspection),
            other => Err(CoreError::Other(format!("未知的记录类型 {other}"))),
        }
    }
    pub fn label_zh(&self) -> &'static str {
        match self {
            RecordKind::RiverPatrol => "河湖巡查",
            RecordKind::FishingBanPatrol => "禁捕巡查",
            RecordKind::Inspection => "安全检查",
        }
    }
}

/// Where a record stands with the server, as the user should be told.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// 仅保存在本机: some of its events have not reached the server.
    SavedOnDevice,
    /// 照片待上传: the record is on the server but some of its photos or signatures are not.
    PhotosPending,
    /// 已上传
    Uploaded,
    /// 被拒: an event broke a rule (kept, not applied) or the server refused it; see `rejection`.
    Rejected,
    /// 办公室有新处理: the office decided something after this device last changed the record.
    ChangedByOffice,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordSummary {
    pub id: String,
    pub kind: RecordKind,
    pub status: String,
    pub unit_id: String,
    pub owner_id: String,
    pub reach: Option<NamedRef>,
    pub site: Option<NamedRef>,
    pub title: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub point_count: u64,
    /// Photos of the record itself and of its findings (what the patroller took on it).
    pub photo_count: u64,
    pub finding_count: u64,
    pub open_finding_count: u64,
    pub pending_events: u64,
    /// Photos and signature images of the record not yet confirmed by the server.
    pub photos_pending: u64,
    pub sync: SyncState,
    /// Why, when `sync` is `rejected`: the rule's or the server's words.
    pub rejection: Option<String>,
    /// Entered late (补录): `started_at` is when it happened, not when it was typed in.
    #[serde(default)]
    pub late_entry: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct RecordFilter {
    pub kind: Option<RecordKind>,
    pub status: Option<String>,
    /// Started at or after (ms).
    pub from: Option<i64>,
    /// Started before (ms).
    pub to: Option<i64>,
    pub limit: Option<u32>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingSummary {
    pub id: String,
    pub record_id: String,
    pub kind: FindingKind,
    pub category: String,
    pub category_zh: String,
    pub severity: Severity,
    pub status: FindingStatus,
    pub description: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub reported_at: i64,
    pub deadline: Option<i64>,
    pub assignee: Option<String>,
    pub photo_count: u64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Rejected { code: String, message: String },
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: Event,
    /// What the event did, as a code and fields for the reader's language.
    pub what: crate::api::describe::TimelineEvent,
    pub local: bool,
    pub uploaded: bool,
    pub outcome: Outcome,
}

/// The events of record `r` and of its findings.
/// SQL: the event `e` belongs to record `r` or to one of its findings. Written as one `IN`
/// over the record's aggregates, with `events` read through `events_by_aggregate` (see
/// `EVENTS`), so each count is a few index lookups, never a scan of the log.
macro_rules! of_record {
    () => {
        "e.aggregate_id IN (SELECT r.id UNION ALL SELECT f.id FROM findings f WHERE f.record_id = r.id)"
    };
}

const RECORD_COLUMNS: &str = concat!(
    "r.id, r.kind, r.status, r.unit_id, r.owner_id, r.reach_id,
    json_extract(reach.state, '$.state.name'), r.site_id, json_extract(site.state, '$.state.name'),
    r.title, r.started_at, r.ended_at, r.point_count,
    r.photo_count + (SELECT coalesce(sum(f.photo_count), 0) FROM findings f WHERE f.record_id = r.id),
    (SELECT count(*) FROM findings f WHERE f.record_id = r.id),
    (SELECT count(*) FROM findings f WHERE f.record_id = r.id AND f.status != 'verified'),
    (SELECT count(*) FROM events e INDEXED BY events_by_aggregate WHERE e.is_local = 1 AND e.acked_at IS NULL AND ",
    of_record!(),
    "),
    (SELECT count(*) FROM rejections x JOIN events e ON e.id = x.event_id WHERE ",
    of_record!(),
    ") + (SELECT count(*) FROM push_rejections x JOIN events e ON e.id = x.event_id WHERE ",
    of_record!(),
    "),
    (SELECT count(*) FROM events e INDEXED BY events_by_aggregate WHERE e.is_local = 1
        AND e.type IN ('PhotoAttached', 'DocumentSigned', 'SignatureRefused', 'CommitmentLetterSigned')
        AND coalesce(json_extract(e.body, '$.payload.data.upload'), json_extract(e.body, '$.payload.data.signature'),
                     json_extract(e.body, '$.payload.data.witness_signature'), json_extract(e.body, '$.payload.data.original'))
            NOT IN (SELECT hash FROM blobs_on_server) AND ",
    of_record!(),
    "),
    (SELECT count(*) FROM events e INDEXED BY events_by_aggregate WHERE e.is_local = 0 AND ",
    of_record!(),
    " AND e.hlc_wall > (SELECT coalesce(max(e.hlc_wall), 0) FROM events e INDEXED BY events_by_aggregate WHERE e.is_local = 1 AND ",
    of_record!(),
    ")),
    coalesce((SELECT x.message FROM push_rejections x JOIN events e ON e.id = x.event_id WHERE ",
    of_record!(),
    " LIMIT 1), (SELECT x.message FROM rejections x JOIN events e ON e.id = x.event_id WHERE ",
    of_record!(),
    " LIMIT 1)), r.late_entry"
);

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(RecordSummary, String)> {
    let named = |id: Option<String>, name: Option<String>| {
        id.map(|id| NamedRef {
            name: name.unwrap_or_else(|| "（未同步的名称）".to_owned()),
            id,
        })
    };
    let pending: i64 = r.get(16)?;
    let rejected: i64 = r.get(17)?;
    let photos_pending: i64 = r.get(18)?;
    let changed_by_office: i64 = r.get(19)?;
    let kind: String = r.get(1)?;
    Ok((
        RecordSummary {
            id: r.get(0)?,
            kind: RecordKind::RiverPatrol,
            status: r.get(2)?,
            unit_id: r.get(3)?,
            owner_id: r.get(4)?,
            reach: named(r.get(5)?, r.get(6)?),
            site: named(r.get(7)?, r.get(8)?),
            title: r.get(9)?,
            started_at: r.get(10)?,
            ended_at: r.get(11)?,
            point_count: r.get::<_, i64>(12)? as u64,
            photo_count: r.get::<_, i64>(13)? as u64,
            finding_count: r.get::<_, i64>(14)? as u64,
            open_finding_count: r.get::<_, i64>(15)? as u64,
            pending_events: pending as u64,
            photos_pending: photos_pending as u64,
            sync: if rejected > 0 {
                SyncState::Rejected
            } else if pending > 0 {
                SyncState::SavedOnDevice
            } else if photos_pending > 0 {
                SyncState::PhotosPending
            } else if changed_by_office > 0 {
                SyncState::ChangedByOffice
            } else {
                SyncState::Uploaded
            },
            rejection: r.get(20)?,
            late_entry: r.get(21)?,
        },
        kind,
    ))
}

fn finish(row: (RecordSummary, String)) -> Result<RecordSummary> {
    let (mut s, kind) = row;
    s.kind = RecordKind::parse(&kind)?;
    Ok(s)
}

pub fn list_records(conn: &Connection, filter: &RecordFilter) -> Result<Vec<RecordSummary>> {
    let (sql, args) = list_records_sql(filter);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), record_from_row)?;
    rows.map(|r| finish(r?)).collect()
}

/// The page is chosen first (from the records table's indexes alone), then each of its rows
/// gets its counts: the work grows with the page, not with the store.
fn list_records_sql(filter: &RecordFilter) -> (String, Vec<Value>) {
    let mut sql = String::from("SELECT * FROM records WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if let Some(k) = filter.kind {
        sql.push_str(" AND kind = ?");
        args.push(Value::Text(k.as_str().to_owned()));
    }
    if let Some(s) = &filter.status {
        sql.push_str(" AND status = ?");
        args.push(Value::Text(s.clone()));
    }
    if let Some(t) = filter.from {
        sql.push_str(" AND started_at >= ?");
        args.push(Value::Integer(t));
    }
    if let Some(t) = filter.to {
        sql.push_str(" AND started_at < ?");
        args.push(Value::Integer(t));
    }
    sql.push_str(" ORDER BY started_at DESC, id DESC LIMIT ?");
    args.push(Value::Integer(filter.limit.unwrap_or(200) as i64));
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM ({sql}) r
         LEFT JOIN aggregates reach ON reach.id = r.reach_id
         LEFT JOIN aggregates site ON site.id = r.site_id
         ORDER BY r.started_at DESC, r.id DESC"
    );
    (sql, args)
}

pub fn record_summary(conn: &Connection, id: &str) -> Result<Option<RecordSummary>> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records r
         LEFT JOIN aggregates reach ON reach.id = r.reach_id
         LEFT JOIN aggregates site ON site.id = r.site_id WHERE r.id = ?1"
    );
    conn.query_row(&sql, [id], record_from_row)
        .optional()?
        .map(finish)
        .transpose()
}

/// The folded state of one aggregate (a record, a finding, reference data).
pub fn aggregate_state(conn: &Connection, id: &str) -> Result<Option<AggregateState>> {
    let json: Option<Option<String>> = conn
        .query_row("SELECT state FROM aggregates WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    json.flatten()
        .map(|s| serde_json::from_str(&s).map_err(|e| CoreError::corrupt("记录状态", e)))
        .transpose()
}

/// All states of one kind of aggregate (e.g. "reach", "site", "checklist").
pub fn aggregates_of_kind(conn: &Connection, kind: &str) -> Result<Vec<AggregateState>> {
    let mut stmt =
        conn.prepare("SELECT state FROM aggregates WHERE kind = ?1 AND state IS NOT NULL ORDER BY id")?;
    let rows = stmt.query_map([kind], |r| r.get::<_, String>(0))?;
    rows.map(|s| serde_json::from_str(&s?).map_err(|e| CoreError::corrupt("参考数据", e)))
        .collect()
}

const FINDING_COLUMNS: &str = "id, record_id, kind, category, severity, status, description, lon, lat,
    reported_at, deadline, assignee, photo_count";

/// A domain enum from the text the projection stored for it: the enum's own serde name, so the
/// table and the JSON the screens get say the same word.
fn enum_column<T: serde::de::DeserializeOwned>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn finding_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingSummary> {
    let category: String = r.get(3)?;
    Ok(FindingSummary {
        id: r.get(0)?,
        record_id: r.get(1)?,
        kind: enum_column(r, 2)?,
        category_zh: xuncha_domain::catalogue::category(&category)
            .map(|c| c.name_zh.to_owned())
            .unwrap_or_else(|| category.clone()),
        category,
        severity: enum_column(r, 4)?,
        status: enum_column(r, 5)?,
        description: r.get(6)?,
        lon: r.get(7)?,
        lat: r.get(8)?,
        reported_at: r.get(9)?,
        deadline: r.get(10)?,
        assignee: r.get(11)?,
        photo_count: r.get::<_, i64>(12)? as u64,
    })
}

pub fn findings_of_record(conn: &Connection, record_id: &str) -> Result<Vec<FindingSummary>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {FINDING_COLUMNS} FROM findings WHERE record_id = ?1 ORDER BY reported_at, id"
    ))?;
    let rows = stmt.query_map([record_id], finding_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Findings not yet verified, the most urgent (earliest deadline) first, read in that order off
/// `findings_open_by_urgency` (store migration 4); at most `limit`.
pub fn open_findings(
    conn: &Connection,
    status: Option<FindingStatus>,
    limit: Option<u32>,
) -> Result<Vec<FindingSummary>> {
    let mut stmt = conn.prepare(&open_findings_sql())?;
    let limit = limit.map_or(-1, i64::from);
    let rows = stmt.query_map(params![status.map(|s| s.as_str()), limit], finding_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn open_findings_sql() -> String {
    format!(
        "SELECT {FINDING_COLUMNS} FROM findings
         WHERE status != 'verified' AND (?1 IS NULL OR status = ?1)
         ORDER BY deadline IS NULL, deadline, reported_at, id LIMIT ?2"
    )
}

/// The events of a record and of its findings, in HLC order, with what became of each.
pub fn timeline(conn: &Connection, record_or_finding: &str) -> Result<Vec<TimelineEntry>> {
    let mut stmt = conn.prepare(
        "SELECT e.body, e.is_local, e.acked_at IS NOT NULL, x.code, x.message FROM events e
         LEFT JOIN rejections x ON x.event_id = e.id
         WHERE e.aggregate_id = ?1
            OR e.aggregate_id IN (SELECT id FROM findings WHERE record_id = ?1)
         ORDER BY e.hlc_wall, e.hlc_counter, e.hlc_device, e.id",
    )?;
    let rows = stmt.query_map([record_or_finding], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (body, local, acked, code, message) = row?;
        let event = parse_event(&body)?;
        Ok(TimelineEntry {
            what: crate::api::describe::TimelineEvent::of(&event.payload),
            local,
            uploaded: !local || acked,
            outcome: match (code, message) {
                (Some(code), Some(message)) => Outcome::Rejected { code, message },
                _ => Outcome::Applied,
            },
            event,
        })
    })
    .collect()
}

/// The track of a patrol, in time order.
pub fn track(conn: &Connection, patrol_id: &str) -> Result<Vec<TrackPoint>> {
    let mut stmt =
        conn.prepare_cached("SELECT point FROM track_points WHERE patrol_id = ?1 ORDER BY t, event_id, idx")?;
    let rows = stmt.query_map([patrol_id], |r| r.get::<_, String>(0))?;
    rows.map(|p| serde_json::from_str(&p?).map_err(|e| CoreError::corrupt("轨迹点", e)))
        .collect()
}

/// A dump of every projection table in a fixed order, to compare two stores' read models.
pub fn projection_dump(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (table, order) in [
        ("aggregates", "id"),
        ("records", "id"),
        ("findings", "id"),
        ("track_points", "patrol_id, event_id, idx"),
        ("rejections", "event_id"),
    ] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
        let n = stmt.column_count();
        let rows = stmt.query_map([], |r| {
            let mut line = format!("{table}:");
            for i in 0..n {
                let v: Value = r.get(i)?;
                line.push_str(&format!(" {v:?}"));
            }
            Ok(line)
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub active_patrols: u64,
    pub open_inspections: u64,
    pub records_today: u64,
    pub open_findings: u64,
    pub findings_to_rectify: u64,
    pub outbox_events: u64,
}

pub fn counts(conn: &Connection, day_start_ms: i64) -> Result<Counts> {
    let one = |sql: &str, arg: Option<i64>| -> Result<u64> {
        Ok(conn.query_row(sql, [arg], |r| r.get::<_, i64>(0))? as u64)
    };
    Ok(Counts {
        active_patrols: one(
            "SELECT count(*) FROM records WHERE kind != 'inspection' AND status = 'active' AND ?1 IS NULL",
            None,
        )?,
        open_inspections: one(
            "SELECT count(*) FROM records WHERE kind = 'inspection' AND status != 'closed' AND ?1 IS NULL",
            None,
        )?,
        records_today: one(
            "SELECT count(*) FROM records WHERE started_at >= ?1",
            Some(day_start_ms),
        )?,
        open_findings: one(
            "SELECT count(*) FROM findings WHERE status != 'verified' AND ?1 IS NULL",
            None,
        )?,
        findings_to_rectify: one(
            "SELECT count(*) FROM findings WHERE status IN ('assigned', 'reopened') AND ?1 IS NULL",
            None,
        )?,
        outbox_events: one(
            "SELECT count(*) FROM events WHERE is_local = 1 AND acked_at IS NULL AND ?1 IS NULL",
            None,
        )?,
    })
}

#[cfg(test)]
mod plans {
    //! What SQLite plans for each screen's query (issue 13): never a scan of the event log, and
    //! the records list reads its page off an index. The plans do not depend on how much is
    //! stored; `benches/year_store.rs` measures the same queries on a year's work.
    use super::*;
    use crate::store::Store;

    fn plan(conn: &Connection, sql: &str, args: Vec<Value>) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("plan");
        stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .expect("plan rows")
            .map(|r| r.expect("plan row"))
            .collect()
    }

    fn assert_no_log_scan(what: &str, lines: &[String]) {
        for l in lines {
            assert!(
                !(l.starts_with("SCAN e") || l.starts_with("SCAN events")),
                "{what} scans the event log: {l}\n{lines:#?}"
            );
        }
    }

    /// A record's counts look its events up by aggregate, not through every local event.
    fn assert_events_by_record(what: &str, lines: &[String]) {
        for l in lines.iter().filter(|l| l.starts_with("SEARCH e ")) {
            assert!(
                l.contains("events_by_aggregate"),
                "{what} reads the log by something else than the record: {l}\n{lines:#?}"
            );
        }
    }

    #[test]
    fn no_screen_scans_the_event_log() {
        let store = Store::open_in_memory().expect("store");
        let conn = store.connection();
        let filters = [
            RecordFilter::default(),
            RecordFilter {
                kind: Some(RecordKind::Inspection),
                limit: Some(50),
                ..RecordFilter::default()
            },
            RecordFilter {
                status: Some("active".into()),
                from: Some(0),
                to: Some(i64::MAX),
                limit: Some(50),
                ..RecordFilter::default()
            },
        ];
        for f in &filters {
            let (sql, args) = list_records_sql(f);
            let lines = plan(conn, &sql, args);
            assert_no_log_scan("the records list", &lines);
            assert_events_by_record("the records list", &lines);
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with("SEARCH records") || l.starts_with("SCAN records USING")),
                "the records list picks its page without an index: {lines:#?}"
            );
        }
        let summary = format!(
            "SELECT {RECORD_COLUMNS} FROM records r LEFT JOIN aggregates reach ON reach.id = r.reach_id LEFT JOIN aggregates site ON site.id = r.site_id WHERE r.id = ?1"
        );
        let lines = plan(conn, &summary, vec![Value::Text("x".into())]);
        assert_no_log_scan("a record", &lines);
        assert_events_by_record("a record", &lines);
        let lines = plan(conn, &open_findings_sql(), vec![Value::Null, Value::Integer(50)]);
        assert_eq!(
            lines,
            vec!["SCAN findings USING INDEX findings_open_by_urgency".to_owned()],
            "open findings are read in order off their index, nothing sorted"
        );
        for sql in [
            "SELECT body FROM events WHERE is_local = 1 AND acked_at IS NULL ORDER BY seq LIMIT 50",
            "SELECT count(*) FROM events WHERE is_local = 1 AND acked_at IS NULL",
        ] {
            let lines = plan(conn, sql, Vec::new());
            assert_no_log_scan("the outbox", &lines);
            assert!(lines.iter().any(|l| l.contains("events_outbox")), "{lines:#?}");
        }
    }
}
