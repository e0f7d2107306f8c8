//! The device side of the API: enrolment (with proof of the key), sign-in, token refresh and
//! sign-out, push and pull. Handlers only translate between HTTP and the rules in `ingest`,
//! `scope`, `limits` and the storage; they decide nothing else.

use crate::app::AppState;
use crate::auth::{self, AuthDevice, ClientAddress};
use crate::db::DeviceRow;
use crate::error::Error;
use crate::extract::{Body, QueryOf};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use xuncha_domain::UnixMs;
use xuncha_domain::people::User;
use xuncha_domain::wire::{
    EnrolChallenge, EnrolRequest, EnrolResponse, MAX_DEVICE_NAME_CHARS, MAX_LOGIN_CHARS, MAX_PASSWORD_CHARS,
    MAX_PULL_EVENTS, MAX_PUSH_EVENTS, PullRequest, PullResponse, PulledEvent, PushResponse,
    TokenRefreshResponse, enrol_proof_message,
};

/// Checks a login and password. The same work is done whether the login exists or not (an
/// unknown one is checked against a dummy hash), under the sign-in guard's back-off and on its
/// own bounded number of password checks, off the async threads.
pub async fn sign_in(
    st: &AppState,
    login: String,
    password: String,
    address: Option<IpAddr>,
) -> Result<User, Error> {
    if login.chars().count() > MAX_LOGIN_CHARS || password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(Error::unprocessable(
            "bad_credentials_length",
            format!("登录名最多 {MAX_LOGIN_CHARS} 字，密码最多 {MAX_PASSWORD_CHARS} 字"),
        ));
    }
    let guard = &st.rate.sign_in;
    guard.check(&login, address)?;
    let _permit = guard.password_check().await?;
    let lookup = login.clone();
    let row = st.db.read(move |s| s.user_by_login(&lookup)).await?;
    let hash = row.as_ref().map(|r| r.password_hash.clone());
    let rate = st.rate.clone();
    let ok = tokio::task::spawn_blocking(move || {
        rate.sign_in.count_argon2();
        let hash = hash.as_deref().unwrap_or_else(|| auth::dummy_password_hash());
        auth::verify_password(&password, hash)
    })
    .await
    .map_err(|e| Error::Internal(format!("password task: {e}")))?;
    match row {
        Some(row) if ok && !row.disabled => {
            guard.succeeded(&login)?;
            Ok(row.user)
        }
        _ => {
            guard.failed(&login, address)?;
            Err(Error::BadCredentials)
        }
    }
}

/// Hands out a fresh nonce for an enrolling device to sign; each is good once, for a few
/// minutes.
pub async fn enrol_challenge(State(st): State<AppState>) -> Result<Json<EnrolChallenge>, Error> {
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).map_err(|e| Error::Internal(format!("random: {e}")))?;
    let now = crate::now_ms();
    let expires_at = now.saturating_add(st.limits.enrol_challenge_ttl_ms);
    let max_live = st.limits.max_live_enrol_challenges;
    let stored = st
        .db
        .write(move |s| s.enrol_challenge_insert(&nonce, expires_at, now, max_live))
        .await?;
    if !stored {
        return Err(Error::RetryLater {
            code: "enrol_busy",
            message: "同时登记的设备太多，请稍后再试".into(),
            retry_after_s: 30,
        });
    }
    Ok(Json(EnrolChallenge {
        nonce: hex::encode(nonce),
        expires_at,
    }))
}

fn bad_proof(message: &str) -> Error {
    Error::unprocessable(
        "bad_enrol_proof",
        format!("{message}：请重新领取挑战并用设备密钥签名后再登记"),
    )
}

