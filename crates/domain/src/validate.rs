//! Checks of one payload on its own, before it becomes an event on a device and when a server
//! receives it: real coordinates, required fields present, times not far in the future, codes
//! from the catalogue. Rules that depend on earlier events live in `state`.

use crate::catalogue::{self, FindingKind};
use crate::payload::*;
use crate::position::Position;
use crate::time::UnixMs;

/// How far ahead of the checking clock a recorded time may be before it is refused: phones'
/// clocks drift, but not by a day.
pub const MAX_FUTURE_MS: i64 = UnixMs::DAY;

/// The most track points one event may carry; longer tracks are sent in several events.
pub const MAX_POINTS_PER_EVENT: usize = 5_000;

const MAX_TEXT_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ValidationError {
    /// Which field is wrong, e.g. "location" or "points[12].lat".
    pub field: String,
    /// What is wrong and, where it helps, what to do.
    pub problem: String,
}

fn err(field: impl Into<String>, problem: impl Into<String>) -> ValidationError {
    ValidationError {
        field: field.into(),
        problem: problem.into(),
    }
}

struct Checker {
    now: UnixMs,
}

impl Checker {
    fn required(&self, field: &str, value: &str) -> Result<(), ValidationError> {
        if value.trim().is_empty() {
            return Err(err(field, "必填，不能为空"));
        }
        self.text(field, value)
    }

    fn text(&self, field: &str, value: &str) -> Result<(), ValidationError> {
        if value.chars().count() > MAX_TEXT_CHARS {
            return Err(err(field, format!("太长（最多 {MAX_TEXT_CHARS} 字）")));
        }
        Ok(())
    }

    fn time(&self, field: &str, t: UnixMs) -> Result<(), ValidationError> {
        if t.0 <= 0 {
            return Err(err(field, "时间无效"));
        }
        if t.0 > self.now.0 + MAX_FUTURE_MS {
            return Err(err(
                field,
                format!(
                    "时间比当前时间晚 {:.1} 小时，请检查设备时钟",
                    (t.0 - self.now.0) as f64 / UnixMs::HOUR as f64
                ),
            ));
        }
        Ok(())
    }

    fn position(&self, field: &str, p: &Position) -> Result<(), ValidationError> {
        p.check().map_err(|m| err(field, m))
    }

    fn opt_position(&self, field: &str, p: &Option<Position>) -> Result<(), ValidationError> {
        p.as_ref().map_or(Ok(()), |p| self.position(field, p))
    }

    fn category(&self, field: &str, code: &str, kind: Option<FindingKind>) -> Result<(), ValidationError> {
        match catalogue::category(code) {
            None => Err(err(field, format!("未知的问题类别 {code:?}"))),
            Some(c) if kind.is_some_and(|k| k != c.kind) => Err(err(
                field,
                format!("类别 {}（{}）不属于这一类问题", c.name_zh, c.code),
            )),
            Some(_) => Ok(()),
        }
    }
}

