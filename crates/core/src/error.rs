//! The one error type of xuncha-core. Every error has a stable `code` for programs (the app
//! reacts to codes, never parses messages) and a message in plain words for people.

use serde::{Deserialize, Serialize};
use xuncha_domain::state::Rejection;
use xuncha_domain::validate::ValidationError;
use xuncha_domain::{Lang, Say};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input is wrong; the message says what to fix.
    #[error("{}", .0.say(Lang::Zh))]
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
    #[error("{}", .0.say(Lang::Zh))]
    Photo(#[from] crate::photo::PhotoError),
    #[error("{}", .0.say(Lang::Zh))]
    Gpx(#[from] crate::gpx::GpxError),
    /// An official document could not be made (the record has none yet, or no CJK font).
    #[error("{0}")]
    Document(#[from] xuncha_docs::Error),
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
            CoreError::Document(xuncha_docs::Error::NotAvailable(_)) => "no_such_document",
            CoreError::Document(
                xuncha_docs::Error::FontMissing { .. } | xuncha_docs::Error::FontRead { .. },
            ) => "font_missing",
            CoreError::Document(_) => "document_failed",
            CoreError::Other(_) => "other",
        }
    }

    /// Whether the error is the caller's input (a wrong value, file or photo): to be fixed
    /// by the person, not retried.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            CoreError::Invalid(_) | CoreError::Photo(_) | CoreError::Gpx(_)
        )
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }

    /// Input the caller must fix, found outside the domain's checks (a request's file, address
    /// or setting): the same `invalid_input` as a payload that fails validation. `field` is
    /// the request's field; `problem` follows its name in either language.
    pub(crate) fn invalid(field: &str, problem: impl Into<String>, problem_en: impl Into<String>) -> Self {
        CoreError::Invalid(ValidationError::new(field, problem, problem_en))
    }

    pub(crate) fn corrupt(context: impl Into<String>, source: serde_json::Error) -> Self {
        CoreError::Corrupt {
            context: context.into(),
            source,
        }
    }
}

impl Say for CoreError {
    /// The error in `lang`: one sentence for a person. Messages the server or the network
    /// gave are passed on as they came.
    fn say(&self, lang: Lang) -> String {
        if lang == Lang::Zh {
            return self.to_string();
        }
        match self {
            CoreError::Invalid(e) => e.say(lang),
            CoreError::Photo(e) => e.say(lang),
            CoreError::Gpx(e) => e.say(lang),
            CoreError::Refused(r) => format!("Not allowed ({}): {}", r.code, r.message),
            CoreError::NotFound { what, id } => format!("Not found: {} {id}", noun_en(what)),
            CoreError::NotSetUp(m) => format!("This device is not bound to a user: {m}"),
            CoreError::Database(e) => format!("Database error: {e}"),
            CoreError::Corrupt { context, source } => {
                format!("Stored data cannot be read ({context}): {source}")
            }
            CoreError::TooNew { found, supported } => format!(
                "The device store was made by a newer xuncha (version {found}, this one supports up to {supported}): update the app"
            ),
            CoreError::Io(e) => format!("File operation failed: {e}"),
            CoreError::Network { message, .. } => message.clone(),
            CoreError::Server {
                status,
                code,
                message,
            } => format!("The server refused ({status} {code}): {message}"),
            CoreError::NotEnrolled => {
                "This device is not signed in to a server: sign in under Settings first".into()
            }
            CoreError::SyncBusy => "Another sync is running: please wait".into(),
            CoreError::Cancelled => "Sync cancelled; the next sync continues where this one stopped".into(),
            CoreError::Document(e) => format!("The document could not be made: {e}"),
            CoreError::Other(m) => m.clone(),
        }
    }
}

/// The English for the record kinds `NotFound` names in Chinese.
fn noun_en(what: &str) -> &str {
    match what {
        "巡查" => "patrol",
        "检查" => "inspection",
        "问题" => "finding",
        "河段" => "reach",
        "场所" => "site",
        "用户" => "user",
        "单位" => "unit",
        "检查表" => "checklist",
        "文件" => "file",
        "记录" => "record",
        other => other,
    }
}

impl From<Rejection> for CoreError {
    fn from(r: Rejection) -> Self {
        CoreError::Refused(r)
    }
}

/// The shape in which an error crosses to a front end: `{"code": "...", "message": "..."}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
