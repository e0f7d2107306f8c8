//! The access model offline: before an event of this device is appended, the domain's rule
//! (`xuncha_domain::access`) is asked with the signed-in user as the server knows them (their
//! `UserDefined`, pulled) and the record as this device holds it, so an action the server would
//! refuse is refused here first and nothing is written. Until the user's definition has
//! arrived the device cannot know their roles and leaves the decision to the server, which
//! applies the same rule at push.

use crate::error::{CoreError, Result};
use rusqlite::{OptionalExtension, Transaction};
use xuncha_domain::access::{self, Filed, Write};
use xuncha_domain::people::{Unit, User};
use xuncha_domain::state::AggregateState;
use xuncha_domain::{Event, UnitId, UserId};

fn state_of(tx: &Transaction<'_>, kind: &str, id: &str) -> Result<Option<AggregateState>> {
    let json: Option<Option<String>> = tx
        .prepare_cached("SELECT state FROM aggregates WHERE kind = ?1 AND id = ?2")?
        .query_row([kind, id], |r| r.get(0))
        .optional()?;
    json.flatten()
        .map(|s| serde_json::from_str(&s).map_err(|e| CoreError::corrupt("记录状态", e)))
        .transpose()
}

/// Where a record the device holds is filed, read from its state (the device keeps no
/// separate owner column): a finding by its reporter and the unit of the record it is on.
fn filed(tx: &Transaction<'_>, state: &AggregateState) -> Result<(Option<UnitId>, Option<UserId>)> {
    Ok(match state {
        AggregateState::Patrol(p) => (Some(p.unit), Some(p.patroller)),
        AggregateState::Inspection(i) => (Some(i.unit), Some(i.inspector)),
        AggregateState::Finding(f) => {
            let (kind, id) = match f.record {
                xuncha_domain::payload::RecordRef::Patrol(p) => ("patrol", p.0),
                xuncha_domain::payload::RecordRef::Inspection(i) => ("inspection", i.0),
            };
            let unit = match state_of(tx, kind, &id.to_string())? {
                Some(parent) => filed(tx, &parent)?.0,
                None => None,
            };
            (unit, f.reported_by)
        }
        AggregateState::Unit(u) => (Some(u.id), None),
        AggregateState::User(u) => (Some(u.unit), Some(u.id)),
        AggregateState::Reach(r) => (Some(r.unit), None),
        AggregateState::Site(s) => (Some(s.unit), None),
        AggregateState::Checklist(_) => (None, None),
        AggregateState::Rules(r) => (Some(r.unit), None),
    })
}

/// Refuses (`CoreError::Refused`, code `not_authorised`) an event the signed-in user may not
/// make.
pub(crate) fn check(tx: &Transaction<'_>, event: &Event) -> Result<()> {
    let Some(author) = event.author else {
        return Ok(());
    };
    let Some(AggregateState::User(who)) = state_of(tx, "user", &author.to_string())? else {
        return Ok(());
    };
    let units: Vec<Unit> = {
        let mut stmt = tx.prepare_cached("SELECT state FROM aggregates WHERE kind = 'unit'")?;
        let rows = stmt.query_map([], |r| r.get::<_, Option<String>>(0))?;
        let mut out = Vec::new();
        for json in rows {
            if let Some(json) = json? {
                match serde_json::from_str(&json).map_err(|e| CoreError::corrupt("单位", e))? {
                    AggregateState::Unit(u) => out.push(u),
                    _ => continue,
                }
            }
        }
        out
    };
    let record_ref = event.payload.aggregate();
    let record_state = state_of(tx, record_ref.kind.as_str(), &record_ref.id.to_string())?;
    let parent_state = match access::parent_of(&event.payload) {
        Some(p) => state_of(tx, p.kind.as_str(), &p.id.to_string())?,
        None => None,
    };
    let as_filed = |state: &Option<AggregateState>| -> Result<Option<(Option<UnitId>, Option<UserId>)>> {
        state.as_ref().map(|s| filed(tx, s)).transpose()
    };
    let record = as_filed(&record_state)?.map(|(unit, owner)| Filed {
        unit,
        owner,
        state: record_state.as_ref(),
    });
    let parent = as_filed(&parent_state)?.map(|(unit, owner)| Filed {
        unit,
        owner,
        state: parent_state.as_ref(),
    });
    let write = Write {
        payload: &event.payload,
        author: event.author,
        record,
        parent,
    };
    access::authorise(&who as &User, &write, units.as_slice()).map_err(CoreError::Refused)
}
