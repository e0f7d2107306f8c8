//! `xuncha enrol`, `xuncha sync` and `xuncha status`: the office's batch upload with progress
//! bars (or JSON progress lines with --json) and a final summary.

use crate::when;
use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::Write;
use std::sync::atomic::AtomicBool;
use xuncha_core::Device;
use xuncha_core::api::{Request, Response};
use xuncha_core::sync::{SyncOptions, SyncPhase, SyncProgress, SyncReport};

pub fn enrol(
    device: &Device,
    server: &str,
    login: &str,
    password: Option<String>,
    name: &str,
    json: bool,
) -> Result<()> {
    let password = match password {
        Some(p) => p,
        None => {
            eprint!("{login} 的密码：");
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("读取密码失败")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let resp = device.handle(Request::Enrol {
        server_url: server.to_owned(),
        login: login.to_owned(),
        password,
        device_name: name.to_owned(),
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&resp)?);
    } else if let Response::Account(a) = resp {
        println!("已登录 {}：{}（{}）", a.server_url, a.user.name, a.user.login);
    }
    Ok(())
}

fn bar(multi: &MultiProgress, template: &str) -> ProgressBar {
    let b = multi.add(ProgressBar::new(0));
    if let Ok(style) = ProgressStyle::with_template(template) {
        b.set_style(style.progress_chars("=> "));
    }
    b
}

pub fn sync(device: &Device, originals: bool, json: bool) -> Result<()> {
    let blobs = device.blobs().context("本设备没有照片存储")?;
    let opts = SyncOptions {
        allow_originals: originals,
        ..Default::default()
    };
    let cancel = AtomicBool::new(false);
    let multi = MultiProgress::new();
    let events = bar(&multi, "记录 {bar:30} {pos}/{len}");
    let bytes = bar(
        &multi,
        "照片 {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
    );
    let mut last_phase = SyncPhase::Starting;
    let mut on_progress = |p: &SyncProgress| {
        if json {
            if let Ok(line) = serde_json::to_string(&serde_json::json!({ "progress": p })) {
                println!("{line}");
            }
            return;
        }
        events.set_length(p.events_total);
        events.set_position(p.events_done);
        bytes.set_length(p.bytes_total);
        bytes.set_position(p.bytes_done);
        if p.retries > 0 {
            bytes.set_message(format!("重试 {} 次", p.retries));
        }
        if p.phase != last_phase && p.phase == SyncPhase::Pulling {
            events.finish();
            bytes.finish();
        }
        last_phase = p.phase;
    };
    let result = xuncha_core::sync::sync(device, blobs, &opts, &mut on_progress, &cancel);
    events.finish_and_clear();
    bytes.finish_and_clear();
    let report = result?;
    if json {
        println!(
            "{}",
            serde_json::to_string(&serde_json::json!({ "report": report }))?
        );
    } else {
        summary(&report);
    }
    if report.blocked_at.is_some() || !report.blob_errors.is_empty() {
        anyhow::bail!("同步完成，但有记录或照片未能上传（见上）");
    }
    Ok(())
}

fn summary(r: &SyncReport) {
    println!(
        "上传事件：新 {}，服务器已有 {}；照片 {} 个（{:.1} MB），服务器已有 {}；下载更新 {} 个",
        r.accepted,
        r.duplicates,
        r.blobs_uploaded,
        r.bytes_uploaded as f64 / 1e6,
        r.blobs_already_there,
        r.pulled
    );
    if r.retries > 0 {
        println!("网络重试 {} 次", r.retries);
    }
    if r.originals_held_back > 0 {
        println!(
            "原图 {} 张未上传（在单位或不限流量网络下用 --originals 上传）",
            r.originals_held_back
        );
    }
    for x in &r.rejected {
        let kept = if x.kept {
            "服务器已留存但未生效"
        } else {
            "服务器拒收"
        };
        println!("⚠ 事件 {}：{}（{}）", x.event_id, x.message, kept);
    }
    if let Some(b) = r.blocked_at {
        println!("⚠ 事件 {b} 被服务器拒收，其后的记录暂不上传，请联系管理员");
    }
    for e in &r.blob_errors {
        println!("⚠ {e}");
    }
    if r.blobs_waiting > 0 {
        println!(
            "⏳ {} 个照片等使用它们的记录被服务器接受后再上传",
            r.blobs_waiting
        );
    }
    if r.blobs_absent > 0 {
        println!("⚠ {} 个照片文件不在本机，无法上传", r.blobs_absent);
    }
}

pub fn status_text(resp: &Response) {
    let Response::SyncStatus(s) = resp else { return };
    match &s.account {
        Some(a) => println!(
            "服务器 {}  用户 {}（{}）  登录于 {}",
            a.server_url,
            a.user.name,
            a.user.login,
            when::show(a.enrolled_at.0)
        ),
        None => println!("尚未登录服务器"),
    }
    println!(
        "仅在本机：事件 {} 个，照片 {} 个（{:.1} MB），原图 {} 张",
        s.outbox_events,
        s.blobs_pending,
        s.blobs_pending_bytes as f64 / 1e6,
        s.originals_pending
    );
    for r in &s.rejections {
        println!("⚠ 事件 {}：{}", r.event_id, r.message);
    }
}
