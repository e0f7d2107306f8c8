//! Over 500 lines: every payload's checks and bounds in one table-like match, with the field words they use.
//! Checks of one payload on its own, before it becomes an event on a device and when a server
//! receives it: real coordinates, required fields present, times inside the time window, codes
//! from the catalogue, and a bound on every number, text and list, so no field can carry a
//! 5 MiB description or a count that overflows a sum. Rules that depend on earlier events live
//! in `state`.
//!
//! An error names the field for programs (`field`, e.g. "points[12].t") and says the problem
//! to a person in one sentence in either language ("第 13 个轨迹点的时间早于 1970 年"),
//! counting from 1 and using the names a person knows, never the field path.

use crate::catalogue::{self, FindingKind};
use crate::event::Event;
use crate::payload::*;
use crate::position::{Position, TrackPoint};
use crate::time::{EARLIEST, TimeWindow, UnixMs};
use crate::words::{Lang, Say, ordinal};

/// How far ahead of the checking clock a recorded time may be before it is refused: phones'
/// clocks drift, but not by a day. The default of `TimeWindow`.
pub const MAX_FUTURE_MS: i64 = TimeWindow::DEFAULT.max_future_ms;

/// How far ahead a rectification deadline may be set: deadlines lie in the future by nature,
/// but not by years.
pub const MAX_DEADLINE_AHEAD_MS: i64 = 5 * 366 * UnixMs::DAY;

/// The most track points one event may carry; longer tracks are sent in several events.
pub const MAX_POINTS_PER_EVENT: usize = 5_000;

/// Names of people, units, sites, reaches and checklists; logins.
pub const MAX_NAME_CHARS: usize = 100;
/// Codes and numbers: unit codes, checklist item codes, category codes, document numbers.
pub const MAX_CODE_CHARS: usize = 64;
/// One line of free text: a patrol area, an address.
pub const MAX_LINE_CHARS: usize = 200;
/// Notes, reasons and captions.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Descriptions of a problem, a seized item, a checklist item or its legal basis.
/// The office's comment when it reviews or sends back a record.
pub const MAX_REVIEW_COMMENT_CHARS: usize = 500;
/// Characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
/// The text of a document as printed and signed (an on-site record, a commitment letter).
pub const MAX_DOCUMENT_CHARS: usize = 20_000;

/// The most of one kind of publicity one tally may count. A patrol's totals are summed with
/// checked arithmetic in `state`, so even many tallies cannot overflow.
pub const MAX_TALLY_PER_EVENT: u32 = 100_000;
/// The most items one seizure may count.
pub const MAX_SEIZED_QUANTITY: u32 = 100_000;
/// The most items a checklist may have.
pub const MAX_CHECKLIST_ITEMS: usize = 500;
/// The highest version number a checklist may carry.
pub const MAX_CHECKLIST_VERSION: u32 = 1_000_000;
/// The most points of a reach's centre line.
pub const MAX_REACH_LINE_POINTS: usize = 10_000;
/// The longest a reach may be, in metres.
pub const MAX_REACH_LENGTH_M: f64 = 1_000_000.0;
/// The most chiefs a reach may name.
pub const MAX_REACH_CHIEFS: usize = 100;
/// The most roles one user may hold.
pub const MAX_ROLES: usize = 16;
/// The most after-rectification photos one rectification may name.
pub const MAX_AFTER_PHOTOS: usize = 50;
/// Bounds of a track point's readings: wide enough for any real receiver, narrow enough that
/// garbage is refused. Accuracy and altitude in metres, speed in m/s, bearing in degrees.
pub const MAX_ACCURACY_M: f64 = 100_000.0;
pub const ALTITUDE_RANGE_M: (f64, f64) = (-20_000.0, 100_000.0);
pub const MAX_SPEED_MPS: f64 = 1_000.0;
pub const MAX_BEARING_DEG: f64 = 360.0;

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
        "hlc" => ("时钟时间戳", "clock stamp"),
        "accuracy_m" => ("定位精度", "accuracy"),
        "altitude_m" => ("海拔", "altitude"),
        "speed_mps" => ("速度", "speed"),
        "bearing_deg" => ("方向", "bearing"),
        "address" => ("地址", "address"),
        "legal_basis" => ("依据", "legal basis"),
        "version" | "checklist_version" => ("检查表版本", "checklist version"),
        "chiefs" => ("河湖长", "chief"),
        "after_photos" => ("整改后照片", "after-rectification photo"),
        "area" => ("巡查区域", "patrol area"),
        "reach" => ("河段", "reach"),
        "notes" | "note" => ("备注", "note"),
        "tally" => ("宣传数量", "publicity tally"),
        "banners" => ("横幅数量", "number of banners"),
        "signs" => ("标牌数量", "number of signs"),
        "notices" => ("通告数量", "number of notices"),
        "leaflets" => ("传单数量", "number of leaflets"),
        "description" => ("描述", "description"),
        "quantity" => ("数量", "quantity"),
        "position" => ("位置", "position"),
        "location" => ("位置", "location"),
        "signer_name" => ("签名人姓名", "signer's name"),
        // Fields of the device's requests, checked by the core.
        "bytes_base64" => ("照片", "photo"),
        "png_base64" => ("签名图片", "signature image"),
        "server_url" => ("服务器地址", "server address"),
        "keystore" => ("密钥保存位置", "key store"),
        "text" => ("内容", "text"),
        "items" => ("检查项", "checklist item"),
        "effective_from" => ("生效时间", "effective date"),
        "rules_version" => ("规则版本", "rules version"),
        "levels" => ("级别规则", "level rule"),
        "min_duration_min" => ("最短用时", "minimum duration"),
        "min_length_m" => ("最短距离", "minimum length"),
        "min_coverage_pct" => ("最低河段覆盖率", "minimum reach coverage"),
        "cooldown_h" => ("自主巡河最短间隔", "least time between self-initiated patrols"),
        "times" => ("规定次数", "required number of patrols"),
        "from_month" => ("起始月份", "first month"),
        "to_month" => ("结束月份", "last month"),
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
    window: TimeWindow,
}