/// Validates a payload as of `now` (the clock of whoever checks).
pub fn validate(payload: &Payload, now: UnixMs) -> Result<(), ValidationError> {
    let c = Checker { now };
    match payload {
        Payload::PatrolStarted(p) => {
            c.time("started_at", p.started_at)?;
            if let Some(area) = &p.area {
                c.text("area", area)?;
            }
            if p.reach.is_none() && p.area.as_deref().is_none_or(|a| a.trim().is_empty()) {
                return Err(err("reach", "请选择河段，或填写巡查区域"));
            }
            Ok(())
        }
        Payload::TrackPointsAppended(p) => {
            if p.points.is_empty() {
                return Err(err("points", "没有轨迹点"));
            }
            if p.points.len() > MAX_POINTS_PER_EVENT {
                return Err(err(
                    "points",
                    format!("一次最多 {MAX_POINTS_PER_EVENT} 个轨迹点，请分批"),
                ));
            }
            for (i, pt) in p.points.iter().enumerate() {
                pt.check().map_err(|m| err(format!("points[{i}]"), m))?;
                c.time(&format!("points[{i}].t"), pt.t)?;
            }
            Ok(())
        }
        Payload::PatrolEnded(p) => {
            c.time("ended_at", p.ended_at)?;
            c.text("notes", &p.notes)
        }
        Payload::BusinessChecked(p) => {
            c.time("checked_at", p.checked_at)?;
            c.text("notes", &p.notes)
        }
        Payload::PublicityTallied(p) => {
            let t = &p.tally;
            if t.banners + t.signs + t.notices + t.leaflets == 0 {
                return Err(err("tally", "宣传数量全为 0"));
            }
            Ok(())
        }
        Payload::GearSeized(p) => {
            c.required("description", &p.description)?;
            if p.quantity == 0 {
                return Err(err("quantity", "数量至少为 1"));
            }
            c.opt_position("position", &p.position)?;
            c.time("seized_at", p.seized_at)
        }
        Payload::CommitmentLetterSigned(p) => {
            c.required("signer_name", &p.signer_name)?;
            c.required("text", &p.text)?;
            c.time("signed_at", p.signed_at)
        }
        Payload::InspectionStarted(p) => {
            if p.items.is_empty() {
                return Err(err("items", "检查表没有检查项"));
            }
            let mut codes = std::collections::BTreeSet::new();
            for (i, item) in p.items.iter().enumerate() {
                c.required(&format!("items[{i}].code"), &item.code)?;
                c.required(&format!("items[{i}].text"), &item.text)?;
                if !codes.insert(item.code.as_str()) {
                    return Err(err(
                        format!("items[{i}].code"),
                        format!("检查项编码 {} 重复", item.code),
                    ));
                }
            }
            c.opt_position("position", &p.position)?;
            c.time("started_at", p.started_at)
        }
        Payload::ChecklistAnswered(p) => {
            c.required("item", &p.item)?;
            c.text("note", &p.note)
        }
        Payload::OnSiteRecordIssued(p) => {
            c.required("number", &p.number)?;
            c.required("content", &p.content)?;
            c.time("issued_at", p.issued_at)?;
            if let Some(d) = p.rectification_deadline
                && d <= p.issued_at
            {
                return Err(err("rectification_deadline", "整改期限必须晚于检查时间"));
            }
            Ok(())
        }
        Payload::DocumentSigned(p) => {
            c.required("signer_name", &p.signer_name)?;
            c.time("signed_at", p.signed_at)
        }
        Payload::SignatureRefused(p) => {
            c.required("reason", &p.reason)?;
            c.required("witness_name", &p.witness_name)?;
            c.time("at", p.at)
        }
        Payload::InspectionClosed(p) => {
            c.time("closed_at", p.closed_at)?;
            c.text("notes", &p.notes)
        }
        Payload::FindingReported(p) => {
            c.category("category", &p.category, Some(p.kind))?;
            c.required("description", &p.description)?;
            c.opt_position("location", &p.location)?;
            c.time("reported_at", p.reported_at)
        }
        Payload::FindingAmended(p) => {
            if p.category.is_none() && p.description.is_none() && p.severity.is_none() && p.location.is_none()
            {
                return Err(err("finding", "没有要修改的内容"));
            }
            if let Some(code) = &p.category {
                c.category("category", code, None)?;
            }
            if let Some(d) = &p.description {
                c.required("description", d)?;
            }
            c.opt_position("location", &p.location)
        }
        Payload::PhotoAttached(p) => {
            c.opt_position("position", &p.position)?;
            if p.position.is_none() && p.position_source != PositionSource::None {
                return Err(err("position_source", "有位置来源却没有位置"));
            }
            if let Some(t) = p.taken_at {
                c.time("taken_at", t)?;
            }
            c.text("caption", &p.caption)
        }
        Payload::RectificationAssigned(p) => {
            c.required("assignee", &p.assignee)?;
            c.text("note", &p.note)?;
            if p.deadline.0 <= 0 {
                return Err(err("deadline", "整改期限无效"));
            }
            Ok(())
        }
        Payload::FindingRectified(p) => {
            c.required("note", &p.note)?;
            c.opt_position("position", &p.position)?;
            c.time("rectified_at", p.rectified_at)
        }
        Payload::FindingVerified(p) => {
            c.text("note", &p.note)?;
            c.time("verified_at", p.verified_at)
        }
        Payload::FindingReopened(p) => {
            c.required("reason", &p.reason)?;
            c.time("at", p.at)
        }
        Payload::UnitDefined(u) => {
            c.required("name", &u.name)?;
            c.required("code", &u.code)
        }
        Payload::UserDefined(u) => {
            c.required("name", &u.name)?;
            c.required("login", &u.login)?;
            if u.roles.is_empty() {
                return Err(err("roles", "用户至少要有一个角色"));
            }
            Ok(())
        }
        Payload::ReachDefined(r) => {
            c.required("name", &r.name)?;
            if r.line.len() < 2 {
                return Err(err("line", "河段中心线至少需要 2 个点"));
            }
            for (i, p) in r.line.iter().enumerate() {
                c.position(&format!("line[{i}]"), p)?;
            }
            if !(r.length_m.is_finite() && r.length_m > 0.0) {
                return Err(err("length_m", "河段长度必须为正数"));
            }
            Ok(())
        }
        Payload::SiteDefined(s) => {
            c.required("name", &s.name)?;
            c.position("location", &s.location)
        }
        Payload::ChecklistPublished(t) => {
            c.required("name", &t.name)?;
            if t.items.is_empty() {
                return Err(err("items", "检查表没有检查项"));
            }
            Ok(())
        }
    }
}
