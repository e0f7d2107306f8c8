//! Who may write what: one pure rule, applied by the server to every pushed event and every
//! office decision, and by the device's core before it appends. It decides from the principal
//! (the signed-in user, their roles and unit), the record as already filed (owner, unit, state)
//! and the unit tree — never from what the payload claims about who wrote it or where it
//! belongs: a payload naming another patroller, inspector, unit or author is refused. The
//! lifecycle (a finding is verified only after it is rectified) stays with `state::apply`;
//! this module never reads storage and never folds. See docs/ACCESS.md.

use crate::id::{UnitId, UserId};
use crate::payload::{AggregateKind, AggregateRef, PatrolKind, Payload, PhotoRole, PhotoTarget, RecordRef};
use crate::people::{Role, Unit, User};
use crate::state::{AggregateState, Rejection};

/// The code every refusal of this module carries.
pub const NOT_AUTHORISED: &str = "not_authorised";

/// The unit tree as the caller knows it.
pub trait UnitTree {
    /// Whether `unit` is `root` or lies below it.
    fn within(&self, unit: UnitId, root: UnitId) -> bool;
}

impl<F: Fn(UnitId, UnitId) -> bool> UnitTree for F {
    fn within(&self, unit: UnitId, root: UnitId) -> bool {
        self(unit, root)
    }
}

impl UnitTree for [Unit] {
    fn within(&self, unit: UnitId, root: UnitId) -> bool {
        let mut at = unit;
        // A tree deeper than the list is long has a cycle: stop rather than loop.
        for _ in 0..=self.len() {
            if at == root {
                return true;
            }
            match self.iter().find(|u| u.id == at).and_then(|u| u.parent) {
                Some(parent) => at = parent,
                None => return false,
            }
        }
        false
    }
}

/// Where an existing record is filed and what it is now.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filed<'a> {
    pub unit: Option<UnitId>,
    pub owner: Option<UserId>,
    pub state: Option<&'a AggregateState>,
}

/// One write to decide.
#[derive(Clone, Copy, Debug)]
pub struct Write<'a> {
    pub payload: &'a Payload,
    /// The author the event's envelope names.
    pub author: Option<UserId>,
    /// The record the event is about, if it exists already (`Payload::aggregate`).
    pub record: Option<Filed<'a>>,
    /// For a finding being reported: the patrol or inspection it is made on, if known
    /// (`parent_of`).
    pub parent: Option<Filed<'a>>,
}

/// The record a new finding is made on; the caller looks it up and passes it as `parent`.
pub fn parent_of(payload: &Payload) -> Option<AggregateRef> {
    match payload {
        Payload::FindingReported(f) => Some(match f.record {
            RecordRef::Patrol(p) => AggregateRef {
                kind: AggregateKind::Patrol,
                id: p.0,
            },
            RecordRef::Inspection(i) => AggregateRef {
                kind: AggregateKind::Inspection,
                id: i.0,
            },
        }),
        _ => None,
    }
}

pub fn is_office(who: &User) -> bool {
    who.roles.iter().any(|r| matches!(r, Role::Office | Role::Admin))
}

pub fn is_admin(who: &User) -> bool {
    who.roles.contains(&Role::Admin)
}

fn is_river_chief(who: &User) -> bool {
    who.roles.iter().any(|r| matches!(r, Role::RiverChief { .. }))
}

fn refuse(message: impl Into<String>) -> Result<(), Rejection> {
    Err(Rejection {
        code: NOT_AUTHORISED.to_owned(),
        message: message.into(),
    })
}

fn owns(who: &User, record: Option<Filed<'_>>) -> bool {
    record.is_some_and(|r| r.owner == Some(who.id))
}

/// An office user (or admin) of the record's unit or a unit above it.
fn office_over<T: UnitTree + ?Sized>(who: &User, record: Option<Filed<'_>>, tree: &T) -> bool {
    is_office(who)
        && record
            .and_then(|r| r.unit)
            .is_some_and(|u| tree.within(u, who.unit))
}

