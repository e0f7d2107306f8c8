//! Lookups that span records, for the API's checks: the signed-in user, reference data by id,
//! the current on-site record of an inspection, and document numbers made without a server.

use super::CHINA_OFFSET_MS;
use crate::error::{CoreError, Result};
use crate::store::{Store, queries};
use xuncha_domain::people::{Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::state::AggregateState;
use xuncha_domain::*;

impl Store {
    pub(super) fn conn_state(&self, id: uuid::Uuid) -> Result<Option<AggregateState>> {
        queries::aggregate_state(self.conn(), &id.to_string())
    }
}

pub(super) fn signed_in(s: &Store) -> Result<(UserId, UnitId)> {
    let id = s.identity()?;
    match (id.user_id, id.unit_id) {
        (Some(u), Some(n)) => Ok((u, n)),
        _ => Err(CoreError::NotSetUp(
            "请先登录（绑定用户和单位）后再开始记录".to_owned(),
        )),
    }
}

/// Reference data of one kind, looked up by id.
pub(super) trait FromState: Sized {
    fn from_state(s: AggregateState) -> Option<Self>;
}

macro_rules! from_state {
    ($($ty:ident => $variant:ident),* $(,)?) => {$(
        impl FromState for $ty {
            fn from_state(s: AggregateState) -> Option<Self> {
                if let AggregateState::$variant(x) = s { Some(x) } else { None }
            }
        }
    )*};
}

from_state!(Reach => Reach, Site => Site, ChecklistTemplate => Checklist, User => User, Unit => Unit);

pub(super) fn reference<T: FromState>(s: &Store, id: uuid::Uuid, what: &'static str) -> Result<T> {
    s.conn_state(id)?
        .and_then(T::from_state)
        .ok_or(CoreError::NotFound {
            what,
            id: id.to_string(),
        })
}

pub(super) fn all_of<T>(s: &Store, kind: &str, pick: impl Fn(AggregateState) -> Option<T>) -> Result<Vec<T>> {
    Ok(queries::aggregates_of_kind(s.conn(), kind)?
        .into_iter()
        .filter_map(pick)
        .collect())
}

pub(super) fn current_record_document(s: &Store, inspection: InspectionId) -> Result<DocumentId> {
    match s.conn_state(inspection.0)? {
        Some(AggregateState::Inspection(i)) => match i.record {
            Some(r) => Ok(r.document),
            None => Err(CoreError::Refused(xuncha_domain::state::Rejection {
                code: "record_not_issued".into(),
                message: "尚未出具现场检查记录，不能签名".into(),
            })),
        },
        _ => Err(CoreError::NotFound {
            what: "检查",
            id: inspection.to_string(),
        }),
    }
}

/// Bounds a late entry's time as the server will: not after it is entered, within the
/// late-entry window, and not before the signed-in user's first day of work.
pub(super) fn check_late_entry(s: &Store, at: UnixMs, entered: UnixMs) -> Result<()> {
    xuncha_domain::validate::validate_late_entry(at, entered, &xuncha_domain::time::TimeWindow::DEFAULT)?;
    let (user, _) = signed_in(s)?;
    if let Ok(u) = reference::<User>(s, user.0, "用户")
        && let Some(from) = u.active_from
    {
        xuncha_domain::validate::check_active_from(at, from)?;
    }
    Ok(())
}

/// "HY-2026-3F2A-0007": the unit's code, the year (Beijing time), four hex digits of the device
/// id and the device's document counter — unique without asking a server.
pub(super) fn document_number(s: &mut Store, now: UnixMs) -> Result<String> {
    let unit_code = match s.identity()?.unit_id {
        Some(u) => reference::<Unit>(s, u.0, "单位")
            .map(|u| u.code)
            .unwrap_or_else(|_| "XC".to_owned()),
        None => "XC".to_owned(),
    };
    let year = year_of(now.0 + CHINA_OFFSET_MS)
        .ok_or_else(|| CoreError::Other(format!("时间 {} 超出日历范围", now.0)))?;
    let device = s.device_id().to_string().replace('-', "").to_uppercase();
    let tail = &device[device.len() - 4..];
    let n = s.next_document_number()?;
    Ok(format!("{unit_code}-{year}-{tail}-{n:04}"))
}

/// The calendar year of a time (UTC: shift it first for another zone); none beyond the
/// calendar's range, some 262,000 years away.
pub(super) fn year_of(ms: i64) -> Option<i32> {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.year())
}

#[cfg(test)]
mod tests {
    #[test]
    fn year_of_knows_new_year_and_leap_days() {
        assert_eq!(super::year_of(0), Some(1970));
        assert_eq!(super::year_of(1_767_225_599_999), Some(2025)); // 2025-12-31T23:59:59.999Z
        assert_eq!(super::year_of(1_767_225_600_000), Some(2026));
        assert_eq!(super::year_of(951_782_400_000), Some(2000)); // 2000-02-29
        assert_eq!(super::year_of(i64::MAX), None);
    }
}
