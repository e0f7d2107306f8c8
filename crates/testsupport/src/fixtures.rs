//! Where the real fixtures are (camera photos, GPX tracks, with their attributions): never in
//! this repository, but in `XUNCHA_FIXTURES`, else in `shared/fixtures` beside the clone. A
//! test that needs them starts with `require_fixtures!()`, which skips it with a loud notice
//! when they are absent; when they are present the test runs as it always did.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The fixtures' folder beside the clone: `<workspace>/../shared/fixtures`.
const BESIDE_THE_CLONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures");

/// The fixtures' folder, if it exists: `XUNCHA_FIXTURES`, else `shared/fixtures` beside the clone.
pub fn dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::var_os("XUNCHA_FIXTURES")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(BESIDE_THE_CLONE));
        dir.is_dir().then_some(dir)
    })
    .as_deref()
}

/// Where the fixtures were looked for, for the notice.
pub fn looked_for() -> PathBuf {
    std::env::var_os("XUNCHA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(BESIDE_THE_CLONE))
}

/// A fixture's path, `rel` inside the fixtures' folder. Call it after `require_fixtures!()`:
/// without the fixtures it panics.
pub fn path(rel: &str) -> PathBuf {
    match dir() {
        Some(d) => d.join(rel),
        None => panic!(
            "fixture {rel}: no fixtures at {} (start the test with require_fixtures!())",
            looked_for().display()
        ),
    }
}

/// A fixture's bytes.
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(path(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Says loudly that a test is skipped for want of the fixtures.
pub fn skip_notice(test: &str) {
    eprintln!(
        "SKIPPED {test}: real fixtures not found at {}; set XUNCHA_FIXTURES or place shared/ beside the clone",
        looked_for().display()
    );
}

/// Returns from the calling test (with `$ret`, or `()`) after a loud notice when the real
/// fixtures are absent.
#[macro_export]
macro_rules! require_fixtures {
    () => {
        $crate::require_fixtures!(())
    };
    ($ret:expr) => {
        if $crate::fixtures::dir().is_none() {
            $crate::fixtures::skip_notice(module_path!());
            return $ret;
        }
    };
}