/// Checks what an enrolment carries before any password is looked at: its lengths, a usable
/// key (not a small-order point, under which a null signature would verify) that is not the
/// server's, a device id that is not the server's, and a signature by that key over a challenge.
/// Answers the nonce to use up.
fn check_enrol_request(st: &AppState, req: &EnrolRequest) -> Result<[u8; 32], Error> {
    let name_chars = req.device_name.trim().chars().count();
    if name_chars == 0 || req.device_name.chars().count() > MAX_DEVICE_NAME_CHARS {
        return Err(Error::unprocessable(
            "bad_device_name",
            format!("设备名称必填，最多 {MAX_DEVICE_NAME_CHARS} 字"),
        ));
    }
    if req.device == st.chain.device || req.public_key == st.chain.public_key() {
        return Err(Error::conflict(
            "device_id_reserved",
            "该设备编号或密钥属于服务器本身，不能用于登记设备",
        ));
    }
    let key = ed25519_dalek::VerifyingKey::from_bytes(&req.public_key.0)
        .map_err(|_| Error::unprocessable("bad_public_key", "设备公钥不是有效的 Ed25519 公钥"))?;
    if key.is_weak() {
        return Err(Error::unprocessable(
            "weak_public_key",
            "设备公钥是弱密钥（小阶点），任何签名都无法证明身份；请重新生成设备密钥",
        ));
    }
    let (Some(challenge), Some(signature)) = (&req.challenge, &req.signature) else {
        return Err(Error::unprocessable(
            "enrol_proof_required",
            "登记设备需要先领取服务器的挑战并用设备密钥签名；请升级应用后再登记",
        ));
    };
    let mut nonce = [0u8; 32];
    hex::decode_to_slice(challenge, &mut nonce).map_err(|_| bad_proof("挑战格式不对"))?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(signature, &mut sig).map_err(|_| bad_proof("签名格式不对"))?;
    let message = enrol_proof_message(challenge, req.device, &req.public_key, &req.login);
    key.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| bad_proof("签名与设备公钥或挑战不符"))?;
    Ok(nonce)
}

pub async fn enrol(
    State(st): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: Body<EnrolRequest>,
) -> Result<Json<EnrolResponse>, Error> {
    let Body(req) = body;
    let nonce = check_enrol_request(&st, &req)?;
    // Used up before the password is checked: one challenge, one try.
    let now = crate::now_ms();
    let fresh = st.db.write(move |s| s.enrol_challenge_take(&nonce, now)).await?;
    if !fresh {
        return Err(Error::unprocessable(
            "challenge_invalid",
            "挑战已过期、已用过或不是本服务器发出的；请重新领取后再登记",
        ));
    }
    let user = sign_in(&st, req.login, req.password, address).await?;
    let token = auth::new_token(auth::DEVICE_TOKEN_PREFIX)?;
    let hash = auth::token_hash(&token);
    let expires_at = crate::now_ms().saturating_add(st.limits.device_token_ttl_ms);
    // The device chose its id when its store was created (its events may predate this). A
    // device signing in again keeps its id and chain; an id held by another key, or by the
    // server's own chain, is refused.
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
        .write(move |s| {
            match s.device_lock(id)? {
                None => s.device_insert(&device, None)?,
                Some(known) if known.user.is_none() => {
                    return Err(Error::conflict(
                        "device_id_reserved",
                        "该设备编号属于服务器本身，不能用于登记设备",
                    ));
                }
                Some(known) if known.public_key != device.public_key => {
                    return Err(Error::Conflict {
                        code: "device_id_taken",
                        message: "该设备编号已由另一把密钥登记；请勿复制设备数据，或联系管理员".into(),
                    });
                }
                Some(known) if known.revoked_at.is_some() => {
                    return Err(Error::Revoked("该设备已被注销，不能再登录；请联系管理员".into()));
                }
                Some(_) => {
                    s.device_reenrol(id, user_id, &device.name, &hash)?;
                }
            }
            s.device_set_token(id, Some(&hash), Some(expires_at))?;
            Ok(())
        })
        .await?;
    tracing::info!(device = %id, user = %user.login, "device enrolled");
    Ok(Json(EnrolResponse {
        device: id,
        token,
        user,
        server_device: st.chain.device,
        server_public_key: st.chain.public_key(),
        token_expires_at: Some(expires_at),
    }))
}

/// Gives the calling device a new token for a full lifetime; the one it called with stops
/// working at once.
pub async fn token_refresh(
    State(st): State<AppState>,
    auth: AuthDevice,
) -> Result<Json<TokenRefreshResponse>, Error> {
    let token = auth::new_token(auth::DEVICE_TOKEN_PREFIX)?;
    let hash = auth::token_hash(&token);
    let expires_at = crate::now_ms().saturating_add(st.limits.device_token_ttl_ms);
    let old = auth.token;
    let swapped = st
        .db
        .write(move |s| s.device_replace_token(&old, &hash, expires_at))
        .await?;
    if !swapped {
        return Err(Error::Unauthenticated);
    }
    tracing::info!(device = %auth.device.id, "device token refreshed");
    Ok(Json(TokenRefreshResponse { token, expires_at }))
}

