//! One line of plain Chinese for each kind of event, for timelines.

use xuncha_domain::catalogue;
use xuncha_domain::payload::*;

fn category_zh(code: &str) -> &str {
    catalogue::category(code).map(|c| c.name_zh).unwrap_or(code)
}

pub fn describe(p: &Payload) -> String {
    match p {
        Payload::PatrolStarted(s) => format!("开始{}", s.kind.label_zh()),
        Payload::TrackPointsAppended(a) => format!("记录轨迹点 {} 个", a.points.len()),
        Payload::PatrolEnded(e) if e.notes.is_empty() => "结束巡查".to_owned(),
        Payload::PatrolEnded(e) => format!("结束巡查：{}", e.notes),
        Payload::BusinessChecked(c) => format!(
            "检查经营场所：{}",
            match c.outcome {
                CheckOutcome::Compliant => "未发现问题",
                CheckOutcome::ViolationFound => "发现问题",
                CheckOutcome::Closed => "未营业",
            }
        ),
        Payload::PublicityTallied(t) => format!(
            "宣传：横幅 {} 条、标牌 {} 块、通告 {} 份、传单 {} 份",
            t.tally.banners, t.tally.signs, t.tally.notices, t.tally.leaflets
        ),
        Payload::GearSeized(g) => format!("收缴渔具：{} × {}", g.description, g.quantity),
        Payload::CommitmentLetterSigned(l) => format!("签订承诺书：{}", l.signer_name),
        Payload::InspectionStarted(_) => "开始安全检查".to_owned(),
        Payload::ChecklistAnswered(a) => format!(
            "检查项 {}：{}",
            a.item,
            match a.answer {
                Answer::Compliant => "符合",
                Answer::NonCompliant => "不符合",
                Answer::NotApplicable => "不适用",
            }
        ),
        Payload::OnSiteRecordIssued(r) => format!("出具现场检查记录 {}", r.number),
        Payload::DocumentSigned(s) => format!(
            "{}签名：{}",
            match s.role {
                SignerRole::Inspector => "检查人员",
                SignerRole::InspectedParty => "被检查方",
                SignerRole::Witness => "见证人",
            },
            s.signer_name
        ),
        Payload::SignatureRefused(r) => format!("被检查方拒签（见证人：{}）", r.witness_name),
        Payload::InspectionClosed(_) => "结束安全检查".to_owned(),
        Payload::FindingReported(f) => format!("上报{}：{}", category_zh(&f.category), f.description),
        Payload::FindingAmended(_) => "修改问题信息".to_owned(),
        Payload::PhotoAttached(p) => match p.role {
            PhotoRole::Evidence => "添加照片".to_owned(),
            PhotoRole::AfterRectification => "添加整改后照片".to_owned(),
            PhotoRole::Seizure => "添加收缴物照片".to_owned(),
        },
        Payload::RectificationAssigned(a) => format!("交办整改：{}", a.assignee),
        Payload::FindingRectified(r) => format!("整改完成：{}", r.note),
        Payload::FindingVerified(_) => "验收通过".to_owned(),
        Payload::FindingReopened(r) => format!("退回重新整改：{}", r.reason),
        Payload::UnitDefined(u) => format!("单位：{}", u.name),
        Payload::UserDefined(u) => format!("用户：{}", u.name),
        Payload::ReachDefined(r) => format!("河段：{}", r.name),
        Payload::SiteDefined(s) => format!("场所：{}", s.name),
        Payload::ChecklistPublished(c) => format!("检查表：{}（第 {} 版）", c.name, c.version),
    }
}
