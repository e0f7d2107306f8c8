//! The office's map exports read by independent readers: a river chief's patrol with a problem,
//! synced from a real phone to a real server, downloaded as GeoJSON (Python's geojson finds it
//! valid RFC 7946, with the track, the problem and the site as features; `crs=gcj02` shifts the
//! coordinates and says so) and as GPX (gpxpy reads the track back, every fix with its time);
//! and the period's photos as a ZIP whose metadata Python reads, each file's SHA-256 its hash.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

use xuncha_domain::*;
use xuncha_e2e::*;
use xuncha_testsupport::reference_data;

fn python(script: &str, file: &std::path::Path) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .output()
        .expect("python3 (geojson and gpxpy from scripts/setup.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const GEOJSON: &str = r#"
import sys, json, geojson
obj = geojson.loads(open(sys.argv[1], encoding="utf-8").read())
layers = {}
for f in obj["features"]:
    layers[f["properties"]["layer"]] = layers.get(f["properties"]["layer"], 0) + 1
track = [f for f in obj["features"] if f["properties"]["layer"] == "track"][0]
print(json.dumps({"valid": obj.is_valid, "errors": str(obj.errors()), "layers": layers,
                  "first": track["geometry"]["coordinates"][0], "points": len(track["geometry"]["coordinates"]),
                  "crs": obj.get("coordinate_system")}))
"#;

const GPX: &str = r#"
import sys, json, gpxpy
g = gpxpy.parse(open(sys.argv[1], encoding="utf-8"))
t = g.tracks[0]
pts = [p for s in t.segments for p in s.points]
print(json.dumps({"tracks": len(g.tracks), "points": len(pts), "timed": all(p.time is not None for p in pts),
                  "first": [pts[0].longitude, pts[0].latitude], "seconds": t.get_duration(), "name": t.name}))
"#;

#[test]
fn a_patrol_exports_as_valid_geojson_and_gpx() {
    require_fixtures!();
    let server = Server::start(sqlite());
    let seed = seed(&server);
    server.define(vec![Payload::SiteDefined(reference_data::enterprise(seed.b1.id))]);
    let dir = tempfile::tempdir().unwrap();
    let phone = enrolled_device(dir.path(), &server.url(), &seed.chief1.login);
    sync(&phone, false);
    let points = 120;
    record_patrol(
        &phone,
        seed.reaches[0].id,
        points,
        &[fixture("photos/gps/DSCN0010.jpg")],
    );
    sync(&phone, true);

    let office = server.office_token();
    let now = phone.now().0;
    let get = |path: &str| {
        let resp = reqwest::blocking::Client::new()
            .get(format!("{}{path}", server.url()))
            .bearer_auth(&office)
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.bytes().unwrap().to_vec()
    };
    let period = format!("from={}&to={}", now - UnixMs::DAY, now + UnixMs::DAY);

    let file = dir.path().join("map.geojson");
    std::fs::write(
        &file,
        get(&format!("/api/v1/office/exports/map.geojson?{period}")),
    )
    .unwrap();
    let v = python(GEOJSON, &file);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(
        v["layers"],
        serde_json::json!({"track": 1, "finding": 1, "site": 1}),
        "{v}"
    );
    assert_eq!(v["points"], points, "every fix, not thinned: {v}");
    assert_eq!(v["crs"], serde_json::Value::Null, "WGS-84 needs no saying");
    let wgs = (v["first"][0].as_f64().unwrap(), v["first"][1].as_f64().unwrap());
    assert!(
        (wgs.0 - 114.10).abs() < 1e-6 && (wgs.1 - 30.65).abs() < 1e-6,
        "[lon, lat] in WGS-84: {v}"
    );

    std::fs::write(
        &file,
        get(&format!("/api/v1/office/exports/map.geojson?{period}&crs=gcj02")),
    )
    .unwrap();
    let v = python(GEOJSON, &file);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["crs"], "GCJ-02", "{v}");
    let gcj = (v["first"][0].as_f64().unwrap(), v["first"][1].as_f64().unwrap());
    let want = xuncha_domain::geo::coords::wgs84_to_gcj02(Position::new(wgs.0, wgs.1));
    assert!(
        (gcj.0 - want.lon).abs() < 1e-6 && (gcj.1 - want.lat).abs() < 1e-6,
        "{v}"
    );
    assert!(
        (gcj.0 - wgs.0).abs() > 1e-4,
        "GCJ-02 is shifted from WGS-84 in China"
    );

    let file = dir.path().join("tracks.gpx");
    std::fs::write(&file, get(&format!("/api/v1/office/exports/tracks.gpx?{period}"))).unwrap();
    let g = python(GPX, &file);
    assert_eq!(
        (g["tracks"].as_u64(), g["points"].as_u64()),
        (Some(1), Some(points as u64)),
        "{g}"
    );
    assert_eq!(g["timed"], true, "{g}");
    assert_eq!(
        g["seconds"].as_f64(),
        Some((points - 1) as f64),
        "one fix a second: {g}"
    );
    assert!(g["name"].as_str().unwrap().contains("河湖巡查"), "{g}");
    assert_eq!(g["first"], serde_json::json!([wgs.0, wgs.1]), "{g}");

    // The period's photos, made in the background, with their metadata.
    let start = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/office/exports/photos", server.url()))
        .bearer_auth(&office)
        .json(&serde_json::json!({"from": now - UnixMs::DAY, "to": now + UnixMs::DAY}))
        .send()
        .unwrap();
    assert!(start.status().is_success(), "{}", start.status());
    let job: serde_json::Value = start.json().unwrap();
    let status = format!("/api/v1/office/exports/{}", job["id"].as_str().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let job = loop {
        let job: serde_json::Value = serde_json::from_slice(&get(&status)).unwrap();
        if job["state"] != "running" || std::time::Instant::now() > deadline {
            break job;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(job["state"], "done", "{job}");
    let file = dir.path().join("photos.zip");
    std::fs::write(&file, get(&format!("{status}/file"))).unwrap();
    let z = python(PHOTOS, &file);
    assert_eq!(z["photos"], 1, "the patrol's finding's one photo: {z}");
    assert_eq!(z["rows"], 1, "{z}");
    assert_eq!(
        z["hash_ok"], true,
        "each file's SHA-256 is the one its metadata gives: {z}"
    );
    assert_eq!(
        z["header"], "文件",
        "the CSV's BOM is the encoding's, not the header's: {z}"
    );
    assert_eq!(z["role"], "现场照片", "{z}");
}

const PHOTOS: &str = r#"
import sys, json, zipfile, csv, io, hashlib
z = zipfile.ZipFile(sys.argv[1])
photos = [n for n in z.namelist() if n.endswith(".jpg")]
rows = list(csv.reader(io.StringIO(z.read("metadata.csv").decode("utf-8-sig"), newline="")))
meta = json.loads(z.read("metadata.json"))
ok = all(hashlib.sha256(z.read(m["file"])).hexdigest() == m["sha256"] for m in meta if not m["missing"])
print(json.dumps({"photos": len(photos), "rows": len(rows) - 1, "hash_ok": ok, "header": rows[0][0], "role": meta[0]["role"]}, ensure_ascii=False))
"#;
