//! Over 500 lines: the mapping of every subcommand onto a request, with its output and exit codes.
//! `xuncha`: the command line over xuncha-core's API, for scripting patrols and inspections, and
//! for the office and operators. Every subcommand becomes one `Request`; `--json` prints the
//! `Response` exactly as the API gives it.
#![forbid(unsafe_code)]

mod args;
mod bridge;
mod demo;
mod output;
mod sync_cmd;
mod when;

use anyhow::{Context, Result, anyhow};
use args::*;
use clap::Parser;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use xuncha_core::api::Request;
use xuncha_core::store::queries::{RecordFilter, RecordKind};
use xuncha_core::{CoreError, Device};
use xuncha_domain::geo::clean::TravelMode;
use xuncha_domain::payload::*;
use xuncha_domain::state::FindingStatus;
use xuncha_domain::*;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang: Lang = cli.lang.into();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}{}", lang.pick("错误：", "error: "), message(&e, lang));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Exit codes a script can act on (also listed in `--help`).
fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<CoreError>() {
        Some(e) if e.is_invalid_input() => 3,
        Some(CoreError::Refused(_)) => 4,
        Some(CoreError::NotFound { .. }) => 5,
        Some(CoreError::NotSetUp(_)) => 6,
        Some(_) => 1,
        None if e.downcast_ref::<BadInput>().is_some() => 3,
        None => 1,
    }
}

/// What went wrong, once, in `lang`. The core's and the command line's own errors say it in
/// one sentence; anything else shows its context chain (each cause once).
fn message(e: &anyhow::Error, lang: Lang) -> String {
    if let Some(core) = e.downcast_ref::<CoreError>() {
        return core.say(lang);
    }
    if let Some(input) = e.downcast_ref::<BadInput>() {
        return input.say(lang);
    }
    format!("{e:#}")
}

/// Input on the command line or in a file named there that cannot be used: one sentence in
/// each language, naming the problem.
#[derive(Debug)]
struct BadInput {
    zh: String,
    en: String,
}

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.zh)
    }
}
impl std::error::Error for BadInput {}

impl Say for BadInput {
    fn say(&self, lang: Lang) -> String {
        lang.pick(&self.zh, &self.en).clone()
    }
}

fn bad(zh: impl Into<String>, en: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput {
        zh: zh.into(),
        en: en.into(),
    })
}

/// A kind of record or reference, as the command line names it in errors.
type Noun = (&'static str, &'static str);
const PATROL: Noun = ("巡查", "patrol");
const FINDING: Noun = ("问题", "finding");
const INSPECTION: Noun = ("检查", "inspection");
const SITE: Noun = ("场所", "site");
const REACH: Noun = ("河段", "reach");
const USER: Noun = ("用户", "user");
const UNIT: Noun = ("单位", "unit");
const CHECKLIST: Noun = ("检查表", "checklist");
const RECORD: Noun = ("记录", "record");

fn id<T: std::str::FromStr>(s: &str, (zh, en): Noun) -> Result<T> {
    s.trim().parse().map_err(|_| {
        bad(
            format!("{zh}编号 {s:?} 格式不对：应为 UUID（如 0190f5b2-7c3e-7a1b-9c4d-2e5f6a7b8c9d）"),
            format!("the {en} id {s:?} is not a UUID (such as 0190f5b2-7c3e-7a1b-9c4d-2e5f6a7b8c9d)"),
        )
    })
}

fn hash(s: &str) -> Result<BlobHash> {
    s.trim().parse().map_err(|_: xuncha_domain::hash::BadHash| {
        bad(
            format!("文件哈希 {s:?} 格式不对：应为 64 位十六进制 SHA-256"),
            format!("the file hash {s:?} is not a SHA-256 in 64 hex digits"),
        )
    })
}

