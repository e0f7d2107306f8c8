//! Checks of one payload on its own, before it becomes an event on a device and when a server
//! receives it: real coordinates, required fields present, times not far in the future, codes
//! from the catalogue. Rules that depend on earlier events live in `state`.
//!
//! An error names the field for programs (`field`, e.g. "points[12].t") and says the problem
//! to a person in one sentence in either language ("第 13 个轨迹点的时间早于 1970 年"),
//! counting from 1 and using the names a person knows, never the field path.

use crate::catalogue::{self, FindingKind};
use crate::payload::*;
use crate::position::Position;
use crate::time::UnixMs;
use crate::words::{Lang, Say, ordinal};

/// How far ahead of the checking clock a recorded time may be before it is refused: phones'
/// clocks drift, but not by a day.
pub const MAX_FUTURE_MS: i64 = UnixMs::DAY;

/// The most track points one event may carry; longer tracks are sent in several events.
pub const MAX_POINTS_PER_EVENT: usize = 5_000;

const MAX_TEXT_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.say(Lang::Zh))]
pub struct ValidationError {
    /// Which field is wrong, for programs, e.g. "location" or "points[12].lat".
    pub field: String,
    /// What is wrong, in Chinese, worded to follow the field's name ("不能为空"); where it
    /// helps, what to do.
    pub problem: String,
    /// The same in English, worded to follow the field's name ("must not be empty").
    pub problem_en: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>, problem_en: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
            problem_en: problem_en.into(),
        }
    }
}

