//! xuncha-core: the device engine.

pub mod gpx;