fn time(s: &str) -> Result<UnixMs> {
    when::parse(s).map_err(|_| {
        bad(
            format!("无法识别的时间 {s:?}：请写成 2026-11-25 08:30（北京时间）或 RFC 3339"),
            format!(
                "{s:?} is not a time this understands: write 2026-11-25 08:30 (Beijing time) or RFC 3339"
            ),
        )
    })
}

/// Reads a file named on the command line; a file that is missing or unreadable is the
/// caller's input to fix.
fn read_input(file: &std::path::Path) -> Result<Vec<u8>> {
    let input = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(file)
    };
    input.map_err(|e| {
        let (zh, en) = match e.kind() {
            std::io::ErrorKind::NotFound => ("文件不存在", "there is no such file"),
            std::io::ErrorKind::PermissionDenied => ("没有读取权限", "permission denied"),
            std::io::ErrorKind::IsADirectory => ("这是一个文件夹，不是文件", "it is a folder, not a file"),
            _ => ("读取失败", "reading failed"),
        };
        bad(
            format!("无法读取 {}：{zh}", file.display()),
            format!("cannot read {}: {en}", file.display()),
        )
    })
}

fn pos(p: &PosArgs) -> Option<Position> {
    match (p.lon, p.lat) {
        (Some(lon), Some(lat)) => Some(Position::new(lon, lat)),
        _ => None,
    }
}

fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Minor => Severity::Minor,
        SeverityArg::Major => Severity::Major,
        SeverityArg::Critical => Severity::Critical,
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    match &cli.data_dir {
        Some(d) => Ok(d.clone()),
        None => Ok(dirs::data_dir()
            .context("找不到数据目录，请用 --data-dir 指定")?
            .join("xuncha")),
    }
}

fn run(cli: Cli) -> Result<()> {
    let lang: Lang = cli.lang.into();
    if let Command::Categories = cli.command {
        output::categories();
        return Ok(());
    }
    let dir = data_dir(&cli)?;
    let device = Device::open_with(&dir.join("device.db"), cli.keystore.into())
        .with_context(|| format!("无法打开设备存储 {}", dir.display()))?;
    if let Command::Api = cli.command {
        return api_loop(&device);
    }
    match &cli.command {
        Command::Enrol {
            server,
            login,
            password,
            name,
        } => {
            return sync_cmd::enrol(&device, server, login, password.clone(), name, cli.json);
        }
        Command::Sync { originals } => return sync_cmd::sync(&device, *originals, cli.json),
        Command::Photo(p) => return photo(&device, p, cli.json),
        Command::Bridge(b) => return bridge::serve(&device, b),
        _ => {}
    }
    if let Command::Records(RecordsCmd::Gpx { patrol }) = &cli.command {
        let patrol: PatrolId = id(patrol, PATROL)?;
        let xuncha_core::Response::Track(points) = device.handle(Request::GetTrack { patrol })? else {
            return Err(anyhow!("意外的应答"));
        };
        print!(
            "{}",
            xuncha_core::gpx::write_gpx(&format!("巡查 {patrol}"), &points, &[])?
        );
        return Ok(());
    }
    let response = match cli.command {
        Command::Demo => demo::run(&device)?,
        command => {
            let action = request(command, lang)?;
            device.handle(match &cli.happened_at {
                Some(at) => Request::LateEntry {
                    at: time(at)?,
                    action: Box::new(action),
                },
                None => action,
            })?
        }
    };
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else if let xuncha_core::Response::SyncStatus(_) = &response {
        sync_cmd::status_text(&response);
    } else {
        output::human(&response);
    }
    Ok(())
}

