//! Over 500 lines: half of it is the unit tests of the buckets, the upload budget and the sign-in back-off.
//! The limits that keep one client from hurting the rest: sizes (bodies, batches, blobs), a
//! per-device request rate (a token bucket per device), how long tokens and enrolment
//! challenges live, and the sign-in guard: exponential back-off after failed passwords per login
//! and per client address, and a bounded number of password checks of their own, so a flood of
//! sign-ins can neither guess on nor take the cores that push and pull need. The buckets and the
//! back-off are in this process's memory: with several processes each enforces its own share,
//! and a restart forgets them. Breaking a limit gets 413 or 429 (with `Retry-After` where the
//! wait is known), nothing else.

use crate::error::Error;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use xuncha_domain::DeviceId;

#[derive(Clone, Debug)]
pub struct Limits {
    /// Any JSON body but a push.
    pub max_json_bytes: usize,
    /// A push body.
    pub max_push_bytes: usize,
    /// One chunk of a blob upload.
    pub max_chunk_bytes: usize,
    /// A whole blob.
    pub max_blob_bytes: u64,
    /// How far ahead of the server's clock an event's stamps and times may lie (never before
    /// 2000 either); beyond it an event is kept flagged `invalid` and its stamp never adopted.
    pub clock_window: xuncha_domain::time::TimeWindow,
    /// Bytes one device may hold in unfinished uploads at once (its quota on the server).
    pub max_pending_upload_bytes: u64,
    /// An unfinished upload no part of which arrived for this long is swept; so is a stored
    /// blob no event names, this long after it was stored; the sweep runs this often.
    pub abandoned_upload_after_ms: i64,
    pub unnamed_blob_after_ms: i64,
    pub sweep_every_ms: u64,
    /// Sustained requests per minute per device, and the burst allowed above it. Blob uploads
    /// (the chunk PUT and the batch) draw on the upload budget below instead.
    pub device_requests_per_minute: u32,
    pub device_burst: u32,
    /// The largest blob one frame of `POST /blobs/batch` may carry; a larger one goes by the
    /// chunked PUT.
    pub max_batch_blob_bytes: u64,
    /// The most frames one batch may carry.
    pub max_batch_frames: usize,
    /// Uploaded bytes per minute per device (chunk PUTs and batches, each request counted at
    /// least [`UPLOAD_REQUEST_MIN_BYTES`]), and the burst allowed above it (never less than one
    /// chunk): generous enough that a year's backlog sent over a LAN never meets it.
    pub device_upload_bytes_per_minute: u64,
    pub device_upload_burst_bytes: u64,
    /// Uploads one device may have in progress at once in this process; one more is told to
    /// retry in a second. The sync sends one at a time; a few more leave room for a client
    /// that sends a record's photos side by side.
    pub device_concurrent_uploads: usize,
    /// How long an office session token works, and a device token until it is refreshed.
    pub session_ttl_ms: i64,
    pub device_token_ttl_ms: i64,
    /// How long an enrolment challenge may be answered, and how many may be outstanding.
    pub enrol_challenge_ttl_ms: i64,
    pub max_live_enrol_challenges: i64,
    /// Failed passwords allowed for one login, and from one address (many people may share
    /// one, behind a NAT), before each further failure doubles the wait.
    pub sign_in_free_failures_per_login: u32,
    pub sign_in_free_failures_per_address: u32,
    /// The first wait after the free failures, and the longest.
    pub sign_in_backoff_base_ms: u64,
    pub sign_in_backoff_max_ms: u64,
    /// A login's or address's failures are forgotten this long after the last one.
    pub sign_in_forget_after_ms: u64,
    /// Password checks (argon2) that may run at once, apart from every other request, and how
    /// long a sign-in waits for one before it is told to come back.
    pub password_checks: usize,
    pub password_check_wait_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 1 << 20,
            max_push_bytes: 32 << 20,
            max_chunk_bytes: 8 << 20,
            max_blob_bytes: 64 << 20,
            clock_window: xuncha_domain::time::TimeWindow::DEFAULT,
            max_pending_upload_bytes: 512 << 20,
            abandoned_upload_after_ms: 7 * 24 * 3_600_000,
            unnamed_blob_after_ms: 7 * 24 * 3_600_000,
            sweep_every_ms: 3_600_000,
            device_requests_per_minute: 1_200,
            device_burst: 300,
            max_batch_blob_bytes: 1 << 20,
            max_batch_frames: 1_000,
            device_upload_bytes_per_minute: 4 << 30,
            device_upload_burst_bytes: 1 << 30,
            device_concurrent_uploads: 8,
            session_ttl_ms: 12 * 3_600_000,
            device_token_ttl_ms: 90 * 24 * 3_600_000,
            enrol_challenge_ttl_ms: 5 * 60_000,
            max_live_enrol_challenges: 10_000,
            sign_in_free_failures_per_login: 5,
            sign_in_free_failures_per_address: 30,
            sign_in_backoff_base_ms: 1_000,
            sign_in_backoff_max_ms: 15 * 60_000,
            sign_in_forget_after_ms: 3_600_000,
            password_checks: 2,
            password_check_wait_ms: 10_000,
        }
    }
}

