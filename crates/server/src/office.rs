//! The office's API, first part: people, devices and reference data; records and findings of
//! the office's units with their photos and timelines; and the decisions on findings (assign,
//! verify, reopen), which become events of the server's chain and flow down to devices. Every
//! route here is for office staff (admins for people and units) and only ever shows or touches
//! records of the caller's unit and the units below it.

use crate::app::AppState;
use crate::auth::{self, AuthAdmin, AuthOffice};
use crate::db::Storage;
use crate::error::Error;
use crate::scope;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use xuncha_domain::payload::{
    AggregateKind, AggregateRef, FindingReopened, FindingVerified, Payload, RectificationAssigned,
};
use xuncha_domain::people::{Role, Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::state::AggregateState;
use xuncha_domain::{BlobHash, DeviceId, Event, EventId, FindingId, UnitId, UnixMs, UserId};

fn units_of(s: &mut dyn Storage, user: &User) -> Result<Vec<UnitId>, Error> {
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

// ---- records and findings ------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordSummary {
    pub aggregate: AggregateRef,
    pub unit: Option<UnitId>,
    pub owner: Option<UserId>,
    pub state: AggregateState,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListQuery {
    /// patrol | inspection | finding
    pub kind: Option<String>,
    /// For findings: a `FindingStatus` name (e.g. "reported", "rectified").
    pub status: Option<String>,
    pub limit: Option<u32>,
}

fn kind_of(name: &str) -> Result<AggregateKind, Error> {
    match name {
        "patrol" => Ok(AggregateKind::Patrol),
        "inspection" => Ok(AggregateKind::Inspection),
        "finding" => Ok(AggregateKind::Finding),
        _ => Err(Error::bad_request(
            "bad_kind",
            "kind 只能是 patrol、inspection 或 finding",
        )),
    }
}

/// Records (patrols, inspections) or findings of the caller's units, newest first.
pub async fn list_records(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<RecordSummary>>, Error> {
    let Query(q) = query?;
    let kind = kind_of(q.kind.as_deref().unwrap_or("finding"))?;
    let limit = q.limit.unwrap_or(200).clamp(1, 2_000);
    let rows = st
        .db
        .read(move |s| {
            let units = units_of(s, &me)?;
            s.aggregates_of_units(kind, &units, limit)
        })
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let state = crate::fold::parse_state(&r.state)?;
        if let (Some(status), AggregateState::Finding(f)) = (&q.status, &state)
            && f.status.as_str() != status
        {
            continue;
        }
        out.push(RecordSummary {
            aggregate: r.aggregate,
            unit: r.unit,
            owner: r.owner,
            state,
        });
    }
    Ok(Json(out))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: EventId,
    pub device: DeviceId,
    pub seq: u64,
    pub at_ms: i64,
    pub kind: String,
    /// Why the event was not applied, if it was not.
    pub flag: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordDetail {
    pub record: RecordSummary,
    pub timeline: Vec<TimelineEntry>,
    /// Blobs the record's events name that the server does not hold yet.
    pub missing_blobs: Vec<BlobHash>,
    /// False while any photo or signature is still missing: never shown as complete.
    pub complete: bool,
}

/// One record with its timeline and whether its photos are all in.
pub async fn record_detail(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<(String, uuid::Uuid)>, PathRejection>,
) -> Result<Json<RecordDetail>, Error> {
    let Path((kind, id)) = path?;
    let aggregate = AggregateRef {
        kind: kind_of(&kind)?,
        id,
    };
    let detail = st
        .db
        .read(move |s| {
            let units = units_of(s, &me)?;
            let row = s
                .aggregate_get(aggregate)?
                .filter(|r| r.unit.is_some_and(|u| units.contains(&u)));
            let Some(row) = row else {
                return Err(Error::NotFound("没有这条记录".into()));
            };
            let mut events = Vec::new();
            for (body, flag) in s.aggregate_events(aggregate)? {
                events.push((crate::fold::parse_event(&body)?, flag));
            }
            events.sort_by_key(|(e, _)| e.order_key());
            let mut missing = Vec::new();
            for (e, _) in &events {
                for h in e.payload.blobs() {
                    if !missing.contains(&h) && s.blob_size(&h.to_hex())?.is_none() {
                        missing.push(h);
                    }
                }
            }
            let timeline = events
                .iter()
                .map(|(e, flag)| TimelineEntry {
                    event: e.id,
                    device: e.device,
                    seq: e.seq,
                    at_ms: e.hlc.wall_ms,
                    kind: e.payload.type_name().to_owned(),
                    flag: flag.clone(),
                })
                .collect();
            Ok(RecordDetail {
                record: RecordSummary {
                    aggregate,
                    unit: row.unit,
                    owner: row.owner,
                    state: crate::fold::parse_state(&row.state)?,
                },
                timeline,
                complete: missing.is_empty(),
                missing_blobs: missing,
            })
        })
        .await?;
    Ok(Json(detail))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssignRequest {
    pub assignee: String,
    pub follow_up_by: Option<UserId>,
    pub deadline: UnixMs,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VerifyRequest {
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReopenRequest {
    pub reason: String,
}

async fn decide(st: &AppState, me: User, finding: FindingId, payload: Payload) -> Result<Event, Error> {
    let chain = st.chain.clone();
    st.db
        .write(move |s| {
            let units = units_of(s, &me)?;
            let row = s.aggregate_get(AggregateRef {
                kind: AggregateKind::Finding,
                id: finding.0,
            })?;
            if !row.is_some_and(|r| r.unit.is_some_and(|u| units.contains(&u))) {
                return Err(Error::NotFound("没有这个问题".into()));
            }
            chain.append(s, payload, Some(me.id), UnixMs(crate::now_ms()))
        })
        .await
}

pub async fn assign(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<FindingId>, PathRejection>,
    body: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let (Path(finding), Json(req)) = (path?, body?);
    let payload = Payload::RectificationAssigned(RectificationAssigned {
        finding,
        assignee: req.assignee,
        follow_up_by: req.follow_up_by,
        deadline: req.deadline,
        note: req.note,
    });
    decide(&st, me, finding, payload).await.map(Json)
}

pub async fn verify(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<FindingId>, PathRejection>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let (Path(finding), Json(req)) = (path?, body?);
    let payload = Payload::FindingVerified(FindingVerified {
        finding,
        note: req.note,
        verified_at: UnixMs(crate::now_ms()),
    });
    decide(&st, me, finding, payload).await.map(Json)
}

pub async fn reopen(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    path: Result<Path<FindingId>, PathRejection>,
    body: Result<Json<ReopenRequest>, JsonRejection>,
) -> Result<Json<Event>, Error> {
    let (Path(finding), Json(req)) = (path?, body?);
    let payload = Payload::FindingReopened(FindingReopened {
        finding,
        reason: req.reason,
        at: UnixMs(crate::now_ms()),
    });
    decide(&st, me, finding, payload).await.map(Json)
}