/// Imports a photo, then attaches it: the blobs are durable before the event refers to them.
fn photo(device: &Device, p: &PhotoArgs, json: bool) -> Result<()> {
    let target = match (&p.finding, &p.patrol, &p.inspection) {
        (Some(f), _, _) => PhotoTarget::Finding(id(f, FINDING)?),
        (_, Some(x), _) => PhotoTarget::Patrol(id(x, PATROL)?),
        (_, _, Some(i)) => PhotoTarget::Inspection(id(i, INSPECTION)?),
        _ => {
            return Err(bad(
                "请用 --finding、--patrol 或 --inspection 指明照片属于哪条记录",
                "say which record the photo belongs to with --finding, --patrol or --inspection",
            ));
        }
    };
    let device_fix = pos(&p.pos).map(|at| TrackPoint::at(device.now(), at.lon, at.lat));
    let xuncha_core::Response::PhotoImported(ph) = device.handle(Request::ImportPhotoFile {
        path: p.file.to_string_lossy().into_owned(),
        device_fix,
        utc_offset_min: Some(8 * 60),
    })?
    else {
        return Err(anyhow!("意外的应答"));
    };
    let attached = device.handle(Request::AttachPhoto {
        target,
        role: if p.after {
            PhotoRole::AfterRectification
        } else {
            PhotoRole::Evidence
        },
        original: ph.original,
        upload: Some(ph.upload),
        thumbnail: Some(ph.thumbnail),
        taken_at: ph.taken_at,
        position: ph.position,
        position_source: ph.position_source,
        caption: p.caption.clone(),
    })?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "photo": ph, "attached": attached }))?
        );
    } else {
        println!(
            "已添加照片 {}（{}×{}，原图 {:.1} MB）",
            &ph.original.to_hex()[..12],
            ph.width,
            ph.height,
            ph.original_bytes as f64 / 1e6,
        );
        // The decoder's own account of the damage is English for developers: `--json` has it.
        if ph.partial_decode.is_some() {
            println!("⚠ 照片的图像数据有损坏，部分区域可能显示为灰色");
        }
        if let Some(problem) = &ph.exif_problem {
            println!("⚠ {problem}");
        }
    }
    Ok(())
}

/// One JSON request per line in, one JSON line out: `{"ok": response}` or `{"error": {code, message}}`.
fn api_loop(device: &Device) -> Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Request>(&line) {
            Err(e) => {
                failed = true;
                serde_json::json!({"error": {"code": "bad_request", "message": format!("请求无法解析：{e}")}})
            }
            Ok(req) => match device.handle(req) {
                Ok(r) => serde_json::json!({ "ok": r }),
                Err(e) => {
                    failed = true;
                    serde_json::json!({ "error": e.body() })
                }
            },
        };
        writeln!(out, "{answer}")?;
    }
    if failed {
        Err(anyhow!("有请求失败（见输出中的 error）"))
    } else {
        Ok(())
    }
}

/// The fixes of a track file (GPX, or a JSON array of fixes), and its untimed stretches. What
/// was read is said on stderr in `lang` when a person should know (gaps, untimed points).
fn read_points(file: &std::path::Path, lang: Lang) -> Result<(Vec<TrackPoint>, Vec<Vec<Position>>)> {
    let bytes = read_input(file)?;
    if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("gpx")) {
        let import = xuncha_core::gpx::read_gpx(&bytes)
            .and_then(|gpx| gpx.track_import())
            .map_err(|e| {
                bad(
                    format!("{}：{}", file.display(), e.say(Lang::Zh)),
                    format!("{}: {}", file.display(), e.say(Lang::En)),
                )
            })?;
        let (timed, untimed, segments) = (import.points.len(), import.untimed_count(), import.segment_count);
        let mut note = lang.pick(
            format!(
                "已读取 {}：{timed} 个带时间的轨迹点，{segments} 段",
                file.display()
            ),
            format!(
                "read {}: {timed} track points with times, in {segments} segments",
                file.display()
            ),
        );
        if segments > 1 {
            note += &lang.pick(
                "（段与段之间的间断不计距离和时间）".to_owned(),
                " (the gaps between segments count as neither distance nor time)".to_owned(),
            );
        }
        if untimed > 0 {
            note += &lang.pick(
                format!("；另有 {untimed} 个点没有时间：作为轨迹形状保留，不计入用时、速度和长度"),
                format!("; {untimed} points have no time: kept as the track's shape, not counted in its duration, speed or length"),
            );
        }
        eprintln!("{note}");
        return Ok((import.points, import.untimed));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        bad(
            format!(
                "轨迹文件 {} 不是文本（应为 GPX 或轨迹点的 JSON 数组）",
                file.display()
            ),
            format!(
                "the track file {} is not text (it should be GPX or a JSON array of fixes)",
                file.display()
            ),
        )
    })?;
    let points = serde_json::from_str(&text).map_err(|e| {
        bad(
            format!(
                "轨迹文件 {} 不是轨迹点的 JSON 数组（第 {} 行第 {} 列有误）",
                file.display(),
                e.line(),
                e.column()
            ),
            format!(
                "the track file {} is not a JSON array of fixes (error at line {}, column {})",
                file.display(),
                e.line(),
                e.column()
            ),
        )
    })?;
    Ok((points, Vec::new()))
}

