//! Sync with the central server: enrolment (proving the device holds its key), token refresh
//! and sign-out, then push the outbox, then the blobs its events
//! refer to, then pull what the office decided — in that order, because events are small and
//! precious and photos are large. Every step can be cut off at any moment and run again: the
//! server stores each event and blob once, and a half-sent blob resumes from the server's
//! offset. One sync at a time per device store, across threads and processes.

mod blobs;
pub mod client;
pub mod engine;
pub mod plan;

pub use client::RetryPolicy;
pub use engine::{SyncOptions, SyncPhase, SyncProgress, SyncReport, enrol, sign_out, sync};

use crate::error::Result;
use xuncha_domain::BlobHash;

/// Where sync reads the blobs it uploads from (the device's blob store).
pub trait BlobSource {
    /// The blob's size, or `None` if this device does not hold it.
    fn size(&self, hash: &BlobHash) -> Option<u64>;
    /// The blob's bytes as stored (the server checks them against the hash).
    fn read(&self, hash: &BlobHash) -> Result<Vec<u8>>;
}
