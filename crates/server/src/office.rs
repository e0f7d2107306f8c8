//! The office's API, first part: people, devices and reference data (records and decisions are
//! in `records`). Every route here is for office staff (admins for people and units) and only
//! ever shows or touches what belongs to the caller's unit and the units below it.

use crate::app::AppState;
use crate::auth::{self, AuthAdmin, AuthOffice};
use crate::db::Storage;
use crate::error::Error;
use crate::scope;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use xuncha_domain::payload::Payload;
use xuncha_domain::people::{Role, Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::{DeviceId, Event, UnitId, UnixMs, UserId};

pub(crate) fn units_of(s: &mut dyn Storage, user: &User) -> Result<Vec<UnitId>, Error> {
    Ok(scope::below(&s.units()?, user.unit))
}

// ---- people and devices --------------------------------------------------------------------

pub async fn list_units(
    State(st): State<AppState>,
    AuthOffice(_): AuthOffice,
) -> Result<Json<Vec<Unit>>, Error> {
    Ok(Json(st.db.read(|s| s.units()).await?))
}

/// Creates or updates a unit (admins): the units table and a `UnitDefined` event.
pub async fn define_unit(
    State(st): State<AppState>,
    AuthAdmin(admin): AuthAdmin,
    body: Result<Json<Unit>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let Json(unit) = body?;
    let chain = st.chain.clone();
    let event = st
        .db
        .write(move |s| {
            if let Some(parent) = unit.parent
                && !s.units()?.iter().any(|u| u.id == parent)
            {
                return Err(Error::unprocessable("unknown_parent", "上级单位不存在"));
            }
            s.unit_upsert(&unit)?;
            chain.append(
                s,
                Payload::UnitDefined(unit),
                Some(admin.id),
                UnixMs(crate::now_ms()),
            )
        })
        .await?;
    Ok(Json(event))
}

pub async fn list_users(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
) -> Result<Json<Vec<User>>, Error> {
    Ok(Json(
        st.db
            .read(move |s| {
                let units = units_of(s, &me)?;
                Ok(s.users()?
                    .into_iter()
                    .filter(|u| units.contains(&u.unit))
                    .collect())
            })
            .await?,
    ))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub unit: UnitId,
    pub roles: Vec<Role>,
    pub password: String,
}

/// Creates a user (admins), and a `UserDefined` event so devices of the unit know the name.
pub async fn create_user(
    State(st): State<AppState>,
    AuthAdmin(admin): AuthAdmin,
    body: Result<Json<NewUser>, JsonRejection>,
) -> Result<Json<User>, Error> {
    let Json(req) = body?;
    if req.password.chars().count() < 8 {
        return Err(Error::unprocessable("weak_password", "密码至少 8 位"));
    }
    let unit = req.unit;
    let me = admin.clone();
    let mine = st.db.read(move |s| Ok(units_of(s, &me)?.contains(&unit))).await?;
    if !mine {
        return Err(Error::Forbidden("只能在本单位及下级单位创建用户".into()));
    }
    let user = User {
        id: UserId::new(),
        name: req.name,
        login: req.login,
        unit: req.unit,
        roles: req.roles,
    };
    create_user_with_password(&st, user, req.password, Some(admin.id))
        .await
        .map(Json)
}

/// Inserts a user with an argon2 hash of `password`; 409 when the login is taken.
pub async fn create_user_with_password(
    st: &AppState,
    user: User,
    password: String,
    author: Option<UserId>,
) -> Result<User, Error> {
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("hash task: {e}")))??;
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            if !s.units()?.iter().any(|u| u.id == user.unit) {
                return Err(Error::unprocessable("unknown_unit", "单位不存在"));
            }
            if !s.user_insert(&user, &hash)? {
                return Err(Error::conflict(
                    "login_taken",
                    format!("登录名 {} 已被使用", user.login),
                ));
            }
            chain.append(
                s,
                Payload::UserDefined(user.clone()),
                author,
                UnixMs(crate::now_ms()),
            )?;
            Ok(user)
        })
        .await
}

