//! What each event of a timeline says, as a code and the fields its words need: the UI words it
//! in the reader's language (`ui/src/lib/timelinewords.ts`), the CLI in Chinese
//! (`TimelineEvent::zh`). The core never sends sentences for a screen.

use serde::{Deserialize, Serialize};
use xuncha_domain::catalogue;
use xuncha_domain::payload::*;

/// One event of a timeline, by what it did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TimelineEvent {
    PatrolStarted {
        kind: PatrolKind,
    },
    TrackPointsAppended {
        points: u64,
    },
    /// `notes` empty when none were written.
    PatrolEnded {
        notes: String,
    },
    BusinessChecked {
        outcome: CheckOutcome,
    },
    PublicityTallied {
        tally: Publicity,
    },
    GearSeized {
        description: String,
        quantity: u32,
    },
    CommitmentLetterSigned {
        signer_name: String,
    },
    InspectionStarted,
    ChecklistAnswered {
        item: String,
        answer: Answer,
    },
    OnSiteRecordIssued {
        number: String,
    },
    DocumentSigned {
        role: SignerRole,
        signer_name: String,
    },
    SignatureRefused {
        witness_name: String,
    },
    InspectionClosed,
    /// `category` is the catalogue's code.
    FindingReported {
        category: String,
        description: String,
    },
    FindingAmended,
    PhotoAttached {
        role: PhotoRole,
    },
    RectificationAssigned {
        assignee: String,
    },
    FindingRectified {
        note: String,
    },
    FindingVerified,
    FindingReopened {
        reason: String,
    },
    UnitDefined {
        name: String,
    },
    UserDefined {
        name: String,
    },
    ReachDefined {
        name: String,
    },
    SiteDefined {
        name: String,
    },
    ChecklistPublished {
        name: String,
        version: u32,
    },
    PatrolRulesPublished {
        name: String,
        version: u32,
    },
    /// `comment` empty when none was written.
    RecordReviewed {
        decision: ReviewDecision,
        comment: String,
    },
}

impl TimelineEvent {
    pub fn of(p: &Payload) -> TimelineEvent {
        use TimelineEvent as T;
        match p {
            Payload::PatrolStarted(s) => T::PatrolStarted { kind: s.kind },
            Payload::TrackPointsAppended(a) => T::TrackPointsAppended {
                points: a.points.len() as u64,
            },
            Payload::PatrolEnded(e) => T::PatrolEnded {
                notes: e.notes.clone(),
            },
            Payload::BusinessChecked(c) => T::BusinessChecked { outcome: c.outcome },
            Payload::PublicityTallied(t) => T::PublicityTallied {
                tally: t.tally.clone(),
            },
            Payload::GearSeized(g) => T::GearSeized {
                description: g.description.clone(),
                quantity: g.quantity,
            },
            Payload::CommitmentLetterSigned(l) => T::CommitmentLetterSigned {
                signer_name: l.signer_name.clone(),
            },
            Payload::InspectionStarted(_) => T::InspectionStarted,
            Payload::ChecklistAnswered(a) => T::ChecklistAnswered {
                item: a.item.clone(),
                answer: a.answer,
            },
            Payload::OnSiteRecordIssued(r) => T::OnSiteRecordIssued {
                number: r.number.clone(),
            },
            Payload::DocumentSigned(s) => T::DocumentSigned {
                role: s.role,
                signer_name: s.signer_name.clone(),
            },
            Payload::SignatureRefused(r) => T::SignatureRefused {
                witness_name: r.witness_name.clone(),
            },
            Payload::InspectionClosed(_) => T::InspectionClosed,
            Payload::FindingReported(f) => T::FindingReported {
                category: f.category.clone(),
                description: f.description.clone(),
            },
            Payload::FindingAmended(_) => T::FindingAmended,
            Payload::PhotoAttached(p) => T::PhotoAttached { role: p.role },
            Payload::RectificationAssigned(a) => T::RectificationAssigned {
                assignee: a.assignee.clone(),
            },
            Payload::FindingRectified(r) => T::FindingRectified { note: r.note.clone() },
            Payload::FindingVerified(_) => T::FindingVerified,
            Payload::FindingReopened(r) => T::FindingReopened {
                reason: r.reason.clone(),
            },
            Payload::UnitDefined(u) => T::UnitDefined { name: u.name.clone() },
            Payload::UserDefined(u) => T::UserDefined { name: u.name.clone() },
            Payload::ReachDefined(r) => T::ReachDefined { name: r.name.clone() },
            Payload::SiteDefined(s) => T::SiteDefined { name: s.name.clone() },
            Payload::ChecklistPublished(c) => T::ChecklistPublished {
                name: c.name.clone(),
                version: c.version,
            },
            Payload::PatrolRulesPublished(r) => T::PatrolRulesPublished {
                name: r.name.clone(),
                version: r.version,
            },
            Payload::RecordReviewed(r) => T::RecordReviewed {
                decision: r.decision,
                comment: r.comment.clone(),
            },
        }
    }

