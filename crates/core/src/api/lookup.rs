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

/// The action a late entry (补录) wraps, if it is one of the three workflows' actions: queries,
/// sync and set-up are not dated, and a late entry inside a late entry says nothing more.
pub(super) fn late_action(action: super::Request) -> Result<super::Request> {
    use super::Request as R;
    match action {
        R::StartPatrol { .. }
        | R::AppendTrackPoints { .. }
        | R::EndPatrol { .. }
        | R::RecordBusinessCheck { .. }
        | R::TallyPublicity { .. }
        | R::RecordSeizure { .. }
        | R::SignCommitmentLetter { .. }
        | R::StartInspection { .. }
        | R::AnswerChecklistItem { .. }
        | R::IssueOnSiteRecord { .. }
        | R::SignDocument { .. }
        | R::RecordRefusal { .. }
        | R::CloseInspection { .. }
        | R::ReportFinding { .. }
        | R::AmendFinding { .. }
        | R::AttachPhoto { .. }
        | R::AssignRectification { .. }
        | R::RectifyFinding { .. }
        | R::VerifyFinding { .. }
        | R::ReopenFinding { .. } => Ok(action),
        other => {
            // The action's name as the front ends send it.
            let name = serde_json::to_value(&other)
                .ok()
                .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned))
                .unwrap_or_default();
            Err(CoreError::Invalid(xuncha_domain::validate::ValidationError::new(
                "action",
                format!("“{name}”不是可以补录的记录操作"),
                format!("“{name}” is not a recording action that can be entered late"),
            )))
        }
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
    let device = s.device_id().to_string().replace('-', "").to_uppercase();
    let tail = &device[device.len() - 4..];
    let n = s.next_document_number()?;
    Ok(format!(
        "{unit_code}-{}-{tail}-{n:04}",
        year_of(now.0 + CHINA_OFFSET_MS)
    ))
}

/// The proleptic Gregorian year of a day count since 1970 (H. Hinnant's civil_from_days).
pub(super) fn year_of(ms: i64) -> i64 {
    let z = ms.div_euclid(UnixMs::DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn year_of_knows_new_year_and_leap_days() {
        assert_eq!(super::year_of(0), 1970);
        assert_eq!(super::year_of(1_767_225_599_999), 2025); // 2025-12-31T23:59:59.999Z
        assert_eq!(super::year_of(1_767_225_600_000), 2026);
        assert_eq!(super::year_of(951_782_400_000), 2000); // 2000-02-29
    }
}
