//! The HTTP side of sync: one typed call per route of the sync contract (`xuncha_domain::wire`),
//! each retried with exponential backoff and jitter when the failure is transient (no
//! connection, a timeout, 429, 502/503/504) — or, when a 429 or 503 says how long to wait
//! (`Retry-After`, in seconds), after exactly that wait, bounded by [`MAX_RETRY_AFTER`]. A
//! client's fault (4xx) is never retried.

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

/// The longest `Retry-After` honoured; a longer one is waited this long, then tried again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

pub struct Client {
    http: Http,
    base: String,
    token: Option<String>,
    pub retry: RetryPolicy,
    /// Retries made so far (for progress).
    pub retries: u32,
    /// What failed last before a retry.
    pub last_failure: Option<String>,
    /// HTTP requests sent so far, retries included.
    pub requests: u64,
    /// Answers 429 (too many requests) received so far.
    pub rate_limited: u32,
    /// The wait the last transient refusal asked for (`Retry-After`), for the next back-off.
    retry_after: Option<Duration>,
}

/// The wait a 429 or 503 asks for in `Retry-After` (delay-seconds; an HTTP date is not used by
/// our server and is ignored), bounded by [`MAX_RETRY_AFTER`].
fn retry_after(resp: &Response) -> Option<Duration> {
    if !matches!(resp.status().as_u16(), 429 | 503) {
        return None;
    }
    let secs: u64 = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
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
            return Err(CoreError::invalid(
                "server_url",
                format!(" {server_url:?} 需以 http:// 或 https:// 开头"),
                format!("{server_url:?} must start with http:// or https://"),
            ));
        }
        Ok(Client {
            http,
            base,
            token,
            retry: RetryPolicy::default(),
            retries: 0,
            last_failure: None,
            requests: 0,
            rate_limited: 0,
            retry_after: None,
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
            let sent = req.send();
            self.count(&sent);
            let failure = match sent {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                // Without a token this is a sign-in: a person waits, so a refusal to try again
                // later (too many wrong passwords) is shown to them with its wait, not retried.
                Ok(resp) if resp.status() == StatusCode::TOO_MANY_REQUESTS && self.token.is_none() => {
                    return Err(server_error(resp));
                }
                Ok(resp) if transient(resp.status()) => {
                    self.retry_after = retry_after(&resp);
                    format!("{what}：服务器暂时不可用（{}）", resp.status())
                }
                Ok(resp) => return Err(server_error(resp)),
                Err(e) => format!("{what}：{}", describe(&e)),
            };
            attempt += 1;
            self.back_off(attempt, &failure)?;
        }
    }

    /// Counts a request sent, and a 429 answer.
    fn count(&mut self, sent: &reqwest::Result<Response>) {
        self.requests += 1;
        if let Ok(resp) = sent
            && resp.status() == StatusCode::TOO_MANY_REQUESTS
        {
            self.rate_limited += 1;
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
        let sent = req.send();
        self.count(&sent);
        match sent {
            Ok(resp) if resp.status().is_success() => self.json("上传照片", resp),
            Ok(resp) if transient(resp.status()) => {
                // Kept for the caller's `back_off`, which waits exactly that long.
                self.retry_after = retry_after(&resp);
                Err(CoreError::Network {
                    message: format!("上传照片：服务器暂时不可用（{}）", resp.status()),
                    transient: true,
                })
            }
            Ok(resp) => Err(server_error(resp)),
            Err(e) => Err(CoreError::Network {
                message: format!("上传照片：{}", describe(&e)),
                transient: true,
            }),
        }
    }

    /// Many small whole blobs in one request (`POST /blobs/batch`), retried like any call:
    /// sending a frame again is harmless (it is then `held`). An older server without the
    /// route answers 404 or 405, which the caller takes as "send them one by one".
    pub fn upload_batch(&mut self, frames: &[BlobFrame<'_>]) -> Result<BlobBatchResponse> {
        let url = self.url("/blobs/batch");
        let body = encode_blob_frames(frames.iter().copied());
        let resp = self.send("上传照片", |h| {
            h.post(&url)
                .header("content-type", "application/octet-stream")
                .body(body.clone())
        })?;
        self.json("上传照片", resp)
    }

    /// Waits before the next try of a step the caller retries itself: as long as the server's
    /// last `Retry-After` asked, else a jittered exponential back-off.
    pub fn back_off(&mut self, attempt: u32, failure: &str) -> Result<()> {
        let asked = self.retry_after.take();
        if attempt >= self.retry.attempts {
            return Err(CoreError::Network {
                message: failure.to_owned(),
                transient: true,
            });
        }
        self.retries += 1;
        self.last_failure = Some(failure.to_owned());
        std::thread::sleep(asked.unwrap_or_else(|| self.retry.delay(attempt)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::time::Instant;

    /// A server that answers each request it reads with the next of `answers`, one connection
    /// per request.
    fn answering(answers: Vec<&'static str>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let _ = reader.get_mut().write_all(answer.as_bytes());
            }
        });
        url
    }

    const TOO_MANY: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    const MISSING_NONE: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 14\r\nconnection: close\r\n\r\n{\"missing\":[]}";

    #[test]
    fn a_429_with_retry_after_is_waited_out_exactly_and_counted() {
        let url = answering(vec![TOO_MANY, MISSING_NONE]);
        let mut client = Client::new(&url, Some("xd_test".into())).expect("client");
        // A jittered back-off this long would show: the wait must be the server's second.
        client.retry.base = Duration::from_secs(30);
        let started = Instant::now();
        let missing = client
            .missing(&[BlobHash::of(b"x")])
            .expect("answered after the wait");
        let waited = started.elapsed();
        assert!(missing.is_empty());
        assert!(
            waited >= Duration::from_secs(1) && waited < Duration::from_secs(10),
            "{waited:?}"
        );
        assert_eq!((client.retries, client.rate_limited, client.requests), (1, 1, 2));
    }

    #[test]
    fn a_retry_after_is_read_only_from_a_429_or_503_and_bounded() {
        let url = answering(vec![
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 86400\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            "HTTP/1.1 500 Internal Server Error\r\nretry-after: 7\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ]);
        let http = Http::new();
        let long = http.get(&url).send().expect("503");
        assert_eq!(retry_after(&long), Some(MAX_RETRY_AFTER));
        let other = http.get(&url).send().expect("500");
        assert_eq!(retry_after(&other), None);
    }
}
