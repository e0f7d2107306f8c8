//! End-to-end: devices (real cores) against a real server on 127.0.0.1, on SQLite and PostgreSQL.
//! One test binary for the crate (each file a module): one link instead of one per file.

mod another_user;
mod fault_injection;
mod flagged_pull;
mod late_entry;
mod sign_out_and_refresh;
mod sync_progress;
mod two_devices;
