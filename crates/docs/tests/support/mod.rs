//! Sample records for the document tests: an inspection with its on-site record, signatures, a
//! refusal-free signing, a rectified and verified hazard; a river patrol that does not count; a
//! fishing-ban patrol with a commitment letter. Photos are real camera photos from the shared
//! fixtures; signatures are drawn here as PNG strokes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::collections::BTreeMap;
use xuncha_docs::{Context, Standing};
use xuncha_domain::reference::{Reach, Site};
use xuncha_domain::state::{FindingState, InspectionState, PatrolState};
use xuncha_domain::{BlobHash, EventHash, Position, UserId};

pub struct Sample {
    pub inspection: InspectionState,
    pub findings: Vec<FindingState>,
    pub river_patrol: PatrolState,
    pub river_finding: FindingState,
    pub fishing_patrol: PatrolState,
    pub images: BTreeMap<BlobHash, Vec<u8>>,
    pub site: Site,
    pub restaurant: Site,
    pub reach: Reach,
    pub track: Vec<Position>,
}

const UNIT: &str = "0191a6c0-0000-7000-8000-000000000001";
const INSPECTOR: &str = "0191a6c0-0000-7000-8000-000000000002";
const CHIEF: &str = "0191a6c0-0000-7000-8000-000000000003";
const SITE: &str = "0191a6c0-0000-7000-8000-000000000004";
const RESTAURANT: &str = "0191a6c0-0000-7000-8000-000000000005";
const REACH: &str = "0191a6c0-0000-7000-8000-000000000006";
/// 2026-12-03 09:30 China time.
const T0: i64 = 1_796_261_400_000;
const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

use xuncha_testsupport::pdf::signature_png;

fn photo(hash: BlobHash, role: &str, caption: &str, t: i64) -> serde_json::Value {
    json!({
        "event": uuid(),
        "role": role,
        "original": hash,
        "upload": hash,
        "thumbnail": null,
        "taken_at": t,
        "position": { "lon": 114.30512, "lat": 30.59311 },
        "position_source": "exif",
        "caption": caption,
    })
}

fn uuid() -> String {
    xuncha_domain::EventId::new().to_string()
}

