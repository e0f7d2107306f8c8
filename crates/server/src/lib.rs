//! xuncha-server: the place every record ends up. Devices enrol and push their signed event
//! chains, which are checked and stored exactly once; devices pull the reference data and the
//! office's decisions they may see; photos arrive as resumable, hash-verified blobs; the office
//! lists records and decides on findings. Storage is SQLite or PostgreSQL behind one trait,
//! chosen by URL at start.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod blobs;
pub mod console;
pub mod db;
pub mod decisions;
pub mod demo;
pub mod demo_year;
pub mod documents;
pub mod error;
pub mod evidence;
pub mod export;
mod extract;
pub mod facts;
pub mod fold;
pub mod geo_export;
pub mod ingest;
pub mod jobs;
pub mod ledger;
pub mod limits;
pub mod office;
pub mod office_views;
pub mod openapi;
pub mod photo_export;
pub mod records;
pub mod scope;
pub mod server_chain;
pub mod sync;
pub mod tracks;

pub use app::{AppState, Config, launch_with_tcp_listener};
pub use error::Error;

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