impl Say for ValidationError {
    fn say(&self, lang: Lang) -> String {
        let field = field_words(&self.field, lang);
        match lang {
            Lang::Zh => format!("{field}{}", self.problem),
            Lang::En => {
                let sentence = format!("{field} {}", self.problem_en);
                let mut chars = sentence.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
        }
    }
}

/// A field path as a person names it: "points[3].t" → "第 4 个轨迹点的时间" / "the time of
/// the 4th track point". Unknown names are shown as they are.
pub fn field_words(path: &str, lang: Lang) -> String {
    // Split "a[1].b[2][3].c" into (name, indices) parts.
    let mut parts: Vec<(String, Vec<usize>)> = Vec::new();
    for piece in path.split('.') {
        let name: String = piece.chars().take_while(|c| *c != '[').collect();
        let indices = piece[name.len()..]
            .split(['[', ']'])
            .filter_map(|i| i.parse().ok())
            .collect();
        parts.push((name, indices));
    }
    let words: Vec<String> = parts
        .iter()
        .map(|(name, indices)| {
            let (zh, en) = field_name(name);
            let noun = lang.pick(zh, en).to_owned();
            match (indices.as_slice(), lang) {
                ([], _) => noun,
                ([i], Lang::Zh) => format!("{}{noun}", ordinal(*i, Lang::Zh)),
                ([i], Lang::En) => format!("the {} {noun}", ordinal(*i, Lang::En)),
                ([i, j, ..], Lang::Zh) => format!("{}{noun}的第 {} 个点", ordinal(*i, Lang::Zh), j + 1),
                ([i, j, ..], Lang::En) => format!("point {} of the {} {noun}", j + 1, ordinal(*i, Lang::En)),
            }
        })
        .collect();
    match lang {
        Lang::Zh => words.join("的"),
        Lang::En => {
            let mut it = words.iter().rev();
            let first = it.next().cloned().unwrap_or_default();
            let phrase = it.fold(first, |acc, w| format!("{acc} of {w}"));
            // Indexed nouns already read "the 4th …"; bare ones get their article here.
            if phrase.starts_with("point ") || phrase.starts_with("the ") {
                phrase
            } else {
                format!("the {phrase}")
            }
        }
    }
}

/// The Chinese and English name of a payload field.
fn field_name(name: &str) -> (&str, &str) {
    match name {
        "points" => ("轨迹点", "track point"),
        "untimed" => ("无时间轨迹段", "untimed stretch"),
        "t" => ("时间", "time"),
        "lat" => ("纬度", "latitude"),
        "lon" => ("经度", "longitude"),
        "started_at" => ("开始时间", "start time"),
        "ended_at" => ("结束时间", "end time"),
        "checked_at" => ("检查时间", "check time"),
        "seized_at" => ("查获时间", "seizure time"),
        "signed_at" => ("签名时间", "signing time"),
        "issued_at" => ("开具时间", "issue time"),
        "closed_at" => ("结束时间", "closing time"),
        "reported_at" => ("上报时间", "report time"),
        "taken_at" => ("拍摄时间", "time taken"),
        "rectified_at" => ("整改时间", "rectification time"),
        "verified_at" => ("验收时间", "verification time"),
        "at" => ("时间", "time"),
        "area" => ("巡查区域", "patrol area"),
        "reach" => ("河段", "reach"),
        "notes" | "note" => ("备注", "note"),
        "tally" => ("宣传数量", "publicity tally"),
        "description" => ("描述", "description"),
        "quantity" => ("数量", "quantity"),
        "position" => ("位置", "position"),
        "location" => ("位置", "location"),
        "signer_name" => ("签名人姓名", "signer's name"),
        "text" => ("内容", "text"),
        "items" => ("检查项", "checklist item"),
        "code" => ("编码", "code"),
        "item" => ("检查项", "checklist item"),
        "number" => ("编号", "number"),
        "content" => ("内容", "content"),
        "rectification_deadline" | "deadline" => ("整改期限", "rectification deadline"),
        "reason" => ("原因", "reason"),
        "witness_name" => ("见证人姓名", "witness's name"),
        "category" => ("问题类别", "category"),
        "finding" => ("修改", "amendment"),
        "position_source" => ("位置来源", "position source"),
        "caption" => ("说明", "caption"),
        "assignee" => ("整改责任人", "assignee"),
        "name" => ("名称", "name"),
        "login" => ("登录名", "login"),
        "roles" => ("角色", "roles"),
        "line" => ("河段中心线的点", "point of the reach line"),
        "length_m" => ("河段长度", "reach length"),
        "photo" => ("照片", "photo"),
        "signature" => ("签名图片", "signature image"),
        other => (other, other),
    }
}

fn err(
    field: impl Into<String>,
    problem: impl Into<String>,
    problem_en: impl Into<String>,
) -> ValidationError {
    ValidationError::new(field, problem, problem_en)
}

/// What is wrong with a position, worded to follow its name.
pub fn position_problem(p: &Position) -> Option<(String, String)> {
    if !p.lon.is_finite() || !p.lat.is_finite() {
        return Some(("不是有效的坐标".into(), "is not a valid coordinate".into()));
    }
    if !(-180.0..=180.0).contains(&p.lon) {
        return Some((
            format!("的经度 {} 超出 -180 到 180 的范围", p.lon),
            format!("has a longitude of {}, outside -180 to 180", p.lon),
        ));
    }
    if !(-90.0..=90.0).contains(&p.lat) {
        return Some((
            format!("的纬度 {} 超出 -90 到 90 的范围", p.lat),
            format!("has a latitude of {}, outside -90 to 90", p.lat),
        ));
    }
    None
}

struct Checker {
    now: UnixMs,
}

impl Checker {
    fn required(&self, field: &str, value: &str) -> Result<(), ValidationError> {
        if value.trim().is_empty() {
            return Err(err(field, "不能为空", "must not be empty"));
        }
        self.text(field, value)
    }

    fn text(&self, field: &str, value: &str) -> Result<(), ValidationError> {
        if value.chars().count() > MAX_TEXT_CHARS {
            return Err(err(
                field,
                format!("太长（最多 {MAX_TEXT_CHARS} 字）"),
                format!("is too long (at most {MAX_TEXT_CHARS} characters)"),
            ));
        }
        Ok(())
    }

    fn time(&self, field: &str, t: UnixMs) -> Result<(), ValidationError> {
        if t.0 <= 0 {
            return Err(err(
                field,
                "早于 1970 年，不是有效的时间",
                "is before 1970, which is not a valid time",
            ));
        }
        if t.0 > self.now.0 + MAX_FUTURE_MS {
            let hours = (t.0 - self.now.0) as f64 / UnixMs::HOUR as f64;
            return Err(err(
                field,
                format!("比当前时间晚 {hours:.1} 小时，请检查设备时钟"),
                format!("is {hours:.1} hours ahead of the current time: check the device's clock"),
            ));
        }
        Ok(())
    }

    fn position(&self, field: &str, p: &Position) -> Result<(), ValidationError> {
        match position_problem(p) {
            Some((zh, en)) => Err(err(field, zh, en)),
            None => Ok(()),
        }
    }

