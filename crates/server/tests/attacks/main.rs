//! The attack suite of issue 11, one test binary (one link instead of one per file): each test
//! attacks a real server on 127.0.0.1 through its public HTTP API, as an attacker would, on
//! SQLite and on PostgreSQL, and asserts the refusal together with what it must leave unchanged.
//!
//! - `writes`: who may write what (classes 1, 2, 3, 6) and what a field user receives;
//! - `time`: clocks (class 4);
//! - `blobs`: photos and other files (class 5);
//! - `batch`: many small blobs in one request, and the upload budget's 429 (issue 13);
//! - `auth`: enrolment and sign-in (classes 7, 8).
#![allow(clippy::unwrap_used)]

mod auth;
mod batch;
mod blobs;
mod time;
mod writes;
