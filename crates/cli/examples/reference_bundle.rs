//! Writes a reference-data bundle for trying the app offline without a server: a unit, one
//! user with all three field roles, a reach whose centre line follows a real GPX track, an
//! enterprise and one business of each fishing-ban kind near it, and a safety checklist — as
//! signed events from an office device, the same shape `xuncha import` takes.
//!
//! Usage: `cargo run -p xuncha --example reference_bundle -- <track.gpx> <out-dir>`; writes
//! `<out-dir>/reference.json` and `<out-dir>/who.json` (`{"user": …, "unit": …}` for
//! `xuncha device set-user`). It only writes those two files.

use std::path::PathBuf;
use xuncha_domain::payload::Payload;
use xuncha_domain::people::User;
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::*;
use xuncha_testsupport::reference_data;

/// The `lat`/`lon` attributes of every `<trkpt>`, in file order.
fn track_of(gpx: &str) -> Vec<Position> {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = start + tag[start..].find('"')?;
        tag[start..end].parse().ok()
    };
    gpx.split("<trkpt")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            Some(Position::new(attr(tag, "lon")?, attr(tag, "lat")?))
        })
        .collect()
}

fn distance_m(a: Position, b: Position) -> f64 {
    let r = 6_371_008.8_f64;
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [gpx, out] = args.as_slice() else {
        return Err("usage: reference_bundle <track.gpx> <out-dir>".into());
    };
    let points = track_of(&std::fs::read_to_string(gpx)?);
    if points.len() < 2 {
        return Err(format!("{gpx} has fewer than two track points").into());
    }
    // Every fourth point is plenty for a centre line and keeps the bundle small.
    let line: Vec<Position> = points.iter().step_by(4).copied().collect();
    let length_m = line.windows(2).map(|w| distance_m(w[0], w[1])).sum();
    let near = |i: usize, dlon: f64, dlat: f64| {
        let p = points[(i * points.len() / 6).min(points.len() - 1)];
        Position::new(p.lon + dlon, p.lat + dlat)
    };

    let unit = reference_data::street();
    let user = User {
        name: "刘建国".into(),
        ..reference_data::user("liu", unit.id, reference_data::field_roles())
    };
    let reach = Reach {
        id: ReachId::new(),
        name: "府河汉阳段".into(),
        unit: unit.id,
        line,
        length_m,
        chiefs: vec![user.id],
    };
    let site = |name: &str, kind, address: &str, location| Site {
        id: SiteId::new(),
        name: name.into(),
        kind,
        address: address.into(),
        location,
        unit: unit.id,
    };
    let sites = [
        site(
            "汉阳机械厂",
            SiteKind::Enterprise,
            "汉阳大道 18 号",
            near(0, 0.0004, 0.0003),
        ),
        site(
            "鹦鹉洲农贸市场",
            SiteKind::Market,
            "鹦鹉大道 66 号",
            near(1, 0.0005, -0.0002),
        ),
        site(
            "江边鱼馆",
            SiteKind::Restaurant,
            "滨江路 3 号",
            near(2, -0.0003, 0.0004),
        ),
        site(
            "老王水产",
            SiteKind::AquaticDealer,
            "鹦鹉洲市场 B12",
            near(3, 0.0002, 0.0002),
        ),
        site(
            "好运渔具店",
            SiteKind::TackleShop,
            "拦江路 9 号",
            near(4, -0.0004, -0.0003),
        ),
    ];
    let item = |code: &str, text: &str, basis: &str| ChecklistItem {
        code: code.into(),
        text: text.into(),
        legal_basis: basis.into(),
    };
    let checklist = ChecklistTemplate {
        id: ChecklistId::new(),
        version: 1,
        name: "工贸企业安全检查表".into(),
        items: vec![
            item(
                "fire-01",
                "灭火器配置齐全且在有效期内",
                "《中华人民共和国消防法》第十六条",
            ),
            item(
                "exit-01",
                "安全出口、疏散通道畅通",
                "《中华人民共和国消防法》第二十八条",
            ),
            item("elec-01", "配电箱完好，无私拉乱接电线", "GB 50054-2011"),
            item(
                "chem-01",
                "危险化学品分类存放并有标识",
                "《危险化学品安全管理条例》第二十四条",
            ),
        ],
    };

    let mut office = SimDevice::new(42);
    let now = UnixMs(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis() as i64
            - UnixMs::HOUR,
    );
    let mut payloads = vec![
        Payload::UnitDefined(unit.clone()),
        Payload::UserDefined(user.clone()),
        Payload::ReachDefined(reach),
    ];
    payloads.extend(sites.into_iter().map(Payload::SiteDefined));
    payloads.push(Payload::ChecklistPublished(checklist));
    let events: Vec<Event> = payloads.into_iter().map(|p| office.make(p, now)).collect();

    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("reference.json"), serde_json::to_vec_pretty(&events)?)?;
    std::fs::write(
        out.join("who.json"),
        serde_json::to_vec(&serde_json::json!({"user": user.id, "unit": unit.id}))?,
    )?;
    Ok(())
}
