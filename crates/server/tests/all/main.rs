//! The server's integration tests over real HTTP, on SQLite and PostgreSQL, the attack suite
//! (`attacks/`) among them.
//! One test binary for the crate (each file a module): one link instead of one per file.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;
#[path = "../../../domain/tests/all/access_model/mod.rs"]
mod access_model;

#[path = "../attacks/mod.rs"]
mod attacks;

mod access_matrix;
mod access_property;
mod office_paging;
mod office_plausibility;
mod operator;
mod scale_out;
mod schema_regressions;
mod story;
mod story_blobs_and_limits;