impl Checker {
    /// A text that must not be empty, of at most `max` characters.
    fn required(&self, field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
        if value.trim().is_empty() {
            return Err(err(field, "不能为空", "must not be empty"));
        }
        self.text(field, value, max)
    }

    /// A text of at most `max` characters (counted without reading past the bound, so a
    /// 5 MiB text costs no more than a long one).
    fn text(&self, field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
        if value.len() > max && value.chars().nth(max).is_some() {
            return Err(err(
                field,
                format!("太长（最多 {max} 字）"),
                format!("is too long (at most {max} characters)"),
            ));
        }
        Ok(())
    }

    fn list(&self, field: &str, len: usize, max: usize) -> Result<(), ValidationError> {
        if len > max {
            return Err(err(
                field,
                format!("太多：最多 {max} 个"),
                format!("are too many: at most {max}"),
            ));
        }
        Ok(())
    }

    fn count(&self, field: &str, n: u32, max: u32) -> Result<(), ValidationError> {
        if n > max {
            return Err(err(
                field,
                format!("为 {n}，超过上限 {max}"),
                format!("is {n}, more than the most allowed, {max}"),
            ));
        }
        Ok(())
    }

    fn time(&self, field: &str, t: UnixMs) -> Result<(), ValidationError> {
        self.not_before_earliest(field, t)?;
        if t > self.window.latest(self.now) {
            let hours = (t.0 as f64 - self.now.0 as f64) / UnixMs::HOUR as f64;
            let (zh, en) = if hours > 48.0 {
                let days = hours / 24.0;
                (
                    format!("比当前时间晚 {days:.0} 天，请检查设备时钟"),
                    format!("is {days:.0} days ahead of the current time: check the device's clock"),
                )
            } else {
                (
                    format!("比当前时间晚 {hours:.1} 小时，请检查设备时钟"),
                    format!("is {hours:.1} hours ahead of the current time: check the device's clock"),
                )
            };
            return Err(err(field, zh, en));
        }
        Ok(())
    }

    fn not_before_earliest(&self, field: &str, t: UnixMs) -> Result<(), ValidationError> {
        if t.0 < 0 {
            return Err(err(
                field,
                "早于 1970 年，不是有效的时间",
                "is before 1970, which is not a valid time",
            ));
        }
        if t < EARLIEST {
            return Err(err(
                field,
                "早于 2000 年，不是有效的时间，请检查设备时钟",
                "is before 2000, which is not a valid time: check the device's clock",
            ));
        }
        Ok(())
    }