/// Disables a user of the admin's units: every session and device token of theirs is refused
/// from now on; their records stay.
pub async fn disable_user(
    State(st): State<AppState>,
    AuthAdmin(admin): AuthAdmin,
    path: Result<Path<UserId>, PathRejection>,
) -> Result<Json<User>, Error> {
    let Path(id) = path?;
    let user = st
        .db
        .write(move |s| {
            let units = units_of(s, &admin)?;
            let row = s
                .user_by_id(id)?
                .filter(|u| units.contains(&u.user.unit))
                .ok_or_else(|| Error::NotFound("没有此用户".into()))?;
            if row.user.id == admin.id {
                return Err(Error::unprocessable("self_disable", "不能停用自己"));
            }
            s.user_set_disabled(id, true)?;
            Ok(row.user)
        })
        .await?;
    tracing::info!(user = %user.login, "user disabled");
    Ok(Json(user))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub user: Option<UserId>,
    pub name: String,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    pub head_seq: Option<u64>,
}

pub async fn list_devices(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
) -> Result<Json<Vec<DeviceInfo>>, Error> {
    let devices = st
        .db
        .read(move |s| {
            let units = units_of(s, &me)?;
            let users: Vec<UserId> = s
                .users()?
                .into_iter()
                .filter(|u| units.contains(&u.unit))
                .map(|u| u.id)
                .collect();
            Ok(s.devices()?
                .into_iter()
                .filter(|d| d.user.is_some_and(|u| users.contains(&u)))
                .map(|d| DeviceInfo {
                    id: d.id,
                    user: d.user,
                    name: d.name,
                    enrolled_at: d.enrolled_at,
                    revoked_at: d.revoked_at,
                    head_seq: d.head.map(|h| h.seq),
                })
                .collect())
        })
        .await?;
    Ok(Json(devices))
}

/// Revokes a device's token; its events stay.
pub async fn revoke_device(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<DeviceId>, PathRejection>,
) -> Result<Json<DeviceInfo>, Error> {
    let Path(id) = path?;
    let info = st
        .db
        .write(move |s| {
            let units = units_of(s, &me)?;
            let device = s
                .device_lock(id)?
                .ok_or_else(|| Error::NotFound("没有此设备".into()))?;
            let owner = match device.user {
                Some(u) => s.user_by_id(u)?,
                None => None,
            };
            if !owner.is_some_and(|o| units.contains(&o.user.unit)) {
                return Err(Error::NotFound("没有此设备".into()));
            }
            let at = crate::now_ms();
            s.device_revoke(id, at)?;
            Ok(DeviceInfo {
                id,
                user: device.user,
                name: device.name,
                enrolled_at: device.enrolled_at,
                revoked_at: Some(device.revoked_at.unwrap_or(at)),
                head_seq: device.head.map(|h| h.seq),
            })
        })
        .await?;
    tracing::info!(device = %id, "device revoked");
    Ok(Json(info))
}

// ---- reference data ------------------------------------------------------------------------

async fn publish(
    st: &AppState,
    author: UserId,
    payload: Payload,
    unit: Option<UnitId>,
    me: User,
) -> Result<Event, Error> {
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            if let Some(unit) = unit
                && !units_of(s, &me)?.contains(&unit)
            {
                return Err(Error::Forbidden("只能为本单位及下级单位发布".into()));
            }
            chain.append(s, payload, Some(author), UnixMs(crate::now_ms()))
        })
        .await
}

pub async fn define_reach(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    body: Result<Json<Reach>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let Json(reach) = body?;
    let unit = Some(reach.unit);
    publish(&st, me.id, Payload::ReachDefined(reach), unit, me)
        .await
        .map(Json)
}

pub async fn define_site(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    body: Result<Json<Site>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let Json(site) = body?;
    let unit = Some(site.unit);
    publish(&st, me.id, Payload::SiteDefined(site), unit, me)
        .await
        .map(Json)
}

pub async fn publish_checklist(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    body: Result<Json<ChecklistTemplate>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let Json(checklist) = body?;
    publish(&st, me.id, Payload::ChecklistPublished(checklist), None, me)
        .await
        .map(Json)
}
