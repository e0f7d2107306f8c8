//! How answers are shown to people. (`--json` prints the API's response as it is.)

use crate::when;
use xuncha_core::api::{RecordDetail, Response};
use xuncha_core::store::queries::{FindingSummary, Outcome, RecordSummary, SyncState};
use xuncha_domain::catalogue::CATEGORIES;
use xuncha_domain::state::AggregateState;

fn sync_zh(s: SyncState) -> &'static str {
    match s {
        SyncState::SavedOnDevice => "仅存本机",
        SyncState::Uploaded => "已上传",
        SyncState::Rejected => "有被拒事件",
        SyncState::PhotosPending => "照片待上传",
        SyncState::ChangedByOffice => "办公室有新处理",
    }
}

fn status_zh(s: &str) -> &str {
    match s {
        "active" => "进行中",
        "ended" => "已结束",
        "record_issued" => "已出具记录",
        "closed" => "已结束",
        other => other,
    }
}

fn record_line(r: &RecordSummary) -> String {
    let place = r
        .reach
        .as_ref()
        .or(r.site.as_ref())
        .map(|n| n.name.clone())
        .unwrap_or_else(|| r.title.clone());
    format!(
        "{}  {}  {}  {}  {}  轨迹点 {}  问题 {}（未销号 {}）  {}",
        r.id,
        r.kind.label_zh(),
        status_zh(&r.status),
        when::show(r.started_at),
        place,
        r.point_count,
        r.finding_count,
        r.open_finding_count,
        sync_zh(r.sync)
    )
}

fn finding_line(f: &FindingSummary) -> String {
    let deadline = f
        .deadline
        .map(|d| format!("  期限 {}", when::show(d)))
        .unwrap_or_default();
    format!(
        "{}  {}  {}  {}  {}{}",
        f.id,
        f.category_zh,
        f.status.label_zh(),
        when::show(f.reported_at),
        f.description,
        deadline
    )
}

fn detail(d: &RecordDetail) {
    println!("{}", record_line(&d.summary));
    match &d.state {
        AggregateState::Inspection(i) => {
            if let Some(r) = &i.record {
                println!("现场检查记录 {}：{}", r.number, r.content);
                for (role, s) in &r.signatures {
                    println!(
                        "  签名 {:?}：{}（{}）",
                        role,
                        s.signer_name,
                        when::show(s.signed_at.0)
                    );
                }
                if let Some(x) = &r.refusal {
                    println!("  拒签：{}；见证人 {}", x.reason, x.witness_name);
                }
            }
        }
        AggregateState::Patrol(p) if !p.letters.is_empty() || !p.business_checks.is_empty() => {
            println!(
                "检查经营场所 {} 处；承诺书 {} 份；收缴 {} 起",
                p.business_checks.len(),
                p.letters.len(),
                p.seizures.len()
            );
        }
        _ => {}
    }
    if !d.findings.is_empty() {
        println!("问题：");
        for f in &d.findings {
            println!("  {}", finding_line(f));
        }
    }
    println!("时间线：");
    for t in &d.timeline {
        let outcome = match &t.outcome {
            Outcome::Applied => String::new(),
            Outcome::Rejected { message, .. } => format!("  【未生效：{message}】"),
        };
        let up = if t.uploaded { "" } else { "  （未上传）" };
        println!(
            "  {}  #{}  {}{}{}",
            when::show(t.event.hlc.wall_ms),
            t.event.seq,
            t.what.zh(),
            up,
            outcome
        );
    }
}

