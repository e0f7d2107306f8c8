//! Tracks, problems and sites for GIS (issue 16): GeoJSON (RFC 7946: WGS-84 longitude and
//! latitude, as every GIS reads it; GCJ-02 only when asked with `crs=gcj02`, said in the file)
//! and GPX 1.1 of the tracks with each fix's time, for QGIS, ArcGIS, Google Earth or a GPS unit.
//!
//! Office staff over their unit and the units below; a period of at most a year and at most 500
//! patrols (narrow the period beyond that); every fix of each track, not thinned.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::db::Storage;
use crate::error::Error;
use crate::extract::QueryOf;
use crate::fold::parse_state;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;
use xuncha_domain::calendar::{CHINA_OFFSET_MS, Day};
use xuncha_domain::geo::coords::wgs84_to_gcj02;
use xuncha_domain::payload::AggregateKind;
use xuncha_domain::state::{AggregateState, PatrolState};
use xuncha_domain::{Position, TrackPoint, UnitId, UnixMs, UserId};

/// The most patrols one export holds.
pub const MOST_PATROLS: u32 = 500;
const LONGEST_PERIOD_MS: i64 = 366 * UnixMs::DAY;

#[derive(Clone, Debug, Deserialize)]
pub struct GeoQuery {
    /// The records' own time, [from, to) in Unix ms (at most a year).
    pub from: i64,
    pub to: i64,
    pub unit: Option<UnitId>,
    /// `wgs84` (the default, RFC 7946) or `gcj02` (for Chinese web maps; GeoJSON only).
    pub crs: Option<String>,
}

struct Period {
    patrols: Vec<(PatrolState, Vec<TrackPoint>, Option<bool>)>,
    findings: Vec<xuncha_domain::state::FindingState>,
    sites: Vec<xuncha_domain::reference::Site>,
    names: BTreeMap<UserId, String>,
}

fn read_period(
    s: &mut dyn Storage,
    mine: UnitId,
    q: &GeoQuery,
    with_reference: bool,
) -> Result<Period, Error> {
    if q.from >= q.to || q.to.saturating_sub(q.from) > LONGEST_PERIOD_MS {
        return Err(Error::bad_request(
            "bad_period",
            "from 必须早于 to，且时间段不超过一年",
        ));
    }
    let all = s.units()?;
    let units = crate::scope::asked_or_mine(&all, mine, q.unit)?;
    let filter = |kind| crate::db::RecordFilter {
        kind,
        units: units.clone(),
        status: None,
        owner: None,
        from_ms: Some(q.from),
        to_ms: Some(q.to),
        before: None,
        limit: MOST_PATROLS + 1,
    };
    let rows = s.records_page(&filter(AggregateKind::Patrol))?;
    if rows.len() > MOST_PATROLS as usize {
        return Err(Error::unprocessable(
            "too_many_patrols",
            format!("这个时段的巡查超过 {MOST_PATROLS} 次：请缩短时段或选下级单位分批导出"),
        ));
    }
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.aggregate.id).collect();
    let mut standing = crate::facts::judgements(s, &all, &ids)?;
    let mut patrols = Vec::with_capacity(rows.len());
    for row in rows {
        if let AggregateState::Patrol(p) = parse_state(&row.state)? {
            let track = crate::facts::applied_track(s, row.aggregate)?;
            let counts = standing
                .remove(&row.aggregate.id)
                .and_then(|s| s.judgement)
                .map(|j| j.counts);
            patrols.push((p, track, counts));
        }
    }
    let mut findings = Vec::new();
    let mut sites = Vec::new();
    if with_reference {
        let mut f = filter(AggregateKind::Finding);
        f.limit = 100_000;
        for row in s.records_page(&f)? {
            if let AggregateState::Finding(x) = parse_state(&row.state)? {
                findings.push(x);
            }
        }
        for row in s.aggregates_of_units(AggregateKind::Site, &units, u32::MAX)? {
            if let AggregateState::Site(x) = parse_state(&row.state)? {
                sites.push(x);
            }
        }
    }
    let names = s.users()?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(Period {
        patrols,
        findings,
        sites,
        names,
    })
}

/// "2026-12-03T09:30:00+08:00": China time, as a person filing it reads it.
pub(crate) fn iso_china(t: UnixMs) -> String {
    let local = t.0 + CHINA_OFFSET_MS;
    let d = Day::of(t);
    let secs = local.rem_euclid(UnixMs::DAY) / 1000;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        d.year,
        d.month,
        d.day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// "2026-12-03T01:30:00.250Z": UTC, as GPX wants it.
fn iso_utc(t: UnixMs) -> String {
    let d = Day::from_days(t.0.div_euclid(UnixMs::DAY));
    let ms = t.0.rem_euclid(UnixMs::DAY);
    let secs = ms / 1000;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        d.year,
        d.month,
        d.day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        ms % 1000
    )
}

