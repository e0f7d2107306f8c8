//! Who is asking: device tokens (issued at enrolment) for the sync routes, session tokens
//! (issued at sign-in) for the office routes, argon2 password hashes. Tokens are random and
//! only their SHA-256 is stored, so a copy of the database cannot be used to sign in; both kinds
//! expire (`Limits::session_ttl_ms`, `device_token_ttl_ms`) and an expired one is answered 401
//! `token_expired`. Must never log a token or a password.

use crate::app::AppState;
use crate::db::DeviceRow;
use crate::error::Error;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use xuncha_domain::people::User;

pub const DEVICE_TOKEN_PREFIX: &str = "xd_";
pub const SESSION_TOKEN_PREFIX: &str = "xs_";

/// A fresh random token with the given prefix.
pub fn new_token(prefix: &str) -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("random: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|e| Error::Internal(format!("random: {e}")))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| Error::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// A hash of a password nobody knows, made with the same parameters as real ones: a sign-in for
/// an unknown login is checked against it, so it costs the same work as a known login and its
/// answer time does not tell which logins exist.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 32];
        // Without randomness the dummy is still a valid hash of a long unguessable-enough text.
        let _ = getrandom::fill(&mut secret);
        hash_password(&hex::encode(secret)).unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Yb6l2YV1kNQ0vFqW8W2bVzV0y3m2y0k8rW3dXk2aQ4"
                .to_owned()
        })
    })
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

fn bearer(parts: &Parts) -> Result<String, Error> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::Unauthenticated)?;
    value
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(Error::Unauthenticated)
}

/// An enrolled, unrevoked device with an unexpired token, and the user it works for.
#[derive(Clone, Debug)]
pub struct AuthDevice {
    pub device: DeviceRow,
    pub user: User,
    /// The SHA-256 of the token it used, to refresh or end it.
    pub token: [u8; 32],
}

/// A signed-in user (office staff, admins, or any user reading through the office API).
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user: User,
    /// The SHA-256 of the session token, to end the session.
    pub session: [u8; 32],
}

/// Either kind of caller, for routes both may use (blob download).
#[derive(Clone, Debug)]
pub enum Reader {
    Device(AuthDevice),
    User(AuthUser),
}

impl Reader {
    pub fn user(&self) -> &User {
        match self {
            Reader::Device(d) => &d.user,
            Reader::User(u) => &u.user,
        }
    }
}

/// `counted`: whether the request draws from the device's request bucket (blob uploads are
/// counted by their bytes in their handlers instead).
async fn device_of(state: &AppState, token: String, counted: bool) -> Result<AuthDevice, Error> {
    if !token.starts_with(DEVICE_TOKEN_PREFIX) {
        return Err(Error::Unauthenticated);
    }
    let h = token_hash(&token);
    let found = state
        .db
        .read(move |s| {
            let Some(found) = s.device_by_token(&h)? else {
                return Ok(None);
            };
            let user = match found.device.user {
                Some(u) => s.user_by_id(u)?,
                None => None,
            };
            Ok(Some((found, user)))
        })
        .await?;
    let Some((found, user)) = found else {
        return Err(Error::Unauthenticated);
    };
    let (device, expires_at) = (found.device, found.expires_at);
    if device.revoked_at.is_some() {
        return Err(Error::Revoked("此设备的令牌已被吊销，请重新登记设备".into()));
    }
    // A token from before expiry existed (NULL) was given a lifetime by migration 0002.
    if expires_at.is_none_or(|at| at <= crate::now_ms()) {
        return Err(Error::TokenExpired);
    }
    let user = user.ok_or(Error::Unauthenticated)?;
    if user.disabled {
        return Err(Error::Revoked("此用户已停用".into()));
    }
    if counted {
        state.rate.check(device.id)?;
    }
    if found.previous_pending && !found.previous {
        // The device has its refreshed token (it just used it): the one before ends now.
        let id = device.id;
        state
            .db
            .write(move |s| s.device_forget_previous_token(id))
            .await?;
    }
    Ok(AuthDevice {
        device,
        user: user.user,
        token: h,
    })
}

async fn user_of(state: &AppState, token: String) -> Result<AuthUser, Error> {
    if !token.starts_with(SESSION_TOKEN_PREFIX) {
        return Err(Error::Unauthenticated);
    }
    let h = token_hash(&token);
    let user = state
        .db
        .read(move |s| match s.session_user(&h)? {
            Some((id, expires_at)) => Ok(s.user_by_id(id)?.map(|u| (u, expires_at))),
            None => Ok(None),
        })
        .await?;
    let (user, expires_at) = user.ok_or(Error::Unauthenticated)?;
    if expires_at.is_none_or(|at| at <= crate::now_ms()) {
        return Err(Error::TokenExpired);
    }
    if user.disabled {
        return Err(Error::Revoked("此用户已停用".into()));
    }
    Ok(AuthUser {
        user: user.user,
        session: h,
    })
}

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let route = parts.extensions.get::<axum::extract::MatchedPath>();
        let counted = crate::limits::counts_as_request(&parts.method, route.map(|r| r.as_str()));
        device_of(state, bearer(parts)?, counted).await
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        user_of(state, bearer(parts)?).await
    }
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(parts)?;
        if token.starts_with(DEVICE_TOKEN_PREFIX) {
            device_of(state, token, true).await.map(Reader::Device)
        } else {
            user_of(state, token).await.map(Reader::User)
        }
    }
}

/// The address the request came from, for the sign-in back-off. It is the TCP peer: behind a
/// reverse proxy that is the proxy, so the per-address back-off then counts all clients
/// together (forwarded-for headers are not trusted, anyone can write them). `None` when the
/// server was not started with connection info.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Office staff or an admin.
#[derive(Clone, Debug)]
pub struct AuthOffice(pub User);

impl FromRequestParts<AppState> for AuthOffice {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let AuthUser { user, .. } = AuthUser::from_request_parts(parts, state).await?;
        if !crate::scope::is_office(&user) {
            return Err(Error::Forbidden("只有办公室人员可以使用此功能".into()));
        }
        Ok(AuthOffice(user))
    }
}

/// An admin.
#[derive(Clone, Debug)]
pub struct AuthAdmin(pub User);

impl FromRequestParts<AppState> for AuthAdmin {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let AuthUser { user, .. } = AuthUser::from_request_parts(parts, state).await?;
        if !crate::scope::is_admin(&user) {
            return Err(Error::Forbidden("只有管理员可以使用此功能".into()));
        }
        Ok(AuthAdmin(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse").unwrap_or_default();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash_that_no_password_opens() {
        let dummy = dummy_password_hash();
        assert!(PasswordHash::new(dummy).is_ok());
        assert!(!verify_password("", dummy));
        assert_eq!(dummy, dummy_password_hash(), "made once");
    }
}
