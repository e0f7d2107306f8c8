//! The one error type of xuncha-core. Every error has a stable `code` for programs (the app
//! reacts to codes, never parses messages) and a message in plain words for people.

use serde::{Deserialize, Serialize};
use xuncha_domain::state::Rejection;
use xuncha_domain::validate::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input is wrong; the message says what to fix.
    #[error("输入有误：{0}")]
    Invalid(#[from] ValidationError),
    /// The action breaks a rule of the record's lifecycle; nothing was saved.
    #[error("操作不允许：{0}")]
    Refused(Rejection),
    #[error("找不到{what}：{id}")]
    NotFound { what: &'static str, id: String },
    #[error("设备尚未绑定用户：{0}")]
    NotSetUp(String),
    #[error("数据库错误：{0}")]
    Database(#[from] rusqlite::Error),
    #[error("存储的数据无法读取（{context}）：{source}")]
    Corrupt {
        context: String,
        source: serde_json::Error,
    },
    #[error("存储的数据库由更新版本的 xuncha 创建（版本 {found}，本程序支持到 {supported}），请升级应用")]
    TooNew { found: i64, supported: i64 },
    #[error("文件操作失败：{0}")]
    Io(#[from] std::io::Error),
    /// The network failed; `transient` failures are worth trying again later.
    #[error("{message}")]
    Network { message: String, transient: bool },
    /// The server answered with an error; 4xx means this request will not succeed as it is.
    #[error("服务器拒绝（{status} {code}）：{message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("设备尚未登录服务器，请先在设置中登录")]
    NotEnrolled,
    #[error("另一次同步正在进行，请稍候")]
    SyncBusy,
    #[error("同步已取消，下次同步会从中断处继续")]
    Cancelled,
    /// A photo could not be taken in; the message says why (damaged, not a photo, too large…).
    #[error("照片无法导入：{0}")]
    Photo(String),
    #[error("GPX 文件有误：{0}")]
    Gpx(#[from] crate::gpx::GpxError),
    #[error("{0}")]
    Other(String),
}

impl CoreError {
    pub fn code(&self) -> &str {
        match self {
            CoreError::Invalid(_) => "invalid_input",
            CoreError::Refused(r) => &r.code,
            CoreError::NotFound { .. } => "not_found",
            CoreError::NotSetUp(_) => "not_set_up",
            CoreError::Database(_) => "database",
            CoreError::Corrupt { .. } => "corrupt",
            CoreError::TooNew { .. } => "store_too_new",
            CoreError::Io(_) => "io",
            CoreError::Network { .. } => "network",
            CoreError::Server { code, .. } => code,
            CoreError::NotEnrolled => "not_enrolled",
            CoreError::SyncBusy => "sync_busy",
            CoreError::Cancelled => "cancelled",
            CoreError::Gpx(_) => "bad_gpx",
            CoreError::Photo(_) => "bad_photo",
            CoreError::Other(_) => "other",
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }

    pub(crate) fn corrupt(context: impl Into<String>, source: serde_json::Error) -> Self {
        CoreError::Corrupt {
            context: context.into(),
            source,
        }
    }
}

impl From<Rejection> for CoreError {
    fn from(r: Rejection) -> Self {
        CoreError::Refused(r)
    }
}

/// The shape in which an error crosses to a front end: `{"code": "...", "message": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