/// `GET /api/v1/office/exports/map.geojson`.
pub async fn geojson(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    QueryOf(q): QueryOf<GeoQuery>,
) -> Result<Response, Error> {
    let gcj = match q.crs.as_deref() {
        None | Some("wgs84") => false,
        Some("gcj02") => true,
        Some(_) => return Err(Error::bad_request("bad_crs", "crs 只能是 wgs84 或 gcj02")),
    };
    let q2 = q.clone();
    let period = st.db.read(move |s| read_period(s, me.unit, &q2, true)).await?;
    let at = |p: Position| {
        let p = if gcj { wgs84_to_gcj02(p) } else { p };
        // Seven decimals: about a centimetre, more than any phone's fix.
        json!([(p.lon * 1e7).round() / 1e7, (p.lat * 1e7).round() / 1e7])
    };
    let name = |u: Option<UserId>| u.and_then(|u| period.names.get(&u)).cloned().unwrap_or_default();
    let mut features = Vec::new();
    for (p, track, counts) in &period.patrols {
        if track.len() < 2 {
            continue;
        }
        features.push(json!({
            "type": "Feature",
            "id": p.id.to_string(),
            "geometry": { "type": "LineString", "coordinates": track.iter().map(|t| at(t.position())).collect::<Vec<_>>() },
            "properties": {
                "layer": "track",
                "kind": p.kind.label_zh(),
                "patroller": name(Some(p.patroller)),
                "started_at": iso_china(p.started_at),
                "ended_at": p.ended_at.map(iso_china),
                "points": track.len(),
                "counts": counts,
            },
        }));
    }
    for f in &period.findings {
        let Some(loc) = f.location else { continue };
        features.push(json!({
            "type": "Feature",
            "id": f.id.to_string(),
            "geometry": { "type": "Point", "coordinates": at(loc) },
            "properties": {
                "layer": "finding",
                "category": xuncha_domain::catalogue::category(&f.category).map_or(f.category.as_str(), |c| c.name_zh),
                "description": f.description,
                "severity": f.severity.label_zh(),
                "status": f.status.label_zh(),
                "reported_by": name(f.reported_by),
                "reported_at": iso_china(f.reported_at),
            },
        }));
    }
    for site in &period.sites {
        features.push(json!({
            "type": "Feature",
            "id": site.id.to_string(),
            "geometry": { "type": "Point", "coordinates": at(site.location) },
            "properties": { "layer": "site", "name": site.name, "kind": site.kind.label_zh(), "address": site.address },
        }));
    }
    let mut doc = json!({ "type": "FeatureCollection", "features": features });
    if gcj {
        // A foreign member (RFC 7946 § 6.1): the coordinates are not WGS-84, and the file says so.
        doc["coordinate_system"] = Value::from("GCJ-02");
    }
    let bytes = serde_json::to_vec(&doc).map_err(|e| Error::Internal(format!("geojson: {e}")))?;
    let name = if gcj {
        "巡查地图-GCJ02.geojson"
    } else {
        "巡查地图.geojson"
    };
    Ok(crate::documents::file_response(
        bytes,
        "application/geo+json",
        name,
    ))
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/v1/office/exports/tracks.gpx`: WGS-84 always (GPX is defined in it).
pub async fn gpx(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    QueryOf(q): QueryOf<GeoQuery>,
) -> Result<Response, Error> {
    if q.crs.as_deref().is_some_and(|c| c != "wgs84") {
        return Err(Error::bad_request("bad_crs", "GPX 只用 WGS-84（crs=wgs84）"));
    }
    let period = st.db.read(move |s| read_period(s, me.unit, &q, false)).await?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"xuncha 巡查\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
    );
    for (p, track, counts) in &period.patrols {
        if track.is_empty() {
            continue;
        }
        let who = period.names.get(&p.patroller).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "<trk><name>{} {} {}</name><desc>{}</desc><type>{}</type><trkseg>",
            xml(p.kind.label_zh()),
            xml(&who),
            xml(&iso_china(p.started_at)),
            xml(&format!(
                "巡查 {}；{}",
                p.id,
                match counts {
                    Some(true) => "计入考核",
                    Some(false) => "不计入考核",
                    None => "不适用考核规则",
                }
            )),
            xml(p.kind.label_zh()),
        );
        for t in track {
            let _ = write!(out, "<trkpt lat=\"{:.7}\" lon=\"{:.7}\">", t.lat, t.lon);
            if let Some(e) = t.altitude_m {
                let _ = write!(out, "<ele>{e:.1}</ele>");
            }
            let _ = writeln!(out, "<time>{}</time></trkpt>", iso_utc(t.t));
        }
        out.push_str("</trkseg></trk>\n");
    }
    out.push_str("</gpx>\n");
    Ok(crate::documents::file_response(
        out.into_bytes(),
        "application/gpx+xml",
        "巡查轨迹.gpx",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_iso_8601() {
        // 2026-12-03 01:30:00.250 UTC is 09:30 in China.
        let t = UnixMs(1_796_261_400_250);
        assert_eq!(iso_utc(t), "2026-12-03T01:30:00.250Z");
        assert_eq!(iso_china(t), "2026-12-03T09:30:00+08:00");
        assert_eq!(xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
