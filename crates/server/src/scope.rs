//! Who may see what, from the unit tree and a user's roles. Office staff and admins see every
//! record of their unit and the units below it; a field worker (river chief, inspector,
//! patroller) sees their jurisdiction's reference data — their unit, the units above it (rules,
//! checklists), the units below it (sites, reaches) and every reach naming them as a chief —
//! and the office's decisions on their own records; no record of a sibling unit. Pure: reads
//! no database.

use crate::db::Visibility;
use xuncha_domain::people::{Role, Unit, User};
use xuncha_domain::reference::Reach;
use xuncha_domain::{DeviceId, UnitId, UserId};

pub fn is_office(user: &User) -> bool {
    user.roles.iter().any(|r| matches!(r, Role::Office | Role::Admin))
}

pub fn is_admin(user: &User) -> bool {
    user.roles.contains(&Role::Admin)
}

/// `root` and every unit below it.
pub fn below(units: &[Unit], root: UnitId) -> Vec<UnitId> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        for u in units {
            if u.parent == Some(parent) && !out.contains(&u.id) {
                out.push(u.id);
            }
        }
        i += 1;
    }
    out
}

/// `unit` and every unit above it.
pub fn above(units: &[Unit], unit: UnitId) -> Vec<UnitId> {
    let mut out = vec![unit];
    let mut at = unit;
    while let Some(parent) = units.iter().find(|u| u.id == at).and_then(|u| u.parent) {
        if out.contains(&parent) {
            break; // a cycle in the tree: stop rather than loop
        }
        out.push(parent);
        at = parent;
    }
    out
}

/// What `user` may pull from the log. `reaches` are the reaches on file; those naming the user
/// among their chiefs reach them wherever they are filed.
pub fn visibility(units: &[Unit], reaches: &[Reach], user: &User, server_device: DeviceId) -> Visibility {
    if is_office(user) {
        Visibility::Units(below(units, user.unit))
    } else {
        let mut jurisdiction = above(units, user.unit);
        for u in below(units, user.unit) {
            if !jurisdiction.contains(&u) {
                jurisdiction.push(u);
            }
        }
        Visibility::Field {
            units: jurisdiction,
            reaches: reaches
                .iter()
                .filter(|r| r.chiefs.contains(&user.id))
                .map(|r| r.id.0)
                .collect(),
            owner: user.id,
            server_device,
        }
    }
}

/// Whether `user` may see a record of `unit` made by `owner`.
pub fn may_see_record(units: &[Unit], user: &User, unit: Option<UnitId>, owner: Option<UserId>) -> bool {
    if owner == Some(user.id) {
        return true;
    }
    is_office(user) && unit.is_some_and(|u| below(units, user.unit).contains(&u))
}

/// The units an office list covers: `asked` and the units below it when it is the caller's
/// unit or below (403 otherwise), else the caller's own unit and those below.
pub fn asked_or_mine(
    units: &[Unit],
    mine: UnitId,
    asked: Option<UnitId>,
) -> Result<Vec<UnitId>, crate::error::Error> {
    let all_mine = below(units, mine);
    match asked {
        Some(u) if all_mine.contains(&u) => Ok(below(units, u)),
        Some(_) => Err(crate::error::Error::Forbidden(
            "只能查看本单位及下级单位的记录".into(),
        )),
        None => Ok(all_mine),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xuncha_domain::people::UnitKind;

    fn unit(name: &str, parent: Option<UnitId>) -> Unit {
        Unit {
            id: UnitId::new(),
            name: name.into(),
            kind: if parent.is_some() {
                UnitKind::Brigade
            } else {
                UnitKind::Subdistrict
            },
            parent,
            code: name.into(),
        }
    }

    #[test]
    fn a_subdistrict_office_reaches_its_brigades_and_a_brigade_reaches_only_upwards() {
        let street = unit("street", None);
        let b1 = unit("b1", Some(street.id));
        let b2 = unit("b2", Some(street.id));
        let units = vec![street.clone(), b1.clone(), b2.clone()];
        let mut below_street = below(&units, street.id);
        below_street.sort();
        let mut all = vec![street.id, b1.id, b2.id];
        all.sort();
        assert_eq!(below_street, all);
        assert_eq!(above(&units, b1.id), vec![b1.id, street.id]);
        assert!(!above(&units, b1.id).contains(&b2.id));
    }
}