/// What any upload request costs at least in the upload budget, however small its body: a
/// flood of empty chunks is not free.
pub const UPLOAD_REQUEST_MIN_BYTES: u64 = 4 * 1024;

/// A token bucket: `tokens` refill at `per_second` up to `burst`.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes `cost` tokens, or answers how long until they are there (nothing taken).
    fn take(&mut self, cost: f64, per_second: f64, burst: f64, now: Instant) -> Result<(), Duration> {
        self.tokens =
            (self.tokens + now.saturating_duration_since(self.at).as_secs_f64() * per_second).min(burst);
        self.at = now;
        if self.tokens >= cost {
            self.tokens -= cost;
            return Ok(());
        }
        let deficit = cost - self.tokens;
        Err(Duration::from_secs_f64(
            (deficit / per_second.max(f64::MIN_POSITIVE)).min(86_400.0),
        ))
    }
}

/// A 429 that says how long to wait: whole seconds, rounded up, at least one.
fn rate_limited(wait: Duration) -> Error {
    Error::RateLimited {
        retry_after_s: wait.as_millis().div_ceil(1000).max(1) as u64,
    }
}

/// Whether a request draws from the device's request bucket: blob uploads (the routes whose
/// body is `Body::Chunk`) do not, they are counted by their bytes (`RateLimiter::upload`).
/// `route` is the route's path as declared in `app::ROUTES` (axum's `MatchedPath`).
pub fn counts_as_request(method: &axum::http::Method, route: Option<&str>) -> bool {
    let upload = route
        .and_then(|path| crate::app::route_of(method.as_str(), path))
        .is_some_and(|r| r.body == crate::app::Body::Chunk);
    !upload
}

/// Token buckets per device (requests, and uploaded bytes), the uploads in progress per device,
/// and the sign-in guard.
pub struct RateLimiter {
    requests: DeviceBuckets,
    upload_bytes: DeviceBuckets,
    max_uploads: usize,
    uploads: Mutex<HashMap<DeviceId, usize>>,
    pub sign_in: SignInGuard,
}

/// One upload in progress for a device; dropping it frees the place.
pub struct UploadSlot<'a> {
    rate: &'a RateLimiter,
    device: DeviceId,
}

impl Drop for UploadSlot<'_> {
    fn drop(&mut self) {
        if let Ok(mut uploads) = self.rate.uploads.lock()
            && let Some(n) = uploads.get_mut(&self.device)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                uploads.remove(&self.device);
            }
        }
    }
}

impl RateLimiter {
    pub fn new(limits: &Limits) -> Self {
        let max_chunk = limits.max_chunk_bytes as u64;
        RateLimiter {
            requests: DeviceBuckets::new(
                f64::from(limits.device_requests_per_minute) / 60.0,
                f64::from(limits.device_burst.max(1)),
            ),
            upload_bytes: DeviceBuckets::new(
                limits.device_upload_bytes_per_minute as f64 / 60.0,
                // A request of the largest body must always fit, or it could never pass.
                limits
                    .device_upload_burst_bytes
                    .max(max_chunk + UPLOAD_REQUEST_MIN_BYTES) as f64,
            ),
            max_uploads: limits.device_concurrent_uploads.max(1),
            uploads: Mutex::new(HashMap::new()),
            sign_in: SignInGuard::new(limits),
        }
    }

