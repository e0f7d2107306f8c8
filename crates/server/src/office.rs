//! The office's API, first part: people, devices and reference data (records and decisions are
//! in `records`). Every route here is for office staff (admins for people and units) and only
//! ever shows or touches what belongs to the caller's unit and the units below it: every write
//! is decided by the access model (`xuncha_domain::access`), so no office takes over another
//! unit's reach, site or checklist, re-parents a unit outside its subtree or makes a new root.

use crate::app::AppState;
use crate::auth::{self, AuthAdmin, AuthOffice};
use crate::db::Storage;
use crate::error::Error;
use crate::extract::{Body, PathOf};
use crate::scope;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use xuncha_domain::access::{self, Filed, Write};
use xuncha_domain::payload::Payload;
use xuncha_domain::people::{Role, Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::state::AggregateState;
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
    body: Body<Unit>,
) -> Result<Json<Event>, Error> {
    let Body(unit) = body;
    let chain = st.chain.clone();
    let event = st
        .db
        .write(move |s| {
            let units = s.units()?;
            if let Some(parent) = unit.parent
                && !units.iter().any(|u| u.id == parent)
            {
                return Err(Error::unprocessable("unknown_parent", "上级单位不存在"));
            }
            let old = units
                .iter()
                .find(|u| u.id == unit.id)
                .cloned()
                .map(AggregateState::Unit);
            let record = old.as_ref().map(|state| Filed {
                unit: Some(unit.id),
                owner: None,
                state: Some(state),
            });
            let payload = Payload::UnitDefined(unit.clone());
            allowed(&admin, &payload, record, &units)?;
            // Codes are unique (they number documents): another unit's code is the caller's
            // mistake to fix, not a constraint failure inside the storage.
            if let Some(holder) = units.iter().find(|u| u.code == unit.code && u.id != unit.id) {
                return Err(Error::conflict(
                    "unit_code_taken",
                    format!("单位代码 {} 已由 {} 使用", unit.code, holder.name),
                ));
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
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub unit: UnitId,
    pub roles: Vec<Role>,
    pub password: String,
    /// The person's first day of work, when records may first be entered late for them
    /// (补录); absent: today.
    #[serde(default)]
    pub active_from: Option<UnixMs>,
}

/// Creates a user (admins), and a `UserDefined` event so devices of the unit know the name.
pub async fn create_user(
    State(st): State<AppState>,
    AuthAdmin(admin): AuthAdmin,
    body: Body<NewUser>,
) -> Result<Json<User>, Error> {
    let Body(req) = body;
    if req.password.chars().count() < 8 {
        return Err(Error::unprocessable("weak_password", "密码至少 8 位"));
    }
    let now = UnixMs(crate::now_ms());
    if let Some(t) = req.active_from
        && !st.limits.clock_window.admits(t, now)
    {
        return Err(Error::unprocessable(
            "bad_active_from",
            "在岗起始时间无效：须在 2000 年之后，且不晚于今天",
        ));
    }
    let user = User {
        active_from: Some(req.active_from.unwrap_or(now)),
        id: UserId::new(),
        name: req.name,
        login: req.login,
        unit: req.unit,
        roles: req.roles,
    };
    let (me, payload) = (admin.clone(), Payload::UserDefined(user.clone()));
    st.db
        .read(move |s| allowed(&me, &payload, None, &s.units()?))
        .await?;
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

/// User `id` if it belongs to `me`'s unit or one below (404 otherwise: no hint that it exists).
fn user_of_units(s: &mut dyn crate::db::Storage, me: &User, id: UserId) -> Result<crate::db::UserRow, Error> {
    let units = units_of(s, me)?;
    s.user_by_id(id)?
        .filter(|u| units.contains(&u.user.unit))
        .ok_or_else(|| Error::NotFound("没有此用户".into()))
}

/// A new password, made by the server and shown once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PasswordReset {
    pub login: String,
    pub password: String,
}

/// Gives a user of the admin's units a new password, made here and answered once; their office
/// sessions end (their devices keep their tokens: a phone in the field is not cut off).
pub async fn reset_password(
    State(st): State<AppState>,
    AuthAdmin(admin): AuthAdmin,
    path: PathOf<UserId>,
) -> Result<Json<PasswordReset>, Error> {
    let PathOf(id) = path;
    let password = crate::demo::random_password()?;
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|e| Error::Internal(format!("hash task: {e}")))??
    };
    let login = st
        .db
        .write(move |s| {
            let row = user_of_units(s, &admin, id)?;
            s.user_set_password(id, &hash, crate::now_ms())?;
            Ok(row.user.login)
        })
        .await?;
    tracing::info!(user = %login, "password reset");
    Ok(Json(PasswordReset { login, password }))
}

/// Disables a user of the admin's units: every session and device token of theirs is refused
/// from now on; their records stay.
pub async fn disable_user(
    State(st): State<AppState>,
    AuthAdmin(admin): AuthAdmin,
    path: PathOf<UserId>,
) -> Result<Json<User>, Error> {
    let PathOf(id) = path;
    let user = st
        .db
        .write(move |s| {
            let row = user_of_units(s, &admin, id)?;
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
    path: PathOf<DeviceId>,
) -> Result<Json<DeviceInfo>, Error> {
    let PathOf(id) = path;
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

/// The access model's answer for an office write, as the API's error: 403 with who may.
pub(crate) fn allowed(
    me: &User,
    payload: &Payload,
    record: Option<Filed<'_>>,
    units: &[Unit],
) -> Result<(), Error> {
    let write = Write {
        payload,
        author: Some(me.id),
        record,
        parent: None,
    };
    access::authorise(me, &write, units).map_err(|r| Error::Forbidden(r.message))
}

/// Where a piece of reference data already on file belongs. A reach or site by its unit; a
/// checklist (filed under no unit, since every unit below uses it) by the unit of whoever
/// first published it, or the top of the tree when the operator seeded it.
fn reference_home(
    s: &mut dyn Storage,
    payload: &Payload,
    units: &[Unit],
    me: &User,
) -> Result<Option<UnitId>, Error> {
    let aggregate = payload.aggregate();
    let Some(row) = s.aggregate_get(aggregate)? else {
        return Ok(None);
    };
    if !matches!(payload, Payload::ChecklistPublished(_)) {
        return Ok(row.unit);
    }
    let mut first: Option<Event> = None;
    for (body, _) in s.aggregate_events(aggregate)? {
        let e = crate::fold::parse_event(&body)?;
        if first.as_ref().is_none_or(|f| e.order_key() < f.order_key()) {
            first = Some(e);
        }
    }
    let publisher = match first.and_then(|e| e.author) {
        Some(a) => s.user_by_id(a)?.map(|r| r.user.unit),
        None => None,
    };
    Ok(Some(publisher.unwrap_or_else(|| {
        scope::above(units, me.unit).last().copied().unwrap_or(me.unit)
    })))
}

async fn publish(st: &AppState, payload: Payload, me: User) -> Result<Event, Error> {
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            let units = s.units()?;
            let home = reference_home(s, &payload, &units, &me)?;
            let record = home.map(|unit| Filed {
                unit: Some(unit),
                owner: None,
                state: None,
            });
            allowed(&me, &payload, record, &units)?;
            chain.append(s, payload, Some(me.id), UnixMs(crate::now_ms()))
        })
        .await
}

/// Reference data an office publishes for its units: the event it becomes.
pub trait Reference: serde::de::DeserializeOwned + Send + 'static {
    fn payload(self) -> Payload;
}

impl Reference for Reach {
    fn payload(self) -> Payload {
        Payload::ReachDefined(self)
    }
}

impl Reference for Site {
    fn payload(self) -> Payload {
        Payload::SiteDefined(self)
    }
}

impl Reference for ChecklistTemplate {
    fn payload(self) -> Payload {
        Payload::ChecklistPublished(self)
    }
}

impl Reference for xuncha_domain::rules::PatrolRules {
    fn payload(self) -> Payload {
        Payload::PatrolRulesPublished(self)
    }
}

/// `POST /api/v1/office/reaches|sites|checklists`: reference data `R`, published by the
/// signed-in office for a unit it manages.
pub async fn publish_reference<R: Reference>(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    Body(data): Body<R>,
) -> Result<Json<Event>, Error> {
    publish(&st, data.payload(), me).await.map(Json)
}
