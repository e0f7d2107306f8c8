//! Times on the command line: read in RFC 3339 or as Beijing wall time, shown in Beijing time.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use xuncha_domain::UnixMs;

fn beijing() -> FixedOffset {
    // +08:00 is always a valid offset.
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// "2026-11-25T08:30:00+08:00", "2026-11-25 08:30", "2026-11-25 08:30:15" or "2026-11-25".
pub fn parse(s: &str) -> Result<UnixMs> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(UnixMs(t.timestamp_millis()));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return local(n);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local(d.and_hms_opt(23, 59, 59).context("无效日期")?);
    }
    bail!("无法识别的时间 {s:?}：请写成 2026-11-25 08:30（北京时间）或 RFC 3339")
}

fn local(n: NaiveDateTime) -> Result<UnixMs> {
    let t = beijing().from_local_datetime(&n).single().context("无效时间")?;
    Ok(UnixMs(t.timestamp_millis()))
}

pub fn show(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t
            .with_timezone(&beijing())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => format!("{ms} ms"),
    }
}
