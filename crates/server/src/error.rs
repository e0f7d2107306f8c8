//! The one error type of the server and how it becomes an HTTP answer: always JSON
//! `{code, message}` (`xuncha_domain::wire::ErrorBody`). A client's fault is a 4xx whose message
//! says what to fix; an internal fault is logged with its detail and answered with a bare 500,
//! never with the detail.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use xuncha_domain::wire::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed (unreadable JSON, a bad hash in the path).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// The request is well-formed but breaks a rule.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("需要登录或设备令牌")]
    Unauthenticated,
    #[error("登录名或密码错误")]
    BadCredentials,
    #[error("{0}")]
    Revoked(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    TooLarge(String),
    /// A device's request or upload budget is spent: answered 429 with `Retry-After`, the
    /// wait until it holds enough again.
    #[error("请求太频繁，请 {retry_after_s} 秒后再试")]
    RateLimited { retry_after_s: u64 },
    /// The token was valid once but its time is up: refresh it or sign in again.
    #[error("令牌已过期，请重新登录")]
    TokenExpired,
    /// Not now: too many failed sign-ins for a login or from an address, or every password
    /// check is busy. Answered 429 with `Retry-After`.
    #[error("{message}")]
    RetryLater {
        code: &'static str,
        message: String,
        retry_after_s: u64,
    },
    /// The client speaks a newer version of the wire shapes than this server.
    #[error("这台设备的应用比服务器新（数据格式版本 {0}，服务器只支持到 {max}）：请管理员升级服务器后再同步", max = xuncha_domain::wire::WIRE_VERSION)]
    ClientTooNew(u32),
    /// A start-up problem: a bad URL, a database that cannot be opened.
    #[error("配置错误: {0}")]
    Config(String),
    /// Something this server needs is not installed or set up (the documents' CJK font):
    /// answered 503 with what to install.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthenticated | Error::BadCredentials | Error::Revoked(_) | Error::TokenExpired => {
                StatusCode::UNAUTHORIZED
            }
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited { .. } | Error::RetryLater { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::ClientTooNew(_) => StatusCode::UPGRADE_REQUIRED,
            Error::Config(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest { code, .. }
            | Error::Unprocessable { code, .. }
            | Error::Conflict { code, .. }
            | Error::RetryLater { code, .. } => code,
            Error::Unauthenticated => "unauthenticated",
            Error::BadCredentials => "bad_credentials",
            Error::Revoked(_) => "token_revoked",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::TooLarge(_) => "too_large",
            Error::RateLimited { .. } => "rate_limited",
            Error::TokenExpired => "token_expired",
            Error::ClientTooNew(_) => "client_too_new",
            Error::Config(_) | Error::Internal(_) => "internal",
            Error::Unavailable(_) => "unavailable",
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Error::Unprocessable {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Error::Config(_) | Error::Internal(_) => {
                tracing::error!(error = %self, "internal error");
                "服务器内部错误，已记录".to_owned()
            }
            other => other.to_string(),
        };
        let retry_after = match &self {
            Error::RetryLater { retry_after_s, .. } | Error::RateLimited { retry_after_s } => {
                Some(*retry_after_s)
            }
            _ => None,
        };
        let body = ErrorBody {
            code: self.code().to_owned(),
            message,
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(s) = retry_after {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(s.max(1)),
            );
        }
        resp
    }
}

impl From<axum::extract::rejection::JsonRejection> for Error {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge("请求体太大".into());
        }
        Error::bad_request("bad_json", r.body_text())
    }
}

impl From<axum::extract::rejection::BytesRejection> for Error {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge("请求体太大".into());
        }
        Error::bad_request("bad_body", r.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for Error {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        Error::bad_request("bad_query", r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for Error {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        Error::bad_request("bad_path", r.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_answers_without_its_detail() {
        let e = Error::Internal("password=hunter2 at db.rs:12".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.code(), "internal");
        let r = e.into_response();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