fn request(command: Command, lang: Lang) -> Result<Request> {
    use Request as R;
    Ok(match command {
        Command::Home => R::Home,
        Command::Device(DeviceCmd::Info) => R::DeviceInfo,
        Command::Device(DeviceCmd::SetUser { user, unit }) => R::SetUser {
            user: id(&user, USER)?,
            unit: id(&unit, UNIT)?,
        },
        Command::Device(DeviceCmd::Verify) => R::VerifyLog,
        Command::Import { file } => {
            let bytes = read_input(&file)?;
            let events: Vec<Event> = serde_json::from_slice(&bytes).map_err(|e| {
                bad(
                    format!(
                        "{} 不是事件的 JSON 数组（第 {} 行第 {} 列有误）",
                        file.display(),
                        e.line(),
                        e.column()
                    ),
                    format!(
                        "{} is not a JSON array of events (error at line {}, column {})",
                        file.display(),
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            R::IngestEvents { events }
        }
        Command::Patrol(p) => match p {
            PatrolCmd::Start {
                kind,
                reach,
                area,
                at,
            } => R::StartPatrol {
                kind: match kind {
                    PatrolKindArg::River => PatrolKind::River,
                    PatrolKindArg::FishingBan => PatrolKind::FishingBan,
                },
                reach: reach.as_deref().map(|r| id(r, REACH)).transpose()?,
                area,
                at: at.at.as_deref().map(time).transpose()?,
            },
            PatrolCmd::Track { patrol, file } => {
                let patrol = id(&patrol, PATROL)?;
                let (points, untimed) = read_points(&file, lang)?;
                R::AppendTrackPoints {
                    patrol,
                    points,
                    untimed,
                }
            }
            PatrolCmd::Report { patrol, mode } => R::PatrolReport {
                patrol: id(&patrol, PATROL)?,
                mode: Some(match mode {
                    ModeArg::Walking => TravelMode::Walking,
                    ModeArg::Bicycle => TravelMode::Bicycle,
                    ModeArg::Car => TravelMode::Car,
                    ModeArg::Boat => TravelMode::Boat,
                }),
            },
            PatrolCmd::End { patrol, notes, at } => R::EndPatrol {
                patrol: id(&patrol, PATROL)?,
                notes,
                at: at.at.as_deref().map(time).transpose()?,
            },
            PatrolCmd::Check {
                patrol,
                site,
                outcome,
                notes,
            } => R::RecordBusinessCheck {
                patrol: id(&patrol, PATROL)?,
                site: id(&site, SITE)?,
                outcome: match outcome {
                    CheckOutcomeArg::Compliant => CheckOutcome::Compliant,
                    CheckOutcomeArg::ViolationFound => CheckOutcome::ViolationFound,
                    CheckOutcomeArg::Closed => CheckOutcome::Closed,
                },
                notes,
            },
            PatrolCmd::Tally {
                patrol,
                banners,
                signs,
                notices,
                leaflets,
            } => R::TallyPublicity {
                patrol: id(&patrol, PATROL)?,
                tally: Publicity {
                    banners,
                    signs,
                    notices,
                    leaflets,
                },
            },
            PatrolCmd::Seize {
                patrol,
                description,
                quantity,
                pos: p,
            } => R::RecordSeizure {
                patrol: id(&patrol, PATROL)?,
                description,
                quantity,
                position: pos(&p),
            },
            PatrolCmd::Letter {
                patrol,
                site,
                signer,
                text,
                signature,
            } => R::SignCommitmentLetter {
                patrol: id(&patrol, PATROL)?,
                site: id(&site, SITE)?,
                signer_name: signer,
                text,
                signature: hash(&signature)?,
            },
        },
        Command::Inspection(i) => match i {
            InspectionCmd::Start {
                site,
                checklist,
                pos: p,
            } => R::StartInspection {
                site: id(&site, SITE)?,
                checklist: id(&checklist, CHECKLIST)?,
                position: pos(&p),
            },
            InspectionCmd::Answer {
                inspection,
                item,
                answer,
                note,
            } => R::AnswerChecklistItem {
                inspection: id(&inspection, INSPECTION)?,
                item,
                answer: match answer {
                    AnswerArg::Compliant => Answer::Compliant,
                    AnswerArg::NonCompliant => Answer::NonCompliant,
                    AnswerArg::NotApplicable => Answer::NotApplicable,
                },
                note,
            },
            InspectionCmd::Issue {
                inspection,
                content,
                deadline,
            } => R::IssueOnSiteRecord {
                inspection: id(&inspection, INSPECTION)?,
                content,
                rectification_deadline: deadline.as_deref().map(time).transpose()?,
            },
            InspectionCmd::Sign {
                inspection,
                role,
                name,
                signature,
            } => R::SignDocument {
                inspection: id(&inspection, INSPECTION)?,
                role: match role {
                    SignerArg::Inspector => SignerRole::Inspector,
                    SignerArg::InspectedParty => SignerRole::InspectedParty,
                    SignerArg::Witness => SignerRole::Witness,
                },
                signer_name: name,
                signature: hash(&signature)?,
            },
            InspectionCmd::Refuse {
                inspection,
                reason,
                witness,
                witness_signature,
            } => R::RecordRefusal {
                inspection: id(&inspection, INSPECTION)?,
                reason,
                witness_name: witness,
                witness_signature: hash(&witness_signature)?,
            },
            InspectionCmd::Close { inspection, notes } => R::CloseInspection {
                inspection: id(&inspection, INSPECTION)?,
                notes,
            },
        },
        Command::Finding(f) => match f {
            FindingCmd::Report {
                patrol,
                inspection,
                category,
                description,
                severity: s,
                pos: p,
            } => {
                let record = match (patrol, inspection) {
                    (Some(p), _) => RecordRef::Patrol(id(&p, PATROL)?),
                    (None, Some(i)) => RecordRef::Inspection(id(&i, INSPECTION)?),
                    (None, None) => {
                        return Err(bad(
                            "请用 --patrol 或 --inspection 指明问题所属的记录",
                            "say which record the finding belongs to with --patrol or --inspection",
                        ));
                    }
                };
                R::report_finding(record, category, description, severity(s), pos(&p))
            }
            FindingCmd::Amend {
                finding,
                category,
                description,
                severity: s,
                pos: p,
            } => R::AmendFinding {
                finding: id(&finding, FINDING)?,
                category,
                description,
                severity: s.map(severity),
                location: pos(&p),
            },
            FindingCmd::Photo {
                finding,
                original,
                after,
                caption,
                pos: p,
            } => R::AttachPhoto {
                target: PhotoTarget::Finding(id(&finding, FINDING)?),
                role: if after {
                    PhotoRole::AfterRectification
                } else {
                    PhotoRole::Evidence
                },
                original: hash(&original)?,
                upload: None,
                thumbnail: None,
                taken_at: None,
                position_source: if pos(&p).is_some() {
                    PositionSource::DeviceFix
                } else {
                    PositionSource::None
                },
                position: pos(&p),
                caption,
            },
            FindingCmd::Assign {
                finding,
                assignee,
                deadline,
                note,
            } => R::AssignRectification {
                finding: id(&finding, FINDING)?,
                assignee,
                deadline: time(&deadline)?,
                note,
            },
            FindingCmd::Rectify { finding, note, after } => R::RectifyFinding {
                finding: id(&finding, FINDING)?,
                note,
                after_photos: after.iter().map(|h| hash(h)).collect::<Result<_>>()?,
                position: None,
            },
            FindingCmd::Verify { finding, note } => R::VerifyFinding {
                finding: id(&finding, FINDING)?,
                note,
            },
            FindingCmd::Reopen { finding, reason } => R::ReopenFinding {
                finding: id(&finding, FINDING)?,
                reason,
            },
            FindingCmd::Show { finding } => R::GetFinding {
                id: id(&finding, FINDING)?,
            },
        },
        Command::Records(r) => match r {
            RecordsCmd::List {
                kind,
                status,
                from,
                to,
                limit,
            } => R::ListRecords {
                filter: RecordFilter {
                    kind: kind.map(|k| match k {
                        RecordKindArg::RiverPatrol => RecordKind::RiverPatrol,
                        RecordKindArg::FishingBanPatrol => RecordKind::FishingBanPatrol,
                        RecordKindArg::Inspection => RecordKind::Inspection,
                    }),
                    status,
                    from: from.as_deref().map(time).transpose()?.map(|t| t.0),
                    to: to.as_deref().map(time).transpose()?.map(|t| t.0),
                    limit: Some(limit),
                },
            },
            RecordsCmd::Show { id: rid } => R::GetRecord {
                id: id::<uuid_like::Id>(&rid, RECORD)?.0,
            },
            RecordsCmd::Track { patrol } | RecordsCmd::Gpx { patrol } => R::GetTrack {
                patrol: id(&patrol, PATROL)?,
            },
        },
        Command::Findings { status } => R::ListOpenFindings {
            status: status.map(|s| match s {
                FindingStatusArg::Reported => FindingStatus::Reported,
                FindingStatusArg::Assigned => FindingStatus::Assigned,
                FindingStatusArg::Rectified => FindingStatus::Rectified,
                FindingStatusArg::Verified => FindingStatus::Verified,
                FindingStatusArg::Reopened => FindingStatus::Reopened,
            }),
            limit: None,
        },
        Command::Reference(r) => match r {
            ReferenceCmd::Reaches => R::ListReaches,
            ReferenceCmd::Sites => R::ListSites { kind: None },
            ReferenceCmd::Checklists => R::ListChecklists,
        },
        Command::Outbox { limit } => R::Outbox { limit: Some(limit) },
        Command::Rebuild => R::Rebuild,
        Command::SignOut => R::SignOut,
        Command::Status => R::SyncStatus,
        Command::CollectBlobs { grace_hours } => R::CollectBlobs {
            grace_hours: Some(grace_hours),
        },
        Command::Categories
        | Command::Api
        | Command::Demo
        | Command::Enrol { .. }
        | Command::Sync { .. }
        | Command::Photo(_)
        | Command::Bridge(_) => unreachable_command()?,
    })
}

fn unreachable_command() -> Result<Request> {
    Err(anyhow!("此命令不经由 API 处理"))
}

mod uuid_like {
    /// A record id as text, checked to be a UUID.
    pub struct Id(pub String);
    impl std::str::FromStr for Id {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            xuncha_domain::PatrolId::from_str(s)
                .map(|p| Id(p.to_string()))
                .map_err(|_| ())
        }
    }
}