    /// Takes one request from the device's bucket, or refuses with 429 and the wait until the
    /// bucket holds one again.
    pub fn check(&self, device: DeviceId) -> Result<(), Error> {
        self.requests.take(device, 1.0)
    }

    /// Lets one more upload of the device begin, or refuses with 429 (retry in a second) when
    /// it already has its most in progress.
    pub fn upload_slot(&self, device: DeviceId) -> Result<UploadSlot<'_>, Error> {
        let mut uploads = self
            .uploads
            .lock()
            .map_err(|_| Error::Internal("upload lock".into()))?;
        let n = uploads.entry(device).or_insert(0);
        if *n >= self.max_uploads {
            return Err(Error::RateLimited { retry_after_s: 1 });
        }
        *n += 1;
        Ok(UploadSlot { rate: self, device })
    }

    /// Charges an upload's body (at least [`UPLOAD_REQUEST_MIN_BYTES`]) to the device's upload
    /// budget, or refuses with 429 and the wait until the budget holds it.
    pub fn upload(&self, device: DeviceId, body_bytes: usize) -> Result<(), Error> {
        let cost = (body_bytes as u64).max(UPLOAD_REQUEST_MIN_BYTES) as f64;
        self.upload_bytes.take(device, cost)
    }
}

/// A token bucket per device, all with the same rate and burst.
struct DeviceBuckets {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<DeviceId, Bucket>>,
}