/// Ok when `who` may make `write`; otherwise a `not_authorised` rejection that says who may.
pub fn authorise<T: UnitTree + ?Sized>(who: &User, write: &Write<'_>, tree: &T) -> Result<(), Rejection> {
    if write.author != Some(who.id) {
        return refuse("事件的作者必须是登录的用户本人：不能以他人名义记录");
    }
    let record = write.record;
    let p = write.payload;
    match p {
        // ---- starting a workflow: the role's own, in one's own name and unit
        Payload::PatrolStarted(s) => {
            if record.is_some_and(|r| r.owner != Some(who.id)) {
                return refuse("这条巡查记录属于他人");
            }
            if s.patroller != who.id || s.unit != who.unit {
                return refuse("巡查人和单位必须是登录的用户本人及其单位");
            }
            match s.kind {
                PatrolKind::River if !is_river_chief(who) => refuse("只有河湖长可以开始河湖巡查"),
                PatrolKind::FishingBan if !who.roles.contains(&Role::FishingBanPatroller) => {
                    refuse("只有禁捕巡查员可以开始禁捕巡查")
                }
                _ => Ok(()),
            }
        }
        Payload::InspectionStarted(s) => {
            if record.is_some_and(|r| r.owner != Some(who.id)) {
                return refuse("这条检查记录属于他人");
            }
            if s.inspector != who.id || s.unit != who.unit {
                return refuse("检查人员和单位必须是登录的用户本人及其单位");
            }
            if !who.roles.contains(&Role::SafetyInspector) {
                return refuse("只有安全生产检查员可以开始安全检查");
            }
            Ok(())
        }
        Payload::FindingReported(_) => {
            if record.is_some_and(|r| r.owner != Some(who.id)) {
                return refuse("这条问题记录属于他人");
            }
            if !owns(who, write.parent) {
                return refuse("问题只能由记录人记在自己的巡查或检查上");
            }
            Ok(())
        }

        // ---- continuing one's own patrol or inspection
        Payload::TrackPointsAppended(_)
        | Payload::PatrolEnded(_)
        | Payload::BusinessChecked(_)
        | Payload::PublicityTallied(_)
        | Payload::GearSeized(_)
        | Payload::CommitmentLetterSigned(_) => {
            if owns(who, record) {
                Ok(())
            } else {
                refuse("只有巡查人本人可以记录这次巡查")
            }
        }
        Payload::ChecklistAnswered(_)
        | Payload::OnSiteRecordIssued(_)
        | Payload::DocumentSigned(_)
        | Payload::SignatureRefused(_)
        | Payload::InspectionClosed(_) => {
            if owns(who, record) {
                Ok(())
            } else {
                refuse("只有检查人员本人可以记录这次检查")
            }
        }

        // ---- findings
        Payload::PhotoAttached(ph) => {
            let follow_up = matches!(ph.target, PhotoTarget::Finding(_))
                && ph.role == PhotoRole::AfterRectification
                && follows_up(who, record);
            if owns(who, record) || office_over(who, record, tree) || follow_up {
                Ok(())
            } else {
                refuse("只有记录人本人、整改跟进人或所属单位及上级的办公室可以添加照片")
            }
        }
        Payload::FindingAmended(_) => {
            if owns(who, record) || office_over(who, record, tree) {
                Ok(())
            } else {
                refuse("只有记录人本人或所属单位及上级的办公室可以修改问题")
            }
        }
        Payload::RectificationAssigned(_) => {
            let on_site = owns(who, record)
                && who.roles.contains(&Role::SafetyInspector)
                && matches!(
                    record.and_then(|r| r.state),
                    Some(AggregateState::Finding(f)) if matches!(f.record, RecordRef::Inspection(_))
                );
            if office_over(who, record, tree) || on_site {
                Ok(())
            } else {
                refuse("只有问题所属单位或上级单位的办公室（或现场检查的检查人员）可以交办整改")
            }
        }
        Payload::FindingRectified(_) => {
            if owns(who, record) || follows_up(who, record) || office_over(who, record, tree) {
                Ok(())
            } else {
                refuse("只有记录人、整改跟进人或所属单位及上级的办公室可以记录整改")
            }
        }
        Payload::RecordReviewed(_) => {
            if owns(who, record) {
                return refuse("不能审核自己的记录：须由所属单位或上级单位的办公室审核");
            }
            if office_over(who, record, tree) {
                Ok(())
            } else {
                refuse("只有记录所属单位或上级单位的办公室可以审核或退回记录")
            }
        }
        Payload::FindingVerified(_) | Payload::FindingReopened(_) => {
            if owns(who, record) {
                return refuse("不能验收或退回自己上报的问题：须由所属单位或上级单位的办公室决定");
            }
            if office_over(who, record, tree) {
                Ok(())
            } else {
                refuse("只有问题所属单位或上级单位的办公室可以验收或退回")
            }
        }

        // ---- reference data and the unit tree: only inside the caller's subtree
        Payload::UnitDefined(u) => {
            if !is_admin(who) {
                return refuse("只有管理员可以定义单位");
            }
            if u.id == who.unit {
                // One's own unit may be renamed but never moved: that would carry the whole
                // subtree elsewhere, or make it a new root.
                let old_parent = match record.and_then(|r| r.state) {
                    Some(AggregateState::Unit(old)) => old.parent,
                    _ => None,
                };
                if record.is_none() || old_parent != u.parent {
                    return refuse("不能移动自己所在的单位：请由上级单位的管理员调整");
                }
                return Ok(());
            }
            if record.is_some() && !tree.within(u.id, who.unit) {
                return refuse("只能修改本单位及下级单位");
            }
            let Some(parent) = u.parent else {
                return refuse("不能通过接口建立顶级单位：请由运维人员用 xuncha-server admin create 建立");
            };
            if !tree.within(parent, who.unit) {
                return refuse("上级单位必须是本单位或其下级单位");
            }
            if record.is_some() && tree.within(parent, u.id) {
                return refuse("不能把单位移到它自己的下级单位之下");
            }
            Ok(())
        }
        Payload::UserDefined(u) => {
            if !is_admin(who) {
                return refuse("只有管理员可以定义用户");
            }
            let old_in_subtree = record.is_none_or(|r| r.unit.is_some_and(|x| tree.within(x, who.unit)));
            if !tree.within(u.unit, who.unit) || !old_in_subtree {
                return refuse("只能在本单位及下级单位定义用户");
            }
            Ok(())
        }
        Payload::ReachDefined(_)
        | Payload::SiteDefined(_)
        | Payload::ChecklistPublished(_)
        | Payload::PatrolRulesPublished(_) => {
            if !is_office(who) {
                return refuse("只有办公室可以发布河段、场所、检查表和巡河规则");
            }
            let new_unit = match p {
                Payload::ReachDefined(r) => Some(r.unit),
                Payload::SiteDefined(s) => Some(s.unit),
                Payload::PatrolRulesPublished(r) => Some(r.unit),
                _ => None,
            };
            if new_unit.is_some_and(|u| !tree.within(u, who.unit)) {
                return refuse("只能为本单位及下级单位发布");
            }
            if record
                .and_then(|r| r.unit)
                .is_some_and(|u| !tree.within(u, who.unit))
            {
                return refuse("这份资料属于其他单位或上级单位，只能由该单位的办公室修改");
            }
            Ok(())
        }
    }
}

