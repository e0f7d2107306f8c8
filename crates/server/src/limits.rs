//! The limits that keep one client from hurting the rest: sizes (bodies, batches, blobs) and a
//! per-device request rate (a token bucket per device, in this process's memory; with several
//! processes each enforces its own share). Breaking a limit gets 413 or 429, nothing else.

use crate::error::Error;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;
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
    /// Sustained requests per minute per device, and the burst allowed above it.
    pub device_requests_per_minute: u32,
    pub device_burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 1 << 20,
            max_push_bytes: 32 << 20,
            max_chunk_bytes: 8 << 20,
            max_blob_bytes: 64 << 20,
            device_requests_per_minute: 1_200,
            device_burst: 300,
        }
    }
}

/// Token buckets, one per device.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<DeviceId, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(limits: &Limits) -> Self {
        RateLimiter {
            per_second: f64::from(limits.device_requests_per_minute) / 60.0,
            burst: f64::from(limits.device_burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the device's bucket, or refuses with 429.
    pub fn check(&self, device: DeviceId) -> Result<(), Error> {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| Error::Internal("rate lock".into()))?;
        let (tokens, at) = buckets.entry(device).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens < 1.0 {
            return Err(Error::RateLimited);
        }
        *tokens -= 1.0;
        Ok(())
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
        assert!(matches!(r.check(a), Err(Error::RateLimited)));
        assert!(r.check(b).is_ok());
    }
}
