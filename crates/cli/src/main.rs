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
use xuncha_domain::*;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Exit codes a script can act on (also listed in `--help`).
fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<CoreError>() {
        Some(CoreError::Invalid(_)) => 3,
        Some(CoreError::Refused(_)) => 4,
        Some(CoreError::NotFound { .. }) => 5,
        Some(CoreError::NotSetUp(_)) => 6,
        Some(_) => 1,
        None if e.downcast_ref::<BadInput>().is_some() => 3,
        None => 1,
    }
}

/// An argument that could not be understood.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

fn id<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.trim()
        .parse()
        .map_err(|_| bad(format!("{what}编号 {s:?} 格式不对（应为 UUID）")))
}

fn hash(s: &str) -> Result<BlobHash> {
    s.trim()
        .parse()
        .map_err(|e: xuncha_domain::hash::BadHash| bad(e.to_string()))
}

fn time(s: &str) -> Result<UnixMs> {
    when::parse(s).map_err(|e| bad(e.to_string()))
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
    if let Command::Categories = cli.command {
        output::categories();
        return Ok(());
    }
    let dir = data_dir(&cli)?;
    let device = Device::open(&dir.join("device.db"))
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
        let patrol: PatrolId = id(patrol, "巡查")?;
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
        command => device.handle(request(command)?)?,
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
        (Some(f), _, _) => PhotoTarget::Finding(id(f, "问题")?),
        (_, Some(x), _) => PhotoTarget::Patrol(id(x, "巡查")?),
        (_, _, Some(i)) => PhotoTarget::Inspection(id(i, "检查")?),
        _ => {
            return Err(bad(
                "请用 --finding、--patrol 或 --inspection 指明照片属于哪条记录",
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
            "已添加照片 {}（{}×{}，原图 {:.1} MB{}）",
            &ph.original.to_hex()[..12],
            ph.width,
            ph.height,
            ph.original_bytes as f64 / 1e6,
            ph.partial_decode
                .as_ref()
                .map(|w| format!("；⚠ 照片有损坏：{w}"))
                .unwrap_or_default()
        );
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

fn read_points(file: &std::path::Path) -> Result<Vec<TrackPoint>> {
    if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("gpx")) {
        let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
        let gpx = xuncha_core::gpx::read_gpx(&bytes).map_err(|e| bad(format!("{}：{e}", file.display())))?;
        let points: Vec<TrackPoint> = gpx
            .track_segments()
            .map_err(|e| bad(format!("{}：{e}", file.display())))?
            .into_iter()
            .flatten()
            .collect();
        if points.is_empty() {
            return Err(bad(format!("{} 中没有带时间的轨迹点", file.display())));
        }
        return Ok(points);
    }
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?
    };
    serde_json::from_str(&text)
        .map_err(|e| bad(format!("轨迹文件 {} 不是轨迹点的 JSON 数组：{e}", file.display())))
}

fn request(command: Command) -> Result<Request> {
    use Request as R;
    Ok(match command {
        Command::Home => R::Home,
        Command::Device(DeviceCmd::Info) => R::DeviceInfo,
        Command::Device(DeviceCmd::SetUser { user, unit }) => R::SetUser {
            user: id(&user, "用户")?,
            unit: id(&unit, "单位")?,
        },
        Command::Device(DeviceCmd::Verify) => R::VerifyLog,
        Command::Import { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let events: Vec<Event> = serde_json::from_str(&text)
                .map_err(|e| bad(format!("{} 不是事件的 JSON 数组：{e}", file.display())))?;
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
                reach: reach.as_deref().map(|r| id(r, "河段")).transpose()?,
                area,
                at: at.at.as_deref().map(time).transpose()?,
            },
            PatrolCmd::Track { patrol, file } => R::AppendTrackPoints {
                patrol: id(&patrol, "巡查")?,
                points: read_points(&file)?,
            },
            PatrolCmd::Report { patrol, mode } => R::PatrolReport {
                patrol: id(&patrol, "巡查")?,
                mode: Some(match mode {
                    ModeArg::Walking => TravelMode::Walking,
                    ModeArg::Bicycle => TravelMode::Bicycle,
                    ModeArg::Car => TravelMode::Car,
                    ModeArg::Boat => TravelMode::Boat,
                }),
            },
            PatrolCmd::End { patrol, notes, at } => R::EndPatrol {
                patrol: id(&patrol, "巡查")?,
                notes,
                at: at.at.as_deref().map(time).transpose()?,
            },
            PatrolCmd::Check {
                patrol,
                site,
                outcome,
                notes,
            } => R::RecordBusinessCheck {
                patrol: id(&patrol, "巡查")?,
                site: id(&site, "场所")?,
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
                patrol: id(&patrol, "巡查")?,
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
                patrol: id(&patrol, "巡查")?,
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
                patrol: id(&patrol, "巡查")?,
                site: id(&site, "场所")?,
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
                site: id(&site, "场所")?,
                checklist: id(&checklist, "检查表")?,
                position: pos(&p),
            },
            InspectionCmd::Answer {
                inspection,
                item,
                answer,
                note,
            } => R::AnswerChecklistItem {
                inspection: id(&inspection, "检查")?,
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
                inspection: id(&inspection, "检查")?,
                content,
                rectification_deadline: deadline.as_deref().map(time).transpose()?,
            },
            InspectionCmd::Sign {
                inspection,
                role,
                name,
                signature,
            } => R::SignDocument {
                inspection: id(&inspection, "检查")?,
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
                inspection: id(&inspection, "检查")?,
                reason,
                witness_name: witness,
                witness_signature: hash(&witness_signature)?,
            },
            InspectionCmd::Close { inspection, notes } => R::CloseInspection {
                inspection: id(&inspection, "检查")?,
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
            } => R::ReportFinding {
                record: match (patrol, inspection) {
                    (Some(p), _) => RecordRef::Patrol(id(&p, "巡查")?),
                    (None, Some(i)) => RecordRef::Inspection(id(&i, "检查")?),
                    (None, None) => return Err(bad("请用 --patrol 或 --inspection 指明问题所属的记录")),
                },
                category,
                description,
                severity: severity(s),
                location: pos(&p),
            },
            FindingCmd::Amend {
                finding,
                category,
                description,
                severity: s,
                pos: p,
            } => R::AmendFinding {
                finding: id(&finding, "问题")?,
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
                target: PhotoTarget::Finding(id(&finding, "问题")?),
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
                finding: id(&finding, "问题")?,
                assignee,
                deadline: time(&deadline)?,
                note,
            },
            FindingCmd::Rectify { finding, note, after } => R::RectifyFinding {
                finding: id(&finding, "问题")?,
                note,
                after_photos: after.iter().map(|h| hash(h)).collect::<Result<_>>()?,
                position: None,
            },
            FindingCmd::Verify { finding, note } => R::VerifyFinding {
                finding: id(&finding, "问题")?,
                note,
            },
            FindingCmd::Reopen { finding, reason } => R::ReopenFinding {
                finding: id(&finding, "问题")?,
                reason,
            },
            FindingCmd::Show { finding } => R::GetFinding {
                id: id(&finding, "问题")?,
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
                id: id::<uuid_like::Id>(&rid, "记录")?.0,
            },
            RecordsCmd::Track { patrol } | RecordsCmd::Gpx { patrol } => R::GetTrack {
                patrol: id(&patrol, "巡查")?,
            },
        },
        Command::Findings { status } => R::ListOpenFindings { status },
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
