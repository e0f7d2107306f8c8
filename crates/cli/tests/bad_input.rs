//! Every kind of bad input the command line can be given — a malformed id or time, a missing,
//! empty or foreign file, a GPX without times, a track before 1970 or years ahead, a place off
//! the earth, an unknown category, an empty description, a file that is no photo — ends with
//! exit code 3 and one sentence that names the problem: Chinese by default, English with
//! `--lang en`, never both, never twice, never an internal field path. And nothing that was
//! already saved is lost or added to.

mod support;

use std::path::Path;
use support::{ok_json, signed_in, xuncha};

/// One bad input: the arguments (with `{P}` for a real patrol's id and `{DIR}` for the test's
/// folder), and a fragment each sentence must hold.
struct Case {
    what: &'static str,
    args: &'static [&'static str],
    zh: &'static str,
    en: &'static str,
}

const CASES: &[Case] = &[
    Case {
        what: "a patrol id that is not a UUID",
        args: &["patrol", "end", "not-a-uuid"],
        zh: "巡查编号 \"not-a-uuid\" 格式不对",
        en: "the patrol id \"not-a-uuid\" is not a UUID",
    },
    Case {
        what: "a time that cannot be read",
        args: &["patrol", "start", "--area", "府河", "--at", "yesterday"],
        zh: "无法识别的时间 \"yesterday\"",
        en: "\"yesterday\" is not a time",
    },
    Case {
        what: "a patrol with neither reach nor area",
        args: &["patrol", "start", "--kind", "river"],
        zh: "河段未选择",
        en: "The reach is missing",
    },
    Case {
        what: "a track file that does not exist",
        args: &["patrol", "track", "{P}", "{DIR}/missing.gpx"],
        zh: "文件不存在",
        en: "there is no such file",
    },
    Case {
        what: "a GPX file that is not XML",
        args: &["patrol", "track", "{P}", "{DIR}/garbage.gpx"],
        zh: "这不是能读取的 GPX 文件",
        en: "this is not a GPX file that can be read",
    },
    Case {
        what: "a GPX file with no time on any point",
        args: &["patrol", "track", "{P}", "{DIR}/untimed.gpx"],
        zh: "没有一个带时间的轨迹点",
        en: "has no track point with a time",
    },
    Case {
        what: "a GPX point off the earth",
        args: &["patrol", "track", "{P}", "{DIR}/offearth.gpx"],
        zh: "纬度为 95.5，坐标不是真实位置",
        en: "has a point with a latitude of 95.5, which is not a real place",
    },
    Case {
        what: "a track file that is not JSON",
        args: &["patrol", "track", "{P}", "{DIR}/broken.json"],
        zh: "不是轨迹点的 JSON 数组（第 1 行",
        en: "is not a JSON array of fixes (error at line 1",
    },
    Case {
        what: "a track point before 1970",
        args: &["patrol", "track", "{P}", "{DIR}/before1970.json"],
        zh: "第 2 个轨迹点的时间早于 1970 年",
        en: "The time of the 2nd track point is before 1970",
    },
    Case {
        what: "a track point in the year 9999",
        args: &["patrol", "track", "{P}", "{DIR}/future.json"],
        zh: "第 1 个轨迹点的时间比当前时间晚",
        en: "The time of the 1st track point is",
    },
    Case {
        what: "a track point with a latitude of 200",
        args: &["patrol", "track", "{P}", "{DIR}/latitude.json"],
        zh: "第 1 个轨迹点的纬度 200 超出 -90 到 90 的范围",
        en: "The 1st track point has a latitude of 200, outside -90 to 90",
    },
    Case {
        what: "an unknown problem category",
        args: &[
            "finding",
            "report",
            "--patrol",
            "{P}",
            "--category",
            "nonsense",
            "--description",
            "x",
        ],
        zh: "问题类别 \"nonsense\" 不在类别目录中",
        en: "\"nonsense\" is not in the catalogue",
    },
    Case {
        what: "an empty description",
        args: &[
            "finding",
            "report",
            "--patrol",
            "{P}",
            "--category",
            "dumping",
            "--description",
            "  ",
        ],
        zh: "描述不能为空",
        en: "The description must not be empty",
    },
    Case {
        what: "a publicity tally of nothing",
        args: &["patrol", "tally", "{P}"],
        zh: "宣传数量全为 0",
        en: "The publicity tally is all zero",
    },
    Case {
        what: "a text file given as a photo",
        args: &["photo", "{DIR}/notes.txt", "--patrol", "{P}"],
        zh: "这个文件不是能识别的图片",
        en: "This file is not an image the app recognises",
    },
    Case {
        what: "an empty photo file",
        args: &["photo", "{DIR}/empty.jpg", "--patrol", "{P}"],
        zh: "照片文件是空的",
        en: "The photo file is empty",
    },
    Case {
        what: "a photo file that does not exist",
        args: &["photo", "{DIR}/missing.jpg", "--patrol", "{P}"],
        zh: "无法读取照片文件",
        en: "could not be read",
    },
    Case {
        what: "reference data that is not JSON",
        args: &["import", "{DIR}/broken.json"],
        zh: "不是事件的 JSON 数组",
        en: "is not a JSON array of events",
    },
    Case {
        what: "a file hash that is not SHA-256",
        args: &[
            "patrol",
            "letter",
            "{P}",
            "--site",
            "{P}",
            "--signer",
            "张三",
            "--text",
            "承诺",
            "--signature",
            "abc",
        ],
        zh: "文件哈希 \"abc\" 格式不对",
        en: "the file hash \"abc\" is not a SHA-256",
    },
    Case {
        what: "a server address that is not http(s)",
        args: &[
            "enrol",
            "--server",
            "ftp://example.org",
            "--login",
            "zhang",
            "--password",
            "x",
        ],
        zh: "服务器地址 \"ftp://example.org\" 需以 http:// 或 https:// 开头",
        en: "The server address \"ftp://example.org\" must start with http:// or https://",
    },
];

