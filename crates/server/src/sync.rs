//! The device side of the API: enrolment, sign-in, push and pull. Handlers only translate
//! between HTTP and the rules in `ingest`, `scope` and the storage; they decide nothing.

use crate::app::AppState;
use crate::auth::{self, AuthDevice};
use crate::db::DeviceRow;
use crate::error::Error;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use xuncha_domain::UnixMs;
use xuncha_domain::people::User;
use xuncha_domain::wire::{
    EnrolRequest, EnrolResponse, MAX_PULL_EVENTS, MAX_PUSH_EVENTS, PullRequest, PullResponse, PulledEvent,
    PushResponse,
};

/// At most this many argon2 checks run at once, so a flood of sign-ins cannot take every core.
static PASSWORD_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Checks a login and password; the argon2 work runs off the async threads.
pub async fn sign_in(st: &AppState, login: String, password: String) -> Result<User, Error> {
    let _permit = PASSWORD_CHECKS
        .acquire()
        .await
        .map_err(|_| Error::Internal("password check semaphore closed".into()))?;
    let row = st.db.read(move |s| s.user_by_login(&login)).await?;
    let Some(row) = row else {
        return Err(Error::BadCredentials);
    };
    let hash = row.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| Error::Internal(format!("password task: {e}")))?;
    if !ok || row.disabled {
        return Err(Error::BadCredentials);
    }
    Ok(row.user)
}

pub async fn enrol(
    State(st): State<AppState>,
    body: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<Json<EnrolResponse>, Error> {
    let Json(req) = body?;
    if req.device_name.trim().is_empty() || req.device_name.chars().count() > 200 {
        return Err(Error::unprocessable(
            "bad_device_name",
            "设备名称必填，最多 200 字",
        ));
    }
    let user = sign_in(&st, req.login, req.password).await?;
    let token = auth::new_token(auth::DEVICE_TOKEN_PREFIX)?;
    let hash = auth::token_hash(&token);
    // The device chose its id when its store was created (its events may predate this). A
    // device signing in again keeps its id and chain; an id held by another key is refused.
    let id = req.device;
    let device = DeviceRow {
        id,
        user: Some(user.id),
        name: req.device_name,
        public_key: req.public_key,
        enrolled_at: crate::now_ms(),
        revoked_at: None,
        head: None,
    };
    let user_id = user.id;
    st.db
        .write(move |s| match s.device_lock(id)? {
            None => s.device_insert(&device, Some(&hash)),
            Some(known) if known.public_key != device.public_key => Err(Error::Conflict {
                code: "device_id_taken",
                message: "该设备编号已由另一把密钥登记；请勿复制设备数据，或联系管理员".into(),
            }),
            Some(known) if known.revoked_at.is_some() => {
                Err(Error::Revoked("该设备已被注销，不能再登录；请联系管理员".into()))
            }
            Some(_) => {
                s.device_reenrol(id, user_id, &device.name, &hash)?;
                Ok(())
            }
        })
        .await?;
    tracing::info!(device = %id, user = %user.login, "device enrolled");
    Ok(Json(EnrolResponse {
        device: id,
        token,
        user,
        server_device: st.chain.device,
        server_public_key: st.chain.public_key(),
    }))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionRequest {
    pub login: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionResponse {
    pub token: String,
    pub user: User,
}

/// Signs a user in for the office API.
pub async fn session(
    State(st): State<AppState>,
    body: Result<Json<SessionRequest>, JsonRejection>,
) -> Result<Json<SessionResponse>, Error> {
    let Json(req) = body?;
    let user = sign_in(&st, req.login, req.password).await?;
    let token = auth::new_token(auth::SESSION_TOKEN_PREFIX)?;
    let hash = auth::token_hash(&token);
    let id = user.id;
    st.db
        .write(move |s| s.session_insert(&hash, id, crate::now_ms()))
        .await?;
    Ok(Json(SessionResponse { token, user }))
}

/// Ends the caller's session: its token stops working at once.
pub async fn sign_out(
    State(st): State<AppState>,
    auth: crate::auth::AuthUser,
) -> Result<axum::http::StatusCode, Error> {
    let h = auth.session;
    st.db
        .write(move |s| s.session_revoke(&h, crate::now_ms()))
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A push as read off the wire: each event is read on its own later, so one unreadable event
/// is answered for itself instead of failing the batch.
#[derive(Deserialize)]
pub struct RawPush {
    pub events: Vec<serde_json::Value>,
}

pub async fn push(
    State(st): State<AppState>,
    auth: AuthDevice,
    body: Result<Json<RawPush>, JsonRejection>,
) -> Result<Json<PushResponse>, Error> {
    let Json(req) = body?;
    if req.events.len() > MAX_PUSH_EVENTS {
        return Err(Error::TooLarge(format!(
            "一次最多推送 {MAX_PUSH_EVENTS} 个事件，本次 {} 个",
            req.events.len()
        )));
    }
    let now = UnixMs(crate::now_ms());
    let device = auth.device.id;
    let user = auth.user;
    let answer = st
        .db
        .write(move |s| crate::ingest::push(s, device, &user, &req.events, now))
        .await?;
    Ok(Json(answer))
}

pub async fn pull(
    State(st): State<AppState>,
    auth: AuthDevice,
    query: Result<Query<PullRequest>, QueryRejection>,
) -> Result<Json<PullResponse>, Error> {
    let Query(req) = query?;
    let limit = req.limit.unwrap_or(500).clamp(1, MAX_PULL_EVENTS);
    let after = i64::try_from(req.after).map_err(|_| Error::bad_request("bad_cursor", "游标太大"))?;
    let server_device = st.chain.device;
    let user = auth.user;
    let rows = st
        .db
        .read(move |s| {
            let units = s.units()?;
            let visibility = crate::scope::visibility(&units, &user, server_device);
            s.events_after(after, &visibility, limit + 1)
        })
        .await?;
    let more = rows.len() > limit as usize;
    let mut events = Vec::with_capacity(rows.len().min(limit as usize));
    for (cursor, body) in rows.into_iter().take(limit as usize) {
        events.push(PulledEvent {
            cursor: cursor as u64,
            event: crate::fold::parse_event(&body)?,
        });
    }
    let cursor = events.last().map_or(req.after, |e| e.cursor);
    Ok(Json(PullResponse { events, cursor, more }))
}