impl Sample {
    pub fn new() -> Sample {
        let mut images = BTreeMap::new();
        let mut put = |bytes: Vec<u8>| {
            let h = BlobHash::of(&bytes);
            images.insert(h, bytes);
            h
        };
        let have_photos = xuncha_testsupport::fixtures::dir().is_some();
        let read = |rel: &str| {
            if have_photos {
                xuncha_testsupport::fixtures::read(rel)
            } else {
                signature_png(9)
            }
        };
        let p1 = put(read("photos/gps/DSCN0010.jpg"));
        let p2 = put(read("photos/gps/DSCN0012.jpg"));
        let after = put(read("photos/gps/DSCN0021.jpg"));
        let sig_inspector = put(signature_png(1));
        let sig_party = put(signature_png(2));
        let sig_letter = put(signature_png(3));

        let inspection_id = uuid();
        let finding_id = uuid();
        let inspection: InspectionState = serde_json::from_value(json!({
            "id": inspection_id,
            "site": SITE,
            "unit": UNIT,
            "inspector": INSPECTOR,
            "checklist": uuid(),
            "checklist_version": 1,
            "items": [
                { "code": "fire-01", "text": "灭火器在有效期内", "legal_basis": "《消防法》第十六条" },
                { "code": "exit-01", "text": "安全出口畅通", "legal_basis": "《消防法》第二十八条" },
            ],
            "answers": {
                "fire-01": { "answer": "compliant", "note": "" },
                "exit-01": { "answer": "non_compliant", "note": "二号车间东侧安全出口堆放货物" },
            },
            "position": { "lon": 114.30512, "lat": 30.59311 },
            "started_at": T0,
            "record": {
                "document": uuid(),
                "number": "HY-2026-3F2A-0007",
                "content": "二号车间东侧安全出口堆放货物，责令立即清理，保持畅通。",
                "rectification_deadline": T0 + 7 * DAY,
                "issued_at": T0 + 40 * MIN,
                "signatures": {
                    "inspector": { "signer_name": "王检查", "signature": sig_inspector, "signed_at": T0 + 41 * MIN },
                    "inspected_party": { "signer_name": "李厂长", "signature": sig_party, "signed_at": T0 + 42 * MIN },
                },
                "refusal": null,
            },
            "closed_at": T0 + 45 * MIN,
            "notes": "",
            "photos": [
                photo(p1, "evidence", "安全出口堆放货物", T0 + 10 * MIN),
                photo(p2, "evidence", "", T0 + 12 * MIN),
            ],
        }))
        .unwrap();
        let findings: Vec<FindingState> = vec![serde_json::from_value(json!({
            "id": finding_id,
            "record": { "inspection": inspection_id },
            "kind": "hazard",
            "category": "fire_safety",
            "description": "安全出口堆放货物",
            "severity": "major",
            "location": { "lon": 114.30512, "lat": 30.59311 },
            "reported_at": T0 + 11 * MIN,
            "reported_by": INSPECTOR,
            "status": "verified",
            "assignment": null,
            "rectification": { "note": "货物已清走，出口畅通", "after_photos": [after], "position": null, "rectified_at": T0 + 3 * DAY },
            "verified_at": T0 + 5 * DAY,
            "verification_note": "现场复查，出口畅通",
            "reopen_count": 0,
            "reopen_reason": null,
            "photos": [photo(after, "after_rectification", "整改后", T0 + 3 * DAY)],
        }))
        .unwrap()];

        // A river patrol of 25 minutes along a reach: it does not count (the rules want 30).
        let reach_line: Vec<Position> = (0..20)
            .map(|i| Position::new(114.300 + f64::from(i) * 0.0008, 30.590 + f64::from(i) * 0.0003))
            .collect();
        let track: Vec<Position> = (0..60)
            .map(|i| {
                let f = f64::from(i);
                Position::new(
                    114.3002 + f * 0.00022,
                    30.5898 + f * 0.00008 + 0.00012 * (f / 4.0).sin(),
                )
            })
            .collect();
        let patrol_id = uuid();
        let river_patrol: PatrolState = serde_json::from_value(json!({
            "id": patrol_id,
            "kind": "river",
            "unit": UNIT,
            "patroller": CHIEF,
            "reach": REACH,
            "area": null,
            "started_at": T0,
            "ended_at": T0 + 25 * MIN,
            "notes": "沿左岸步行巡查，水面有少量漂浮物。",
            "point_count": 60,
            "first_point_at": T0,
            "last_point_at": T0 + 25 * MIN,
            "business_checks": [],
            "publicity": { "banners": 0, "signs": 0, "notices": 0, "leaflets": 0 },
            "seizures": [],
            "letters": [],
            "photos": [photo(p1, "evidence", "漂浮垃圾", T0 + 8 * MIN)],
        }))
        .unwrap();
        let river_finding: FindingState = serde_json::from_value(json!({
            "id": uuid(),
            "record": { "patrol": patrol_id },
            "kind": "problem",
            "category": "floating_garbage",
            "description": "河道漂浮垃圾约 20 平方米",
            "severity": "minor",
            "location": null,
            "reported_at": T0 + 8 * MIN,
            "reported_by": CHIEF,
            "status": "reported",
            "assignment": null,
            "rectification": null,
            "verified_at": null,
            "verification_note": null,
            "reopen_count": 0,
            "reopen_reason": null,
            "photos": [],
        }))
        .unwrap();

        let fishing_patrol: PatrolState = serde_json::from_value(json!({
            "id": uuid(),
            "kind": "fishing_ban",
            "unit": UNIT,
            "patroller": CHIEF,
            "reach": null,
            "area": "城关码头一带",
            "started_at": T0,
            "ended_at": T0 + 90 * MIN,
            "notes": "",
            "point_count": 0,
            "first_point_at": null,
            "last_point_at": null,
            "business_checks": [],
            "publicity": { "banners": 1, "signs": 0, "notices": 2, "leaflets": 30 },
            "seizures": [],
            "letters": [{
                "patrol": patrol_id,
                "letter": uuid(),
                "site": RESTAURANT,
                "signer_name": "陈老板",
                "text": "本店承诺：不收购、不加工、不销售长江野生鱼。\n如有违反，愿接受依法处理。",
                "signature": sig_letter,
                "signed_at": T0 + 30 * MIN,
            }],
            "photos": [],
        }))
        .unwrap();

        let site: Site = serde_json::from_value(json!({
            "id": SITE, "name": "鑫达五金制品有限公司", "kind": "enterprise",
            "address": "城关镇工业园区 8 号", "location": { "lon": 114.30512, "lat": 30.59311 }, "unit": UNIT,
        }))
        .unwrap();
        let restaurant: Site = serde_json::from_value(json!({
            "id": RESTAURANT, "name": "江鲜酒楼", "kind": "restaurant",
            "address": "滨江路 12 号", "location": { "lon": 114.301, "lat": 30.591 }, "unit": UNIT,
        }))
        .unwrap();
        let reach: Reach = serde_json::from_value(json!({
            "id": REACH, "name": "白沙河（城关段）", "unit": UNIT,
            "line": reach_line, "length_m": 1600.0, "chiefs": [CHIEF],
        }))
        .unwrap();
        Sample {
            inspection,
            findings,
            river_patrol,
            river_finding,
            fishing_patrol,
            images,
            site,
            restaurant,
            reach,
            track,
        }
    }

    fn context(&self) -> Context {
        let names: BTreeMap<UserId, String> = [(INSPECTOR, "王检查"), (CHIEF, "张河长")]
            .into_iter()
            .map(|(id, n)| (id.parse().unwrap(), n.to_owned()))
            .collect();
        Context {
            unit_name: "城关街道办事处".into(),
            names,
            sites: [
                (self.site.id, self.site.clone()),
                (self.restaurant.id, self.restaurant.clone()),
            ]
            .into(),
            reach: None,
            checklist_name: Some("工贸企业安全检查表".into()),
            findings: Vec::new(),
            images: self.images.clone(),
            track: Vec::new(),
            standing: None,
            last_event: EventHash::of(b"the newest event"),
            verify_base: "http://127.0.0.1:8080".into(),
        }
    }

    pub fn inspection_context(&self) -> Context {
        Context {
            findings: self.findings.clone(),
            ..self.context()
        }
    }

    pub fn river_context(&self) -> Context {
        Context {
            reach: Some(self.reach.clone()),
            findings: vec![self.river_finding.clone()],
            track: self.track.clone(),
            standing: Some(Standing {
                counts: Some(false),
                reasons: vec!["巡查时长不足 30 分钟".into()],
                length_m: Some(1_480.0),
                duration_s: Some(25.0 * 60.0),
                coverage: Some(0.82),
            }),
            ..self.context()
        }
    }

    pub fn fishing_context(&self) -> Context {
        self.context()
    }
}
