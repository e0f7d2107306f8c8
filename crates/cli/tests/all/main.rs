//! The command line's integration tests: the `xuncha` binary run as an operator would.
//! One test binary for the crate (each file a module): one link instead of one per file.

mod support;

mod bad_input;
mod bridge;
mod crash_sync;
mod enrol_sign_out;
mod keystore;
mod scripted_patrol;