    fn opt_position(&self, field: &str, p: &Option<Position>) -> Result<(), ValidationError> {
        p.as_ref().map_or(Ok(()), |p| self.position(field, p))
    }

    fn category(&self, field: &str, code: &str, kind: Option<FindingKind>) -> Result<(), ValidationError> {
        match catalogue::category(code) {
            None => Err(err(
                field,
                format!(" {code:?} 不在类别目录中（`xuncha categories` 列出全部类别）"),
                format!("{code:?} is not in the catalogue (`xuncha categories` lists them all)"),
            )),
            Some(c) if kind.is_some_and(|k| k != c.kind) => Err(err(
                field,
                format!(" {}（{}）不属于这一类问题", c.name_zh, c.code),
                format!("{} does not belong to this kind of problem", c.code),
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
                return Err(err(
                    "reach",
                    "未选择：请选择河段，或填写巡查区域",
                    "is missing: choose a reach or name the patrol area",
                ));
            }
            Ok(())
        }
        Payload::TrackPointsAppended(p) => {
            let untimed: usize = p.untimed.iter().map(Vec::len).sum();
            if p.points.is_empty() && untimed == 0 {
                return Err(err("points", "一个也没有", "is missing: there are none"));
            }
            if p.points.len() + untimed > MAX_POINTS_PER_EVENT {
                return Err(err(
                    "points",
                    format!("太多：一次最多 {MAX_POINTS_PER_EVENT} 个，请分批"),
                    format!("are too many: at most {MAX_POINTS_PER_EVENT} at a time, send them in batches"),
                ));
            }
            for (i, pt) in p.points.iter().enumerate() {
                c.position(&format!("points[{i}]"), &pt.position())?;
                if let Err(m) = pt.check() {
                    return Err(err(
                        format!("points[{i}]"),
                        format!("的定位数据无效（{m}）"),
                        "has invalid fix data (accuracy, altitude, speed or bearing is not a number)",
                    ));
                }
                c.time(&format!("points[{i}].t"), pt.t)?;
            }
            for (i, line) in p.untimed.iter().enumerate() {
                if line.is_empty() {
                    return Err(err(format!("untimed[{i}]"), "是空的", "is empty"));
                }
                for (j, pos) in line.iter().enumerate() {
                    c.position(&format!("untimed[{i}][{j}]"), pos)?;
                }
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
                return Err(err("tally", "全为 0", "is all zero"));
            }
            Ok(())
        }
        Payload::GearSeized(p) => {
            c.required("description", &p.description)?;
            if p.quantity == 0 {
                return Err(err("quantity", "至少为 1", "must be at least 1"));
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
                return Err(err("items", "一个也没有", "is missing: there are none"));
            }
            let mut codes = std::collections::BTreeSet::new();
            for (i, item) in p.items.iter().enumerate() {
                c.required(&format!("items[{i}].code"), &item.code)?;
                c.required(&format!("items[{i}].text"), &item.text)?;
                if !codes.insert(item.code.as_str()) {
                    return Err(err(
                        format!("items[{i}].code"),
                        format!(" {} 重复", item.code),
                        format!("{} is used twice", item.code),
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
                return Err(err(
                    "rectification_deadline",
                    "必须晚于检查时间",
                    "must be after the inspection time",
                ));
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
                return Err(err(
                    "finding",
                    "没有内容：请至少改一项",
                    "is empty: change at least one field",
                ));
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
                return Err(err(
                    "position_source",
                    "有值，却没有位置",
                    "is set, but there is no position",
                ));
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
                return Err(err(
                    "deadline",
                    "早于 1970 年，不是有效的时间",
                    "is before 1970, which is not a valid time",
                ));
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
                return Err(err("roles", "至少要有一个", "must have at least one"));
            }
            Ok(())
        }
        Payload::ReachDefined(r) => {
            c.required("name", &r.name)?;
            if r.line.len() < 2 {
                return Err(err("line", "至少需要 2 个", "needs at least 2"));
            }
            for (i, p) in r.line.iter().enumerate() {
                c.position(&format!("line[{i}]"), p)?;
            }
            if !(r.length_m.is_finite() && r.length_m > 0.0) {
                return Err(err("length_m", "必须为正数", "must be positive"));
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
                return Err(err("items", "一个也没有", "is missing: there are none"));
            }
            Ok(())
        }
    }
}
