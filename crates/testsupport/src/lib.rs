//! What the workspace's tests share, written once: where the real fixtures are, the reference
//! data an office would send (units, users, reaches, sites, a checklist), and — with the
//! feature `server` — a test database of either backend, a server on 127.0.0.1:0, a seeded
//! subdistrict and a phone that signs and chains its events like a real device.
//!
//! It is test code: a failure here is the test failing, so it panics rather than returning
//! errors. It must never hold a copy of a fixture: they stay in `shared/fixtures`.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod fixtures;
pub mod pdf;
pub mod reference_data;

#[cfg(feature = "server")]
mod backend;
#[cfg(feature = "server")]
mod phone;
#[cfg(feature = "server")]
mod process;
#[cfg(feature = "server")]
mod seed;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "server")]
pub mod sheet;

#[cfg(feature = "server")]
pub use backend::{Backend, postgres, sqlite};
#[cfg(feature = "server")]
pub use phone::*;
#[cfg(feature = "server")]
pub use process::ServerProcess;
#[cfg(feature = "server")]
pub use seed::{Seed, seed};
#[cfg(feature = "server")]
pub use server::{TestServer, answer_of, code_of, outcome_status, signed_enrol_request};

/// Every seeded user's password: their login, dressed.
pub fn password_of(login: &str) -> String {
    format!("pw-{login}-secret")
}
/// Runs a story on SQLite and on PostgreSQL (see `postgres()` for when the latter is skipped).
#[cfg(feature = "server")]
#[macro_export]
macro_rules! story {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name(&$crate::sqlite()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(b) = $crate::postgres() {
                    super::$name(&b).await;
                }
            }
        }
    };
}
