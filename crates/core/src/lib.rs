//! placeholder

pub mod blobs;
pub mod photo;