    /// A deadline: after `EARLIEST`, and not years ahead.
    fn deadline(&self, field: &str, t: UnixMs) -> Result<(), ValidationError> {
        self.not_before_earliest(field, t)?;
        if t > self.now.plus_ms(MAX_DEADLINE_AHEAD_MS) {
            return Err(err(
                field,
                "超过 5 年之后，请检查日期",
                "is more than 5 years ahead: check the date",
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

    /// A fix's readings, each finite and inside its bound.
    fn readings(&self, field: &str, pt: &TrackPoint) -> Result<(), ValidationError> {
        if let Err(m) = pt.check() {
            return Err(err(
                field,
                format!("的定位数据无效（{m}）"),
                "has invalid fix data (accuracy, altitude, speed or bearing is not a number)",
            ));
        }
        let (lo_alt, hi_alt) = ALTITUDE_RANGE_M;
        for (name, value, lo, hi) in [
            ("accuracy_m", pt.accuracy_m, 0.0, MAX_ACCURACY_M),
            ("altitude_m", pt.altitude_m, lo_alt, hi_alt),
            ("speed_mps", pt.speed_mps, -MAX_SPEED_MPS, MAX_SPEED_MPS),
            ("bearing_deg", pt.bearing_deg, -MAX_BEARING_DEG, MAX_BEARING_DEG),
        ] {
            if let Some(v) = value
                && !(lo..=hi).contains(&v)
            {
                return Err(err(
                    format!("{field}.{name}"),
                    format!("为 {v}，超出 {lo} 到 {hi} 的范围"),
                    format!("is {v}, outside {lo} to {hi}"),
                ));
            }
        }
        Ok(())
    }

    fn category(&self, field: &str, code: &str, kind: Option<FindingKind>) -> Result<(), ValidationError> {
        self.text(field, code, MAX_CODE_CHARS)?;
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

    /// The items of a checklist: some, not too many, each with a unique code and bounded text.
    fn checklist_items(&self, items: &[crate::reference::ChecklistItem]) -> Result<(), ValidationError> {
        if items.is_empty() {
            return Err(err("items", "一个也没有", "is missing: there are none"));
        }
        self.list("items", items.len(), MAX_CHECKLIST_ITEMS)?;
        let mut codes = std::collections::BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            self.required(&format!("items[{i}].code"), &item.code, MAX_CODE_CHARS)?;
            self.required(&format!("items[{i}].text"), &item.text, MAX_DESCRIPTION_CHARS)?;
            self.text(
                &format!("items[{i}].legal_basis"),
                &item.legal_basis,
                MAX_DESCRIPTION_CHARS,
            )?;
            if !codes.insert(item.code.as_str()) {
                return Err(err(
                    format!("items[{i}].code"),
                    format!(" {} 重复", item.code),
                    format!("{} is used twice", item.code),
                ));
            }
        }
        Ok(())
    }

    fn version(&self, field: &str, v: u32) -> Result<(), ValidationError> {
        self.count(field, v, MAX_CHECKLIST_VERSION)
    }
}

/// Validates a whole event as of `now` (the clock of whoever checks): its clock stamp inside
/// the default time window, then its payload. A server checks this for every pushed event, and
/// a device for every event it pulls from another device.
pub fn validate_event(event: &Event, now: UnixMs) -> Result<(), ValidationError> {
    validate_event_within(event, now, &TimeWindow::DEFAULT)
}

/// `validate_event` with a configured time window.
pub fn validate_event_within(event: &Event, now: UnixMs, window: &TimeWindow) -> Result<(), ValidationError> {
    let c = Checker { now, window: *window };
    c.time("hlc", UnixMs(event.hlc.wall_ms))?;
    if let Some(at) = event.occurred_at {
        validate_late_entry(at, UnixMs(event.hlc.wall_ms), window)?;
    }
    validate_within(&event.payload, now, window)
}

/// A late entry's time (补录, `Event::occurred_at`) as against when it was entered: not after
/// it (what has not happened yet cannot be entered late), not before 2000, and at most the
/// window's `max_late_ms` before it. Whether the person existed then is the caller's check
/// (`check_active_from`): it needs the user.
pub fn validate_late_entry(at: UnixMs, entered: UnixMs, window: &TimeWindow) -> Result<(), ValidationError> {
    let c = Checker {
        now: entered,
        window: *window,
    };
    c.not_before_earliest("occurred_at", at)?;
    if at > entered {
        return Err(err(
            "occurred_at",
            "晚于录入时间：补录只能填写已经发生的时间",
            "is after the time of entry: a late entry can only give a time that has passed",
        ));
    }
    if at < entered.plus_ms(-window.max_late_ms.max(0)) {
        let days = window.max_late_ms / UnixMs::DAY;
        return Err(err(
            "occurred_at",
            format!("早于录入时间 {days} 天以上：补录最多可追溯 {days} 天"),
            format!(
                "is more than {days} days before the time of entry: late entry reaches back at most {days} days"
            ),
        ));
    }
    Ok(())
}

/// A late entry's time as against the person it is recorded for: not before `active_from`, the
/// day their work may first be recorded (their user's `active_from`, or when the user was made).
pub fn check_active_from(at: UnixMs, active_from: UnixMs) -> Result<(), ValidationError> {
    if at < active_from {
        return Err(err(
            "occurred_at",
            "早于此用户的在岗起始时间：不能为其补录此前的记录",
            "is before this user's first day of work: nothing before it can be entered for them",
        ));
    }
    Ok(())
}

/// Validates a payload as of `now` (the clock of whoever checks), with the default time window.
pub fn validate(payload: &Payload, now: UnixMs) -> Result<(), ValidationError> {
    validate_within(payload, now, &TimeWindow::DEFAULT)
}

/// Validates a payload as of `now` with a configured time window.
pub fn validate_within(payload: &Payload, now: UnixMs, window: &TimeWindow) -> Result<(), ValidationError> {
    let c = Checker { now, window: *window };
    match payload {
        Payload::PatrolStarted(p) => {
            c.time("started_at", p.started_at)?;
            if let Some(area) = &p.area {
                c.text("area", area, MAX_LINE_CHARS)?;
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
            let untimed = p
                .untimed
                .iter()
                .fold(0usize, |n, line| n.saturating_add(line.len()));
            if p.points.is_empty() && untimed == 0 {
                return Err(err("points", "一个也没有", "is missing: there are none"));
            }
            if p.points.len().saturating_add(untimed) > MAX_POINTS_PER_EVENT {
                return Err(err(
                    "points",
                    format!("太多：一次最多 {MAX_POINTS_PER_EVENT} 个，请分批"),
                    format!("are too many: at most {MAX_POINTS_PER_EVENT} at a time, send them in batches"),
                ));
            }
            for (i, pt) in p.points.iter().enumerate() {
                c.position(&format!("points[{i}]"), &pt.position())?;
                c.readings(&format!("points[{i}]"), pt)?;
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
            c.text("notes", &p.notes, MAX_NOTE_CHARS)
        }
        Payload::BusinessChecked(p) => {
            c.time("checked_at", p.checked_at)?;
            c.text("notes", &p.notes, MAX_NOTE_CHARS)
        }
        Payload::PublicityTallied(p) => {
            let t = &p.tally;
            for (field, n) in [
                ("banners", t.banners),
                ("signs", t.signs),
                ("notices", t.notices),
                ("leaflets", t.leaflets),
            ] {
                c.count(field, n, MAX_TALLY_PER_EVENT)?;
            }
            if [t.banners, t.signs, t.notices, t.leaflets]
                .iter()
                .all(|n| *n == 0)
            {
                return Err(err("tally", "全为 0", "is all zero"));
            }
            Ok(())
        }
        Payload::GearSeized(p) => {
            c.required("description", &p.description, MAX_DESCRIPTION_CHARS)?;
            if p.quantity == 0 {
                return Err(err("quantity", "至少为 1", "must be at least 1"));
            }
            c.count("quantity", p.quantity, MAX_SEIZED_QUANTITY)?;
            c.opt_position("position", &p.position)?;
            c.time("seized_at", p.seized_at)
        }
        Payload::CommitmentLetterSigned(p) => {
            c.required("signer_name", &p.signer_name, MAX_NAME_CHARS)?;
            c.required("text", &p.text, MAX_DOCUMENT_CHARS)?;
            c.time("signed_at", p.signed_at)
        }
        Payload::InspectionStarted(p) => {
            c.version("checklist_version", p.checklist_version)?;
            c.checklist_items(&p.items)?;
            c.opt_position("position", &p.position)?;
            c.time("started_at", p.started_at)
        }
        Payload::ChecklistAnswered(p) => {
            c.required("item", &p.item, MAX_CODE_CHARS)?;
            c.text("note", &p.note, MAX_NOTE_CHARS)
        }
        Payload::OnSiteRecordIssued(p) => {
            c.required("number", &p.number, MAX_CODE_CHARS)?;
            c.required("content", &p.content, MAX_DOCUMENT_CHARS)?;
            c.time("issued_at", p.issued_at)?;
            if let Some(d) = p.rectification_deadline {
                if d <= p.issued_at {
                    return Err(err(
                        "rectification_deadline",
                        "必须晚于检查时间",
                        "must be after the inspection time",
                    ));
                }
                c.deadline("rectification_deadline", d)?;
            }
            Ok(())
        }
        Payload::DocumentSigned(p) => {
            c.required("signer_name", &p.signer_name, MAX_NAME_CHARS)?;
            c.time("signed_at", p.signed_at)
        }
        Payload::SignatureRefused(p) => {
            c.required("reason", &p.reason, MAX_NOTE_CHARS)?;
            c.required("witness_name", &p.witness_name, MAX_NAME_CHARS)?;
            c.time("at", p.at)
        }
        Payload::InspectionClosed(p) => {
            c.time("closed_at", p.closed_at)?;
            c.text("notes", &p.notes, MAX_NOTE_CHARS)
        }
        Payload::FindingReported(p) => {
            c.category("category", &p.category, Some(p.kind))?;
            c.required("description", &p.description, MAX_DESCRIPTION_CHARS)?;
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
                c.required("description", d, MAX_DESCRIPTION_CHARS)?;
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
            c.text("caption", &p.caption, MAX_NOTE_CHARS)
        }
        Payload::RectificationAssigned(p) => {
            c.required("assignee", &p.assignee, MAX_NAME_CHARS)?;
            c.text("note", &p.note, MAX_NOTE_CHARS)?;
            c.deadline("deadline", p.deadline)
        }
        Payload::FindingRectified(p) => {
            c.required("note", &p.note, MAX_NOTE_CHARS)?;
            c.list("after_photos", p.after_photos.len(), MAX_AFTER_PHOTOS)?;
            c.opt_position("position", &p.position)?;
            c.time("rectified_at", p.rectified_at)
        }
        Payload::FindingVerified(p) => {
            c.text("note", &p.note, MAX_NOTE_CHARS)?;
            c.time("verified_at", p.verified_at)
        }
        Payload::FindingReopened(p) => {
            c.required("reason", &p.reason, MAX_NOTE_CHARS)?;
            c.time("at", p.at)
        }
        Payload::RecordReviewed(p) => {
            match p.decision {
                ReviewDecision::SentBack => c.required("comment", &p.comment, MAX_REVIEW_COMMENT_CHARS)?,
                ReviewDecision::Approved => c.text("comment", &p.comment, MAX_REVIEW_COMMENT_CHARS)?,
            }
            c.time("reviewed_at", p.reviewed_at)
        }
        Payload::UnitDefined(u) => {
            c.required("name", &u.name, MAX_NAME_CHARS)?;
            c.required("code", &u.code, MAX_CODE_CHARS)
        }
        Payload::UserDefined(u) => {
            c.required("name", &u.name, MAX_NAME_CHARS)?;
            c.required("login", &u.login, MAX_NAME_CHARS)?;
            if u.roles.is_empty() {
                return Err(err("roles", "至少要有一个", "must have at least one"));
            }
            c.list("roles", u.roles.len(), MAX_ROLES)
        }
        Payload::ReachDefined(r) => {
            c.required("name", &r.name, MAX_NAME_CHARS)?;
            if r.line.len() < 2 {
                return Err(err("line", "至少需要 2 个", "needs at least 2"));
            }
            c.list("line", r.line.len(), MAX_REACH_LINE_POINTS)?;
            for (i, p) in r.line.iter().enumerate() {
                c.position(&format!("line[{i}]"), p)?;
            }
            if !(r.length_m.is_finite() && r.length_m > 0.0) {
                return Err(err("length_m", "必须为正数", "must be positive"));
            }
            if r.length_m > MAX_REACH_LENGTH_M {
                return Err(err(
                    "length_m",
                    format!("超过上限 {MAX_REACH_LENGTH_M} 米"),
                    format!("is more than the most allowed, {MAX_REACH_LENGTH_M} m"),
                ));
            }
            c.list("chiefs", r.chiefs.len(), MAX_REACH_CHIEFS)
        }
        Payload::SiteDefined(s) => {
            c.required("name", &s.name, MAX_NAME_CHARS)?;
            c.text("address", &s.address, MAX_LINE_CHARS)?;
            c.position("location", &s.location)
        }
        Payload::ChecklistPublished(t) => {
            c.required("name", &t.name, MAX_NAME_CHARS)?;
            c.version("version", t.version)?;
            c.checklist_items(&t.items)
        }
        Payload::PatrolRulesPublished(r) => {
            c.required("name", &r.name, MAX_NAME_CHARS)?;
            c.deadline("effective_from", r.effective_from)?;
            c.list("levels", r.levels.len(), crate::people::ChiefLevel::ALL.len())?;
            r.check()
        }
    }
}
