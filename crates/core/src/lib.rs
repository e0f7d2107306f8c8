//! xuncha-core: the device's engine. It owns the device store (the event log in SQLite and the
//! read tables projected from it) and the one API (`api::Request` → `api::Response`) that the
//! app, the CLI and the sync engine all call. It never talks to a window or a terminal.
#![forbid(unsafe_code)]

pub mod api;
pub mod blobs;
pub mod error;
pub mod gpx;
pub mod photo;
pub mod secrets;
pub mod store;
pub mod sync;

pub use api::{Device, Request, Response};
pub use error::{CoreError, ErrorBody, Result};
pub use store::Store;
