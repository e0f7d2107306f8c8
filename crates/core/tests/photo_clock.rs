//! A camera whose clock was never set stamps its photos 1980 or 2000-01-01: such a time is no
//! evidence, and a record may not carry a time before 2000 or ahead of now. The photo is still
//! taken in, without that time, and the reason is said.

mod photo_tools;

use photo_tools::{exiftool_write, fixture};
use xuncha_core::Device;
use xuncha_core::api::{Request, Response};

fn import(device: &Device, path: &std::path::Path) -> xuncha_core::api::media::PhotoImported {
    match device.handle(Request::ImportPhotoFile {
        path: path.to_string_lossy().into_owned(),
        device_fix: None,
        utc_offset_min: Some(480),
    }) {
        Ok(Response::PhotoImported(p)) => *p,
        other => panic!("not imported: {other:?}"),
    }
}

#[test]
fn a_photo_from_a_camera_whose_clock_was_never_set_is_taken_without_its_time() {
    xuncha_testsupport::require_fixtures!();
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::open(&dir.path().join("device.db")).expect("device");
    let original = fixture("gps/DSCN0010.jpg");
    let kept = import(&device, &original);
    assert!(kept.taken_at.is_some(), "a 2008 photo keeps its time");

    for (stamp, year) in [("1980:01:01 00:00:00", "1980"), ("2099:06:01 12:00:00", "2099")] {
        let reset = dir.path().join(format!("reset-{year}.jpg"));
        std::fs::copy(&original, &reset).expect("copy");
        exiftool_write(
            &reset,
            &[
                &format!("-DateTimeOriginal={stamp}"),
                "-OffsetTimeOriginal=+08:00",
            ],
        );
        let p = import(&device, &reset);
        assert_eq!(p.taken_at, None, "{year}");
        let problem = p.exif_problem.unwrap_or_default();
        assert!(problem.contains(year) && problem.contains("不可信"), "{problem}");
        assert!(p.position.is_some(), "everything else is kept");
    }
}
