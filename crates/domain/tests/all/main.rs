//! The domain's integration tests.
//! One test binary for the crate (each file a module): one link instead of one per file.

mod access_model;
#[path = "support/synthetic.rs"]
mod synthetic;

mod access_fold;
mod bounds;
mod chain;
mod convergence;
mod geo_coords;
mod geo_plausibility;
mod geo_segments;
mod geo_track;