/// The user a finding's rectification is assigned to follow it up.
fn follows_up(who: &User, record: Option<Filed<'_>>) -> bool {
    matches!(
        record.and_then(|r| r.state),
        Some(AggregateState::Finding(f)) if f.assignment.as_ref().is_some_and(|a| a.follow_up_by == Some(who.id))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::UnitKind;

    fn unit(code: &str, parent: Option<UnitId>) -> Unit {
        Unit {
            id: UnitId::new(),
            name: code.into(),
            kind: UnitKind::Brigade,
            parent,
            code: code.into(),
        }
    }

    fn admin_of(unit: &Unit) -> User {
        User {
            active_from: None,
            id: UserId::new(),
            name: "管理员".into(),
            login: "admin".into(),
            unit: unit.id,
            roles: vec![Role::Admin],
        }
    }

    fn define(who: &User, u: &Unit, old: Option<&AggregateState>, tree: &[Unit]) -> Result<(), Rejection> {
        let payload = Payload::UnitDefined(u.clone());
        let write = Write {
            payload: &payload,
            author: Some(who.id),
            record: old.map(|state| Filed {
                unit: Some(u.id),
                owner: None,
                state: Some(state),
            }),
            parent: None,
        };
        authorise(who, &write, tree)
    }

    #[test]
    fn the_unit_tree_changes_only_inside_the_admins_subtree() {
        let street = unit("S", None);
        let b1 = unit("S-1", Some(street.id));
        let b2 = unit("S-2", Some(street.id));
        let tree = vec![street.clone(), b1.clone(), b2.clone()];
        let (top, brigade) = (admin_of(&street), admin_of(&b1));
        let state = |u: &Unit| AggregateState::Unit(u.clone());

        // The top admin renames the root and adds a community under a brigade.
        let mut renamed = street.clone();
        renamed.name = "新街道".into();
        assert!(define(&top, &renamed, Some(&state(&street)), &tree).is_ok());
        assert!(define(&top, &unit("S-1-1", Some(b1.id)), None, &tree).is_ok());
        // Nobody makes a root through here, nor moves a unit under its own descendant.
        assert!(define(&top, &unit("X", None), None, &tree).is_err());
        let mut under_child = b1.clone();
        under_child.parent = Some(b1.id);
        assert!(define(&top, &under_child, Some(&state(&b1)), &tree).is_err());
        // A brigade's admin neither re-parents the sibling nor moves his own brigade.
        let mut sibling = b2.clone();
        sibling.parent = Some(b1.id);
        assert!(define(&brigade, &sibling, Some(&state(&b2)), &tree).is_err());
        let mut own = b1.clone();
        own.parent = Some(b2.id);
        assert!(define(&brigade, &own, Some(&state(&b1)), &tree).is_err());
        assert!(define(&brigade, &unit("S-1-2", Some(b2.id)), None, &tree).is_err());
    }

    #[test]
    fn a_cycle_in_the_unit_list_does_not_loop() {
        let mut a = unit("A", None);
        let b = unit("B", Some(a.id));
        a.parent = Some(b.id);
        let tree = vec![a.clone(), b.clone()];
        assert!(!tree.as_slice().within(a.id, UnitId::new()));
        assert!(tree.as_slice().within(a.id, b.id));
    }
}
