//! Projections: the read tables kept in step with the event log. Each aggregate's row is the
//! fold of its own events by the domain's one rule (`xuncha_domain::fold`): this module only
//! says how the device's tables load, list, flag and save an aggregate, so the tables always
//! equal what a full rebuild would give.

use crate::error::{CoreError, Result};
use rusqlite::{OptionalExtension, Transaction, params};
use xuncha_domain::Event;
use xuncha_domain::Hlc;
use xuncha_domain::fold::{self, AggregateStore, OrderKey, Stored};
use xuncha_domain::payload::{AggregateKind, AggregateRef, PatrolKind, Payload};
use xuncha_domain::state::{AggregateState, Rejection, apply as apply_rule};

/// The device's tables as the fold's store, inside one transaction.
struct Projection<'a, 'c>(&'a Transaction<'c>);

impl AggregateStore for Projection<'_, '_> {
    type Error = CoreError;

    fn load(&mut self, aggregate: AggregateRef) -> Result<Option<Stored>> {
        load(self.0, &aggregate.id.to_string())
    }

    fn events(&mut self, aggregate: AggregateRef) -> Result<Vec<(Event, Option<String>)>> {
        // The device holds no permanently flagged events: the server never hands them out.
        let bodies: Vec<String> = self
            .0
            .prepare_cached("SELECT body FROM events WHERE aggregate_id = ?1")?
            .query_map([aggregate.id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        bodies
            .iter()
            .map(|b| Ok((super::parse_event(b)?, None)))
            .collect()
    }

    fn forget(&mut self, aggregate: AggregateRef) -> Result<()> {
        clear(self.0, &aggregate.id.to_string())
    }

    /// A refused event gets its row in `rejections`; an applied one its side rows (the points
    /// of a track). A refold has cleared both first (`forget`).
    fn set_flag(&mut self, event: &Event, flag: Option<&Rejection>) -> Result<()> {
        match flag {
            None => side_rows(self.0, event),
            Some(r) => reject(self.0, event, r),
        }
    }

    fn save(
        &mut self,
        aggregate: AggregateRef,
        state: Option<&AggregateState>,
        watermark: OrderKey,
    ) -> Result<()> {
        save(self.0, aggregate, state, watermark)
    }
}

fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Stored>> {
    let row = tx
        .prepare_cached(
            "SELECT state, last_wall, last_counter, last_device, last_event FROM aggregates WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((state, wall, counter, device, event)) = row else {
        return Ok(None);
    };
    let state = state
        .map(|s| serde_json::from_str(&s).map_err(|e| CoreError::corrupt("记录状态", e)))
        .transpose()?;
    let bad = |what: &str| CoreError::Other(format!("记录状态中的{what}无法读取"));
    let hlc = Hlc {
        wall_ms: wall,
        counter,
        device: device.parse().map_err(|_| bad("设备"))?,
    };
    Ok(Some(Stored {
        state,
        watermark: (hlc, event.parse().map_err(|_| bad("事件"))?),
    }))
}

/// Decides a local event before it is written: a local event always comes last in HLC order,
/// so it applies to the stored state directly. `Err` (nothing written) if a rule forbids it;
/// otherwise the caller inserts the event and passes the answer to `save_local`.
pub(crate) fn decide_local(tx: &Transaction<'_>, event: &Event) -> Result<Option<AggregateState>> {
    let id = event.payload.aggregate().id.to_string();
    let stored = load(tx, &id)?;
    if stored.as_ref().is_some_and(|s| s.watermark >= event.order_key()) {
        // Only possible if the clock was wound back past a pulled event: fold as usual.
        return Ok(None);
    }
    Ok(Some(apply_rule(
        stored.as_ref().and_then(|s| s.state.as_ref()),
        event,
    )?))
}

/// Writes the projections of a local event decided by `decide_local` (`None`: fold as usual).
pub(crate) fn save_local(tx: &Transaction<'_>, event: &Event, decided: Option<AggregateState>) -> Result<()> {
    let Some(next) = decided else {
        return apply(tx, event);
    };
    let mut store = Projection(tx);
    store.set_flag(event, None)?;
    store.save(event.payload.aggregate(), Some(&next), event.order_key())
}

/// Projects an event that has just been inserted into the log.
pub(crate) fn apply(tx: &Transaction<'_>, event: &Event) -> Result<()> {
    fold::fold_event(&mut Projection(tx), event).map(|_| ())
}

fn reject(tx: &Transaction<'_>, event: &Event, r: &Rejection) -> Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO rejections (event_id, code, message) VALUES (?1, ?2, ?3)")?
        .execute(params![event.id.to_string(), r.code, r.message])?;
    Ok(())
}

/// Rows an accepted event adds beside its aggregate's state (the points of a track).
fn side_rows(tx: &Transaction<'_>, event: &Event) -> Result<()> {
    if let Payload::TrackPointsAppended(a) = &event.payload {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO track_points (patrol_id, event_id, idx, t, point) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let (patrol, ev) = (a.patrol.to_string(), event.id.to_string());
        for (i, p) in a.points.iter().enumerate() {
            let json = serde_json::to_string(p).map_err(|e| CoreError::corrupt("轨迹点", e))?;
            stmt.execute(params![patrol, ev, i as i64, p.t.0, json])?;
        }
    }
    Ok(())
}

fn clear(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute("DELETE FROM aggregates WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM records WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM findings WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM track_points WHERE patrol_id = ?1", [id])?;
    tx.execute(
        "DELETE FROM rejections WHERE event_id IN (SELECT id FROM events WHERE aggregate_id = ?1)",
        [id],
    )?;
    Ok(())
}

/// Drops all projections and folds every aggregate again.
pub(crate) fn rebuild(tx: &Transaction<'_>) -> Result<()> {
    for table in super::migrations::PROJECTION_TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let keys: Vec<(String, String)> = tx
        .prepare("SELECT DISTINCT aggregate_kind, aggregate_id FROM events")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (kind, id) in keys {
        let kind: AggregateKind = kind
            .parse()
            .map_err(|_| CoreError::Other(format!("未知的记录类型 {kind}")))?;
        let id = id
            .parse()
            .map_err(|_| CoreError::Other(format!("事件的记录编号无法读取：{id}")))?;
        fold::refold(&mut Projection(tx), AggregateRef { kind, id })?;
    }
    Ok(())
}

/// Writes an aggregate's state, its watermark and its row in the query tables.
fn save(
    tx: &Transaction<'_>,
    key: AggregateRef,
    state: Option<&AggregateState>,
    watermark: OrderKey,
) -> Result<()> {
    let id = key.id.to_string();
    let json = state
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| CoreError::corrupt("记录状态", e))?;
    tx.prepare_cached(
        "INSERT INTO aggregates (id, kind, state, last_wall, last_counter, last_device, last_event)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET state = ?3, last_wall = ?4, last_counter = ?5,
             last_device = ?6, last_event = ?7",
    )?
    .execute(params![
        id,
        key.kind.as_str(),
        json,
        watermark.0.wall_ms,
        watermark.0.counter,
        watermark.0.device.to_string(),
        watermark.1.to_string()
    ])?;
    match state {
        Some(AggregateState::Patrol(p)) => {
            let kind = match p.kind {
                PatrolKind::River => "river_patrol",
                PatrolKind::FishingBan => "fishing_ban_patrol",
            };
            let status = if p.ended_at.is_some() { "ended" } else { "active" };
            upsert_record(
                tx,
                &RecordRow {
                    id: &id,
                    kind,
                    status,
                    unit: p.unit.to_string(),
                    owner: p.patroller.to_string(),
                    reach: p.reach.map(|r| r.to_string()),
                    site: None,
                    title: p.area.clone().unwrap_or_default(),
                    started_at: p.started_at.0,
                    ended_at: p.ended_at.map(|t| t.0),
                    points: p.point_count as i64,
                    photos: p.photos.len() as i64,
                    late_entry: p.late_entry,
                },
            )
        }
        Some(AggregateState::Inspection(i)) => {
            let status = match (&i.closed_at, &i.record) {
                (Some(_), _) => "closed",
                (None, Some(_)) => "record_issued",
                (None, None) => "active",
            };
            upsert_record(
                tx,
                &RecordRow {
                    id: &id,
                    kind: "inspection",
                    status,
                    unit: i.unit.to_string(),
                    owner: i.inspector.to_string(),
                    reach: None,
                    site: Some(i.site.to_string()),
                    title: i.record.as_ref().map(|r| r.number.clone()).unwrap_or_default(),
                    started_at: i.started_at.0,
                    ended_at: i.closed_at.map(|t| t.0),
                    points: 0,
                    photos: i.photos.len() as i64,
                    late_entry: i.late_entry,
                },
            )
        }
        Some(AggregateState::Finding(f)) => {
            let record = match f.record {
                xuncha_domain::payload::RecordRef::Patrol(p) => p.to_string(),
                xuncha_domain::payload::RecordRef::Inspection(i) => i.to_string(),
            };
            let kind = serde_json::to_value(f.kind).map_err(|e| CoreError::corrupt("问题", e))?;
            let severity = serde_json::to_value(f.severity).map_err(|e| CoreError::corrupt("问题", e))?;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO findings (id, record_id, kind, category, severity, status,
                     description, lon, lat, reported_at, deadline, assignee, photo_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                id,
                record,
                kind.as_str(),
                f.category,
                severity.as_str(),
                f.status.as_str(),
                f.description,
                f.location.map(|l| l.lon),
                f.location.map(|l| l.lat),
                f.reported_at.0,
                f.assignment.as_ref().map(|a| a.deadline.0),
                f.assignment.as_ref().map(|a| a.assignee.clone()),
                f.photos.len() as i64
            ])?;
            Ok(())
        }
        _ => Ok(()),
    }
}

struct RecordRow<'a> {
    id: &'a str,
    kind: &'static str,
    status: &'static str,
    unit: String,
    owner: String,
    reach: Option<String>,
    site: Option<String>,
    title: String,
    started_at: i64,
    ended_at: Option<i64>,
    points: i64,
    photos: i64,
    /// Some event of it was entered late (补录).
    late_entry: bool,
}

fn upsert_record(tx: &Transaction<'_>, r: &RecordRow<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO records (id, kind, status, unit_id, owner_id, reach_id, site_id, title,
             started_at, ended_at, point_count, photo_count, late_entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        r.id,
        r.kind,
        r.status,
        r.unit,
        r.owner,
        r.reach,
        r.site,
        r.title,
        r.started_at,
        r.ended_at,
        r.points,
        r.photos,
        r.late_entry
    ])?;
    Ok(())
}