pub fn human(resp: &Response) {
    match resp {
        Response::Recorded(r) => match &r.number {
            Some(n) => println!("已保存 {}（文书编号 {n}）", r.id),
            None => println!("已保存 {}", r.id),
        },
        Response::Done => println!("完成"),
        Response::Ingested(r) => println!("新接收 {} 个事件，已有 {} 个", r.new, r.already_had),
        Response::Home(h) => {
            let who = h
                .user
                .as_ref()
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "（未绑定用户）".into());
            let unit = h.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default();
            println!("{who}  {unit}  设备 {}", h.device.device_id);
            let c = &h.counts;
            println!(
                "进行中的巡查 {}  未结束的检查 {}  今日记录 {}  未销号问题 {}  待我整改 {}  待上传事件 {}",
                c.active_patrols,
                c.open_inspections,
                c.records_today,
                c.open_findings,
                c.findings_to_rectify,
                c.outbox_events
            );
            for r in &h.active {
                println!("  {}", record_line(r));
            }
            for f in &h.to_rectify {
                println!("  待整改 {}", finding_line(f));
            }
        }
        Response::Device(d) => {
            println!("设备编号 {}", d.device_id);
            println!("公钥     {}", d.public_key.to_hex());
            println!(
                "用户     {}",
                d.user_id
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| "（未绑定）".into())
            );
            println!(
                "单位     {}",
                d.unit_id
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| "（未绑定）".into())
            );
            println!("已产生事件 {}", d.events_made);
        }
        Response::Records(list) => {
            if list.is_empty() {
                println!("没有记录");
            }
            for r in list {
                println!("{}", record_line(r));
            }
        }
        Response::Record(d) => detail(d),
        Response::Track(points) => {
            for p in points {
                println!(
                    "{}  {:.7}  {:.7}  {}",
                    when::show(p.t.0),
                    p.lon,
                    p.lat,
                    p.accuracy_m.map(|a| format!("±{a} m")).unwrap_or_default()
                );
            }
        }
        Response::PatrolReport(r) => {
            let s = &r.stats;
            println!(
                "轨迹点 {}（计入 {}，剔除 {}）  里程 {:.2} km  用时 {:.0} 分钟  移动 {:.0} 分钟",
                r.points_received,
                s.point_count,
                r.dropped.total(),
                s.length_m / 1000.0,
                s.duration_s / 60.0,
                s.moving_time_s / 60.0
            );
            if s.segment_count > 1 {
                println!(
                    "分 {} 段记录，段间间断共 {:.0} 分钟，不计距离和时间",
                    s.segment_count,
                    (s.duration_s - s.recorded_s) / 60.0
                );
            }
            if r.untimed_points > 0 {
                println!(
                    "另有 {} 个导入点没有时间：只作轨迹形状，不计入用时、速度和里程",
                    r.untimed_points
                );
            }
            if let Some(c) = &r.coverage {
                println!(
                    "河段覆盖 {:.1}%（{:.0} / {:.0} m，未到 {} 段）",
                    c.fraction * 100.0,
                    c.covered_length_m,
                    c.reach_length_m,
                    c.uncovered.len()
                );
            }
            if r.flags.is_empty() {
                println!("未发现可疑情况");
            }
            for f in &r.flags {
                println!("⚠ {}", f.label_zh);
            }
            if !r.flagged_points.is_empty() {
                println!("（共 {} 个定位点被标记，可在地图上查看）", r.flagged_points.len());
            }
        }
        Response::Findings(list) => {
            if list.is_empty() {
                println!("没有未销号的问题");
            }
            for f in list {
                println!("{}", finding_line(f));
            }
        }
        Response::Finding(f) => {
            if let AggregateState::Finding(s) = &f.state {
                println!("{}  {}  {}", s.id, s.status.label_zh(), s.description);
            }
            for t in &f.timeline {
                println!("  {}  {}", when::show(t.event.hlc.wall_ms), t.what.zh());
            }
        }
        Response::Reaches(list) => {
            for r in list {
                println!("{}  {}  {:.0} m", r.id, r.name, r.length_m);
            }
        }
        Response::Sites(list) => {
            for s in list {
                println!("{}  {}  {}  {}", s.id, s.kind.label_zh(), s.name, s.address);
            }
        }
        Response::Checklists(list) => {
            for c in list {
                println!(
                    "{}  {}（第 {} 版，{} 项）",
                    c.id,
                    c.name,
                    c.version,
                    c.items.len()
                );
            }
        }
        Response::Events(list) => {
            println!("待上传事件 {} 个", list.len());
            for e in list {
                println!(
                    "  #{}  {}  {}",
                    e.seq,
                    when::show(e.hlc.wall_ms),
                    e.payload.type_name()
                );
            }
        }
        Response::PhotoImported(p) => println!("照片 {}（{}×{}）", p.original, p.width, p.height),
        Response::Blob { hash } => println!("{hash}"),
        Response::BlobBytes { hash, bytes_base64 } => {
            println!("{hash}: {} 字节（base64）", bytes_base64.len())
        }
        Response::BlobsCollected {
            deleted,
            deleted_bytes,
            kept_pinned,
        } => println!(
            "删除 {deleted} 个无用文件（{:.1} MB）；{kept_pinned} 个服务器尚未确认的文件保留",
            *deleted_bytes as f64 / 1e6
        ),
        Response::Account(a) => println!("已登录 {}：{}", a.server_url, a.user.name),
        Response::SyncStatus(_) => {}
        Response::Synced(r) => println!(
            "已上传 {} 个事件、{} 个照片；下载 {} 个更新",
            r.accepted, r.blobs_uploaded, r.pulled
        ),
        Response::SyncProgress(None) => println!("没有正在进行的同步"),
        Response::SyncProgress(Some(p)) => println!(
            "同步中（{:?}）：事件 {}/{}，照片 {}/{}，{}/{} 字节",
            p.phase, p.events_done, p.events_total, p.blobs_done, p.blobs_total, p.bytes_done, p.bytes_total
        ),
        Response::LogChecked(c) => {
            println!("事件链完好：设备 {}，{} 个事件", c.device, c.events);
        }
        Response::Documents(docs) => {
            if docs.is_empty() {
                println!("这条记录还没有文书");
            }
            for d in docs {
                println!("{}  {}  {}", d.kind.as_str(), d.title, d.number);
            }
        }
        Response::Document(d) => {
            println!(
                "{} {}（{} 页，{} KB）",
                d.title,
                d.number,
                d.pages_svg.len(),
                d.pdf_bytes / 1024
            );
            match &d.saved_to {
                Some(path) => println!("已保存：{path}"),
                None => println!("未保存（这台设备没有数据文件夹）"),
            }
        }
    }
}

pub fn categories() {
    for c in CATEGORIES {
        println!("{:<20} {:?}  {}  {}", c.code, c.kind, c.name_zh, c.name_en);
    }
}
