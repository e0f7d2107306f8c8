//! `xuncha demo`: a demo unit on this device alone (no server), so the CLI can be tried at once:
//! reference data signed by a demo office key, and a sample river patrol with two findings.

use anyhow::Result;
use xuncha_core::Device;
use xuncha_core::api::{Request, Response};
use xuncha_domain::event::EventDraft;
use xuncha_domain::payload::*;
use xuncha_domain::people::{ChiefLevel, Role, Unit, UnitKind, User};
use xuncha_domain::reference::{ChecklistItem, ChecklistTemplate, Reach, Site, SiteKind};
use xuncha_domain::*;

fn sign_all(payloads: Vec<Payload>, now: UnixMs) -> Result<Vec<Event>> {
    let mut seed = [0u8; 32];
    getrandom_seed(&mut seed)?;
    let key = SigningKey::from_bytes(&seed);
    let device = DeviceId::new();
    let mut clock = HlcClock::new(device);
    let mut prev = EventHash::GENESIS;
    let mut out = Vec::new();
    for (i, payload) in payloads.into_iter().enumerate() {
        let e = EventDraft {
            id: EventId::new(),
            device,
            seq: i as u64 + 1,
            hlc: clock.tick(now),
            author: None,
            occurred_at: None,
            prev_hash: prev,
            payload,
        }
        .sign(&key);
        prev = e.hash;
        out.push(e);
    }
    Ok(out)
}

fn getrandom_seed(seed: &mut [u8; 32]) -> Result<()> {
    getrandom::fill(seed).map_err(|e| anyhow::anyhow!("无法生成演示密钥：{e}"))
}

pub fn run(device: &Device) -> Result<Response> {
    let now = device.now();
    let unit = Unit {
        id: UnitId::new(),
        name: "演示街道".into(),
        kind: UnitKind::Subdistrict,
        parent: None,
        code: "YS".into(),
    };
    let user = User {
        active_from: None,
        id: UserId::new(),
        name: "演示河湖长".into(),
        login: "demo".into(),
        unit: unit.id,
        roles: vec![
            Role::RiverChief {
                level: ChiefLevel::Street,
            },
            Role::SafetyInspector,
            Role::FishingBanPatroller,
        ],
    };
    let line: Vec<Position> = (0..=20)
        .map(|i| {
            Position::new(
                114.09 + i as f64 * 0.001,
                30.648 + (i as f64 * 0.3).sin() * 0.0008,
            )
        })
        .collect();
    let reach = Reach {
        id: ReachId::new(),
        name: "演示渠".into(),
        unit: unit.id,
        line,
        length_m: 2_020.0,
        chiefs: vec![user.id],
    };
    let site = Site {
        id: SiteId::new(),
        name: "演示机械厂".into(),
        kind: SiteKind::Enterprise,
        address: "演示大道 1 号".into(),
        location: Position::new(114.1, 30.65),
        unit: unit.id,
    };
    let checklist = ChecklistTemplate {
        id: ChecklistId::new(),
        version: 1,
        name: "工贸企业安全检查表".into(),
        items: vec![
            ChecklistItem {
                code: "fire-01".into(),
                text: "灭火器配置齐全且在有效期内".into(),
                legal_basis: "《中华人民共和国消防法》第十六条".into(),
            },
            ChecklistItem {
                code: "exit-01".into(),
                text: "安全出口、疏散通道畅通".into(),
                legal_basis: "《中华人民共和国消防法》第二十八条".into(),
            },
        ],
    };
    let events = sign_all(
        vec![
            Payload::UnitDefined(unit.clone()),
            Payload::UserDefined(user.clone()),
            Payload::ReachDefined(reach.clone()),
            Payload::SiteDefined(site),
            Payload::ChecklistPublished(checklist),
        ],
        UnixMs(now.0 - UnixMs::HOUR),
    )?;
    device.handle(Request::IngestEvents { events })?;
    device.handle(Request::SetUser {
        user: user.id,
        unit: unit.id,
    })?;

    let start = UnixMs(now.0 - 40 * UnixMs::MINUTE);
    let Response::Recorded(p) = device.handle(Request::StartPatrol {
        kind: PatrolKind::River,
        reach: Some(reach.id),
        area: None,
        at: Some(start),
    })?
    else {
        anyhow::bail!("意外的应答");
    };
    let patrol: PatrolId = p.id.parse()?;
    let points: Vec<TrackPoint> = reach
        .line
        .windows(2)
        .flat_map(|w| (0..60).map(move |k| (w[0], w[1], k as f64 / 60.0)))
        .enumerate()
        .map(|(i, (a, b, f))| {
            let mut tp = TrackPoint::at(
                start.plus_ms(i as i64 * 2_000),
                a.lon + (b.lon - a.lon) * f,
                a.lat + (b.lat - a.lat) * f + 0.00005,
            );
            tp.accuracy_m = Some(4.0);
            tp
        })
        .collect();
    device.handle(Request::AppendTrackPoints {
        patrol,
        points,
        untimed: Vec::new(),
    })?;
    for (category, text) in [
        ("floating_garbage", "水面漂浮塑料垃圾约 20 平方米"),
        ("sewage_outfall", "岸边疑似排污口，有异味"),
    ] {
        device.handle(Request::report_finding(
            RecordRef::Patrol(patrol),
            category,
            text,
            Severity::Minor,
            Some(Position::new(114.095, 30.6485)),
        ))?;
    }
    device.handle(Request::EndPatrol {
        patrol,
        notes: "演示巡查".into(),
        at: None,
    })?;
    Ok(device.handle(Request::Home)?)
}