    /// One line of plain Chinese, for the command line.
    pub fn zh(&self) -> String {
        use TimelineEvent as T;
        match self {
            T::PatrolStarted { kind } => format!("开始{}", kind.label_zh()),
            T::TrackPointsAppended { points } => format!("记录轨迹点 {points} 个"),
            T::PatrolEnded { notes } if notes.is_empty() => "结束巡查".to_owned(),
            T::PatrolEnded { notes } => format!("结束巡查：{notes}"),
            T::BusinessChecked { outcome } => format!(
                "检查经营场所：{}",
                match outcome {
                    CheckOutcome::Compliant => "未发现问题",
                    CheckOutcome::ViolationFound => "发现问题",
                    CheckOutcome::Closed => "未营业",
                }
            ),
            T::PublicityTallied { tally: t } => format!(
                "宣传：横幅 {} 条、标牌 {} 块、通告 {} 份、传单 {} 份",
                t.banners, t.signs, t.notices, t.leaflets
            ),
            T::GearSeized {
                description,
                quantity,
            } => format!("收缴渔具：{description} × {quantity}"),
            T::CommitmentLetterSigned { signer_name } => format!("签订承诺书：{signer_name}"),
            T::InspectionStarted => "开始安全检查".to_owned(),
            T::ChecklistAnswered { item, answer } => format!(
                "检查项 {item}：{}",
                match answer {
                    Answer::Compliant => "符合",
                    Answer::NonCompliant => "不符合",
                    Answer::NotApplicable => "不适用",
                }
            ),
            T::OnSiteRecordIssued { number } => format!("出具现场检查记录 {number}"),
            T::DocumentSigned { role, signer_name } => format!(
                "{}签名：{signer_name}",
                match role {
                    SignerRole::Inspector => "检查人员",
                    SignerRole::InspectedParty => "被检查方",
                    SignerRole::Witness => "见证人",
                }
            ),
            T::SignatureRefused { witness_name } => format!("被检查方拒签（见证人：{witness_name}）"),
            T::InspectionClosed => "结束安全检查".to_owned(),
            T::FindingReported {
                category,
                description,
            } => {
                let name = catalogue::category(category).map_or(category.as_str(), |c| c.name_zh);
                format!("上报{name}：{description}")
            }
            T::FindingAmended => "修改问题信息".to_owned(),
            T::PhotoAttached { role } => match role {
                PhotoRole::Evidence => "添加照片".to_owned(),
                PhotoRole::AfterRectification => "添加整改后照片".to_owned(),
                PhotoRole::Seizure => "添加收缴物照片".to_owned(),
            },
            T::RectificationAssigned { assignee } => format!("交办整改：{assignee}"),
            T::FindingRectified { note } => format!("整改完成：{note}"),
            T::FindingVerified => "验收通过".to_owned(),
            T::FindingReopened { reason } => format!("退回重新整改：{reason}"),
            T::UnitDefined { name } => format!("单位：{name}"),
            T::UserDefined { name } => format!("用户：{name}"),
            T::ReachDefined { name } => format!("河段：{name}"),
            T::SiteDefined { name } => format!("场所：{name}"),
            T::ChecklistPublished { name, version } => format!("检查表：{name}（第 {version} 版）"),
            T::PatrolRulesPublished { name, version } => format!("巡河规则：{name}（第 {version} 版）"),
            T::RecordReviewed { decision, comment } if comment.is_empty() => decision.label_zh().to_owned(),
            T::RecordReviewed { decision, comment } => format!("{}：{comment}", decision.label_zh()),
        }
    }
}