/// The device signs out: its token stops working; the device stays enrolled and may sign in
/// again with a user's credentials.
pub async fn token_revoke(
    State(st): State<AppState>,
    auth: AuthDevice,
) -> Result<axum::http::StatusCode, Error> {
    let h = auth.token;
    st.db.write(move |s| s.device_drop_token(&h)).await?;
    tracing::info!(device = %auth.device.id, "device signed out");
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub login: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionResponse {
    pub token: String,
    pub user: User,
    /// Unix ms when the session ends; sign in again after.
    #[serde(default)]
    pub expires_at: i64,
}

/// Signs a user in for the office API.
pub async fn session(
    State(st): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: Body<SessionRequest>,
) -> Result<Json<SessionResponse>, Error> {
    let Body(req) = body;
    let user = sign_in(&st, req.login, req.password, address).await?;
    let token = auth::new_token(auth::SESSION_TOKEN_PREFIX)?;
    let hash = auth::token_hash(&token);
    let id = user.id;
    let now = crate::now_ms();
    let expires_at = now.saturating_add(st.limits.session_ttl_ms);
    st.db
        .write(move |s| s.session_insert(&hash, id, now, expires_at))
        .await?;
    Ok(Json(SessionResponse {
        token,
        user,
        expires_at,
    }))
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
    body: Body<RawPush>,
) -> Result<Json<PushResponse>, Error> {
    let Body(req) = body;
    if req.events.len() > MAX_PUSH_EVENTS {
        return Err(Error::TooLarge(format!(
            "一次最多推送 {MAX_PUSH_EVENTS} 个事件，本次 {} 个",
            req.events.len()
        )));
    }
    let now = UnixMs(crate::now_ms());
    let device = auth.device.id;
    let user = auth.user;
    let window = st.limits.clock_window;
    let answer = st
        .db
        .write(move |s| crate::ingest::push(s, device, &user, &req.events, now, &window))
        .await?;
    Ok(Json(answer))
}

pub async fn pull(
    State(st): State<AppState>,
    auth: AuthDevice,
    headers: axum::http::HeaderMap,
    query: QueryOf<PullRequest>,
) -> Result<Json<PullResponse>, Error> {
    // Reaches looked at for the ones naming the user as a chief: far more than a subdistrict has.
    const MAX_REACHES_SCANNED: u32 = 100_000;
    let QueryOf(req) = query;
    let limit = req.limit.unwrap_or(500).clamp(1, MAX_PULL_EVENTS);
    let after = i64::try_from(req.after).map_err(|_| Error::bad_request("bad_cursor", "游标太大"))?;
    let server_device = st.chain.device;
    let user = auth.user;
    let rows = st
        .db
        .read(move |s| {
            let units = s.units()?;
            let all: Vec<_> = units.iter().map(|u| u.id).collect();
            let mut reaches = Vec::new();
            let kind = xuncha_domain::payload::AggregateKind::Reach;
            for row in s.aggregates_of_units(kind, &all, MAX_REACHES_SCANNED)? {
                if let xuncha_domain::state::AggregateState::Reach(r) = crate::fold::parse_state(&row.state)?
                {
                    reaches.push(r);
                }
            }
            let visibility = crate::scope::visibility(&units, &reaches, &user, server_device);
            s.events_after(after, &visibility, limit + 1)
        })
        .await?;
    let mut more = rows.len() > limit as usize;
    let mut events = Vec::with_capacity(rows.len().min(limit as usize));
    let client = xuncha_domain::wire::client_wire_version(
        headers
            .get(xuncha_domain::wire::WIRE_VERSION_HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    for (cursor, body) in rows.into_iter().take(limit as usize) {
        let event = crate::fold::parse_event(&body)?;
        // A client too old to read an event stops just before it: the cursor never passes an
        // event it has not received, so after its update it pulls on from there and loses
        // nothing.
        if event.payload.wire_version() > client {
            more = false;
            break;
        }
        events.push(PulledEvent {
            cursor: cursor as u64,
            event,
        });
    }
    let cursor = events.last().map_or(req.after, |e| e.cursor);
    Ok(Json(PullResponse { events, cursor, more }))
}