impl DeviceBuckets {
    fn new(per_second: f64, burst: f64) -> Self {
        DeviceBuckets {
            per_second,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` (at most the burst, so that any request can pass in time) from the
    /// device's bucket, or refuses with 429 and the wait until the bucket holds it.
    fn take(&self, device: DeviceId, cost: f64) -> Result<(), Error> {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| Error::Internal("rate lock".into()))?;
        let bucket = buckets.entry(device).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket
            .take(cost.min(self.burst), self.per_second, self.burst, now)
            .map_err(rate_limited)
    }
}

/// Who failed: a login (as typed, trimmed and lower-cased, cut to a bounded length) or a client
/// address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Attempter {
    Login(String),
    Address(IpAddr),
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Instant,
}

/// At most this many logins and addresses are remembered; past it, the stale ones are dropped
/// and, if none is stale, a new one is not tracked (its address still is, or already was).
const MAX_TRACKED: usize = 100_000;

/// Back-off after failed passwords, and the password checks' own capacity.
pub struct SignInGuard {
    free_per_login: u32,
    free_per_address: u32,
    base: Duration,
    max: Duration,
    forget_after: Duration,
    wait: Duration,
    failures: Mutex<HashMap<Attempter, Failures>>,
    checks: tokio::sync::Semaphore,
    argon2_runs: AtomicU64,
}

/// Holding one lets a password check run.
pub type PasswordCheckPermit<'a> = tokio::sync::SemaphorePermit<'a>;

fn login_key(login: &str) -> Attempter {
    Attempter::Login(
        login
            .trim()
            .chars()
            .take(xuncha_domain::wire::MAX_LOGIN_CHARS)
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

impl SignInGuard {
    pub fn new(limits: &Limits) -> Self {
        SignInGuard {
            free_per_login: limits.sign_in_free_failures_per_login,
            free_per_address: limits.sign_in_free_failures_per_address,
            base: Duration::from_millis(limits.sign_in_backoff_base_ms.max(1)),
            max: Duration::from_millis(limits.sign_in_backoff_max_ms.max(limits.sign_in_backoff_base_ms)),
            forget_after: Duration::from_millis(limits.sign_in_forget_after_ms),
            wait: Duration::from_millis(limits.password_check_wait_ms),
            failures: Mutex::new(HashMap::new()),
            checks: tokio::sync::Semaphore::new(limits.password_checks.max(1)),
            argon2_runs: AtomicU64::new(0),
        }
    }

    fn keys(login: &str, address: Option<IpAddr>) -> Vec<Attempter> {
        let mut keys = vec![login_key(login)];
        keys.extend(address.map(Attempter::Address));
        keys
    }

    /// Refuses with 429 and the wait while the login or the address is backing off.
    pub fn check(&self, login: &str, address: Option<IpAddr>) -> Result<(), Error> {
        let now = Instant::now();
        let failures = self
            .failures
            .lock()
            .map_err(|_| Error::Internal("sign-in lock".into()))?;
        let wait = Self::keys(login, address)
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.blocked_until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() {
            return Ok(());
        }
        let retry_after_s = wait.as_millis().div_ceil(1000).max(1) as u64;
        Err(Error::RetryLater {
            code: "too_many_attempts",
            message: format!("密码错误次数过多，请 {retry_after_s} 秒后再试；忘记密码请联系管理员"),
            retry_after_s,
        })
    }

    /// Counts a failed password for the login and the address; past the free failures each one
    /// doubles the wait, up to the longest.
    pub fn failed(&self, login: &str, address: Option<IpAddr>) -> Result<(), Error> {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .map_err(|_| Error::Internal("sign-in lock".into()))?;
        if failures.len() >= MAX_TRACKED {
            let forget = self.forget_after;
            failures.retain(|_, f| now.duration_since(f.last) < forget || f.blocked_until > now);
        }
        for key in Self::keys(login, address) {
            let free = match key {
                Attempter::Login(_) => self.free_per_login,
                Attempter::Address(_) => self.free_per_address,
            };
            if failures.len() >= MAX_TRACKED && !failures.contains_key(&key) {
                continue;
            }
            let f = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                blocked_until: now,
            });
            if now.duration_since(f.last) >= self.forget_after {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
            if f.count > free {
                let doublings = (f.count - free - 1).min(30);
                let wait = self.base.saturating_mul(1u32 << doublings).min(self.max);
                f.blocked_until = now + wait;
            }
        }
        Ok(())
    }

    /// A right password clears the login's failures (not the address's: one good account must
    /// not reset an address that guesses at others).
    pub fn succeeded(&self, login: &str) -> Result<(), Error> {
        self.failures
            .lock()
            .map_err(|_| Error::Internal("sign-in lock".into()))?
            .remove(&login_key(login));
        Ok(())
    }

    /// Waits for a free password check, or refuses with 429 when none frees up in time.
    pub async fn password_check(&self) -> Result<PasswordCheckPermit<'_>, Error> {
        let busy = || Error::RetryLater {
            code: "sign_in_busy",
            message: "登录的人太多，请稍后再试".into(),
            retry_after_s: 5,
        };
        match tokio::time::timeout(self.wait, self.checks.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(Error::Internal("password check semaphore closed".into())),
            Err(_) => Err(busy()),
        }
    }

    /// Counts one argon2 verification (known login or not).
    pub fn count_argon2(&self) {
        self.argon2_runs.fetch_add(1, Ordering::Relaxed);
    }

    /// How many argon2 verifications this process ran: tests use it to see that an unknown
    /// login costs the same work as a known one.
    pub fn argon2_runs(&self) -> u64 {
        self.argon2_runs.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_past_its_burst_is_refused_and_another_is_not() {
        let limits = Limits {
            device_requests_per_minute: 1,
            device_burst: 3,
            ..Limits::default()
        };
        let r = RateLimiter::new(&limits);
        let (a, b) = (DeviceId::new(), DeviceId::new());
        for _ in 0..3 {
            assert!(r.check(a).is_ok());
        }
        // One request a minute: the next is a minute away, and the 429 says so.
        match r.check(a) {
            Err(Error::RateLimited { retry_after_s }) => assert!((59..=60).contains(&retry_after_s)),
            other => panic!("past the burst: {other:?}"),
        }
        assert!(r.check(b).is_ok());
    }

    #[test]
    fn the_wait_is_the_buckets_deficit() {
        let limits = Limits {
            device_requests_per_minute: 600,
            device_burst: 1,
            ..Limits::default()
        };
        let r = RateLimiter::new(&limits);
        let a = DeviceId::new();
        assert!(r.check(a).is_ok());
        // Ten a second: the next token is at most 100 ms away, answered as one whole second.
        match r.check(a) {
            Err(e @ Error::RateLimited { retry_after_s: 1 }) => {
                let resp = axum::response::IntoResponse::into_response(e);
                assert_eq!(resp.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
                assert_eq!(
                    resp.headers()
                        .get(axum::http::header::RETRY_AFTER)
                        .map(|v| v.as_bytes()),
                    Some(&b"1"[..])
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn uploads_are_counted_by_bytes_not_by_requests() {
        let limits = Limits {
            device_requests_per_minute: 1,
            device_burst: 1,
            max_chunk_bytes: 1 << 20,
            device_upload_bytes_per_minute: 60 << 20,
            device_upload_burst_bytes: 4 << 20,
            ..Limits::default()
        };
        let r = RateLimiter::new(&limits);
        let a = DeviceId::new();
        // A year's small blobs in batches never touch the request bucket.
        for _ in 0..4 {
            assert!(r.upload(a, 1 << 20).is_ok());
        }
        // The budget is spent: the next megabyte is a second away (1 MiB/s).
        match r.upload(a, 1 << 20) {
            Err(Error::RateLimited { retry_after_s }) => assert_eq!(retry_after_s, 1),
            other => panic!("{other:?}"),
        }
        assert!(r.check(a).is_ok(), "the request bucket is untouched");
        assert!(
            r.upload(DeviceId::new(), 1 << 20).is_ok(),
            "another device has its own"
        );
    }

    #[test]
    fn an_empty_upload_still_costs_its_minimum() {
        let limits = Limits {
            max_chunk_bytes: 0,
            device_upload_bytes_per_minute: 60 * UPLOAD_REQUEST_MIN_BYTES,
            device_upload_burst_bytes: 2 * UPLOAD_REQUEST_MIN_BYTES,
            ..Limits::default()
        };
        let r = RateLimiter::new(&limits);
        let a = DeviceId::new();
        assert!(r.upload(a, 0).is_ok());
        assert!(r.upload(a, 0).is_ok());
        assert!(matches!(r.upload(a, 0), Err(Error::RateLimited { .. })));
    }

    #[test]
    fn a_device_has_at_most_its_uploads_in_progress() {
        let limits = Limits {
            device_concurrent_uploads: 2,
            ..Limits::default()
        };
        let r = RateLimiter::new(&limits);
        let (a, b) = (DeviceId::new(), DeviceId::new());
        let first = r.upload_slot(a).expect("first");
        let _second = r.upload_slot(a).expect("second");
        assert!(matches!(
            r.upload_slot(a),
            Err(Error::RateLimited { retry_after_s: 1 })
        ));
        assert!(r.upload_slot(b).is_ok(), "another device has its own");
        drop(first);
        assert!(r.upload_slot(a).is_ok(), "a finished upload frees its place");
    }

    #[test]
    fn only_blob_uploads_bypass_the_request_bucket() {
        use axum::http::Method;
        let upload = Some("/api/v1/blobs/{hash}/upload");
        assert!(!counts_as_request(&Method::PUT, upload));
        assert!(!counts_as_request(&Method::POST, Some("/api/v1/blobs/batch")));
        assert!(counts_as_request(&Method::GET, upload));
        assert!(counts_as_request(&Method::POST, Some("/api/v1/sync/push")));
        assert!(counts_as_request(&Method::PUT, None), "no route matched");
    }

    #[test]
    fn failures_past_the_free_ones_back_off_per_login_and_per_address() {
        let limits = Limits {
            sign_in_free_failures_per_login: 2,
            sign_in_free_failures_per_address: 4,
            sign_in_backoff_base_ms: 60_000,
            ..Limits::default()
        };
        let g = SignInGuard::new(&limits);
        let here: Option<IpAddr> = "10.0.0.1".parse().ok();
        let there: Option<IpAddr> = "10.0.0.2".parse().ok();
        for _ in 0..2 {
            assert!(g.check("Chief1", here).is_ok());
            assert!(g.failed("chief1 ", here).is_ok());
        }
        assert!(g.check("chief1", there).is_ok(), "two failures are free");
        assert!(g.failed("chief1", here).is_ok());
        match g.check("CHIEF1", there) {
            Err(Error::RetryLater { retry_after_s, .. }) => assert!((59..=60).contains(&retry_after_s)),
            other => panic!("the login backs off from any address: {other:?}"),
        }
        assert!(g.check("chief2", there).is_ok());
        assert!(g.failed("chief3", here).is_ok());
        assert!(g.failed("chief4", here).is_ok());
        assert!(
            g.check("chief5", here).is_err(),
            "the address backs off for every login"
        );
        assert!(g.check("chief5", there).is_ok());
        assert!(g.succeeded("chief1").is_ok());
        assert!(g.check("chief1", there).is_ok());
    }
}
