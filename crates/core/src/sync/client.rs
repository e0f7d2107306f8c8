//! The HTTP side of sync: one typed call per route of the sync contract (`xuncha_domain::wire`),
//! each retried with exponential backoff and jitter when the failure is transient (no
//! connection, a timeout, 429, 502/503/504). A client's fault (4xx) is never retried.

use crate::error::{CoreError, Result};
use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use xuncha_domain::BlobHash;
use xuncha_domain::wire::*;

/// How hard to try before giving up on one call.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(200),
            max: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a random wait between zero and the exponential bound.
    fn delay(&self, attempt: u32) -> Duration {
        let bound = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.max);
        let mut r = [0u8; 4];
        let frac = match getrandom::fill(&mut r) {
            Ok(()) => u32::from_le_bytes(r) as f64 / u32::MAX as f64,
            Err(_) => 0.5,
        };
        bound.mul_f64(frac)
    }
}

pub struct Client {
    http: Http,
    base: String,
    token: Option<String>,
    pub retry: RetryPolicy,
    /// Retries made so far (for progress).
    pub retries: u32,
    /// What failed last before a retry.
    pub last_failure: Option<String>,
}

fn transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

impl Client {
    pub fn new(server_url: &str, token: Option<String>) -> Result<Client> {
        let http = Http::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("xuncha/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Network {
                message: format!("无法创建网络客户端：{e}"),
                transient: false,
            })?;
        let base = server_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CoreError::Other(format!(
                "服务器地址 {server_url:?} 需以 http:// 或 https:// 开头"
            )));
        }
        Ok(Client {
            http,
            base,
            token,
            retry: RetryPolicy::default(),
            retries: 0,
            last_failure: None,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.base)
    }

    /// Sends a request built by `build` until it succeeds, fails for good, or attempts run out.
    fn send(
        &mut self,
        what: &str,
        build: impl Fn(&Http) -> reqwest::blocking::RequestBuilder,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let mut req = build(&self.http).header(WIRE_VERSION_HEADER, WIRE_VERSION.to_string());
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            let failure = match req.send() {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                // Without a token this is a sign-in: a person waits, so a refusal to try again
                // later (too many wrong passwords) is shown to them with its wait, not retried.
                Ok(resp) if resp.status() == StatusCode::TOO_MANY_REQUESTS && self.token.is_none() => {
                    return Err(server_error(resp));
                }
                Ok(resp) if transient(resp.status()) => {
                    format!("{what}：服务器暂时不可用（{}）", resp.status())
                }
                Ok(resp) => return Err(server_error(resp)),
                Err(e) => format!("{what}：{}", describe(&e)),
            };
            attempt += 1;
            if attempt >= self.retry.attempts {
                return Err(CoreError::Network {
                    message: failure,
                    transient: true,
                });
            }
            self.retries += 1;
            self.last_failure = Some(failure);
            std::thread::sleep(self.retry.delay(attempt));
        }
    }

    fn json<T: DeserializeOwned>(&mut self, what: &str, resp: Response) -> Result<T> {
        let bytes = resp.bytes().map_err(|e| CoreError::Network {
            message: format!("{what}：{}", describe(&e)),
            transient: true,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| CoreError::Server {
            status: 200,
            code: "bad_answer".into(),
            message: format!("{what}：服务器的应答无法解析（{e}）"),
        })
    }

    fn post_json<B: Serialize, T: DeserializeOwned>(
        &mut self,
        what: &str,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let url = self.url(path);
        let body = serde_json::to_vec(body).map_err(|e| CoreError::corrupt("请求", e))?;
        let resp = self.send(what, |h| {
            h.post(&url)
                .header("content-type", "application/json")
                .body(body.clone())
        })?;
        self.json(what, resp)
    }

    /// A fresh challenge to sign before enrolling.
    pub fn enrol_challenge(&mut self) -> Result<EnrolChallenge> {
        let url = self.url("/enrol/challenge");
        let resp = self.send("登录", |h| h.post(&url))?;
        self.json("登录", resp)
    }

    pub fn enrol(&mut self, req: &EnrolRequest) -> Result<EnrolResponse> {
        self.post_json("登录", "/enrol", req)
    }

    /// Swaps this client's token for a new one (the old one stops working on the server) and
    /// uses the new one from now on.
    pub fn refresh_token(&mut self) -> Result<TokenRefreshResponse> {
        let url = self.url("/token/refresh");
        let resp = self.send("更新令牌", |h| h.post(&url))?;
        let answer: TokenRefreshResponse = self.json("更新令牌", resp)?;
        self.token = Some(answer.token.clone());
        Ok(answer)
    }

    /// Ends this client's token on the server (signing out).
    pub fn revoke_token(&mut self) -> Result<()> {
        let url = self.url("/token/revoke");
        self.send("退出登录", |h| h.post(&url))?;
        Ok(())
    }

    pub fn push(&mut self, req: &PushRequest) -> Result<PushResponse> {
        self.post_json("上传记录", "/sync/push", req)
    }

    pub fn pull(&mut self, after: u64, limit: u32) -> Result<PullResponse> {
        let url = self.url(&format!("/sync/pull?after={after}&limit={limit}"));
        let resp = self.send("下载更新", |h| h.get(&url))?;
        self.json("下载更新", resp)
    }

    pub fn missing(&mut self, hashes: &[BlobHash]) -> Result<Vec<BlobHash>> {
        let r: MissingBlobsResponse = self.post_json(
            "核对照片",
            "/blobs/missing",
            &MissingBlobsRequest {
                hashes: hashes.to_vec(),
            },
        )?;
        Ok(r.missing)
    }

    pub fn upload_status(&mut self, hash: &BlobHash) -> Result<UploadStatus> {
        let url = self.url(&format!("/blobs/{hash}/upload"));
        let resp = self.send("查询上传进度", |h| h.get(&url))?;
        self.json("查询上传进度", resp)
    }

    /// Sends one chunk; no retry here (the caller resumes from the server's offset instead).
    pub fn upload_chunk(
        &mut self,
        hash: &BlobHash,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadStatus> {
        let url = self.url(&format!("/blobs/{hash}/upload?offset={offset}&total={total}"));
        let mut req = self
            .http
            .put(&url)
            .header("content-type", "application/octet-stream")
            .body(chunk);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        match req.send() {
            Ok(resp) if resp.status().is_success() => self.json("上传照片", resp),
            Ok(resp) if transient(resp.status()) => Err(CoreError::Network {
                message: format!("上传照片：服务器暂时不可用（{}）", resp.status()),
                transient: true,
            }),
            Ok(resp) => Err(server_error(resp)),
            Err(e) => Err(CoreError::Network {
                message: format!("上传照片：{}", describe(&e)),
                transient: true,
            }),
        }
    }

    /// Waits before the next try of a step the caller retries itself.
    pub fn back_off(&mut self, attempt: u32, failure: &str) -> Result<()> {
        if attempt >= self.retry.attempts {
            return Err(CoreError::Network {
                message: failure.to_owned(),
                transient: true,
            });
        }
        self.retries += 1;
        self.last_failure = Some(failure.to_owned());
        std::thread::sleep(self.retry.delay(attempt));
        Ok(())
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "网络超时".to_owned()
    } else if e.is_connect() {
        "无法连接服务器".to_owned()
    } else {
        format!("网络中断（{e}）")
    }
}

fn server_error(resp: Response) -> CoreError {
    let status = resp.status().as_u16();
    let body: Option<ErrorBody> = resp.bytes().ok().and_then(|b| serde_json::from_slice(&b).ok());
    let (code, message) = match body {
        Some(b) => (b.code, b.message),
        None => ("http_error".to_owned(), format!("服务器返回 {status}")),
    };
    let message = match status {
        401 => format!("设备未获授权（{message}）：令牌已失效或被注销，请重新登录"),
        _ => message,
    };
    CoreError::Server {
        status,
        code,
        message,
    }
}
