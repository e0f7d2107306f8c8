//! A whole river patrol scripted through the `xuncha` binary, as an operator would: start,
//! 1,000 track points, two findings, end; then the record with its timeline as JSON; then a
//! forbidden transition refused with a clear message and an exit code, losing nothing.

mod support;

use serde_json::Value;
use std::process::Command;
use support::{ok_json, signed_in, xuncha};
use xuncha_domain::*;

#[test]
fn a_river_patrol_scripted_through_the_cli() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = signed_in(tmp.path());

    let started = ok_json(
        &data,
        &[
            "patrol",
            "start",
            "--kind",
            "river",
            "--area",
            "府河汉阳段",
            "--at",
            "2025-11-25 08:00",
        ],
    );
    let patrol = started["data"]["id"].as_str().expect("patrol id").to_owned();

    // 1,000 fixes, one a second, walking east along the river.
    let t0 = 1_764_028_800_000i64; // 2025-11-25 08:00 +08:00
    let points: Vec<TrackPoint> = (0..1000)
        .map(|i| {
            let mut p = TrackPoint::at(
                UnixMs(t0 + i * 1000),
                114.10 + i as f64 * 1.3e-5,
                30.65 + (i as f64 / 50.0).sin() * 1e-4,
            );
            p.accuracy_m = Some(4.0 + (i % 7) as f64);
            p
        })
        .collect();
    let track = tmp.path().join("track.json");
    std::fs::write(&track, serde_json::to_vec(&points).expect("json")).expect("write track");
    ok_json(
        &data,
        &["patrol", "track", &patrol, track.to_str().expect("path")],
    );

    let f1 = ok_json(
        &data,
        &[
            "finding",
            "report",
            "--patrol",
            &patrol,
            "--category",
            "dumping",
            "--description",
            "河岸堆放建筑垃圾约 5 方",
            "--severity",
            "major",
            "--lon",
            "114.1031",
            "--lat",
            "30.6501",
        ],
    );
    let finding = f1["data"]["id"].as_str().expect("finding id").to_owned();
    ok_json(
        &data,
        &[
            "finding",
            "report",
            "--patrol",
            &patrol,
            "--category",
            "sewage_outfall",
            "--description",
            "雨水口旱天排水，有异味",
            "--lon",
            "114.1090",
            "--lat",
            "30.6499",
        ],
    );
    ok_json(
        &data,
        &[
            "patrol",
            "end",
            &patrol,
            "--notes",
            "沿岸巡查一遍",
            "--at",
            "2025-11-25 08:17",
        ],
    );

    let shown = ok_json(&data, &["records", "show", &patrol]);
    let record = &shown["data"];
    assert_eq!(record["summary"]["kind"], "river_patrol");
    assert_eq!(record["summary"]["status"], "ended");
    assert_eq!(record["summary"]["point_count"], 1000);
    assert_eq!(record["summary"]["finding_count"], 2);
    assert_eq!(record["summary"]["sync"], "saved_on_device");
    let timeline: Vec<&str> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|t| t["event"]["payload"]["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        timeline,
        [
            "PatrolStarted",
            "TrackPointsAppended",
            "FindingReported",
            "FindingReported",
            "PatrolEnded"
        ]
    );
    let seqs: Vec<i64> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|t| t["event"]["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5], "one chain, no gaps");

    // Verifying one's own finding is the office's to do (docs/ACCESS.md): refused on the device,
    // with a clear message and exit code 4…
    let refused = xuncha(&data, &["finding", "verify", &finding]);
    assert_eq!(refused.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("不能验收或退回自己上报的问题"), "{stderr}");
    // …and so is a finding of an unknown category.
    let bad = xuncha(
        &data,
        &[
            "finding",
            "report",
            "--patrol",
            &patrol,
            "--category",
            "ufo",
            "--description",
            "x",
        ],
    );
    assert_ne!(bad.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ufo"));

    // Nothing already saved was lost or changed.
    assert_eq!(ok_json(&data, &["records", "show", &patrol]), shown);
    let verified = ok_json(&data, &["device", "verify"]);
    assert_eq!(verified["data"]["events"], 5);
}

#[test]
fn the_api_mode_answers_each_json_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xuncha"))
        .arg("--data-dir")
        .arg(tmp.path())
        .arg("api")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, r#"{{"action":"device_info"}}"#).expect("write");
        writeln!(
            stdin,
            r#"{{"action":"start_patrol","args":{{"kind":"river","reach":null,"area":"x","at":null}}}}"#
        )
        .expect("write");
        writeln!(stdin, "not json").expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["ok"]["type"], "device");
    assert_eq!(lines[1]["error"]["code"], "not_set_up");
    assert_eq!(lines[2]["error"]["code"], "bad_request");
    assert!(!out.status.success());
}

#[test]
fn a_paper_patrol_entered_late_keeps_its_date_and_is_flagged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = signed_in(tmp.path());
    // The reference user was appointed on 2025-11-09: a patrol of 2025-11-26 typed in today.
    let started = ok_json(
        &data,
        &[
            "--happened-at",
            "2025-11-26 09:00",
            "patrol",
            "start",
            "--kind",
            "river",
            "--area",
            "府河汉阳段",
        ],
    );
    let patrol = started["data"]["id"].as_str().expect("patrol id").to_owned();
    let listed = ok_json(&data, &["records", "list"]);
    let record = listed["data"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["id"] == patrol.as_str())
        .expect("listed");
    assert_eq!(record["late_entry"], true);
    assert_eq!(record["started_at"], 1_764_118_800_000i64); // 2025-11-26 09:00 +08:00

    // A late entry of a query is refused with exit 3 (bad input), naming what was wrong.
    let out = xuncha(&data, &["--happened-at", "2025-11-26 09:00", "records", "list"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("补录"), "{out:?}");
}
