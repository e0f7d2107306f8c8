//! The device core's integration tests.
//! One test binary for the crate (each file a module): one link instead of one per file.

mod photo_tools;
mod support;

mod access_offline;
mod blob_crash;
mod clock_and_flags;
mod convergence;
mod finding_flags;
mod fuzz_inputs;
mod gpx_fixtures;
mod photo_clock;
mod photo_exif;
mod photo_fixtures;
mod photo_heif;
mod photo_png_webp;
mod photo_words;
mod store;