fn write_inputs(dir: &Path) {
    let gpx = |body: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"t\" xmlns=\"http://www.topografix.com/GPX/1/1\">{body}</gpx>"
        )
    };
    let files: [(&str, String); 9] = [
        ("garbage.gpx", "this is not xml <<<".into()),
        (
            "untimed.gpx",
            gpx(
                "<trk><trkseg><trkpt lat=\"30.6\" lon=\"114.1\"/><trkpt lat=\"30.61\" lon=\"114.1\"/></trkseg></trk>",
            ),
        ),
        ("offearth.gpx", gpx("<wpt lat=\"95.5\" lon=\"114.1\"/>")),
        ("broken.json", "{not json".into()),
        (
            "before1970.json",
            r#"[{"t": 1764028800000, "lon": 114.1, "lat": 30.6}, {"t": -5, "lon": 114.1, "lat": 30.6}]"#
                .into(),
        ),
        (
            "future.json",
            r#"[{"t": 253402214400000, "lon": 114.1, "lat": 30.6}]"#.into(),
        ),
        (
            "latitude.json",
            r#"[{"t": 1764028800000, "lon": 114.1, "lat": 200.0}]"#.into(),
        ),
        ("notes.txt", "河岸巡查笔记，不是照片".into()),
        ("empty.jpg", String::new()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write input");
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    })
}

/// A field path such as `points[0].t` or `items[2]`: what a person must never be shown.
fn names_a_field_path(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| {
        b[i] == b'['
            && i > 0
            && b[i - 1].is_ascii_alphabetic()
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
    })
}

#[test]
fn every_bad_input_exits_3_with_one_sentence_in_the_chosen_language() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = signed_in(tmp.path());
    let started = ok_json(&data, &["patrol", "start", "--area", "府河汉阳段"]);
    let patrol = started["data"]["id"].as_str().expect("patrol id").to_owned();
    write_inputs(tmp.path());
    let dir = tmp.path().to_str().expect("path").to_owned();
    let events_before = ok_json(&data, &["outbox", "--limit", "1000"]);

    for case in CASES {
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("{P}", &patrol).replace("{DIR}", &dir))
            .collect();
        for (lang, fragment) in [("zh", case.zh), ("en", case.en)] {
            let mut all: Vec<&str> = vec!["--lang", lang];
            all.extend(args.iter().map(String::as_str));
            let out = xuncha(&data, &all);
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            let context = format!("{} ({lang}): {stderr}", case.what);
            assert_eq!(out.status.code(), Some(3), "{context}");
            assert!(out.stdout.is_empty(), "{context}: nothing on stdout");
            assert_eq!(stderr.lines().count(), 1, "{context}: one line");
            assert!(stderr.contains(fragment), "{context}: should say {fragment:?}");
            assert!(!names_a_field_path(&stderr), "{context}: names a field path");
            // Said once: no part of the sentence comes back after a colon.
            let parts: Vec<&str> = stderr
                .split(['：', ':'])
                .map(str::trim)
                .filter(|p| p.chars().count() > 3)
                .collect();
            for (i, part) in parts.iter().enumerate() {
                assert!(!parts[i + 1..].contains(part), "{context}: {part:?} said twice");
            }
            let without_input = without_paths(&stderr, &dir);
            match lang {
                "zh" => {
                    assert!(stderr.starts_with("错误："), "{context}");
                    // English words only inside quoted input, file names or `commands`, and
                    // the names of formats.
                    let unquoted = strip_quoted(&without_input);
                    let words: Vec<&str> = unquoted
                        .split(|c: char| !c.is_ascii_alphabetic())
                        .filter(|w| w.len() > 2)
                        .filter(|w| {
                            ![
                                "UUID",
                                "RFC",
                                "GPX",
                                "XML",
                                "JSON",
                                "SHA",
                                "JPEG",
                                "HEIC",
                                "PNG",
                                "WebP",
                                "EXIF",
                                "http",
                                "https",
                                "patrol",
                                "inspection",
                                "finding",
                            ]
                            .contains(w)
                        })
                        .collect();
                    assert!(
                        words.is_empty(),
                        "{context}: English words {words:?} in the Chinese sentence"
                    );
                }
                _ => {
                    assert!(stderr.starts_with("error: "), "{context}");
                    assert!(
                        !has_cjk(&strip_quoted(&without_input)),
                        "{context}: Chinese in the English sentence"
                    );
                }
            }
        }
    }

    // Nothing was recorded by any of it, and the patrol is as it was.
    let events_after = ok_json(&data, &["outbox", "--limit", "1000"]);
    assert_eq!(events_before, events_after);
    ok_json(&data, &["device", "verify"]);
}

/// The sentence without what stands in quotes or backticks (the user's own input, commands).
fn strip_quoted(s: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (None, '"' | '`') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// The sentence without the file paths under `dir` it names.
fn without_paths(s: &str, dir: &str) -> String {
    let mut out = s.to_owned();
    while let Some(start) = out.find(dir) {
        let end = out[start..]
            .find(|c: char| c.is_whitespace() || c == '：' || c == ':' || c == '（')
            .map_or(out.len(), |n| start + n);
        out.replace_range(start..end, "");
    }
    out
}
